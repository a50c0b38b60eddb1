//! Spiking experiments: networks of Poisson inputs, spike generators and LIF neurons
//! with STDP (`family = "spiking"`), and the STDP window protocol
//! (`family = "stdp-window"`).

pub mod config;
pub mod run;
mod sinks;
pub mod window;
