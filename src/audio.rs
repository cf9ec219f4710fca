//! A song's audio file as model inputs: what [`hitcast_audio`] measured (duration, loudness,
//! tempo, key, mode), each tagged [`Source::Audio`].
//!
//! A value the person or client gave wins over the measured one (and the answer says both); a
//! measurement the analysis could not trust, or one outside the model's range, stays missing
//! with its reason. Nothing else is filled from audio: the perceptual features (danceability,
//! energy, …) are missing unless another source gives them.

use serde::Serialize;

use crate::features::{Feature, Source, TrackFeatures};
use crate::schema::Schema;

pub use hitcast_audio::{
    Analysis, AudioError, EXTENSIONS, MAX_DURATION_SECS, analyse_bytes, analyse_file, is_audio_path, key_name,
};

/// What a file gave one track.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Measured {
    /// Inputs set from the file.
    pub measured: Vec<Feature>,
    /// Inputs the file measured but a given value kept.
    pub overridden: Vec<Overridden>,
    /// Why each input the file could have given is missing (and that `time_signature` is not
    /// measured).
    pub notes: Vec<String>,
}

/// A measured value a given one replaced.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Overridden {
    pub feature: Feature,
    pub measured: f64,
}

/// The measured inputs of an analysis, in tensor order (`None`: not measured).
pub fn values(a: &Analysis) -> [(Feature, Option<f64>); 5] {
    [
        (Feature::Key, a.key.map(f64::from)),
        (Feature::Loudness, a.loudness.map(|v| round_to(v, 1))),
        (Feature::Mode, a.mode.map(f64::from)),
        (Feature::Tempo, a.tempo.map(|v| round_to(v, 1))),
        (Feature::DurationMs, Some(a.duration_ms.round())),
    ]
}

fn round_to(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// Fills `track` with what `analysis` measured, where the track has no value yet.
pub fn apply(analysis: &Analysis, track: &mut TrackFeatures, schema: &Schema) -> Measured {
    let mut out = Measured { notes: analysis.notes.clone(), ..Measured::default() };
    for (feature, value) in values(analysis) {
        let Some(value) = value else { continue };
        let spec = schema.spec(feature);
        if track.get(feature).is_some() {
            out.overridden.push(Overridden { feature, measured: value });
        } else if value < spec.min || value > spec.max {
            out.notes.push(format!(
                "{feature}: measured {value} is outside what the model takes ({}); left missing",
                spec.allowed()
            ));
        } else {
            track.set(feature, value, Source::Audio);
            out.measured.push(feature);
        }
    }
    out
}

/// The lower-case extension of a file name (a hint to the decoder).
pub fn extension(file_name: &str) -> Option<String> {
    std::path::Path::new(file_name).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase)
}

/// `base` (what the person or client gave) completed by what the file measured, named after the
/// file when `base` has no name; what the file gave is in the [`AudioReport`].
pub fn track_from(
    file: &str,
    index: usize,
    analysis: &Analysis,
    mut base: TrackFeatures,
    schema: &Schema,
) -> (TrackFeatures, AudioReport) {
    if base.name.is_none() {
        base.name = std::path::Path::new(file).file_stem().map(|s| s.to_string_lossy().into_owned());
    }
    let measured = apply(analysis, &mut base, schema);
    (base, AudioReport::analysed(file, index, analysis, measured))
}

/// `f` over `items`, up to `workers` at once on threads of their own (analysis is CPU-bound and
/// streams each file: memory grows with the workers, not the files); results in `items`' order.
/// `done` is called after each item (a progress bar).
pub fn map_parallel<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    f: impl Fn(&T) -> R + Sync,
    done: impl Fn() + Sync,
) -> Vec<R> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let workers = workers.min(items.len()).max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(std::iter::repeat_with(|| None).take(items.len()).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
                    done();
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every item is mapped"))
        .collect()
}

/// An analysis as JSON (`hitcast analyse --json`, the API's `analysis`).
#[derive(Debug, Clone, Serialize)]
pub struct AnalysisOut {
    pub file: String,
    pub duration_ms: f64,
    /// EBU R128 integrated loudness, LUFS (the model's `loudness`, dB).
    pub loudness: Option<f64>,
    pub tempo: Option<f64>,
    pub tempo_confidence: f64,
    pub key: Option<u8>,
    pub mode: Option<u8>,
    /// "F♯ minor".
    pub key_name: Option<String>,
    pub key_confidence: f64,
    /// Double or half `tempo`, when it scores almost as well (tempo is ambiguous by a factor of
    /// two).
    pub tempo_alternative: Option<f64>,
    /// The runner-up key, when it fits almost as well.
    pub key_alternative: Option<KeyAlternativeOut>,
    pub sample_rate: u32,
    pub channels: usize,
    /// Why a value is missing.
    pub notes: Vec<String>,
}

/// A key that fits almost as well as the one reported.
#[derive(Debug, Clone, Serialize)]
pub struct KeyAlternativeOut {
    pub key: u8,
    pub mode: u8,
    pub key_name: String,
    /// "relative", "parallel", "dominant", "subdominant" or "other".
    pub relation: &'static str,
    pub confidence: f64,
}

impl AnalysisOut {
    pub fn new(file: &str, a: &Analysis) -> AnalysisOut {
        AnalysisOut {
            file: file.to_string(),
            duration_ms: a.duration_ms.round(),
            loudness: a.loudness.map(|v| round_to(v, 2)),
            tempo: a.tempo.map(|v| round_to(v, 1)),
            tempo_confidence: round_to(a.tempo_confidence, 2),
            key: a.key,
            mode: a.mode,
            key_name: a.key.zip(a.mode).map(|(k, m)| key_name(k, m)),
            key_confidence: round_to(a.key_confidence, 2),
            tempo_alternative: a.tempo_alternative.map(|v| round_to(v, 1)),
            key_alternative: a.key_alternative.map(|k| KeyAlternativeOut {
                key: k.key,
                mode: k.mode,
                key_name: key_name(k.key, k.mode),
                relation: k.relation,
                confidence: round_to(k.confidence, 2),
            }),
            sample_rate: a.sample_rate,
            channels: a.channels,
            notes: a.notes.clone(),
        }
    }
}

/// What one file gave (or why it gave nothing), in a JSON answer's `audio` list.
#[derive(Debug, Clone, Serialize)]
pub struct AudioReport {
    pub file: String,
    /// The track it became: its 0-based position among the answer's tracks (`None`: the file
    /// could not be analysed, so no track).
    pub index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<AnalysisOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(flatten)]
    pub measured: Measured,
}

impl AudioReport {
    pub fn analysed(file: &str, index: usize, a: &Analysis, measured: Measured) -> AudioReport {
        AudioReport {
            file: file.into(),
            index: Some(index),
            analysis: Some(AnalysisOut::new(file, a)),
            error: None,
            measured,
        }
    }

    pub fn failed(file: &str, error: &AudioError) -> AudioReport {
        AudioReport {
            file: file.into(),
            index: None,
            analysis: None,
            error: Some(error.to_string()),
            measured: Measured::default(),
        }
    }
}

/// Spotify-style audio features, read straight from Spotify's and ReccoBeats' JSON (the same
/// field names): a field that is absent or `null` is `None` by construction, never 0.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
pub struct AudioFeatures {
    pub danceability: Option<f64>,
    pub energy: Option<f64>,
    /// -1 (no key detected) is read as `None`.
    #[serde(deserialize_with = "key_or_none")]
    pub key: Option<f64>,
    pub loudness: Option<f64>,
    pub mode: Option<f64>,
    pub speechiness: Option<f64>,
    pub acousticness: Option<f64>,
    pub instrumentalness: Option<f64>,
    pub liveness: Option<f64>,
    pub valence: Option<f64>,
    pub tempo: Option<f64>,
    pub time_signature: Option<f64>,
}

fn key_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let key: Option<f64> = serde::Deserialize::deserialize(d)?;
    Ok(key.filter(|k| *k >= 0.0))
}

impl AudioFeatures {
    /// (model feature, value) for every value present.
    pub fn values(&self) -> Vec<(Feature, f64)> {
        use crate::features::Feature as F;
        [
            (F::Danceability, self.danceability),
            (F::Energy, self.energy),
            (F::Key, self.key),
            (F::Loudness, self.loudness),
            (F::Mode, self.mode),
            (F::Speechiness, self.speechiness),
            (F::Acousticness, self.acousticness),
            (F::Instrumentalness, self.instrumentalness),
            (F::Liveness, self.liveness),
            (F::Valence, self.valence),
            (F::Tempo, self.tempo),
            (F::TimeSignature, self.time_signature),
        ]
        .into_iter()
        .filter_map(|(f, v)| v.map(|v| (f, v)))
        .collect()
    }
}

impl AudioFeatures {
    /// ReccoBeats' answer to an uploaded file, or why it is not one (in a line, without its body).
    pub fn from_remote_answer(body: &[u8]) -> Result<AudioFeatures, String> {
        let features: AudioFeatures =
            serde_json::from_slice(body).map_err(|_| "ReccoBeats' answer is not its features' JSON".to_string())?;
        if features.values().is_empty() {
            return Err("ReccoBeats returned no features".into());
        }
        Ok(features)
    }
}

/// Largest file sent for a remote analysis (ReccoBeats' upload limit; it analyses the first 30 s).
pub const REMOTE_MAX_BYTES: usize = 5 * 1024 * 1024;

/// The part of a song's file sent for a remote analysis: the file, or the first
/// [`REMOTE_MAX_BYTES`] of a format that is still a file when cut (MP3, Ogg, FLAC, WAV: only the
/// first 30 s are analysed there); `None` for a longer M4A, whose index may sit at its end.
pub fn remote_part<'a>(file: &str, bytes: &'a [u8]) -> Option<&'a [u8]> {
    if bytes.len() <= REMOTE_MAX_BYTES {
        return Some(bytes);
    }
    match extension(file).as_deref() {
        Some("mp3" | "ogg" | "oga" | "flac" | "wav" | "wave") => Some(&bytes[..REMOTE_MAX_BYTES]),
        _ => None,
    }
}

/// Fills what is still missing from a remote analysis (ReccoBeats' `POST
/// /v1/analysis/audio-features`), tagged [`Source::ReccoBeats`]: given and measured values win,
/// values outside the model's range are dropped. Returns what was filled; `report` says so.
pub fn fill_remote(track: &mut TrackFeatures, remote: &AudioFeatures, schema: &Schema, report: &mut AudioReport) {
    let mut filled = Vec::new();
    for (feature, value) in remote.values() {
        let spec = schema.spec(feature);
        if value < spec.min || value > spec.max {
            report
                .measured
                .notes
                .push(format!("{feature}: ReccoBeats gave {value}, outside {}; left missing", spec.allowed()));
        } else if track.fill(feature, value, Source::ReccoBeats) {
            filled.push(feature.name());
        }
    }
    report.measured.notes.push(if filled.is_empty() {
        "ReccoBeats' analysis added nothing".to_string()
    } else {
        format!("from ReccoBeats' analysis of the file's first 30 s: {}", filled.join(", "))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysis() -> Analysis {
        Analysis {
            duration_ms: 183_456.4,
            loudness: Some(-8.04),
            tempo: Some(121.96),
            key: Some(6),
            mode: Some(0),
            tempo_confidence: 0.5,
            key_confidence: 0.8,
            tempo_alternative: None,
            key_alternative: None,
            notes: vec!["time_signature: not measured".into()],
            sample_rate: 44_100,
            channels: 2,
        }
    }

    #[test]
    fn given_values_win_and_out_of_range_ones_stay_missing() {
        let model = crate::Model::embedded().unwrap();
        let mut a = analysis();
        a.loudness = Some(-65.0); // below the model's −60 dB
        let mut t = TrackFeatures::default().with(Feature::Tempo, 90.0, Source::User);
        let m = apply(&a, &mut t, model.schema());
        assert_eq!(t.get(Feature::Tempo).unwrap().source, Source::User);
        assert_eq!(m.overridden, vec![Overridden { feature: Feature::Tempo, measured: 122.0 }]);
        assert_eq!(t.get(Feature::Key).unwrap().value, 6.0);
        assert_eq!(t.get(Feature::Key).unwrap().source, Source::Audio);
        assert_eq!(t.value(Feature::DurationMs), Some(183_456.0));
        assert_eq!(t.value(Feature::Loudness), None);
        assert!(m.notes.iter().any(|n| n.starts_with("loudness: measured -65")), "{:?}", m.notes);
        assert_eq!(m.measured, vec![Feature::Key, Feature::Mode, Feature::DurationMs]);
        assert_eq!(t.value(Feature::Danceability), None);
    }

    #[test]
    fn key_names() {
        assert_eq!(AnalysisOut::new("x", &analysis()).key_name.as_deref(), Some("F♯ minor"));
        assert_eq!(key_name(0, 1), "C major");
    }
}
