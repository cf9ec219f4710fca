//! Reading one track's inputs: the keys a track may carry, what each value may be, and errors
//! that name the field. JSON documents ([`crate::wire`]), CSV cells and CLI flags all go through
//! [`TrackIn`], so every front accepts the same things and says the same about a bad value.
//!
//! Everything here is bounded: at most [`MAX_PROBLEMS`] problems are kept per track (the rest
//! are counted), a value is echoed back in at most [`MAX_ECHO`] characters, lists keep at most
//! [`MAX_LIST`] items.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use thiserror::Error;

use crate::explain::Change;
use crate::features::{Feature, Source, TrackFeatures};
use crate::genre::{GENRES, genre_index};
use crate::suggest::suggest;

/// Keys that name the track.
pub const NAME_KEYS: [&str; 4] = ["name", "title", "track", "track_name"];
/// Keys that list the credited artists (a list, or one text with names separated by `;`).
pub const ARTIST_KEYS: [&str; 2] = ["artists", "artist"];
/// The key of the album's name.
pub const ALBUM_KEY: &str = "album";
/// Descriptive keys that are accepted and ignored (so are keys starting with `_`).
pub const IGNORED_KEYS: [&str; 6] = ["track_id", "id", "isrc", "spotify_id", "url", "release_date"];

/// Longest given value echoed back in an error, in characters.
pub const MAX_ECHO: usize = 100;
use crate::capped::Capped;
pub use crate::capped::MAX_PROBLEMS;
/// Longest track name, artist name or album name, in characters.
pub const MAX_TEXT: usize = 1000;
/// Most items kept of a list value (artists); a longer list is an error.
pub const MAX_LIST: usize = 100;

/// What a key of a track object (or a CSV column) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Name,
    Artists,
    Album,
    Feature(Feature),
    /// `features`: the nested form `{"name": …, "features": {…}}`.
    Features,
    /// `tracks`: a batch.
    Tracks,
    /// `what_if`: changes to explain.
    WhatIf,
    /// Descriptive, accepted and ignored.
    Ignored,
    Unknown,
}

impl Key {
    pub fn of(key: &str) -> Key {
        if let Some(f) = Feature::from_name(key) {
            Key::Feature(f)
        } else if NAME_KEYS.contains(&key) {
            Key::Name
        } else if ARTIST_KEYS.contains(&key) {
            Key::Artists
        } else if key == ALBUM_KEY {
            Key::Album
        } else if key == "features" {
            Key::Features
        } else if key == "tracks" {
            Key::Tracks
        } else if key == "what_if" {
            Key::WhatIf
        } else if key.starts_with('_') || IGNORED_KEYS.contains(&key) {
            Key::Ignored
        } else {
            Key::Unknown
        }
    }

    /// A bit per input that may be given once (aliases share one).
    fn slot(self) -> Option<u32> {
        match self {
            Key::Feature(f) => Some(f.index() as u32),
            Key::Name => Some(Feature::COUNT as u32),
            Key::Artists => Some(Feature::COUNT as u32 + 1),
            Key::Album => Some(Feature::COUNT as u32 + 2),
            Key::Features => Some(Feature::COUNT as u32 + 3),
            Key::Tracks => Some(Feature::COUNT as u32 + 4),
            Key::WhatIf => Some(Feature::COUNT as u32 + 5),
            Key::Ignored | Key::Unknown => None,
        }
    }
}

/// A value that could not be read (before any range check).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum InputError {
    #[error("unknown field `{field}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownField { field: String, suggestion: Option<String> },
    /// A value of the wrong type or form; `given` is cut to [`MAX_ECHO`] characters.
    #[error("`{field}`: expected {expected}, got {given:?}")]
    Expected { field: String, expected: String, given: String },
    #[error(
        "`{field}` is given more than once (each input takes one value; `name`, `title`, `track` and `track_name` are one input, so are `artists` and `artist`)"
    )]
    Duplicate { field: String },
    #[error("`{field}`: {reason}")]
    Misplaced { field: String, reason: String },
}

impl InputError {
    pub fn unknown(field: &str) -> InputError {
        InputError::UnknownField { field: echo_text(field), suggestion: suggest(field) }
    }

    pub fn expected(field: &str, expected: impl Into<String>, given: &RawValue) -> InputError {
        InputError::Expected { field: echo_text(field), expected: expected.into(), given: given.echo() }
    }

    /// The field this error is about.
    pub fn field(&self) -> &str {
        match self {
            InputError::UnknownField { field, .. }
            | InputError::Expected { field, .. }
            | InputError::Duplicate { field }
            | InputError::Misplaced { field, .. } => field,
        }
    }

    /// A stable machine code (`problem` in the API's error body).
    pub fn code(&self) -> &'static str {
        match self {
            InputError::UnknownField { .. } => "unknown_field",
            InputError::Expected { .. } => "invalid_value",
            InputError::Duplicate { .. } => "duplicate_field",
            InputError::Misplaced { .. } => "misplaced_field",
        }
    }

    /// The same error about `prefix.field` (`what_if.tempo`).
    pub fn within(mut self, prefix: &str) -> InputError {
        match &mut self {
            InputError::UnknownField { field, .. }
            | InputError::Expected { field, .. }
            | InputError::Duplicate { field }
            | InputError::Misplaced { field, .. } => *field = format!("{prefix}.{field}"),
        }
        self
    }
}

/// `s`, cut to [`MAX_ECHO`] characters.
pub fn echo_text(s: &str) -> String {
    match s.char_indices().nth(MAX_ECHO) {
        None => s.to_string(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

/// A JSON value (or a CSV cell, as [`RawValue::Text`]) before it is read as an input. Objects
/// are not kept, lists keep their first [`MAX_LIST`] items.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    Null,
    Bool(bool),
    Number(f64),
    Text(String),
    /// The first items, and how many there were.
    List(Vec<RawValue>, usize),
    Object,
}

impl RawValue {
    /// What was given, short enough to echo in an error.
    pub fn echo(&self) -> String {
        match self {
            RawValue::Text(s) => echo_text(s),
            other => echo_text(&other.to_string()),
        }
    }
}

impl fmt::Display for RawValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawValue::Null => f.write_str("null"),
            RawValue::Bool(b) => write!(f, "{b}"),
            RawValue::Number(n) => write!(f, "{n}"),
            RawValue::Text(s) => write!(f, "{s:?}"),
            RawValue::List(items, total) => {
                f.write_str("[")?;
                for (i, item) in items.iter().take(8).enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                if *total > 8 {
                    f.write_str(",…")?;
                }
                f.write_str("]")
            }
            RawValue::Object => f.write_str("{…}"),
        }
    }
}

/// Reads any JSON value into a [`RawValue`] in bounded memory.
pub(crate) struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
        Ok(RawValue::Number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::Text(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::Text(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        let mut total = 0;
        while items.len() < MAX_LIST {
            match seq.next_element::<RawValue>()? {
                Some(v) => {
                    items.push(v);
                    total += 1;
                }
                None => return Ok(RawValue::List(items, total)),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {
            total += 1;
        }
        Ok(RawValue::List(items, total))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(RawValue::Object)
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawValue, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

/// Reads one value for `feature`: a number; a numeric text; `null`, an empty text, `null` or
/// `na` for missing; `genre` also takes its label (`rock`, `hip-hop`, …).
pub fn parse_value(feature: Feature, value: &RawValue) -> Result<Option<f64>, InputError> {
    match value {
        RawValue::Null => Ok(None),
        RawValue::Number(v) => Ok(Some(*v)),
        RawValue::Text(text) => parse_text(feature, text),
        other => Err(InputError::expected(feature.name(), "a number or null", other)),
    }
}

/// A value given as text (a CSV cell, a flag, a JSON string): empty, `null` and `NA` are missing.
pub fn parse_text(feature: Feature, text: &str) -> Result<Option<f64>, InputError> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("null") || text.eq_ignore_ascii_case("na") {
        return Ok(None);
    }
    if feature == Feature::Genre
        && let Some(i) = genre_index(text)
    {
        return Ok(Some(i as f64));
    }
    text.parse().map(Some).map_err(|_| {
        let expected = if feature == Feature::Genre {
            format!("a number 0-{} or one of {}", GENRES.len() - 1, GENRES.join(", "))
        } else {
            "a number".to_string()
        };
        InputError::Expected { field: feature.name().into(), expected, given: echo_text(text) }
    })
}

/// `"A; B"` → `["A", "B"]` (a CSV cell or a single JSON text). Commas are not separators:
/// artist names contain them ("Tyler, The Creator").
pub fn split_artists(text: &str) -> Vec<String> {
    text.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// One track's inputs as given, with every problem found in them. Fill it key by key
/// ([`TrackIn::set`]), then turn it into [`TrackFeatures`] ([`TrackIn::into_track`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrackIn {
    pub name: Option<String>,
    pub artists: Vec<String>,
    pub album: Option<String>,
    values: [Option<f64>; Feature::COUNT],
    problems: Capped<InputError>,
    seen: u32,
    keys: usize,
}

/// A track (or document) that could not be read: its first problems and how many more.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rejected {
    pub problems: Vec<InputError>,
    pub more: usize,
}

impl TrackIn {
    /// Reads `value` for `key`. Problems are kept, not returned: one call per key, then
    /// [`TrackIn::into_track`] reports them all.
    pub fn set(&mut self, key: &str, value: RawValue) {
        self.set_key(Key::of(key), key, value);
    }

    /// A text value (a CSV cell) under a key already looked up: a number is parsed where it
    /// lies, without a copy.
    pub fn set_text(&mut self, k: Key, key: &str, text: &str) {
        let Key::Feature(f) = k else { return self.set_key(k, key, RawValue::Text(text.to_string())) };
        self.keys += 1;
        if !self.take(k, key) {
            return;
        }
        match parse_text(f, text) {
            Ok(v) => self.values[f.index()] = v,
            Err(e) => self.problem(e),
        }
    }

    /// [`TrackIn::set`] with the key already looked up (a CSV column's, once per file).
    pub fn set_key(&mut self, k: Key, key: &str, value: RawValue) {
        self.keys += 1;
        if !self.take(k, key) {
            return;
        }
        match k {
            Key::Feature(f) => match parse_value(f, &value) {
                Ok(v) => self.values[f.index()] = v,
                Err(e) => self.problem(e),
            },
            Key::Name => self.name = self.text(key, value, "the track's name"),
            Key::Album => self.album = self.text(key, value, "the album's name"),
            Key::Artists => {
                let names = match value {
                    RawValue::Null => Vec::new(),
                    RawValue::Text(s) => split_artists(&s),
                    RawValue::List(items, total) if total <= MAX_LIST => {
                        let mut names = Vec::with_capacity(items.len());
                        for item in items {
                            match item {
                                RawValue::Text(s) if !s.trim().is_empty() => names.push(s.trim().to_string()),
                                other => {
                                    self.problem(InputError::expected(key, "a list of artist names", &other));
                                    return;
                                }
                            }
                        }
                        names
                    }
                    other => {
                        let expected = format!("an artist name, or a list of at most {MAX_LIST} names");
                        self.problem(InputError::expected(key, expected, &other));
                        return;
                    }
                };
                if let Some(long) = names.iter().find(|n| n.chars().count() > MAX_TEXT) {
                    let given = RawValue::Text(long.clone());
                    self.problem(InputError::expected(key, format!("names of at most {MAX_TEXT} characters"), &given));
                    return;
                }
                if names.len() > MAX_LIST {
                    let given = RawValue::Text(format!("{} names", names.len()));
                    self.problem(InputError::expected(key, format!("at most {MAX_LIST} artists"), &given));
                    return;
                }
                self.artists = names;
            }
            Key::Ignored => {}
            // past the cap only counted: no suggestion is computed for the 500,000th unknown key
            Key::Unknown | Key::Features | Key::Tracks | Key::WhatIf => {
                self.problems.push_with(|| InputError::unknown(key))
            }
        }
    }

    /// Marks `key`'s input as given; a second value for it is a problem.
    pub fn take(&mut self, k: Key, key: &str) -> bool {
        let Some(bit) = k.slot() else { return true };
        if self.seen & (1 << bit) != 0 {
            self.problem(InputError::Duplicate { field: echo_text(key) });
            return false;
        }
        self.seen |= 1 << bit;
        true
    }

    fn text(&mut self, key: &str, value: RawValue, what: &str) -> Option<String> {
        let text = match value {
            RawValue::Null => return None,
            RawValue::Text(s) => s,
            RawValue::Number(n) => n.to_string(),
            other => {
                self.problem(InputError::expected(key, what, &other));
                return None;
            }
        };
        if text.chars().count() > MAX_TEXT {
            let given = RawValue::Text(text);
            self.problem(InputError::expected(key, format!("{what} in at most {MAX_TEXT} characters"), &given));
            return None;
        }
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    }

    /// Takes in the inputs of a nested `features` object. The outer object's `name`, `artists`
    /// and `album` win over the nested ones; a feature given in both is a duplicate.
    pub(crate) fn merge_nested(&mut self, inner: TrackIn) {
        self.keys += inner.keys;
        self.problems.extend(inner.problems);
        for f in Feature::ALL {
            let bit = 1 << f.index();
            if inner.seen & bit == 0 {
                continue;
            }
            if self.seen & bit != 0 {
                self.problem(InputError::Duplicate { field: f.name().to_string() });
            } else {
                self.seen |= bit;
                self.values[f.index()] = inner.values[f.index()];
            }
        }
        let outer = |k: Key| self.seen & (1 << k.slot().expect("a slot")) != 0;
        let (has_name, has_artists, has_album) = (outer(Key::Name), outer(Key::Artists), outer(Key::Album));
        if !has_name {
            self.name = inner.name;
        }
        if !has_artists {
            self.artists = inner.artists;
        }
        if !has_album {
            self.album = inner.album;
        }
        self.seen |= inner.seen & !((1 << Feature::COUNT) - 1);
    }

    /// Records a problem (the first [`MAX_PROBLEMS`] are kept, the rest counted).
    pub fn problem(&mut self, e: InputError) {
        self.problems.push(e);
    }

    /// Records a problem built only if it will be kept (past the cap it is only counted).
    pub fn problem_with(&mut self, make: impl FnOnce() -> InputError) {
        self.problems.push_with(make);
    }

    /// Counts a key that was read without [`TrackIn::set`].
    pub(crate) fn touch(&mut self) {
        self.keys += 1;
    }

    /// No key at all was given (`{}`).
    pub fn is_empty(&self) -> bool {
        self.keys == 0
    }

    pub fn problems(&self) -> &[InputError] {
        &self.problems
    }

    /// Problems found beyond the first [`MAX_PROBLEMS`].
    pub fn more_problems(&self) -> usize {
        self.problems.more()
    }

    /// The track, every value tagged with `source`; or what was wrong with it.
    pub fn into_track(self, source: Source) -> Result<TrackFeatures, Rejected> {
        if !self.problems.is_empty() {
            let (problems, more) = self.problems.into_parts();
            return Err(Rejected { problems, more });
        }
        let mut t = TrackFeatures::new(self.name);
        t.artists = self.artists;
        t.album = self.album;
        for f in Feature::ALL {
            t.set_opt(f, self.values[f.index()], source);
        }
        Ok(t)
    }
}

/// `what_if`: feature → new value (`null` makes it missing).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WhatIfIn {
    pub changes: Vec<Change>,
    pub problems: Capped<InputError>,
}

impl WhatIfIn {
    /// Reads one change (`tempo=120` on the command line, a `what_if` entry in JSON).
    pub fn set(&mut self, key: &str, value: &RawValue) {
        let problem = match Feature::from_name(key) {
            // past the cap only counted: no suggestion is computed for the 500,000th unknown key
            None => {
                self.problems.push_with(|| InputError::unknown(key).within("what_if"));
                return;
            }
            Some(f) if self.changes.iter().any(|c| c.feature == f) => {
                Some(InputError::Duplicate { field: key.to_string() })
            }
            Some(feature) => match parse_value(feature, value) {
                Ok(value) => {
                    self.changes.push(Change { feature, value });
                    None
                }
                Err(e) => Some(e),
            },
        };
        if let Some(e) = problem {
            self.problems.push(e.within("what_if"));
        }
    }
}

impl<'de> Deserialize<'de> for WhatIfIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<WhatIfIn, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WhatIfIn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of feature → new value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WhatIfIn, A::Error> {
                let mut w = WhatIfIn::default();
                while let Some(key) = map.next_key::<String>()? {
                    let value: RawValue = map.next_value()?;
                    w.set(&key, &value);
                }
                Ok(w)
            }
        }
        d.deserialize_map(V)
    }
}

impl TrackFeatures {
    /// Reads one text value (a CSV cell, a CLI flag) into `feature`: empty means missing,
    /// `genre` also takes its label (`rock`, `hip-hop`, …).
    pub fn set_text(&mut self, feature: Feature, text: &str, source: Source) -> Result<(), InputError> {
        let v = parse_value(feature, &RawValue::Text(text.to_string()))?;
        self.set_opt(feature, v, source);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(pairs: &[(&str, RawValue)]) -> Result<TrackFeatures, Rejected> {
        let mut t = TrackIn::default();
        for (k, v) in pairs {
            t.set(k, v.clone());
        }
        t.into_track(Source::File)
    }

    #[test]
    fn values_texts_labels_and_missing() {
        use RawValue::*;
        let t = track(&[
            ("title", Text("Song".into())),
            ("danceability", Number(0.5)),
            ("tempo", Text("120".into())),
            ("artist_popularity", Null),
            ("genre", Text("Hip Hop".into())),
            ("artist", Text("X; Y".into())),
            ("album", Text("Z (Deluxe)".into())),
            ("_note", Number(1.0)),
        ])
        .unwrap();
        assert_eq!(t.name.as_deref(), Some("Song"));
        assert_eq!(t.artists, ["X", "Y"]);
        assert_eq!(t.album.as_deref(), Some("Z (Deluxe)"));
        assert_eq!(t.value(Feature::Danceability), Some(0.5));
        assert_eq!(t.get(Feature::Tempo).unwrap().source, Source::File);
        assert_eq!(t.value(Feature::ArtistPopularity), None);
        assert_eq!(t.value(Feature::Genre), Some(2.0));
    }

    #[test]
    fn every_problem_is_named_and_bounded() {
        use RawValue::*;
        let err = track(&[
            ("danceabilty", Number(0.5)),
            ("energy", Text("loud".into())),
            ("tempo", List(vec![Number(1.0)], 1)),
            ("valence", Bool(true)),
            ("title", Text("a".into())),
            ("name", Text("b".into())),
            ("artists", List(vec![Number(1.0)], 1)),
        ])
        .unwrap_err();
        let msgs: Vec<String> = err.problems.iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs[0], "unknown field `danceabilty` (did you mean `danceability`?)");
        assert_eq!(msgs[1], "`energy`: expected a number, got \"loud\"");
        assert_eq!(msgs[2], "`tempo`: expected a number or null, got \"[1]\"");
        assert_eq!(msgs[3], "`valence`: expected a number or null, got \"true\"");
        assert!(msgs[4].starts_with("`name` is given more than once"), "{}", msgs[4]);
        assert_eq!(msgs[5], "`artists`: expected a list of artist names, got \"1\"");

        let mut t = TrackIn::default();
        for i in 0..1000 {
            t.set(&format!("k{i}"), Text("x".repeat(10_000)));
        }
        let err = t.into_track(Source::Client).unwrap_err();
        assert_eq!((err.problems.len(), err.more), (MAX_PROBLEMS, 1000 - MAX_PROBLEMS));
        let long = InputError::expected("energy", "a number", &Text("9".repeat(10_000)));
        assert!(long.to_string().len() < 200, "{long}");
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
    fn what_if_changes() {
        let mut w = WhatIfIn::default();
        w.set("tempo", &RawValue::Number(120.0));
        w.set("genre", &RawValue::Text("rock".into()));
        w.set("artist_popularity", &RawValue::Null);
        w.set("tempoo", &RawValue::Number(1.0));
        w.set("tempo", &RawValue::Number(1.0));
        assert_eq!(w.changes.len(), 3);
        assert_eq!(w.changes[1], Change { feature: Feature::Genre, value: Some(1.0) });
        assert_eq!(w.changes[2].value, None);
        let fields: Vec<&str> = w.problems.iter().map(|p| p.field()).collect();
        assert_eq!(fields, ["what_if.tempoo", "what_if.tempo"]);
    }
}
