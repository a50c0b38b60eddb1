//! Weight normalization per output, applied after each update.
//!
//! ```text
//! sum:  w_ij ← s · w_ij / Σ_k w_ik
//! l2:   w_ij ← s · w_ij / sqrt(Σ_k w_ik²)
//! ```
//!
//! `s` is the target (1 unless set). Each row of `W[post, pre]` is normalized on its own,
//! so the sum runs over the inputs of one output. The tutorial writes the sum form with
//! the other index order (`Σ_k w_kj`), which is the same quantity for its `W[pre, post]`.
//!
//! A row of zeros has no direction and stays zero, never NaN. The sum form is meant for
//! non-negative weights: a non-zero row whose sum is not positive cannot be normalized and
//! is reported as an error. The tutorial's `normalize_weights` adds `1e-8` to the norm;
//! this module does not, so a normalized non-zero row has exactly the target norm.
//!
//! `W = [[0.2, 0.6], [0, 0]]` gives `[[0.25, 0.75], [0, 0]]` (sum) and
//! `[[0.3162278, 0.9486833], [0, 0]]` (L2).

use serde::{Deserialize, Serialize};

use super::WeightsMut;
use crate::error::{Error, Result};

/// Normalization applied to every row after each update.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Normalization {
    /// No normalization.
    #[default]
    None,
    /// Scale each row so its weights sum to `target`.
    Sum { target: f64 },
    /// Scale each row to Euclidean norm `target`.
    L2 { target: f64 },
}

impl Normalization {
    /// Checks that the target is finite and positive.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Normalization::None => Ok(()),
            Normalization::Sum { target } | Normalization::L2 { target } => {
                crate::error::check_positive("normalization", "target", target)
            }
        }
    }

    /// Normalizes every row in place.
    ///
    /// Returns the index and sum of the first row that the sum form cannot normalize
    /// (non-zero weights with a sum that is not positive). Rows before it are normalized.
    pub fn apply(&self, w: &mut WeightsMut<'_>) -> std::result::Result<(), (usize, f64)> {
        for i in 0..w.n_post() {
            let row = w.row_mut(i);
            match *self {
                Normalization::None => return Ok(()),
                Normalization::Sum { target } => {
                    let sum: f64 = row.iter().sum();
                    if sum > 0.0 {
                        let scale = target / sum;
                        row.iter_mut().for_each(|w_ij| *w_ij *= scale);
                    } else if row.iter().any(|&w_ij| w_ij != 0.0) {
                        return Err((i, sum));
                    }
                }
                Normalization::L2 { target } => {
                    let norm = row.iter().map(|w_ij| w_ij * w_ij).sum::<f64>().sqrt();
                    if norm > 0.0 {
                        let scale = target / norm;
                        row.iter_mut().for_each(|w_ij| *w_ij *= scale);
                    }
                }
            }
        }
        Ok(())
    }

    /// Builds the error for a row the sum form could not normalize.
    pub(crate) fn sum_error(presentation: u64, row: usize, sum: f64) -> Error {
        Error::Diverged {
            presentation,
            quantity: format!("sum normalization of output {row}"),
            detail: format!("the weights onto it sum to {sum:.6e}, which is not positive"),
            remedy: "sum normalization needs non-negative weights: start from non-negative \
                     weights (init kind = \"uniform\" with low >= 0) or use l2 normalization"
                .to_string(),
        }
    }
}
