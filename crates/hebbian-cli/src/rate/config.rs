//! The schema of a rate-based experiment file.
//!
//! Every section rejects unknown keys. Keys that belong to another rule or stimulus kind
//! are rejected by [`RateExperiment::validate`] with the kind they belong to.

use hebbian::rate::{Activation, DecayForm};
use hebbian::stimulus::{AngleSpacing, Centering};
use serde::{Deserialize, Serialize};

use crate::schema::{forbid, reject, require_positive};

/// A rate-based experiment: a layer, a rule, a stimulus and a training schedule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateExperiment {
    /// Model family; always "rate" here.
    #[serde(default = "default_family")]
    pub family: String,
    /// Short name, used for the default output folder.
    pub name: String,
    /// One line shown by `hebbian list`.
    #[serde(default)]
    pub description: String,
    /// Seed of every random stream of the run.
    pub seed: u64,
    /// The layer.
    pub layer: LayerConfig,
    /// The plasticity rule.
    pub rule: RuleConfig,
    /// Normalization after each update.
    #[serde(default)]
    pub normalization: NormalizationConfig,
    /// The input.
    pub stimulus: StimulusConfig,
    /// The training schedule.
    pub training: TrainingConfig,
    /// Output settings.
    #[serde(default)]
    pub output: OutputConfig,
}

fn default_family() -> String {
    "rate".into()
}

/// `[layer]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerConfig {
    /// Number of outputs.
    pub n_post: usize,
    /// `linear` or `relu`.
    pub activation: Activation,
    /// Initial weights.
    pub init: InitConfig,
}

/// `[layer.init]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitConfig {
    /// `zeros`, `constant`, `normal` or `uniform`.
    pub kind: InitKind,
    /// For `normal`: standard deviation.
    pub std: Option<f64>,
    /// For `constant`: the value.
    pub value: Option<f64>,
    /// For `uniform`: lower bound.
    pub low: Option<f64>,
    /// For `uniform`: upper bound.
    pub high: Option<f64>,
}

/// Kinds of initial weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InitKind {
    Zeros,
    Constant,
    Normal,
    Uniform,
}

/// `[rule]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// Which rule.
    pub kind: RuleKind,
    /// Initial learning rate per presentation.
    pub eta: f64,
    /// For `hebb-decay`: λ per presentation (default 0.01).
    pub weight_decay: Option<f64>,
    /// For `hebb-decay`: `multiplicative` (default, the tutorial's) or `subtractive`.
    pub decay_form: Option<DecayForm>,
    /// For `bcm`: initial threshold (default 1).
    pub theta_init: Option<f64>,
    /// For `bcm`: averaging rate of the threshold per presentation (default 0.01).
    pub theta_rate: Option<f64>,
}

/// The rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    Hebb,
    HebbDecay,
    Oja,
    Sanger,
    OjaSubspace,
    Bcm,
}

impl RuleKind {
    /// `true` for rules whose fixed points are principal components.
    pub fn is_pca(self) -> bool {
        matches!(
            self,
            RuleKind::Oja | RuleKind::Sanger | RuleKind::OjaSubspace
        )
    }

    /// Name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Hebb => "hebb",
            RuleKind::HebbDecay => "hebb-decay",
            RuleKind::Oja => "oja",
            RuleKind::Sanger => "sanger",
            RuleKind::OjaSubspace => "oja-subspace",
            RuleKind::Bcm => "bcm",
        }
    }
}

/// `[normalization]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NormalizationConfig {
    /// `none`, `sum` or `l2`.
    pub kind: NormalizationKind,
    /// Row sum or norm after normalization.
    #[serde(default = "one")]
    pub target: f64,
}

impl Default for NormalizationConfig {
    fn default() -> Self {
        NormalizationConfig {
            kind: NormalizationKind::None,
            target: 1.0,
        }
    }
}

fn one() -> f64 {
    1.0
}

/// Kinds of normalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NormalizationKind {
    None,
    Sum,
    L2,
}

/// `[stimulus]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StimulusConfig {
    /// `oriented-bars`, `idx` or `image-patches`.
    pub kind: StimulusKind,
    /// `none` or `mean`: subtract the input mean.
    #[serde(default)]
    pub centering: Centering,
    /// Bars: image side in pixels. Patches: patch side in pixels.
    pub size: Option<usize>,
    /// Bars: number of orientations.
    pub n_orientations: Option<usize>,
    /// Bars: `half-open` (k·π/n) or `tutorial` (np.linspace(0, π, n)).
    pub angles: Option<AngleSpacing>,
    /// Bars: standard deviation of the additive Gaussian noise.
    pub noise_std: Option<f64>,
    /// Bars: draw the inputs on a second thread (default: true for runs of 50 000
    /// presentations or more on a machine with two or more CPUs). Same inputs, less wall
    /// time when a second core is free, more when it is busy or the run is short.
    pub prefetch: Option<bool>,
    /// IDX: image file, relative to the data folder unless absolute.
    pub images: Option<String>,
    /// IDX: factor applied to raw values (default 1/255).
    pub pixel_scale: Option<f64>,
    /// IDX: use only the first `limit` images.
    pub limit: Option<usize>,
    /// Data sets: new random order every epoch (default true).
    pub shuffle: Option<bool>,
    /// Patches: PNG files relative to the data folder; default every `.png` in it.
    pub files: Option<Vec<String>>,
    /// Patches: number of patches sampled.
    pub n_patches: Option<usize>,
    /// Patches: subtract each patch's own mean (default true).
    pub remove_mean: Option<bool>,
    /// Patches: ZCA whitening (default false).
    pub whiten: Option<bool>,
    /// Patches: ε added to the eigenvalues before whitening (default 1e-3).
    pub whiten_epsilon: Option<f64>,
}

/// Kinds of stimulus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StimulusKind {
    OrientedBars,
    Idx,
    ImagePatches,
}

/// `[training]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingConfig {
    /// Number of presentations (give this or `epochs`).
    pub presentations: Option<u64>,
    /// Passes over a data set (give this or `presentations`).
    pub epochs: Option<u64>,
    /// Presentations per update; 1 is online learning.
    #[serde(default = "one_usize")]
    pub batch_size: usize,
    /// Schedule of η over the run.
    #[serde(default)]
    pub eta_schedule: ScheduleConfig,
    /// An output whose weight vector has a larger Euclidean norm stops training.
    #[serde(default = "default_threshold")]
    pub divergence_threshold: f64,
    /// `error` (exit with status 1) or `stop` (end training, report, exit 0).
    #[serde(default)]
    pub on_divergence: OnDivergence,
}

fn one_usize() -> usize {
    1
}

fn default_threshold() -> f64 {
    1e6
}

/// `[training.eta_schedule]`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// `constant`, `geometric` or `inverse`.
    pub kind: ScheduleKind,
    /// For `geometric`: η at the end of the run.
    pub eta_final: Option<f64>,
    /// For `inverse`: presentations for η to halve.
    pub tau: Option<f64>,
}

/// Kinds of η schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ScheduleKind {
    #[default]
    Constant,
    Geometric,
    Inverse,
}

/// Response of a run to a divergence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum OnDivergence {
    /// Save what there is and exit with status 1.
    #[default]
    Error,
    /// End training at that presentation, save, warn and exit with status 0.
    Stop,
}

/// `[output]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Number of weight snapshots kept during training (evenly spaced, the last is final).
    #[serde(default = "default_snapshots")]
    pub snapshots: usize,
    /// Number of points in the norm and θ trajectories.
    #[serde(default = "default_trajectory_points")]
    pub trajectory_points: usize,
    /// Draw PNG and SVG figures.
    #[serde(default = "yes")]
    pub figures: bool,
    /// Samples drawn from a generated stimulus to estimate its second moment for metrics.
    #[serde(default = "default_evaluation_samples")]
    pub evaluation_samples: usize,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            snapshots: default_snapshots(),
            trajectory_points: default_trajectory_points(),
            figures: true,
            evaluation_samples: default_evaluation_samples(),
        }
    }
}

fn default_snapshots() -> usize {
    10
}

fn default_trajectory_points() -> usize {
    500
}

fn default_evaluation_samples() -> usize {
    20_000
}

fn yes() -> bool {
    true
}

/// Formats a range rule: "stimulus.noise_std = -1: must be >= 0 (...)".
impl RateExperiment {
    /// Checks values and combinations that the schema cannot express.
    pub fn validate(&self) -> Result<(), String> {
        if self.family != "rate" {
            return Err(reject("family", &self.family, "\"rate\""));
        }
        if self.name.trim().is_empty() {
            return Err("key `name` must not be empty".into());
        }
        self.validate_layer()?;
        self.validate_rule()?;
        self.validate_stimulus()?;
        self.validate_training()?;
        if self.normalization.kind != NormalizationKind::None {
            require_positive(
                "normalization.target",
                self.normalization.target,
                "row sum or norm",
            )?;
        }
        if self.output.evaluation_samples < 2 {
            return Err(reject(
                "output.evaluation_samples",
                self.output.evaluation_samples,
                ">= 2",
            ));
        }
        Ok(())
    }

    fn validate_layer(&self) -> Result<(), String> {
        let layer = &self.layer;
        if layer.n_post == 0 || layer.n_post > 10_000 {
            return Err(reject("layer.n_post", layer.n_post, "between 1 and 10000"));
        }
        let init = &layer.init;
        match init.kind {
            InitKind::Zeros => {}
            InitKind::Constant => {
                let value = init
                    .value
                    .ok_or("key `layer.init.value` is required for kind = \"constant\"")?;
                if !value.is_finite() {
                    return Err(reject("layer.init.value", value, "finite"));
                }
            }
            InitKind::Normal => {
                let std = init
                    .std
                    .ok_or("key `layer.init.std` is required for kind = \"normal\"")?;
                if !(std.is_finite() && std >= 0.0) {
                    return Err(reject("layer.init.std", std, "a finite number >= 0"));
                }
            }
            InitKind::Uniform => {
                let (Some(low), Some(high)) = (init.low, init.high) else {
                    return Err("keys `layer.init.low` and `layer.init.high` are required for kind = \"uniform\"".into());
                };
                if !(low.is_finite() && high.is_finite() && low < high) {
                    return Err(reject(
                        "layer.init.high",
                        high,
                        &format!("finite and greater than layer.init.low = {low}"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate_rule(&self) -> Result<(), String> {
        let rule = &self.rule;
        require_positive("rule.eta", rule.eta, "learning rate per presentation")?;
        if rule.kind != RuleKind::HebbDecay {
            forbid(
                "rule.weight_decay",
                &rule.weight_decay,
                "rule kind \"hebb-decay\"",
            )?;
            forbid(
                "rule.decay_form",
                &rule.decay_form,
                "rule kind \"hebb-decay\"",
            )?;
        }
        if rule.kind != RuleKind::Bcm {
            forbid("rule.theta_init", &rule.theta_init, "rule kind \"bcm\"")?;
            forbid("rule.theta_rate", &rule.theta_rate, "rule kind \"bcm\"")?;
        }
        if let Some(decay) = rule.weight_decay
            && !(decay.is_finite() && (0.0..1.0).contains(&decay))
        {
            return Err(reject(
                "rule.weight_decay",
                decay,
                "in [0, 1) (fraction removed per presentation)",
            ));
        }
        if let Some(theta) = rule.theta_init
            && !(theta.is_finite() && theta >= 0.0)
        {
            return Err(reject("rule.theta_init", theta, "a finite number >= 0"));
        }
        if let Some(rate) = rule.theta_rate
            && !(rate.is_finite() && rate > 0.0 && rate <= 1.0)
        {
            return Err(reject(
                "rule.theta_rate",
                rate,
                "in (0, 1] (fraction of y^2 mixed into theta per presentation)",
            ));
        }
        Ok(())
    }

    fn validate_stimulus(&self) -> Result<(), String> {
        let s = &self.stimulus;
        let bars = "stimulus kind \"oriented-bars\"";
        let idx = "stimulus kind \"idx\"";
        let patches = "stimulus kind \"image-patches\"";
        let data = "stimulus kinds \"idx\" and \"image-patches\"";
        let sized = "stimulus kinds \"oriented-bars\" and \"image-patches\"";
        match s.kind {
            StimulusKind::OrientedBars => {
                forbid("stimulus.images", &s.images, idx)?;
                forbid("stimulus.pixel_scale", &s.pixel_scale, idx)?;
                forbid("stimulus.limit", &s.limit, idx)?;
                forbid("stimulus.shuffle", &s.shuffle, data)?;
                forbid("stimulus.files", &s.files, patches)?;
                forbid("stimulus.n_patches", &s.n_patches, patches)?;
                forbid("stimulus.remove_mean", &s.remove_mean, patches)?;
                forbid("stimulus.whiten", &s.whiten, patches)?;
                forbid("stimulus.whiten_epsilon", &s.whiten_epsilon, patches)?;
                let size = s.size.unwrap_or(10);
                if !(3..=1024).contains(&size) {
                    return Err(reject("stimulus.size", size, "between 3 and 1024 pixels"));
                }
                let n = s.n_orientations.unwrap_or(8);
                if n == 0 || n > 3600 {
                    return Err(reject("stimulus.n_orientations", n, "between 1 and 3600"));
                }
                let noise = s.noise_std.unwrap_or(0.1);
                if !(noise.is_finite() && noise >= 0.0) {
                    return Err(reject("stimulus.noise_std", noise, "a finite number >= 0"));
                }
            }
            StimulusKind::Idx => {
                forbid("stimulus.prefetch", &s.prefetch, bars)?;
                forbid("stimulus.size", &s.size, sized)?;
                forbid("stimulus.n_orientations", &s.n_orientations, bars)?;
                forbid("stimulus.angles", &s.angles, bars)?;
                forbid("stimulus.noise_std", &s.noise_std, bars)?;
                forbid("stimulus.files", &s.files, patches)?;
                forbid("stimulus.n_patches", &s.n_patches, patches)?;
                forbid("stimulus.remove_mean", &s.remove_mean, patches)?;
                forbid("stimulus.whiten", &s.whiten, patches)?;
                forbid("stimulus.whiten_epsilon", &s.whiten_epsilon, patches)?;
                if s.images.as_deref().is_none_or(|p| p.trim().is_empty()) {
                    return Err("key `stimulus.images` is required for kind = \"idx\" (an IDX image file such as train-images-idx3-ubyte.gz)".into());
                }
                if let Some(scale) = s.pixel_scale {
                    require_positive(
                        "stimulus.pixel_scale",
                        scale,
                        "factor applied to raw values",
                    )?;
                }
                if s.limit == Some(0) {
                    return Err(reject("stimulus.limit", 0, ">= 1 image"));
                }
            }
            StimulusKind::ImagePatches => {
                forbid("stimulus.prefetch", &s.prefetch, bars)?;
                forbid("stimulus.n_orientations", &s.n_orientations, bars)?;
                forbid("stimulus.angles", &s.angles, bars)?;
                forbid("stimulus.noise_std", &s.noise_std, bars)?;
                forbid("stimulus.images", &s.images, idx)?;
                forbid("stimulus.pixel_scale", &s.pixel_scale, idx)?;
                forbid("stimulus.limit", &s.limit, idx)?;
                let size = s.size.unwrap_or(8);
                if !(1..=64).contains(&size) {
                    return Err(reject("stimulus.size", size, "between 1 and 64 pixels"));
                }
                let n = s.n_patches.unwrap_or(50_000);
                if !(2..=5_000_000).contains(&n) {
                    return Err(reject("stimulus.n_patches", n, "between 2 and 5000000"));
                }
                if let Some(eps) = s.whiten_epsilon {
                    require_positive(
                        "stimulus.whiten_epsilon",
                        eps,
                        "added to the eigenvalues before whitening",
                    )?;
                }
            }
        }
        Ok(())
    }

    fn validate_training(&self) -> Result<(), String> {
        let t = &self.training;
        match (t.presentations, t.epochs) {
            (Some(_), Some(_)) => {
                return Err(
                    "give either `training.presentations` or `training.epochs`, not both".into(),
                );
            }
            (None, None) => {
                return Err("key `training.presentations` (or `training.epochs` for a data set) is required".into());
            }
            (Some(0), None) => return Err(reject("training.presentations", 0, ">= 1")),
            (None, Some(0)) => return Err(reject("training.epochs", 0, ">= 1")),
            (None, Some(_)) if self.stimulus.kind == StimulusKind::OrientedBars => {
                return Err("key `training.epochs` needs a finite data set (stimulus kind \"idx\" or \"image-patches\"); use `training.presentations` for oriented bars".into());
            }
            _ => {}
        }
        if t.batch_size == 0 || t.batch_size > 1_000_000 {
            return Err(reject(
                "training.batch_size",
                t.batch_size,
                "between 1 and 1000000",
            ));
        }
        require_positive(
            "training.divergence_threshold",
            t.divergence_threshold,
            "largest allowed norm of an output's weights",
        )?;
        let schedule = &t.eta_schedule;
        match schedule.kind {
            ScheduleKind::Constant => {
                forbid(
                    "training.eta_schedule.eta_final",
                    &schedule.eta_final,
                    "schedule kind \"geometric\"",
                )?;
                forbid(
                    "training.eta_schedule.tau",
                    &schedule.tau,
                    "schedule kind \"inverse\"",
                )?;
            }
            ScheduleKind::Geometric => {
                forbid(
                    "training.eta_schedule.tau",
                    &schedule.tau,
                    "schedule kind \"inverse\"",
                )?;
                let eta_final = schedule.eta_final.ok_or(
                    "key `training.eta_schedule.eta_final` is required for kind = \"geometric\"",
                )?;
                require_positive(
                    "training.eta_schedule.eta_final",
                    eta_final,
                    "learning rate at the end of the run",
                )?;
            }
            ScheduleKind::Inverse => {
                forbid(
                    "training.eta_schedule.eta_final",
                    &schedule.eta_final,
                    "schedule kind \"geometric\"",
                )?;
                let tau = schedule
                    .tau
                    .ok_or("key `training.eta_schedule.tau` is required for kind = \"inverse\"")?;
                require_positive(
                    "training.eta_schedule.tau",
                    tau,
                    "presentations for eta to halve",
                )?;
            }
        }
        Ok(())
    }
}
