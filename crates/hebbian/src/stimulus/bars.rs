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
//! The noise comes from [`NormalBatch`], which draws standard normal numbers eight at a
//! time. Each pixel is `clip(b + σ n, 0, 1)`, with `b` its value in the clean bar.
//!
//! # Blocks
//!
//! Presentations come in blocks of [`OrientedBars::BLOCK_LEN`]. Block `k` draws from the
//! stimulus generator advanced by `k` jumps of 2^128 steps (xoshiro256++'s `jump`). Its
//! first 32 numbers seed the eight lanes of the block's [`NormalBatch`]. The rest pick the
//! orientations and finish the few normal numbers that the batch's fast path rejects.
//! Blocks never overlap, and any block can be drawn without drawing the ones before it
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
use serde::{Deserialize, Serialize};

use super::{BlockStimulus, Stimulus};
use crate::error::{Error, Result, check_non_negative};
use crate::rng::{NormalBatch, Rng};

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
    noise_std: f64,
    /// The generator at the start of block 0.
    origin: Rng,
    /// Index of the current block, and the generator at its start.
    block: u64,
    block_start: Rng,
    /// The generator of the current block, after `drawn` presentations of it.
    rng: Rng,
    /// The current block's normal numbers, seeded from its generator.
    normals: NormalBatch,
    /// One presentation's noise: `n_inputs` values, rounded up to whole groups of
    /// [`NormalBatch`] lanes.
    noise: Vec<f64>,
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
        let mut block_rng = rng.clone();
        let normals = NormalBatch::new(&mut block_rng);
        Ok(OrientedBars {
            size,
            angles,
            bars,
            noise_std,
            origin: rng.clone(),
            block: 0,
            block_start: rng,
            rng: block_rng,
            normals,
            noise: vec![0.0; (size * size).next_multiple_of(NormalBatch::LANES)],
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
        if self.noise_std == 0.0 {
            x.copy_from_slice(bar);
            return;
        }

        self.normals.fill(&mut self.noise, &mut self.rng);
        crate::rate::add_clipped_noise(x, bar, &self.noise, self.noise_std);
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
        self.normals = NormalBatch::new(&mut self.rng);
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
