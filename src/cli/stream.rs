//! `predict` and `rank` over a stream of tracks, in constant memory (`rank` keeps each track's
//! position, name and prediction): one thread reads and parses batches of tracks, the other runs
//! the model on them and writes the output as it is ready, through a reused buffer.
//!
//! A track that cannot be read or is out of range stops the output at the batch before it (a
//! `--json` document is still closed); the rest of the input is only checked, so every problem
//! is reported at once, with its track and line, and the exit code is 2. An input that fits in
//! one batch (an album) is therefore written in full or not at all.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::sync::mpsc;

use anyhow::{Context, Result};
use hitcast::stream::{Record, TrackStream};
use hitcast::wire::BANDS;
use hitcast::{MAX_BATCH, Model, PredictError, Prediction, RankedTrack, TrackFeatures, wire};
use indicatif::{ProgressBar, ProgressStyle};

use super::output;

/// How predictions are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Out {
    Table,
    /// The HTTP API's document (`{"model_version": …, "predictions": [...]}`), one prediction per line.
    Json,
    /// One JSON object per line, with the track's 0-based `index` in the input.
    JsonLines,
}

/// Everything wrong with a streamed input: the first [`hitcast::MAX_PROBLEMS`] lines, and a count.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct StreamProblems {
    input: String,
    lines: Vec<String>,
    more: usize,
    written: Option<usize>,
}

impl StreamProblems {
    /// One problem of track `index` (0-based), with its line and name where known.
    fn push(&mut self, index: usize, line: Option<usize>, name: Option<&str>, message: impl std::fmt::Display) {
        if self.lines.len() >= hitcast::MAX_PROBLEMS {
            self.more += 1;
            return;
        }
        let at: Vec<String> = line.map(|l| format!("line {l}")).into_iter().chain(name.map(str::to_string)).collect();
        self.lines.push(if at.is_empty() {
            format!("track {}: {message}", index + 1)
        } else {
            format!("track {} ({}): {message}", index + 1, at.join(", "))
        });
    }

    fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    fn count(&self) -> usize {
        self.lines.len() + self.more
    }

    fn render(&self) -> String {
        let mut s = format!("{} has {} problem(s):", self.input, self.lines.len() + self.more);
        for l in &self.lines {
            let _ = write!(s, "\n  {l}");
        }
        if self.more > 0 {
            let _ = write!(s, "\n  … and {} more", self.more);
        }
        if let Some(n) = self.written.filter(|n| *n > 0) {
            let _ =
                write!(s, "\n(the output stops after the first {n} tracks, before the batch with the first problem)");
        }
        s
    }
}

/// A batch of records, in input order.
struct Batch {
    records: Vec<Record>,
}

/// Reads batches on their own thread; `prepare` runs there on every track (flags, derived inputs).
fn read_batches<'s>(
    scope: &'s std::thread::Scope<'s, '_>,
    mut stream: TrackStream,
    prepare: impl Fn(&mut TrackFeatures) + Send + 's,
) -> (mpsc::Receiver<Batch>, std::thread::ScopedJoinHandle<'s, Result<(), hitcast::files::BadInput>>) {
    let (tx, rx) = mpsc::sync_channel::<Batch>(2);
    let handle = scope.spawn(move || {
        loop {
            let mut records = Vec::with_capacity(MAX_BATCH);
            while records.len() < MAX_BATCH {
                match stream.next_record()? {
                    None => break,
                    Some(mut r) => {
                        if let Ok(t) = &mut r.track {
                            prepare(t);
                        }
                        records.push(r);
                    }
                }
            }
            let last = records.len() < MAX_BATCH;
            if !records.is_empty() && tx.send(Batch { records }).is_err() {
                return Ok(()); // the writer stopped (a closed pipe)
            }
            if last {
                return Ok(());
            }
        }
    });
    (rx, handle)
}

fn progress() -> Option<ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let b = ProgressBar::new_spinner();
        b.set_style(ProgressStyle::with_template("{spinner} {pos} tracks, {per_sec}").expect("valid template"));
        b
    })
}

/// Writes to standard output; a closed pipe (`hitcast … | head`) ends the output quietly.
struct Stdout {
    out: io::BufWriter<io::StdoutLock<'static>>,
    closed: bool,
}

impl Stdout {
    fn new() -> Stdout {
        Stdout { out: io::BufWriter::with_capacity(256 * 1024, io::stdout().lock()), closed: false }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.out.write_all(bytes) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other.context("write to standard output"),
        }
    }

    fn finish(mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.out.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other.context("write to standard output"),
        }
    }
}

/// Writes predictions as they come, in the chosen format.
struct Writer {
    out: Stdout,
    format: Out,
    buf: Vec<u8>,
    written: usize,
    version: String,
}

impl Writer {
    fn begin(&mut self) -> Result<()> {
        self.buf.clear();
        match self.format {
            Out::Table => self.buf.extend_from_slice(output::table_header(false).as_bytes()),
            Out::Json => {
                self.buf.extend_from_slice(b"{\"model_version\":");
                serde_json::to_writer(&mut self.buf, &self.version)?;
                self.buf.extend_from_slice(b",\"bands\":");
                serde_json::to_writer(&mut self.buf, &BANDS)?;
                self.buf.extend_from_slice(b",\"predictions\":[");
            }
            Out::JsonLines => {}
        }
        let buf = std::mem::take(&mut self.buf);
        self.out.write(&buf)?;
        self.buf = buf;
        Ok(())
    }

    fn batch(&mut self, records: &[Record], tracks: &[TrackFeatures], preds: &[Prediction]) -> Result<()> {
        self.buf.clear();
        for ((r, t), p) in records.iter().zip(tracks).zip(preds) {
            match self.format {
                Out::Table => {
                    self.buf.extend_from_slice(output::table_row(r.index + 1, &output::title(t, r.index), p).as_bytes())
                }
                Out::Json => {
                    self.buf.extend_from_slice(if self.written == 0 { b"\n" } else { b",\n" });
                    wire::write_prediction(&mut self.buf, None, t, p);
                }
                Out::JsonLines => {
                    wire::write_prediction(&mut self.buf, Some(r.index), t, p);
                    self.buf.push(b'\n');
                }
            }
            self.written += 1;
        }
        let buf = std::mem::take(&mut self.buf);
        self.out.write(&buf)?;
        self.buf = buf;
        Ok(())
    }

    fn end(mut self) -> Result<()> {
        match self.format {
            Out::Table => self.out.write(format!("model {}\n", self.version).as_bytes())?,
            Out::Json => self.out.write(b"\n]}\n")?,
            Out::JsonLines => {}
        }
        self.out.finish()
    }
}

/// The batch's tracks (a placeholder where one could not be read), or `None` when it has a
/// problem. Once a problem was seen (`checking`), tracks are also checked against the schema
/// here; before, [`Model::predict`] does it.
fn check_batch(
    model: &Model,
    batch: &mut Batch,
    problems: &mut StreamProblems,
    checking: bool,
) -> Option<Vec<TrackFeatures>> {
    let mut tracks = Vec::with_capacity(batch.records.len());
    let before = problems.count();
    for r in &mut batch.records {
        match std::mem::replace(&mut r.track, Ok(TrackFeatures::default())) {
            Ok(t) => {
                if checking && let Err(e) = model.schema().validate(&t) {
                    problems.push(r.index, r.line, t.name.as_deref(), e);
                }
                tracks.push(t);
            }
            Err(rejected) => {
                for e in rejected.problems {
                    problems.push(r.index, r.line, None, e);
                }
                problems.more += rejected.more;
                tracks.push(TrackFeatures::default());
            }
        }
    }
    (problems.count() == before).then_some(tracks)
}

/// Predicts a batch that was read whole; an out-of-range track is a problem (and `None`).
fn predict_batch(
    model: &Model,
    batch: &Batch,
    tracks: &[TrackFeatures],
    problems: &mut StreamProblems,
) -> Result<Option<Vec<Prediction>>> {
    match model.predict(tracks) {
        Ok(p) => Ok(Some(p)),
        Err(PredictError::Invalid(rows)) => {
            for row in rows {
                let r = &batch.records[row.row];
                problems.push(r.index, r.line, row.name.as_deref(), hitcast::Invalid { problems: row.problems });
            }
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// One batch checked and, while no problem has been seen, predicted: its tracks (as the model
/// saw them) and their predictions. After the first problem, batches are only checked (`None`).
fn predicted(
    model: &Model,
    batch: &mut Batch,
    problems: &mut StreamProblems,
    bar: Option<&ProgressBar>,
) -> Result<Option<(Vec<TrackFeatures>, Vec<Prediction>)>> {
    let checking = !problems.is_empty();
    let Some(tracks) = check_batch(model, batch, problems, checking) else { return Ok(None) };
    if checking {
        return Ok(None);
    }
    let Some(preds) = predict_batch(model, batch, &tracks, problems)? else { return Ok(None) };
    if let Some(b) = bar {
        b.inc(tracks.len() as u64);
    }
    Ok(Some((tracks, preds)))
}

/// What the model thread hands the writer thread.
enum ToWriter {
    Batch(Vec<Record>, Vec<TrackFeatures>, Vec<Prediction>),
    /// The input is over; `ok`: it had tracks and no problem.
    End {
        ok: bool,
    },
}

fn new_writer(format: Out, version: &str) -> Result<Writer> {
    let mut w = Writer {
        out: Stdout::new(),
        format,
        buf: Vec::with_capacity(256 * 1024),
        written: 0,
        version: version.to_string(),
    };
    w.begin()?;
    Ok(w)
}

/// The writer thread: writes batches as they come. A table holds its first batch until a
/// second comes (a single track in all is shown in full). Returns how many tracks were written.
fn write_batches(format: Out, version: &str, batches: mpsc::Receiver<ToWriter>) -> Result<usize> {
    let mut writer: Option<Writer> = None;
    let mut first: Option<(Vec<Record>, Vec<TrackFeatures>, Vec<Prediction>)> = None;
    for msg in batches {
        match msg {
            ToWriter::Batch(records, tracks, preds) => {
                if format == Out::Table && writer.is_none() && first.is_none() {
                    first = Some((records, tracks, preds));
                    continue;
                }
                let w = match &mut writer {
                    Some(w) => w,
                    None => writer.insert(new_writer(format, version)?),
                };
                if let Some((r, t, p)) = first.take() {
                    w.batch(&r, &t, &p)?;
                }
                w.batch(&records, &tracks, &preds)?;
                if w.out.closed {
                    return Ok(w.written); // a closed pipe: the model thread stops on the next send
                }
            }
            ToWriter::End { ok } => {
                if let Some((records, tracks, preds)) = first.take()
                    && ok
                {
                    if tracks.len() == 1 {
                        let mut out = Stdout::new();
                        out.write(output::predictions(&tracks, &preds).as_bytes())?;
                        out.finish()?;
                        return Ok(1);
                    }
                    let w = writer.insert(new_writer(format, version)?);
                    w.batch(&records, &tracks, &preds)?;
                }
                if writer.is_none() && ok {
                    writer = Some(new_writer(format, version)?);
                }
                return match writer {
                    Some(w) => {
                        let n = w.written;
                        w.end()?;
                        Ok(n)
                    }
                    None => Ok(0),
                };
            }
        }
    }
    Ok(writer.map_or(0, |w| w.written))
}

/// `hitcast predict` on a stream: a reader thread, the model on this one, a writer thread.
pub fn predict(
    model: &Model,
    stream: TrackStream,
    prepare: impl Fn(&mut TrackFeatures) + Send,
    format: Out,
) -> Result<()> {
    let source = stream.name().to_string();
    let mut problems = StreamProblems { input: source.clone(), lines: Vec::new(), more: 0, written: None };
    let bar = progress();
    let mut seen = 0usize;
    let version = model.version().to_string();
    let (read, written) = std::thread::scope(|scope| -> Result<_> {
        let (batches, reader) = read_batches(scope, stream, prepare);
        let (to_writer, from_model) = mpsc::sync_channel::<ToWriter>(2);
        let writer = scope.spawn(|| write_batches(format, &version, from_model));
        for mut batch in batches {
            seen += batch.records.len();
            let Some((tracks, preds)) = predicted(model, &mut batch, &mut problems, bar.as_ref())? else { continue };
            if to_writer.send(ToWriter::Batch(batch.records, tracks, preds)).is_err() {
                break; // the writer stopped: a closed pipe, or an error it returns below
            }
        }
        let _ = to_writer.send(ToWriter::End { ok: seen > 0 && problems.is_empty() });
        drop(to_writer);
        let written = writer.join().expect("the writer thread does not panic");
        Ok((reader.join().expect("the reader thread does not panic"), written))
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    read?;
    let written = written?;
    if seen == 0 {
        anyhow::bail!(crate::UserError(format!("{source} has no tracks")));
    }
    if !problems.is_empty() {
        problems.written = Some(written);
        return Err(problems.into());
    }
    Ok(())
}

/// `hitcast rank` on a stream: each track's position, name and prediction are kept, then sorted.
pub fn rank(
    model: &Model,
    stream: TrackStream,
    prepare: impl Fn(&mut TrackFeatures) + Send,
) -> Result<hitcast::Ranking> {
    let source = stream.name().to_string();
    let mut problems = StreamProblems { input: source.clone(), lines: Vec::new(), more: 0, written: None };
    let bar = progress();
    let mut ranked: Vec<RankedTrack> = Vec::new();
    let read = std::thread::scope(|scope| -> Result<Result<(), hitcast::files::BadInput>> {
        let (batches, reader) = read_batches(scope, stream, prepare);
        for mut batch in batches {
            let Some((tracks, preds)) = predicted(model, &mut batch, &mut problems, bar.as_ref())? else { continue };
            for ((r, t), prediction) in batch.records.iter().zip(tracks).zip(preds) {
                ranked.push(RankedTrack { rank: 0, index: r.index, name: t.name, prediction });
            }
        }
        Ok(reader.join().expect("the reader thread does not panic"))
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    read?;
    if !problems.is_empty() {
        return Err(problems.into());
    }
    if ranked.is_empty() {
        anyhow::bail!(crate::UserError(format!("{source} has no tracks")));
    }
    Ok(model.ranking(ranked))
}
