//! The running accuracy estimate during training, computed as in the code published
//! with Diehl & Cook (2015).
//!
//! The responses to the training images are collected in blocks of `relabel_every`
//! images. At the end of each block the neurons are labelled from that block's
//! responses ([`assign_labels`]). From then on each training image's response is
//! classified with the labels of the previous block, so a prediction never uses labels
//! learnt from the image it classifies. The estimate is the fraction of right
//! predictions over the last `window` images.

use std::collections::VecDeque;

use anyhow::Result;
use hebbian::spiking::diehl_cook::{assign_labels, classify};
use serde::{Deserialize, Serialize};

/// Number of classes (MNIST digits).
pub const N_CLASSES: usize = 10;

/// Accuracy of one block's predictions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BlockAccuracy {
    /// Training images done at the end of the block.
    pub images: u64,
    /// Fraction of the block's images classified right.
    pub accuracy: f64,
}

/// The estimate and its buffers.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningAccuracy {
    n_exc: usize,
    relabel_every: usize,
    window: usize,
    /// Spike counts of the current block's images, `(images, n_exc)` row-major.
    pub block_counts: Vec<u32>,
    /// Classes of the current block's images.
    pub block_classes: Vec<u8>,
    /// Right predictions in the current block.
    pub block_correct: u64,
    /// Labels from the previous block; `None` before the first block ends.
    pub labels: Option<Vec<Option<u8>>>,
    /// Whether each of the last `window` predictions was right, oldest first.
    pub recent: VecDeque<bool>,
    /// Accuracy of every finished block that had labels to predict with.
    pub history: Vec<BlockAccuracy>,
}

impl RunningAccuracy {
    /// Creates empty buffers.
    pub fn new(n_exc: usize, relabel_every: usize, window: usize) -> Self {
        RunningAccuracy {
            n_exc,
            relabel_every,
            window,
            block_counts: Vec::new(),
            block_classes: Vec::new(),
            block_correct: 0,
            labels: None,
            recent: VecDeque::with_capacity(window),
            history: Vec::new(),
        }
    }

    /// Records the response to one training image; `images_done` counts it.
    pub fn record(&mut self, counts: &[u32], class: u8, images_done: u64) -> Result<()> {
        if let Some(labels) = &self.labels {
            let right = classify(labels, counts, N_CLASSES) == Some(class);
            if self.recent.len() == self.window {
                self.recent.pop_front();
            }
            self.recent.push_back(right);
            self.block_correct += u64::from(right);
        }
        self.block_counts.extend_from_slice(counts);
        self.block_classes.push(class);

        if self.block_classes.len() == self.relabel_every {
            if self.labels.is_some() {
                self.history.push(BlockAccuracy {
                    images: images_done,
                    accuracy: self.block_correct as f64 / self.relabel_every as f64,
                });
            }
            self.labels = Some(assign_labels(
                &self.block_counts,
                &self.block_classes,
                self.n_exc,
                N_CLASSES,
            )?);
            self.block_counts.clear();
            self.block_classes.clear();
            self.block_correct = 0;
        }
        Ok(())
    }

    /// Fraction of right predictions over the last `window` images, once labels exist.
    pub fn estimate(&self) -> Option<f64> {
        if self.recent.is_empty() {
            return None;
        }
        let right = self.recent.iter().filter(|&&r| r).count();
        Some(right as f64 / self.recent.len() as f64)
    }

    /// Number of predictions the estimate averages over.
    pub fn estimate_len(&self) -> usize {
        self.recent.len()
    }

    /// Checks buffers restored from a checkpoint against the settings.
    pub fn check(&self) -> Result<(), String> {
        let rows = self.block_classes.len();
        if rows >= self.relabel_every {
            return Err(format!(
                "{rows} images in the current block, but a block ends after {}",
                self.relabel_every
            ));
        }
        if self.block_counts.len() != rows * self.n_exc {
            return Err(format!(
                "{} spike counts for {rows} images of {} neurons",
                self.block_counts.len(),
                self.n_exc
            ));
        }
        if self.block_correct > rows as u64 {
            return Err(format!(
                "{} right predictions among {rows} images",
                self.block_correct
            ));
        }
        if self.recent.len() > self.window {
            return Err(format!(
                "{} recent predictions, but the window holds {}",
                self.recent.len(),
                self.window
            ));
        }
        if let Some(labels) = &self.labels {
            if labels.len() != self.n_exc {
                return Err(format!(
                    "{} neuron labels for {} neurons",
                    labels.len(),
                    self.n_exc
                ));
            }
            if labels.iter().flatten().any(|&l| l as usize >= N_CLASSES) {
                return Err(format!("a neuron label is not below {N_CLASSES}"));
            }
        }
        if self.block_classes.iter().any(|&c| c as usize >= N_CLASSES) {
            return Err(format!("an image class is not below {N_CLASSES}"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_appear_after_first_block() {
        let mut running = RunningAccuracy::new(2, 2, 3);
        // Neuron 0 responds to class 1, neuron 1 to class 2.
        running.record(&[5, 0], 1, 1).unwrap();
        assert_eq!(running.estimate(), None);
        running.record(&[0, 4], 2, 2).unwrap();
        assert_eq!(running.labels, Some(vec![Some(1), Some(2)]));
        assert!(running.history.is_empty());
        assert!(running.block_classes.is_empty());

        running.record(&[3, 0], 1, 3).unwrap();
        running.record(&[3, 0], 2, 4).unwrap();
        assert_eq!(running.estimate(), Some(0.5));
        assert_eq!(
            running.history,
            vec![BlockAccuracy {
                images: 4,
                accuracy: 0.5
            }]
        );
    }

    #[test]
    fn window_keeps_latest() {
        let mut running = RunningAccuracy::new(1, 1, 2);
        running.record(&[1], 0, 1).unwrap();
        for (k, class) in [0, 1, 1].into_iter().enumerate() {
            running.record(&[1], class, k as u64 + 2).unwrap();
        }
        // Neuron 0 is relabelled after every image; the last two predictions were
        // "1 is class 0" (wrong) and "1 is class 1" (right).
        assert_eq!(running.estimate_len(), 2);
        assert_eq!(running.estimate(), Some(0.5));
    }
}
