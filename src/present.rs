//! Facts every front shows, computed once: numbers for people, a track's display name, where its
//! inputs came from, the verdict on an album, the drivers worth a line. Each front (CLI text,
//! Discord embed, web page) keeps its own wording and medium.

use crate::explain::{Driver, Explanation};
use crate::features::{Feature, Source, TrackFeatures};
use crate::rank::{RankedTrack, Ranking};

/// A change in expected popularity below this many points is not worth a line.
pub const NOTICEABLE_POINTS: f32 = 0.05;

/// A number for people: integers without decimals (`120`, `210000`), others with up to four
/// decimals (`0.5`, `-6.4871`), small ones with three significant digits (`0.0000108`, never `0.`).
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(4, 15) as usize;
    let s = format!("{v:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// A track's title, or `track N` (1-based) when it has none.
pub fn display_name(name: Option<&str>, index: usize) -> String {
    match name {
        Some(n) if !n.trim().is_empty() => n.to_string(),
        _ => format!("track {}", index + 1),
    }
}

/// The track's inputs grouped by where they came from, sources in order of first appearance
/// and features in tensor order.
pub fn input_sources(track: &TrackFeatures) -> Vec<(Source, Vec<Feature>)> {
    let mut by: Vec<(Source, Vec<Feature>)> = Vec::new();
    for f in Feature::ALL {
        if let Some(s) = track.get(f) {
            match by.iter_mut().find(|(src, _)| *src == s.source) {
                Some((_, v)) => v.push(f),
                None => by.push((s.source, vec![f])),
            }
        }
    }
    by
}

/// What to say about an album's ranking.
#[derive(Debug, Clone, Copy)]
pub struct Verdict<'a> {
    pub single: &'a RankedTrack,
    pub runner_up: Option<&'a RankedTrack>,
    /// Expected-popularity points between the single and the runner-up.
    pub margin: Option<f32>,
    /// The margin is below the model's measured error on a track's place in its album.
    pub close_call: bool,
    pub close_call_points: f32,
    /// `(rate, chance)`: how often the model's pick was the album's most popular track on test
    /// albums, and how often a random pick was.
    pub top_pick: Option<(f32, f32)>,
}

impl Ranking {
    /// The verdict, or `None` for an empty ranking.
    pub fn verdict(&self) -> Option<Verdict<'_>> {
        Some(Verdict {
            single: self.tracks.first()?,
            runner_up: self.tracks.get(1),
            margin: self.margin,
            close_call: self.close_call,
            close_call_points: self.close_call_points,
            top_pick: self.top_pick_rate.zip(self.top_pick_chance),
        })
    }
}

impl RankedTrack {
    pub fn display_name(&self) -> String {
        display_name(self.name.as_deref(), self.index)
    }
}

impl Explanation {
    /// The `n` strongest drivers.
    pub fn top_drivers(&self, n: usize) -> impl Iterator<Item = &Driver> {
        self.drivers.iter().take(n)
    }

    /// Missing inputs that would move the prediction if supplied (an input the model does not
    /// use, such as `time_signature` in v2, moves nothing and is left out).
    pub fn worth_supplying(&self) -> impl Iterator<Item = &Driver> {
        self.if_supplied.iter().filter(|d| d.strength() >= NOTICEABLE_POINTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(num(120.0), "120");
        assert_eq!(num(210000.0), "210000");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(-6.4871), "-6.4871");
        assert_eq!(num(0.0042), "0.0042");
        assert_eq!(num(1.08e-05), "0.0000108");
        assert_eq!(num(-1.08e-05), "-0.0000108");
        assert_eq!(num(123.456789), "123.4568");
        assert_eq!(num(0.12345), "0.1235");
        assert_eq!(num(1e-300), "0");
        assert_eq!(num(f64::NAN), "NaN");
        for v in [1e-7, 3.3e-9, 0.000999, 5e-5] {
            assert_ne!(num(v).trim_end_matches('0'), "0.", "{v}");
            assert!(num(v).parse::<f64>().unwrap() > 0.0, "{v} -> {}", num(v));
        }
    }

    #[test]
    fn names_fall_back_to_the_position() {
        assert_eq!(display_name(Some("A"), 0), "A");
        assert_eq!(display_name(None, 2), "track 3");
        assert_eq!(display_name(Some("  "), 0), "track 1");
    }

    #[test]
    fn sources_grouped_in_order() {
        let t = TrackFeatures::default()
            .with(Feature::Tempo, 120.0, Source::ReccoBeats)
            .with(Feature::Energy, 0.5, Source::ReccoBeats)
            .with(Feature::Genre, 1.0, Source::User);
        let g = input_sources(&t);
        assert_eq!(
            g,
            [(Source::ReccoBeats, vec![Feature::Energy, Feature::Tempo]), (Source::User, vec![Feature::Genre])]
        );
    }
}
