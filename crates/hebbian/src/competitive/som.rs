//! Kohonen self-organizing map on a rectangular 2-D grid.
//!
//! ```text
//! c = argmin_k ‖x − w_k‖²      h_k = exp(−d²(k, c) / (2σ²))      w_k ← w_k + η h_k (x − w_k)
//! ```
//!
//! | symbol | code | meaning |
//! |---|---|---|
//! | x | `x` | input |
//! | w_k | `weights().row(k)` | prototype of node `k` |
//! | c | return of [`Som::update`] | winning node (best-matching unit) |
//! | d(k, c) | — | Euclidean distance between nodes `k` and `c` on the grid |
//! | σ | `sigma` | neighbourhood width, in grid spacings |
//! | η | `eta` | learning rate per presentation |
//!
//! Node `k` sits at row `k / cols`, column `k % cols` (row-major), one unit apart. Every
//! node moves, by `η h_k`. Ties for the winner go to the lowest index. `σ = 0` is plain
//! winner-take-all: the winner gets `h = 1` and every other node `h = 0`, computed
//! directly so that no `0/0` can produce NaN. [`Som::train`] decays η and σ over the run
//! with a [`Decay`] schedule per presentation.
//!
//! For example, on a 2×2 grid with all weights 0, input `(1, 1, 1)`, `η = 0.5` and
//! `σ = 1`, node 0 wins and the nodes move to `0.5`, `0.5 e^{−1/2} ≈ 0.3032653`,
//! `0.3032653` and `0.5 e^{−1} ≈ 0.1839397` in every component.
//!
//! # Limitations
//!
//! - The Gaussian never reaches zero, so every node is updated for every input: one
//!   presentation costs `O(K · dim)` for the search and again for the update.
//! - A σ that shrinks too fast, or starts below about a quarter of the grid, can leave
//!   the map twisted. Nothing detects a twist.
//!
//! # References
//!
//! Kohonen, T. (1982). Self-organized formation of topologically correct feature maps.
//! *Biol. Cybern.* 43, 59–69. doi:10.1007/BF00337288

use ndarray::Array2;
use rand::seq::SliceRandom;

use super::{
    Decay, Prototypes, check_input, check_prototypes, move_toward, nearest, squared_distance,
};
use crate::error::{Error, Result};
use crate::rng;
use crate::stimulus::Dataset;

/// A self-organizing map with `rows × cols` nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Som {
    rows: usize,
    cols: usize,
    weights: Array2<f64>,
}

/// Run settings of [`Som::train`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SomSettings {
    /// Passes over the data set.
    pub epochs: usize,
    /// Initial learning rate η.
    pub eta: f64,
    /// Schedule of η.
    pub eta_decay: Decay,
    /// Initial neighbourhood width σ, in grid spacings.
    pub sigma: f64,
    /// Schedule of σ (a linear decay may end at 0).
    pub sigma_decay: Decay,
    /// Seed of the presentation order (a new permutation each epoch).
    pub seed: u64,
}

impl Som {
    /// Creates a map from prototypes of shape `(rows * cols, dim)`, node `k` at row
    /// `k / cols`, column `k % cols`.
    pub fn new(rows: usize, cols: usize, weights: Array2<f64>) -> Result<Self> {
        let weights = check_prototypes("self-organizing map", weights)?;
        if rows * cols != weights.nrows() {
            return Err(Error::ShapeMismatch {
                context: "self-organizing map: grid against the number of prototypes",
                expected: weights.nrows().to_string(),
                got: format!("{rows} x {cols}"),
            });
        }
        Ok(Som {
            rows,
            cols,
            weights,
        })
    }

    /// Grid shape `(rows, cols)`.
    pub fn grid(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Prototypes, shape `(rows * cols, dim)`.
    pub fn weights(&self) -> &Array2<f64> {
        &self.weights
    }

    /// Input length.
    pub fn dim(&self) -> usize {
        self.weights.ncols()
    }

    /// Grid position `(row, col)` of node `k`.
    pub fn position(&self, k: usize) -> (usize, usize) {
        (k / self.cols, k % self.cols)
    }

    /// Neighbourhood `h_k = exp(−d²(k, c)/(2σ²))` of node `k` around the winner `c`;
    /// for `σ = 0`, 1 at the winner and 0 elsewhere.
    pub fn neighbourhood(&self, k: usize, winner: usize, sigma: f64) -> f64 {
        if k == winner {
            return 1.0;
        }
        if sigma == 0.0 {
            return 0.0;
        }
        let (r, c) = self.position(k);
        let (r0, c0) = self.position(winner);
        let dr = r as f64 - r0 as f64;
        let dc = c as f64 - c0 as f64;
        (-(dr * dr + dc * dc) / (2.0 * sigma * sigma)).exp()
    }

    /// Presents `x` once with learning rate `eta` and width `sigma`; returns the winner.
    pub fn update(&mut self, x: &[f64], eta: f64, sigma: f64) -> Result<usize> {
        check_input("self-organizing map input", self.dim(), x)?;
        if !(sigma.is_finite() && sigma >= 0.0) {
            return Err(Error::invalid_parameter(
                "self-organizing map",
                "sigma",
                "a finite number >= 0",
                sigma,
            ));
        }
        Ok(self.update_unchecked(x, eta, sigma))
    }

    fn update_unchecked(&mut self, x: &[f64], eta: f64, sigma: f64) -> usize {
        let winner = nearest(&self.weights, x);
        let dim = self.dim();
        for k in 0..self.rows * self.cols {
            let h = self.neighbourhood(k, winner, sigma);
            if h == 0.0 {
                continue;
            }
            let flat = self.weights.as_slice_mut().expect("standard layout");
            move_toward(&mut flat[k * dim..(k + 1) * dim], x, eta * h);
        }
        winner
    }

    /// Trains on `data` with a seeded presentation order; returns the wins per node of
    /// the run.
    pub fn train(&mut self, data: &Dataset, settings: &SomSettings) -> Result<Vec<u64>> {
        check_input(
            "self-organizing map training data",
            self.dim(),
            &vec![0.0; data.dim()],
        )?;
        settings
            .eta_decay
            .validate("self-organizing map", "eta", settings.eta, false)?;
        settings
            .sigma_decay
            .validate("self-organizing map", "sigma", settings.sigma, false)?;

        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut generator = rng::stream(settings.seed, rng::streams::ORDER);
        let total = (settings.epochs * data.len()) as u64;
        let mut wins = vec![0; self.weights.nrows()];
        let mut x = vec![0.0; data.dim()];
        let mut t = 0u64;
        for _ in 0..settings.epochs {
            order.shuffle(&mut generator);
            for &k in &order {
                super::to_f64(data.sample(k), &mut x);
                let eta = settings.eta_decay.value(settings.eta, t, total);
                let sigma = settings.sigma_decay.value(settings.sigma, t, total);
                wins[self.update_unchecked(&x, eta, sigma)] += 1;
                t += 1;
            }
        }
        Ok(wins)
    }

    /// U-matrix: for each node, the mean distance from its prototype to those of its
    /// up to four grid neighbours, shape `(rows, cols)`. High values mark cluster borders.
    pub fn u_matrix(&self) -> Array2<f64> {
        let (rows, cols) = (self.rows, self.cols);
        let row = |k: usize| self.weights.row(k).to_slice().expect("standard layout");
        Array2::from_shape_fn((rows, cols), |(r, c)| {
            let k = r * cols + c;
            let mut neighbours = Vec::with_capacity(4);
            if r > 0 {
                neighbours.push(k - cols);
            }
            if r + 1 < rows {
                neighbours.push(k + cols);
            }
            if c > 0 {
                neighbours.push(k - 1);
            }
            if c + 1 < cols {
                neighbours.push(k + 1);
            }
            if neighbours.is_empty() {
                return 0.0;
            }
            let sum: f64 = neighbours
                .iter()
                .map(|&m| squared_distance(row(k), row(m)).sqrt())
                .sum();
            sum / neighbours.len() as f64
        })
    }
}

impl Prototypes for Som {
    fn n_units(&self) -> usize {
        self.weights.nrows()
    }

    fn winner(&self, x: &[f64]) -> usize {
        nearest(&self.weights, x)
    }
}
