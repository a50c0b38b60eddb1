//! The spiking experiments of the `hebbian` command line, end to end: the three
//! built-ins, their outputs and summaries, and the errors for quantities without units,
//! unknown keys and malformed measured points.

mod common;

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};
use predicates::prelude::*;

use common::{hebbian, summary};

/// The digitised Bi & Poo (1998) points, or `None` (a failure under `CI=true`).
fn bi_poo_points() -> Option<PathBuf> {
    let root = std::env::var_os("HEBBIAN_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let path = root.join("stdp/bi_poo_1998_fig7_digitized.csv");
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "data file {} missing (set HEBBIAN_DATA)",
        path.display()
    );
    eprintln!("skipped: {} not found", path.display());
    None
}

/// Writes `text` as an experiment file in a new folder.
fn experiment_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("experiment.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

const SMALL_NETWORK: &str = r#"
family = "spiking"
name = "small"
seed = 3

[run]
duration = "200 ms"

[groups.inputs]
kind = "poisson"
n = 20
rate = "50 Hz"

[groups.neurons]
kind = "lif"
n = 5
tau_m = "20 ms"

[synapses.input]
pre = "inputs"
post = "neurons"
connect = "all-to-all"
weight = 2.0
"#;

#[test]
fn list_names_spiking_builtins() {
    let output = hebbian()
        .arg("list")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    for name in ["tutorial-stdp", "song2000", "stdp-window"] {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} missing from:\n{text}"
        );
    }
}

#[test]
fn tutorial_stdp_reports_no_spikes() {
    let dir = tempfile::tempdir().unwrap();
    hebbian()
        .args(["run", "tutorial-stdp", "--set", "run.duration=2 s", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("group `neurons` fired no spikes"))
        .stderr(predicate::str::contains("never changed"))
        .stderr(predicate::str::contains("raise the weight"))
        .stderr(predicate::str::contains("plasticity.w_max=16"));

    let s = summary(dir.path());
    assert_eq!(s["groups"]["neurons"]["spikes"], 0);
    assert_eq!(s["groups"]["neurons"]["silent_neurons"], 1000);
    assert!(s["groups"]["inputs"]["spikes"].as_u64().unwrap() > 1000);
    assert_eq!(s["synapses"]["input"]["weights_changed"], 0);
    let warnings = s["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].as_str().unwrap().contains("below the 15 mV"));

    // weights of the first 100 synapses at every step, streamed to .npy
    let w: Array2<f64> = ndarray_npy::read_npy(dir.path().join("weights.npy")).unwrap();
    let t: Array1<f64> = ndarray_npy::read_npy(dir.path().join("weights_t_ms.npy")).unwrap();
    assert_eq!(w.dim(), (20_000, 100));
    assert_eq!(t.len(), 20_000);
    assert!(w.iter().all(|&v| v == 0.5));
    for file in [
        "neuron_spikes.npz",
        "input_spikes.npz",
        "neuron_rate.npz",
        "synapses_input.npz",
        "raster_input_spikes.png",
        "weights.png",
        "weight_histogram_input.svg",
    ] {
        assert!(dir.path().join(file).is_file(), "{file} missing");
    }
}

#[test]
fn tutorial_stdp_learns_with_stronger_weights() {
    // the remedy the warning suggests: about 7.5 mV per spike, with w_max above it,
    // makes the neurons fire
    let dir = tempfile::tempdir().unwrap();
    hebbian()
        .args(["run", "tutorial-stdp", "-q"])
        .args([
            "--set",
            "run.duration=2 s",
            "--set",
            "synapses.input.weight=8",
            "--set",
            "synapses.input.plasticity.w_max=16",
        ])
        .args(["--set", "monitors.weights.interval=10 ms", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("fired no spikes").not());
    let s = summary(dir.path());
    assert!(s["groups"]["neurons"]["spikes"].as_u64().unwrap() > 0);
    assert!(s["synapses"]["input"]["weights_changed"].as_u64().unwrap() > 0);
}

#[test]
fn song2000_weights_become_bimodal() {
    let dir = tempfile::tempdir().unwrap();
    hebbian()
        .args(["run", "song2000", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("bottom tenth"));
    let s = summary(dir.path());
    let input = &s["synapses"]["input"];
    assert_eq!(input["bimodal"], true);
    let bottom = input["fraction_bottom_tenth"].as_f64().unwrap();
    let top = input["fraction_top_tenth"].as_f64().unwrap();
    let middle = input["mean_fraction_per_middle_tenth"].as_f64().unwrap();
    assert!(bottom > 2.0 * middle, "bottom {bottom}, middle {middle}");
    assert!(top > 2.0 * middle, "top {top}, middle {middle}");
    // the output rate falls as the weights compete
    let rate = &s["monitors"]["output_rate"];
    let first = rate["mean_first_tenth_hz"].as_f64().unwrap();
    let last = rate["mean_last_tenth_hz"].as_f64().unwrap();
    assert!(last < first, "rate from {first} Hz to {last} Hz");
    for file in [
        "weight_histogram_input.png",
        "output_rate.png",
        "output_rate.npz",
    ] {
        assert!(dir.path().join(file).is_file(), "{file} missing");
    }
}

#[test]
fn stdp_window_against_measured_points() {
    let Some(points) = bi_poo_points() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    hebbian()
        .args(["run", "stdp-window", "--data"])
        .arg(&points)
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("RMS error"));
    let s = summary(dir.path());
    assert!(s["measured"]["points"].as_u64().unwrap() > 40);
    for rule in ["pair", "triplet"] {
        let r = &s["rules"][rule];
        assert!(r["at_plus_10_ms"].as_f64().unwrap() > 0.0, "{rule}");
        assert!(r["at_minus_10_ms"].as_f64().unwrap() < 0.0, "{rule}");
        assert!(
            r["measured_points_compared"].as_u64().unwrap() > 40,
            "{rule}"
        );
    }
    // pair rule: 60 pairs at +10 ms give 60 · 0.0131 · e^{−10/16.8} = 43.3 % (pairs 1 s
    // apart do not interact measurably)
    let pair = s["rules"]["pair"]["at_plus_10_ms"].as_f64().unwrap();
    let expected = 100.0 * 60.0 * 0.0131 * (-10.0_f64 / 16.8).exp();
    assert!((pair - expected).abs() < 0.1, "{pair} against {expected}");
    for file in ["window.npz", "measured.npz", "window.png", "window.svg"] {
        assert!(dir.path().join(file).is_file(), "{file} missing");
    }
}

#[test]
fn stdp_window_rejects_malformed_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("points.csv");
    std::fs::write(&csv, "-10.0, -20.5\n5.0, 40.0\n7.5; 31\n").unwrap();
    hebbian()
        .args(["run", "stdp-window", "--data"])
        .arg(&csv)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 3"))
        .stderr(predicate::str::contains("delta_t_ms, percent_change"));
}

#[test]
fn bare_number_shows_expected_unit() {
    let text = SMALL_NETWORK.replace("tau_m = \"20 ms\"", "tau_m = 20");
    let (_dir, path) = experiment_file(&text);
    hebbian()
        .arg("run")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("groups.neurons.tau_m"))
        .stderr(predicate::str::contains("\"20 ms\""));
}

#[test]
fn bare_number_in_set_is_rejected() {
    let (dir, path) = experiment_file(SMALL_NETWORK);
    hebbian()
        .arg("run")
        .arg(&path)
        .args(["--set", "groups.inputs.rate=20", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("groups.inputs.rate"))
        .stderr(predicate::str::contains("\"10 Hz\""))
        .stderr(predicate::str::contains("after --set"));
}

#[test]
fn wrong_unit_and_unknown_key() {
    let text = SMALL_NETWORK.replace("rate = \"50 Hz\"", "rate = \"50 ms\"");
    let (_dir, path) = experiment_file(&text);
    hebbian()
        .arg("run")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("groups.inputs.rate"))
        .stderr(predicate::str::contains("unknown unit \"ms\""));

    let text = SMALL_NETWORK.replace("tau_m = \"20 ms\"", "tau = \"20 ms\"");
    let (_dir, path) = experiment_file(&text);
    hebbian()
        .arg("run")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("groups.neurons"))
        .stderr(predicate::str::contains("unknown field `tau`"));
}

#[test]
fn small_network_runs_and_repeats() {
    let (dir, path) = experiment_file(SMALL_NETWORK);
    let run = |out: &str| {
        hebbian()
            .arg("run")
            .arg(&path)
            .args(["-q", "--out"])
            .arg(dir.path().join(out))
            .assert()
            .success();
        summary(&dir.path().join(out))
    };
    let (a, b) = (run("a"), run("b"));
    assert_eq!(a["groups"], b["groups"]);
    assert!(a["groups"]["neurons"]["spikes"].as_u64().unwrap() > 0);
}

#[test]
fn poisson_rate_too_high_rejected() {
    // dt = 0.1 ms allows rates below 10 kHz. The error must come before any output.
    let text = SMALL_NETWORK.replace("rate = \"50 Hz\"", "rate = \"10 kHz\"");
    let (dir, path) = experiment_file(&text);
    let out = dir.path().join("out");
    hebbian()
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("groups.inputs.rate"))
        .stderr(predicate::str::contains("below 1/dt = 10000 Hz"))
        .stderr(predicate::str::contains("lower the rate or the step"));
    assert!(!out.exists(), "an output folder was left behind");
}

#[test]
fn stdp_window_rejects_missing_data_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("points.csv");
    hebbian()
        .args(["run", "stdp-window", "--data"])
        .arg(&missing)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("points.csv not found"));
}

#[test]
fn spike_files_contain_steps() {
    let (dir, path) = experiment_file(&format!(
        "{SMALL_NETWORK}\n[monitors.spikes]\nkind = \"spikes\"\ngroup = \"neurons\"\n"
    ));
    let out = dir.path().join("out");
    hebbian()
        .arg("run")
        .arg(&path)
        .args(["-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    let file = std::fs::File::open(out.join("spikes.npz")).unwrap();
    let mut npz = ndarray_npy::NpzReader::new(file).unwrap();
    let step: Array1<i64> = npz.by_name("step").unwrap();
    let t_ms: Array1<f64> = npz.by_name("t_ms").unwrap();
    assert!(!step.is_empty(), "no spikes to check");
    assert_eq!(step.len(), t_ms.len());
    for (&s, &t) in step.iter().zip(&t_ms) {
        assert!((s as f64 * 0.1 - t).abs() < 1e-9, "step {s} at {t} ms");
    }
}
