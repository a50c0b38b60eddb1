//! Associative memory: Hopfield networks of ±1 units.
//!
//! [`patterns`] builds and checks pattern sets and recall cues; [`hopfield`] stores them
//! and recalls them. See [`hopfield`] for the equations, the update orders and the
//! capacity limits.

pub mod hopfield;
pub mod patterns;

pub use hopfield::{
    CapacityWarning, HEBBIAN_CRITICAL_LOAD, HebbianScale, Hopfield, Recall, RecallSettings,
    RecallStep, StopReason, StorageRule, UpdateOrder,
};
pub use patterns::{
    Patterns, Region, binarize, flip_fraction, mask_region, overlap, random_patterns, read_patterns,
};
