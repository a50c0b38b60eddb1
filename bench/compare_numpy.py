"""Time hebbian against the NumPy loops it replaces, side by side, and print ratios.

Two comparisons, each per presentation (one input, one update):

1. oriented-bars: the tutorial's NumPy loop (HebbianNetwork with rule='oja', noisy
   10x10 bars, ReLU, 5000 presentations) against `hebbian run oriented-bars`, as built
   in (5000 presentations) and for 200 000 presentations, where start-up effects (first
   page touches, cache warm-up) no longer count, with and without the prefetch thread.
2. mnist-pca: an online Sanger loop in NumPy on the centred MNIST training images
   (vectorised over pixels and outputs, one image at a time) against
   `hebbian run mnist-pca`.

For hebbian, the time per presentation is the training time written to summary.json
(stimulus generation, forward pass, update, divergence check, recording); the wall time
of the whole command (start-up, data loading, eigen-decomposition, figures) is printed
beside it. Each measurement is the median of --repeats runs.

Usage: python bench/compare_numpy.py --hebbian target/release/hebbian --data DIR
"""

import argparse
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


# --- The tutorial's code, unchanged apart from the loop being wrapped in a function. ---

class HebbianNetwork:
    def __init__(self, n_input, n_output, rule='basic'):
        self.weights = np.random.randn(n_input, n_output) * 0.1
        self.rule = rule
        self.theta = np.ones(n_output)

    def forward(self, x):
        return np.dot(x, self.weights)

    def learn(self, x, y, lr=0.01):
        if self.rule == 'basic':
            self.weights += lr * np.outer(x, y)
            self.weights *= 0.99
        elif self.rule == 'oja':
            for j in range(len(y)):
                self.weights[:, j] += lr * y[j] * (x - self.weights[:, j] * y[j])
        elif self.rule == 'bcm':
            for j in range(len(y)):
                self.weights[:, j] += lr * x * y[j] * (y[j] - self.theta[j])
            self.theta = 0.99 * self.theta + 0.01 * y**2


def generate_oriented_bar(angle, size=10):
    img = np.zeros((size, size))
    center = size // 2
    length = size // 2 - 1
    for i in range(-length, length + 1):
        x = int(center + i * np.cos(angle))
        y = int(center + i * np.sin(angle))
        if 0 <= x < size and 0 <= y < size:
            img[y, x] = 1.0
    return img.flatten()


def tutorial_loop(n_iterations):
    n_pixels = 100
    n_outputs = 4
    net = HebbianNetwork(n_pixels, n_outputs, rule='oja')
    angles = np.linspace(0, np.pi, 8)
    start = time.perf_counter()
    for i in range(n_iterations):
        angle = np.random.choice(angles)
        x = generate_oriented_bar(angle)
        x += np.random.randn(n_pixels) * 0.1
        x = np.clip(x, 0, 1)
        y = net.forward(x)
        y = np.maximum(y, 0)
        net.learn(x, y, lr=0.001)
    return time.perf_counter() - start


# --- An online Sanger loop in NumPy, the natural port of the same experiment. ---

def load_mnist(data_dir):
    path = os.path.join(data_dir, "train-images-idx3-ubyte.gz")
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[4:8], "big")
    images = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, 784)
    x = images.astype(np.float64) / 255.0
    return x - x.mean(axis=0)


def sanger_loop(x, n_post, eta, presentations):
    rng = np.random.default_rng(1)
    w = rng.normal(0.0, 0.01, size=(n_post, x.shape[1]))
    order = rng.permutation(len(x))
    start = time.perf_counter()
    for t in range(presentations):
        xi = x[order[t % len(x)]]
        y = w @ xi
        # dW = eta (y x^T - LT(y y^T) W)
        w += eta * (np.outer(y, xi) - np.tril(np.outer(y, y)) @ w)
    return time.perf_counter() - start


# --- hebbian ---

def run_hebbian(binary, args):
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        # stderr is shown only on failure: the runs repeat the same Oja warning
        command = [binary, "run", *args, "-q", "--out", out]
        finished = subprocess.run(command, stderr=subprocess.PIPE, text=True)
        if finished.returncode != 0:
            sys.stderr.write(finished.stderr)
            finished.check_returncode()
        wall = time.perf_counter() - start
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
    per = summary["training_time_s"] / summary["presentations"]
    return per, wall, summary


def median(values):
    return statistics.median(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hebbian", default="target/release/hebbian", help="path to the hebbian binary")
    parser.add_argument("--data", help="folder with train-images-idx3-ubyte.gz; without it mnist-pca is skipped")
    parser.add_argument("--repeats", type=int, default=5, help="runs per measurement (median reported)")
    parser.add_argument("--numpy-presentations", type=int, default=5000,
                        help="presentations of the NumPy Sanger loop (it is slow; the rate is per presentation)")
    args = parser.parse_args()

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
          f"load average {os.getloadavg()[0]:.2f}, Python {platform.python_version()}, NumPy {np.__version__}")
    print(f"hebbian: {subprocess.run([args.hebbian, '--version'], capture_output=True, text=True).stdout.strip()}")
    print()
    rows = []

    # oriented-bars
    np.random.seed(1)
    numpy_per = median([tutorial_loop(5000) / 5000 for _ in range(args.repeats)])
    # The default draws the bars on a second thread for runs of 50 000 presentations or
    # more when the machine has two or more CPUs. The last two rows fix that choice.
    variants = [
        ("oriented-bars (Oja, 4x100, 5000 presentations)", []),
        ("  same, 200000 presentations (steady state)", ["--set", "training.presentations=200000"]),
        ("  same, 200000 presentations, one thread",
         ["--set", "training.presentations=200000", "--set", "stimulus.prefetch=false"]),
        ("  same, 200000 presentations, prefetch thread",
         ["--set", "training.presentations=200000", "--set", "stimulus.prefetch=true"]),
    ]
    for name, extra in variants:
        ours = [run_hebbian(args.hebbian, ["oriented-bars", *extra]) for _ in range(args.repeats)]
        ours_per = median([o[0] for o in ours])
        ours_wall = median([o[1] for o in ours])
        rows.append((name, numpy_per, ours_per, ours_wall))

    # mnist-pca
    if args.data:
        x = load_mnist(args.data)
        numpy_per = median([sanger_loop(x, 8, 0.002, args.numpy_presentations) / args.numpy_presentations
                            for _ in range(max(1, args.repeats // 2))])
        ours = [run_hebbian(args.hebbian, ["mnist-pca", "--data", args.data]) for _ in range(max(1, args.repeats // 2))]
        ours_per = median([o[0] for o in ours])
        ours_wall = median([o[1] for o in ours])
        cosines = ours[0][2]["metrics"]["abs_cos"]
        rows.append(("mnist-pca (Sanger, 8x784, 300000 presentations)", numpy_per, ours_per, ours_wall))
        print("mnist-pca |cos| per component: " + ", ".join(f"{c:.4f}" for c in cosines))
    else:
        print("mnist-pca skipped: pass --data DIR")

    print()
    print(f"{'experiment':50s} {'NumPy us/pres':>14s} {'hebbian us/pres':>16s} {'ratio':>8s} {'hebbian wall s':>15s}")
    for name, numpy_per, ours_per, wall in rows:
        print(f"{name:50s} {numpy_per * 1e6:14.3f} {ours_per * 1e6:16.3f} {numpy_per / ours_per:7.1f}x {wall:15.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
