//! Rate-based rules, stimuli and data readers against hand-computed values, closed
//! forms and an eigen-decomposition.

use std::path::Path;
use std::sync::Arc;

use hebbian::Error;
use hebbian::data::idx;
use hebbian::linalg::{abs_cosine, second_moment, symmetric_eigen};
use hebbian::metrics::{self, Target};
use hebbian::rate::train::{EtaSchedule, NoObserver, TrainSettings, train};
use hebbian::rate::{
    Activation, Bcm, DecayForm, Hebb, HebbDecay, Layer, Normalization, Oja, OjaSubspace, RateRule,
    Sanger, WeightInit,
};
use hebbian::rng;
use hebbian::stimulus::bars::draw_bar;
use hebbian::stimulus::{AngleSpacing, Cycle, Dataset, DatasetStimulus, OrientedBars, Stimulus};
use ndarray::{Array2, array};
use rand_distr::{Distribution, StandardNormal};

fn one_step(rule: &mut dyn RateRule, w: Vec<f64>, x: &[f64], y: &[f64], eta: f64) -> Vec<f64> {
    let n_pre = x.len();
    let mut layer = Layer::new(
        Array2::from_shape_vec((y.len(), n_pre), w).unwrap(),
        Activation::Linear,
    );
    rule.update(&mut layer.weights_mut(), x, y, eta);
    layer.weights.into_raw_vec_and_offset().0
}

fn assert_close(got: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(expected) {
        assert!((g - e).abs() <= tol, "got {got:?}, expected {expected:?}");
    }
}

// Single steps. Values computed by hand from the equations in each module's docs.

#[test]
fn hebb_single_step() {
    // Δw = 0.1 · 2 · (1, 0.5) = (0.2, 0.1)
    let w = one_step(&mut Hebb, vec![0.0, 0.0], &[1.0, 0.5], &[2.0], 0.1);
    assert_close(&w, &[0.2, 0.1], 1e-15);
}

#[test]
fn decay_subtractive_step() {
    // (1, 1) + 0.1 · 2 · (1, 0.5) − 0.01 · (1, 1) = (1.19, 1.09)
    let mut rule = HebbDecay::new(0.01, DecayForm::Subtractive).unwrap();
    let w = one_step(&mut rule, vec![1.0, 1.0], &[1.0, 0.5], &[2.0], 0.1);
    assert_close(&w, &[1.19, 1.09], 1e-12);
}

#[test]
fn decay_multiplicative_step() {
    // 0.99 · ((1, 1) + (0.2, 0.1)) = (1.188, 1.089)
    let mut rule = HebbDecay::tutorial();
    let w = one_step(&mut rule, vec![1.0, 1.0], &[1.0, 0.5], &[2.0], 0.1);
    assert_close(&w, &[1.188, 1.089], 1e-12);
}

#[test]
fn decay_rejects_out_of_range() {
    for bad in [-0.1, 1.0, f64::NAN] {
        let err = HebbDecay::new(bad, DecayForm::Subtractive).unwrap_err();
        assert!(err.to_string().contains("weight_decay"), "{err}");
    }
}

#[test]
fn normalization_sum_and_l2() {
    let mut layer = Layer::new(array![[0.2, 0.6], [0.0, 0.0]], Activation::Linear);
    Normalization::Sum { target: 1.0 }
        .apply(&mut layer.weights_mut())
        .unwrap();
    assert_close(
        layer.weights.as_slice().unwrap(),
        &[0.25, 0.75, 0.0, 0.0],
        1e-15,
    );

    let mut layer = Layer::new(array![[0.2, 0.6], [0.0, 0.0]], Activation::Linear);
    Normalization::L2 { target: 1.0 }
        .apply(&mut layer.weights_mut())
        .unwrap();
    // 0.2/sqrt(0.4) = 0.3162278, 0.6/sqrt(0.4) = 0.9486833
    assert_close(
        layer.weights.as_slice().unwrap(),
        &[0.3162278, 0.9486833, 0.0, 0.0],
        5e-8,
    );
    assert!(layer.weights.iter().all(|w| w.is_finite()));
}

#[test]
fn normalization_sum_rejects_non_positive_sum() {
    let mut layer = Layer::new(array![[0.5, -0.7]], Activation::Linear);
    let result = Normalization::Sum { target: 1.0 }.apply(&mut layer.weights_mut());
    assert_eq!(result.unwrap_err().0, 0);
}

// Oja on a fixed input: the fixed point is x/|x| = (0.6, 0.8).

fn oja_fixed_input(
    eta: f64,
    presentations: u64,
) -> (Layer, hebbian::Result<hebbian::rate::train::TrainReport>) {
    let mut layer = Layer::new(array![[0.1, 0.0]], Activation::Linear);
    let mut stimulus = Cycle::new(vec![vec![3.0, 4.0]]).unwrap();
    let settings = TrainSettings {
        presentations,
        eta,
        ..TrainSettings::default()
    };
    let result = train(
        &mut layer,
        &mut Oja,
        &mut stimulus,
        &settings,
        &mut NoObserver,
    );
    (layer, result)
}

#[test]
fn oja_fixed_input_converges() {
    let (layer, result) = oja_fixed_input(0.01, 2000);
    result.unwrap();
    assert_close(layer.weights.as_slice().unwrap(), &[0.6, 0.8], 1e-9);
}

/// Trains `layer` with `rule` on the one input `x`, shown `presentations` times at
/// `eta = 0.01`.
fn train_on_one_input(layer: &mut Layer, rule: &mut dyn RateRule, x: Vec<f64>, presentations: u64) {
    let mut stimulus = Cycle::new(vec![x]).unwrap();
    let settings = TrainSettings {
        presentations,
        eta: 0.01,
        ..TrainSettings::default()
    };
    train(layer, rule, &mut stimulus, &settings, &mut NoObserver).unwrap();
}

#[test]
fn subnormal_weights_flushed_to_zero() {
    // The second input is always 0, so Oja's rule shrinks w_2 by 1 − η y² ≈ 0.99 per
    // presentation. From 1e-300 it is still normal at the flush of presentation 1024
    // (about 3e-305) and subnormal before the flush of 2048 (about 1e-309).
    let run = |presentations| {
        let mut layer = Layer::new(array![[1.0, 1e-300]], Activation::Linear);
        train_on_one_input(&mut layer, &mut Oja, vec![1.0, 0.0], presentations);
        layer.weights[[0, 1]]
    };
    let before = run(1500);
    assert!(
        before >= f64::MIN_POSITIVE,
        "w_2 = {before} after 1500 presentations"
    );
    assert_eq!(run(2048), 0.0);
    assert_eq!(run(3000), 0.0);
}

#[test]
fn subnormal_bcm_threshold_flushed() {
    // A silent output (zero weights) halves θ at every presentation with theta_rate 0.5.
    // θ = 2^-1000 is still normal after 1000 presentations, and 2^-1024 is subnormal
    // when the flush at presentation 1024 sets it to 0.
    let run = |presentations| {
        let mut layer = Layer::new(array![[0.0, 0.0]], Activation::Linear);
        let mut rule = Bcm::new(1, 1.0, 0.5).unwrap();
        train_on_one_input(&mut layer, &mut rule, vec![1.0, 0.5], presentations);
        rule.theta().unwrap()[0]
    };
    let before = run(1000);
    assert!(
        before >= f64::MIN_POSITIVE,
        "θ = {before} after 1000 presentations"
    );
    assert_eq!(run(1024), 0.0);
}

#[test]
fn oja_large_eta_diverges() {
    // η|x|² = 0.1 · 25 = 2.5 > 1
    let (_, result) = oja_fixed_input(0.1, 2000);
    let err = result.unwrap_err();
    let Error::Diverged { presentation, .. } = &err else {
        panic!("expected divergence, got {err}");
    };
    assert!(*presentation < 2000);
    let message = err.to_string();
    assert!(message.contains("eta*|x|^2 must stay below 1"), "{message}");
    assert!(message.contains("2.5"), "{message}");
}

#[test]
fn hebb_runaway_is_reported() {
    let mut layer = Layer::new(array![[0.1, 0.1]], Activation::Linear);
    let mut stimulus = Cycle::new(vec![vec![1.0, 0.5]]).unwrap();
    let settings = TrainSettings {
        presentations: 100_000,
        eta: 0.1,
        ..TrainSettings::default()
    };
    let err = train(
        &mut layer,
        &mut Hebb,
        &mut stimulus,
        &settings,
        &mut NoObserver,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Diverged { .. }), "{err}");
    assert!(err.to_string().contains("divergence threshold"), "{err}");
}

// Sanger on four inputs whose second moment is diag(2, 0.5).

#[test]
fn sanger_finds_axes_in_order() {
    let inputs = vec![
        vec![2.0, 0.0],
        vec![-2.0, 0.0],
        vec![0.0, 1.0],
        vec![0.0, -1.0],
    ];
    let mut stimulus = Cycle::new(inputs).unwrap();
    let mut init_rng = rng::stream(3, rng::streams::INIT);
    let w = WeightInit::Normal { std: 0.3 }
        .sample(2, 2, &mut init_rng)
        .unwrap();
    let mut layer = Layer::new(w, Activation::Linear);
    let settings = TrainSettings {
        presentations: 20_000,
        eta: 0.01,
        ..TrainSettings::default()
    };
    train(
        &mut layer,
        &mut Sanger::new(),
        &mut stimulus,
        &settings,
        &mut NoObserver,
    )
    .unwrap();
    let w = layer.weights;
    assert!((w[[0, 0]].abs() - 1.0).abs() < 0.02, "{w}");
    assert!(w[[0, 1]].abs() < 0.02, "{w}");
    assert!(w[[1, 0]].abs() < 0.02, "{w}");
    assert!((w[[1, 1]].abs() - 1.0).abs() < 0.02, "{w}");
}

// PCA rules against an eigen-decomposition of a random covariance.

/// Samples of x = A z with z standard normal: covariance A Aᵀ with distinct eigenvalues.
fn gaussian_dataset(dim: usize, n: usize, seed: u64) -> Dataset {
    let mut r = rng::stream(seed, 99);
    // A = Q diag(s) with a random orthogonal-ish Q from Gram–Schmidt and s spread out.
    let raw = Array2::from_shape_simple_fn((dim, dim), || {
        let v: f64 = StandardNormal.sample(&mut r);
        v
    });
    let mut q = raw.clone();
    for i in 0..dim {
        for k in 0..i {
            let d = q.row(i).dot(&q.row(k));
            let qk = q.row(k).to_owned();
            q.row_mut(i).scaled_add(-d, &qk);
        }
        let norm = q.row(i).dot(&q.row(i)).sqrt();
        q.row_mut(i).mapv_inplace(|v| v / norm);
    }
    let scales: Vec<f64> = (0..dim).map(|k| 2.0 * 0.7f64.powi(k as i32)).collect();
    let mut values = Vec::with_capacity(n * dim);
    for _ in 0..n {
        let z: Vec<f64> = (0..dim)
            .map(|k| {
                let n: f64 = StandardNormal.sample(&mut r);
                scales[k] * n
            })
            .collect();
        for j in 0..dim {
            let x: f64 = (0..dim).map(|k| q[[k, j]] * z[k]).sum();
            values.push(x as f32);
        }
    }
    Dataset::new(values, dim, None).unwrap()
}

fn train_on(data: &Arc<Dataset>, rule: &mut dyn RateRule, n_post: usize) -> Array2<f64> {
    let mut init_rng = rng::stream(5, rng::streams::INIT);
    let w = WeightInit::Normal { std: 0.1 }
        .sample(n_post, data.dim(), &mut init_rng)
        .unwrap();
    let mut layer = Layer::new(w, Activation::Linear);
    let mut stimulus =
        DatasetStimulus::new(data.clone(), true, rng::stream(5, rng::streams::ORDER))
            .with_mean_removed(data.mean());
    let settings = TrainSettings {
        presentations: 40 * data.len() as u64,
        eta: 0.005,
        eta_schedule: EtaSchedule::Geometric { eta_final: 0.0002 },
        ..TrainSettings::default()
    };
    train(&mut layer, rule, &mut stimulus, &settings, &mut NoObserver).unwrap();
    layer.weights
}

#[test]
fn pca_rules_match_eigendecomposition() {
    let data = Arc::new(gaussian_dataset(6, 2000, 11));
    let mean = data.mean();
    let eigen = symmetric_eigen(&second_moment(&data, Some(&mean))).unwrap();

    let w = train_on(&data, &mut Oja, 2);
    for cos in metrics::eigenvector_cosines(&w, &eigen, Target::First) {
        assert!(cos > 0.995, "oja |cos| = {cos}");
    }

    let w = train_on(&data, &mut Sanger::new(), 3);
    for (k, cos) in metrics::eigenvector_cosines(&w, &eigen, Target::InOrder)
        .iter()
        .enumerate()
    {
        assert!(*cos > 0.99, "sanger component {k}: |cos| = {cos}");
    }
    for norm in metrics::row_norms(&w) {
        assert!((norm - 1.0).abs() < 0.02, "sanger row norm {norm}");
    }

    let w = train_on(&data, &mut OjaSubspace::new(), 3);
    let overlap = metrics::principal_subspace_overlap(&w, &eigen);
    assert!(overlap > 0.99, "subspace overlap {overlap}");
}

// Batch forms equal the mean of single updates from the same weights.

#[test]
fn batch_equals_mean_of_single_updates() {
    let xs = [vec![1.0, 0.5, -0.2], vec![0.3, -1.0, 0.8]];
    let w0 = vec![0.2, -0.1, 0.4, 0.05, 0.3, -0.2];
    let rules: Vec<Box<dyn Fn() -> Box<dyn RateRule>>> = vec![
        Box::new(|| Box::new(Hebb)),
        Box::new(|| Box::new(HebbDecay::new(0.01, DecayForm::Subtractive).unwrap())),
        Box::new(|| Box::new(Oja)),
        Box::new(|| Box::new(Sanger::new())),
        Box::new(|| Box::new(OjaSubspace::new())),
        Box::new(|| Box::new(Bcm::tutorial(2))),
    ];
    for make in rules {
        let layer = Layer::new(
            Array2::from_shape_vec((2, 3), w0.clone()).unwrap(),
            Activation::Linear,
        );
        let mut ys = Vec::new();
        let mut expected = vec![0.0; 6];
        for x in &xs {
            let mut y = vec![0.0; 2];
            layer.forward(x, &mut y);
            let after = one_step(make().as_mut(), w0.clone(), x, &y, 0.1);
            for k in 0..6 {
                expected[k] += (after[k] - w0[k]) / 2.0;
            }
            ys.extend(y);
        }
        let mut batch_layer = layer.clone();
        let mut rule = make();
        assert!(rule.update_batch(&mut batch_layer.weights_mut(), &xs.concat(), &ys, 2, 0.1));
        let got: Vec<f64> = batch_layer
            .weights
            .iter()
            .zip(&w0)
            .map(|(a, b)| a - b)
            .collect();
        assert_close(&got, &expected, 1e-14);
    }
}

// BCM: two equally likely orthogonal patterns. The selective fixed point responds to one
// pattern with y = 1/p = 2 and the other with 0, and θ = E[y²] = 2.

#[test]
fn bcm_becomes_selective() {
    let mut layer = Layer::new(array![[0.6, 0.4]], Activation::Linear);
    let mut rule = Bcm::tutorial(1);
    let mut r = rng::stream(21, rng::streams::STIMULUS);
    let patterns = [[1.0, 0.0], [0.0, 1.0]];
    let mut y = [0.0];
    let mut recent_y_sq = Vec::new();
    for t in 0..60_000 {
        let x = &patterns[rand::Rng::random_range(&mut r, 0..2)];
        layer.forward(x, &mut y);
        rule.update(&mut layer.weights_mut(), x, &y, 0.005);
        if t >= 50_000 {
            recent_y_sq.push(y[0] * y[0]);
        }
    }
    let w = layer.weights.row(0).to_vec();
    let (strong, weak) = if w[0] > w[1] {
        (w[0], w[1])
    } else {
        (w[1], w[0])
    };
    assert!((strong - 2.0).abs() < 0.15, "weights {w:?}");
    assert!(weak.abs() < 0.15, "weights {w:?}");
    let mean_y_sq = recent_y_sq.iter().sum::<f64>() / recent_y_sq.len() as f64;
    let theta = rule.theta().unwrap()[0];
    assert!(
        (theta - mean_y_sq).abs() < 0.2 * mean_y_sq,
        "theta {theta}, mean y^2 {mean_y_sq}"
    );
    assert!((mean_y_sq - 2.0).abs() < 0.3, "mean y^2 {mean_y_sq}");
}

// Oriented bars: pixels as NumPy computes them (`int(c + i cos a)`, `int(c + i sin a)`).

fn lit_pixels(image: &[f64], size: usize) -> Vec<(usize, usize)> {
    (0..size * size)
        .filter(|&k| image[k] == 1.0)
        .map(|k| (k / size, k % size))
        .collect()
}

#[test]
fn bars_angle_zero_exact() {
    let expected: Vec<(usize, usize)> = (1..=9).map(|c| (5, c)).collect();
    assert_eq!(lit_pixels(&draw_bar(0.0, 10), 10), expected);
}

#[test]
fn bars_angle_half_pi_exact() {
    let expected: Vec<(usize, usize)> = (1..=9).map(|r| (r, 5)).collect();
    assert_eq!(
        lit_pixels(&draw_bar(std::f64::consts::FRAC_PI_2, 10), 10),
        expected
    );
}

#[test]
fn bars_angle_pi_matches_numpy_rounding() {
    // Python: int(5 + (-4) * sin(pi)) = int(4.999999999999999) = 4.
    let mut expected: Vec<(usize, usize)> = (1..=8).map(|c| (5, c)).collect();
    expected.insert(0, (4, 9));
    assert_eq!(
        lit_pixels(&draw_bar(std::f64::consts::PI, 10), 10),
        expected
    );
}

#[test]
fn bars_angles_spacing() {
    let half_open = AngleSpacing::HalfOpen.angles(8);
    assert_eq!(half_open.len(), 8);
    assert!((half_open[7] - 7.0 * std::f64::consts::PI / 8.0).abs() < 1e-15);
    let tutorial = AngleSpacing::Tutorial.angles(8);
    assert_eq!(tutorial[7], std::f64::consts::PI);
}

#[test]
fn bars_noise_is_clipped() {
    let mut bars =
        OrientedBars::new(10, 8, AngleSpacing::HalfOpen, 0.5, rng::stream(1, 2)).unwrap();
    let mut x = vec![0.0; 100];
    for _ in 0..100 {
        bars.next_into(&mut x);
        assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}

#[test]
fn bars_noise_distribution() {
    // Background pixels are clip(σ n, 0, 1): P(0) = 1/2 and, for σ = 0.1 (so that the
    // upper clip at 1 has probability 1e-23), mean σ/sqrt(2π) and mean square σ²/2.
    // Bar pixels mirror them around 1. Tolerances are 5 standard errors.
    let sigma = 0.1;
    // One orientation, so every presentation has the same clean bar.
    let mut bars =
        OrientedBars::new(10, 1, AngleSpacing::HalfOpen, sigma, rng::stream(8, 2)).unwrap();
    let clean = bars.clean_bars()[0].clone();
    let mut x = vec![0.0; 100];
    let (mut n_bg, mut zeros, mut sum, mut sum_sq) = (0.0, 0.0, 0.0, 0.0);
    let (mut n_bar, mut ones, mut bar_sum) = (0.0, 0.0, 0.0);
    for _ in 0..20_000 {
        bars.next_into(&mut x);
        for (b, v) in clean.iter().zip(&x) {
            if *b == 0.0 {
                n_bg += 1.0;
                zeros += (*v == 0.0) as u8 as f64;
                sum += v;
                sum_sq += v * v;
            } else {
                n_bar += 1.0;
                ones += (*v == 1.0) as u8 as f64;
                bar_sum += v;
            }
        }
    }
    let mean = sum / n_bg;
    let expected_mean = sigma / (2.0 * std::f64::consts::PI).sqrt();
    let variance = sigma * sigma / 2.0 - expected_mean * expected_mean;
    assert!(
        (zeros / n_bg - 0.5).abs() < 5.0 * (0.25 / n_bg).sqrt(),
        "P(0) = {}",
        zeros / n_bg
    );
    assert!(
        (mean - expected_mean).abs() < 5.0 * (variance / n_bg).sqrt(),
        "mean {mean}"
    );
    assert!(
        (sum_sq / n_bg - sigma * sigma / 2.0).abs() < 1e-4,
        "mean square {}",
        sum_sq / n_bg
    );
    assert!(
        (ones / n_bar - 0.5).abs() < 5.0 * (0.25 / n_bar).sqrt(),
        "P(1) = {}",
        ones / n_bar
    );
    assert!((bar_sum / n_bar - (1.0 - expected_mean)).abs() < 5.0 * (variance / n_bar).sqrt());
}

#[test]
fn same_seed_same_weights() {
    let run = |seed| {
        let bars =
            OrientedBars::new(10, 8, AngleSpacing::HalfOpen, 0.1, rng::stream(seed, 2)).unwrap();
        let mut bars = bars;
        let w = WeightInit::Normal { std: 0.1 }
            .sample(4, 100, &mut rng::stream(seed, 1))
            .unwrap();
        let mut layer = Layer::new(w, Activation::Relu);
        let settings = TrainSettings {
            presentations: 500,
            eta: 0.001,
            ..TrainSettings::default()
        };
        train(&mut layer, &mut Oja, &mut bars, &settings, &mut NoObserver).unwrap();
        layer.weights
    };
    assert_eq!(run(4), run(4));
    assert_ne!(run(4), run(5));
}

// IDX files.

fn idx_bytes(type_byte: u8, dims: &[u32], body: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, type_byte, dims.len() as u8];
    for d in dims {
        bytes.extend(d.to_be_bytes());
    }
    bytes.extend(body);
    bytes
}

#[test]
fn idx_reads_images_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let body: Vec<u8> = (0..12).collect();
    let bytes = idx_bytes(0x08, &[3, 2, 2], &body);
    let plain = dir.path().join("images.idx");
    std::fs::write(&plain, &bytes).unwrap();
    let gz = dir.path().join("images.idx.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, &bytes).unwrap();
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    for path in [&plain, &gz] {
        let images = idx::read_images(path).unwrap();
        assert_eq!((images.n, images.rows, images.cols), (3, 2, 2));
        assert_eq!(images.pixels, body);
    }
}

fn idx_error(bytes: &[u8]) -> String {
    idx::parse_idx(bytes, Path::new("digits.idx"))
        .unwrap_err()
        .to_string()
}

#[test]
fn idx_bad_magic() {
    let message = idx_error(&[0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]);
    assert!(message.contains("digits.idx"), "{message}");
    assert!(message.contains("bad IDX magic number"), "{message}");
    let message = idx_error(&idx_bytes(0x07, &[1], &[0]));
    assert!(message.contains("unknown type byte 0x07"), "{message}");
}

#[test]
fn idx_truncated() {
    let message = idx_error(&idx_bytes(0x08, &[2, 28, 28], &[0; 1000]));
    assert!(message.contains("digits.idx"), "{message}");
    assert!(message.contains("truncated data"), "{message}");
    assert!(message.contains("1568"), "{message}");
    let message = idx_error(&[0, 0, 8, 3, 0, 0]);
    assert!(message.contains("truncated header"), "{message}");
}

#[test]
fn idx_extra_bytes() {
    let message = idx_error(&idx_bytes(0x08, &[2], &[1, 2, 3]));
    assert!(message.contains("1 bytes follow"), "{message}");
}

#[test]
fn idx_wrong_dimensions() {
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("labels.idx");
    std::fs::write(&labels, idx_bytes(0x08, &[4], &[1, 2, 3, 4])).unwrap();
    let message = idx::read_images(&labels).unwrap_err().to_string();
    assert!(message.contains("labels.idx"), "{message}");
    assert!(message.contains("wrong dimensions"), "{message}");
    assert!(message.contains("3 dimensions"), "{message}");

    let images = dir.path().join("images.idx");
    std::fs::write(&images, idx_bytes(0x08, &[2, 1, 2], &[0; 4])).unwrap();
    let message = idx::read_labels(&images).unwrap_err().to_string();
    assert!(message.contains("wrong dimensions"), "{message}");
    let message = idx::read_labelled_images(&images, &labels)
        .unwrap_err()
        .to_string();
    assert!(message.contains("4 labels for 2 images"), "{message}");
}

#[test]
fn idx_reads_mnist_when_present() {
    let root = std::env::var_os("HEBBIAN_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let images = root.join("mnist/t10k-images-idx3-ubyte.gz");
    let labels = root.join("mnist/t10k-labels-idx1-ubyte.gz");
    if !images.exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "MNIST test set missing at {} (set HEBBIAN_DATA)",
            images.display()
        );
        eprintln!("skipped: MNIST not found at {}", images.display());
        return;
    }
    let (imgs, labs) = idx::read_labelled_images(&images, &labels).unwrap();
    assert_eq!((imgs.n, imgs.rows, imgs.cols), (10_000, 28, 28));
    // First test labels of MNIST: 7, 2, 1, 0, 4.
    assert_eq!(&labs[..5], &[7, 2, 1, 0, 4]);
}

#[test]
fn relu_layer_clamps_negative() {
    let layer = Layer::new(array![[1.0, -1.0], [-1.0, 1.0]], Activation::Relu);
    let mut y = [0.0; 2];
    layer.forward(&[2.0, 1.0], &mut y);
    assert_eq!(y, [1.0, 0.0]);
}

#[test]
fn cosine_of_zero_vector() {
    assert_eq!(abs_cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
}

// Image patches.

fn test_image(width: usize, height: usize, seed: u64) -> hebbian::data::image::GrayImage {
    let mut r = rng::stream(seed, 77);
    // Smooth random image: each pixel averages its left neighbour with fresh noise, so
    // neighbouring pixels are correlated as in a photograph.
    let mut pixels = vec![0.0; width * height];
    for row in 0..height {
        for col in 0..width {
            let noise: f64 = rand::Rng::random(&mut r);
            let left = if col > 0 {
                pixels[row * width + col - 1]
            } else {
                noise
            };
            pixels[row * width + col] = 0.7 * left + 0.3 * noise;
        }
    }
    hebbian::data::image::GrayImage {
        width,
        height,
        pixels,
        converted_from_color: false,
    }
}

#[test]
fn patches_remove_mean() {
    use hebbian::stimulus::{PatchSettings, sample_patches};
    let images = [test_image(40, 30, 1), test_image(25, 50, 2)];
    let settings = PatchSettings {
        size: 5,
        n_patches: 500,
        remove_mean: true,
        whiten: false,
        whiten_epsilon: 1e-3,
    };
    let data = sample_patches(&images, &settings, &mut rng::stream(1, 5)).unwrap();
    assert_eq!(
        (data.len(), data.dim(), data.image_shape()),
        (500, 25, Some((5, 5)))
    );
    for k in 0..data.len() {
        let mean: f64 = data.sample(k).iter().map(|&v| v as f64).sum::<f64>() / 25.0;
        assert!(mean.abs() < 1e-6, "patch {k} mean {mean}");
    }
}

#[test]
fn patches_whitening_gives_identity_covariance() {
    use hebbian::stimulus::{PatchSettings, sample_patches};
    let images = [test_image(60, 60, 3)];
    let epsilon = 1e-9;
    let settings = PatchSettings {
        size: 3,
        n_patches: 5000,
        remove_mean: false,
        whiten: true,
        whiten_epsilon: epsilon,
    };
    let data = sample_patches(&images, &settings, &mut rng::stream(2, 5)).unwrap();
    // ZCA: C' = U Λ/(Λ + ε) Uᵀ, the identity up to ε/λ_min and f32 storage.
    let covariance = second_moment(&data, Some(&data.mean()));
    for i in 0..9 {
        for j in 0..9 {
            let expected = if i == j { 1.0 } else { 0.0 };
            assert!(
                (covariance[[i, j]] - expected).abs() < 1e-4,
                "C[{i},{j}] = {}",
                covariance[[i, j]]
            );
        }
    }
}

#[test]
fn patches_reject_oversized() {
    use hebbian::stimulus::{PatchSettings, sample_patches};
    let images = [test_image(6, 6, 4)];
    let settings = PatchSettings {
        size: 8,
        ..PatchSettings::default()
    };
    let message = sample_patches(&images, &settings, &mut rng::stream(1, 5))
        .unwrap_err()
        .to_string();
    assert!(message.contains("size"), "{message}");
    assert!(message.contains("6 x 6"), "{message}");
}

/// Records what the training loop shows the observer.
#[derive(Default)]
struct Seen {
    presentations: Vec<u64>,
    weights: Vec<Vec<f64>>,
    inputs: Vec<Vec<f64>>,
}

impl hebbian::rate::train::Observer for Seen {
    fn after_update(
        &mut self,
        presentations: u64,
        layer: &Layer,
        _rule: &dyn RateRule,
        x: &[f64],
        _y: &[f64],
        _eta: f64,
    ) {
        self.presentations.push(presentations);
        self.weights
            .push(layer.weights.as_slice().unwrap().to_vec());
        self.inputs.push(x.to_vec());
    }
}

/// Returns the weights after each presentation of plain Hebb on a cycle of inputs,
/// computed step by step without the training loop.
fn hebb_by_hand(inputs: &[Vec<f64>], eta: f64, presentations: usize) -> Vec<Vec<f64>> {
    let mut layer = Layer::new(array![[0.1, 0.2], [0.0, 0.3]], Activation::Linear);
    let mut y = vec![0.0; 2];
    let mut after = Vec::new();
    for t in 0..presentations {
        let x = &inputs[t % inputs.len()];
        layer.forward(x, &mut y);
        Hebb.update(&mut layer.weights_mut(), x, &y, eta);
        after.push(layer.weights.as_slice().unwrap().to_vec());
    }
    after
}

#[test]
fn observer_sees_each_update() {
    let inputs = vec![vec![1.0, 0.5], vec![-0.5, 1.0], vec![0.2, 0.1]];
    let mut layer = Layer::new(array![[0.1, 0.2], [0.0, 0.3]], Activation::Linear);
    let mut stimulus = Cycle::new(inputs.clone()).unwrap();
    let settings = TrainSettings {
        presentations: 40,
        eta: 0.01,
        ..TrainSettings::default()
    };
    let mut seen = Seen::default();
    train(&mut layer, &mut Hebb, &mut stimulus, &settings, &mut seen).unwrap();
    assert_eq!(seen.presentations, (1..=40).collect::<Vec<u64>>());
    assert_eq!(seen.weights, hebb_by_hand(&inputs, 0.01, 40));
    for (t, x) in seen.inputs.iter().enumerate() {
        assert_eq!(x, &inputs[t % inputs.len()]);
    }
}

#[test]
fn divergence_names_first_bad_presentation() {
    // the first presentation whose weights leave a row norm of 50, found by hand
    let inputs = vec![vec![1.0, 0.5], vec![-0.5, 1.0], vec![0.2, 0.1]];
    let by_hand = hebb_by_hand(&inputs, 0.5, 200);
    let first_bad = by_hand
        .iter()
        .position(|w| w.chunks(2).any(|row| row[0].hypot(row[1]) > 50.0))
        .expect("the weights grow past 50") as u64
        + 1;

    let mut layer = Layer::new(array![[0.1, 0.2], [0.0, 0.3]], Activation::Linear);
    let mut stimulus = Cycle::new(inputs).unwrap();
    let settings = TrainSettings {
        presentations: 200,
        eta: 0.5,
        divergence_threshold: 50.0,
        ..TrainSettings::default()
    };
    let mut seen = Seen::default();
    let err = train(&mut layer, &mut Hebb, &mut stimulus, &settings, &mut seen).unwrap_err();
    let Error::Diverged { presentation, .. } = err else {
        panic!("expected divergence, got {err}");
    };
    assert_eq!(presentation, first_bad);
    // the observer saw every presentation before it, and not that one
    assert_eq!(seen.presentations, (1..first_bad).collect::<Vec<u64>>());
}
