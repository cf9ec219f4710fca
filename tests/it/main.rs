//! Integration tests of the core's public API and the `hitcast` CLI (one test binary).

mod audio;
mod catalogue;
mod cli;
mod contract;
mod derive;
mod parity;
mod rank_explain;
mod validation;
mod wire;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hitcast::{Feature, Model, Source, TrackFeatures};

pub fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::embedded().expect("the embedded model loads"))
}

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn path(rel: &str) -> PathBuf {
    root().join(rel)
}

/// A complete, valid track (every feature but the optional ones).
pub fn track(name: &str) -> TrackFeatures {
    let mut t = TrackFeatures::new(Some(name.to_string()));
    for (f, v) in [
        (Feature::Danceability, 0.7),
        (Feature::Energy, 0.8),
        (Feature::Key, 5.0),
        (Feature::Loudness, -5.0),
        (Feature::Mode, 1.0),
        (Feature::Speechiness, 0.05),
        (Feature::Acousticness, 0.1),
        (Feature::Instrumentalness, 0.0),
        (Feature::Liveness, 0.1),
        (Feature::Valence, 0.6),
        (Feature::Tempo, 120.0),
        (Feature::DurationMs, 200_000.0),
    ] {
        t.set(f, v, Source::User);
    }
    t
}

/// Predictions equal up to float noise (a row's result can differ in the last bit with the
/// batch it runs in).
pub fn assert_close(a: &hitcast::Prediction, b: &hitcast::Prediction) {
    for i in 0..4 {
        assert!((a.band_probs[i] - b.band_probs[i]).abs() < 1e-5, "{a:?} vs {b:?}");
    }
    assert!((a.expected_popularity - b.expected_popularity).abs() < 1e-3, "{a:?} vs {b:?}");
    assert_eq!((a.band, &a.missing, &a.model_version), (b.band, &b.missing, &b.model_version));
}
