//! The wire contract: every JSON document the CLI, the HTTP API and the bot read or write.
//!
//! **In**: a [`Document`] is one track (a flat object of inputs, or `{"name": …, "features":
//! {…}}`), or a batch (an array of tracks, or `{"tracks": […]}`); `/v1/explain` and
//! `hitcast explain` also take `"what_if": {feature: value}` next to the track. The same file
//! works as `hitcast predict FILE --json` input and as a `/v1/predict` body.
//!
//! **Out**: [`PredictResponse`], [`RankResponse`], [`ExplainResponse`], [`ModelResponse`],
//! [`HealthResponse`], and [`ErrorBody`] with its [`ErrorCode`]. The CLI's `--json` and the
//! HTTP API emit these same types, so the same input gives the same document.
//!
//! Reading is bounded: at most `max_tracks` tracks are read (the rest are counted), at most
//! [`MAX_PROBLEMS`](crate::MAX_PROBLEMS) problems are kept per document, echoed values are cut short.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::audio::AudioReport;
use crate::capped::Capped;
use crate::explain::{Explanation, WhatIf};
use crate::features::{Feature, Source, TrackFeatures};
use crate::input::{InputError, Key, RawValue, RawVisitor, TrackIn, WhatIfIn, echo_text};
use crate::model::{Decision, IntervalInfo, InvalidRow, ModelInfo};
use crate::prediction::{Band, Interval, Prediction};
use crate::rank::Ranking;
use crate::schema::{Problem, ProblemKind, Schema};

/// The band labels, in the order of every `band_probs`.
pub const BANDS: [&str; 4] = crate::Band::LABELS;

// ---------------------------------------------------------------------------------------------
// In
// ---------------------------------------------------------------------------------------------

/// A request body or an input file, read but not yet checked against the model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// The tracks read (at most the reader's `max_tracks`).
    pub tracks: Vec<TrackIn>,
    /// The document was one track, not a batch.
    pub single: bool,
    /// How many tracks the document holds (more than `tracks.len()` when over the limit).
    pub total: usize,
    pub what_if: Option<WhatIfIn>,
    /// Problems with the document itself rather than with one track.
    pub problems: Capped<InputError>,
}

/// Located input problems: `(track index in a batch, error)`, the first [`MAX_PROBLEMS`](crate::MAX_PROBLEMS), and
/// how many more there were.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputProblems {
    pub problems: Capped<(Option<usize>, InputError)>,
}

impl InputProblems {
    pub fn push(&mut self, track: Option<usize>, e: InputError) {
        self.problems.push((track, e));
    }

    /// Builds the problem only if it will be kept (see [`Capped::push_with`]).
    pub fn push_with(&mut self, track: Option<usize>, make: impl FnOnce() -> InputError) {
        self.problems.push_with(|| (track, make()));
    }

    /// Problems cut (counted, not kept).
    pub fn more(&self) -> usize {
        self.problems.more()
    }

    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for InputProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (track, e)) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            match track {
                Some(t) => write!(f, "track {}: {e}", t + 1)?,
                None => write!(f, "{e}")?,
            }
        }
        if self.more() > 0 {
            write!(f, " (and {} more problems)", self.more())?;
        }
        Ok(())
    }
}

impl Document {
    /// Reads a JSON document, keeping at most `max_tracks` tracks (the rest are counted in
    /// [`Document::total`]). Fails only on what is not JSON or not a track/batch at all.
    pub fn from_json(bytes: &[u8], max_tracks: usize) -> Result<Document, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let doc = DocSeed { max_tracks }.deserialize(&mut de)?;
        de.end()?;
        Ok(doc)
    }

    /// A document of one track.
    pub fn one(track: TrackIn) -> Document {
        Document { tracks: vec![track], single: true, total: 1, ..Default::default() }
    }

    /// More tracks than the reader's limit.
    pub fn over_limit(&self) -> bool {
        self.total > self.tracks.len()
    }

    /// Nothing at all (`{}`, `[]`, `{"tracks": []}`).
    pub fn is_empty(&self) -> bool {
        self.total == 0 || (self.single && self.tracks.iter().all(TrackIn::is_empty) && self.what_if.is_none())
    }

    /// Every track, values tagged with `source`; or every problem, located (`track` is `None`
    /// for a single track and for the document itself). `what_if` is left in place.
    pub fn tracks(&mut self, source: Source) -> Result<Vec<TrackFeatures>, InputProblems> {
        let mut problems = InputProblems::default();
        for e in std::mem::take(&mut self.problems) {
            problems.push(None, e);
        }
        let single = self.single;
        let mut out = Vec::with_capacity(self.tracks.len());
        for (i, t) in std::mem::take(&mut self.tracks).into_iter().enumerate() {
            match t.into_track(source) {
                Ok(t) => out.push(t),
                Err(r) => {
                    for e in r.problems {
                        problems.push((!single).then_some(i), e);
                    }
                    problems.problems.add_more(r.more);
                }
            }
        }
        if problems.is_empty() { Ok(out) } else { Err(problems) }
    }
}

struct DocSeed {
    max_tracks: usize,
}

impl<'de> DeserializeSeed<'de> for DocSeed {
    type Value = Document;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Document, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocSeed {
    type Value = Document;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a track object, an array of track objects or {\"tracks\": […]}")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Document, A::Error> {
        let (tracks, total) = ListSeed { max_tracks: self.max_tracks }.visit_seq(seq)?;
        Ok(Document { tracks, total, single: false, ..Default::default() })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let mut track = TrackIn::default();
        let mut batch: Option<(Vec<TrackIn>, usize)> = None;
        let mut what_if: Option<WhatIfIn> = None;
        let (mut seen_tracks, mut seen_what_if) = (false, false);
        let mut problems = Capped::default();
        let mut first_track_key: Option<String> = None;
        let mut nested: Option<TrackIn> = None;
        while let Some(key) = map.next_key::<String>()? {
            match Key::of(&key) {
                k @ (Key::Tracks | Key::WhatIf) => {
                    let seen = if k == Key::Tracks { &mut seen_tracks } else { &mut seen_what_if };
                    if *seen {
                        map.next_value::<IgnoredAny>()?;
                        problems.push_with(|| InputError::Duplicate { field: echo_text(&key) });
                    } else if k == Key::Tracks {
                        *seen = true;
                        batch = Some(map.next_value_seed(ListSeed { max_tracks: self.max_tracks })?);
                    } else {
                        *seen = true;
                        what_if = map.next_value()?;
                    }
                }
                Key::Features => {
                    first_track_key.get_or_insert_with(|| key.clone());
                    read_nested(&mut map, &mut track, &key, &mut nested)?;
                }
                _ => {
                    first_track_key.get_or_insert_with(|| key.clone());
                    let value: RawValue = map.next_value()?;
                    track.set(&key, value);
                }
            }
        }
        if let Some(inner) = nested {
            track.merge_nested(inner);
        }
        match batch {
            Some((tracks, total)) => {
                if let Some(field) = first_track_key {
                    problems.push(InputError::Misplaced {
                        field: echo_text(&field),
                        reason: "a batch holds only `tracks`: put each track's name and inputs in its own object"
                            .into(),
                    });
                }
                Ok(Document { tracks, total, single: false, what_if, problems })
            }
            None => Ok(Document { tracks: vec![track], total: 1, single: true, what_if, problems }),
        }
    }
}

/// The value of a `features` key: its inputs into `nested` (merged into `track` once the outer
/// object is read, so that outer keys win), or a duplicate problem for a second `features`.
fn read_nested<'de, A: MapAccess<'de>>(
    map: &mut A,
    track: &mut TrackIn,
    key: &str,
    nested: &mut Option<TrackIn>,
) -> Result<(), A::Error> {
    track.touch();
    if track.take(Key::Features, key) {
        let mut inner = TrackIn::default();
        map.next_value_seed(Fill { track: &mut inner, nested: true })?;
        *nested = Some(inner);
    } else {
        map.next_value::<IgnoredAny>()?;
    }
    Ok(())
}

/// `[track, …]`: the first `max_tracks` are read, the rest counted.
struct ListSeed {
    max_tracks: usize,
}

impl<'de> DeserializeSeed<'de> for ListSeed {
    type Value = (Vec<TrackIn>, usize);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListSeed {
    type Value = (Vec<TrackIn>, usize);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of track objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut tracks = Vec::new();
        let mut total = 0;
        loop {
            if tracks.len() < self.max_tracks {
                let mut t = TrackIn::default();
                if seq.next_element_seed(Fill { track: &mut t, nested: false })?.is_none() {
                    break;
                }
                tracks.push(t);
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            total += 1;
        }
        Ok((tracks, total))
    }
}

/// Fills a [`TrackIn`] from a track object (or, `nested`, from its `features` object).
struct Fill<'a> {
    track: &'a mut TrackIn,
    nested: bool,
}

impl Fill<'_> {
    fn wrong(self, given: RawValue) {
        let (field, expected) =
            if self.nested { ("features", "an object of the model's inputs") } else { ("track", "a track object") };
        self.track.touch();
        self.track.problem(InputError::expected(field, expected, &given));
    }
}

impl<'de> DeserializeSeed<'de> for Fill<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

macro_rules! wrong_value {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<E: de::Error>(self, $($arg: $ty),*) -> Result<(), E> {
            let raw = RawVisitor.$method($($arg),*)?;
            self.wrong(raw);
            Ok(())
        }
    )*};
}

impl<'de> Visitor<'de> for Fill<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a track object")
    }

    wrong_value! {
        visit_unit();
        visit_none();
        visit_bool(v: bool);
        visit_i64(v: i64);
        visit_u64(v: u64);
        visit_f64(v: f64);
        visit_str(v: &str);
        visit_string(v: String);
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let raw = RawVisitor.visit_seq(seq)?;
        self.wrong(raw);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let track = self.track;
        let mut nested: Option<TrackIn> = None;
        while let Some(key) = map.next_key::<String>()? {
            let reason = match Key::of(&key) {
                Key::Features if !self.nested => {
                    read_nested(&mut map, track, &key, &mut nested)?;
                    continue;
                }
                Key::Features => "`features` holds the inputs, not another `features`",
                Key::Tracks => "a track cannot hold a batch",
                Key::WhatIf => "`what_if` goes next to the one track being explained, not inside a batch",
                _ => {
                    let value: RawValue = map.next_value()?;
                    track.set(&key, value);
                    continue;
                }
            };
            map.next_value::<IgnoredAny>()?;
            track.touch();
            track.problem(InputError::Misplaced { field: echo_text(&key), reason: reason.into() });
        }
        if let Some(inner) = nested {
            track.merge_nested(inner);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// What went wrong, as a stable machine code; each has one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, or not a track or batch.
    BadRequest,
    /// Values that cannot be read (unknown field, wrong type, duplicate).
    InvalidInput,
    /// Values the model refuses (missing, out of range).
    ValidationFailed,
    TooManyTracks,
    BodyTooLarge,
    /// The body did not arrive in time.
    RequestTimeout,
    UnsupportedMediaType,
    NotFound,
    MethodNotAllowed,
    /// The server is at its limits (other requests' bodies hold the memory budget, or the
    /// request took too long): try again after `Retry-After`.
    Busy,
    /// An uploaded audio file that cannot be analysed (not audio, empty, too long, …).
    BadAudio,
    /// Our side: the model failed or gave a result that is not a prediction.
    Internal,
}

impl ErrorCode {
    pub const fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::InvalidInput | ErrorCode::ValidationFailed | ErrorCode::BadAudio => 400,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::RequestTimeout => 408,
            ErrorCode::TooManyTracks | ErrorCode::BodyTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::Internal => 500,
            ErrorCode::Busy => 503,
        }
    }
}

/// One problem, located: which track (0-based, `null` for a single track or the request
/// itself), which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemOut {
    pub track: Option<usize>,
    pub field: String,
    /// `unknown_field`, `invalid_value`, `duplicate_field`, `misplaced_field`, `missing`,
    /// `not_finite`, `out_of_range`, `not_allowed`.
    pub problem: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    pub message: String,
}

impl ProblemOut {
    pub fn input(track: Option<usize>, e: &InputError) -> ProblemOut {
        ProblemOut {
            track,
            field: e.field().to_string(),
            problem: e.code().into(),
            allowed: None,
            value: None,
            message: e.to_string(),
        }
    }

    pub fn invalid(track: Option<usize>, p: &Problem) -> ProblemOut {
        let (problem, value) = match p.kind {
            ProblemKind::Missing => ("missing", None),
            ProblemKind::NoInputs => ("no_inputs", None),
            ProblemKind::NotFinite { .. } => ("not_finite", None),
            ProblemKind::OutOfRange { value } => ("out_of_range", Some(value)),
            ProblemKind::NotAllowed { value } => ("not_allowed", Some(value)),
        };
        ProblemOut {
            track,
            field: p.feature.name().into(),
            problem: problem.into(),
            allowed: Some(p.allowed.clone()),
            value,
            message: p.to_string(),
        }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
    pub model_version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// For people: what is wrong and what to do. At most a few problems are spelled out.
    pub message: String,
    /// The field of the first problem.
    pub field: Option<String>,
    /// At most [`MAX_PROBLEMS`](crate::MAX_PROBLEMS) problems…
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemOut>,
    /// …and how many more there were.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more_problems: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Problems spelled out in an error's `message`.
const PROBLEMS_IN_MESSAGE: usize = 5;

impl ErrorDetail {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorDetail {
        ErrorDetail { code, message: message.into(), field: None, problems: Vec::new(), more_problems: 0 }
    }

    /// An error listing problems (capped at [`MAX_PROBLEMS`](crate::MAX_PROBLEMS); `more` counts those already cut).
    pub fn with_problems(code: ErrorCode, problems: impl IntoIterator<Item = ProblemOut>, more: usize) -> ErrorDetail {
        let mut capped: Capped<ProblemOut> = problems.into_iter().collect();
        capped.add_more(more);
        let (kept, more_problems) = capped.into_parts();
        let mut message = kept
            .iter()
            .take(PROBLEMS_IN_MESSAGE)
            .map(|p| match p.track {
                Some(t) => format!("track {}: {}", t + 1, p.message),
                None => p.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ");
        let unsaid = kept.len().saturating_sub(PROBLEMS_IN_MESSAGE) + more_problems;
        if unsaid > 0 {
            message += &format!(" (and {unsaid} more problems)");
        }
        ErrorDetail { code, message, field: kept.first().map(|p| p.field.clone()), problems: kept, more_problems }
    }

    /// `invalid_input` for input that could not be read.
    pub fn input(p: &InputProblems) -> ErrorDetail {
        ErrorDetail::with_problems(
            ErrorCode::InvalidInput,
            p.problems.iter().map(|(t, e)| ProblemOut::input(*t, e)),
            p.more(),
        )
    }

    /// `validation_failed` for values the model refuses; `single`: rows are not numbered.
    pub fn invalid(rows: &[InvalidRow], single: bool) -> ErrorDetail {
        ErrorDetail::with_problems(
            ErrorCode::ValidationFailed,
            rows.iter()
                .flat_map(|r| r.problems.iter().map(move |p| ProblemOut::invalid((!single).then_some(r.row), p))),
            0,
        )
    }

    pub fn body(self, model_version: &str) -> ErrorBody {
        ErrorBody { error: self, model_version: model_version.to_string() }
    }
}

// ---------------------------------------------------------------------------------------------
// Out
// ---------------------------------------------------------------------------------------------

/// The inputs the model got, by name in tensor order: `{"tempo": {"value": 120, "source": "file"}}`.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a>(pub &'a TrackFeatures);

impl Serialize for Inputs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let present = || Feature::ALL.into_iter().filter_map(|f| self.0.get(f).map(|v| (f, v)));
        let mut map = s.serialize_map(Some(present().count()))?;
        for (f, v) in present() {
            map.serialize_entry(f.name(), &v)?;
        }
        map.end()
    }
}

/// One track's prediction with the track's name and the inputs the model got.
#[derive(Debug, Clone, Serialize)]
pub struct PredictionOut<'a> {
    pub name: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub artists: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album: Option<&'a str>,
    pub band_probs: [f32; 4],
    pub band: Band,
    pub expected_popularity: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Interval>,
    pub model_version: &'a str,
    pub missing: &'a [Feature],
    pub inputs: Inputs<'a>,
}

impl<'a> PredictionOut<'a> {
    /// `track` as the model saw it (with its derived inputs: [`crate::Model::with_derived`]).
    pub fn new(track: &'a TrackFeatures, p: &'a Prediction) -> PredictionOut<'a> {
        PredictionOut {
            name: track.name.as_deref(),
            artists: &track.artists,
            album: track.album.as_deref(),
            band_probs: p.band_probs,
            band: p.band,
            expected_popularity: p.expected_popularity,
            interval: p.interval,
            model_version: &p.model_version,
            missing: &p.missing,
            inputs: Inputs(track),
        }
    }
}

/// [`PredictionOut`] written straight into `buf` (with `"index": N` first when given): the same
/// JSON as serde writes, without its per-key escaping, for catalogues of millions of tracks.
/// Keys and sources are known ASCII; names, artists, albums and the model's version are escaped
/// by serde_json, numbers formatted by it.
pub fn write_prediction(buf: &mut Vec<u8>, index: Option<usize>, t: &TrackFeatures, p: &Prediction) {
    fn num(buf: &mut Vec<u8>, v: impl Serialize) {
        serde_json::to_writer(&mut *buf, &v).expect("a number serializes");
    }
    fn text(buf: &mut Vec<u8>, v: &str) {
        serde_json::to_writer(&mut *buf, v).expect("a string serializes");
    }
    buf.push(b'{');
    if let Some(i) = index {
        buf.extend_from_slice(b"\"index\":");
        num(buf, i);
        buf.push(b',');
    }
    buf.extend_from_slice(b"\"name\":");
    match &t.name {
        Some(n) => text(buf, n),
        None => buf.extend_from_slice(b"null"),
    }
    if !t.artists.is_empty() {
        buf.extend_from_slice(b",\"artists\":[");
        for (i, a) in t.artists.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            text(buf, a);
        }
        buf.push(b']');
    }
    if let Some(a) = &t.album {
        buf.extend_from_slice(b",\"album\":");
        text(buf, a);
    }
    buf.extend_from_slice(b",\"band_probs\":[");
    for (i, v) in p.band_probs.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        num(buf, v);
    }
    buf.extend_from_slice(b"],\"band\":\"");
    buf.extend_from_slice(p.band.label().as_bytes());
    buf.extend_from_slice(b"\",\"expected_popularity\":");
    num(buf, p.expected_popularity);
    if let Some(i) = p.interval {
        buf.extend_from_slice(b",\"interval\":{\"level\":");
        num(buf, i.level);
        buf.extend_from_slice(b",\"low\":");
        num(buf, i.low);
        buf.extend_from_slice(b",\"high\":");
        num(buf, i.high);
        buf.push(b'}');
    }
    buf.extend_from_slice(b",\"model_version\":");
    text(buf, &p.model_version);
    buf.extend_from_slice(b",\"missing\":[");
    for (i, f) in p.missing.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.push(b'"');
        buf.extend_from_slice(f.name().as_bytes());
        buf.push(b'"');
    }
    buf.extend_from_slice(b"],\"inputs\":{");
    let mut first = true;
    for f in Feature::ALL {
        let Some(v) = t.get(f) else { continue };
        if !first {
            buf.push(b',');
        }
        first = false;
        buf.push(b'"');
        buf.extend_from_slice(f.name().as_bytes());
        buf.extend_from_slice(b"\":{\"value\":");
        num(buf, v.value);
        buf.extend_from_slice(b",\"source\":\"");
        buf.extend_from_slice(v.source.as_str().as_bytes());
        buf.extend_from_slice(b"\"}");
    }
    buf.extend_from_slice(b"}}");
}

/// `/v1/predict` and `hitcast predict --json`: `prediction` for a single-track document,
/// `predictions` (in input order) for a batch.
#[derive(Debug, Clone, Serialize)]
pub struct PredictResponse<'a> {
    pub model_version: &'a str,
    pub bands: [&'static str; 4],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<PredictionOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predictions: Option<Vec<PredictionOut<'a>>>,
    /// What each audio file gave, when the tracks came from files.
    #[serde(skip_serializing_if = "<[AudioReport]>::is_empty")]
    pub audio: &'a [AudioReport],
}

impl<'a> PredictResponse<'a> {
    /// `tracks` as the model saw them, and their predictions.
    pub fn new(
        model_version: &'a str,
        tracks: &'a [TrackFeatures],
        predictions: &'a [Prediction],
        single: bool,
    ) -> PredictResponse<'a> {
        let mut out: Vec<PredictionOut> =
            tracks.iter().zip(predictions).map(|(t, p)| PredictionOut::new(t, p)).collect();
        let (prediction, predictions) = if single && out.len() == 1 { (out.pop(), None) } else { (None, Some(out)) };
        PredictResponse { model_version, bands: BANDS, prediction, predictions, audio: &[] }
    }

    /// With what each audio file gave.
    pub fn with_audio(mut self, audio: &'a [AudioReport]) -> Self {
        self.audio = audio;
        self
    }
}

/// The recommended single, in short.
#[derive(Debug, Clone, Serialize)]
pub struct SingleOut<'a> {
    pub name: Option<&'a str>,
    pub index: usize,
    pub expected_popularity: f32,
    pub band: Band,
}

/// `/v1/rank` and `hitcast rank --json`.
#[derive(Debug, Clone, Serialize)]
pub struct RankResponse<'a> {
    pub model_version: &'a str,
    pub bands: [&'static str; 4],
    pub single: Option<SingleOut<'a>>,
    #[serde(flatten)]
    pub ranking: &'a Ranking,
    /// What each audio file gave, when the tracks came from files.
    #[serde(skip_serializing_if = "<[AudioReport]>::is_empty")]
    pub audio: &'a [AudioReport],
}

impl<'a> RankResponse<'a> {
    pub fn new(model_version: &'a str, ranking: &'a Ranking) -> RankResponse<'a> {
        let single = ranking.single().map(|t| SingleOut {
            name: t.name.as_deref(),
            index: t.index,
            expected_popularity: t.prediction.expected_popularity,
            band: t.prediction.band,
        });
        RankResponse { model_version, bands: BANDS, single, ranking, audio: &[] }
    }

    /// With what each audio file gave.
    pub fn with_audio(mut self, audio: &'a [AudioReport]) -> Self {
        self.audio = audio;
        self
    }
}

/// `/v1/explain` and `hitcast explain --json`.
#[derive(Debug, Clone, Serialize)]
pub struct ExplainResponse<'a> {
    pub model_version: &'a str,
    pub bands: [&'static str; 4],
    pub explanation: &'a Explanation,
    pub what_if: Option<&'a WhatIf>,
    /// What the audio file gave, when the track came from one (`hitcast explain song.mp3`).
    #[serde(skip_serializing_if = "<[AudioReport]>::is_empty")]
    pub audio: &'a [AudioReport],
}

impl<'a> ExplainResponse<'a> {
    pub fn new(model_version: &'a str, explanation: &'a Explanation, what_if: Option<&'a WhatIf>) -> Self {
        ExplainResponse { model_version, bands: BANDS, explanation, what_if, audio: &[] }
    }

    /// With what the audio file gave.
    pub fn with_audio(mut self, audio: &'a [AudioReport]) -> Self {
        self.audio = audio;
        self
    }
}

/// The configured model could not be used; the one serving is a fallback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fallback {
    pub configured: String,
    pub reason: String,
}

/// `/v1/model` and `hitcast model --json`.
#[derive(Debug, Clone, Serialize)]
pub struct ModelResponse<'a> {
    pub version: &'a str,
    pub sha256: &'a str,
    pub size_bytes: usize,
    /// Where the model was loaded from (`embedded`, `file …`, `s3://…`).
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Fallback>,
    pub trained_on: &'a crate::TrainedOn,
    pub metrics: &'a crate::Metrics,
    pub decision: &'a Decision,
    /// The level and method of the model's popularity interval (models from 3.0.0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<&'a IntervalInfo>,
    pub schema: &'a Schema,
    pub model_version: &'a str,
}

impl<'a> ModelResponse<'a> {
    pub fn new(info: &'a ModelInfo, schema: &'a Schema, source: String, fallback: Option<Fallback>) -> Self {
        ModelResponse {
            version: &info.version,
            sha256: &info.sha256,
            size_bytes: info.size_bytes,
            source,
            fallback,
            trained_on: &info.trained_on,
            metrics: &info.metrics,
            decision: &info.decision,
            interval: info.interval.as_ref(),
            schema,
            model_version: &info.version,
        }
    }
}

/// `/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthResponse {
    /// `ok`, or `degraded` when a fallback model is serving.
    pub status: String,
    pub model_version: String,
    pub model_source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> Document {
        Document::from_json(s.as_bytes(), 3).unwrap()
    }

    #[test]
    fn one_track_in_either_shape() {
        for s in [r#"{"name": "A", "energy": 0.5}"#, r#"{"name": "A", "features": {"energy": 0.5}}"#] {
            let mut d = doc(s);
            assert!(d.single);
            let t = d.tracks(Source::Client).unwrap();
            assert_eq!((t[0].name.as_deref(), t[0].value(Feature::Energy)), (Some("A"), Some(0.5)), "{s}");
        }
    }

    #[test]
    fn batches_and_their_limit() {
        for s in [r#"[{"energy": 0.1}, {"energy": 0.2}]"#, r#"{"tracks": [{"energy": 0.1}, {"energy": 0.2}]}"#] {
            let d = doc(s);
            assert_eq!((d.single, d.tracks.len(), d.total), (false, 2, 2), "{s}");
        }
        let d = doc(r#"[{}, {}, {}, {}, {}]"#);
        assert_eq!((d.tracks.len(), d.total, d.over_limit()), (3, 5, true));
        assert!(doc("{}").is_empty() && doc("[]").is_empty() && doc(r#"{"tracks": []}"#).is_empty());
        assert!(Document::from_json(b"3", 3).is_err());
        assert!(Document::from_json(br#"{"tracks": 3}"#, 3).is_err());
    }

    #[test]
    fn misplaced_and_mistyped_keys_are_named() {
        let mut d = doc(r#"{"features": null}"#);
        let e = d.tracks(Source::Client).unwrap_err();
        assert_eq!(e.problems[0].1.to_string(), "`features`: expected an object of the model's inputs, got \"null\"");
        let mut d = doc(r#"{"name": "A", "featurs": 1, "features": {"energy": 0.5}}"#);
        let e = d.tracks(Source::Client).unwrap_err();
        assert_eq!(e.problems[0].1.field(), "featurs");
        let mut d = doc(r#"{"name": "A", "tracks": [{"energy": 1}]}"#);
        let e = d.tracks(Source::Client).unwrap_err();
        assert_eq!((e.problems[0].0, e.problems[0].1.field()), (None, "name"));
        let mut d = doc(r#"[{"energy": 1, "energy": 2}, 7]"#);
        let e = d.tracks(Source::Client).unwrap_err();
        assert_eq!((e.problems[0].0, e.problems[0].1.code()), (Some(0), "duplicate_field"));
        assert_eq!((e.problems[1].0, e.problems[1].1.field()), (Some(1), "track"));
    }

    #[test]
    fn the_outer_name_wins_and_a_feature_twice_is_a_duplicate() {
        let mut d = doc(r#"{"name": "Outer", "features": {"name": "Inner", "artist": "X", "energy": 0.5}}"#);
        let t = d.tracks(Source::Client).unwrap();
        assert_eq!((t[0].name.as_deref(), t[0].artists.as_slice()), (Some("Outer"), ["X".to_string()].as_slice()));
        let mut d = doc(r#"{"energy": 0.1, "features": {"energy": 0.5}}"#);
        let e = d.tracks(Source::Client).unwrap_err();
        assert_eq!(e.problems[0].1, InputError::Duplicate { field: "energy".into() });
    }

    #[test]
    fn what_if_next_to_the_track() {
        let d = doc(r#"{"features": {"energy": 0.5}, "what_if": {"energy": 0.9, "genre": "rock"}}"#);
        assert_eq!(d.what_if.unwrap().changes.len(), 2);
    }

    #[test]
    fn errors_are_capped() {
        let problems = (0..500).map(|i| ProblemOut::input(Some(i), &InputError::unknown("x")));
        let e = ErrorDetail::with_problems(ErrorCode::InvalidInput, problems, 7);
        assert_eq!((e.problems.len(), e.more_problems), (crate::MAX_PROBLEMS, 500 - crate::MAX_PROBLEMS + 7));
        assert!(e.message.ends_with(&format!("(and {} more problems)", 500 - 5 + 7)), "{}", e.message);
        assert_eq!(ErrorCode::TooManyTracks.status(), 413);
        let v = serde_json::to_value(e.body("2.0.0")).unwrap();
        assert_eq!(v["error"]["code"], "invalid_input");
    }

    #[test]
    fn the_fast_prediction_writer_writes_what_serde_writes() {
        use crate::{Band, Interval, Prediction, Source};
        for s in Source::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        let mut tracks = Vec::new();
        let mut t = TrackFeatures::new(Some("Quote \" and \\ and ünïcode \u{1}".into()));
        t.artists = vec!["A \"B\"".into(), "C".into()];
        t.album = Some("Album\nTwo".into());
        for (i, f) in Feature::ALL.into_iter().enumerate() {
            if i % 3 != 0 {
                t.set(f, 0.1 * i as f64 + 1e-9, Source::ALL[i % Source::ALL.len()]);
            }
        }
        tracks.push(t);
        tracks.push(TrackFeatures::default());
        let mut plain = TrackFeatures::new(None);
        plain.set(Feature::Tempo, 120.0, Source::File);
        tracks.push(plain);
        let version: std::sync::Arc<str> = "3.0.0".into();
        for (i, t) in tracks.iter().enumerate() {
            let p = Prediction {
                band_probs: [0.1, 0.2000001, 0.3, 0.39999998],
                band: Band::ALL[i % 4],
                expected_popularity: 61.234_57,
                interval: (i != 1).then_some(Interval { level: 0.8, low: 1e-7, high: 99.99 }),
                model_version: version.clone(),
                missing: Feature::ALL.into_iter().filter(|f| t.get(*f).is_none()).collect(),
            };
            let mut fast = Vec::new();
            write_prediction(&mut fast, None, t, &p);
            assert_eq!(String::from_utf8(fast).unwrap(), serde_json::to_string(&PredictionOut::new(t, &p)).unwrap());
            let mut with_index = Vec::new();
            write_prediction(&mut with_index, Some(7), t, &p);
            let v: serde_json::Value = serde_json::from_slice(&with_index).unwrap();
            assert_eq!(v["index"], 7);
        }
    }
}
