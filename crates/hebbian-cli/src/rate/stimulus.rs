//! Builds the stimulus of a rate experiment and the data needed to evaluate it.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use hebbian::data::{idx, image};
use hebbian::linalg;
use hebbian::rng::{self, streams};
use hebbian::stimulus::{
    AngleSpacing, Centered, Centering, Dataset, DatasetStimulus, OrientedBars, PatchSettings,
    Prefetch, Stimulus, estimate_mean, sample_patches,
};
use ndarray::Array2;
use serde_json::json;

use super::config::{RateExperiment, StimulusKind};
use crate::data::DataLocation;
use crate::experiment::input_error;

/// Blocks of bars kept ready by the second thread, when the bars are drawn on one.
const PREFETCH_DEPTH: usize = 2;
/// Minimum number of presentations for which the bars are drawn on a second thread by
/// default.
const PREFETCH_MIN_PRESENTATIONS: u64 = 50_000;

/// Stream of the samples that estimate a generated stimulus's mean for centering.
const CENTERING_STREAM: u64 = 6;

/// A stimulus ready for training, with what the metrics need.
pub struct BuiltStimulus {
    /// The input stream seen by the rule.
    pub stimulus: Box<dyn Stimulus>,
    /// The data set behind it, for data-set stimuli.
    pub dataset: Option<Arc<Dataset>>,
    /// Mean subtracted from every input, if centred.
    pub mean: Option<Vec<f64>>,
    /// Noiseless bars and their angles in radians, for the bar stimulus.
    pub clean_bars: Option<(Vec<Vec<f64>>, Vec<f64>)>,
    /// Image shape of each input, for figures.
    pub image_shape: Option<(usize, usize)>,
    /// Description of the loaded input, for the summary.
    pub info: serde_json::Value,
}

/// Builds the stimulus described by `experiment`.
pub fn build(experiment: &RateExperiment, location: &DataLocation<'_>) -> Result<BuiltStimulus> {
    let s = &experiment.stimulus;
    let seed = experiment.seed;
    let mut built = match s.kind {
        StimulusKind::OrientedBars => {
            let size = s.size.unwrap_or(10);
            let n = s.n_orientations.unwrap_or(8);
            let spacing = s.angles.unwrap_or_default();
            let noise = s.noise_std.unwrap_or(0.1);
            let bars = OrientedBars::new(
                size,
                n,
                spacing,
                noise,
                rng::stream(seed, streams::STIMULUS),
            )?;
            let clean = (bars.clean_bars().to_vec(), bars.angles().to_vec());
            // With `prefetch`, the bars are drawn on a second thread; the inputs are the
            // same either way. Without the key, a run of at least PREFETCH_MIN_PRESENTATIONS
            // on a machine with two or more CPUs uses it: in shorter runs, starting the
            // thread and handing over the first blocks cost more than the thread saves.
            let prefetch = s.prefetch.unwrap_or_else(|| {
                experiment.training.presentations.unwrap_or(0) >= PREFETCH_MIN_PRESENTATIONS
                    && std::thread::available_parallelism().is_ok_and(|cpus| cpus.get() >= 2)
            });
            let info = json!({
                "kind": "oriented-bars",
                "size": size,
                "n_orientations": n,
                "angles_rad": bars.angles(),
                "angle_spacing": match spacing { AngleSpacing::HalfOpen => "half-open", AngleSpacing::Tutorial => "tutorial" },
                "noise_std": noise,
                "prefetch": prefetch,
            });
            let stimulus: Box<dyn Stimulus> = if prefetch {
                Box::new(Prefetch::new(bars, PREFETCH_DEPTH))
            } else {
                Box::new(bars)
            };
            BuiltStimulus {
                stimulus,
                dataset: None,
                mean: None,
                clean_bars: Some(clean),
                image_shape: Some((size, size)),
                info,
            }
        }
        StimulusKind::Idx => {
            let value = s.images.as_deref().unwrap_or_default();
            let path = location.resolve("stimulus.images", value, "IDX image file")?;
            let images = idx::read_images(&path).map_err(|e| input_error(e.to_string()))?;
            let scale = s.pixel_scale.unwrap_or(1.0 / 255.0);
            let count = s.limit.map_or(images.n, |l| l.min(images.n));
            let dim = images.rows * images.cols;
            if count == 0 || dim == 0 {
                return Err(input_error(format!("{} holds no images", path.display())));
            }
            let values = images.pixels[..count * dim]
                .iter()
                .map(|&p| (p as f64 * scale) as f32)
                .collect();
            let dataset = Arc::new(Dataset::new(values, dim, Some((images.rows, images.cols)))?);
            let info = json!({
                "kind": "idx",
                "file": path.display().to_string(),
                "images_in_file": images.n,
                "images_used": count,
                "image_shape": [images.rows, images.cols],
                "pixel_scale": scale,
            });
            dataset_stimulus(dataset, s.shuffle.unwrap_or(true), seed, info)
        }
        StimulusKind::ImagePatches => {
            let files = patch_files(s.files.as_deref(), location)?;
            let mut images = Vec::with_capacity(files.len());
            for file in &files {
                images.push(image::read_gray_png(file).map_err(|e| input_error(e.to_string()))?);
            }
            let settings = PatchSettings {
                size: s.size.unwrap_or(8),
                n_patches: s.n_patches.unwrap_or(50_000),
                remove_mean: s.remove_mean.unwrap_or(true),
                whiten: s.whiten.unwrap_or(false),
                whiten_epsilon: s.whiten_epsilon.unwrap_or(1e-3),
            };
            let dataset = Arc::new(sample_patches(
                &images,
                &settings,
                &mut rng::stream(seed, streams::PATCHES),
            )?);
            let converted: Vec<String> = files
                .iter()
                .zip(&images)
                .filter(|(_, im)| im.converted_from_color)
                .map(|(f, _)| f.display().to_string())
                .collect();
            let info = json!({
                "kind": "image-patches",
                "files": files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
                "converted_from_color": converted,
                "settings": settings,
            });
            dataset_stimulus(dataset, s.shuffle.unwrap_or(true), seed, info)
        }
    };

    if s.centering == Centering::Mean {
        built = center(built, experiment)?;
    }
    Ok(built)
}

fn dataset_stimulus(
    dataset: Arc<Dataset>,
    shuffle: bool,
    seed: u64,
    info: serde_json::Value,
) -> BuiltStimulus {
    let image_shape = dataset.image_shape();
    BuiltStimulus {
        stimulus: Box::new(DatasetStimulus::new(
            dataset.clone(),
            shuffle,
            rng::stream(seed, streams::ORDER),
        )),
        dataset: Some(dataset),
        mean: None,
        clean_bars: None,
        image_shape,
        info,
    }
}

/// Subtracts the exact data-set mean, or, for a generator, a mean estimated from
/// `output.evaluation_samples` draws of an independent stream.
fn center(built: BuiltStimulus, experiment: &RateExperiment) -> Result<BuiltStimulus> {
    let seed = experiment.seed;
    if let Some(dataset) = &built.dataset {
        let mean = dataset.mean();
        let shuffle = experiment.stimulus.shuffle.unwrap_or(true);
        let stimulus =
            DatasetStimulus::new(dataset.clone(), shuffle, rng::stream(seed, streams::ORDER))
                .with_mean_removed(mean.clone());
        return Ok(BuiltStimulus {
            stimulus: Box::new(stimulus),
            mean: Some(mean),
            ..built
        });
    }
    let s = &experiment.stimulus;
    let mut estimator = OrientedBars::new(
        s.size.unwrap_or(10),
        s.n_orientations.unwrap_or(8),
        s.angles.unwrap_or_default(),
        s.noise_std.unwrap_or(0.1),
        rng::stream(seed, CENTERING_STREAM),
    )?;
    let mean = estimate_mean(&mut estimator, experiment.output.evaluation_samples);
    let BuiltStimulus {
        stimulus,
        clean_bars,
        image_shape,
        info,
        ..
    } = built;
    Ok(BuiltStimulus {
        stimulus: Box::new(Centered::new(stimulus, mean.clone())?),
        dataset: None,
        mean: Some(mean),
        clean_bars,
        image_shape,
        info,
    })
}

fn patch_files(files: Option<&[String]>, location: &DataLocation<'_>) -> Result<Vec<PathBuf>> {
    if let Some(files) = files {
        if files.is_empty() {
            return Err(input_error(
                "key `stimulus.files` is empty; list at least one PNG file or leave it out to use every .png in the data folder",
            ));
        }
        return files
            .iter()
            .map(|f| location.resolve("stimulus.files", f, "image file"))
            .collect();
    }
    let folder = location.folder("a folder of grayscale PNG images")?;
    let mut found: Vec<PathBuf> = std::fs::read_dir(&folder)
        .map_err(|e| input_error(format!("failed to list {}: {e}", folder.display())))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("png")))
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(input_error(format!(
            "no .png files in {}; pass --data DIR with a folder of grayscale PNG images",
            folder.display()
        )));
    }
    Ok(found)
}

/// The matrix whose eigenvectors the PCA rules should find: `E[x xᵀ]` of the inputs as
/// presented (covariance when centred). Exact over a data set; for a generator,
/// estimated from `samples` draws of an independent stream.
pub fn reference_matrix(
    built: &BuiltStimulus,
    experiment: &RateExperiment,
) -> Result<(Array2<f64>, String)> {
    let centred = built.mean.is_some();
    let what = if centred {
        "covariance"
    } else {
        "second moment E[x x^T] (input not centred)"
    };
    if let Some(dataset) = &built.dataset {
        let matrix = linalg::second_moment(dataset, built.mean.as_deref());
        return Ok((
            matrix,
            format!("{what}, exact over {} samples", dataset.len()),
        ));
    }
    let s = &experiment.stimulus;
    let samples = experiment.output.evaluation_samples;
    let mut generator = OrientedBars::new(
        s.size.unwrap_or(10),
        s.n_orientations.unwrap_or(8),
        s.angles.unwrap_or_default(),
        s.noise_std.unwrap_or(0.1),
        rng::stream(experiment.seed, streams::EVALUATION),
    )?;
    let n = generator.n_inputs();
    let mut values = vec![0.0; samples * n];
    for x in values.chunks_exact_mut(n) {
        generator.next_into(x);
        if let Some(mean) = &built.mean {
            x.iter_mut().zip(mean).for_each(|(v, m)| *v -= m);
        }
    }
    let matrix = linalg::second_moment_of(&values, n);
    Ok((
        matrix,
        format!("{what}, estimated from {samples} independent samples"),
    ))
}
