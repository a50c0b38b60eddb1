//! Slow, direct implementations that the tests compare the fast code with.
//!
//! They favour being obviously correct over speed: no caching, no incremental state.

pub mod stdp;
