//! The Diehl & Cook network against an independent Brian2 model of it.
//!
//! `tests/fixtures/brian2/diehl_cook_synthetic.json` was written by
//! `scripts/diehl_cook_brian2.py` in Brian2 2.9.0 with NumPy 2.3.5 (NumPy code
//! generation): the network with 100 excitatory neurons, trained on eight synthetic
//! images, with the linearly implicit step for `v` that the module documentation states.
//! Initial weights, delays and input spikes come from an integer hash that both programs
//! compute, so the test needs neither Python nor a data set. The test builds the network
//! with `DiehlCook::from_state`, runs every attempt with `run_spikes` (presentation, then
//! rest, then normalization, repeated while an image draws too few spikes, as
//! `DiehlCook::present` does) and requires the same excitatory spikes in every attempt.
//! After the run, θ and the potentials must agree within [`THETA_TOLERANCE`] and
//! [`V_TOLERANCE`], and two per-neuron digests of the weights within [`DIGEST_TOLERANCE`].
//!
//! The script's docstring describes the hash and the fixture format.

use std::path::Path;

use hebbian::spiking::diehl_cook::{DiehlCook, DiehlCookParams, DiehlCookState, Mode, NEVER};
use serde::Deserialize;

/// Absolute tolerance for θ in mV. θ decays by `e^{−dt/τ_θ}` per step in hebbian and by
/// `1 − dt/τ_θ` in Brian2, so after the run's 14 000 steps they differ by 3.7e-10 mV.
const THETA_TOLERANCE: f64 = 1e-8;
/// Absolute tolerance for the final potentials in mV (measured: 5.1e-13).
const V_TOLERANCE: f64 = 1e-10;
/// Absolute tolerance for the weight digests, sums of 784 terms (measured: 1.1e-13).
const DIGEST_TOLERANCE: f64 = 1e-12;

/// Tags of the hash streams, as in `scripts/diehl_cook_brian2.py`.
const WEIGHT_TAG: u64 = 1;
const DELAY_TAG: u64 = 2;
const INPUT_TAG: u64 = 3;
const DIGEST_TAG: u64 = 4;

#[derive(Deserialize)]
struct Fixture {
    name: String,
    generated_by: GeneratedBy,
    scheme: String,
    network: NetworkSpec,
    /// Per image, its non-zero pixels as `(pixel, level)` with levels 1 to 255.
    images: Vec<Vec<(u32, u32)>>,
    attempts: Vec<Attempt>,
    #[serde(rename = "final")]
    end: FinalState,
}

#[derive(Deserialize)]
struct GeneratedBy {
    brian2: String,
    codegen_target: String,
}

#[derive(Deserialize)]
struct NetworkSpec {
    n_input: usize,
    n_exc: usize,
    dt_ms: f64,
    presentation_steps: usize,
    rest_steps: usize,
    #[serde(rename = "max_rate_Hz")]
    max_rate: f64,
    #[serde(rename = "rate_step_Hz")]
    rate_step: f64,
    min_spikes: u32,
    max_attempts: u32,
    weight_sum: f64,
}

#[derive(Deserialize)]
struct Attempt {
    image: usize,
    retry: u32,
    #[serde(rename = "rate_Hz")]
    rate: f64,
    start_step: u64,
    input_spikes: usize,
    /// Sum of `step · n_input + input` over the input spikes, steps from the attempt's start.
    input_checksum: u64,
    presentation_spikes: usize,
    /// `(step, neuron)` over the presentation and the rest, steps from the start of the run.
    exc_spikes: Vec<(u64, u32)>,
}

#[derive(Deserialize)]
struct FinalState {
    steps: u64,
    #[serde(rename = "theta_mV")]
    theta: Vec<f64>,
    #[serde(rename = "v_exc_mV")]
    v_exc: Vec<f64>,
    #[serde(rename = "v_inh_mV")]
    v_inh: Vec<f64>,
    w_sq_sum: Vec<f64>,
    w_projection: Vec<f64>,
}

fn load() -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/brian2/diehl_cook_synthetic.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("failed to read {}: {e}", path.display()));
    let fixture: Fixture = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("failed to parse {}: {e}", path.display()));
    assert_eq!(fixture.name, "diehl_cook_synthetic");
    assert_eq!(fixture.generated_by.brian2, "2.9.0");
    assert_eq!(fixture.generated_by.codegen_target, "numpy");
    assert_eq!(
        fixture.scheme, "implicit",
        "the fixture must come from the implicit scheme, which hebbian uses"
    );
    fixture
}

/// Applies SplitMix64's increment and finalizer, the hash that the script uses.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Returns a uniform number in [0, 1) for a tag and an index below 2^56. The top 53 bits
/// of the hash convert to f64 exactly, so the script gets the same number.
fn uniform(tag: u64, index: u64) -> f64 {
    (splitmix64((tag << 56) | index) >> 11) as f64 * 2f64.powi(-53)
}

/// Returns the default parameters after checking that the fixture's network uses them.
fn params_for(spec: &NetworkSpec) -> DiehlCookParams {
    let params = DiehlCookParams::default();
    assert_eq!(spec.n_input, params.n_input, "n_input");
    assert_eq!(spec.n_exc, params.n_exc, "n_exc");
    assert_eq!(spec.dt_ms, params.dt, "dt");
    assert_eq!(
        spec.presentation_steps as f64 * params.dt,
        params.presentation,
        "presentation"
    );
    assert_eq!(spec.rest_steps as f64 * params.dt, params.rest, "rest");
    assert_eq!(spec.max_rate, params.max_rate, "max_rate");
    assert_eq!(spec.rate_step, params.rate_step, "rate_step");
    assert_eq!(spec.min_spikes, params.min_spikes, "min_spikes");
    assert_eq!(spec.max_attempts, params.max_attempts, "max_attempts");
    assert_eq!(spec.weight_sum, params.weight_sum, "weight_sum");
    params
}

/// Builds the network at step 0 with the script's initial weights and delays, normalized.
fn initial_network(params: &DiehlCookParams) -> DiehlCook {
    let (n_exc, n_input) = (params.n_exc, params.n_input);
    let n_syn = (n_exc * n_input) as u64;
    let delay_steps = params.max_delay / params.dt;
    let max_delay = params.max_delay_steps();
    assert_eq!(delay_steps, 20.0, "the script draws delays below 20 steps");
    let w = (0..n_syn)
        .map(|s| params.w_init_scale * (uniform(WEIGHT_TAG, s) + params.w_init_offset))
        .collect();
    let delays = (0..n_syn)
        .map(|s| ((uniform(DELAY_TAG, s) * delay_steps).floor() as usize).min(max_delay) as u16)
        .collect();
    let state = DiehlCookState {
        step: 0,
        presentations: 0,
        w,
        delays,
        last_pre: vec![NEVER; n_exc * n_input],
        v_exc: vec![params.exc.v_init; n_exc],
        ge_exc: vec![0.0; n_exc],
        gi_exc: vec![0.0; n_exc],
        theta: vec![params.theta_init; n_exc],
        ref_end_exc: vec![0; n_exc],
        last_post: vec![NEVER; n_exc],
        v_inh: vec![params.inh.v_init; n_exc],
        ge_inh: vec![0.0; n_exc],
        gi_inh: vec![0.0; n_exc],
        ref_end_inh: vec![0; n_exc],
    };
    let mut net = DiehlCook::from_state(params.clone(), 0, state).unwrap();
    net.normalize();
    net
}

/// Draws the input spikes of attempt `attempt` (counted over the whole run) for the
/// presentation's steps, and returns them with their count and checksum.
fn input_spikes(
    image: &[(u32, u32)],
    attempt: usize,
    rate: f64,
    params: &DiehlCookParams,
    steps: usize,
) -> (Vec<Vec<u32>>, usize, u64) {
    let n_input = params.n_input as u64;
    let mut spikes = vec![Vec::new(); steps];
    let mut count = 0;
    let mut checksum = 0;
    for (step, inputs) in spikes.iter_mut().enumerate() {
        let row = (attempt * steps + step) as u64 * n_input;
        for &(pixel, level) in image {
            // Same operation order as the script, so that both get the same probability.
            let p = f64::from(level) / 255.0 * rate * params.dt / 1000.0;
            if uniform(INPUT_TAG, row + u64::from(pixel)) < p {
                inputs.push(pixel);
                count += 1;
                checksum += step as u64 * n_input + u64::from(pixel);
            }
        }
    }
    (spikes, count, checksum)
}

/// Asserts that two vectors agree within `tolerance`, naming the first neuron that does
/// not, and returns the largest difference.
fn assert_close(label: &str, ours: &[f64], brian2: &[f64], tolerance: f64) -> f64 {
    assert_eq!(ours.len(), brian2.len(), "{label}: length");
    let mut max_deviation = 0.0_f64;
    for (j, (&a, &b)) in ours.iter().zip(brian2).enumerate() {
        let deviation = (a - b).abs();
        assert!(
            deviation <= tolerance,
            "{label} of neuron {j}: hebbian {a}, Brian2 {b} (difference {deviation:e})"
        );
        max_deviation = max_deviation.max(deviation);
    }
    eprintln!("{label}: max deviation {max_deviation:e}");
    max_deviation
}

#[test]
fn synthetic_training_matches_brian2() {
    let fixture = load();
    let spec = &fixture.network;
    let params = params_for(spec);
    let mut net = initial_network(&params);
    let rest = vec![Vec::new(); spec.rest_steps];

    let mut attempt = 0;
    for (image_index, image) in fixture.images.iter().enumerate() {
        for retry in 0..params.max_attempts {
            let expected = fixture.attempts.get(attempt).unwrap_or_else(|| {
                panic!(
                    "hebbian made attempt {attempt} (image {image_index}), but Brian2 made only {}",
                    fixture.attempts.len()
                )
            });
            assert_eq!(
                (expected.image, expected.retry),
                (image_index, retry),
                "image and retry of attempt {attempt}"
            );
            let rate = params.max_rate + f64::from(retry) * params.rate_step;
            assert_eq!(rate, expected.rate, "rate of attempt {attempt}");
            assert_eq!(
                net.step(),
                expected.start_step,
                "start step of attempt {attempt}"
            );

            let (inputs, count, checksum) =
                input_spikes(image, attempt, rate, &params, spec.presentation_steps);
            assert_eq!(
                (count, checksum),
                (expected.input_spikes, expected.input_checksum),
                "input spikes of attempt {attempt}: (count, checksum) differ from the script's"
            );

            let mut spikes = net.run_spikes(&inputs, Mode::Learn).unwrap();
            let presentation_spikes = spikes.len();
            spikes.extend(net.run_spikes(&rest, Mode::Learn).unwrap());
            net.normalize();
            spikes.sort_unstable();
            assert_eq!(
                spikes, expected.exc_spikes,
                "excitatory spikes (step, neuron) of attempt {attempt}, image {image_index}, retry {retry}"
            );
            assert_eq!(presentation_spikes, expected.presentation_spikes);

            attempt += 1;
            if presentation_spikes >= params.min_spikes as usize {
                break;
            }
        }
    }
    assert_eq!(
        attempt,
        fixture.attempts.len(),
        "number of attempts over the run"
    );
    let total: usize = fixture.attempts.iter().map(|a| a.exc_spikes.len()).sum();
    eprintln!("{attempt} attempts, {total} excitatory spikes, all identical");

    let end = &fixture.end;
    assert_eq!(net.step(), end.steps, "steps at the end of the run");
    let state = net.state().unwrap();
    assert_close("theta (mV)", &state.theta, &end.theta, THETA_TOLERANCE);
    assert_close("v_exc (mV)", &state.v_exc, &end.v_exc, V_TOLERANCE);
    assert_close("v_inh (mV)", &state.v_inh, &end.v_inh, V_TOLERANCE);

    let coefficients: Vec<f64> = (0..spec.n_input as u64)
        .map(|i| uniform(DIGEST_TAG, i))
        .collect();
    let rows: Vec<&[f64]> = state.w.chunks(spec.n_input).collect();
    let sq_sum: Vec<f64> = rows
        .iter()
        .map(|row| row.iter().map(|w| w * w).sum())
        .collect();
    let projection: Vec<f64> = rows
        .iter()
        .map(|row| row.iter().zip(&coefficients).map(|(w, c)| w * c).sum())
        .collect();
    assert_close("sum of w²", &sq_sum, &end.w_sq_sum, DIGEST_TOLERANCE);
    assert_close(
        "weight projection",
        &projection,
        &end.w_projection,
        DIGEST_TOLERANCE,
    );
}
