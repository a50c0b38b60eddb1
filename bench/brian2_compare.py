"""Time the spiking experiments in Brian2 and in hebbian side by side, and print ratios.

Two experiments, each defined by its file in examples/:

1. tutorial-stdp: 100 Poisson inputs at 10 Hz onto 1000 current-based LIF neurons,
   p = 0.1, w = 0.5 mV, pair STDP (tau 20 ms, A_pre 0.01, A_post -1.05 A_pre, w in
   [0, 1]), 60 s with dt = 0.1 ms.
2. song2000: 1000 Poisson inputs at 15 Hz onto one conductance-based LIF neuron
   (exponential Euler), additive pair STDP, initial weights uniform in [0, w_max),
   100 s with dt = 0.1 ms.

Brian2 2.9 runs each experiment without monitors in two modes, each in its own
process:

- runtime mode with Cython code generation. A 100 ms run of the same network first
  compiles and caches the Cython extensions. The time reported is the wall time of
  net.run() for the full duration on a freshly built network, which includes code
  generation for that run but not compilation.
- cpp_standalone, single-threaded (Brian2's default). The project is generated and
  compiled once (device.build(run=False); "make" is Brian2's own timer for the
  compiler); then this script runs the binary itself, three times, and reports the
  median of the simulation-loop time that the binary writes to
  results/last_run_info.txt, beside the binary's whole wall time.

hebbian runs `hebbian run NAME --out DIR -q`, five times each, and reports the median
of run_time_s (the step loop) and wall_time_s (the whole command) from summary.json.
It runs each experiment twice: as built in (tutorial-stdp then streams the weights of
100 synapses at every step to a 480 MB file) and from a copy of the experiment file
without its [monitors] tables, which is the like-for-like comparison with Brian2's
monitor-free runs. Spike counts per neuron stay on, because the CLI always keeps them.

Peak resident memory (from GNU time's %M, or else from os.wait4) is measured for
tutorial-stdp with its weight monitor: hebbian as built in, and Brian2 (runtime mode
and the standalone binary) with a StateMonitor on the weights of synapses 0 to 99 at
every step.

Side run: song2000 in cpp_standalone with a spike monitor on the neuron; the fraction
of final weights in the bottom and top tenths of [0, w_max] and the output rate in the
first and last 10 s are printed beside hebbian's built-in run.

Usage (from the repository root, after bash bench/spiking.sh has built the binary and
set up scripts/.venv):

    scripts/.venv/bin/python bench/brian2_compare.py --hebbian target/release/hebbian

The whole run takes about 10 minutes on a 2-CPU machine; --skip-memory and
--skip-runtime leave out the slowest Brian2 runs.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPERIMENTS = ("tutorial-stdp", "song2000")
GNU_TIME = "/usr/bin/time"
HEBBIAN_REPEATS = 5
STANDALONE_REPEATS = 3

STDP_MODEL = """
w : 1
dapre/dt = -apre/tau_pre : 1 (event-driven)
dapost/dt = -apost/tau_post : 1 (event-driven)
"""

STDP_ON_PRE = """
apre += A_pre
w = clip(w + apost, 0, w_max)
"""

STDP_ON_POST = """
apost += A_post
w = clip(w + apre, 0, w_max)
"""


# --- Brian2 networks, built from the experiment files so both sides run one model ---

def load_experiment(name):
    with open(os.path.join(ROOT, "examples", f"{name}.toml"), "rb") as f:
        return tomllib.load(f)


def quantity(text):
    """Convert an experiment-file quantity such as "20 ms" to a Brian2 quantity."""
    import brian2

    value, unit = text.split()
    units = {"s": brian2.second, "ms": brian2.ms, "mV": brian2.mV, "Hz": brian2.Hz}
    return float(value) * units[unit]


def build_network(name, weight_monitor=False, spike_monitor=False):
    """Build experiment `name` in Brian2 and return (network, objects by role)."""
    from brian2 import (Network, NeuronGroup, PoissonGroup, SpikeMonitor, StateMonitor,
                        Synapses, defaultclock)

    e = load_experiment(name)
    defaultclock.dt = quantity(e["run"]["dt"])
    inputs_config = e["groups"]["inputs"]
    lif_name = next(g for g, c in e["groups"].items() if c["kind"] == "lif")
    lif = e["groups"][lif_name]
    syn_config = e["synapses"]["input"]
    plasticity = syn_config["plasticity"]

    # fixed names keep the generated code identical between builds, so that Cython's
    # cache of compiled extensions applies to the timed run
    inputs = PoissonGroup(inputs_config["n"], rates=quantity(inputs_config["rate"]), name="inputs")
    namespace = {
        "v_rest": quantity(lif["v_rest"]),
        "v_th": quantity(lif["v_th"]),
        "v_reset": quantity(lif["v_reset"]),
        "tau_m": quantity(lif["tau_m"]),
    }
    conductance = syn_config["target"] == "conductance"
    if conductance:
        namespace["tau_e"] = quantity(lif["tau_e"])
        namespace["E_e"] = quantity(lif["e_e"])
        equations = """
        dv/dt = (ge*(E_e - v) + v_rest - v)/tau_m : volt
        dge/dt = -ge/tau_e : 1
        """
        method = "exponential_euler"
        jump = "ge_post += w"
    else:
        equations = "dv/dt = (v_rest - v)/tau_m : volt"
        method = "exact"
        jump = "v_post += w*mV"
    neurons = NeuronGroup(lif["n"], equations, threshold="v > v_th", reset="v = v_reset",
                          method=method, namespace=namespace, name="neurons")
    neurons.v = namespace["v_rest"]

    w_max = plasticity["w_max"]
    syn = Synapses(inputs, neurons, model=STDP_MODEL, on_pre=jump + STDP_ON_PRE,
                   on_post=STDP_ON_POST,
                   namespace={
                       "tau_pre": quantity(plasticity["tau_plus"]),
                       "tau_post": quantity(plasticity["tau_minus"]),
                       "A_pre": plasticity["a_plus"],
                       "A_post": -plasticity["a_minus"],
                       "w_max": w_max,
                   }, name="synapses")
    if syn_config["connect"] == "probability":
        syn.connect(p=syn_config["p"])
    else:
        syn.connect()
    if "weight" in syn_config:
        syn.w = syn_config["weight"]
    else:
        syn.w = f"{syn_config['weight_low']} + rand()*{syn_config['weight_high'] - syn_config['weight_low']}"

    objects = {"inputs": inputs, "neurons": neurons, "synapses": syn}
    if weight_monitor:
        objects["weights"] = StateMonitor(syn, "w", record=range(100), name="weights")
    if spike_monitor:
        objects["spikes"] = SpikeMonitor(neurons, name="spikes")
    return Network(*objects.values()), objects


def duration_of(name):
    return quantity(load_experiment(name)["run"]["duration"])


# --- Brian2 workers, each run in its own process ---

def worker_runtime(name, weight_monitor):
    """Time a runtime-mode run after a short run that compiles the Cython code."""
    import brian2
    from brian2 import ms, prefs

    prefs.codegen.target = "cython"
    brian2.start_scope()
    warm_net, _ = build_network(name, weight_monitor)
    start = time.perf_counter()
    warm_net.run(100 * ms)
    warm_up = time.perf_counter() - start

    brian2.start_scope()
    net, _ = build_network(name, weight_monitor)
    start = time.perf_counter()
    net.run(duration_of(name))
    run = time.perf_counter() - start
    return {"warm_up_s": warm_up, "run_s": run}


def worker_standalone_build(name, directory, weight_monitor):
    """Generate and compile the standalone project, without running it."""
    import brian2
    from brian2 import device, set_device

    set_device("cpp_standalone", directory=directory, build_on_run=False)
    net, _ = build_network(name, weight_monitor)
    net.run(duration_of(name))
    start = time.perf_counter()
    device.build(directory=directory, compile=True, run=False)
    build = time.perf_counter() - start
    make = device.timers["compile"]["make"]
    return {"build_s": build, "make_s": make, "codegen_s": build - make,
            "brian2": brian2.__version__,
            "compiler_flags": " ".join(brian2.prefs.codegen.cpp.extra_compile_args_gcc)}


def worker_song_statistics(directory):
    """Run song2000 in standalone mode with a spike monitor and summarise the result."""
    from brian2 import device, second, set_device

    set_device("cpp_standalone", directory=directory, build_on_run=False)
    net, objects = build_network("song2000", spike_monitor=True)
    duration = duration_of("song2000")
    net.run(duration)
    device.build(directory=directory, compile=True, run=True)
    w = np.asarray(objects["synapses"].w)
    w_max = load_experiment("song2000")["synapses"]["input"]["plasticity"]["w_max"]
    spikes_s = np.asarray(objects["spikes"].t / second)
    return song_statistics(w, w_max, spikes_s, float(duration / second))


def song_statistics(w, w_max, spikes_s, duration_s):
    return {
        "bottom_tenth": float(np.mean(w < 0.1 * w_max)),
        "top_tenth": float(np.mean(w > 0.9 * w_max)),
        "rate_first_10s_hz": float(np.sum(spikes_s < 10.0) / 10.0),
        "rate_last_10s_hz": float(np.sum(spikes_s >= duration_s - 10.0) / 10.0),
    }


def worker_main(args):
    if args.worker == "runtime":
        result = worker_runtime(args.experiment, args.weight_monitor)
    elif args.worker == "standalone-build":
        result = worker_standalone_build(args.experiment, args.directory, args.weight_monitor)
    elif args.worker == "song-statistics":
        result = worker_song_statistics(args.directory)
    else:
        raise ValueError(f"unknown worker {args.worker}")
    print(json.dumps(result))
    return 0


# --- process helpers ---

def run_measured(command, cwd=None, stdout=subprocess.PIPE, stderr=None):
    """Run a command and return (stdout, wall time in s, peak resident memory in MiB).

    The peak comes from GNU time where it exists. Otherwise it is the ru_maxrss that
    os.wait4 reports, which Linux never sets below this script's own resident memory
    at the time of the fork (about 100 MiB with Brian2 imported), so it is then an
    upper bound for small programs.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as peak_file:
        wrapped = command
        if os.access(GNU_TIME, os.X_OK):
            wrapped = [GNU_TIME, "-f", "%M", "-o", peak_file.name, *command]
        start = time.perf_counter()
        process = subprocess.Popen(wrapped, cwd=cwd, stdout=stdout, stderr=stderr, text=True)
        output = process.stdout.read() if stdout == subprocess.PIPE else ""
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited with status {process.returncode}")
        peak_kib = usage.ru_maxrss
        if wrapped is not command:
            peak_kib = int(peak_file.read().strip().splitlines()[-1])
    return output, wall, peak_kib / 1024


def run_worker(*worker_args):
    """Run a Brian2 worker in a new process and return its JSON result with wall time and peak memory."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", *worker_args]
    output, wall, peak_mib = run_measured(command)
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_mib"] = peak_mib
    result["wall_s"] = wall
    return result


def run_standalone_binary(directory):
    """Run a compiled standalone project and return (loop time, wall time, peak MiB)."""
    # the binary appends file names to this argument as is, so it needs the separator
    results = os.path.join(directory, "results") + os.sep
    _, wall, peak_mib = run_measured([os.path.join(directory, "main"), "--results_dir", results],
                                     cwd=directory, stdout=subprocess.DEVNULL)
    with open(os.path.join(results, "last_run_info.txt")) as f:
        loop_s = float(f.read().split()[0])
    return loop_s, wall, peak_mib


# --- hebbian ---

def write_toml(table, path):
    """Write a parsed experiment file back as TOML (strings, numbers, booleans, tables)."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines = []

    def emit(prefix, t):
        scalars = {k: v for k, v in t.items() if not isinstance(v, dict)}
        tables = {k: v for k, v in t.items() if isinstance(v, dict)}
        if prefix and scalars:
            lines.append(f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{k} = {value(v)}")
        for k, v in tables.items():
            emit(f"{prefix}.{k}" if prefix else k, v)

    emit("", table)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def run_hebbian(binary, target, out):
    """Run one experiment and return (run_time_s, wall_time_s, peak MiB)."""
    shutil.rmtree(out, ignore_errors=True)
    # stderr too: tutorial-stdp warns at every run that no neuron fires
    _, _, peak_mib = run_measured([binary, "run", target, "--out", out, "-q"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    return summary["run_time_s"], summary["wall_time_s"], peak_mib


def hebbian_song_statistics(out):
    spikes = np.load(os.path.join(out, "output_spikes.npz"))
    synapses = np.load(os.path.join(out, "synapses_input.npz"))
    e = load_experiment("song2000")
    w_max = e["synapses"]["input"]["plasticity"]["w_max"]
    duration_s = float(duration_of("song2000") / quantity("1 s"))
    return song_statistics(synapses["w"], w_max, spikes["t_ms"] / 1000.0, duration_s)


# --- the comparison ---

def median(values):
    return statistics.median(values)


def cpu_model():
    try:
        output = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in output.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hebbian", default="target/release/hebbian", help="path to the hebbian binary")
    parser.add_argument("--skip-runtime", action="store_true", help="leave out Brian2's runtime mode")
    parser.add_argument("--skip-memory", action="store_true",
                        help="leave out the runs with a weight monitor that measure peak memory")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--experiment", help=argparse.SUPPRESS)
    parser.add_argument("--directory", help=argparse.SUPPRESS)
    parser.add_argument("--weight-monitor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker_main(args)

    import brian2

    hebbian_version = subprocess.run([args.hebbian, "--version"], capture_output=True,
                                     text=True).stdout.strip()
    print(f"machine: {cpu_model()}, {os.cpu_count()} logical CPUs, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at start")
    print(f"Python {platform.python_version()}, Brian2 {brian2.__version__}, NumPy {np.__version__}, "
          f"{hebbian_version}")
    print()

    scratch = tempfile.mkdtemp(prefix="brian2-compare-")
    results = {}
    try:
        for name in EXPERIMENTS:
            r = results[name] = {}

            # hebbian, as built in and without monitors
            builtin = [run_hebbian(args.hebbian, name, os.path.join(scratch, f"{name}-builtin"))
                       for _ in range(HEBBIAN_REPEATS)]
            r["ours_builtin_run"] = median([b[0] for b in builtin])
            r["ours_builtin_wall"] = median([b[1] for b in builtin])
            r["ours_builtin_peak"] = max(b[2] for b in builtin)
            if name == "song2000":
                r["ours_song"] = hebbian_song_statistics(os.path.join(scratch, f"{name}-builtin"))
            experiment = load_experiment(name)
            experiment.pop("monitors", None)
            bare = os.path.join(scratch, f"{name}-no-monitors.toml")
            write_toml(experiment, bare)
            plain = [run_hebbian(args.hebbian, bare, os.path.join(scratch, f"{name}-bare"))
                     for _ in range(HEBBIAN_REPEATS)]
            r["ours_run"] = median([p[0] for p in plain])
            r["ours_wall"] = median([p[1] for p in plain])
            r["ours_peak"] = max(p[2] for p in plain)
            print(f"{name}: hebbian run {r['ours_run']:.3f} s without monitors, "
                  f"{r['ours_builtin_run']:.3f} s as built in", flush=True)

            # Brian2 cpp_standalone
            directory = os.path.join(scratch, f"{name}-standalone")
            r["build"] = run_worker("standalone-build", "--experiment", name, "--directory", directory)
            runs = [run_standalone_binary(directory) for _ in range(STANDALONE_REPEATS)]
            r["standalone_loop"] = median([x[0] for x in runs])
            r["standalone_wall"] = median([x[1] for x in runs])
            r["standalone_peak"] = max(x[2] for x in runs)
            print(f"{name}: Brian2 standalone build {r['build']['build_s']:.1f} s, "
                  f"loop {r['standalone_loop']:.3f} s", flush=True)

            # Brian2 runtime mode
            if not args.skip_runtime:
                r["runtime"] = run_worker("runtime", "--experiment", name)
                print(f"{name}: Brian2 runtime {r['runtime']['run_s']:.1f} s", flush=True)

        # peak memory of tutorial-stdp with its weight monitor
        memory = {}
        if not args.skip_memory:
            memory["ours"] = results["tutorial-stdp"]["ours_builtin_peak"]
            directory = os.path.join(scratch, "tutorial-stdp-standalone-monitor")
            run_worker("standalone-build", "--experiment", "tutorial-stdp", "--directory", directory,
                       "--weight-monitor")
            _, _, memory["standalone"] = run_standalone_binary(directory)
            if not args.skip_runtime:
                memory["runtime"] = run_worker("runtime", "--experiment", "tutorial-stdp",
                                               "--weight-monitor")["peak_mib"]

        # song2000 outcome in Brian2
        song_brian2 = run_worker("song-statistics", "--directory", os.path.join(scratch, "song-statistics"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at end")
    print("Brian2 cpp_standalone compiler flags:", results["tutorial-stdp"]["build"]["compiler_flags"])
    print()
    header = (f"{'experiment':14s} {'hebbian s':>10s} {'(built in)':>10s} {'B2 runtime s':>13s} "
              f"{'B2 sa loop s':>13s} {'B2 sa wall s':>13s} {'B2 codegen s':>13s} {'B2 make s':>10s} "
              f"{'runtime/ours':>13s} {'sa loop/ours':>13s}")
    print(header)
    for name in EXPERIMENTS:
        r = results[name]
        runtime = r.get("runtime", {}).get("run_s")
        runtime_text = f"{runtime:13.1f}" if runtime else f"{'-':>13s}"
        runtime_ratio = f"{runtime / r['ours_run']:12.0f}x" if runtime else f"{'-':>13s}"
        print(f"{name:14s} {r['ours_run']:10.3f} {r['ours_builtin_run']:10.3f} {runtime_text} "
              f"{r['standalone_loop']:13.3f} {r['standalone_wall']:13.3f} {r['build']['codegen_s']:13.1f} "
              f"{r['build']['make_s']:10.1f} {runtime_ratio} "
              f"{r['standalone_loop'] / r['ours_run']:12.1f}x")
    print()
    print("hebbian s: median run_time_s (step loop) without monitors; (built in): with the "
          "experiment's monitors.")
    for name in EXPERIMENTS:
        r = results[name]
        print(f"{name}: hebbian wall time {r['ours_wall']:.3f} s without monitors, "
              f"{r['ours_builtin_wall']:.3f} s as built in")
    if memory:
        tutorial = results["tutorial-stdp"]
        print()
        print("peak resident memory of tutorial-stdp, with the weights of 100 synapses at every step "
              "(without monitors):")
        print(f"  hebbian, streamed to disk: {memory['ours']:.0f} MiB ({tutorial['ours_peak']:.0f} MiB)")
        if "runtime" in memory:
            print(f"  Brian2 runtime, StateMonitor, whole Python process: {memory['runtime']:.0f} MiB "
                  f"({tutorial['runtime']['peak_mib']:.0f} MiB)")
        print(f"  Brian2 cpp_standalone binary, StateMonitor: {memory['standalone']:.0f} MiB "
              f"({tutorial['standalone_peak']:.0f} MiB)")
    print()
    print("song2000 outcome: fraction of weights < 0.1 w_max, > 0.9 w_max; output rate first / last 10 s")
    for label, s in (("Brian2", song_brian2), ("hebbian", results["song2000"]["ours_song"])):
        print(f"  {label:8s} {s['bottom_tenth']:.3f}  {s['top_tenth']:.3f}  "
              f"{s['rate_first_10s_hz']:.1f} Hz  {s['rate_last_10s_hz']:.1f} Hz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
