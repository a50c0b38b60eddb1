//! Generates inputs on a second thread, ahead of the training loop.
//!
//! A generated stimulus such as [`super::OrientedBars`] can cost as much per
//! presentation as the update itself (100 Gaussian draws for a 10 × 10 bar). [`Prefetch`]
//! moves that work to a producer thread that fills blocks of inputs while the rule
//! trains on the previous block. The inputs, and their order, are exactly those of the
//! wrapped stimulus, so results do not change; only the wall time does.

use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::thread::JoinHandle;

use super::Stimulus;

/// A stimulus whose inputs are produced in blocks by a background thread.
pub struct Prefetch {
    n_inputs: usize,
    image_shape: Option<(usize, usize)>,
    block: usize,
    blocks: Option<Receiver<Vec<f64>>>,
    recycle: SyncSender<Vec<f64>>,
    current: Vec<f64>,
    position: usize,
    producer: Option<JoinHandle<()>>,
}

impl Prefetch {
    /// Starts the producer. It keeps up to `depth` blocks of `block` inputs ready.
    pub fn new<S: Stimulus + 'static>(mut inner: S, block: usize, depth: usize) -> Self {
        let n_inputs = inner.n_inputs();
        let image_shape = inner.image_shape();
        let block = block.max(1);
        let (send_block, blocks) = sync_channel::<Vec<f64>>(depth.max(1));
        let (recycle, spare) = sync_channel::<Vec<f64>>(depth.max(1) + 2);
        let producer = std::thread::spawn(move || {
            loop {
                // Reuse a buffer the consumer has finished with, if one is waiting.
                let mut buffer = match spare.try_recv() {
                    Ok(buffer) => buffer,
                    Err(TryRecvError::Empty) => vec![0.0; block * n_inputs],
                    Err(TryRecvError::Disconnected) => return,
                };
                for x in buffer.chunks_exact_mut(n_inputs.max(1)) {
                    inner.next_into(x);
                }
                // The consumer has gone: stop.
                if send_block.send(buffer).is_err() {
                    return;
                }
            }
        });
        Prefetch {
            n_inputs,
            image_shape,
            block,
            blocks: Some(blocks),
            recycle,
            current: Vec::new(),
            position: block,
            producer: Some(producer),
        }
    }
}

impl Stimulus for Prefetch {
    fn n_inputs(&self) -> usize {
        self.n_inputs
    }

    fn image_shape(&self) -> Option<(usize, usize)> {
        self.image_shape
    }

    fn next_into(&mut self, x: &mut [f64]) {
        if self.position == self.block {
            let next = self
                .blocks
                .as_ref()
                .and_then(|blocks| blocks.recv().ok())
                .expect("the producer thread ended early; it can only end by panicking");
            let done = std::mem::replace(&mut self.current, next);
            // A full recycle queue only means the buffer is dropped instead of reused.
            if !done.is_empty() {
                let _ = self.recycle.try_send(done);
            }
            self.position = 0;
        }
        let n = self.n_inputs;
        x.copy_from_slice(&self.current[self.position * n..(self.position + 1) * n]);
        self.position += 1;
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        // Closing the block channel makes the producer's next send fail, so it returns.
        self.blocks = None;
        if let Some(producer) = self.producer.take() {
            let _ = producer.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;
    use crate::stimulus::{AngleSpacing, OrientedBars};

    #[test]
    fn same_inputs_as_inner() {
        let make =
            || OrientedBars::new(10, 8, AngleSpacing::HalfOpen, 0.1, rng::stream(9, 2)).unwrap();
        let mut direct = make();
        let mut prefetched = Prefetch::new(make(), 7, 3);
        let (mut a, mut b) = (vec![0.0; 100], vec![0.0; 100]);
        for _ in 0..100 {
            direct.next_into(&mut a);
            prefetched.next_into(&mut b);
            assert_eq!(a, b);
        }
    }
}
