//! What moves a track's expected popularity: drivers and what-if.

use serde::Serialize;

use crate::features::{Feature, Source, TrackFeatures};
use crate::model::{InvalidRow, Model, PredictError};
use crate::prediction::Prediction;

/// How much one feature moves this track's expected popularity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Driver {
    pub feature: Feature,
    /// The track's value; `None` for a missing input (see [`Explanation::if_supplied`]).
    pub value: Option<f64>,
    /// Training-set 25th and 75th percentiles (from the schema).
    pub p25: f64,
    pub p75: f64,
    /// Change in expected popularity if the feature moved to p25 / p75.
    pub change_at_p25: f32,
    pub change_at_p75: f32,
}

impl Driver {
    /// The larger of the two changes, in absolute value.
    pub fn strength(&self) -> f32 {
        self.change_at_p25.abs().max(self.change_at_p75.abs())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub prediction: Prediction,
    /// Strongest first.
    pub drivers: Vec<Driver>,
    /// For each missing optional input (genre excepted): the change if it were supplied at
    /// the training 25th / 75th percentile. Strongest first.
    pub if_supplied: Vec<Driver>,
}

/// A user's own edit: set a feature to a value, or clear it (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    pub feature: Feature,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WhatIf {
    pub before: Prediction,
    pub after: Prediction,
    /// `after.expected_popularity - before.expected_popularity`.
    pub change: f32,
    pub changes: Vec<Change>,
}

impl Model {
    /// For every feature the track has (genre and the title/album markers excepted: they have no
    /// order), with derived inputs filled in, the change in
    /// expected popularity if it moved to the training 25th / 75th percentile; the same for
    /// each missing optional input if it were supplied. One batched run.
    pub fn explain(&self, track: &TrackFeatures) -> Result<Explanation, PredictError> {
        let track = &self.with_derived(track);
        // a bad value is reported once, for the track, not once per counterfactual row
        if let Err(e) = self.schema().validate(track) {
            return Err(PredictError::Invalid(vec![InvalidRow {
                row: 0,
                name: track.name.clone(),
                problems: e.problems,
            }]));
        }
        // categorical inputs whose values have no order have no percentiles to move to
        let unordered = [Feature::Genre, Feature::TitleMarker, Feature::AlbumMarker];
        let movable: Vec<Feature> = Feature::ALL
            .into_iter()
            .filter(|f| !unordered.contains(f) && (track.get(*f).is_some() || !self.schema().spec(*f).required))
            .collect();
        let mut rows = Vec::with_capacity(1 + 2 * movable.len());
        rows.push(track.clone());
        for f in &movable {
            let spec = self.schema().spec(*f);
            let source = track.get(*f).map_or(Source::User, |s| s.source);
            for p in [spec.p25, spec.p75] {
                rows.push(track.clone().with(*f, p, source));
            }
        }
        let mut preds = self.predict(&rows)?.into_iter();
        let prediction = preds.next().expect("the track itself");
        let base = prediction.expected_popularity;
        let (mut drivers, mut if_supplied): (Vec<Driver>, Vec<Driver>) = movable
            .iter()
            .map(|f| {
                let spec = self.schema().spec(*f);
                let at25 = preds.next().expect("p25 row").expected_popularity;
                let at75 = preds.next().expect("p75 row").expected_popularity;
                Driver {
                    feature: *f,
                    value: track.value(*f),
                    p25: spec.p25,
                    p75: spec.p75,
                    change_at_p25: at25 - base,
                    change_at_p75: at75 - base,
                }
            })
            .partition(|d| d.value.is_some());
        let order = |a: &Driver, b: &Driver| b.strength().total_cmp(&a.strength()).then(a.feature.cmp(&b.feature));
        drivers.sort_by(order);
        if_supplied.sort_by(order);
        Ok(Explanation { prediction, drivers, if_supplied })
    }

    /// The prediction before and after the user's changes, in one run.
    pub fn what_if(&self, track: &TrackFeatures, changes: &[Change]) -> Result<WhatIf, PredictError> {
        let mut edited = track.clone();
        for c in changes {
            edited.set_opt(c.feature, c.value, Source::User);
        }
        if let Err(e) = self.schema().validate(track) {
            return Err(PredictError::Invalid(vec![InvalidRow {
                row: 0,
                name: track.name.clone(),
                problems: e.problems,
            }]));
        }
        // the track is valid: what the edit broke is the change's fault, not "track 2"'s
        if let Err(e) = self.schema().validate(&edited) {
            return Err(PredictError::InvalidChange(e.problems));
        }
        let mut p = self.predict(&[track.clone(), edited])?;
        let after = p.pop().expect("two rows");
        let before = p.pop().expect("two rows");
        Ok(WhatIf {
            change: after.expected_popularity - before.expected_popularity,
            before,
            after,
            changes: changes.to_vec(),
        })
    }
}
