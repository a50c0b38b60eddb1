//! Outputs of a finished Diehl & Cook run: arrays, figures, `summary.json` and the
//! report on stdout (the files are listed in [`super::run`]).

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::Result;
use hebbian::spiking::diehl_cook::{DiehlCook, assign_labels, classify, evaluate};
use ndarray::{Array1, Array2};
use serde_json::{Value, json};

use super::checkpoint::PhaseStats;
use super::config::DiehlCookExperiment;
use super::run::Pass;
use super::running::{N_CLASSES, RunningAccuracy};
use crate::competitive::run::Labelled;
use crate::experiment::{RunOptions, Source};
use crate::output::RunDir;
use crate::plot::{Colours, ImageGrid, heat_map};

/// Most neurons whose receptive fields get a label in the figure.
const MAX_FIGURE_LABELS: usize = 400;

/// Everything a finished run hands to [`write_outputs`].
pub struct Finished<'a> {
    pub experiment: &'a DiehlCookExperiment,
    pub source: &'a Source,
    pub options: &'a RunOptions,
    pub net: &'a DiehlCook,
    /// Training statistics over all invocations.
    pub training: &'a PhaseStats,
    /// Training images done when this invocation resumed, if it did.
    pub resumed_at: Option<u64>,
    pub running: &'a RunningAccuracy,
    pub labelling: &'a Pass,
    pub testing: &'a Pass,
    pub train: &'a Labelled,
    pub test: &'a Labelled,
    pub warnings: Vec<String>,
    /// Seconds spent reading the data.
    pub load_time: f64,
    /// Start of this invocation.
    pub start: Instant,
}

/// Attempts, spikes and timing of one phase, for `summary.json`.
fn phase_json(stats: &PhaseStats) -> Value {
    let images = stats.images.max(1) as f64;
    json!({
        "images": stats.images,
        "presentations": stats.attempts,
        "attempts_mean": stats.attempts as f64 / images,
        "attempts_max": stats.max_attempts,
        "below_min_spikes": stats.below_min_spikes,
        "input_spikes": stats.input_spikes,
        "time_s": stats.time_s,
        "images_per_s": if stats.time_s > 0.0 { stats.images as f64 / stats.time_s } else { 0.0 },
    })
}

/// Confusion matrix as CSV, rows = true class.
fn confusion_csv(confusion: &Array2<u64>) -> Result<String> {
    let mut csv = String::from("true\\predicted");
    for c in 0..confusion.ncols() {
        write!(csv, ",{c}")?;
    }
    csv.push('\n');
    for (c, row) in confusion.outer_iter().enumerate() {
        write!(csv, "{c}")?;
        for v in row {
            write!(csv, ",{v}")?;
        }
        csv.push('\n');
    }
    Ok(csv)
}

/// Columns of a grid of `n` panels: `√n` when `n` is a square, else the next integer.
fn grid_cols(n: usize) -> usize {
    let mut cols = 1;
    while cols * cols < n {
        cols += 1;
    }
    cols
}

/// Labels the neurons, scores the test images and writes every output.
pub fn write_outputs(run_dir: &mut RunDir, f: Finished<'_>) -> Result<()> {
    let e = f.experiment;
    let params = f.net.params();
    let (n_exc, n_input) = (params.n_exc, params.n_input);
    let mut warnings = f.warnings;

    // Labels from the labelling pass; predictions for the test pass.
    let labels = assign_labels(&f.labelling.counts, &f.labelling.classes, n_exc, N_CLASSES)?;
    let evaluation = evaluate(&labels, &f.testing.counts, &f.testing.classes, N_CLASSES)?;
    let predictions: Array1<i64> = f
        .testing
        .counts
        .chunks_exact(n_exc)
        .map(|row| classify(&labels, row, N_CLASSES).map_or(-1, i64::from))
        .collect();
    let unlabelled = labels.iter().filter(|l| l.is_none()).count();
    let neurons_per_class: Vec<usize> = (0..N_CLASSES)
        .map(|c| labels.iter().filter(|l| **l == Some(c as u8)).count())
        .collect();
    let accuracy_per_class: Vec<f64> = (0..N_CLASSES)
        .map(|c| {
            let total = f
                .testing
                .classes
                .iter()
                .filter(|&&k| k as usize == c)
                .count();
            if total == 0 {
                f64::NAN
            } else {
                evaluation.confusion[[c, c]] as f64 / total as f64
            }
        })
        .collect();
    if unlabelled > 0 {
        warnings.push(format!(
            "{unlabelled} of {n_exc} neurons did not spike during labelling and have no \
             label, so their test spikes are ignored; train longer or raise \
             training.label_images"
        ));
    }

    for (phase, stats) in [
        ("training", f.training),
        ("labelling", &f.labelling.stats),
        ("test", &f.testing.stats),
    ] {
        if stats.below_min_spikes > 0 {
            warnings.push(format!(
                "{} of {} {phase} images drew fewer than network.min_spikes = {} excitatory \
                 spikes even at the last of network.max_attempts = {} attempts, usually \
                 because the adaptive thresholds grew high; use more neurons \
                 (network.n_exc) or a smaller network.theta_plus",
                stats.below_min_spikes, stats.images, params.min_spikes, params.max_attempts
            ));
        }
    }

    // Arrays.
    let weights = Array2::from_shape_vec((n_exc, n_input), f.net.weights())?;
    run_dir.npy("weights.npy", &weights)?;
    run_dir.npy("theta.npy", &Array1::from(f.net.theta().to_vec()))?;
    let label_array: Array1<i64> = labels.iter().map(|l| l.map_or(-1, i64::from)).collect();
    run_dir.npy("neuron_labels.npy", &label_array)?;
    run_dir.npy("test_predictions.npy", &predictions)?;
    run_dir.npy("confusion.npy", &evaluation.confusion)?;
    run_dir.text("confusion.csv", &confusion_csv(&evaluation.confusion)?)?;
    if e.output.spike_counts {
        for (name, pass) in [
            ("label_counts.npy", f.labelling),
            ("test_counts.npy", f.testing),
        ] {
            let rows = pass.classes.len();
            let counts = Array2::from_shape_vec((rows, n_exc), pass.counts.clone())?;
            run_dir.npy(name, &counts)?;
        }
    }
    let shape = f.train.data.image_shape().expect("IDX images have a shape");
    if e.output.figures {
        write_figures(run_dir, e, &weights, &labels, shape, &evaluation.confusion)?;
    }

    // summary.json.
    let mut training = phase_json(f.training);
    training["resumed_at"] = json!(f.resumed_at);
    training["epochs"] = json!(e.training.epochs);
    training["running_accuracy"] = json!(f.running.history);
    training["running_accuracy_last"] = json!(f.running.estimate());
    training["running_accuracy_over"] = json!(f.running.estimate_len());
    let wall_time = f.start.elapsed().as_secs_f64();
    let summary = json!({
        "experiment": e.name,
        "family": "diehl-cook",
        "source": f.source.describe(),
        "hebbian_version": env!("CARGO_PKG_VERSION"),
        "seed": e.seed,
        "parameters": e,
        "data": {
            "train_images": f.train.path, "train_set_size": f.train.data.len(),
            "test_images": f.test.path, "test_set_size": f.test.data.len(),
            "image_shape": [shape.0, shape.1],
        },
        "n_exc": n_exc,
        "n_input": n_input,
        "metrics": {
            "test_accuracy": evaluation.accuracy,
            "test_images": evaluation.n_samples,
            "test_unassigned": evaluation.unassigned,
            "test_accuracy_per_class": accuracy_per_class,
            "unlabelled_neurons": unlabelled,
            "neurons_per_class": neurons_per_class,
            "confusion": evaluation.confusion.outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
        },
        "training": training,
        "labelling": phase_json(&f.labelling.stats),
        "test": phase_json(&f.testing.stats),
        "neuron_labels": labels,
        "warnings": warnings,
        "load_time_s": f.load_time,
        "wall_time_s": wall_time,
        "outputs": run_dir.written().iter().cloned().chain(["summary.json".to_string()]).collect::<Vec<_>>(),
    });
    run_dir.json("summary.json", &summary)?;

    // Report.
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    if !f.options.quiet {
        let t = f.training;
        let resumed = f
            .resumed_at
            .map_or(String::new(), |at| format!(", resumed at image {at}"));
        outln!(
            "{}: {n_exc} excitatory neurons, {} training images ({} epoch{}) in {:.1} s \
             ({:.1} images/s{resumed}), seed {}",
            e.name,
            t.images,
            e.training.epochs,
            if e.training.epochs == 1 { "" } else { "s" },
            t.time_s,
            t.images as f64 / t.time_s.max(f64::MIN_POSITIVE),
            e.seed
        );
        outln!(
            "  test accuracy {:.4} on {} images ({} unassigned); labels from {} training \
             images, {unlabelled} neurons unlabelled",
            evaluation.accuracy,
            evaluation.n_samples,
            evaluation.unassigned,
            f.labelling.stats.images
        );
        let mean = |s: &PhaseStats| s.attempts as f64 / s.images.max(1) as f64;
        outln!(
            "  attempts per image: training {:.2} (max {}), labelling {:.2} (max {}), test \
             {:.2} (max {}); images below min_spikes: {}, {}, {}",
            mean(t),
            t.max_attempts,
            mean(&f.labelling.stats),
            f.labelling.stats.max_attempts,
            mean(&f.testing.stats),
            f.testing.stats.max_attempts,
            t.below_min_spikes,
            f.labelling.stats.below_min_spikes,
            f.testing.stats.below_min_spikes
        );
        outln!("outputs in {}", run_dir.path().display());
    }
    Ok(())
}

fn write_figures(
    run_dir: &mut RunDir,
    e: &DiehlCookExperiment,
    weights: &Array2<f64>,
    labels: &[Option<u8>],
    shape: (usize, usize),
    confusion: &Array2<u64>,
) -> Result<()> {
    let n = weights.nrows();
    let (panel_labels, cell): (Vec<String>, u32) = if n <= MAX_FIGURE_LABELS {
        let text = labels
            .iter()
            .map(|l| l.map_or("-".to_string(), |c| c.to_string()))
            .collect();
        (text, if n <= 100 { 80 } else { 56 })
    } else {
        (Vec::new(), 32)
    };
    let high = weights.iter().fold(0.0f64, |m, &w| m.max(w));
    let label_note = if panel_labels.is_empty() {
        ""
    } else {
        " and labels"
    };
    let title = format!("{}: receptive fields{label_note}", e.name);
    // Figures at least 400 pixels wide, so that the title fits.
    let cols = grid_cols(n);
    let cell = cell.max(400 / cols as u32);
    ImageGrid {
        stem: "receptive_fields",
        title: &title,
        images: weights,
        shape,
        labels: &panel_labels,
        cols,
        colours: Colours::Ink {
            low: 0.0,
            high: if high > 0.0 { high } else { 1.0 },
        },
        cell,
    }
    .write(run_dir)?;
    heat_map(
        run_dir,
        "confusion",
        &confusion.mapv(|v| v as f64),
        &format!("{}: test confusion (rows true, columns predicted)", e.name),
        0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_square_when_possible() {
        assert_eq!(grid_cols(1), 1);
        assert_eq!(grid_cols(100), 10);
        assert_eq!(grid_cols(400), 20);
        assert_eq!(grid_cols(10), 4);
        assert_eq!(grid_cols(101), 11);
    }
}
