//! Synapse groups: connectivity, initial weights, axonal delays and sparse storage.
//!
//! Synapses are stored sorted by (pre, post) in compressed sparse rows by presynaptic
//! neuron, which serves spike propagation. A second index lists, for each postsynaptic
//! neuron, its incoming synapses in increasing presynaptic order, which serves the
//! `on_post` side of plasticity. Weights, delays and plasticity traces are per-synapse
//! arrays in the storage order. A pair rule with all-to-all pairing on a group with one
//! delay keeps per-neuron traces instead (see the `stdp` module).
//! [`Synapses::pre`] and [`Synapses::post`] name each synapse's neurons.
//!
//! A delay is axonal: a spike of neuron `j` at step `n` reaches synapse `s` at step
//! `n + delay[s]`, and the synapse's effect on its target and its `on_pre` plasticity
//! both happen then. Delays are rounded to whole steps.

use ndarray::Array2;
use rand::Rng as _;

use super::clock::Clock;
use super::stdp::Plasticity;
use crate::error::{Error, Result};
use crate::rng::Rng;

/// Pattern of connections between two populations.
#[derive(Debug, Clone, PartialEq)]
pub enum Connectivity {
    /// Every presynaptic neuron to every postsynaptic neuron.
    AllToAll,
    /// Neuron `i` to neuron `i`; both groups must have the same size.
    OneToOne,
    /// Each (pre, post) pair independently with probability `p`, from the network's seed.
    Probability(f64),
    /// Explicit pairs: synapse `k` goes from `pre[k]` to `post[k]`. Repeated pairs give
    /// several synapses.
    Indices { pre: Vec<usize>, post: Vec<usize> },
}

/// Initial weights.
///
/// Arrays follow the order in which the connectivity lists synapses: for
/// [`Connectivity::Indices`] the order of the index lists, otherwise presynaptic-major
/// (all synapses of pre 0 by increasing post, then pre 1, …).
#[derive(Debug, Clone, PartialEq)]
pub enum InitialWeights {
    /// Every weight equal.
    Constant(f64),
    /// Independent draws from `[low, high)`, from the network's seed.
    Uniform { low: f64, high: f64 },
    /// One weight per synapse.
    Array(Vec<f64>),
}

/// Axonal delays in ms; each is rounded to the nearest whole step.
#[derive(Debug, Clone, PartialEq)]
pub enum Delays {
    /// The same delay for every synapse.
    Constant(f64),
    /// One delay per synapse, in the order described at [`InitialWeights`].
    Array(Vec<f64>),
}

/// Effect of a presynaptic spike on the postsynaptic neuron.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynapseTarget {
    /// `v += w`, with `w` in mV.
    Voltage,
    /// `g += w`, with `w` in units of the leak conductance.
    Conductance,
    /// Nothing: the weight only changes through plasticity. Use this for synapses onto
    /// spike generators, for example to test a plasticity rule with forced spikes.
    None,
}

/// Everything needed to create a synapse group.
#[derive(Debug, Clone, PartialEq)]
pub struct SynapseSpec {
    pub connectivity: Connectivity,
    pub weights: InitialWeights,
    pub delays: Delays,
    pub target: SynapseTarget,
}

impl SynapseSpec {
    /// Creates a spec with the given connectivity, constant weight `w`, no delay and
    /// voltage-jump target.
    pub fn new(connectivity: Connectivity, w: f64) -> Self {
        SynapseSpec {
            connectivity,
            weights: InitialWeights::Constant(w),
            delays: Delays::Constant(0.0),
            target: SynapseTarget::Voltage,
        }
    }

    /// Sets the target.
    pub fn target(mut self, target: SynapseTarget) -> Self {
        self.target = target;
        self
    }

    /// Sets the delays.
    pub fn delays(mut self, delays: Delays) -> Self {
        self.delays = delays;
        self
    }

    /// Sets the initial weights.
    pub fn weights(mut self, weights: InitialWeights) -> Self {
        self.weights = weights;
        self
    }
}

/// A group of synapses between two populations.
#[derive(Debug, Clone)]
pub struct Synapses {
    pub(crate) n_pre: usize,
    pub(crate) n_post: usize,
    pub(crate) target: SynapseTarget,
    /// Synapses of pre `j` are `row_start[j]..row_start[j + 1]`.
    pub(crate) row_start: Vec<usize>,
    pub(crate) pre: Vec<u32>,
    pub(crate) post: Vec<u32>,
    pub(crate) w: Vec<f64>,
    /// Incoming synapses of post `i` are `by_post[col_start[i]..col_start[i + 1]]`.
    pub(crate) col_start: Vec<usize>,
    pub(crate) by_post: Vec<u32>,
    pub(crate) delays: DelaySteps,
    pub(crate) queue: DelayQueue,
    pub(crate) plasticity: Option<Plasticity>,
}

/// Delays in steps: one for all synapses, or one each.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DelaySteps {
    Homogeneous(u64),
    PerSynapse(Vec<u64>),
}

impl Synapses {
    /// Builds the group. `rng` draws the connectivity; `weight_rng` draws uniform weights.
    pub(crate) fn build(
        n_pre: usize,
        n_post: usize,
        spec: &SynapseSpec,
        clock: &Clock,
        rng: &mut Rng,
        weight_rng: &mut Rng,
    ) -> Result<Self> {
        // pairs in connectivity order
        let (pre, post) = connect(n_pre, n_post, &spec.connectivity, rng)?;
        let n = pre.len();

        // weights and delays in connectivity order
        let w = initial_weights(&spec.weights, n, weight_rng)?;
        let delays = delay_steps(&spec.delays, n, clock)?;

        // sort by (pre, post); stable, so repeated pairs keep their order
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&k| (pre[k], post[k]));
        let pre: Vec<u32> = order.iter().map(|&k| pre[k]).collect();
        let post: Vec<u32> = order.iter().map(|&k| post[k]).collect();
        let w: Vec<f64> = order.iter().map(|&k| w[k]).collect();
        let delays = match delays {
            DelaySteps::PerSynapse(d) => {
                DelaySteps::PerSynapse(order.iter().map(|&k| d[k]).collect())
            }
            homogeneous => homogeneous,
        };

        // row pointers by pre
        let mut row_start = vec![0usize; n_pre + 1];
        for &j in &pre {
            row_start[j as usize + 1] += 1;
        }
        for j in 0..n_pre {
            row_start[j + 1] += row_start[j];
        }

        // index by post; synapses are visited in storage order, so each list is sorted by pre
        let mut col_start = vec![0usize; n_post + 1];
        for &i in &post {
            col_start[i as usize + 1] += 1;
        }
        for i in 0..n_post {
            col_start[i + 1] += col_start[i];
        }
        let mut fill = col_start.clone();
        let mut by_post = vec![0u32; n];
        for (s, &i) in post.iter().enumerate() {
            by_post[fill[i as usize]] = s as u32;
            fill[i as usize] += 1;
        }

        let max_delay = match &delays {
            DelaySteps::Homogeneous(d) => *d,
            DelaySteps::PerSynapse(d) => d.iter().copied().max().unwrap_or(0),
        };
        Ok(Synapses {
            n_pre,
            n_post,
            target: spec.target,
            row_start,
            pre,
            post,
            w,
            col_start,
            by_post,
            delays,
            queue: DelayQueue::new(max_delay),
            plasticity: None,
        })
    }

    /// Number of synapses.
    pub fn len(&self) -> usize {
        self.w.len()
    }

    /// Returns whether the group has no synapses.
    pub fn is_empty(&self) -> bool {
        self.w.is_empty()
    }

    /// Sizes of the presynaptic and postsynaptic populations.
    pub fn shape(&self) -> (usize, usize) {
        (self.n_pre, self.n_post)
    }

    /// Presynaptic neuron of each synapse.
    pub fn pre(&self) -> &[u32] {
        &self.pre
    }

    /// Postsynaptic neuron of each synapse.
    pub fn post(&self) -> &[u32] {
        &self.post
    }

    /// Weight of each synapse.
    pub fn weights(&self) -> &[f64] {
        &self.w
    }

    /// Weights, for changing them between runs.
    pub fn weights_mut(&mut self) -> &mut [f64] {
        &mut self.w
    }

    /// Plasticity state, if a rule is attached.
    pub fn plasticity(&self) -> Option<&Plasticity> {
        self.plasticity.as_ref()
    }

    /// Returns the effect of a spike on the target.
    pub fn target(&self) -> SynapseTarget {
        self.target
    }

    /// Delay of synapse `s` in steps.
    pub fn delay_steps(&self, s: usize) -> u64 {
        match &self.delays {
            DelaySteps::Homogeneous(d) => *d,
            DelaySteps::PerSynapse(d) => d[s],
        }
    }

    /// Synapses from presynaptic neuron `j`, as a range of synapse indices.
    pub fn outgoing(&self, j: usize) -> std::ops::Range<usize> {
        self.row_start[j]..self.row_start[j + 1]
    }

    /// Synapses onto postsynaptic neuron `i`, by increasing presynaptic index.
    pub fn incoming(&self, i: usize) -> &[u32] {
        &self.by_post[self.col_start[i]..self.col_start[i + 1]]
    }

    /// Dense weight matrix `W[post, pre]`; repeated pairs are summed and absent pairs are 0.
    pub fn weight_matrix(&self) -> Array2<f64> {
        let mut matrix = Array2::zeros((self.n_post, self.n_pre));
        for s in 0..self.len() {
            matrix[[self.post[s] as usize, self.pre[s] as usize]] += self.w[s];
        }
        matrix
    }

    /// Schedules the arrivals of the spikes of `pre_spikes`, emitted at `step`.
    pub(crate) fn enqueue(&mut self, step: u64, pre_spikes: &[u32]) {
        match &self.delays {
            DelaySteps::Homogeneous(d) => {
                let bucket = self.queue.bucket_mut(step + d);
                bucket.extend_from_slice(pre_spikes);
            }
            DelaySteps::PerSynapse(d) => {
                for &j in pre_spikes {
                    let j = j as usize;
                    for s in self.row_start[j]..self.row_start[j + 1] {
                        self.queue.bucket_mut(step + d[s]).push(s as u32);
                    }
                }
            }
        }
    }
}

/// A ring of buckets covering at least the steps from now to the longest delay.
///
/// With a homogeneous delay a bucket contains presynaptic neurons, because a whole row
/// arrives at once. With per-synapse delays it contains synapse indices. The number of
/// buckets is a power of two, so that finding a step's bucket is a mask, not a division.
#[derive(Debug, Clone)]
pub(crate) struct DelayQueue {
    buckets: Vec<Vec<u32>>,
    mask: u64,
}

impl DelayQueue {
    fn new(max_delay: u64) -> Self {
        let len = (max_delay + 1).next_power_of_two();
        DelayQueue {
            buckets: vec![Vec::new(); len as usize],
            mask: len - 1,
        }
    }

    /// Returns whether nothing arrives at `step`.
    #[inline]
    pub(crate) fn is_empty_at(&self, step: u64) -> bool {
        self.buckets[(step & self.mask) as usize].is_empty()
    }

    /// Returns the first step in `step..limit` at which something arrives, or `limit`. Every
    /// pending arrival lies within one turn of the ring from `step`.
    pub(crate) fn next_arrival(&self, step: u64, limit: u64) -> u64 {
        let turn = step.saturating_add(self.mask + 1);
        (step..limit.min(turn))
            .find(|&s| !self.is_empty_at(s))
            .unwrap_or(limit)
    }

    fn bucket_mut(&mut self, step: u64) -> &mut Vec<u32> {
        &mut self.buckets[(step & self.mask) as usize]
    }

    /// Takes the arrivals due at `step`; give the vector back with [`DelayQueue::restore`]
    /// to keep its allocation.
    pub(crate) fn take(&mut self, step: u64) -> Vec<u32> {
        std::mem::take(self.bucket_mut(step))
    }

    pub(crate) fn restore(&mut self, step: u64, mut bucket: Vec<u32>) {
        bucket.clear();
        *self.bucket_mut(step) = bucket;
    }
}

fn connect(
    n_pre: usize,
    n_post: usize,
    connectivity: &Connectivity,
    rng: &mut Rng,
) -> Result<(Vec<u32>, Vec<u32>)> {
    let mut pre = Vec::new();
    let mut post = Vec::new();
    match connectivity {
        Connectivity::AllToAll => {
            for j in 0..n_pre {
                for i in 0..n_post {
                    pre.push(j as u32);
                    post.push(i as u32);
                }
            }
        }
        Connectivity::OneToOne => {
            if n_pre != n_post {
                return Err(Error::ShapeMismatch {
                    context: "one-to-one connectivity: postsynaptic against presynaptic size",
                    expected: n_pre.to_string(),
                    got: n_post.to_string(),
                });
            }
            pre.extend(0..n_pre as u32);
            post.extend(0..n_post as u32);
        }
        Connectivity::Probability(p) => {
            if !(0.0..=1.0).contains(p) {
                return Err(Error::invalid_parameter(
                    "connectivity",
                    "p",
                    "in [0, 1]",
                    p,
                ));
            }
            for j in 0..n_pre {
                for i in 0..n_post {
                    if rng.random::<f64>() < *p {
                        pre.push(j as u32);
                        post.push(i as u32);
                    }
                }
            }
        }
        Connectivity::Indices {
            pre: from,
            post: to,
        } => {
            if from.len() != to.len() {
                return Err(Error::ShapeMismatch {
                    context: "index connectivity: post list against pre list",
                    expected: from.len().to_string(),
                    got: to.len().to_string(),
                });
            }
            for (&j, &i) in from.iter().zip(to) {
                if j >= n_pre || i >= n_post {
                    return Err(Error::invalid_parameter(
                        "connectivity",
                        "index",
                        format!("pre < {n_pre} and post < {n_post}"),
                        format!("({j}, {i})"),
                    ));
                }
                pre.push(j as u32);
                post.push(i as u32);
            }
        }
    }
    Ok((pre, post))
}

fn initial_weights(init: &InitialWeights, n: usize, rng: &mut Rng) -> Result<Vec<f64>> {
    let weights = match init {
        InitialWeights::Constant(w) => vec![*w; n],
        InitialWeights::Uniform { low, high } => {
            if !(low.is_finite() && high.is_finite() && low < high) {
                return Err(Error::invalid_parameter(
                    "initial weights",
                    "high",
                    format!("finite and greater than low = {low}"),
                    high,
                ));
            }
            (0..n)
                .map(|_| low + (high - low) * rng.random::<f64>())
                .collect()
        }
        InitialWeights::Array(w) => {
            if w.len() != n {
                return Err(Error::ShapeMismatch {
                    context: "initial weight array against the number of synapses",
                    expected: n.to_string(),
                    got: w.len().to_string(),
                });
            }
            w.clone()
        }
    };
    if let Some(bad) = weights.iter().find(|w| !w.is_finite()) {
        return Err(Error::invalid_parameter(
            "initial weights",
            "w",
            "finite",
            bad,
        ));
    }
    Ok(weights)
}

fn delay_steps(delays: &Delays, n: usize, clock: &Clock) -> Result<DelaySteps> {
    let to_steps = |d: f64| -> Result<u64> {
        if !(d.is_finite() && d >= 0.0) {
            return Err(Error::invalid_parameter(
                "synapses",
                "delay",
                "a finite number of ms >= 0",
                format!("{d} ms"),
            ));
        }
        clock.time_to_step("delay", d)
    };
    match delays {
        Delays::Constant(d) => Ok(DelaySteps::Homogeneous(to_steps(*d)?)),
        Delays::Array(d) => {
            if d.len() != n {
                return Err(Error::ShapeMismatch {
                    context: "delay array against the number of synapses",
                    expected: n.to_string(),
                    got: d.len().to_string(),
                });
            }
            let steps = d.iter().map(|&d| to_steps(d)).collect::<Result<Vec<_>>>()?;
            Ok(DelaySteps::PerSynapse(steps))
        }
    }
}
