//! The STDP window: the weight change after a pairing protocol as a function of
//! `delta_t = t_post − t_pre`, for several rules, optionally against measured points.
//!
//! For each `delta_t` a presynaptic and a postsynaptic spike generator fire `pairs`
//! pairs at `frequency`: pre at `t_k`, post at `t_k + delta_t`. All values of `delta_t`
//! and all rules share one network: one generator neuron per `delta_t` on each side, and
//! one synapse group per rule with one-to-one synapses that only carry plasticity.
//!
//! Outputs: `window.npz` (`delta_t_ms` and one array of % change per rule), `measured.npz`
//! when points are given, `window.png/.svg`, `summary.json`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use hebbian::spiking::{Connectivity, Network, SpikeGenerator, SynapseSpec, SynapseTarget};
use ndarray::Array1;
use serde_json::{Value, json};

use super::config::WindowExperiment;
use super::run::build_rule;
use crate::experiment::RunOptions;
use crate::experiment::{Source, input_error};
use crate::output::RunDir;
use crate::plot::Chart;

/// Measured `(delta_t in ms, % change)` points.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub delta_t: Vec<f64>,
    pub percent: Vec<f64>,
}

/// Reads `delta_t_ms, percent_change` lines without a header. Blank lines and lines
/// starting with `#` are skipped; anything else that is not two numbers is an error
/// naming the line.
pub fn read_measured(path: &Path) -> Result<Measured> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        input_error(format!(
            "failed to read measured STDP points {}: {e}",
            path.display()
        ))
    })?;
    let mut measured = Measured {
        delta_t: Vec::new(),
        percent: Vec::new(),
    };
    for (k, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let numbers: Vec<f64> = fields.iter().filter_map(|f| f.parse().ok()).collect();
        if fields.len() != 2 || numbers.len() != 2 || numbers.iter().any(|v| !v.is_finite()) {
            return Err(input_error(format!(
                "invalid measured STDP points {} line {}: expected two numbers \
                 `delta_t_ms, percent_change`, got {line:?}",
                path.display(),
                k + 1
            )));
        }
        measured.delta_t.push(numbers[0]);
        measured.percent.push(numbers[1]);
    }
    if measured.delta_t.is_empty() {
        return Err(input_error(format!(
            "invalid measured STDP points {}: no data lines",
            path.display()
        )));
    }
    Ok(measured)
}

/// Finds the measured points: `--data FILE`, or the experiment's `measured` path inside
/// the data folder. Returns the path, or a note saying why there is none. A data path
/// that does not exist is an error.
fn measured_path(
    e: &WindowExperiment,
    options: &RunOptions,
) -> Result<(Option<PathBuf>, Option<String>)> {
    if let Some(path) = &options.data_dir
        && !path.exists()
    {
        return Err(input_error(format!(
            "data path {} not found; pass --data with the CSV file of measured points \
             (columns Δt in ms and % change) or a folder that contains {}",
            path.display(),
            e.measured.as_deref().unwrap_or("it")
        )));
    }
    Ok(match (&options.data_dir, &e.measured) {
        (Some(path), _) if path.is_file() => (Some(path.clone()), None),
        (Some(dir), Some(relative)) => {
            let path = dir.join(relative);
            if path.is_file() {
                (Some(path), None)
            } else {
                let note = format!(
                    "measured points not found at {}; plotting the rules only (pass --data FILE)",
                    path.display()
                );
                (None, Some(note))
            }
        }
        (None, Some(_)) => {
            let note = "no measured points given; plotting the rules only (pass --data FILE \
                        with the measured STDP points to compare)";
            (None, Some(note.to_string()))
        }
        _ => (None, None),
    })
}

/// Interpolates `(x, y)` (sorted by `x`) linearly at `at`; `None` outside the range.
fn interpolate(x: &[f64], y: &[f64], at: f64) -> Option<f64> {
    let k = x.partition_point(|&v| v < at);
    if k == x.len() {
        return None;
    }
    if x[k] == at {
        return Some(y[k]);
    }
    if k == 0 {
        return None;
    }
    let f = (at - x[k - 1]) / (x[k] - x[k - 1]);
    Some(y[k - 1] + f * (y[k] - y[k - 1]))
}

/// Runs the protocol and writes its outputs.
pub fn run(e: &WindowExperiment, source: &Source, options: &RunOptions) -> Result<()> {
    let start = Instant::now();
    let (data_path, data_note) = measured_path(e, options)?;
    let measured = data_path.as_deref().map(read_measured).transpose()?;

    // delta_t values, on the grid of the step
    let dt = e.dt.get();
    let (lo, hi, spacing) = (
        e.delta_t_min.get(),
        e.delta_t_max.get(),
        e.delta_t_step.get(),
    );
    let count = ((hi - lo) / spacing + 1e-9).floor() as usize + 1;
    let delta_t: Vec<f64> = (0..count).map(|k| lo + k as f64 * spacing).collect();

    // pre at offset + k·period, post delta_t later, one generator neuron per delta_t
    let period = 1000.0 / e.frequency.get();
    let offset = (-lo).max(0.0) + 10.0;
    let mut pre_spikes = Vec::new();
    let mut post_spikes = Vec::new();
    for (i, &d) in delta_t.iter().enumerate() {
        for k in 0..e.pairs {
            let t = offset + k as f64 * period;
            pre_spikes.push((i, t));
            post_spikes.push((i, t + d));
        }
    }
    let end = offset + (e.pairs - 1) as f64 * period + hi.max(0.0) + 1.0;

    let mut net = Network::new(dt, e.seed).map_err(|err| input_error(err.to_string()))?;
    let pre = net.add_spike_generator(&SpikeGenerator::new(count, &pre_spikes))?;
    let post = net.add_spike_generator(&SpikeGenerator::new(count, &post_spikes))?;
    let mut groups = Vec::new();
    for (name, rule) in &e.rules {
        let spec = SynapseSpec::new(Connectivity::OneToOne, e.w0).target(SynapseTarget::None);
        let id = net.connect(pre, post, &spec)?;
        net.set_plasticity(id, build_rule(rule))
            .with_context(|| format!("invalid rule {name:?}"))?;
        groups.push((name.clone(), id));
    }
    let steps = (end / dt).ceil() as u64;
    let run_start = Instant::now();
    net.run_steps(steps)?;
    let run_time = run_start.elapsed().as_secs_f64();

    // % change per rule
    let mut curves = Vec::new();
    for (name, id) in &groups {
        let w = net.synapses(*id).weights();
        let percent: Vec<f64> = w.iter().map(|&w| 100.0 * (w - e.w0) / e.w0).collect();
        curves.push((name.clone(), percent));
    }

    // Outputs.
    let out_dir = options
        .out_dir
        .clone()
        .unwrap_or_else(|| Path::new("runs").join(&e.name));
    let mut run_dir = RunDir::create(&out_dir)?;
    let mut arrays = vec![("delta_t_ms", Array1::from(delta_t.clone()).into_dyn())];
    for (name, percent) in &curves {
        arrays.push((name.as_str(), Array1::from(percent.clone()).into_dyn()));
    }
    run_dir.npz("window.npz", &arrays)?;
    if let Some(m) = &measured {
        run_dir.npz(
            "measured.npz",
            &[
                ("delta_t_ms", Array1::from(m.delta_t.clone()).into_dyn()),
                ("percent_change", Array1::from(m.percent.clone()).into_dyn()),
            ],
        )?;
    }

    let mut rules = serde_json::Map::new();
    for (name, percent) in &curves {
        let mut entry = json!({
            "percent_change": percent,
            "max_potentiation_percent": percent.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            "max_depression_percent": percent.iter().copied().fold(f64::INFINITY, f64::min),
            "at_plus_10_ms": interpolate(&delta_t, percent, 10.0),
            "at_minus_10_ms": interpolate(&delta_t, percent, -10.0),
        });
        if let Some(m) = &measured {
            let errors: Vec<f64> = m
                .delta_t
                .iter()
                .zip(&m.percent)
                .filter_map(|(&d, &p)| interpolate(&delta_t, percent, d).map(|r| r - p))
                .collect();
            let rmse =
                (errors.iter().map(|e| e * e).sum::<f64>() / errors.len().max(1) as f64).sqrt();
            entry["rmse_against_measured_percent"] = json!(rmse);
            entry["measured_points_compared"] = json!(errors.len());
        }
        rules.insert(name.clone(), entry);
    }

    if e.figures {
        let lines = curves
            .iter()
            .map(|(name, percent)| (name.clone(), delta_t.clone(), percent.clone()))
            .collect();
        let points = measured
            .iter()
            .map(|m| {
                let label = data_path
                    .as_deref()
                    .and_then(Path::file_name)
                    .map_or("measured".into(), |f| f.to_string_lossy().into_owned());
                (label, m.delta_t.clone(), m.percent.clone())
            })
            .collect();
        Chart {
            stem: "window",
            title: &format!(
                "{}: weight change after {} pairs at {}",
                e.name, e.pairs, e.frequency
            ),
            x_label: "delta_t = t_post - t_pre (ms)",
            y_label: "change of w (%)",
            lines,
            points,
            point_size: 3,
            bars: Vec::new(),
            faint: false,
        }
        .write(&mut run_dir)?;
    }

    let notes: Vec<String> = data_note.into_iter().collect();
    let summary = json!({
        "experiment": e.name,
        "source": source.describe(),
        "hebbian_version": env!("CARGO_PKG_VERSION"),
        "seed": e.seed,
        "parameters": e,
        "delta_t_ms": delta_t,
        "rules": rules,
        "measured": measured.as_ref().map(|m| json!({
            "file": data_path.as_ref().map(|p| p.display().to_string()),
            "points": m.delta_t.len(),
        })).unwrap_or(Value::Null),
        "notes": notes,
        "warnings": Vec::<String>::new(),
        "steps": steps,
        "run_time_s": run_time,
        "wall_time_s": start.elapsed().as_secs_f64(),
        "outputs": run_dir.written().iter().cloned().chain(["summary.json".to_string()]).collect::<Vec<_>>(),
    });
    run_dir.json("summary.json", &summary)?;

    for note in &notes {
        eprintln!("note: {note}");
    }
    if !options.quiet {
        outln!(
            "{}: {} values of delta_t x {} pairs at {} in {run_time:.3} s",
            e.name,
            count,
            e.pairs,
            e.frequency
        );
        for (name, entry) in &rules {
            let at = |key: &str| {
                entry[key]
                    .as_f64()
                    .map_or("-".into(), |v| format!("{v:+.1} %"))
            };
            let rmse = entry
                .get("rmse_against_measured_percent")
                .and_then(Value::as_f64)
                .map_or(String::new(), |v| {
                    format!(", RMS error against the measured points {v:.1} %")
                });
            outln!(
                "  {name}: {} at delta_t = +10 ms, {} at -10 ms{rmse}",
                at("at_plus_10_ms"),
                at("at_minus_10_ms")
            );
        }
        outln!("outputs in {}", run_dir.path().display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("points.csv");
        std::fs::write(&path, "1.0, 2.0\n\n-3, 4\n5; 6\n").unwrap();
        let err = read_measured(&path).unwrap_err().to_string();
        assert!(err.contains("line 4"), "{err}");
        std::fs::write(&path, "# comment\n1.0, 2.0\n-3, 4\n").unwrap();
        let m = read_measured(&path).unwrap();
        assert_eq!(m.delta_t, vec![1.0, -3.0]);
        assert_eq!(m.percent, vec![2.0, 4.0]);
    }

    #[test]
    fn interpolation_inside_only() {
        let (x, y) = ([0.0, 10.0], [0.0, 5.0]);
        assert_eq!(interpolate(&x, &y, 4.0), Some(2.0));
        assert_eq!(interpolate(&x, &y, 10.0), Some(5.0));
        assert_eq!(interpolate(&x, &y, -1.0), None);
        assert_eq!(interpolate(&x, &y, 11.0), None);
    }
}
