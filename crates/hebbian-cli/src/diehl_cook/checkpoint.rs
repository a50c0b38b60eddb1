//! Checkpoints of a training run: `checkpoint/` in the run folder.
//!
//! | file | content |
//! |---|---|
//! | `state.npz` | every array of [`DiehlCookState`]: `step`, `presentations` (0-d `int64`), `w` `(n_exc, n_input)` `float64`, `delays` `(n_exc, n_input)` `uint16` in steps, `last_pre` `(n_exc, n_input)` `int64`, `v_exc`, `ge_exc`, `gi_exc`, `theta`, `v_inh`, `ge_inh`, `gi_inh` `(n_exc,)` `float64`, `ref_end_exc`, `last_post`, `ref_end_inh` `(n_exc,)` `int64`; step numbers are −1 where the library has `NEVER` |
//! | `running.npz` | the running accuracy buffers: `block_counts` `(images, n_exc)` `uint32`, `block_classes` `uint8`, `labels` `int64` (−1 unlabelled; empty before the first labelling), `recent` `uint8` (1 = right, oldest first) |
//! | `checkpoint.json` | position in the data, images done, presentations, training statistics and time so far, the experiment's parameters and seed, and the crate version |
//!
//! A new checkpoint is written to `checkpoint.new/`; the old folder is then renamed
//! to `checkpoint.old/`, the new one to `checkpoint/`, and the old one removed. A
//! crash between the two renames leaves a complete `checkpoint.new/` and no
//! `checkpoint/`, which [`load`] accepts.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use hebbian::spiking::diehl_cook::{DiehlCookState, NEVER};
use ndarray::{Array0, Array1, Array2, ArrayD};
use ndarray_npy::{NpzReader, ReadableElement};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::running::{BlockAccuracy, RunningAccuracy};
use crate::experiment::input_error;
use crate::output::RunDir;

/// Version of the checkpoint layout.
pub const FORMAT: u32 = 1;

/// Name of the checkpoint folder in the run folder.
pub const FOLDER: &str = "checkpoint";

/// Position of the next training image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// Epoch, from 0.
    pub epoch: u64,
    /// Image within the epoch, from 0.
    pub image: u64,
}

/// Attempts, spikes and wall time of the images of one phase (training, labelling or
/// test).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseStats {
    /// Images shown.
    pub images: u64,
    /// Attempts over all images.
    pub attempts: u64,
    /// Most attempts one image needed.
    pub max_attempts: u32,
    /// Images whose last attempt still drew fewer than `min_spikes` excitatory spikes.
    pub below_min_spikes: u64,
    /// Input spikes over all attempts.
    pub input_spikes: u64,
    /// Wall time in seconds.
    pub time_s: f64,
}

/// The running accuracy's scalars; its arrays are in `running.npz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunningMeta {
    /// Whether the neurons have running labels yet.
    pub labelled: bool,
    /// Right predictions in the current block.
    pub block_correct: u64,
    /// Accuracy of every finished block.
    pub history: Vec<BlockAccuracy>,
}

/// `checkpoint.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Version of the layout.
    pub format: u32,
    /// Version of the crate that wrote it.
    pub hebbian_version: String,
    /// Seed of the run.
    pub seed: u64,
    /// The experiment, as in `summary.json`.
    pub parameters: Value,
    /// Images in the training set.
    pub train_set_size: u64,
    /// Position of the next training image.
    pub position: Position,
    /// Training images done.
    pub images_done: u64,
    /// Training images of the whole run.
    pub images_total: u64,
    /// Presentations made by the network, retries included.
    pub presentations: u64,
    /// Steps simulated.
    pub step: u64,
    /// Training statistics so far.
    pub training: PhaseStats,
    /// Running accuracy.
    pub running: RunningMeta,
}

/// A loaded checkpoint.
pub struct Checkpoint {
    /// `checkpoint.json`.
    pub meta: Meta,
    /// The network.
    pub state: DiehlCookState,
    /// The running accuracy.
    pub running: RunningAccuracy,
}

/// Converts a step number to `int64`, with −1 for [`NEVER`].
fn step_to_i64(step: u64) -> i64 {
    if step == NEVER { -1 } else { step as i64 }
}

/// Converts an `int64` step number back, −1 to [`NEVER`].
fn step_from_i64(step: i64) -> Result<u64, String> {
    match step {
        -1 => Ok(NEVER),
        s if s >= 0 => Ok(s as u64),
        s => Err(format!("step number {s} is below −1")),
    }
}

fn steps_to_i64(steps: &[u64]) -> Vec<i64> {
    steps.iter().map(|&s| step_to_i64(s)).collect()
}

/// Writes `meta`, `state` and `running` as the checkpoint of the run folder `run_path`.
pub fn save(
    run_path: &Path,
    meta: &Meta,
    state: &DiehlCookState,
    running: &RunningAccuracy,
) -> Result<()> {
    let final_dir = run_path.join(FOLDER);
    let new_dir = run_path.join(format!("{FOLDER}.new"));
    let old_dir = run_path.join(format!("{FOLDER}.old"));
    if new_dir.exists() {
        fs::remove_dir_all(&new_dir)
            .with_context(|| format!("failed to remove {}", new_dir.display()))?;
    }
    let mut dir = RunDir::create(&new_dir)?;
    let n_exc = state.theta.len();
    let n_input = state.w.len() / n_exc.max(1);
    let shape = (n_exc, n_input);

    // The network.
    dir.npz_with("state.npz", |npz| {
        npz.add_array("step", &Array0::from_elem((), step_to_i64(state.step)))?;
        npz.add_array(
            "presentations",
            &Array0::from_elem((), state.presentations as i64),
        )?;
        npz.add_array("w", &Array2::from_shape_vec(shape, state.w.clone())?)?;
        npz.add_array(
            "delays",
            &Array2::from_shape_vec(shape, state.delays.clone())?,
        )?;
        npz.add_array(
            "last_pre",
            &Array2::from_shape_vec(shape, steps_to_i64(&state.last_pre))?,
        )?;
        for (name, values) in [
            ("v_exc", &state.v_exc),
            ("ge_exc", &state.ge_exc),
            ("gi_exc", &state.gi_exc),
            ("theta", &state.theta),
            ("v_inh", &state.v_inh),
            ("ge_inh", &state.ge_inh),
            ("gi_inh", &state.gi_inh),
        ] {
            npz.add_array(name, &Array1::from(values.clone()))?;
        }
        for (name, values) in [
            ("ref_end_exc", &state.ref_end_exc),
            ("last_post", &state.last_post),
            ("ref_end_inh", &state.ref_end_inh),
        ] {
            npz.add_array(name, &Array1::from(steps_to_i64(values)))?;
        }
        Ok(())
    })?;

    // The running accuracy.
    dir.npz_with("running.npz", |npz| {
        let rows = running.block_classes.len();
        npz.add_array(
            "block_counts",
            &Array2::from_shape_vec((rows, n_exc), running.block_counts.clone())?,
        )?;
        npz.add_array(
            "block_classes",
            &Array1::from(running.block_classes.clone()),
        )?;
        let labels: Array1<i64> = running
            .labels
            .iter()
            .flatten()
            .map(|l| l.map_or(-1, i64::from))
            .collect();
        npz.add_array("labels", &labels)?;
        let recent: Array1<u8> = running.recent.iter().map(|&r| u8::from(r)).collect();
        npz.add_array("recent", &recent)?;
        Ok(())
    })?;
    dir.json("checkpoint.json", &serde_json::to_value(meta)?)?;

    // Swap the folders.
    if final_dir.exists() {
        if old_dir.exists() {
            fs::remove_dir_all(&old_dir)
                .with_context(|| format!("failed to remove {}", old_dir.display()))?;
        }
        fs::rename(&final_dir, &old_dir).with_context(|| {
            format!(
                "failed to move {} aside for the new checkpoint",
                final_dir.display()
            )
        })?;
    }
    fs::rename(&new_dir, &final_dir)
        .with_context(|| format!("failed to move the checkpoint to {}", final_dir.display()))?;
    if old_dir.exists() {
        fs::remove_dir_all(&old_dir)
            .with_context(|| format!("failed to remove {}", old_dir.display()))?;
    }
    Ok(())
}

/// Returns the checkpoint folder of `run_path` if one exists, finishing a swap that a
/// crash interrupted.
pub fn find(run_path: &Path) -> Result<Option<PathBuf>> {
    let final_dir = run_path.join(FOLDER);
    if final_dir.is_dir() {
        return Ok(Some(final_dir));
    }
    let new_dir = run_path.join(format!("{FOLDER}.new"));
    if new_dir.join("checkpoint.json").is_file() {
        fs::rename(&new_dir, &final_dir).with_context(|| {
            format!(
                "failed to move the interrupted checkpoint {} to {}",
                new_dir.display(),
                final_dir.display()
            )
        })?;
        return Ok(Some(final_dir));
    }
    Ok(None)
}

/// Removes the checkpoint of `run_path`, after a run completed.
pub fn remove(run_path: &Path) -> Result<()> {
    for name in [FOLDER.to_string(), format!("{FOLDER}.old")] {
        let dir = run_path.join(name);
        if dir.exists() {
            fs::remove_dir_all(&dir)
                .with_context(|| format!("failed to remove {}", dir.display()))?;
        }
    }
    Ok(())
}

/// Reads the checkpoint in folder `dir`, with running-accuracy settings
/// `relabel_every` and `window`. Every failure is an input error naming the file.
pub fn load(dir: &Path, relabel_every: usize, window: usize) -> Result<Checkpoint> {
    let corrupt = |file: &str, problem: String| {
        input_error(format!(
            "checkpoint {} is corrupt: {problem}; delete the folder {} and run without \
             --resume to train from the start",
            dir.join(file).display(),
            dir.display()
        ))
    };

    // checkpoint.json.
    let meta_path = dir.join("checkpoint.json");
    let text = fs::read_to_string(&meta_path)
        .map_err(|e| corrupt("checkpoint.json", format!("failed to read it ({e})")))?;
    let meta: Meta = serde_json::from_str(&text)
        .map_err(|e| corrupt("checkpoint.json", format!("invalid JSON ({e})")))?;
    if meta.format != FORMAT {
        return Err(input_error(format!(
            "checkpoint {} has format {}, but this version of hebbian reads format {FORMAT}; \
             resume it with hebbian {} or train from the start",
            meta_path.display(),
            meta.format,
            meta.hebbian_version
        )));
    }

    // state.npz.
    let mut npz = open_npz(&dir.join("state.npz")).map_err(|e| corrupt("state.npz", e))?;
    let state = read_state(&mut npz).map_err(|e| corrupt("state.npz", e))?;
    if state.step != meta.step || state.presentations != meta.presentations {
        return Err(corrupt(
            "state.npz",
            format!(
                "it is at step {} after {} presentations, but checkpoint.json says step {} \
                 after {}",
                state.step, state.presentations, meta.step, meta.presentations
            ),
        ));
    }

    // running.npz.
    let n_exc = state.theta.len();
    let mut npz = open_npz(&dir.join("running.npz")).map_err(|e| corrupt("running.npz", e))?;
    let running = read_running(&mut npz, &meta.running, n_exc, relabel_every, window)
        .map_err(|e| corrupt("running.npz", e))?;
    Ok(Checkpoint {
        meta,
        state,
        running,
    })
}

fn open_npz(path: &Path) -> Result<NpzReader<fs::File>, String> {
    let file = fs::File::open(path).map_err(|e| format!("failed to open it ({e})"))?;
    NpzReader::new(file).map_err(|e| format!("not a valid .npz archive ({e})"))
}

/// Reads array `name` with `ndim` dimensions as a flat vector and its shape.
fn read_array<T: ReadableElement + Copy>(
    npz: &mut NpzReader<fs::File>,
    name: &str,
    ndim: usize,
) -> Result<(Vec<T>, Vec<usize>), String> {
    let array: ArrayD<T> = npz
        .by_name(name)
        .map_err(|e| format!("failed to read array `{name}` ({e})"))?;
    if array.ndim() != ndim {
        return Err(format!(
            "array `{name}` has {} dimensions, expected {ndim}",
            array.ndim()
        ));
    }
    let shape = array.shape().to_vec();
    Ok((array.iter().copied().collect(), shape))
}

fn read_scalar(npz: &mut NpzReader<fs::File>, name: &str) -> Result<i64, String> {
    let (values, _) = read_array::<i64>(npz, name, 0)?;
    Ok(values[0])
}

fn read_steps(npz: &mut NpzReader<fs::File>, name: &str, ndim: usize) -> Result<Vec<u64>, String> {
    let (values, _) = read_array::<i64>(npz, name, ndim)?;
    values
        .into_iter()
        .map(step_from_i64)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("array `{name}`: {e}"))
}

fn read_state(npz: &mut NpzReader<fs::File>) -> Result<DiehlCookState, String> {
    let step = read_scalar(npz, "step")?;
    let presentations = read_scalar(npz, "presentations")?;
    if step < 0 || presentations < 0 {
        return Err(format!(
            "negative step ({step}) or presentation count ({presentations})"
        ));
    }
    let vector = |npz: &mut NpzReader<fs::File>, name: &str| -> Result<Vec<f64>, String> {
        Ok(read_array::<f64>(npz, name, 1)?.0)
    };
    let (w, w_shape) = read_array::<f64>(npz, "w", 2)?;
    let (delays, delay_shape) = read_array::<u16>(npz, "delays", 2)?;
    if delay_shape != w_shape {
        return Err(format!(
            "array `delays` has shape {delay_shape:?} but `w` has {w_shape:?}"
        ));
    }
    // The library checks every other length against the parameters.
    Ok(DiehlCookState {
        step: step as u64,
        presentations: presentations as u64,
        w,
        delays,
        last_pre: read_steps(npz, "last_pre", 2)?,
        v_exc: vector(npz, "v_exc")?,
        ge_exc: vector(npz, "ge_exc")?,
        gi_exc: vector(npz, "gi_exc")?,
        theta: vector(npz, "theta")?,
        ref_end_exc: read_steps(npz, "ref_end_exc", 1)?,
        last_post: read_steps(npz, "last_post", 1)?,
        v_inh: vector(npz, "v_inh")?,
        ge_inh: vector(npz, "ge_inh")?,
        gi_inh: vector(npz, "gi_inh")?,
        ref_end_inh: read_steps(npz, "ref_end_inh", 1)?,
    })
}

fn read_running(
    npz: &mut NpzReader<fs::File>,
    meta: &RunningMeta,
    n_exc: usize,
    relabel_every: usize,
    window: usize,
) -> Result<RunningAccuracy, String> {
    let mut running = RunningAccuracy::new(n_exc, relabel_every, window);

    // The current block.
    let (counts, shape) = read_array::<u32>(npz, "block_counts", 2)?;
    if shape[1] != n_exc && shape[0] > 0 {
        return Err(format!(
            "array `block_counts` has {} columns for {n_exc} neurons",
            shape[1]
        ));
    }
    running.block_counts = counts;
    running.block_classes = read_array::<u8>(npz, "block_classes", 1)?.0;
    running.block_correct = meta.block_correct;

    // The labels and the recent predictions.
    let labels = read_array::<i64>(npz, "labels", 1)?.0;
    running.labels = if meta.labelled {
        let labels = labels
            .into_iter()
            .map(|l| match l {
                -1 => Ok(None),
                l => u8::try_from(l).map(Some),
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| "array `labels` holds a value that is not a class or −1".to_string())?;
        Some(labels)
    } else {
        None
    };
    running.recent = read_array::<u8>(npz, "recent", 1)?
        .0
        .into_iter()
        .map(|r| r != 0)
        .collect();
    running.history = meta.history.clone();

    running.check()?;
    Ok(running)
}

/// Flattens a JSON value into `(dotted key, value)` pairs, for naming the keys that
/// differ between two experiments.
pub fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_conversion_roundtrip() {
        for step in [0, 7, NEVER, i64::MAX as u64] {
            assert_eq!(step_from_i64(step_to_i64(step)), Ok(step));
        }
        assert!(step_from_i64(-2).is_err());
    }

    #[test]
    fn flatten_names_nested_keys() {
        let value = serde_json::json!({"network": {"exc": {"tau_m": "100 ms"}}, "seed": 1});
        let mut out = Vec::new();
        flatten("", &value, &mut out);
        assert_eq!(
            out,
            vec![
                ("network.exc.tau_m".to_string(), Value::from("100 ms")),
                ("seed".to_string(), Value::from(1)),
            ]
        );
    }
}
