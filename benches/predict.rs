//! Core prediction speed: `cargo bench --bench predict`.
//! Targets (issue #3): one track p50 ≤ 20 µs; a batch of 1024 ≥ 500k tracks/s on one core.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hitcast::{Feature, Model, Source, TrackFeatures};

fn track(i: usize) -> TrackFeatures {
    let x = (i % 97) as f64 / 97.0;
    let mut t = TrackFeatures::new(None);
    for (f, v) in [
        (Feature::Danceability, x),
        (Feature::Energy, 1.0 - x),
        (Feature::Key, (i % 12) as f64),
        (Feature::Loudness, -3.0 - 10.0 * x),
        (Feature::Mode, (i % 2) as f64),
        (Feature::Speechiness, 0.05),
        (Feature::Acousticness, x / 2.0),
        (Feature::Instrumentalness, 0.0),
        (Feature::Liveness, 0.1),
        (Feature::Valence, x),
        (Feature::Tempo, 90.0 + 60.0 * x),
        (Feature::DurationMs, 180_000.0 + 1000.0 * (i % 60) as f64),
    ] {
        t.set(f, v, Source::User);
    }
    if !i.is_multiple_of(3) {
        t.set(Feature::ArtistPopularity, 40.0 + (i % 50) as f64, Source::User);
    }
    t
}

fn bench(c: &mut Criterion) {
    let model = Model::embedded().expect("model loads (run scripts/setup-ort.sh first)");
    let one = track(1);
    c.bench_function("predict_one", |b| b.iter(|| model.predict_one(std::hint::black_box(&one)).unwrap()));

    let mut g = c.benchmark_group("predict_batch");
    for n in [64usize, 1024] {
        let tracks: Vec<TrackFeatures> = (0..n).map(track).collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &tracks, |b, t| b.iter(|| model.predict(t).unwrap()));
    }
    g.finish();

    let raw: Vec<f32> = (0..1024)
        .flat_map(|i| {
            let t = track(i);
            Feature::ALL.map(|f| t.value(f).map_or(f32::NAN, |v| v as f32))
        })
        .collect();
    let mut g = c.benchmark_group("run_raw");
    g.throughput(Throughput::Elements(1024));
    g.bench_function("1024", |b| b.iter(|| model.run(&raw, 1024).unwrap()));
    g.finish();

    let tracks: Vec<TrackFeatures> = (0..10).map(track).collect();
    c.bench_function("rank_10", |b| b.iter(|| model.rank(&tracks).unwrap()));
    c.bench_function("explain", |b| b.iter(|| model.explain(&one).unwrap()));
    c.bench_function("load_embedded_model", |b| b.iter(|| Model::embedded().unwrap()));
}

criterion_group!(benches, bench);
criterion_main!(benches);
