//! Hopfield networks, competitive learning and self-organizing maps.
//!
//! Groups: hand-computed cases, properties (proptest), seeded statistics, reference
//! re-implementations, and bad input.

use hebbian::Error;
use hebbian::competitive::{
    Conscience, Decay, Foldiak, FoldiakParams, Prototypes, Som, SomSettings, WinnerTakeAll,
    WtaSettings, label_units, winners,
};
use hebbian::memory::{
    HebbianScale, Hopfield, Patterns, RecallSettings, Region, StopReason, StorageRule, UpdateOrder,
    flip_fraction, mask_region, overlap, random_patterns, read_patterns,
};
use hebbian::rng;
use hebbian::stimulus::Dataset;
use ndarray::{Array2, array};
use proptest::prelude::*;

const RULES: [StorageRule; 4] = [
    StorageRule::Hebbian(HebbianScale::PerPattern),
    StorageRule::Hebbian(HebbianScale::PerUnit),
    StorageRule::Storkey,
    StorageRule::PseudoInverse,
];

fn sequential(max_sweeps: usize) -> RecallSettings {
    RecallSettings {
        update: UpdateOrder::Sequential,
        max_sweeps,
    }
}

// ---------------------------------------------------------------------------------------
// Hand-computed cases
// ---------------------------------------------------------------------------------------

#[test]
fn hopfield_three_units_one_sweep() {
    let stored = Patterns::new(vec![1, 1, 1], 3).unwrap();
    let net = Hopfield::store(&stored, StorageRule::default()).unwrap();

    // Outer product (1,1,1)(1,1,1)ᵀ, zero diagonal, divided by P = 1, by hand.
    assert_eq!(
        net.weights(),
        array![[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    );

    // By hand, in index order: h_0 = 1 − 1 = 0 → +1, h_1 = 1 − 1 = 0 → +1,
    // h_2 = 1 + 1 = 2 → +1.
    let mut visited = Vec::new();
    let recall = net
        .recall_observed(&[1, 1, -1], &sequential(1), |step| {
            assert!(
                step.state.iter().all(|&s| s == 1 || s == -1),
                "state {:?}",
                step.state
            );
            visited.push(step.unit);
        })
        .unwrap();
    assert_eq!(recall.state, vec![1, 1, 1]);
    assert_eq!(visited, vec![Some(0), Some(1), Some(2)]);
    assert_eq!(recall.sweeps, 1);
    assert_eq!(recall.flips, vec![1]);
    assert_eq!(recall.stop, StopReason::SweepLimit);
}

#[test]
fn hopfield_three_units_reaches_fixed_point() {
    let stored = Patterns::new(vec![1, 1, 1], 3).unwrap();
    let net = Hopfield::store(&stored, StorageRule::default()).unwrap();
    let recall = net.recall(&[1, 1, -1], &sequential(10)).unwrap();
    assert_eq!(recall.stop, StopReason::FixedPoint);
    assert_eq!(recall.sweeps, 2);
    // E = −½ sᵀ W s: cue (1,1,−1) gives −½ (2 − 4) = 1, the pattern −½ · 6 = −3.
    assert_eq!(recall.energy, vec![1.0, -3.0, -3.0]);
}

#[test]
fn hopfield_field_zero_gives_plus_one() {
    // Two opposite units stored as (1, −1) give w_01 = −1. From (−1, −1) in index
    // order, unit 0 has h = +1 → +1, then unit 1 has h = −1 → −1.
    let stored = Patterns::new(vec![1, -1], 2).unwrap();
    let net = Hopfield::store(&stored, StorageRule::default()).unwrap();
    assert_eq!(
        net.recall(&[-1, -1], &sequential(1)).unwrap().state,
        vec![1, -1]
    );

    // A network without weights has every field at exactly 0, so every unit becomes +1.
    let stored = Patterns::new(vec![1, 1, -1, -1, 1, -1], 3).unwrap();
    let net = Hopfield::store(&stored, StorageRule::default()).unwrap();
    assert_eq!(net.weight(0, 1), 0.0);
    let recall = net.recall(&[-1, -1, -1], &sequential(5)).unwrap();
    assert_eq!(recall.state[0], 1);
    assert_eq!(recall.state[1], 1);
}

#[test]
fn hopfield_synchronous_two_cycle() {
    // Stored (1, −1): w_01 = −1. From (1, 1) both units flip together to (−1, −1) and
    // back, by hand; asynchronous updates instead settle on (−1, 1).
    let stored = Patterns::new(vec![1, -1], 2).unwrap();
    let net = Hopfield::store(&stored, StorageRule::default()).unwrap();
    let sync = RecallSettings {
        update: UpdateOrder::Synchronous,
        max_sweeps: 10,
    };
    let recall = net.recall(&[1, 1], &sync).unwrap();
    assert_eq!(recall.stop, StopReason::TwoCycle);
    assert_eq!(recall.sweeps, 2);
    assert_eq!(recall.state, vec![1, 1]);

    let recall = net.recall(&[1, 1], &sequential(10)).unwrap();
    assert_eq!(recall.stop, StopReason::FixedPoint);
    assert_eq!(recall.state, vec![-1, 1]);
}

#[test]
fn hopfield_low_rank_fields_match_dense() {
    // P = 20 < N/2, so the fields come from the pattern factors. The dense product of
    // the reported weights is the independent reference, equal up to rounding.
    let mut generator = rng::stream(13, 0);
    let stored = random_patterns(20, 200, 0.5, &mut generator).unwrap();
    let state = random_patterns(1, 200, 0.5, &mut generator).unwrap();
    let s = state.get(0);
    for rule in [StorageRule::default(), StorageRule::PseudoInverse] {
        let net = Hopfield::store(&stored, rule).unwrap();
        let w = net.weights();
        let fields = net.local_fields(s).unwrap();
        for (i, &h) in fields.iter().enumerate() {
            let dense: f64 = (0..200).map(|j| w[[i, j]] * s[j] as f64).sum();
            assert!(
                (h - dense).abs() < 1e-12,
                "{rule:?} unit {i}: {h} vs {dense}"
            );
        }
    }
}

#[test]
fn hopfield_per_unit_scale() {
    let stored = Patterns::new(vec![1, 1, -1, 1, 1, 1, 1, -1], 4).unwrap();
    let per_pattern =
        Hopfield::store(&stored, StorageRule::Hebbian(HebbianScale::PerPattern)).unwrap();
    let per_unit = Hopfield::store(&stored, StorageRule::Hebbian(HebbianScale::PerUnit)).unwrap();
    // Σ_μ ξ_0 ξ_1 = 1 + 1 = 2, divided by P = 2 or N = 4.
    assert_eq!(per_pattern.weight(0, 1), 1.0);
    assert_eq!(per_unit.weight(0, 1), 0.5);
    // Σ_μ ξ_0 ξ_2 = −1 + 1 = 0.
    assert_eq!(per_pattern.weight(0, 2), 0.0);
}

#[test]
fn hopfield_single_pattern_fixed_points() {
    let mut generator = rng::stream(11, 0);
    let stored = random_patterns(1, 64, 0.5, &mut generator).unwrap();
    let pattern = stored.get(0).to_vec();
    let negative: Vec<i8> = pattern.iter().map(|&s| -s).collect();
    for rule in RULES {
        let net = Hopfield::store(&stored, rule).unwrap();
        for update in [
            UpdateOrder::Sequential,
            UpdateOrder::Random { seed: 3 },
            UpdateOrder::Synchronous,
        ] {
            let settings = RecallSettings {
                update,
                max_sweeps: 5,
            };
            for cue in [&pattern, &negative] {
                let recall = net.recall(cue, &settings).unwrap();
                assert_eq!(&recall.state, cue, "{rule:?} {update:?}");
                assert_eq!(recall.stop, StopReason::FixedPoint, "{rule:?} {update:?}");
                assert_eq!(recall.sweeps, 1, "{rule:?} {update:?}");
            }
        }
    }
}

#[test]
fn hopfield_pseudo_inverse_stores_half_load() {
    // Random patterns are linearly independent with high probability, so all P = N/2 of
    // them are fixed points of the projection rule, far above the Hebbian limit.
    let mut generator = rng::stream(5, 0);
    let stored = random_patterns(50, 100, 0.5, &mut generator).unwrap();
    let net = Hopfield::store(&stored, StorageRule::PseudoInverse).unwrap();
    for pattern in stored.iter() {
        let recall = net.recall(pattern, &sequential(3)).unwrap();
        assert_eq!(recall.state, pattern);
    }
}

#[test]
fn hopfield_pseudo_inverse_duplicate_patterns() {
    // A repeated pattern makes Ξ Ξᵀ singular; the pseudo-inverse still projects onto the
    // span, so the result equals storing the pattern once.
    let once = Patterns::new(vec![1, -1, 1, 1, -1], 5).unwrap();
    let twice = Patterns::new(vec![1, -1, 1, 1, -1, 1, -1, 1, 1, -1], 5).unwrap();
    let a = Hopfield::store(&once, StorageRule::PseudoInverse)
        .unwrap()
        .weights();
    let b = Hopfield::store(&twice, StorageRule::PseudoInverse)
        .unwrap()
        .weights();
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-12, "{x} vs {y}");
    }
    // Projection onto one pattern: w_ij = ξ_i ξ_j / N off the diagonal.
    assert!((a[[0, 1]] + 0.2).abs() < 1e-12);
}

/// Storkey's rule written directly from the equation, with the sum over k ≠ i, j spelled
/// out, as an independent reference.
fn storkey_reference(patterns: &Patterns) -> Array2<f64> {
    let n = patterns.n_units();
    let mut w = Array2::<f64>::zeros((n, n));
    for xi in patterns.iter() {
        let x = |k: usize| xi[k] as f64;
        let old = w.clone();
        let local = |i: usize, j: usize| -> f64 {
            (0..n)
                .filter(|&k| k != i && k != j)
                .map(|k| old[[i, k]] * x(k))
                .sum()
        };
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    w[[i, j]] += (x(i) * x(j) - x(i) * local(j, i) - local(i, j) * x(j)) / n as f64;
                }
            }
        }
    }
    w
}

#[test]
fn hopfield_storkey_matches_reference() {
    let mut generator = rng::stream(21, 0);
    let stored = random_patterns(6, 12, 0.5, &mut generator).unwrap();
    let net = Hopfield::store(&stored, StorageRule::Storkey).unwrap();
    let expected = storkey_reference(&stored);
    for ((i, j), &e) in expected.indexed_iter() {
        assert!(
            (net.weight(i, j) - e).abs() < 1e-12,
            "w[{i},{j}] = {} vs {e}",
            net.weight(i, j)
        );
    }
}

#[test]
fn hopfield_capacity_warning() {
    let mut generator = rng::stream(1, 0);
    let at_limit = random_patterns(13, 100, 0.5, &mut generator).unwrap();
    let over_limit = random_patterns(14, 100, 0.5, &mut generator).unwrap();
    let hebbian = StorageRule::default();
    assert!(
        Hopfield::store(&at_limit, hebbian)
            .unwrap()
            .capacity_warning()
            .is_none()
    );

    let warning = Hopfield::store(&over_limit, hebbian)
        .unwrap()
        .capacity_warning()
        .unwrap();
    assert_eq!(warning.limit, 0.138);
    assert_eq!(warning.max_patterns(), 13);
    let message = warning.to_string();
    assert!(message.contains("0.140"), "{message}");
    assert!(message.contains("storkey"), "{message}");

    // The pseudo-inverse rule stores up to N patterns.
    assert!(
        Hopfield::store(&over_limit, StorageRule::PseudoInverse)
            .unwrap()
            .capacity_warning()
            .is_none()
    );
}

#[test]
fn hopfield_random_order_is_seeded() {
    let mut generator = rng::stream(8, 0);
    let stored = random_patterns(10, 200, 0.5, &mut generator).unwrap();
    let net = Hopfield::store(&stored, StorageRule::default()).unwrap();
    let cue = flip_fraction(stored.get(0), 0.3, &mut generator).unwrap();
    let settings = |seed| RecallSettings {
        update: UpdateOrder::Random { seed },
        max_sweeps: 20,
    };
    let a = net.recall(&cue, &settings(1)).unwrap();
    let b = net.recall(&cue, &settings(1)).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.stop, StopReason::FixedPoint);
}

// ---------------------------------------------------------------------------------------
// Cues and pattern sources
// ---------------------------------------------------------------------------------------

#[test]
fn cue_flip_fraction_exact_count() {
    let mut generator = rng::stream(2, 0);
    let pattern = vec![1i8; 1000];
    let cue = flip_fraction(&pattern, 0.1, &mut generator).unwrap();
    assert_eq!(cue.iter().filter(|&&s| s == -1).count(), 100);
    assert!((overlap(&pattern, &cue) - 0.8).abs() < 1e-12);
}

#[test]
fn cue_mask_lower_half() {
    let pattern = vec![1i8; 4 * 3];
    let region = Region {
        row_start: 2,
        row_end: 4,
        col_start: 0,
        col_end: 3,
    };
    let cue = mask_region(&pattern, (4, 3), region, -1).unwrap();
    assert_eq!(cue, vec![1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1]);
}

#[test]
fn random_patterns_fraction_plus() {
    let mut generator = rng::stream(4, 0);
    let patterns = random_patterns(20, 1000, 0.2, &mut generator).unwrap();
    // Binomial: mean 0.2, standard deviation √(0.2 · 0.8 / 20000) ≈ 0.0028.
    assert!(
        (patterns.fraction_plus() - 0.2).abs() < 0.015,
        "{}",
        patterns.fraction_plus()
    );
}

#[test]
fn patterns_binary_values_mapped() {
    let patterns = Patterns::from_rows(&[vec![0.0, 1.0, 1.0], vec![1.0, 0.0, 0.0]]).unwrap();
    assert_eq!(patterns.values(), &[-1, 1, 1, 1, -1, -1]);
    let patterns = Patterns::from_rows(&[[-1.0, 1.0]]).unwrap();
    assert_eq!(patterns.get(0), &[-1, 1]);
}

#[test]
fn patterns_read_from_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("patterns.txt");
    std::fs::write(&path, "# two patterns\n1 -1 1\n\n-1,-1,1\n").unwrap();
    let patterns = read_patterns(&path).unwrap();
    assert_eq!(patterns.len(), 2);
    assert_eq!(patterns.values(), &[1, -1, 1, -1, -1, 1]);
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

fn patterns_strategy() -> impl Strategy<Value = (Patterns, Vec<i8>)> {
    (2usize..30, 1usize..6).prop_flat_map(|(n, p)| {
        (
            proptest::collection::vec(any::<bool>(), n * p),
            proptest::collection::vec(any::<bool>(), n),
        )
            .prop_map(move |(bits, cue)| {
                let to_spin = |b: &bool| if *b { 1 } else { -1 };
                let patterns = Patterns::new(bits.iter().map(to_spin).collect(), n).unwrap();
                (patterns, cue.iter().map(to_spin).collect())
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn hopfield_energy_never_increases(
        (patterns, cue) in patterns_strategy(),
        rule_index in 0usize..4,
        seed in any::<u64>(),
        random_order in any::<bool>(),
    ) {
        let net = Hopfield::store(&patterns, RULES[rule_index]).unwrap();
        let update = if random_order { UpdateOrder::Random { seed } } else { UpdateOrder::Sequential };
        let settings = RecallSettings { update, max_sweeps: 20 };

        // Energy recomputed from scratch after every single unit update.
        let mut previous = net.energy(&cue).unwrap();
        let mut worst_rise = f64::NEG_INFINITY;
        net.recall_observed(&cue, &settings, |step| {
            let e = net.energy(step.state).unwrap();
            worst_rise = worst_rise.max(e - previous);
            previous = e;
        }).unwrap();
        prop_assert!(worst_rise <= 1e-9 * (1.0 + previous.abs()), "energy rose by {worst_rise}");

        // The per-sweep record agrees and never rises either.
        let recall = net.recall(&cue, &settings).unwrap();
        for pair in recall.energy.windows(2) {
            prop_assert!(pair[1] <= pair[0] + 1e-9 * (1.0 + pair[0].abs()), "{:?}", recall.energy);
        }
        prop_assert_eq!(recall.stop, StopReason::FixedPoint);
    }

    #[test]
    fn hopfield_weights_symmetric_zero_diagonal(
        (patterns, _cue) in patterns_strategy(),
        rule_index in 0usize..4,
    ) {
        let w = Hopfield::store(&patterns, RULES[rule_index]).unwrap().weights();
        let n = w.nrows();
        for i in 0..n {
            prop_assert_eq!(w[[i, i]], 0.0);
            for j in 0..n {
                prop_assert_eq!(w[[i, j]], w[[j, i]]);
                prop_assert!(w[[i, j]].is_finite());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Seeded statistics
// ---------------------------------------------------------------------------------------

/// Mean final overlap over `trials` stored patterns, each cued with 10 % of its bits
/// flipped; N = 1000, P = load · N.
fn mean_recall_overlap(rule: StorageRule, load: f64, trials: usize, seed: u64) -> f64 {
    let n = 1000;
    let p = (load * n as f64).round() as usize;
    let mut generator = rng::stream(seed, rng::streams::STIMULUS);
    let patterns = random_patterns(p, n, 0.5, &mut generator).unwrap();
    let net = Hopfield::store(&patterns, rule).unwrap();
    let settings = sequential(20);
    let mut total = 0.0;
    for mu in 0..trials {
        let cue = flip_fraction(patterns.get(mu), 0.1, &mut generator).unwrap();
        let recall = net.recall(&cue, &settings).unwrap();
        total += overlap(&recall.state, patterns.get(mu));
    }
    total / trials as f64
}

#[test]
fn hopfield_capacity_hebbian_and_better_rules() {
    // Amit, Gutfreund & Sompolinsky (1985): retrieval succeeds below α_c ≈ 0.138 with final
    // overlap near 0.99 and breaks down above it.
    let hebbian = StorageRule::default();
    let low = mean_recall_overlap(hebbian, 0.05, 4, 1);
    let high = mean_recall_overlap(hebbian, 0.25, 4, 1);
    assert!(low > 0.95, "Hebbian at α = 0.05: mean overlap {low}");
    assert!(high < 0.5, "Hebbian at α = 0.25: mean overlap {high}");

    // Storkey's rule (absolute capacity N/√(2 ln N) ≈ 0.27 N here) and the projection
    // rule (up to N) still recall at α = 0.25.
    let storkey = mean_recall_overlap(StorageRule::Storkey, 0.25, 4, 1);
    let projection = mean_recall_overlap(StorageRule::PseudoInverse, 0.25, 4, 1);
    assert!(
        storkey > high + 0.3,
        "Storkey at α = 0.25: {storkey}, Hebbian {high}"
    );
    assert!(
        projection > high + 0.3,
        "pseudo-inverse at α = 0.25: {projection}, Hebbian {high}"
    );
}

// ---------------------------------------------------------------------------------------
// Competitive learning and self-organizing maps
// ---------------------------------------------------------------------------------------

#[test]
fn som_two_by_two_reference() {
    let mut som = Som::new(2, 2, Array2::zeros((4, 3))).unwrap();
    let winner = som.update(&[1.0, 1.0, 1.0], 0.5, 1.0).unwrap();
    assert_eq!(winner, 0, "all nodes tie at distance √3, so node 0 wins");

    // Closed form 0.5 · exp(−d²/2) with d² = 0, 1, 1, 2 on the unit grid:
    // 0.5, 0.5 e^{−1/2} = 0.30326533, 0.5 e^{−1} = 0.18393972.
    let expected = [0.5, 0.303_265_3, 0.303_265_3, 0.183_939_7];
    for (k, &e) in expected.iter().enumerate() {
        for &w in som.weights().row(k) {
            assert!((w - e).abs() < 1e-7, "node {k}: {w} vs {e}");
        }
    }
}

#[test]
fn som_zero_sigma_moves_only_winner() {
    let mut som = Som::new(2, 2, Array2::zeros((4, 3))).unwrap();
    som.update(&[1.0, 1.0, 1.0], 0.5, 0.0).unwrap();
    assert!(som.weights().iter().all(|w| w.is_finite()));
    assert!(som.weights().row(0).iter().all(|&w| w == 0.5));
    for k in 1..4 {
        assert!(
            som.weights().row(k).iter().all(|&w| w == 0.0),
            "node {k} moved"
        );
    }
}

#[test]
fn som_train_orders_line() {
    // A 1 × 5 map on points spread along a line, σ decaying to 0, should end with
    // prototypes monotone along the grid (either direction).
    let values: Vec<f32> = (0..200).map(|k| k as f32 / 199.0).collect();
    let data = Dataset::new(values, 1, None).unwrap();
    let initial = Array2::from_shape_vec((5, 1), vec![0.5, 0.4, 0.6, 0.45, 0.55]).unwrap();
    let mut som = Som::new(1, 5, initial).unwrap();
    let settings = SomSettings {
        epochs: 20,
        eta: 0.5,
        eta_decay: Decay::Exponential { final_value: 0.01 },
        sigma: 2.0,
        sigma_decay: Decay::Linear { final_value: 0.0 },
        seed: 3,
    };
    som.train(&data, &settings).unwrap();
    let w: Vec<f64> = som.weights().iter().copied().collect();
    let increasing = w.windows(2).all(|p| p[0] < p[1]);
    let decreasing = w.windows(2).all(|p| p[0] > p[1]);
    assert!(increasing || decreasing, "prototypes not ordered: {w:?}");
}

#[test]
fn wta_tie_goes_to_lowest_index() {
    let weights = array![[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]];
    let mut layer = WinnerTakeAll::new(weights).unwrap();
    // (1, 1) is at distance 1 from every unit.
    assert_eq!(layer.winner(&[1.0, 1.0]), 0);
    // (2, 0) is nearest to units 1 and 2 equally.
    assert_eq!(layer.winner(&[2.0, 0.0]), 1);

    // Only the winner moves, by η (x − w): (0, 1) + 0.5 ((1, 1) − (0, 1)) = (0.5, 1).
    let winner = layer.update(&[1.0, 1.0], 0.5).unwrap();
    assert_eq!(winner, 0);
    assert_eq!(layer.weights(), &array![[0.5, 1.0], [1.0, 0.0], [1.0, 0.0]]);
}

#[test]
fn wta_conscience_revives_dead_unit() {
    // Unit 1 starts far from every input and never wins without a conscience.
    let values: Vec<f32> = (0..100)
        .map(|k| if k % 2 == 0 { 0.0 } else { 1.0 })
        .collect();
    let data = Dataset::new(values, 1, None).unwrap();
    let settings = WtaSettings {
        epochs: 20,
        eta: 0.05,
        eta_decay: Decay::Constant,
        seed: 1,
    };
    let initial = array![[0.5], [10.0]];

    let mut plain = WinnerTakeAll::new(initial.clone()).unwrap();
    let wins = plain.train(&data, &settings).unwrap();
    assert_eq!(wins[1], 0);

    let conscience = Conscience {
        frequency_rate: 0.01,
        bias_factor: 200.0,
    };
    let mut fair = WinnerTakeAll::new(initial)
        .unwrap()
        .with_conscience(conscience)
        .unwrap();
    let wins = fair.train(&data, &settings).unwrap();
    assert!(wins[1] > 0, "wins {wins:?}");
}

#[test]
fn label_units_majority_and_dead_units() {
    // Unit 0 wins classes 1, 1, 2 → label 1; unit 1 wins 0 and 2 (tie) → label 0;
    // unit 2 wins nothing.
    let train_winners = [0, 0, 0, 1, 1];
    let train_classes = [1, 1, 2, 0, 2];
    let labels = label_units(&train_winners, &train_classes, 3, 3).unwrap();
    assert_eq!(labels.labels, vec![Some(1), Some(0), None]);
    assert_eq!(labels.wins, vec![3, 2, 0]);
    assert_eq!(labels.dead_units(), 1);

    let test_winners = [0, 1, 2, 0];
    let test_classes = [1, 2, 0, 1];
    let evaluation = labels.evaluate(&test_winners, &test_classes).unwrap();
    assert_eq!(evaluation.accuracy, 0.5);
    assert_eq!(evaluation.unassigned, 1);
    assert_eq!(evaluation.confusion[[1, 1]], 2);
    assert_eq!(evaluation.confusion[[2, 0]], 1);
    assert_eq!(evaluation.confusion.sum(), 3);
}

#[test]
fn winners_over_dataset() {
    let data = Dataset::new(vec![0.1, 0.9, 0.2], 1, None).unwrap();
    let layer = WinnerTakeAll::new(array![[0.0], [1.0]]).unwrap();
    assert_eq!(winners(&layer, &data), vec![0, 1, 0]);
    assert_eq!(layer.n_units(), 2);
}

#[test]
fn foldiak_lateral_weights_stay_inhibitory() {
    let mut generator = rng::stream(9, 0);
    let mut net = Foldiak::new(Array2::from_elem((4, 6), 0.2), FoldiakParams::default()).unwrap();
    let inputs = random_patterns(30, 6, 0.3, &mut generator).unwrap();
    for _ in 0..20 {
        for pattern in inputs.iter() {
            let x: Vec<f64> = pattern
                .iter()
                .map(|&s| if s > 0 { 1.0 } else { 0.0 })
                .collect();
            let y = net.update(&x).unwrap();
            assert!(y.iter().all(|&v| v == 0.0 || v == 1.0));
        }
    }
    for ((i, j), &w) in net.lateral().indexed_iter() {
        assert!(w <= 0.0, "w[{i},{j}] = {w}");
        if i == j {
            assert_eq!(w, 0.0);
        }
    }
    assert!(net.feedforward().iter().all(|q| q.is_finite()));
}

// ---------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------

fn message(result: Result<Patterns, Error>) -> String {
    match result {
        Ok(p) => panic!("expected an error, got {} patterns", p.len()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn patterns_invalid_value_named() {
    let m = message(Patterns::from_rows(&[vec![1.0, 0.5, -1.0]]));
    assert!(m.contains("0.5"), "{m}");
    assert!(m.contains("unit 1"), "{m}");
    let m = message(Patterns::from_rows(&[vec![1.0, -1.0], vec![2.0, 1.0]]));
    assert!(m.contains("pattern 1, unit 0 has value 2"), "{m}");
    let m = message(Patterns::new(vec![1, 0, 1], 3));
    assert!(m.contains("value 0"), "{m}");
}

#[test]
fn patterns_mixed_encoding_rejected() {
    let m = message(Patterns::from_rows(&[vec![1.0, 0.0], vec![-1.0, 1.0]]));
    assert!(m.contains("mixes"), "{m}");
}

#[test]
fn patterns_mismatched_sizes_rejected() {
    let m = message(Patterns::from_rows(&[
        vec![1.0, -1.0, 1.0],
        vec![1.0, -1.0],
    ]));
    assert!(m.contains("pattern 1 has 2 values"), "{m}");
    assert!(m.contains("3"), "{m}");
    let m = message(Patterns::new(vec![1, -1, 1, 1, -1], 2));
    assert!(m.contains("5 values"), "{m}");
}

#[test]
fn patterns_empty_set_rejected() {
    let m = message(Patterns::from_rows::<Vec<f64>>(&[]));
    assert!(m.contains("no patterns"), "{m}");
    let m = message(Patterns::new(Vec::new(), 4));
    assert!(m.contains("no patterns"), "{m}");
}

#[test]
fn patterns_file_errors_name_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.txt");

    std::fs::write(&path, "1 -1 1\n1 3 1\n").unwrap();
    let m = read_patterns(&path).unwrap_err().to_string();
    assert!(m.contains("line 2"), "{m}");
    assert!(m.contains("value 3"), "{m}");

    std::fs::write(&path, "1 -1 1\n1 x 1\n").unwrap();
    let m = read_patterns(&path).unwrap_err().to_string();
    assert!(m.contains("line 2"), "{m}");
    assert!(m.contains("\"x\""), "{m}");

    std::fs::write(&path, "1 -1 1\n# note\n1 1\n").unwrap();
    let m = read_patterns(&path).unwrap_err().to_string();
    assert!(m.contains("line 3"), "{m}");
    assert!(m.contains("2 values"), "{m}");

    std::fs::write(&path, "# only a comment\n").unwrap();
    let m = read_patterns(&path).unwrap_err().to_string();
    assert!(m.contains("no patterns"), "{m}");
}

#[test]
fn recall_bad_cue_rejected() {
    let stored = Patterns::new(vec![1, 1, 1], 3).unwrap();
    let net = Hopfield::store(&stored, StorageRule::default()).unwrap();
    let m = net.recall(&[1, 1], &sequential(1)).unwrap_err().to_string();
    assert!(m.contains("3 units"), "{m}");
    assert!(m.contains("2 values"), "{m}");
    let m = net
        .recall(&[1, 0, 1], &sequential(1))
        .unwrap_err()
        .to_string();
    assert!(m.contains("unit 1"), "{m}");
    assert!(m.contains("got 0"), "{m}");
    let m = net
        .recall(&[1, 1, 1], &sequential(0))
        .unwrap_err()
        .to_string();
    assert!(m.contains("max_sweeps"), "{m}");
}

#[test]
fn som_bad_inputs_rejected() {
    let m = Som::new(3, 3, Array2::zeros((4, 2)))
        .unwrap_err()
        .to_string();
    assert!(m.contains("3 x 3"), "{m}");
    let mut som = Som::new(2, 2, Array2::zeros((4, 2))).unwrap();
    let m = som.update(&[1.0, 1.0], 0.5, -1.0).unwrap_err().to_string();
    assert!(m.contains("sigma"), "{m}");
    assert!(m.contains("-1"), "{m}");
    let m = som.update(&[1.0], 0.5, 1.0).unwrap_err().to_string();
    assert!(m.contains("2 inputs"), "{m}");
}
