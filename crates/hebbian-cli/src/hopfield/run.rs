//! Runs a Hopfield experiment and writes its outputs.
//!
//! Recall experiments (no `[capacity]` section) write:
//!
//! | file | content |
//! |---|---|
//! | `patterns.npy` | stored patterns, `int8` ±1, shape `(P, N)` |
//! | `cues.npy` | cues, `int8`, shape `(n_cues, P, N)`: entry `[c, mu]` is cue `c` of pattern `mu` |
//! | `recalled_RULE.npy` | final states, `int8`, shape `(n_cues, P, N)`, per storage rule |
//! | `recall.csv` | one row per rule, cue and pattern: overlaps, best match, outcome, sweeps |
//! | `recall_RULE.png/.svg` | cue, recall and original side by side (image patterns only) |
//!
//! Load sweeps (`[capacity]`) write `capacity.csv`, `capacity.npz` (`load`,
//! `n_patterns`, `mean_overlap` and `fraction_recalled`, the last two of shape
//! `(n_rules * n_cues, n_loads)`) and `capacity.png/.svg`. Both write `summary.json`.
//!
//! The overlap of a final state `s` with a pattern `ξ` is `m = (1/N) Σ_i s_i ξ_i`. A
//! recall's outcome is `recalled` when `m ≥ recalled_overlap` with its own pattern,
//! `other-pattern` when that holds for another stored pattern, `reversed` when
//! `m ≤ −recalled_overlap` for some pattern, and `mixture-or-spurious` otherwise.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use hebbian::memory::{
    HEBBIAN_CRITICAL_LOAD, HebbianScale, Hopfield, Patterns, Recall, RecallSettings, StopReason,
    StorageRule, UpdateOrder, overlap, random_patterns,
};
use hebbian::rng;
use ndarray::{Array2, Array3, ArrayD};
use serde_json::{Value, json};

use super::config::{HopfieldExperiment, RuleName, ScaleName, UpdateName};
use super::patterns::{self, BuiltPatterns};
use crate::data::DataLocation;
use crate::experiment::{RunOptions, Source};
use crate::output::RunDir;
use crate::plot::{Colours, ImageGrid, LinePlot};
use crate::progress::Progress;

/// Stream of the flips that make cues.
const CUE_STREAM: u64 = 7;
/// Streams of the random patterns of load `k` in a sweep are `SWEEP_PATTERNS + k`.
const SWEEP_PATTERNS: u64 = 1_000;
/// Streams of the cues of load `k` in a sweep are `SWEEP_CUES + k`.
const SWEEP_CUES: u64 = 100_000;
/// Mean absolute overlap between stored patterns above which the Hebbian rule is
/// warned about: its capacity estimate assumes uncorrelated patterns, whose overlaps
/// are of order `1/√N`.
const CORRELATION_WARNING: f64 = 0.2;

/// Runs `experiment` and writes its outputs.
pub fn run(experiment: &HopfieldExperiment, source: &Source, options: &RunOptions) -> Result<()> {
    let out_dir = options
        .out_dir
        .clone()
        .unwrap_or_else(|| Path::new("runs").join(&experiment.name));
    if experiment.capacity.is_some() {
        run_capacity(experiment, source, options, &out_dir)
    } else {
        run_recall(experiment, source, options, &out_dir)
    }
}

fn storage_rule(experiment: &HopfieldExperiment, name: RuleName) -> StorageRule {
    match name {
        RuleName::Hebbian => StorageRule::Hebbian(match experiment.storage.hebbian_scale {
            ScaleName::PerPattern => HebbianScale::PerPattern,
            ScaleName::PerUnit => HebbianScale::PerUnit,
        }),
        RuleName::Storkey => StorageRule::Storkey,
        RuleName::PseudoInverse => StorageRule::PseudoInverse,
    }
}

fn recall_settings(experiment: &HopfieldExperiment) -> RecallSettings {
    let update = match experiment.recall.update {
        UpdateName::Sequential => UpdateOrder::Sequential,
        UpdateName::Random => UpdateOrder::Random {
            seed: experiment.seed,
        },
        UpdateName::Synchronous => UpdateOrder::Synchronous,
    };
    RecallSettings {
        update,
        max_sweeps: experiment.recall.max_sweeps,
    }
}

fn stop_name(stop: StopReason) -> &'static str {
    match stop {
        StopReason::FixedPoint => "fixed-point",
        StopReason::TwoCycle => "two-cycle",
        StopReason::SweepLimit => "sweep-limit",
    }
}

/// Relation of a final state to the stored patterns.
struct Outcome {
    /// Overlap with the pattern the cue came from.
    own: f64,
    /// Stored pattern with the largest overlap, and that overlap.
    best: (usize, f64),
    /// `recalled`, `other-pattern`, `reversed` or `mixture-or-spurious`.
    kind: &'static str,
}

fn classify(state: &[i8], target: usize, patterns: &Patterns, threshold: f64) -> Outcome {
    let overlaps: Vec<f64> = patterns.iter().map(|xi| overlap(state, xi)).collect();
    let mut best = (0, f64::NEG_INFINITY);
    for (mu, &m) in overlaps.iter().enumerate() {
        if m > best.1 {
            best = (mu, m);
        }
    }
    let own = overlaps[target];
    let kind = if own >= threshold {
        "recalled"
    } else if best.1 >= threshold {
        "other-pattern"
    } else if overlaps.iter().any(|&m| m <= -threshold) {
        "reversed"
    } else {
        "mixture-or-spurious"
    };
    Outcome { own, best, kind }
}

// --- Recall of given patterns ---

fn run_recall(
    experiment: &HopfieldExperiment,
    source: &Source,
    options: &RunOptions,
    out_dir: &Path,
) -> Result<()> {
    let start = Instant::now();
    let location = DataLocation {
        data_dir: options.data_dir.as_deref(),
        source,
    };
    let built = patterns::build(experiment, &location)?;
    let BuiltPatterns {
        patterns,
        names,
        image_shape,
        info,
    } = &built;
    let (p, n) = (patterns.len(), patterns.n_units());

    // Cues, shared by every rule.
    let mut generator = rng::stream(experiment.seed, CUE_STREAM);
    let mut cues = Vec::with_capacity(experiment.cues.len());
    for cue in &experiment.cues {
        let mut per_pattern = Vec::with_capacity(p);
        for xi in patterns.iter() {
            per_pattern.push(patterns::make_cue(cue, xi, *image_shape, &mut generator)?);
        }
        cues.push(per_pattern);
    }

    // Pairwise overlaps of the stored patterns: correlated patterns share attractors.
    let pair_overlaps =
        Array2::from_shape_fn((p, p), |(a, b)| overlap(patterns.get(a), patterns.get(b)));
    let off_diagonal: Vec<f64> = (0..p)
        .flat_map(|a| (0..p).filter(move |&b| b != a).map(move |b| (a, b)))
        .map(|(a, b)| pair_overlaps[[a, b]].abs())
        .collect();
    let mean_abs_overlap = if off_diagonal.is_empty() {
        0.0
    } else {
        off_diagonal.iter().sum::<f64>() / off_diagonal.len() as f64
    };

    // Store and recall with each rule.
    let settings = recall_settings(experiment);
    let threshold = experiment.recall.recalled_overlap;
    let mut warnings = Vec::new();
    let mut run_dir = RunDir::create(out_dir)?;
    let mut csv = String::from(
        "rule,cue,pattern,name,cue_overlap,final_overlap,best_pattern,best_overlap,outcome,sweeps,stop\n",
    );
    let mut rule_results = Vec::new();
    let mut report = Vec::new();
    let mut finals_by_rule = Vec::new();
    for &name in &experiment.storage.rules {
        let rule = storage_rule(experiment, name);
        let store_start = Instant::now();
        let net = Hopfield::store(patterns, rule)?;
        let storage_time = store_start.elapsed().as_secs_f64();
        if let Some(warning) = net.capacity_warning() {
            warnings.push(warning.to_string());
        }
        if matches!(rule, StorageRule::Hebbian(_))
            && p > 1
            && mean_abs_overlap > CORRELATION_WARNING
        {
            warnings.push(format!(
                "the stored patterns are correlated (mean |overlap| between pairs {mean_abs_overlap:.2}); \
                 the hebbian rule's capacity of {HEBBIAN_CRITICAL_LOAD} assumes uncorrelated \
                 patterns, so expect mixture states even at this load of {:.3}; the \
                 pseudo-inverse rule stores correlated patterns",
                net.load()
            ));
        }

        let recall_start = Instant::now();
        let mut finals = Array3::<i8>::zeros((cues.len(), p, n));
        let mut recalls = Vec::new();
        let mut counts = std::collections::BTreeMap::<&str, usize>::new();
        for (c, per_pattern) in cues.iter().enumerate() {
            for (mu, cue) in per_pattern.iter().enumerate() {
                let recall: Recall = net.recall(cue, &settings)?;
                let outcome = classify(&recall.state, mu, patterns, threshold);
                *counts.entry(outcome.kind).or_default() += 1;
                finals
                    .slice_mut(ndarray::s![c, mu, ..])
                    .iter_mut()
                    .zip(&recall.state)
                    .for_each(|(dst, &v)| *dst = v);
                let cue_overlap = overlap(cue, patterns.get(mu));
                let label = experiment.cues[c].label();
                writeln!(
                    csv,
                    "{},{},{mu},{},{cue_overlap:.6},{:.6},{},{:.6},{},{},{}",
                    rule.name(),
                    csv_field(&label),
                    csv_field(&names[mu]),
                    outcome.own,
                    outcome.best.0,
                    outcome.best.1,
                    outcome.kind,
                    recall.sweeps,
                    stop_name(recall.stop)
                )?;
                recalls.push(json!({
                    "cue": label,
                    "pattern": mu,
                    "name": names[mu],
                    "cue_overlap": cue_overlap,
                    "final_overlap": outcome.own,
                    "best_pattern": outcome.best.0,
                    "best_overlap": outcome.best.1,
                    "outcome": outcome.kind,
                    "sweeps": recall.sweeps,
                    "stop": stop_name(recall.stop),
                    "energy_start": recall.energy.first(),
                    "energy_end": recall.energy.last(),
                }));
            }
        }
        let recall_time = recall_start.elapsed().as_secs_f64();
        let recalled = counts.get("recalled").copied().unwrap_or(0);
        let total = cues.len() * p;
        report.push(format!(
            "{}: {recalled} of {total} cues recalled their own pattern (overlap >= {threshold}); {}",
            rule.name(),
            counts
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        rule_results.push(json!({
            "rule": rule.name(),
            "load": net.load(),
            "critical_load": rule.critical_load(n),
            "capacity_warning": net.capacity_warning().map(|w| w.to_string()),
            "outcomes": counts,
            "recalled": recalled,
            "recalls": recalls,
            "storage_time_s": storage_time,
            "recall_time_s": recall_time,
        }));
        run_dir.npy(&format!("recalled_{}.npy", rule.name()), &finals)?;
        finals_by_rule.push((rule, finals));
    }

    // Outputs.
    let pattern_array = Array2::from_shape_vec((p, n), patterns.values().to_vec())?;
    run_dir.npy("patterns.npy", &pattern_array)?;
    let mut cue_array = Array3::<i8>::zeros((cues.len(), p, n));
    for (c, per_pattern) in cues.iter().enumerate() {
        for (mu, cue) in per_pattern.iter().enumerate() {
            for (i, &v) in cue.iter().enumerate() {
                cue_array[[c, mu, i]] = v;
            }
        }
    }
    run_dir.npy("cues.npy", &cue_array)?;
    run_dir.text("recall.csv", &csv)?;
    if experiment.output.figures
        && let Some(shape) = *image_shape
    {
        for (rule, finals) in &finals_by_rule {
            recall_figure(&mut run_dir, experiment, &built, &cues, rule, finals, shape)?;
        }
    }
    let summary = json!({
        "experiment": experiment.name,
        "family": "hopfield",
        "source": source.describe(),
        "hebbian_version": env!("CARGO_PKG_VERSION"),
        "seed": experiment.seed,
        "parameters": experiment,
        "patterns": info,
        "n_units": n,
        "n_patterns": p,
        "fraction_plus": patterns.fraction_plus(),
        "pattern_overlaps": pair_overlaps.outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
        "mean_abs_pattern_overlap": mean_abs_overlap,
        "outcome_definitions": {
            "recalled": "overlap with its own pattern >= recall.recalled_overlap",
            "other-pattern": "overlap with another stored pattern >= recall.recalled_overlap",
            "reversed": "overlap <= -recall.recalled_overlap with some stored pattern",
            "mixture-or-spurious": "none of the above: a mixture of stored patterns or a spurious state",
        },
        "rules": rule_results,
        "warnings": warnings,
        "wall_time_s": start.elapsed().as_secs_f64(),
        "outputs": run_dir.written().iter().cloned().chain(["summary.json".to_string()]).collect::<Vec<_>>(),
    });
    run_dir.json("summary.json", &summary)?;

    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    if !options.quiet {
        outln!(
            "{}: {p} patterns of {n} units, {} cues each, seed {}",
            experiment.name,
            cues.len(),
            experiment.seed
        );
        for line in &report {
            outln!("  {line}");
        }
        outln!("outputs in {}", run_dir.path().display());
    }
    Ok(())
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// One row per pattern and cue: the cue, the final state and the stored pattern.
fn recall_figure(
    run_dir: &mut RunDir,
    experiment: &HopfieldExperiment,
    built: &BuiltPatterns,
    cues: &[Vec<Vec<i8>>],
    rule: &StorageRule,
    finals: &Array3<i8>,
    shape: (usize, usize),
) -> Result<()> {
    let patterns = &built.patterns;
    let n = patterns.n_units();
    let rows = cues.len() * patterns.len();
    let mut images = Array2::<f64>::zeros((3 * rows, n));
    let mut labels = Vec::with_capacity(3 * rows);
    let mut row = 0;
    for mu in 0..patterns.len() {
        for (c, per_pattern) in cues.iter().enumerate() {
            let state: Vec<i8> = finals.slice(ndarray::s![c, mu, ..]).to_vec();
            let xi = patterns.get(mu);
            for (k, source) in [&per_pattern[mu][..], &state[..], xi]
                .into_iter()
                .enumerate()
            {
                images
                    .row_mut(3 * row + k)
                    .iter_mut()
                    .zip(source)
                    .for_each(|(dst, &v)| *dst = v as f64);
            }
            let short = built.names[mu].split(" (").next().unwrap_or_default();
            labels.push(format!("{short}: {}", experiment.cues[c].label()));
            labels.push(format!("recall, m = {:.2}", overlap(&state, xi)));
            labels.push("original".to_string());
            row += 1;
        }
    }
    let title = format!(
        "{}: {} rule, cue | recall | original",
        experiment.name,
        rule.name()
    );
    ImageGrid {
        stem: &format!("recall_{}", rule.name()),
        title: &title,
        images: &images,
        shape,
        labels: &labels,
        cols: 3,
        colours: Colours::Ink {
            low: -1.0,
            high: 1.0,
        },
        cell: 150,
    }
    .write(run_dir)
}

// --- Load sweep ---

/// Result of one rule at one load.
struct SweepPoint {
    mean: f64,
    std: f64,
    recalled: f64,
    mean_sweeps: f64,
    not_fixed: usize,
    cues: usize,
}

fn run_capacity(
    experiment: &HopfieldExperiment,
    source: &Source,
    options: &RunOptions,
    out_dir: &Path,
) -> Result<()> {
    let start = Instant::now();
    let capacity = experiment.capacity.as_ref().expect("load sweep");
    let n = experiment.patterns.n_units.expect("validated");
    let fraction_plus = experiment.patterns.fraction_plus.unwrap_or(0.5);
    let loads = capacity.loads();
    let rules: Vec<StorageRule> = experiment
        .storage
        .rules
        .iter()
        .map(|&r| storage_rule(experiment, r))
        .collect();
    let settings = recall_settings(experiment);
    let threshold = experiment.recall.recalled_overlap;
    let n_cues = experiment.cues.len();

    // results[rule][cue][load]
    let mut results: Vec<Vec<Vec<SweepPoint>>> = (0..rules.len())
        .map(|_| (0..n_cues).map(|_| Vec::new()).collect())
        .collect();
    let mut n_patterns_per_load = Vec::with_capacity(loads.len());
    let mut storage_time = vec![0.0; rules.len()];
    let mut recall_time = vec![0.0; rules.len()];
    let mut progress = Progress::new(
        (loads.len() * rules.len()) as u64,
        options.quiet,
        "networks",
    );
    for (k, &load) in loads.iter().enumerate() {
        let p = ((load * n as f64).round() as usize).max(1);
        n_patterns_per_load.push(p);

        // The same patterns and cues for every rule.
        let mut pattern_rng = rng::stream(experiment.seed, SWEEP_PATTERNS + k as u64);
        let patterns = random_patterns(p, n, fraction_plus, &mut pattern_rng)?;
        let mut cue_rng = rng::stream(experiment.seed, SWEEP_CUES + k as u64);
        let n_recalls = p.min(capacity.max_cues);
        let mut cues = Vec::with_capacity(n_cues);
        for cue in &experiment.cues {
            let per_pattern = (0..n_recalls)
                .map(|mu| patterns::make_cue(cue, patterns.get(mu), None, &mut cue_rng))
                .collect::<Result<Vec<_>>>()?;
            cues.push(per_pattern);
        }

        for (r, &rule) in rules.iter().enumerate() {
            let t0 = Instant::now();
            let net = Hopfield::store(&patterns, rule)?;
            let t1 = Instant::now();
            for (c, per_pattern) in cues.iter().enumerate() {
                let mut overlaps = Vec::with_capacity(n_recalls);
                let mut sweeps = 0usize;
                let mut not_fixed = 0usize;
                for (mu, cue) in per_pattern.iter().enumerate() {
                    let recall = net.recall(cue, &settings)?;
                    overlaps.push(overlap(&recall.state, patterns.get(mu)));
                    sweeps += recall.sweeps;
                    if recall.stop != StopReason::FixedPoint {
                        not_fixed += 1;
                    }
                }
                let count = overlaps.len() as f64;
                let mean = overlaps.iter().sum::<f64>() / count;
                let var = overlaps
                    .iter()
                    .map(|m| (m - mean) * (m - mean))
                    .sum::<f64>()
                    / count;
                results[r][c].push(SweepPoint {
                    mean,
                    std: var.sqrt(),
                    recalled: overlaps.iter().filter(|&&m| m >= threshold).count() as f64 / count,
                    mean_sweeps: sweeps as f64 / count,
                    not_fixed,
                    cues: overlaps.len(),
                });
            }
            storage_time[r] += (t1 - t0).as_secs_f64();
            recall_time[r] += t1.elapsed().as_secs_f64();
            progress.update((k * rules.len() + r + 1) as u64);
        }
    }
    progress.finish();

    // Table.
    let mut csv = String::from(
        "rule,cue,load,n_patterns,cues,mean_overlap,std_overlap,fraction_recalled,mean_sweeps,not_fixed_point,above_critical_load\n",
    );
    let mut table = Vec::new();
    let series_count = rules.len() * n_cues;
    let mut mean_matrix = Array2::<f64>::zeros((series_count, loads.len()));
    let mut recalled_matrix = Array2::<f64>::zeros((series_count, loads.len()));
    let mut series = Vec::new();
    let mut series_names = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        for (c, cue) in experiment.cues.iter().enumerate() {
            let label = cue.label();
            let row = r * n_cues + c;
            for (k, point) in results[r][c].iter().enumerate() {
                let above = loads[k] > rule.critical_load(n);
                writeln!(
                    csv,
                    "{},{},{:.4},{},{},{:.6},{:.6},{:.6},{:.3},{},{}",
                    rule.name(),
                    csv_field(&label),
                    loads[k],
                    n_patterns_per_load[k],
                    point.cues,
                    point.mean,
                    point.std,
                    point.recalled,
                    point.mean_sweeps,
                    point.not_fixed,
                    above
                )?;
                table.push(json!({
                    "rule": rule.name(), "cue": label, "load": loads[k],
                    "n_patterns": n_patterns_per_load[k], "cues": point.cues,
                    "mean_overlap": point.mean, "std_overlap": point.std,
                    "fraction_recalled": point.recalled, "mean_sweeps": point.mean_sweeps,
                    "not_fixed_point": point.not_fixed, "above_critical_load": above,
                }));
                mean_matrix[[row, k]] = point.mean;
                recalled_matrix[[row, k]] = point.recalled;
            }
            let name = if n_cues > 1 {
                format!("{} ({label})", rule.name())
            } else {
                rule.name().to_string()
            };
            series.push((name.clone(), results[r][c].iter().map(|p| p.mean).collect()));
            series_names.push(name);
        }
    }

    // Outputs.
    let mut run_dir = RunDir::create(out_dir)?;
    run_dir.text("capacity.csv", &csv)?;
    let as_dyn = |a: Array2<f64>| -> ArrayD<f64> { a.into_dyn() };
    run_dir.npz(
        "capacity.npz",
        &[
            ("load", ndarray::Array1::from(loads.clone()).into_dyn()),
            (
                "n_patterns",
                ndarray::Array1::from_iter(n_patterns_per_load.iter().map(|&p| p as f64))
                    .into_dyn(),
            ),
            ("mean_overlap", as_dyn(mean_matrix)),
            ("fraction_recalled", as_dyn(recalled_matrix)),
        ],
    )?;
    if experiment.output.figures {
        let title = format!(
            "{}: mean final overlap, N = {n}, {} updates",
            experiment.name,
            format!("{:?}", experiment.recall.update).to_lowercase()
        );
        LinePlot {
            stem: "capacity",
            title: &title,
            x_label: "load alpha = P/N",
            y_label: "mean overlap with the stored pattern",
            x: &loads,
            series,
            log_y: false,
            vertical_lines: vec![(
                format!("hebbian critical load {HEBBIAN_CRITICAL_LOAD}"),
                HEBBIAN_CRITICAL_LOAD,
            )],
        }
        .write(&mut run_dir)?;
    }
    let timings: Vec<Value> = rules
        .iter()
        .enumerate()
        .map(|(r, rule)| {
            json!({ "rule": rule.name(), "storage_time_s": storage_time[r],
                    "recall_time_s": recall_time[r] })
        })
        .collect();
    let summary = json!({
        "experiment": experiment.name,
        "family": "hopfield",
        "source": source.describe(),
        "hebbian_version": env!("CARGO_PKG_VERSION"),
        "seed": experiment.seed,
        "parameters": experiment,
        "n_units": n,
        "loads": loads,
        "n_patterns": n_patterns_per_load,
        "series": series_names,
        "critical_loads": rules.iter().map(|r| json!({ "rule": r.name(), "critical_load": r.critical_load(n) })).collect::<Vec<_>>(),
        "table": table,
        "timings": timings,
        "wall_time_s": start.elapsed().as_secs_f64(),
        "outputs": run_dir.written().iter().cloned().chain(["summary.json".to_string()]).collect::<Vec<_>>(),
    });
    run_dir.json("summary.json", &summary)?;

    if !options.quiet {
        outln!(
            "{}: N = {n}, {} loads from {} to {}, seed {}, mean final overlap:",
            experiment.name,
            loads.len(),
            loads[0],
            loads[loads.len() - 1],
            experiment.seed
        );
        let mut header = format!("  {:>6}", "load");
        for name in &series_names {
            write!(header, " {name:>15}")?;
        }
        outln!("{header}");
        for (k, load) in loads.iter().enumerate() {
            let mut line = format!("  {load:>6.3}");
            for r in 0..rules.len() {
                for c in 0..n_cues {
                    write!(line, " {:>15.4}", results[r][c][k].mean)?;
                }
            }
            outln!("{line}");
        }
        outln!("outputs in {}", run_dir.path().display());
    }
    Ok(())
}
