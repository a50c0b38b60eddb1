//! Input populations: Poisson groups, spike generators and Poisson rate coding.
//!
//! # Poisson groups
//!
//! Each neuron spikes in each step independently with probability `p = rate · dt`
//! (rate in Hz, dt in s), the discrete-time Poisson process that Brian2's `PoissonGroup`
//! simulates. A rate with `rate · dt ≥ 1` cannot be represented this way and is rejected.
//!
//! Instead of drawing one Bernoulli number per neuron and step, the engine draws the
//! number of silent trials before the next spike, which for independent Bernoulli trials
//! is geometric: `K = ⌊E / λ⌋` with `E` exponential with mean 1 and `λ = −ln(1 − p)`,
//! since `P(K ≥ k) = P(E ≥ kλ) = e^{−kλ} = (1 − p)^k`. `E` comes from the ziggurat
//! sampler of `rand_distr::Exp1`, which needs no logarithm for almost every draw; this
//! is the same law as the textbook `⌊ln U / ln(1 − p)⌋`. The spike trains have exactly
//! the same distribution as per-step Bernoulli draws, but the cost scales with the number
//! of spikes rather than with neurons × steps (1000 inputs at 15 Hz with dt = 0.1 ms need
//! 1.5 draws per ms instead of 10 000).
//!
//! Two layouts of the trials use this:
//!
//! - **One rate for the whole group.** The trials form one sequence, step by step and
//!   neuron by neuron within a step: trial `s·N + i` is neuron `i` of `N` at step `s`.
//!   One stream for the group draws the gaps between successive spikes. The
//!   spikes of a step come out in increasing neuron order with no sorting, and the group
//!   keeps only its next spike. As in Brian2, every neuron's train then depends on the
//!   size of the group.
//! - **Rates that differ between neurons.** Each neuron draws the gaps of its own train
//!   from its own stream, derived from (seed, population, neuron). Its train then does
//!   not depend on the size of its group or on other neurons' rates. Each neuron has exactly
//!   one pending spike. Pending spikes within the next [`CALENDAR_LEN`] steps sit in a
//!   ring of per-step buckets, later ones in a binary heap; the neurons of a step are
//!   emitted in increasing index order. A bucket is a linked list threaded through one
//!   link per neuron, because a neuron waits in at most one bucket. The ring then takes
//!   16 KB plus 4 bytes per neuron, so it stays in cache.
//!
//! New rates ([`super::Network::set_rates`]) pick the layout again. Both layouts
//! draw from xoshiro256++ streams of the network's seed, so the spikes do not depend on
//! other populations or on the number of threads.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand_distr::{Distribution, Exp1};

use super::clock::Clock;
use crate::error::{Error, Result};
use crate::rng::Rng;

/// Checks the rates of a Poisson group against the step `dt` in ms.
pub(crate) fn check_rates(rates: &[f64], dt: f64) -> Result<()> {
    let max_rate = 1000.0 / dt;
    for (i, &rate) in rates.iter().enumerate() {
        if !(rate.is_finite() && rate >= 0.0) {
            return Err(Error::invalid_parameter(
                "Poisson input",
                "rate",
                "a finite rate in Hz >= 0",
                format!("{rate} Hz (neuron {i})"),
            ));
        }
        if rate * dt * 1e-3 >= 1.0 {
            return Err(Error::invalid_parameter(
                "Poisson input",
                "rate",
                format!(
                    "below 1/dt = {max_rate} Hz, because a step holds at most one spike \
                     (rate·dt < 1); lower the rate or the step dt = {dt} ms"
                ),
                format!("{rate} Hz (neuron {i}, rate·dt = {})", rate * dt * 1e-3),
            ));
        }
    }
    Ok(())
}

/// Number of steps covered by the ring of buckets of a Poisson group (a power of two).
pub const CALENDAR_LEN: usize = 4096;

/// End of a bucket's list.
const NONE: u32 = u32::MAX;

/// A group of independent Poisson spike sources with per-neuron rates.
#[derive(Debug, Clone)]
pub struct PoissonGroup {
    rates: Vec<f64>,
    /// `1/λ = −1/ln(1 − rate·dt)` per neuron, the mean of the exponential variable whose
    /// floor is the number of silent steps. `0` marks a silent neuron.
    inv_lambda: Vec<f64>,
    /// The sequence of trials of a group with one rate; `None` when the rates differ.
    shared: Option<SharedTrain>,
    /// The stream of [`SharedTrain`], kept while the rates differ.
    group_rng: Rng,
    rngs: Vec<Rng>,
    /// Bucket `s mod CALENDAR_LEN` holds the neurons due at step `s`, for steps
    /// `base ≤ s < base + CALENDAR_LEN`.
    calendar: Vec<u32>,
    /// `next_in_bucket[i]`: the neuron after `i` in its bucket, or [`NONE`].
    next_in_bucket: Vec<u32>,
    /// Pending spikes at `base + CALENDAR_LEN` or later.
    pending: BinaryHeap<Reverse<(u64, u32)>>,
    /// The step being emitted, or the next one.
    base: u64,
    dt: f64,
}

impl PoissonGroup {
    /// Creates the group with one generator for the group and one per neuron, and draws
    /// the first spikes at or after the clock's step.
    pub(crate) fn new(
        rates: Vec<f64>,
        clock: &Clock,
        group_rng: Rng,
        rngs: Vec<Rng>,
    ) -> Result<Self> {
        check_rates(&rates, clock.dt())?;
        let mut group = PoissonGroup {
            inv_lambda: Vec::new(),
            shared: None,
            group_rng,
            rates: Vec::new(),
            rngs,
            calendar: vec![NONE; CALENDAR_LEN],
            next_in_bucket: Vec::new(),
            pending: BinaryHeap::new(),
            base: clock.step(),
            dt: clock.dt(),
        };
        group.set_rates_from(rates, clock.step());
        Ok(group)
    }

    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.rates.len()
    }

    /// Returns whether the group has no neurons.
    pub fn is_empty(&self) -> bool {
        self.rates.is_empty()
    }

    /// Rates in Hz.
    pub fn rates(&self) -> &[f64] {
        &self.rates
    }

    /// Replaces the rates from `step` on. Spikes already drawn for later steps are
    /// discarded and redrawn, which is exact because the process is memoryless.
    pub(crate) fn set_rates(&mut self, rates: Vec<f64>, step: u64) -> Result<()> {
        if rates.len() != self.rates.len() {
            return Err(Error::ShapeMismatch {
                context: "Poisson rates against the group size",
                expected: self.rates.len().to_string(),
                got: rates.len().to_string(),
            });
        }
        check_rates(&rates, self.dt)?;
        self.set_rates_from(rates, step);
        Ok(())
    }

    fn set_rates_from(&mut self, rates: Vec<f64>, step: u64) {
        self.inv_lambda = rates
            .iter()
            .map(|&rate| {
                let p = rate * self.dt * 1e-3;
                // a rate so small that p rounds to 0 never fires
                if p == 0.0 { 0.0 } else { -1.0 / (-p).ln_1p() }
            })
            .collect();
        // the value of every `inv_lambda` when they are all equal
        let shared_inv_lambda = match self.inv_lambda.split_first() {
            Some((&first, rest)) if rest.iter().all(|&x| x == first) => Some(first),
            _ => None,
        };
        self.rates = rates;
        self.pending.clear();
        self.calendar.fill(NONE);
        self.base = step;
        if let Some(train) = self.shared.take() {
            self.group_rng = train.rng;
        }
        if let Some(inv_lambda) = shared_inv_lambda {
            self.next_in_bucket = Vec::new();
            let n = self.rates.len() as u64;
            let rng = self.group_rng.clone();
            self.shared = Some(SharedTrain::new(rng, inv_lambda, n, step));
            return;
        }
        self.next_in_bucket = vec![NONE; self.rates.len()];
        for i in 0..self.rates.len() {
            self.schedule(i, step);
        }
    }

    /// Draws the next spike of neuron `i` at `from` or later.
    #[inline]
    fn schedule(&mut self, i: usize, from: u64) {
        let inv_lambda = self.inv_lambda[i];
        if inv_lambda == 0.0 {
            return;
        }

        // K = ⌊E / λ⌋, geometric with success probability p
        let e: f64 = Exp1.sample(&mut self.rngs[i]);
        // E / λ ≥ 0, so the cast's truncation is the floor; the cast saturates, which
        // sends astronomically rare gaps beyond the end of time
        let silent_steps = (e * inv_lambda) as u64;
        let next = from.saturating_add(silent_steps);
        if next - self.base < CALENDAR_LEN as u64 {
            let head = &mut self.calendar[next as usize % CALENDAR_LEN];
            self.next_in_bucket[i] = *head;
            *head = i as u32;
        } else if next != u64::MAX {
            self.pending.push(Reverse((next, i as u32)));
        }
    }

    /// Returns whether some neuron spikes at `step`, the next step to emit.
    #[inline]
    pub(crate) fn spikes_at(&self, step: u64) -> bool {
        if let Some(train) = &self.shared {
            return train.step == step;
        }
        self.calendar[step as usize % CALENDAR_LEN] != NONE
            || self
                .pending
                .peek()
                .is_some_and(|&Reverse((next, _))| next == step)
    }

    /// Returns the first step in `step..limit` at which some neuron spikes, or `limit`;
    /// `step` must not precede the last emitted step.
    pub(crate) fn next_spike(&self, step: u64, limit: u64) -> u64 {
        if let Some(train) = &self.shared {
            return train.step.min(limit);
        }
        // spikes before `base + CALENDAR_LEN` are in the ring, later ones in the heap
        let ring_end = limit.min(self.base + CALENDAR_LEN as u64);
        let in_ring = (step..ring_end).find(|&s| self.calendar[s as usize % CALENDAR_LEN] != NONE);
        let in_heap = self.pending.peek().map(|&Reverse((next, _))| next);
        in_ring.into_iter().chain(in_heap).fold(limit, u64::min)
    }

    /// Appends the neurons that spike at `step` to `spikes`, in increasing order. Steps
    /// without spikes may be left out (see [`PoissonGroup::spikes_at`]).
    pub(crate) fn emit(&mut self, step: u64, spikes: &mut Vec<u32>) {
        debug_assert!(step >= self.base, "Poisson steps must be emitted in order");
        self.base = step;
        if let Some(train) = &mut self.shared {
            train.emit(step, spikes);
            return;
        }
        let start = spikes.len();

        // neurons due now from the ring and from the far-future heap
        let bucket = step as usize % CALENDAR_LEN;
        let mut i = std::mem::replace(&mut self.calendar[bucket], NONE);
        while i != NONE {
            spikes.push(i);
            i = self.next_in_bucket[i as usize];
        }
        while let Some(&Reverse((next, i))) = self.pending.peek() {
            if next != step {
                debug_assert!(next > step, "a Poisson spike was skipped");
                break;
            }
            self.pending.pop();
            spikes.push(i);
        }
        if spikes.len() - start > 1 {
            spikes[start..].sort_unstable();
        }

        // each emitted neuron draws its next spike
        for k in start..spikes.len() {
            self.schedule(spikes[k] as usize, step + 1);
        }
    }
}

/// The trials of a group with one rate, laid out step by step and neuron by neuron, and
/// the position of the next spike among them.
#[derive(Debug, Clone)]
struct SharedTrain {
    rng: Rng,
    /// `1/λ`, the mean of the exponential variable whose floor is the gap; `0` for a
    /// silent group.
    inv_lambda: f64,
    /// Number of neurons, the trials per step.
    n: u64,
    /// Step and neuron of the next spike; `u64::MAX` when there is none.
    step: u64,
    neuron: u64,
}

impl SharedTrain {
    /// Draws the first spike at trial `(step, 0)` or later.
    fn new(rng: Rng, inv_lambda: f64, n: u64, step: u64) -> Self {
        let mut train = SharedTrain {
            rng,
            inv_lambda,
            n,
            step,
            neuron: 0,
        };
        if inv_lambda == 0.0 || n == 0 {
            train.step = u64::MAX;
        } else {
            train.skip();
        }
        train
    }

    /// Moves the next spike on by a geometric number of silent trials.
    #[inline(always)]
    fn skip(&mut self) {
        let e: f64 = Exp1.sample(&mut self.rng);
        // E / λ ≥ 0, so the cast's truncation is the floor; it saturates for gaps that
        // reach beyond the end of time
        let silent = (e * self.inv_lambda) as u64;
        let trial = self.neuron.saturating_add(silent);
        if trial < self.n {
            self.neuron = trial;
        } else {
            self.step = self.step.saturating_add(trial / self.n);
            self.neuron = trial % self.n;
        }
    }

    /// Appends the neurons that spike at `step` to `spikes`, in increasing order.
    #[inline]
    fn emit(&mut self, step: u64, spikes: &mut Vec<u32>) {
        debug_assert!(self.step >= step, "a Poisson spike was skipped");
        while self.step == step {
            spikes.push(self.neuron as u32);
            // the trial after the spike, then the silent ones
            self.neuron += 1;
            self.skip();
        }
    }
}

/// Spikes at explicit times: the counterpart of Brian2's `SpikeGeneratorGroup`.
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeGenerator {
    n: usize,
    spikes: Vec<(usize, SpikeTime)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum SpikeTime {
    Ms(f64),
    Step(u64),
}

impl SpikeGenerator {
    /// Creates `n` sources that spike at the given `(neuron, time in ms)` pairs.
    ///
    /// Times are rounded to the nearest step when the generator is added to a network.
    pub fn new(n: usize, spikes: &[(usize, f64)]) -> Self {
        SpikeGenerator {
            n,
            spikes: spikes.iter().map(|&(i, t)| (i, SpikeTime::Ms(t))).collect(),
        }
    }

    /// Creates `n` sources that spike at the given `(neuron, step index)` pairs.
    pub fn from_steps(n: usize, spikes: &[(usize, u64)]) -> Self {
        SpikeGenerator {
            n,
            spikes: spikes
                .iter()
                .map(|&(i, s)| (i, SpikeTime::Step(s)))
                .collect(),
        }
    }

    /// Number of sources.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Returns whether the generator has no sources.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Converts the times to steps, sorts them and checks indices, times and duplicates.
    pub(crate) fn bind(&self, clock: &Clock) -> Result<GeneratorState> {
        let mut events = Vec::with_capacity(self.spikes.len());
        for &(i, time) in &self.spikes {
            if i >= self.n {
                return Err(Error::invalid_parameter(
                    "spike generator",
                    "neuron",
                    format!("an index below the group size {}", self.n),
                    i,
                ));
            }
            let step = match time {
                SpikeTime::Ms(t) => clock.time_to_step("spike time", t)?,
                SpikeTime::Step(s) => s,
            };
            if step < clock.step() {
                return Err(Error::invalid_parameter(
                    "spike generator",
                    "spike time",
                    format!("at or after the current step {}", clock.step()),
                    format!("step {step} (neuron {i})"),
                ));
            }
            events.push((step, i as u32));
        }
        events.sort_unstable();
        if let Some(pair) = events.windows(2).find(|pair| pair[0] == pair[1]) {
            let (step, i) = pair[0];
            return Err(Error::invalid_parameter(
                "spike generator",
                "spike time",
                "at most one spike per neuron and step",
                format!("two spikes of neuron {i} in step {step}"),
            ));
        }
        Ok(GeneratorState {
            n: self.n,
            events,
            cursor: 0,
        })
    }
}

/// A spike generator bound to a clock: its events as sorted (step, neuron) pairs.
#[derive(Debug, Clone)]
pub(crate) struct GeneratorState {
    pub(crate) n: usize,
    events: Vec<(u64, u32)>,
    cursor: usize,
}

impl GeneratorState {
    /// Returns whether some neuron spikes at `step`, the next step to emit.
    #[inline]
    pub(crate) fn spikes_at(&self, step: u64) -> bool {
        self.events
            .get(self.cursor)
            .is_some_and(|&(s, _)| s == step)
    }

    /// Returns the step of the next event at or after the current one, or `limit`.
    pub(crate) fn next_spike(&self, limit: u64) -> u64 {
        self.events
            .get(self.cursor)
            .map_or(limit, |&(s, _)| s.min(limit))
    }

    /// Appends the neurons that spike at `step` to `spikes`, in increasing order.
    pub(crate) fn emit(&mut self, step: u64, spikes: &mut Vec<u32>) {
        while let Some(&(s, i)) = self.events.get(self.cursor) {
            if s != step {
                break;
            }
            spikes.push(i);
            self.cursor += 1;
        }
    }
}

/// Rates for Poisson rate coding of an image: pixel intensity `x` in [0, 1] becomes a
/// rate `x · max_rate` Hz. Feed the result to [`super::Network::add_poisson`] or
/// [`super::Network::set_rates`] to present the image.
pub fn rate_code(image: &[f64], max_rate: f64) -> Result<Vec<f64>> {
    if !(max_rate.is_finite() && max_rate >= 0.0) {
        return Err(Error::invalid_parameter(
            "rate coding",
            "max_rate",
            "a finite rate in Hz >= 0",
            format!("{max_rate} Hz"),
        ));
    }
    image
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            if (0.0..=1.0).contains(&x) {
                Ok(x * max_rate)
            } else {
                Err(Error::invalid_parameter(
                    "rate coding",
                    "pixel intensity",
                    "in [0, 1]; divide 8-bit pixels by 255",
                    format!("{x} (pixel {i})"),
                ))
            }
        })
        .collect()
}
