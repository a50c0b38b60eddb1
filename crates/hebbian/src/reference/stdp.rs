//! STDP of a single synapse computed from explicit sums over all earlier spikes.
//!
//! The engine keeps exponential traces and decays them lazily. Here every trace value is
//! recomputed at each event as `Σ_k e^{−(t − t_k)/τ}` over the spikes that came before.
//! Events follow the network's order: in a step, a presynaptic arrival is handled before
//! a postsynaptic spike, and the weight is clipped after every event. Only the
//! all-to-all interaction is implemented. Cost: O(events²).

use crate::spiking::{PairStdp, Pairing, TripletInteraction, TripletStdp};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Pre,
    Post,
}

/// Events sorted by step, a presynaptic arrival before a postsynaptic spike of the same step.
fn events(pre: &[u64], post: &[u64]) -> Vec<(u64, Event)> {
    let mut events: Vec<(u64, Event)> = pre
        .iter()
        .map(|&t| (t, Event::Pre))
        .chain(post.iter().map(|&t| (t, Event::Post)))
        .collect();
    events.sort();
    events
}

/// `Σ e^{−(t − s)·dt/τ}` over the steps `s` of `spikes` before `t` (or at `t` when
/// `inclusive`).
fn trace_sum(spikes: &[u64], t: u64, inclusive: bool, dt: f64, tau: f64) -> f64 {
    spikes
        .iter()
        .filter(|&&s| s < t || (inclusive && s == t))
        .map(|&s| (-((t - s) as f64) * dt / tau).exp())
        .sum()
}

/// Weight after each event of the pair rule with all-to-all pairing.
///
/// `pre` contains arrival steps at the synapse (spike step plus delay), `post` the
/// postsynaptic spike steps, both without repeats.
pub fn pair_weights(
    pre: &[u64],
    post: &[u64],
    dt: f64,
    rule: &PairStdp,
    w0: f64,
) -> Vec<(u64, f64)> {
    assert_eq!(
        rule.pairing,
        Pairing::AllToAll,
        "the reference covers all-to-all only"
    );
    let span = rule.w_max - rule.w_min;
    let mut w = w0;
    let mut out = Vec::new();
    for (t, event) in events(pre, post) {
        let u = ((w - rule.w_min) / span).clamp(0.0, 1.0);
        match event {
            Event::Pre => {
                let x_post = trace_sum(post, t, false, dt, rule.tau_minus);
                w -= rule.a_minus * x_post * u.powf(rule.mu);
            }
            Event::Post => {
                let x_pre = trace_sum(pre, t, true, dt, rule.tau_plus);
                w += rule.a_plus * x_pre * (1.0 - u).powf(rule.mu);
            }
        }
        w = w.clamp(rule.w_min, rule.w_max);
        out.push((t, w));
    }
    out
}

/// Weight after each event of the triplet rule with all-to-all interaction.
pub fn triplet_weights(
    pre: &[u64],
    post: &[u64],
    dt: f64,
    rule: &TripletStdp,
    w0: f64,
) -> Vec<(u64, f64)> {
    assert_eq!(
        rule.interaction,
        TripletInteraction::AllToAll,
        "the reference covers all-to-all only"
    );
    let mut w = w0;
    let mut out = Vec::new();
    for (t, event) in events(pre, post) {
        match event {
            Event::Pre => {
                let o_1 = trace_sum(post, t, false, dt, rule.tau_minus);
                let r_2 = trace_sum(pre, t, false, dt, rule.tau_x);
                w -= o_1 * (rule.a2_minus + rule.a3_minus * r_2);
            }
            Event::Post => {
                let r_1 = trace_sum(pre, t, true, dt, rule.tau_plus);
                let o_2 = trace_sum(post, t, false, dt, rule.tau_y);
                w += r_1 * (rule.a2_plus + rule.a3_plus * o_2);
            }
        }
        w = w.clamp(rule.w_min, rule.w_max);
        out.push((t, w));
    }
    out
}
