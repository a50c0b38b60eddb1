//! Runs a spiking experiment and writes its outputs.
//!
//! Outputs in the run folder, for a monitor named `NAME`:
//!
//! | file | content |
//! |---|---|
//! | `NAME.npz` (spikes) | `step` `(S,)` int64, `t_ms` `(S,)` float64 and `neuron` `(S,)` int64, in time order |
//! | `NAME.npy`, `NAME_t_ms.npy` (weights, state) | samples `(T, width)` and their times `(T,)`, streamed during the run |
//! | `NAME_indices.npy` (weights, state) | recorded synapse or neuron indices, int64 |
//! | `NAME.npz` (rate) | `t_ms` (start of each bin) and `rate_hz` |
//! | `synapses_SYN.npz` | final `w`, initial `w_initial`, `pre` and `post` of every synapse of group `SYN` |
//! | `summary.json` | parameters, seed, version, spike counts and rates, weight statistics, warnings, timings |
//! | `raster_NAME`, `NAME`, `weight_histogram_SYN`, `NAME` (rate) `.png/.svg` | figures |
//!
//! Synapses are numbered in storage order: sorted by presynaptic, then postsynaptic index.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use hebbian::spiking::{
    Connectivity, Delays, InitialWeights, LifGroup, LifParams, Network, PairStdp, PopulationId,
    RateMonitorId, SampleRecord, SpikeFileSink, SpikeGenerator, StateMonitorId, StdpRule,
    SynapseSpec, SynapseTarget, SynapsesId, Variable, read_spike_file,
};
use ndarray::Array1;
use serde_json::{Value, json};

use super::config::{
    ConnectKind, GroupConfig, GroupKind, MonitorKind, PlasticityConfig, RuleKind,
    SpikingExperiment, StateVariable, TargetKind,
};
use super::sinks::NpySampleSink;
use crate::experiment::RunOptions;
use crate::experiment::{Source, input_error};
use crate::output::RunDir;
use crate::plot::Chart;
use crate::progress::Progress;

/// Samples of a weight or state monitor kept in memory for its figure.
const KEPT_SAMPLES: u64 = 2000;

/// Steps per run segment: monitors flush and the progress bar moves between segments.
const SEGMENT_STEPS: u64 = 10_000;

/// Builds a pair or triplet rule from its table.
pub fn build_rule(p: &PlasticityConfig) -> StdpRule {
    match p.rule {
        RuleKind::Pair => StdpRule::Pair(PairStdp {
            tau_plus: p.tau_plus.map_or(20.0, |t| t.get()),
            tau_minus: p.tau_minus.map_or(20.0, |t| t.get()),
            a_plus: p.a_plus.unwrap_or(0.0),
            a_minus: p.a_minus.unwrap_or(0.0),
            w_min: p.w_min,
            w_max: p.w_max,
            mu: p.mu.unwrap_or(0.0),
            pairing: p.pairing.unwrap_or_default().into(),
        }),
        RuleKind::Triplet => StdpRule::Triplet(p.triplet().expect("validated: preset given")),
    }
}

fn lif_params(g: &GroupConfig) -> LifParams {
    let d = LifParams::default();
    LifParams {
        v_rest: g.v_rest.map_or(d.v_rest, |v| v.get()),
        v_th: g.v_th.map_or(d.v_th, |v| v.get()),
        v_reset: g.v_reset.map_or(d.v_reset, |v| v.get()),
        tau_m: g.tau_m.map_or(d.tau_m, |t| t.get()),
        t_ref: g.t_ref.map_or(d.t_ref, |t| t.get()),
        tau_e: g.tau_e.map_or(d.tau_e, |t| t.get()),
        e_e: g.e_e.map_or(d.e_e, |v| v.get()),
    }
}

enum MonitorHandle {
    /// Spikes go to a temporary file in the run folder.
    Spikes,
    Samples(StateMonitorId, Vec<usize>),
    Rate(RateMonitorId),
}

struct Built {
    net: Network,
    synapses: BTreeMap<String, SynapsesId>,
    initial_weights: BTreeMap<String, Vec<f64>>,
    groups: BTreeMap<String, PopulationId>,
    monitors: BTreeMap<String, MonitorHandle>,
}

fn build(e: &SpikingExperiment, run_dir: &RunDir) -> Result<Built> {
    let dt = e.run.dt.get();
    let mut net = Network::new(dt, e.seed).map_err(|err| input_error(err.to_string()))?;

    // groups, in name order
    let mut groups = BTreeMap::new();
    for (name, g) in &e.groups {
        let context = || format!("invalid group {name:?}");
        let id = match g.kind {
            GroupKind::Poisson => net
                .add_poisson(vec![g.rate.map_or(0.0, |r| r.get()); g.n])
                .with_context(context)?,
            GroupKind::Lif => {
                let params = lif_params(g);
                let mut group = LifGroup::new(g.n, params).with_context(context)?;
                if let Some(v) = g.v_init {
                    group.v_mut().fill(v.get());
                }
                net.add_lif(group).with_context(context)?
            }
            GroupKind::SpikeGenerator => {
                let spikes: Vec<(usize, f64)> = g
                    .indices
                    .iter()
                    .flatten()
                    .zip(g.times.iter().flatten())
                    .map(|(&i, t)| (i, t.get()))
                    .collect();
                net.add_spike_generator(&SpikeGenerator::new(g.n, &spikes))
                    .with_context(context)?
            }
        };
        groups.insert(name.clone(), id);
    }

    // synapse groups, in name order
    let mut synapses = BTreeMap::new();
    let mut initial_weights = BTreeMap::new();
    for (name, s) in &e.synapses {
        let connectivity = match s.connect {
            ConnectKind::AllToAll => Connectivity::AllToAll,
            ConnectKind::OneToOne => Connectivity::OneToOne,
            ConnectKind::Probability => Connectivity::Probability(s.p.unwrap_or(0.0)),
        };
        let weights = match (s.weight, s.weight_low, s.weight_high) {
            (Some(w), _, _) => InitialWeights::Constant(w),
            (None, Some(low), Some(high)) => InitialWeights::Uniform { low, high },
            _ => unreachable!("validated: a weight is given"),
        };
        let target = match s.target {
            TargetKind::Voltage => SynapseTarget::Voltage,
            TargetKind::Conductance => SynapseTarget::Conductance,
            TargetKind::None => SynapseTarget::None,
        };
        let spec = SynapseSpec::new(connectivity, 0.0)
            .weights(weights)
            .delays(Delays::Constant(s.delay.map_or(0.0, |d| d.get())))
            .target(target);
        let context = || format!("invalid synapse group {name:?}");
        let id = net
            .connect(groups[&s.pre], groups[&s.post], &spec)
            .with_context(context)?;
        if let Some(p) = &s.plasticity {
            net.set_plasticity(id, build_rule(p))
                .with_context(context)?;
        }
        initial_weights.insert(name.clone(), net.synapses(id).weights().to_vec());
        synapses.insert(name.clone(), id);
    }

    // the experiment's monitors
    let steps = (e.run.duration.get() / dt).round() as u64;
    let mut monitors = BTreeMap::new();
    for (name, m) in &e.monitors {
        let context = || format!("invalid monitor {name:?}");
        let indices = |len: usize| -> Result<Vec<usize>> {
            let indices = match (&m.indices, m.first) {
                (Some(list), _) => list.clone(),
                (None, Some(first)) => (0..first).collect(),
                (None, None) => (0..len).collect(),
            };
            if let Some(bad) = indices.iter().find(|&&i| i >= len) {
                return Err(input_error(format!(
                    "monitor {name:?}: index {bad} is out of range; there are {len}"
                )));
            }
            Ok(indices)
        };
        let handle = match m.kind {
            MonitorKind::Spikes => {
                let id = groups[m.group.as_deref().unwrap_or_default()];
                let subset = match (&m.indices, m.first) {
                    (None, None) => None,
                    _ => Some(indices(net.population_len(id))?),
                };
                let sink = SpikeFileSink::create(run_dir.temp_path(&format!("{name}.spikes")))?;
                net.monitor_spikes(id, subset.as_deref(), Box::new(sink))
                    .with_context(context)?;
                MonitorHandle::Spikes
            }
            MonitorKind::Weights | MonitorKind::State => {
                let (variable, len) = if m.kind == MonitorKind::Weights {
                    let id = synapses[m.synapses.as_deref().unwrap_or_default()];
                    (Variable::Weight(id), net.synapses(id).len())
                } else {
                    let id = groups[m.group.as_deref().unwrap_or_default()];
                    let variable = match m.variable {
                        Some(StateVariable::G) => Variable::G(id),
                        _ => Variable::V(id),
                    };
                    (variable, net.population_len(id))
                };
                let indices = indices(len)?;
                let interval = m.interval.map_or(dt, |t| t.get());
                let expected = steps.div_ceil(((interval / dt).round() as u64).max(1));
                let sink = NpySampleSink::create(
                    &run_dir.temp_path(&format!("{name}.npy")),
                    &run_dir.temp_path(&format!("{name}_t_ms.npy")),
                    indices.len(),
                    dt,
                    expected,
                    KEPT_SAMPLES,
                )?;
                let monitor = net
                    .monitor_state(variable, &indices, interval, Box::new(sink))
                    .with_context(context)?;
                MonitorHandle::Samples(monitor, indices)
            }
            MonitorKind::Rate => {
                let id = groups[m.group.as_deref().unwrap_or_default()];
                let bin = m.bin.map_or(dt, |t| t.get());
                let monitor = net
                    .monitor_rate(id, bin, Box::new(SampleRecord::new(1)))
                    .with_context(context)?;
                MonitorHandle::Rate(monitor)
            }
        };
        monitors.insert(name.clone(), handle);
    }

    Ok(Built {
        net,
        synapses,
        initial_weights,
        groups,
        monitors,
    })
}

/// Runs `e` and writes its outputs.
pub fn run(e: &SpikingExperiment, source: &Source, options: &RunOptions) -> Result<()> {
    let start = Instant::now();
    let out_dir = options
        .out_dir
        .clone()
        .unwrap_or_else(|| Path::new("runs").join(&e.name));
    let mut run_dir = RunDir::create(&out_dir)?;

    // Network.
    let mut built = build(e, &run_dir)?;
    let steps = built
        .net
        .clock()
        .duration_to_steps("run duration", e.run.duration.get())
        .map_err(|err| input_error(format!("invalid key `run.duration`: {err}")))?;
    let build_time = start.elapsed().as_secs_f64();

    // Run in segments, so the progress bar moves.
    let mut progress = Progress::new(steps, options.quiet, "steps");
    let run_start = Instant::now();
    let mut done = 0;
    while done < steps {
        let segment = SEGMENT_STEPS.min(steps - done);
        built.net.run_steps(segment)?;
        done += segment;
        progress.update(done);
    }
    let run_time = run_start.elapsed().as_secs_f64();
    progress.finish();

    // Statistics and warnings.
    let dt = e.run.dt.get();
    let seconds = steps as f64 * dt * 1e-3;
    let mut warnings = Vec::new();
    let mut group_stats = serde_json::Map::new();
    let mut spike_totals = BTreeMap::new();
    for (name, &group) in &built.groups {
        let counts = built.net.spike_counts(group);
        let total: u64 = counts.iter().sum();
        let silent = counts.iter().filter(|&&c| c == 0).count();
        spike_totals.insert(name.clone(), total);
        group_stats.insert(
            name.clone(),
            json!({
                "kind": e.groups[name].kind,
                "n": counts.len(),
                "spikes": total,
                "mean_rate_hz": total as f64 / (counts.len() as f64 * seconds),
                "silent_neurons": silent,
            }),
        );
    }
    let synapse_stats = synapse_statistics(e, &built, &mut run_dir)?;
    for (name, s) in &e.synapses {
        let Some(p) = &s.plasticity else { continue };
        let outside = built.initial_weights[name]
            .iter()
            .filter(|&&w| w < p.w_min || w > p.w_max)
            .count();
        if outside > 0 {
            warnings.push(format!(
                "{outside} initial weights of `{name}` lie outside [w_min, w_max] = [{}, {}], \
                 so STDP clipped them at their first update; set synapses.{name}.plasticity.w_min \
                 and w_max to include the initial weights",
                p.w_min, p.w_max
            ));
        }
    }
    silence_warnings(
        e,
        &built,
        &spike_totals,
        &synapse_stats,
        seconds,
        &mut warnings,
    );

    // Monitors' outputs and figures.
    let mut monitor_stats = serde_json::Map::new();
    for (name, handle) in &built.monitors {
        let stats = write_monitor(e, name, handle, &built, &mut run_dir)?;
        monitor_stats.insert(name.clone(), stats);
    }
    if e.output.figures {
        for (name, stats) in &synapse_stats {
            if let Some(hist) = stats.get("histogram") {
                histogram_figure(e, name, hist, &mut run_dir)?;
            }
        }
    }

    let summary = json!({
        "experiment": e.name,
        "source": source.describe(),
        "hebbian_version": env!("CARGO_PKG_VERSION"),
        "seed": e.seed,
        "parameters": e,
        "steps": steps,
        "simulated_time_s": seconds,
        "groups": group_stats,
        "synapses": synapse_stats,
        "monitors": monitor_stats,
        "warnings": warnings,
        "build_time_s": build_time,
        "run_time_s": run_time,
        "wall_time_s": start.elapsed().as_secs_f64(),
        "outputs": run_dir.written().iter().cloned().chain(["summary.json".to_string()]).collect::<Vec<_>>(),
    });
    run_dir.json("summary.json", &summary)?;

    // Report.
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    if !options.quiet {
        outln!(
            "{}: {seconds} s simulated in {run_time:.3} s ({steps} steps of {dt} ms), seed {}",
            e.name,
            e.seed
        );
        for (name, stats) in &group_stats {
            outln!(
                "  group {name}: {} spikes, {:.3} Hz per neuron",
                stats["spikes"],
                stats["mean_rate_hz"].as_f64().unwrap_or(0.0)
            );
        }
        for (name, stats) in &synapse_stats {
            if let (Some(bottom), Some(top)) = (
                stats.get("fraction_bottom_tenth").and_then(Value::as_f64),
                stats.get("fraction_top_tenth").and_then(Value::as_f64),
            ) {
                outln!(
                    "  synapses {name}: {:.1} % of weights in the bottom tenth of [w_min, w_max], {:.1} % in the top tenth",
                    100.0 * bottom,
                    100.0 * top
                );
            }
        }
        outln!("outputs in {}", run_dir.path().display());
    }
    Ok(())
}

/// Final weights of every synapse group, and their histogram for plastic ones.
fn synapse_statistics(
    e: &SpikingExperiment,
    built: &Built,
    run_dir: &mut RunDir,
) -> Result<BTreeMap<String, Value>> {
    let mut stats = BTreeMap::new();
    for (name, &id) in &built.synapses {
        let syn = built.net.synapses(id);
        let w = syn.weights();
        let initial = &built.initial_weights[name];
        let changed = w.iter().zip(initial).filter(|(a, b)| a != b).count();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let mut entry = json!({
            "n": w.len(),
            "mean_initial_weight": mean(initial),
            "mean_final_weight": mean(w),
            "weights_changed": changed,
        });
        if let Some(p) = &e.synapses[name].plasticity {
            let bins = e.output.histogram_bins;
            let (lo, hi) = (p.w_min, p.w_max);
            let mut counts = vec![0u64; bins];
            let (mut bottom, mut top) = (0u64, 0u64);
            for &x in w {
                let u = ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
                counts[((u * bins as f64) as usize).min(bins - 1)] += 1;
                bottom += (u < 0.1) as u64;
                top += (u >= 0.9) as u64;
            }
            let n = w.len().max(1) as f64;
            let (bottom, top) = (bottom as f64 / n, top as f64 / n);
            let middle_per_tenth = (1.0 - bottom - top) / 8.0;
            let edges: Vec<f64> = (0..=bins)
                .map(|b| lo + (hi - lo) * b as f64 / bins as f64)
                .collect();
            entry["histogram"] = json!({ "edges": edges, "counts": counts });
            entry["fraction_bottom_tenth"] = json!(bottom);
            entry["fraction_top_tenth"] = json!(top);
            entry["mean_fraction_per_middle_tenth"] = json!(middle_per_tenth);
            // bimodal: each end tenth contains more than twice the mean of the middle tenths
            entry["bimodal"] =
                json!(bottom > 2.0 * middle_per_tenth && top > 2.0 * middle_per_tenth);
        }
        let pre: Vec<i64> = syn.pre().iter().map(|&j| j as i64).collect();
        let post: Vec<i64> = syn.post().iter().map(|&i| i as i64).collect();
        run_dir.npz_with(&format!("synapses_{name}.npz"), |npz| {
            npz.add_array("w", &Array1::from(w.to_vec()))?;
            npz.add_array("w_initial", &Array1::from(initial.clone()))?;
            npz.add_array("pre", &Array1::from(pre))?;
            npz.add_array("post", &Array1::from(post))?;
            Ok(())
        })?;
        stats.insert(name.clone(), entry);
    }
    Ok(stats)
}

/// Warns about LIF groups that never fired, with the mean drive of their Poisson inputs
/// and what would make them fire.
fn silence_warnings(
    e: &SpikingExperiment,
    built: &Built,
    spike_totals: &BTreeMap<String, u64>,
    synapse_stats: &BTreeMap<String, Value>,
    seconds: f64,
    warnings: &mut Vec<String>,
) {
    for (name, g) in &e.groups {
        if g.kind != GroupKind::Lif || spike_totals[name] != 0 {
            continue;
        }
        let params = lif_params(g);
        let gap = params.v_th - params.v_rest;
        let mut message = format!(
            "group `{name}` fired no spikes in {seconds} s (all {} neurons silent)",
            g.n
        );

        // mean drive from current-based synapses with Poisson inputs: sum of w·rate·τ_m
        let mut drive = 0.0;
        let mut explained = Vec::new();
        for (syn_name, s) in &e.synapses {
            let pre = &e.groups[&s.pre];
            if s.post != *name || s.target != TargetKind::Voltage || pre.kind != GroupKind::Poisson
            {
                continue;
            }
            let syn = built.net.synapses(built.synapses[syn_name]);
            let rate = pre.rate.map_or(0.0, |r| r.get());
            let total_w: f64 = syn.weights().iter().sum();
            let per_neuron_inputs = syn.len() as f64 / g.n as f64;
            let mean_w = total_w / syn.len().max(1) as f64;
            let part = total_w / g.n as f64 * rate * params.tau_m * 1e-3;
            drive += part;
            explained.push((syn_name.clone(), per_neuron_inputs, mean_w, rate, part));
        }
        if drive > 0.0 && drive < gap {
            let parts: Vec<String> = explained
                .iter()
                .map(|(_, k, w, r, _)| {
                    format!(
                        "{k:.1} inputs per neuron x {w} mV x {r} Hz x tau_m {} ms",
                        params.tau_m
                    )
                })
                .collect();
            message.push_str(&format!(
                ": the mean input raises v only about {drive:.2} mV above v_rest ({}), \
                 far below the {gap} mV from v_rest to v_th, so no neuron reaches threshold",
                parts.join(" + ")
            ));
        } else if gap > 0.0 {
            message.push_str(&format!(": v never rose the {gap} mV from v_rest to v_th"));
        }

        // the plastic synapses onto the group never saw a postsynaptic spike
        let plastic: Vec<&String> = e
            .synapses
            .iter()
            .filter(|(_, s)| s.post == *name && s.plasticity.is_some())
            .map(|(n, _)| n)
            .collect();
        for syn_name in &plastic {
            let changed = synapse_stats[*syn_name]["weights_changed"]
                .as_u64()
                .unwrap_or(0);
            if changed == 0 {
                message.push_str(&format!(
                    "; without postsynaptic spikes the postsynaptic trace stays 0, so STDP never \
                     potentiated or depressed and the weights of `{syn_name}` never changed"
                ));
            } else {
                message.push_str(&format!(
                    "; without postsynaptic spikes STDP could only depress, and {changed} weights of `{syn_name}` changed"
                ));
            }
        }

        // what would make it fire
        if let Some((syn_name, _, mean_w, _, _)) = explained.first()
            && drive > 0.0
            && drive < gap
        {
            let needed = mean_w * gap / drive;
            let mut example = format!("--set synapses.{syn_name}.weight={}", needed.ceil());
            let mut bound = String::new();
            if let Some(p) = &e.synapses[syn_name].plasticity
                && p.w_max < needed
            {
                // STDP clips w to [w_min, w_max] at every update, so the bound must move too
                bound = format!(
                    " together with its upper bound w_max (now {}), which STDP enforces at every update",
                    p.w_max
                );
                example.push_str(&format!(
                    " --set synapses.{syn_name}.plasticity.w_max={}",
                    2.0 * needed.ceil()
                ));
            }
            message.push_str(&format!(
                ". To make it fire and learn, raise the weight to about {needed:.1} mV or more{bound} \
                 (for example {example}), or give each neuron more or faster inputs (a higher \
                 connection probability or input rate)"
            ));
        } else {
            message.push_str(". Stronger, more or faster inputs would make it fire");
        }
        warnings.push(message);
    }
}

/// Writes a monitor's data and figure; returns its summary entry.
fn write_monitor(
    e: &SpikingExperiment,
    name: &str,
    handle: &MonitorHandle,
    built: &Built,
    run_dir: &mut RunDir,
) -> Result<Value> {
    let dt = e.run.dt.get();
    let config = &e.monitors[name];
    match handle {
        MonitorHandle::Spikes => {
            let temp = run_dir.temp_path(&format!("{name}.spikes"));
            let record = read_spike_file(&temp)?;
            std::fs::remove_file(&temp)
                .with_context(|| format!("failed to remove {}", temp.display()))?;
            let t: Vec<f64> = record.steps.iter().map(|&s| s as f64 * dt).collect();
            let neuron: Vec<i64> = record.neurons.iter().map(|&i| i as i64).collect();
            let step: Vec<i64> = record.steps.iter().map(|&s| s as i64).collect();
            run_dir.npz_with(&format!("{name}.npz"), |npz| {
                npz.add_array("t_ms", &Array1::from(t.clone()))?;
                npz.add_array("step", &Array1::from(step))?;
                npz.add_array("neuron", &Array1::from(neuron))?;
                Ok(())
            })?;
            let group = config.group.clone().unwrap_or_default();
            if e.output.figures {
                let shown = t.len().min(e.output.raster_max_spikes);
                let x: Vec<f64> = t[..shown].iter().map(|ms| ms * 1e-3).collect();
                let y: Vec<f64> = record.neurons[..shown].iter().map(|&i| i as f64).collect();
                let title = if shown < t.len() {
                    format!(
                        "{}: spikes of {group} (first {shown} of {})",
                        e.name,
                        t.len()
                    )
                } else {
                    format!("{}: spikes of {group} ({} spikes)", e.name, t.len())
                };
                Chart {
                    stem: &format!("raster_{name}"),
                    title: &title,
                    x_label: "time (s)",
                    y_label: "neuron",
                    lines: Vec::new(),
                    points: vec![(String::new(), x, y)],
                    point_size: 1,
                    bars: Vec::new(),
                    faint: false,
                }
                .write(run_dir)?;
            }
            Ok(json!({ "kind": "spikes", "group": group, "spikes": t.len() }))
        }
        MonitorHandle::Samples(id, indices) => {
            let sink = built
                .net
                .state_sink::<NpySampleSink>(*id)
                .expect("sample sink");
            sink.sync().context("failed to write monitor files")?;
            run_dir.adopt(&format!("{name}.npy"))?;
            run_dir.adopt(&format!("{name}_t_ms.npy"))?;
            let idx = Array1::from(indices.iter().map(|&i| i as i64).collect::<Vec<_>>());
            run_dir.npy(&format!("{name}_indices.npy"), &idx)?;
            if e.output.figures {
                let width = indices.len();
                let x: Vec<f64> = sink.kept_t.iter().map(|ms| ms * 1e-3).collect();
                let lines = (0..width)
                    .map(|j| {
                        let y = sink.kept.iter().skip(j).step_by(width).copied().collect();
                        (String::new(), x.clone(), y)
                    })
                    .collect();
                let (what, unit) = match config.kind {
                    MonitorKind::Weights => (
                        format!("weights of {}", config.synapses.as_deref().unwrap_or("")),
                        "w",
                    ),
                    _ => match config.variable {
                        Some(StateVariable::G) => (
                            format!("g of {}", config.group.as_deref().unwrap_or("")),
                            "g",
                        ),
                        _ => (
                            format!("v of {}", config.group.as_deref().unwrap_or("")),
                            "v (mV)",
                        ),
                    },
                };
                Chart {
                    stem: name,
                    title: &format!("{}: {what} ({width} recorded)", e.name),
                    x_label: "time (s)",
                    y_label: unit,
                    lines,
                    points: Vec::new(),
                    point_size: 1,
                    bars: Vec::new(),
                    faint: true,
                }
                .write(run_dir)?;
            }
            Ok(json!({ "kind": config.kind, "samples": sink.rows(), "width": indices.len() }))
        }
        MonitorHandle::Rate(id) => {
            let record = built.net.rates(*id).expect("rate record");
            let t: Vec<f64> = record.steps.iter().map(|&s| s as f64 * dt).collect();
            run_dir.npz(
                &format!("{name}.npz"),
                &[
                    ("t_ms", Array1::from(t.clone()).into_dyn()),
                    ("rate_hz", Array1::from(record.values.clone()).into_dyn()),
                ],
            )?;
            let group = config.group.clone().unwrap_or_default();
            if e.output.figures && !t.is_empty() {
                let x: Vec<f64> = t.iter().map(|ms| ms * 1e-3).collect();
                Chart {
                    stem: name,
                    title: &format!("{}: rate of {group} per neuron", e.name),
                    x_label: "time (s)",
                    y_label: "rate (Hz)",
                    lines: vec![(String::new(), x, record.values.clone())],
                    points: Vec::new(),
                    point_size: 1,
                    bars: Vec::new(),
                    faint: false,
                }
                .write(run_dir)?;
            }
            let tenth = (record.values.len() / 10).max(1);
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
            let n = record.values.len();
            Ok(json!({
                "kind": "rate",
                "group": group,
                "bins": n,
                "first_bin_hz": record.values.first(),
                "last_bin_hz": record.values.last(),
                "mean_first_tenth_hz": mean(&record.values[..tenth.min(n)]),
                "mean_last_tenth_hz": mean(&record.values[n.saturating_sub(tenth)..]),
            }))
        }
    }
}

fn histogram_figure(
    e: &SpikingExperiment,
    name: &str,
    hist: &Value,
    run_dir: &mut RunDir,
) -> Result<()> {
    let floats = |v: &Value| -> Vec<f64> {
        v.as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default()
    };
    let edges = floats(&hist["edges"]);
    let counts = floats(&hist["counts"]);
    let total: f64 = counts.iter().sum::<f64>().max(1.0);
    let fractions: Vec<f64> = counts.iter().map(|c| c / total).collect();
    let bins = counts.len();
    let tenth = |range: std::ops::Range<usize>| -> f64 { range.map(|b| fractions[b]).sum::<f64>() };
    let title = if bins % 10 == 0 {
        let per = bins / 10;
        format!(
            "{}: final weights of {name} ({:.0} % in the bottom tenth, {:.0} % in the top tenth)",
            e.name,
            100.0 * tenth(0..per),
            100.0 * tenth(bins - per..bins)
        )
    } else {
        format!("{}: final weights of {name}", e.name)
    };
    Chart {
        stem: &format!("weight_histogram_{name}"),
        title: &title,
        x_label: "w",
        y_label: "fraction of synapses",
        lines: Vec::new(),
        points: Vec::new(),
        point_size: 1,
        bars: vec![(String::new(), edges, fractions)],
        faint: false,
    }
    .write(run_dir)
}
