//! Helpers shared by the command-line test files.

// Each test file uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// Returns the `hebbian` binary as a command, with `HEBBIAN_DATA` cleared.
pub fn hebbian() -> Command {
    let mut cmd = Command::cargo_bin("hebbian").unwrap();
    cmd.env_remove("HEBBIAN_DATA");
    cmd
}

/// Reads and parses `summary.json` in the run folder `dir`.
pub fn summary(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Returns the MNIST folder: `HEBBIAN_DATA` (the MNIST folder itself or a folder holding
/// `mnist/`), else the shared data folder next to the repository. `None` when missing,
/// which fails under `CI=true`.
pub fn mnist_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("HEBBIAN_DATA").map(PathBuf::from) {
        Some(root) if root.join("mnist").is_dir() => root.join("mnist"),
        Some(root) => root,
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mnist"),
    };
    if dir.join("train-images-idx3-ubyte.gz").is_file()
        || dir.join("train-images-idx3-ubyte").is_file()
    {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "MNIST folder {} missing (set HEBBIAN_DATA)",
        dir.display()
    );
    eprintln!("skipped: MNIST not found in {}", dir.display());
    None
}
