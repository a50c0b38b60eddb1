//! Noisy oriented bars, drawn as the NumPy tutorial draws them.
//!
//! For an `N × N` image with centre `c = N / 2` (integer division) and half-length
//! `L = N / 2 − 1`, the bar at angle `φ` sets pixel `(row, col) = (trunc(c + i sin φ),
//! trunc(c + i cos φ))` to 1 for every integer `i` in `[−L, L]`, skipping positions
//! outside the image. `trunc` truncates toward zero, like Python's `int()`, and the
//! products are computed in `f64` as NumPy does, so the pixels match the tutorial's.
//!
//! Each presentation picks an angle uniformly from the set, adds independent Gaussian
//! noise of standard deviation `noise_std` to every pixel, and clips to `[0, 1]`.
//!
//! The pixels are 0 or 1 before the noise, so half of the draws are clipped away: a
//! background pixel with negative noise and a bar pixel with positive noise end at
//! exactly 0 and 1. The generator therefore draws the sign of the noise as one random
//! bit and the magnitude `|n|` only when it matters. Because the normal distribution is
//! symmetric, this gives exactly the distribution of `clip(b + σ n, 0, 1)` with about
//! half the Gaussian draws (the values differ from a per-pixel draw of `n`, but the
//! random stream is this library's own in either case).
//!
//! # Blocks
//!
//! Presentations come in blocks of [`OrientedBars::BLOCK_LEN`]. Block `k` draws from the
//! stimulus generator advanced by `k` jumps of 2^128 steps (xoshiro256++'s `jump`), so
//! blocks never overlap and any block can be drawn without drawing the ones before it
//! ([`BlockStimulus::seek_block`]). [`super::Prefetch`] uses this to draw blocks on two
//! threads and still present exactly the inputs of a single-threaded run.
//!
//! # Angles
//!
//! [`AngleSpacing::HalfOpen`] spaces `n` angles evenly in `[0, π)`: `k π / n`, so `n`
//! distinct orientations. The tutorial instead uses `np.linspace(0, np.pi, n)`, which
//! includes π. A bar at π is the horizontal bar again (rounding in `sin π ≈ 1.2e−16`
//! moves one end pixel up a row at `N = 10`), so the tutorial has only `n − 1` distinct
//! orientations and shows the horizontal one twice as often.
//! [`AngleSpacing::Tutorial`] reproduces that.

use rand::Rng as _;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::{BlockStimulus, Stimulus};
use crate::error::{Error, Result, check_non_negative};
use crate::rng::Rng;

/// Spacing of the set of angles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AngleSpacing {
    /// `k π / n` for `k = 0..n`: evenly spaced in `[0, π)`.
    #[default]
    HalfOpen,
    /// `k π / (n − 1)` for `k = 0..n`, as `np.linspace(0, np.pi, n)`: includes π.
    Tutorial,
}

impl AngleSpacing {
    /// Returns the `n` angles in radians.
    pub fn angles(&self, n: usize) -> Vec<f64> {
        match self {
            AngleSpacing::HalfOpen => (0..n)
                .map(|k| k as f64 * std::f64::consts::PI / n as f64)
                .collect(),
            AngleSpacing::Tutorial => {
                if n == 1 {
                    return vec![0.0];
                }
                // np.linspace computes start + k * step with step = (stop - start) / (n - 1),
                // and sets the last value to stop exactly.
                let step = std::f64::consts::PI / (n - 1) as f64;
                let mut angles: Vec<f64> = (0..n).map(|k| k as f64 * step).collect();
                angles[n - 1] = std::f64::consts::PI;
                angles
            }
        }
    }
}

/// Draws one noiseless bar as a row-major `size × size` image.
pub fn draw_bar(angle: f64, size: usize) -> Vec<f64> {
    let mut image = vec![0.0; size * size];
    let center = (size / 2) as f64;
    let half_length = (size / 2) as i64 - 1;
    for i in -half_length..=half_length {
        // `as i64` truncates toward zero, like Python's int().
        let col = (center + i as f64 * angle.cos()) as i64;
        let row = (center + i as f64 * angle.sin()) as i64;
        if (0..size as i64).contains(&col) && (0..size as i64).contains(&row) {
            image[row as usize * size + col as usize] = 1.0;
        }
    }
    image
}

/// The oriented-bar stimulus.
#[derive(Debug, Clone)]
pub struct OrientedBars {
    size: usize,
    angles: Vec<f64>,
    bars: Vec<Vec<f64>>,
    /// For each bar, bit `j % 64` of word `j / 64` is set where pixel `j` is 1.
    bar_bits: Vec<Vec<u64>>,
    noise_std: f64,
    /// The generator at the start of block 0.
    origin: Rng,
    /// Index of the current block, and the generator at its start.
    block: u64,
    block_start: Rng,
    /// The generator of the current block, after `drawn` presentations of it.
    rng: Rng,
    drawn: usize,
}

impl OrientedBars {
    /// Creates the stimulus: `size × size` images, `n_orientations` angles.
    pub fn new(
        size: usize,
        n_orientations: usize,
        spacing: AngleSpacing,
        noise_std: f64,
        rng: Rng,
    ) -> Result<Self> {
        if size < 3 {
            return Err(Error::invalid_parameter(
                "oriented bars",
                "size",
                ">= 3 pixels, so that a bar has at least one pixel",
                size,
            ));
        }
        if n_orientations == 0 {
            return Err(Error::invalid_parameter(
                "oriented bars",
                "n_orientations",
                ">= 1",
                0,
            ));
        }
        check_non_negative("oriented bars", "noise_std", noise_std)?;
        let angles = spacing.angles(n_orientations);
        let bars: Vec<Vec<f64>> = angles.iter().map(|&a| draw_bar(a, size)).collect();
        let bar_bits = bars
            .iter()
            .map(|bar| {
                bar.chunks(64)
                    .map(|chunk| {
                        chunk
                            .iter()
                            .enumerate()
                            .fold(0u64, |bits, (j, &v)| bits | (((v > 0.5) as u64) << j))
                    })
                    .collect()
            })
            .collect();
        Ok(OrientedBars {
            size,
            angles,
            bars,
            bar_bits,
            noise_std,
            origin: rng.clone(),
            block: 0,
            block_start: rng.clone(),
            rng,
            drawn: 0,
        })
    }

    /// Presentations per block of the random stream (see the module documentation).
    pub const BLOCK_LEN: usize = 1024;

    /// Returns the angles in radians.
    pub fn angles(&self) -> &[f64] {
        &self.angles
    }

    /// Returns the noiseless bar for each angle.
    pub fn clean_bars(&self) -> &[Vec<f64>] {
        &self.bars
    }
}

impl Stimulus for OrientedBars {
    fn n_inputs(&self) -> usize {
        self.size * self.size
    }

    fn image_shape(&self) -> Option<(usize, usize)> {
        Some((self.size, self.size))
    }

    fn next_into(&mut self, x: &mut [f64]) {
        if self.drawn == Self::BLOCK_LEN {
            self.seek_block(self.block + 1);
        }
        self.drawn += 1;

        // Pick an orientation.
        let k = self.rng.random_range(0..self.bars.len());
        let bar = &self.bars[k];
        x.copy_from_slice(bar);
        if self.noise_std == 0.0 {
            return;
        }

        // Add Gaussian noise and clip to [0, 1], 64 pixels at a time. Bit j of `signs` is
        // the sign of pixel j's noise (1 = positive). A pixel needs |n| only where the
        // sign moves it into [0, 1]: up from 0 (background) or down from 1 (bar), that is
        // where its sign bit differs from its bar bit. Elsewhere it stays at 0 or 1.
        for (c, x_chunk) in x.chunks_mut(64).enumerate() {
            let signs: u64 = self.rng.random();
            let valid = if x_chunk.len() == 64 {
                u64::MAX
            } else {
                (1u64 << x_chunk.len()) - 1
            };
            let mut needed = (signs ^ self.bar_bits[k][c]) & valid;
            while needed != 0 {
                let j = needed.trailing_zeros() as usize;
                needed &= needed - 1;
                let n: f64 = StandardNormal.sample(&mut self.rng);
                let b = x_chunk[j];
                // +σ|n| from a background pixel, −σ|n| from a bar pixel
                x_chunk[j] = (b + (1.0 - 2.0 * b) * self.noise_std * n.abs()).clamp(0.0, 1.0);
            }
        }
    }
}

impl BlockStimulus for OrientedBars {
    fn block_len(&self) -> usize {
        Self::BLOCK_LEN
    }

    fn seek_block(&mut self, k: u64) {
        if k < self.block {
            self.block = 0;
            self.block_start = self.origin.clone();
        }
        while self.block < k {
            self.block_start.jump();
            self.block += 1;
        }
        self.rng = self.block_start.clone();
        self.drawn = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

    fn bars() -> OrientedBars {
        OrientedBars::new(10, 8, AngleSpacing::HalfOpen, 0.1, rng::stream(3, 2)).unwrap()
    }

    fn draw(stimulus: &mut OrientedBars, n: usize) -> Vec<f64> {
        let mut out = vec![0.0; n * 100];
        for x in out.chunks_exact_mut(100) {
            stimulus.next_into(x);
        }
        out
    }

    #[test]
    fn seeking_gives_the_blocks_of_a_sequential_run() {
        let len = OrientedBars::BLOCK_LEN;
        let sequential = draw(&mut bars(), 4 * len);
        let block = |k: usize| &sequential[k * len * 100..(k + 1) * len * 100];

        let mut seeking = bars();
        seeking.seek_block(2);
        assert_eq!(draw(&mut seeking, len), block(2));
        // the draw runs on into the next block
        assert_eq!(draw(&mut seeking, len), block(3));
        // backwards, and to the current block's start
        seeking.seek_block(1);
        assert_eq!(draw(&mut seeking, len), block(1));
        seeking.seek_block(1);
        assert_eq!(draw(&mut seeking, len), block(1));
        seeking.seek_block(0);
        assert_eq!(draw(&mut seeking, 10), &block(0)[..1000]);
        assert_ne!(block(0), block(1));
    }
}
