//! Seeded random streams.
//!
//! Every random quantity comes from a [`Rng`] (xoshiro256++, a fixed and documented
//! algorithm, so a seed gives the same stream on every platform and release). Independent
//! consumers take separate streams derived from `(seed, stream)` with [`stream`], so adding
//! a consumer or changing the thread count never shifts another consumer's numbers.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

mod normal;

pub use normal::NormalBatch;

/// The generator used throughout the library: xoshiro256++.
pub type Rng = Xoshiro256PlusPlus;

/// Named stream identifiers, so that call sites do not collide by accident.
pub mod streams {
    /// Initial weights.
    pub const INIT: u64 = 1;
    /// Stimulus generation (choice of pattern, noise, patch positions).
    pub const STIMULUS: u64 = 2;
    /// Presentation order of a data set.
    pub const ORDER: u64 = 3;
    /// Samples drawn only to evaluate a run (for example, the covariance of a generator).
    pub const EVALUATION: u64 = 4;
    /// Patch positions when building a patch data set.
    pub const PATCHES: u64 = 5;
}

/// Returns the generator for stream `stream` of `seed`.
///
/// The pair is mixed with the SplitMix64 finalizer and expanded by
/// [`SeedableRng::seed_from_u64`], so neighbouring seeds and streams give unrelated
/// sequences.
pub fn stream(seed: u64, stream: u64) -> Rng {
    let mixed = splitmix64(seed ^ splitmix64(stream.wrapping_add(0x9E37_79B9_7F4A_7C15)));
    Rng::seed_from_u64(mixed)
}

/// The SplitMix64 output function (Steele, Lea & Flood 2014).
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn same_seed_same_stream() {
        let a: Vec<u64> = (0..4).map(|_| stream(7, 1).next_u64()).collect();
        assert!(a.windows(2).all(|p| p[0] == p[1]));
    }

    #[test]
    fn streams_differ() {
        assert_ne!(stream(7, 1).next_u64(), stream(7, 2).next_u64());
        assert_ne!(stream(7, 1).next_u64(), stream(8, 1).next_u64());
    }
}
