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
        self.forward_with_norms(x, y);
    }

    /// [`Layer::forward`], also returning `x · x` (equal to `dot(x, x)` bit for bit) and
    /// the sum of the squared weights (in an order that depends on the CPU, for
    /// comparison with a bound only), both computed in the same pass.
    pub fn forward_with_norms(&self, x: &[f64], y: &mut [f64]) -> (f64, f64) {
        let n_pre = self.n_pre();
        let w = self
            .weights
            .as_slice()
            .expect("weights are kept in standard layout");
        let activate = |u: f64| match self.activation {
            Activation::Linear => u,
            Activation::Relu => u.max(0.0),
        };
        let mut input_sq = None;
        let mut weights_sq = 0.0;
        let mut groups = y.chunks_exact_mut(4);
        let mut i = 0;
        for y4 in &mut groups {
            let row = |k: usize| &w[(i + k) * n_pre..(i + k + 1) * n_pre];
            let (u, x_sq, rows_sq) = dot4_and_norm([row(0), row(1), row(2), row(3)], x);
            input_sq = Some(x_sq);
            weights_sq += rows_sq;
            for (y_i, u) in y4.iter_mut().zip(u) {
                *y_i = activate(u);
            }
            i += 4;
        }
        for y_i in groups.into_remainder() {
            let row = &w[i * n_pre..(i + 1) * n_pre];
            *y_i = activate(dot(row, x));
            weights_sq += sum_of_squares(row);
            i += 1;
        }
        (input_sq.unwrap_or_else(|| dot(x, x)), weights_sq)
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

    /// Sets the rule's own state variables of smaller magnitude than `f64::MIN_POSITIVE`
    /// (subnormal numbers) to 0. The training loop calls it when it flushes the weights.
    fn flush_subnormals(&mut self) {}

    /// Advice for the divergence error of this rule.
    fn divergence_remedy(&self, eta: f64, max_input_norm_sq: f64) -> String {
        let _ = max_input_norm_sq;
        format!(
            "lower eta (now {}) or add weight decay or normalization",
            show(eta)
        )
    }

    /// `true` for the rules whose fixed points are principal components.
    fn is_pca(&self) -> bool {
        false
    }
}

/// Formats a value for a message as Rust prints it, or with an exponent where that takes
/// more than a dozen characters (`1e308` instead of 309 digits).
pub(crate) fn show(x: f64) -> String {
    let plain = x.to_string();
    if plain.len() > 12 {
        format!("{x:e}")
    } else {
        plain
    }
}

/// Remedy for the PCA rules, whose online update is stable only for `eta |x|^2 < 1`.
pub(crate) fn pca_remedy(eta: f64, max_input_norm_sq: f64) -> String {
    let product = eta * max_input_norm_sq;
    let product_text = if product.abs() < 1e6 {
        format!("{product:.3}")
    } else {
        format!("{product:.3e}")
    };
    let bound = if max_input_norm_sq > 0.0 {
        format!("{:.3e}", 1.0 / max_input_norm_sq)
    } else {
        "1/|x|^2".to_string()
    };
    format!(
        "eta*|x|^2 must stay below 1, and here eta = {} with max |x|^2 = {max_input_norm_sq:.4} \
         gives {product_text}; lower eta below {bound} or scale the input down",
        show(eta)
    )
}

/// Dot product of two equal-length slices.
///
/// Sixteen partial sums in a fixed order: element `j` goes to partial sum `j % 16`, the
/// last incomplete group of sixteen padded with zeros, and the partial sums are added
/// pairwise. Enough independent additions to keep the vector units busy instead of
/// waiting on one chain of dependent additions, and the same order, so the same result,
/// on every CPU.
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; LANES];
    let chunks_a = a.chunks_exact(LANES);
    let chunks_b = b.chunks_exact(LANES);
    let (rest_a, rest_b) = (chunks_a.remainder(), chunks_b.remainder());
    for (p, q) in chunks_a.zip(chunks_b) {
        for k in 0..LANES {
            acc[k] += p[k] * q[k];
        }
    }
    if !rest_a.is_empty() {
        let (mut p, mut q) = ([0.0f64; LANES], [0.0f64; LANES]);
        p[..rest_a.len()].copy_from_slice(rest_a);
        q[..rest_b.len()].copy_from_slice(rest_b);
        for k in 0..LANES {
            acc[k] += p[k] * q[k];
        }
    }
    reduce_lanes(acc)
}

/// Partial sums of [`dot`].
const LANES: usize = 16;

/// Returns the dot products of four rows with the same `x`, and `x · x`, each added in the
/// order [`dot`] uses, so each equals the matching `dot` bit for bit on every CPU.
/// `x` is read once for all five, in the widest vectors the CPU has (chosen at run time
/// by `pulp`). The sixteen partial sums of `dot` sit in two, four or sixteen registers.
/// That changes how fast they are added, not what is added to what.
///
/// It also returns the sum of the squares of the four rows, added in an order that
/// depends on the CPU (for comparison with a bound only).
pub(crate) fn dot4_and_norm(rows: [&[f64]; 4], x: &[f64]) -> ([f64; 4], f64, f64) {
    struct Dot4<'a> {
        rows: [&'a [f64]; 4],
        x: &'a [f64],
    }

    impl pulp::WithSimd for Dot4<'_> {
        type Output = ([f64; 4], f64, f64);

        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, simd: S) -> Self::Output {
            let width = std::mem::size_of::<S::f64s>() / std::mem::size_of::<f64>();
            let n = self.x.len();
            if width == 0 || LANES % width != 0 || self.rows.iter().any(|r| r.len() != n) {
                let dots = self.rows.map(|row| dot(row, self.x));
                let rows_sq = self.rows.iter().map(|row| dot(row, row)).sum();
                return (dots, dot(self.x, self.x), rows_sq);
            }

            let per_chunk = LANES / width;
            // acc[r][v] contains lanes v·width .. (v + 1)·width of row r's sixteen
            // partial sums, and r = 4 is x · x
            let zero = simd.splat_f64s(0.0);
            let mut acc = [[zero; LANES]; 5];
            // squares of the weights of all four rows, for the divergence bound
            let mut squares = [zero; LANES];
            let full = n - n % LANES;
            let (x_head, _) = S::as_simd_f64s(&self.x[..full]);
            let heads = self.rows.map(|row| S::as_simd_f64s(&row[..full]).0);
            for (c, xs) in x_head.chunks_exact(per_chunk).enumerate() {
                for (v, &xv) in xs.iter().enumerate() {
                    for r in 0..4 {
                        let wv = heads[r][c * per_chunk + v];
                        acc[r][v] = simd.add_f64s(acc[r][v], simd.mul_f64s(wv, xv));
                        squares[v] = simd.add_f64s(squares[v], simd.mul_f64s(wv, wv));
                    }
                    acc[4][v] = simd.add_f64s(acc[4][v], simd.mul_f64s(xv, xv));
                }
            }
            // the last group of sixteen, padded with zeros
            if full < n {
                let load = |values: &[f64], v: usize| {
                    let start = (full + v * width).min(n);
                    simd.partial_load_f64s(&values[start..(start + width).min(n)])
                };
                for v in 0..per_chunk {
                    let xv = load(self.x, v);
                    for r in 0..4 {
                        let wv = load(self.rows[r], v);
                        acc[r][v] = simd.add_f64s(acc[r][v], simd.mul_f64s(wv, xv));
                        squares[v] = simd.add_f64s(squares[v], simd.mul_f64s(wv, wv));
                    }
                    acc[4][v] = simd.add_f64s(acc[4][v], simd.mul_f64s(xv, xv));
                }
            }

            let mut out = [0.0; 5];
            for r in 0..5 {
                let mut lanes = [0.0f64; LANES];
                let flat: &[f64] = pulp::bytemuck::cast_slice(&acc[r][..per_chunk]);
                lanes.copy_from_slice(flat);
                out[r] = reduce_lanes(lanes);
            }
            let total = squares[..per_chunk]
                .iter()
                .fold(zero, |a, &b| simd.add_f64s(a, b));
            let rows_sq = simd.reduce_sum_f64s(total);
            ([out[0], out[1], out[2], out[3]], out[4], rows_sq)
        }
    }

    pulp::Arch::new().dispatch(Dot4 { rows, x })
}

/// Adds [`dot`]'s sixteen partial sums pairwise.
#[inline(always)]
fn reduce_lanes(mut acc: [f64; LANES]) -> f64 {
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            acc[k] += acc[k + width];
        }
    }
    acc[0]
}

/// Sum of the squares of `values`, in the widest vectors the CPU has (chosen at run
/// time by `pulp`). The order of the additions, and so the last bits of the sum, depend
/// on the CPU: use it only where the sum is compared with a bound, never for a result.
pub(crate) fn sum_of_squares(values: &[f64]) -> f64 {
    struct SumOfSquares<'a>(&'a [f64]);

    impl pulp::WithSimd for SumOfSquares<'_> {
        type Output = f64;

        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, simd: S) -> f64 {
            let (head, tail) = S::as_simd_f64s(self.0);
            // four independent sums, so that the additions do not wait on each other
            let mut acc = [simd.splat_f64s(0.0); 4];
            let mut chunks = head.chunks_exact(4);
            for chunk in &mut chunks {
                for k in 0..4 {
                    acc[k] = simd.add_f64s(acc[k], simd.mul_f64s(chunk[k], chunk[k]));
                }
            }
            for (k, &v) in chunks.remainder().iter().enumerate() {
                acc[k] = simd.add_f64s(acc[k], simd.mul_f64s(v, v));
            }
            let total = simd.add_f64s(simd.add_f64s(acc[0], acc[1]), simd.add_f64s(acc[2], acc[3]));
            simd.reduce_sum_f64s(total) + tail.iter().map(|v| v * v).sum::<f64>()
        }
    }

    pulp::Arch::new().dispatch(SumOfSquares(values))
}

/// Oja's update of every row, `w_i += (η y_i) (x − y_i w_i)`, in the widest vectors the
/// CPU has (chosen at run time by `pulp`). Each weight takes the same operations in the
/// same order as the scalar formula, so the result is the same on every CPU.
pub(crate) fn oja_rows(w: &mut WeightsMut<'_>, x: &[f64], y: &[f64], eta: f64) {
    struct OjaRows<'a, 'b> {
        w: &'a mut WeightsMut<'b>,
        x: &'a [f64],
        y: &'a [f64],
        eta: f64,
    }

    impl pulp::WithSimd for OjaRows<'_, '_> {
        type Output = ();

        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, simd: S) {
            let (x_head, x_tail) = S::as_simd_f64s(self.x);
            for (i, &y_i) in self.y.iter().enumerate() {
                let rate = self.eta * y_i;
                let row = self.w.row_mut(i);
                let (w_head, w_tail) = S::as_mut_simd_f64s(row);
                let (rate_v, y_v) = (simd.splat_f64s(rate), simd.splat_f64s(y_i));
                for (w_v, &x_v) in w_head.iter_mut().zip(x_head) {
                    let change = simd.sub_f64s(x_v, simd.mul_f64s(y_v, *w_v));
                    *w_v = simd.add_f64s(*w_v, simd.mul_f64s(rate_v, change));
                }
                for (w_ij, &x_j) in w_tail.iter_mut().zip(x_tail) {
                    *w_ij += rate * (x_j - y_i * *w_ij);
                }
            }
        }
    }

    pulp::Arch::new().dispatch(OjaRows { w, x, y, eta });
}

/// Sets `x_j = clip(b_j + σ n_j, 0, 1)` for every pixel, in the widest vectors the CPU has.
pub(crate) fn add_clipped_noise(x: &mut [f64], clean: &[f64], noise: &[f64], sigma: f64) {
    struct Noise<'a> {
        x: &'a mut [f64],
        clean: &'a [f64],
        noise: &'a [f64],
        sigma: f64,
    }

    impl pulp::WithSimd for Noise<'_> {
        type Output = ();

        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, simd: S) {
            let n = self.x.len();
            let (x_head, x_tail) = S::as_mut_simd_f64s(self.x);
            let (b_head, b_tail) = S::as_simd_f64s(&self.clean[..n]);
            let (n_head, n_tail) = S::as_simd_f64s(&self.noise[..n]);
            let (zero, one, sigma) = (
                simd.splat_f64s(0.0),
                simd.splat_f64s(1.0),
                simd.splat_f64s(self.sigma),
            );
            for ((x_v, &b_v), &n_v) in x_head.iter_mut().zip(b_head).zip(n_head) {
                let noisy = simd.add_f64s(b_v, simd.mul_f64s(sigma, n_v));
                *x_v = simd.min_f64s(simd.max_f64s(noisy, zero), one);
            }
            for ((x_j, &b), &n) in x_tail.iter_mut().zip(b_tail).zip(n_tail) {
                *x_j = (b + self.sigma * n).clamp(0.0, 1.0);
            }
        }
    }

    pulp::Arch::new().dispatch(Noise {
        x,
        clean,
        noise,
        sigma,
    });
}

/// `y += alpha * x`.
#[inline]
pub(crate) fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (y_j, x_j) in y.iter_mut().zip(x) {
        *y_j += alpha * x_j;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng as _, SeedableRng};

    fn random_vec(rng: &mut crate::rng::Rng, n: usize) -> Vec<f64> {
        (0..n).map(|_| rng.random_range(-2.0..2.0)).collect()
    }

    #[test]
    fn dot4_equals_dot() {
        let mut rng = crate::rng::Rng::seed_from_u64(3);
        for n in [0, 1, 7, 15, 16, 17, 31, 32, 100, 784, 1001] {
            let x = random_vec(&mut rng, n);
            let rows: Vec<Vec<f64>> = (0..4).map(|_| random_vec(&mut rng, n)).collect();
            let (dots, norm, rows_sq) = dot4_and_norm([&rows[0], &rows[1], &rows[2], &rows[3]], &x);
            let exact: f64 = rows.iter().map(|r| dot(r, r)).sum();
            assert!((rows_sq - exact).abs() <= 1e-12 * exact.max(1.0), "n = {n}");
            for (row, d) in rows.iter().zip(dots) {
                assert_eq!(d.to_bits(), dot(row, &x).to_bits(), "n = {n}");
            }
            assert_eq!(norm.to_bits(), dot(&x, &x).to_bits(), "n = {n}");
        }
    }

    #[test]
    fn forward_equals_rowwise_dot() {
        let mut rng = crate::rng::Rng::seed_from_u64(4);
        for n_post in 1..=9 {
            let n_pre = 37;
            let w = random_vec(&mut rng, n_post * n_pre);
            let x = random_vec(&mut rng, n_pre);
            let layer = Layer::new(
                ndarray::Array2::from_shape_vec((n_post, n_pre), w.clone()).unwrap(),
                Activation::Linear,
            );
            let mut y = vec![0.0; n_post];
            let (norm, weights_sq) = layer.forward_with_norms(&x, &mut y);
            let exact = dot(&w, &w);
            assert!((weights_sq - exact).abs() <= 1e-12 * exact.max(1.0));
            for (i, y_i) in y.iter().enumerate() {
                let expected = dot(&w[i * n_pre..(i + 1) * n_pre], &x);
                assert_eq!(
                    y_i.to_bits(),
                    expected.to_bits(),
                    "n_post = {n_post}, row {i}"
                );
            }
            assert_eq!(norm.to_bits(), dot(&x, &x).to_bits());
        }
    }

    #[test]
    fn sum_of_squares_close_to_dot() {
        let mut rng = crate::rng::Rng::seed_from_u64(5);
        for n in [0, 1, 5, 8, 33, 400, 6272] {
            let v = random_vec(&mut rng, n);
            let exact = dot(&v, &v);
            assert!(
                (sum_of_squares(&v) - exact).abs() <= 1e-12 * exact.max(1.0),
                "n = {n}"
            );
        }
        let mut v = vec![1.0; 100];
        v[57] = f64::NAN;
        assert!(sum_of_squares(&v).is_nan());
        v[57] = f64::INFINITY;
        assert_eq!(sum_of_squares(&v), f64::INFINITY);
    }
}
