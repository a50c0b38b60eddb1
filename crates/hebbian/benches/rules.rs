//! Kernels of the rate-based training loop: single updates, the bar generator, and one
//! whole presentation of the `oriented-bars` experiment.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hebbian::rate::train::{NoObserver, TrainSettings, train};
use hebbian::rate::{Activation, Bcm, Hebb, Layer, Oja, RateRule, Sanger, WeightInit};
use hebbian::rng;
use hebbian::stimulus::{AngleSpacing, OrientedBars, Prefetch, Stimulus};

fn layer(n_post: usize, n_pre: usize) -> Layer {
    let w = WeightInit::Normal { std: 0.1 }
        .sample(n_post, n_pre, &mut rng::stream(1, 1))
        .unwrap();
    Layer::new(w, Activation::Linear)
}

fn updates(c: &mut Criterion) {
    let mut group = c.benchmark_group("update");
    for &(n_post, n_pre) in &[(4usize, 100usize), (8, 784)] {
        let x: Vec<f64> = (0..n_pre).map(|j| (j % 7) as f64 * 0.1).collect();
        let rules: Vec<(&str, Box<dyn RateRule>)> = vec![
            ("hebb", Box::new(Hebb)),
            ("oja", Box::new(Oja)),
            ("sanger", Box::new(Sanger::new())),
            ("bcm", Box::new(Bcm::tutorial(n_post))),
        ];
        for (name, mut rule) in rules {
            let mut l = layer(n_post, n_pre);
            let mut y = vec![0.0; n_post];
            l.forward(&x, &mut y);
            group.bench_with_input(
                BenchmarkId::new(name, format!("{n_post}x{n_pre}")),
                &(),
                |b, _| {
                    b.iter(|| rule.update(&mut l.weights_mut(), black_box(&x), black_box(&y), 1e-9))
                },
            );
        }
    }
    group.finish();
}

fn bars(c: &mut Criterion) {
    let mut stimulus =
        OrientedBars::new(10, 8, AngleSpacing::HalfOpen, 0.1, rng::stream(1, 2)).unwrap();
    let mut x = vec![0.0; 100];
    c.bench_function("oriented_bars_next", |b| {
        b.iter(|| stimulus.next_into(black_box(&mut x)))
    });
}

fn presentation(c: &mut Criterion) {
    // 10 000 presentations of the oriented-bars experiment (Oja, 4 outputs, 10x10 bars).
    let settings = TrainSettings {
        presentations: 10_000,
        eta: 0.001,
        ..TrainSettings::default()
    };
    c.bench_function("oriented_bars_oja_10000_presentations", |b| {
        b.iter(|| {
            let mut stimulus =
                OrientedBars::new(10, 8, AngleSpacing::HalfOpen, 0.1, rng::stream(1, 2)).unwrap();
            let mut l = layer(4, 100);
            l.activation = Activation::Relu;
            train(&mut l, &mut Oja, &mut stimulus, &settings, &mut NoObserver).unwrap();
            l
        })
    });
}

fn presentation_prefetched(c: &mut Criterion) {
    // The same, with the bars drawn on a second thread as the CLI does.
    let settings = TrainSettings {
        presentations: 10_000,
        eta: 0.001,
        ..TrainSettings::default()
    };
    c.bench_function("oriented_bars_oja_10000_presentations_prefetch", |b| {
        b.iter(|| {
            let bars =
                OrientedBars::new(10, 8, AngleSpacing::HalfOpen, 0.1, rng::stream(1, 2)).unwrap();
            let mut stimulus = Prefetch::new(bars, 2);
            let mut l = layer(4, 100);
            l.activation = Activation::Relu;
            train(&mut l, &mut Oja, &mut stimulus, &settings, &mut NoObserver).unwrap();
            l
        })
    });
}

criterion_group!(
    benches,
    updates,
    bars,
    presentation,
    presentation_prefetched
);
criterion_main!(benches);
