//! The Hopfield and competitive-learning experiments from the command line: shortened
//! built-in runs, experiment files with pattern files, and the errors for bad patterns
//! and bad keys.

mod common;

use std::path::{Path, PathBuf};

use ndarray::{Array2, Array3};
use serde_json::Value;

use common::{hebbian, mnist_dir, summary};

/// Runs `args` and returns stderr, asserting exit status 2.
fn input_error(args: &[&str]) -> String {
    let output = hebbian().args(args).assert().code(2).get_output().clone();
    String::from_utf8(output.stderr).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const FILE_EXPERIMENT: &str = r#"
family = "hopfield"
name = "letters"
seed = 3

[patterns]
source = "file"
path = "patterns.txt"
image_shape = [4, 4]

[storage]
rules = ["hebbian", "pseudo-inverse"]

[[cues]]
kind = "flip"
fraction = 0.125

[[cues]]
kind = "mask"
half = "lower"
"#;

const PATTERNS: &str = "# three 4x4 images, 0/1 encoded\n\
1 1 1 1  1 0 0 1  1 0 0 1  1 1 1 1\n\
0 1 1 0  0 1 1 0  0 1 1 0  0 1 1 0\n\
1 0 0 0  0 1 0 0  0 0 1 0  0 0 0 1\n";

#[test]
fn list_names_memory_builtins() {
    let output = hebbian()
        .arg("list")
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(output.stdout).unwrap();
    for name in [
        "hopfield-capacity",
        "hopfield-mnist",
        "competitive-mnist",
        "som-mnist",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} missing from:\n{text}"
        );
    }
}

#[test]
fn hopfield_capacity_shortened() {
    let dir = tempfile::tempdir().unwrap();
    hebbian()
        .args(["run", "hopfield-capacity", "--seed", "2", "--out"])
        .arg(dir.path())
        .args([
            "--set",
            "patterns.n_units=300",
            "--set",
            "capacity.load_step=0.05",
        ])
        .args([
            "--set",
            "capacity.load_start=0.05",
            "--set",
            "capacity.max_cues=30",
        ])
        .assert()
        .success();
    for file in [
        "capacity.csv",
        "capacity.npz",
        "capacity.png",
        "capacity.svg",
        "summary.json",
    ] {
        assert!(dir.path().join(file).is_file(), "{file} missing");
    }
    let s = summary(dir.path());
    assert_eq!(s["seed"], 2);
    assert_eq!(s["loads"].as_array().unwrap().len(), 6);

    // 3 rules x 6 loads, plus the header.
    let csv = std::fs::read_to_string(dir.path().join("capacity.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3 * 6);
    let mean = |rule: &str, load: f64| {
        s["table"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == rule && (r["load"].as_f64().unwrap() - load).abs() < 1e-9)
            .unwrap()["mean_overlap"]
            .as_f64()
            .unwrap()
    };
    assert!(mean("hebbian", 0.05) > 0.95);
    assert!(mean("hebbian", 0.3) < 0.6);
    assert!(mean("pseudo-inverse", 0.3) > 0.95);
}

#[test]
fn hopfield_file_patterns_recall() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "patterns.txt", PATTERNS);
    let experiment = write(dir.path(), "letters.toml", FILE_EXPERIMENT);
    let out = dir.path().join("out");
    hebbian()
        .arg("run")
        .arg(&experiment)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let s = summary(&out);
    assert_eq!(s["n_patterns"], 3);
    assert_eq!(s["n_units"], 16);
    assert_eq!(s["rules"].as_array().unwrap().len(), 2);
    let cues: Array3<i8> = ndarray_npy::read_npy(out.join("cues.npy")).unwrap();
    assert_eq!(cues.dim(), (2, 3, 16));
    // The mask cue sets the lower two rows to -1.
    assert!(cues.slice(ndarray::s![1, .., 8..]).iter().all(|&v| v == -1));
    let recalled: Array3<i8> =
        ndarray_npy::read_npy(out.join("recalled_pseudo-inverse.npy")).unwrap();
    assert!(recalled.iter().all(|&v| v == 1 || v == -1));
    let csv = std::fs::read_to_string(out.join("recall.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 2 * 3);
    assert!(out.join("recall_hebbian.png").is_file());
}

#[test]
fn hopfield_mnist_on_real_data() {
    let Some(mnist) = mnist_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let output = hebbian()
        .args(["run", "hopfield-mnist", "--data"])
        .arg(&mnist)
        .arg("--out")
        .arg(dir.path())
        .args(["--set", "patterns.digits=[0, 1, 7]"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("correlated"),
        "no correlation warning in:\n{stderr}"
    );
    let s = summary(dir.path());
    assert_eq!(s["n_units"], 784);
    assert_eq!(s["pattern_overlaps"].as_array().unwrap().len(), 3);
    for rule in s["rules"].as_array().unwrap() {
        let recalls = rule["recalls"].as_array().unwrap();
        assert_eq!(recalls.len(), 2 * 3);
        for recall in recalls {
            let m = recall["final_overlap"].as_f64().unwrap();
            assert!((-1.0..=1.0).contains(&m));
        }
    }
    for file in [
        "recall_hebbian.png",
        "recall_pseudo-inverse.svg",
        "patterns.npy",
    ] {
        assert!(dir.path().join(file).is_file(), "{file} missing");
    }
}

#[test]
fn competitive_mnist_shortened() {
    let Some(mnist) = mnist_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    hebbian()
        .args(["run", "competitive-mnist", "-q", "--data"])
        .arg(&mnist)
        .arg("--out")
        .arg(dir.path())
        .args([
            "--set",
            "data.train_limit=3000",
            "--set",
            "data.test_limit=1000",
        ])
        .args(["--set", "training.epochs=1"])
        .assert()
        .success();
    let s = summary(dir.path());
    let accuracy = s["metrics"]["test_accuracy"].as_f64().unwrap();
    assert!(accuracy > 0.6, "accuracy {accuracy}");
    assert!(s["metrics"]["dead_units"].is_u64());
    let confusion: Array2<u64> = ndarray_npy::read_npy(dir.path().join("confusion.npy")).unwrap();
    let assigned = 1000 - s["metrics"]["test_unassigned"].as_u64().unwrap();
    assert_eq!(confusion.sum(), assigned);
    let prototypes: Array2<f64> = ndarray_npy::read_npy(dir.path().join("prototypes.npy")).unwrap();
    assert_eq!(prototypes.dim(), (100, 784));
    assert!(dir.path().join("prototypes.png").is_file());
}

#[test]
fn competitive_conscience_runs() {
    let Some(mnist) = mnist_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    hebbian()
        .args(["run", "competitive-mnist", "-q", "--data"])
        .arg(&mnist)
        .arg("--out")
        .arg(dir.path())
        .args([
            "--set",
            "model.n_units=20",
            "--set",
            "model.conscience.bias_factor=100",
        ])
        .args([
            "--set",
            "data.train_limit=2000",
            "--set",
            "data.test_limit=500",
        ])
        .args([
            "--set",
            "training.epochs=1",
            "--set",
            "output.figures=false",
        ])
        .assert()
        .success();
    let s = summary(dir.path());
    assert_eq!(s["parameters"]["model"]["conscience"]["bias_factor"], 100.0);
    assert_eq!(
        s["parameters"]["model"]["conscience"]["frequency_rate"],
        1e-4
    );
}

#[test]
fn som_mnist_shortened() {
    let Some(mnist) = mnist_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    hebbian()
        .args(["run", "som-mnist", "-q", "--data"])
        .arg(&mnist)
        .arg("--out")
        .arg(dir.path())
        .args(["--set", "model.grid=[4, 5]", "--set", "training.epochs=1"])
        .args([
            "--set",
            "data.train_limit=2000",
            "--set",
            "data.test_limit=500",
        ])
        .assert()
        .success();
    let u: Array2<f64> = ndarray_npy::read_npy(dir.path().join("u_matrix.npy")).unwrap();
    assert_eq!(u.dim(), (4, 5));
    assert!(u.iter().all(|v| v.is_finite() && *v >= 0.0));
    for file in ["prototypes.png", "u_matrix.png", "confusion.svg"] {
        assert!(dir.path().join(file).is_file(), "{file} missing");
    }
    let s = summary(dir.path());
    assert!(s["metrics"]["test_accuracy"].as_f64().unwrap() > 0.5);
}

#[test]
fn competitive_without_data_explains() {
    let stderr = input_error(&["run", "som-mnist"]);
    assert!(stderr.contains("--data"), "{stderr}");
}

#[test]
fn pattern_file_bad_value() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "patterns.txt", "1 -1 1 1\n1 2 -1 1\n");
    let experiment = write(
        dir.path(),
        "e.toml",
        &FILE_EXPERIMENT.replace("[4, 4]", "[2, 2]"),
    );
    let stderr = input_error(&["run", experiment.to_str().unwrap()]);
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(stderr.contains("value 2"), "{stderr}");
}

#[test]
fn pattern_file_mismatched_sizes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "patterns.txt", "1 -1 1 1\n1 -1 1\n");
    let experiment = write(
        dir.path(),
        "e.toml",
        &FILE_EXPERIMENT.replace("[4, 4]", "[2, 2]"),
    );
    let stderr = input_error(&["run", experiment.to_str().unwrap()]);
    assert!(stderr.contains("same size"), "{stderr}");
}

#[test]
fn pattern_file_empty() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "patterns.txt", "# nothing here\n\n");
    let experiment = write(dir.path(), "e.toml", FILE_EXPERIMENT);
    let stderr = input_error(&["run", experiment.to_str().unwrap()]);
    assert!(stderr.contains("no patterns"), "{stderr}");
}

#[test]
fn pattern_file_shape_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "patterns.txt", PATTERNS);
    let experiment = write(
        dir.path(),
        "e.toml",
        &FILE_EXPERIMENT.replace("[4, 4]", "[3, 4]"),
    );
    let stderr = input_error(&["run", experiment.to_str().unwrap()]);
    assert!(stderr.contains("image_shape"), "{stderr}");
}

#[test]
fn unknown_keys_rejected() {
    let stderr = input_error(&["run", "hopfield-capacity", "--set", "recall.speed=3"]);
    assert!(stderr.contains("speed"), "{stderr}");
    let stderr = input_error(&["run", "som-mnist", "--set", "training.momentum=0.9"]);
    assert!(stderr.contains("momentum"), "{stderr}");
}

#[test]
fn wrong_kind_keys_rejected() {
    let stderr = input_error(&["run", "competitive-mnist", "--set", "model.grid=[2, 2]"]);
    assert!(stderr.contains("model.grid"), "{stderr}");
    assert!(stderr.contains("som"), "{stderr}");
    let stderr = input_error(&[
        "run",
        "som-mnist",
        "--set",
        "model.conscience.bias_factor=5",
    ]);
    assert!(stderr.contains("model.conscience"), "{stderr}");
}

#[test]
fn invalid_values_rejected() {
    let stderr = input_error(&[
        "run",
        "hopfield-capacity",
        "--set",
        "cues=[{ kind = \"mask\", half = \"lower\" }]",
    ]);
    assert!(stderr.contains("mask"), "{stderr}");
    let stderr = input_error(&[
        "run",
        "hopfield-capacity",
        "--set",
        "capacity.load_stop=1.5",
    ]);
    assert!(stderr.contains("capacity.load_stop"), "{stderr}");
    let stderr = input_error(&["run", "som-mnist", "--set", "training.eta=2"]);
    assert!(stderr.contains("training.eta"), "{stderr}");
    let stderr = input_error(&["run", "hopfield-mnist", "--set", "storage.rules=[\"oja\"]"]);
    assert!(stderr.contains("storage.rules"), "{stderr}");
}

#[test]
fn unknown_family_lists_families() {
    let stderr = input_error(&["run", "som-mnist", "--set", "family=spike"]);
    assert!(stderr.contains("hopfield"), "{stderr}");
    assert!(stderr.contains("competitive"), "{stderr}");
}

#[test]
fn time_recall_prints_json() {
    let output = hebbian()
        .args([
            "time-recall",
            "--units",
            "200",
            "--patterns",
            "10",
            "--repeats",
            "5",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(result["median_recall_s"].as_f64().unwrap() > 0.0);
    assert!(result["mean_overlap"].as_f64().unwrap() > 0.95);
    assert!(result["mean_sweeps"].as_f64().unwrap() <= 10.0);
}

/// Writes a black-and-white PNG of `rows` x `cols` pixels, white where `on(r, c)`.
fn write_png(path: &Path, rows: u32, cols: u32, on: impl Fn(u32, u32) -> bool) {
    use plotters::prelude::*;
    let root = BitMapBackend::new(path, (cols, rows)).into_drawing_area();
    for r in 0..rows {
        for c in 0..cols {
            let colour = if on(r, c) { WHITE } else { BLACK };
            root.draw_pixel((c as i32, r as i32), &colour).unwrap();
        }
    }
    root.present().unwrap();
}

const PNG_EXPERIMENT: &str = r#"
family = "hopfield"
name = "shapes"
seed = 1

[patterns]
source = "png"
files = ["cross.png", "frame.png"]

[storage]
rules = ["pseudo-inverse"]

[[cues]]
kind = "mask"
half = "right"
"#;

#[test]
fn hopfield_png_patterns_recall() {
    let dir = tempfile::tempdir().unwrap();
    write_png(&dir.path().join("cross.png"), 8, 8, |r, c| {
        r == c || r + c == 7
    });
    write_png(&dir.path().join("frame.png"), 8, 8, |r, c| {
        r % 7 == 0 || c % 7 == 0
    });
    let experiment = write(dir.path(), "shapes.toml", PNG_EXPERIMENT);
    let out = dir.path().join("out");
    hebbian()
        .arg("run")
        .arg(&experiment)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let s = summary(&out);
    assert_eq!(s["n_units"], 64);
    assert_eq!(s["n_patterns"], 2);
    assert!(out.join("recall_pseudo-inverse.png").is_file());
}

#[test]
fn png_patterns_of_different_sizes() {
    let dir = tempfile::tempdir().unwrap();
    write_png(&dir.path().join("cross.png"), 8, 8, |r, c| r == c);
    write_png(&dir.path().join("frame.png"), 6, 8, |r, _| r == 0);
    let experiment = write(dir.path(), "shapes.toml", PNG_EXPERIMENT);
    let stderr = input_error(&["run", experiment.to_str().unwrap()]);
    assert!(stderr.contains("same size"), "{stderr}");
}
