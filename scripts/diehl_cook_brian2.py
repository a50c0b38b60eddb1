"""Write a Brian2 reference run of the Diehl & Cook network for the Rust tests.

The Brian2 model is written from the module documentation of
crates/hebbian/src/spiking/diehl_cook.rs (equations, order within a step and the
constants of its table, which are the values of Diehl & Cook 2015), with 100
excitatory neurons and 784 inputs. It trains on a few synthetic 28 x 28 images and
writes the run as crates/hebbian/tests/fixtures/brian2/diehl_cook_synthetic.json.
crates/hebbian/tests/diehl_cook_brian2.rs builds the same network with the hebbian API,
shows it the same input spikes and requires the same excitatory spikes.

Usage (from the repository root, with the packages of scripts/requirements.txt):

    scripts/.venv/bin/python scripts/diehl_cook_brian2.py
    scripts/.venv/bin/python scripts/diehl_cook_brian2.py --scheme euler --out /tmp/euler.json

Both programs draw the random numbers of the run from one integer hash, so that neither
needs the other's random generator and the test needs no data set. With splitmix64
the output function of the SplitMix64 generator (see splitmix64() below) and
uniform(tag, n) = (splitmix64(tag << 56 | n) >> 11) / 2^53:

    initial weight of input i onto neuron j   0.3 * (uniform(1, 784*j + i) + 0.01)
    its delay in steps                        min(floor(20 * uniform(2, 784*j + i)), 19)
    input i fires at step s of attempt a      uniform(3, 784*(700*a + s) + i) < p
    weight digest coefficient of input i      uniform(4, i)

where a counts attempts over the whole run, retries included, and
p = level/255 * (r_max + retry*r_step) * dt/1000 is the spike probability of a pixel
of that level. The weights are normalized to sum to 78 per neuron before the first
image and after the rest that follows each attempt. An image is shown again, with
higher rates, while its presentation draws fewer than 5 excitatory spikes; Brian2
decides this from its own spikes.

Schemes for the membrane potential v (--scheme):
  implicit  The linearly implicit Euler step that hebbian documents, with the
            conductances of the start of the step, written as a run_regularly
            operation that runs before the state updater. The conductances and θ take
            Brian2's forward Euler steps. This scheme writes the fixture.
  euler     Brian2's method='euler' for v too: forward Euler, the scheme of the
            published simulation. It shows how much the spikes depend on the scheme;
            hebbian does not match it.

Where hebbian's documented scheme still departs from this model, by amounts far below
the test's tolerances:
  - θ: hebbian multiplies by exp(-dt/τ_θ) per step, Brian2 by 1 - dt/τ_θ; with
    τ_θ = 10⁷ ms the factors differ by about 10⁻¹⁵.
  - traces: both decay exactly (Brian2's event-driven updates), but hebbian reads
    traces below 10⁻¹⁸ as zero.
  - sums: conductance increments and weight sums are added in different orders.

The fixture contains:

    name, description
    generated_by   script path, Python, Brian2 and NumPy versions, code generation target
    scheme         "implicit" or "euler"
    network        n_input, n_exc, dt_ms, presentation_steps, rest_steps, max_rate_Hz,
                   rate_step_Hz, min_spikes, max_attempts, weight_sum
    images         per image, its non-zero pixels as [pixel, level] pairs (level 1-255)
    attempts       per attempt: image, retry, rate_Hz, start_step, input_spikes (count),
                   input_checksum (sum of 784*step + input over its input spikes, with
                   steps counted from the attempt's start), presentation_spikes, and
                   exc_spikes as [step, neuron] pairs over the presentation and the rest
                   that follows it, steps counted from the start of the run
    final          after the last attempt's normalization: steps, theta_mV, v_exc_mV,
                   v_inh_mV, and per neuron the weight digests w_sq_sum (sum of w²) and
                   w_projection (sum of w times the digest coefficient of its input)
"""

import argparse
import json
import pathlib
import platform
import sys
import time

import brian2 as b2
import numpy as np
from brian2 import ms, mV

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "crates" / "hebbian" / "tests" / "fixtures" / "brian2" / "diehl_cook_synthetic.json"
SCRIPT = "scripts/diehl_cook_brian2.py"

# Constants of the module documentation's table.
N_INPUT = 784
N_EXC = 100
DT_MS = 0.5
DT = DT_MS * ms
PRESENTATION_STEPS = 700
REST_STEPS = 300
MAX_RATE_HZ = 63.75
RATE_STEP_HZ = 31.875
MIN_SPIKES = 5
MAX_ATTEMPTS = 20
EXC = dict(v_rest=-65 * mV, v_reset=-65 * mV, v_th=-52 * mV, tau_m=100 * ms,
           t_ref=5 * ms, e_exc=0 * mV, e_inh=-100 * mV)
INH = dict(v_rest=-60 * mV, v_reset=-45 * mV, v_th=-40 * mV, tau_m=10 * ms,
           t_ref=2 * ms, e_exc=0 * mV, e_inh=-85 * mV)
V_INIT_EXC = -105 * mV
V_INIT_INH = -100 * mV
TAU_GE = 1 * ms
TAU_GI = 2 * ms
THETA_INIT = 20 * mV
THETA_PLUS = 0.05 * mV
TAU_THETA = 1e7 * ms
THETA_OFFSET = 20 * mV
W_EXC_INH = 10.4
W_INH_EXC = 17.0
NU_PRE = 1e-4
NU_POST = 1e-2
TAU_PRE = 20 * ms
TAU_POST1 = 20 * ms
TAU_POST2 = 40 * ms
W_MAX = 1.0
WEIGHT_SUM = 78.0
W_INIT_SCALE = 0.3
W_INIT_OFFSET = 0.01
MAX_DELAY_STEPS = 20

# Tags of the hash streams (see the module docstring).
WEIGHT_TAG = 1
DELAY_TAG = 2
INPUT_TAG = 3
DIGEST_TAG = 4


def splitmix64(x):
    """Apply SplitMix64's increment and finalizer to a uint64 array (arithmetic mod 2^64)."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniform(tag, index):
    """Return uniform numbers in [0, 1) for a tag and an array of indices below 2^56."""
    keys = np.uint64(tag << 56) | np.asarray(index, dtype=np.uint64)
    return (splitmix64(keys) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def synthetic_images():
    """Return eight 28 x 28 images as lists of [pixel, level] pairs.

    Strokes with a bright core and dimmer edges (two bars, a ring, two diagonals and a
    cross), a filled disc, and a faint square that draws too few spikes at the first
    rate, so that the run contains retries.
    """
    rows, cols = np.divmod(np.arange(N_INPUT), 28)
    inside = (rows >= 4) & (rows < 24) & (cols >= 4) & (cols < 24)
    images = []

    def stroke(distance, half_width):
        """Levels 255 within half_width of a line and 128 one pixel further."""
        return np.where(distance < half_width, 255, np.where(distance < half_width + 1, 128, 0))

    images.append(np.where(inside, stroke(np.abs(cols - 13.5), 1), 0))
    images.append(np.where(inside, stroke(np.abs(rows - 13.5), 1), 0))
    radius = np.sqrt((rows - 13.5) ** 2 + (cols - 13.5) ** 2)
    images.append(stroke(np.abs(radius - 8.5), 0.75))
    images.append(np.where(inside, stroke(np.abs(rows - cols), 0.5), 0))
    images.append(np.where(inside, stroke(np.abs(rows + cols - 27), 0.5), 0))
    cross = np.minimum(np.abs(rows - 13.5), np.abs(cols - 13.5))
    images.append(np.where(inside, stroke(cross, 0.5), 0))
    images.append(np.where(radius < 5, 200, 0))
    square = (np.abs(rows - 13.5) < 4) & (np.abs(cols - 13.5) < 4)
    images.append(np.where(square, 100, 0))

    return [[[int(i), int(level[i])] for i in np.flatnonzero(level)] for level in images]


def initial_weights_and_delays():
    """Return the initial weights and delays (steps) as (n_exc, n_input) arrays."""
    synapse = np.arange(N_EXC * N_INPUT)
    w = W_INIT_SCALE * (uniform(WEIGHT_TAG, synapse) + W_INIT_OFFSET)
    delays = np.minimum(np.floor(uniform(DELAY_TAG, synapse) * float(MAX_DELAY_STEPS)),
                        MAX_DELAY_STEPS - 1).astype(np.int64)
    return w.reshape(N_EXC, N_INPUT), delays.reshape(N_EXC, N_INPUT)


def input_spikes(image, attempt, rate_hz):
    """Return the input spikes of one attempt as (step, input) arrays, steps from its start."""
    pixels = np.array([p for p, _ in image], dtype=np.int64)
    levels = np.array([level for _, level in image], dtype=np.float64)
    # Same operation order as crates/hebbian/tests/diehl_cook_brian2.rs, so that both
    # get the same probabilities.
    p = levels / 255.0 * rate_hz * DT_MS / 1000.0
    steps = np.arange(PRESENTATION_STEPS, dtype=np.int64)
    index = (attempt * PRESENTATION_STEPS + steps[:, None]) * N_INPUT + pixels[None, :]
    fired = uniform(INPUT_TAG, index) < p[None, :]
    step, column = np.nonzero(fired)
    return step.astype(np.int64), pixels[column]


def normalize(w):
    """Scale each row to WEIGHT_SUM as hebbian does (factor first, then the product)."""
    sums = w.sum(axis=1, keepdims=True)
    factors = np.where(sums > 0, WEIGHT_SUM / np.where(sums > 0, sums, 1.0), 1.0)
    return w * factors


def neuron_group(consts, scheme, adaptive, name):
    """Create one population with conductance inputs, and with adaptive θ if `adaptive`."""
    namespace = dict(consts, tau_ge=TAU_GE, tau_gi=TAU_GI, tau_theta=TAU_THETA,
                     theta_plus=THETA_PLUS, theta_offset=THETA_OFFSET)
    if scheme == "euler":
        v_equation = ("dv/dt = ((v_rest - v) + ge*(e_exc - v) + gi*(e_inh - v)) / tau_m "
                      ": volt (unless refractory)")
    else:
        v_equation = "v : volt"
    equations = [v_equation, "dge/dt = -ge/tau_ge : 1", "dgi/dt = -gi/tau_gi : 1"]
    if adaptive:
        equations.append("dtheta/dt = -theta/tau_theta : volt")
        threshold = "v > v_th - theta_offset + theta"
        reset = "v = v_reset\ntheta += theta_plus"
    else:
        threshold = "v > v_th"
        reset = "v = v_reset"
    group = b2.NeuronGroup(N_EXC, "\n".join(equations), threshold=threshold, reset=reset,
                           refractory=consts["t_ref"], method="euler",
                           namespace=namespace, name=name)
    if scheme == "implicit":
        # v ← (v + k (v_rest + g_e E_exc + g_i E_inh)) / (1 + k (1 + g_e + g_i)), k = dt/τ_m,
        # with the conductances of the start of the step. A refractory neuron keeps its
        # potential, which the reset set to v_reset. Order −1 runs this before the state
        # updater, which then decays the conductances.
        group.run_regularly(
            "integrating = int(timestep(t - lastspike, dt) >= timestep(t_ref, dt))\n"
            "v_next = (v + dt/tau_m*(v_rest + ge*e_exc + gi*e_inh))"
            " / (1 + dt/tau_m*(1 + ge + gi))\n"
            "v = integrating*v_next + (1 - integrating)*v",
            when="groups", order=-1)
    return group


def build(w, delays, scheme):
    """Build the network with initial weights `w` and delays in steps, both (n_exc, n_input)."""
    exc = neuron_group(EXC, scheme, adaptive=True, name="exc")
    inh = neuron_group(INH, scheme, adaptive=False, name="inh")
    exc.v = V_INIT_EXC
    exc.theta = THETA_INIT
    inh.v = V_INIT_INH
    source = b2.SpikeGeneratorGroup(N_INPUT, [], [] * ms, name="input")

    exc_to_inh = b2.Synapses(exc, inh, on_pre="ge_post += w_exc_inh",
                             namespace=dict(w_exc_inh=W_EXC_INH), name="exc_to_inh")
    exc_to_inh.connect(j="i")
    inh_to_exc = b2.Synapses(inh, exc, on_pre="gi_post += w_inh_exc",
                             namespace=dict(w_inh_exc=W_INH_EXC), name="inh_to_exc")
    inh_to_exc.connect(condition="i != j")

    # Traces are set to 1 at a spike and decay exactly. An arrival adds the weight from
    # before its update to g_e and then depresses by η_pre x_post1. A postsynaptic spike
    # potentiates by η_post x_pre x_post2, with x_post2 read before the spike resets it.
    # Brian2 runs the presynaptic pathway before the postsynaptic one within a step, as
    # hebbian does. The trace is called pre_trace because `pre` names the pathway.
    plastic = b2.Synapses(
        source, exc,
        model="""w : 1
                 dpre_trace/dt = -pre_trace/tau_pre : 1 (event-driven)
                 dpost1_trace/dt = -post1_trace/tau_post1 : 1 (event-driven)
                 dpost2_trace/dt = -post2_trace/tau_post2 : 1 (event-driven)""",
        on_pre="""ge_post += w
                  pre_trace = 1
                  w = clip(w - nu_pre*post1_trace, 0, w_max)""",
        on_post="""w = clip(w + nu_post*pre_trace*post2_trace, 0, w_max)
                   post1_trace = 1
                   post2_trace = 1""",
        namespace=dict(tau_pre=TAU_PRE, tau_post1=TAU_POST1, tau_post2=TAU_POST2,
                       nu_pre=NU_PRE, nu_post=NU_POST, w_max=W_MAX),
        name="plastic")
    plastic.connect()
    pre_index = np.asarray(plastic.i[:])
    post_index = np.asarray(plastic.j[:])
    plastic.w = w[post_index, pre_index]
    plastic.delay = delays[post_index, pre_index] * DT

    monitor = b2.SpikeMonitor(exc, name="exc_spikes")
    net = b2.Network(exc, inh, source, exc_to_inh, inh_to_exc, plastic, monitor)
    return dict(net=net, exc=exc, inh=inh, source=source, plastic=plastic,
                monitor=monitor, pre_index=pre_index, post_index=post_index)


def read_weights(sim):
    """Return the input weights as (n_exc, n_input), like hebbian's `weights()`."""
    w = np.zeros((N_EXC, N_INPUT))
    w[sim["post_index"], sim["pre_index"]] = sim["plastic"].w[:]
    return w


def write_weights(sim, w):
    sim["plastic"].w = w[sim["post_index"], sim["pre_index"]]


def exc_spike_pairs(sim, start, end):
    """Return the excitatory spikes with start ≤ step < end as [step, neuron] pairs."""
    steps = np.round(np.asarray(sim["monitor"].t / DT)).astype(np.int64)
    neurons = np.asarray(sim["monitor"].i[:], dtype=np.int64)
    keep = (steps >= start) & (steps < end)
    return sorted([int(s), int(i)] for s, i in zip(steps[keep], neurons[keep]))


def run(scheme):
    """Train on the synthetic images and return the fixture as a dictionary."""
    b2.start_scope()
    b2.defaultclock.dt = DT
    images = synthetic_images()
    initial_w, delays = initial_weights_and_delays()
    sim = build(normalize(initial_w), delays, scheme)

    attempts = []
    started = time.time()
    for image_index, image in enumerate(images):
        for retry in range(MAX_ATTEMPTS):
            attempt = len(attempts)
            rate_hz = MAX_RATE_HZ + retry * RATE_STEP_HZ
            start = attempt * (PRESENTATION_STEPS + REST_STEPS)
            steps, inputs = input_spikes(image, attempt, rate_hz)
            sim["source"].set_spikes(inputs, (start + steps) * DT)
            # Every constant is in a group's namespace, so no name comes from this frame.
            sim["net"].run((PRESENTATION_STEPS + REST_STEPS) * DT, namespace={})
            write_weights(sim, normalize(read_weights(sim)))

            spikes = exc_spike_pairs(sim, start, start + PRESENTATION_STEPS + REST_STEPS)
            presentation = sum(1 for s, _ in spikes if s < start + PRESENTATION_STEPS)
            attempts.append(dict(
                image=image_index, retry=retry, rate_Hz=rate_hz, start_step=start,
                input_spikes=int(len(steps)),
                input_checksum=int(np.sum(steps * N_INPUT + inputs)),
                presentation_spikes=presentation, exc_spikes=spikes))
            print(f"attempt {attempt}: image {image_index}, retry {retry}, "
                  f"{len(steps)} input spikes, {presentation} excitatory spikes in the "
                  f"presentation, {len(spikes)} with the rest, "
                  f"{time.time() - started:.0f} s", file=sys.stderr)
            if presentation >= MIN_SPIKES:
                break

    w_final = read_weights(sim)
    coefficients = uniform(DIGEST_TAG, np.arange(N_INPUT))
    return {
        "name": "diehl_cook_synthetic",
        "description": "Diehl & Cook network with 100 excitatory neurons trained on eight "
        "synthetic images; initial weights, delays and input spikes come from a hash.",
        "generated_by": {
            "script": SCRIPT,
            "python": platform.python_version(),
            "brian2": b2.__version__,
            "numpy": np.__version__,
            "codegen_target": b2.prefs.codegen.target,
        },
        "scheme": scheme,
        "network": {
            "n_input": N_INPUT,
            "n_exc": N_EXC,
            "dt_ms": DT_MS,
            "presentation_steps": PRESENTATION_STEPS,
            "rest_steps": REST_STEPS,
            "max_rate_Hz": MAX_RATE_HZ,
            "rate_step_Hz": RATE_STEP_HZ,
            "min_spikes": MIN_SPIKES,
            "max_attempts": MAX_ATTEMPTS,
            "weight_sum": WEIGHT_SUM,
        },
        "images": images,
        "attempts": attempts,
        "final": {
            "steps": int(round(float(sim["net"].t / DT))),
            "theta_mV": (np.asarray(sim["exc"].theta[:] / mV)).tolist(),
            "v_exc_mV": (np.asarray(sim["exc"].v[:] / mV)).tolist(),
            "v_inh_mV": (np.asarray(sim["inh"].v[:] / mV)).tolist(),
            "w_sq_sum": (w_final**2).sum(axis=1).tolist(),
            "w_projection": (w_final * coefficients[None, :]).sum(axis=1).tolist(),
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scheme", choices=["implicit", "euler"], default="implicit",
                        help="integration of the membrane potential (default: implicit)")
    parser.add_argument("--out", type=pathlib.Path, default=None,
                        help=f"output JSON file (default for --scheme implicit: {FIXTURE.relative_to(ROOT)})")
    args = parser.parse_args()
    if args.out is None:
        if args.scheme != "implicit":
            parser.error("--scheme euler needs --out, because the fixture is the implicit run")
        args.out = FIXTURE

    b2.prefs.codegen.target = "numpy"
    fixture = run(args.scheme)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    attempts = fixture["attempts"]
    spikes = sum(a["presentation_spikes"] for a in attempts)
    print(f"{args.out}: {len(attempts)} attempts, {spikes} excitatory spikes in "
          f"presentations, {args.out.stat().st_size / 1024:.0f} KiB", file=sys.stderr)


if __name__ == "__main__":
    main()
