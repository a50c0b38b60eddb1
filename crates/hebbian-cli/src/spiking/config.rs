//! The schema of spiking experiment files (`family = "spiking"`) and of the STDP window
//! protocol (`family = "stdp-window"`).
//!
//! Groups, synapse groups and monitors are tables keyed by name, so that `--set` can
//! reach them: `--set synapses.input.weight=2.0`. Names are processed in alphabetical
//! order (the order of the random streams). Dimensioned values are strings with units.
//! Weights and STDP amplitudes are plain numbers in the weight's unit: mV per spike for
//! `target = "voltage"`, units of the leak conductance for `target = "conductance"`.

use std::collections::BTreeMap;

use hebbian::spiking::{Pairing, TripletStdp};
use serde::{Deserialize, Serialize};

use crate::units::{Rate, Time, Voltage};

/// A spiking network experiment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpikingExperiment {
    /// Model family; always "spiking" here.
    pub family: String,
    /// Short name, used for the default output folder.
    pub name: String,
    /// One line shown by `hebbian list`.
    #[serde(default)]
    pub description: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Step and duration.
    pub run: RunConfig,
    /// Neuron and input groups by name.
    pub groups: BTreeMap<String, GroupConfig>,
    /// Synapse groups by name.
    #[serde(default)]
    pub synapses: BTreeMap<String, SynapsesConfig>,
    /// Monitors by name; the name is also the stem of the output files.
    #[serde(default)]
    pub monitors: BTreeMap<String, MonitorConfig>,
    /// Output settings.
    #[serde(default)]
    pub output: OutputConfig,
}

/// `[run]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Integration step.
    #[serde(default = "default_dt")]
    pub dt: Time,
    /// Simulated time.
    pub duration: Time,
}

fn default_dt() -> Time {
    Time::new(0.1)
}

/// Kinds of groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupKind {
    Poisson,
    Lif,
    SpikeGenerator,
}

/// `[groups.NAME]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    /// `poisson`, `lif` or `spike-generator`.
    pub kind: GroupKind,
    /// Number of neurons.
    pub n: usize,
    /// Poisson: rate of every neuron.
    pub rate: Option<Rate>,
    /// LIF: membrane time constant (default 20 ms).
    pub tau_m: Option<Time>,
    /// LIF: resting potential (default -70 mV).
    pub v_rest: Option<Voltage>,
    /// LIF: threshold (default -55 mV).
    pub v_th: Option<Voltage>,
    /// LIF: reset potential (default -75 mV).
    pub v_reset: Option<Voltage>,
    /// LIF: initial potential (default v_rest).
    pub v_init: Option<Voltage>,
    /// LIF: absolute refractory period (default 0 ms).
    pub t_ref: Option<Time>,
    /// LIF: decay time constant of the excitatory conductance (default 5 ms).
    pub tau_e: Option<Time>,
    /// LIF: excitatory reversal potential (default 0 mV).
    pub e_e: Option<Voltage>,
    /// Spike generator: neuron of each spike.
    pub indices: Option<Vec<usize>>,
    /// Spike generator: time of each spike.
    pub times: Option<Vec<Time>>,
}

/// Kinds of connectivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectKind {
    AllToAll,
    OneToOne,
    Probability,
}

/// Effect of a spike on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// `v += w` (w in mV).
    #[default]
    Voltage,
    /// `g += w` (w in units of the leak conductance).
    Conductance,
    /// No effect; the weight only changes through plasticity.
    None,
}

/// `[synapses.NAME]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SynapsesConfig {
    /// Presynaptic group.
    pub pre: String,
    /// Postsynaptic group.
    pub post: String,
    /// `all-to-all`, `one-to-one` or `probability`.
    pub connect: ConnectKind,
    /// For `probability`: connection probability.
    pub p: Option<f64>,
    /// Constant initial weight (give this, or `weight_low` and `weight_high`).
    pub weight: Option<f64>,
    /// Uniform initial weights in [weight_low, weight_high).
    pub weight_low: Option<f64>,
    /// Uniform initial weights in [weight_low, weight_high).
    pub weight_high: Option<f64>,
    /// `voltage` (default), `conductance` or `none`.
    #[serde(default)]
    pub target: TargetKind,
    /// Axonal delay (default 0 ms).
    pub delay: Option<Time>,
    /// Plasticity rule, if any.
    pub plasticity: Option<PlasticityConfig>,
}

/// Plasticity rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    Pair,
    Triplet,
}

/// Pairing schemes of the pair rule, as written in files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum PairingKind {
    #[default]
    AllToAll,
    NearestSymmetric,
    NearestPreCentred,
    NearestRestricted,
}

impl From<PairingKind> for Pairing {
    fn from(kind: PairingKind) -> Self {
        match kind {
            PairingKind::AllToAll => Pairing::AllToAll,
            PairingKind::NearestSymmetric => Pairing::NearestSymmetric,
            PairingKind::NearestPreCentred => Pairing::NearestPreCentred,
            PairingKind::NearestRestricted => Pairing::NearestRestricted,
        }
    }
}

/// Published parameter sets of the triplet rule (Pfister & Gerstner 2006).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TripletPreset {
    VisualCortexAllToAll,
    VisualCortexMinimal,
    HippocampalAllToAll,
    HippocampalMinimal,
    HippocampalNearest,
}

/// `[synapses.NAME.plasticity]` (and the rules of the STDP window).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlasticityConfig {
    /// `pair` or `triplet`.
    pub rule: RuleKind,
    /// Lower weight bound.
    pub w_min: f64,
    /// Upper weight bound.
    pub w_max: f64,
    /// Pair: presynaptic trace time constant; triplet: overrides the preset's.
    pub tau_plus: Option<Time>,
    /// Pair: postsynaptic trace time constant; triplet: overrides the preset's.
    pub tau_minus: Option<Time>,
    /// Pair: potentiation amplitude (positive).
    pub a_plus: Option<f64>,
    /// Pair: depression amplitude (positive).
    pub a_minus: Option<f64>,
    /// Pair: weight dependence, 0 additive (default), 1 multiplicative.
    pub mu: Option<f64>,
    /// Pair: pairing scheme (default `all-to-all`).
    pub pairing: Option<PairingKind>,
    /// Triplet: parameter set.
    pub preset: Option<TripletPreset>,
}

impl PlasticityConfig {
    /// The triplet rule of the preset, with the bounds and any time constants given.
    pub fn triplet(&self) -> Option<TripletStdp> {
        let (w_min, w_max) = (self.w_min, self.w_max);
        let mut rule = match self.preset? {
            TripletPreset::VisualCortexAllToAll => {
                TripletStdp::visual_cortex_all_to_all(w_min, w_max)
            }
            TripletPreset::VisualCortexMinimal => TripletStdp::visual_cortex_minimal(w_min, w_max),
            TripletPreset::HippocampalAllToAll => TripletStdp::hippocampal_all_to_all(w_min, w_max),
            TripletPreset::HippocampalMinimal => TripletStdp::hippocampal_minimal(w_min, w_max),
            TripletPreset::HippocampalNearest => TripletStdp::hippocampal_nearest(w_min, w_max),
        };
        if let Some(tau) = self.tau_plus {
            rule.tau_plus = tau.get();
        }
        if let Some(tau) = self.tau_minus {
            rule.tau_minus = tau.get();
        }
        Some(rule)
    }
}

/// Kinds of monitors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MonitorKind {
    /// Spike times of a group.
    Spikes,
    /// Weights of a synapse group, streamed to disk.
    Weights,
    /// `v` or `g` of a LIF group, streamed to disk.
    State,
    /// Population rate of a group in bins.
    Rate,
}

/// State variables of LIF groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StateVariable {
    V,
    G,
}

/// `[monitors.NAME]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorConfig {
    /// `spikes`, `weights`, `state` or `rate`.
    pub kind: MonitorKind,
    /// The group (spikes, state, rate).
    pub group: Option<String>,
    /// The synapse group (weights).
    pub synapses: Option<String>,
    /// State: `v` or `g`.
    pub variable: Option<StateVariable>,
    /// Recorded indices (neurons or synapses); default all for spikes.
    pub indices: Option<Vec<usize>>,
    /// Record indices `0..first` instead of listing them.
    pub first: Option<usize>,
    /// Weights and state: sampling interval (default dt).
    pub interval: Option<Time>,
    /// Rate: bin width.
    pub bin: Option<Time>,
}

/// `[output]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Draw PNG and SVG figures.
    #[serde(default = "yes")]
    pub figures: bool,
    /// Most spikes drawn in a raster (the earliest ones).
    #[serde(default = "default_raster_spikes")]
    pub raster_max_spikes: usize,
    /// Bins of the final weight histograms.
    #[serde(default = "default_bins")]
    pub histogram_bins: usize,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            figures: true,
            raster_max_spikes: default_raster_spikes(),
            histogram_bins: default_bins(),
        }
    }
}

fn yes() -> bool {
    true
}

fn default_raster_spikes() -> usize {
    200_000
}

fn default_bins() -> usize {
    20
}

fn reject(key: &str, value: impl std::fmt::Display, rule: &str) -> String {
    format!("key `{key}` = {value}: must be {rule}")
}

fn forbid<T>(key: &str, value: &Option<T>, applies_to: &str) -> Result<(), String> {
    if value.is_some() {
        Err(format!(
            "key `{key}` does not apply here: it is only used by {applies_to}"
        ))
    } else {
        Ok(())
    }
}

fn require<T: Copy>(key: &str, value: Option<T>, context: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("key `{key}` is required for {context}"))
}

fn positive_time(key: &str, value: Option<Time>) -> Result<(), String> {
    match value {
        Some(t) if t.get() <= 0.0 => Err(reject(key, t, "> 0 ms")),
        _ => Ok(()),
    }
}

impl SpikingExperiment {
    /// Checks values and combinations that the schema cannot express.
    pub fn validate(&self) -> Result<(), String> {
        if self.family != "spiking" {
            return Err(reject("family", &self.family, "\"spiking\""));
        }
        if self.name.trim().is_empty() {
            return Err("key `name` must not be empty".into());
        }
        if self.run.dt.get() <= 0.0 {
            return Err(reject("run.dt", self.run.dt, "> 0 ms"));
        }
        if self.run.duration.get() <= 0.0 {
            return Err(reject("run.duration", self.run.duration, "> 0 ms"));
        }
        if self.groups.is_empty() {
            return Err("at least one group is required, such as [groups.inputs]".into());
        }
        for (name, group) in &self.groups {
            validate_group(name, group)?;
            self.validate_rate(name, group)?;
        }
        for (name, synapses) in &self.synapses {
            self.validate_synapses(name, synapses)?;
        }
        for (name, monitor) in &self.monitors {
            self.validate_monitor(name, monitor)?;
        }
        if self.output.histogram_bins == 0 {
            return Err(reject("output.histogram_bins", 0, ">= 1"));
        }
        Ok(())
    }

    /// Checks that a Poisson group's rate fits one spike per step (`rate·dt < 1`).
    fn validate_rate(&self, name: &str, g: &GroupConfig) -> Result<(), String> {
        let (Some(rate), GroupKind::Poisson) = (g.rate, g.kind) else {
            return Ok(());
        };
        let dt = self.run.dt.get();
        if rate.get() * dt * 1e-3 >= 1.0 {
            let max_rate = 1000.0 / dt;
            return Err(reject(
                &format!("groups.{name}.rate"),
                rate,
                &format!(
                    "below 1/dt = {max_rate} Hz, because a step holds at most one spike \
                     (rate·dt < 1); lower the rate or the step `run.dt` = {}",
                    self.run.dt
                ),
            ));
        }
        Ok(())
    }

    fn group_key(&self, key: &str, name: &str) -> Result<&GroupConfig, String> {
        self.groups.get(name).ok_or_else(|| {
            format!(
                "key `{key}` = {name:?}: no such group; the groups are: {}",
                self.groups.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })
    }

    fn validate_synapses(&self, name: &str, s: &SynapsesConfig) -> Result<(), String> {
        let key = |k: &str| format!("synapses.{name}.{k}");
        self.group_key(&key("pre"), &s.pre)?;
        let post = self.group_key(&key("post"), &s.post)?;
        if s.target != TargetKind::None && post.kind != GroupKind::Lif {
            return Err(format!(
                "key `{}`: the postsynaptic group {:?} is not a LIF group, so the target must be \"none\"",
                key("target"),
                s.post
            ));
        }
        match (s.connect, s.p) {
            (ConnectKind::Probability, None) => {
                return Err(format!(
                    "key `{}` is required for connect = \"probability\"",
                    key("p")
                ));
            }
            (ConnectKind::Probability, Some(p)) if !(0.0..=1.0).contains(&p) => {
                return Err(reject(&key("p"), p, "in [0, 1]"));
            }
            (ConnectKind::Probability, Some(_)) => {}
            (_, p) => forbid(&key("p"), &p, "connect = \"probability\"")?,
        }
        match (s.weight, s.weight_low, s.weight_high) {
            (Some(w), None, None) if w.is_finite() => {}
            (Some(w), None, None) => return Err(reject(&key("weight"), w, "finite")),
            (None, Some(low), Some(high)) if low.is_finite() && high.is_finite() && low < high => {}
            (None, Some(low), Some(high)) => {
                return Err(reject(
                    &key("weight_high"),
                    high,
                    &format!("finite and greater than weight_low = {low}"),
                ));
            }
            _ => {
                return Err(format!(
                    "synapse group {name:?}: give either `weight` or both `weight_low` and `weight_high`"
                ));
            }
        }
        if let Some(delay) = s.delay
            && delay.get() < 0.0
        {
            return Err(reject(&key("delay"), delay, ">= 0 ms"));
        }
        if let Some(plasticity) = &s.plasticity {
            validate_plasticity(&format!("synapses.{name}.plasticity"), plasticity)?;
        }
        Ok(())
    }

    fn validate_monitor(&self, name: &str, m: &MonitorConfig) -> Result<(), String> {
        let key = |k: &str| format!("monitors.{name}.{k}");
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "monitor name {name:?} must be letters, digits, '_' or '-', because it names the output files"
            ));
        }
        let needs_group = m.kind != MonitorKind::Weights;
        if needs_group {
            let group_name = m.group.as_deref().ok_or_else(|| {
                format!("key `{}` is required for this monitor kind", key("group"))
            })?;
            let group = self.group_key(&key("group"), group_name)?;
            forbid(&key("synapses"), &m.synapses, "monitor kind \"weights\"")?;
            if m.kind == MonitorKind::State && group.kind != GroupKind::Lif {
                return Err(format!(
                    "key `{}`: state monitors need a LIF group",
                    key("group")
                ));
            }
        } else {
            let syn = m.synapses.as_deref().ok_or_else(|| {
                format!(
                    "key `{}` is required for kind = \"weights\"",
                    key("synapses")
                )
            })?;
            if !self.synapses.contains_key(syn) {
                return Err(format!(
                    "key `{}` = {syn:?}: no such synapse group",
                    key("synapses")
                ));
            }
            forbid(
                &key("group"),
                &m.group,
                "monitor kinds \"spikes\", \"state\" and \"rate\"",
            )?;
        }
        if m.kind != MonitorKind::State {
            forbid(&key("variable"), &m.variable, "monitor kind \"state\"")?;
        } else if m.variable.is_none() {
            return Err(format!(
                "key `{}` (\"v\" or \"g\") is required",
                key("variable")
            ));
        }
        if m.indices.is_some() && m.first.is_some() {
            return Err(format!(
                "give either `{}` or `{}`, not both",
                key("indices"),
                key("first")
            ));
        }
        match m.kind {
            MonitorKind::Rate => {
                forbid(
                    &key("indices"),
                    &m.indices,
                    "spike, weight and state monitors",
                )?;
                forbid(&key("first"), &m.first, "spike, weight and state monitors")?;
                forbid(&key("interval"), &m.interval, "weight and state monitors")?;
                let bin = require(&key("bin"), m.bin, "kind = \"rate\"")?;
                positive_time(&key("bin"), Some(bin))?;
            }
            MonitorKind::Spikes => {
                forbid(&key("interval"), &m.interval, "weight and state monitors")?;
                forbid(&key("bin"), &m.bin, "monitor kind \"rate\"")?;
            }
            MonitorKind::Weights | MonitorKind::State => {
                forbid(&key("bin"), &m.bin, "monitor kind \"rate\"")?;
                positive_time(&key("interval"), m.interval)?;
                if m.indices.is_none() && m.first.is_none() {
                    return Err(format!(
                        "monitor {name:?} needs `indices` or `first` (the number of leading indices to record)"
                    ));
                }
            }
        }
        Ok(())
    }
}

fn validate_group(name: &str, g: &GroupConfig) -> Result<(), String> {
    let key = |k: &str| format!("groups.{name}.{k}");
    if g.n == 0 || g.n > 10_000_000 {
        return Err(reject(&key("n"), g.n, "between 1 and 10000000"));
    }
    let lif_keys: [(&str, bool); 8] = [
        ("tau_m", g.tau_m.is_some()),
        ("v_rest", g.v_rest.is_some()),
        ("v_th", g.v_th.is_some()),
        ("v_reset", g.v_reset.is_some()),
        ("v_init", g.v_init.is_some()),
        ("t_ref", g.t_ref.is_some()),
        ("tau_e", g.tau_e.is_some()),
        ("e_e", g.e_e.is_some()),
    ];
    if g.kind != GroupKind::Lif
        && let Some((k, _)) = lif_keys.iter().find(|(_, set)| *set)
    {
        return Err(format!(
            "key `{}` does not apply here: it is only used by group kind \"lif\"",
            key(k)
        ));
    }
    if g.kind != GroupKind::Poisson {
        forbid(&key("rate"), &g.rate, "group kind \"poisson\"")?;
    }
    if g.kind != GroupKind::SpikeGenerator {
        forbid(
            &key("indices"),
            &g.indices,
            "group kind \"spike-generator\"",
        )?;
        forbid(&key("times"), &g.times, "group kind \"spike-generator\"")?;
    }
    match g.kind {
        GroupKind::Poisson => {
            let rate = require(&key("rate"), g.rate, "kind = \"poisson\"")?;
            if rate.get() < 0.0 {
                return Err(reject(&key("rate"), rate, ">= 0 Hz"));
            }
        }
        GroupKind::Lif => {
            positive_time(&key("tau_m"), g.tau_m)?;
            positive_time(&key("tau_e"), g.tau_e)?;
            if let Some(t_ref) = g.t_ref
                && t_ref.get() < 0.0
            {
                return Err(reject(&key("t_ref"), t_ref, ">= 0 ms"));
            }
        }
        GroupKind::SpikeGenerator => {
            let indices = g.indices.as_ref().ok_or_else(|| {
                format!(
                    "key `{}` is required for kind = \"spike-generator\"",
                    key("indices")
                )
            })?;
            let times = g.times.as_ref().ok_or_else(|| {
                format!(
                    "key `{}` is required for kind = \"spike-generator\"",
                    key("times")
                )
            })?;
            if indices.len() != times.len() {
                return Err(format!(
                    "keys `{}` and `{}` must have the same length, got {} and {}",
                    key("indices"),
                    key("times"),
                    indices.len(),
                    times.len()
                ));
            }
            if let Some(bad) = indices.iter().find(|&&i| i >= g.n) {
                return Err(reject(&key("indices"), bad, &format!("below n = {}", g.n)));
            }
        }
    }
    Ok(())
}

/// Checks a plasticity table whose keys start with `prefix`.
pub fn validate_plasticity(prefix: &str, p: &PlasticityConfig) -> Result<(), String> {
    let key = |k: &str| format!("{prefix}.{k}");
    if !(p.w_min.is_finite() && p.w_max.is_finite() && p.w_min < p.w_max) {
        return Err(reject(
            &key("w_max"),
            p.w_max,
            &format!("finite and greater than w_min = {}", p.w_min),
        ));
    }
    positive_time(&key("tau_plus"), p.tau_plus)?;
    positive_time(&key("tau_minus"), p.tau_minus)?;
    match p.rule {
        RuleKind::Pair => {
            forbid(&key("preset"), &p.preset, "rule = \"triplet\"")?;
            require(&key("tau_plus"), p.tau_plus, "rule = \"pair\"")?;
            require(&key("tau_minus"), p.tau_minus, "rule = \"pair\"")?;
            for (k, value) in [("a_plus", p.a_plus), ("a_minus", p.a_minus)] {
                let a = require(&key(k), value, "rule = \"pair\"")?;
                if !(a.is_finite() && a >= 0.0) {
                    return Err(reject(
                        &key(k),
                        a,
                        "a finite number >= 0 (a magnitude; the sign is in the rule)",
                    ));
                }
            }
            if let Some(mu) = p.mu
                && !(mu.is_finite() && mu >= 0.0)
            {
                return Err(reject(&key("mu"), mu, "a finite number >= 0"));
            }
        }
        RuleKind::Triplet => {
            forbid(&key("a_plus"), &p.a_plus, "rule = \"pair\"")?;
            forbid(&key("a_minus"), &p.a_minus, "rule = \"pair\"")?;
            forbid(&key("mu"), &p.mu, "rule = \"pair\"")?;
            forbid(&key("pairing"), &p.pairing, "rule = \"pair\"")?;
            require(
                &key("preset"),
                p.preset,
                "rule = \"triplet\" (for example \"hippocampal-all-to-all\")",
            )?;
        }
    }
    Ok(())
}

/// The STDP window protocol: pairs of one presynaptic and one postsynaptic spike,
/// repeated at a fixed frequency, for a range of `delta_t`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowExperiment {
    /// Model family; always "stdp-window" here.
    pub family: String,
    /// Short name, used for the default output folder.
    pub name: String,
    /// One line shown by `hebbian list`.
    #[serde(default)]
    pub description: String,
    /// Seed (the protocol is deterministic; kept for the summary).
    pub seed: u64,
    /// Integration step.
    #[serde(default = "default_dt")]
    pub dt: Time,
    /// Number of pairs per `delta_t`.
    pub pairs: u64,
    /// Pairing frequency.
    pub frequency: Rate,
    /// Smallest `delta_t = t_post − t_pre`.
    pub delta_t_min: Time,
    /// Largest `delta_t`.
    pub delta_t_max: Time,
    /// Spacing of `delta_t`.
    pub delta_t_step: Time,
    /// Initial weight; changes are reported in % of it.
    pub w0: f64,
    /// Rules to compare, by name.
    pub rules: BTreeMap<String, PlasticityConfig>,
    /// Measured points (CSV of `delta_t_ms, percent_change`), relative to the data
    /// folder; `--data FILE` replaces it.
    pub measured: Option<String>,
    /// Draw PNG and SVG figures.
    #[serde(default = "yes")]
    pub figures: bool,
}

impl WindowExperiment {
    /// Checks values and combinations that the schema cannot express.
    pub fn validate(&self) -> Result<(), String> {
        if self.family != "stdp-window" {
            return Err(reject("family", &self.family, "\"stdp-window\""));
        }
        if self.name.trim().is_empty() {
            return Err("key `name` must not be empty".into());
        }
        if self.dt.get() <= 0.0 {
            return Err(reject("dt", self.dt, "> 0 ms"));
        }
        if self.pairs == 0 || self.pairs > 100_000 {
            return Err(reject("pairs", self.pairs, "between 1 and 100000"));
        }
        if self.frequency.get() <= 0.0 {
            return Err(reject("frequency", self.frequency, "> 0 Hz"));
        }
        let period = 1000.0 / self.frequency.get();
        let (lo, hi) = (self.delta_t_min.get(), self.delta_t_max.get());
        if lo > hi {
            return Err(reject(
                "delta_t_max",
                self.delta_t_max,
                &format!(">= delta_t_min = {}", self.delta_t_min),
            ));
        }
        if lo.abs().max(hi.abs()) >= period / 2.0 {
            return Err(format!(
                "|delta_t| must stay below half the pairing period ({} ms at {}), or pairs overlap; got delta_t from {} to {}",
                period / 2.0,
                self.frequency,
                self.delta_t_min,
                self.delta_t_max
            ));
        }
        if self.delta_t_step.get() <= 0.0 {
            return Err(reject("delta_t_step", self.delta_t_step, "> 0 ms"));
        }
        if (hi - lo) / self.delta_t_step.get() > 10_000.0 {
            return Err("more than 10000 values of delta_t; raise `delta_t_step`".into());
        }
        if !(self.w0.is_finite() && self.w0 != 0.0) {
            return Err(reject(
                "w0",
                self.w0,
                "finite and non-zero (changes are in % of w0)",
            ));
        }
        if self.rules.is_empty() {
            return Err("at least one rule is required, such as [rules.pair]".into());
        }
        for (name, rule) in &self.rules {
            validate_plasticity(&format!("rules.{name}"), rule)?;
        }
        Ok(())
    }
}
