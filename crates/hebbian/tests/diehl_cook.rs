//! The Diehl & Cook (2015) network: input encoding, normalization, adaptive threshold,
//! the plasticity rule against an all-events computation, checkpoints and learning on
//! MNIST.

use std::path::PathBuf;

use hebbian::data::idx::read_labelled_images;
use hebbian::rng;
use hebbian::spiking::diehl_cook::{
    DcRule, DiehlCook, DiehlCookParams, Mode, assign_labels, classify, evaluate,
};

fn small_params(n_input: usize, n_exc: usize) -> DiehlCookParams {
    DiehlCookParams {
        n_input,
        n_exc,
        ..Default::default()
    }
}

/// Returns a reproducible image with intensities in [0, 1], a third of them zero.
fn test_image(n: usize, seed: u64) -> Vec<f32> {
    use rand::Rng;
    let mut rng = rng::stream(seed, 99);
    (0..n)
        .map(|_| {
            let u: f32 = rng.random();
            if u < 0.33 { 0.0 } else { u }
        })
        .collect()
}

#[test]
fn encoding_mean_count_matches_rate() {
    // Each input fires in each of the 700 steps with probability p = rate · dt, so the
    // count is binomial(700, p): mean rate · 350 ms, variance 700 p (1 − p).
    let params = DiehlCookParams::default();
    let steps = (params.presentation / params.dt) as usize;
    let image = [1.0f32, 0.5, 0.25, 0.1, 0.0];
    let presentations = 2000;
    let mut totals = [0u64; 5];
    let mut spikes = vec![Vec::new(); steps];
    let mut rng = rng::stream(5, 1);
    for _ in 0..presentations {
        DiehlCook::encode(&image, params.max_rate, params.dt, &mut rng, &mut spikes).unwrap();
        for step in &spikes {
            for &i in step {
                totals[i as usize] += 1;
            }
        }
    }
    for (i, &x) in image.iter().enumerate() {
        let rate = f64::from(x) * params.max_rate;
        let p = rate * params.dt / 1000.0;
        let expected = rate * params.presentation / 1000.0;
        let mean = totals[i] as f64 / presentations as f64;
        let sd_of_mean = (steps as f64 * p * (1.0 - p) / presentations as f64).sqrt();
        if x == 0.0 {
            assert_eq!(totals[i], 0, "a zero pixel must never fire");
        } else {
            assert!(
                (mean - expected).abs() < 5.0 * sd_of_mean,
                "pixel {i}: mean count {mean}, expected {expected} ± {sd_of_mean}"
            );
        }
    }
}

#[test]
fn blank_image_draws_no_input_spikes() {
    let params = DiehlCookParams {
        min_spikes: 0,
        ..small_params(16, 3)
    };
    let mut net = DiehlCook::new(params, 1).unwrap();
    let response = net.present(&[0.0; 16], Mode::Learn).unwrap();
    assert_eq!(response.input_spikes, 0);
    assert_eq!(response.total(), 0);
}

#[test]
fn silent_images_are_shown_again_with_higher_rates() {
    // A blank image can never reach min_spikes, so every attempt is used.
    let params = DiehlCookParams {
        max_attempts: 4,
        ..small_params(16, 3)
    };
    let mut net = DiehlCook::new(params, 1).unwrap();
    let response = net.present(&[0.0; 16], Mode::Frozen).unwrap();
    assert_eq!(response.attempts, 4);
    assert_eq!(net.presentations(), 4);
    assert_eq!(net.step(), 4 * 1000);
}

#[test]
fn normalization_after_every_image() {
    let params = small_params(64, 8);
    let target = params.weight_sum;
    let mut net = DiehlCook::new(params, 2).unwrap();
    let check = |net: &DiehlCook, when: &str| {
        for (j, row) in net.weights().chunks_exact(64).enumerate() {
            let sum: f64 = row.iter().sum();
            assert!(
                (sum - target).abs() < 1e-9,
                "{when}: neuron {j} sums to {sum}"
            );
        }
    };
    check(&net, "at construction");
    let before = net.weights().to_vec();
    for k in 0..5 {
        let response = net.present(&test_image(64, k), Mode::Learn).unwrap();
        assert!(response.total() > 0);
        check(&net, &format!("after image {k}"));
    }
    assert_ne!(before, net.weights(), "learning must change the weights");
}

#[test]
fn zero_rows_stay_zero_under_normalization() {
    let params = small_params(4, 2);
    let net = DiehlCook::new(params.clone(), 1).unwrap();
    let mut state = net.state().unwrap();
    state.w[4..8].fill(0.0);
    let mut net = DiehlCook::from_state(params, 1, state).unwrap();
    net.normalize();
    assert_eq!(&net.weights()[4..8], &[0.0; 4]);
    assert!(net.weights().iter().all(|w| w.is_finite()));
}

#[test]
fn threshold_rises_by_theta_plus_per_spike() {
    // With τ_θ so long that e^{−dt/τ_θ} rounds to 1, θ changes only at spikes.
    let params = DiehlCookParams {
        tau_theta: 1e300,
        rest: 0.0,
        max_delay: 0.0,
        min_spikes: 0,
        ..small_params(16, 4)
    };
    let theta_plus = params.theta_plus;
    let mut net = DiehlCook::new(params, 3).unwrap();
    let before = net.theta().to_vec();
    let response = net.present(&[1.0; 16], Mode::Learn).unwrap();
    assert!(response.total() > 0, "the test needs spikes");
    for j in 0..4 {
        let expected = before[j] + theta_plus * f64::from(response.counts[j]);
        assert!(
            (net.theta()[j] - expected).abs() < 1e-9,
            "neuron {j}: θ = {}, expected {expected}",
            net.theta()[j]
        );
    }
}

#[test]
fn threshold_decays_with_its_time_constant() {
    let params = DiehlCookParams {
        tau_theta: 1000.0,
        min_spikes: 0,
        ..small_params(16, 2)
    };
    let (theta0, dt, tau) = (params.theta_init, params.dt, params.tau_theta);
    let mut net = DiehlCook::new(params, 3).unwrap();
    net.present(&[0.0; 16], Mode::Learn).unwrap();
    let elapsed = net.step() as f64 * dt;
    let expected = theta0 * (-elapsed / tau).exp();
    for &theta in net.theta() {
        assert!(
            ((theta - expected) / expected).abs() < 1e-12,
            "θ = {theta}, expected {expected}"
        );
    }
}

#[test]
fn frozen_presentations_change_neither_weights_nor_thresholds() {
    let mut net = DiehlCook::new(small_params(64, 6), 4).unwrap();
    let (w, theta) = (net.weights().to_vec(), net.theta().to_vec());
    let response = net.present(&test_image(64, 1), Mode::Frozen).unwrap();
    assert!(response.total() > 0);
    assert_eq!(w, net.weights());
    assert_eq!(theta, net.theta());
}

/// Computes the plasticity rule from the list of events alone, with `exp` for every trace.
fn expected_weight(
    w0: f64,
    params: &DiehlCookParams,
    arrivals: &[u64],
    posts: &[u64],
    last_step: u64,
) -> f64 {
    let trace = |now: u64, last: Option<u64>, tau: f64| match last {
        Some(last) => (-((now - last) as f64) * params.dt / tau).exp(),
        None => 0.0,
    };
    let mut w = w0;
    let mut last_pre = None;
    let mut last_post = None;
    for step in 0..=last_step {
        // Presynaptic updates of a step come before postsynaptic ones.
        if arrivals.contains(&step) {
            if params.rule == DcRule::Triplet {
                w = (w - params.nu_pre * trace(step, last_post, params.tau_post1))
                    .clamp(0.0, params.w_max);
            }
            last_pre = Some(step);
        }
        if posts.contains(&step) {
            let post2 = trace(step, last_post, params.tau_post2);
            let pre = trace(step, last_pre, params.tau_pre);
            let dw = match params.rule {
                DcRule::Triplet => params.nu_post * pre * post2,
                DcRule::PowerLaw { x_tar, mu } => {
                    params.nu_post * (pre - x_tar) * (params.w_max - w).max(0.0).powf(mu)
                }
            };
            w = (w + dw).clamp(0.0, params.w_max);
            last_post = Some(step);
        }
    }
    w
}

#[test]
fn triplet_rule_matches_an_all_events_computation() {
    check_against_all_events(DcRule::Triplet, 0.05);
}

#[test]
fn power_law_rule_matches_an_all_events_computation() {
    check_against_all_events(DcRule::power_law(), 0.002);
}

fn check_against_all_events(rule: DcRule, nu_post: f64) {
    // Input 0 drives the neuron hard; inputs 1–3 fire sparsely and are the synapses
    // under test. Zero delays, so a spike arrives in its own step.
    let params = DiehlCookParams {
        max_delay: 0.0,
        weight_sum: 3.0,
        nu_pre: 0.0005,
        nu_post,
        rule,
        ..small_params(4, 1)
    };
    let net = DiehlCook::new(params.clone(), 7).unwrap();
    let mut state = net.state().unwrap();
    state.w = vec![1.0, 0.4, 0.5, 0.02];
    let mut net = DiehlCook::from_state(params.clone(), 7, state).unwrap();

    let steps = 3000;
    let mut spikes = vec![Vec::new(); steps];
    let mut rng = rng::stream(11, 0);
    use rand::Rng;
    let mut arrivals: [Vec<u64>; 4] = Default::default();
    for (step, slot) in spikes.iter_mut().enumerate() {
        for (i, rate) in [(0u32, 0.6), (1, 0.02), (2, 0.05), (3, 0.1)] {
            if rng.random::<f64>() < rate {
                slot.push(i);
                arrivals[i as usize].push(step as u64);
            }
        }
    }
    let posts: Vec<u64> = net
        .run_spikes(&spikes, Mode::Learn)
        .unwrap()
        .into_iter()
        .map(|(step, _)| step)
        .collect();
    assert!(
        posts.len() > 20,
        "the test needs postsynaptic spikes, got {}",
        posts.len()
    );
    let w0 = [1.0, 0.4, 0.5, 0.02];
    for i in 0..4 {
        let expected = expected_weight(w0[i], &params, &arrivals[i], &posts, steps as u64);
        let got = net.weights()[i];
        assert!(
            (got - expected).abs() < 1e-12,
            "synapse {i}: event-driven {got}, all-events {expected}"
        );
    }
    assert!(
        (net.weights()[1] - w0[1]).abs() > 1e-3,
        "the synapses under test must change"
    );
}

#[test]
fn resuming_from_a_checkpoint_is_bit_identical() {
    let params = small_params(64, 10);
    let images: Vec<Vec<f32>> = (0..6).map(|k| test_image(64, k)).collect();

    let mut whole = DiehlCook::new(params.clone(), 9).unwrap();
    let mut whole_counts = Vec::new();
    for image in &images {
        whole_counts.push(whole.present(image, Mode::Learn).unwrap());
    }

    let mut first = DiehlCook::new(params.clone(), 9).unwrap();
    let mut split_counts = Vec::new();
    for image in &images[..3] {
        split_counts.push(first.present(image, Mode::Learn).unwrap());
    }
    let saved = first.state().unwrap();
    drop(first);
    let mut resumed = DiehlCook::from_state(params, 9, saved).unwrap();
    for image in &images[3..] {
        split_counts.push(resumed.present(image, Mode::Learn).unwrap());
    }

    assert_eq!(whole_counts, split_counts);
    assert_eq!(whole.state().unwrap(), resumed.state().unwrap());
    let bits = |w: &[f64]| w.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&whole.weights()), bits(&resumed.weights()));
}

#[test]
fn same_seed_same_result_different_seed_different_result() {
    let params = small_params(64, 5);
    let run = |seed| {
        let mut net = DiehlCook::new(params.clone(), seed).unwrap();
        net.present(&test_image(64, 0), Mode::Learn).unwrap();
        net.weights().to_vec()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

#[test]
fn bad_inputs_are_rejected_with_the_value() {
    let mut net = DiehlCook::new(small_params(4, 2), 1).unwrap();
    let err = net.present(&[0.0; 3], Mode::Learn).unwrap_err().to_string();
    assert!(
        err.contains("4 pixels") && err.contains("3 pixels"),
        "{err}"
    );
    let err = net
        .present(&[0.0, 1.5, 0.0, 0.0], Mode::Learn)
        .unwrap_err()
        .to_string();
    assert!(err.contains("1.5"), "{err}");
    assert!(err.contains("[0, 1]"), "{err}");
    let err = net
        .present(&[0.0, f32::NAN, 0.0, 0.0], Mode::Learn)
        .unwrap_err()
        .to_string();
    assert!(err.contains("NaN"), "{err}");

    let too_fast = DiehlCookParams {
        max_attempts: 100,
        ..small_params(4, 2)
    };
    let err = DiehlCook::new(too_fast, 1).unwrap_err().to_string();
    assert!(
        err.contains("max_attempts") && err.contains("2000 Hz"),
        "{err}"
    );

    let coarse = DiehlCookParams {
        dt: 1.0,
        ..small_params(4, 2)
    };
    let err = DiehlCook::new(coarse, 1).unwrap_err().to_string();
    assert!(err.contains("tau_ge"), "{err}");
    assert!(err.contains("Euler"), "{err}");

    let odd = DiehlCookParams {
        presentation: 350.2,
        ..small_params(4, 2)
    };
    let err = DiehlCook::new(odd, 1).unwrap_err().to_string();
    assert!(
        err.contains("presentation") && err.contains("whole number"),
        "{err}"
    );
}

#[test]
fn labels_and_classification_by_mean_response() {
    // Three neurons, two classes. Neuron 0 responds to class 0, neuron 1 to class 1, and
    // neuron 2 never spikes.
    let counts = [4, 0, 0, 2, 1, 0, 0, 3, 0, 1, 5, 0];
    let classes = [0, 0, 1, 1];
    let labels = assign_labels(&counts, &classes, 3, 2).unwrap();
    assert_eq!(labels, vec![Some(0), Some(1), None]);
    assert_eq!(classify(&labels, &[1, 3, 9], 2), Some(1));
    assert_eq!(
        classify(&labels, &[2, 2, 0], 2),
        Some(0),
        "a tie goes to class 0"
    );
    assert_eq!(classify(&labels, &[0, 0, 7], 2), None);

    let evaluation = evaluate(&labels, &[3, 0, 0, 0, 2, 0, 0, 0, 1], &[0, 1, 1], 2).unwrap();
    assert!((evaluation.accuracy - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(evaluation.unassigned, 1);
    assert_eq!(evaluation.confusion[[0, 0]], 1);
    assert_eq!(evaluation.confusion[[1, 1]], 1);

    let err = assign_labels(&counts[..5], &classes, 3, 2)
        .unwrap_err()
        .to_string();
    assert!(err.contains("4 images × 3 neurons"), "{err}");
}

fn mnist_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("HEBBIAN_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
        .join("mnist");
    if dir.join("train-images-idx3-ubyte.gz").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("MNIST not found in {}; CI must provide it", dir.display());
    }
    eprintln!("skipped: MNIST not found in {}", dir.display());
    None
}

#[test]
fn small_network_beats_chance_on_mnist() {
    let Some(dir) = mnist_dir() else { return };
    let (train, train_labels) = read_labelled_images(
        &dir.join("train-images-idx3-ubyte.gz"),
        &dir.join("train-labels-idx1-ubyte.gz"),
    )
    .unwrap();
    let (test, test_labels) = read_labelled_images(
        &dir.join("t10k-images-idx3-ubyte.gz"),
        &dir.join("t10k-labels-idx1-ubyte.gz"),
    )
    .unwrap();
    let image = |pixels: &[u8], k: usize| -> Vec<f32> {
        pixels[k * 784..(k + 1) * 784]
            .iter()
            .map(|&p| f32::from(p) / 255.0)
            .collect()
    };
    let n_exc = 20;
    let mut net = DiehlCook::new(small_params(784, n_exc), 1).unwrap();
    for k in 0..1000 {
        net.present(&image(&train.pixels, k), Mode::Learn).unwrap();
    }
    let mut counts = Vec::new();
    for k in 1000..2000 {
        counts.extend(
            net.present(&image(&train.pixels, k), Mode::Frozen)
                .unwrap()
                .counts,
        );
    }
    let labels = assign_labels(&counts, &train_labels[1000..2000], n_exc, 10).unwrap();
    let mut test_counts = Vec::new();
    for k in 0..1000 {
        test_counts.extend(
            net.present(&image(&test.pixels, k), Mode::Frozen)
                .unwrap()
                .counts,
        );
    }
    let evaluation = evaluate(&labels, &test_counts, &test_labels[..1000], 10).unwrap();
    // Chance is 10 %; with 1000 test images one standard deviation of the accuracy is
    // at most 1.6 points, so 40 % is far outside anything a random labelling gives.
    assert!(
        evaluation.accuracy > 0.40,
        "accuracy {} on 1000 held-out images",
        evaluation.accuracy
    );
}

#[test]
fn potentials_bounded_under_massive_inhibition() {
    // Equal weights and no delays make every neuron spike in the same step. Then 29
    // inhibitory spikes of weight 5000 give dt (1 + g_i)/τ_m ≈ 40 even after the
    // refractory period, and a forward Euler step would oscillate with growing amplitude.
    let params = DiehlCookParams {
        w_inh_exc: 5000.0,
        max_delay: 0.0,
        ..small_params(64, 30)
    };
    let mut state = DiehlCook::new(params.clone(), 5).unwrap().state().unwrap();
    state.w.fill(params.weight_sum / 64.0);
    let mut net = DiehlCook::from_state(params.clone(), 5, state).unwrap();
    let mut spikes = vec![Vec::new(); 2000];
    DiehlCook::encode(
        &[1.0; 64],
        params.max_rate,
        params.dt,
        &mut rng::stream(1, 1),
        &mut spikes,
    )
    .unwrap();
    let low = params.exc.e_inh.min(params.exc.v_init);
    let mut fired = 0;
    for step in &spikes {
        fired += net
            .run_spikes(std::slice::from_ref(step), Mode::Learn)
            .unwrap()
            .len();
        for &v in net.v_exc() {
            assert!(
                v.is_finite() && v >= low && v <= params.exc.e_exc,
                "step {}: v = {v} mV outside [{low}, {}]",
                net.step(),
                params.exc.e_exc
            );
        }
    }
    assert!(fired >= 30, "the neurons must fire, got {fired} spikes");
}
