//! The `hebbian` command line, end to end: built-in runs, outputs, reproducibility, and
//! the errors for bad experiment files, options and data.

mod common;

use std::path::{Path, PathBuf};

use ndarray::Array2;
use predicates::prelude::*;
use serde_json::Value;

use common::{hebbian, summary};

fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// Folder of the shared data sets, or `None` (a failure under `CI=true`).
fn data_dir(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("HEBBIAN_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let dir = root.join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "data folder {} missing (set HEBBIAN_DATA)",
        dir.display()
    );
    eprintln!("skipped: {} not found", dir.display());
    None
}

#[test]
fn list_names_every_builtin() {
    let output = hebbian()
        .arg("list")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    for name in [
        "oriented-bars",
        "oriented-bars-sanger",
        "bcm-selectivity",
        "hebb-runaway",
        "mnist-pca",
        "natural-image-pca",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} missing from:\n{text}"
        );
    }
}

#[test]
fn oriented_bars_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    hebbian()
        .args(["run", "oriented-bars", "--seed", "7", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("5000 presentations"))
        .stderr(predicate::str::contains("same first principal component"));

    for file in [
        "weights.npy",
        "snapshots.npz",
        "trajectories.npz",
        "summary.json",
        "features.png",
        "features.svg",
        "weight_norms.png",
        "weight_norms.svg",
    ] {
        assert!(dir.path().join(file).is_file(), "{file} missing");
    }
    let weights: Array2<f64> = ndarray_npy::read_npy(dir.path().join("weights.npy")).unwrap();
    assert_eq!(weights.dim(), (4, 100));

    let s = summary(dir.path());
    assert_eq!(s["seed"], 7);
    assert_eq!(s["status"], "completed");
    assert_eq!(s["presentations"], 5000);
    assert_eq!(s["parameters"]["rule"]["eta"], 0.001);
    assert!(s["wall_time_s"].as_f64().unwrap() > 0.0);
    // Oja's rule: every active output near unit norm and along the first eigenvector.
    for (norm, cos) in floats(&s["metrics"]["weight_norms"])
        .iter()
        .zip(floats(&s["metrics"]["abs_cos"]))
    {
        assert!((norm - 1.0).abs() < 0.05, "norm {norm}");
        assert!(cos > 0.95, "|cos| {cos}");
    }
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn same_seed_same_weights() {
    let run = |seed: &str| {
        let dir = tempfile::tempdir().unwrap();
        hebbian()
            .args(["run", "oriented-bars-sanger", "-q", "--seed", seed, "--out"])
            .arg(dir.path())
            .assert()
            .success();
        std::fs::read(dir.path().join("weights.npy")).unwrap()
    };
    assert_eq!(run("3"), run("3"));
    assert_ne!(run("3"), run("4"));
}

#[test]
fn largest_seed_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_experiment(dir.path(), &MINIMAL.replace("seed = 1\n", ""));
    hebbian()
        .args(["run", "-q", "--seed", "18446744073709551615"])
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .success();
    assert_eq!(
        summary(&dir.path().join("out"))["seed"],
        18446744073709551615u64
    );
}

#[test]
fn hebb_runaway_stops_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    hebbian()
        .args(["run", "hebb-runaway", "-q", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains("diverged at presentation"))
        .stderr(predicate::str::contains("no stable fixed point"));
    let s = summary(dir.path());
    assert_eq!(s["status"], "diverged");
    assert!(s["presentations"].as_u64().unwrap() < 20_000);
    let norms = floats(&s["metrics"]["weight_norms"]);
    assert!(norms.iter().cloned().fold(0.0, f64::max) > 1e5, "{norms:?}");
}

#[test]
fn bcm_selectivity_reports_selective_outputs() {
    let dir = tempfile::tempdir().unwrap();
    hebbian()
        .args(["run", "bcm-selectivity", "-q", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let s = summary(dir.path());
    assert!(dir.path().join("theta.png").is_file());

    // θ is recorded from presentation 0, where it is θ_init = 1
    let file = std::fs::File::open(dir.path().join("trajectories.npz")).unwrap();
    let mut npz = ndarray_npy::NpzReader::new(file).unwrap();
    let theta: Array2<f64> = npz.by_name("theta").unwrap();
    let presentation: ndarray::Array1<i64> = npz.by_name("presentation").unwrap();
    assert_eq!(presentation[0], 0);
    assert_eq!(theta.nrows(), presentation.len());
    assert!(theta.iter().all(|t| t.is_finite()));
    assert!(theta.row(0).iter().all(|&t| t == 1.0), "{:?}", theta.row(0));

    for unit in s["metrics"]["selectivity"].as_array().unwrap() {
        // 1 − mean/max ≥ 0.8 means the other seven bars get little response.
        assert!(unit["selectivity"].as_f64().unwrap() > 0.8, "{unit}");
    }
}

/// Runs oriented-bars with `settings`, expecting a divergence error (exit 1) and the
/// outputs up to it; returns the error output.
fn diverging_run(settings: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut command = hebbian();
    command
        .args(["run", "oriented-bars", "-q", "--out"])
        .arg(dir.path());
    for setting in settings {
        command.args(["--set", setting]);
    }
    let output = command.assert().code(1).get_output().clone();
    assert_eq!(summary(dir.path())["status"], "diverged");
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn divergence_error_exits_1_and_keeps_outputs() {
    let stderr = diverging_run(&["rule.eta=5", "layer.activation=linear"]);
    assert!(stderr.contains("diverged at presentation"), "{stderr}");
    assert!(stderr.contains("eta*|x|^2 must stay below 1"), "{stderr}");
}

#[test]
fn divergence_in_one_step_reads_cleanly() {
    let stderr = diverging_run(&["rule.eta=1e308"]);
    assert!(stderr.contains("diverged at presentation 1"), "{stderr}");
    assert!(stderr.contains("eta = 1e308"), "{stderr}");
    assert!(
        !stderr.contains("never had a positive response"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("same first principal component"),
        "{stderr}"
    );
}

fn write_experiment(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("experiment.toml");
    std::fs::write(&path, text).unwrap();
    path
}

const MINIMAL: &str = r#"
name = "tiny"
seed = 1
[layer]
n_post = 2
activation = "linear"
init = { kind = "normal", std = 0.1 }
[rule]
kind = "oja"
eta = 0.001
[stimulus]
kind = "oriented-bars"
size = 6
[training]
presentations = 200
[output]
figures = false
"#;

#[test]
fn experiment_file_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_experiment(dir.path(), MINIMAL);
    hebbian()
        .args(["run", "-q"])
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .success();
    let weights: Array2<f64> = ndarray_npy::read_npy(dir.path().join("out/weights.npy")).unwrap();
    assert_eq!(weights.dim(), (2, 36));
    assert!(!dir.path().join("out/features.png").exists());
}

/// Runs a broken experiment file and returns stderr; the exit status must be 2.
fn file_error(text: &str, extra: &[&str]) -> String {
    let message = input_error(text, extra);
    assert!(
        message.contains("experiment.toml"),
        "message does not name the file: {message}"
    );
    message
}

/// Runs an experiment file that must fail with exit status 2 and returns stderr.
fn input_error(text: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = write_experiment(dir.path(), text);
    let output = hebbian()
        .arg("run")
        .arg(&file)
        .args(extra)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    String::from_utf8(output).unwrap()
}

#[test]
fn unknown_key_rejected() {
    let message = file_error(
        &MINIMAL.replace("eta = 0.001", "eta = 0.001\netaa = 2"),
        &[],
    );
    assert!(
        message.contains("rule.etaa") || message.contains("`etaa`"),
        "{message}"
    );
    assert!(message.contains("unknown field"), "{message}");
    assert!(message.contains("expected one of"), "{message}");
}

#[test]
fn wrong_type_rejected() {
    let message = file_error(&MINIMAL.replace("eta = 0.001", "eta = \"fast\""), &[]);
    assert!(message.contains("rule.eta"), "{message}");
    assert!(message.contains("\"fast\""), "{message}");
    assert!(message.contains("invalid type"), "{message}");
}

#[test]
fn out_of_range_rejected() {
    let cases = [
        ("eta = 0.001", "eta = -0.5", "rule.eta", "-0.5"),
        ("size = 6", "size = 2", "stimulus.size", "2"),
        (
            "presentations = 200",
            "presentations = 0",
            "training.presentations",
            "0",
        ),
        ("n_post = 2", "n_post = 0", "layer.n_post", "0"),
    ];
    for (from, to, key, value) in cases {
        let message = file_error(&MINIMAL.replace(from, to), &[]);
        assert!(message.contains(key), "{key}: {message}");
        assert!(message.contains(&format!("= {value}")), "{key}: {message}");
        assert!(message.contains("must be"), "{key}: {message}");
    }
}

#[test]
fn key_of_other_kind_rejected() {
    let message = file_error(
        &MINIMAL.replace("eta = 0.001", "eta = 0.001\ntheta_rate = 0.1"),
        &[],
    );
    assert!(message.contains("rule.theta_rate"), "{message}");
    assert!(message.contains("bcm"), "{message}");
}

#[test]
fn bad_set_value_rejected() {
    let message = file_error(MINIMAL, &["--set", "rule.eta=-1"]);
    assert!(message.contains("rule.eta"), "{message}");
    let message = file_error(MINIMAL, &["--set", "rule.kind=ojaa"]);
    assert!(message.contains("unknown variant"), "{message}");
    assert!(message.contains("--set rule.kind=ojaa"), "{message}");
}

#[test]
fn syntax_error_rejected() {
    let message = file_error("name = \"x\"\n[layer\n", &[]);
    assert!(message.contains("line 2"), "{message}");
}

#[test]
fn unknown_experiment_lists_builtins() {
    hebbian()
        .args(["run", "oriented-barz"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown experiment"))
        .stderr(predicate::str::contains("oriented-bars-sanger"));
}

#[test]
fn mnist_without_data_explains() {
    let dir = tempfile::tempdir().unwrap();
    hebbian()
        .current_dir(dir.path())
        .args(["run", "mnist-pca"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--data"))
        .stderr(predicate::str::contains("train-images-idx3-ubyte.gz"));
}

#[test]
fn corrupt_idx_rejected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad-images.idx"),
        [0x00, 0x00, 0x08, 0x03, 0, 0, 0, 5, 0, 0, 0, 2],
    )
    .unwrap();
    let text = MINIMAL.replace(
        "kind = \"oriented-bars\"\nsize = 6",
        "kind = \"idx\"\nimages = \"bad-images.idx\"",
    );
    let message = input_error(&text, &["--data", dir.path().to_str().unwrap()]);
    assert!(message.contains("bad-images.idx"), "{message}");
    assert!(message.contains("truncated header"), "{message}");
}

#[test]
fn mnist_pca_on_real_data() {
    let Some(mnist) = data_dir("mnist") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // A shortened run (20 000 images, 2 epochs) of the built-in, to keep the test fast.
    hebbian()
        .args([
            "run",
            "mnist-pca",
            "-q",
            "--set",
            "stimulus.limit=20000",
            "--set",
            "training.epochs=2",
            "--data",
        ])
        .arg(&mnist)
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    let s = summary(dir.path());
    let cosines = floats(&s["metrics"]["abs_cos"]);
    assert_eq!(cosines.len(), 8);
    for (k, cos) in cosines.iter().enumerate() {
        let bound = if k < 4 { 0.99 } else { 0.95 };
        assert!(*cos >= bound, "component {k}: |cos| = {cos}");
    }
    let weights: Array2<f64> = ndarray_npy::read_npy(dir.path().join("weights.npy")).unwrap();
    assert_eq!(weights.dim(), (8, 784));
}

#[test]
fn natural_image_pca_on_real_data() {
    let Some(images) = data_dir("natural_images") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    hebbian()
        .args(["run", "natural-image-pca", "-q", "--data"])
        .arg(&images)
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    let s = summary(dir.path());
    for (k, cos) in floats(&s["metrics"]["abs_cos"]).iter().enumerate() {
        let bound = if k < 4 { 0.99 } else { 0.95 };
        assert!(*cos >= bound, "component {k}: |cos| = {cos}");
    }
    assert!(dir.path().join("eigenvectors.png").is_file());
}

/// Runs `text` as an experiment file and returns the summary.
fn run_file(text: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = write_experiment(dir.path(), text);
    hebbian()
        .args(["run", "-q"])
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .success();
    summary(&dir.path().join("out"))
}

#[test]
fn decay_with_sum_normalization_runs() {
    let text = MINIMAL
        .replace(
            "kind = \"oja\"",
            "kind = \"hebb-decay\"\nweight_decay = 0.02\ndecay_form = \"subtractive\"",
        )
        .replace(
            "init = { kind = \"normal\", std = 0.1 }",
            "init = { kind = \"uniform\", low = 0.0, high = 0.1 }",
        )
        .replace(
            "[training]",
            "[normalization]\nkind = \"sum\"\n\n[training]",
        );
    let s = run_file(&text);
    assert_eq!(s["parameters"]["rule"]["decay_form"], "subtractive");
    let weights = floats(&s["metrics"]["weight_norms"]);
    assert_eq!(weights.len(), 2);
}

#[test]
fn subspace_rule_reports_overlap() {
    let text = MINIMAL
        .replace("kind = \"oja\"", "kind = \"oja-subspace\"")
        .replace("presentations = 200", "presentations = 20000")
        .replace("size = 6", "size = 6\ncentering = \"mean\"");
    let s = run_file(&text);
    let overlap = s["metrics"]["subspace_overlap"].as_f64().unwrap();
    assert!(overlap > 0.9, "overlap {overlap}");
}

#[test]
fn mini_batches_run() {
    let text = MINIMAL.replace(
        "presentations = 200",
        "presentations = 200\nbatch_size = 16",
    );
    let s = run_file(&text);
    assert_eq!(s["presentations"], 200);
    assert_eq!(s["parameters"]["training"]["batch_size"], 16);
}

#[test]
fn out_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("afile");
    std::fs::write(&file, "x").unwrap();
    hebbian()
        .args(["run", "oriented-bars", "-q", "--out"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is an existing file, not a folder",
        ));
}

#[test]
fn data_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("train-images-idx3-ubyte.gz");
    std::fs::write(&file, "x").unwrap();
    hebbian()
        .args(["run", "mnist-pca", "-q", "--data"])
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a file; give the folder"));
}

/// Writes an IDX image file of `images`, each `rows × cols` bytes, into `dir`.
fn write_idx(dir: &Path, name: &str, rows: u32, cols: u32, images: &[&[u8]]) {
    let mut bytes = vec![0x00, 0x00, 0x08, 0x03];
    for n in [images.len() as u32, rows, cols] {
        bytes.extend_from_slice(&n.to_be_bytes());
    }
    for image in images {
        bytes.extend_from_slice(image);
    }
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// Runs Oja's rule on the 1 × 2 images `images` and returns the summary's warnings.
fn oja_warnings_on(images: &[&[u8]]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    write_idx(dir.path(), "images.idx", 1, 2, images);
    let text = MINIMAL.replace("n_post = 2", "n_post = 1").replace(
        "kind = \"oriented-bars\"\nsize = 6",
        "kind = \"idx\"\nimages = \"images.idx\"",
    );
    let file = write_experiment(dir.path(), &text);
    hebbian()
        .args(["run", "-q"])
        .arg(&file)
        .args(["--data", dir.path().to_str().unwrap(), "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .success();
    summary(&dir.path().join("out"))["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn equal_eigenvalues_warned() {
    // E[x xᵀ] = diag(1/2, 1/2): no first eigenvector to converge to
    let warnings = oja_warnings_on(&[&[255, 0], &[0, 255]]);
    assert!(
        warnings.iter().any(|w| w.contains("poorly defined")),
        "{warnings:?}"
    );
    // diag(2/3, 1/3): a clear first eigenvector
    let warnings = oja_warnings_on(&[&[255, 0], &[255, 0], &[0, 255]]);
    assert!(
        !warnings.iter().any(|w| w.contains("poorly defined")),
        "{warnings:?}"
    );
}

#[test]
fn growing_eta_schedule_warned() {
    let text = MINIMAL.replace(
        "presentations = 200",
        "presentations = 200\neta_schedule = { kind = \"geometric\", eta_final = 0.01 }",
    );
    let s = run_file(&text);
    let warnings = s["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("grew during the run")),
        "{warnings:?}"
    );
}

#[test]
fn summary_records_effective_defaults() {
    let text = MINIMAL.replace("kind = \"oja\"", "kind = \"hebb-decay\"");
    let s = run_file(&text);
    let parameters = &s["parameters"];
    // keys left out are not written as null
    assert!(parameters["rule"].get("weight_decay").is_none());
    assert!(!parameters.to_string().contains("null"));
    // the values the run used
    let effective = &parameters["effective"];
    assert_eq!(effective["rule"]["weight_decay"], 0.01);
    assert_eq!(effective["rule"]["decay_form"], "multiplicative");
    assert_eq!(effective["layer_init"]["std"], 0.1);
    assert_eq!(effective["presentations"], 200);
    assert_eq!(effective["eta_schedule"]["kind"], "constant");
}

#[test]
fn closed_stdout_ends_quietly() {
    // as when the reader of a pipe exits before the first line
    let binary = assert_cmd::cargo::cargo_bin("hebbian");
    let mut child = std::process::Command::new(binary)
        .arg("list")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn data_folder_one_level_up_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mnist = dir.path().join("mnist");
    std::fs::create_dir(&mnist).unwrap();
    std::fs::write(mnist.join("train-images-idx3-ubyte.gz"), "x").unwrap();
    hebbian()
        .args(["run", "mnist-pca", "-q", "--data"])
        .arg(dir.path())
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the subfolder"))
        .stderr(predicate::str::contains("mnist holds it"));
}
