//! Diehl & Cook experiments (`family = "diehl-cook"`): a spiking network that learns
//! digits with STDP, lateral inhibition and adaptive thresholds, labelled and scored on
//! labelled images, with checkpoints to resume long runs.

pub mod checkpoint;
pub mod config;
pub mod output;
pub mod run;
pub mod running;
