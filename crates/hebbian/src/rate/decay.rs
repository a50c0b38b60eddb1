//! Hebbian learning with weight decay, in its two common forms.
//!
//! ```text
//! subtractive:     Δw_ij = η y_i x_j − λ w_ij
//! multiplicative:  w_ij ← (1 − λ) (w_ij + η y_i x_j)
//! ```
//!
//! | symbol | code | meaning |
//! |---|---|---|
//! | η | `eta` | learning rate per presentation |
//! | λ | `weight_decay` | decay per presentation, in `[0, 1)`; not scaled by η |
//!
//! The subtractive form is the textbook equation: the decay term uses the weights from
//! before the Hebbian step. The multiplicative form is what the NumPy tutorial many users
//! start from does (`weights += lr * outer(x, y)` followed by `weights *= 0.99`, i.e.
//! λ = 0.01): the Hebbian step first, then the whole matrix shrinks. For the same λ the
//! two differ by `λ η y xᵀ` per step.
//!
//! From `w = (1, 1)`, `x = (1, 0.5)`, `y = 2`, `η = 0.1`, `λ = 0.01` the subtractive form
//! gives `(1.19, 1.09)` and the multiplicative form `(1.188, 1.089)`.
//!
//! # Limitations
//!
//! For a linear unit the expected subtractive update is `(η C − λ I) w`, so the weights
//! still grow without bound when `η λ_max(C) > λ`. Decay bounds them only when λ
//! exceeds η times the largest eigenvalue of the input's second moment.

use super::{RateRule, WeightsMut, axpy};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Weight-decay equation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecayForm {
    /// `Δw = η y xᵀ − λ w`.
    Subtractive,
    /// `w ← (1 − λ)(w + η y xᵀ)`, the tutorial's form.
    Multiplicative,
}

/// Hebbian rule with weight decay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HebbDecay {
    weight_decay: f64,
    form: DecayForm,
}

impl HebbDecay {
    /// Creates the rule; `weight_decay` must lie in `[0, 1)`.
    pub fn new(weight_decay: f64, form: DecayForm) -> Result<Self> {
        if !(weight_decay.is_finite() && (0.0..1.0).contains(&weight_decay)) {
            return Err(Error::invalid_parameter(
                "hebb-decay",
                "weight_decay",
                "in [0, 1) (a fraction of the weight removed per presentation)",
                weight_decay,
            ));
        }
        Ok(HebbDecay { weight_decay, form })
    }

    /// Creates the tutorial's form: multiplicative decay with λ = 0.01.
    pub fn tutorial() -> Self {
        HebbDecay {
            weight_decay: 0.01,
            form: DecayForm::Multiplicative,
        }
    }

    /// λ.
    pub fn weight_decay(&self) -> f64 {
        self.weight_decay
    }

    /// Returns the decay equation in use.
    pub fn form(&self) -> DecayForm {
        self.form
    }
}

impl RateRule for HebbDecay {
    fn name(&self) -> &'static str {
        "hebb-decay"
    }

    fn update(&mut self, w: &mut WeightsMut<'_>, x: &[f64], y: &[f64], eta: f64) {
        let lambda = self.weight_decay;
        for (i, &y_i) in y.iter().enumerate() {
            let row = w.row_mut(i);
            match self.form {
                DecayForm::Subtractive => {
                    // Δw_i = η y_i x − λ w_i, with w_i from before the step
                    for (w_ij, &x_j) in row.iter_mut().zip(x) {
                        *w_ij += eta * y_i * x_j - lambda * *w_ij;
                    }
                }
                DecayForm::Multiplicative => {
                    // Hebbian step, then w_i ← (1 − λ) w_i
                    axpy(eta * y_i, x, row);
                    for w_ij in row.iter_mut() {
                        *w_ij *= 1.0 - lambda;
                    }
                }
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
        // The mean of `batch` single updates from the same w: the Hebbian part is
        // averaged and the decay applies once.
        let (n_pre, n_post) = (w.n_pre, w.n_post());
        let scale = eta / batch as f64;
        let lambda = self.weight_decay;
        let mut hebbian = vec![0.0; n_pre];
        for i in 0..n_post {
            hebbian.iter_mut().for_each(|h| *h = 0.0);
            for b in 0..batch {
                axpy(
                    scale * ys[b * n_post + i],
                    &xs[b * n_pre..(b + 1) * n_pre],
                    &mut hebbian,
                );
            }
            let row = w.row_mut(i);
            for (w_ij, h_j) in row.iter_mut().zip(&hebbian) {
                *w_ij = match self.form {
                    DecayForm::Subtractive => *w_ij + h_j - lambda * *w_ij,
                    DecayForm::Multiplicative => (1.0 - lambda) * (*w_ij + h_j),
                };
            }
        }
        true
    }

    fn divergence_remedy(&self, eta: f64, _max_input_norm_sq: f64) -> String {
        format!(
            "decay bounds the weights only if weight_decay (now {}) exceeds eta (now {}) \
             times the largest eigenvalue of E[x x^T]; raise weight_decay or lower eta",
            super::show(self.weight_decay),
            super::show(eta)
        )
    }
}
