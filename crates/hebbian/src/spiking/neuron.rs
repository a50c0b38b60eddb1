//! Leaky integrate-and-fire neurons with exact integration of the leak.
//!
//! ```text
//! τ_m dv/dt = (v_rest − v) + g (E_e − v)        (g = 0 without conductance input)
//! τ_e dg/dt = −g
//! v > v_th  →  spike, v ← v_reset, refractory for t_ref
//! ```
//!
//! | symbol | code | unit | meaning |
//! |---|---|---|---|
//! | v | `v` | mV | membrane potential |
//! | v_rest | `v_rest` | mV | resting (leak reversal) potential |
//! | v_th | `v_th` | mV | threshold; a spike needs `v > v_th` |
//! | v_reset | `v_reset` | mV | potential after a spike |
//! | τ_m | `tau_m` | ms | membrane time constant |
//! | t_ref | `t_ref` | ms | absolute refractory period, a whole number of steps |
//! | g | `g` | 1 | excitatory conductance in units of the leak conductance |
//! | τ_e | `tau_e` | ms | decay time constant of `g` |
//! | E_e | `e_e` | mV | excitatory reversal potential |
//!
//! # What one step computes
//!
//! Without conductance input the update is the exact solution,
//! `v(t) = v_rest + (v(t_0) − v_rest) e^{−(t − t_0)/τ_m}`, so the result does not depend
//! on `dt`. It is evaluated lazily (see *Event-driven leak* below).
//! With conductance input, `g` is held at its value from the start of the step, which
//! makes the equation linear with constant coefficients. `v` then relaxes exactly towards
//! `v_∞ = (v_rest + g E_e)/(1 + g)` with time constant `τ_m/(1 + g)`, and afterwards `g`
//! decays exactly by `e^{−dt/τ_e}`. This "exponential Euler" step is exact when `g` is
//! constant and first-order accurate in `dt` otherwise. Its factor `e^{−(1 + g) dt/τ_m}`
//! comes from a polynomial within 2 units in the last place of `f64::exp` when the
//! exponent is above −1/32, and from `f64::exp` otherwise (see `exp_step`).
//!
//! Current-based input makes `v` jump by `w` mV when a spike arrives
//! ([`LifGroup::add_voltage`]); conductance-based input makes `g` jump by `w`
//! ([`LifGroup::add_conductance`]), as in Song, Miller & Abbott (2000).
//!
//! Refractoriness is counted in steps: a neuron that spikes at step `n` with
//! `t_ref = k·dt` is refractory during steps `n + 1 … n + k − 1`, integrates again from
//! step `n + k` and can spike at that step, which equals Brian2's rule
//! `timestep(t − lastspike) ≥ timestep(refractory)`. While refractory, `v` is held at
//! `v_reset` and voltage jumps are discarded; `g` keeps decaying and accumulating. A jump
//! that arrives in the step in which the neuron spikes is overwritten by the reset, with
//! or without a refractory period, because the network resets after propagation as
//! Brian2 does.
//!
//! # Event-driven leak
//!
//! A current-based group does no work per step for a neuron that receives no input. Each
//! neuron keeps an anchor: its potential `v_a` at the start of step `a`, the last step at
//! which an input, a reset or a threshold test changed it. Until the next such event its
//! potential is `v_rest + (v_a − v_rest) e^{−(n − a)·dt/τ_m}` at the start of step `n`,
//! computed only when needed: when a voltage jump arrives (the decayed value plus `w`
//! becomes the new anchor), when a monitor samples `v`, and at the end of each run for
//! [`LifGroup::v`].
//!
//! The threshold test of a step visits only candidates: neurons whose anchored potential
//! is above threshold, and every neuron whose `v_rest` is above threshold. A neuron below
//! threshold with `v_rest` below threshold relaxes monotonically towards `v_rest` and
//! cannot cross without input, so skipping it never misses a spike. A candidate's test
//! re-anchors it at that step, so a neuron driven above threshold by its rest potential
//! is updated step by step, exactly as a fixed-step loop would do.
//!
//! One closed-form decay over `k` steps rounds once where `k` single-step decays round
//! `k` times, so the two differ by rounding only (the tests check agreement to 1e-9 mV
//! against a fixed-step loop). Editing the potentials with [`LifGroup::v_mut`] re-anchors
//! every neuron at the next run.
//!
//! Conductance-based groups update every neuron every step (their leak rate changes with
//! `g`).
//!
//! # Limitations
//!
//! No inhibitory conductance and no adaptation current. Voltage jumps that arrive during
//! the refractory period are lost (NEST's `iaf_psc_delta` does the same by default);
//! Brian2 applies `v += w` regardless unless the `on_pre` code tests `not_refractory`.
//!
//! # References
//!
//! Song, S., Miller, K. D. & Abbott, L. F. (2000). Competitive Hebbian learning through
//! spike-timing-dependent synaptic plasticity. *Nat. Neurosci.* 3(9), 919–926.
//! doi:10.1038/78829

use super::clock::Clock;
use crate::error::{Error, Result, check_non_negative, check_positive};

/// Parameters of one LIF neuron.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LifParams {
    /// Resting potential in mV.
    pub v_rest: f64,
    /// Threshold in mV.
    pub v_th: f64,
    /// Reset potential in mV.
    pub v_reset: f64,
    /// Membrane time constant in ms.
    pub tau_m: f64,
    /// Absolute refractory period in ms; must be a whole number of steps.
    pub t_ref: f64,
    /// Excitatory conductance decay time constant in ms.
    pub tau_e: f64,
    /// Excitatory reversal potential in mV.
    pub e_e: f64,
}

impl Default for LifParams {
    /// The neuron of the Brian2 STDP tutorial (τ_m 20 ms, v_rest −70 mV, threshold
    /// −55 mV, reset −75 mV, no refractory period). The conductance part (τ_e 5 ms,
    /// E_e 0 mV) is from Song, Miller & Abbott (2000).
    fn default() -> Self {
        LifParams {
            v_rest: -70.0,
            v_th: -55.0,
            v_reset: -75.0,
            tau_m: 20.0,
            t_ref: 0.0,
            tau_e: 5.0,
            e_e: 0.0,
        }
    }
}

impl LifParams {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("v_rest", self.v_rest),
            ("v_th", self.v_th),
            ("v_reset", self.v_reset),
            ("e_e", self.e_e),
        ] {
            if !value.is_finite() {
                return Err(Error::invalid_parameter("LIF", name, "finite", value));
            }
        }
        check_positive("LIF", "tau_m", self.tau_m)?;
        check_positive("LIF", "tau_e", self.tau_e)?;
        check_non_negative("LIF", "t_ref", self.t_ref)
    }
}

/// Length of the table of `e^{−k·dt/τ_m}` for groups that share one `τ_m`.
const DECAY_TABLE_LEN: usize = 4096;

/// A group of LIF neurons with per-neuron parameters, stored as struct-of-arrays.
#[derive(Debug, Clone)]
pub struct LifGroup {
    params: Vec<LifParams>,
    /// Potentials at the last synchronisation (end of a run, or a state monitor sample).
    v: Vec<f64>,
    /// The anchored potential and the refractory period of each neuron, the state that
    /// every arrival reads, kept together.
    state: Vec<NeuronState>,
    g: Vec<f64>,
    v_rest: Vec<f64>,
    v_th: Vec<f64>,
    v_reset: Vec<f64>,
    e_e: Vec<f64>,
    /// `e^{−dt/τ_m}`, the exact leak factor over one step.
    leak_decay: Vec<f64>,
    /// `dt/τ_m`, for leak factors over several steps and conductance-dependent ones.
    dt_over_tau_m: Vec<f64>,
    /// `e^{−k·dt/τ_m}` for `k < DECAY_TABLE_LEN` when every neuron has the same `τ_m`.
    decay_table: Vec<f64>,
    /// `e^{−dt/τ_e}`.
    g_decay: Vec<f64>,
    refractory_steps: Vec<u64>,
    /// Neurons whose threshold test cannot be skipped, in no particular order.
    candidates: Vec<u32>,
    is_candidate: Vec<bool>,
    /// `v_rest > v_th`: the neuron is a candidate forever.
    tonic: Vec<bool>,
    /// The potentials were edited through [`LifGroup::v_mut`] since the last anchoring.
    v_edited: bool,
    conductance_input: bool,
    /// Every neuron has the same `v_rest` and `v_th`.
    uniform: bool,
}

impl LifGroup {
    /// Creates `n` neurons that share `params`, starting at `v = v_rest`, `g = 0`.
    pub fn new(n: usize, params: LifParams) -> Result<Self> {
        Self::from_params(vec![params; n])
    }

    /// Creates one neuron per entry of `params`, starting at `v = v_rest`, `g = 0`.
    pub fn from_params(params: Vec<LifParams>) -> Result<Self> {
        for p in &params {
            p.validate()?;
        }
        let n = params.len();
        let column = |f: fn(&LifParams) -> f64| params.iter().map(f).collect::<Vec<_>>();
        Ok(LifGroup {
            v: column(|p| p.v_rest),
            state: params
                .iter()
                .map(|p| NeuronState {
                    v_anchor: p.v_rest,
                    anchor: 0,
                    refractory_until: 0,
                })
                .collect(),
            g: vec![0.0; n],
            v_rest: column(|p| p.v_rest),
            v_th: column(|p| p.v_th),
            v_reset: column(|p| p.v_reset),
            e_e: column(|p| p.e_e),
            leak_decay: vec![0.0; n],
            dt_over_tau_m: vec![0.0; n],
            decay_table: Vec::new(),
            g_decay: vec![0.0; n],
            refractory_steps: vec![0; n],
            candidates: Vec::new(),
            is_candidate: vec![false; n],
            tonic: params.iter().map(|p| p.v_rest > p.v_th).collect(),
            v_edited: true,
            conductance_input: false,
            uniform: params
                .windows(2)
                .all(|p| p[0].v_rest == p[1].v_rest && p[0].v_th == p[1].v_th),
            params,
        })
    }

    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.v.len()
    }

    /// Returns whether the group has no neurons.
    pub fn is_empty(&self) -> bool {
        self.v.is_empty()
    }

    /// Parameters of each neuron.
    pub fn params(&self) -> &[LifParams] {
        &self.params
    }

    /// Membrane potentials in mV at the end of the last run (or when added).
    pub fn v(&self) -> &[f64] {
        &self.v
    }

    /// Membrane potentials in mV, for setting initial conditions between runs.
    pub fn v_mut(&mut self) -> &mut [f64] {
        self.v_edited = true;
        &mut self.v
    }

    /// Excitatory conductances, in units of the leak conductance.
    pub fn g(&self) -> &[f64] {
        &self.g
    }

    /// Excitatory conductances, for setting initial conditions.
    pub fn g_mut(&mut self) -> &mut [f64] {
        &mut self.g
    }

    /// Returns whether neuron `i` is refractory at step `step`.
    pub fn is_refractory(&self, i: usize, step: u64) -> bool {
        step < self.state[i].refractory_until
    }

    /// Computes the per-step factors for step `dt` and checks that each `t_ref` is a
    /// whole number of steps.
    pub(crate) fn bind(&mut self, clock: &Clock) -> Result<()> {
        let dt = clock.dt();
        for (i, p) in self.params.iter().enumerate() {
            self.leak_decay[i] = (-dt / p.tau_m).exp();
            self.dt_over_tau_m[i] = dt / p.tau_m;
            self.g_decay[i] = (-dt / p.tau_e).exp();
            self.refractory_steps[i] = clock.duration_to_steps("t_ref", p.t_ref)?;
        }
        let shared_tau = self.params.windows(2).all(|p| p[0].tau_m == p[1].tau_m);
        self.decay_table = match self.dt_over_tau_m.first() {
            Some(&x) if shared_tau => (0..DECAY_TABLE_LEN)
                .map(|k| (-(k as f64 * x)).exp())
                .collect(),
            _ => Vec::new(),
        };
        self.adopt_edits(clock.step());
        Ok(())
    }

    pub(crate) fn enable_conductance_input(&mut self, step: u64) {
        if !self.conductance_input {
            if !self.v_edited {
                self.sync(step);
            }
            for (state, &v) in self.state.iter_mut().zip(&self.v) {
                state.v_anchor = v;
                state.anchor = step;
            }
            self.conductance_input = true;
        }
    }

    /// Returns the leak factors of the group, borrowed apart from its other fields.
    #[inline(always)]
    fn lazy_decay(&self) -> LazyDecay<'_> {
        LazyDecay {
            table: &self.decay_table,
            dt_over_tau_m: &self.dt_over_tau_m,
        }
    }

    /// Potential of neuron `i` at the start of step `step`, from its anchor.
    #[inline]
    fn potential_at(&self, i: usize, step: u64) -> f64 {
        self.state[i].potential_at(i, self.v_rest[i], step, &self.lazy_decay())
    }

    fn mark_candidate(&mut self, i: usize) {
        if !self.is_candidate[i] {
            self.is_candidate[i] = true;
            self.candidates.push(i as u32);
        }
    }

    /// Anchors every neuron at `step` with the potentials of [`LifGroup::v`] if they
    /// were edited, and rebuilds the candidates.
    pub(crate) fn adopt_edits(&mut self, step: u64) {
        if !self.v_edited {
            return;
        }
        self.v_edited = false;
        for (state, &v) in self.state.iter_mut().zip(&self.v) {
            state.v_anchor = v;
        }
        if !self.conductance_input {
            for state in &mut self.state {
                state.anchor = state.anchor.max(step);
            }
        }
        self.candidates.clear();
        self.is_candidate.fill(false);
        for i in 0..self.len() {
            if self.tonic[i] || self.state[i].v_anchor > self.v_th[i] {
                self.mark_candidate(i);
            }
        }
    }

    /// Writes the potentials at the start of step `step` to [`LifGroup::v`].
    pub(crate) fn sync(&mut self, step: u64) {
        if self.conductance_input {
            for (v, state) in self.v.iter_mut().zip(&self.state) {
                *v = state.v_anchor;
            }
        } else {
            for i in 0..self.len() {
                self.v[i] = self.potential_at(i, step);
            }
        }
    }

    /// Advances every non-refractory neuron by one step (conductance-based groups only;
    /// current-based groups integrate lazily).
    pub(crate) fn integrate(&mut self, step: u64) {
        if self.conductance_input {
            self.integrate_conductance(step);
        }
    }

    fn integrate_conductance(&mut self, step: u64) {
        let neurons = self
            .state
            .iter_mut()
            .zip(self.g.iter_mut())
            .zip(self.v_rest.iter().zip(&self.e_e))
            .zip(self.leak_decay.iter().zip(&self.dt_over_tau_m))
            .zip(&self.g_decay);
        for ((((n, g), (&v_rest, &e_e)), (&leak_decay, &dt_over_tau_m)), &g_decay) in neurons {
            let g_now = *g;

            // v relaxes towards v_inf with rate (1 + g)/τ_m, g held for the step
            if step >= n.refractory_until {
                let total = 1.0 + g_now;
                let (v_inf, factor) = if g_now == 0.0 {
                    (v_rest, leak_decay)
                } else {
                    let v_inf = (v_rest + g_now * e_e) / total;
                    (v_inf, exp_step(-dt_over_tau_m * total))
                };
                n.v_anchor = v_inf + (n.v_anchor - v_inf) * factor;
            }

            // g decays exactly
            *g = g_now * g_decay;
        }
    }

    /// Returns whether a step without input changes nothing that must be computed now:
    /// the leak of a current-based group is applied lazily, and only candidates can
    /// cross the threshold.
    #[inline]
    pub(crate) fn is_idle(&self) -> bool {
        !self.conductance_input && self.candidates.is_empty()
    }

    /// Appends the neurons above threshold (and not refractory) at `step` to `spikes`,
    /// in increasing order.
    pub(crate) fn threshold(&mut self, step: u64, spikes: &mut Vec<u32>) {
        if self.conductance_input {
            for (i, (state, &v_th)) in self.state.iter().zip(&self.v_th).enumerate() {
                if state.v_anchor > v_th && step >= state.refractory_until {
                    spikes.push(i as u32);
                }
            }
            return;
        }

        // only candidates can cross; each test re-anchors the neuron after this step's leak
        let start = spikes.len();
        let mut k = 0;
        while k < self.candidates.len() {
            let i = self.candidates[k] as usize;
            if step < self.state[i].refractory_until {
                k += 1;
                continue;
            }
            let v = self.potential_at(i, step + 1);
            self.state[i].v_anchor = v;
            self.state[i].anchor = step + 1;
            if v > self.v_th[i] {
                spikes.push(i as u32);
                k += 1;
            } else if self.tonic[i] {
                k += 1;
            } else {
                self.is_candidate[i] = false;
                self.candidates.swap_remove(k);
            }
        }
        spikes[start..].sort_unstable();
    }

    /// Resets the neurons that spiked at `step` and starts their refractory period.
    pub(crate) fn reset(&mut self, step: u64, spikes: &[u32]) {
        for &i in spikes {
            let i = i as usize;
            let k = self.refractory_steps[i];
            self.state[i].refractory_until = step + k;
            self.state[i].v_anchor = self.v_reset[i];
            if !self.conductance_input {
                // held at v_reset until the first step that integrates again
                self.state[i].anchor = step + k.max(1);
            }
        }
    }

    /// Adds a voltage jump of `w` mV to neuron `i` at step `step` (after the step's leak
    /// and threshold test), unless it is refractory.
    #[inline]
    pub fn add_voltage(&mut self, i: usize, w: f64, step: u64) {
        if step < self.state[i].refractory_until {
            return;
        }
        if self.conductance_input {
            self.state[i].v_anchor += w;
            return;
        }
        let v = self.potential_at(i, step + 1) + w;
        self.state[i].v_anchor = v;
        self.state[i].anchor = step + 1;
        if v > self.v_th[i] {
            self.mark_candidate(i);
        }
    }

    /// Adds the voltage jumps `w[k]` to the neurons `posts[k]`, in order, as
    /// [`LifGroup::add_voltage`] does for one.
    #[inline]
    pub(crate) fn add_voltages(&mut self, posts: &[u32], w: &[f64], step: u64) {
        if self.conductance_input {
            for (&i, &w) in posts.iter().zip(w) {
                self.add_voltage(i as usize, w, step);
            }
            return;
        }
        let decay = LazyDecay {
            table: &self.decay_table,
            dt_over_tau_m: &self.dt_over_tau_m,
        };
        let (v_rest, v_th) = (&self.v_rest, &self.v_th);
        // `self.state` is borrowed mutably below, so the borrows above are taken field by
        // field rather than through `lazy_decay`
        let crossed = if self.uniform {
            let shared = (v_rest[0], v_th[0]);
            add_voltages_lazy(&mut self.state, |_| shared, &decay, posts, w, step)
        } else {
            let at = |i: usize| (v_rest[i], v_th[i]);
            add_voltages_lazy(&mut self.state, at, &decay, posts, w, step)
        };
        if crossed {
            for &i in posts {
                let i = i as usize;
                let state = &self.state[i];
                if step >= state.refractory_until && state.v_anchor > self.v_th[i] {
                    self.mark_candidate(i);
                }
            }
        }
    }

    /// Adds `w[k]` to the excitatory conductance of the neurons `posts[k]`.
    #[inline]
    pub(crate) fn add_conductances(&mut self, posts: &[u32], w: &[f64]) {
        for (&i, &w) in posts.iter().zip(w) {
            self.g[i as usize] += w;
        }
    }

    /// Adds `w` to the excitatory conductance of neuron `i`.
    #[inline]
    pub fn add_conductance(&mut self, i: usize, w: f64) {
        self.g[i] += w;
    }
}

/// Returns `e^x` for the leak factor of one step, `x ≤ 0`.
///
/// For `|x| < 1/32` it takes the Taylor polynomial of degree 8, whose truncation error
/// is below `(1/32)⁹/9! ≈ 8·10⁻²⁰`, far under the rounding of a double (1.1·10⁻¹⁶). That
/// range covers a step of dt = 0.1 ms with τ_m = 10 ms up to a conductance of about 2
/// leak conductances. The result is within 2 units in the last place of `f64::exp`
/// (tested). Larger `|x|` go to `f64::exp`.
#[inline]
pub(crate) fn exp_step(x: f64) -> f64 {
    if !(-1.0 / 32.0..=0.0).contains(&x) {
        return x.exp();
    }
    // Estrin's scheme: four short chains instead of one long one
    const C: [f64; 9] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
        1.0 / 40320.0,
    ];
    let x2 = x * x;
    let x4 = x2 * x2;
    let p01 = C[0] + C[1] * x;
    let p23 = C[2] + C[3] * x;
    let p45 = C[4] + C[5] * x;
    let p67 = C[6] + C[7] * x;
    let low = p01 + p23 * x2;
    let high = p45 + p67 * x2;
    low + (high + C[8] * x4) * x4
}

/// The state of one neuron that every arrival reads and writes, kept in one place so that
/// an arrival touches one cache line of it.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
struct NeuronState {
    /// The potential at the start of step `anchor`; conductance-based groups keep it
    /// current at every step.
    v_anchor: f64,
    anchor: u64,
    /// First step at which the neuron integrates again.
    refractory_until: u64,
}

impl NeuronState {
    /// Returns the potential of neuron `i` at the start of `step`, from its anchor.
    #[inline(always)]
    fn potential_at(&self, i: usize, v_rest: f64, step: u64, decay: &LazyDecay<'_>) -> f64 {
        if step <= self.anchor {
            // refractory neurons are anchored at the end of their refractory period
            return self.v_anchor;
        }
        v_rest + (self.v_anchor - v_rest) * decay.factor(i, step - self.anchor)
    }
}

/// The leak factors `e^{−k·dt/τ_m}`: a table for the group's shared `τ_m`, or `dt/τ_m` per
/// neuron to compute them.
struct LazyDecay<'a> {
    table: &'a [f64],
    dt_over_tau_m: &'a [f64],
}

impl LazyDecay<'_> {
    /// Returns `e^{−k·dt/τ_m}` for neuron `i`.
    #[inline(always)]
    fn factor(&self, i: usize, k: u64) -> f64 {
        match self.table.get(k as usize) {
            Some(&f) => f,
            None => (-(k as f64 * self.dt_over_tau_m[i])).exp(),
        }
    }
}

/// Adds the voltage jumps `w[k]` to the neurons `posts[k]` of a current-based group at
/// `step` and returns whether one of them ended above its threshold. `params(i)` gives
/// `(v_rest, v_th)` of neuron `i`. The state comes as its own borrow: writing a
/// potential then provably changes nothing else the loop reads, which lets the compiler
/// keep every address in a register.
#[inline(never)]
fn add_voltages_lazy(
    state: &mut [NeuronState],
    params: impl Fn(usize) -> (f64, f64),
    decay: &LazyDecay<'_>,
    posts: &[u32],
    w: &[f64],
    step: u64,
) -> bool {
    let next = step + 1;
    let mut crossed = false;
    for (&i, &w) in posts.iter().zip(w) {
        let i = i as usize;
        let n = &mut state[i];
        if step < n.refractory_until {
            continue;
        }
        let (v_rest, v_th) = params(i);
        let v = n.potential_at(i, v_rest, next, decay) + w;
        n.v_anchor = v;
        n.anchor = next;
        crossed |= v > v_th;
    }
    crossed
}

#[cfg(test)]
mod tests {
    use super::exp_step;

    #[test]
    fn exp_step_within_two_ulp() {
        let mut worst = 0.0f64;
        for k in 0..=100_000 {
            let x = -(k as f64) / 100_000.0 / 32.0;
            let exact = x.exp();
            let ulps = (exp_step(x) - exact).abs() / (exact * f64::EPSILON);
            worst = worst.max(ulps);
        }
        assert!(
            worst <= 2.0,
            "largest error {worst} units in the last place"
        );
        // outside the polynomial's range the result is `f64::exp`'s
        for x in [-0.04, -1.0, -30.0, 0.5] {
            assert_eq!(exp_step(x), x.exp());
        }
    }
}
