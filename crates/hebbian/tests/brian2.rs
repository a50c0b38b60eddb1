//! Brian2 reference traces: every network in `tests/fixtures/brian2/` was simulated by
//! `scripts/brian2_reference.py` in Brian2 2.9.0 with NumPy 2.3.5 (runtime mode, NumPy
//! code generation). Each test rebuilds the network with the hebbian API from the
//! parameters and input spikes stored in the fixture. It then requires the same
//! postsynaptic spike steps, and weights, potentials and conductances within 1e-9 at
//! every recorded step. The tolerance is absolute: weights and conductances are
//! dimensionless, potentials are in mV.
//!
//! The script's docstring describes the fixture format and the Brian2 model code.

use std::path::Path;

use hebbian::spiking::{
    Connectivity, Delays, InitialWeights, LifGroup, LifParams, Network, PairStdp, Pairing,
    SampleRecord, SpikeGenerator, SpikeRecord, StdpRule, SynapseSpec, SynapseTarget, Variable,
};
use serde::Deserialize;

const TOLERANCE: f64 = 1e-9;

#[derive(Deserialize)]
struct Fixture {
    name: String,
    generated_by: GeneratedBy,
    dt_ms: f64,
    steps: u64,
    neuron: NeuronSpec,
    stdp: StdpSpec,
    inputs: InputSpec,
    plastic: PlasticSpec,
    drive: Option<DriveSpec>,
    record: RecordSpec,
    expected: Expected,
}

#[derive(Deserialize)]
struct GeneratedBy {
    brian2: String,
    codegen_target: String,
}

#[derive(Deserialize)]
struct NeuronSpec {
    model: String,
    n: usize,
    #[serde(rename = "v_rest_mV")]
    v_rest: f64,
    #[serde(rename = "v_th_mV")]
    v_th: f64,
    #[serde(rename = "v_reset_mV")]
    v_reset: f64,
    #[serde(rename = "tau_m_ms")]
    tau_m: f64,
    #[serde(rename = "t_ref_ms")]
    t_ref: f64,
    #[serde(rename = "tau_e_ms")]
    tau_e: Option<f64>,
    #[serde(rename = "e_e_mV")]
    e_e: Option<f64>,
}

/// Brian2's names: `a_pre` is `A_pre`, `a_post` the signed `A_post` (negative).
#[derive(Deserialize)]
struct StdpSpec {
    #[serde(rename = "tau_pre_ms")]
    tau_pre: f64,
    #[serde(rename = "tau_post_ms")]
    tau_post: f64,
    #[serde(rename = "A_pre")]
    a_pre: f64,
    #[serde(rename = "A_post")]
    a_post: f64,
    w_max: f64,
}

#[derive(Deserialize)]
struct InputSpec {
    n: usize,
    /// `[neuron, step]` pairs.
    spikes: Vec<(usize, u64)>,
}

/// One axonal delay for every synapse, or one per synapse, in ms.
#[derive(Deserialize)]
#[serde(untagged)]
enum DelaySpec {
    Homogeneous(f64),
    PerSynapse(Vec<f64>),
}

#[derive(Deserialize)]
struct PlasticSpec {
    pre: Vec<usize>,
    post: Vec<usize>,
    w0: Vec<f64>,
    delay_ms: DelaySpec,
}

#[derive(Deserialize)]
struct DriveSpec {
    n: usize,
    spikes: Vec<(usize, u64)>,
    pre: Vec<usize>,
    post: Vec<usize>,
    /// Weights in mV.
    w: Vec<f64>,
}

#[derive(Deserialize)]
struct RecordSpec {
    w_interval_steps: u64,
    v_interval_steps: u64,
}

#[derive(Deserialize)]
struct Expected {
    /// `w[k][s]`: weight of Brian2's synapse `s` at the start of step `k · w_interval_steps`.
    w: Vec<Vec<f64>>,
    #[serde(rename = "v_mV")]
    v: Vec<Vec<f64>>,
    ge: Option<Vec<Vec<f64>>>,
    post_spikes: Vec<(u32, u64)>,
}

/// What hebbian recorded for a fixture's network.
struct Traces {
    /// Weights in Brian2's synapse order, one row per sample.
    w: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
    g: Option<Vec<Vec<f64>>>,
    post_spikes: Vec<(u32, u64)>,
}

fn load(name: &str) -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/brian2")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("failed to read {}: {e}", path.display()));
    let fixture: Fixture = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("failed to parse {}: {e}", path.display()));
    assert_eq!(fixture.name, name);
    assert_eq!(fixture.generated_by.brian2, "2.9.0");
    assert_eq!(fixture.generated_by.codegen_target, "numpy");
    fixture
}

fn rows(record: &SampleRecord) -> Vec<Vec<f64>> {
    (0..record.steps.len())
        .map(|k| record.row(k).to_vec())
        .collect()
}

/// Rebuilds the fixture's network with the hebbian API and runs it.
fn simulate(f: &Fixture) -> Traces {
    let dt = f.dt_ms;
    let mut net = Network::new(dt, 1).unwrap();

    // inputs: Brian2's spike generator, or the spikes its Poisson group emitted
    let inputs = net
        .add_spike_generator(&SpikeGenerator::from_steps(f.inputs.n, &f.inputs.spikes))
        .unwrap();

    // postsynaptic neurons
    let conductance = match f.neuron.model.as_str() {
        "current" => false,
        "conductance" => true,
        other => panic!("unknown neuron model {other}"),
    };
    let defaults = LifParams::default();
    let params = LifParams {
        v_rest: f.neuron.v_rest,
        v_th: f.neuron.v_th,
        v_reset: f.neuron.v_reset,
        tau_m: f.neuron.tau_m,
        t_ref: f.neuron.t_ref,
        tau_e: f.neuron.tau_e.unwrap_or(defaults.tau_e),
        e_e: f.neuron.e_e.unwrap_or(defaults.e_e),
    };
    let posts = net
        .add_lif(LifGroup::new(f.neuron.n, params).unwrap())
        .unwrap();

    // plastic synapses
    let delays = match &f.plastic.delay_ms {
        DelaySpec::Homogeneous(d) => Delays::Constant(*d),
        DelaySpec::PerSynapse(d) => Delays::Array(d.clone()),
    };
    let target = if conductance {
        SynapseTarget::Conductance
    } else {
        SynapseTarget::Voltage
    };
    let spec = SynapseSpec {
        connectivity: Connectivity::Indices {
            pre: f.plastic.pre.clone(),
            post: f.plastic.post.clone(),
        },
        weights: InitialWeights::Array(f.plastic.w0.clone()),
        delays,
        target,
    };
    let syn = net.connect(inputs, posts, &spec).unwrap();
    let rule = PairStdp {
        tau_plus: f.stdp.tau_pre,
        tau_minus: f.stdp.tau_post,
        a_plus: f.stdp.a_pre,
        a_minus: -f.stdp.a_post,
        w_min: 0.0,
        w_max: f.stdp.w_max,
        mu: 0.0,
        pairing: Pairing::AllToAll,
    };
    net.set_plasticity(syn, StdpRule::Pair(rule)).unwrap();

    // fixed-weight drive, created after the plastic synapses as in the script
    if let Some(drive) = &f.drive {
        let source = net
            .add_spike_generator(&SpikeGenerator::from_steps(drive.n, &drive.spikes))
            .unwrap();
        let spec = SynapseSpec::new(
            Connectivity::Indices {
                pre: drive.pre.clone(),
                post: drive.post.clone(),
            },
            0.0,
        )
        .weights(InitialWeights::Array(drive.w.clone()));
        net.connect(source, posts, &spec).unwrap();
    }

    // monitors: every synapse and every neuron
    let n_syn = net.synapses(syn).len();
    let all_synapses: Vec<usize> = (0..n_syn).collect();
    let all_neurons: Vec<usize> = (0..f.neuron.n).collect();
    let w_interval = f.record.w_interval_steps as f64 * dt;
    let v_interval = f.record.v_interval_steps as f64 * dt;
    let w_monitor = net
        .monitor_state(
            Variable::Weight(syn),
            &all_synapses,
            w_interval,
            Box::new(SampleRecord::new(n_syn)),
        )
        .unwrap();
    let v_monitor = net
        .monitor_state(
            Variable::V(posts),
            &all_neurons,
            v_interval,
            Box::new(SampleRecord::new(f.neuron.n)),
        )
        .unwrap();
    let g_monitor = conductance.then(|| {
        net.monitor_state(
            Variable::G(posts),
            &all_neurons,
            v_interval,
            Box::new(SampleRecord::new(f.neuron.n)),
        )
        .unwrap()
    });
    let spike_monitor = net
        .monitor_spikes(posts, None, Box::new(SpikeRecord::default()))
        .unwrap();

    net.run_steps(f.steps).unwrap();

    // weights in Brian2's synapse order: find each (pre, post) pair in our storage
    let synapses = net.synapses(syn);
    let order: Vec<usize> = f
        .plastic
        .pre
        .iter()
        .zip(&f.plastic.post)
        .map(|(&j, &i)| {
            (0..n_syn)
                .find(|&s| synapses.pre()[s] as usize == j && synapses.post()[s] as usize == i)
                .expect("every Brian2 synapse exists")
        })
        .collect();
    let w = rows(net.samples(w_monitor).unwrap())
        .into_iter()
        .map(|row| order.iter().map(|&s| row[s]).collect())
        .collect();

    let spikes = net.spikes(spike_monitor).unwrap();
    let mut post_spikes: Vec<(u32, u64)> = spikes
        .neurons
        .iter()
        .copied()
        .zip(spikes.steps.iter().copied())
        .collect();
    post_spikes.sort_by_key(|&(i, step)| (step, i));
    Traces {
        w,
        v: rows(net.samples(v_monitor).unwrap()),
        g: g_monitor.map(|id| rows(net.samples(id).unwrap())),
        post_spikes,
    }
}

/// Asserts that two traces have the same shape and agree within [`TOLERANCE`], naming the
/// first sample and index that do not.
fn assert_trace(label: &str, got: &[Vec<f64>], expected: &[Vec<f64>], interval: u64) {
    assert_eq!(got.len(), expected.len(), "{label}: number of samples");
    let mut max_deviation = 0.0_f64;
    for (k, (row, expected_row)) in got.iter().zip(expected).enumerate() {
        assert_eq!(
            row.len(),
            expected_row.len(),
            "{label}: width of sample {k}"
        );
        for (index, (&ours, &brian2)) in row.iter().zip(expected_row).enumerate() {
            let deviation = (ours - brian2).abs();
            assert!(
                deviation <= TOLERANCE,
                "{label}[{index}] at step {}: hebbian {ours}, Brian2 {brian2} (difference {deviation:e})",
                k as u64 * interval
            );
            max_deviation = max_deviation.max(deviation);
        }
    }
    eprintln!(
        "{label}: {} samples, max deviation {max_deviation:e}",
        got.len()
    );
}

/// Runs a fixture and compares everything it recorded.
fn check(name: &str) {
    let f = load(name);
    assert!(
        !f.expected.post_spikes.is_empty(),
        "{name}: the reference network never fires, so the comparison misses on_post"
    );
    let got = simulate(&f);

    assert_eq!(
        got.post_spikes, f.expected.post_spikes,
        "{name}: postsynaptic spikes as (neuron, step)"
    );
    assert_trace(
        &format!("{name}: w"),
        &got.w,
        &f.expected.w,
        f.record.w_interval_steps,
    );
    assert_trace(
        &format!("{name}: v (mV)"),
        &got.v,
        &f.expected.v,
        f.record.v_interval_steps,
    );
    if let Some(expected_ge) = &f.expected.ge {
        let g = got.g.as_ref().expect("a conductance network records g");
        assert_trace(
            &format!("{name}: ge"),
            g,
            expected_ge,
            f.record.v_interval_steps,
        );
    }
}

#[test]
fn pair_stdp_current_lif() {
    check("pair_stdp_current_lif");
}

#[test]
fn homogeneous_delay_current_lif() {
    check("homogeneous_delay_current_lif");
}

#[test]
fn per_synapse_delay_current_lif() {
    check("per_synapse_delay_current_lif");
}

#[test]
fn refractory_current_lif() {
    check("refractory_current_lif");
}

#[test]
fn poisson_current_lif() {
    check("poisson_current_lif");
}

#[test]
fn song2000_conductance_lif() {
    check("song2000_conductance_lif");
}
