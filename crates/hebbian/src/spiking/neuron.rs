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
//! A current-based group does no work per step for a neuron that receives no input.
//! Between events the distance from rest decays as `v(n) − v_rest = d e^{−(n − n_0)·dt/τ_m}`
//! at the start of step `n`, so each neuron keeps only the number `d`: its distance from
//! rest in units scaled by `e^{(n − n_0)·dt/τ_m}`, for an epoch `n_0` shared by the group.
//! A voltage jump `w` at step `s` counts from the start of step `s + 1` and adds
//! `w e^{(s + 1 − n_0)·dt/τ_m}` to `d`. With one `τ_m` for the group, that factor is the
//! same for every target of the arrival, so an arrival costs one multiply-add per target.
//! The potential itself is computed only when needed: at a threshold test, when a monitor
//! samples `v`, and at the end of each run for [`LifGroup::v`]. The epoch moves to the
//! current step once it lies more than `20 τ_m` (at most 4096 steps) behind, and every
//! `d` is rescaled, which keeps the scaled values below about `e^{20}` times the
//! distances.
//!
//! A neuron that spikes is held: it keeps `v_reset − v_rest` and the step from which it
//! decays again, and becomes free, in scaled units, at its first arrival after its
//! refractory period.
//!
//! The threshold test of a step visits only candidates: neurons whose potential is above
//! threshold after an arrival, and every neuron whose `v_rest` is above threshold. A
//! neuron below threshold with `v_rest` below threshold relaxes monotonically towards
//! `v_rest` and cannot cross without input, so skipping it never misses a spike. An
//! arrival marks its target a candidate when the target comes within a relative 10⁻¹²
//! of its threshold in scaled units, so that rounding cannot hide a crossing. The test
//! itself compares the potential in mV with `v_th`.
//!
//! A closed-form decay over `k` steps rounds once where `k` single-step decays round
//! `k` times, so the two differ by rounding only (the tests check agreement to 1e-9 mV
//! against a fixed-step loop, for shared and per-neuron parameters). Editing the
//! potentials with [`LifGroup::v_mut`] moves the epoch to the step of the next run.
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

/// Maximum span, in steps, between moves of the epoch of a current-based group.
const MAX_SPAN: u64 = 4096;

/// A group of LIF neurons with per-neuron parameters, stored as struct-of-arrays.
#[derive(Debug, Clone)]
pub struct LifGroup {
    params: Vec<LifParams>,
    /// Potentials. A current-based group writes them at each synchronisation (end of a
    /// run, or a state monitor sample). A conductance-based group keeps them current.
    v: Vec<f64>,
    /// First step at which each neuron integrates again.
    refractory_until: Vec<u64>,
    /// Current-based groups: each neuron's distance from rest in scaled units, see
    /// *Event-driven leak*.
    dev: Vec<f64>,
    /// Current-based groups: `0` for a free neuron, else the step `h` until which a
    /// neuron is held at `v_reset` after a spike. `dev` is then its distance from rest.
    held_until: Vec<u64>,
    /// Current-based groups: the step at which scaled units equal millivolts.
    epoch: u64,
    /// Steps the epoch may lie behind before it moves on.
    span: u64,
    /// `e^{k·dt/τ_m}` and `e^{−k·dt/τ_m}` for `k = 0 … span` when every neuron has the
    /// same `τ_m`; empty otherwise.
    grow: Vec<f64>,
    shrink: Vec<f64>,
    g: Vec<f64>,
    v_rest: Vec<f64>,
    v_th: Vec<f64>,
    v_reset: Vec<f64>,
    e_e: Vec<f64>,
    /// `e^{−dt/τ_m}`, the exact leak factor over one step.
    leak_decay: Vec<f64>,
    /// `dt/τ_m`, for leak factors over several steps and conductance-dependent ones.
    dt_over_tau_m: Vec<f64>,
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
            refractory_until: vec![0; n],
            dev: vec![0.0; n],
            held_until: vec![0; n],
            epoch: 0,
            span: 1,
            grow: Vec::new(),
            shrink: Vec::new(),
            g: vec![0.0; n],
            v_rest: column(|p| p.v_rest),
            v_th: column(|p| p.v_th),
            v_reset: column(|p| p.v_reset),
            e_e: column(|p| p.e_e),
            leak_decay: vec![0.0; n],
            dt_over_tau_m: vec![0.0; n],
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
        step < self.refractory_until[i]
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
        // scaled values stay below about e^20 times the distance from rest
        let fastest = self.dt_over_tau_m.iter().fold(0.0f64, |a, &x| a.max(x));
        self.span = if fastest > 0.0 {
            ((20.0 / fastest).floor() as u64).clamp(1, MAX_SPAN)
        } else {
            MAX_SPAN
        };
        let shared_tau = self.params.windows(2).all(|p| p[0].tau_m == p[1].tau_m);
        (self.grow, self.shrink) = match self.dt_over_tau_m.first() {
            Some(&x) if shared_tau => (
                (0..=self.span).map(|k| (k as f64 * x).exp()).collect(),
                (0..=self.span).map(|k| (-(k as f64) * x).exp()).collect(),
            ),
            _ => (Vec::new(), Vec::new()),
        };
        self.adopt_edits(clock.step());
        Ok(())
    }

    pub(crate) fn enable_conductance_input(&mut self, step: u64) {
        if !self.conductance_input {
            // from here on `v` contains the current potentials
            if !self.v_edited {
                self.sync(step);
            }
            self.conductance_input = true;
        }
    }

    /// Returns `e^{k·dt/τ_m}` for neuron `i`.
    #[inline(always)]
    fn growth(&self, i: usize, k: u64) -> f64 {
        match self.grow.get(k as usize) {
            Some(&f) => f,
            None => (k as f64 * self.dt_over_tau_m[i]).exp(),
        }
    }

    /// Returns `e^{−k·dt/τ_m}` for neuron `i`.
    #[inline(always)]
    fn decay(&self, i: usize, k: u64) -> f64 {
        match self.shrink.get(k as usize) {
            Some(&f) => f,
            None => (-(k as f64) * self.dt_over_tau_m[i]).exp(),
        }
    }

    /// Returns the leak factor `e^{−(to − from)·dt/τ_m}` of neuron `i`, for `to` before
    /// or after `from`.
    #[inline(always)]
    fn leak(&self, i: usize, from: u64, to: u64) -> f64 {
        if to >= from {
            self.decay(i, to - from)
        } else {
            self.growth(i, from - to)
        }
    }

    /// Potential of neuron `i` of a current-based group at the start of step `step`.
    #[inline]
    fn potential_at(&self, i: usize, step: u64) -> f64 {
        let held_until = self.held_until[i];
        let factor = if held_until != 0 {
            // held at v_reset until step `held_until`, then decaying
            self.leak(i, held_until, step.max(held_until))
        } else {
            self.leak(i, self.epoch, step)
        };
        self.v_rest[i] + self.dev[i] * factor
    }

    /// Moves the epoch to `step` if it lies more than the span behind, and returns the
    /// number of steps from the epoch to `step`.
    #[inline]
    fn catch_up(&mut self, step: u64) -> u64 {
        debug_assert!(step >= self.epoch, "the epoch is ahead of an event");
        let k = step - self.epoch;
        if k <= self.span {
            return k;
        }
        let shared = (!self.shrink.is_empty()).then(|| self.decay(0, k));
        for i in 0..self.dev.len() {
            if self.held_until[i] == 0 {
                self.dev[i] *= shared.unwrap_or_else(|| self.decay(i, k));
            }
        }
        self.epoch = step;
        0
    }

    /// Turns held neuron `i` into a free one, in the scaled units of the group's epoch.
    #[inline(never)]
    fn release(&mut self, i: usize) {
        // dev e^{−(n − h)·dt/τ_m} = dev e^{(h − epoch)·dt/τ_m} · e^{−(n − epoch)·dt/τ_m}
        self.dev[i] *= self.leak(i, self.held_until[i], self.epoch);
        self.held_until[i] = 0;
    }

    fn mark_candidate(&mut self, i: usize) {
        if !self.is_candidate[i] {
            self.is_candidate[i] = true;
            self.candidates.push(i as u32);
        }
    }

    /// Takes the potentials of [`LifGroup::v`] as the state at `step` if they were
    /// edited, and rebuilds the candidates.
    pub(crate) fn adopt_edits(&mut self, step: u64) {
        if !self.v_edited {
            return;
        }
        self.v_edited = false;
        if !self.conductance_input {
            self.epoch = step;
            for i in 0..self.len() {
                // a neuron held beyond `step` stays held, at the edited potential
                if self.held_until[i] <= step {
                    self.held_until[i] = 0;
                }
                self.dev[i] = self.v[i] - self.v_rest[i];
            }
        }
        self.candidates.clear();
        self.is_candidate.fill(false);
        for i in 0..self.len() {
            if self.tonic[i] || self.v[i] > self.v_th[i] {
                self.mark_candidate(i);
            }
        }
    }

    /// Writes the potentials at the start of step `step` to [`LifGroup::v`].
    pub(crate) fn sync(&mut self, step: u64) {
        if !self.conductance_input {
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
            .v
            .iter_mut()
            .zip(&self.refractory_until)
            .zip(self.g.iter_mut())
            .zip(self.v_rest.iter().zip(&self.e_e))
            .zip(self.leak_decay.iter().zip(&self.dt_over_tau_m))
            .zip(&self.g_decay);
        for (
            ((((v, &refractory_until), g), (&v_rest, &e_e)), (&leak_decay, &dt_over_tau_m)),
            &g_decay,
        ) in neurons
        {
            let g_now = *g;

            // v relaxes towards v_inf with rate (1 + g)/τ_m, g held for the step
            if step >= refractory_until {
                let total = 1.0 + g_now;
                let (v_inf, factor) = if g_now == 0.0 {
                    (v_rest, leak_decay)
                } else {
                    let v_inf = (v_rest + g_now * e_e) / total;
                    (v_inf, exp_step(-dt_over_tau_m * total))
                };
                *v = v_inf + (*v - v_inf) * factor;
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
            let neurons = self.v.iter().zip(&self.v_th).zip(&self.refractory_until);
            for (i, ((&v, &v_th), &refractory_until)) in neurons.enumerate() {
                if v > v_th && step >= refractory_until {
                    spikes.push(i as u32);
                }
            }
            return;
        }

        // only candidates can cross; each is tested after this step's leak
        let start = spikes.len();
        let mut k = 0;
        while k < self.candidates.len() {
            let i = self.candidates[k] as usize;
            if step < self.refractory_until[i] {
                k += 1;
                continue;
            }
            let v = self.potential_at(i, step + 1);
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
            self.refractory_until[i] = step + k;
            if self.conductance_input {
                self.v[i] = self.v_reset[i];
            } else {
                // held at v_reset until the first step that integrates again
                self.held_until[i] = step + k.max(1);
                self.dev[i] = self.v_reset[i] - self.v_rest[i];
            }
        }
    }

    /// Adds a voltage jump of `w` mV to neuron `i` at step `step` (after the step's leak
    /// and threshold test), unless it is refractory.
    #[inline]
    pub fn add_voltage(&mut self, i: usize, w: f64, step: u64) {
        if step < self.refractory_until[i] {
            return;
        }
        if self.conductance_input {
            self.v[i] += w;
            return;
        }
        // the jump counts from the start of the next step
        let k = self.catch_up(step + 1);
        if self.held_until[i] != 0 {
            self.release(i);
        }
        let g = self.growth(i, k);
        self.dev[i] += w * g;
        if self.dev[i] > crossing_bound((self.v_th[i] - self.v_rest[i]) * g) {
            self.mark_candidate(i);
        }
    }

    /// Adds the voltage jumps `w[k]` to the neurons `posts[k]`, in order, as
    /// [`LifGroup::add_voltage`] does for one.
    #[inline]
    pub(crate) fn add_voltages(&mut self, posts: &[u32], w: &[f64], step: u64) {
        if self.conductance_input || self.grow.is_empty() {
            for (&i, &w) in posts.iter().zip(w) {
                self.add_voltage(i as usize, w, step);
            }
            return;
        }
        let k = self.catch_up(step + 1);
        let g = self.grow[k as usize];
        let crossed = if self.uniform {
            let bound = crossing_bound((self.v_th[0] - self.v_rest[0]) * g);
            add_scaled(&mut self.dev, &self.held_until, |_| bound, g, posts, w)
        } else {
            let (v_rest, v_th) = (&self.v_rest, &self.v_th);
            let bound = |i: usize| crossing_bound((v_th[i] - v_rest[i]) * g);
            add_scaled(&mut self.dev, &self.held_until, bound, g, posts, w)
        };
        if let Some(first_held) = crossed.first_held {
            // a held neuron among the targets: finish the row neuron by neuron
            for (&i, &w) in posts[first_held..].iter().zip(&w[first_held..]) {
                self.add_voltage(i as usize, w, step);
            }
        }
        if crossed.any {
            for &i in posts {
                let i = i as usize;
                if self.held_until[i] == 0
                    && self.dev[i] > crossing_bound((self.v_th[i] - self.v_rest[i]) * g)
                {
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

/// Returns a bound slightly below `x` in scaled units: a neuron above it may be above its
/// threshold and becomes a candidate. The margin of 10⁻¹² keeps rounding from hiding a
/// crossing, and a candidate that did not cross is dropped at its test.
#[inline(always)]
fn crossing_bound(x: f64) -> f64 {
    x - x.abs() * 1e-12
}

/// Result of [`add_scaled`].
struct Crossed {
    /// Some neuron ended above its bound.
    any: bool,
    /// Position of the first held neuron, where the loop stopped.
    first_held: Option<usize>,
}

/// Adds the voltage jumps `w[k]`, times the growth factor `g`, to the scaled distances
/// `dev` of the free neurons `posts[k]`, and stops at the first held neuron. `bound(i)`
/// is neuron `i`'s threshold in scaled units. The arrays come as their own borrows:
/// writing `dev` then provably changes nothing else the loop reads, which lets the
/// compiler keep every address in a register.
#[inline(never)]
fn add_scaled(
    dev: &mut [f64],
    held_until: &[u64],
    bound: impl Fn(usize) -> f64,
    g: f64,
    posts: &[u32],
    w: &[f64],
) -> Crossed {
    let mut any = false;
    for (k, (&i, &w)) in posts.iter().zip(w).enumerate() {
        let i = i as usize;
        if held_until[i] != 0 {
            return Crossed {
                any,
                first_held: Some(k),
            };
        }
        let d = dev[i] + w * g;
        dev[i] = d;
        any |= d > bound(i);
    }
    Crossed {
        any,
        first_held: None,
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
