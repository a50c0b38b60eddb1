//! Square patches sampled from grayscale images.
//!
//! Each patch comes from an image chosen uniformly at random and a top-left corner
//! chosen uniformly among the positions where the patch fits. Options, applied in order:
//!
//! 1. `remove_mean`: subtract each patch's own mean (its DC component).
//! 2. `whiten`: ZCA whitening, `x ← U (Λ + ε I)^(−1/2) Uᵀ (x − m)`, with `C = U Λ Uᵀ`
//!    the covariance of the patches and `m` their mean. Whitening makes every
//!    direction equally variable, so do not whiten before PCA rules unless that is
//!    the point: their components are then arbitrary.

use ndarray::Array2;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use super::Dataset;
use crate::data::image::GrayImage;
use crate::error::{Error, Result, check_positive};
use crate::linalg;
use crate::rng::Rng;

/// Sampling and preprocessing settings for patches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchSettings {
    /// Side of a square patch in pixels.
    pub size: usize,
    /// Number of patches to sample.
    pub n_patches: usize,
    /// Subtract each patch's own mean.
    pub remove_mean: bool,
    /// Apply ZCA whitening.
    pub whiten: bool,
    /// ε added to the eigenvalues before whitening.
    pub whiten_epsilon: f64,
}

impl Default for PatchSettings {
    fn default() -> Self {
        PatchSettings {
            size: 8,
            n_patches: 50_000,
            remove_mean: true,
            whiten: false,
            whiten_epsilon: 1e-3,
        }
    }
}

/// Samples patches from `images`.
pub fn sample_patches(
    images: &[GrayImage],
    settings: &PatchSettings,
    rng: &mut Rng,
) -> Result<Dataset> {
    let size = settings.size;
    if size == 0 {
        return Err(Error::invalid_parameter(
            "image patches",
            "size",
            ">= 1 pixel",
            0,
        ));
    }
    if settings.n_patches == 0 {
        return Err(Error::invalid_parameter(
            "image patches",
            "n_patches",
            ">= 1",
            0,
        ));
    }
    check_positive("image patches", "whiten_epsilon", settings.whiten_epsilon)?;
    if images.is_empty() {
        return Err(Error::invalid_parameter(
            "image patches",
            "images",
            "at least one image",
            0,
        ));
    }
    if let Some(small) = images.iter().find(|im| im.width < size || im.height < size) {
        return Err(Error::invalid_parameter(
            "image patches",
            "size",
            format!(
                "at most the smallest image side ({} x {} pixels)",
                small.width, small.height
            ),
            size,
        ));
    }

    // Sample.
    let dim = size * size;
    let mut values = vec![0.0f64; settings.n_patches * dim];
    for patch in values.chunks_exact_mut(dim) {
        let image = &images[rng.random_range(0..images.len())];
        let top = rng.random_range(0..=image.height - size);
        let left = rng.random_range(0..=image.width - size);
        for r in 0..size {
            for c in 0..size {
                patch[r * size + c] = image.at(top + r, left + c);
            }
        }
    }

    // Remove each patch's mean.
    if settings.remove_mean {
        for patch in values.chunks_exact_mut(dim) {
            let mean = patch.iter().sum::<f64>() / dim as f64;
            patch.iter_mut().for_each(|v| *v -= mean);
        }
    }

    // ZCA whitening.
    if settings.whiten {
        let n = settings.n_patches as f64;
        let mut mean = vec![0.0; dim];
        for patch in values.chunks_exact(dim) {
            mean.iter_mut().zip(patch).for_each(|(m, v)| *m += v / n);
        }
        for patch in values.chunks_exact_mut(dim) {
            patch.iter_mut().zip(&mean).for_each(|(v, m)| *v -= m);
        }
        let cov = linalg::second_moment_of(&values, dim);
        let eig = linalg::symmetric_eigen(&cov)?;
        let mut zca = Array2::<f64>::zeros((dim, dim));
        for k in 0..dim {
            let scale = 1.0 / (eig.values[k].max(0.0) + settings.whiten_epsilon).sqrt();
            let u = eig.vectors.row(k);
            for i in 0..dim {
                for j in 0..dim {
                    zca[[i, j]] += scale * u[i] * u[j];
                }
            }
        }
        let mut out = vec![0.0; dim];
        for patch in values.chunks_exact_mut(dim) {
            for i in 0..dim {
                out[i] = (0..dim).map(|j| zca[[i, j]] * patch[j]).sum();
            }
            patch.copy_from_slice(&out);
        }
    }

    let values32 = values.iter().map(|&v| v as f32).collect();
    Dataset::new(values32, dim, Some((size, size)))
}
