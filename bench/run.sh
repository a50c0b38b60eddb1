#!/usr/bin/env bash
# Builds hebbian in release mode, installs NumPy in bench/.venv, and runs the side-by-side
# comparisons (rate rules, then Hopfield recall and a SOM epoch). Pass the MNIST folder
# to include mnist-pca:
#   bash bench/run.sh path/to/mnist
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install --quiet numpy
fi
data_args=()
if [ $# -ge 1 ]; then
    data_args=(--data "$1")
fi
bench/.venv/bin/python bench/compare_numpy.py --hebbian target/release/hebbian "${data_args[@]}"
bench/.venv/bin/python bench/hopfield_recall.py --hebbian target/release/hebbian "${data_args[@]}"
