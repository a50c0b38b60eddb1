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
//! Without conductance input the update is the exact solution over one step,
//! `v ← v_rest + (v − v_rest) e^{−dt/τ_m}`, so the result does not depend on `dt`.
//! With conductance input, `g` is held at its value from the start of the step, which
//! makes the equation linear with constant coefficients. `v` then relaxes exactly towards
//! `v_∞ = (v_rest + g E_e)/(1 + g)` with time constant `τ_m/(1 + g)`, and afterwards `g`
//! decays exactly by `e^{−dt/τ_e}`. This "exponential Euler" step is exact when `g` is
//! constant and first-order accurate in `dt` otherwise.
//!
//! Current-based input makes `v` jump by `w` mV when a spike arrives
//! ([`LifGroup::add_voltage`]); conductance-based input makes `g` jump by `w`
//! ([`LifGroup::add_conductance`]), as in Song, Miller & Abbott (2000).
//!
//! Refractoriness is counted in steps: a neuron that spikes at step `n` with
//! `t_ref = k·dt` is refractory during steps `n + 1 … n + k − 1`, integrates again from
//! step `n + k` and can spike at that step, which equals Brian2's rule
//! `timestep(t − lastspike) ≥ timestep(refractory)`. While refractory, `v` is held at
//! `v_reset` and voltage jumps are discarded; `g` keeps decaying and accumulating.
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

/// A group of LIF neurons with per-neuron parameters, stored as struct-of-arrays.
#[derive(Debug, Clone)]
pub struct LifGroup {
    params: Vec<LifParams>,
    v: Vec<f64>,
    g: Vec<f64>,
    v_rest: Vec<f64>,
    v_th: Vec<f64>,
    v_reset: Vec<f64>,
    e_e: Vec<f64>,
    /// `e^{−dt/τ_m}`, the exact leak factor over one step.
    leak_decay: Vec<f64>,
    /// `dt/τ_m`, for the conductance-dependent leak factor.
    dt_over_tau_m: Vec<f64>,
    /// `e^{−dt/τ_e}`.
    g_decay: Vec<f64>,
    refractory_steps: Vec<u64>,
    /// First step at which each neuron integrates again.
    refractory_until: Vec<u64>,
    conductance_input: bool,
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
            g: vec![0.0; n],
            v_rest: column(|p| p.v_rest),
            v_th: column(|p| p.v_th),
            v_reset: column(|p| p.v_reset),
            e_e: column(|p| p.e_e),
            leak_decay: vec![0.0; n],
            dt_over_tau_m: vec![0.0; n],
            g_decay: vec![0.0; n],
            refractory_steps: vec![0; n],
            refractory_until: vec![0; n],
            conductance_input: false,
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

    /// Membrane potentials in mV.
    pub fn v(&self) -> &[f64] {
        &self.v
    }

    /// Membrane potentials in mV, for setting initial conditions.
    pub fn v_mut(&mut self) -> &mut [f64] {
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
        Ok(())
    }

    pub(crate) fn enable_conductance_input(&mut self) {
        self.conductance_input = true;
    }

    /// Advances every non-refractory neuron by one step.
    pub(crate) fn integrate(&mut self, step: u64) {
        if self.conductance_input {
            self.integrate_conductance(step);
        } else {
            self.integrate_current(step);
        }
    }

    fn integrate_current(&mut self, step: u64) {
        // zipped iterators avoid bounds checks, so the loop vectorises
        let neurons = self
            .v
            .iter_mut()
            .zip(&self.v_rest)
            .zip(&self.leak_decay)
            .zip(&self.refractory_until);
        for (((v, &v_rest), &decay), &until) in neurons {
            let relaxed = v_rest + (*v - v_rest) * decay;
            *v = if step >= until { relaxed } else { *v };
        }
    }

    fn integrate_conductance(&mut self, step: u64) {
        for i in 0..self.v.len() {
            let g = self.g[i];

            // v relaxes towards v_inf with rate (1 + g)/τ_m, g held for the step
            if step >= self.refractory_until[i] {
                let total = 1.0 + g;
                let v_inf = (self.v_rest[i] + g * self.e_e[i]) / total;
                let factor = if g == 0.0 {
                    self.leak_decay[i]
                } else {
                    (-self.dt_over_tau_m[i] * total).exp()
                };
                self.v[i] = v_inf + (self.v[i] - v_inf) * factor;
            }

            // g decays exactly
            self.g[i] = g * self.g_decay[i];
        }
    }

    /// Appends the neurons above threshold (and not refractory) at `step` to `spikes`.
    pub(crate) fn threshold(&self, step: u64, spikes: &mut Vec<u32>) {
        let neurons = self.v.iter().zip(&self.v_th).zip(&self.refractory_until);
        for (i, ((&v, &v_th), &until)) in neurons.enumerate() {
            if v > v_th && step >= until {
                spikes.push(i as u32);
            }
        }
    }

    /// Resets the neurons that spiked at `step` and starts their refractory period.
    pub(crate) fn reset(&mut self, step: u64, spikes: &[u32]) {
        for &i in spikes {
            let i = i as usize;
            self.v[i] = self.v_reset[i];
            self.refractory_until[i] = step + self.refractory_steps[i];
        }
    }

    /// Adds a voltage jump of `w` mV to neuron `i`, unless it is refractory at `step`.
    pub fn add_voltage(&mut self, i: usize, w: f64, step: u64) {
        if step >= self.refractory_until[i] {
            self.v[i] += w;
        }
    }

    /// Adds `w` to the excitatory conductance of neuron `i`.
    pub fn add_conductance(&mut self, i: usize, w: f64) {
        self.g[i] += w;
    }
}
