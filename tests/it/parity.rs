//! Rust predictions against the Python onnxruntime outputs the pipeline wrote.

use hitcast::{Feature, Source, TrackFeatures};
use serde::Deserialize;

use crate::{model, path};

#[derive(Deserialize)]
struct Fixture {
    model_sha256: String,
    features: Vec<String>,
    rows: Vec<Vec<Option<f64>>>,
    band_probs: Vec<[f64; 4]>,
    popularity: Vec<f64>,
    interval: Vec<[f64; 2]>,
}

fn fixture() -> Fixture {
    serde_json::from_str(&std::fs::read_to_string(path("models/fixtures/parity.json")).unwrap()).unwrap()
}

#[test]
fn raw_run_matches_python_within_1e_5() {
    let fx = fixture();
    assert_eq!(fx.model_sha256, model().info().sha256, "parity fixture is for another model");
    assert_eq!(fx.features, Feature::ALL.map(|f| f.name()));
    assert!(fx.rows.len() >= 200);
    let input: Vec<f32> = fx.rows.iter().flatten().map(|v| v.map_or(f32::NAN, |v| v as f32)).collect();
    let hitcast::RunOutput { probs, popularity: pop, interval } = model().run(&input, fx.rows.len()).unwrap();
    let mut max_diff = 0f64;
    for (i, expected) in fx.band_probs.iter().enumerate() {
        for b in 0..4 {
            max_diff = max_diff.max((probs[i * 4 + b] as f64 - expected[b]).abs());
        }
    }
    assert!(max_diff <= 1e-5, "band_probs differ by {max_diff}");
    let pop_diff = pop.iter().zip(&fx.popularity).map(|(a, b)| (*a as f64 - b).abs()).fold(0.0, f64::max);
    // popularity is on a 0–100 scale: 1e-5 relative to it
    assert!(pop_diff <= 1e-3, "popularity differs by {pop_diff}");
    assert_eq!(interval.len(), 2 * fx.rows.len());
    let int_diff =
        interval.iter().zip(fx.interval.iter().flatten()).map(|(a, b)| (*a as f64 - b).abs()).fold(0.0, f64::max);
    assert!(int_diff <= 1e-3, "interval differs by {int_diff}");
}

#[test]
fn predict_matches_raw_run_and_reports_missing_inputs() {
    let fx = fixture();
    let tracks: Vec<TrackFeatures> = fx
        .rows
        .iter()
        .map(|row| {
            let mut t = TrackFeatures::default();
            for (f, v) in Feature::ALL.iter().zip(row) {
                t.set_opt(*f, *v, Source::File);
            }
            t
        })
        .collect();
    let preds = model().predict(&tracks).unwrap();
    for (i, p) in preds.iter().enumerate() {
        for b in 0..4 {
            assert!((p.band_probs[b] as f64 - fx.band_probs[i][b]).abs() <= 1e-5);
        }
        assert!((p.band_probs.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!((0.0..=100.0).contains(&p.expected_popularity));
        let missing_ap = fx.rows[i][Feature::ArtistPopularity.index()].is_none();
        assert_eq!(p.missing.contains(&Feature::ArtistPopularity), missing_ap);
        // every row says what it went without (rows with only a file's audio, or none, are in the fixture)
        for f in Feature::ALL {
            assert_eq!(p.missing.contains(&f), fx.rows[i][f.index()].is_none(), "{f} in row {i}");
        }
        let interval = p.interval.expect("model 3 gives an interval");
        assert_eq!(interval.level, 0.8);
        assert!((interval.low as f64 - fx.interval[i][0]).abs() <= 1e-3);
        assert!((interval.high as f64 - fx.interval[i][1]).abs() <= 1e-3);
        assert!(interval.low <= p.expected_popularity && p.expected_popularity <= interval.high);
    }
}

#[test]
fn large_batches_run_in_chunks_with_the_same_answers() {
    let n = 2 * hitcast::MAX_BATCH + 300;
    let tracks: Vec<TrackFeatures> =
        (0..n).map(|i| crate::track("t").with(Feature::ArtistPopularity, (i % 101) as f64, Source::User)).collect();
    let preds = model().predict(&tracks).unwrap();
    assert_eq!(preds.len(), n);
    for i in [0, hitcast::MAX_BATCH - 1, hitcast::MAX_BATCH, n - 1] {
        crate::assert_close(&preds[i], &model().predict_one(&tracks[i]).unwrap());
    }
    let mut bad = tracks.clone();
    bad[n - 5].set(Feature::Energy, 9.0, Source::User);
    let Err(hitcast::PredictError::Invalid(rows)) = model().predict(&bad) else { panic!("expected invalid") };
    assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [n - 5]);
}
