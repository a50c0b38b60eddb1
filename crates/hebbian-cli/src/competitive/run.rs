//! Runs a competitive-learning experiment and writes its outputs.
//!
//! | file | content |
//! |---|---|
//! | `prototypes.npy` | final prototypes, `float64`, shape `(n_units, dim)`; SOM node `k` sits at row `k / cols`, column `k % cols` |
//! | `unit_labels.npy` | majority class of each unit, `int64`, −1 for a unit that won no training image |
//! | `unit_wins.npy` | training images won by each unit under the final prototypes, `int64` |
//! | `confusion.npy`, `confusion.csv` | test confusion matrix, rows = true class, columns = predicted class |
//! | `u_matrix.npy` | SOM only: mean distance of each node's prototype to its grid neighbours, `(rows, cols)` |
//! | `prototypes.png/.svg`, `u_matrix.png/.svg`, `confusion.png/.svg` | figures |
//! | `summary.json` | parameters, accuracy, dead units, timings |
//!
//! A dead unit wins no training image under the final prototypes and gets no label; a
//! test image it wins counts as wrong ("unassigned").

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use hebbian::competitive::{
    Conscience, Prototypes, Som, SomSettings, WinnerTakeAll, WtaSettings, label_units,
    prototypes_from_samples, winners,
};
use hebbian::data::idx;
use hebbian::rng::{self, streams};
use hebbian::stimulus::Dataset;
use ndarray::{Array1, Array2};
use rand::Rng as _;
use serde_json::json;

use super::config::{CompetitiveExperiment, InitKind, ModelKind};
use crate::data::DataLocation;
use crate::experiment::{RunOptions, Source, input_error};
use crate::output::RunDir;
use crate::plot::{Colours, ImageGrid, heat_map};

/// Number of classes of the labels (MNIST digits).
const N_CLASSES: usize = 10;

/// A labelled image set.
pub(crate) struct Labelled {
    pub(crate) data: Dataset,
    pub(crate) classes: Vec<u8>,
    pub(crate) path: std::path::PathBuf,
}

/// Reads IDX images and labels, scales the pixels by `scale` and keeps the first
/// `limit` images.
pub(crate) fn load(
    location: &DataLocation<'_>,
    (images_key, images): (&str, &str),
    (labels_key, labels): (&str, &str),
    scale: f64,
    limit: Option<usize>,
) -> Result<Labelled> {
    let images_path = location.resolve(images_key, images, "IDX image file")?;
    let labels_path = location.resolve(labels_key, labels, "IDX label file")?;
    let (raw, mut classes) = idx::read_labelled_images(&images_path, &labels_path)?;
    let dim = raw.rows * raw.cols;
    let n = limit.map_or(raw.n, |l| l.min(raw.n));
    if let Some(&bad) = classes.iter().find(|&&c| c as usize >= N_CLASSES) {
        return Err(input_error(format!(
            "{} holds the label {bad}; this experiment expects classes 0 to {}",
            labels_path.display(),
            N_CLASSES - 1
        )));
    }
    classes.truncate(n);
    let values: Vec<f32> = raw.pixels[..n * dim]
        .iter()
        .map(|&v| (v as f64 * scale) as f32)
        .collect();
    Ok(Labelled {
        data: Dataset::new(values, dim, Some((raw.rows, raw.cols)))?,
        classes,
        path: images_path,
    })
}

/// The trained model, either kind.
enum Model {
    Wta(WinnerTakeAll),
    Som(Som),
}

impl Model {
    fn weights(&self) -> &Array2<f64> {
        match self {
            Model::Wta(m) => m.weights(),
            Model::Som(m) => m.weights(),
        }
    }

    fn winners(&self, data: &Dataset) -> Vec<usize> {
        match self {
            Model::Wta(m) => winners(m, data),
            Model::Som(m) => winners(m, data),
        }
    }

    fn n_units(&self) -> usize {
        match self {
            Model::Wta(m) => m.n_units(),
            Model::Som(m) => m.n_units(),
        }
    }
}

/// Runs `experiment` and writes its outputs.
pub fn run(
    experiment: &CompetitiveExperiment,
    source: &Source,
    options: &RunOptions,
) -> Result<()> {
    let start = Instant::now();
    let location = DataLocation {
        data_dir: options.data_dir.as_deref(),
        source,
    };
    let d = &experiment.data;

    // Data.
    let train = load(
        &location,
        ("data.train_images", &d.train_images),
        ("data.train_labels", &d.train_labels),
        d.pixel_scale,
        d.train_limit,
    )?;
    let test = load(
        &location,
        ("data.test_images", &d.test_images),
        ("data.test_labels", &d.test_labels),
        d.pixel_scale,
        d.test_limit,
    )?;
    if train.data.dim() != test.data.dim() {
        return Err(input_error(format!(
            "training images have {} pixels ({}) but test images have {} ({})",
            train.data.dim(),
            train.path.display(),
            test.data.dim(),
            test.path.display()
        )));
    }
    let shape = train.data.image_shape().expect("IDX images have a shape");
    let n_units = experiment.n_units();
    if n_units > train.data.len() && experiment.model.init == InitKind::Samples {
        return Err(input_error(format!(
            "{n_units} units cannot start from distinct training images: {} holds only {}; \
             use fewer units or model.init = \"uniform\"",
            train.path.display(),
            train.data.len()
        )));
    }
    let load_time = start.elapsed().as_secs_f64();

    // Initial prototypes.
    let mut init_rng = rng::stream(experiment.seed, streams::INIT);
    let initial = match experiment.model.init {
        InitKind::Samples => prototypes_from_samples(&train.data, n_units, &mut init_rng)?,
        InitKind::Uniform => {
            let high = 255.0 * d.pixel_scale;
            Array2::from_shape_simple_fn((n_units, train.data.dim()), || {
                init_rng.random::<f64>() * high
            })
        }
    };

    // Train.
    let t = &experiment.training;
    let train_start = Instant::now();
    let (model, training_wins) = match experiment.model.kind {
        ModelKind::WinnerTakeAll => {
            let mut wta = WinnerTakeAll::new(initial)?;
            if let Some(c) = &experiment.model.conscience {
                wta = wta.with_conscience(Conscience {
                    frequency_rate: c.frequency_rate,
                    bias_factor: c.bias_factor,
                })?;
            }
            let settings = WtaSettings {
                epochs: t.epochs,
                eta: t.eta,
                eta_decay: t.eta_decay.to_decay(),
                seed: experiment.seed,
            };
            let wins = wta.train(&train.data, &settings)?;
            (Model::Wta(wta), wins)
        }
        ModelKind::Som => {
            let [rows, cols] = experiment.model.grid.expect("validated");
            let mut som = Som::new(rows, cols, initial)?;
            let settings = SomSettings {
                epochs: t.epochs,
                eta: t.eta,
                eta_decay: t.eta_decay.to_decay(),
                sigma: t.sigma.expect("validated"),
                sigma_decay: t
                    .sigma_decay
                    .as_ref()
                    .map(|s| s.to_decay())
                    .unwrap_or_default(),
                seed: experiment.seed,
            };
            let wins = som.train(&train.data, &settings)?;
            (Model::Som(som), wins)
        }
    };
    let training_time = train_start.elapsed().as_secs_f64();
    let weights = model.weights();
    if let Some(bad) = weights.iter().find(|v| !v.is_finite()) {
        anyhow::bail!("training produced a non-finite prototype value ({bad}); lower training.eta");
    }

    // Label the units on the training set, score on the test set.
    let eval_start = Instant::now();
    let train_winners = model.winners(&train.data);
    let labels = label_units(&train_winners, &train.classes, n_units, N_CLASSES)?;
    let train_eval = labels.evaluate(&train_winners, &train.classes)?;
    let test_winners = model.winners(&test.data);
    let test_eval = labels.evaluate(&test_winners, &test.classes)?;
    let evaluation_time = eval_start.elapsed().as_secs_f64();
    let dead = labels.dead_units();
    let never_won = training_wins.iter().filter(|&&w| w == 0).count();
    let per_class: Vec<f64> = (0..N_CLASSES)
        .map(|c| {
            let row = test_eval.confusion.row(c);
            let total = test.classes.iter().filter(|&&k| k as usize == c).count();
            if total == 0 {
                f64::NAN
            } else {
                row[c] as f64 / total as f64
            }
        })
        .collect();
    let labelled_classes: Vec<usize> = (0..N_CLASSES)
        .map(|c| {
            labels
                .labels
                .iter()
                .filter(|l| **l == Some(c as u8))
                .count()
        })
        .collect();

    // Outputs.
    let out_dir = options
        .out_dir
        .clone()
        .unwrap_or_else(|| Path::new("runs").join(&experiment.name));
    let mut run_dir = RunDir::create(&out_dir)?;
    run_dir.npy("prototypes.npy", weights)?;
    let label_array: Array1<i64> = labels
        .labels
        .iter()
        .map(|l| l.map_or(-1, i64::from))
        .collect();
    run_dir.npy("unit_labels.npy", &label_array)?;
    let win_array: Array1<i64> = labels.wins.iter().map(|&w| w as i64).collect();
    run_dir.npy("unit_wins.npy", &win_array)?;
    run_dir.npy("confusion.npy", &test_eval.confusion)?;
    let mut csv = String::from("true\\predicted");
    for c in 0..N_CLASSES {
        write!(csv, ",{c}")?;
    }
    csv.push('\n');
    for (c, row) in test_eval.confusion.outer_iter().enumerate() {
        write!(csv, "{c}")?;
        for v in row {
            write!(csv, ",{v}")?;
        }
        csv.push('\n');
    }
    run_dir.text("confusion.csv", &csv)?;
    let u_matrix = match &model {
        Model::Som(som) => {
            let u = som.u_matrix();
            run_dir.npy("u_matrix.npy", &u)?;
            Some(u)
        }
        Model::Wta(_) => None,
    };
    if experiment.output.figures {
        write_figures(
            &mut run_dir,
            experiment,
            &model,
            &labels.labels,
            &labels.wins,
            shape,
            u_matrix.as_ref(),
            &test_eval.confusion,
        )?;
    }

    let mut warnings = Vec::new();
    if dead > 0 {
        warnings.push(format!(
            "{dead} of {n_units} units won no training image and have no label; the test images \
             they win count as wrong. Initialise from samples (model.init = \"samples\") or add \
             a conscience ([model.conscience]) to use them"
        ));
    }
    let epochs = t.epochs as f64;
    let summary = json!({
        "experiment": experiment.name,
        "family": "competitive",
        "source": source.describe(),
        "hebbian_version": env!("CARGO_PKG_VERSION"),
        "seed": experiment.seed,
        "parameters": experiment,
        "data": {
            "train_images": train.path, "train_samples": train.data.len(),
            "test_images": test.path, "test_samples": test.data.len(),
            "image_shape": [shape.0, shape.1],
        },
        "n_units": n_units,
        "metrics": {
            "test_accuracy": test_eval.accuracy,
            "train_accuracy": train_eval.accuracy,
            "test_accuracy_per_class": per_class,
            "test_unassigned": test_eval.unassigned,
            "dead_units": dead,
            "units_never_won_during_training": never_won,
            "units_per_class": labelled_classes,
            "confusion": test_eval.confusion.outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
        },
        "unit_labels": labels.labels,
        "unit_wins": labels.wins,
        "warnings": warnings,
        "load_time_s": load_time,
        "training_time_s": training_time,
        "time_per_epoch_s": training_time / epochs,
        "time_per_presentation_us": 1e6 * training_time / (epochs * train.data.len() as f64),
        "evaluation_time_s": evaluation_time,
        "wall_time_s": start.elapsed().as_secs_f64(),
        "outputs": run_dir.written().iter().cloned().chain(["summary.json".to_string()]).collect::<Vec<_>>(),
    });
    run_dir.json("summary.json", &summary)?;

    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    if !options.quiet {
        let what = match experiment.model.kind {
            ModelKind::WinnerTakeAll => format!("{n_units} winner-take-all units"),
            ModelKind::Som => {
                let [r, c] = experiment.model.grid.expect("validated");
                format!("{r}x{c} self-organizing map")
            }
        };
        outln!(
            "{}: {what}, {} epochs on {} images in {training_time:.2} s ({:.2} s per epoch), seed {}",
            experiment.name,
            t.epochs,
            train.data.len(),
            training_time / epochs,
            experiment.seed
        );
        outln!(
            "  test accuracy {:.4} on {} images (train {:.4}); dead units {dead}, unassigned test images {}",
            test_eval.accuracy,
            test.data.len(),
            train_eval.accuracy,
            test_eval.unassigned
        );
        outln!("outputs in {}", run_dir.path().display());
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn write_figures(
    run_dir: &mut RunDir,
    experiment: &CompetitiveExperiment,
    model: &Model,
    labels: &[Option<u8>],
    wins: &[usize],
    shape: (usize, usize),
    u_matrix: Option<&Array2<f64>>,
    confusion: &Array2<u64>,
) -> Result<()> {
    let unit_labels: Vec<String> = labels
        .iter()
        .zip(wins)
        .map(|(l, w)| match l {
            Some(class) => format!("{class} ({w})"),
            None => "dead".to_string(),
        })
        .collect();
    let (cols, title) = match experiment.model.kind {
        ModelKind::WinnerTakeAll => (
            10,
            format!(
                "{}: {} prototypes, label (training images won)",
                experiment.name,
                model.n_units()
            ),
        ),
        ModelKind::Som => {
            let [r, c] = experiment.model.grid.expect("validated");
            (
                c,
                format!(
                    "{}: {r}x{c} map, label (training images won)",
                    experiment.name
                ),
            )
        }
    };
    let high = 255.0 * experiment.data.pixel_scale;
    ImageGrid {
        stem: "prototypes",
        title: &title,
        images: model.weights(),
        shape,
        labels: &unit_labels,
        cols,
        colours: Colours::Ink { low: 0.0, high },
        cell: 90,
    }
    .write(run_dir)?;
    if let Some(u) = u_matrix {
        heat_map(
            run_dir,
            "u_matrix",
            u,
            &format!("{}: U-matrix (dark = far from neighbours)", experiment.name),
            2,
        )?;
    }
    let counts = confusion.mapv(|v| v as f64);
    heat_map(
        run_dir,
        "confusion",
        &counts,
        &format!(
            "{}: test confusion (rows true, columns predicted)",
            experiment.name
        ),
        0,
    )
}
