//! Error type shared by the whole library.

use std::path::PathBuf;

/// Errors returned by the library.
///
/// Parameter errors ([`Error::InvalidParameter`]) mean the caller misused an API and
/// carry the model, the parameter, the constraint and the offending value.
/// [`Error::Diverged`] means a run left the stable regime and carries a remedy.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter is outside its valid range.
    #[error("invalid {model} parameter {name}: must be {constraint}, got {value}")]
    InvalidParameter {
        model: &'static str,
        name: &'static str,
        constraint: String,
        value: String,
    },

    /// Two arrays that must agree in size do not.
    #[error("shape mismatch in {context}: expected {expected}, got {got}")]
    ShapeMismatch {
        context: &'static str,
        expected: String,
        got: String,
    },

    /// Training stopped because the weights became non-finite or exceeded the
    /// divergence threshold.
    #[error("{quantity} diverged at presentation {presentation}: {detail}; {remedy}")]
    Diverged {
        presentation: u64,
        quantity: String,
        detail: String,
        remedy: String,
    },

    /// A set of ±1 patterns is empty, has patterns of different lengths or contains a
    /// value that is not a unit state.
    #[error("invalid pattern set: {problem}")]
    InvalidPatterns { problem: String },

    /// A data file is malformed.
    #[error("invalid data file {}: {problem}", path.display())]
    InvalidData { path: PathBuf, problem: String },

    /// A file could not be read.
    #[error("failed to read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A file could not be created or written.
    #[error("failed to write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Builds an [`Error::InvalidParameter`] from any displayable value.
    pub fn invalid_parameter(
        model: &'static str,
        name: &'static str,
        constraint: impl Into<String>,
        value: impl std::fmt::Display,
    ) -> Self {
        Error::InvalidParameter {
            model,
            name,
            constraint: constraint.into(),
            value: value.to_string(),
        }
    }

    /// Builds an [`Error::InvalidData`] for `path`.
    pub fn invalid_data(path: impl Into<PathBuf>, problem: impl Into<String>) -> Self {
        Error::InvalidData {
            path: path.into(),
            problem: problem.into(),
        }
    }
}

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Checks that `value` is finite and strictly positive.
pub(crate) fn check_positive(model: &'static str, name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid_parameter(
            model,
            name,
            "a finite number > 0",
            value,
        ))
    }
}

/// Checks that `value` is finite and non-negative.
pub(crate) fn check_non_negative(
    model: &'static str,
    name: &'static str,
    value: f64,
) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid_parameter(
            model,
            name,
            "a finite number >= 0",
            value,
        ))
    }
}
