//! Builds the stored patterns and the recall cues of a Hopfield experiment.

use anyhow::Result;
use hebbian::data::{idx, image};
use hebbian::memory::{self, Patterns, Region};
use hebbian::rng::{self, Rng, streams};
use serde_json::{Value, json};

use super::config::{CueConfig, CueKind, Half, HopfieldExperiment, PatternSource};
use crate::data::DataLocation;
use crate::experiment::input_error;

/// Patterns ready to store, with what figures and reports need.
pub struct BuiltPatterns {
    /// The patterns.
    pub patterns: Patterns,
    /// Name of each pattern in reports ("digit 3 (image 7)").
    pub names: Vec<String>,
    /// `(rows, cols)` when the patterns are images.
    pub image_shape: Option<(usize, usize)>,
    /// Description of the loaded input, for the summary.
    pub info: Value,
}

/// Builds the patterns of a recall experiment (not of a load sweep, which draws its own).
pub fn build(
    experiment: &HopfieldExperiment,
    location: &DataLocation<'_>,
) -> Result<BuiltPatterns> {
    let p = &experiment.patterns;
    let threshold = p.threshold.unwrap_or(0.5);
    match p.source {
        PatternSource::Random => {
            let n_units = p.n_units.expect("validated");
            let n_patterns = p.n_patterns.expect("validated");
            let fraction_plus = p.fraction_plus.unwrap_or(0.5);
            let mut generator = rng::stream(experiment.seed, streams::STIMULUS);
            let patterns =
                memory::random_patterns(n_patterns, n_units, fraction_plus, &mut generator)?;
            Ok(BuiltPatterns {
                names: (0..n_patterns).map(|mu| format!("pattern {mu}")).collect(),
                image_shape: None,
                info: json!({ "source": "random", "n_units": n_units, "n_patterns": n_patterns,
                              "fraction_plus": fraction_plus }),
                patterns,
            })
        }
        PatternSource::Mnist => {
            let images_key = p.images.as_deref().expect("validated");
            let labels_key = p.labels.as_deref().expect("validated");
            let images_path = location.resolve("patterns.images", images_key, "IDX image file")?;
            let labels_path = location.resolve("patterns.labels", labels_key, "IDX label file")?;
            let (images, labels) = idx::read_labelled_images(&images_path, &labels_path)?;
            let dim = images.rows * images.cols;

            // The k-th request for a class takes the k-th image of that class, so a class
            // listed twice stores two different images.
            let digits = p.digits.as_ref().expect("validated");
            let mut used = [0usize; 10];
            let mut rows = Vec::with_capacity(digits.len());
            let mut names = Vec::with_capacity(digits.len());
            for &digit in digits {
                let occurrence = used[digit as usize];
                let index = labels
                    .iter()
                    .enumerate()
                    .filter(|&(_, &label)| label == digit)
                    .nth(occurrence)
                    .map(|(i, _)| i)
                    .ok_or_else(|| {
                        input_error(format!(
                            "{} holds only {occurrence} images of digit {digit}, but key \
                             `patterns.digits` asks for {}",
                            labels_path.display(),
                            occurrence + 1
                        ))
                    })?;
                used[digit as usize] += 1;
                let grey: Vec<f64> = images.pixels[index * dim..(index + 1) * dim]
                    .iter()
                    .map(|&v| v as f64 / 255.0)
                    .collect();
                rows.push(memory::binarize(&grey, threshold));
                names.push(format!("digit {digit} (image {index})"));
            }
            let values = rows.concat();
            Ok(BuiltPatterns {
                patterns: Patterns::new(values, dim)?,
                names,
                image_shape: Some((images.rows, images.cols)),
                info: json!({ "source": "mnist", "images": images_path, "labels": labels_path,
                              "digits": digits, "threshold": threshold }),
            })
        }
        PatternSource::File => {
            let key = p.path.as_deref().expect("validated");
            let path = location.resolve("patterns.path", key, "pattern file")?;
            let patterns = memory::read_patterns(&path)?;
            let image_shape = p.image_shape.map(|[r, c]| (r, c));
            if let Some((rows, cols)) = image_shape
                && rows * cols != patterns.n_units()
            {
                return Err(input_error(format!(
                    "key `patterns.image_shape` = [{rows}, {cols}] gives {} pixels, but the \
                     patterns in {} have {} units",
                    rows * cols,
                    path.display(),
                    patterns.n_units()
                )));
            }
            Ok(BuiltPatterns {
                names: (0..patterns.len())
                    .map(|mu| format!("pattern {mu}"))
                    .collect(),
                image_shape,
                info: json!({ "source": "file", "path": path, "n_patterns": patterns.len(),
                              "n_units": patterns.n_units() }),
                patterns,
            })
        }
        PatternSource::Png => {
            let files = p.files.as_ref().expect("validated");
            let mut rows = Vec::with_capacity(files.len());
            let mut shape = None;
            let mut paths = Vec::with_capacity(files.len());
            for (k, file) in files.iter().enumerate() {
                let path = location.resolve(&format!("patterns.files[{k}]"), file, "PNG image")?;
                let img = image::read_gray_png(&path)?;
                let this = (img.height, img.width);
                match shape {
                    None => shape = Some(this),
                    Some(first) if first != this => {
                        return Err(input_error(format!(
                            "{} is {}x{} pixels but {} is {}x{}; all pattern images must have \
                             the same size",
                            path.display(),
                            this.1,
                            this.0,
                            paths
                                .first()
                                .map_or_else(String::new, |p: &std::path::PathBuf| p
                                    .display()
                                    .to_string()),
                            first.1,
                            first.0
                        )));
                    }
                    Some(_) => {}
                }
                rows.push(memory::binarize(&img.pixels, threshold));
                paths.push(path);
            }
            let (height, width) = shape.expect("at least one file");
            Ok(BuiltPatterns {
                patterns: Patterns::new(rows.concat(), height * width)?,
                names: files.clone(),
                image_shape: shape,
                info: json!({ "source": "png", "files": paths, "threshold": threshold }),
            })
        }
    }
}

/// Builds cue `cue` from `pattern`; flips are drawn from `generator`.
pub fn make_cue(
    cue: &CueConfig,
    pattern: &[i8],
    image_shape: Option<(usize, usize)>,
    generator: &mut Rng,
) -> Result<Vec<i8>> {
    match cue.kind {
        CueKind::Flip => Ok(memory::flip_fraction(
            pattern,
            cue.fraction.expect("validated"),
            generator,
        )?),
        CueKind::Mask => {
            let (rows, cols) = image_shape.expect("validated: masks need images");
            let region = match cue.half {
                Some(Half::Lower) => (rows / 2, rows, 0, cols),
                Some(Half::Upper) => (0, rows / 2, 0, cols),
                Some(Half::Left) => (0, rows, 0, cols / 2),
                Some(Half::Right) => (0, rows, cols / 2, cols),
                None => {
                    let [r0, r1] = cue.rows.unwrap_or([0, rows]);
                    let [c0, c1] = cue.cols.unwrap_or([0, cols]);
                    (r0, r1, c0, c1)
                }
            };
            let region = Region {
                row_start: region.0,
                row_end: region.1,
                col_start: region.2,
                col_end: region.3,
            };
            Ok(memory::mask_region(
                pattern,
                (rows, cols),
                region,
                cue.fill.unwrap_or(-1),
            )?)
        }
    }
}
