//! Hebbian learning and synaptic plasticity.
//!
//! # Conventions
//!
//! - **Weights** are indexed `W[post, pre]`, so a layer computes `y = W x` and row `i`
//!   holds the weights onto output `i`. Formulas transcribed from sources that use the
//!   other order say so where they appear.
//! - **Learning rates** (`eta`) are per presentation unless stated otherwise.
//! - **Randomness** comes from explicitly seeded xoshiro256++ streams ([`rng`]); the same
//!   seed gives bit-identical results on every run.
//! - **Floats** are `f64`, except stored data sets, which are `f32`
//!   ([`stimulus::Dataset`]) and converted on presentation.
//! - The library prints nothing and touches files only in [`data`] and
//!   [`spiking::io`].
//!
//! # Modules
//!
//! - [`rate`]: the layer `y = f(W x)` and the rate-based rules (Hebb, decay,
//!   normalization, Oja, Sanger, Oja's subspace rule, BCM), plus the training loop.
//! - [`stimulus`]: oriented bars, image patches, data sets, centering.
//! - [`spiking`]: LIF networks with Poisson and spike-generator inputs, delayed
//!   synapses, event-driven STDP (pair and triplet rules) and streaming monitors.
//! - [`reference`](mod@reference): slow, direct implementations that tests compare the fast code with.
//! - [`data`]: IDX (MNIST) and PNG readers.
//! - [`memory`]: Hopfield networks (Hebbian, Storkey and pseudo-inverse storage) and
//!   recall cues.
//! - [`competitive`]: hard and soft competitive learning and Kohonen self-organizing
//!   maps, with unit labelling for classification.
//! - [`linalg`] and [`metrics`]: eigen-decomposition and the measures used to check what
//!   a rule learned.

pub mod competitive;
pub mod data;
pub mod error;
pub mod linalg;
pub mod memory;
pub mod metrics;
pub mod rate;
pub mod reference;
pub mod rng;
pub mod spiking;
pub mod stimulus;

pub use error::{Error, Result};
