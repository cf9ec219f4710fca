//! Tempo: an onset-strength envelope (spectral flux of log magnitudes, 1024-sample frames every
//! 512 samples at ~22 kHz, ~43 frames a second), then its autocorrelation over 40–240 BPM,
//! weighted towards 120 BPM by a log-normal prior one octave wide (as librosa's `beat.tempo`),
//! refined by a parabola through the peak. Tempo is ambiguous by a factor of two (a beat at 90
//! repeats at 180), so the other octave is reported too when it scores almost as well.

use crate::frames::Frames;

const N: usize = 1024;
const HOP: usize = 512;
/// The slowest and fastest tempos reported.
const MIN_BPM: f64 = 40.0;
const MAX_BPM: f64 = 240.0;
/// Below this normalised autocorrelation there is no steady beat.
pub(crate) const MIN_CONFIDENCE: f64 = 0.12;
/// Below this the spectrum hardly changes between frames: no onsets to time.
pub(crate) const MIN_VARIATION: f64 = 0.01;
/// Shortest audio a tempo is measured on.
const MIN_SECONDS: f64 = 4.0;
/// The other octave is reported when its score (periodicity × prior) is at least this share of
/// the tempo's.
const ALTERNATIVE_SHARE: f64 = 0.6;

pub(crate) struct Onsets {
    /// Analysis frames per second.
    fps: f64,
    frames: Frames,
    /// The last frame's log magnitudes, and the buffer the next one is computed in.
    prev: Vec<f32>,
    mags: Vec<f32>,
    env: Vec<f32>,
    /// Sum over frames of the frame's total log magnitude (the scale flux is measured against).
    level: f64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Tempo {
    pub bpm: f64,
    pub confidence: f64,
    /// Double or half `bpm`, when it scores almost as well.
    pub alternative: Option<f64>,
}

impl Onsets {
    pub fn new(rate: f64) -> Onsets {
        Onsets {
            fps: rate / HOP as f64,
            frames: Frames::new(N, HOP),
            prev: Vec::new(),
            mags: Vec::new(),
            env: Vec::new(),
            level: 0.0,
        }
    }

    pub fn push(&mut self, mono: &[f32]) {
        let (prev, mags, env, level) = (&mut self.prev, &mut self.mags, &mut self.env, &mut self.level);
        self.frames.push(mono, |spectrum| {
            mags.clear();
            mags.extend(spectrum.iter().map(|c| (1.0 + 100.0 * c.norm()).ln()));
            let flux = if prev.is_empty() {
                0.0
            } else {
                mags.iter().zip(prev.iter()).map(|(m, p)| (m - p).max(0.0)).sum::<f32>()
            };
            env.push(flux);
            *level += mags.iter().map(|m| *m as f64).sum::<f64>();
            std::mem::swap(prev, mags);
        });
    }

    pub fn tempo(&self) -> Result<Tempo, String> {
        let n = self.env.len();
        if (n as f64) < MIN_SECONDS * self.fps {
            return Err(format!("too short to measure a tempo (under {MIN_SECONDS:.0} s)"));
        }
        // the envelope less its mean: what repeats, not its level
        let mean = self.env.iter().map(|v| *v as f64).sum::<f64>() / n as f64;
        let e: Vec<f64> = self.env.iter().map(|v| *v as f64 - mean).collect();
        let energy: f64 = e.iter().map(|v| v * v).sum();
        // how much the spectrum changes from frame to frame, against how much there is: a steady
        // tone changes by rounding only, and its tiny flux can still look periodic
        let variation = (energy / n as f64).sqrt() / (self.level / n as f64).max(1e-12);
        if energy <= 1e-9 * n as f64 || variation < MIN_VARIATION {
            return Err(format!("no onsets (a steady tone or silence; variation {variation:.4})"));
        }
        let lag_of = |bpm: f64| 60.0 * self.fps / bpm;
        let (lo, hi) = (lag_of(MAX_BPM).ceil().max(2.0) as usize, (lag_of(MIN_BPM).floor() as usize).min(n - 2));
        let ac = |lag: usize| e.iter().zip(&e[lag..]).map(|(a, b)| a * b).sum::<f64>() / energy;
        let acs: Vec<(usize, f64)> = (lo.saturating_sub(1)..=hi + 1).filter(|l| *l < n).map(|l| (l, ac(l))).collect();
        let at = |lag: usize| acs.iter().find(|(l, _)| *l == lag).map_or(0.0, |(_, v)| *v);
        let prior = |lag: usize| {
            let bpm = 60.0 * self.fps / lag as f64;
            (-0.5 * (bpm / 120.0).log2().powi(2)).exp()
        };
        let score = |lag: usize| at(lag) * prior(lag);
        let best = (lo..=hi)
            .filter(|l| at(*l) > at(l - 1) && at(*l) >= at(l + 1))
            .max_by(|a, b| score(*a).total_cmp(&score(*b)))
            .ok_or("no periodic onsets")?;
        let confidence = at(best).clamp(0.0, 1.0);
        if confidence < MIN_CONFIDENCE {
            return Err(format!("no steady beat (periodicity {confidence:.2}, below {MIN_CONFIDENCE})"));
        }
        // a parabola through the peak and its neighbours
        let bpm_at = |lag: usize| {
            let (y0, y1, y2) = (at(lag - 1), at(lag), at(lag + 1));
            let denom = y0 - 2.0 * y1 + y2;
            let shift = if denom.abs() > 1e-12 { (0.5 * (y0 - y2) / denom).clamp(-0.5, 0.5) } else { 0.0 };
            // (the refinement stays within half a lag: kept inside the range reported)
            (60.0 * self.fps / (lag as f64 + shift)).clamp(MIN_BPM, MAX_BPM)
        };
        // the other octave: the strongest lag around half (double tempo) or twice (half tempo)
        // the beat's lag, inside the range reported
        let near = |lag: f64| {
            let c = lag.round() as usize;
            (c.saturating_sub(1)..=c + 1).filter(|l| (lo..=hi).contains(l)).max_by(|a, b| at(*a).total_cmp(&at(*b)))
        };
        let alternative = [near(best as f64 / 2.0), near(best as f64 * 2.0)]
            .into_iter()
            .flatten()
            .max_by(|a, b| score(*a).total_cmp(&score(*b)))
            .filter(|l| score(*l) >= ALTERNATIVE_SHARE * score(best))
            .map(bpm_at);
        Ok(Tempo { bpm: bpm_at(best), confidence, alternative })
    }
}
