//! Monitors: spikes, state variables and population rates, streamed to sinks.
//!
//! A monitor buffers at most [`CHUNK`] records and hands each full chunk to its sink, and
//! the network flushes every buffer at the end of each run. Memory therefore stays
//! bounded when the sink writes to disk ([`super::io`]); an in-memory sink
//! ([`SpikeRecord`], [`SampleRecord`]) keeps everything, like Brian2's monitors.
//!
//! Sampling times follow Brian2's default schedule: a state monitor samples at the start
//! of a step, before the update, so the sample of step `n` is the state at time `n · dt`.
//! A rate monitor writes one value per bin of `bin` steps, stamped with the bin's first
//! step: the number of spikes in the bin divided by (group size × bin length in s), in Hz.

use std::any::Any;

use crate::error::Result;

/// Records per chunk handed to a sink.
pub const CHUNK: usize = 4096;

/// Destination of recorded spikes.
pub trait SpikeSink: Any {
    /// Receives a chunk of spikes: `steps[k]` is the step of a spike of `neurons[k]`.
    fn write(&mut self, steps: &[u64], neurons: &[u32]) -> Result<()>;

    /// Makes everything received so far durable; called at the end of each run.
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    /// Returns the sink as [`Any`], so callers can recover its concrete type.
    fn as_any(&self) -> &dyn Any;
}

/// Destination of sampled values.
pub trait SampleSink: Any {
    /// Receives a chunk of samples: row `k` of `values` (row-major, `steps.len()` rows of
    /// the monitor's width) was taken at `steps[k]`.
    fn write(&mut self, steps: &[u64], values: &[f64]) -> Result<()>;

    /// Makes everything received so far durable; called at the end of each run.
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    /// Returns the sink as [`Any`], so callers can recover its concrete type.
    fn as_any(&self) -> &dyn Any;
}

/// All spikes, kept in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpikeRecord {
    /// Step of each spike.
    pub steps: Vec<u64>,
    /// Neuron of each spike.
    pub neurons: Vec<u32>,
}

impl SpikeRecord {
    /// Spike steps of neuron `i`.
    pub fn train(&self, i: u32) -> Vec<u64> {
        self.steps
            .iter()
            .zip(&self.neurons)
            .filter(|&(_, &n)| n == i)
            .map(|(&s, _)| s)
            .collect()
    }
}

impl SpikeSink for SpikeRecord {
    fn write(&mut self, steps: &[u64], neurons: &[u32]) -> Result<()> {
        self.steps.extend_from_slice(steps);
        self.neurons.extend_from_slice(neurons);
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// All samples, kept in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SampleRecord {
    /// Number of values per sample.
    pub width: usize,
    /// Step of each sample.
    pub steps: Vec<u64>,
    /// Row-major values, `steps.len()` rows of `width`.
    pub values: Vec<f64>,
}

impl SampleRecord {
    /// Creates an empty record for samples of `width` values.
    pub fn new(width: usize) -> Self {
        SampleRecord {
            width,
            ..Default::default()
        }
    }

    /// Values of sample `k`.
    pub fn row(&self, k: usize) -> &[f64] {
        &self.values[k * self.width..(k + 1) * self.width]
    }

    /// Time course of recorded index `j` (the `j`-th of the monitored indices).
    pub fn column(&self, j: usize) -> Vec<f64> {
        (0..self.steps.len()).map(|k| self.row(k)[j]).collect()
    }
}

impl SampleSink for SampleRecord {
    fn write(&mut self, steps: &[u64], values: &[f64]) -> Result<()> {
        self.steps.extend_from_slice(steps);
        self.values.extend_from_slice(values);
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Records the spikes of a population, or of a subset of its neurons.
pub(crate) struct SpikeMonitor {
    pub(crate) population: usize,
    /// `None` records every neuron.
    mask: Option<Vec<bool>>,
    steps: Vec<u64>,
    neurons: Vec<u32>,
    pub(crate) sink: Box<dyn SpikeSink>,
}

impl SpikeMonitor {
    pub(crate) fn new(
        population: usize,
        mask: Option<Vec<bool>>,
        sink: Box<dyn SpikeSink>,
    ) -> Self {
        SpikeMonitor {
            population,
            mask,
            steps: Vec::new(),
            neurons: Vec::new(),
            sink,
        }
    }

    pub(crate) fn record(&mut self, step: u64, spikes: &[u32]) -> Result<()> {
        for &i in spikes {
            if self.mask.as_ref().is_none_or(|m| m[i as usize]) {
                self.steps.push(step);
                self.neurons.push(i);
            }
        }
        if self.steps.len() >= CHUNK {
            self.write_buffer()?;
        }
        Ok(())
    }

    fn write_buffer(&mut self) -> Result<()> {
        self.sink.write(&self.steps, &self.neurons)?;
        self.steps.clear();
        self.neurons.clear();
        Ok(())
    }

    pub(crate) fn flush(&mut self) -> Result<()> {
        self.write_buffer()?;
        self.sink.flush()
    }
}

/// A state variable that a state monitor ([`super::Network::monitor_state`]) can sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variable {
    /// Membrane potential `v` (mV) of a LIF population.
    V(super::PopulationId),
    /// Excitatory conductance `g` of a LIF population.
    G(super::PopulationId),
    /// Weights of a synapse group.
    Weight(super::SynapsesId),
}

/// Samples a variable at selected indices every `interval` steps.
pub(crate) struct StateMonitor {
    pub(crate) variable: Variable,
    pub(crate) indices: Vec<usize>,
    pub(crate) interval: u64,
    steps: Vec<u64>,
    values: Vec<f64>,
    pub(crate) sink: Box<dyn SampleSink>,
}

impl StateMonitor {
    pub(crate) fn new(
        variable: Variable,
        indices: Vec<usize>,
        interval: u64,
        sink: Box<dyn SampleSink>,
    ) -> Self {
        StateMonitor {
            variable,
            indices,
            interval,
            steps: Vec::new(),
            values: Vec::new(),
            sink,
        }
    }

    pub(crate) fn record(&mut self, step: u64, source: &[f64]) -> Result<()> {
        self.steps.push(step);
        self.values.extend(self.indices.iter().map(|&i| source[i]));
        if self.steps.len() >= CHUNK {
            self.write_buffer()?;
        }
        Ok(())
    }

    fn write_buffer(&mut self) -> Result<()> {
        self.sink.write(&self.steps, &self.values)?;
        self.steps.clear();
        self.values.clear();
        Ok(())
    }

    pub(crate) fn flush(&mut self) -> Result<()> {
        self.write_buffer()?;
        self.sink.flush()
    }
}

/// Counts the spikes of a population in bins and writes the rate in Hz.
pub(crate) struct RateMonitor {
    pub(crate) population: usize,
    size: usize,
    bin: u64,
    bin_ms: f64,
    count: u64,
    steps: Vec<u64>,
    values: Vec<f64>,
    pub(crate) sink: Box<dyn SampleSink>,
}

impl RateMonitor {
    pub(crate) fn new(
        population: usize,
        size: usize,
        bin: u64,
        dt: f64,
        sink: Box<dyn SampleSink>,
    ) -> Self {
        RateMonitor {
            population,
            size,
            bin,
            bin_ms: bin as f64 * dt,
            count: 0,
            steps: Vec::new(),
            values: Vec::new(),
            sink,
        }
    }

    /// Returns the first step at or after `step` that closes a bin.
    pub(crate) fn next_bin_end(&self, step: u64) -> u64 {
        (step + 1).div_ceil(self.bin) * self.bin - 1
    }

    /// Adds the spikes of `step`; closes the bin when `step` is its last step.
    pub(crate) fn record(&mut self, step: u64, n_spikes: usize) -> Result<()> {
        self.count += n_spikes as u64;
        if (step + 1) % self.bin == 0 {
            let rate = self.count as f64 / (self.size as f64 * self.bin_ms * 1e-3);
            self.steps.push(step + 1 - self.bin);
            self.values.push(rate);
            self.count = 0;
            if self.steps.len() >= CHUNK {
                self.write_buffer()?;
            }
        }
        Ok(())
    }

    fn write_buffer(&mut self) -> Result<()> {
        self.sink.write(&self.steps, &self.values)?;
        self.steps.clear();
        self.values.clear();
        Ok(())
    }

    pub(crate) fn flush(&mut self) -> Result<()> {
        self.write_buffer()?;
        self.sink.flush()
    }
}
