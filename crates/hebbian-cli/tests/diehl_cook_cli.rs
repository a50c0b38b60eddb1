//! The diehl-cook experiment from the command line: a shortened built-in run and its
//! outputs, a run stopped and resumed from its checkpoint, and the errors for bad keys,
//! bad checkpoints and missing data.

mod common;

use std::path::Path;

use assert_cmd::Command;
use ndarray::{Array1, Array2};

use common::{hebbian, mnist_dir, summary};

/// Overrides that shrink the built-in to a run of a second or two.
const SMALL: &[&str] = &[
    "--set",
    "network.n_exc=10",
    "--set",
    "training.images=120",
    "--set",
    "training.label_images=100",
    "--set",
    "training.test_images=100",
    "--set",
    "training.checkpoint_every=50",
    "--set",
    "training.relabel_every=40",
    "--set",
    "training.running_accuracy_window=30",
];

/// Builds the command of a small diehl-cook run into `out` with extra arguments.
fn small_run(mnist: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut cmd = hebbian();
    cmd.args(["run", "diehl-cook", "-q", "--data"])
        .arg(mnist)
        .arg("--out")
        .arg(out)
        .args(SMALL)
        .args(extra);
    cmd
}

/// Runs `cmd`, asserts exit status 2 and returns stderr.
fn expect_input_error(cmd: &mut Command) -> String {
    let output = cmd.assert().code(2).get_output().clone();
    String::from_utf8(output.stderr).unwrap()
}

fn read_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn list_names_diehl_cook() {
    let output = hebbian()
        .arg("list")
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("diehl-cook ")),
        "diehl-cook missing from:\n{text}"
    );
}

#[test]
fn small_run_writes_outputs() {
    let Some(mnist) = mnist_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    small_run(&mnist, out, &[]).assert().success();

    let weights: Array2<f64> = ndarray_npy::read_npy(out.join("weights.npy")).unwrap();
    assert_eq!(weights.dim(), (10, 784));
    assert!(weights.iter().all(|&w| (0.0..=1.0).contains(&w)));
    let theta: Array1<f64> = ndarray_npy::read_npy(out.join("theta.npy")).unwrap();
    assert_eq!(theta.len(), 10);
    assert!(theta.iter().all(|t| t.is_finite()));
    assert!(theta.iter().all(|&t| t > 0.0));
    let labels: Array1<i64> = ndarray_npy::read_npy(out.join("neuron_labels.npy")).unwrap();
    assert_eq!(labels.len(), 10);
    assert!(labels.iter().all(|&l| (-1..10).contains(&l)));
    let predictions: Array1<i64> = ndarray_npy::read_npy(out.join("test_predictions.npy")).unwrap();
    assert_eq!(predictions.len(), 100);
    let confusion: Array2<u64> = ndarray_npy::read_npy(out.join("confusion.npy")).unwrap();
    assert_eq!(confusion.dim(), (10, 10));
    let label_counts: Array2<u32> = ndarray_npy::read_npy(out.join("label_counts.npy")).unwrap();
    assert_eq!(label_counts.dim(), (100, 10));
    let test_counts: Array2<u32> = ndarray_npy::read_npy(out.join("test_counts.npy")).unwrap();
    assert_eq!(test_counts.dim(), (100, 10));
    let csv = std::fs::read_to_string(out.join("confusion.csv")).unwrap();
    assert_eq!(csv.lines().count(), 11);
    for figure in [
        "receptive_fields.png",
        "receptive_fields.svg",
        "confusion.png",
        "confusion.svg",
    ] {
        assert!(out.join(figure).is_file(), "{figure} missing");
    }
    assert!(!out.join("checkpoint").exists(), "checkpoint left behind");

    let s = summary(out);
    let m = &s["metrics"];
    let accuracy = m["test_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&accuracy));
    let unassigned = m["test_unassigned"].as_u64().unwrap();
    assert_eq!(confusion.sum() + unassigned, 100);
    let unassigned_predictions = predictions.iter().filter(|&&p| p == -1).count() as u64;
    assert_eq!(unassigned_predictions, unassigned);
    assert_eq!(s["family"], "diehl-cook");
    assert_eq!(s["parameters"]["network"]["n_exc"], 10);
    assert_eq!(s["parameters"]["network"]["dt"], "0.5 ms");
    assert_eq!(s["training"]["images"], 120);
    assert!(s["training"]["attempts_mean"].as_f64().unwrap() >= 1.0);
    assert!(s["training"]["attempts_max"].as_u64().unwrap() <= 20);
    assert!(s["training"]["images_per_s"].as_f64().unwrap() > 0.0);
    assert_eq!(s["labelling"]["images"], 100);
    assert_eq!(s["test"]["images"], 100);
    // Blocks of 40 images: labels after image 40, block accuracies at 80 and 120.
    let history = s["training"]["running_accuracy"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["images"], 120);
    assert_eq!(s["training"]["running_accuracy_over"], 30);
}

#[test]
fn resumed_run_matches_uninterrupted() {
    let Some(mnist) = mnist_dir() else {
        return;
    };
    let whole = tempfile::tempdir().unwrap();
    small_run(&mnist, whole.path(), &[]).assert().success();

    // Stop between two checkpoints, then resume.
    let split = tempfile::tempdir().unwrap();
    small_run(&mnist, split.path(), &["--set", "training.stop_after=70"])
        .assert()
        .success();
    assert!(split.path().join("checkpoint/state.npz").is_file());
    assert!(split.path().join("checkpoint/checkpoint.json").is_file());
    assert!(!split.path().join("weights.npy").exists());
    small_run(&mnist, split.path(), &["--resume"])
        .assert()
        .success();

    for file in [
        "weights.npy",
        "theta.npy",
        "neuron_labels.npy",
        "test_counts.npy",
    ] {
        assert!(
            read_bytes(&whole.path().join(file)) == read_bytes(&split.path().join(file)),
            "{file} differs after resuming"
        );
    }
    let a = summary(whole.path());
    let b = summary(split.path());
    assert_eq!(a["metrics"]["test_accuracy"], b["metrics"]["test_accuracy"]);
    assert_eq!(
        a["training"]["running_accuracy"],
        b["training"]["running_accuracy"]
    );
    assert_eq!(
        a["training"]["presentations"],
        b["training"]["presentations"]
    );
    assert_eq!(b["training"]["resumed_at"], 70);
    assert_eq!(b["training"]["images"], 120);
}

#[test]
fn resume_rejects_changed_parameters() {
    let Some(mnist) = mnist_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    small_run(&mnist, dir.path(), &["--set", "training.stop_after=20"])
        .assert()
        .success();

    let stderr = expect_input_error(&mut small_run(
        &mnist,
        dir.path(),
        &["--resume", "--set", "network.nu_post=0.02"],
    ));
    assert!(stderr.contains("`network.nu_post`"), "{stderr}");
    let stderr = expect_input_error(&mut small_run(
        &mnist,
        dir.path(),
        &["--resume", "--seed", "9"],
    ));
    assert!(stderr.contains("`seed`"), "{stderr}");
    let stderr = expect_input_error(&mut small_run(
        &mnist,
        dir.path(),
        &["--resume", "--set", "training.stop_after=10"],
    ));
    assert!(stderr.contains("training.stop_after"), "{stderr}");

    // A fresh run must not overwrite the checkpoint.
    let stderr = expect_input_error(&mut small_run(&mnist, dir.path(), &[]));
    assert!(stderr.contains("--resume"), "{stderr}");
}

#[test]
fn resume_without_checkpoint_explains() {
    let Some(mnist) = mnist_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let stderr = expect_input_error(&mut small_run(&mnist, dir.path(), &["--resume"]));
    assert!(stderr.contains("no checkpoint"), "{stderr}");
    assert!(stderr.contains("without --resume"), "{stderr}");
}

#[test]
fn corrupt_checkpoint_explains() {
    let Some(mnist) = mnist_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    small_run(&mnist, dir.path(), &["--set", "training.stop_after=10"])
        .assert()
        .success();
    let state = dir.path().join("checkpoint/state.npz");
    let bytes = read_bytes(&state);
    std::fs::write(&state, &bytes[..bytes.len() / 2]).unwrap();

    let stderr = expect_input_error(&mut small_run(&mnist, dir.path(), &["--resume"]));
    assert!(stderr.contains("corrupt"), "{stderr}");
    assert!(stderr.contains("state.npz"), "{stderr}");
    assert!(stderr.contains("without --resume"), "{stderr}");
}

#[test]
fn unknown_key_rejected() {
    let mut cmd = hebbian();
    cmd.args(["run", "diehl-cook", "--set", "network.tau_x=\"1 ms\""]);
    let stderr = expect_input_error(&mut cmd);
    assert!(stderr.contains("tau_x"), "{stderr}");
    assert!(stderr.contains("`network"), "{stderr}");
}

#[test]
fn bad_values_name_key() {
    for (assignment, key, hint) in [
        ("network.dt=0.5", "network.dt", "\"0.5 ms\""),
        ("training.epochs=0", "training.epochs", ">= 1"),
        ("network.exc.tau_ge=\"0.25 ms\"", "network.exc.tau_ge", "dt"),
        ("network.n_exc=0", "network.n_exc", "between 1"),
        ("network.max_rate=\"3 kHz\"", "network", "max_rate"),
    ] {
        let mut cmd = hebbian();
        cmd.args(["run", "diehl-cook", "--set", assignment]);
        let stderr = expect_input_error(&mut cmd);
        assert!(stderr.contains(key), "{assignment}: {stderr}");
        assert!(stderr.contains(hint), "{assignment}: {stderr}");
    }
}

#[test]
fn resume_rejected_for_other_families() {
    let mut cmd = hebbian();
    cmd.args(["run", "hebb-runaway", "--resume"]);
    let stderr = expect_input_error(&mut cmd);
    assert!(stderr.contains("--resume"), "{stderr}");
    assert!(stderr.contains("diehl-cook"), "{stderr}");
}

#[test]
fn missing_data_explains() {
    let mut cmd = hebbian();
    cmd.args(["run", "diehl-cook", "-q"]);
    let stderr = expect_input_error(&mut cmd);
    assert!(stderr.contains("--data"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-mnist-here");
    let mut cmd = hebbian();
    cmd.args(["run", "diehl-cook", "-q", "--data"])
        .arg(&missing)
        .arg("--out")
        .arg(dir.path().join("out"));
    let stderr = expect_input_error(&mut cmd);
    assert!(stderr.contains("no-mnist-here"), "{stderr}");
    assert!(stderr.contains("not found"), "{stderr}");
}
