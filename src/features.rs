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
}

impl Feature {
    /// Every feature, in tensor order.
    pub const ALL: [Feature; 16] = [
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
        }
    }

    pub fn from_name(name: &str) -> Option<Feature> {
        Self::ALL.into_iter().find(|f| f.name() == name)
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
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::User => "you",
            Source::File => "file",
            Source::Client => "request",
            Source::Spotify => "Spotify",
            Source::ReccoBeats => "ReccoBeats",
        })
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sourced {
    pub value: f64,
    pub source: Source,
}

/// The coarse genres the model knows, by index (the schema's `genre` vocabulary).
pub const GENRES: [&str; 7] = ["pop", "rock", "hip-hop", "edm", "r&b", "latin", "other"];

/// One track's inputs. Unset values are missing; see [`crate::Schema::validate`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrackFeatures {
    /// A display name (track title), not a model input.
    pub name: Option<String>,
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
/// Descriptive keys that are accepted and ignored.
pub const IGNORED_KEYS: [&str; 9] =
    ["artist", "artists", "album", "track_id", "id", "isrc", "spotify_id", "url", "release_date"];

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

/// Keywords of each coarse genre, in tie-break order (the training pipeline's table in
/// `models/train/hitcast_train/features.py`; the two must stay identical).
const GENRE_WORDS: [(&str, &[&str]); 6] = [
    ("hip-hop", &["hip hop", "hip-hop", "rap", "trap", "drill", "grime"]),
    ("latin", &["latin", "reggaeton", "salsa", "samba", "sertanejo", "forro", "tango", "spanish", "bachata", "cumbia"]),
    ("r&b", &["r&b", "soul", "funk", "gospel"]),
    (
        "edm",
        &["edm", "house", "electro", "techno", "trance", "dubstep", "dance", "drum", "garage", "hardstyle", "club"],
    ),
    ("rock", &["rock", "metal", "punk", "grunge", "emo", "grindcore", "hardcore", "goth"]),
    ("pop", &["pop"]),
];

/// One genre name → coarse label: the keyword that ends last wins ("dance pop" → pop).
fn item_genre(item: &str) -> &'static str {
    let mut best = ("other", 0usize);
    let mut found = false;
    for (label, words) in GENRE_WORDS {
        for w in words {
            if let Some(at) = item.rfind(w) {
                let end = at + w.len();
                if !found || end > best.1 {
                    best = (label, end);
                    found = true;
                }
            }
        }
    }
    best.0
}

/// Spotify-style genre names (an artist's `genres`) → the model's genre index, by vote of the
/// names (ties go to the earlier label of `GENRE_WORDS`). `None` for no names. The same rule
/// the training pipeline applied to its data.
pub fn coarse_genre<S: AsRef<str>>(names: &[S]) -> Option<usize> {
    let items: Vec<String> = names.iter().map(|n| n.as_ref().trim().to_lowercase()).filter(|n| !n.is_empty()).collect();
    if items.is_empty() {
        return None;
    }
    let order: Vec<&str> = GENRE_WORDS.iter().map(|(l, _)| *l).chain(["other"]).collect();
    let mut votes = [0usize; 7];
    for item in &items {
        let label = item_genre(item);
        votes[order.iter().position(|l| *l == label).expect("known label")] += 1;
    }
    let best = (0..order.len()).max_by(|a, b| votes[*a].cmp(&votes[*b]).then(b.cmp(a))).expect("seven labels");
    GENRES.iter().position(|g| *g == order[best])
}

impl Serialize for TrackFeatures {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            name: &'a Option<String>,
            features: BTreeMap<&'static str, Option<Sourced>>,
        }
        View { name: &self.name, features: Feature::ALL.iter().map(|f| (f.name(), self.get(*f))).collect() }
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
                              "genre": "Hip Hop", "artist": "X", "_note": 1}))
        .unwrap();
        assert_eq!(t.name.as_deref(), Some("Song"));
        assert_eq!(t.get(Feature::Danceability), Some(Sourced { value: 0.5, source: Source::Client }));
        assert_eq!(t.value(Feature::Tempo), Some(120.0));
        assert_eq!(t.value(Feature::ArtistPopularity), None);
        assert_eq!(t.value(Feature::Genre), Some(2.0));
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
    fn coarse_genres_match_the_training_pipeline() {
        // the same table as models/train/tests/test_data.py::test_coarse_genre
        for (names, label) in [
            (&["rap"][..], "hip-hop"),
            (&["r&b"], "r&b"),
            (&["latin"], "latin"),
            (&["edm"], "edm"),
            (&["rock"], "rock"),
            (&["pop"], "pop"),
            (&["jazz"], "other"),
            (&["deep house"], "edm"),
            (&["pop punk"], "rock"),
            (&["dance pop", "pop", "post-teen pop"], "pop"),
            (&["pop rap", "rap", "hip hop"], "hip-hop"),
        ] {
            assert_eq!(coarse_genre(names).map(|i| GENRES[i]), Some(label), "{names:?}");
        }
        assert_eq!(coarse_genre::<&str>(&[]), None);
        assert_eq!(coarse_genre(&["  "]), None);
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(suggest("temp").as_deref(), Some("tempo"));
        assert_eq!(suggest("artist_pop").as_deref(), None);
        assert_eq!(suggest("loudnes").as_deref(), Some("loudness"));
        assert_eq!(suggest("zzzzzz"), None);
    }
}
