//! The network: populations, synapse groups, monitors and the step loop.

use super::clock::Clock;
use super::input::{GeneratorState, PoissonGroup, SpikeGenerator};
use super::monitor::{
    RateMonitor, SampleRecord, SampleSink, SpikeMonitor, SpikeRecord, SpikeSink, StateMonitor,
    Variable,
};
use super::neuron::LifGroup;
use super::stdp::{Plasticity, StdpRule};
use super::synapses::{DelaySteps, SynapseSpec, SynapseTarget, Synapses};
use crate::error::{Error, Result};
use crate::rng;

/// Handle of a population in a [`Network`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PopulationId(usize);

/// Handle of a synapse group in a [`Network`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SynapsesId(usize);

/// Handle of a spike monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpikeMonitorId(usize);

/// Handle of a state monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateMonitorId(usize);

/// Handle of a population rate monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateMonitorId(usize);

impl PopulationId {
    /// Position of the population in the order of creation.
    pub fn index(self) -> usize {
        self.0
    }
}

impl SynapsesId {
    /// Position of the synapse group in the order of creation.
    pub fn index(self) -> usize {
        self.0
    }
}

/// Kinds of random streams, combined with the population or synapse group and the neuron
/// into a stream id, so that no two consumers share a stream.
mod stream_kind {
    pub const POISSON: u64 = 0x51;
    pub const CONNECT: u64 = 0x52;
    pub const WEIGHTS: u64 = 0x53;
}

/// Stream id for `(kind, group, index)`: 8 bits of kind, 24 of group, 32 of index.
fn stream_id(kind: u64, group: usize, index: usize) -> u64 {
    (kind << 56) | ((group as u64 & 0xFF_FFFF) << 32) | (index as u64 & 0xFFFF_FFFF)
}

// a network holds a handful of populations, so the size of the largest variant is harmless
#[allow(clippy::large_enum_variant)]
enum Population {
    Lif(LifGroup),
    Poisson(PoissonGroup),
    Generator(GeneratorState),
}

impl Population {
    fn len(&self) -> usize {
        match self {
            Population::Lif(group) => group.len(),
            Population::Poisson(group) => group.len(),
            Population::Generator(group) => group.n,
        }
    }
}

struct Connection {
    pre: usize,
    post: usize,
    synapses: Synapses,
}

/// A spiking network simulated with a fixed step.
///
/// # Order within step `n`
///
/// 1. State monitors sample (the state at time `n · dt`).
/// 2. State update: every LIF group integrates over one step (current-based groups do
///    this lazily, see [`super::neuron`]).
/// 3. Threshold: LIF neurons with `v > v_th` that are not refractory spike; Poisson
///    groups and spike generators emit their spikes of step `n`.
/// 4. Propagation: spikes of step `n` enter the delay queues. Every arrival due at step
///    `n`, including this step's spikes on zero-delay synapses, acts on its target
///    (`v += w` or `g += w`, with `w` from before the update) and then runs `on_pre`.
///    Synapse groups go in creation order.
/// 5. Reset: spiking LIF neurons go to `v_reset` and become refractory. A voltage jump
///    that arrived at a spiking neuron in step 4 is overwritten, as in Brian2, where
///    resets come after synapses.
/// 6. Plasticity `on_post` for every spiking neuron and its incoming plastic synapses,
///    after all `on_pre` effects of the step.
/// 7. The spike counts of every population ([`Network::spike_counts`]), then spike and
///    rate monitors, record the spikes of step `n`.
///
/// Steps 2 to 5 are Brian2's `groups`, `thresholds`, `synapses` and `resets` slots, with
/// `on_pre` before `on_post` as Brian2 orders its pathways. A voltage jump at step `n`
/// is therefore first integrated (and can first cause a spike) at step `n + 1`.
///
/// # Reproducibility
///
/// [`Network::run`] can be called repeatedly: all state, including pending delayed
/// spikes and the next Poisson spike of every input, lives in the network, so two runs of
/// 50 ms give the same result bit for bit as one run of 100 ms. Random numbers come from
/// streams derived from (seed, population or synapse group, neuron), so results depend
/// only on the seed and on the order in which populations and synapses were added. The
/// step loop is single-threaded.
pub struct Network {
    clock: Clock,
    seed: u64,
    populations: Vec<Population>,
    connections: Vec<Connection>,
    /// Spikes of the current step, per population.
    spikes: Vec<Vec<u32>>,
    /// Spikes of each neuron since the population was added, per population.
    spike_counts: Vec<Vec<u64>>,
    spike_monitors: Vec<SpikeMonitor>,
    state_monitors: Vec<StateMonitor>,
    rate_monitors: Vec<RateMonitor>,
}

impl Network {
    /// Creates an empty network with step `dt` in ms and a seed for all random streams.
    pub fn new(dt: f64, seed: u64) -> Result<Self> {
        Ok(Network {
            clock: Clock::new(dt)?,
            seed,
            populations: Vec::new(),
            connections: Vec::new(),
            spikes: Vec::new(),
            spike_counts: Vec::new(),
            spike_monitors: Vec::new(),
            state_monitors: Vec::new(),
            rate_monitors: Vec::new(),
        })
    }

    /// Returns the clock: step `dt` and the number of steps run so far.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    fn push_population(&mut self, population: Population) -> Result<PopulationId> {
        if population.len() > u32::MAX as usize {
            return Err(Error::invalid_parameter(
                "network",
                "population size",
                format!("at most {}", u32::MAX),
                population.len(),
            ));
        }
        self.spike_counts.push(vec![0; population.len()]);
        self.populations.push(population);
        self.spikes.push(Vec::new());
        Ok(PopulationId(self.populations.len() - 1))
    }

    /// Adds a LIF population.
    pub fn add_lif(&mut self, mut group: LifGroup) -> Result<PopulationId> {
        group.bind(&self.clock)?;
        self.push_population(Population::Lif(group))
    }

    /// Adds a Poisson population with one rate in Hz per neuron.
    ///
    /// Rates must satisfy `rate · dt < 1`; see [`super::input`] for how spikes are drawn.
    pub fn add_poisson(&mut self, rates: Vec<f64>) -> Result<PopulationId> {
        let population = self.populations.len();
        let rngs = (0..rates.len())
            .map(|i| rng::stream(self.seed, stream_id(stream_kind::POISSON, population, i)))
            .collect();
        // the group's own stream takes index u32::MAX, which no neuron has because a
        // population contains at most u32::MAX neurons (indices up to u32::MAX − 1)
        let group_rng = rng::stream(
            self.seed,
            stream_id(stream_kind::POISSON, population, u32::MAX as usize),
        );
        let group = PoissonGroup::new(rates, &self.clock, group_rng, rngs)?;
        self.push_population(Population::Poisson(group))
    }

    /// Adds a population that spikes at the generator's times.
    pub fn add_spike_generator(&mut self, generator: &SpikeGenerator) -> Result<PopulationId> {
        let state = generator.bind(&self.clock)?;
        self.push_population(Population::Generator(state))
    }

    /// Replaces the rates of a Poisson population from the current step on.
    pub fn set_rates(&mut self, population: PopulationId, rates: Vec<f64>) -> Result<()> {
        let step = self.clock.step();
        match self.populations.get_mut(population.0) {
            Some(Population::Poisson(group)) => group.set_rates(rates, step),
            _ => Err(Error::invalid_parameter(
                "network",
                "population",
                "a Poisson population",
                format!("population {}", population.0),
            )),
        }
    }

    /// Number of neurons in a population.
    pub fn population_len(&self, population: PopulationId) -> usize {
        self.populations[population.0].len()
    }

    /// Returns a LIF population, or `None` for other kinds.
    pub fn lif(&self, population: PopulationId) -> Option<&LifGroup> {
        match &self.populations[population.0] {
            Population::Lif(group) => Some(group),
            _ => None,
        }
    }

    /// Returns a LIF population for changing its state, or `None` for other kinds.
    pub fn lif_mut(&mut self, population: PopulationId) -> Option<&mut LifGroup> {
        match &mut self.populations[population.0] {
            Population::Lif(group) => Some(group),
            _ => None,
        }
    }

    /// Returns a Poisson population, or `None` for other kinds.
    pub fn poisson(&self, population: PopulationId) -> Option<&PoissonGroup> {
        match &self.populations[population.0] {
            Population::Poisson(group) => Some(group),
            _ => None,
        }
    }

    /// Neurons of a population that spiked in the last step run.
    pub fn last_spikes(&self, population: PopulationId) -> &[u32] {
        &self.spikes[population.0]
    }

    /// Number of spikes of each neuron of a population since it was added.
    pub fn spike_counts(&self, population: PopulationId) -> &[u64] {
        &self.spike_counts[population.0]
    }

    /// Connects `pre` to `post`.
    ///
    /// Voltage and conductance targets need a LIF population as `post`.
    pub fn connect(
        &mut self,
        pre: PopulationId,
        post: PopulationId,
        spec: &SynapseSpec,
    ) -> Result<SynapsesId> {
        let index = self.connections.len();
        let n_pre = self.populations[pre.0].len();
        let n_post = self.populations[post.0].len();
        if spec.target != SynapseTarget::None && self.lif(post).is_none() {
            return Err(Error::invalid_parameter(
                "synapses",
                "target",
                "SynapseTarget::None when the postsynaptic population is not LIF neurons",
                format!("{:?}", spec.target),
            ));
        }

        let mut connect_rng = rng::stream(self.seed, stream_id(stream_kind::CONNECT, index, 0));
        let mut weight_rng = rng::stream(self.seed, stream_id(stream_kind::WEIGHTS, index, 0));
        let synapses = Synapses::build(
            n_pre,
            n_post,
            spec,
            &self.clock,
            &mut connect_rng,
            &mut weight_rng,
        )?;
        let step = self.clock.step();
        if spec.target == SynapseTarget::Conductance
            && let Some(group) = self.lif_mut(post)
        {
            group.enable_conductance_input(step);
        }
        self.connections.push(Connection {
            pre: pre.0,
            post: post.0,
            synapses,
        });
        Ok(SynapsesId(index))
    }

    /// Returns a synapse group.
    pub fn synapses(&self, id: SynapsesId) -> &Synapses {
        &self.connections[id.0].synapses
    }

    /// Returns a synapse group for changing its weights.
    pub fn synapses_mut(&mut self, id: SynapsesId) -> &mut Synapses {
        &mut self.connections[id.0].synapses
    }

    /// Attaches a plasticity rule to a synapse group, with all traces at zero.
    pub fn set_plasticity(&mut self, id: SynapsesId, rule: StdpRule) -> Result<()> {
        let synapses = &mut self.connections[id.0].synapses;
        let (dt, step) = (self.clock.dt(), self.clock.step());
        let shared = if matches!(synapses.delays, DelaySteps::Homogeneous(_)) {
            Plasticity::new_shared(
                rule,
                &synapses.pre,
                &synapses.post,
                synapses.n_pre,
                synapses.n_post,
                dt,
                step,
            )?
        } else {
            None
        };
        let plasticity = match shared {
            Some(plasticity) => plasticity,
            None => Plasticity::new(rule, synapses.len(), dt, step)?,
        };
        synapses.plasticity = Some(plasticity);
        Ok(())
    }

    /// Records the spikes of `population`, or only of the neurons in `subset`.
    pub fn monitor_spikes(
        &mut self,
        population: PopulationId,
        subset: Option<&[usize]>,
        sink: Box<dyn SpikeSink>,
    ) -> Result<SpikeMonitorId> {
        let n = self.population_len(population);
        let mask = match subset {
            None => None,
            Some(indices) => {
                check_indices("spike monitor", indices, n)?;
                let mut mask = vec![false; n];
                for &i in indices {
                    mask[i] = true;
                }
                Some(mask)
            }
        };
        self.spike_monitors
            .push(SpikeMonitor::new(population.0, mask, sink));
        Ok(SpikeMonitorId(self.spike_monitors.len() - 1))
    }

    /// Samples `variable` at `indices` every `interval` ms (a whole number of steps).
    pub fn monitor_state(
        &mut self,
        variable: Variable,
        indices: &[usize],
        interval: f64,
        sink: Box<dyn SampleSink>,
    ) -> Result<StateMonitorId> {
        let len = self.variable(variable)?.len();
        check_indices("state monitor", indices, len)?;
        let interval = self
            .clock
            .duration_to_steps("recording interval", interval)?;
        if interval == 0 {
            return Err(Error::invalid_parameter(
                "state monitor",
                "recording interval",
                format!("at least one step ({} ms)", self.clock.dt()),
                "0 ms",
            ));
        }
        self.state_monitors.push(StateMonitor::new(
            variable,
            indices.to_vec(),
            interval,
            sink,
        ));
        Ok(StateMonitorId(self.state_monitors.len() - 1))
    }

    /// Records the mean rate of `population` in Hz over bins of `bin` ms.
    pub fn monitor_rate(
        &mut self,
        population: PopulationId,
        bin: f64,
        sink: Box<dyn SampleSink>,
    ) -> Result<RateMonitorId> {
        let bin = self.clock.duration_to_steps("rate bin", bin)?;
        if bin == 0 {
            return Err(Error::invalid_parameter(
                "rate monitor",
                "rate bin",
                format!("at least one step ({} ms)", self.clock.dt()),
                "0 ms",
            ));
        }
        let n = self.population_len(population);
        self.rate_monitors.push(RateMonitor::new(
            population.0,
            n,
            bin,
            self.clock.dt(),
            sink,
        ));
        Ok(RateMonitorId(self.rate_monitors.len() - 1))
    }

    /// Returns the sink of a spike monitor, if it has type `T`.
    pub fn spike_sink<T: 'static>(&self, id: SpikeMonitorId) -> Option<&T> {
        self.spike_monitors[id.0].sink.as_any().downcast_ref()
    }

    /// Returns the spikes of a monitor with an in-memory sink.
    pub fn spikes(&self, id: SpikeMonitorId) -> Option<&SpikeRecord> {
        self.spike_sink(id)
    }

    /// Returns the sink of a state monitor, if it has type `T`.
    pub fn state_sink<T: 'static>(&self, id: StateMonitorId) -> Option<&T> {
        self.state_monitors[id.0].sink.as_any().downcast_ref()
    }

    /// Returns the samples of a state monitor with an in-memory sink.
    pub fn samples(&self, id: StateMonitorId) -> Option<&SampleRecord> {
        self.state_sink(id)
    }

    /// Returns the sink of a rate monitor, if it has type `T`.
    pub fn rate_sink<T: 'static>(&self, id: RateMonitorId) -> Option<&T> {
        self.rate_monitors[id.0].sink.as_any().downcast_ref()
    }

    /// Returns the rates of a rate monitor with an in-memory sink.
    pub fn rates(&self, id: RateMonitorId) -> Option<&SampleRecord> {
        self.rate_sink(id)
    }

    fn variable(&self, variable: Variable) -> Result<&[f64]> {
        variable_of(&self.populations, &self.connections, variable)
    }

    /// Runs for `duration` ms, a whole number of steps, then flushes every monitor.
    pub fn run(&mut self, duration: f64) -> Result<()> {
        let steps = self.clock.duration_to_steps("run duration", duration)?;
        self.run_steps(steps)
    }

    /// Runs `steps` steps, then flushes every monitor.
    pub fn run_steps(&mut self, steps: u64) -> Result<()> {
        let start = self.clock.step();
        for population in &mut self.populations {
            if let Population::Lif(group) = population {
                group.adopt_edits(start);
            }
        }
        let end = start + steps;
        loop {
            let n = self.clock.step();
            if n == end {
                break;
            }
            // steps without work are skipped in one go
            let work = self.next_work(n, end);
            let next = self.next_bin_or_sample(n, work);
            if next > n {
                for spikes in &mut self.spikes {
                    spikes.clear();
                }
                self.clock.advance_by(next - n);
                continue;
            }
            self.step(work > n)?;
        }
        for population in &mut self.populations {
            if let Population::Lif(group) = population {
                group.sync(end);
            }
        }
        for monitor in &mut self.spike_monitors {
            monitor.flush()?;
        }
        for monitor in &mut self.state_monitors {
            monitor.flush()?;
        }
        for monitor in &mut self.rate_monitors {
            monitor.flush()?;
        }
        Ok(())
    }

    /// Returns whether step `n` has no work: see [`Network::step`].
    fn is_idle(&self, n: u64) -> bool {
        self.state_monitors.iter().all(|m| n % m.interval != 0)
            && self.populations.iter().all(|p| match p {
                Population::Lif(group) => group.is_idle(),
                Population::Poisson(group) => !group.spikes_at(n),
                Population::Generator(group) => !group.spikes_at(n),
            })
            && self
                .connections
                .iter()
                .all(|c| c.synapses.queue.is_empty_at(n))
    }

    /// Returns the first step in `n..end` at which a state monitor samples or a rate
    /// monitor closes a bin, or `end`.
    fn next_bin_or_sample(&self, n: u64, end: u64) -> u64 {
        let mut next = end;
        for monitor in &self.state_monitors {
            next = next.min(n.div_ceil(monitor.interval) * monitor.interval);
        }
        for monitor in &self.rate_monitors {
            next = next.min(monitor.next_bin_end(n));
        }
        next
    }

    /// Returns the first step in `n..end` at which a neuron may spike or a spike arrives,
    /// or `end`. Every step before it is idle (see [`Network::is_idle`]) unless a monitor
    /// samples in it.
    fn next_work(&self, n: u64, end: u64) -> u64 {
        // a LIF group that is not idle has work now, and no search is needed
        let busy = |p: &Population| matches!(p, Population::Lif(group) if !group.is_idle());
        if self.populations.iter().any(busy) {
            return n;
        }
        let mut next = end;
        for population in &self.populations {
            next = match population {
                Population::Lif(_) => next,
                Population::Poisson(group) => group.next_spike(n, next),
                Population::Generator(group) => group.next_spike(next),
            };
            if next == n {
                return n;
            }
        }
        for connection in &self.connections {
            next = connection.synapses.queue.next_arrival(n, next);
        }
        next
    }

    /// Runs one step in the order documented at [`Network`]. Pass `may_be_idle = false`
    /// when [`Network::next_work`] returned this step, which skips the idle test.
    fn step(&mut self, may_be_idle: bool) -> Result<()> {
        let n = self.clock.step();

        // A step where no input spikes, nothing arrives, no neuron can cross its threshold
        // and no state is sampled changes only the clock and the rate counts. It is
        // skipped, because the lazy leak catches up at the next event.
        if may_be_idle && self.is_idle(n) {
            for spikes in &mut self.spikes {
                spikes.clear();
            }
            for monitor in &mut self.rate_monitors {
                monitor.record(n, 0)?;
            }
            self.clock.advance();
            return Ok(());
        }

        // state monitors sample the state at time n·dt
        for monitor in &mut self.state_monitors {
            if n % monitor.interval == 0 {
                if let Variable::V(p) = monitor.variable
                    && let Population::Lif(group) = &mut self.populations[p.index()]
                {
                    group.sync(n);
                }
                let source = variable_of(&self.populations, &self.connections, monitor.variable)?;
                monitor.record(n, source)?;
            }
        }

        // state update and threshold, and spikes of the inputs (populations do not
        // interact before propagation, so each can finish both in turn)
        for (p, population) in self.populations.iter_mut().enumerate() {
            let spikes = &mut self.spikes[p];
            spikes.clear();
            match population {
                Population::Lif(group) => {
                    group.integrate(n);
                    group.threshold(n, spikes);
                }
                Population::Poisson(group) => group.emit(n, spikes),
                Population::Generator(group) => group.emit(n, spikes),
            }
        }

        // propagation: arrivals act on their target, then on_pre
        for connection in &mut self.connections {
            let synapses = &mut connection.synapses;
            let target = match &mut self.populations[connection.post] {
                Population::Lif(group) => Some(group),
                _ => None,
            };
            // without delay the arrivals are this step's spikes, and need no queue
            if synapses.delays == DelaySteps::Homogeneous(0) {
                let spikes = &self.spikes[connection.pre];
                if !spikes.is_empty() {
                    deliver(synapses, spikes, target, n);
                }
                continue;
            }
            synapses.enqueue(n, &self.spikes[connection.pre]);
            let arrivals = synapses.queue.take(n);
            // a step without arrivals must not touch the plasticity state, because the
            // epoch of its traces would then depend on which steps a run visits
            if !arrivals.is_empty() {
                deliver(synapses, &arrivals, target, n);
            }
            synapses.queue.restore(n, arrivals);
        }

        // reset, after the arrivals so that it overwrites their voltage jumps
        for (p, population) in self.populations.iter_mut().enumerate() {
            if let Population::Lif(group) = population
                && !self.spikes[p].is_empty()
            {
                group.reset(n, &self.spikes[p]);
            }
        }

        // plasticity on_post, after every on_pre of the step
        for connection in &mut self.connections {
            let synapses = &mut connection.synapses;
            let Some(plasticity) = synapses.plasticity.as_mut() else {
                continue;
            };
            for &i in &self.spikes[connection.post] {
                let i = i as usize;
                let incoming = &synapses.by_post[synapses.col_start[i]..synapses.col_start[i + 1]];
                plasticity.on_post_neuron(i, incoming, n, &mut synapses.w);
            }
        }

        // spike counts, then spike and rate monitors
        for (spikes, counts) in self.spikes.iter().zip(&mut self.spike_counts) {
            for &i in spikes {
                counts[i as usize] += 1;
            }
        }
        for monitor in &mut self.spike_monitors {
            let spikes = &self.spikes[monitor.population];
            if !spikes.is_empty() {
                monitor.record(n, spikes)?;
            }
        }
        for monitor in &mut self.rate_monitors {
            monitor.record(n, self.spikes[monitor.population].len())?;
        }

        self.clock.advance();
        Ok(())
    }
}

/// Applies the arrivals of one step: the effect on the target, then `on_pre`.
fn deliver(
    synapses: &mut Synapses,
    arrivals: &[u32],
    mut target: Option<&mut LifGroup>,
    step: u64,
) {
    let homogeneous = matches!(synapses.delays, DelaySteps::Homogeneous(_));
    let kind = synapses.target;
    let Synapses {
        row_start,
        post,
        w,
        plasticity,
        ..
    } = synapses;
    if homogeneous {
        // a homogeneous queue contains presynaptic neurons: each arrival is a whole row,
        // which acts on its targets first and then runs on_pre synapse by synapse
        let mut act = |posts: &[u32], w: &[f64]| {
            if let Some(group) = target.as_deref_mut() {
                match kind {
                    SynapseTarget::Voltage => group.add_voltages(posts, w, step),
                    SynapseTarget::Conductance => group.add_conductances(posts, w),
                    SynapseTarget::None => {}
                }
            }
        };
        match plasticity.as_mut() {
            Some(plasticity) => plasticity.on_pre_rows(arrivals, row_start, post, w, step, act),
            None => {
                for &pre in arrivals {
                    let range = row_start[pre as usize]..row_start[pre as usize + 1];
                    act(&post[range.clone()], &w[range]);
                }
            }
        }
        return;
    }
    // a per-synapse queue contains synapses
    for &s in arrivals {
        let s = s as usize;
        let i = post[s] as usize;
        if let Some(group) = target.as_deref_mut() {
            match kind {
                SynapseTarget::Voltage => group.add_voltage(i, w[s], step),
                SynapseTarget::Conductance => group.add_conductance(i, w[s]),
                SynapseTarget::None => {}
            }
        }
        if let Some(plasticity) = plasticity.as_mut() {
            plasticity.on_pre(s, step, &mut w[s]);
        }
    }
}

/// Returns the values of `variable`, one per neuron or synapse.
fn variable_of<'a>(
    populations: &'a [Population],
    connections: &'a [Connection],
    variable: Variable,
) -> Result<&'a [f64]> {
    match variable {
        Variable::V(p) | Variable::G(p) => match &populations[p.0] {
            Population::Lif(group) if matches!(variable, Variable::V(_)) => Ok(group.v()),
            Population::Lif(group) => Ok(group.g()),
            _ => Err(Error::invalid_parameter(
                "state monitor",
                "variable",
                "v or g of a LIF population",
                format!("population {}", p.0),
            )),
        },
        Variable::Weight(s) => Ok(connections[s.0].synapses.weights()),
    }
}

fn check_indices(model: &'static str, indices: &[usize], len: usize) -> Result<()> {
    if let Some(&bad) = indices.iter().find(|&&i| i >= len) {
        return Err(Error::invalid_parameter(
            model,
            "index",
            format!("below the size {len}"),
            bad,
        ));
    }
    Ok(())
}
