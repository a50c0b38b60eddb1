//! Spiking networks: LIF neurons, Poisson and spike-generator inputs, synapses with
//! axonal delays, event-driven STDP and streaming monitors.
//!
//! # Conventions
//!
//! - Units: time in ms, voltage in mV, rates in Hz. Weights are in mV for voltage-jump
//!   synapses and in units of the leak conductance for conductance synapses.
//! - Time advances in integer steps of `dt` ([`Clock`]); spike times are step indices.
//!   Multiply by `dt` to get ms.
//! - `delta_t = t_post − t_pre`, with `t_pre` the arrival time at the synapse (spike time
//!   plus axonal delay).
//! - The order inside a step (state update, threshold, propagation with `on_pre`, reset,
//!   then `on_post`) is documented at [`Network`]. It matches Brian2's default schedule
//!   where the two coincide. In particular, every `on_pre` effect of a step comes before
//!   every `on_post` effect.
//!
//! # Example
//!
//! ```
//! use hebbian::spiking::{
//!     Connectivity, LifGroup, LifParams, Network, PairStdp, SpikeRecord, StdpRule, SynapseSpec,
//! };
//!
//! let mut net = Network::new(0.1, 42)?;
//! let inputs = net.add_poisson(vec![10.0; 100])?;
//! let neurons = net.add_lif(LifGroup::new(10, LifParams::default())?)?;
//! let syn = net.connect(inputs, neurons, &SynapseSpec::new(Connectivity::Probability(0.1), 0.5))?;
//! net.set_plasticity(syn, StdpRule::Pair(PairStdp::default()))?;
//! let spikes = net.monitor_spikes(inputs, None, Box::new(SpikeRecord::default()))?;
//! net.run(100.0)?;
//! assert!(!net.spikes(spikes).unwrap().steps.is_empty());
//! # Ok::<(), hebbian::Error>(())
//! ```

pub mod clock;
pub mod diehl_cook;
pub mod input;
pub mod io;
pub mod monitor;
pub mod network;
pub mod neuron;
pub mod stdp;
pub mod synapses;

pub use clock::Clock;
pub use input::{PoissonGroup, SpikeGenerator, rate_code};
pub use io::{SampleFileSink, SpikeFileSink, read_sample_file, read_spike_file};
pub use monitor::{SampleRecord, SampleSink, SpikeRecord, SpikeSink, Variable};
pub use network::{
    Network, PopulationId, RateMonitorId, SpikeMonitorId, StateMonitorId, SynapsesId,
};
pub use neuron::{LifGroup, LifParams};
pub use stdp::{PairStdp, Pairing, Plasticity, StdpRule, TripletInteraction, TripletStdp};
pub use synapses::{Connectivity, Delays, InitialWeights, SynapseSpec, SynapseTarget, Synapses};
