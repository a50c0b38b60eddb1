//! Soft competition through learned lateral inhibition: Földiák's network (1990).
//!
//! ```text
//! settle:     dy*_i/dt = f(Σ_j q_ij x_j + Σ_j w_ij y*_j − t_i) − y*_i,   f(u) = 1/(1 + e^{−λu})
//! output:     y_i = 1 if y*_i > 1/2, else 0
//! lateral:    Δw_ij = −α (y_i y_j − p²)   for i ≠ j, then w_ij ← min(w_ij, 0)
//! forward:    Δq_ij = β y_i (x_j − q_ij)
//! threshold:  Δt_i  = γ (y_i − p)
//! ```
//!
//! | symbol | code | meaning |
//! |---|---|---|
//! | x_j | `x[j]` | input |
//! | q_ij | `feedforward()[[i, j]]` | feedforward weight from input `j` onto unit `i` |
//! | w_ij | `lateral()[[i, j]]` | lateral weight from unit `j` onto unit `i`, ≤ 0, `w_ii = 0` |
//! | t_i | `thresholds()[i]` | adaptive threshold |
//! | y*_i, y_i | — | settled activity and its binary output |
//! | p | `target_activity` | target probability that a unit is active |
//! | λ | `steepness` | slope of the sigmoid |
//! | α, β, γ | `alpha`, `beta`, `gamma` | rates of lateral, feedforward and threshold learning |
//!
//! Units inhibit each other through `W`. Anti-Hebbian learning strengthens the
//! inhibition between units that are often active together, so the units decorrelate
//! and each one comes to represent a different feature. Unlike hard winner-take-all,
//! several units may be active at once, and on average each is active with probability
//! `p` because the threshold rule drives its mean output to `p`.
//!
//! # What the code computes exactly
//!
//! The settling equation is integrated from `y* = 0` with forward Euler,
//! `y* ← y* + ε (f(·) − y*)`, for `settle_steps` steps of size `settle_step`. Every unit's new `y*`
//! uses the `y*` of the previous step. The three updates then use the
//! binary `y` and the parameters from before the presentation. The feedforward update
//! is the same "move toward the input" rule as hard competition, applied to every active
//! unit.
//!
//! Defaults `α = 0.1`, `β = 0.02`, `γ = 0.02`, `λ = 10`, `p = 1/8` are the values
//! Földiák used for his bars problem. `ε = 0.1` and 100 steps are our choice.
//!
//! # Limitations
//!
//! - Settling is a fixed number of Euler steps, not a convergence test. With strong
//!   inhibition (large `|w|`) and a large `ε`, the activity can oscillate instead.
//! - NOTE: the settling scheme and the clipping of positive lateral weights to 0 follow
//!   the usual reading of the paper; it does not fix a numerical integration scheme.
//!
//! # References
//!
//! Földiák, P. (1990). Forming sparse representations by local anti-Hebbian learning.
//! *Biol. Cybern.* 64, 165–170. doi:10.1007/BF02331346

use ndarray::Array2;

use super::{check_input, check_prototypes};
use crate::error::{Error, Result, check_positive};

/// Parameters of Földiák's network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FoldiakParams {
    /// α, rate of the anti-Hebbian lateral weights.
    pub alpha: f64,
    /// β, rate of the Hebbian feedforward weights.
    pub beta: f64,
    /// γ, rate of the thresholds.
    pub gamma: f64,
    /// p, target probability of a unit being active, in (0, 1).
    pub target_activity: f64,
    /// λ, slope of the sigmoid.
    pub steepness: f64,
    /// ε, Euler step of the settling dynamics, in (0, 1].
    pub settle_step: f64,
    /// Number of Euler steps of the settling dynamics.
    pub settle_steps: usize,
}

impl Default for FoldiakParams {
    /// α, β, γ, λ and p from Földiák (1990); ε = 0.1 and 100 steps are illustrative.
    fn default() -> Self {
        FoldiakParams {
            alpha: 0.1,
            beta: 0.02,
            gamma: 0.02,
            target_activity: 0.125,
            steepness: 10.0,
            settle_step: 0.1,
            settle_steps: 100,
        }
    }
}

impl FoldiakParams {
    fn validate(&self) -> Result<()> {
        const MODEL: &str = "Foldiak network";
        crate::error::check_non_negative(MODEL, "alpha", self.alpha)?;
        crate::error::check_non_negative(MODEL, "beta", self.beta)?;
        crate::error::check_non_negative(MODEL, "gamma", self.gamma)?;
        check_positive(MODEL, "steepness", self.steepness)?;
        if !(self.target_activity > 0.0 && self.target_activity < 1.0) {
            return Err(Error::invalid_parameter(
                MODEL,
                "target_activity",
                "in (0, 1)",
                self.target_activity,
            ));
        }
        if !(self.settle_step > 0.0 && self.settle_step <= 1.0) {
            return Err(Error::invalid_parameter(
                MODEL,
                "settle_step",
                "in (0, 1]",
                self.settle_step,
            ));
        }
        if self.settle_steps == 0 {
            return Err(Error::invalid_parameter(MODEL, "settle_steps", ">= 1", 0));
        }
        Ok(())
    }
}

/// A layer of units with feedforward weights, lateral inhibition and thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct Foldiak {
    params: FoldiakParams,
    feedforward: Array2<f64>,
    lateral: Array2<f64>,
    thresholds: Vec<f64>,
}

impl Foldiak {
    /// Creates a network from feedforward weights `(n_units, dim)`, with no lateral
    /// inhibition and zero thresholds.
    pub fn new(feedforward: Array2<f64>, params: FoldiakParams) -> Result<Self> {
        params.validate()?;
        let feedforward = check_prototypes("Foldiak network", feedforward)?;
        let k = feedforward.nrows();
        Ok(Foldiak {
            params,
            feedforward,
            lateral: Array2::zeros((k, k)),
            thresholds: vec![0.0; k],
        })
    }

    /// Parameters.
    pub fn params(&self) -> &FoldiakParams {
        &self.params
    }

    /// Feedforward weights `q`, `(n_units, dim)`.
    pub fn feedforward(&self) -> &Array2<f64> {
        &self.feedforward
    }

    /// Lateral weights `w`, `(n_units, n_units)`, all ≤ 0 with a zero diagonal.
    pub fn lateral(&self) -> &Array2<f64> {
        &self.lateral
    }

    /// Thresholds `t`.
    pub fn thresholds(&self) -> &[f64] {
        &self.thresholds
    }

    /// Settled activities `y*` for input `x`, each in (0, 1).
    pub fn settle(&self, x: &[f64]) -> Result<Vec<f64>> {
        check_input("Foldiak network input", self.feedforward.ncols(), x)?;
        Ok(self.settle_unchecked(x))
    }

    /// Binary outputs `y` (1 where `y* > 1/2`) for input `x`.
    pub fn respond(&self, x: &[f64]) -> Result<Vec<f64>> {
        Ok(binary(&self.settle(x)?))
    }

    /// Presents `x` once: settles, applies the three learning rules and returns the
    /// binary outputs used for learning.
    pub fn update(&mut self, x: &[f64]) -> Result<Vec<f64>> {
        let y = binary(&self.settle(x)?);
        let FoldiakParams {
            alpha,
            beta,
            gamma,
            target_activity: p,
            ..
        } = self.params;
        let k = y.len();

        // Lateral: Δw_ij = −α (y_i y_j − p²), kept inhibitory and without self-connections.
        for i in 0..k {
            for j in 0..k {
                if i == j {
                    continue;
                }
                let w = &mut self.lateral[[i, j]];
                *w = (*w - alpha * (y[i] * y[j] - p * p)).min(0.0);
            }
        }

        // Feedforward: Δq_ij = β y_i (x_j − q_ij).
        for (i, &y_i) in y.iter().enumerate() {
            if y_i == 0.0 {
                continue;
            }
            for (q_ij, &x_j) in self.feedforward.row_mut(i).iter_mut().zip(x) {
                *q_ij += beta * y_i * (x_j - *q_ij);
            }
        }

        // Threshold: Δt_i = γ (y_i − p).
        for (t_i, &y_i) in self.thresholds.iter_mut().zip(&y) {
            *t_i += gamma * (y_i - p);
        }
        Ok(y)
    }

    fn settle_unchecked(&self, x: &[f64]) -> Vec<f64> {
        let k = self.feedforward.nrows();
        let FoldiakParams {
            steepness,
            settle_step,
            settle_steps,
            ..
        } = self.params;

        // The feedforward drive minus the threshold does not change while settling.
        let drive: Vec<f64> = (0..k)
            .map(|i| {
                let q_i = self.feedforward.row(i);
                q_i.iter().zip(x).map(|(q, x)| q * x).sum::<f64>() - self.thresholds[i]
            })
            .collect();

        let mut y = vec![0.0; k];
        let mut next = vec![0.0; k];
        for _ in 0..settle_steps {
            for i in 0..k {
                let inhibition: f64 = self.lateral.row(i).iter().zip(&y).map(|(w, y)| w * y).sum();
                let u = drive[i] + inhibition;
                let target = 1.0 / (1.0 + (-steepness * u).exp());
                next[i] = y[i] + settle_step * (target - y[i]);
            }
            std::mem::swap(&mut y, &mut next);
        }
        y
    }
}

fn binary(y_star: &[f64]) -> Vec<f64> {
    y_star
        .iter()
        .map(|&v| if v > 0.5 { 1.0 } else { 0.0 })
        .collect()
}
