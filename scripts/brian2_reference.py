"""Write Brian2 reference traces for the spiking engine's tests.

Runs small networks in Brian2 (runtime mode, NumPy code generation, so that the
numbers do not depend on a C++ compiler) and writes each one as a JSON fixture to
crates/hebbian/tests/fixtures/brian2/. crates/hebbian/tests/brian2.rs rebuilds every
network with the hebbian API and checks the weights, potentials and spikes against the
fixture.

Usage (from the repository root):

    python3 -m venv scripts/.venv
    scripts/.venv/bin/pip install -r scripts/requirements.txt
    scripts/.venv/bin/python scripts/brian2_reference.py

Every network uses pair STDP with event-driven traces, written the way the Brian2 STDP
tutorial writes it, with the amplitudes inside the traces:

    on_pre:  apre += A_pre;   w = clip(w + apost, 0, w_max)
    on_post: apost += A_post; w = clip(w + apre, 0, w_max)

A presynaptic arrival acts on its target (v += w mV, or ge += w) with the weight from
before this update. Current-based neurons follow dv/dt = (v_rest - v)/tau_m, which
Brian2 integrates exactly. Conductance-based neurons follow
dv/dt = (ge (E_e - v) + v_rest - v)/tau_m and dge/dt = -ge/tau_e, integrated with
method='exponential_euler'.

hebbian discards voltage jumps that arrive while a neuron is refractory, and Brian2
applies them unless the on_pre code tests not_refractory. Only the fixture
"refractory_current_lif" has a refractory period, and there the jump is written
v_post += w*mV*int(not_refractory_post) so that both simulators compute the same
thing. The other current-based fixtures have no refractory period. In both simulators
the reset of a step comes after its synaptic events, so a jump that arrives in the
step in which its target spikes is overwritten by the reset.

Spike times are converted to step indices with round(t/dt). A fixture contains:

    name, description
    generated_by   script path, Python, Brian2 and NumPy versions, code generation target
    dt_ms, steps   the step and the number of steps run
    neuron         model ("current" or "conductance"), n and every parameter
    stdp           tau_pre_ms, tau_post_ms, A_pre, A_post (signed, as in Brian2), w_max
    inputs         source ("generator" or "poisson"), n, rate_Hz for Poisson inputs, and
                   spikes as [neuron, step] pairs (recorded in Brian2 for Poisson inputs)
    plastic        the plastic synapses from the inputs: pre, post, w0, and delay_ms
                   (0, one number, or one number per synapse)
    drive          null, or a second generator with fixed-weight voltage synapses onto
                   the neurons (n, spikes, pre, post, and w in mV per synapse)
    record         w_interval_steps, v_interval_steps
    expected       w[k][s]: weight of synapse s at the start of step k * w_interval_steps;
                   v_mV[k][i] (and ge[k][i] for conductance neurons) likewise for
                   v_interval_steps; post_spikes as [neuron, step] pairs

State monitors sample at the start of a step (Brian2's 'start' slot), so sample k holds
the state after every event of the steps before it.
"""

import json
import os
import platform
import sys

import numpy as np
import brian2
from brian2 import (
    NeuronGroup,
    Network,
    PoissonGroup,
    SpikeGeneratorGroup,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    defaultclock,
    ms,
    mV,
    Hz,
    prefs,
    seed,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "crates", "hebbian", "tests", "fixtures", "brian2")
SCRIPT = "scripts/brian2_reference.py"
DT_MS = 0.1

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

# The tutorial's rule: tau_pre = tau_post = 20 ms, A_pre = 0.01, A_post = -1.05 A_pre.
TUTORIAL_STDP = {
    "tau_pre_ms": 20.0,
    "tau_post_ms": 20.0,
    "A_pre": 0.01,
    "A_post": -1.05 * 0.01,
    "w_max": 1.0,
}

# The tutorial's neuron: tau_m 20 ms, rest -70 mV, threshold -55 mV, reset -75 mV.
TUTORIAL_NEURON = {
    "model": "current",
    "v_rest_mV": -70.0,
    "v_th_mV": -55.0,
    "v_reset_mV": -75.0,
    "tau_m_ms": 20.0,
    "t_ref_ms": 0.0,
}


def spikes_to_pairs(monitor, dt_ms):
    """Return a SpikeMonitor's spikes as [neuron, step] pairs sorted by (step, neuron)."""
    steps = np.round(np.asarray(monitor.t / ms) / dt_ms).astype(int)
    pairs = sorted(zip(steps.tolist(), np.asarray(monitor.i).tolist()))
    return [[int(i), int(step)] for step, i in pairs]


def random_train_steps(rng, n, rate_hz, steps):
    """Draw Bernoulli spike trains as [neuron, step] pairs, at most one spike per step."""
    p = rate_hz * DT_MS * 1e-3
    fired = rng.random((steps, n)) < p
    step_index, neuron = np.nonzero(fired)
    return [[int(i), int(s)] for s, i in zip(step_index, neuron)]


def generator(pairs, n):
    """Build a SpikeGeneratorGroup that fires at the given [neuron, step] pairs."""
    indices = np.array([i for i, _ in pairs], dtype=int)
    times = np.array([s for _, s in pairs], dtype=float) * DT_MS * ms
    return SpikeGeneratorGroup(n, indices, times)


def neuron_group(params, n):
    """Build the postsynaptic neurons, with a refractory period only if t_ref_ms > 0."""
    namespace = {
        "v_rest": params["v_rest_mV"] * mV,
        "v_th": params["v_th_mV"] * mV,
        "v_reset": params["v_reset_mV"] * mV,
        "tau_m": params["tau_m_ms"] * ms,
    }
    refractory = params["t_ref_ms"] * ms if params["t_ref_ms"] > 0 else False
    flag = " (unless refractory)" if refractory is not False else ""
    if params["model"] == "current":
        equations = f"dv/dt = (v_rest - v)/tau_m : volt{flag}"
        method = "exact"
    else:
        namespace["tau_e"] = params["tau_e_ms"] * ms
        namespace["E_e"] = params["e_e_mV"] * mV
        equations = f"""
        dv/dt = (ge*(E_e - v) + v_rest - v)/tau_m : volt{flag}
        dge/dt = -ge/tau_e : 1
        """
        method = "exponential_euler"
    group = NeuronGroup(
        n,
        equations,
        threshold="v > v_th",
        reset="v = v_reset",
        refractory=refractory,
        method=method,
        namespace=namespace,
    )
    group.v = params["v_rest_mV"] * mV
    return group


def jump_code(params, variable, weight):
    """Return the on_pre line that makes an arrival act on the postsynaptic neuron."""
    if params["model"] == "conductance":
        return f"ge_post += {weight}"
    if params["t_ref_ms"] > 0:
        return f"{variable}_post += {weight}*mV*int(not_refractory_post)"
    return f"{variable}_post += {weight}*mV"


def simulate(case):
    """Run one case in Brian2 and return the fixture as a dictionary."""
    brian2.start_scope()
    defaultclock.dt = DT_MS * ms
    seed(case["seed"])
    neuron = case["neuron"]
    stdp = case["stdp"]
    inputs = case["inputs"]
    plastic = case["plastic"]
    drive = case.get("drive")
    steps = case["steps"]
    w_interval = case["record"]["w_interval_steps"]
    v_interval = case["record"]["v_interval_steps"]
    objects = []

    # inputs: a spike generator, or a Poisson group whose spikes are recorded
    if inputs["source"] == "generator":
        source = generator(inputs["spikes"], inputs["n"])
    else:
        source = PoissonGroup(inputs["n"], rates=inputs["rate_Hz"] * Hz)
        input_monitor = SpikeMonitor(source)
        objects.append(input_monitor)
    posts = neuron_group(neuron, neuron["n"])
    objects += [source, posts]

    # plastic synapses from the inputs
    syn = Synapses(
        source,
        posts,
        model=STDP_MODEL,
        on_pre=jump_code(neuron, "v", "w") + STDP_ON_PRE,
        on_post=STDP_ON_POST,
        namespace={
            "tau_pre": stdp["tau_pre_ms"] * ms,
            "tau_post": stdp["tau_post_ms"] * ms,
            "A_pre": stdp["A_pre"],
            "A_post": stdp["A_post"],
            "w_max": stdp["w_max"],
        },
    )
    syn.connect(i=np.array(plastic["pre"]), j=np.array(plastic["post"]))
    syn.w = np.array(plastic["w0"])
    delay = plastic["delay_ms"]
    syn.delay = np.array(delay) * ms if isinstance(delay, list) else delay * ms
    objects.append(syn)

    # optional fixed-weight drive that makes the neurons fire at chosen moments
    if drive is not None:
        drive_source = generator(drive["spikes"], drive["n"])
        drive_syn = Synapses(
            drive_source, posts, model="w_drive : 1",
            on_pre=jump_code(neuron, "v", "w_drive"),
        )
        drive_syn.connect(i=np.array(drive["pre"]), j=np.array(drive["post"]))
        drive_syn.w_drive = np.array(drive["w"])
        objects += [drive_source, drive_syn]

    # monitors sample at the start of each step
    w_monitor = StateMonitor(syn, "w", record=True, dt=w_interval * DT_MS * ms)
    variables = ["v", "ge"] if neuron["model"] == "conductance" else ["v"]
    v_monitor = StateMonitor(posts, variables, record=True, dt=v_interval * DT_MS * ms)
    post_monitor = SpikeMonitor(posts)
    objects += [w_monitor, v_monitor, post_monitor]

    net = Network(*objects)
    net.run(steps * DT_MS * ms)

    fixture = {
        "name": case["name"],
        "description": case["description"],
        "generated_by": {
            "script": SCRIPT,
            "python": platform.python_version(),
            "brian2": brian2.__version__,
            "numpy": np.__version__,
            "codegen_target": prefs.codegen.target,
        },
        "dt_ms": DT_MS,
        "steps": steps,
        "seed": case["seed"],
        "neuron": neuron,
        "stdp": stdp,
        "inputs": dict(inputs),
        "plastic": plastic,
        "drive": drive,
        "record": case["record"],
    }
    if inputs["source"] == "poisson":
        fixture["inputs"]["spikes"] = spikes_to_pairs(input_monitor, DT_MS)
    expected = {
        "w": np.asarray(w_monitor.w).T.tolist(),
        "v_mV": (np.asarray(v_monitor.v / mV)).T.tolist(),
        "post_spikes": spikes_to_pairs(post_monitor, DT_MS),
    }
    if neuron["model"] == "conductance":
        expected["ge"] = np.asarray(v_monitor.ge).T.tolist()
    fixture["expected"] = expected
    return fixture


def all_to_all(n_pre, n_post):
    """Return the pre and post lists of all-to-all connectivity, sorted by (pre, post)."""
    pre = [j for j in range(n_pre) for _ in range(n_post)]
    post = [i for _ in range(n_pre) for i in range(n_post)]
    return pre, post


def generator_case(name, description, rng, t_ref_ms=0.0, delays_ms=None):
    """Three generator inputs onto two current-based neurons, plus a drive that fires them.

    The plastic inputs (60 Hz, w0 in [0.3, 0.9) mV) cannot fire a neuron alone. The
    drive has two sources per neuron. The first spikes at random (60 Hz, 12 mV) and fires
    the neuron when two of its spikes, or one spike and a few inputs, come close
    together. The second (25 mV, enough from any potential above v_reset) fires the
    neuron one step after each of its spikes, every 20 ms. Input 0 is given a spike that
    arrives in that spike step, and input 1 one that arrives a step later, so the
    fixture contains same-step pairs, jumps that the reset overwrites and, with a
    refractory period, jumps during it.

    `delays_ms` is None (no delay), one delay, or one delay per plastic synapse.
    """
    steps = 2000
    n_pre, n_post = 3, 2
    pre, post = all_to_all(n_pre, n_post)
    neuron = dict(TUTORIAL_NEURON, n=n_post, t_ref_ms=t_ref_ms)
    if delays_ms is None:
        delays_ms = 0.0
    per_synapse = delays_ms if isinstance(delays_ms, list) else [delays_ms] * len(pre)

    def delay_steps(j, i):
        s = next(k for k in range(len(pre)) if pre[k] == j and post[k] == i)
        return int(round(per_synapse[s] / DT_MS))

    # random input spikes, plus spikes that arrive in and just after each forced spike
    inputs = {tuple(pair) for pair in random_train_steps(rng, n_pre, 60.0, steps)}
    forcing = []
    for i in range(n_post):
        for m in range(100 + 37 * i, steps - 10, 200):
            forcing.append([n_post + i, m])
            inputs.add((0, m + 1 - delay_steps(0, i)))
            inputs.add((1, m + 2 - delay_steps(1, i)))
    input_spikes = sorted([list(pair) for pair in inputs], key=lambda p: (p[1], p[0]))

    drive_spikes = random_train_steps(rng, n_post, 60.0, steps) + forcing
    drive_spikes.sort(key=lambda p: (p[1], p[0]))
    return {
        "name": name,
        "description": description,
        "seed": 0,
        "steps": steps,
        "neuron": neuron,
        "stdp": TUTORIAL_STDP,
        "inputs": {"source": "generator", "n": n_pre, "spikes": input_spikes},
        "plastic": {
            "pre": pre,
            "post": post,
            "w0": rng.uniform(0.3, 0.9, len(pre)).round(6).tolist(),
            "delay_ms": delays_ms,
        },
        "drive": {
            "n": 2 * n_post,
            "spikes": drive_spikes,
            "pre": list(range(2 * n_post)),
            "post": list(range(n_post)) * 2,
            "w": [12.0] * n_post + [25.0] * n_post,
        },
        "record": {"w_interval_steps": 1, "v_interval_steps": 1},
    }


def cases():
    """Return the definitions of every fixture, with inputs drawn from fixed seeds."""
    rng = np.random.default_rng(20001)
    yield generator_case(
        "pair_stdp_current_lif",
        "Pair STDP on three generator inputs onto two current-based LIF neurons that a "
        "second generator drives to fire; no delay, no refractory period.",
        rng,
    )

    rng = np.random.default_rng(20002)
    yield generator_case(
        "homogeneous_delay_current_lif",
        "As pair_stdp_current_lif with a 3 ms axonal delay on every plastic synapse.",
        rng,
        delays_ms=3.0,
    )

    rng = np.random.default_rng(20003)
    yield generator_case(
        "per_synapse_delay_current_lif",
        "As pair_stdp_current_lif with a different axonal delay on each plastic synapse "
        "(0 to 5 ms).",
        rng,
        delays_ms=[0.0, 0.5, 1.2, 2.0, 3.7, 5.0],
    )

    rng = np.random.default_rng(20004)
    yield generator_case(
        "refractory_current_lif",
        "As pair_stdp_current_lif with a 2 ms refractory period; voltage jumps are "
        "written v_post += w*mV*int(not_refractory_post) in Brian2.",
        rng,
        t_ref_ms=2.0,
    )

    n_pre, n_post = 40, 4
    pre, post = all_to_all(n_pre, n_post)
    rng = np.random.default_rng(20005)
    yield {
        "name": "poisson_current_lif",
        "description": "40 Poisson inputs at 25 Hz onto 4 current-based LIF neurons, "
        "all to all, pair STDP; Brian2's Poisson spikes are recorded and replayed.",
        "seed": 20005,
        "steps": 5000,
        "neuron": dict(TUTORIAL_NEURON, n=n_post),
        "stdp": TUTORIAL_STDP,
        "inputs": {"source": "poisson", "n": n_pre, "rate_Hz": 25.0},
        "plastic": {
            "pre": pre,
            "post": post,
            "w0": rng.uniform(0.5, 1.0, len(pre)).round(6).tolist(),
            "delay_ms": 0.0,
        },
        "drive": None,
        "record": {"w_interval_steps": 100, "v_interval_steps": 2},
    }

    # Song, Miller & Abbott (2000) with the constants of examples/song2000.toml, fewer
    # inputs and a larger w_max so that the neuron fires, and a faster rule (A_pre =
    # 0.05 w_max) so that weights reach both bounds within the run.
    n_pre = 100
    w_max = 0.08
    rng = np.random.default_rng(20006)
    yield {
        "name": "song2000_conductance_lif",
        "description": "100 Poisson inputs at 15 Hz onto one conductance-based LIF "
        "neuron (Song, Miller & Abbott 2000), additive pair STDP, exponential Euler.",
        "seed": 20006,
        "steps": 20000,
        "neuron": {
            "model": "conductance",
            "n": 1,
            "v_rest_mV": -74.0,
            "v_th_mV": -54.0,
            "v_reset_mV": -60.0,
            "tau_m_ms": 10.0,
            "t_ref_ms": 0.0,
            "tau_e_ms": 5.0,
            "e_e_mV": 0.0,
        },
        "stdp": {
            "tau_pre_ms": 20.0,
            "tau_post_ms": 20.0,
            "A_pre": 0.05 * w_max,
            "A_post": -1.05 * 0.05 * w_max,
            "w_max": w_max,
        },
        "inputs": {"source": "poisson", "n": n_pre, "rate_Hz": 15.0},
        "plastic": {
            "pre": list(range(n_pre)),
            "post": [0] * n_pre,
            "w0": rng.uniform(0.0, w_max, n_pre).round(8).tolist(),
            "delay_ms": 0.0,
        },
        "drive": None,
        "record": {"w_interval_steps": 500, "v_interval_steps": 4},
    }


def arrivals_after_spikes(fixture):
    """Count the arrivals at a neuron in the step of one of its spikes and in the
    refractory steps after it, and return the two counts."""
    dt = fixture["dt_ms"]
    refractory = int(round(fixture["neuron"]["t_ref_ms"] / dt))
    spike_steps = {}
    for i, step in fixture["expected"]["post_spikes"]:
        spike_steps.setdefault(i, set()).add(step)
    arrivals = []
    plastic = fixture["plastic"]
    delays = plastic["delay_ms"]
    if not isinstance(delays, list):
        delays = [delays] * len(plastic["pre"])
    for s, (j, i) in enumerate(zip(plastic["pre"], plastic["post"])):
        delay = int(round(delays[s] / dt))
        arrivals += [(i, step + delay) for k, step in fixture["inputs"]["spikes"] if k == j]
    drive = fixture["drive"]
    if drive is not None:
        for j, i in zip(drive["pre"], drive["post"]):
            arrivals += [(i, step) for k, step in drive["spikes"] if k == j]
    same_step = sum(1 for i, step in arrivals if step in spike_steps.get(i, ()))
    refractory_steps = sum(
        1
        for i, step in arrivals
        if any(step - d in spike_steps.get(i, ()) for d in range(1, refractory))
    )
    return same_step, refractory_steps


def main():
    prefs.codegen.target = "numpy"
    os.makedirs(OUT_DIR, exist_ok=True)
    for case in cases():
        fixture = simulate(case)
        path = os.path.join(OUT_DIR, case["name"] + ".json")
        with open(path, "w") as f:
            json.dump(fixture, f, separators=(",", ":"))
            f.write("\n")
        spikes = fixture["expected"]["post_spikes"]
        same_step, refractory = arrivals_after_spikes(fixture)
        size_kb = os.path.getsize(path) / 1024
        print(
            f"{case['name']}: {len(spikes)} postsynaptic spikes, "
            f"{len(fixture['inputs']['spikes'])} input spikes, {same_step} arrivals in a "
            f"spike step, {refractory} while refractory, {size_kb:.0f} KiB",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
