//! `hebbian time-recall`: times Hopfield recall alone, for side-by-side benchmarks.
//!
//! Random unbiased patterns are stored with the Hebbian rule (scaled by 1/P, zero
//! diagonal), and each timed recall starts from a stored pattern with a fraction of its
//! units flipped. Only `Hopfield::recall` is inside the timed region: storage and cue
//! generation happen before it. Recall runs sequential sweeps in index order and stops
//! at the first sweep that changes nothing, so it may run fewer than `max_sweeps`
//! sweeps; the output reports how many it ran.

use std::time::Instant;

use anyhow::Result;
use hebbian::memory::{
    Hopfield, RecallSettings, StorageRule, UpdateOrder, flip_fraction, overlap, random_patterns,
};
use hebbian::rng::{self, streams};
use serde_json::json;

/// Settings of one timing run.
pub struct TimeRecall {
    pub units: usize,
    pub patterns: usize,
    pub max_sweeps: usize,
    pub flip: f64,
    pub repeats: usize,
    pub seed: u64,
}

/// Runs the timing and prints one JSON object on stdout.
pub fn run(settings: &TimeRecall) -> Result<()> {
    let TimeRecall {
        units,
        patterns,
        max_sweeps,
        flip,
        repeats,
        seed,
    } = *settings;
    let mut generator = rng::stream(seed, streams::STIMULUS);
    let stored = random_patterns(patterns, units, 0.5, &mut generator)?;
    let net = Hopfield::store(&stored, StorageRule::default())?;
    let cues = (0..repeats)
        .map(|k| flip_fraction(stored.get(k % patterns), flip, &mut generator))
        .collect::<hebbian::Result<Vec<_>>>()?;
    let recall_settings = RecallSettings {
        update: UpdateOrder::Sequential,
        max_sweeps,
    };

    // One untimed recall warms the caches.
    net.recall(&cues[0], &recall_settings)?;

    let mut times = Vec::with_capacity(repeats);
    let mut sweeps = Vec::with_capacity(repeats);
    let mut overlaps = Vec::with_capacity(repeats);
    for (k, cue) in cues.iter().enumerate() {
        let start = Instant::now();
        let recall = net.recall(cue, &recall_settings)?;
        times.push(start.elapsed().as_secs_f64());
        sweeps.push(recall.sweeps);
        overlaps.push(overlap(&recall.state, stored.get(k % patterns)));
    }

    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let mean_sweeps = sweeps.iter().sum::<usize>() as f64 / sweeps.len() as f64;
    let summary = json!({
        "units": units,
        "patterns": patterns,
        "max_sweeps": max_sweeps,
        "flip": flip,
        "repeats": repeats,
        "seed": seed,
        "median_recall_s": median,
        "mean_recall_s": mean,
        "min_recall_s": sorted[0],
        "mean_sweeps": mean_sweeps,
        "mean_overlap": overlaps.iter().sum::<f64>() / overlaps.len() as f64,
    });
    outln!("{summary}");
    Ok(())
}
