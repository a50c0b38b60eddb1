//! Spike-timing-dependent plasticity with event-driven traces.
//!
//! Every synapse carries its own traces, stored with the time of their last update and
//! decayed only when the synapse receives an event, so a step costs nothing for synapses
//! without spikes.
//!
//! When every synapse of a group has the same delay and the rule is the pair rule with
//! all-to-all pairing, all synapses from one presynaptic neuron see the same arrivals, so
//! they carry the same presynaptic trace. Likewise, all synapses onto one neuron carry
//! the same postsynaptic trace. The group then keeps one presynaptic trace per presynaptic
//! neuron and one postsynaptic trace per postsynaptic neuron, each updated once per
//! spike instead of once per synapse. These traces are stored in units scaled by
//! `e^{(t − t_0)/τ}` for an epoch `t_0` shared by the group. A spike at `t` adds
//! `e^{(t − t_0)/τ}`, and the trace at `t` is the stored value times `e^{−(t − t_0)/τ}`,
//! one factor for every neuron of a side. When `t − t_0` exceeds about 20 τ, every stored
//! value is multiplied by `e^{−(t − t_0)/τ}` and `t_0` becomes `t`. The values are the
//! same traces as above; only the rounding differs.
//!
//! Traces are dimensionless (a spike adds 1, or sets the trace to 1 for
//! nearest-neighbour schemes); the amplitudes multiply them in the weight update.
//!
//! # Pair rule ([`PairStdp`])
//!
//! ```text
//! dx_pre/dt  = −x_pre / τ_+          dx_post/dt = −x_post / τ_−
//! on_pre  (arrival of a presynaptic spike):  x_pre ← x_pre + 1;   w ← clip(w − A_− x_post f_−(w))
//! on_post (postsynaptic spike):              x_post ← x_post + 1; w ← clip(w + A_+ x_pre f_+(w))
//! f_+(w) = (1 − u)^μ,  f_−(w) = u^μ,  u = (w − w_min)/(w_max − w_min)
//! ```
//!
//! | symbol | code | unit | meaning |
//! |---|---|---|---|
//! | τ_+ | `tau_plus` | ms | decay of the presynaptic trace (potentiation window) |
//! | τ_− | `tau_minus` | ms | decay of the postsynaptic trace (depression window) |
//! | A_+ | `a_plus` | weight | potentiation per pair at Δt = 0⁺, a positive magnitude |
//! | A_− | `a_minus` | weight | depression per pair at Δt = 0⁻, a positive magnitude |
//! | w_min, w_max | `w_min`, `w_max` | weight | bounds; the weight is clipped after every update |
//! | μ | `mu` | 1 | weight dependence: 0 additive, 1 multiplicative (Gütig et al. 2003) |
//!
//! With μ = 0 and all-to-all pairing this is Brian2's rule
//! `on_pre: apre += A_pre; w = clip(w + apost, 0, w_max)`,
//! `on_post: apost += A_post; w = clip(w + apre, 0, w_max)` with `A_pre = a_plus` and
//! `A_post = −a_minus`: Brian2 keeps the amplitudes inside its traces and we multiply
//! them in afterwards, which gives the same weights up to rounding.
//!
//! Pairs with Δt = t_post − t_pre = 0 (after the axonal delay) potentiate: within a step
//! the network runs every `on_pre` before any `on_post`, so the postsynaptic spike sees
//! the presynaptic trace that the same step incremented.
//!
//! [`Pairing`] selects which spike pairs interact (Morrison, Diesmann & Gerstner 2008).
//! For one presynaptic spike at 0 ms followed by postsynaptic spikes at 5 and 10 ms,
//! all-to-all and symmetric nearest-neighbour count both pairs, while the
//! presynaptic-centred and restricted schemes count only the (0, 5 ms) pair.
//!
//! # Triplet rule ([`TripletStdp`], Pfister & Gerstner 2006)
//!
//! ```text
//! r_1, r_2: presynaptic traces (τ_+, τ_x);  o_1, o_2: postsynaptic traces (τ_−, τ_y)
//! on_pre:  w ← clip(w − o_1 (A_2⁻ + A_3⁻ r_2));  then r_1, r_2 ← r + 1
//! on_post: w ← clip(w + r_1 (A_2⁺ + A_3⁺ o_2));  then o_1, o_2 ← o + 1
//! ```
//!
//! `r_2` and `o_2` enter with their values from just before the current spike. With
//! [`TripletInteraction::Nearest`] a spike sets its traces to 1 instead of adding 1
//! (the paper's nearest-spike model). The "minimal" models have `A_3⁻ = 0`, and the
//! minimal visual-cortex model also has `A_2⁺ = 0`.
//!
//! # Limitations
//!
//! The postsynaptic side has no delay (dendritic delays are not modelled). Traces are
//! stored per synapse (2 or 4 numbers each), which costs memory but allows per-synapse
//! delays and the nearest-neighbour resets. The weight-dependent form applies to the
//! pair rule only.
//!
//! # References
//!
//! Song, S., Miller, K. D. & Abbott, L. F. (2000). Competitive Hebbian learning through
//! spike-timing-dependent synaptic plasticity. *Nat. Neurosci.* 3(9), 919–926.
//! doi:10.1038/78829
//!
//! Gütig, R., Aharonov, R., Rotter, S. & Sompolinsky, H. (2003). Learning input
//! correlations through nonlinear temporally asymmetric Hebbian plasticity.
//! *J. Neurosci.* 23(9), 3697–3714. doi:10.1523/JNEUROSCI.23-09-03697.2003
//!
//! Pfister, J.-P. & Gerstner, W. (2006). Triplets of spikes in a model of spike
//! timing-dependent plasticity. *J. Neurosci.* 26(38), 9673–9682.
//! doi:10.1523/JNEUROSCI.1425-06.2006
//!
//! Morrison, A., Diesmann, M. & Gerstner, W. (2008). Phenomenological models of synaptic
//! plasticity based on spike timing. *Biol. Cybern.* 98(6), 459–478.
//! doi:10.1007/s00422-008-0233-1

use crate::error::{Error, Result, check_non_negative, check_positive};

/// Pairing scheme: the pre/post spike pairs that a pair rule counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    /// Every pair (traces add 1 per spike).
    AllToAll,
    /// Each spike pairs with the latest spike of the other side (traces are set to 1).
    NearestSymmetric,
    /// Each presynaptic spike pairs with the latest postsynaptic spike before it and the
    /// first one after it; a postsynaptic spike consumes the presynaptic trace.
    NearestPreCentred,
    /// Only neighbouring pairs with no other spike of either side between them (traces
    /// are set to 1 and consumed by the first spike of the other side).
    NearestRestricted,
}

impl Pairing {
    fn sets_pre(self) -> bool {
        matches!(self, Pairing::NearestSymmetric | Pairing::NearestRestricted)
    }

    fn sets_post(self) -> bool {
        !matches!(self, Pairing::AllToAll)
    }

    fn post_consumes_pre(self) -> bool {
        matches!(
            self,
            Pairing::NearestPreCentred | Pairing::NearestRestricted
        )
    }

    fn pre_consumes_post(self) -> bool {
        matches!(self, Pairing::NearestRestricted)
    }
}

/// Parameters of the pair-based rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairStdp {
    /// Presynaptic trace time constant in ms.
    pub tau_plus: f64,
    /// Postsynaptic trace time constant in ms.
    pub tau_minus: f64,
    /// Potentiation amplitude, a positive magnitude.
    pub a_plus: f64,
    /// Depression amplitude, a positive magnitude.
    pub a_minus: f64,
    /// Lower weight bound.
    pub w_min: f64,
    /// Upper weight bound.
    pub w_max: f64,
    /// Weight dependence exponent: 0 additive, 1 multiplicative.
    pub mu: f64,
    /// Pairing scheme.
    pub pairing: Pairing,
}

impl Default for PairStdp {
    /// The Brian2 STDP tutorial's rule: τ_± = 20 ms, A_+ = 0.01, A_− = 1.05 A_+,
    /// w in [0, 1], additive, all-to-all.
    fn default() -> Self {
        PairStdp {
            tau_plus: 20.0,
            tau_minus: 20.0,
            a_plus: 0.01,
            a_minus: 0.0105,
            w_min: 0.0,
            w_max: 1.0,
            mu: 0.0,
            pairing: Pairing::AllToAll,
        }
    }
}

impl PairStdp {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        check_positive("pair STDP", "tau_plus", self.tau_plus)?;
        check_positive("pair STDP", "tau_minus", self.tau_minus)?;
        check_non_negative("pair STDP", "a_plus", self.a_plus)?;
        check_non_negative("pair STDP", "a_minus", self.a_minus)?;
        check_non_negative("pair STDP", "mu", self.mu)?;
        check_bounds("pair STDP", self.w_min, self.w_max)
    }

    fn potentiation_factor(&self, w: f64) -> f64 {
        if self.mu == 0.0 {
            1.0
        } else {
            (1.0 - self.normalised(w)).powf(self.mu)
        }
    }

    fn depression_factor(&self, w: f64) -> f64 {
        if self.mu == 0.0 {
            1.0
        } else {
            self.normalised(w).powf(self.mu)
        }
    }

    fn normalised(&self, w: f64) -> f64 {
        ((w - self.w_min) / (self.w_max - self.w_min)).clamp(0.0, 1.0)
    }
}

/// Response of a triplet rule's traces to a spike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TripletInteraction {
    /// Traces add 1 per spike.
    AllToAll,
    /// Traces are set to 1 by a spike (nearest-spike model).
    Nearest,
}

/// Parameters of the triplet rule of Pfister & Gerstner (2006).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TripletStdp {
    /// Fast presynaptic trace `r_1` time constant in ms.
    pub tau_plus: f64,
    /// Fast postsynaptic trace `o_1` time constant in ms.
    pub tau_minus: f64,
    /// Slow presynaptic trace `r_2` time constant in ms.
    pub tau_x: f64,
    /// Slow postsynaptic trace `o_2` time constant in ms.
    pub tau_y: f64,
    /// Pair potentiation amplitude `A_2⁺`.
    pub a2_plus: f64,
    /// Triplet potentiation amplitude `A_3⁺`.
    pub a3_plus: f64,
    /// Pair depression amplitude `A_2⁻`.
    pub a2_minus: f64,
    /// Triplet depression amplitude `A_3⁻`.
    pub a3_minus: f64,
    /// Lower weight bound.
    pub w_min: f64,
    /// Upper weight bound.
    pub w_max: f64,
    /// Trace response to a spike.
    pub interaction: TripletInteraction,
}

// NOTE: the presets below are transcribed from Tables 3 and 4 of Pfister & Gerstner
// (2006) as quoted by secondary sources, not from the paper itself. Check them against
// the paper before relying on the last digit. τ_x of the minimal models cannot change a
// result because A_3⁻ = 0, so it is set to the full model's value.
impl TripletStdp {
    /// Visual cortex data (Sjöström et al. 2001), all-to-all, full model:
    /// τ_x = 101 ms, τ_y = 125 ms, A_2⁺ = 5e-10, A_3⁺ = 6.2e-3, A_2⁻ = 7e-3, A_3⁻ = 2.3e-4.
    pub fn visual_cortex_all_to_all(w_min: f64, w_max: f64) -> Self {
        Self::preset(101.0, 125.0, [5e-10, 6.2e-3, 7e-3, 2.3e-4], w_min, w_max)
    }

    /// Visual cortex data, all-to-all, minimal model:
    /// τ_y = 114 ms, A_2⁺ = 0, A_3⁺ = 6.5e-3, A_2⁻ = 7.1e-3, A_3⁻ = 0.
    pub fn visual_cortex_minimal(w_min: f64, w_max: f64) -> Self {
        Self::preset(101.0, 114.0, [0.0, 6.5e-3, 7.1e-3, 0.0], w_min, w_max)
    }

    /// Hippocampal culture data (Wang et al. 2005), all-to-all, full model:
    /// τ_x = 946 ms, τ_y = 27 ms, A_2⁺ = 6.1e-3, A_3⁺ = 6.7e-3, A_2⁻ = 1.6e-3,
    /// A_3⁻ = 1.4e-3.
    pub fn hippocampal_all_to_all(w_min: f64, w_max: f64) -> Self {
        Self::preset(946.0, 27.0, [6.1e-3, 6.7e-3, 1.6e-3, 1.4e-3], w_min, w_max)
    }

    /// Hippocampal culture data, all-to-all, minimal model:
    /// τ_y = 40 ms, A_2⁺ = 5.3e-3, A_3⁺ = 8e-3, A_2⁻ = 3.5e-3, A_3⁻ = 0.
    pub fn hippocampal_minimal(w_min: f64, w_max: f64) -> Self {
        Self::preset(946.0, 40.0, [5.3e-3, 8e-3, 3.5e-3, 0.0], w_min, w_max)
    }

    /// Hippocampal culture data, nearest-spike, full model:
    /// τ_x = 575 ms, τ_y = 47 ms, A_2⁺ = 4.6e-3, A_3⁺ = 9.1e-3, A_2⁻ = 3e-3,
    /// A_3⁻ = 7.5e-9.
    pub fn hippocampal_nearest(w_min: f64, w_max: f64) -> Self {
        TripletStdp {
            interaction: TripletInteraction::Nearest,
            ..Self::preset(575.0, 47.0, [4.6e-3, 9.1e-3, 3e-3, 7.5e-9], w_min, w_max)
        }
    }

    /// Builds a preset with τ_+ = 16.8 ms and τ_− = 33.7 ms (every fit of the paper) and
    /// amplitudes `[A_2⁺, A_3⁺, A_2⁻, A_3⁻]`.
    fn preset(tau_x: f64, tau_y: f64, a: [f64; 4], w_min: f64, w_max: f64) -> Self {
        TripletStdp {
            tau_plus: 16.8,
            tau_minus: 33.7,
            tau_x,
            tau_y,
            a2_plus: a[0],
            a3_plus: a[1],
            a2_minus: a[2],
            a3_minus: a[3],
            w_min,
            w_max,
            interaction: TripletInteraction::AllToAll,
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        check_positive("triplet STDP", "tau_plus", self.tau_plus)?;
        check_positive("triplet STDP", "tau_minus", self.tau_minus)?;
        check_positive("triplet STDP", "tau_x", self.tau_x)?;
        check_positive("triplet STDP", "tau_y", self.tau_y)?;
        check_non_negative("triplet STDP", "a2_plus", self.a2_plus)?;
        check_non_negative("triplet STDP", "a3_plus", self.a3_plus)?;
        check_non_negative("triplet STDP", "a2_minus", self.a2_minus)?;
        check_non_negative("triplet STDP", "a3_minus", self.a3_minus)?;
        check_bounds("triplet STDP", self.w_min, self.w_max)
    }
}

fn check_bounds(model: &'static str, w_min: f64, w_max: f64) -> Result<()> {
    if !w_min.is_finite() {
        return Err(Error::invalid_parameter(model, "w_min", "finite", w_min));
    }
    if !(w_max.is_finite() && w_max > w_min) {
        return Err(Error::invalid_parameter(
            model,
            "w_max",
            format!("finite and greater than w_min = {w_min}"),
            w_max,
        ));
    }
    Ok(())
}

/// A plasticity rule for a synapse group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StdpRule {
    Pair(PairStdp),
    Triplet(TripletStdp),
}

impl StdpRule {
    /// Checks the rule's parameters.
    pub fn validate(&self) -> Result<()> {
        match self {
            StdpRule::Pair(rule) => rule.validate(),
            StdpRule::Triplet(rule) => rule.validate(),
        }
    }
}

/// Precomputed `e^{−k·dt/τ}` for small step counts `k`; larger `k` are computed on demand
/// with the same expression, so the table never changes a result.
#[derive(Debug, Clone)]
struct Decay {
    dt_over_tau: f64,
    table: Vec<f64>,
}

impl Decay {
    const TABLE_LEN: u64 = 8192;

    fn new(dt: f64, tau: f64) -> Self {
        let dt_over_tau = dt / tau;
        let table = (0..Self::TABLE_LEN)
            .map(|k| Self::compute(dt_over_tau, k))
            .collect();
        Decay { dt_over_tau, table }
    }

    fn compute(dt_over_tau: f64, steps: u64) -> f64 {
        (-(steps as f64) * dt_over_tau).exp()
    }

    #[inline(always)]
    fn factor(&self, steps: u64) -> f64 {
        match self.table.get(steps as usize) {
            Some(&f) => f,
            None => Self::compute(self.dt_over_tau, steps),
        }
    }
}

/// Traces of one side (all presynaptic or all postsynaptic neurons) of a group with
/// per-neuron traces, in units scaled by `e^{(t − t_0)/τ}`: neuron `i`'s trace at step
/// `n` is `scaled[i] · e^{−(n − n_0)·dt/τ}`, where `n_0` is the epoch of the group. A
/// spike at step `n` adds `e^{(n − n_0)·dt/τ}`. Every trace of a side thus decays with
/// one factor per step, with no record of each neuron's last spike.
#[derive(Debug, Clone)]
struct ScaledTraces {
    scaled: Vec<f64>,
    /// `e^{k·dt/τ}` and `e^{−k·dt/τ}` for `k = 0 … span`.
    grow: Vec<f64>,
    shrink: Vec<f64>,
    dt_over_tau: f64,
}

impl ScaledTraces {
    /// Returns how many steps the epoch may lie behind before it moves on, so that the
    /// scaled values stay below about `e^{20}` times the traces.
    fn span(dt: f64, tau: f64) -> u64 {
        ((20.0 * tau / dt).floor() as u64).clamp(1, 4096)
    }

    fn new(n: usize, dt: f64, tau: f64, span: u64) -> Self {
        let dt_over_tau = dt / tau;
        let grow = (0..=span).map(|k| (k as f64 * dt_over_tau).exp()).collect();
        let shrink = (0..=span)
            .map(|k| (-(k as f64) * dt_over_tau).exp())
            .collect();
        ScaledTraces {
            scaled: vec![0.0; n],
            grow,
            shrink,
            dt_over_tau,
        }
    }

    /// Returns `e^{−k·dt/τ}`, the factor from scaled units to the trace `k` steps after
    /// the epoch.
    #[inline(always)]
    fn shrink(&self, k: u64) -> f64 {
        match self.shrink.get(k as usize) {
            Some(&f) => f,
            None => (-(k as f64) * self.dt_over_tau).exp(),
        }
    }

    /// Returns the trace of neuron `i` at `step`, for an epoch `epoch`. `step` may precede
    /// the epoch, as long as it does not precede the neuron's last spike.
    fn value_at(&self, i: usize, step: u64, epoch: u64) -> f64 {
        if step >= epoch {
            self.scaled[i] * self.shrink(step - epoch)
        } else {
            self.scaled[i] * ((epoch - step) as f64 * self.dt_over_tau).exp()
        }
    }

    /// Adds a spike of neuron `i` `k` steps after the epoch (`k` at most the span).
    #[inline(always)]
    fn add_spike(&mut self, i: usize, k: u64) {
        self.scaled[i] += self.grow[k as usize];
    }

    /// Moves the epoch `k` steps on.
    fn rebase(&mut self, k: u64) {
        let f = self.shrink(k);
        for x in &mut self.scaled {
            *x *= f;
        }
    }
}

/// Traces kept per neuron, for a pair rule with all-to-all pairing on a group with one
/// delay (see the module documentation), in the scaled units of [`ScaledTraces`].
#[derive(Debug, Clone)]
struct SharedTraces {
    /// The rule, a pair rule with all-to-all pairing.
    rule: PairStdp,
    /// Presynaptic and postsynaptic neuron of each synapse.
    pre_of: Vec<u32>,
    post_of: Vec<u32>,
    /// `x_pre` of each presynaptic neuron and `x_post` of each postsynaptic neuron.
    pre: ScaledTraces,
    post: ScaledTraces,
    /// The step at which scaled units equal the traces.
    epoch: u64,
    /// Steps the epoch may lie behind before it moves to the current step.
    span: u64,
    /// Some postsynaptic neuron has spiked, so some `x_post` may be non-zero.
    any_post: bool,
}

impl SharedTraces {
    /// Moves the epoch to `step` if it lies more than the span behind, and returns the
    /// number of steps from the epoch to `step`.
    #[inline(always)]
    fn catch_up(&mut self, step: u64) -> u64 {
        let k = step - self.epoch;
        if k <= self.span {
            return k;
        }
        self.pre.rebase(k);
        self.post.rebase(k);
        self.epoch = step;
        0
    }
}

/// Per-synapse plasticity state: the rule and each synapse's traces.
#[derive(Debug, Clone)]
pub struct Plasticity {
    rule: StdpRule,
    /// Per-neuron traces. When they are present, the per-synapse vectors below are empty.
    shared: Option<Box<SharedTraces>>,
    /// Step at which each synapse's traces were last brought up to date.
    last: Vec<u64>,
    /// `x_pre` (pair) or `r_1` (triplet).
    trace_pre: Vec<f64>,
    /// `x_post` (pair) or `o_1` (triplet).
    trace_post: Vec<f64>,
    /// `r_2` (triplet only).
    trace_pre_slow: Vec<f64>,
    /// `o_2` (triplet only).
    trace_post_slow: Vec<f64>,
    decay_pre: Decay,
    decay_post: Decay,
    decay_pre_slow: Decay,
    decay_post_slow: Decay,
}

impl Plasticity {
    /// Creates zero traces for `n` synapses at step `step`.
    pub(crate) fn new(rule: StdpRule, n: usize, dt: f64, step: u64) -> Result<Self> {
        rule.validate()?;
        let (tau_pre, tau_post, tau_pre_slow, tau_post_slow, slow) = match rule {
            StdpRule::Pair(r) => (r.tau_plus, r.tau_minus, 1.0, 1.0, 0),
            StdpRule::Triplet(r) => (r.tau_plus, r.tau_minus, r.tau_x, r.tau_y, n),
        };
        Ok(Plasticity {
            rule,
            shared: None,
            last: vec![step; n],
            trace_pre: vec![0.0; n],
            trace_post: vec![0.0; n],
            trace_pre_slow: vec![0.0; slow],
            trace_post_slow: vec![0.0; slow],
            decay_pre: Decay::new(dt, tau_pre),
            decay_post: Decay::new(dt, tau_post),
            decay_pre_slow: Decay::new(dt, tau_pre_slow),
            decay_post_slow: Decay::new(dt, tau_post_slow),
        })
    }

    /// Creates zero traces kept per neuron (see the module documentation) for the
    /// synapses `pre[s] → post[s]`, or returns `None` when the rule needs traces per
    /// synapse. The caller must know that every synapse has the same delay.
    pub(crate) fn new_shared(
        rule: StdpRule,
        pre: &[u32],
        post: &[u32],
        n_pre: usize,
        n_post: usize,
        dt: f64,
        step: u64,
    ) -> Result<Option<Self>> {
        let StdpRule::Pair(r) = rule else {
            return Ok(None);
        };
        if r.pairing != Pairing::AllToAll {
            return Ok(None);
        }
        let mut plasticity = Self::new(rule, 0, dt, step)?;
        let span = ScaledTraces::span(dt, r.tau_plus).min(ScaledTraces::span(dt, r.tau_minus));
        plasticity.shared = Some(Box::new(SharedTraces {
            rule: r,
            pre_of: pre.to_vec(),
            post_of: post.to_vec(),
            pre: ScaledTraces::new(n_pre, dt, r.tau_plus, span),
            post: ScaledTraces::new(n_post, dt, r.tau_minus, span),
            epoch: step,
            span,
            any_post: false,
        }));
        Ok(Some(plasticity))
    }

    /// The rule.
    pub fn rule(&self) -> &StdpRule {
        &self.rule
    }

    /// Traces of synapse `s` decayed to step `step` (which must not precede the last
    /// event of the synapse): `[x_pre, x_post]` for the pair rule, `[r_1, o_1, r_2, o_2]`
    /// for the triplet rule.
    pub fn traces_at(&self, s: usize, step: u64) -> Vec<f64> {
        if let Some(shared) = &self.shared {
            let (i, j) = (shared.pre_of[s] as usize, shared.post_of[s] as usize);
            return vec![
                shared.pre.value_at(i, step, shared.epoch),
                shared.post.value_at(j, step, shared.epoch),
            ];
        }
        let k = step - self.last[s];
        let mut traces = vec![
            self.trace_pre[s] * self.decay_pre.factor(k),
            self.trace_post[s] * self.decay_post.factor(k),
        ];
        if let StdpRule::Triplet(_) = self.rule {
            traces.push(self.trace_pre_slow[s] * self.decay_pre_slow.factor(k));
            traces.push(self.trace_post_slow[s] * self.decay_post_slow.factor(k));
        }
        traces
    }

    /// Decays the traces of synapse `s` to `step`.
    fn catch_up(&mut self, s: usize, step: u64) {
        let k = step - self.last[s];
        if k == 0 {
            return;
        }
        self.trace_pre[s] *= self.decay_pre.factor(k);
        self.trace_post[s] *= self.decay_post.factor(k);
        if !self.trace_pre_slow.is_empty() {
            self.trace_pre_slow[s] *= self.decay_pre_slow.factor(k);
            self.trace_post_slow[s] *= self.decay_post_slow.factor(k);
        }
        self.last[s] = step;
    }

    /// Applies the arrival of a presynaptic spike at synapse `s` at step `step`.
    pub(crate) fn on_pre(&mut self, s: usize, step: u64, w: &mut f64) {
        self.catch_up(s, step);
        match self.rule {
            StdpRule::Pair(r) => {
                // depression from earlier postsynaptic spikes
                let x_post = self.trace_post[s];
                *w = (*w - r.a_minus * x_post * r.depression_factor(*w)).clamp(r.w_min, r.w_max);
                if r.pairing.pre_consumes_post() {
                    self.trace_post[s] = 0.0;
                }

                // the spike enters the presynaptic trace
                self.trace_pre[s] = if r.pairing.sets_pre() {
                    1.0
                } else {
                    self.trace_pre[s] + 1.0
                };
            }
            StdpRule::Triplet(r) => {
                // depression: pair term plus triplet term with r_2 from before this spike
                let o_1 = self.trace_post[s];
                let r_2 = self.trace_pre_slow[s];
                *w = (*w - o_1 * (r.a2_minus + r.a3_minus * r_2)).clamp(r.w_min, r.w_max);

                // the spike enters both presynaptic traces
                let nearest = r.interaction == TripletInteraction::Nearest;
                self.trace_pre[s] = if nearest {
                    1.0
                } else {
                    self.trace_pre[s] + 1.0
                };
                self.trace_pre_slow[s] = if nearest { 1.0 } else { r_2 + 1.0 };
            }
        }
    }

    /// Applies the arrivals of one step in a group whose synapses share one delay. Each
    /// entry of `arrivals` is a presynaptic neuron `i`, whose synapses are
    /// `row_start[i] .. row_start[i + 1]` with postsynaptic neurons `post` and weights
    /// `w`. For each, `target(posts, w)` applies the effect on the postsynaptic neurons
    /// first. Then each synapse is depressed by its postsynaptic trace, and the spike
    /// enters the presynaptic trace: the neuron's with per-neuron traces, each synapse's
    /// otherwise. Per-neuron traces are brought to `step` once for all arrivals.
    #[inline]
    pub(crate) fn on_pre_rows(
        &mut self,
        arrivals: &[u32],
        row_start: &[usize],
        post: &[u32],
        w: &mut [f64],
        step: u64,
        mut target: impl FnMut(&[u32], &[f64]),
    ) {
        if arrivals.is_empty() {
            return;
        }
        let Some(shared) = self.shared.as_deref_mut() else {
            for &i in arrivals {
                let range = row_start[i as usize]..row_start[i as usize + 1];
                target(&post[range.clone()], &w[range.clone()]);
                for s in range {
                    self.on_pre(s, step, &mut w[s]);
                }
            }
            return;
        };
        // all-to-all pairing: a spike adds 1 (this mode is not built for other schemes)
        debug_assert!(!shared.rule.pairing.sets_pre());
        let k = shared.catch_up(step);
        let r = &shared.rule;
        let (grow, factor) = (shared.pre.grow[k as usize], shared.post.shrink(k));
        for &i in arrivals {
            let i = i as usize;
            let range = row_start[i]..row_start[i + 1];
            let (posts, w) = (&post[range.clone()], &mut w[range]);
            target(posts, w);
            shared.pre.scaled[i] += grow;

            // While every x_post is zero the update only clips weights that are out of
            // bounds, which a fold without early exit checks in vectorized code.
            let all_within = || {
                w.iter()
                    .fold(true, |ok, &w| ok & (w >= r.w_min) & (w <= r.w_max))
            };
            if shared.any_post || !all_within() {
                depress_row(r, &shared.post.scaled, factor, posts, w);
            }
        }
    }

    /// Applies the `on_post` updates of the synapses `incoming` onto postsynaptic neuron
    /// `post`, which spikes at `step`. `w` contains the weights of the whole group.
    pub(crate) fn on_post_neuron(
        &mut self,
        post: usize,
        incoming: &[u32],
        step: u64,
        w: &mut [f64],
    ) {
        let Some(shared) = self.shared.as_deref_mut() else {
            for &s in incoming {
                self.on_post(s as usize, step, &mut w[s as usize]);
            }
            return;
        };
        let k = shared.catch_up(step);
        let r = &shared.rule;
        // potentiation from earlier (or same-step) presynaptic arrivals
        let (x_pre, factor) = (&shared.pre.scaled, shared.pre.shrink(k));
        potentiate_column(r, &shared.pre_of, x_pre, factor, incoming, w);
        // the spike enters the postsynaptic trace (all-to-all: it adds 1)
        debug_assert!(!r.pairing.sets_post());
        shared.post.add_spike(post, k);
        shared.any_post = true;
    }

    /// Applies a spike of the postsynaptic neuron of synapse `s` at step `step`.
    pub(crate) fn on_post(&mut self, s: usize, step: u64, w: &mut f64) {
        self.catch_up(s, step);
        match self.rule {
            StdpRule::Pair(r) => {
                // potentiation from earlier (or same-step) presynaptic arrivals
                let x_pre = self.trace_pre[s];
                *w = (*w + r.a_plus * x_pre * r.potentiation_factor(*w)).clamp(r.w_min, r.w_max);
                if r.pairing.post_consumes_pre() {
                    self.trace_pre[s] = 0.0;
                }

                // the spike enters the postsynaptic trace
                self.trace_post[s] = if r.pairing.sets_post() {
                    1.0
                } else {
                    self.trace_post[s] + 1.0
                };
            }
            StdpRule::Triplet(r) => {
                // potentiation: pair term plus triplet term with o_2 from before this spike
                let r_1 = self.trace_pre[s];
                let o_2 = self.trace_post_slow[s];
                *w = (*w + r_1 * (r.a2_plus + r.a3_plus * o_2)).clamp(r.w_min, r.w_max);

                // the spike enters both postsynaptic traces
                let nearest = r.interaction == TripletInteraction::Nearest;
                self.trace_post[s] = if nearest {
                    1.0
                } else {
                    self.trace_post[s] + 1.0
                };
                self.trace_post_slow[s] = if nearest { 1.0 } else { o_2 + 1.0 };
            }
        }
    }
}

/// Applies the `on_pre` depression of [`Plasticity::on_pre_rows`] with per-neuron traces:
/// `x_post` in scaled units and `factor` to turn them into traces at the current step.
/// The arrays come as separate borrows, so writing a weight provably changes no trace.
#[inline]
fn depress_row(r: &PairStdp, x_post: &[f64], factor: f64, posts: &[u32], w: &mut [f64]) {
    for (&j, w) in posts.iter().zip(w) {
        let x = x_post[j as usize];
        // Without a postsynaptic trace the update leaves a weight within bounds as it is.
        if x == 0.0 && (r.w_min..=r.w_max).contains(w) {
            continue;
        }
        let x = x * factor;
        *w = (*w - r.a_minus * x * r.depression_factor(*w)).clamp(r.w_min, r.w_max);
    }
}

/// Applies the `on_post` potentiation of [`Plasticity::on_post_neuron`] with per-neuron
/// traces to the synapses `incoming` of one postsynaptic neuron: `x_pre` in scaled units
/// and `factor` to turn them into traces at the current step.
#[inline]
fn potentiate_column(
    r: &PairStdp,
    pre_of: &[u32],
    x_pre: &[f64],
    factor: f64,
    incoming: &[u32],
    w: &mut [f64],
) {
    for &s in incoming {
        let s = s as usize;
        let x = x_pre[pre_of[s] as usize] * factor;
        let w_s = &mut w[s];
        *w_s = (*w_s + r.a_plus * x * r.potentiation_factor(*w_s)).clamp(r.w_min, r.w_max);
    }
}
