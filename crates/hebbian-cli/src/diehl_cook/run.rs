//! Runs a Diehl & Cook experiment: training, labelling, testing and checkpoints.
//!
//! Training shows `training.images × training.epochs` training images in data order
//! with learning on. Then the first `training.label_images` training images are shown
//! with learning frozen, and each neuron is labelled with the class of its highest mean
//! response. The code published with Diehl & Cook (2015) labels on the first 10 000
//! training images, while the paper's text says the whole training set. Finally the
//! first `training.test_images` test images are shown with learning frozen and
//! classified by the labelled neurons.
//! Every presentation draws its own input spikes, so the labelling pass sees new
//! spike trains of images that training has already shown.
//!
//! Outputs in the run folder:
//!
//! | file | content |
//! |---|---|
//! | `weights.npy` | final input weights, `float64`, `(n_exc, n_input)`: row `j` is neuron `j`'s receptive field |
//! | `theta.npy` | final adaptive thresholds θ in mV, `float64`, `(n_exc,)` |
//! | `neuron_labels.npy` | class of each neuron, `int64`, −1 for a neuron that did not spike during labelling |
//! | `test_predictions.npy` | predicted class of each test image, `int64`, −1 when no labelled neuron spiked |
//! | `confusion.npy`, `confusion.csv` | test confusion matrix, `uint64`, rows = true class, columns = predicted class; unassigned images are not in it |
//! | `label_counts.npy`, `test_counts.npy` | spike counts of each neuron for each labelling and test image, `uint32`, `(images, n_exc)` (with `output.spike_counts`) |
//! | `receptive_fields.png/.svg`, `confusion.png/.svg` | figures (with `output.figures`) |
//! | `summary.json` | every parameter, seed, version, accuracy, attempts per image, images below `min_spikes`, the running accuracy per block, timings |
//! | `checkpoint/` | the state to resume from (see [`super::checkpoint`]); removed when the run completes |
//!
//! Spike counts cover the presentation of an image's last attempt, not the rest after it.
//! An image is shown again with higher input rates while it draws fewer than
//! `network.min_spikes` excitatory spikes, up to `network.max_attempts` attempts.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use hebbian::spiking::diehl_cook::{DiehlCook, DiehlCookParams, Mode, Response};
use serde_json::Value;

use super::checkpoint::{self, Meta, PhaseStats, Position, RunningMeta};
use super::config::{DiehlCookExperiment, describe_param_error};
use super::output::{Finished, write_outputs};
use super::running::{N_CLASSES, RunningAccuracy};
use crate::competitive::run::{Labelled, load};
use crate::data::DataLocation;
use crate::experiment::{RunOptions, Source, input_error};
use crate::output::RunDir;
use crate::progress::Progress;

/// Factor from a raw MNIST byte to an intensity in [0, 1].
const PIXEL_SCALE: f64 = 1.0 / 255.0;

/// The training run in progress.
struct Training {
    net: DiehlCook,
    running: RunningAccuracy,
    stats: PhaseStats,
    /// Training images done when this invocation resumed; `None` for a fresh run.
    resumed_at: Option<u64>,
}

impl PhaseStats {
    /// Adds one image's response.
    fn add(&mut self, response: &Response, min_spikes: u32) {
        self.images += 1;
        self.attempts += u64::from(response.attempts);
        self.max_attempts = self.max_attempts.max(response.attempts);
        self.below_min_spikes += u64::from(response.total() < min_spikes);
        self.input_spikes += response.input_spikes;
    }
}

/// Responses to a frozen pass over images.
pub struct Pass {
    /// Spike counts, `(images, n_exc)` row-major.
    pub counts: Vec<u32>,
    /// Classes of the images.
    pub classes: Vec<u8>,
    /// Attempts and timing.
    pub stats: PhaseStats,
}

/// Runs `experiment` and writes its outputs.
pub fn run(experiment: &DiehlCookExperiment, source: &Source, options: &RunOptions) -> Result<()> {
    let start = Instant::now();
    let location = DataLocation {
        data_dir: options.data_dir.as_deref(),
        source,
    };
    let d = &experiment.data;
    let t = &experiment.training;
    let mut warnings = Vec::new();

    // Data.
    let train = load(
        &location,
        ("data.train_images", &d.train_images),
        ("data.train_labels", &d.train_labels),
        PIXEL_SCALE,
        None,
    )?;
    let test = load(
        &location,
        ("data.test_images", &d.test_images),
        ("data.test_labels", &d.test_labels),
        PIXEL_SCALE,
        None,
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
    let label_images = clamp_count(
        "training.label_images",
        t.label_images,
        &train,
        &mut warnings,
    );
    let test_images = clamp_count("training.test_images", t.test_images, &test, &mut warnings);
    let params = experiment.network.to_params(train.data.dim());
    params
        .validate()
        .map_err(|e| input_error(describe_param_error(&e)))?;
    let load_time = start.elapsed().as_secs_f64();

    // The network: new, or restored from the checkpoint.
    let out_dir = options
        .out_dir
        .clone()
        .unwrap_or_else(|| Path::new("runs").join(&experiment.name));
    let mut training = if options.resume {
        resume(experiment, &params, &train, &out_dir, &mut warnings)?
    } else {
        start_fresh(experiment, &params, &out_dir)?
    };

    // Train.
    let completed = train_network(experiment, &train, &mut training, &out_dir, options)?;
    if !completed {
        for warning in &warnings {
            eprintln!("warning: {warning}");
        }
        if !options.quiet {
            outln!(
                "{}: stopped after {} of {} training images (training.stop_after); checkpoint \
                 in {}",
                experiment.name,
                training.stats.images,
                t.total_images(),
                out_dir.join(checkpoint::FOLDER).display()
            );
            outln!(
                "  continue with the same command and --resume, with a larger \
                 training.stop_after or none"
            );
        }
        return Ok(());
    }

    // Label the neurons, then classify the test images.
    let labelling = frozen_pass(
        &mut training.net,
        &train,
        label_images,
        options,
        "labelling images",
    )?;
    let testing = frozen_pass(
        &mut training.net,
        &test,
        test_images,
        options,
        "test images",
    )?;

    let mut run_dir = RunDir::create(&out_dir)?;
    write_outputs(
        &mut run_dir,
        Finished {
            experiment,
            source,
            options,
            net: &training.net,
            training: &training.stats,
            resumed_at: training.resumed_at,
            running: &training.running,
            labelling: &labelling,
            testing: &testing,
            train: &train,
            test: &test,
            warnings,
            load_time,
            start,
        },
    )?;
    checkpoint::remove(&out_dir)?;
    Ok(())
}

/// Returns `requested`, or the size of `set` with a warning when the set is smaller.
fn clamp_count(key: &str, requested: usize, set: &Labelled, warnings: &mut Vec<String>) -> usize {
    let available = set.data.len();
    if requested > available {
        warnings.push(format!(
            "{key} = {requested}, but {} holds {available} images; using {available}",
            set.path.display()
        ));
        return available;
    }
    requested
}

/// Builds a new network, after checking that no earlier run's checkpoint would be lost.
fn start_fresh(
    experiment: &DiehlCookExperiment,
    params: &DiehlCookParams,
    out_dir: &Path,
) -> Result<Training> {
    if let Some(dir) = checkpoint::find(out_dir)? {
        return Err(input_error(format!(
            "{} holds the checkpoint of an unfinished run; pass --resume to continue it, or \
             delete that folder (or choose another --out) to start again",
            dir.display()
        )));
    }
    let net = DiehlCook::new(params.clone(), experiment.seed)?;
    let t = &experiment.training;
    Ok(Training {
        net,
        running: RunningAccuracy::new(params.n_exc, t.relabel_every, t.running_accuracy_window),
        stats: PhaseStats::default(),
        resumed_at: None,
    })
}

/// The keys that must agree between a checkpoint and the run resuming it: everything
/// that changes the trained network or the final result.
fn resume_keys(parameters: &Value) -> Vec<(String, Value)> {
    let mut keys = Vec::new();
    for table in ["seed", "network", "data", "training"] {
        if let Some(value) = parameters.get(table) {
            checkpoint::flatten(table, value, &mut keys);
        }
    }
    keys.retain(|(key, _)| key != "training.stop_after" && key != "training.checkpoint_every");
    keys
}

/// Restores the network and the running accuracy from the checkpoint in `out_dir`.
fn resume(
    experiment: &DiehlCookExperiment,
    params: &DiehlCookParams,
    train: &Labelled,
    out_dir: &Path,
    warnings: &mut Vec<String>,
) -> Result<Training> {
    let dir = checkpoint::find(out_dir)?.ok_or_else(|| {
        input_error(format!(
            "--resume: no checkpoint in {}; pass --out with the folder of the stopped run, or \
             run without --resume to train from the start",
            out_dir.join(checkpoint::FOLDER).display()
        ))
    })?;
    let t = &experiment.training;
    let saved = checkpoint::load(&dir, t.relabel_every, t.running_accuracy_window)?;
    let meta = &saved.meta;

    // The parameters must be the checkpoint's.
    let now = resume_keys(&serde_json::to_value(experiment)?);
    let then = resume_keys(&meta.parameters);
    let mut differences = Vec::new();
    for (key, value) in &now {
        match then.iter().find(|(k, _)| k == key) {
            Some((_, old)) if old == value => {}
            Some((_, old)) => differences.push(format!("`{key}` is {value} (checkpoint: {old})")),
            None => differences.push(format!("`{key}` is {value} (checkpoint: absent)")),
        }
    }
    for (key, old) in &then {
        if !now.iter().any(|(k, _)| k == key) {
            differences.push(format!("`{key}` is absent (checkpoint: {old})"));
        }
    }
    if !differences.is_empty() {
        return Err(input_error(format!(
            "--resume: the experiment differs from the one that wrote the checkpoint {}: {}; \
             resume with the same file, --seed and --set options (only \
             training.stop_after and training.checkpoint_every may change), or run without \
             --resume to train from the start",
            dir.display(),
            differences.join(", ")
        )));
    }
    if meta.train_set_size != train.data.len() as u64 {
        return Err(input_error(format!(
            "--resume: {} holds {} training images, but the checkpoint {} was written with {}; \
             pass the --data folder of the stopped run",
            train.path.display(),
            train.data.len(),
            dir.display(),
            meta.train_set_size
        )));
    }

    // The position must agree with the schedule.
    let corrupt = |problem: String| {
        input_error(format!(
            "checkpoint {} is corrupt: {problem}; delete it and run without --resume to train \
             from the start",
            dir.display()
        ))
    };
    let per_epoch = t.images as u64;
    let expected = Position {
        epoch: meta.images_done / per_epoch,
        image: meta.images_done % per_epoch,
    };
    if meta.images_done > t.total_images()
        || meta.position != expected
        || meta.training.images != meta.images_done
        || meta.images_total != t.total_images()
    {
        return Err(corrupt(format!(
            "{} images done at epoch {}, image {}, of {} ({} in the statistics)",
            meta.images_done,
            meta.position.epoch,
            meta.position.image,
            meta.images_total,
            meta.training.images
        )));
    }
    if let Some(stop) = t.stop_after
        && stop as u64 <= meta.images_done
    {
        return Err(input_error(format!(
            "key `training.stop_after` = {stop}: must be above the {} training images the \
             checkpoint {} has done, or absent to train to the end",
            meta.images_done,
            dir.display()
        )));
    }
    if meta.hebbian_version != env!("CARGO_PKG_VERSION") {
        warnings.push(format!(
            "the checkpoint was written by hebbian {} and is resumed by {}; the result may \
             differ from an uninterrupted run",
            meta.hebbian_version,
            env!("CARGO_PKG_VERSION")
        ));
    }

    let images_done = meta.images_done;
    let stats = meta.training;
    let net = DiehlCook::from_state(params.clone(), experiment.seed, saved.state)
        .map_err(|e| corrupt(e.to_string()))?;
    Ok(Training {
        net,
        running: saved.running,
        stats,
        resumed_at: Some(images_done),
    })
}

/// Writes the checkpoint of `training`.
fn save_checkpoint(
    experiment: &DiehlCookExperiment,
    training: &Training,
    train_set_size: usize,
    out_dir: &Path,
) -> Result<()> {
    let t = &experiment.training;
    let done = training.stats.images;
    let per_epoch = t.images as u64;
    let meta = Meta {
        format: checkpoint::FORMAT,
        hebbian_version: env!("CARGO_PKG_VERSION").to_string(),
        seed: experiment.seed,
        parameters: serde_json::to_value(experiment)?,
        train_set_size: train_set_size as u64,
        position: Position {
            epoch: done / per_epoch,
            image: done % per_epoch,
        },
        images_done: done,
        images_total: t.total_images(),
        presentations: training.net.presentations(),
        step: training.net.step(),
        training: training.stats,
        running: RunningMeta {
            labelled: training.running.labels.is_some(),
            block_correct: training.running.block_correct,
            history: training.running.history.clone(),
        },
    };
    let state = training.net.state()?;
    checkpoint::save(out_dir, &meta, &state, &training.running)
}

/// Trains until the end or until `training.stop_after`; returns whether training is
/// complete.
fn train_network(
    experiment: &DiehlCookExperiment,
    train: &Labelled,
    training: &mut Training,
    out_dir: &Path,
    options: &RunOptions,
) -> Result<bool> {
    let t = &experiment.training;
    let total = t.total_images();
    let end = t.stop_after.map_or(total, |s| (s as u64).min(total));
    let per_epoch = t.images as u64;
    let every = t.checkpoint_every as u64;
    let min_spikes = experiment.network.min_spikes;
    let set_size = train.data.len() as u64;

    let mut progress = Progress::new(total, options.quiet, "training images").with_rate();
    let segment_start = Instant::now();
    let time_before = training.stats.time_s;
    while training.stats.images < end {
        // Image `k` of the epoch, wrapping around the set.
        let k = ((training.stats.images % per_epoch) % set_size) as usize;
        let response = training.net.present(train.data.sample(k), Mode::Learn)?;
        training.stats.add(&response, min_spikes);
        let done = training.stats.images;
        training
            .running
            .record(&response.counts, train.classes[k], done)?;

        progress.update(done);
        if let Some(accuracy) = training.running.estimate() {
            let over = training.running.estimate_len();
            progress.set_message(|| format!("running accuracy {accuracy:.3} over {over}"));
        }
        let at_end = done == end;
        if (every > 0 && (done % every == 0 || at_end)) || (at_end && end < total) {
            training.stats.time_s = time_before + segment_start.elapsed().as_secs_f64();
            save_checkpoint(experiment, training, train.data.len(), out_dir)?;
        }
    }
    training.stats.time_s = time_before + segment_start.elapsed().as_secs_f64();
    progress.finish();
    Ok(training.stats.images == total)
}

/// Shows the first `n` images of `set` with learning frozen.
fn frozen_pass(
    net: &mut DiehlCook,
    set: &Labelled,
    n: usize,
    options: &RunOptions,
    unit: &'static str,
) -> Result<Pass> {
    let start = Instant::now();
    let min_spikes = net.params().min_spikes;
    let mut progress = Progress::new(n as u64, options.quiet, unit).with_rate();
    let mut counts = Vec::with_capacity(n * net.params().n_exc);
    let mut stats = PhaseStats::default();
    for k in 0..n {
        let response = net.present(set.data.sample(k), Mode::Frozen)?;
        stats.add(&response, min_spikes);
        counts.extend_from_slice(&response.counts);
        progress.update(k as u64 + 1);
    }
    progress.finish();
    stats.time_s = start.elapsed().as_secs_f64();
    let classes = set.classes[..n].to_vec();
    debug_assert!(classes.iter().all(|&c| (c as usize) < N_CLASSES));
    Ok(Pass {
        counts,
        classes,
        stats,
    })
}
