//! The model's description of itself, typed once: what it was trained on (`hitcast.trained_on`)
//! and how it measured (`hitcast.metrics`). Every front (CLI, bot, `/v1/model`) reads these
//! fields; a metric a model does not state is `None`, never a made-up number. Keys a newer
//! pipeline adds are kept in `other` and passed through to `/v1/model` unchanged. The pipeline's
//! side is `models/train/hitcast_train/metadata.py` (dataclasses with the same fields).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `hitcast.trained_on`: the data the model learnt from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainedOn {
    /// Rows read from each source dataset, by the dataset's name.
    #[serde(default)]
    pub sources: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracks_after_cleaning: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_rows: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_rows: Option<u64>,
    /// How train and test were split ("grouped by artist, 75/25, seed 42").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// Classification and regression quality on a test split (or a part of it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macro_f1: Option<f64>,
    /// Popularity mean absolute error, in points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mae: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r2: Option<f64>,
    /// Expected calibration error of the band probabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ece: Option<f64>,
}

/// The interval output's measured coverage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntervalScores {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_width: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

/// `hitcast.metrics`: measured on the grouped test split (artists the model never saw).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    #[serde(flatten)]
    pub scores: Scores,
    /// F1 of each band, in band order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub band_f1: Vec<f64>,
    /// The same scores on the test tracks predicted without the artist's popularity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artist_popularity_unknown: Option<Scores>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<IntervalScores>,
    /// The model's error on a track's popularity relative to its album's other tracks: a gap
    /// between the top two tracks below it is a close call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_call_points: Option<f64>,
    /// How often the model's pick was an album's most popular track, and a random pick's rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_pick_rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_pick_chance: Option<f64>,
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_models_metadata_is_typed_whole() {
        let m = crate::Model::embedded().unwrap();
        let info = m.info();
        assert!(info.trained_on.sources.len() >= 2, "{:?}", info.trained_on);
        assert!(info.trained_on.tracks_after_cleaning.is_some() && info.trained_on.split.is_some());
        let s = &info.metrics.scores;
        for v in [s.accuracy, s.macro_f1, s.mae, s.r2, s.ece] {
            assert!(v.is_some_and(f64::is_finite), "{s:?}");
        }
        assert_eq!(info.metrics.band_f1.len(), 4);
        assert!(info.metrics.artist_popularity_unknown.as_ref().and_then(|u| u.accuracy).is_some());
        assert!(info.metrics.interval.as_ref().and_then(|i| i.coverage).is_some());
        assert!(info.metrics.close_call_points.is_some());
    }

    #[test]
    fn unknown_keys_pass_through_and_missing_ones_stay_missing() {
        let text = r#"{"accuracy": 0.5, "new_metric": {"x": 1}, "band_f1": [0.1, 0.2, 0.3, 0.4]}"#;
        let m: Metrics = serde_json::from_str(text).unwrap();
        assert_eq!(m.scores.accuracy, Some(0.5));
        assert_eq!(m.scores.mae, None);
        let back: serde_json::Value = serde_json::to_value(&m).unwrap();
        assert_eq!(back, serde_json::from_str::<serde_json::Value>(text).unwrap());
    }
}
