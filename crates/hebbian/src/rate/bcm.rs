//! The Bienenstock–Cooper–Munro (BCM) rule with a sliding threshold.
//!
//! ```text
//! Δw_ij = η y_i (y_i − θ_i) x_j
//! θ_i  ← θ_i + ε (y_i² − θ_i)        (= (1 − ε) θ_i + ε y_i²)
//! ```
//!
//! | symbol | code | meaning |
//! |---|---|---|
//! | η | `eta` | learning rate per presentation |
//! | θ_i | `theta[i]` | modification threshold of output `i` |
//! | θ_0 | `theta_init` | initial threshold |
//! | ε | `theta_rate` | averaging rate per presentation, in `(0, 1]`; the threshold's time constant is `1/ε` presentations |
//!
//! Order within a presentation: the weights are updated with the current θ, then θ moves
//! toward `y²` of the same presentation. θ is therefore an exponential running average of
//! `y²`, and at a fixed point it equals the mean of `y²`.
//!
//! [`Bcm::tutorial`] is the tutorial's form (`θ_0 = 1`, `θ ← 0.99 θ + 0.01 y²`). With two
//! equally likely orthogonal patterns, the stable state of a linear unit responds to one
//! pattern with `y = 2` and to the other with `y = 0`, and θ settles at `E[y²] = 2`.
//!
//! # Limitations
//!
//! The threshold must track `y²` faster than the weights change (small `η/ε`), otherwise
//! the weights oscillate or run away; the divergence check stops such runs.
//!
//! # References
//!
//! Bienenstock, E. L., Cooper, L. N. & Munro, P. W. (1982). Theory for the development
//! of neuron selectivity. *J. Neurosci.* 2(1), 32–48.
//! doi:10.1523/JNEUROSCI.02-01-00032.1982
//!
//! Intrator, N. & Cooper, L. N. (1992). Objective function formulation of the BCM
//! theory of visual cortical plasticity. *Neural Networks* 5(1), 3–17.
//! doi:10.1016/S0893-6080(05)80003-6 (θ as the mean of y²).

use super::{RateRule, WeightsMut, axpy};
use crate::error::{Error, Result, check_non_negative};

/// BCM rule with a per-output sliding threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Bcm {
    theta: Vec<f64>,
    theta_rate: f64,
}

impl Bcm {
    /// Creates the rule for `n_post` outputs, all starting at `theta_init`.
    pub fn new(n_post: usize, theta_init: f64, theta_rate: f64) -> Result<Self> {
        check_non_negative("bcm", "theta_init", theta_init)?;
        if !(theta_rate.is_finite() && theta_rate > 0.0 && theta_rate <= 1.0) {
            return Err(Error::invalid_parameter(
                "bcm",
                "theta_rate",
                "in (0, 1] (the fraction of y^2 mixed into theta per presentation)",
                theta_rate,
            ));
        }
        Ok(Bcm {
            theta: vec![theta_init; n_post],
            theta_rate,
        })
    }

    /// Creates the tutorial's preset: θ starts at 1 and `θ ← 0.99 θ + 0.01 y²`.
    pub fn tutorial(n_post: usize) -> Self {
        Bcm::new(n_post, 1.0, 0.01).expect("preset parameters are valid")
    }

    /// ε.
    pub fn theta_rate(&self) -> f64 {
        self.theta_rate
    }
}

impl RateRule for Bcm {
    fn name(&self) -> &'static str {
        "bcm"
    }

    fn update(&mut self, w: &mut WeightsMut<'_>, x: &[f64], y: &[f64], eta: f64) {
        for (i, &y_i) in y.iter().enumerate() {
            // Δw_i = η y_i (y_i − θ_i) x, with θ_i from before this presentation
            axpy(eta * y_i * (y_i - self.theta[i]), x, w.row_mut(i));

            // θ_i ← θ_i + ε (y_i² − θ_i)
            self.theta[i] += self.theta_rate * (y_i * y_i - self.theta[i]);
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
        // Weights: the mean of the single updates with θ fixed during the batch.
        // Threshold: one step toward the batch mean of y², so ε stays "per step".
        let (n_pre, n_post) = (w.n_pre, w.n_post());
        let scale = eta / batch as f64;
        for i in 0..n_post {
            let mut y_sq_mean = 0.0;
            for b in 0..batch {
                let y_i = ys[b * n_post + i];
                y_sq_mean += y_i * y_i / batch as f64;
                axpy(
                    scale * y_i * (y_i - self.theta[i]),
                    &xs[b * n_pre..(b + 1) * n_pre],
                    w.row_mut(i),
                );
            }
            self.theta[i] += self.theta_rate * (y_sq_mean - self.theta[i]);
        }
        true
    }

    fn theta(&self) -> Option<&[f64]> {
        Some(&self.theta)
    }

    fn flush_subnormals(&mut self) {
        // θ of a silent output decays geometrically towards 0
        super::train::flush_subnormals(&mut self.theta);
    }

    fn divergence_remedy(&self, eta: f64, _max_input_norm_sq: f64) -> String {
        format!(
            "the threshold must track y^2 faster than the weights change: lower eta (now {}) \
             or raise theta_rate (now {})",
            super::show(eta),
            super::show(self.theta_rate)
        )
    }
}
