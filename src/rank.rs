//! Which track of an album should be the single.

use serde::Serialize;

use crate::features::TrackFeatures;
use crate::model::{Model, PredictError};
use crate::prediction::Prediction;

/// Below this many popularity points between the top two, the pick is a close call: the
/// model's typical error (MAE ≈ 13) is far larger.
pub const CLOSE_CALL_POINTS: f32 = 3.0;

/// Tracks ordered by expected popularity, best first.
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    pub tracks: Vec<RankedTrack>,
    /// Expected-popularity points between the first and the second track.
    pub margin: Option<f32>,
    /// `margin < CLOSE_CALL_POINTS`.
    pub close_call: bool,
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
        let mut ranked: Vec<RankedTrack> = predictions
            .into_iter()
            .enumerate()
            .map(|(index, prediction)| RankedTrack { rank: 0, index, name: tracks[index].name.clone(), prediction })
            .collect();
        ranked.sort_by(|a, b| {
            let key = |t: &RankedTrack| {
                (t.prediction.expected_popularity, t.prediction.band_probs[2] + t.prediction.band_probs[3])
            };
            key(b).partial_cmp(&key(a)).unwrap_or(std::cmp::Ordering::Equal).then(a.index.cmp(&b.index))
        });
        for (i, t) in ranked.iter_mut().enumerate() {
            t.rank = i + 1;
        }
        let margin = match ranked.as_slice() {
            [a, b, ..] => Some(a.prediction.expected_popularity - b.prediction.expected_popularity),
            _ => None,
        };
        Ok(Ranking { close_call: margin.is_some_and(|m| m < CLOSE_CALL_POINTS), tracks: ranked, margin })
    }
}
