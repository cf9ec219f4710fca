//! The model's inputs: [`Feature`] names them, [`TrackFeatures`] holds one track's values, each
//! tagged with the [`Source`] it came from. A missing value is `None`, never a made-up number.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Serialize, Serializer};
use thiserror::Error;

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
        })
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sourced {
    pub value: f64,
    pub source: Source,
}

/// The coarse genres the model knows, by index (the schema's `genre` labels; a model whose
/// labels differ is refused at load).
pub const GENRES: [&str; 13] = [
    "pop",
    "rock",
    "hip-hop",
    "edm",
    "r&b",
    "latin",
    "other",
    "country",
    "k-pop",
    "indie",
    "folk",
    "jazz",
    "classical",
];

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

    /// Parses one text value (a CSV cell, a CLI flag) into `feature`: empty means missing,
    /// `genre` also takes its label (`rock`, `hip-hop`, …).
    pub fn set_text(&mut self, feature: Feature, text: &str, source: Source) -> Result<(), InputError> {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("null") || text.eq_ignore_ascii_case("na") {
            self.set_opt(feature, None, source);
            return Ok(());
        }
        if feature == Feature::Genre
            && let Some(i) = genre_index(text)
        {
            self.set(feature, i as f64, source);
            return Ok(());
        }
        let value: f64 = text.parse().map_err(|_| InputError::NotANumber {
            field: feature.name().to_string(),
            given: text.to_string(),
            hint: if feature == Feature::Genre {
                format!("a number 0-6 or one of {}", GENRES.join(", "))
            } else {
                "a number".to_string()
            },
        })?;
        self.set(feature, value, source);
        Ok(())
    }

    /// A flat JSON object (`{"name": "…", "danceability": 0.7, …}`) → features.
    ///
    /// `null` is missing; numbers may also be strings; unknown keys are errors (with a
    /// suggestion) so a typo never silently drops a value. Descriptive keys such as `artist`,
    /// `album`, `track_id` or keys starting with `_` are allowed and ignored.
    pub fn from_json_object(
        obj: &serde_json::Map<String, serde_json::Value>,
        source: Source,
    ) -> Result<TrackFeatures, Vec<InputError>> {
        let mut t = TrackFeatures::default();
        let mut errors = Vec::new();
        for (key, value) in obj {
            if NAME_KEYS.contains(&key.as_str()) {
                match value {
                    serde_json::Value::String(s) => t.name = Some(s.clone()),
                    serde_json::Value::Null => {}
                    other => t.name = Some(other.to_string()),
                }
                continue;
            }
            if ARTIST_KEYS.contains(&key.as_str()) {
                match value {
                    serde_json::Value::String(s) => t.artists = split_artists(s),
                    serde_json::Value::Array(items) => {
                        t.artists = items.iter().filter_map(|v| v.as_str()).map(str::to_string).collect();
                        if t.artists.len() != items.len() {
                            errors.push(InputError::NotANumber {
                                field: key.clone(),
                                given: value.to_string(),
                                hint: "a list of artist names".into(),
                            });
                        }
                    }
                    serde_json::Value::Null => t.artists.clear(),
                    other => errors.push(InputError::NotANumber {
                        field: key.clone(),
                        given: other.to_string(),
                        hint: "an artist name or a list of names".into(),
                    }),
                }
                continue;
            }
            if key == "album" {
                match value {
                    serde_json::Value::String(s) => t.album = Some(s.clone()),
                    serde_json::Value::Null => t.album = None,
                    other => errors.push(InputError::NotANumber {
                        field: key.clone(),
                        given: other.to_string(),
                        hint: "the album's name".into(),
                    }),
                }
                continue;
            }
            let Some(feature) = Feature::from_name(key) else {
                if !is_ignored_key(key) {
                    errors.push(InputError::unknown(key));
                }
                continue;
            };
            let result = match value {
                serde_json::Value::Null => {
                    t.set_opt(feature, None, source);
                    Ok(())
                }
                serde_json::Value::Number(n) => match n.as_f64() {
                    Some(v) => {
                        t.set(feature, v, source);
                        Ok(())
                    }
                    None => Err(InputError::NotANumber {
                        field: key.clone(),
                        given: n.to_string(),
                        hint: "a number".into(),
                    }),
                },
                serde_json::Value::String(s) => t.set_text(feature, s, source),
                other => Err(InputError::NotANumber {
                    field: key.clone(),
                    given: other.to_string(),
                    hint: "a number or null".into(),
                }),
            };
            if let Err(e) = result {
                errors.push(e);
            }
        }
        if errors.is_empty() { Ok(t) } else { Err(errors) }
    }
}

/// Keys that name the track.
pub const NAME_KEYS: [&str; 4] = ["name", "title", "track", "track_name"];
/// Keys that list the credited artists (a list, or one text with names separated by `;`).
pub const ARTIST_KEYS: [&str; 2] = ["artists", "artist"];
/// The key of the album's name.
pub const ALBUM_KEY: &str = "album";
/// Descriptive keys that are accepted and ignored.
pub const IGNORED_KEYS: [&str; 6] = ["track_id", "id", "isrc", "spotify_id", "url", "release_date"];

/// `"A; B"` → `["A", "B"]` (a CSV cell or a single JSON text). Commas are not separators:
/// artist names contain them ("Tyler, The Creator").
pub fn split_artists(text: &str) -> Vec<String> {
    text.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

pub fn is_ignored_key(key: &str) -> bool {
    key.starts_with('_') || IGNORED_KEYS.contains(&key)
}

/// `rock` → 1; also accepts `hip hop`, `hiphop`, `rnb`, `r&b`.
pub fn genre_index(label: &str) -> Option<usize> {
    let l = label.trim().to_ascii_lowercase().replace([' ', '_'], "-");
    let l = match l.as_str() {
        "hiphop" | "rap" => "hip-hop",
        "rnb" | "r-and-b" | "randb" => "r&b",
        other => other,
    };
    GENRES.iter().position(|g| *g == l)
}

impl Serialize for TrackFeatures {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            name: &'a Option<String>,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            artists: &'a [String],
            #[serde(skip_serializing_if = "Option::is_none")]
            album: &'a Option<String>,
            features: BTreeMap<&'static str, Option<Sourced>>,
        }
        View {
            name: &self.name,
            artists: &self.artists,
            album: &self.album,
            features: Feature::ALL.iter().map(|f| (f.name(), self.get(*f))).collect(),
        }
        .serialize(s)
    }
}

/// A value that could not be read (before any range check).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum InputError {
    #[error("unknown field `{field}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownField { field: String, suggestion: Option<String> },
    #[error("`{field}`: expected {hint}, got {given:?}")]
    NotANumber { field: String, given: String, hint: String },
}

impl InputError {
    pub fn unknown(field: &str) -> InputError {
        InputError::UnknownField { field: field.to_string(), suggestion: suggest(field) }
    }

    /// The field this error is about.
    pub fn field(&self) -> &str {
        match self {
            InputError::UnknownField { field, .. } | InputError::NotANumber { field, .. } => field,
        }
    }
}

/// The closest feature name, if it is close enough to be a typo.
pub fn suggest(field: &str) -> Option<String> {
    let field = field.to_ascii_lowercase();
    Feature::ALL
        .iter()
        .map(|f| (edit_distance(&field, f.name()), f.name()))
        .filter(|(d, name)| *d <= 2.max(name.len() / 4))
        .min()
        .map(|(_, name)| name.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_round_trip_and_follow_tensor_order() {
        for (i, f) in Feature::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
            assert_eq!(Feature::from_name(f.name()), Some(*f));
        }
        assert_eq!(Feature::from_name("Danceability"), None);
    }

    fn parse(v: serde_json::Value) -> Result<TrackFeatures, Vec<InputError>> {
        TrackFeatures::from_json_object(v.as_object().unwrap(), Source::Client)
    }

    #[test]
    fn json_object_reads_values_nulls_names_and_labels() {
        let t = parse(json!({"title": "Song", "danceability": 0.5, "tempo": "120", "artist_popularity": null,
                              "genre": "Hip Hop", "artist": "X; Y", "album": "Z (Deluxe)", "_note": 1}))
        .unwrap();
        assert_eq!(t.name.as_deref(), Some("Song"));
        assert_eq!(t.artists, ["X", "Y"]);
        assert_eq!(t.album.as_deref(), Some("Z (Deluxe)"));
        assert_eq!(t.get(Feature::Danceability), Some(Sourced { value: 0.5, source: Source::Client }));
        assert_eq!(t.value(Feature::Tempo), Some(120.0));
        assert_eq!(t.value(Feature::ArtistPopularity), None);
        assert_eq!(t.value(Feature::Genre), Some(2.0));
        let t = parse(json!({"artists": ["Tyler, The Creator", "Kali Uchis"]})).unwrap();
        assert_eq!(t.artists, ["Tyler, The Creator", "Kali Uchis"]);
        assert!(parse(json!({"artists": [1]})).is_err());
        assert!(parse(json!({"album": 3})).is_err());
    }

    #[test]
    fn json_object_reports_every_problem() {
        let errs = parse(json!({"danceabilty": 0.5, "energy": "loud", "tempo": [1], "valence": true})).unwrap_err();
        let mut msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        msgs.sort();
        assert_eq!(
            msgs,
            [
                "`energy`: expected a number, got \"loud\"",
                "`tempo`: expected a number or null, got \"[1]\"",
                "`valence`: expected a number or null, got \"true\"",
                "unknown field `danceabilty` (did you mean `danceability`?)",
            ]
        );
    }

    #[test]
    fn text_values() {
        let mut t = TrackFeatures::default();
        t.set_text(Feature::Genre, "r&b", Source::User).unwrap();
        assert_eq!(t.value(Feature::Genre), Some(4.0));
        t.set_text(Feature::Genre, "3", Source::User).unwrap();
        assert_eq!(t.value(Feature::Genre), Some(3.0));
        t.set_text(Feature::Energy, "  ", Source::User).unwrap();
        assert_eq!(t.value(Feature::Energy), None);
        let e = t.set_text(Feature::Genre, "polka", Source::User).unwrap_err();
        assert!(e.to_string().contains("pop, rock, hip-hop"), "{e}");
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

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(suggest("temp").as_deref(), Some("tempo"));
        assert_eq!(suggest("artist_pop").as_deref(), None);
        assert_eq!(suggest("loudnes").as_deref(), Some("loudness"));
        assert_eq!(suggest("zzzzzz"), None);
    }
}
