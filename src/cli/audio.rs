//! Songs' audio files in: `hitcast analyse`, and `predict`/`rank` from files. Files are analysed
//! in parallel, one per core, with a progress bar on a terminal.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use hitcast::audio::{self, Analysis, AudioError};
use indicatif::{ProgressBar, ProgressStyle};

use crate::UserError;

/// Whether the command's inputs are audio files or folders (rather than one tracks file).
pub fn is_audio_input(paths: &[PathBuf]) -> bool {
    paths.iter().any(|p| audio::is_audio_path(p) || p.is_dir())
}

/// The audio files named, a folder standing for the audio files directly inside it (sorted by
/// name). Anything else is refused by name.
pub fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries =
                std::fs::read_dir(p).map_err(|e| UserError(format!("cannot read folder {}: {e}", p.display())))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|f| f.is_file() && audio::is_audio_path(f))
                .collect();
            if found.is_empty() {
                bail!(UserError(format!(
                    "{} has no audio files ({})",
                    p.display(),
                    audio::EXTENSIONS.map(|e| format!(".{e}")).join(", ")
                )));
            }
            found.sort();
            out.extend(found);
        } else if audio::is_audio_path(p) {
            out.push(p.clone());
        } else {
            bail!(UserError(format!(
                "{}: give either one tracks file (.csv, .json, .jsonl) or audio files and folders ({}), not both",
                p.display(),
                audio::EXTENSIONS.map(|e| format!(".{e}")).join(", ")
            )));
        }
    }
    Ok(out)
}

/// Analyses every file, up to one per core at once; results in the files' order.
pub fn analyse_all(files: &[PathBuf]) -> Vec<Result<Analysis, AudioError>> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let bar = (files.len() > 1 && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::new(files.len() as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} files analysed, {elapsed}, eta {eta}")
                .expect("valid template"),
        );
        b
    });
    let results = audio::map_parallel(
        files,
        workers,
        |p| audio::analyse_file(p),
        || {
            if let Some(b) = &bar {
                b.inc(1);
            }
        },
    );
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    results
}

/// A file's name as shown.
pub fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// `hitcast analyse`'s table.
pub fn table(done: &[(PathBuf, Analysis)]) -> String {
    use std::fmt::Write;
    let mut s = format!("{:<32} {:>8} {:>9} {:>9} {:<10}\n", "file", "length", "loudness", "tempo", "key");
    for (path, a) in done {
        let secs = (a.duration_ms / 1000.0).round() as u64;
        let name = path.file_name().map_or_else(|| shown(path), |n| n.to_string_lossy().into_owned());
        let _ = writeln!(
            s,
            "{:<32} {:>8} {:>9} {:>9} {:<10}",
            truncate(&name, 32),
            format!("{}:{:02}", secs / 60, secs % 60),
            a.loudness.map_or("—".into(), |v| format!("{v:.1} LUFS")),
            a.tempo.map_or("—".into(), |v| format!("{v:.1} BPM")),
            a.key.zip(a.mode).map_or("—".into(), |(k, m)| audio::key_name(k, m)),
        );
        let alternatives = alternatives(a);
        if !alternatives.is_empty() {
            let _ = writeln!(s, "  also plausible: {}", alternatives.join("; "));
        }
        for n in a.notes.iter().filter(|n| !n.starts_with("time_signature")) {
            let _ = writeln!(s, "  {n}");
        }
    }
    s
}

/// The other octave of the tempo and the runner-up key, when they score almost as well.
fn alternatives(a: &Analysis) -> Vec<String> {
    let tempo = a
        .tempo
        .zip(a.tempo_alternative)
        .map(|(t, alt)| format!("{alt:.1} BPM ({})", if alt > t { "double" } else { "half" }));
    let key = a.key_alternative.map(|k| format!("{} ({})", audio::key_name(k.key, k.mode), k.relation));
    tempo.into_iter().chain(key).collect()
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).chain(['…']).collect() }
}

/// What the files gave, under a prediction or a ranking: given values that won over measured
/// ones, and why a measurement is missing.
pub fn notes(reports: &[audio::AudioReport]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    for r in reports.iter().filter(|r| r.error.is_none()) {
        let m = &r.measured;
        let measured: Vec<&str> = m.measured.iter().map(|f| f.name()).collect();
        let _ = writeln!(
            s,
            "\n{}: measured {}",
            r.file,
            if measured.is_empty() { "nothing".into() } else { measured.join(", ") }
        );
        for o in &m.overridden {
            let _ = writeln!(s, "  {}: your value was used (the file measured {})", o.feature, o.measured);
        }
        for n in m.notes.iter().filter(|n| !n.starts_with("time_signature")) {
            let _ = writeln!(s, "  {n}");
        }
    }
    s
}
