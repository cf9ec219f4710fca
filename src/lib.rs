//! Hitcast's core: how popular will a track be on Spotify?
//!
//! The feature schema and its validation ([`Schema`], [`TrackFeatures`]), the ONNX model run
//! through `ort` ([`Model`]), predictions, album ranking ([`Model::rank`]), drivers and what-if
//! ([`Model::explain`], [`Model::what_if`]).
//!
//! This crate must not depend on any network, async-runtime or transport crate (tokio,
//! lambda_*, aws-*, serenity, poise, rspotify, reqwest): the Lambda and the bot turn their
//! requests into [`TrackFeatures`] and [`Prediction`]s into their replies. CI checks this with
//! `cargo tree -p hitcast -e normal`. The one exception is opt-in twice: the `hitcast`
//! binary's `--remote-analysis` (a song's file sent to ReccoBeats) exists only in a build with
//! the feature `remote` (off by default), and only the binary's code uses it.
//!
//! A song's audio file becomes inputs through [`audio`] (the pure-Rust analysis of
//! `hitcast-audio`: duration, loudness, tempo, key, mode, each tagged [`Source::Audio`]).
//!
//! ```no_run
//! use hitcast::{Feature, Model, Source, TrackFeatures};
//! let model = Model::embedded()?;
//! let mut track = TrackFeatures::new(Some("Demo".into()));
//! for (f, v) in [(Feature::Danceability, 0.7), (Feature::Energy, 0.8), (Feature::Key, 5.0),
//!                (Feature::Loudness, -5.0), (Feature::Mode, 1.0), (Feature::Speechiness, 0.05),
//!                (Feature::Acousticness, 0.1), (Feature::Instrumentalness, 0.0),
//!                (Feature::Liveness, 0.1), (Feature::Valence, 0.6), (Feature::Tempo, 120.0),
//!                (Feature::DurationMs, 200_000.0)] {
//!     track.set(f, v, Source::User);
//! }
//! let p = model.predict_one(&track)?;
//! println!("{} ({:.0})", p.band, p.expected_popularity);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod audio;
pub mod capped;
pub mod derive;
pub mod explain;
pub mod features;
pub mod files;
pub mod genre;
pub mod input;
pub mod metadata;
pub mod model;
pub mod prediction;
pub mod present;
pub mod rank;
pub mod runtime;
pub mod schema;
pub mod stream;
pub mod suggest;
pub mod wire;

pub use capped::{Capped, MAX_PROBLEMS};
pub use derive::DeriveRules;
pub use explain::{Change, Driver, Explanation, WhatIf};
pub use features::{Feature, Source, Sourced, TrackFeatures};
pub use genre::GENRES;
pub use input::{InputError, RawValue, TrackIn, WhatIfIn};
pub use metadata::{IntervalScores, Metrics, Scores, TrainedOn};
pub use model::{
    Decision, EMBEDDED_MODEL, IntervalInfo, InvalidRow, MAX_BATCH, MAX_MODEL_BYTES, Model, ModelError, ModelInfo,
    PredictError, RunOutput,
};
pub use prediction::{Band, Interval, Prediction};
pub use present::{Verdict, num};
pub use rank::{CLOSE_CALL_POINTS, RankedTrack, Ranking};
pub use runtime::RuntimeError;
pub use schema::{FeatureSpec, Invalid, Kind, Problem, ProblemKind, Schema};
