//! Hitcast's audio analysis: a song's file in, what is physically measurable out — duration,
//! loudness, tempo, key and mode — in pure Rust (symphonia decodes FLAC, MP3, Ogg Vorbis and
//! AAC/M4A, our own reader WAV; ebur128 measures loudness; realfft the spectra).
//!
//! The file is decoded packet by packet and downmixed as it goes: what is kept is a few numbers
//! per 23 ms frame (an onset strength) and twelve running sums (a chroma profile), never the
//! whole signal, so memory does not grow with the file's length beyond ~200 KB per 10 minutes.
//!
//! Nothing is invented: a measurement that is not trustworthy (silence, noise, speech, no
//! steady beat, no clear tonal centre) is `None`, with the reason in [`Analysis::notes`].
//! `time_signature` is not measured, and the perceptual features (danceability, energy, …) are
//! not this crate's: the model predicts without them.
//!
//! This crate knows nothing of the model; the fronts turn an [`Analysis`] into inputs tagged with
//! where they came from.

mod decode;
mod frames;
mod key;
pub mod synth;
mod tempo;
mod wav;

use std::path::Path;

pub use decode::MAX_DURATION_SECS;

/// File extensions this build decodes (lower case; a file's extension is a hint, not trusted).
pub const EXTENSIONS: [&str; 10] = ["wav", "wave", "flac", "mp3", "ogg", "oga", "m4a", "mp4", "aac", "adts"];

/// Whether a path names an audio file by its extension.
pub fn is_audio_path(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// A key's name: `key_name(6, 0)` is "F♯ minor".
pub fn key_name(key: u8, mode: u8) -> String {
    const NAMES: [&str; 12] = ["C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B"];
    let name = NAMES.get(key as usize).copied().unwrap_or("?");
    format!("{name} {}", if mode == 1 { "major" } else { "minor" })
}

/// What was measured in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Length of the decoded audio, in milliseconds.
    pub duration_ms: f64,
    /// EBU R128 integrated loudness, LUFS (used as the model's `loudness`, dB; see README).
    pub loudness: Option<f64>,
    /// Beats per minute.
    pub tempo: Option<f64>,
    /// Pitch class of the tonal centre, 0 = C … 11 = B.
    pub key: Option<u8>,
    /// 1 = major, 0 = minor.
    pub mode: Option<u8>,
    /// How sure the tempo is (0–1: the beat's autocorrelation against the envelope's energy).
    pub tempo_confidence: f64,
    /// How sure the key is (0–1: the best key profile's correlation with the chroma).
    pub key_confidence: f64,
    /// Tempo is ambiguous by a factor of two: double or half `tempo` when that scores almost as
    /// well (periodicity × the prior towards 120 BPM, at least 60% of the tempo's).
    pub tempo_alternative: Option<f64>,
    /// The runner-up key when it fits almost as well (within 0.1 of `key_confidence`).
    pub key_alternative: Option<KeyAlternative>,
    /// Why a measurement is missing, one line per missing value.
    pub notes: Vec<String>,
    /// The source's sample rate and channel count.
    pub sample_rate: u32,
    pub channels: usize,
}

/// A key that fits the chroma almost as well as the one reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyAlternative {
    pub key: u8,
    pub mode: u8,
    /// How it relates to the reported key: "relative", "parallel", "dominant", "subdominant" or
    /// "other".
    pub relation: &'static str,
    pub confidence: f64,
}

/// Why a file could not be analysed at all.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{what} is not an audio file this build reads (WAV, FLAC, MP3, Ogg Vorbis, AAC/M4A): {why}")]
    NotAudio { what: String, why: String },
    #[error("{what} has no audio track")]
    NoTrack { what: String },
    #[error("{what} holds no audio (0 bytes, or 0 s decoded)")]
    Empty { what: String },
    #[error("{what} is longer than the {} minute limit", MAX_DURATION_SECS / 60)]
    TooLong { what: String },
    #[error("{what}: {why}")]
    Unsupported { what: String, why: String },
}

impl AudioError {
    /// A short machine-readable name: `unreadable`, `not_audio`, `empty`, `too_long`,
    /// `unsupported`.
    pub fn code(&self) -> &'static str {
        match self {
            AudioError::Read { .. } => "unreadable",
            AudioError::NotAudio { .. } | AudioError::NoTrack { .. } => "not_audio",
            AudioError::Empty { .. } => "empty",
            AudioError::TooLong { .. } => "too_long",
            AudioError::Unsupported { .. } => "unsupported",
        }
    }
}

/// Analyses the file at `path` (its extension is a hint to the format, not trusted).
pub fn analyse_file(path: &Path) -> Result<Analysis, AudioError> {
    let file =
        std::fs::File::open(path).map_err(|source| AudioError::Read { path: path.display().to_string(), source })?;
    let read = |source| AudioError::Read { path: path.display().to_string(), source };
    if file.metadata().map_err(read)?.len() == 0 {
        return Err(AudioError::Empty { what: path.display().to_string() });
    }
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    analyse(Box::new(file), ext.as_deref(), &path.display().to_string())
}

/// Analyses bytes in memory (an upload, an attachment); `name` names it in errors.
pub fn analyse_bytes(bytes: Vec<u8>, ext: Option<&str>, name: &str) -> Result<Analysis, AudioError> {
    if bytes.is_empty() {
        return Err(AudioError::Empty { what: name.to_string() });
    }
    analyse(Box::new(std::io::Cursor::new(bytes)), ext, name)
}

fn analyse(
    source: Box<dyn symphonia::core::io::MediaSource>,
    ext: Option<&str>,
    name: &str,
) -> Result<Analysis, AudioError> {
    let mut sink = Sink::default();
    let facts = decode::decode(source, ext, name, &mut sink)?;
    Ok(sink.finish(facts))
}

/// What the decoder feeds: every block of audio, interleaved, at the source's rate.
#[derive(Default)]
struct Sink {
    loudness: Option<ebur128::EbuR128>,
    tempo: Option<tempo::Onsets>,
    key: Option<key::Chroma>,
    mono: Vec<f32>,
    pending: Vec<f32>,
    factor: usize,
}

impl Sink {
    fn start(&mut self, rate: u32, channels: usize) -> Result<(), String> {
        self.loudness =
            Some(ebur128::EbuR128::new(channels as u32, rate, ebur128::Mode::I).map_err(|e| format!("loudness: {e}"))?);
        // analyse at 20–24 kHz: enough for onsets and pitch, half the work at 44.1/48 kHz
        self.factor = (rate as usize / 20_000).max(1);
        let rate = rate as f64 / self.factor as f64;
        self.tempo = Some(tempo::Onsets::new(rate));
        self.key = Some(key::Chroma::new(rate));
        Ok(())
    }

    fn block(&mut self, interleaved: &[f32], channels: usize) {
        if let Some(l) = self.loudness.as_mut() {
            // a block ebur128 refuses (it cannot, for finite f32) only leaves loudness missing
            if l.add_frames_f32(interleaved).is_err() {
                self.loudness = None;
            }
        }
        self.mono.clear();
        let inv = 1.0 / channels as f32;
        for frame in interleaved.chunks_exact(channels) {
            self.pending.push(frame.iter().sum::<f32>() * inv);
            if self.pending.len() == self.factor {
                self.mono.push(self.pending.iter().sum::<f32>() / self.factor as f32);
                self.pending.clear();
            }
        }
        if let Some(t) = self.tempo.as_mut() {
            t.push(&self.mono);
        }
        if let Some(k) = self.key.as_mut() {
            k.push(&self.mono);
        }
    }

    fn finish(self, facts: decode::Facts) -> Analysis {
        let mut notes = Vec::new();
        let loudness = self.loudness.and_then(|l| l.loudness_global().ok()).filter(|v| v.is_finite() && *v > -70.0);
        if loudness.is_none() {
            notes.push("loudness: the audio is silent (below the −70 LUFS gate)".to_string());
        }
        let silent = loudness.is_none();
        let (tempo, tempo_confidence, tempo_alternative) = match self.tempo.map(|t| t.tempo()) {
            Some(Ok(t)) if !silent => (Some(t.bpm), t.confidence, t.alternative),
            Some(Ok(t)) => {
                notes.push("tempo: the audio is silent".into());
                (None, t.confidence, None)
            }
            Some(Err(why)) => {
                notes.push(format!("tempo: {why}"));
                (None, 0.0, None)
            }
            None => (None, 0.0, None),
        };
        let (key, mode, key_confidence, key_alternative) = match self.key.map(|k| k.key()) {
            Some(Ok(k)) if !silent => {
                let alternative = k.alternative.map(|(key, mode, confidence)| KeyAlternative {
                    key,
                    mode,
                    relation: key::relation((k.key, k.mode), (key, mode)),
                    confidence,
                });
                (Some(k.key), Some(k.mode), k.confidence, alternative)
            }
            Some(Ok(k)) => {
                notes.push("key, mode: the audio is silent".into());
                (None, None, k.confidence, None)
            }
            Some(Err(why)) => {
                notes.push(format!("key, mode: {why}"));
                (None, None, 0.0, None)
            }
            None => (None, None, 0.0, None),
        };
        notes.push("time_signature: not measured".into());
        Analysis {
            duration_ms: facts.frames as f64 * 1000.0 / facts.rate as f64,
            loudness,
            tempo,
            key,
            mode,
            tempo_confidence,
            key_confidence,
            tempo_alternative,
            key_alternative,
            notes,
            sample_rate: facts.rate,
            channels: facts.channels,
        }
    }
}
