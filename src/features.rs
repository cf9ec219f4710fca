//! The model's inputs: [`Feature`] names them, [`TrackFeatures`] holds one track's values, each
//! tagged with the [`Source`] it came from. A missing value is `None`, never a made-up number.

use std::fmt;

use serde::{Serialize, Serializer};

/// One model input, in the order of the model's `features` tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Feature {
    Danceability,
    Energy,
    Key,
    Loudness,
    Mode,
    Speechiness,
    Acousticness,
    Instrumentalness,
    Liveness,
    Valence,
    Tempo,
    TimeSignature,
    DurationMs,
    ArtistPopularity,
    Genre,
    YearsSinceRelease,
    TitleMarker,
    AlbumMarker,
    FeaturedArtists,
}

impl Feature {
    /// Every feature, in tensor order.
    pub const ALL: [Feature; 19] = [
        Feature::Danceability,
        Feature::Energy,
        Feature::Key,
        Feature::Loudness,
        Feature::Mode,
        Feature::Speechiness,
        Feature::Acousticness,
        Feature::Instrumentalness,
        Feature::Liveness,
        Feature::Valence,
        Feature::Tempo,
        Feature::TimeSignature,
        Feature::DurationMs,
        Feature::ArtistPopularity,
        Feature::Genre,
        Feature::YearsSinceRelease,
        Feature::TitleMarker,
        Feature::AlbumMarker,
        Feature::FeaturedArtists,
    ];
    pub const COUNT: usize = Self::ALL.len();

    /// The snake_case name used in the model schema, JSON, CSV headers and CLI flags.
    pub const fn name(self) -> &'static str {
        match self {
            Feature::Danceability => "danceability",
            Feature::Energy => "energy",
            Feature::Key => "key",
            Feature::Loudness => "loudness",
            Feature::Mode => "mode",
            Feature::Speechiness => "speechiness",
            Feature::Acousticness => "acousticness",
            Feature::Instrumentalness => "instrumentalness",
            Feature::Liveness => "liveness",
            Feature::Valence => "valence",
            Feature::Tempo => "tempo",
            Feature::TimeSignature => "time_signature",
            Feature::DurationMs => "duration_ms",
            Feature::ArtistPopularity => "artist_popularity",
            Feature::Genre => "genre",
            Feature::YearsSinceRelease => "years_since_release",
            Feature::TitleMarker => "title_marker",
            Feature::AlbumMarker => "album_marker",
            Feature::FeaturedArtists => "featured_artists",
        }
    }

    pub fn from_name(name: &str) -> Option<Feature> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Inputs the core derives from the track's name, artists and album (see [`crate::derive`])
    /// when they are not given.
    pub const fn is_derived(self) -> bool {
        matches!(self, Feature::TitleMarker | Feature::AlbumMarker | Feature::FeaturedArtists)
    }

    /// Position in the `features` tensor.
    pub const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Feature {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Typed by a person (CLI flag, Discord option, web form).
    User,
    /// Read from a file (CLI).
    File,
    /// Sent by an HTTP API client.
    Client,
    /// The Spotify Web API.
    Spotify,
    /// ReccoBeats audio features.
    ReccoBeats,
    /// Derived by the core from the track's name, artists or album.
    Derived,
    /// Measured from the song's audio file (`hitcast-audio`: duration, loudness, tempo, key, mode).
    Audio,
}

impl Source {
    pub const ALL: [Source; 7] = [
        Source::User,
        Source::File,
        Source::Client,
        Source::Spotify,
        Source::ReccoBeats,
        Source::Derived,
        Source::Audio,
    ];

    /// The name in JSON (`"source": "file"`), as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::User => "user",
            Source::File => "file",
            Source::Client => "client",
            Source::Spotify => "spotify",
            Source::ReccoBeats => "recco_beats",
            Source::Derived => "derived",
            Source::Audio => "audio",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::User => "you",
            Source::File => "file",
            Source::Client => "request",
            Source::Spotify => "Spotify",
            Source::ReccoBeats => "ReccoBeats",
            Source::Derived => "title/album",
            Source::Audio => "audio file",
        })
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sourced {
    pub value: f64,
    pub source: Source,
}

/// One track's inputs. Unset values are missing; see [`crate::Schema::validate`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrackFeatures {
    /// The track's title: shown, and the text [`Feature::TitleMarker`] is derived from.
    pub name: Option<String>,
    /// The credited artists, main first ([`Feature::FeaturedArtists`] is derived from them).
    pub artists: Vec<String>,
    /// The album's name ([`Feature::AlbumMarker`] is derived from it).
    pub album: Option<String>,
    values: [Option<Sourced>; Feature::COUNT],
}

impl TrackFeatures {
    pub fn new(name: Option<String>) -> Self {
        TrackFeatures { name, ..Default::default() }
    }

    pub fn get(&self, feature: Feature) -> Option<Sourced> {
        self.values[feature.index()]
    }

    pub fn value(&self, feature: Feature) -> Option<f64> {
        self.get(feature).map(|s| s.value)
    }

    pub fn set(&mut self, feature: Feature, value: f64, source: Source) -> &mut Self {
        self.values[feature.index()] = Some(Sourced { value, source });
        self
    }

    /// Builder-style [`TrackFeatures::set`].
    pub fn with(mut self, feature: Feature, value: f64, source: Source) -> Self {
        self.set(feature, value, source);
        self
    }

    /// Sets or clears a value (`None` makes it missing).
    pub fn set_opt(&mut self, feature: Feature, value: Option<f64>, source: Source) -> &mut Self {
        self.values[feature.index()] = value.map(|value| Sourced { value, source });
        self
    }

    /// Fill only what is still missing (for enrichment chains where earlier sources win).
    pub fn fill(&mut self, feature: Feature, value: f64, source: Source) -> bool {
        let slot = &mut self.values[feature.index()];
        if slot.is_none() {
            *slot = Some(Sourced { value, source });
            true
        } else {
            false
        }
    }

    pub fn missing(&self) -> impl Iterator<Item = Feature> + '_ {
        Feature::ALL.into_iter().filter(|f| self.get(*f).is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_follow_tensor_order() {
        for (i, f) in Feature::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
            assert_eq!(Feature::from_name(f.name()), Some(*f));
        }
        assert_eq!(Feature::from_name("Danceability"), None);
    }

    #[test]
    fn fill_keeps_earlier_sources() {
        let mut t = TrackFeatures::default().with(Feature::Energy, 0.3, Source::User);
        assert!(!t.fill(Feature::Energy, 0.9, Source::ReccoBeats));
        assert!(t.fill(Feature::Valence, 0.9, Source::ReccoBeats));
        assert_eq!(t.get(Feature::Energy).unwrap().source, Source::User);
        assert_eq!(t.get(Feature::Valence).unwrap().source, Source::ReccoBeats);
        assert_eq!(t.missing().count(), Feature::COUNT - 2);
    }
}
