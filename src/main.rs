//! `hitcast`: predict, rank and explain from the command line.
//!
//! Exit codes: 0 success, 2 bad input or usage (the message names the track and field),
//! 1 anything else (model, runtime, I/O).

mod cli;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use hitcast::{Change, Feature, Model, PredictError, Prediction, RawValue, Source, TrackFeatures, WhatIfIn, wire};
use indicatif::{ProgressBar, ProgressStyle};

use cli::output;
use hitcast::audio::AudioReport;
use hitcast::files as input;
use hitcast::stream::TrackStream;

/// Tracks per ONNX run; a progress bar appears from PROGRESS_FROM tracks on.
const CHUNK: usize = hitcast::MAX_BATCH;
const PROGRESS_FROM: usize = 2000;

#[derive(Debug, Parser)]
#[command(
    name = "hitcast",
    version,
    about = "How popular will a track be on Spotify? Predict, rank an album, explain."
)]
struct Cli {
    /// Use this ONNX model instead of the embedded default.
    #[arg(long, global = true, env = "HITCAST_MODEL", value_name = "PATH")]
    model: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Predict one track (a song's audio file, or flags) or many (a CSV, JSON or JSON Lines
    /// file, or - for stdin).
    ///
    /// From an audio file (.wav .flac .mp3 .ogg .m4a …) its duration, loudness, tempo, key and
    /// mode are measured; flags give the rest (--artist-popularity, --genre, --name …) and win
    /// over a measured value. CSV and JSON Lines are streamed (any size, constant memory); a JSON
    /// document is read whole, up to 256 MiB.
    Predict {
        /// A song's audio file, or tracks: .csv, .json, .jsonl/.ndjson, or - for standard input.
        file: Option<PathBuf>,
        #[command(flatten)]
        features: FeatureArgs,
        #[command(flatten)]
        audio: AudioArgs,
        /// Machine-readable JSON output (the HTTP API's document, written as it is ready).
        #[arg(long, conflicts_with = "jsonl")]
        json: bool,
        /// JSON Lines output: one prediction per line, with the track's 0-based `index`.
        #[arg(long)]
        jsonl: bool,
    },
    /// Rank an album's tracks (or a catalogue's): which should be the single?
    ///
    /// From the songs' audio files (or a folder of them: `hitcast rank demos/`), analysed in
    /// parallel; or from one tracks file. Flags apply to every track (e.g. --artist-popularity).
    Rank {
        /// Audio files and folders, or one tracks file: .csv, .json, .jsonl/.ndjson, - for stdin.
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        features: FeatureArgs,
        #[command(flatten)]
        audio: AudioArgs,
        /// Machine-readable JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Measure songs' audio files: duration, loudness, tempo, key and mode (what the model
    /// takes from a file), with the reason for anything not measured.
    Analyse {
        /// Audio files (.wav .flac .mp3 .ogg .m4a …) or folders of them.
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        /// Machine-readable JSON output.
        #[arg(long)]
        json: bool,
    },
    /// What moves one track's expected popularity, and what if you changed it.
    Explain {
        /// A song's audio file, or a file with exactly one track (or use the feature flags).
        file: Option<PathBuf>,
        #[command(flatten)]
        features: FeatureArgs,
        /// What-if: FEATURE=VALUE (repeatable; an empty value makes it missing).
        #[arg(long = "set", value_name = "FEATURE=VALUE")]
        set: Vec<String>,
        /// Machine-readable JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The model's version, training data, metrics and input schema.
    Model {
        /// Machine-readable JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// Options for songs' audio files.
#[derive(Debug, Args)]
struct AudioArgs {
    /// Also send each file (its first 5 MB) to ReccoBeats, a third party, for danceability,
    /// energy, valence and the other perceptual features (builds with the feature `remote`).
    #[arg(long)]
    remote_analysis: bool,
}

/// The model inputs as flags, every one optional (a track needs at least one; `hitcast model`
/// lists them). With a file, a flag overrides that value for every track.
#[derive(Debug, Args)]
struct FeatureArgs {
    /// Track title (shown, and what the title marker and featured artists are derived from)
    #[arg(long)]
    name: Option<String>,
    /// Credited artists, main first, separated by `;` (featured artists are derived from them)
    #[arg(long)]
    artists: Option<String>,
    /// Album name (the album marker is derived from it)
    #[arg(long)]
    album: Option<String>,
    /// 0-1
    #[arg(long, allow_hyphen_values = true)]
    danceability: Option<String>,
    /// 0-1
    #[arg(long, allow_hyphen_values = true)]
    energy: Option<String>,
    /// Pitch class 0-11 (0 = C)
    #[arg(long, allow_hyphen_values = true)]
    key: Option<String>,
    /// dB, -60 to 5
    #[arg(long, allow_hyphen_values = true)]
    loudness: Option<String>,
    /// 0-1: 1 = major, 0 = minor
    #[arg(long, allow_hyphen_values = true)]
    mode: Option<String>,
    /// 0-1
    #[arg(long, allow_hyphen_values = true)]
    speechiness: Option<String>,
    /// 0-1
    #[arg(long, allow_hyphen_values = true)]
    acousticness: Option<String>,
    /// 0-1
    #[arg(long, allow_hyphen_values = true)]
    instrumentalness: Option<String>,
    /// 0-1
    #[arg(long, allow_hyphen_values = true)]
    liveness: Option<String>,
    /// 0-1
    #[arg(long, allow_hyphen_values = true)]
    valence: Option<String>,
    /// BPM, 0-250
    #[arg(long, allow_hyphen_values = true)]
    tempo: Option<String>,
    /// Beats per bar, 0-7
    #[arg(long, allow_hyphen_values = true)]
    time_signature: Option<String>,
    /// Milliseconds, 1000-4000000
    #[arg(long, allow_hyphen_values = true)]
    duration_ms: Option<String>,
    /// The artist's Spotify popularity 0-100
    #[arg(long, allow_hyphen_values = true)]
    artist_popularity: Option<String>,
    /// pop, rock, hip-hop, edm, r&b, latin, other, country, k-pop, indie, folk, jazz or classical
    #[arg(long, allow_hyphen_values = true)]
    genre: Option<String>,
    /// Years since release 0-100, 0 for an unreleased song
    #[arg(long, allow_hyphen_values = true)]
    years_since_release: Option<String>,
    /// 0-6: 0 original, 1 remix, 2 live, 3 acoustic, 4 instrumental, 5 remaster, 6 version
    /// (derived from --name when not given)
    #[arg(long, allow_hyphen_values = true)]
    title_marker: Option<String>,
    /// 0-6: 0 album, 1 live, 2 compilation, 3 soundtrack, 4 deluxe, 5 remaster, 6 remix
    /// (derived from --album when not given)
    #[arg(long, allow_hyphen_values = true)]
    album_marker: Option<String>,
    /// Featured artists beyond the main one, 0-50 (derived from --artists and --name)
    #[arg(long, allow_hyphen_values = true)]
    featured_artists: Option<String>,
}

impl FeatureArgs {
    fn values(&self) -> Vec<(Feature, &str)> {
        // each flag names its feature: reordering the struct or the enum cannot mismatch them
        let all = [
            (Feature::Danceability, &self.danceability),
            (Feature::Energy, &self.energy),
            (Feature::Key, &self.key),
            (Feature::Loudness, &self.loudness),
            (Feature::Mode, &self.mode),
            (Feature::Speechiness, &self.speechiness),
            (Feature::Acousticness, &self.acousticness),
            (Feature::Instrumentalness, &self.instrumentalness),
            (Feature::Liveness, &self.liveness),
            (Feature::Valence, &self.valence),
            (Feature::Tempo, &self.tempo),
            (Feature::TimeSignature, &self.time_signature),
            (Feature::DurationMs, &self.duration_ms),
            (Feature::ArtistPopularity, &self.artist_popularity),
            (Feature::Genre, &self.genre),
            (Feature::YearsSinceRelease, &self.years_since_release),
            (Feature::TitleMarker, &self.title_marker),
            (Feature::AlbumMarker, &self.album_marker),
            (Feature::FeaturedArtists, &self.featured_artists),
        ];
        all.into_iter().filter_map(|(f, v)| v.as_deref().map(|v| (f, v))).collect()
    }

    fn is_empty(&self) -> bool {
        self.name.is_none() && self.artists.is_none() && self.album.is_none() && self.values().is_empty()
    }

    /// Applies the flags to a track (user values override the file's).
    fn apply(&self, t: &mut TrackFeatures) -> Result<(), hitcast::InputError> {
        if let Some(n) = &self.name {
            t.name = Some(n.clone());
        }
        if let Some(a) = &self.artists {
            t.artists = hitcast::input::split_artists(a);
        }
        if let Some(a) = &self.album {
            t.album = Some(a.clone());
        }
        for (f, v) in self.values() {
            t.set_text(f, v, Source::User)?;
        }
        Ok(())
    }
}

/// Marks an error as the user's (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UserError(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let user = e.downcast_ref::<UserError>().is_some()
                || e.downcast_ref::<input::BadInput>().is_some()
                || e.downcast_ref::<cli::stream::StreamProblems>().is_some()
                // a --model file that cannot be read or is too large is the user's to fix
                || matches!(
                    e.downcast_ref::<hitcast::ModelError>(),
                    Some(hitcast::ModelError::Read { .. } | hitcast::ModelError::TooLarge { .. })
                )
                || matches!(
                    e.downcast_ref::<PredictError>(),
                    Some(PredictError::Invalid(_) | PredictError::InvalidChange(_))
                );
            eprintln!("error: {}", format!("{e:#}").trim_end());
            ExitCode::from(if user { 2 } else { 1 })
        }
    }
}

fn load_model(path: Option<&PathBuf>) -> Result<Model> {
    match path {
        Some(p) => Model::from_path(p).with_context(|| format!("load model {}", p.display())),
        None => Model::embedded().context("load the embedded model"),
    }
}

fn tracks_from(file: Option<&PathBuf>, flags: &FeatureArgs) -> Result<input::Tracks> {
    let mut read = match file {
        Some(f) => one_track(TrackStream::open(f)?)?,
        None if flags.is_empty() => {
            bail!(UserError("give the track's features as flags (see --help) or a JSON/CSV file".into()))
        }
        None => input::Tracks { tracks: vec![TrackFeatures::default()], single: true, what_if: None },
    };
    for t in &mut read.tracks {
        flags.apply(t).map_err(|e| UserError(e.to_string()))?;
    }
    Ok(read)
}

/// Tracks made from audio files: the flags first (they win), then what each file measured,
/// then what the core derives. Files that cannot be analysed are kept as errors, in order.
struct FromAudio {
    tracks: Vec<TrackFeatures>,
    reports: Vec<hitcast::audio::AudioReport>,
    failed: Vec<hitcast::audio::AudioError>,
}

fn from_audio(model: &Model, files: &[PathBuf], flags: &FeatureArgs, opts: &AudioArgs) -> Result<FromAudio> {
    if opts.remote_analysis && !cfg!(feature = "remote") {
        bail!(UserError(
            "--remote-analysis needs a build with the feature `remote` (cargo build --release --features remote); \
             the API and the Discord bot offer it too"
                .into()
        ));
    }
    let mut out = FromAudio { tracks: Vec::new(), reports: Vec::new(), failed: Vec::new() };
    for (path, r) in files.iter().zip(cli::audio::analyse_all(files)) {
        let shown = path.display().to_string();
        match r {
            Ok(a) => {
                let mut given = TrackFeatures::default();
                flags.apply(&mut given).map_err(|e| UserError(e.to_string()))?;
                #[cfg_attr(not(feature = "remote"), expect(unused_mut, reason = "filled only by the remote analysis"))]
                let (mut t, mut report) =
                    hitcast::audio::track_from(&shown, out.tracks.len(), &a, given, model.schema());
                #[cfg(feature = "remote")]
                if opts.remote_analysis {
                    remote_fill(path, &shown, &mut t, &mut report, model)?;
                }
                out.reports.push(report);
                out.tracks.push(model.with_derived(&t));
            }
            Err(e) => {
                out.reports.push(hitcast::audio::AudioReport::failed(&shown, &e));
                out.failed.push(e);
            }
        }
    }
    Ok(out)
}

/// ReccoBeats' analysis of one file, filling what is still missing (a failure is a note).
#[cfg(feature = "remote")]
fn remote_fill(
    path: &std::path::Path,
    shown: &str,
    t: &mut TrackFeatures,
    report: &mut hitcast::audio::AudioReport,
    model: &Model,
) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("read {shown}"))?;
    // the file's name only: a local path is not the third party's business
    let name = path.file_name().map_or_else(|| "audio".into(), |n| n.to_string_lossy().into_owned());
    match hitcast::audio::remote_part(&name, &bytes).map(|part| cli::remote::analyse(&name, part)) {
        Some(Ok(f)) => hitcast::audio::fill_remote(t, &f, model.schema(), report),
        Some(Err(why)) => report.measured.notes.push(format!("ReccoBeats: {why}; predicted without it")),
        None => report.measured.notes.push("ReccoBeats: an M4A over 5 MB is not sent; predicted without it".into()),
    }
    Ok(())
}

/// Checks the feature flags once (a bad value is exit 2 before any track is read).
fn flags_checked(flags: &FeatureArgs) -> Result<()> {
    flags.apply(&mut TrackFeatures::default()).map_err(|e| UserError(e.to_string()))?;
    Ok(())
}

/// The one track of an input (`explain`, or a JSON document holding one track object): read as
/// a stream, any other track only counted, never held.
fn one_track(mut stream: TrackStream) -> Result<input::Tracks> {
    let what_if = stream.what_if.take();
    let mut first = None;
    let mut n = 0usize;
    while let Some(r) = stream.next_record()? {
        n += 1;
        if n == 1 {
            first = Some(r);
        }
    }
    let (1, Some(r)) = (n, first) else {
        bail!(UserError(format!("explain takes one track; {} has {n}", stream.name())))
    };
    match r.track {
        Ok(t) => Ok(input::Tracks { tracks: vec![t], single: true, what_if }),
        Err(rejected) => {
            let at = r.line.map(|l| format!(" (line {l})")).unwrap_or_default();
            let problems: Vec<String> = rejected.problems.iter().map(ToString::to_string).collect();
            bail!(UserError(format!("{}{at}: {}", stream.name(), problems.join("; "))))
        }
    }
}

/// Predicts in chunks with a progress bar on large inputs; reports every invalid track at once.
fn predict_all(model: &Model, tracks: &[TrackFeatures]) -> Result<Vec<Prediction>> {
    let bar = if tracks.len() >= PROGRESS_FROM && std::io::stderr().is_terminal() {
        let b = ProgressBar::new(tracks.len() as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} tracks, {per_sec}, eta {eta}").expect("valid template"),
        );
        Some(b)
    } else {
        None
    };
    let mut out = Vec::with_capacity(tracks.len());
    let mut invalid = Vec::new();
    for (c, chunk) in tracks.chunks(CHUNK).enumerate() {
        match model.predict(chunk) {
            Ok(p) => out.extend(p),
            Err(PredictError::Invalid(rows)) => invalid.extend(rows.into_iter().map(|mut r| {
                r.row += c * CHUNK;
                r
            })),
            Err(e) => return Err(e.into()),
        }
        if let Some(b) = &bar {
            b.inc(chunk.len() as u64);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if !invalid.is_empty() {
        return Err(PredictError::Invalid(invalid).into());
    }
    Ok(out)
}

fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`hitcast … | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("write to standard output"),
    }
}

/// Writes to standard output as it goes, through a buffer; a closed pipe is not an error.
fn write_out(f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
    match f(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("write to standard output"),
    }
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    write_out(|out| {
        serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::from)?;
        out.write_all(b"\n")
    })
}

/// `--set FEATURE=VALUE` flags, after the file's own `what_if` (a flag wins over the file).
fn what_if_changes(file: Option<WhatIfIn>, set: &[String]) -> Result<Vec<Change>> {
    let mut changes = file.map(|w| w.changes).unwrap_or_default();
    let mut flags = WhatIfIn::default();
    for s in set {
        let (name, value) =
            s.split_once('=').ok_or_else(|| UserError(format!("--set {s:?}: expected FEATURE=VALUE")))?;
        flags.set(name.trim(), &RawValue::Text(value.to_string()));
    }
    if let Some(e) = flags.problems.first() {
        bail!(UserError(format!("--set {e}")));
    }
    changes.retain(|c| flags.changes.iter().all(|f| f.feature != c.feature));
    changes.extend(flags.changes);
    Ok(changes)
}

/// `explain`'s answer for one track: the drivers, the what-if, then what its file gave (`audio`,
/// when it came from one).
fn explain(model: &Model, track: &TrackFeatures, changes: &[Change], json: bool, audio: &[AudioReport]) -> Result<()> {
    let explanation = model.explain(track)?;
    let what_if = if changes.is_empty() { None } else { Some(model.what_if(track, changes)?) };
    if json {
        return print_json(
            &wire::ExplainResponse::new(model.version(), &explanation, what_if.as_ref()).with_audio(audio),
        );
    }
    let mut text = output::explanation(model, track, &explanation);
    if let Some(w) = &what_if {
        text += &output::what_if(w);
    }
    print(&(text + &cli::audio::notes(audio)))
}

/// Where the model came from, as `/v1/model` says it.
fn model_source(path: Option<&PathBuf>) -> String {
    match path {
        Some(p) => format!("file {}", p.display()),
        None => "embedded".to_string(),
    }
}

fn run(cli: Cli) -> Result<()> {
    let model_path = cli.model.as_ref();
    match cli.command {
        Command::Predict { file: Some(file), features, audio, json, jsonl } if hitcast::audio::is_audio_path(&file) => {
            let model = load_model(model_path)?;
            flags_checked(&features)?;
            let mut done = from_audio(&model, std::slice::from_ref(&file), &features, &audio)?;
            let failed = done.failed.pop();
            if let Some(e) = failed {
                bail!(UserError(e.to_string()));
            }
            let preds = predict_all(&model, &done.tracks)?;
            if jsonl {
                let line = serde_json::to_string(&wire::PredictionOut::new(&done.tracks[0], &preds[0]))?;
                print(&format!("{{\"index\":0,{}\n", &line[1..]))
            } else if json {
                print_json(
                    &wire::PredictResponse::new(model.version(), &done.tracks, &preds, true).with_audio(&done.reports),
                )
            } else {
                print(&(output::predictions(&done.tracks, &preds) + &cli::audio::notes(&done.reports)))
            }
        }
        Command::Predict { file, features, audio, json, jsonl } => {
            if audio.remote_analysis {
                bail!(UserError("--remote-analysis is for a song's audio file".into()));
            }
            let model = load_model(model_path)?;
            // the flags are checked once, before any track is read
            flags_checked(&features)?;
            let stream = match &file {
                Some(f) => Some(TrackStream::open(f)?),
                None => None,
            };
            match stream {
                Some(stream) if !stream.single => {
                    if stream.what_if.is_some() {
                        bail!(UserError("`what_if` in the file is for `hitcast explain`, not `predict`".into()));
                    }
                    let format = match (json, jsonl) {
                        (_, true) => cli::stream::Out::JsonLines,
                        (true, _) => cli::stream::Out::Json,
                        _ => cli::stream::Out::Table,
                    };
                    cli::stream::predict(
                        &model,
                        stream,
                        |t| {
                            // checked above: cannot fail here
                            let _ = features.apply(t);
                            model.derive_into(t);
                        },
                        format,
                    )
                }
                stream => {
                    // one track: from the flags, or a JSON document of one track object
                    let read = match stream {
                        Some(s) => one_track(s)?,
                        None => tracks_from(None, &features)?,
                    };
                    let mut tracks = read.tracks;
                    for t in &mut tracks {
                        features.apply(t).map_err(|e| UserError(e.to_string()))?;
                    }
                    if read.what_if.is_some() {
                        bail!(UserError("`what_if` in the file is for `hitcast explain`, not `predict`".into()));
                    }
                    // inputs derived from the titles and albums are shown with their source
                    let tracks: Vec<TrackFeatures> = tracks.iter().map(|t| model.with_derived(t)).collect();
                    let preds = predict_all(&model, &tracks)?;
                    if jsonl {
                        let line = serde_json::to_string(&wire::PredictionOut::new(&tracks[0], &preds[0]))?;
                        print(&format!("{{\"index\":0,{}\n", &line[1..]))
                    } else if json {
                        print_json(&wire::PredictResponse::new(model.version(), &tracks, &preds, true))
                    } else {
                        print(&output::predictions(&tracks, &preds))
                    }
                }
            }
        }
        Command::Rank { files, features, audio, json } if cli::audio::is_audio_input(&files) => {
            let files = cli::audio::files(&files)?;
            let model = load_model(model_path)?;
            flags_checked(&features)?;
            let done = from_audio(&model, &files, &features, &audio)?;
            if !done.tracks.is_empty() {
                let ranking = model.rank(&done.tracks)?;
                if json {
                    print_json(&wire::RankResponse::new(model.version(), &ranking).with_audio(&done.reports))?;
                } else {
                    write_out(|out| output::write_ranking(out, &ranking))?;
                    print(&cli::audio::notes(&done.reports))?;
                }
            }
            if !done.failed.is_empty() {
                let lines: Vec<String> = done.failed.iter().map(|e| format!("  {e}")).collect();
                bail!(UserError(format!(
                    "{} of {} files could not be analysed{}:\n{}",
                    done.failed.len(),
                    files.len(),
                    if done.tracks.is_empty() { "" } else { " (the rest are ranked above)" },
                    lines.join("\n")
                )));
            }
            Ok(())
        }
        Command::Rank { files, features, audio, json } => {
            if audio.remote_analysis {
                bail!(UserError("--remote-analysis is for songs' audio files".into()));
            }
            let [file] = files.as_slice() else {
                bail!(UserError(
                    "rank takes one tracks file (.csv, .json, .jsonl, -), or audio files and folders".into()
                ))
            };
            flags_checked(&features)?;
            let stream = TrackStream::open(file)?;
            if stream.what_if.is_some() {
                bail!(UserError("`what_if` in the file is for `hitcast explain`, not `rank`".into()));
            }
            let model = load_model(model_path)?;
            let ranking = cli::stream::rank(&model, stream, |t| {
                // checked above: cannot fail here
                let _ = features.apply(t);
            })?;
            if json {
                print_json(&wire::RankResponse::new(model.version(), &ranking))
            } else {
                write_out(|out| output::write_ranking(out, &ranking))
            }
        }
        Command::Explain { file: Some(file), features, set, json } if hitcast::audio::is_audio_path(&file) => {
            // a song's file: measured, the flags on top, then explained like any track
            let model = load_model(model_path)?;
            flags_checked(&features)?;
            let mut done =
                from_audio(&model, std::slice::from_ref(&file), &features, &AudioArgs { remote_analysis: false })?;
            if let Some(e) = done.failed.pop() {
                bail!(UserError(e.to_string()));
            }
            let changes = what_if_changes(None, &set)?;
            explain(&model, &done.tracks[0], &changes, json, &done.reports)
        }
        Command::Explain { file, features, set, json } => {
            let read = tracks_from(file.as_ref(), &features)?;
            let Some(track) = read.tracks.first() else { bail!(UserError("explain takes one track".into())) };
            let changes = what_if_changes(read.what_if.clone(), &set)?;
            let model = load_model(model_path)?;
            explain(&model, track, &changes, json, &[])
        }
        Command::Analyse { files, json } => {
            let files = cli::audio::files(&files)?;
            let results = cli::audio::analyse_all(&files);
            let mut done = Vec::new();
            let mut failed = Vec::new();
            for (path, r) in files.into_iter().zip(results) {
                match r {
                    Ok(a) => done.push((path, a)),
                    Err(e) => failed.push(e),
                }
            }
            if json {
                let out: Vec<hitcast::audio::AnalysisOut> =
                    done.iter().map(|(p, a)| hitcast::audio::AnalysisOut::new(&p.display().to_string(), a)).collect();
                if !out.is_empty() {
                    print_json(&out)?;
                }
            } else if !done.is_empty() {
                print(&cli::audio::table(&done))?;
            }
            if !failed.is_empty() {
                let lines: Vec<String> = failed.iter().map(ToString::to_string).collect();
                bail!(UserError(lines.join("\n")));
            }
            Ok(())
        }
        Command::Model { json } => {
            let model = load_model(model_path)?;
            if json {
                print_json(&wire::ModelResponse::new(model.info(), model.schema(), model_source(model_path), None))
            } else {
                print(&output::model(&model))
            }
        }
    }
}
