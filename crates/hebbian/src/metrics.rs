//! Measures of what a rate layer has learned.

use ndarray::Array2;
use serde::Serialize;

use crate::linalg::{Eigen, abs_cosine, subspace_overlap};
use crate::rate::Layer;

/// Eigenvector that each output is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Every output against the first eigenvector (independent Oja units).
    First,
    /// Output `i` against eigenvector `i` (Sanger).
    InOrder,
}

/// `|cos|` between each row of `weights` and its target eigenvector.
pub fn eigenvector_cosines(weights: &Array2<f64>, eigen: &Eigen, target: Target) -> Vec<f64> {
    weights
        .rows()
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let k = match target {
                Target::First => 0,
                Target::InOrder => i,
            };
            let v = eigen.vectors.row(k);
            abs_cosine(&row.to_vec(), &v.to_vec())
        })
        .collect()
}

/// Overlap between the row space of `weights` and the leading eigenvectors, as in
/// [`subspace_overlap`].
pub fn principal_subspace_overlap(weights: &Array2<f64>, eigen: &Eigen) -> f64 {
    subspace_overlap(weights, &eigen.vectors)
}

/// Euclidean norm of each row (the weights onto each output).
pub fn row_norms(weights: &Array2<f64>) -> Vec<f64> {
    weights
        .rows()
        .into_iter()
        .map(|r| r.dot(&r).sqrt())
        .collect()
}

/// Selectivity of one output over a set of test patterns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selectivity {
    /// Response to each pattern.
    pub responses: Vec<f64>,
    /// Index of the pattern with the largest response.
    pub preferred: usize,
    /// `1 − mean/max` of the responses (Bienenstock, Cooper & Munro 1982): 0 for equal
    /// responses, `1 − 1/n` for a response to one pattern only; 0 if every response is 0.
    pub index: f64,
}

/// Selectivity of every output over `patterns` (each of length `n_pre`).
pub fn selectivity(layer: &Layer, patterns: &[Vec<f64>]) -> Vec<Selectivity> {
    let n_post = layer.n_post();
    let mut responses = vec![vec![0.0; patterns.len()]; n_post];
    let mut y = vec![0.0; n_post];
    for (p, pattern) in patterns.iter().enumerate() {
        layer.forward(pattern, &mut y);
        for i in 0..n_post {
            responses[i][p] = y[i];
        }
    }
    responses
        .into_iter()
        .map(|r| {
            let (preferred, max) =
                r.iter()
                    .copied()
                    .enumerate()
                    .fold((0, f64::NEG_INFINITY), |best, (k, v)| {
                        if v > best.1 { (k, v) } else { best }
                    });
            let mean = r.iter().sum::<f64>() / r.len().max(1) as f64;
            let index = if max > 0.0 { 1.0 - mean / max } else { 0.0 };
            Selectivity {
                responses: r,
                preferred,
                index,
            }
        })
        .collect()
}
