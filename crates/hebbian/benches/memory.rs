//! One Hopfield recall, sized as the reference NumPy loop: N = 1000 units, P = 100
//! Hebbian patterns, at most 10 asynchronous sweeps in index order, from a cue with 10 %
//! of its bits flipped. Storing and the cue are built outside the timed closure.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hebbian::memory::{
    Hopfield, RecallSettings, StorageRule, UpdateOrder, flip_fraction, random_patterns,
};
use hebbian::rng;

fn hopfield_recall(c: &mut Criterion) {
    let mut generator = rng::stream(42, rng::streams::STIMULUS);
    let patterns = random_patterns(100, 1000, 0.5, &mut generator).unwrap();
    let cue = flip_fraction(patterns.get(0), 0.1, &mut generator).unwrap();
    let settings = RecallSettings {
        update: UpdateOrder::Sequential,
        max_sweeps: 10,
    };

    let mut group = c.benchmark_group("hopfield_recall_n1000_p100");
    for rule in [
        StorageRule::default(),
        StorageRule::Storkey,
        StorageRule::PseudoInverse,
    ] {
        let net = Hopfield::store(&patterns, rule).unwrap();
        group.bench_function(rule.name(), |b| {
            b.iter(|| net.recall(black_box(&cue), &settings).unwrap())
        });
    }

    // A random cue, unrelated to every pattern: about half the units flip, so the
    // incremental field updates cost more than from a noisy pattern.
    let net = Hopfield::store(&patterns, StorageRule::default()).unwrap();
    let random_cue = random_patterns(1, 1000, 0.5, &mut generator).unwrap();
    group.bench_function("hebbian_random_cue", |b| {
        b.iter(|| net.recall(black_box(random_cue.get(0)), &settings).unwrap())
    });
    group.finish();
}

criterion_group!(benches, hopfield_recall);
criterion_main!(benches);
