//! Experiment files: loading, `--set` overrides and dispatch on the model family.
//!
//! An experiment is a TOML table. The top-level key `family` selects the model family:
//! `"rate"` (the default, a rate-based layer and plasticity rule), `"spiking"` (a spiking
//! network), `"stdp-window"` (the STDP pairing protocol), `"hopfield"` (stored patterns
//! and recall), `"competitive"` (winner-take-all units or a self-organizing map) or
//! `"diehl-cook"` (the spiking digit-learning network of Diehl & Cook 2015). The rest of the table is checked against that family's schema, which rejects unknown keys
//! and wrong types with the key's path.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::de::DeserializeOwned;

use crate::builtins;
use crate::competitive::config::CompetitiveExperiment;
use crate::diehl_cook::config::DiehlCookExperiment;
use crate::hopfield::config::HopfieldExperiment;
use crate::rate::config::RateExperiment;
use crate::spiking::config::{SpikingExperiment, WindowExperiment};

/// Origin of an experiment, for messages and the summary.
#[derive(Debug, Clone)]
pub enum Source {
    /// A built-in experiment, by name.
    Builtin(&'static str),
    /// An experiment file.
    File(PathBuf),
}

impl Source {
    /// Describes the source for messages: `built-in experiment NAME` or
    /// `experiment file PATH`.
    pub fn describe(&self) -> String {
        match self {
            Source::Builtin(name) => format!("built-in experiment {name}"),
            Source::File(path) => format!("experiment file {}", path.display()),
        }
    }

    /// Folder that relative paths in the file are resolved against, for files.
    pub fn folder(&self) -> Option<&Path> {
        match self {
            Source::Builtin(_) => None,
            Source::File(path) => path.parent(),
        }
    }
}

/// Command-line options that apply to every run.
pub struct RunOptions {
    /// Output folder; default `runs/NAME`.
    pub out_dir: Option<PathBuf>,
    /// Data folder for experiments that read files.
    pub data_dir: Option<PathBuf>,
    /// Suppress the progress bar and the final report.
    pub quiet: bool,
    /// Continue from the checkpoint in the output folder.
    pub resume: bool,
}

/// A parsed experiment of any family.
#[derive(Debug, Clone)]
pub enum Experiment {
    /// A rate-based layer trained with a plasticity rule.
    Rate(Box<RateExperiment>),
    /// A spiking network.
    Spiking(Box<SpikingExperiment>),
    /// The STDP window protocol.
    Window(Box<WindowExperiment>),
    /// A Hopfield network: recall from cues, or a load sweep.
    Hopfield(Box<HopfieldExperiment>),
    /// Competitive learning on labelled images.
    Competitive(Box<CompetitiveExperiment>),
    /// The Diehl & Cook network on labelled images.
    DiehlCook(Box<DiehlCookExperiment>),
}

impl Experiment {
    /// Returns the family's name, as written in experiment files.
    pub fn family(&self) -> &'static str {
        match self {
            Experiment::Rate(_) => "rate",
            Experiment::Spiking(_) => "spiking",
            Experiment::Window(_) => "stdp-window",
            Experiment::Hopfield(_) => "hopfield",
            Experiment::Competitive(_) => "competitive",
            Experiment::DiehlCook(_) => "diehl-cook",
        }
    }
}

/// An input error: bad experiment, bad option, bad data file. Exits with status 2.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// Returns an [`InputError`] as an `anyhow` error.
pub fn input_error(message: impl Into<String>) -> anyhow::Error {
    InputError(message.into()).into()
}

/// Finds the experiment named `target`: a built-in name, or a path to a TOML file.
pub fn locate(target: &str) -> Result<(Source, String)> {
    if let Some(builtin) = builtins::find(target) {
        return Ok((Source::Builtin(builtin.name), builtin.toml.to_string()));
    }
    let path = Path::new(target);
    let looks_like_file = target.ends_with(".toml") || target.contains(std::path::MAIN_SEPARATOR);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read experiment file {}", path.display()))?;
        return Ok((Source::File(path.to_path_buf()), text));
    }
    if looks_like_file {
        return Err(input_error(format!(
            "experiment file {target} not found; check the path"
        )));
    }
    Err(input_error(format!(
        "unknown experiment {target:?}: it is neither a built-in experiment nor a file; \
         run `hebbian list` for the built-in names ({})",
        builtins::names().join(", ")
    )))
}

/// Parses `text` from `source`, applies the `--set` overrides and the seed, and checks
/// the result against the family's schema.
pub fn parse(
    source: &Source,
    text: &str,
    overrides: &[String],
    seed: Option<u64>,
) -> Result<Experiment> {
    let origin = source.describe();
    let mut table: toml::Table =
        toml::from_str(text).map_err(|e| input_error(format!("invalid {origin}: {e}")))?;

    for assignment in overrides {
        apply_override(&mut table, assignment)?;
    }
    drop_replaced_alternatives(&mut table, overrides);
    // validation errors name the --set options too, since they may come from one
    let checked = if overrides.is_empty() {
        origin.clone()
    } else {
        format!("{origin} (after --set {})", overrides.join(", --set "))
    };

    if seed.is_some() && !table.contains_key("seed") {
        // A placeholder for the schema; the seed from the command line replaces it below.
        table.insert("seed".into(), toml::Value::Integer(0));
    }

    let family = match table.get("family") {
        None => "rate".to_string(),
        Some(toml::Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(input_error(format!(
                "invalid {origin}: key `family` must be a string such as \"rate\", got {other}"
            )));
        }
    };
    match family.as_str() {
        "rate" => {
            let mut experiment: RateExperiment = deserialize(table, &origin, overrides)?;
            // Set after parsing: TOML integers stop at i64::MAX, seeds go to u64::MAX.
            if let Some(seed) = seed {
                experiment.seed = seed;
            }
            experiment
                .validate()
                .map_err(|e| input_error(format!("invalid {checked}: {e}")))?;
            Ok(Experiment::Rate(Box::new(experiment)))
        }
        "spiking" => {
            let mut experiment: SpikingExperiment = deserialize(table, &origin, overrides)?;
            if let Some(seed) = seed {
                experiment.seed = seed;
            }
            experiment
                .validate()
                .map_err(|e| input_error(format!("invalid {checked}: {e}")))?;
            Ok(Experiment::Spiking(Box::new(experiment)))
        }
        "stdp-window" => {
            let mut experiment: WindowExperiment = deserialize(table, &origin, overrides)?;
            if let Some(seed) = seed {
                experiment.seed = seed;
            }
            experiment
                .validate()
                .map_err(|e| input_error(format!("invalid {checked}: {e}")))?;
            Ok(Experiment::Window(Box::new(experiment)))
        }
        "hopfield" => {
            let mut experiment: HopfieldExperiment = deserialize(table, &origin, overrides)?;
            if let Some(seed) = seed {
                experiment.seed = seed;
            }
            experiment
                .validate()
                .map_err(|e| input_error(format!("invalid {checked}: {e}")))?;
            Ok(Experiment::Hopfield(Box::new(experiment)))
        }
        "competitive" => {
            let mut experiment: CompetitiveExperiment = deserialize(table, &origin, overrides)?;
            if let Some(seed) = seed {
                experiment.seed = seed;
            }
            experiment
                .validate()
                .map_err(|e| input_error(format!("invalid {checked}: {e}")))?;
            Ok(Experiment::Competitive(Box::new(experiment)))
        }
        "diehl-cook" => {
            let mut experiment: DiehlCookExperiment = deserialize(table, &origin, overrides)?;
            if let Some(seed) = seed {
                experiment.seed = seed;
            }
            experiment
                .validate()
                .map_err(|e| input_error(format!("invalid {checked}: {e}")))?;
            Ok(Experiment::DiehlCook(Box::new(experiment)))
        }
        other => Err(input_error(format!(
            "invalid {origin}: unknown family {other:?}; the families are: \
             rate, spiking, stdp-window, hopfield, competitive, diehl-cook"
        ))),
    }
}

fn deserialize<T: DeserializeOwned>(
    table: toml::Table,
    origin: &str,
    overrides: &[String],
) -> Result<T> {
    let value = toml::Value::Table(table);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let hint = if overrides.is_empty() {
            String::new()
        } else {
            format!(" (after --set {})", overrides.join(", --set "))
        };
        let detail = e.into_inner().to_string().trim_end().to_string();
        // The TOML deserializer appends the table name on its own line ("in `training`"),
        // which repeats the key path given above.
        let detail = match detail.rsplit_once('\n') {
            Some((head, last)) if last.starts_with("in `") => head.to_string(),
            _ => detail,
        };
        // a missing top-level key has the root "." as its path
        let place = if path == "." {
            "at the top level".to_string()
        } else {
            format!("key `{path}`")
        };
        input_error(format!(
            "invalid {origin}{hint}: {place}: {}",
            plain_type_names(&detail)
        ))
    })
}

/// Replaces the Rust type names in a deserializer message ("expected u64") by words.
fn plain_type_names(detail: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("expected usize", "expected a whole number >= 0"),
        ("expected u64", "expected a whole number >= 0"),
        ("expected u32", "expected a whole number >= 0"),
        ("expected u16", "expected a whole number >= 0"),
        ("expected u8", "expected a whole number >= 0"),
        ("expected i64", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
        ("expected a boolean", "expected true or false"),
    ];
    let mut text = detail.to_string();
    for (rust, plain) in NAMES {
        text = text.replace(rust, plain);
    }
    text
}

/// Keys of which an experiment gives one or the other, never both.
const ALTERNATIVES: &[(&str, &str)] = &[("training.presentations", "training.epochs")];

/// Removes the file's value of a key when `--set` gives its alternative (see
/// [`ALTERNATIVES`]), so that `--set training.presentations=N` works on an experiment
/// whose file sets `training.epochs`. Setting both with `--set` is still an error.
fn drop_replaced_alternatives(table: &mut toml::Table, overrides: &[String]) {
    let set: Vec<&str> = overrides
        .iter()
        .filter_map(|a| a.split_once('=').map(|(key, _)| key.trim()))
        .collect();
    for &(a, b) in ALTERNATIVES {
        for (given, other) in [(a, b), (b, a)] {
            if set.contains(&given) && !set.contains(&other) {
                remove_key(table, other);
            }
        }
    }
}

/// Removes the dotted `key` from `table` if it is there.
fn remove_key(table: &mut toml::Table, key: &str) {
    let parts: Vec<&str> = key.split('.').collect();
    let mut current = table;
    for part in &parts[..parts.len() - 1] {
        match current.get_mut(*part) {
            Some(toml::Value::Table(t)) => current = t,
            _ => return,
        }
    }
    current.remove(parts[parts.len() - 1]);
}

/// Applies one `key.path=value` assignment. The value is read as a TOML value when it
/// parses as one (`0.01`, `true`, `"text"`, `[1, 2]`), otherwise as a bare string.
pub fn apply_override(table: &mut toml::Table, assignment: &str) -> Result<()> {
    let Some((key, raw)) = assignment.split_once('=') else {
        bail!(input_error(format!(
            "invalid --set {assignment:?}: expected KEY=VALUE, for example --set rule.eta=0.01"
        )));
    };
    let key = key.trim();
    let parts: Vec<&str> = key.split('.').collect();
    if key.is_empty() || parts.iter().any(|p| p.is_empty()) {
        bail!(input_error(format!(
            "invalid --set {assignment:?}: the key must be a dotted path such as rule.eta"
        )));
    }
    let raw = raw.trim();
    let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()));

    let mut current = table;
    for (depth, part) in parts[..parts.len() - 1].iter().enumerate() {
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match entry {
            toml::Value::Table(t) => t,
            other => bail!(input_error(format!(
                "invalid --set {assignment:?}: {} is {other}, not a table",
                parts[..=depth].join(".")
            ))),
        };
    }
    current.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_in_plain_words() {
        let plain = plain_type_names("invalid type: string \"yes\", expected a boolean");
        assert!(plain.ends_with("expected true or false"), "{plain}");
        let plain = plain_type_names("invalid value: integer `-5`, expected u64");
        assert!(plain.ends_with("expected a whole number >= 0"), "{plain}");
    }

    #[test]
    fn set_replaces_alternative_key() {
        let file = "[training]\nepochs = 1\neta = 0.1\n";
        let mut table: toml::Table = toml::from_str(file).unwrap();
        let overrides = vec!["training.presentations=500".to_string()];
        apply_override(&mut table, &overrides[0]).unwrap();
        drop_replaced_alternatives(&mut table, &overrides);
        let training = table["training"].as_table().unwrap();
        assert_eq!(training["presentations"].as_integer(), Some(500));
        assert!(!training.contains_key("epochs"));
        assert_eq!(training["eta"].as_float(), Some(0.1));

        // both given with --set: both stay, and validation rejects the pair
        let mut table: toml::Table = toml::from_str(file).unwrap();
        let overrides = vec![
            "training.presentations=500".to_string(),
            "training.epochs=2".to_string(),
        ];
        for o in &overrides {
            apply_override(&mut table, o).unwrap();
        }
        drop_replaced_alternatives(&mut table, &overrides);
        let training = table["training"].as_table().unwrap();
        assert!(training.contains_key("epochs"));
        assert!(training.contains_key("presentations"));
    }

    #[test]
    fn override_nested_and_typed() {
        let mut table: toml::Table = toml::from_str("[rule]\neta = 0.1").unwrap();
        apply_override(&mut table, "rule.eta=0.5").unwrap();
        apply_override(&mut table, "stimulus.kind=idx").unwrap();
        assert_eq!(table["rule"]["eta"].as_float(), Some(0.5));
        assert_eq!(table["stimulus"]["kind"].as_str(), Some("idx"));
    }

    #[test]
    fn override_rejects_missing_equals() {
        let mut table = toml::Table::new();
        let err = apply_override(&mut table, "rule.eta").unwrap_err();
        assert!(err.to_string().contains("KEY=VALUE"));
    }
}
