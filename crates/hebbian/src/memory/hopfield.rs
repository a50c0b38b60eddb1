//! Hopfield network of ±1 units: storage rules, recall dynamics and energy.
//!
//! ```text
//! h_i = Σ_j w_ij s_j          s_i ← +1 if h_i ≥ 0, else −1          E = −½ Σ_ij w_ij s_i s_j
//! ```
//!
//! | symbol | code | meaning |
//! |---|---|---|
//! | N | `n_units()` | number of units |
//! | P | `n_patterns()` | number of stored patterns |
//! | ξ^μ | `patterns.get(mu)` | stored pattern μ, entries ±1 |
//! | w_ij | `weight(i, j)` | weight from unit `j` onto unit `i`; symmetric, `w_ii = 0` |
//! | s_i | `state[i]` | state of unit `i`, ±1 |
//! | h_i | — | local field of unit `i` |
//! | α | `load()` | load `P / N` |
//!
//! # Storage rules
//!
//! - **Hebbian** (Hopfield 1982): `w_ij = c Σ_μ ξ_i^μ ξ_j^μ` for `i ≠ j`, with
//!   `c = 1/P` by default (the summed outer products divided by the number of patterns), or
//!   `c = 1/N` ([`HebbianScale::PerUnit`], the convention of Amit, Gutfreund & Sompolinsky
//!   1985). The scale does not change the dynamics, only the size of the weights and the
//!   energy.
//! - **Storkey** (Storkey 1997), applied once per pattern in order, starting from `W = 0`:
//!   `Δw_ij = (1/N)(ξ_i ξ_j − ξ_i h_ji − h_ij ξ_j)` with
//!   `h_ij = Σ_{k ≠ i, j} w_ik ξ_k`, all computed with the weights from before the
//!   pattern. It stays local and incremental but stores more patterns than the Hebbian rule.
//! - **Pseudo-inverse** (projection; Personnaz, Guyon & Dreyfus 1985):
//!   `W = Ξᵀ (Ξ Ξᵀ)⁺ Ξ` with `Ξ` the `P × N` pattern matrix, then the diagonal set to 0
//!   (which enlarges the basins of attraction; Kanter & Sompolinsky 1987). Every stored
//!   pattern is a fixed point while the patterns are linearly independent, so up to
//!   `P = N`. Linearly dependent patterns are handled by the pseudo-inverse, which drops
//!   eigenvalues of `Ξ Ξᵀ` below `1e-10` times the largest.
//!
//! # What the code computes exactly
//!
//! - All rules give an exactly symmetric `W` with a zero diagonal: only the upper triangle
//!   is computed and mirrored.
//! - The Hebbian weights are kept as the integer sums `Σ_μ ξ_i^μ ξ_j^μ` and the scale
//!   `c` is applied only to reported weights and energies. Local fields are then exact
//!   integers, so the rule "a field of exactly 0 gives +1" applies exactly, as it does in
//!   exact arithmetic. For the Storkey and pseudo-inverse rules the fields are `f64` sums
//!   and carry rounding error.
//! - The fields of a whole state (at the start of a recall and in [`Hopfield::energy`])
//!   come from the low-rank form `Ξᵀ (B s) − d ∘ s` when `2P < N`, with `B = Ξ` for the
//!   Hebbian rule and `B = (Ξ Ξᵀ)⁺ Ξ` for the projection rule. This costs `O(N P)`
//!   in place of `O(N²)`, and for the Hebbian rule gives exactly the same integers.
//! - **Asynchronous** recall ([`UpdateOrder::Sequential`], the classic loop over the
//!   units in index order, and [`UpdateOrder::Random`], a new seeded permutation per
//!   sweep) updates one unit at a time and the next unit sees the new state. The fields
//!   are computed once and then updated incrementally: when unit `j` flips,
//!   `h ← h + 2 s_j W[j, :]`, which uses the symmetry of `W`. One sweep visits every unit
//!   once. Recall stops after the first sweep that changes no unit (a fixed point) or
//!   after `max_sweeps` sweeps. With a symmetric `W`, zero diagonal and this tie rule,
//!   the energy never increases (a flip of unit `i` changes it by `−Δs_i h_i ≤ 0`), so
//!   asynchronous recall always reaches a fixed point.
//! - **Synchronous** recall updates every unit from the same old state. The energy may
//!   rise, and the state may alternate between two states forever; recall stops when a
//!   state repeats the one two steps earlier ([`StopReason::TwoCycle`]).
//! - The energy is recorded before the first sweep and after each sweep.
//!
//! # Capacity
//!
//! [`Hopfield::capacity_warning`] compares the load `α = P/N` with a limit per rule:
//! 0.138 for the Hebbian rule (the critical load for random unbiased patterns as
//! `N → ∞`; Amit, Gutfreund & Sompolinsky 1985), `1/√(2 ln N)` for the Storkey rule (its
//! absolute capacity `N/√(2 ln N)`; Storkey 1997) and 1 for the pseudo-inverse rule.
//!
//! # Example
//!
//! ```
//! use hebbian::memory::{Hopfield, Patterns, RecallSettings, StorageRule, StopReason};
//!
//! let stored = Patterns::new(vec![1, 1, 1], 3).unwrap();
//! let net = Hopfield::store(&stored, StorageRule::default()).unwrap();
//! let recall = net.recall(&[1, 1, -1], &RecallSettings::default()).unwrap();
//! assert_eq!(recall.state, vec![1, 1, 1]);
//! assert_eq!(recall.stop, StopReason::FixedPoint);
//! ```
//!
//! # Limitations
//!
//! - The limits above hold for random, unbiased, uncorrelated patterns. Correlated
//!   patterns (such as MNIST digits) interfere much earlier with the Hebbian rule and fall
//!   into mixture states, whatever the load.
//! - `W` is dense: memory grows as `N²` (8 MB for `N = 1000`), and storing with the
//!   Storkey rule costs `O(P N²)`.
//! - The 0.138 and 1/√(2 ln N) limits measure different things (a small fraction of
//!   wrong bits against no wrong bit at all), so the warnings of the two rules are not
//!   directly comparable.
//!
//! # References
//!
//! - Hopfield, J. J. (1982). Neural networks and physical systems with emergent collective
//!   computational abilities. *PNAS* 79, 2554–2558. doi:10.1073/pnas.79.8.2554
//! - Amit, D. J., Gutfreund, H. & Sompolinsky, H. (1985). Storing infinite numbers of
//!   patterns in a spin-glass model of neural networks. *Phys. Rev. Lett.* 55, 1530–1533.
//!   doi:10.1103/PhysRevLett.55.1530
//! - Storkey, A. (1997). Increasing the capacity of a Hopfield network without sacrificing
//!   functionality. *ICANN'97*, LNCS 1327, 451–456. doi:10.1007/BFb0020196
//! - Personnaz, L., Guyon, I. & Dreyfus, G. (1985). Information storage and retrieval in
//!   spin-glass like neural networks. *J. Physique Lett.* 46, L359–L365.
//!   doi:10.1051/jphyslet:01985004608035900
//! - Kanter, I. & Sompolinsky, H. (1987). Associative recall of memory without errors.
//!   *Phys. Rev. A* 35, 380–392. doi:10.1103/PhysRevA.35.380

use std::fmt;

use faer::{Accum, Mat, MatMut, MatRef, Par, Side};
use ndarray::Array2;
use rand::seq::SliceRandom;

use super::patterns::Patterns;
use crate::error::{Error, Result};
use crate::rng;

/// Scale of the Hebbian weights.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HebbianScale {
    /// `1/P`: the summed outer products divided by the number of patterns.
    #[default]
    PerPattern,
    /// `1/N`, the convention of the statistical-physics literature.
    PerUnit,
}

/// Rule that computes the weights from the patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageRule {
    /// Outer-product rule with zero diagonal.
    Hebbian(HebbianScale),
    /// Storkey's incremental rule.
    Storkey,
    /// Projection onto the span of the patterns, zero diagonal.
    PseudoInverse,
}

impl Default for StorageRule {
    /// Returns the Hebbian rule scaled by `1/P`.
    fn default() -> Self {
        StorageRule::Hebbian(HebbianScale::PerPattern)
    }
}

impl StorageRule {
    /// Short name used in messages ("hebbian", "storkey", "pseudo-inverse").
    pub fn name(&self) -> &'static str {
        match self {
            StorageRule::Hebbian(_) => "hebbian",
            StorageRule::Storkey => "storkey",
            StorageRule::PseudoInverse => "pseudo-inverse",
        }
    }

    /// Load `P/N` above which recall is expected to fail for random patterns of
    /// `n_units` units; see the module docs for the source of each value.
    pub fn critical_load(&self, n_units: usize) -> f64 {
        match self {
            StorageRule::Hebbian(_) => HEBBIAN_CRITICAL_LOAD,
            StorageRule::Storkey => {
                let log_n = (n_units.max(2) as f64).ln();
                1.0 / (2.0 * log_n).sqrt()
            }
            StorageRule::PseudoInverse => 1.0,
        }
    }
}

/// Critical load of the Hebbian rule for random unbiased patterns (Amit, Gutfreund &
/// Sompolinsky 1985).
pub const HEBBIAN_CRITICAL_LOAD: f64 = 0.138;

/// Order in which recall updates the units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UpdateOrder {
    /// Asynchronous, units `0, 1, …, N−1` in every sweep.
    #[default]
    Sequential,
    /// Asynchronous, a new random permutation per sweep, drawn from
    /// `rng::stream(seed, rng::streams::ORDER)`.
    Random { seed: u64 },
    /// All units at once from the previous state.
    Synchronous,
}

/// Run settings of one recall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecallSettings {
    /// Update order.
    pub update: UpdateOrder,
    /// Maximum number of sweeps (each visits every unit once); at least 1.
    pub max_sweeps: usize,
}

impl Default for RecallSettings {
    /// Returns sequential sweeps, at most 10.
    fn default() -> Self {
        RecallSettings {
            update: UpdateOrder::Sequential,
            max_sweeps: 10,
        }
    }
}

/// Reason a recall stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The last sweep changed no unit.
    FixedPoint,
    /// Synchronous recall returned to the state of two steps earlier and would alternate
    /// between two states forever.
    TwoCycle,
    /// `max_sweeps` sweeps ran without reaching a fixed point.
    SweepLimit,
}

/// Result of a recall.
#[derive(Debug, Clone, PartialEq)]
pub struct Recall {
    /// Final state.
    pub state: Vec<i8>,
    /// Sweeps run, including the last one, which changed nothing at a fixed point.
    pub sweeps: usize,
    /// Reason recall stopped.
    pub stop: StopReason,
    /// Energy of the cue, then after each sweep: `sweeps + 1` values.
    pub energy: Vec<f64>,
    /// Units flipped in each sweep.
    pub flips: Vec<usize>,
}

/// State of a recall after one update, passed to the observer of
/// [`Hopfield::recall_observed`].
#[derive(Debug, Clone, Copy)]
pub struct RecallStep<'a> {
    /// Sweep, counted from 1.
    pub sweep: usize,
    /// Unit just updated; `None` after a synchronous step, which updates all of them.
    pub unit: Option<usize>,
    /// State after the update.
    pub state: &'a [i8],
}

/// Warning that the load exceeds the storage rule's known limit. Not an error: recall
/// still runs, but stored patterns are unlikely to be fixed points.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityWarning {
    /// Storage rule name.
    pub rule: &'static str,
    /// Patterns stored.
    pub n_patterns: usize,
    /// Units.
    pub n_units: usize,
    /// Load `P/N`.
    pub load: f64,
    /// The rule's critical load.
    pub limit: f64,
}

impl CapacityWarning {
    /// Largest number of patterns within the limit.
    pub fn max_patterns(&self) -> usize {
        (self.limit * self.n_units as f64).floor() as usize
    }
}

impl fmt::Display for CapacityWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "load P/N = {}/{} = {:.3} exceeds the {} rule's capacity of about {:.3}, so stored \
             patterns will likely not be recalled; store at most {} patterns",
            self.n_patterns,
            self.n_units,
            self.load,
            self.rule,
            self.limit,
            self.max_patterns()
        )?;
        match self.rule {
            "hebbian" => write!(f, ", or use the storkey or pseudo-inverse rule"),
            "storkey" => write!(f, ", or use the pseudo-inverse rule"),
            _ => Ok(()),
        }
    }
}

/// A Hopfield network with stored weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Hopfield {
    n_units: usize,
    n_patterns: usize,
    rule: StorageRule,
    /// Row-major `N × N` matrix with `W = scale · coupling`; symmetric, zero diagonal.
    /// For the Hebbian rule it contains integers, so fields computed from it are exact.
    coupling: Vec<f64>,
    scale: f64,
    /// Low-rank form of `coupling`, where the rule has one and it is cheaper.
    factors: Option<Factors>,
}

/// Low-rank form `coupling = Aᵀ B − diag(d)` of the Hebbian and pseudo-inverse
/// couplings. It gives the fields of a whole state in `O(N P)` operations, against
/// `O(N²)` for the dense matrix, and is used only for that.
#[derive(Debug, Clone, PartialEq)]
struct Factors {
    /// `A`, `P × N`.
    left: Mat<f64>,
    /// `B`, `P × N`; `None` when it equals `A`.
    right: Option<Mat<f64>>,
    /// `d`, the diagonal of `Aᵀ B`, which the zero-diagonal coupling removes.
    diagonal: Vec<f64>,
}

impl Factors {
    /// Keeps the factors only when `P` is small enough that two products of size
    /// `N × P` cost less than one of size `N × N`.
    fn if_cheaper(self) -> Option<Self> {
        (2 * self.left.nrows() < self.left.ncols()).then_some(self)
    }
}

impl Hopfield {
    /// Stores `patterns` with `rule`.
    pub fn store(patterns: &Patterns, rule: StorageRule) -> Result<Self> {
        let n = patterns.n_units();
        let p = patterns.len();
        let (coupling, scale, factors) = match rule {
            StorageRule::Hebbian(scale) => {
                let c = match scale {
                    HebbianScale::PerPattern => 1.0 / p as f64,
                    HebbianScale::PerUnit => 1.0 / n as f64,
                };
                let (coupling, factors) = hebbian_sums(patterns);
                (coupling, c, factors.if_cheaper())
            }
            StorageRule::Storkey => (storkey(patterns), 1.0, None),
            StorageRule::PseudoInverse => {
                let (coupling, factors) = pseudo_inverse(patterns)?;
                (coupling, 1.0, factors.if_cheaper())
            }
        };
        Ok(Hopfield {
            n_units: n,
            n_patterns: p,
            rule,
            coupling,
            scale,
            factors,
        })
    }

    /// Number of units `N`.
    pub fn n_units(&self) -> usize {
        self.n_units
    }

    /// Number of stored patterns `P`.
    pub fn n_patterns(&self) -> usize {
        self.n_patterns
    }

    /// Storage rule.
    pub fn rule(&self) -> StorageRule {
        self.rule
    }

    /// Load `α = P/N`.
    pub fn load(&self) -> f64 {
        self.n_patterns as f64 / self.n_units as f64
    }

    /// Weight `w_ij` from unit `j` onto unit `i`.
    pub fn weight(&self, i: usize, j: usize) -> f64 {
        self.scale * self.coupling[i * self.n_units + j]
    }

    /// Returns the weight matrix `W`, `N × N`.
    pub fn weights(&self) -> Array2<f64> {
        let n = self.n_units;
        Array2::from_shape_fn((n, n), |(i, j)| self.weight(i, j))
    }

    /// Returns a warning when the load exceeds the rule's critical load, else `None`.
    pub fn capacity_warning(&self) -> Option<CapacityWarning> {
        let limit = self.rule.critical_load(self.n_units);
        let load = self.load();
        (load > limit).then_some(CapacityWarning {
            rule: self.rule.name(),
            n_patterns: self.n_patterns,
            n_units: self.n_units,
            load,
            limit,
        })
    }

    /// Energy `E = −½ Σ_ij w_ij s_i s_j` of `state`.
    pub fn energy(&self, state: &[i8]) -> Result<f64> {
        self.check_state(state, "energy")?;
        let fields = self.coupling_fields(state);
        Ok(self.energy_from_fields(state, &fields))
    }

    /// Local fields `h = W s` of `state`.
    pub fn local_fields(&self, state: &[i8]) -> Result<Vec<f64>> {
        self.check_state(state, "local fields")?;
        let mut fields = self.coupling_fields(state);
        fields.iter_mut().for_each(|h| *h *= self.scale);
        Ok(fields)
    }

    /// Runs recall from `cue` (±1 values, length `N`).
    pub fn recall(&self, cue: &[i8], settings: &RecallSettings) -> Result<Recall> {
        self.recall_observed(cue, settings, |_| {})
    }

    /// Runs recall from `cue` and calls `observer` after every unit update (asynchronous)
    /// or every step (synchronous).
    pub fn recall_observed<F>(
        &self,
        cue: &[i8],
        settings: &RecallSettings,
        mut observer: F,
    ) -> Result<Recall>
    where
        F: FnMut(RecallStep<'_>),
    {
        self.check_state(cue, "recall cue")?;
        if settings.max_sweeps == 0 {
            return Err(Error::invalid_parameter(
                "Hopfield recall",
                "max_sweeps",
                ">= 1",
                settings.max_sweeps,
            ));
        }
        let mut order: Vec<usize> = (0..self.n_units).collect();
        let recall = match settings.update {
            UpdateOrder::Sequential => {
                self.recall_async(cue, settings.max_sweeps, &mut order, None, &mut observer)
            }
            UpdateOrder::Random { seed } => {
                let mut generator = rng::stream(seed, rng::streams::ORDER);
                self.recall_async(
                    cue,
                    settings.max_sweeps,
                    &mut order,
                    Some(&mut generator),
                    &mut observer,
                )
            }
            UpdateOrder::Synchronous => self.recall_sync(cue, settings.max_sweeps, &mut observer),
        };
        Ok(recall)
    }

    /// Asynchronous sweeps over `order`, reshuffled before each sweep when `shuffle` is
    /// given.
    fn recall_async<F>(
        &self,
        cue: &[i8],
        max_sweeps: usize,
        order: &mut [usize],
        mut shuffle: Option<&mut rng::Rng>,
        observer: &mut F,
    ) -> Recall
    where
        F: FnMut(RecallStep<'_>),
    {
        let mut state = cue.to_vec();
        let mut fields = self.coupling_fields(&state);
        let mut energy = vec![self.energy_from_fields(&state, &fields)];
        let mut flips = Vec::new();
        let mut stop = StopReason::SweepLimit;

        for sweep in 1..=max_sweeps {
            if let Some(generator) = shuffle.as_deref_mut() {
                order.shuffle(generator);
            }

            // Update one unit at a time. A flip of unit i changes every field by
            // 2 s_i W[:, i], which equals 2 s_i W[i, :] because W is symmetric.
            let mut flipped = 0;
            for &i in order.iter() {
                let new = if fields[i] >= 0.0 { 1 } else { -1 };
                if new != state[i] {
                    state[i] = new;
                    add_scaled(2.0 * new as f64, self.row(i), &mut fields);
                    flipped += 1;
                }
                observer(RecallStep {
                    sweep,
                    unit: Some(i),
                    state: &state,
                });
            }

            energy.push(self.energy_from_fields(&state, &fields));
            flips.push(flipped);
            if flipped == 0 {
                stop = StopReason::FixedPoint;
                break;
            }
        }

        Recall {
            state,
            sweeps: flips.len(),
            stop,
            energy,
            flips,
        }
    }

    /// Synchronous steps: every unit takes the sign of its field in the previous state.
    fn recall_sync<F>(&self, cue: &[i8], max_sweeps: usize, observer: &mut F) -> Recall
    where
        F: FnMut(RecallStep<'_>),
    {
        let mut state = cue.to_vec();
        let mut previous = cue.to_vec();
        let mut fields = self.coupling_fields(&state);
        let mut energy = vec![self.energy_from_fields(&state, &fields)];
        let mut flips = Vec::new();
        let mut stop = StopReason::SweepLimit;
        let mut changed = Vec::with_capacity(self.n_units);

        for sweep in 1..=max_sweeps {
            // New states from the old fields, all at once.
            let before_step = state.clone();
            changed.clear();
            for (i, s_i) in state.iter_mut().enumerate() {
                let new = if fields[i] >= 0.0 { 1 } else { -1 };
                if new != *s_i {
                    *s_i = new;
                    changed.push(i);
                }
            }

            // Bring the fields up to date with every flip of this step.
            for &i in &changed {
                add_scaled(2.0 * state[i] as f64, self.row(i), &mut fields);
            }
            observer(RecallStep {
                sweep,
                unit: None,
                state: &state,
            });

            energy.push(self.energy_from_fields(&state, &fields));
            flips.push(changed.len());
            if changed.is_empty() {
                stop = StopReason::FixedPoint;
                break;
            }
            if sweep >= 2 && state == previous {
                stop = StopReason::TwoCycle;
                break;
            }
            previous = before_step;
        }

        Recall {
            state,
            sweeps: flips.len(),
            stop,
            energy,
            flips,
        }
    }

    fn check_state(&self, state: &[i8], context: &'static str) -> Result<()> {
        if state.len() != self.n_units {
            return Err(Error::ShapeMismatch {
                context,
                expected: format!("{} units", self.n_units),
                got: format!("{} values", state.len()),
            });
        }
        if let Some(i) = state.iter().position(|&v| v != 1 && v != -1) {
            return Err(Error::invalid_parameter(
                "Hopfield",
                context,
                format!("-1 or +1 in every unit, but unit {i} is not"),
                state[i],
            ));
        }
        Ok(())
    }

    /// `coupling · s`, without the scale.
    fn coupling_fields(&self, state: &[i8]) -> Vec<f64> {
        let n = self.n_units;
        let s: Vec<f64> = state.iter().map(|&v| v as f64).collect();
        let mut fields = vec![0.0; n];
        let s_col = MatRef::from_column_major_slice(&s, n, 1);

        if let Some(factors) = &self.factors {
            // h = Aᵀ (B s) − d ∘ s. For the Hebbian rule every term is an integer, so
            // this equals the dense product exactly.
            let right = factors.right.as_ref().unwrap_or(&factors.left);
            let overlaps = right * s_col;
            let h = MatMut::from_column_major_slice_mut(&mut fields, n, 1);
            faer::linalg::matmul::matmul(
                h,
                Accum::Replace,
                factors.left.transpose(),
                overlaps.as_ref(),
                1.0,
                Par::Seq,
            );
            for ((h_i, &d_i), &s_i) in fields.iter_mut().zip(&factors.diagonal).zip(&s) {
                *h_i -= d_i * s_i;
            }
            return fields;
        }

        // The coupling is symmetric, so reading it column-major gives the same matrix.
        let w = MatRef::from_column_major_slice(&self.coupling, n, n);
        let h = MatMut::from_column_major_slice_mut(&mut fields, n, 1);
        faer::linalg::matmul::matmul(h, Accum::Replace, w, s_col, 1.0, Par::Seq);
        fields
    }

    fn energy_from_fields(&self, state: &[i8], fields: &[f64]) -> f64 {
        let sum: f64 = state.iter().zip(fields).map(|(&s, &h)| s as f64 * h).sum();
        -0.5 * self.scale * sum
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.coupling[i * self.n_units..(i + 1) * self.n_units]
    }
}

/// `y += alpha * x`, in four independent lanes so that the compiler vectorises it.
#[inline]
fn add_scaled(alpha: f64, x: &[f64], y: &mut [f64]) {
    let mut y_chunks = y.chunks_exact_mut(4);
    let mut x_chunks = x.chunks_exact(4);
    for (y4, x4) in (&mut y_chunks).zip(&mut x_chunks) {
        y4[0] += alpha * x4[0];
        y4[1] += alpha * x4[1];
        y4[2] += alpha * x4[2];
        y4[3] += alpha * x4[3];
    }
    for (y_j, x_j) in y_chunks
        .into_remainder()
        .iter_mut()
        .zip(x_chunks.remainder())
    {
        *y_j += alpha * x_j;
    }
}

/// Builds the pattern matrix `Ξ` as a `P × N` faer matrix.
fn pattern_matrix(patterns: &Patterns) -> Mat<f64> {
    Mat::from_fn(patterns.len(), patterns.n_units(), |mu, i| {
        patterns.get(mu)[i] as f64
    })
}

/// Copies the upper triangle of the row-major `n × n` matrix `m` to the lower one and
/// zeroes the diagonal.
fn symmetrize_upper(m: &mut [f64], n: usize) {
    for i in 0..n {
        m[i * n + i] = 0.0;
        for j in i + 1..n {
            m[j * n + i] = m[i * n + j];
        }
    }
}

/// Integer sums `Σ_μ ξ_i^μ ξ_j^μ`, zero diagonal, row-major, and their low-rank form.
fn hebbian_sums(patterns: &Patterns) -> (Vec<f64>, Factors) {
    let n = patterns.n_units();
    let xi = pattern_matrix(patterns);

    // Products and sums of ±1 values are small integers, exact in f64.
    let mut sums = Mat::<f64>::zeros(n, n);
    faer::linalg::matmul::matmul(
        sums.as_mut(),
        Accum::Replace,
        xi.transpose(),
        xi.as_ref(),
        1.0,
        Par::Seq,
    );

    let mut coupling: Vec<f64> = (0..n * n).map(|k| sums[(k / n, k % n)]).collect();
    symmetrize_upper(&mut coupling, n);
    let factors = Factors {
        left: xi,
        right: None,
        diagonal: vec![patterns.len() as f64; n],
    };
    (coupling, factors)
}

/// Storkey's rule, one pattern at a time, row-major.
fn storkey(patterns: &Patterns) -> Vec<f64> {
    let n = patterns.n_units();
    let inv_n = 1.0 / n as f64;
    let mut w = vec![0.0; n * n];
    let mut h = vec![0.0; n];

    for xi in patterns.iter() {
        // h_i = Σ_k w_ik ξ_k with the weights from before this pattern (w_ii = 0).
        for (i, h_i) in h.iter_mut().enumerate() {
            let row = &w[i * n..(i + 1) * n];
            *h_i = row
                .iter()
                .zip(xi)
                .map(|(&w_ik, &x_k)| w_ik * x_k as f64)
                .sum();
        }

        // Δw_ij = (ξ_i ξ_j − ξ_i h_ji − h_ij ξ_j) / N, with h_ij = h_i − w_ij ξ_j and
        // h_ji = h_j − w_ji ξ_i, for the upper triangle only.
        for i in 0..n {
            let x_i = xi[i] as f64;
            for j in i + 1..n {
                let x_j = xi[j] as f64;
                let w_ij = w[i * n + j];
                let h_ij = h[i] - w_ij * x_j;
                let h_ji = h[j] - w_ij * x_i;
                w[i * n + j] = w_ij + inv_n * (x_i * x_j - x_i * h_ji - h_ij * x_j);
            }
        }
        symmetrize_upper(&mut w, n);
    }
    w
}

/// Projection `Ξᵀ (Ξ Ξᵀ)⁺ Ξ` with zero diagonal, row-major, and its low-rank form.
fn pseudo_inverse(patterns: &Patterns) -> Result<(Vec<f64>, Factors)> {
    let n = patterns.n_units();
    let xi = pattern_matrix(patterns);

    // Gram matrix of the patterns and its pseudo-inverse from the eigen-decomposition.
    let gram = &xi * xi.transpose();
    let evd = gram.self_adjoint_eigen(Side::Lower).map_err(|e| {
        Error::invalid_parameter(
            "pseudo-inverse rule",
            "pattern Gram matrix",
            "decomposable",
            format!("{e:?}"),
        )
    })?;
    let (values, vectors) = (evd.S(), evd.U());
    let p = patterns.len();
    let largest = (0..p).map(|k| values[k].abs()).fold(0.0, f64::max);
    let cutoff = 1e-10 * largest;
    let inverse_values: Vec<f64> = (0..p)
        .map(|k| {
            if values[k] > cutoff {
                1.0 / values[k]
            } else {
                0.0
            }
        })
        .collect();
    let gram_pinv = Mat::<f64>::from_fn(p, p, |a, b| {
        (0..p)
            .map(|k| vectors[(a, k)] * inverse_values[k] * vectors[(b, k)])
            .sum()
    });

    // W = Ξᵀ G⁺ Ξ.
    let projected = &gram_pinv * &xi;
    let w = xi.transpose() * &projected;
    let mut coupling: Vec<f64> = (0..n * n).map(|k| w[(k / n, k % n)]).collect();
    symmetrize_upper(&mut coupling, n);
    let factors = Factors {
        diagonal: (0..n).map(|i| w[(i, i)]).collect(),
        left: xi,
        right: Some(projected),
    };
    Ok((coupling, factors))
}
