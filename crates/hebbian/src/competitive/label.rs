//! Classification with competitive units: label each unit with the majority class of the
//! training samples it wins, then predict the label of each test sample's winner.
//!
//! A unit that wins no training sample (a dead unit) gets no label. A test sample won by
//! such a unit counts as wrong and is reported as unassigned, so dead units lower the
//! accuracy instead of being hidden. A tie between classes goes to the lowest class.

use ndarray::Array2;

use crate::error::{Error, Result};

/// Labels of the units, from the training winners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitLabels {
    /// Majority class of each unit; `None` for a unit that won nothing.
    pub labels: Vec<Option<u8>>,
    /// Training samples won by each unit.
    pub wins: Vec<usize>,
    /// Number of classes.
    pub n_classes: usize,
}

/// Accuracy and confusion matrix on a labelled set.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Fraction of samples whose winner's label equals their class.
    pub accuracy: f64,
    /// Counts with rows = true class and columns = predicted class, `(n_classes,
    /// n_classes)`; unassigned samples are not in it.
    pub confusion: Array2<u64>,
    /// Samples won by a unit without a label.
    pub unassigned: usize,
    /// Samples evaluated.
    pub n_samples: usize,
}

/// Labels `n_units` units from the winners of the training samples and their classes.
pub fn label_units(
    winners: &[usize],
    classes: &[u8],
    n_units: usize,
    n_classes: usize,
) -> Result<UnitLabels> {
    check_winners(winners, classes, n_units, n_classes)?;
    let mut votes = vec![0usize; n_units * n_classes];
    for (&unit, &class) in winners.iter().zip(classes) {
        votes[unit * n_classes + class as usize] += 1;
    }

    let mut labels = Vec::with_capacity(n_units);
    let mut wins = Vec::with_capacity(n_units);
    for unit_votes in votes.chunks_exact(n_classes) {
        let total: usize = unit_votes.iter().sum();
        wins.push(total);
        if total == 0 {
            labels.push(None);
            continue;
        }
        // Strictly greater, so a tie keeps the lower class.
        let mut best = 0;
        for (class, &count) in unit_votes.iter().enumerate() {
            if count > unit_votes[best] {
                best = class;
            }
        }
        labels.push(Some(best as u8));
    }
    Ok(UnitLabels {
        labels,
        wins,
        n_classes,
    })
}

impl UnitLabels {
    /// Number of units that won no training sample.
    pub fn dead_units(&self) -> usize {
        self.labels.iter().filter(|l| l.is_none()).count()
    }

    /// Predicts each sample's class from its winner and compares with `classes`.
    pub fn evaluate(&self, winners: &[usize], classes: &[u8]) -> Result<Evaluation> {
        check_winners(winners, classes, self.labels.len(), self.n_classes)?;
        let k = self.n_classes;
        let mut confusion = Array2::zeros((k, k));
        let mut correct = 0;
        let mut unassigned = 0;
        for (&unit, &class) in winners.iter().zip(classes) {
            match self.labels[unit] {
                Some(predicted) => {
                    confusion[[class as usize, predicted as usize]] += 1;
                    if predicted == class {
                        correct += 1;
                    }
                }
                None => unassigned += 1,
            }
        }
        Ok(Evaluation {
            accuracy: correct as f64 / winners.len().max(1) as f64,
            confusion,
            unassigned,
            n_samples: winners.len(),
        })
    }
}

fn check_winners(
    winners: &[usize],
    classes: &[u8],
    n_units: usize,
    n_classes: usize,
) -> Result<()> {
    if n_classes == 0 {
        return Err(Error::invalid_parameter(
            "unit labelling",
            "n_classes",
            ">= 1",
            0,
        ));
    }
    if winners.len() != classes.len() {
        return Err(Error::ShapeMismatch {
            context: "unit labelling: winners against class labels",
            expected: format!("{} labels", winners.len()),
            got: classes.len().to_string(),
        });
    }
    if let Some(&unit) = winners.iter().find(|&&u| u >= n_units) {
        return Err(Error::invalid_parameter(
            "unit labelling",
            "winner",
            format!("a unit index below {n_units}"),
            unit,
        ));
    }
    if let Some(&class) = classes.iter().find(|&&c| c as usize >= n_classes) {
        return Err(Error::invalid_parameter(
            "unit labelling",
            "class label",
            format!("below n_classes = {n_classes}"),
            class,
        ));
    }
    Ok(())
}
