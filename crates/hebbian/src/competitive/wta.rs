//! Hard winner-take-all competitive learning, with an optional conscience.
//!
//! ```text
//! c = argmin_i ( ‖x − w_i‖² − b_i )        w_c ← w_c + η (x − w_c)
//! ```
//!
//! | symbol | code | meaning |
//! |---|---|---|
//! | x | `x` | input |
//! | w_i | `weights.row(i)` | prototype of unit `i` |
//! | η | `eta` | learning rate per presentation |
//! | c | return of [`WinnerTakeAll::update`] | winning unit |
//! | b_i | — | conscience bias, 0 without a conscience |
//! | K | `n_units()` | number of units |
//! | p_i | `win_frequencies()` | running estimate of how often unit `i` is nearest |
//! | B, C | [`Conscience`] | frequency rate and bias factor |
//!
//! Only the winner learns, so the rule is online k-means: with a decaying η each
//! prototype moves toward the mean of the inputs it wins. Ties go to the lowest index.
//!
//! # Conscience (DeSieno 1988)
//!
//! A unit that starts far from every input never wins and never learns (a dead unit),
//! while a few units win everything. The conscience keeps, for each unit, the fraction
//! `p_i` of recent inputs for which it was the nearest unit,
//! `p_i ← p_i + B (z_i − p_i)` with `z_i = 1` for the nearest unit and 0 otherwise, and
//! gives it the bias `b_i = C (1/K − p_i)`. Units that win more than their share `1/K`
//! are handicapped and the others favoured. `p_i` starts at `1/K`. The defaults
//! `B = 1e-4` and `C = 10` are DeSieno's. The bias is in units of squared distance, so
//! scale `C` with the typical `‖x − w‖²` of the data.
//!
//! [`WinnerTakeAll::winner`] (used for classification) ignores the bias; only training
//! uses it.
//!
//! # Limitations
//!
//! - Without a conscience, units initialised away from the data stay dead; initialise
//!   from samples ([`super::prototypes_from_samples`]) or enable the conscience.
//! - The result depends on the initialisation and the presentation order, like k-means.
//!
//! # References
//!
//! - Rumelhart, D. E. & Zipser, D. (1985). Feature discovery by competitive learning.
//!   *Cognitive Science* 9, 75–112. doi:10.1207/s15516709cog0901_5
//! - DeSieno, D. (1988). Adding a conscience to competitive learning. *IEEE International
//!   Conference on Neural Networks*, vol. 1, 117–124. doi:10.1109/ICNN.1988.23839

use ndarray::Array2;
use rand::seq::SliceRandom;

use super::{
    Decay, Prototypes, check_input, check_prototypes, move_toward, nearest, squared_distance,
};
use crate::error::{Result, check_positive};
use crate::rng;
use crate::stimulus::Dataset;

/// Parameters of DeSieno's conscience.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conscience {
    /// `B`, the rate of the running win frequency.
    pub frequency_rate: f64,
    /// `C`, the bias factor, in units of squared distance.
    pub bias_factor: f64,
}

impl Default for Conscience {
    /// `B = 1e-4`, `C = 10`, from DeSieno (1988).
    fn default() -> Self {
        Conscience {
            frequency_rate: 1e-4,
            bias_factor: 10.0,
        }
    }
}

/// A layer of prototypes trained by hard competition.
#[derive(Debug, Clone, PartialEq)]
pub struct WinnerTakeAll {
    weights: Array2<f64>,
    conscience: Option<Conscience>,
    frequencies: Vec<f64>,
    wins: Vec<u64>,
}

/// Run settings of [`WinnerTakeAll::train`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WtaSettings {
    /// Passes over the data set.
    pub epochs: usize,
    /// Initial learning rate η.
    pub eta: f64,
    /// Schedule of η over the run.
    pub eta_decay: Decay,
    /// Seed of the presentation order (a new permutation each epoch).
    pub seed: u64,
}

impl WinnerTakeAll {
    /// Creates a layer from prototypes of shape `(n_units, dim)`.
    pub fn new(weights: Array2<f64>) -> Result<Self> {
        let weights = check_prototypes("winner-take-all", weights)?;
        let k = weights.nrows();
        Ok(WinnerTakeAll {
            weights,
            conscience: None,
            frequencies: vec![1.0 / k as f64; k],
            wins: vec![0; k],
        })
    }

    /// Enables DeSieno's conscience during training.
    pub fn with_conscience(mut self, conscience: Conscience) -> Result<Self> {
        check_positive("conscience", "frequency_rate", conscience.frequency_rate)?;
        crate::error::check_non_negative("conscience", "bias_factor", conscience.bias_factor)?;
        self.conscience = Some(conscience);
        Ok(self)
    }

    /// Prototypes, shape `(n_units, dim)`.
    pub fn weights(&self) -> &Array2<f64> {
        &self.weights
    }

    /// Input length.
    pub fn dim(&self) -> usize {
        self.weights.ncols()
    }

    /// Training wins per unit since creation.
    pub fn wins(&self) -> &[u64] {
        &self.wins
    }

    /// Conscience win frequencies `p_i` (all `1/K` without a conscience).
    pub fn win_frequencies(&self) -> &[f64] {
        &self.frequencies
    }

    /// Presents `x` once: picks the winner (with the conscience bias if enabled), moves
    /// it toward `x` by `eta` and returns its index.
    pub fn update(&mut self, x: &[f64], eta: f64) -> Result<usize> {
        check_input("winner-take-all input", self.dim(), x)?;
        let winner = match self.conscience {
            None => nearest(&self.weights, x),
            Some(conscience) => self.conscience_winner(x, conscience),
        };
        let dim = self.dim();
        let flat = self.weights.as_slice_mut().expect("standard layout");
        move_toward(&mut flat[winner * dim..(winner + 1) * dim], x, eta);
        self.wins[winner] += 1;
        Ok(winner)
    }

    /// Trains on `data` with a seeded presentation order; returns the wins per unit of
    /// the run.
    pub fn train(&mut self, data: &Dataset, settings: &WtaSettings) -> Result<Vec<u64>> {
        check_input(
            "winner-take-all training data",
            self.dim(),
            &vec![0.0; data.dim()],
        )?;
        settings
            .eta_decay
            .validate("winner-take-all", "eta", settings.eta, false)?;
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
                wins[self.update(&x, eta)?] += 1;
                t += 1;
            }
        }
        Ok(wins)
    }

    /// DeSieno's biased competition; also updates the win frequencies.
    fn conscience_winner(&mut self, x: &[f64], conscience: Conscience) -> usize {
        let k = self.weights.nrows();
        let dim = self.dim();
        let flat = self.weights.as_slice().expect("standard layout");
        let share = 1.0 / k as f64;

        // Distances once; the unbiased nearest unit drives the frequencies, the biased
        // one learns. Both searches keep the lowest index on a tie.
        let mut nearest_unit = 0;
        let mut nearest_distance = f64::INFINITY;
        let mut winner = 0;
        let mut winner_score = f64::INFINITY;
        for (unit, row) in flat.chunks_exact(dim).enumerate() {
            let d = squared_distance(row, x);
            if d < nearest_distance {
                nearest_unit = unit;
                nearest_distance = d;
            }
            let bias = conscience.bias_factor * (share - self.frequencies[unit]);
            if d - bias < winner_score {
                winner = unit;
                winner_score = d - bias;
            }
        }

        // p_i ← p_i + B (z_i − p_i).
        for (unit, p) in self.frequencies.iter_mut().enumerate() {
            let z = if unit == nearest_unit { 1.0 } else { 0.0 };
            *p += conscience.frequency_rate * (z - *p);
        }
        winner
    }
}

impl Prototypes for WinnerTakeAll {
    fn n_units(&self) -> usize {
        self.weights.nrows()
    }

    fn winner(&self, x: &[f64]) -> usize {
        nearest(&self.weights, x)
    }
}
