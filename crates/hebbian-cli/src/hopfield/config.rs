//! The schema of a Hopfield experiment file (`family = "hopfield"`).
//!
//! An experiment either recalls a fixed set of patterns from cues (the default) or, with
//! a `[capacity]` section, sweeps the load `P/N` with fresh random patterns at each load.
//! Every section rejects unknown keys; keys that belong to another pattern source or cue
//! kind are rejected by [`HopfieldExperiment::validate`].

use serde::{Deserialize, Serialize};

use crate::schema::{forbid, reject};

/// A Hopfield experiment: patterns, storage rules, recall settings and cues.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HopfieldExperiment {
    /// Model family; always "hopfield" here.
    pub family: String,
    /// Short name, used for the default output folder.
    pub name: String,
    /// One line shown by `hebbian list`.
    #[serde(default)]
    pub description: String,
    /// Seed of every random stream of the run.
    pub seed: u64,
    /// The stored patterns.
    pub patterns: PatternsConfig,
    /// Storage rules that compute the weights.
    #[serde(default)]
    pub storage: StorageConfig,
    /// Recall dynamics.
    #[serde(default)]
    pub recall: RecallConfig,
    /// Cues derived from each stored pattern, one recall per cue.
    pub cues: Vec<CueConfig>,
    /// Load sweep; without it the experiment recalls the given patterns.
    pub capacity: Option<CapacityConfig>,
    /// Output settings.
    #[serde(default)]
    pub output: OutputConfig,
}

/// `[patterns]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternsConfig {
    /// `random`, `mnist`, `file` or `png`.
    pub source: PatternSource,
    /// Random: units per pattern.
    pub n_units: Option<usize>,
    /// Random: number of patterns (not with `[capacity]`, which sets it from the load).
    pub n_patterns: Option<usize>,
    /// Random: probability of `+1` per unit (default 0.5).
    pub fraction_plus: Option<f64>,
    /// MNIST: IDX image file, relative to the data folder unless absolute.
    pub images: Option<String>,
    /// MNIST: IDX label file, relative to the data folder unless absolute.
    pub labels: Option<String>,
    /// MNIST: classes to store, one pattern each. The k-th listing of a class takes the
    /// k-th training image of that class.
    pub digits: Option<Vec<u8>>,
    /// MNIST and PNG: grey level (in `[0, 1]`) at and above which a pixel is `+1`
    /// (default 0.5).
    pub threshold: Option<f64>,
    /// File: text file with one pattern per line, ±1 or 0/1 values.
    pub path: Option<String>,
    /// File: `[rows, cols]` of each pattern seen as an image, for masks and figures.
    pub image_shape: Option<[usize; 2]>,
    /// PNG: image files, one pattern each, all of the same size.
    pub files: Option<Vec<String>>,
}

/// Sources of patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PatternSource {
    Random,
    Mnist,
    File,
    Png,
}

/// `[storage]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// Storage rules to compare; each gets its own network and results.
    #[serde(default = "default_rules")]
    pub rules: Vec<RuleName>,
    /// Scale of the Hebbian weights: `per-pattern` (1/P, default) or `per-unit` (1/N).
    /// The scale changes the weights and energies, not the recall.
    #[serde(default)]
    pub hebbian_scale: ScaleName,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            rules: default_rules(),
            hebbian_scale: ScaleName::default(),
        }
    }
}

fn default_rules() -> Vec<RuleName> {
    vec![RuleName::Hebbian]
}

/// Storage rules as written in files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleName {
    Hebbian,
    Storkey,
    PseudoInverse,
}

/// Hebbian weight scales as written in files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ScaleName {
    #[default]
    PerPattern,
    PerUnit,
}

/// `[recall]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecallConfig {
    /// `sequential` (index order, default), `random` (seeded order per sweep) or
    /// `synchronous`.
    #[serde(default)]
    pub update: UpdateName,
    /// Sweeps before recall gives up on reaching a fixed point.
    #[serde(default = "default_sweeps")]
    pub max_sweeps: usize,
    /// Overlap with a stored pattern at and above which a final state counts as that
    /// pattern (default 0.95).
    #[serde(default = "default_recalled")]
    pub recalled_overlap: f64,
}

impl Default for RecallConfig {
    fn default() -> Self {
        RecallConfig {
            update: UpdateName::default(),
            max_sweeps: default_sweeps(),
            recalled_overlap: default_recalled(),
        }
    }
}

fn default_sweeps() -> usize {
    20
}

fn default_recalled() -> f64 {
    0.95
}

/// Update orders as written in files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateName {
    #[default]
    Sequential,
    Random,
    Synchronous,
}

/// One entry of `[[cues]]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CueConfig {
    /// `flip` (flip a fraction of the units at random) or `mask` (set a rectangle).
    pub kind: CueKind,
    /// Flip: fraction of units flipped, in `[0, 1]`.
    pub fraction: Option<f64>,
    /// Mask: `lower`, `upper`, `left` or `right` half of the image.
    pub half: Option<Half>,
    /// Mask: `[start, end)` of the masked rows (default all rows).
    pub rows: Option<[usize; 2]>,
    /// Mask: `[start, end)` of the masked columns (default all columns).
    pub cols: Option<[usize; 2]>,
    /// Mask: value written into the masked units, -1 (default, background) or +1.
    pub fill: Option<i8>,
}

/// Kinds of cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CueKind {
    Flip,
    Mask,
}

/// Halves of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Half {
    Lower,
    Upper,
    Left,
    Right,
}

impl CueConfig {
    /// Short description used in tables and figure labels.
    pub fn label(&self) -> String {
        match self.kind {
            CueKind::Flip => format!("{:.0}% flipped", 100.0 * self.fraction.unwrap_or(0.0)),
            CueKind::Mask => match (self.half, self.rows, self.cols) {
                (Some(half), _, _) => format!("{} half masked", half_name(half)),
                (None, rows, cols) => {
                    let range = |r: Option<[usize; 2]>| {
                        r.map_or_else(|| "all".to_string(), |[a, b]| format!("{a}..{b}"))
                    };
                    format!("rows {} cols {} masked", range(rows), range(cols))
                }
            },
        }
    }
}

fn half_name(half: Half) -> &'static str {
    match half {
        Half::Lower => "lower",
        Half::Upper => "upper",
        Half::Left => "left",
        Half::Right => "right",
    }
}

/// `[capacity]`: the loads `α = P/N` from `load_start` to `load_stop` in steps of
/// `load_step`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityConfig {
    /// First load.
    pub load_start: f64,
    /// Last load (included when the steps land on it).
    pub load_stop: f64,
    /// Step between loads.
    pub load_step: f64,
    /// Recalls per rule and load: one per stored pattern, from the first patterns, up to
    /// this many.
    #[serde(default = "default_max_cues")]
    pub max_cues: usize,
}

fn default_max_cues() -> usize {
    100
}

impl CapacityConfig {
    /// The loads of the sweep.
    pub fn loads(&self) -> Vec<f64> {
        let steps = ((self.load_stop - self.load_start) / self.load_step + 1e-9).floor() as usize;
        (0..=steps)
            .map(|k| {
                // Rounded so that 0.02 + 14 * 0.02 reads 0.3 in tables.
                let load = self.load_start + k as f64 * self.load_step;
                (load * 1e9).round() / 1e9
            })
            .collect()
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

/// Most units a network may have: the weights take `8 N²` bytes.
const MAX_UNITS: usize = 20_000;

impl HopfieldExperiment {
    /// Checks values and combinations that the schema cannot express.
    pub fn validate(&self) -> Result<(), String> {
        if self.family != "hopfield" {
            return Err(reject("family", &self.family, "\"hopfield\""));
        }
        if self.name.trim().is_empty() {
            return Err("key `name` must not be empty".into());
        }
        self.validate_patterns()?;
        for (k, rule) in self.storage.rules.iter().enumerate() {
            if self.storage.rules[..k].contains(rule) {
                return Err(format!(
                    "key `storage.rules` lists {rule:?} twice; list each rule once"
                ));
            }
        }
        if self.storage.rules.is_empty() {
            return Err(
                "key `storage.rules` must name at least one rule, for example [\"hebbian\"]".into(),
            );
        }
        if self.recall.max_sweeps == 0 {
            return Err(reject("recall.max_sweeps", 0, ">= 1"));
        }
        let q = self.recall.recalled_overlap;
        if !(q > 0.0 && q <= 1.0) {
            return Err(reject("recall.recalled_overlap", q, "in (0, 1]"));
        }
        if self.cues.is_empty() {
            return Err(
                "at least one [[cues]] entry is required, for example kind = \"flip\", fraction = 0.1"
                    .into(),
            );
        }
        for (k, cue) in self.cues.iter().enumerate() {
            self.validate_cue(k, cue)?;
        }
        if let Some(capacity) = &self.capacity {
            self.validate_capacity(capacity)?;
        }
        Ok(())
    }

    fn validate_patterns(&self) -> Result<(), String> {
        let p = &self.patterns;
        let source = match p.source {
            PatternSource::Random => "source \"random\"",
            PatternSource::Mnist => "source \"mnist\"",
            PatternSource::File => "source \"file\"",
            PatternSource::Png => "source \"png\"",
        };
        if p.source != PatternSource::Random {
            forbid("patterns.n_units", &p.n_units, "source \"random\"")?;
            forbid("patterns.n_patterns", &p.n_patterns, "source \"random\"")?;
            forbid(
                "patterns.fraction_plus",
                &p.fraction_plus,
                "source \"random\"",
            )?;
        }
        if p.source != PatternSource::Mnist {
            forbid("patterns.images", &p.images, "source \"mnist\"")?;
            forbid("patterns.labels", &p.labels, "source \"mnist\"")?;
            forbid("patterns.digits", &p.digits, "source \"mnist\"")?;
        }
        if !matches!(p.source, PatternSource::Mnist | PatternSource::Png) {
            forbid(
                "patterns.threshold",
                &p.threshold,
                "sources \"mnist\" and \"png\"",
            )?;
        }
        if p.source != PatternSource::File {
            forbid("patterns.path", &p.path, "source \"file\"")?;
            forbid("patterns.image_shape", &p.image_shape, "source \"file\"")?;
        }
        if p.source != PatternSource::Png {
            forbid("patterns.files", &p.files, "source \"png\"")?;
        }
        if let Some(t) = p.threshold
            && !(0.0..=1.0).contains(&t)
        {
            return Err(reject("patterns.threshold", t, "in [0, 1]"));
        }

        match p.source {
            PatternSource::Random => {
                let n = p
                    .n_units
                    .ok_or("key `patterns.n_units` is required for source \"random\"")?;
                if !(2..=MAX_UNITS).contains(&n) {
                    return Err(reject(
                        "patterns.n_units",
                        n,
                        &format!("between 2 and {MAX_UNITS}"),
                    ));
                }
                if let Some(f) = p.fraction_plus
                    && !(0.0..=1.0).contains(&f)
                {
                    return Err(reject("patterns.fraction_plus", f, "in [0, 1]"));
                }
                match (self.capacity.is_some(), p.n_patterns) {
                    (true, Some(_)) => {
                        return Err("key `patterns.n_patterns` does not apply with [capacity], \
                                    which sets the number of patterns from each load"
                            .into());
                    }
                    (false, None) => {
                        return Err(
                            "key `patterns.n_patterns` is required for source \"random\"".into(),
                        );
                    }
                    (false, Some(0)) => {
                        return Err(reject("patterns.n_patterns", 0, ">= 1"));
                    }
                    _ => {}
                }
            }
            PatternSource::Mnist => {
                if p.images.is_none() || p.labels.is_none() {
                    return Err(format!(
                        "keys `patterns.images` and `patterns.labels` are required for {source}"
                    ));
                }
                let digits = p
                    .digits
                    .as_ref()
                    .ok_or("key `patterns.digits` is required for source \"mnist\"")?;
                if digits.is_empty() {
                    return Err("key `patterns.digits` must list at least one class".into());
                }
                if let Some(d) = digits.iter().find(|&&d| d > 9) {
                    return Err(reject("patterns.digits", d, "classes between 0 and 9"));
                }
            }
            PatternSource::File => {
                p.path
                    .as_ref()
                    .ok_or("key `patterns.path` is required for source \"file\"")?;
                if let Some([rows, cols]) = p.image_shape
                    && rows * cols == 0
                {
                    return Err(reject(
                        "patterns.image_shape",
                        format!("[{rows}, {cols}]"),
                        "two sizes > 0",
                    ));
                }
            }
            PatternSource::Png => {
                let files = p
                    .files
                    .as_ref()
                    .ok_or("key `patterns.files` is required for source \"png\"")?;
                if files.is_empty() {
                    return Err("key `patterns.files` must list at least one PNG file".into());
                }
            }
        }
        if self.capacity.is_some() && p.source != PatternSource::Random {
            return Err(format!(
                "[capacity] needs patterns.source = \"random\", because it draws new patterns \
                 at each load; this experiment uses {source}"
            ));
        }
        Ok(())
    }

    fn validate_cue(&self, k: usize, cue: &CueConfig) -> Result<(), String> {
        let key = |name: &str| format!("cues[{k}].{name}");
        match cue.kind {
            CueKind::Flip => {
                forbid(&key("half"), &cue.half, "kind = \"mask\"")?;
                forbid(&key("rows"), &cue.rows, "kind = \"mask\"")?;
                forbid(&key("cols"), &cue.cols, "kind = \"mask\"")?;
                forbid(&key("fill"), &cue.fill, "kind = \"mask\"")?;
                let f = cue.fraction.ok_or_else(|| {
                    format!("key `{}` is required for kind = \"flip\"", key("fraction"))
                })?;
                if !(0.0..=1.0).contains(&f) {
                    return Err(reject(&key("fraction"), f, "in [0, 1]"));
                }
            }
            CueKind::Mask => {
                forbid(&key("fraction"), &cue.fraction, "kind = \"flip\"")?;
                if cue.half.is_some() && (cue.rows.is_some() || cue.cols.is_some()) {
                    return Err(format!(
                        "key `{}` cannot be combined with `rows` or `cols`; give one or the other",
                        key("half")
                    ));
                }
                if cue.half.is_none() && cue.rows.is_none() && cue.cols.is_none() {
                    return Err(format!(
                        "a mask cue needs `{}` or `{}`/`{}`",
                        key("half"),
                        key("rows"),
                        key("cols")
                    ));
                }
                if let Some(fill) = cue.fill
                    && fill != 1
                    && fill != -1
                {
                    return Err(reject(&key("fill"), fill, "-1 or 1"));
                }
                for (name, range) in [("rows", cue.rows), ("cols", cue.cols)] {
                    if let Some([a, b]) = range
                        && a >= b
                    {
                        return Err(reject(
                            &key(name),
                            format!("[{a}, {b}]"),
                            "[start, end] with start < end",
                        ));
                    }
                }
                let has_shape = match self.patterns.source {
                    PatternSource::Mnist | PatternSource::Png => true,
                    PatternSource::File => self.patterns.image_shape.is_some(),
                    PatternSource::Random => false,
                };
                if !has_shape {
                    return Err(format!(
                        "cues[{k}] is a mask, which needs patterns that are images: use source \
                         \"mnist\" or \"png\", or give patterns.image_shape for a pattern file"
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate_capacity(&self, capacity: &CapacityConfig) -> Result<(), String> {
        let CapacityConfig {
            load_start,
            load_stop,
            load_step,
            max_cues,
        } = *capacity;
        if !(load_start.is_finite() && load_start > 0.0) {
            return Err(reject(
                "capacity.load_start",
                load_start,
                "a finite number > 0",
            ));
        }
        if !(load_stop.is_finite() && load_stop >= load_start) {
            return Err(reject(
                "capacity.load_stop",
                load_stop,
                &format!("finite and >= capacity.load_start = {load_start}"),
            ));
        }
        if !(load_step.is_finite() && load_step > 0.0) {
            return Err(reject(
                "capacity.load_step",
                load_step,
                "a finite number > 0",
            ));
        }
        if load_stop > 1.0 {
            return Err(reject(
                "capacity.load_stop",
                load_stop,
                "<= 1 (at most as many patterns as units)",
            ));
        }
        if max_cues == 0 {
            return Err(reject("capacity.max_cues", 0, ">= 1"));
        }
        if capacity.loads().len() > 1000 {
            return Err(reject(
                "capacity.load_step",
                load_step,
                "large enough for at most 1000 loads",
            ));
        }
        if self.cues.iter().any(|c| c.kind != CueKind::Flip) {
            return Err(
                "[capacity] uses random patterns, so every cue must be kind = \"flip\"".into(),
            );
        }
        Ok(())
    }
}
