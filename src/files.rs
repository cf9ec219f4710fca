//! Reading tracks from JSON and CSV files (the CLI's inputs) into the wire [`Document`], with errors
//! that point at the track, the line and the field. Every problem here is the user's (exit code 2).

use std::fmt;

use crate::input::Key;
use crate::wire::{Document, InputProblems};
use crate::{InputError, RawValue, Source, TrackFeatures, TrackIn};

/// Everything wrong with an input file, located.
#[derive(Debug)]
pub struct BadInput {
    pub source: String,
    pub problems: InputProblems,
    /// 1-based CSV line of each track, when the input was CSV.
    pub lines: Vec<usize>,
    /// A problem with the file as a whole (not JSON, no header, ragged row, not UTF-8).
    pub whole: Option<String>,
}

impl BadInput {
    /// A problem with the input as a whole.
    pub fn whole(source: &str, message: impl Into<String>) -> BadInput {
        BadInput {
            source: source.to_string(),
            problems: InputProblems::default(),
            lines: Vec::new(),
            whole: Some(message.into()),
        }
    }
}

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(w) = &self.whole {
            return write!(f, "{}: {w}", self.source);
        }
        let n = self.problems.problems.total();
        writeln!(f, "{} has {n} problem(s):", self.source)?;
        for (track, e) in &self.problems.problems {
            match (track, track.and_then(|t| self.lines.get(t))) {
                (Some(t), Some(line)) => writeln!(f, "  track {} (line {line}): {e}", t + 1)?,
                (Some(t), None) => writeln!(f, "  track {}: {e}", t + 1)?,
                (None, _) => writeln!(f, "  {e}")?,
            }
        }
        if self.problems.more() > 0 {
            writeln!(f, "  … and {} more", self.problems.more())?;
        }
        Ok(())
    }
}

impl std::error::Error for BadInput {}

/// The tracks of a document, and whether it held one track (a JSON object) or a batch. Files and
/// standard input are read through [`crate::stream::TrackStream`].
#[derive(Debug)]
pub struct Tracks {
    pub tracks: Vec<TrackFeatures>,
    pub single: bool,
    pub what_if: Option<crate::WhatIfIn>,
}

fn finish(name: &str, mut doc: Document, lines: Vec<usize>) -> Result<Tracks, BadInput> {
    let mut problems = match doc.tracks(Source::File) {
        Ok(tracks) => match doc.what_if.as_ref().filter(|w| !w.problems.is_empty()) {
            None => return Ok(Tracks { tracks, single: doc.single, what_if: doc.what_if }),
            Some(_) => InputProblems::default(),
        },
        Err(p) => p,
    };
    for e in doc.what_if.map(|w| w.problems).unwrap_or_default() {
        problems.push(None, e);
    }
    Err(BadInput { source: name.to_string(), problems, lines, whole: None })
}

pub fn parse_json(name: &str, bytes: &[u8]) -> Result<Tracks, BadInput> {
    let doc = Document::from_json(bytes, usize::MAX).map_err(|e| BadInput::whole(name, format!("not valid: {e}")))?;
    finish(name, doc, Vec::new())
}

pub fn parse_csv(name: &str, bytes: &[u8]) -> Result<Tracks, BadInput> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(bytes);
    let headers =
        reader.byte_headers().map_err(|e| BadInput::whole(name, format!("cannot read the CSV header: {e}")))?;
    let columns = csv_columns(name, headers)?;
    let mut doc = Document { single: false, ..Default::default() };
    let mut lines = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(BadInput::whole(name, format!("CSV row {} cannot be read: {e}", doc.total + 1))),
        }
        lines.push(record.position().map_or(0, |p| p.line() as usize));
        doc.tracks.push(csv_track(&record, &columns));
        doc.total += 1;
    }
    finish(name, doc, lines)
}

/// A CSV header's columns, each looked up once: the key and its name (empty: an unnamed column,
/// ignored). Unknown and repeated columns are refused here, as a track's keys would be.
pub fn csv_columns(name: &str, headers: &csv::ByteRecord) -> Result<Vec<(Key, String)>, BadInput> {
    let mut header = TrackIn::default();
    let mut columns = Vec::with_capacity(headers.len());
    for h in headers {
        let Ok(h) = std::str::from_utf8(h) else {
            return Err(BadInput::whole(name, "header (line 1): not UTF-8 text"));
        };
        let k = h.trim_start_matches('\u{feff}').to_ascii_lowercase();
        if k.is_empty() {
            columns.push((Key::Ignored, k));
            continue;
        }
        let key = Key::of(&k);
        match key {
            // past the cap only counted: no suggestion for the 2,000,000th unknown column
            Key::Unknown | Key::Features | Key::Tracks | Key::WhatIf => header.problem_with(|| InputError::unknown(&k)),
            key => {
                header.take(key, &k);
            }
        }
        columns.push((key, k));
    }
    if !header.problems().is_empty() {
        let list: Vec<String> = header.problems().iter().map(|e| e.to_string()).collect();
        return Err(BadInput::whole(name, format!("header (line 1): {}", list.join("; "))));
    }
    Ok(columns)
}

/// One CSV row as a track, its cells read as text under their column's key.
pub fn csv_track(record: &csv::ByteRecord, columns: &[(Key, String)]) -> TrackIn {
    let mut t = TrackIn::default();
    for (cell, (key, name)) in record.iter().zip(columns) {
        if name.is_empty() {
            continue;
        }
        match std::str::from_utf8(cell) {
            Ok(text) => t.set_text(*key, name, text),
            Err(_) => t.problem(InputError::expected(
                name,
                "UTF-8 text",
                &RawValue::Text(String::from_utf8_lossy(cell).into()),
            )),
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Feature;

    #[test]
    fn csv_with_names_ignored_columns_and_missing_cells() {
        let t = parse_csv("a.csv", b"title,artist,danceability,artist_popularity,genre\nOne,X,0.5,,rock\n").unwrap();
        let t = &t.tracks;
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].name.as_deref(), Some("One"));
        assert_eq!(t[0].value(Feature::Danceability), Some(0.5));
        assert_eq!(t[0].value(Feature::ArtistPopularity), None);
        assert_eq!(t[0].value(Feature::Genre), Some(1.0));
    }

    #[test]
    fn csv_errors_name_track_line_and_field() {
        let err = parse_csv("a.csv", b"name,energy\nA,0.5\nB,loud\n").unwrap_err();
        let msg = format!("{err}");
        assert!(msg.contains("track 2 (line 3): `energy`: expected a number, got \"loud\""), "{msg}");
        let err = parse_csv("a.csv", b"name,enrgy\nA,0.5\n").unwrap_err().to_string();
        assert!(err.contains("unknown field `enrgy` (did you mean `energy`?)"), "{err}");
        let err = parse_csv("a.csv", b"name,energy,energy\nA,0.5,0.6\n").unwrap_err().to_string();
        assert!(err.contains("`energy` is given more than once"), "{err}");
        let err = parse_csv("a.csv", b"name,title\nA,B\n").unwrap_err().to_string();
        assert!(err.contains("`title` is given more than once"), "{err}");
        assert!(parse_csv("a.csv", b"name,energy\nA,0.5,9\n").unwrap_err().whole.is_some());
        assert!(parse_csv("a.csv", b"name,energy\n\xff,0.5\n").is_err());
    }

    #[test]
    fn json_shapes() {
        assert_eq!(parse_json("x", br#"{"energy": 0.1}"#).unwrap().tracks.len(), 1);
        assert!(parse_json("x", br#"{"energy": 0.1}"#).unwrap().single);
        assert_eq!(parse_json("x", br#"[{"energy": 0.1}, {"energy": 0.2}]"#).unwrap().tracks.len(), 2);
        assert_eq!(parse_json("x", br#"{"tracks": [{"energy": 0.1}]}"#).unwrap().tracks.len(), 1);
        assert_eq!(parse_json("x", br#"{"name": "A", "features": {"energy": 0.1}}"#).unwrap().tracks.len(), 1);
        assert!(parse_json("x", b"3").is_err());
        let err = parse_json("x", br#"[{"energy": 0.1}, {"energy": "hi"}]"#).unwrap_err().to_string();
        assert!(err.contains("track 2: `energy`"), "{err}");
    }
}
