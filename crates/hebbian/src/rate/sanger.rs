//! Sanger's rule, the generalized Hebbian algorithm (GHA).
//!
//! ```text
//! Δw_ij = η y_i (x_j − Σ_{k ≤ i} y_k w_kj)
//! ```
//!
//! | symbol | code | meaning |
//! |---|---|---|
//! | η | `eta` | learning rate per presentation |
//! | y_i | `y[i]` | output `i`, computed before the update |
//! | w_kj | `w.row(k)[j]` | weight from input `j` onto output `k`, before the update |
//!
//! Output 1 follows Oja's rule; output `i` follows Oja's rule on the input with the
//! projections onto outputs `1..i−1` removed. For linear outputs the rows of `W`
//! converge to the unit-norm eigenvectors of `C = E[x xᵀ]` with the `n_post` largest
//! eigenvalues, in decreasing order (Sanger 1989). Components with nearly equal
//! eigenvalues converge slowly, at a rate set by `η (λ_i − λ_{i+1})`.
//!
//! The code keeps a residual `r = x − Σ_{k ≤ i} y_k w_k`, built with the weights from
//! before the update, so all rows see the same `W` as in the equation.
//!
//! # Stability
//!
//! As for Oja's rule, the online update needs `η ‖x‖² < 1`.
//!
//! # References
//!
//! Sanger, T. D. (1989). Optimal unsupervised learning in a single-layer linear
//! feedforward neural network. *Neural Networks* 2(6), 459–473.
//! doi:10.1016/0893-6080(89)90044-0

use super::{RateRule, WeightsMut, pca_remedy};

/// Sanger's generalized Hebbian algorithm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sanger {
    residual: Vec<f64>,
    old_row: Vec<f64>,
}

impl Sanger {
    /// Creates the rule.
    pub fn new() -> Self {
        Sanger::default()
    }
}

impl RateRule for Sanger {
    fn name(&self) -> &'static str {
        "sanger"
    }

    fn update(&mut self, w: &mut WeightsMut<'_>, x: &[f64], y: &[f64], eta: f64) {
        self.residual.clear();
        self.residual.extend_from_slice(x);
        for (i, &y_i) in y.iter().enumerate() {
            // r ← r − y_i w_i, with w_i from before its update: r = x − Σ_{k ≤ i} y_k w_k
            // Δw_i = η y_i r
            for (r_j, w_ij) in self.residual.iter_mut().zip(w.row_mut(i)) {
                *r_j -= y_i * *w_ij;
                *w_ij += eta * y_i * *r_j;
            }
        }
    }

    fn update_batch(
        &mut self,
        w: &mut WeightsMut<'_>,
        xs: &[f64],
        ys: &[f64],
        batch: usize,
        eta: f64,
    ) -> bool {
        // ΔW = η/B (Yᵀ X − LT(Yᵀ Y) W), LT = lower triangle with the diagonal.
        let (n_pre, n_post) = (w.n_pre, w.n_post());
        let scale = eta / batch as f64;
        let old: Vec<f64> = w.values.to_vec();
        self.old_row.resize(n_pre, 0.0);
        for i in 0..n_post {
            let mut delta = vec![0.0; n_pre];
            for b in 0..batch {
                let y = &ys[b * n_post..(b + 1) * n_post];
                super::axpy(y[i], &xs[b * n_pre..(b + 1) * n_pre], &mut delta);
                for k in 0..=i {
                    super::axpy(-y[i] * y[k], &old[k * n_pre..(k + 1) * n_pre], &mut delta);
                }
            }
            super::axpy(scale, &delta, w.row_mut(i));
        }
        true
    }

    fn divergence_remedy(&self, eta: f64, max_input_norm_sq: f64) -> String {
        pca_remedy(eta, max_input_norm_sq)
    }

    fn is_pca(&self) -> bool {
        true
    }
}
