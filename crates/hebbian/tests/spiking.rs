//! Spiking engine: reference values, differential tests against the naive STDP sums,
//! statistics of the inputs, reproducibility, monitors and bad inputs.
//!
//! Unless a test states otherwise, the STDP parameters are τ_pre = τ_post = 20 ms,
//! A_pre = 0.01, A_post = −0.0105 (`a_minus = 0.0105`), w0 = 0.5, w in [0, 1],
//! dt = 0.1 ms, and spikes are forced by spike generators.

use hebbian::Error;
use hebbian::reference::stdp::{pair_weights, triplet_weights};
use hebbian::rng;
use hebbian::spiking::{
    Connectivity, Delays, InitialWeights, LifGroup, LifParams, Network, PairStdp, Pairing,
    PopulationId, SampleFileSink, SampleRecord, SpikeFileSink, SpikeGenerator, SpikeMonitorId,
    SpikeRecord, StateMonitorId, StdpRule, SynapseSpec, SynapseTarget, SynapsesId, TripletStdp,
    Variable, rate_code, read_sample_file, read_spike_file,
};
use proptest::prelude::*;
use rand::Rng;

const DT: f64 = 0.1;

/// One presynaptic and one postsynaptic generator joined by a plastic synapse, with the
/// weight recorded at every step.
struct Pair {
    net: Network,
    syn: SynapsesId,
    weight: StateMonitorId,
}

fn pair(pre_ms: &[f64], post_ms: &[f64], delay_ms: f64, rule: StdpRule, w0: f64) -> Pair {
    let mut net = Network::new(DT, 1).unwrap();
    let pre_spikes: Vec<(usize, f64)> = pre_ms.iter().map(|&t| (0, t)).collect();
    let post_spikes: Vec<(usize, f64)> = post_ms.iter().map(|&t| (0, t)).collect();
    let pre = net
        .add_spike_generator(&SpikeGenerator::new(1, &pre_spikes))
        .unwrap();
    let post = net
        .add_spike_generator(&SpikeGenerator::new(1, &post_spikes))
        .unwrap();
    let spec = SynapseSpec::new(Connectivity::OneToOne, w0)
        .target(SynapseTarget::None)
        .delays(Delays::Constant(delay_ms));
    let syn = net.connect(pre, post, &spec).unwrap();
    net.set_plasticity(syn, rule).unwrap();
    let weight = net
        .monitor_state(
            Variable::Weight(syn),
            &[0],
            DT,
            Box::new(SampleRecord::new(1)),
        )
        .unwrap();
    Pair { net, syn, weight }
}

fn tutorial_rule() -> StdpRule {
    StdpRule::Pair(PairStdp::default())
}

fn weight(p: &Pair) -> f64 {
    p.net.synapses(p.syn).weights()[0]
}

/// Weight recorded at the start of `step`, i.e. after every event of earlier steps.
fn weight_at_step(p: &Pair, step: u64) -> f64 {
    let record = p.net.samples(p.weight).unwrap();
    let k = record.steps.iter().position(|&s| s == step).unwrap();
    record.values[k]
}

fn assert_close(got: f64, expected: f64, tol: f64) {
    assert!(
        (got - expected).abs() <= tol,
        "got {got}, expected {expected} within {tol}"
    );
}

// ---------------------------------------------------------------------------------------
// STDP reference values
// ---------------------------------------------------------------------------------------

#[test]
fn stdp_same_step_potentiates() {
    // on_pre: apre = 0.01, w += apost = 0; on_post: w += apre = 0.01 → 0.51
    let mut p = pair(&[10.0], &[10.0], 0.0, tutorial_rule(), 0.5);
    p.net.run(20.0).unwrap();
    assert_close(weight(&p), 0.51, 1e-15);
}

#[test]
fn stdp_pre_then_post_updates_at_post() {
    // 0.5 + 0.01·e^{−3/20} = 0.5086070797642506 (closed form)
    let expected = 0.5 + 0.01 * (-3.0_f64 / 20.0).exp();
    assert_close(expected, 0.5086071, 5e-8);

    let mut p = pair(&[2.0], &[5.0], 0.0, tutorial_rule(), 0.5);
    p.net.run(10.0).unwrap();
    assert_close(weight(&p), expected, 1e-12);

    // unchanged up to the post step (50), updated from the step after on
    assert_eq!(weight_at_step(&p, 50), 0.5);
    assert_close(weight_at_step(&p, 51), expected, 1e-12);
    assert_close(weight_at_step(&p, 99), expected, 1e-12);
}

#[test]
fn stdp_axonal_delay_shifts_pre() {
    // the pre spike at 10 ms arrives at 15 ms: post at 13 ms finds no pre trace, and the
    // arrival depresses by 0.0105·e^{−2/20}: 0.5 − 0.009500792889 = 0.4904992071106225
    let expected = 0.5 - 0.0105 * (-2.0_f64 / 20.0).exp();
    assert_close(expected, 0.4904992, 5e-8);

    let mut p = pair(&[10.0], &[13.0], 5.0, tutorial_rule(), 0.5);
    p.net.run(20.0).unwrap();
    assert_eq!(weight_at_step(&p, 140), 0.5);
    assert_close(weight(&p), expected, 1e-12);
}

#[test]
fn stdp_all_to_all_and_nearest() {
    // all pairs: 0.5 + 0.01·(e^{−5/20} + e^{−10/20}) = 0.5138533144278404
    let all = 0.5 + 0.01 * ((-5.0_f64 / 20.0).exp() + (-10.0_f64 / 20.0).exp());
    assert_close(all, 0.5138533, 5e-8);
    // only the (0, 5 ms) pair: 0.5 + 0.01·e^{−5/20} = 0.5077880078307141
    let nearest = 0.5 + 0.01 * (-5.0_f64 / 20.0).exp();
    assert_close(nearest, 0.5077880, 5e-8);

    let cases = [
        (Pairing::AllToAll, all),
        (Pairing::NearestSymmetric, all),
        (Pairing::NearestPreCentred, nearest),
        (Pairing::NearestRestricted, nearest),
    ];
    for (pairing, expected) in cases {
        let rule = StdpRule::Pair(PairStdp {
            pairing,
            ..PairStdp::default()
        });
        let mut p = pair(&[0.0], &[5.0, 10.0], 0.0, rule, 0.5);
        p.net.run(20.0).unwrap();
        assert!(
            (weight(&p) - expected).abs() < 1e-12,
            "{pairing:?}: got {}, expected {expected}",
            weight(&p)
        );
    }
}

#[test]
fn stdp_clips_after_every_event() {
    // post at 11 ms: 0.995 + 0.01·e^{−1/20} > 1, clipped to 1.0;
    // pre at 12 ms: 1.0 − 0.0105·e^{−1/20} = 0.9900120910427425
    let expected = 1.0 - 0.0105 * (-1.0_f64 / 20.0).exp();
    assert_close(expected, 0.9900121, 5e-8);

    let mut p = pair(&[10.0, 12.0], &[11.0], 0.0, tutorial_rule(), 0.995);
    p.net.run(20.0).unwrap();
    assert_eq!(weight_at_step(&p, 111), 1.0);
    assert_close(weight(&p), expected, 1e-12);
}

// ---------------------------------------------------------------------------------------
// Event-driven traces against the naive all-pairs sums
// ---------------------------------------------------------------------------------------

/// Bernoulli trains with `rate` Hz over `steps` steps.
fn random_train(seed: u64, stream: u64, rate: f64, steps: u64) -> Vec<u64> {
    let mut generator = rng::stream(seed, stream);
    (0..steps)
        .filter(|_| generator.random::<f64>() < rate * DT * 1e-3)
        .collect()
}

fn pair_from_steps(pre: &[u64], post: &[u64], delay_ms: f64, rule: StdpRule, w0: f64) -> Pair {
    let to_ms = |steps: &[u64]| steps.iter().map(|&s| s as f64 * DT).collect::<Vec<_>>();
    pair(&to_ms(pre), &to_ms(post), delay_ms, rule, w0)
}

/// Compares the recorded weight after every step with events against the reference
/// trajectory. When two events share a step, only the weight after the second is compared.
fn assert_matches_reference(p: &Pair, reference: &[(u64, f64)]) {
    for (k, &(step, w)) in reference.iter().enumerate() {
        if reference.get(k + 1).is_some_and(|&(next, _)| next == step) {
            continue;
        }
        let got = weight_at_step(p, step + 1);
        assert!(
            (got - w).abs() < 1e-12,
            "after the event at step {step}: engine {got}, reference {w}"
        );
    }
}

#[test]
fn pair_traces_match_naive_sums() {
    let steps = 20_000;
    for seed in 0..4 {
        let pre = random_train(seed, 1, 30.0, steps);
        let post = random_train(seed, 2, 30.0, steps);
        for (delay_steps, mu, a_plus) in [(0, 0.0, 0.01), (30, 0.0, 0.01), (7, 0.5, 0.05)] {
            let rule = PairStdp {
                mu,
                a_plus,
                ..PairStdp::default()
            };
            let mut p = pair_from_steps(
                &pre,
                &post,
                delay_steps as f64 * DT,
                StdpRule::Pair(rule),
                0.5,
            );
            p.net.run_steps(steps + 40).unwrap();

            let arrivals: Vec<u64> = pre.iter().map(|&s| s + delay_steps).collect();
            let reference = pair_weights(&arrivals, &post, DT, &rule, 0.5);
            assert_matches_reference(&p, &reference);
        }
    }
}

#[test]
fn triplet_traces_match_naive_sums() {
    let steps = 20_000;
    for seed in 0..3 {
        let pre = random_train(seed, 3, 40.0, steps);
        let post = random_train(seed, 4, 40.0, steps);
        for rule in [
            TripletStdp::visual_cortex_all_to_all(0.0, 1.0),
            TripletStdp::hippocampal_all_to_all(0.0, 1.0),
        ] {
            let mut p = pair_from_steps(&pre, &post, 0.0, StdpRule::Triplet(rule), 0.5);
            p.net.run_steps(steps).unwrap();
            let reference = triplet_weights(&pre, &post, DT, &rule, 0.5);
            assert_matches_reference(&p, &reference);
        }
    }
}

#[test]
fn triplet_nearest_sets_traces_to_one() {
    // pre at 0 and 1 ms, post at 10 ms: with nearest spikes r_1 = e^{−9/16.8} only
    // (the first pre is forgotten), and o_2 = 0 before the first post spike
    let rule = TripletStdp::hippocampal_nearest(0.0, 1.0);
    let mut p = pair(&[0.0, 1.0], &[10.0], 0.0, StdpRule::Triplet(rule), 0.5);
    p.net.run(20.0).unwrap();
    let expected = 0.5 + (-9.0_f64 / 16.8).exp() * rule.a2_plus;
    assert_close(weight(&p), expected, 1e-12);
}

#[test]
fn triplet_presets_are_valid() {
    for rule in [
        TripletStdp::visual_cortex_all_to_all(0.0, 1.0),
        TripletStdp::visual_cortex_minimal(0.0, 1.0),
        TripletStdp::hippocampal_all_to_all(0.0, 1.0),
        TripletStdp::hippocampal_minimal(0.0, 1.0),
        TripletStdp::hippocampal_nearest(0.0, 1.0),
    ] {
        rule.validate().unwrap();
        assert_eq!((rule.tau_plus, rule.tau_minus), (16.8, 33.7));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn stdp_weights_stay_in_bounds(
        seed in 0u64..1000,
        a_plus in 0.0f64..0.5,
        a_minus in 0.0f64..0.5,
        mu in 0.0f64..2.0,
        w0 in 0.0f64..1.0,
        triplet in any::<bool>(),
    ) {
        let pre = random_train(seed, 5, 80.0, 3000);
        let post = random_train(seed, 6, 80.0, 3000);
        let rule = if triplet {
            StdpRule::Triplet(TripletStdp {
                a2_plus: a_plus,
                a2_minus: a_minus,
                ..TripletStdp::visual_cortex_all_to_all(0.2, 0.9)
            })
        } else {
            StdpRule::Pair(PairStdp { a_plus, a_minus, mu, w_min: 0.2, w_max: 0.9, ..PairStdp::default() })
        };
        let mut p = pair_from_steps(&pre, &post, 0.3, rule, 0.2 + 0.7 * w0);
        p.net.run_steps(3000).unwrap();
        let record = p.net.samples(p.weight).unwrap();
        for &w in &record.values {
            prop_assert!((0.2..=0.9).contains(&w), "weight {} left [0.2, 0.9]", w);
        }
        let plasticity = p.net.synapses(p.syn).plasticity().unwrap();
        for trace in plasticity.traces_at(0, 3000) {
            prop_assert!(trace >= 0.0, "negative trace {}", trace);
        }
    }
}

// ---------------------------------------------------------------------------------------
// LIF neurons
// ---------------------------------------------------------------------------------------

#[test]
fn lif_exact_integration() {
    // dv/dt = (1.5 − v)/20 ms from 0: v(10 ms) = 1.5·(1 − e^{−1/2}) = 0.5902040104310499
    let expected = 1.5 * (1.0 - (-0.5_f64).exp());
    assert_close(expected, 0.5902040, 5e-8);
    for dt in [1.0, 0.1] {
        let mut net = Network::new(dt, 0).unwrap();
        let params = LifParams {
            v_rest: 1.5,
            v_th: 10.0,
            v_reset: 0.0,
            tau_m: 20.0,
            ..LifParams::default()
        };
        let mut group = LifGroup::new(1, params).unwrap();
        group.v_mut()[0] = 0.0;
        let neuron = net.add_lif(group).unwrap();
        net.run(10.0).unwrap();
        assert_close(net.lif(neuron).unwrap().v()[0], expected, 1e-12);
    }
}

#[test]
fn lif_refractory_intervals_exact() {
    // v_inf = 1000 crosses threshold 1 one step after the refractory period ends, so the
    // neuron spikes at steps 0, 10, 20, …, 190: 20 spikes in 20 ms, every interval 10 steps
    let mut net = Network::new(DT, 0).unwrap();
    let params = LifParams {
        v_rest: 1000.0,
        v_th: 1.0,
        v_reset: 0.0,
        tau_m: 10.0,
        t_ref: 1.0,
        ..LifParams::default()
    };
    let mut group = LifGroup::new(1, params).unwrap();
    group.v_mut()[0] = 0.0;
    let neuron = net.add_lif(group).unwrap();
    let monitor = net
        .monitor_spikes(neuron, None, Box::new(SpikeRecord::default()))
        .unwrap();
    net.run(20.0).unwrap();
    let steps = &net.spikes(monitor).unwrap().steps;
    assert_eq!(steps.len(), 20);
    for pair in steps.windows(2) {
        assert_eq!(pair[1] - pair[0], 10);
    }
}

#[test]
fn lif_voltage_jump_drives_spike() {
    // a 20 mV jump at step 0 onto a neuron at −70 mV (threshold −55) decays by e^{−0.1/20}
    // before the threshold test of step 1: −50.0998 mV > −55, so the neuron spikes at step 1
    let mut net = Network::new(DT, 0).unwrap();
    let input = net
        .add_spike_generator(&SpikeGenerator::from_steps(1, &[(0, 0)]))
        .unwrap();
    let neuron = net
        .add_lif(LifGroup::new(1, LifParams::default()).unwrap())
        .unwrap();
    net.connect(
        input,
        neuron,
        &SynapseSpec::new(Connectivity::OneToOne, 20.0),
    )
    .unwrap();
    let monitor = net
        .monitor_spikes(neuron, None, Box::new(SpikeRecord::default()))
        .unwrap();
    net.run(1.0).unwrap();
    assert_eq!(net.spikes(monitor).unwrap().steps, vec![1]);
}

#[test]
fn lif_jump_in_spike_step_is_overwritten() {
    // The 20 mV jump at step 0 fires the neuron at step 1, as above. The 5 mV jump that
    // arrives in step 1 comes before the reset, which overwrites it as Brian2's does. So
    // v restarts from −75 mV and is −70 − 5·e^{−0.1/20} mV at the start of step 3.
    let expected = -70.0 - 5.0 * (-0.1_f64 / 20.0).exp();
    assert_close(expected, -74.9750624, 5e-8);

    let mut net = Network::new(DT, 0).unwrap();
    let input = net
        .add_spike_generator(&SpikeGenerator::from_steps(2, &[(0, 0), (1, 1)]))
        .unwrap();
    let neuron = net
        .add_lif(LifGroup::new(1, LifParams::default()).unwrap())
        .unwrap();
    let spec = SynapseSpec::new(
        Connectivity::Indices {
            pre: vec![0, 1],
            post: vec![0, 0],
        },
        0.0,
    )
    .weights(InitialWeights::Array(vec![20.0, 5.0]));
    net.connect(input, neuron, &spec).unwrap();
    let monitor = net
        .monitor_spikes(neuron, None, Box::new(SpikeRecord::default()))
        .unwrap();
    net.run(0.2).unwrap();
    assert_eq!(net.spikes(monitor).unwrap().steps, vec![1]);
    assert_eq!(net.lif(neuron).unwrap().v()[0], -75.0);
    net.run(0.1).unwrap();
    assert_close(net.lif(neuron).unwrap().v()[0], expected, 1e-12);
}

/// The fixed-step loop that the event-driven leak replaces: every neuron decays by
/// e^{−dt/τ_m} in every step, then the threshold test, the step's jumps and the reset.
/// `v` contains the starting potentials and ends with the final ones.
fn naive_lif(
    params: &[LifParams],
    v: &mut [f64],
    jumps: &[(u64, usize, f64)],
    steps: std::ops::Range<u64>,
    until: &mut [u64],
) -> Vec<(u64, u32)> {
    let n = params.len();
    let mut spikes = Vec::new();
    let mut next = jumps.partition_point(|j| j.0 < steps.start);
    for step in steps {
        for (i, p) in params.iter().enumerate() {
            if step >= until[i] {
                v[i] = p.v_rest + (v[i] - p.v_rest) * (-DT / p.tau_m).exp();
            }
        }
        let first = spikes.len();
        for i in 0..n {
            if v[i] > params[i].v_th && step >= until[i] {
                spikes.push((step, i as u32));
            }
        }
        while next < jumps.len() && jumps[next].0 == step {
            let (_, i, w) = jumps[next];
            if step >= until[i] {
                v[i] += w;
            }
            next += 1;
        }
        for &(_, i) in &spikes[first..] {
            let i = i as usize;
            v[i] = params[i].v_reset;
            until[i] = step + (params[i].t_ref / DT).round() as u64;
        }
    }
    spikes
}

/// Random input spikes: `count` draws of (step, input), sorted and without repeats.
fn random_events(seed: u64, count: usize, steps: u64, n: usize) -> Vec<(u64, usize)> {
    let mut generator = rng::stream(seed, 1);
    let mut events: Vec<(u64, usize)> = (0..count)
        .map(|_| {
            (
                generator.random_range(0..steps),
                generator.random_range(0..n),
            )
        })
        .collect();
    events.sort_unstable();
    events.dedup();
    events
}

/// Runs `params` in a network driven by `events` through the weights `w[input][neuron]`,
/// in two runs of `steps / 2`, with `edit` applied to the potentials between them.
/// Returns the spikes and final potentials of the network and of the naive loop.
#[allow(clippy::type_complexity)]
fn lazy_and_naive(
    params: &[LifParams],
    events: &[(u64, usize)],
    w: &[Vec<f64>],
    steps: u64,
    edit: &dyn Fn(&mut [f64]),
) -> ((Vec<(u64, u32)>, Vec<f64>), (Vec<(u64, u32)>, Vec<f64>)) {
    let (n_in, n) = (w.len(), params.len());
    let jumps: Vec<(u64, usize, f64)> = events
        .iter()
        .flat_map(|&(step, j)| (0..n).map(move |i| (step, i, w[j][i])))
        .filter(|j| j.2 != 0.0)
        .collect();
    let mut v: Vec<f64> = params.iter().map(|p| p.v_rest).collect();
    let mut until = vec![0u64; n];
    let mut expected = naive_lif(params, &mut v, &jumps, 0..steps / 2, &mut until);
    edit(&mut v);
    expected.extend(naive_lif(
        params,
        &mut v,
        &jumps,
        steps / 2..steps,
        &mut until,
    ));

    let mut net = Network::new(DT, 0).unwrap();
    let generator_spikes: Vec<(usize, u64)> = events.iter().map(|&(s, j)| (j, s)).collect();
    let input = net
        .add_spike_generator(&SpikeGenerator::from_steps(n_in, &generator_spikes))
        .unwrap();
    let neurons = net
        .add_lif(LifGroup::from_params(params.to_vec()).unwrap())
        .unwrap();
    let (mut pre, mut post, mut weights) = (Vec::new(), Vec::new(), Vec::new());
    for (j, row) in w.iter().enumerate() {
        for (i, &w) in row.iter().enumerate() {
            if w != 0.0 {
                pre.push(j);
                post.push(i);
                weights.push(w);
            }
        }
    }
    let spec = SynapseSpec::new(Connectivity::Indices { pre, post }, 0.0)
        .weights(InitialWeights::Array(weights));
    net.connect(input, neurons, &spec).unwrap();
    let monitor = net
        .monitor_spikes(neurons, None, Box::new(SpikeRecord::default()))
        .unwrap();
    net.run(steps as f64 * DT / 2.0).unwrap();
    edit(net.lif_mut(neurons).unwrap().v_mut());
    net.run(steps as f64 * DT / 2.0).unwrap();

    let record = net.spikes(monitor).unwrap();
    let got: Vec<(u64, u32)> = record
        .steps
        .iter()
        .copied()
        .zip(record.neurons.iter().copied())
        .collect();
    let got_v = net.lif(neurons).unwrap().v().to_vec();
    ((got, got_v), (expected, v))
}

fn assert_lazy_matches_naive(
    params: &[LifParams],
    events: &[(u64, usize)],
    w: &[Vec<f64>],
    steps: u64,
    edit: &dyn Fn(&mut [f64]),
) {
    let ((got, got_v), (expected, expected_v)) = lazy_and_naive(params, events, w, steps, edit);
    assert!(expected.len() > 100, "too few spikes to compare");
    assert_eq!(got, expected);
    for (v, expected) in got_v.iter().zip(&expected_v) {
        assert_close(*v, *expected, 1e-9);
    }
}

#[test]
fn lif_lazy_leak_matches_fixed_step() {
    // Random jumps onto 20 neurons, one input each, make them fire often. The
    // event-driven group must give the same spikes and potentials within rounding, over
    // many moves of its epoch.
    let params = vec![
        LifParams {
            t_ref: 2.0,
            ..LifParams::default()
        };
        20
    ];
    let w: Vec<Vec<f64>> = (0..20)
        .map(|j| {
            (0..20)
                .map(|i| {
                    if i == j {
                        4.0 + 0.5 * (i % 5) as f64
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let events = random_events(9, 4000, 50_000, 20);
    assert_lazy_matches_naive(&params, &events, &w, 50_000, &|_| {});
}

#[test]
fn lif_lazy_leak_shared_rows() {
    // 5 inputs onto all of 20 neurons: a row meets neurons held by their refractory
    // period among free ones
    let params = vec![
        LifParams {
            t_ref: 3.0,
            ..LifParams::default()
        };
        20
    ];
    let w: Vec<Vec<f64>> = (0..5)
        .map(|j| (0..20).map(|i| 1.5 + 0.1 * ((i + j) % 7) as f64).collect())
        .collect();
    let events = random_events(10, 6000, 40_000, 5);
    assert_lazy_matches_naive(&params, &events, &w, 40_000, &|_| {});
}

#[test]
fn lif_lazy_leak_per_neuron_parameters() {
    // τ_m, v_rest, v_th and t_ref differ between neurons. Neuron 0 rests above its
    // threshold and fires on its own. The potentials are edited between the two runs.
    let params: Vec<LifParams> = (0..12)
        .map(|i| LifParams {
            tau_m: 8.0 + 3.0 * i as f64,
            v_rest: if i == 0 {
                -50.0
            } else {
                -70.0 + 0.5 * i as f64
            },
            v_th: -55.0 + 0.25 * (i % 3) as f64,
            t_ref: 0.1 * (i % 4) as f64 * 10.0,
            ..LifParams::default()
        })
        .collect();
    let w: Vec<Vec<f64>> = (0..4)
        .map(|j| (0..12).map(|i| 2.0 + 0.3 * ((i * j) % 5) as f64).collect())
        .collect();
    let events = random_events(11, 5000, 40_000, 4);
    let edit = |v: &mut [f64]| {
        v[3] = -56.0;
        v[5] = -40.0;
    };
    assert_lazy_matches_naive(&params, &events, &w, 40_000, &edit);
}

#[test]
fn lif_conductance_relaxes_towards_reversal() {
    // a constant g = 1 (held by a huge τ_e) moves v towards (v_rest + E_e)/2 = −35 mV
    let mut net = Network::new(DT, 0).unwrap();
    let params = LifParams {
        v_th: 100.0,
        tau_e: 1e12,
        ..LifParams::default()
    };
    let input = net
        .add_spike_generator(&SpikeGenerator::from_steps(1, &[(0, 0)]))
        .unwrap();
    let neuron = net.add_lif(LifGroup::new(1, params).unwrap()).unwrap();
    let spec = SynapseSpec::new(Connectivity::OneToOne, 1.0).target(SynapseTarget::Conductance);
    net.connect(input, neuron, &spec).unwrap();
    net.run(0.1).unwrap();
    assert_eq!(net.lif(neuron).unwrap().g()[0], 1.0);
    net.run(10.0).unwrap();
    // 100 steps of relaxation with time constant τ_m/2 = 10 ms: −35 − 35·e^{−1}
    let expected = -35.0 - 35.0 * (-1.0_f64).exp();
    assert_close(net.lif(neuron).unwrap().v()[0], expected, 1e-6);
}

// ---------------------------------------------------------------------------------------
// Poisson inputs
// ---------------------------------------------------------------------------------------

#[test]
fn poisson_count_matches_rate() {
    // 500 Hz at dt = 1 ms: p = 0.5 per step over 10 000 steps, mean 5000, sd 50
    let mut net = Network::new(1.0, 7).unwrap();
    let input = net.add_poisson(vec![500.0]).unwrap();
    let monitor = net
        .monitor_spikes(input, None, Box::new(SpikeRecord::default()))
        .unwrap();
    net.run(10_000.0).unwrap();
    let count = net.spikes(monitor).unwrap().steps.len() as i64;
    assert!((count - 5000).abs() <= 150, "count {count}");
}

#[test]
fn poisson_zero_rate_is_silent() {
    let mut net = Network::new(DT, 7).unwrap();
    let input = net.add_poisson(vec![0.0; 10]).unwrap();
    let monitor = net
        .monitor_spikes(input, None, Box::new(SpikeRecord::default()))
        .unwrap();
    net.run(1000.0).unwrap();
    assert!(net.spikes(monitor).unwrap().steps.is_empty());
}

#[test]
fn poisson_rejects_rate_dt_at_least_one() {
    let mut net = Network::new(1.0, 7).unwrap();
    for rate in [1000.0, 2500.0] {
        let err = net.add_poisson(vec![10.0, rate]).unwrap_err();
        assert!(
            matches!(err, Error::InvalidParameter { name: "rate", .. }),
            "{err}"
        );
        let message = err.to_string();
        assert!(message.contains(&format!("{rate} Hz")), "{message}");
        assert!(message.contains("neuron 1"), "{message}");
    }
    assert!(net.add_poisson(vec![999.0]).is_ok());
}

#[test]
fn rate_code_scales_intensities() {
    assert_eq!(
        rate_code(&[0.0, 0.5, 1.0], 60.0).unwrap(),
        vec![0.0, 30.0, 60.0]
    );
    let err = rate_code(&[0.2, 1.5], 60.0).unwrap_err();
    assert!(err.to_string().contains("pixel 1"), "{err}");
}

// ---------------------------------------------------------------------------------------
// Reproducibility
// ---------------------------------------------------------------------------------------

/// Poisson inputs onto LIF neurons through plastic synapses with per-synapse delays.
struct Small {
    net: Network,
    inputs: PopulationId,
    syn: SynapsesId,
    input_spikes: SpikeMonitorId,
    output_spikes: SpikeMonitorId,
}

fn small_network(seed: u64) -> Small {
    let mut net = Network::new(DT, seed).unwrap();
    let inputs = net.add_poisson(vec![40.0; 50]).unwrap();
    let neurons = net
        .add_lif(LifGroup::new(20, LifParams::default()).unwrap())
        .unwrap();
    let delays: Vec<f64> = (0..50 * 20).map(|k| (k % 7) as f64 * 0.3).collect();
    let spec = SynapseSpec::new(Connectivity::AllToAll, 0.0)
        .weights(InitialWeights::Uniform {
            low: 0.5,
            high: 2.0,
        })
        .delays(Delays::Array(delays));
    let syn = net.connect(inputs, neurons, &spec).unwrap();
    let rule = PairStdp {
        w_max: 2.0,
        ..PairStdp::default()
    };
    net.set_plasticity(syn, StdpRule::Pair(rule)).unwrap();
    let input_spikes = net
        .monitor_spikes(inputs, None, Box::new(SpikeRecord::default()))
        .unwrap();
    let output_spikes = net
        .monitor_spikes(neurons, None, Box::new(SpikeRecord::default()))
        .unwrap();
    Small {
        net,
        inputs,
        syn,
        input_spikes,
        output_spikes,
    }
}

#[test]
fn split_run_equals_one_run() {
    let mut whole = small_network(3);
    whole.net.run(100.0).unwrap();
    let mut split = small_network(3);
    split.net.run(50.0).unwrap();
    split.net.run(50.0).unwrap();

    for m in [whole.input_spikes, whole.output_spikes] {
        assert_eq!(whole.net.spikes(m), split.net.spikes(m));
    }
    let output = whole.net.spikes(whole.output_spikes).unwrap();
    assert!(!output.steps.is_empty(), "no output spikes");
    let bits = |small: &Small| -> Vec<u64> {
        let weights = small.net.synapses(small.syn).weights();
        weights.iter().map(|w| w.to_bits()).collect()
    };
    assert_eq!(bits(&whole), bits(&split));
}

#[test]
fn same_seed_same_spikes() {
    let run = |seed| {
        let mut small = small_network(seed);
        small.net.run(50.0).unwrap();
        let inputs = small.net.spikes(small.input_spikes).unwrap().clone();
        let outputs = small.net.spikes(small.output_spikes).unwrap().clone();
        (inputs, outputs)
    };
    assert_eq!(run(11), run(11));
    assert_ne!(run(11).0, run(12).0);
}

#[test]
fn poisson_train_independent_of_group_size() {
    // with rates that differ, neuron 0 of population 0 has its own stream, whatever the
    // group size
    let train = |n: usize| {
        let mut net = Network::new(DT, 5).unwrap();
        let rates = (0..n).map(|i| 50.0 + i as f64).collect();
        let input = net.add_poisson(rates).unwrap();
        let m = net
            .monitor_spikes(input, Some(&[0]), Box::new(SpikeRecord::default()))
            .unwrap();
        net.run(500.0).unwrap();
        net.spikes(m).unwrap().clone()
    };
    assert_eq!(train(2), train(30));
}

/// Spikes of a group with one rate, as a 0/1 matrix `[step][neuron]`.
fn shared_rate_trials(
    net: &Network,
    n: usize,
    monitor: SpikeMonitorId,
    steps: usize,
) -> Vec<Vec<bool>> {
    let spikes = net.spikes(monitor).unwrap();
    let mut trials = vec![vec![false; n]; steps];
    for (&step, &i) in spikes.steps.iter().zip(&spikes.neurons) {
        assert!(!trials[step as usize][i as usize], "two spikes in one step");
        trials[step as usize][i as usize] = true;
    }
    trials
}

#[test]
fn poisson_shared_rate_is_bernoulli() {
    // 20 neurons at 200 Hz with dt = 1 ms: every (step, neuron) is a Bernoulli trial with
    // p = 0.2. Tolerances are 4 standard deviations of each count.
    let (n, steps, p) = (20, 5000, 0.2);
    let mut net = Network::new(1.0, 21).unwrap();
    let input = net.add_poisson(vec![200.0; n]).unwrap();
    let monitor = net
        .monitor_spikes(input, None, Box::new(SpikeRecord::default()))
        .unwrap();
    net.run(steps as f64).unwrap();
    let trials = shared_rate_trials(&net, n, monitor, steps);
    let within = |count: usize, trials: usize, p: f64, what: &str| {
        let mean = trials as f64 * p;
        let sd = (trials as f64 * p * (1.0 - p)).sqrt();
        assert!(
            (count as f64 - mean).abs() <= 4.0 * sd,
            "{what}: {count} against {mean} ± {sd}"
        );
    };

    let total: usize = trials.iter().flatten().filter(|&&t| t).count();
    within(total, n * steps, p, "spikes");
    for i in 0..n {
        let count = trials.iter().filter(|row| row[i]).count();
        // 5 standard deviations: 20 neurons are tested
        let sd = (steps as f64 * p * (1.0 - p)).sqrt();
        assert!(
            (count as f64 - steps as f64 * p).abs() <= 5.0 * sd,
            "neuron {i}: {count}"
        );
    }
    // spikes per step are binomial(20, 0.2): P(0) = 0.8^20, P(4) = C(20,4) 0.2^4 0.8^16
    let per_step: Vec<usize> = trials
        .iter()
        .map(|row| row.iter().filter(|&&t| t).count())
        .collect();
    let p0 = 0.8f64.powi(20);
    let p4 = 4845.0 * 0.2f64.powi(4) * 0.8f64.powi(16);
    within(
        per_step.iter().filter(|&&k| k == 0).count(),
        steps,
        p0,
        "steps without spikes",
    );
    within(
        per_step.iter().filter(|&&k| k == 4).count(),
        steps,
        p4,
        "steps with 4 spikes",
    );
    // independence: after a spike, the same neuron at the next step, the next neuron in
    // the same step and the first neuron of the next step after the last one
    let mut pairs = [(0, 0); 3];
    for s in 0..steps - 1 {
        for i in 0..n {
            if trials[s][i] {
                pairs[0].0 += 1;
                pairs[0].1 += trials[s + 1][i] as usize;
                if i + 1 < n {
                    pairs[1].0 += 1;
                    pairs[1].1 += trials[s][i + 1] as usize;
                } else {
                    pairs[2].0 += 1;
                    pairs[2].1 += trials[s + 1][0] as usize;
                }
            }
        }
    }
    for (what, (given, both)) in ["next step", "next neuron", "wrap to next step"]
        .iter()
        .zip(pairs)
    {
        within(both, given, p, what);
    }
}

#[test]
fn poisson_rates_switch_layouts() {
    // One rate, then rates that differ, then silence, then one rate again. Each phase
    // draws the expected number of spikes within 4 standard deviations.
    let mut net = Network::new(1.0, 4).unwrap();
    let input = net.add_poisson(vec![100.0; 10]).unwrap();
    let monitor = net
        .monitor_spikes(input, None, Box::new(SpikeRecord::default()))
        .unwrap();
    let phases: [(Vec<f64>, f64); 4] = [
        (vec![100.0; 10], 0.1 * 10.0),
        ((0..10).map(|i| 20.0 * i as f64).collect(), 0.02 * 45.0),
        (vec![0.0; 10], 0.0),
        (vec![300.0; 10], 0.3 * 10.0),
    ];
    let steps = 2000u64;
    let mut seen = 0;
    for (k, (rates, per_step)) in phases.into_iter().enumerate() {
        if k > 0 {
            net.set_rates(input, rates.clone()).unwrap();
        }
        net.run(steps as f64).unwrap();
        let spikes = net.spikes(monitor).unwrap();
        let count = spikes.steps.len() - seen;
        seen = spikes.steps.len();
        let mean = per_step * steps as f64;
        let var: f64 = rates
            .iter()
            .map(|r| r * 1e-3 * (1.0 - r * 1e-3))
            .sum::<f64>()
            * steps as f64;
        assert!(
            (count as f64 - mean).abs() <= 4.0 * var.sqrt() + 1e-9,
            "phase {k}: {count} spikes against {mean}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Monitors
// ---------------------------------------------------------------------------------------

#[test]
fn file_sinks_match_memory_sinks() {
    let dir = tempfile::tempdir().unwrap();
    let spike_path = dir.path().join("spikes.bin");
    let weight_path = dir.path().join("weights.bin");

    let mut small = small_network(9);
    let net = &mut small.net;
    let spike_file = SpikeFileSink::create(&spike_path).unwrap();
    net.monitor_spikes(small.inputs, None, Box::new(spike_file))
        .unwrap();
    let indices = [0, 5, 17];
    let weight = Variable::Weight(small.syn);
    let in_memory = net
        .monitor_state(weight, &indices, 1.0, Box::new(SampleRecord::new(3)))
        .unwrap();
    let weight_file = SampleFileSink::create(&weight_path, 3).unwrap();
    net.monitor_state(weight, &indices, 1.0, Box::new(weight_file))
        .unwrap();
    net.run(30.0).unwrap();
    net.run(30.0).unwrap();

    let spikes = read_spike_file(&spike_path).unwrap();
    assert_eq!(&spikes, net.spikes(small.input_spikes).unwrap());
    assert!(!spikes.steps.is_empty());
    let samples = read_sample_file(&weight_path).unwrap();
    assert_eq!(&samples, net.samples(in_memory).unwrap());
    assert_eq!(samples.steps.len(), 60);
    assert_eq!(samples.steps[1], 10);
}

#[test]
fn rate_monitor_counts_spikes() {
    // one generator neuron of two spikes 3 times in the first 10 ms bin: 3 / (2 · 0.01 s)
    let mut net = Network::new(DT, 0).unwrap();
    let input = net
        .add_spike_generator(&SpikeGenerator::new(
            2,
            &[(0, 1.0), (1, 2.0), (0, 9.9), (1, 15.0)],
        ))
        .unwrap();
    let monitor = net
        .monitor_rate(input, 10.0, Box::new(SampleRecord::new(1)))
        .unwrap();
    net.run(20.0).unwrap();
    let rates = net.rates(monitor).unwrap();
    assert_eq!(rates.steps, vec![0, 100]);
    assert_eq!(rates.values, vec![150.0, 50.0]);
}

// ---------------------------------------------------------------------------------------
// Bad inputs
// ---------------------------------------------------------------------------------------

#[test]
fn bad_parameters_name_the_parameter() {
    let lif = |f: fn(&mut LifParams)| {
        let mut p = LifParams::default();
        f(&mut p);
        LifGroup::new(1, p).map(|_| ())
    };
    let pair = |f: fn(&mut PairStdp)| {
        let mut p = PairStdp::default();
        f(&mut p);
        p.validate()
    };
    let cases: Vec<(&str, hebbian::Result<()>)> = vec![
        ("tau_m", lif(|p| p.tau_m = 0.0)),
        ("t_ref", lif(|p| p.t_ref = -1.0)),
        ("v_th", lif(|p| p.v_th = f64::NAN)),
        ("tau_plus", pair(|p| p.tau_plus = -5.0)),
        ("a_minus", pair(|p| p.a_minus = -0.1)),
        ("w_max", pair(|p| p.w_max = p.w_min)),
        ("dt", Network::new(0.0, 0).map(|_| ())),
    ];
    for (name, result) in cases {
        let err = result.unwrap_err();
        assert!(err.to_string().contains(name), "{name}: {err}");
    }
}

#[test]
fn bad_network_inputs_are_rejected() {
    let mut net = Network::new(DT, 0).unwrap();
    let inputs = net.add_poisson(vec![1.0; 3]).unwrap();
    let generator = net
        .add_spike_generator(&SpikeGenerator::new(2, &[]))
        .unwrap();

    // a voltage target needs LIF neurons
    let err = net
        .connect(
            inputs,
            generator,
            &SynapseSpec::new(Connectivity::AllToAll, 1.0),
        )
        .unwrap_err();
    assert!(err.to_string().contains("target"), "{err}");

    // one-to-one needs equal sizes
    let spec = SynapseSpec::new(Connectivity::OneToOne, 1.0).target(SynapseTarget::None);
    assert!(matches!(
        net.connect(inputs, generator, &spec),
        Err(Error::ShapeMismatch { .. })
    ));

    // run durations must be whole steps
    let err = net.run(0.15).unwrap_err();
    assert!(err.to_string().contains("run duration"), "{err}");

    // spike generator indices and duplicates
    let err = net
        .add_spike_generator(&SpikeGenerator::new(1, &[(1, 0.0)]))
        .unwrap_err();
    assert!(err.to_string().contains("neuron"), "{err}");
    let err = net
        .add_spike_generator(&SpikeGenerator::new(1, &[(0, 1.0), (0, 1.01)]))
        .unwrap_err();
    assert!(err.to_string().contains("two spikes"), "{err}");
}

#[test]
fn connectivity_kinds_and_storage() {
    let mut net = Network::new(DT, 4).unwrap();
    let a = net.add_poisson(vec![0.0; 4]).unwrap();
    let b = net
        .add_spike_generator(&SpikeGenerator::new(3, &[]))
        .unwrap();
    let none = |c| SynapseSpec::new(c, 1.0).target(SynapseTarget::None);

    let all = net.connect(a, b, &none(Connectivity::AllToAll)).unwrap();
    assert_eq!(net.synapses(all).len(), 12);

    let lists = Connectivity::Indices {
        pre: vec![3, 0, 3],
        post: vec![0, 2, 1],
    };
    let spec = none(lists).weights(InitialWeights::Array(vec![1.0, 2.0, 3.0]));
    let listed = net.connect(a, b, &spec).unwrap();
    let s = net.synapses(listed);
    assert_eq!(s.pre(), &[0, 3, 3]);
    assert_eq!(s.post(), &[2, 0, 1]);
    assert_eq!(s.weights(), &[2.0, 1.0, 3.0]);
    assert_eq!(s.incoming(0), &[1]);
    assert_eq!(s.weight_matrix()[[1, 3]], 3.0);

    let random = net
        .connect(a, b, &none(Connectivity::Probability(0.5)))
        .unwrap();
    let n = net.synapses(random).len();
    assert!(n <= 12);
    for s in 0..n {
        let (pre, post) = (
            net.synapses(random).pre()[s],
            net.synapses(random).post()[s],
        );
        assert!(
            net.synapses(random)
                .incoming(post as usize)
                .contains(&(s as u32))
        );
        assert!(net.synapses(random).outgoing(pre as usize).contains(&s));
    }
}

/// Output spikes, final weights and the traces of every synapse, from [`run_pair_stdp`].
struct PairRun {
    spikes: SpikeRecord,
    weights: Vec<f64>,
    traces: Vec<Vec<f64>>,
}

/// Runs Poisson inputs at `rates` onto `n_post` default LIF neurons through the synapses
/// `spec` with pair STDP `rule`, and reads the traces at `trace_step`. The delay `delay`
/// (ms) is given once for the group, or to each synapse when `per_synapse` is set.
#[allow(clippy::too_many_arguments)]
fn run_pair_stdp(
    seed: u64,
    rates: Vec<f64>,
    n_post: usize,
    spec: &SynapseSpec,
    delay: f64,
    per_synapse: bool,
    rule: PairStdp,
    duration: f64,
    trace_step: u64,
) -> PairRun {
    let n_pre = rates.len();
    let mut net = Network::new(DT, seed).unwrap();
    let inputs = net.add_poisson(rates).unwrap();
    let neurons = net
        .add_lif(LifGroup::new(n_post, LifParams::default()).unwrap())
        .unwrap();
    let delays = if per_synapse {
        Delays::Array(vec![delay; n_pre * n_post])
    } else {
        Delays::Constant(delay)
    };
    let syn = net
        .connect(inputs, neurons, &spec.clone().delays(delays))
        .unwrap();
    net.set_plasticity(syn, StdpRule::Pair(rule)).unwrap();
    let output = net
        .monitor_spikes(neurons, None, Box::new(SpikeRecord::default()))
        .unwrap();
    net.run(duration).unwrap();

    let spikes = net.spikes(output).unwrap().clone();
    let weights = net.synapses(syn).weights().to_vec();
    let plasticity = net.synapses(syn).plasticity().unwrap();
    let traces = (0..weights.len())
        .map(|s| plasticity.traces_at(s, trace_step))
        .collect();
    PairRun {
        spikes,
        weights,
        traces,
    }
}

/// Asserts that a run with per-neuron traces and one with per-synapse traces agree: the
/// same spikes, and weights and traces equal up to rounding.
fn assert_runs_agree(neuron: &PairRun, synapse: &PairRun, context: &str) {
    assert_eq!(neuron.spikes, synapse.spikes, "{context}");
    for (a, b) in neuron.weights.iter().zip(&synapse.weights) {
        assert!((a - b).abs() <= 1e-12, "{context}: {a} against {b}");
    }
    let traces = neuron.traces.iter().flatten();
    for (a, b) in traces.zip(synapse.traces.iter().flatten()) {
        assert!(
            (a - b).abs() <= 1e-12 * a.abs().max(1.0),
            "{context}: trace {a} against {b}"
        );
    }
}

/// A group with one delay keeps its pair traces per neuron; the same group with that
/// delay given per synapse keeps them per synapse. Both must give the same weights up to
/// rounding and the same spikes.
#[test]
fn per_neuron_traces_match_per_synapse() {
    let spec = SynapseSpec::new(Connectivity::AllToAll, 0.0).weights(InitialWeights::Uniform {
        low: 0.5,
        high: 2.0,
    });
    for mu in [0.0, 0.5] {
        let rule = PairStdp {
            w_max: 2.0,
            mu,
            ..PairStdp::default()
        };
        let run = |per_synapse| {
            run_pair_stdp(
                21,
                vec![40.0; 50],
                20,
                &spec,
                0.6,
                per_synapse,
                rule,
                2000.0,
                20_000,
            )
        };
        let (neuron, synapse) = (run(false), run(true));
        assert!(
            neuron.spikes.steps.len() > 100,
            "too few output spikes to test"
        );
        let changed = neuron
            .weights
            .iter()
            .filter(|&&w| w != 0.5 && w != 2.0)
            .count();
        assert!(changed > 0);
        assert_runs_agree(&neuron, &synapse, &format!("mu = {mu}"));
    }
}

/// The network's own spike counts agree with a spike monitor, across runs.
#[test]
fn spike_counts_match_a_spike_monitor() {
    let mut net = Network::new(DT, 3).unwrap();
    let inputs = net.add_poisson(vec![20.0; 30]).unwrap();
    let neurons = net
        .add_lif(LifGroup::new(5, LifParams::default()).unwrap())
        .unwrap();
    let spec = SynapseSpec::new(Connectivity::AllToAll, 6.0);
    net.connect(inputs, neurons, &spec).unwrap();
    let monitors = [inputs, neurons].map(|p| {
        net.monitor_spikes(p, None, Box::new(SpikeRecord::default()))
            .unwrap()
    });
    net.run(300.0).unwrap();
    net.run(700.0).unwrap();
    for (population, monitor) in [inputs, neurons].into_iter().zip(monitors) {
        let record = net.spikes(monitor).unwrap();
        let mut expected = vec![0u64; net.population_len(population)];
        for &i in &record.neurons {
            expected[i as usize] += 1;
        }
        assert!(expected.iter().sum::<u64>() > 50, "too few spikes to test");
        assert_eq!(net.spike_counts(population), expected.as_slice());
    }
}

/// Per-neuron traces are kept in units that are rescaled when the last event lies far
/// back. Sparse inputs, with gaps of seconds between events, cross many rescalings.
#[test]
fn per_neuron_traces_sparse_input() {
    let spec = SynapseSpec::new(Connectivity::AllToAll, 16.0);
    let rule = PairStdp {
        w_min: 14.0,
        w_max: 18.0,
        ..PairStdp::default()
    };
    let run = |per_synapse| {
        run_pair_stdp(
            5,
            vec![0.5; 30],
            4,
            &spec,
            0.3,
            per_synapse,
            rule,
            60_000.0,
            600_000,
        )
    };
    let (neuron, synapse) = (run(false), run(true));
    // About 900 input spikes in 60 s; a weight above the 15 mV from rest to threshold
    // makes a neuron at rest fire.
    assert!(
        neuron.spikes.steps.len() > 1000,
        "too few output spikes to test"
    );
    assert!(neuron.weights.iter().any(|&w| w != 16.0));
    assert_runs_agree(&neuron, &synapse, "sparse input");
}

/// A trace can be read at a step that precedes the group's epoch, which a later spike of
/// another input moved on, as long as the step follows the synapse's last spike.
#[test]
fn per_neuron_traces_read_before_epoch() {
    let rule = PairStdp {
        tau_plus: 2000.0,
        ..PairStdp::default()
    };
    let run = |per_synapse: bool| {
        let mut net = Network::new(DT, 1).unwrap();
        // input 0 at 1 ms, input 1 at 5 s, past the 409.6 ms the epoch may lag behind
        let generator = SpikeGenerator::new(2, &[(0, 1.0), (1, 5000.0)]);
        let inputs = net.add_spike_generator(&generator).unwrap();
        let neurons = net
            .add_lif(LifGroup::new(1, LifParams::default()).unwrap())
            .unwrap();
        let delays = if per_synapse {
            Delays::Array(vec![0.0; 2])
        } else {
            Delays::Constant(0.0)
        };
        let spec = SynapseSpec::new(Connectivity::AllToAll, 1.0).delays(delays);
        let syn = net.connect(inputs, neurons, &spec).unwrap();
        net.set_plasticity(syn, StdpRule::Pair(rule)).unwrap();
        net.run(6000.0).unwrap();
        net.synapses(syn).plasticity().unwrap().traces_at(0, 10_000)[0]
    };
    let (neuron, synapse) = (run(false), run(true));
    // the spike at step 10, read at step 10 000
    let expected = (-9990.0 * DT / 2000.0_f64).exp();
    assert!(
        (neuron - expected).abs() <= 1e-12,
        "{neuron} against {expected}"
    );
    assert!(
        (synapse - expected).abs() <= 1e-12,
        "{synapse} against {expected}"
    );
}

/// Steps without work are skipped; a state monitor sampling every step makes every step
/// run in full. Spikes, rates, weights and potentials must not depend on it.
#[test]
fn idle_steps_skip_changes_nothing() {
    let run = |sample_every_step: bool| {
        let mut net = Network::new(DT, 8).unwrap();
        let inputs = net.add_poisson(vec![5.0; 40]).unwrap();
        let neurons = net
            .add_lif(LifGroup::new(10, LifParams::default()).unwrap())
            .unwrap();
        let spec =
            SynapseSpec::new(Connectivity::Probability(0.5), 9.0).delays(Delays::Constant(1.5));
        let syn = net.connect(inputs, neurons, &spec).unwrap();
        let rule = PairStdp {
            w_max: 20.0,
            ..PairStdp::default()
        };
        net.set_plasticity(syn, StdpRule::Pair(rule)).unwrap();
        let spikes = net
            .monitor_spikes(neurons, None, Box::new(SpikeRecord::default()))
            .unwrap();
        let rates = net
            .monitor_rate(neurons, 2.0, Box::new(SampleRecord::new(1)))
            .unwrap();
        // every step, or every 50 ms so that most steps are idle
        let interval = if sample_every_step { DT } else { 50.0 };
        net.monitor_state(
            Variable::V(neurons),
            &[0, 1, 2],
            interval,
            Box::new(SampleRecord::new(3)),
        )
        .unwrap();
        net.run(1000.0).unwrap();
        let spikes = net.spikes(spikes).unwrap().clone();
        let rates = net.rates(rates).unwrap().values.clone();
        let weights: Vec<u64> = net
            .synapses(syn)
            .weights()
            .iter()
            .map(|w| w.to_bits())
            .collect();
        let v_end: Vec<u64> = net
            .lif(neurons)
            .unwrap()
            .v()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        (spikes, rates, weights, v_end)
    };
    let (spikes_skip, rates_skip, w_skip, v_skip) = run(false);
    let (spikes_full, rates_full, w_full, v_full) = run(true);
    assert!(spikes_skip.steps.len() > 20, "too few spikes to test");
    assert_eq!(spikes_skip, spikes_full);
    assert_eq!(rates_skip, rates_full);
    assert_eq!(w_skip, w_full);
    assert_eq!(v_skip, v_full);
}
