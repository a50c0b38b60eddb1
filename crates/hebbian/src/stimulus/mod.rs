//! Input streams for rate-based learning: generated stimuli and data sets.

pub mod bars;
pub mod patches;
pub mod prefetch;

use std::sync::Arc;

use rand::seq::SliceRandom;

use crate::error::{Error, Result};
use crate::rng::Rng;

pub use bars::{AngleSpacing, OrientedBars};
pub use patches::{PatchSettings, sample_patches};
pub use prefetch::Prefetch;

/// A source of input vectors, one per presentation.
pub trait Stimulus: Send {
    /// Length of each input vector.
    fn n_inputs(&self) -> usize;

    /// `(rows, cols)` when each input is an image stored row-major, for figures.
    fn image_shape(&self) -> Option<(usize, usize)>;

    /// Writes the next input into `x` (length [`Stimulus::n_inputs`]).
    fn next_into(&mut self, x: &mut [f64]);
}

/// A stimulus whose inputs come in blocks of a fixed length, each a function of the
/// stimulus's settings, its seed and the block's index alone, so that blocks can be
/// drawn in any order and on any thread.
pub trait BlockStimulus: Stimulus + Clone {
    /// Presentations per block.
    fn block_len(&self) -> usize;

    /// Moves to the start of block `k`: the next [`BlockStimulus::block_len`] inputs are block
    /// `k`'s.
    fn seek_block(&mut self, k: u64);
}

impl<S: Stimulus + ?Sized> Stimulus for Box<S> {
    fn n_inputs(&self) -> usize {
        (**self).n_inputs()
    }

    fn image_shape(&self) -> Option<(usize, usize)> {
        (**self).image_shape()
    }

    fn next_into(&mut self, x: &mut [f64]) {
        (**self).next_into(x)
    }
}

/// A finite set of samples, stored row-major as `f32` to halve the memory of large sets
/// (MNIST is 60 000 × 784). Values are converted to `f64` when presented.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    values: Vec<f32>,
    n_samples: usize,
    dim: usize,
    image_shape: Option<(usize, usize)>,
    /// Class labels, one per sample, where the source has them.
    pub labels: Option<Vec<u8>>,
}

impl Dataset {
    /// Creates a data set from `n_samples * dim` row-major values.
    pub fn new(values: Vec<f32>, dim: usize, image_shape: Option<(usize, usize)>) -> Result<Self> {
        if dim == 0 || values.len() % dim != 0 {
            return Err(Error::ShapeMismatch {
                context: "data set: values against the sample size",
                expected: format!("a multiple of dim = {dim}"),
                got: values.len().to_string(),
            });
        }
        if let Some((rows, cols)) = image_shape
            && rows * cols != dim
        {
            return Err(Error::ShapeMismatch {
                context: "data set: image shape against the sample size",
                expected: dim.to_string(),
                got: format!("{rows} x {cols}"),
            });
        }
        if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid_parameter(
                "data set",
                "values",
                format!("finite (sample {}, element {})", bad / dim, bad % dim),
                values[bad],
            ));
        }
        let n_samples = values.len() / dim;
        if n_samples == 0 {
            return Err(Error::invalid_parameter(
                "data set",
                "samples",
                "at least 1",
                0,
            ));
        }
        Ok(Dataset {
            values,
            n_samples,
            dim,
            image_shape,
            labels: None,
        })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.n_samples
    }

    /// Returns `false`: a data set contains at least one sample.
    pub fn is_empty(&self) -> bool {
        self.n_samples == 0
    }

    /// Length of each sample.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Image shape of each sample, if any.
    pub fn image_shape(&self) -> Option<(usize, usize)> {
        self.image_shape
    }

    /// Sample `k`.
    pub fn sample(&self, k: usize) -> &[f32] {
        &self.values[k * self.dim..(k + 1) * self.dim]
    }

    /// Returns all samples, row-major.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Mean over samples, accumulated in `f64`.
    pub fn mean(&self) -> Vec<f64> {
        let mut mean = vec![0.0; self.dim];
        for k in 0..self.n_samples {
            for (m, &v) in mean.iter_mut().zip(self.sample(k)) {
                *m += v as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= self.n_samples as f64);
        mean
    }
}

/// Presents the samples of a [`Dataset`] epoch by epoch, optionally centred.
#[derive(Debug, Clone)]
pub struct DatasetStimulus {
    data: Arc<Dataset>,
    offset: Option<Vec<f64>>,
    order: Vec<usize>,
    position: usize,
    shuffle: bool,
    rng: Rng,
}

impl DatasetStimulus {
    /// Creates the stream. With `shuffle`, each epoch visits the samples in a new
    /// random order drawn from `rng`; without it, in stored order.
    pub fn new(data: Arc<Dataset>, shuffle: bool, rng: Rng) -> Self {
        let order = (0..data.len()).collect();
        let mut stimulus = DatasetStimulus {
            data,
            offset: None,
            order,
            position: 0,
            shuffle,
            rng,
        };
        stimulus.start_epoch();
        stimulus
    }

    /// Subtracts `mean` from every presented sample.
    pub fn with_mean_removed(mut self, mean: Vec<f64>) -> Self {
        self.offset = Some(mean);
        self
    }

    fn start_epoch(&mut self) {
        self.position = 0;
        if self.shuffle {
            self.order.shuffle(&mut self.rng);
        }
    }
}

impl Stimulus for DatasetStimulus {
    fn n_inputs(&self) -> usize {
        self.data.dim()
    }

    fn image_shape(&self) -> Option<(usize, usize)> {
        self.data.image_shape()
    }

    fn next_into(&mut self, x: &mut [f64]) {
        if self.position == self.order.len() {
            self.start_epoch();
        }
        let sample = self.data.sample(self.order[self.position]);
        self.position += 1;
        match &self.offset {
            Some(mean) => {
                for ((x_j, &s_j), m_j) in x.iter_mut().zip(sample).zip(mean) {
                    *x_j = s_j as f64 - m_j;
                }
            }
            None => {
                for (x_j, &s_j) in x.iter_mut().zip(sample) {
                    *x_j = s_j as f64;
                }
            }
        }
    }
}

/// Presents a fixed list of vectors in order, over and over.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    inputs: Vec<Vec<f64>>,
    next: usize,
}

impl Cycle {
    /// Creates the cycle; every input must have the same, non-zero length.
    pub fn new(inputs: Vec<Vec<f64>>) -> Result<Self> {
        let Some(first) = inputs.first() else {
            return Err(Error::invalid_parameter(
                "input cycle",
                "inputs",
                "at least one vector",
                0,
            ));
        };
        let n = first.len();
        if n == 0 {
            return Err(Error::invalid_parameter(
                "input cycle",
                "inputs",
                "non-empty vectors",
                0,
            ));
        }
        if let Some(bad) = inputs.iter().position(|x| x.len() != n) {
            return Err(Error::ShapeMismatch {
                context: "input cycle: every vector has the length of the first",
                expected: n.to_string(),
                got: format!("{} (vector {bad})", inputs[bad].len()),
            });
        }
        Ok(Cycle { inputs, next: 0 })
    }
}

impl Stimulus for Cycle {
    fn n_inputs(&self) -> usize {
        self.inputs[0].len()
    }

    fn image_shape(&self) -> Option<(usize, usize)> {
        None
    }

    fn next_into(&mut self, x: &mut [f64]) {
        x.copy_from_slice(&self.inputs[self.next]);
        self.next = (self.next + 1) % self.inputs.len();
    }
}

/// Subtracts a fixed mean from every input of another stimulus.
///
/// For a generated stimulus the exact mean is usually unknown, so [`estimate_mean`]
/// estimates it from draws of an independent copy of the generator.
pub struct Centered<S> {
    inner: S,
    mean: Vec<f64>,
}

impl<S: Stimulus> Centered<S> {
    /// Wraps `inner`, subtracting `mean`.
    pub fn new(inner: S, mean: Vec<f64>) -> Result<Self> {
        if mean.len() != inner.n_inputs() {
            return Err(Error::ShapeMismatch {
                context: "centering: mean against the stimulus size",
                expected: inner.n_inputs().to_string(),
                got: mean.len().to_string(),
            });
        }
        Ok(Centered { inner, mean })
    }

    /// Returns the mean being subtracted.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }
}

impl<S: Stimulus> Stimulus for Centered<S> {
    fn n_inputs(&self) -> usize {
        self.inner.n_inputs()
    }

    fn image_shape(&self) -> Option<(usize, usize)> {
        self.inner.image_shape()
    }

    fn next_into(&mut self, x: &mut [f64]) {
        self.inner.next_into(x);
        for (x_j, m_j) in x.iter_mut().zip(&self.mean) {
            *x_j -= m_j;
        }
    }
}

/// Mean of `samples` draws from `stimulus`.
pub fn estimate_mean(stimulus: &mut dyn Stimulus, samples: usize) -> Vec<f64> {
    let n = stimulus.n_inputs();
    let mut mean = vec![0.0; n];
    let mut x = vec![0.0; n];
    for _ in 0..samples {
        stimulus.next_into(&mut x);
        for (m, v) in mean.iter_mut().zip(&x) {
            *m += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= samples.max(1) as f64);
    mean
}

/// Whether the PCA-type rules see raw or mean-subtracted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Centering {
    /// Present the input as it is; the rules then find eigenvectors of `E[x xᵀ]`.
    #[default]
    None,
    /// Subtract the input mean (exact for a data set, estimated for a generator), so the
    /// rules find eigenvectors of the covariance.
    Mean,
}
