//! Tracks read record by record from a file or standard input, in constant memory: CSV (a header
//! row, then one track per row) and JSON Lines (one track object per line) are streamed, with no
//! size limit but [`MAX_LINE_BYTES`] per line; a JSON document (a track object, an array of them
//! or `{"tracks": [...]}`: the HTTP API's shapes) is read whole, up to [`MAX_DOCUMENT_BYTES`].
//!
//! ```no_run
//! use hitcast::stream::TrackStream;
//! let mut tracks = TrackStream::open(std::path::Path::new("catalogue.csv"))?;
//! while let Some(record) = tracks.next_record()? {
//!     match record.track {
//!         Ok(t) => println!("track {} ({:?}): {:?}", record.index + 1, record.line, t.name),
//!         Err(rejected) => println!("track {}: {:?}", record.index + 1, rejected.problems),
//!     }
//! }
//! # Ok::<(), hitcast::files::BadInput>(())
//! ```

use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::files::{self, BadInput};
use crate::input::{Key, Rejected};
use crate::wire::Document;
use crate::{InputError, RawValue, Source, TrackFeatures, WhatIfIn};

/// The largest JSON document read (it is parsed whole); CSV and JSON Lines are streamed instead.
pub const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// The longest line of a CSV or JSON Lines input: a longer one is refused as it is read, before
/// it is held whole.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// How an input is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    /// A JSON document, read whole.
    Json,
    /// One JSON track object per line (`.jsonl`, `.ndjson`).
    JsonLines,
}

impl Format {
    /// From a file's extension, if it says.
    pub fn from_extension(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::JsonLines),
            _ => None,
        }
    }
}

/// One track of the input: where it was, and the track or why it could not be read.
#[derive(Debug)]
pub struct Record {
    /// 0-based position among the input's tracks.
    pub index: usize,
    /// 1-based line it starts on (CSV and JSON Lines).
    pub line: Option<usize>,
    pub track: Result<TrackFeatures, Rejected>,
}

/// The tracks of one input, read as they are asked for.
#[derive(Debug)]
pub struct TrackStream {
    name: String,
    format: Format,
    kind: Kind,
    next: usize,
    /// A JSON document holding one track object (not a batch): answered as one prediction.
    pub single: bool,
    /// A JSON document's `what_if` (for `explain`).
    pub what_if: Option<WhatIfIn>,
}

enum Kind {
    Csv { reader: Box<csv::Reader<LineLimit>>, columns: Vec<(Key, String)>, record: csv::ByteRecord },
    Lines { reader: BufReader<Box<dyn Read + Send>>, buf: Vec<u8>, line: usize },
    Document(std::vec::IntoIter<TrackFeatures>),
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Csv { .. } => "Csv",
            Kind::Lines { .. } => "Lines",
            Kind::Document(_) => "Document",
        })
    }
}

impl TrackStream {
    /// Opens a path (`-` = standard input). The format comes from the extension (`.csv`,
    /// `.json`, `.jsonl`/`.ndjson`) or, without one, from the first bytes: `[` or a multi-line
    /// `{` object is a JSON document, `{…}` lines are JSON Lines, anything else is CSV.
    pub fn open(path: &Path) -> Result<TrackStream, BadInput> {
        if path.as_os_str() == "-" {
            return TrackStream::from_reader("standard input", Box::new(io::stdin()), None);
        }
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| BadInput::whole(&name, format!("cannot be read: {e}")))?;
        TrackStream::from_reader(&name, Box::new(file), Format::from_extension(path))
    }

    /// Reads from any reader; `format` `None` sniffs it.
    pub fn from_reader(
        name: &str,
        reader: Box<dyn Read + Send>,
        format: Option<Format>,
    ) -> Result<TrackStream, BadInput> {
        let mut reader = BufReader::with_capacity(64 * 1024, reader);
        let format = match format {
            Some(f) => f,
            None => sniff(name, &mut reader)?,
        };
        let mut stream = TrackStream {
            name: name.to_string(),
            format,
            kind: Kind::Document(Vec::new().into_iter()),
            next: 0,
            single: false,
            what_if: None,
        };
        stream.kind = match format {
            Format::Json => {
                let mut bytes = Vec::new();
                reader
                    .take(MAX_DOCUMENT_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| BadInput::whole(name, format!("cannot be read: {e}")))?;
                if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
                    return Err(BadInput::whole(
                        name,
                        format!(
                            "is a JSON document over {} MiB; give a catalogue as JSON Lines (one track per line) or CSV, which are streamed",
                            MAX_DOCUMENT_BYTES >> 20
                        ),
                    ));
                }
                let t = files::parse_json(name, &bytes)?;
                stream.single = t.single;
                stream.what_if = t.what_if;
                Kind::Document(t.tracks.into_iter())
            }
            Format::JsonLines => Kind::Lines { reader, buf: Vec::new(), line: 0 },
            Format::Csv => {
                let mut reader = Box::new(
                    csv::ReaderBuilder::new()
                        .trim(csv::Trim::All)
                        .flexible(false)
                        .buffer_capacity(64 * 1024)
                        .from_reader(LineLimit::new(reader)),
                );
                let headers = reader.byte_headers().map_err(|e| csv_error(name, "the CSV header", e))?;
                let columns = files::csv_columns(name, headers)?;
                Kind::Csv { reader, columns, record: csv::ByteRecord::new() }
            }
        };
        Ok(stream)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The next track, `None` at the end; an error for what makes the rest unreadable (an I/O
    /// error, a ragged CSV row, a line over [`MAX_LINE_BYTES`]).
    pub fn next_record(&mut self) -> Result<Option<Record>, BadInput> {
        let index = self.next;
        let (line, track) = match &mut self.kind {
            Kind::Document(tracks) => match tracks.next() {
                None => return Ok(None),
                Some(t) => (None, Ok(t)),
            },
            Kind::Csv { reader, columns, record } => {
                match reader.read_byte_record(record) {
                    Ok(false) => return Ok(None),
                    Ok(true) => {}
                    Err(e) => return Err(csv_error(&self.name, &format!("CSV row {}", index + 1), e)),
                }
                let line = record.position().map(|p| p.line() as usize);
                (line, files::csv_track(record, columns).into_track(Source::File))
            }
            Kind::Lines { reader, buf, line } => loop {
                buf.clear();
                let n = read_line_limited(reader, buf)
                    .map_err(|e| BadInput::whole(&self.name, format!("line {} cannot be read: {e}", *line + 1)))?;
                if n == 0 {
                    return Ok(None);
                }
                *line += 1;
                if buf.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                break (Some(*line), json_line(buf));
            },
        };
        self.next += 1;
        Ok(Some(Record { index, line, track }))
    }
}

/// One JSON Lines line: a track object, in any of the shapes a single track takes in a document.
fn json_line(bytes: &[u8]) -> Result<TrackFeatures, Rejected> {
    let rejected = |e: InputError| Rejected { problems: vec![e], more: 0 };
    let mut doc = Document::from_json(bytes, 1).map_err(|e| {
        rejected(InputError::expected(
            "(line)",
            format!("a JSON object, one track per line ({e})"),
            &RawValue::Text(String::from_utf8_lossy(bytes).into_owned()),
        ))
    })?;
    if !doc.single || doc.what_if.is_some() {
        return Err(rejected(InputError::Misplaced {
            field: "(line)".into(),
            reason: "a JSON Lines line is one track object (no `tracks`, no `what_if`, not an array)".into(),
        }));
    }
    match doc.tracks(Source::File) {
        Ok(mut t) if t.len() == 1 => Ok(t.pop().expect("one track")),
        Ok(_) => Err(rejected(InputError::Misplaced { field: "(line)".into(), reason: "empty line object".into() })),
        Err(p) => {
            let more = p.more();
            Err(Rejected { problems: p.problems.into_iter().map(|(_, e)| e).collect(), more })
        }
    }
}

fn csv_error(name: &str, what: &str, e: csv::Error) -> BadInput {
    let message = match e.kind() {
        csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::InvalidData => format!("{what}: {io}"),
        _ => format!("{what} cannot be read: {e}"),
    };
    BadInput::whole(name, message)
}

/// Skips leading whitespace without holding it, then tells the format from the first byte (and,
/// for `{`, from whether the first line is a whole object followed by another).
fn sniff(name: &str, reader: &mut BufReader<Box<dyn Read + Send>>) -> Result<Format, BadInput> {
    let err = |e: io::Error| BadInput::whole(name, format!("cannot be read: {e}"));
    loop {
        let buf = reader.fill_buf().map_err(err)?;
        if buf.is_empty() {
            return Ok(Format::Csv); // empty: no tracks, whatever the format
        }
        let skip = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if skip == 0 {
            break;
        }
        reader.consume(skip);
    }
    let buf = reader.fill_buf().map_err(err)?;
    Ok(match buf[0] {
        b'[' => Format::Json,
        b'{' => {
            // JSON Lines when the buffered start holds a whole first line that is a JSON value
            // followed by another line starting with `{`; a pretty-printed document is not
            let Some(end) = buf.iter().position(|b| *b == b'\n') else { return Ok(Format::Json) };
            let first_is_whole = serde_json::from_slice::<serde::de::IgnoredAny>(&buf[..end]).is_ok();
            let next = buf[end..].iter().find(|b| !b.is_ascii_whitespace());
            if first_is_whole && next == Some(&b'{') { Format::JsonLines } else { Format::Json }
        }
        _ => Format::Csv,
    })
}

/// Reads one line (with its `\n`) into `buf`, refusing it once it is over [`MAX_LINE_BYTES`]:
/// a pathological line is never held whole.
fn read_line_limited(reader: &mut BufReader<Box<dyn Read + Send>>, buf: &mut Vec<u8>) -> io::Result<usize> {
    loop {
        let avail = reader.fill_buf()?;
        if avail.is_empty() {
            return Ok(buf.len());
        }
        if let Some(i) = avail.iter().position(|b| *b == b'\n') {
            buf.extend_from_slice(&avail[..=i]);
            reader.consume(i + 1);
            return Ok(buf.len());
        }
        let n = avail.len();
        buf.extend_from_slice(avail);
        reader.consume(n);
        if buf.len() > MAX_LINE_BYTES {
            return Err(line_too_long());
        }
    }
}

fn line_too_long() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("a line is longer than {} MiB (refused as it was read)", MAX_LINE_BYTES >> 20),
    )
}

/// A reader that refuses a line over [`MAX_LINE_BYTES`] as it passes through (under the CSV
/// reader, whose record would otherwise grow with the line).
pub struct LineLimit {
    inner: BufReader<Box<dyn Read + Send>>,
    run: usize,
}

impl LineLimit {
    fn new(inner: BufReader<Box<dyn Read + Send>>) -> LineLimit {
        LineLimit { inner, run: 0 }
    }
}

impl std::fmt::Debug for LineLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineLimit").field("run", &self.run).finish_non_exhaustive()
    }
}

impl Read for LineLimit {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        match out[..n].iter().rposition(|b| *b == b'\n') {
            Some(i) => self.run = n - i - 1,
            None => self.run += n,
        }
        if self.run > MAX_LINE_BYTES {
            return Err(line_too_long());
        }
        Ok(n)
    }
}
