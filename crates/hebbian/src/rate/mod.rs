//! Rate-based plasticity: a single layer `y = f(W x)` and the rules that train it.
//!
//! `W` has shape `(n_post, n_pre)`: row `i` holds the weights onto output `i`, so
//! `y = W x`. Rules receive `x` and the already computed `y` and update `W` in place.
//! Learning is online (one presentation at a time) by default. Rules that allow it
//! also take a mini-batch: the batch update is the mean of the single-presentation
//! updates, all computed with the weights from before the batch.
//!
//! | rule | file | converges to |
//! |---|---|---|
//! | plain Hebb | [`hebb`] | nothing: `‖w‖` grows without bound |
//! | Hebb with weight decay | [`decay`] | a bounded, input-dependent weight |
//! | Oja | [`oja`] | the first principal component, for every output |
//! | Sanger (GHA) | [`sanger`] | the first `n_post` principal components, in order |
//! | Oja subspace | [`subspace`] | an orthonormal basis of the top-`n_post` subspace |
//! | BCM | [`bcm`] | selectivity to one input pattern |
//!
//! "Principal component" means an eigenvector of the input's second-moment matrix
//! `E[x xᵀ]`, which is the covariance only when the input has zero mean (see
//! [`crate::stimulus::Centering`]).

pub mod bcm;
pub mod decay;
pub mod hebb;
pub mod normalize;
pub mod oja;
pub mod sanger;
pub mod subspace;
pub mod train;

use ndarray::Array2;
use rand_distr::{Distribution, Normal, Uniform};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::rng::Rng;

pub use bcm::Bcm;
pub use decay::{DecayForm, HebbDecay};
pub use hebb::Hebb;
pub use normalize::Normalization;
pub use oja::Oja;
pub use sanger::Sanger;
pub use subspace::OjaSubspace;

/// Output non-linearity `f` of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    /// `f(u) = u`.
    Linear,
    /// `f(u) = max(u, 0)`.
    Relu,
}

/// Distribution of the initial weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum WeightInit {
    /// Every weight zero.
    Zeros,
    /// Every weight equal to `value`.
    Constant { value: f64 },
    /// Independent normal draws with mean 0 and standard deviation `std`
    /// (`std = 0.1` is NumPy's `np.random.randn(...) * 0.1`).
    Normal { std: f64 },
    /// Independent uniform draws from `[low, high)`.
    Uniform { low: f64, high: f64 },
}

impl WeightInit {
    /// Checks the parameters of the distribution.
    pub fn validate(&self) -> Result<()> {
        match *self {
            WeightInit::Zeros => Ok(()),
            WeightInit::Constant { value } if value.is_finite() => Ok(()),
            WeightInit::Constant { value } => Err(Error::invalid_parameter(
                "weight initialisation",
                "value",
                "finite",
                value,
            )),
            WeightInit::Normal { std } => {
                crate::error::check_non_negative("weight initialisation", "std", std)
            }
            WeightInit::Uniform { low, high } => {
                if low.is_finite() && high.is_finite() && low < high {
                    Ok(())
                } else {
                    Err(Error::invalid_parameter(
                        "weight initialisation",
                        "high",
                        format!("finite and greater than low = {low}"),
                        high,
                    ))
                }
            }
        }
    }

    /// Draws a `(n_post, n_pre)` weight matrix, row by row.
    pub fn sample(&self, n_post: usize, n_pre: usize, rng: &mut Rng) -> Result<Array2<f64>> {
        self.validate()?;
        let w = match *self {
            WeightInit::Zeros => Array2::zeros((n_post, n_pre)),
            WeightInit::Constant { value } => Array2::from_elem((n_post, n_pre), value),
            WeightInit::Normal { std } => {
                let normal = Normal::new(0.0, std).expect("std checked by validate");
                Array2::from_shape_simple_fn((n_post, n_pre), || normal.sample(rng))
            }
            WeightInit::Uniform { low, high } => {
                let uniform = Uniform::new(low, high).expect("bounds checked by validate");
                Array2::from_shape_simple_fn((n_post, n_pre), || uniform.sample(rng))
            }
        };
        Ok(w)
    }
}

/// A fully connected rate layer `y = f(W x)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Weights, shape `(n_post, n_pre)`, row-major.
    pub weights: Array2<f64>,
    /// Output non-linearity.
    pub activation: Activation,
}

impl Layer {
    /// Creates a layer from a weight matrix of shape `(n_post, n_pre)`.
    pub fn new(weights: Array2<f64>, activation: Activation) -> Self {
        let weights = if weights.is_standard_layout() {
            weights
        } else {
            weights.as_standard_layout().to_owned()
        };
        Layer {
            weights,
            activation,
        }
    }

    /// Number of inputs.
    pub fn n_pre(&self) -> usize {
        self.weights.ncols()
    }

    /// Number of outputs.
    pub fn n_post(&self) -> usize {
        self.weights.nrows()
    }

    /// Computes `y = f(W x)` into `y`.
    pub fn forward(&self, x: &[f64], y: &mut [f64]) {
        let n_pre = self.n_pre();
        let w = self
            .weights
            .as_slice()
            .expect("weights are kept in standard layout");
        for (i, y_i) in y.iter_mut().enumerate() {
            let u = dot(&w[i * n_pre..(i + 1) * n_pre], x);
            *y_i = match self.activation {
                Activation::Linear => u,
                Activation::Relu => u.max(0.0),
            };
        }
    }

    /// Mutable row-major view of the weights, as rules expect it.
    pub fn weights_mut(&mut self) -> WeightsMut<'_> {
        let n_pre = self.n_pre();
        WeightsMut {
            values: self
                .weights
                .as_slice_mut()
                .expect("weights are kept in standard layout"),
            n_pre,
        }
    }
}

/// A row-major `(n_post, n_pre)` weight matrix borrowed for an update.
#[derive(Debug)]
pub struct WeightsMut<'a> {
    /// `n_post * n_pre` values; row `i` is `values[i * n_pre..(i + 1) * n_pre]`.
    pub values: &'a mut [f64],
    /// Row length.
    pub n_pre: usize,
}

impl WeightsMut<'_> {
    /// Number of rows.
    pub fn n_post(&self) -> usize {
        self.values.len() / self.n_pre.max(1)
    }

    /// Row `i`, the weights onto output `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.n_pre..(i + 1) * self.n_pre]
    }

    /// Mutable row `i`.
    pub fn row_mut(&mut self, i: usize) -> &mut [f64] {
        &mut self.values[i * self.n_pre..(i + 1) * self.n_pre]
    }
}

/// A rate-based plasticity rule.
///
/// Implementations mirror their equation term by term; see each module's docs.
pub trait RateRule: Send {
    /// Short name used in messages and summaries ("oja", "sanger", ...).
    fn name(&self) -> &'static str;

    /// Applies one online update for input `x` and output `y` with learning rate `eta`.
    fn update(&mut self, w: &mut WeightsMut<'_>, x: &[f64], y: &[f64], eta: f64);

    /// Applies one mini-batch update: the mean of the single-presentation updates of the
    /// rows of `xs` `(batch, n_pre)` and `ys` `(batch, n_post)`, all with the weights from
    /// before the batch. Returns `false` if the rule has no batch form.
    fn update_batch(
        &mut self,
        w: &mut WeightsMut<'_>,
        xs: &[f64],
        ys: &[f64],
        batch: usize,
        eta: f64,
    ) -> bool {
        let _ = (w, xs, ys, batch, eta);
        false
    }

    /// Per-output sliding threshold, for rules that have one (BCM).
    fn theta(&self) -> Option<&[f64]> {
        None
    }

    /// Advice for the divergence error of this rule.
    fn divergence_remedy(&self, eta: f64, max_input_norm_sq: f64) -> String {
        let _ = max_input_norm_sq;
        format!("lower eta (now {eta}) or add weight decay or normalization")
    }

    /// `true` for the rules whose fixed points are principal components.
    fn is_pca(&self) -> bool {
        false
    }
}

/// Remedy for the PCA rules, whose online update is stable only for `eta |x|^2 < 1`.
pub(crate) fn pca_remedy(eta: f64, max_input_norm_sq: f64) -> String {
    let product = eta * max_input_norm_sq;
    let bound = if max_input_norm_sq > 0.0 {
        format!("{:.3e}", 1.0 / max_input_norm_sq)
    } else {
        "1/|x|^2".to_string()
    };
    format!(
        "eta*|x|^2 must stay below 1, and here eta = {eta} with max |x|^2 = {max_input_norm_sq:.4} \
         gives {product:.3}; lower eta below {bound} or scale the input down"
    )
}

/// Dot product of two equal-length slices.
///
/// Sixteen partial sums in a fixed order: enough independent additions to keep the
/// vector units busy instead of waiting on one chain of dependent additions, and the
/// same order, so the same result, on every CPU.
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    const LANES: usize = 16;
    let mut acc = [0.0f64; LANES];
    let chunks_a = a.chunks_exact(LANES);
    let chunks_b = b.chunks_exact(LANES);
    let tail: f64 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(p, q)| p * q)
        .sum();
    for (p, q) in chunks_a.zip(chunks_b) {
        for k in 0..LANES {
            acc[k] += p[k] * q[k];
        }
    }

    // Pairwise reduction of the partial sums.
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            acc[k] += acc[k + width];
        }
    }
    acc[0] + tail
}

/// `y += alpha * x`.
#[inline]
pub(crate) fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (y_j, x_j) in y.iter_mut().zip(x) {
        *y_j += alpha * x_j;
    }
}
