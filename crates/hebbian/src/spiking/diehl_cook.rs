//! Unsupervised digit learning with STDP: the network of Diehl & Cook (2015).
//!
//! 784 Poisson inputs drive `n_exc` excitatory neurons through all-to-all plastic
//! synapses. Each excitatory neuron excites one inhibitory partner, and every inhibitory
//! neuron inhibits all excitatory neurons but its partner, so the excitatory neurons
//! compete. An adaptive threshold keeps any one neuron from winning every image.
//!
//! # Equations
//!
//! Excitatory (`e`) and inhibitory (`i`) neurons share one form, with their own constants:
//!
//! ```text
//! τ_m dv/dt   = (v_rest − v) + g_e (E_exc − v) + g_i (E_inh − v)
//! τ_ge dg_e/dt = −g_e            input spike:  g_e ← g_e + w
//! τ_gi dg_i/dt = −g_i
//! τ_θ dθ/dt    = −θ              (excitatory only, during learning)
//! spike when v > v_th − θ_offset + θ  (θ = 0 for inhibitory neurons)
//! at a spike: v ← v_reset, θ ← θ + θ_plus (learning only), refractory for t_ref
//! ```
//!
//! Input `i` fires as a Poisson process with rate `x_i · (r_max + a · r_step)`, where
//! `x_i ∈ [0, 1]` is the pixel intensity and `a` the number of earlier attempts at the
//! same image. An image that draws fewer than `min_spikes` excitatory spikes in its
//! presentation is shown again with rates raised by `x_i · r_step`, which is the paper's
//! 32 Hz for a full-intensity pixel.
//!
//! Plasticity of input synapse `i → j`, with traces that are set to 1 at a spike rather
//! than incremented and decay as `e^{−Δt/τ}` with τ_pre, τ_post1, τ_post2. The default,
//! [`DcRule::Triplet`], is the rule of the authors' published code:
//!
//! ```text
//! arrival of a presynaptic spike:  x_pre ← 1;  w ← clip(w − η_pre · x_post1, 0, w_max)
//! postsynaptic spike:              w ← clip(w + η_post · x_pre · x_post2(t⁻), 0, w_max)
//!                                  x_post1 ← 1;  x_post2 ← 1
//! ```
//!
//! [`DcRule::PowerLaw`] is equation 5 of the paper, with the constants `x_tar = 0.4`,
//! `μ = 0.2` found in the same code (`w_max − w` counts as 0 when a normalized weight
//! exceeds `w_max`):
//!
//! ```text
//! arrival of a presynaptic spike:  x_pre ← 1
//! postsynaptic spike:              w ← clip(w + η_post (x_pre − x_tar)(w_max − w)^μ, 0, w_max)
//! ```
//!
//! A trace below [`TRACE_CUTOFF`] (10⁻¹⁸) counts as zero.
//! `x_post2(t⁻)` is the trace just before the spike resets it, which makes the
//! potentiation depend on the previous postsynaptic spike as in a triplet rule. During
//! learning, each neuron's incoming weights are scaled to sum to `weight_sum` before every
//! presentation: the network normalizes them when it is built and after the rest that
//! ends every learning presentation, so between images the sums are at the target.
//!
//! | symbol | code | unit | published value |
//! |---|---|---|---|
//! | dt | `dt` | ms | 0.5 |
//! | presentation, rest | `presentation`, `rest` | ms | 350, 150 |
//! | r_max, r_step | `max_rate`, `rate_step` | Hz | 63.75 (255/4), 31.875 (255/8) |
//! | τ_m (e, i) | `tau_m` | ms | 100, 10 |
//! | v_rest (e, i) | `v_rest` | mV | −65, −60 |
//! | v_reset (e, i) | `v_reset` | mV | −65, −45 |
//! | v_th (e, i) | `v_th` | mV | −52, −40 |
//! | t_ref (e, i) | `t_ref` | ms | 5, 2 |
//! | E_exc, E_inh (e) | `e_exc`, `e_inh` | mV | 0, −100 |
//! | E_exc, E_inh (i) | `e_exc`, `e_inh` | mV | 0, −85 |
//! | τ_ge, τ_gi | `tau_ge`, `tau_gi` | ms | 1, 2 |
//! | θ at start, θ_plus, τ_θ, θ_offset | `theta_init`, `theta_plus`, `tau_theta`, `theta_offset` | mV, mV, ms, mV | 20, 0.05, 10⁷, 20 |
//! | w (e → i), w (i → e) | `w_exc_inh`, `w_inh_exc` | 1 | 10.4, 17 |
//! | η_pre, η_post | `nu_pre`, `nu_post` | 1 | 10⁻⁴, 10⁻² |
//! | τ_pre, τ_post1, τ_post2 | `tau_pre`, `tau_post1`, `tau_post2` | ms | 20, 20, 40 |
//! | w_max | `w_max` | 1 | 1 |
//! | Σ_i w_ij | `weight_sum` | 1 | 78 |
//! | initial w | `w_init_scale · (U[0, 1) + w_init_offset)` | 1 | 0.3 · (U + 0.01) |
//! | input delays | uniform in `[0, max_delay)` | ms | 0–10 |
//!
//! Conductances are in units of the leak conductance.
//!
//! The paper refers to the authors' published code for most values. The table gives that
//! code's values, which [`DiehlCookParams::default`] uses. The code is set up for 400
//! neurons. The `diehl-cook` experiment of the command line runs 100 neurons by default,
//! so it sets `w_inh_exc = 40` and `nu_post = 0.04` instead. These bring 100 neurons to
//! the paper's accuracy.
//!
//! # Numerical scheme
//!
//! The published network was simulated with forward Euler at dt = 0.5 ms (its equations
//! are not linear, since `g_e` multiplies `v`), and its constants were tuned with that
//! scheme. The conductances keep its discrete kernel: `g_e` and `g_i` fall by the factors
//! `1 − dt/τ_ge` (0.5) and `1 − dt/τ_gi` (0.75) per step. For `v`, forward Euler becomes
//! unstable once `dt (1 + g_e + g_i)/τ_m > 2`, which happens when a few dozen inhibitory
//! neurons spike in the same step (each adds 17 to `g_i`): the potential then oscillates
//! with growing amplitude and the network fires without end. We therefore take the
//! linearly implicit Euler step, with the conductances of the start of the step:
//!
//! ```text
//! v(t + dt) = (v + k (v_rest + g_e E_exc + g_i E_inh)) / (1 + k (1 + g_e + g_i)),  k = dt/τ_m
//! ```
//!
//! It is stable for any conductance. Its change in `v` is the forward step's change
//! divided by `1 + k (1 + g_e + g_i)`, so it is smaller by about `k (1 + g_e + g_i)`:
//! 1 % for an excitatory neuron (k = 0.005) at `g_e + g_i ≈ 1`, 10 % for an inhibitory
//! one (k = 0.05), and more while synchronous inhibition raises `g_i`. This changes the
//! spikes: on the first 100 MNIST training images (seed 1), Brian2 2.9.0 with forward
//! Euler, started from our state before each attempt and given our input spikes, drew
//! 17 % fewer excitatory spikes than this step (1124 against 1328). `θ` and the
//! plasticity traces decay exactly. The parameters are checked so that `dt < τ_ge` and
//! `dt < τ_gi`, which keeps the conductance factors positive.
//!
//! # Order within step `n`
//!
//! 1. Every neuron integrates one step; a refractory neuron is held at `v_reset` while its
//!    conductances keep decaying.
//! 2. Threshold and reset (and `θ += θ_plus` during learning).
//! 3. Excitatory spikes add `w_exc_inh` to their partner's `g_e`; inhibitory spikes add
//!    `w_inh_exc` to the `g_i` of every other excitatory neuron.
//! 4. Input spikes of step `n` enter the delay queue; every input spike due at step `n`
//!    adds `w` to its target's `g_e` and then runs the presynaptic plasticity update.
//! 5. The postsynaptic update for every excitatory neuron that spiked at step `n`.
//!
//! Conductance increments act from step `n + 1` on. A spike at step `n` makes a neuron
//! refractory during steps `n + 1 … n + k − 1` for `t_ref = k · dt`.
//!
//! # Reproducibility
//!
//! Initial weights and delays come from the seed. The input spikes of every presentation
//! come from their own random stream, numbered by a counter of presentations, so the
//! whole state at an image boundary is [`DiehlCookState`]; restoring it continues a run
//! bit for bit.
//!
//! # References
//!
//! Diehl, P. U. & Cook, M. (2015). Unsupervised learning of digit recognition using
//! spike-timing-dependent plasticity. *Front. Comput. Neurosci.* 9:99.
//! doi:10.3389/fncom.2015.00099

use rand::Rng as _;
use rand_distr::{Distribution, Geometric};

use crate::competitive::label::Evaluation;
use crate::error::{Error, Result, check_positive};
use crate::rng::{self, Rng};

/// Marks a neuron or synapse that has not spiked yet.
pub const NEVER: u64 = u64::MAX;

/// Random streams of the model.
mod stream_kind {
    /// Initial weights and delays.
    pub const INIT: u64 = 0xD1 << 56;
    /// Input spikes of presentation `k`: `PRESENTATION | k`.
    pub const PRESENTATION: u64 = 0xD2 << 56;
}

/// Constants of one neuron population (see the table in the module documentation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DcNeuron {
    /// Resting potential in mV.
    pub v_rest: f64,
    /// Reset potential in mV.
    pub v_reset: f64,
    /// Threshold in mV (before the adaptive part for excitatory neurons).
    pub v_th: f64,
    /// Potential at the start of a run in mV.
    pub v_init: f64,
    /// Membrane time constant in ms.
    pub tau_m: f64,
    /// Refractory period in ms; a whole number of steps.
    pub t_ref: f64,
    /// Excitatory reversal potential in mV.
    pub e_exc: f64,
    /// Inhibitory reversal potential in mV.
    pub e_inh: f64,
    /// Decay time constant of `g_e` in ms.
    pub tau_ge: f64,
    /// Decay time constant of `g_i` in ms.
    pub tau_gi: f64,
}

impl DcNeuron {
    /// Returns the excitatory neuron of the paper.
    pub fn excitatory() -> Self {
        DcNeuron {
            v_rest: -65.0,
            v_reset: -65.0,
            v_th: -52.0,
            v_init: -105.0,
            tau_m: 100.0,
            t_ref: 5.0,
            e_exc: 0.0,
            e_inh: -100.0,
            tau_ge: 1.0,
            tau_gi: 2.0,
        }
    }

    /// Returns the inhibitory neuron of the paper.
    pub fn inhibitory() -> Self {
        DcNeuron {
            v_rest: -60.0,
            v_reset: -45.0,
            v_th: -40.0,
            v_init: -100.0,
            tau_m: 10.0,
            t_ref: 2.0,
            e_exc: 0.0,
            e_inh: -85.0,
            tau_ge: 1.0,
            tau_gi: 2.0,
        }
    }

    fn validate(&self, context: &'static str, dt: f64) -> Result<()> {
        for (name, value) in [
            ("v_rest", self.v_rest),
            ("v_reset", self.v_reset),
            ("v_th", self.v_th),
            ("v_init", self.v_init),
            ("e_exc", self.e_exc),
            ("e_inh", self.e_inh),
        ] {
            if !value.is_finite() {
                return Err(Error::invalid_parameter(context, name, "finite", value));
            }
        }
        check_positive(context, "tau_m", self.tau_m)?;
        for (name, value) in [("tau_ge", self.tau_ge), ("tau_gi", self.tau_gi)] {
            check_positive(context, name, value)?;
            if dt >= value {
                return Err(Error::invalid_parameter(
                    context,
                    name,
                    format!(
                        "greater than dt = {dt} ms, since the conductance falls by the forward \
                         Euler factor 1 − dt/τ per step, which must stay positive"
                    ),
                    value,
                ));
            }
        }
        whole_steps(context, "t_ref", self.t_ref, dt)?;
        Ok(())
    }
}

/// Parameters of the network; [`Default`] gives the paper's values with 100 excitatory
/// neurons and 784 inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct DiehlCookParams {
    /// Number of inputs (pixels).
    pub n_input: usize,
    /// Number of excitatory neurons, and of inhibitory neurons.
    pub n_exc: usize,
    /// Step in ms.
    pub dt: f64,
    /// Duration of one presentation in ms.
    pub presentation: f64,
    /// Rest without input after each presentation in ms.
    pub rest: f64,
    /// Rate of a full-intensity pixel in Hz.
    pub max_rate: f64,
    /// Rate added to a full-intensity pixel at each new attempt, in Hz.
    pub rate_step: f64,
    /// Excitatory spikes a presentation needs; fewer makes the image be shown again.
    pub min_spikes: u32,
    /// Attempts per image at most; the last one counts whatever its spikes.
    pub max_attempts: u32,
    /// Excitatory neurons.
    pub exc: DcNeuron,
    /// Inhibitory neurons.
    pub inh: DcNeuron,
    /// Adaptive threshold at the start in mV.
    pub theta_init: f64,
    /// Threshold increase per spike in mV.
    pub theta_plus: f64,
    /// Decay time constant of the threshold in ms.
    pub tau_theta: f64,
    /// Offset subtracted from the threshold in mV.
    pub theta_offset: f64,
    /// Weight of the excitatory → inhibitory synapses.
    pub w_exc_inh: f64,
    /// Weight of the inhibitory → excitatory synapses.
    pub w_inh_exc: f64,
    /// Depression rate at presynaptic spikes.
    pub nu_pre: f64,
    /// Potentiation rate at postsynaptic spikes.
    pub nu_post: f64,
    /// Presynaptic trace time constant in ms.
    pub tau_pre: f64,
    /// First postsynaptic trace time constant in ms.
    pub tau_post1: f64,
    /// Second postsynaptic trace time constant in ms.
    pub tau_post2: f64,
    /// Upper weight bound.
    pub w_max: f64,
    /// Target sum of each neuron's input weights.
    pub weight_sum: f64,
    /// Scale of the initial weights.
    pub w_init_scale: f64,
    /// Offset added to the uniform draw of the initial weights.
    pub w_init_offset: f64,
    /// Input delays are uniform in `[0, max_delay)` ms, rounded down to whole steps.
    pub max_delay: f64,
    /// Plasticity rule of the input synapses.
    pub rule: DcRule,
}

/// Plasticity rule of the input synapses (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DcRule {
    /// The rule of the authors' published code: depression `η_pre · x_post1` at
    /// presynaptic arrivals, potentiation `η_post · x_pre · x_post2(t⁻)` at postsynaptic
    /// spikes.
    Triplet,
    /// Equation 5 of the paper: at a postsynaptic spike,
    /// `Δw = η_post (x_pre − x_tar)(w_max − w)^μ`; nothing at presynaptic arrivals.
    PowerLaw {
        /// Target of the presynaptic trace at a postsynaptic spike.
        x_tar: f64,
        /// Exponent of the weight dependence.
        mu: f64,
    },
}

impl DcRule {
    /// `x_tar` of the authors' code.
    pub const DEFAULT_X_TAR: f64 = 0.4;
    /// `μ` of the authors' code.
    pub const DEFAULT_MU: f64 = 0.2;

    /// Returns the power-law rule with the constants of the authors' code (`x_tar` 0.4, `μ` 0.2).
    pub fn power_law() -> Self {
        DcRule::PowerLaw {
            x_tar: Self::DEFAULT_X_TAR,
            mu: Self::DEFAULT_MU,
        }
    }
}

impl Default for DiehlCookParams {
    fn default() -> Self {
        DiehlCookParams {
            n_input: 784,
            n_exc: 100,
            dt: 0.5,
            presentation: 350.0,
            rest: 150.0,
            max_rate: 63.75,
            rate_step: 31.875,
            min_spikes: 5,
            max_attempts: 20,
            exc: DcNeuron::excitatory(),
            inh: DcNeuron::inhibitory(),
            theta_init: 20.0,
            theta_plus: 0.05,
            tau_theta: 1e7,
            theta_offset: 20.0,
            w_exc_inh: 10.4,
            w_inh_exc: 17.0,
            nu_pre: 1e-4,
            nu_post: 1e-2,
            tau_pre: 20.0,
            tau_post1: 20.0,
            tau_post2: 40.0,
            w_max: 1.0,
            weight_sum: 78.0,
            w_init_scale: 0.3,
            w_init_offset: 0.01,
            max_delay: 10.0,
            rule: DcRule::Triplet,
        }
    }
}

fn whole_steps(context: &'static str, name: &'static str, value: f64, dt: f64) -> Result<u64> {
    if !(value.is_finite() && value >= 0.0) {
        return Err(Error::invalid_parameter(
            context,
            name,
            "finite and ≥ 0",
            value,
        ));
    }
    let steps = (value / dt).round();
    if (steps * dt - value).abs() > 1e-9 * value.max(1.0) {
        return Err(Error::invalid_parameter(
            context,
            name,
            format!("a whole number of steps of dt = {dt} ms"),
            value,
        ));
    }
    Ok(steps as u64)
}

impl DiehlCookParams {
    /// Checks every field, including that the highest input rate stays below `1/dt`.
    pub fn validate(&self) -> Result<()> {
        const CTX: &str = "Diehl-Cook network";
        if self.n_input == 0 || self.n_input > u32::MAX as usize {
            return Err(Error::invalid_parameter(
                CTX,
                "n_input",
                "between 1 and 2^32 − 1",
                self.n_input,
            ));
        }
        if self.n_exc == 0 || self.n_exc > u32::MAX as usize {
            return Err(Error::invalid_parameter(
                CTX,
                "n_exc",
                "between 1 and 2^32 − 1",
                self.n_exc,
            ));
        }
        check_positive(CTX, "dt", self.dt)?;
        if whole_steps(CTX, "presentation", self.presentation, self.dt)? == 0 {
            return Err(Error::invalid_parameter(
                CTX,
                "presentation",
                "at least one step",
                self.presentation,
            ));
        }
        whole_steps(CTX, "rest", self.rest, self.dt)?;
        if !(self.max_delay.is_finite() && self.max_delay >= 0.0) {
            return Err(Error::invalid_parameter(
                CTX,
                "max_delay",
                "finite and ≥ 0",
                self.max_delay,
            ));
        }
        if self.max_delay / self.dt > f64::from(u16::MAX) {
            return Err(Error::invalid_parameter(
                CTX,
                "max_delay",
                format!("at most {} steps", u16::MAX),
                self.max_delay,
            ));
        }
        if self.max_attempts == 0 {
            return Err(Error::invalid_parameter(
                CTX,
                "max_attempts",
                "at least 1",
                self.max_attempts,
            ));
        }
        for (name, value) in [
            ("max_rate", self.max_rate),
            ("rate_step", self.rate_step),
            ("theta_init", self.theta_init),
            ("theta_plus", self.theta_plus),
            ("w_exc_inh", self.w_exc_inh),
            ("w_inh_exc", self.w_inh_exc),
            ("nu_pre", self.nu_pre),
            ("nu_post", self.nu_post),
            ("w_init_scale", self.w_init_scale),
            ("w_init_offset", self.w_init_offset),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(Error::invalid_parameter(CTX, name, "finite and ≥ 0", value));
            }
        }
        if !self.theta_offset.is_finite() {
            return Err(Error::invalid_parameter(
                CTX,
                "theta_offset",
                "finite",
                self.theta_offset,
            ));
        }
        for (name, value) in [
            ("tau_theta", self.tau_theta),
            ("tau_pre", self.tau_pre),
            ("tau_post1", self.tau_post1),
            ("tau_post2", self.tau_post2),
            ("w_max", self.w_max),
            ("weight_sum", self.weight_sum),
        ] {
            check_positive(CTX, name, value)?;
        }
        if let DcRule::PowerLaw { x_tar, mu } = self.rule {
            for (name, value) in [("x_tar", x_tar), ("mu", mu)] {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(Error::invalid_parameter(CTX, name, "finite and ≥ 0", value));
                }
            }
        }
        self.exc
            .validate("Diehl-Cook excitatory neurons", self.dt)?;
        self.inh
            .validate("Diehl-Cook inhibitory neurons", self.dt)?;
        let top_rate = self.max_rate + f64::from(self.max_attempts - 1) * self.rate_step;
        if top_rate * self.dt / 1000.0 >= 1.0 {
            return Err(Error::invalid_parameter(
                CTX,
                "max_rate + (max_attempts − 1) · rate_step",
                format!(
                    "below 1/dt = {} Hz, since an input fires at most once per step; lower \
                     max_attempts or rate_step",
                    1000.0 / self.dt
                ),
                top_rate,
            ));
        }
        Ok(())
    }

    fn presentation_steps(&self) -> u64 {
        (self.presentation / self.dt).round() as u64
    }

    fn rest_steps(&self) -> u64 {
        (self.rest / self.dt).round() as u64
    }

    /// Largest input delay in steps.
    pub fn max_delay_steps(&self) -> usize {
        let steps = (self.max_delay / self.dt).ceil() as usize;
        steps.saturating_sub(1)
    }
}

/// Whether a presentation changes the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// STDP, threshold adaptation and weight normalization are on.
    Learn,
    /// Weights and thresholds are fixed (labelling and testing).
    Frozen,
}

/// Result of showing one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Spikes of each excitatory neuron during the final attempt's presentation.
    pub counts: Vec<u32>,
    /// Attempts made (1 if the first presentation drew enough spikes).
    pub attempts: u32,
    /// Input spikes over all attempts.
    pub input_spikes: u64,
}

impl Response {
    /// Total excitatory spikes of the final attempt.
    pub fn total(&self) -> u32 {
        self.counts.iter().sum()
    }
}

/// The complete state of a network between two images: restoring it with
/// [`DiehlCook::from_state`] continues a run bit for bit.
#[derive(Debug, Clone, PartialEq)]
pub struct DiehlCookState {
    /// Steps simulated so far.
    pub step: u64,
    /// Presentations made so far (numbers the random stream of the next one).
    pub presentations: u64,
    /// Input weights, `(n_exc, n_input)` row-major.
    pub w: Vec<f64>,
    /// Input delays in steps, same layout as `w`.
    pub delays: Vec<u16>,
    /// Step of the last presynaptic arrival at each synapse, [`NEVER`] if none.
    pub last_pre: Vec<u64>,
    /// Excitatory potentials in mV.
    pub v_exc: Vec<f64>,
    /// Excitatory `g_e`.
    pub ge_exc: Vec<f64>,
    /// Excitatory `g_i`.
    pub gi_exc: Vec<f64>,
    /// Adaptive thresholds in mV.
    pub theta: Vec<f64>,
    /// First step at which each excitatory neuron integrates again.
    pub ref_end_exc: Vec<u64>,
    /// Step of each excitatory neuron's last spike, [`NEVER`] if none.
    pub last_post: Vec<u64>,
    /// Inhibitory potentials in mV.
    pub v_inh: Vec<f64>,
    /// Inhibitory `g_e`.
    pub ge_inh: Vec<f64>,
    /// Inhibitory `g_i`.
    pub gi_inh: Vec<f64>,
    /// First step at which each inhibitory neuron integrates again.
    pub ref_end_inh: Vec<u64>,
}

/// A trace below this value counts as zero. Multiplied by a learning rate of at most 1,
/// it would change a weight by less than 10⁻¹⁸.
pub const TRACE_CUTOFF: f64 = 1e-18;

/// A table of `e^{−k·dt/τ}` down to [`TRACE_CUTOFF`]; older traces read as zero.
#[derive(Debug, Clone)]
struct Decay {
    table: Vec<f64>,
}

impl Decay {
    fn new(dt: f64, tau: f64) -> Self {
        let rate = dt / tau;
        let table = (0..)
            .map(|k| (-(k as f64) * rate).exp())
            .take_while(|&x| x >= TRACE_CUTOFF)
            .collect();
        Decay { table }
    }

    /// Trace set to 1 at step `last` and read at step `now`; 0 if `last` is [`NEVER`].
    #[inline]
    fn at(&self, now: u64, last: u64) -> f64 {
        if last == NEVER {
            return 0.0;
        }
        let k = now - last;
        self.table.get(k as usize).copied().unwrap_or(0.0)
    }
}

/// Neuron state of one population, struct-of-arrays.
#[derive(Debug, Clone)]
struct Population {
    v: Vec<f64>,
    ge: Vec<f64>,
    gi: Vec<f64>,
    ref_end: Vec<u64>,
}

/// Euler factors of one population.
#[derive(Debug, Clone, Copy)]
struct Euler {
    k_m: f64,
    ge_factor: f64,
    gi_factor: f64,
    ref_steps: u64,
}

impl Euler {
    fn new(neuron: &DcNeuron, dt: f64) -> Self {
        Euler {
            k_m: dt / neuron.tau_m,
            ge_factor: 1.0 - dt / neuron.tau_ge,
            gi_factor: 1.0 - dt / neuron.tau_gi,
            ref_steps: (neuron.t_ref / dt).round() as u64,
        }
    }
}

/// Integrates a population over one step, then applies threshold and reset, and pushes
/// the spiking neurons onto `spikes`. `theta` is `None` for a population without adaptive threshold.
fn integrate(
    pop: &mut Population,
    neuron: &DcNeuron,
    euler: Euler,
    threshold: f64,
    theta: Option<&[f64]>,
    step: u64,
    spikes: &mut Vec<u32>,
) {
    let (v_rest, e_exc, e_inh, v_reset) =
        (neuron.v_rest, neuron.e_exc, neuron.e_inh, neuron.v_reset);
    // Integration, written without branches so that it vectorizes.
    for (((v, ge), gi), &ref_end) in pop
        .v
        .iter_mut()
        .zip(pop.ge.iter_mut())
        .zip(pop.gi.iter_mut())
        .zip(&pop.ref_end)
    {
        let drive = v_rest + *ge * e_exc + *gi * e_inh;
        let leak = 1.0 + *ge + *gi;
        let v_next = (*v + euler.k_m * drive) / (1.0 + euler.k_m * leak);
        *v = if step < ref_end { v_reset } else { v_next };
        *ge *= euler.ge_factor;
        *gi *= euler.gi_factor;
    }
    // Threshold and reset.
    for k in 0..pop.v.len() {
        let th = match theta {
            Some(theta) => threshold + theta[k],
            None => threshold,
        };
        if pop.v[k] > th && step >= pop.ref_end[k] {
            pop.v[k] = v_reset;
            pop.ref_end[k] = step + euler.ref_steps;
            spikes.push(k as u32);
        }
    }
}

/// The Diehl & Cook network.
#[derive(Debug, Clone)]
pub struct DiehlCook {
    params: DiehlCookParams,
    seed: u64,
    step: u64,
    presentations: u64,
    /// Delays in steps, `(n_exc, n_input)` row-major.
    delays: Vec<u16>,
    /// Weights in fan-out order: the synapses of input `i` occupy positions
    /// `i·n_exc … (i+1)·n_exc − 1`, sorted by delay, so that a spike reads them in
    /// sequence.
    w: Vec<f64>,
    /// Step of the last arrival, in fan-out order.
    last_pre: Vec<u64>,
    /// Target neuron of each fan-out position.
    fanout: Vec<u32>,
    /// Fan-out position of synapse `j · n_input + i`.
    position: Vec<u32>,
    exc: Population,
    inh: Population,
    theta: Vec<f64>,
    last_post: Vec<u64>,
    /// Per input `i` and delay `d`, the start of that delay's targets in `fanout`:
    /// `fanout_start[i * (max_d + 2) + d]`.
    fanout_start: Vec<u32>,
    /// Ring of pending arrivals, indexed by step modulo its length: (input, delay).
    queue: Vec<Vec<(u32, u16)>>,
    pre_decay: Decay,
    post1_decay: Decay,
    post2_decay: Decay,
    theta_factor: f64,
    exc_euler: Euler,
    inh_euler: Euler,
    /// Scratch: input spikes per step of a presentation.
    input_spikes: Vec<Vec<u32>>,
    exc_spikes: Vec<u32>,
    inh_spikes: Vec<u32>,
    post1: Vec<f64>,
}

impl DiehlCook {
    /// Builds the network with initial weights and delays drawn from `seed`.
    pub fn new(params: DiehlCookParams, seed: u64) -> Result<Self> {
        params.validate()?;
        let n_syn = params.n_exc * params.n_input;
        let mut rng = rng::stream(seed, stream_kind::INIT);
        let max_d = params.max_delay_steps();
        let delay_steps = params.max_delay / params.dt;
        let mut w = Vec::with_capacity(n_syn);
        for _ in 0..n_syn {
            let u: f64 = rng.random();
            w.push(params.w_init_scale * (u + params.w_init_offset));
        }
        let mut delays = Vec::with_capacity(n_syn);
        for _ in 0..n_syn {
            let u: f64 = rng.random();
            delays.push(((u * delay_steps).floor() as usize).min(max_d) as u16);
        }
        let state = DiehlCookState {
            step: 0,
            presentations: 0,
            w,
            delays,
            last_pre: vec![NEVER; n_syn],
            v_exc: vec![params.exc.v_init; params.n_exc],
            ge_exc: vec![0.0; params.n_exc],
            gi_exc: vec![0.0; params.n_exc],
            theta: vec![params.theta_init; params.n_exc],
            ref_end_exc: vec![0; params.n_exc],
            last_post: vec![NEVER; params.n_exc],
            v_inh: vec![params.inh.v_init; params.n_exc],
            ge_inh: vec![0.0; params.n_exc],
            gi_inh: vec![0.0; params.n_exc],
            ref_end_inh: vec![0; params.n_exc],
        };
        let mut net = Self::from_state(params, seed, state)?;
        net.normalize();
        Ok(net)
    }

    /// Rebuilds a network from a saved state (see [`DiehlCook::state`]).
    pub fn from_state(params: DiehlCookParams, seed: u64, state: DiehlCookState) -> Result<Self> {
        params.validate()?;
        let n = params.n_exc;
        let n_syn = n * params.n_input;
        let check = |name: &str, len: usize, expected: usize| -> Result<()> {
            if len == expected {
                Ok(())
            } else {
                Err(Error::ShapeMismatch {
                    context: "saved Diehl-Cook state",
                    expected: format!("{expected} values of `{name}`"),
                    got: format!("{len} values"),
                })
            }
        };
        check("w", state.w.len(), n_syn)?;
        check("delays", state.delays.len(), n_syn)?;
        check("last_pre", state.last_pre.len(), n_syn)?;
        for (name, len) in [
            ("v_exc", state.v_exc.len()),
            ("ge_exc", state.ge_exc.len()),
            ("gi_exc", state.gi_exc.len()),
            ("theta", state.theta.len()),
            ("ref_end_exc", state.ref_end_exc.len()),
            ("last_post", state.last_post.len()),
            ("v_inh", state.v_inh.len()),
            ("ge_inh", state.ge_inh.len()),
            ("gi_inh", state.gi_inh.len()),
            ("ref_end_inh", state.ref_end_inh.len()),
        ] {
            check(name, len, n)?;
        }
        let max_d = params.max_delay_steps();
        if let Some(&d) = state.delays.iter().find(|&&d| d as usize > max_d) {
            return Err(Error::invalid_parameter(
                "saved Diehl-Cook state",
                "delays",
                format!(
                    "at most {max_d} steps (max_delay = {} ms)",
                    params.max_delay
                ),
                d,
            ));
        }
        if let Some(&x) = state
            .w
            .iter()
            .chain(&state.v_exc)
            .chain(&state.ge_exc)
            .chain(&state.gi_exc)
            .chain(&state.theta)
            .chain(&state.v_inh)
            .chain(&state.ge_inh)
            .chain(&state.gi_inh)
            .find(|x| !x.is_finite())
        {
            return Err(Error::invalid_parameter(
                "saved Diehl-Cook state",
                "weights and neuron variables",
                "finite",
                x,
            ));
        }
        for (name, values) in [
            ("last_pre", &state.last_pre),
            ("last_post", &state.last_post),
        ] {
            if let Some(&s) = values.iter().find(|&&s| s != NEVER && s > state.step) {
                return Err(Error::invalid_parameter(
                    "saved Diehl-Cook state",
                    name,
                    format!("a step no later than the current step {}", state.step),
                    s,
                ));
            }
        }

        // Targets of each input sorted by delay (counting sort).
        let n_in = params.n_input;
        let width = max_d + 2;
        let mut fanout_start = vec![0u32; n_in * width];
        let mut fanout = vec![0u32; n_syn];
        let mut position = vec![0u32; n_syn];
        for i in 0..n_in {
            let mut counts = vec![0u32; max_d + 1];
            for j in 0..n {
                counts[state.delays[j * n_in + i] as usize] += 1;
            }
            let base = (i * n) as u32;
            let starts = &mut fanout_start[i * width..(i + 1) * width];
            let mut acc = base;
            for d in 0..=max_d {
                starts[d] = acc;
                acc += counts[d];
            }
            starts[max_d + 1] = acc;
            let mut cursor: Vec<u32> = starts[..=max_d].to_vec();
            for j in 0..n {
                let d = state.delays[j * n_in + i] as usize;
                fanout[cursor[d] as usize] = j as u32;
                position[j * n_in + i] = cursor[d];
                cursor[d] += 1;
            }
        }

        let dt = params.dt;
        let mut net = DiehlCook {
            seed,
            step: state.step,
            presentations: state.presentations,
            w: position.iter().map(|_| 0.0).collect::<Vec<f64>>(),
            last_pre: vec![NEVER; n_syn],
            delays: state.delays,
            exc: Population {
                v: state.v_exc,
                ge: state.ge_exc,
                gi: state.gi_exc,
                ref_end: state.ref_end_exc,
            },
            inh: Population {
                v: state.v_inh,
                ge: state.ge_inh,
                gi: state.gi_inh,
                ref_end: state.ref_end_inh,
            },
            theta: state.theta,
            last_post: state.last_post,
            fanout,
            position,
            fanout_start,
            queue: vec![Vec::new(); max_d + 1],
            pre_decay: Decay::new(dt, params.tau_pre),
            post1_decay: Decay::new(dt, params.tau_post1),
            post2_decay: Decay::new(dt, params.tau_post2),
            theta_factor: (-dt / params.tau_theta).exp(),
            exc_euler: Euler::new(&params.exc, dt),
            inh_euler: Euler::new(&params.inh, dt),
            input_spikes: vec![Vec::new(); params.presentation_steps() as usize],
            exc_spikes: Vec::with_capacity(n),
            inh_spikes: Vec::with_capacity(n),
            post1: vec![0.0; n],
            params,
        };
        for (s, &p) in net.position.iter().enumerate() {
            net.w[p as usize] = state.w[s];
            net.last_pre[p as usize] = state.last_pre[s];
        }
        Ok(net)
    }

    /// Gathers a fan-out ordered array into `(n_exc, n_input)` row-major order.
    fn gather<T: Copy>(&self, values: &[T]) -> Vec<T> {
        self.position.iter().map(|&p| values[p as usize]).collect()
    }

    /// Returns a copy of the state, for a checkpoint. Fails while input spikes are still
    /// in flight, which cannot happen between images when `rest ≥ max_delay`.
    pub fn state(&self) -> Result<DiehlCookState> {
        if self.queue.iter().any(|slot| !slot.is_empty()) {
            return Err(Error::invalid_parameter(
                "Diehl-Cook network",
                "rest",
                "at least max_delay, so that no input spike is in flight between images",
                self.params.rest,
            ));
        }
        let exc = self.exc.clone();
        let inh = self.inh.clone();
        Ok(DiehlCookState {
            step: self.step,
            presentations: self.presentations,
            w: self.gather(&self.w),
            delays: self.delays.clone(),
            last_pre: self.gather(&self.last_pre),
            v_exc: exc.v,
            ge_exc: exc.ge,
            gi_exc: exc.gi,
            theta: self.theta.clone(),
            ref_end_exc: exc.ref_end,
            last_post: self.last_post.clone(),
            v_inh: inh.v,
            ge_inh: inh.ge,
            gi_inh: inh.gi,
            ref_end_inh: inh.ref_end,
        })
    }

    /// The parameters.
    pub fn params(&self) -> &DiehlCookParams {
        &self.params
    }

    /// Returns the seed of the initial weights, delays and input spikes.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Input weights, `(n_exc, n_input)` row-major: row `j` is the receptive field of
    /// excitatory neuron `j`.
    pub fn weights(&self) -> Vec<f64> {
        self.gather(&self.w)
    }

    /// Adaptive thresholds θ in mV.
    pub fn theta(&self) -> &[f64] {
        &self.theta
    }

    /// Excitatory potentials in mV.
    pub fn v_exc(&self) -> &[f64] {
        &self.exc.v
    }

    /// Steps simulated so far.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// Presentations made so far, retries included.
    pub fn presentations(&self) -> u64 {
        self.presentations
    }

    /// Scales each neuron's input weights to sum to `weight_sum`; a row that sums to
    /// zero stays zero.
    pub fn normalize(&mut self) {
        let target = self.params.weight_sum;
        let mut factors = vec![0.0; self.params.n_exc];
        for (&w, &j) in self.w.iter().zip(&self.fanout) {
            factors[j as usize] += w;
        }
        for f in &mut factors {
            // A row that sums to zero keeps its zeros.
            *f = if *f > 0.0 { target / *f } else { 1.0 };
        }
        for (w, &j) in self.w.iter_mut().zip(&self.fanout) {
            *w *= factors[j as usize];
        }
    }

    /// Draws the input spikes of one presentation: for every step, the inputs that fire.
    ///
    /// Each input fires in each step with probability `rate · dt` independently, drawn as
    /// geometric gaps between spikes, so the count over a presentation is binomial with
    /// mean `rate · presentation`.
    pub fn encode(
        image: &[f32],
        rate_scale: f64,
        dt: f64,
        rng: &mut Rng,
        spikes: &mut [Vec<u32>],
    ) -> Result<u64> {
        for slot in spikes.iter_mut() {
            slot.clear();
        }
        let steps = spikes.len() as u64;
        let mut total = 0;
        for (i, &x) in image.iter().enumerate() {
            if !(x.is_finite() && (0.0..=1.0).contains(&x)) {
                return Err(Error::invalid_parameter(
                    "Diehl-Cook input",
                    "pixel intensity",
                    "in [0, 1]",
                    format!("{x} at pixel {i}"),
                ));
            }
            if x == 0.0 {
                continue;
            }
            let p = f64::from(x) * rate_scale * dt / 1000.0;
            if p >= 1.0 {
                return Err(Error::invalid_parameter(
                    "Diehl-Cook input",
                    "input rate",
                    format!("below 1/dt = {} Hz", 1000.0 / dt),
                    format!("{} Hz at pixel {i}", p * 1000.0 / dt),
                ));
            }
            let gaps = Geometric::new(p).map_err(|e| {
                Error::invalid_parameter("Diehl-Cook input", "spike probability", e.to_string(), p)
            })?;
            let mut t = gaps.sample(rng);
            while t < steps {
                spikes[t as usize].push(i as u32);
                total += 1;
                t = t.saturating_add(1).saturating_add(gaps.sample(rng));
            }
        }
        Ok(total)
    }

    /// Runs one step per entry of `spikes`, each listing the inputs that fire in that
    /// step, and returns the excitatory spikes as (step, neuron). No rest follows and
    /// the weights are not normalized.
    pub fn run_spikes(&mut self, spikes: &[Vec<u32>], mode: Mode) -> Result<Vec<(u64, u32)>> {
        if let Some(&i) = spikes
            .iter()
            .flatten()
            .find(|&&i| i as usize >= self.params.n_input)
        {
            return Err(Error::invalid_parameter(
                "Diehl-Cook input",
                "input index",
                format!("below n_input = {}", self.params.n_input),
                i,
            ));
        }
        let mut out = Vec::new();
        for inputs in spikes {
            let step = self.step;
            self.step_once(inputs, mode, None);
            out.extend(self.exc_spikes.iter().map(|&k| (step, k)));
        }
        Ok(out)
    }

    /// Shows one image (intensities in [0, 1], one per input): presentation then rest,
    /// repeated with higher rates while it draws fewer than `min_spikes` excitatory
    /// spikes, up to `max_attempts`.
    pub fn present(&mut self, image: &[f32], mode: Mode) -> Result<Response> {
        if image.len() != self.params.n_input {
            return Err(Error::ShapeMismatch {
                context: "Diehl-Cook input image",
                expected: format!("{} pixels", self.params.n_input),
                got: format!("{} pixels", image.len()),
            });
        }
        let mut input_spikes = 0;
        let mut counts = vec![0u32; self.params.n_exc];
        let mut attempts = 0;
        while attempts < self.params.max_attempts {
            let rate = self.params.max_rate + f64::from(attempts) * self.params.rate_step;
            let mut rng = rng::stream(
                self.seed,
                stream_kind::PRESENTATION | (self.presentations & ((1 << 56) - 1)),
            );
            self.presentations += 1;
            let mut spikes = std::mem::take(&mut self.input_spikes);
            input_spikes += Self::encode(image, rate, self.params.dt, &mut rng, &mut spikes)?;
            counts.iter_mut().for_each(|c| *c = 0);
            for inputs in &spikes {
                self.step_once(inputs, mode, Some(&mut counts));
            }
            self.input_spikes = spikes;
            for _ in 0..self.params.rest_steps() {
                self.step_once(&[], mode, None);
            }
            if mode == Mode::Learn {
                self.normalize();
            }
            attempts += 1;
            let total: u32 = counts.iter().sum();
            if total >= self.params.min_spikes {
                break;
            }
        }
        Ok(Response {
            counts,
            attempts,
            input_spikes,
        })
    }

    fn step_once(&mut self, inputs: &[u32], mode: Mode, counts: Option<&mut [u32]>) {
        let n = self.params.n_exc;
        let n_in = self.params.n_input;
        let step = self.step;
        let learn = mode == Mode::Learn;

        // 1–2. Integration, threshold and reset.
        if learn {
            for theta in &mut self.theta {
                *theta *= self.theta_factor;
            }
        }
        self.exc_spikes.clear();
        self.inh_spikes.clear();
        integrate(
            &mut self.exc,
            &self.params.exc,
            self.exc_euler,
            self.params.exc.v_th - self.params.theta_offset,
            Some(&self.theta),
            step,
            &mut self.exc_spikes,
        );
        integrate(
            &mut self.inh,
            &self.params.inh,
            self.inh_euler,
            self.params.inh.v_th,
            None,
            step,
            &mut self.inh_spikes,
        );
        if learn {
            for &k in &self.exc_spikes {
                self.theta[k as usize] += self.params.theta_plus;
            }
        }
        if let Some(counts) = counts {
            for &k in &self.exc_spikes {
                counts[k as usize] += 1;
            }
        }

        // 3. Recurrent excitation and lateral inhibition.
        for &k in &self.exc_spikes {
            self.inh.ge[k as usize] += self.params.w_exc_inh;
        }
        if !self.inh_spikes.is_empty() {
            let w = self.params.w_inh_exc;
            let total = w * self.inh_spikes.len() as f64;
            for gi in &mut self.exc.gi {
                *gi += total;
            }
            for &k in &self.inh_spikes {
                self.exc.gi[k as usize] -= w;
            }
        }

        // 4. Input spikes: enqueue, then deliver the arrivals due now.
        let slots = self.queue.len();
        let width = slots + 1;
        for &i in inputs {
            let starts = &self.fanout_start[i as usize * width..(i as usize + 1) * width];
            for d in 0..slots {
                if starts[d] != starts[d + 1] {
                    self.queue[(step as usize + d) % slots].push((i, d as u16));
                }
            }
        }
        let slot = step as usize % slots;
        let arrivals = std::mem::take(&mut self.queue[slot]);
        if !arrivals.is_empty() {
            let depress = learn && self.params.rule == DcRule::Triplet;
            if depress {
                for j in 0..n {
                    self.post1[j] = self.post1_decay.at(step, self.last_post[j]);
                }
            }
            let nu_pre = self.params.nu_pre;
            let w_max = self.params.w_max;
            for &(i, d) in &arrivals {
                let i = i as usize;
                let start = self.fanout_start[i * width + d as usize] as usize;
                let end = self.fanout_start[i * width + d as usize + 1] as usize;
                let targets = &self.fanout[start..end];
                let weights = &mut self.w[start..end];
                if depress {
                    let last = &mut self.last_pre[start..end];
                    for ((&j, w), last) in targets.iter().zip(weights).zip(last) {
                        let j = j as usize;
                        self.exc.ge[j] += *w;
                        *w = (*w - nu_pre * self.post1[j]).clamp(0.0, w_max);
                        *last = step;
                    }
                } else {
                    if learn {
                        self.last_pre[start..end].fill(step);
                    }
                    for (&j, &w) in targets.iter().zip(weights.iter()) {
                        self.exc.ge[j as usize] += w;
                    }
                }
            }
        }
        let mut arrivals = arrivals;
        arrivals.clear();
        self.queue[slot] = arrivals;

        // 5. Potentiation at postsynaptic spikes.
        if learn {
            let nu_post = self.params.nu_post;
            let w_max = self.params.w_max;
            for &j in &self.exc_spikes {
                let j = j as usize;
                let post2 = self.post2_decay.at(step, self.last_post[j]);
                if let DcRule::PowerLaw { x_tar, mu } = self.params.rule {
                    for &p in &self.position[j * n_in..(j + 1) * n_in] {
                        let p = p as usize;
                        let pre = self.pre_decay.at(step, self.last_pre[p]);
                        let w = self.w[p];
                        let room = (w_max - w).max(0.0).powf(mu);
                        self.w[p] = (w + nu_post * (pre - x_tar) * room).clamp(0.0, w_max);
                    }
                } else if post2 > 0.0 {
                    for &p in &self.position[j * n_in..(j + 1) * n_in] {
                        let p = p as usize;
                        let pre = self.pre_decay.at(step, self.last_pre[p]);
                        self.w[p] = (self.w[p] + nu_post * pre * post2).clamp(0.0, w_max);
                    }
                }
                self.last_post[j] = step;
            }
        } else {
            for &j in &self.exc_spikes {
                self.last_post[j as usize] = step;
            }
        }
        self.step += 1;
    }
}

/// Labels each excitatory neuron with the class of its highest mean response.
///
/// `counts` contains one row of `n_exc` spike counts per image. A neuron that never spiked
/// gets no label. Ties go to the lowest class.
pub fn assign_labels(
    counts: &[u32],
    classes: &[u8],
    n_exc: usize,
    n_classes: usize,
) -> Result<Vec<Option<u8>>> {
    check_counts(counts, classes, n_exc, n_classes)?;
    let mut sums = vec![0u64; n_classes * n_exc];
    let mut per_class = vec![0u64; n_classes];
    for (row, &class) in counts.chunks_exact(n_exc).zip(classes) {
        per_class[class as usize] += 1;
        let sums = &mut sums[class as usize * n_exc..(class as usize + 1) * n_exc];
        for (s, &c) in sums.iter_mut().zip(row) {
            *s += u64::from(c);
        }
    }
    let mut labels = vec![None; n_exc];
    for (j, label) in labels.iter_mut().enumerate() {
        let mut best = 0.0;
        for class in 0..n_classes {
            if per_class[class] == 0 {
                continue;
            }
            let mean = sums[class * n_exc + j] as f64 / per_class[class] as f64;
            if mean > best {
                best = mean;
                *label = Some(class as u8);
            }
        }
    }
    Ok(labels)
}

/// Predicts the class of one response: the class whose labelled neurons have the highest
/// mean spike count. `None` when no labelled neuron spiked. Ties go to the lowest class.
pub fn classify(labels: &[Option<u8>], counts: &[u32], n_classes: usize) -> Option<u8> {
    let mut sums = vec![0u64; n_classes];
    let mut sizes = vec![0u64; n_classes];
    for (label, &c) in labels.iter().zip(counts) {
        if let Some(class) = label {
            sums[*class as usize] += u64::from(c);
            sizes[*class as usize] += 1;
        }
    }
    let mut best = None;
    let mut best_mean = 0.0;
    for class in 0..n_classes {
        if sizes[class] == 0 {
            continue;
        }
        let mean = sums[class] as f64 / sizes[class] as f64;
        if mean > best_mean {
            best_mean = mean;
            best = Some(class as u8);
        }
    }
    best
}

/// Classifies every response and compares with `classes`. Images without a prediction
/// count as wrong and as unassigned.
pub fn evaluate(
    labels: &[Option<u8>],
    counts: &[u32],
    classes: &[u8],
    n_classes: usize,
) -> Result<Evaluation> {
    let n_exc = labels.len();
    check_counts(counts, classes, n_exc, n_classes)?;
    let mut confusion = ndarray::Array2::zeros((n_classes, n_classes));
    let mut correct = 0;
    let mut unassigned = 0;
    for (row, &class) in counts.chunks_exact(n_exc).zip(classes) {
        match classify(labels, row, n_classes) {
            Some(predicted) => {
                confusion[[class as usize, predicted as usize]] += 1;
                if predicted == class {
                    correct += 1;
                }
            }
            None => unassigned += 1,
        }
    }
    Ok(Evaluation {
        accuracy: correct as f64 / classes.len().max(1) as f64,
        confusion,
        unassigned,
        n_samples: classes.len(),
    })
}

fn check_counts(counts: &[u32], classes: &[u8], n_exc: usize, n_classes: usize) -> Result<()> {
    if n_exc == 0 || counts.len() != classes.len() * n_exc {
        return Err(Error::ShapeMismatch {
            context: "spike counts",
            expected: format!("{} images × {n_exc} neurons", classes.len()),
            got: format!("{} values", counts.len()),
        });
    }
    if let Some(&c) = classes.iter().find(|&&c| c as usize >= n_classes) {
        return Err(Error::invalid_parameter(
            "labels",
            "class",
            format!("below the number of classes, {n_classes}"),
            c,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_are_sorted_per_input() {
        let params = DiehlCookParams {
            n_input: 5,
            n_exc: 7,
            ..Default::default()
        };
        let net = DiehlCook::new(params.clone(), 3).unwrap();
        let max_d = params.max_delay_steps();
        assert_eq!(max_d, 19);
        let width = max_d + 2;
        for i in 0..5 {
            let mut seen = [false; 7];
            for d in 0..=max_d {
                let a = net.fanout_start[i * width + d] as usize;
                let b = net.fanout_start[i * width + d + 1] as usize;
                for &j in &net.fanout[a..b] {
                    assert_eq!(net.delays[j as usize * 5 + i] as usize, d);
                    seen[j as usize] = true;
                }
            }
            assert!(seen.iter().all(|&s| s));
        }
    }

    #[test]
    fn decay_table_is_exact_down_to_the_cutoff() {
        let decay = Decay::new(0.5, 20.0);
        assert_eq!(decay.at(10, NEVER), 0.0);
        assert_eq!(decay.at(10, 10), 1.0);
        assert_eq!(decay.at(47, 7), (-40.0f64 * 0.5 / 20.0).exp());
        // e^{−k/40} falls below 1e-18 after k = 40 ln 10¹⁸ ≈ 1658 steps.
        let last = decay.table.len() as u64 - 1;
        assert_eq!(last, 1657);
        assert!(decay.at(last, 0) >= TRACE_CUTOFF);
        assert_eq!(decay.at(last + 1, 0), 0.0);
    }
}
