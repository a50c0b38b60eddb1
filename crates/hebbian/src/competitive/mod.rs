//! Competitive learning: units compete for each input and the winners learn.
//!
//! | model | file | competition | learning |
//! |---|---|---|---|
//! | hard winner-take-all | [`wta`] | nearest prototype, optional conscience | winner only |
//! | Földiák network | [`soft`] | recurrent lateral inhibition | all active units |
//! | Kohonen map | [`som`] | nearest prototype | winner and grid neighbours |
//!
//! Prototypes are rows of a `(n_units, dim)` matrix, as the rows of `W` in the rate
//! layer. "Nearest" means the smallest squared Euclidean distance, and ties go to the
//! lowest unit index. [`label`] turns winners into a classifier: each unit takes the
//! majority class of the training samples it wins.

pub mod label;
pub mod soft;
pub mod som;
pub mod wta;

use ndarray::Array2;
use rand::seq::index::sample;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, check_positive};
use crate::rng::Rng;
use crate::stimulus::Dataset;

pub use label::{Evaluation, UnitLabels, label_units};
pub use soft::{Foldiak, FoldiakParams};
pub use som::{Som, SomSettings};
pub use wta::{Conscience, WinnerTakeAll, WtaSettings};

/// A model whose units own prototypes and compete for each input.
pub trait Prototypes {
    /// Number of units.
    fn n_units(&self) -> usize;

    /// Index of the unit that wins `x` when the model is used, without learning.
    fn winner(&self, x: &[f64]) -> usize;
}

/// Winning unit of every sample of `data`.
pub fn winners(model: &impl Prototypes, data: &Dataset) -> Vec<usize> {
    let mut x = vec![0.0; data.dim()];
    (0..data.len())
        .map(|k| {
            to_f64(data.sample(k), &mut x);
            model.winner(&x)
        })
        .collect()
}

/// Schedule of a learning rate or neighbourhood width over a run, where `t` counts
/// presentations from 0 up to `total`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Decay {
    /// The initial value throughout.
    #[default]
    Constant,
    /// Straight line from the initial value to `final_value` at the end of the run.
    Linear { final_value: f64 },
    /// Geometric interpolation `v_0 (v_final / v_0)^(t/total)`; both must be > 0.
    Exponential { final_value: f64 },
}

impl Decay {
    /// Value at presentation `t` of `total`, starting from `initial`.
    pub fn value(&self, initial: f64, t: u64, total: u64) -> f64 {
        let fraction = (t as f64 / total.max(1) as f64).min(1.0);
        match *self {
            Decay::Constant => initial,
            Decay::Linear { final_value } => initial + (final_value - initial) * fraction,
            Decay::Exponential { final_value } => initial * (final_value / initial).powf(fraction),
        }
    }

    /// Checks the schedule for a quantity that must stay `>= 0` (or `> 0` when
    /// `strictly_positive`).
    pub fn validate(
        &self,
        model: &'static str,
        name: &'static str,
        initial: f64,
        strictly_positive: bool,
    ) -> Result<()> {
        let check = |value: f64| {
            if strictly_positive {
                check_positive(model, name, value)
            } else {
                crate::error::check_non_negative(model, name, value)
            }
        };
        check(initial)?;
        match *self {
            Decay::Constant => Ok(()),
            Decay::Linear { final_value } => check(final_value),
            Decay::Exponential { final_value } => {
                check_positive(model, name, initial)?;
                check_positive(model, name, final_value)
            }
        }
    }
}

/// `n_units` prototypes copied from distinct samples of `data` chosen at random.
///
/// Starting from samples puts every prototype where the data are, which avoids most
/// dead units of a random initialisation.
pub fn prototypes_from_samples(
    data: &Dataset,
    n_units: usize,
    rng: &mut Rng,
) -> Result<Array2<f64>> {
    if n_units == 0 || n_units > data.len() {
        return Err(Error::invalid_parameter(
            "prototype initialisation",
            "n_units",
            format!("between 1 and the number of samples ({})", data.len()),
            n_units,
        ));
    }
    let dim = data.dim();
    let mut w = Array2::zeros((n_units, dim));
    for (unit, k) in sample(rng, data.len(), n_units).into_iter().enumerate() {
        for (w_j, &x_j) in w.row_mut(unit).iter_mut().zip(data.sample(k)) {
            *w_j = x_j as f64;
        }
    }
    Ok(w)
}

/// Squared Euclidean distance.
#[inline]
pub(crate) fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks_a = a.chunks_exact(4);
    let chunks_b = b.chunks_exact(4);
    let tail: f64 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(p, q)| (p - q) * (p - q))
        .sum();
    for (p, q) in chunks_a.zip(chunks_b) {
        for lane in 0..4 {
            let d = p[lane] - q[lane];
            acc[lane] += d * d;
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Index of the row of `w` nearest to `x`; the lowest index wins a tie.
pub(crate) fn nearest(w: &Array2<f64>, x: &[f64]) -> usize {
    let flat = w
        .as_slice()
        .expect("prototype matrices are kept in standard layout");
    let dim = w.ncols();
    let mut best = 0;
    let mut best_distance = f64::INFINITY;
    for (unit, row) in flat.chunks_exact(dim.max(1)).enumerate() {
        let d = squared_distance(row, x);
        // Strictly smaller, so an equal distance keeps the earlier unit.
        if d < best_distance {
            best = unit;
            best_distance = d;
        }
    }
    best
}

/// Moves `w` toward `x` by the fraction `rate`: `w ← w + rate (x − w)`.
#[inline]
pub(crate) fn move_toward(w: &mut [f64], x: &[f64], rate: f64) {
    for (w_j, &x_j) in w.iter_mut().zip(x) {
        *w_j += rate * (x_j - *w_j);
    }
}

/// Checks that a prototype matrix is non-empty, finite and in standard layout.
pub(crate) fn check_prototypes(model: &'static str, w: Array2<f64>) -> Result<Array2<f64>> {
    if w.nrows() == 0 || w.ncols() == 0 {
        return Err(Error::invalid_parameter(
            model,
            "weights",
            "at least one unit and one input",
            format!("{} x {}", w.nrows(), w.ncols()),
        ));
    }
    if let Some(bad) = w.iter().find(|v| !v.is_finite()) {
        return Err(Error::invalid_parameter(model, "weights", "finite", bad));
    }
    Ok(if w.is_standard_layout() {
        w
    } else {
        w.as_standard_layout().to_owned()
    })
}

/// Checks the length of an input vector.
pub(crate) fn check_input(context: &'static str, dim: usize, x: &[f64]) -> Result<()> {
    if x.len() == dim {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            context,
            expected: format!("{dim} inputs"),
            got: format!("{} values", x.len()),
        })
    }
}

pub(crate) fn to_f64(sample: &[f32], x: &mut [f64]) {
    for (x_j, &v) in x.iter_mut().zip(sample) {
        *x_j = v as f64;
    }
}
