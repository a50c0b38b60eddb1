//! Hopfield experiments (`family = "hopfield"`): recall of stored patterns from cues,
//! and load sweeps that measure capacity.

pub mod config;
pub mod patterns;
pub mod run;
