//! Oja's subspace rule.
//!
//! ```text
//! Δw_ij = η y_i (x_j − Σ_k y_k w_kj)        (ΔW = η (y xᵀ − y yᵀ W))
//! ```
//!
//! Symbols as in [`super::sanger`]; the sum runs over all outputs instead of `k ≤ i`.
//! For linear outputs the rows of `W` converge to an orthonormal basis of the subspace
//! spanned by the `n_post` leading eigenvectors of `C = E[x xᵀ]`, but not to the
//! eigenvectors themselves: any rotation within the subspace is a fixed point. Compare
//! the subspaces (principal angles), not single rows, when checking it.
//!
//! # Stability
//!
//! As for Oja's rule, the online update needs `η ‖x‖² < 1`.
//!
//! # References
//!
//! Oja, E. (1989). Neural networks, principal components, and subspaces.
//! *Int. J. Neural Systems* 1(1), 61–68. doi:10.1142/S0129065789000475

use super::{RateRule, WeightsMut, pca_remedy};

/// Oja's symmetric subspace rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OjaSubspace {
    reconstruction: Vec<f64>,
}

impl OjaSubspace {
    /// Creates the rule.
    pub fn new() -> Self {
        OjaSubspace::default()
    }
}

impl RateRule for OjaSubspace {
    fn name(&self) -> &'static str {
        "oja-subspace"
    }

    fn update(&mut self, w: &mut WeightsMut<'_>, x: &[f64], y: &[f64], eta: f64) {
        let n_pre = w.n_pre;

        // r = x − Wᵀ y, with W from before the update
        self.reconstruction.clear();
        self.reconstruction.extend_from_slice(x);
        for (k, &y_k) in y.iter().enumerate() {
            super::axpy(-y_k, w.row(k), &mut self.reconstruction);
        }

        // Δw_i = η y_i r
        for (i, &y_i) in y.iter().enumerate() {
            super::axpy(eta * y_i, &self.reconstruction[..n_pre], w.row_mut(i));
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
        let (n_pre, n_post) = (w.n_pre, w.n_post());
        let scale = eta / batch as f64;
        let old: Vec<f64> = w.values.to_vec();
        let mut residuals = vec![0.0; batch * n_pre];
        for b in 0..batch {
            let r = &mut residuals[b * n_pre..(b + 1) * n_pre];
            r.copy_from_slice(&xs[b * n_pre..(b + 1) * n_pre]);
            for k in 0..n_post {
                super::axpy(-ys[b * n_post + k], &old[k * n_pre..(k + 1) * n_pre], r);
            }
        }
        for i in 0..n_post {
            for b in 0..batch {
                let y_i = ys[b * n_post + i];
                super::axpy(
                    scale * y_i,
                    &residuals[b * n_pre..(b + 1) * n_pre],
                    w.row_mut(i),
                );
            }
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
