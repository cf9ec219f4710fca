//! [`Prediction`] and the four popularity [`Band`]s.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::features::Feature;

/// One of the four popularity bands: 0–25, 26–50, 51–75, 76–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Band(u8);

impl Band {
    pub const ALL: [Band; 4] = [Band(0), Band(1), Band(2), Band(3)];

    pub fn new(index: usize) -> Option<Band> {
        (index < 4).then_some(Band(index as u8))
    }

    /// The band a popularity falls in.
    pub fn of(popularity: f64) -> Band {
        Band::ALL.into_iter().rev().find(|b| popularity > b.range().0 as f64 - 0.5).unwrap_or(Band(0))
    }

    /// The band with the highest probability (the first on a tie).
    pub fn most_likely(probs: &[f32; 4]) -> Band {
        let mut best = 0;
        for (i, p) in probs.iter().enumerate() {
            if *p > probs[best] {
                best = i;
            }
        }
        Band(best as u8)
    }

    /// The band with the highest `probs[i] * weights[i]` (the first on a tie): a model's
    /// published decision rule ([`crate::Decision`]); weights of 1 give [`Band::most_likely`].
    pub fn decide(probs: &[f32; 4], weights: &[f32; 4]) -> Band {
        let score = |i: usize| probs[i] * weights[i];
        let mut best = 0;
        for i in 1..4 {
            if score(i) > score(best) {
                best = i;
            }
        }
        Band(best as u8)
    }

    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// Inclusive popularity range.
    pub fn range(self) -> (u8, u8) {
        let [lo, hi] = Self::RANGES[self.index()];
        (lo, hi)
    }

    /// `"51-75"` (ASCII, for JSON and headers).
    pub fn label(self) -> &'static str {
        Band::LABELS[self.index()]
    }

    /// Where the band labels live: each band's inclusive popularity range. A model's
    /// `hitcast.schema` `bands` must say the same (checked when it loads).
    pub const RANGES: [[u8; 2]; 4] = [[0, 25], [26, 50], [51, 75], [76, 100]];

    /// The bands as JSON names them (`"band": "51-75"`): [`Band::RANGES`] written `lo-hi`.
    pub const LABELS: [&'static str; 4] = ["0-25", "26-50", "51-75", "76-100"];

    /// The bands for people (tables, charts): [`Band::RANGES`] written `lo–hi`.
    pub const DISPLAY: [&'static str; 4] = ["0–25", "26–50", "51–75", "76–100"];
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (lo, hi) = self.range();
        write!(f, "{lo}–{hi}")
    }
}

impl Serialize for Band {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.label())
    }
}

/// The expected popularity's prediction interval: the true popularity lies between `low` and
/// `high` for a share `level` of tracks like this one (split-conformal, per input pattern;
/// measured coverage in the model card).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub level: f32,
    pub low: f32,
    pub high: f32,
}

/// What the model says about one track.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Probability of each band, in [`Band::ALL`] order; sums to 1.
    pub band_probs: [f32; 4],
    /// The most likely band.
    pub band: Band,
    /// Expected Spotify popularity, 0–100.
    pub expected_popularity: f32,
    /// The popularity's interval, when the model has one (models from 3.0.0).
    pub interval: Option<Interval>,
    pub model_version: Arc<str>,
    /// Inputs that were missing (optional ones the model predicted without).
    pub missing: Vec<Feature>,
}

impl Prediction {
    pub fn prob(&self, band: Band) -> f32 {
        self.band_probs[band.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_cover_0_to_100() {
        for (pop, band) in
            [(0.0, 0), (25.0, 0), (25.4, 0), (26.0, 1), (50.0, 1), (51.0, 2), (75.0, 2), (76.0, 3), (100.0, 3)]
        {
            assert_eq!(Band::of(pop).index(), band, "popularity {pop}");
        }
        assert_eq!(Band::new(4), None);
        assert_eq!(Band::new(2).unwrap().to_string(), "51–75");
        assert_eq!(Band::new(3).unwrap().label(), "76-100");
    }

    #[test]
    fn most_likely_takes_the_max_and_the_first_on_ties() {
        assert_eq!(Band::most_likely(&[0.1, 0.2, 0.6, 0.1]).index(), 2);
        assert_eq!(Band::most_likely(&[0.4, 0.4, 0.1, 0.1]).index(), 0);
    }

    #[test]
    fn band_labels_are_written_from_the_ranges() {
        for (i, [lo, hi]) in Band::RANGES.into_iter().enumerate() {
            assert_eq!(Band::LABELS[i], format!("{lo}-{hi}"));
            assert_eq!(Band::DISPLAY[i], format!("{lo}–{hi}"));
        }
    }
}
