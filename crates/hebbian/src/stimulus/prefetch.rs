//! Draws inputs on a second thread, ahead of the training loop.
//!
//! A generated stimulus such as [`super::OrientedBars`] can cost as much per
//! presentation as the update itself (about 50 Gaussian draws for a 10 × 10 bar).
//! [`Prefetch`] moves that work to a producer thread that draws the blocks of a
//! [`BlockStimulus`] ahead of the block the rule trains on.
//!
//! The training thread waits for the producer only briefly, for a block the producer is
//! drawing. When the block it needs next is not ready (at the start, or when the producer
//! was not scheduled), it draws that block itself, and the producer moves on past it.
//! Each block is a function of its index alone, so the inputs and their order are those
//! of the stimulus used directly, whichever thread draws them. Only the wall time changes.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{BlockStimulus, Stimulus};

/// The block `(index, inputs)` that the producer hands over.
type Block = (u64, Vec<f64>);

/// Fills a buffer with block `k`.
type DrawBlock = Box<dyn FnMut(u64, &mut Vec<f64>) + Send>;

/// Progress shared by the two threads.
#[derive(Debug, Default)]
struct Progress {
    /// Index of the block the training thread took last.
    last_consumed: AtomicU64,
    /// Index of the block the producer is drawing, plus one (0: none).
    in_progress: AtomicU64,
}

/// A stimulus whose blocks are drawn ahead by a background thread.
pub struct Prefetch {
    n_inputs: usize,
    image_shape: Option<(usize, usize)>,
    block_len: usize,
    /// Draws block `k` into a buffer, for the blocks the producer has not delivered.
    draw: DrawBlock,
    blocks: Option<Receiver<Block>>,
    /// Blocks received before they are due (the producer starts at block 1).
    ahead: VecDeque<Block>,
    recycle: SyncSender<Vec<f64>>,
    progress: Arc<Progress>,
    current: Vec<f64>,
    /// Index of the next block, and the position in the current one.
    next_block: u64,
    position: usize,
    producer: Option<JoinHandle<()>>,
}

/// Returns a function that fills a buffer with block `k` of `stimulus`.
fn block_drawer<S: BlockStimulus>(mut stimulus: S) -> impl FnMut(u64, &mut Vec<f64>) {
    let n_inputs = stimulus.n_inputs();
    let len = stimulus.block_len() * n_inputs;
    move |k, buffer| {
        buffer.resize(len, 0.0);
        stimulus.seek_block(k);
        for x in buffer.chunks_exact_mut(n_inputs.max(1)) {
            stimulus.next_into(x);
        }
    }
}

impl Prefetch {
    /// Starts the producer. It keeps up to `depth` blocks ready and starts at block 1:
    /// the training thread draws block 0 while the producer starts up.
    pub fn new<S: BlockStimulus + 'static>(inner: S, depth: usize) -> Self {
        let n_inputs = inner.n_inputs();
        let image_shape = inner.image_shape();
        let block_len = inner.block_len().max(1);
        let progress = Arc::new(Progress::default());
        let (send_block, blocks) = sync_channel::<Block>(depth.max(1));
        let (recycle, spare) = sync_channel::<Vec<f64>>(depth.max(1) + 2);
        let mut draw = block_drawer(inner.clone());
        let shared = Arc::clone(&progress);
        let producer = std::thread::spawn(move || {
            let mut k = 1;
            loop {
                // Blocks the training thread has taken or is drawing itself are skipped.
                k = k.max(shared.last_consumed.load(Ordering::Acquire) + 1);
                shared.in_progress.store(k + 1, Ordering::Release);
                // Reuse a buffer the consumer has finished with, if one is waiting.
                let mut buffer = match spare.try_recv() {
                    Ok(buffer) => buffer,
                    Err(TryRecvError::Empty) => Vec::new(),
                    Err(TryRecvError::Disconnected) => return,
                };
                draw(k, &mut buffer);
                // The consumer has gone: stop.
                if send_block.send((k, buffer)).is_err() {
                    return;
                }
                k += 1;
            }
        });
        Prefetch {
            n_inputs,
            image_shape,
            block_len,
            draw: Box::new(block_drawer(inner)),
            blocks: Some(blocks),
            ahead: VecDeque::new(),
            recycle,
            progress,
            current: Vec::new(),
            next_block: 0,
            position: block_len,
            producer: Some(producer),
        }
    }

    /// Returns block `k` from the producer if it has drawn it or is about to finish it.
    fn delivered(&mut self, k: u64) -> Option<Vec<f64>> {
        while let Some((j, _)) = self.ahead.front() {
            match (*j).cmp(&k) {
                std::cmp::Ordering::Less => {
                    let (_, buffer) = self.ahead.pop_front().expect("front exists");
                    let _ = self.recycle.try_send(buffer);
                }
                std::cmp::Ordering::Equal => return self.ahead.pop_front().map(|(_, b)| b),
                std::cmp::Ordering::Greater => return None,
            }
        }
        let blocks = self.blocks.as_ref()?;
        // Waiting a little for the producer to finish the block it is drawing costs less
        // than drawing the whole block here. If the producer is not running, stop waiting
        // after 50 ns per input, about a third of the 0.15 µs that the noise of a 10 × 10
        // bar took to draw (measured on one machine).
        let patience = Duration::from_nanos(50 * self.block_len as u64);
        loop {
            let received = match blocks.try_recv() {
                Ok(block) => Some(block),
                Err(TryRecvError::Empty)
                    if self.progress.in_progress.load(Ordering::Acquire) == k + 1 =>
                {
                    blocks.recv_timeout(patience).ok()
                }
                Err(_) => None,
            };
            let (j, buffer) = received?;
            match j.cmp(&k) {
                std::cmp::Ordering::Equal => return Some(buffer),
                // a block this thread has drawn itself
                std::cmp::Ordering::Less => {
                    let _ = self.recycle.try_send(buffer);
                }
                // blocks arrive in order, so block `k` is not coming
                std::cmp::Ordering::Greater => {
                    self.ahead.push_back((j, buffer));
                    return None;
                }
            }
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
        if self.position == self.block_len {
            let k = self.next_block;
            self.progress.last_consumed.store(k, Ordering::Release);
            match self.delivered(k) {
                Some(block) => {
                    let done = std::mem::replace(&mut self.current, block);
                    // A full recycle queue only means the buffer is dropped.
                    if !done.is_empty() {
                        let _ = self.recycle.try_send(done);
                    }
                }
                // not ready: draw it here, into the buffer just finished with
                None => (self.draw)(k, &mut self.current),
            }
            self.next_block = k + 1;
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
    use std::thread::ThreadId;

    #[test]
    fn same_inputs_as_inner() {
        let make =
            || OrientedBars::new(10, 8, AngleSpacing::HalfOpen, 0.1, rng::stream(9, 2)).unwrap();
        let mut direct = make();
        let mut prefetched = Prefetch::new(make(), 3);
        let (mut a, mut b) = (vec![0.0; 100], vec![0.0; 100]);
        // three and a half blocks
        for _ in 0..7 * OrientedBars::BLOCK_LEN / 2 {
            direct.next_into(&mut a);
            prefetched.next_into(&mut b);
            assert_eq!(a, b);
        }
    }

    /// Presents `t` at presentation `t`, in blocks of 4, and sleeps on every draw made
    /// on a thread other than `fast` (if set), to make the producer fall behind.
    #[derive(Clone)]
    struct Counter {
        t: u64,
        fast: Option<ThreadId>,
    }

    impl Stimulus for Counter {
        fn n_inputs(&self) -> usize {
            1
        }

        fn image_shape(&self) -> Option<(usize, usize)> {
            None
        }

        fn next_into(&mut self, x: &mut [f64]) {
            if self
                .fast
                .is_some_and(|id| id != std::thread::current().id())
            {
                std::thread::sleep(Duration::from_micros(300));
            }
            x[0] = self.t as f64;
            self.t += 1;
        }
    }

    impl BlockStimulus for Counter {
        fn block_len(&self) -> usize {
            4
        }

        fn seek_block(&mut self, k: u64) {
            self.t = 4 * k;
        }
    }

    fn presented(stimulus: &mut Prefetch, n: usize, pause: Duration) -> Vec<f64> {
        let mut x = [0.0];
        (0..n)
            .map(|_| {
                std::thread::sleep(pause);
                stimulus.next_into(&mut x);
                x[0]
            })
            .collect()
    }

    #[test]
    fn slow_producer_changes_nothing() {
        // the training thread draws most blocks itself
        let fast = Some(std::thread::current().id());
        let mut stimulus = Prefetch::new(Counter { t: 0, fast }, 2);
        let expected: Vec<f64> = (0..200).map(f64::from).collect();
        assert_eq!(presented(&mut stimulus, 200, Duration::ZERO), expected);
    }

    #[test]
    fn producer_ahead_changes_nothing() {
        // the producer fills its queue while the training thread pauses
        let mut stimulus = Prefetch::new(Counter { t: 0, fast: None }, 3);
        let expected: Vec<f64> = (0..60).map(f64::from).collect();
        let pause = Duration::from_micros(200);
        assert_eq!(presented(&mut stimulus, 60, pause), expected);
    }
}
