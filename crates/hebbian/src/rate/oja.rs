//! Oja's rule, applied to each output independently.
//!
//! ```text
//! Δw_ij = η y_i (x_j − y_i w_ij)
//! ```
//!
//! | symbol | code | meaning |
//! |---|---|---|
//! | η | `eta` | learning rate per presentation |
//! | x_j | `x[j]` | input |
//! | y_i | `y[i]` | output `i`, computed before the update |
//! | w_ij | `w.row(i)[j]` | weight from input `j` onto output `i` |
//!
//! For a linear unit, `w` converges to the unit-norm eigenvector of `C = E[x xᵀ]` with
//! the largest eigenvalue (Oja 1982). This is the first principal component only when
//! the input has zero mean; otherwise centre it first ([`crate::stimulus::Centering`]).
//!
//! Each output follows this equation on its own, as the tutorial's loop over outputs
//! does, so with several outputs **all of them converge to the same first principal
//! component** (up to sign). Use Sanger's rule ([`super::sanger`]) or the subspace rule
//! ([`super::subspace`]) for several distinct components.
//!
//! # Stability
//!
//! The online update is stable only while `η ‖x‖² < 1` (for the fixed input
//! `x = (3, 4)`, `η = 0.1` gives `η ‖x‖² = 2.5`, and the weights oscillate with growing
//! amplitude until training stops with [`crate::Error::Diverged`]; `η = 0.01` converges
//! to `(0.6, 0.8)`).
//!
//! # Limitations
//!
//! With a rectified output, a unit whose `w·x` is negative for every input never learns.
//!
//! # References
//!
//! Oja, E. (1982). A simplified neuron model as a principal component analyzer.
//! *J. Math. Biol.* 15, 267–273. doi:10.1007/BF00275687

use super::{RateRule, WeightsMut, pca_remedy};

/// Oja's single-unit rule, applied independently to every output.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Oja;

impl RateRule for Oja {
    fn name(&self) -> &'static str {
        "oja"
    }

    fn update(&mut self, w: &mut WeightsMut<'_>, x: &[f64], y: &[f64], eta: f64) {
        // Δw_i = η y_i (x − y_i w_i)
        super::oja_rows(w, x, y, eta);
    }

    fn update_batch(
        &mut self,
        w: &mut WeightsMut<'_>,
        xs: &[f64],
        ys: &[f64],
        batch: usize,
        eta: f64,
    ) -> bool {
        // mean over the batch of η y_i (x − y_i w_i) = η (⟨y_i x⟩ − ⟨y_i²⟩ w_i)
        let (n_pre, n_post) = (w.n_pre, w.n_post());
        let scale = eta / batch as f64;
        let mut hebbian = vec![0.0; n_pre];
        for i in 0..n_post {
            hebbian.iter_mut().for_each(|h| *h = 0.0);
            let mut y_sq = 0.0;
            for b in 0..batch {
                let y_i = ys[b * n_post + i];
                y_sq += y_i * y_i;
                super::axpy(y_i, &xs[b * n_pre..(b + 1) * n_pre], &mut hebbian);
            }
            for (w_ij, h_j) in w.row_mut(i).iter_mut().zip(&hebbian) {
                *w_ij += scale * (h_j - y_sq * *w_ij);
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
