//! Which track of an album should be the single.

use serde::Serialize;

use crate::features::TrackFeatures;
use crate::model::{Model, PredictError};
use crate::prediction::Prediction;

/// Below this many popularity points between the top two, the pick is a close call, for a model
/// whose metrics do not state its error on a track's position inside an album
/// (`close_call_points` in `hitcast.metrics`).
pub const CLOSE_CALL_POINTS: f32 = 3.0;

/// Tracks ordered by expected popularity, best first.
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    pub tracks: Vec<RankedTrack>,
    /// Expected-popularity points between the first and the second track.
    pub margin: Option<f32>,
    /// `margin < close_call_points`.
    pub close_call: bool,
    /// The model's measured error on a track's popularity relative to its album's other
    /// tracks: a margin below it is a close call.
    pub close_call_points: f32,
    /// How often, on the test split's albums, the model's pick was the most popular track, and
    /// how often a random pick was; `None` where the model's metrics do not say.
    pub top_pick_rate: Option<f32>,
    pub top_pick_chance: Option<f32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankedTrack {
    /// 1 = the recommended single.
    pub rank: usize,
    /// Position in the input (0-based).
    pub index: usize,
    pub name: Option<String>,
    pub prediction: Prediction,
}

impl Ranking {
    /// The recommended single.
    pub fn single(&self) -> Option<&RankedTrack> {
        self.tracks.first()
    }
}

impl Model {
    /// Predicts every track in one run and orders them by expected popularity (then by the
    /// probability of the top two bands, then by input order).
    pub fn rank(&self, tracks: &[TrackFeatures]) -> Result<Ranking, PredictError> {
        let predictions = self.predict(tracks)?;
        let ranked = predictions
            .into_iter()
            .enumerate()
            .map(|(index, prediction)| RankedTrack { rank: 0, index, name: tracks[index].name.clone(), prediction })
            .collect();
        Ok(self.ranking(ranked))
    }

    /// Orders tracks already predicted (their `rank` is set here): what a streamed catalogue
    /// keeps of each track is only its position, its name and its prediction.
    pub fn ranking(&self, mut ranked: Vec<RankedTrack>) -> Ranking {
        ranked.sort_by(|a, b| {
            let key = |t: &RankedTrack| {
                (t.prediction.expected_popularity, t.prediction.band_probs[2] + t.prediction.band_probs[3])
            };
            // a total order even on NaN (which `Model::run` already refuses): sorting never panics
            let (ka, kb) = (key(a), key(b));
            kb.0.total_cmp(&ka.0).then(kb.1.total_cmp(&ka.1)).then(a.index.cmp(&b.index))
        });
        for (i, t) in ranked.iter_mut().enumerate() {
            t.rank = i + 1;
        }
        let margin = match ranked.as_slice() {
            [a, b, ..] => Some(a.prediction.expected_popularity - b.prediction.expected_popularity),
            _ => None,
        };
        let metrics = &self.info().metrics;
        let close_call_points = metrics
            .close_call_points
            .map(|v| v as f32)
            .filter(|v| v.is_finite() && *v > 0.0)
            .unwrap_or(CLOSE_CALL_POINTS);
        Ranking {
            close_call: margin.is_some_and(|m| m < close_call_points),
            close_call_points,
            top_pick_rate: metrics.top_pick_rate.map(|v| v as f32),
            top_pick_chance: metrics.top_pick_chance.map(|v| v as f32),
            tracks: ranked,
            margin,
        }
    }
}
