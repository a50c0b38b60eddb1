#!/usr/bin/env bash
# Builds hebbian in release mode, installs Brian2 in scripts/.venv (from
# scripts/requirements.txt), and times tutorial-stdp and song2000 in Brian2 (runtime
# mode and cpp_standalone) and in hebbian side by side. Brian2 needs a C++ compiler and
# make. The run takes about 10 minutes on 2 CPUs:
#   bash bench/spiking.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
if [ ! -x scripts/.venv/bin/python ]; then
    python3 -m venv scripts/.venv
    scripts/.venv/bin/pip install --quiet -r scripts/requirements.txt
fi
scripts/.venv/bin/python bench/brian2_compare.py --hebbian "${CARGO_TARGET_DIR:-target}/release/hebbian" "$@"
