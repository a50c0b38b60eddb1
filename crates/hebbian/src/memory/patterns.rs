//! Sets of ±1 patterns, their sources (random, files, images) and recall cues.
//!
//! A unit state is an `i8` that is either `+1` or `−1`. Every constructor checks this, so
//! a [`Patterns`] value contains nothing else.

use std::path::Path;

use rand::Rng as _;
use rand::seq::index::sample;

use crate::error::{Error, Result};
use crate::rng::Rng;

/// A non-empty set of ±1 patterns of equal length, stored row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patterns {
    values: Vec<i8>,
    n_units: usize,
}

impl Patterns {
    /// Creates a set from `values.len() / n_units` row-major patterns of ±1 values.
    pub fn new(values: Vec<i8>, n_units: usize) -> Result<Self> {
        if values.is_empty() {
            return Err(empty_set());
        }
        if n_units == 0 || values.len() % n_units != 0 {
            return Err(Error::InvalidPatterns {
                problem: format!(
                    "{} values do not split into patterns of {n_units} units",
                    values.len()
                ),
            });
        }
        if let Some(k) = values.iter().position(|&v| v != 1 && v != -1) {
            return Err(Error::InvalidPatterns {
                problem: format!(
                    "pattern {}, unit {} has value {}; states must be -1 or +1",
                    k / n_units,
                    k % n_units,
                    values[k]
                ),
            });
        }
        Ok(Patterns { values, n_units })
    }

    /// Creates a set from rows of numbers that are all ±1 or all 0/1.
    ///
    /// The encoding is taken from the values: a set holding a `0` is read as 0/1 and
    /// mapped to −1/+1, otherwise as ±1. A set mixing `0` and `−1`, or holding any other
    /// value, is rejected with the pattern, the unit and the value. A set of only `1`s
    /// is the same in both encodings.
    pub fn from_rows<R: AsRef<[f64]>>(rows: &[R]) -> Result<Self> {
        encode_rows(rows, |k| format!("pattern {k}"))
    }

    /// Number of patterns `P`.
    pub fn len(&self) -> usize {
        self.values.len() / self.n_units
    }

    /// Returns `false`, because a set contains at least one pattern.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Pattern length `N`.
    pub fn n_units(&self) -> usize {
        self.n_units
    }

    /// Pattern `mu`.
    pub fn get(&self, mu: usize) -> &[i8] {
        &self.values[mu * self.n_units..(mu + 1) * self.n_units]
    }

    /// Iterates over the patterns in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[i8]> {
        self.values.chunks_exact(self.n_units)
    }

    /// Returns all values, row-major: pattern `mu` is `values()[mu * N..(mu + 1) * N]`.
    pub fn values(&self) -> &[i8] {
        &self.values
    }

    /// Fraction of `+1` values over the whole set.
    pub fn fraction_plus(&self) -> f64 {
        let plus = self.values.iter().filter(|&&v| v == 1).count();
        plus as f64 / self.values.len() as f64
    }
}

fn empty_set() -> Error {
    Error::InvalidPatterns {
        problem: "the set holds no patterns; provide at least one".to_string(),
    }
}

/// Validates and encodes rows; `describe(k)` names row `k` in messages.
fn encode_rows<R: AsRef<[f64]>>(
    rows: &[R],
    describe: impl Fn(usize) -> String,
) -> Result<Patterns> {
    let Some(first) = rows.first() else {
        return Err(empty_set());
    };
    let n_units = first.as_ref().len();
    if n_units == 0 {
        return Err(Error::InvalidPatterns {
            problem: format!("{} has no values", describe(0)),
        });
    }

    // Sizes first, so a short row is reported as such and not as a bad value.
    for (k, row) in rows.iter().enumerate() {
        let len = row.as_ref().len();
        if len != n_units {
            return Err(Error::InvalidPatterns {
                problem: format!(
                    "{} has {len} values, but {} has {n_units}; all patterns must have the same size",
                    describe(k),
                    describe(0)
                ),
            });
        }
    }

    // Every value must be -1, 0 or 1, and 0 and -1 must not appear together.
    let mut first_zero = None;
    let mut first_minus = None;
    for (k, row) in rows.iter().enumerate() {
        for (i, &v) in row.as_ref().iter().enumerate() {
            if v == 0.0 {
                first_zero.get_or_insert((k, i));
            } else if v == -1.0 {
                first_minus.get_or_insert((k, i));
            } else if v != 1.0 {
                return Err(Error::InvalidPatterns {
                    problem: format!(
                        "{}, unit {i} has value {v}; values must be -1/+1, or 0/1 (mapped to -1/+1)",
                        describe(k)
                    ),
                });
            }
        }
    }
    if let (Some((kz, iz)), Some((km, im))) = (first_zero, first_minus) {
        return Err(Error::InvalidPatterns {
            problem: format!(
                "the set mixes encodings: {}, unit {iz} is 0 but {}, unit {im} is -1; \
                 use either -1/+1 or 0/1 throughout",
                describe(kz),
                describe(km)
            ),
        });
    }

    let values = rows
        .iter()
        .flat_map(|row| row.as_ref().iter())
        .map(|&v| if v == 1.0 { 1 } else { -1 })
        .collect();
    Ok(Patterns { values, n_units })
}

/// Reads patterns from a text file: one pattern per line, values separated by spaces,
/// tabs or commas, all ±1 or all 0/1 (see [`Patterns::from_rows`]). Blank lines and
/// lines starting with `#` are skipped.
pub fn read_patterns(path: &Path) -> Result<Patterns> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;

    let mut rows = Vec::new();
    let mut line_numbers = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut row = Vec::new();
        for token in line.split(|c: char| c == ',' || c.is_whitespace()) {
            if token.is_empty() {
                continue;
            }
            let value: f64 = token.parse().map_err(|_| {
                Error::invalid_data(
                    path,
                    format!(
                        "line {}: {token:?} is not a number; values must be -1/+1 or 0/1",
                        index + 1
                    ),
                )
            })?;
            row.push(value);
        }
        rows.push(row);
        line_numbers.push(index + 1);
    }

    encode_rows(&rows, |k| {
        format!("the pattern on line {}", line_numbers[k])
    })
    .map_err(|e| match e {
        Error::InvalidPatterns { problem } => Error::invalid_data(path, problem),
        other => other,
    })
}

/// Maps grey values to unit states: `+1` where `value >= threshold`, else `−1`.
///
/// For MNIST scaled to `[0, 1]`, a threshold of 0.5 makes the strokes `+1`.
pub fn binarize(values: &[f64], threshold: f64) -> Vec<i8> {
    values
        .iter()
        .map(|&v| if v >= threshold { 1 } else { -1 })
        .collect()
}

/// Draws `n_patterns` random patterns of `n_units` units, each unit independently `+1`
/// with probability `fraction_plus` and `−1` otherwise.
pub fn random_patterns(
    n_patterns: usize,
    n_units: usize,
    fraction_plus: f64,
    rng: &mut Rng,
) -> Result<Patterns> {
    if n_patterns == 0 {
        return Err(empty_set());
    }
    if n_units == 0 {
        return Err(Error::invalid_parameter(
            "random patterns",
            "n_units",
            "> 0",
            0,
        ));
    }
    if !(0.0..=1.0).contains(&fraction_plus) {
        return Err(Error::invalid_parameter(
            "random patterns",
            "fraction_plus",
            "in [0, 1]",
            fraction_plus,
        ));
    }
    let values = (0..n_patterns * n_units)
        .map(|_| {
            if rng.random_bool(fraction_plus) {
                1
            } else {
                -1
            }
        })
        .collect();
    Ok(Patterns { values, n_units })
}

/// Returns a copy of `pattern` with exactly `round(fraction · N)` units, chosen at random
/// without repetition, flipped.
pub fn flip_fraction(pattern: &[i8], fraction: f64, rng: &mut Rng) -> Result<Vec<i8>> {
    if !(0.0..=1.0).contains(&fraction) {
        return Err(Error::invalid_parameter(
            "cue",
            "flip fraction",
            "in [0, 1]",
            fraction,
        ));
    }
    let n = pattern.len();
    let count = (fraction * n as f64).round() as usize;
    let mut cue = pattern.to_vec();
    for i in sample(rng, n, count.min(n)) {
        cue[i] = -cue[i];
    }
    Ok(cue)
}

/// A rectangle of an image stored row-major, in pixels; `row_end` and `col_end` are
/// exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub row_start: usize,
    pub row_end: usize,
    pub col_start: usize,
    pub col_end: usize,
}

/// Returns a copy of `pattern`, an image of `shape = (rows, cols)` stored row-major, with
/// every unit inside `region` set to `fill` (`−1` or `+1`).
///
/// Setting the lower half of a digit to `−1` (background) gives a half-masked cue.
pub fn mask_region(
    pattern: &[i8],
    shape: (usize, usize),
    region: Region,
    fill: i8,
) -> Result<Vec<i8>> {
    let (rows, cols) = shape;
    if rows * cols != pattern.len() {
        return Err(Error::ShapeMismatch {
            context: "masked cue: image shape against the pattern length",
            expected: pattern.len().to_string(),
            got: format!("{rows} x {cols}"),
        });
    }
    if fill != 1 && fill != -1 {
        return Err(Error::invalid_parameter(
            "cue",
            "mask fill",
            "-1 or +1",
            fill,
        ));
    }
    if region.row_start > region.row_end || region.row_end > rows {
        return Err(Error::invalid_parameter(
            "cue",
            "mask rows",
            format!("a range within 0..{rows}"),
            format!("{}..{}", region.row_start, region.row_end),
        ));
    }
    if region.col_start > region.col_end || region.col_end > cols {
        return Err(Error::invalid_parameter(
            "cue",
            "mask columns",
            format!("a range within 0..{cols}"),
            format!("{}..{}", region.col_start, region.col_end),
        ));
    }
    let mut cue = pattern.to_vec();
    for r in region.row_start..region.row_end {
        cue[r * cols + region.col_start..r * cols + region.col_end].fill(fill);
    }
    Ok(cue)
}

/// Overlap `m = (1/N) Σ_i a_i b_i` of two ±1 vectors of equal length: 1 for equal
/// vectors, −1 for opposite ones, near 0 for unrelated random ones.
pub fn overlap(a: &[i8], b: &[i8]) -> f64 {
    assert_eq!(a.len(), b.len(), "overlap of vectors of different lengths");
    let sum: i64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (x as i64) * (y as i64))
        .sum();
    sum as f64 / a.len() as f64
}
