//! The schema of a competitive-learning experiment file (`family = "competitive"`).
//!
//! The model is hard winner-take-all (`model.kind = "winner-take-all"`, optionally with
//! DeSieno's conscience) or a Kohonen map (`model.kind = "som"`). Both learn prototypes
//! on labelled IDX images, are labelled by the majority class of the training images
//! each unit wins, and are scored on the test images.

use serde::{Deserialize, Serialize};

use crate::schema::{forbid, reject, require_positive};

/// A competitive-learning experiment.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompetitiveExperiment {
    /// Model family; always "competitive" here.
    pub family: String,
    /// Short name, used for the default output folder.
    pub name: String,
    /// One line shown by `hebbian list`.
    #[serde(default)]
    pub description: String,
    /// Seed of every random stream of the run.
    pub seed: u64,
    /// The units.
    pub model: ModelConfig,
    /// Training and test images.
    #[serde(default)]
    pub data: DataConfig,
    /// The training schedule.
    pub training: TrainingConfig,
    /// Output settings.
    #[serde(default)]
    pub output: OutputConfig,
}

/// `[model]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// `winner-take-all` or `som`.
    pub kind: ModelKind,
    /// Winner-take-all: number of units.
    pub n_units: Option<usize>,
    /// SOM: `[rows, cols]` of the grid.
    pub grid: Option<[usize; 2]>,
    /// Initial prototypes: `samples` (distinct training images chosen at random, the
    /// default) or `uniform` (each weight uniform in `[0, max pixel value)`).
    #[serde(default)]
    pub init: InitKind,
    /// Winner-take-all: DeSieno's conscience; absent means no conscience.
    pub conscience: Option<ConscienceConfig>,
}

/// Models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    WinnerTakeAll,
    Som,
}

/// Initial prototypes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum InitKind {
    #[default]
    Samples,
    Uniform,
}

/// `[model.conscience]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConscienceConfig {
    /// `B`, rate of the running win frequencies (default 1e-4, DeSieno 1988).
    #[serde(default = "default_frequency_rate")]
    pub frequency_rate: f64,
    /// `C`, bias factor in units of squared distance (default 10, DeSieno 1988; scale it
    /// with the typical squared distance between an image and its prototype).
    #[serde(default = "default_bias_factor")]
    pub bias_factor: f64,
}

fn default_frequency_rate() -> f64 {
    1e-4
}

fn default_bias_factor() -> f64 {
    10.0
}

/// `[data]`: paths relative to the data folder unless absolute.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// Training images (IDX).
    #[serde(default = "train_images")]
    pub train_images: String,
    /// Training labels (IDX).
    #[serde(default = "train_labels")]
    pub train_labels: String,
    /// Test images (IDX).
    #[serde(default = "test_images")]
    pub test_images: String,
    /// Test labels (IDX).
    #[serde(default = "test_labels")]
    pub test_labels: String,
    /// Factor applied to the raw bytes (default 1/255, so pixels lie in `[0, 1]`).
    #[serde(default = "default_pixel_scale")]
    pub pixel_scale: f64,
    /// Use only the first `train_limit` training images.
    pub train_limit: Option<usize>,
    /// Use only the first `test_limit` test images.
    pub test_limit: Option<usize>,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            train_images: train_images(),
            train_labels: train_labels(),
            test_images: test_images(),
            test_labels: test_labels(),
            pixel_scale: default_pixel_scale(),
            train_limit: None,
            test_limit: None,
        }
    }
}

fn train_images() -> String {
    "train-images-idx3-ubyte.gz".into()
}

fn train_labels() -> String {
    "train-labels-idx1-ubyte.gz".into()
}

fn test_images() -> String {
    "t10k-images-idx3-ubyte.gz".into()
}

fn test_labels() -> String {
    "t10k-labels-idx1-ubyte.gz".into()
}

fn default_pixel_scale() -> f64 {
    1.0 / 255.0
}

/// `[training]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingConfig {
    /// Passes over the training images, each in a new seeded order.
    pub epochs: usize,
    /// Initial learning rate η per presentation.
    pub eta: f64,
    /// Schedule of η over the run (default constant).
    #[serde(default)]
    pub eta_decay: DecayConfig,
    /// SOM: initial neighbourhood width σ in grid spacings.
    pub sigma: Option<f64>,
    /// SOM: how σ changes over the run (default constant).
    pub sigma_decay: Option<DecayConfig>,
}

/// A schedule over the whole run.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DecayConfig {
    /// `constant`, `linear` or `exponential` (geometric interpolation).
    pub kind: DecayKind,
    /// Value at the end of the run, for `linear` and `exponential`.
    pub final_value: Option<f64>,
}

/// Kinds of schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DecayKind {
    #[default]
    Constant,
    Linear,
    Exponential,
}

impl DecayConfig {
    /// The library's schedule.
    pub fn to_decay(&self) -> hebbian::competitive::Decay {
        use hebbian::competitive::Decay;
        match self.kind {
            DecayKind::Constant => Decay::Constant,
            DecayKind::Linear => Decay::Linear {
                final_value: self.final_value.expect("validated"),
            },
            DecayKind::Exponential => Decay::Exponential {
                final_value: self.final_value.expect("validated"),
            },
        }
    }

    fn validate(&self, key: &str, initial: f64, allow_zero_end: bool) -> Result<(), String> {
        let final_key = format!("{key}.final_value");
        match self.kind {
            DecayKind::Constant => forbid(
                &final_key,
                &self.final_value,
                "kind = \"linear\" and kind = \"exponential\"",
            ),
            DecayKind::Linear | DecayKind::Exponential => {
                let end = self.final_value.ok_or_else(|| {
                    format!(
                        "key `{final_key}` is required for kind = \"linear\" or \"exponential\""
                    )
                })?;
                let exponential = self.kind == DecayKind::Exponential;
                if exponential || !allow_zero_end {
                    require_positive(&final_key, end, "value at the end of the run")?;
                } else if !(end.is_finite() && end >= 0.0) {
                    return Err(reject(&final_key, end, "a finite number >= 0"));
                }
                if exponential && initial <= 0.0 {
                    return Err(format!(
                        "an exponential schedule for `{key}` needs an initial value > 0"
                    ));
                }
                Ok(())
            }
        }
    }
}

/// `[output]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Draw PNG and SVG figures.
    #[serde(default = "yes")]
    pub figures: bool,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig { figures: true }
    }
}

fn yes() -> bool {
    true
}

impl CompetitiveExperiment {
    /// Number of units of the model.
    pub fn n_units(&self) -> usize {
        match self.model.kind {
            ModelKind::WinnerTakeAll => self.model.n_units.expect("validated"),
            ModelKind::Som => {
                let [rows, cols] = self.model.grid.expect("validated");
                rows * cols
            }
        }
    }

    /// Checks values and combinations that the schema cannot express.
    pub fn validate(&self) -> Result<(), String> {
        if self.family != "competitive" {
            return Err(reject("family", &self.family, "\"competitive\""));
        }
        if self.name.trim().is_empty() {
            return Err("key `name` must not be empty".into());
        }
        let model = &self.model;
        match model.kind {
            ModelKind::WinnerTakeAll => {
                forbid("model.grid", &model.grid, "kind = \"som\"")?;
                forbid("training.sigma", &self.training.sigma, "kind = \"som\"")?;
                forbid(
                    "training.sigma_decay",
                    &self.training.sigma_decay,
                    "kind = \"som\"",
                )?;
                let n = model
                    .n_units
                    .ok_or("key `model.n_units` is required for kind = \"winner-take-all\"")?;
                if !(1..=100_000).contains(&n) {
                    return Err(reject("model.n_units", n, "between 1 and 100000"));
                }
                if let Some(c) = &model.conscience {
                    require_positive(
                        "model.conscience.frequency_rate",
                        c.frequency_rate,
                        "rate of the running win frequencies",
                    )?;
                    if !(c.bias_factor.is_finite() && c.bias_factor >= 0.0) {
                        return Err(reject(
                            "model.conscience.bias_factor",
                            c.bias_factor,
                            "a finite number >= 0",
                        ));
                    }
                }
            }
            ModelKind::Som => {
                forbid(
                    "model.n_units",
                    &model.n_units,
                    "kind = \"winner-take-all\"",
                )?;
                forbid(
                    "model.conscience",
                    &model.conscience,
                    "kind = \"winner-take-all\"",
                )?;
                let [rows, cols] = model.grid.ok_or(
                    "key `model.grid` is required for kind = \"som\", for example [10, 10]",
                )?;
                if rows == 0 || cols == 0 || rows * cols > 100_000 {
                    return Err(reject(
                        "model.grid",
                        format!("[{rows}, {cols}]"),
                        "two sizes > 0 with at most 100000 nodes",
                    ));
                }
                let sigma = self
                    .training
                    .sigma
                    .ok_or("key `training.sigma` is required for kind = \"som\"")?;
                if !(sigma.is_finite() && sigma >= 0.0) {
                    return Err(reject("training.sigma", sigma, "a finite number >= 0"));
                }
                if let Some(decay) = &self.training.sigma_decay {
                    decay.validate("training.sigma_decay", sigma, true)?;
                }
            }
        }

        let t = &self.training;
        if t.epochs == 0 {
            return Err(reject("training.epochs", 0, ">= 1"));
        }
        if !(t.eta.is_finite() && t.eta > 0.0 && t.eta <= 1.0) {
            return Err(reject(
                "training.eta",
                t.eta,
                "in (0, 1]: the fraction of the way a prototype moves toward the input",
            ));
        }
        t.eta_decay.validate("training.eta_decay", t.eta, true)?;

        let d = &self.data;
        require_positive(
            "data.pixel_scale",
            d.pixel_scale,
            "factor applied to raw bytes",
        )?;
        for (key, limit) in [
            ("data.train_limit", d.train_limit),
            ("data.test_limit", d.test_limit),
        ] {
            if limit == Some(0) {
                return Err(reject(key, 0, ">= 1"));
            }
        }
        if let Some(limit) = d.train_limit
            && limit < self.n_units()
            && model.init == InitKind::Samples
        {
            return Err(format!(
                "key `data.train_limit` = {limit} is below the number of units ({}), so the \
                 prototypes cannot start from distinct training images; raise the limit or use \
                 model.init = \"uniform\"",
                self.n_units()
            ));
        }
        Ok(())
    }
}
