//! Reading tracks from flags, JSON and CSV, with errors that point at the row and field.

use std::fmt;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use hitcast::features::{ALBUM_KEY, ARTIST_KEYS, NAME_KEYS, is_ignored_key, split_artists};
use hitcast::{Feature, InputError, Source, TrackFeatures};

/// A problem in an input file, with where it is.
#[derive(Debug)]
pub struct FileProblem {
    /// 1-based track number.
    pub track: usize,
    /// 1-based line in a CSV file.
    pub line: Option<usize>,
    pub error: InputError,
}

/// Every problem found in an input file.
#[derive(Debug)]
pub struct BadInput {
    pub source: String,
    pub problems: Vec<FileProblem>,
}

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} has {} problem(s):", self.source, self.problems.len())?;
        for p in &self.problems {
            match p.line {
                Some(line) => writeln!(f, "  track {} (line {line}): {}", p.track, p.error)?,
                None => writeln!(f, "  track {}: {}", p.track, p.error)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for BadInput {}

/// Reads tracks from a path (`-` = stdin): `.json` (an object, an array of objects or
/// `{"tracks": [...]}`), or `.csv` with a header row; stdin is sniffed.
pub fn read_tracks(path: &Path) -> Result<Vec<TrackFeatures>> {
    let (name, text) = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("read tracks from standard input")?;
        ("standard input".to_string(), s)
    } else {
        let s = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
        (path.display().to_string(), s)
    };
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let json = match ext.as_deref() {
        Some("json") => true,
        Some("csv") => false,
        _ => matches!(text.trim_start().chars().next(), Some('{' | '[')),
    };
    if json { parse_json(&name, &text) } else { parse_csv(&name, &text) }
}

pub fn parse_json(name: &str, text: &str) -> Result<Vec<TrackFeatures>> {
    let value: serde_json::Value = serde_json::from_str(text).with_context(|| format!("{name} is not valid JSON"))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut obj) => match obj.remove("tracks") {
            Some(serde_json::Value::Array(items)) => items,
            Some(_) => bail!("{name}: `tracks` must be an array of track objects"),
            None => vec![serde_json::Value::Object(obj)],
        },
        _ => bail!("{name}: expected a track object or an array of track objects"),
    };
    let mut tracks = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(obj) = item.as_object() else {
            bail!("{name}: track {} is not an object", i + 1);
        };
        match TrackFeatures::from_json_object(obj, Source::File) {
            Ok(t) => tracks.push(t),
            Err(errs) => problems.extend(errs.into_iter().map(|error| FileProblem { track: i + 1, line: None, error })),
        }
    }
    if problems.is_empty() { Ok(tracks) } else { Err(BadInput { source: name.to_string(), problems }.into()) }
}

enum Column {
    Name,
    Artists,
    Album,
    Feature(Feature),
    Ignored,
}

pub fn parse_csv(name: &str, text: &str) -> Result<Vec<TrackFeatures>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(text.as_bytes());
    let headers = reader.headers().with_context(|| format!("{name}: cannot read the CSV header"))?.clone();
    let mut columns = Vec::new();
    let mut problems = Vec::new();
    for h in headers.iter() {
        let key = h.trim_start_matches('\u{feff}').to_ascii_lowercase();
        columns.push(if NAME_KEYS.contains(&key.as_str()) {
            Column::Name
        } else if ARTIST_KEYS.contains(&key.as_str()) {
            Column::Artists
        } else if key == ALBUM_KEY {
            Column::Album
        } else if let Some(f) = Feature::from_name(&key) {
            Column::Feature(f)
        } else if is_ignored_key(&key) || key.is_empty() {
            Column::Ignored
        } else {
            problems.push(FileProblem { track: 0, line: Some(1), error: InputError::unknown(&key) });
            Column::Ignored
        });
    }
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(|p| p.error.to_string()).collect();
        bail!("{name}, header (line 1): {}", list.join("; "));
    }
    let mut tracks = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{name}: CSV row {} cannot be read", i + 1))?;
        let line = record.position().map(|p| p.line() as usize);
        let mut t = TrackFeatures::default();
        for (cell, col) in record.iter().zip(&columns) {
            match col {
                Column::Name if !cell.is_empty() => t.name = Some(cell.to_string()),
                Column::Artists => t.artists = split_artists(cell),
                Column::Album if !cell.is_empty() => t.album = Some(cell.to_string()),
                Column::Feature(f) => {
                    if let Err(error) = t.set_text(*f, cell, Source::File) {
                        problems.push(FileProblem { track: i + 1, line, error });
                    }
                }
                _ => {}
            }
        }
        tracks.push(t);
    }
    if problems.is_empty() { Ok(tracks) } else { Err(BadInput { source: name.to_string(), problems }.into()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_names_ignored_columns_and_missing_cells() {
        let t = parse_csv("a.csv", "title,artist,danceability,artist_popularity,genre\nOne,X,0.5,,rock\n").unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].name.as_deref(), Some("One"));
        assert_eq!(t[0].value(Feature::Danceability), Some(0.5));
        assert_eq!(t[0].value(Feature::ArtistPopularity), None);
        assert_eq!(t[0].value(Feature::Genre), Some(1.0));
    }

    #[test]
    fn csv_errors_name_track_line_and_field() {
        let err = parse_csv("a.csv", "name,energy\nA,0.5\nB,loud\n").unwrap_err();
        let msg = format!("{err}");
        assert!(msg.contains("track 2 (line 3): `energy`: expected a number, got \"loud\""), "{msg}");
        let err = parse_csv("a.csv", "name,enrgy\nA,0.5\n").unwrap_err().to_string();
        assert!(err.contains("unknown field `enrgy` (did you mean `energy`?)"), "{err}");
    }

    #[test]
    fn json_shapes() {
        assert_eq!(parse_json("x", r#"{"energy": 0.1}"#).unwrap().len(), 1);
        assert_eq!(parse_json("x", r#"[{"energy": 0.1}, {"energy": 0.2}]"#).unwrap().len(), 2);
        assert_eq!(parse_json("x", r#"{"tracks": [{"energy": 0.1}]}"#).unwrap().len(), 1);
        assert!(parse_json("x", "3").is_err());
        let err = parse_json("x", r#"[{"energy": 0.1}, {"energy": "hi"}]"#).unwrap_err().to_string();
        assert!(err.contains("track 2: `energy`"), "{err}");
    }
}
