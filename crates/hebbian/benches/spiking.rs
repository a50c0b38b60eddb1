//! The spiking engine on the two built-in networks, one second of simulated time each,
//! without monitors: the tutorial's 100 Poisson inputs onto 1000 current-based LIF
//! neurons with pair STDP, and Song, Miller & Abbott's 1000 inputs onto one
//! conductance-based neuron.
//!
//! Multiply by 60 (tutorial) or 100 (Song et al.) for the length of the full runs.

use criterion::{Criterion, criterion_group, criterion_main};
use hebbian::spiking::{
    Connectivity, InitialWeights, LifGroup, LifParams, Network, PairStdp, StdpRule, SynapseSpec,
    SynapseTarget,
};

/// 100 inputs at 10 Hz, 1000 LIF neurons, p = 0.1, w = 0.5 mV, pair STDP.
fn tutorial() -> Network {
    let mut net = Network::new(0.1, 1).unwrap();
    let inputs = net.add_poisson(vec![10.0; 100]).unwrap();
    let neurons = net
        .add_lif(LifGroup::new(1000, LifParams::default()).unwrap())
        .unwrap();
    let spec = SynapseSpec::new(Connectivity::Probability(0.1), 0.5);
    let syn = net.connect(inputs, neurons, &spec).unwrap();
    net.set_plasticity(syn, StdpRule::Pair(PairStdp::default()))
        .unwrap();
    net
}

/// 1000 inputs at 15 Hz onto one conductance-based neuron, additive STDP.
fn song2000() -> Network {
    let mut net = Network::new(0.1, 1).unwrap();
    let inputs = net.add_poisson(vec![15.0; 1000]).unwrap();
    let params = LifParams {
        v_rest: -74.0,
        v_th: -54.0,
        v_reset: -60.0,
        tau_m: 10.0,
        t_ref: 0.0,
        tau_e: 5.0,
        e_e: 0.0,
    };
    let neuron = net.add_lif(LifGroup::new(1, params).unwrap()).unwrap();
    let spec = SynapseSpec::new(Connectivity::AllToAll, 0.0)
        .weights(InitialWeights::Uniform {
            low: 0.0,
            high: 0.01,
        })
        .target(SynapseTarget::Conductance);
    let syn = net.connect(inputs, neuron, &spec).unwrap();
    let rule = PairStdp {
        a_plus: 0.01 * 0.01,
        a_minus: 0.01 * 1.05 * 0.01,
        w_max: 0.01,
        ..PairStdp::default()
    };
    net.set_plasticity(syn, StdpRule::Pair(rule)).unwrap();
    net
}

fn networks(c: &mut Criterion) {
    let mut group = c.benchmark_group("spiking");
    group.sample_size(20);
    group.bench_function("tutorial-stdp 1 s", |b| {
        b.iter_batched(
            tutorial,
            |mut net| net.run(1000.0).unwrap(),
            criterion::BatchSize::LargeInput,
        )
    });
    group.bench_function("song2000 1 s", |b| {
        b.iter_batched(
            song2000,
            |mut net| net.run(1000.0).unwrap(),
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, networks);
criterion_main!(benches);
