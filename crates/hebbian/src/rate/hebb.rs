//! Plain Hebbian learning.
//!
//! ```text
//! Δw_ij = η y_i x_j          (W[post, pre], so i is the output and j the input)
//! ```
//!
//! | symbol | code | meaning |
//! |---|---|---|
//! | η | `eta` | learning rate per presentation |
//! | x_j | `x[j]` | input (presynaptic) activity |
//! | y_i | `y[i]` | output (postsynaptic) activity |
//!
//! # Limitations
//!
//! The rule has no stable fixed point for non-zero input: for a linear unit the expected
//! update is `η C w` with `C = E[x xᵀ]`, so `‖w‖` grows like `(1 + η λ_max)^t`. Training
//! stops with [`crate::Error::Diverged`] once a weight exceeds the divergence threshold
//! (see [`crate::rate::train`]). Add weight decay ([`super::decay`]), normalization
//! ([`super::normalize`]) or use Oja's rule ([`super::oja`]) for a bounded result.
//!
//! # References
//!
//! Hebb, D. O. (1949). *The Organization of Behavior*. Wiley.

use super::{RateRule, WeightsMut, axpy};

/// Plain Hebbian rule `Δw = η y xᵀ`; it has no parameters besides `eta`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Hebb;

impl RateRule for Hebb {
    fn name(&self) -> &'static str {
        "hebb"
    }

    fn update(&mut self, w: &mut WeightsMut<'_>, x: &[f64], y: &[f64], eta: f64) {
        for (i, &y_i) in y.iter().enumerate() {
            // Δw_i = η y_i x
            axpy(eta * y_i, x, w.row_mut(i));
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
        for b in 0..batch {
            let x = &xs[b * n_pre..(b + 1) * n_pre];
            for i in 0..n_post {
                axpy(scale * ys[b * n_post + i], x, w.row_mut(i));
            }
        }
        true
    }

    fn divergence_remedy(&self, eta: f64, _max_input_norm_sq: f64) -> String {
        format!(
            "plain Hebbian learning has no stable fixed point, so the weights always grow \
             (eta = {}); use hebb-decay, add normalization, or use oja",
            super::show(eta)
        )
    }
}
