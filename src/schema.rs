//! The model's `hitcast.schema` metadata and validation of inputs against it.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::features::{Feature, TrackFeatures};

/// What the model says about its inputs (its `hitcast.schema` metadata).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    pub version: u32,
    /// Name of the ONNX input.
    pub input: String,
    /// How a missing optional value is encoded (`"NaN"`).
    pub missing: String,
    pub features: Vec<FeatureSpec>,
    /// How many inputs a track needs at least (models from 3.0.0, where every input is optional).
    #[serde(default)]
    pub min_inputs: usize,
    /// Inclusive popularity ranges of the four bands.
    pub bands: Vec<[u8; 2]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Continuous,
    Categorical,
}

/// One input: unit, valid range, training percentiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub name: String,
    pub unit: String,
    pub min: f64,
    pub max: f64,
    pub required: bool,
    pub kind: Kind,
    /// Allowed values of a categorical feature.
    #[serde(default)]
    pub values: Vec<f64>,
    /// Labels of those values, where they have names (genre).
    #[serde(default)]
    pub labels: Vec<String>,
    pub description: String,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    /// What the graph substitutes for a missing value (informational).
    pub fill: f64,
}

impl FeatureSpec {
    /// The allowed values as text: `0–1`, `-60–5 dB`, `0–11, whole numbers`, `one of 0 (pop), …`.
    pub fn allowed(&self) -> String {
        if self.kind == Kind::Categorical && !self.values.is_empty() {
            if self.labels.len() == self.values.len() {
                let vals: Vec<String> =
                    self.values.iter().zip(&self.labels).map(|(v, l)| format!("{v} ({l})")).collect();
                return format!("one of {}", vals.join(", "));
            }
            let consecutive = self.values.windows(2).all(|w| w[1] == w[0] + 1.0);
            if consecutive && self.values.len() > 2 {
                return format!("{}–{}, whole numbers", self.min, self.max);
            }
            let vals: Vec<String> = self.values.iter().map(|v| v.to_string()).collect();
            return format!("one of {}", vals.join(", "));
        }
        let unit = if self.unit.chars().any(|c| c.is_ascii_digit()) { "" } else { self.unit.as_str() };
        format!("{}–{} {unit}", self.min, self.max).trim_end().to_string()
    }
}

impl Schema {
    pub fn spec(&self, feature: Feature) -> &FeatureSpec {
        &self.features[feature.index()]
    }

    /// Every problem of one track, or `Ok`.
    pub fn validate(&self, track: &TrackFeatures) -> Result<(), Invalid> {
        let mut problems = Vec::new();
        for feature in Feature::ALL {
            let spec = self.spec(feature);
            let kind = match track.value(feature) {
                None if spec.required => Some(ProblemKind::Missing),
                None => None,
                Some(v) if !v.is_finite() => Some(ProblemKind::NotFinite { value: v }),
                Some(v) if v < spec.min || v > spec.max => Some(ProblemKind::OutOfRange { value: v }),
                Some(v) if spec.kind == Kind::Categorical && !spec.values.is_empty() && !spec.values.contains(&v) => {
                    Some(ProblemKind::NotAllowed { value: v })
                }
                Some(_) => None,
            };
            if let Some(kind) = kind {
                problems.push(Problem { feature, allowed: spec.allowed(), kind });
            }
        }
        let given = Feature::ALL.into_iter().filter(|f| track.value(*f).is_some()).count();
        if problems.is_empty() && given < self.min_inputs {
            // named after the input that tells the model most, so the message says what to give
            let feature = Feature::ArtistPopularity;
            problems.push(Problem { feature, allowed: self.spec(feature).allowed(), kind: ProblemKind::NoInputs });
        }
        if problems.is_empty() { Ok(()) } else { Err(Invalid { problems }) }
    }
}

/// Everything wrong with one track's inputs.
#[derive(Debug, Clone, PartialEq, Error)]
pub struct Invalid {
    pub problems: Vec<Problem>,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// One field's problem: which field, what is allowed, what was given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub feature: Feature,
    /// The allowed range or values, as text (`0–1`, `one of 0, 1`).
    pub allowed: String,
    #[serde(flatten)]
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ProblemKind {
    Missing,
    /// The track has no input at all (every one is optional, but one is needed).
    NoInputs,
    /// NaN or ±∞ (serialised as `null` in JSON).
    NotFinite {
        value: f64,
    },
    OutOfRange {
        value: f64,
    },
    NotAllowed {
        value: f64,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, allowed) = (self.feature.name(), &self.allowed);
        match self.kind {
            ProblemKind::Missing => write!(f, "{name} is missing (required, {allowed})"),
            ProblemKind::NoInputs => write!(
                f,
                "no inputs were given: at least one is needed — {name} ({allowed}) tells the model most, \
                 then audio features such as tempo, loudness and duration_ms"
            ),
            ProblemKind::NotFinite { value } => {
                write!(f, "{name} = {value} is not a finite number (allowed: {allowed})")
            }
            ProblemKind::OutOfRange { value } => write!(f, "{name} = {value} is outside {allowed}"),
            ProblemKind::NotAllowed { value } => {
                write!(f, "{name} = {value} is not allowed ({allowed})")
            }
        }
    }
}
