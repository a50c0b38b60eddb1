"""Time Hopfield recall in NumPy and in hebbian side by side, and one SOM epoch.

NumPy side: the tutorial's recall loop, N = 1000 units, P = 100 random unbiased patterns
stored with the Hebbian outer product (zero diagonal, divided by P), 10 sweeps in index
order, each unit updated from one np.dot over its row of weights. Each cue is a stored
pattern with 10 % of its units flipped. Only the recall loop is timed.

hebbian side: `hebbian time-recall` with the same sizes, rule, update order and cue
noise. It times `Hopfield::recall` alone, which stops at the first sweep that changes
nothing (a fixed point); the number of sweeps it ran is printed. The tutorial's loop
always runs all 10 sweeps, though sweeps after a fixed point change nothing, so both
return the same state.

SOM epoch: `hebbian run som-mnist` with one epoch; the training time in summary.json
(one pass over the 60 000 training images of a 10x10 map) is printed.

Usage: python bench/hopfield_recall.py --hebbian PATH [--data MNIST_DIR]
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def tutorial_recall(weights, pattern, steps=10):
    # The tutorial's loop, unchanged apart from taking the weights as an argument.
    n = weights.shape[0]
    state = np.array(pattern).flatten().copy()
    for _ in range(steps):
        for i in range(n):
            h = np.dot(weights[i], state)
            state[i] = 1 if h >= 0 else -1
    return state


def numpy_side(n, p, sweeps, flip, repeats, seed):
    rng = np.random.default_rng(seed)
    patterns = rng.choice([-1.0, 1.0], size=(p, n))
    weights = patterns.T @ patterns
    np.fill_diagonal(weights, 0.0)
    weights /= p
    times, overlaps = [], []
    for k in range(repeats):
        target = patterns[k % p]
        cue = target.copy()
        flipped = rng.choice(n, size=int(round(flip * n)), replace=False)
        cue[flipped] *= -1
        start = time.perf_counter()
        state = tutorial_recall(weights, cue, sweeps)
        times.append(time.perf_counter() - start)
        overlaps.append(float(state @ target) / n)
    return statistics.median(times), statistics.mean(overlaps)


def hebbian_side(binary, n, p, sweeps, flip, repeats):
    out = subprocess.run(
        [binary, "time-recall", "--units", str(n), "--patterns", str(p), "--sweeps", str(sweeps),
         "--flip", str(flip), "--repeats", str(repeats)],
        check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def som_epoch(binary, data):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([binary, "run", "som-mnist", "-q", "--data", data, "--out", out,
                        "--set", "training.epochs=1", "--set", "output.figures=false"], check=True)
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
    return summary["training_time_s"], summary["metrics"]["test_accuracy"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hebbian", default="target/release/hebbian", help="path to the hebbian binary")
    parser.add_argument("--data", help="MNIST folder; without it the SOM epoch is skipped")
    parser.add_argument("--numpy-repeats", type=int, default=10, help="NumPy recalls timed (median reported)")
    parser.add_argument("--repeats", type=int, default=500, help="hebbian recalls timed (median reported)")
    args = parser.parse_args()

    n, p, sweeps, flip = 1000, 100, 10, 0.1
    load = os.getloadavg()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
          f"Python {platform.python_version()}, NumPy {np.__version__}")
    print(f"hebbian: {subprocess.run([args.hebbian, '--version'], capture_output=True, text=True).stdout.strip()}")
    print()

    numpy_time, numpy_overlap = numpy_side(n, p, sweeps, flip, args.numpy_repeats, seed=1)
    ours = hebbian_side(args.hebbian, n, p, sweeps, flip, args.repeats)
    ours_time = ours["median_recall_s"]
    print(f"Hopfield recall, N = {n}, P = {p}, {int(flip * 100)} % flipped cues, Hebbian rule, index order")
    print(f"  NumPy tutorial loop : {numpy_time * 1e3:10.3f} ms per recall ({sweeps} sweeps), "
          f"mean final overlap {numpy_overlap:.4f}, median of {args.numpy_repeats}")
    print(f"  hebbian time-recall : {ours_time * 1e3:10.4f} ms per recall "
          f"({ours['mean_sweeps']:.2f} sweeps on average, stops at a fixed point), "
          f"mean final overlap {ours['mean_overlap']:.4f}, median of {args.repeats}")
    print(f"  ratio               : {numpy_time / ours_time:10.0f}x")

    if args.data:
        seconds, accuracy = som_epoch(args.hebbian, args.data)
        print()
        print(f"SOM epoch, 10x10 map, 60 000 MNIST images: {seconds:.2f} s "
              f"(test accuracy after that one epoch {accuracy:.4f})")
    else:
        print("SOM epoch skipped: pass --data DIR")
    return 0


if __name__ == "__main__":
    sys.exit(main())
