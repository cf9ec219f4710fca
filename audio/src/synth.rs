//! Signals with known truth, for tests here and in the fronts (the CLI, the API, the bot): click
//! tracks at a tempo, scales and chords in a key, written as 16-bit PCM WAV files at 44.1 kHz.

use std::f64::consts::PI;

pub const RATE: u32 = 44_100;

/// A 16-bit PCM WAV of `channels` interleaved channels at 44.1 kHz.
pub fn wav(samples: &[f64], channels: u16) -> Vec<u8> {
    wav_at(samples, channels, RATE)
}

/// A 16-bit PCM WAV of `channels` interleaved channels at `rate` Hz.
pub fn wav_at(samples: &[f64], channels: u16, rate: u32) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2 * channels as u32).to_le_bytes());
    out.extend_from_slice(&(2 * channels).to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32767.0).round() as i16).to_le_bytes());
    }
    out
}

pub fn seconds(s: f64) -> usize {
    (s * RATE as f64) as usize
}

/// Decaying clicks (a short noise-like burst) at `bpm`.
pub fn clicks(bpm: f64, secs: f64) -> Vec<f64> {
    let n = seconds(secs);
    let period = 60.0 / bpm * RATE as f64;
    let mut out = vec![0.0; n];
    let mut t = 0.0;
    while (t as usize) < n {
        for i in 0..seconds(0.03).min(n - t as usize) {
            let env = (-(i as f64) / (0.004 * RATE as f64)).exp();
            out[t as usize + i] += 0.8 * env * (2.0 * PI * 1800.0 * i as f64 / RATE as f64).sin();
        }
        t += period;
    }
    out
}

/// A tone with a few harmonics at MIDI note `midi`.
pub fn note(out: &mut [f64], midi: f64, from: usize, len: usize, level: f64) {
    let f = 440.0 * 2f64.powf((midi - 69.0) / 12.0);
    for i in 0..len.min(out.len().saturating_sub(from)) {
        let t = i as f64 / RATE as f64;
        let env = (i as f64 / 400.0).min(1.0) * (1.0 - i as f64 / len as f64).max(0.0).sqrt();
        let s: f64 = (1..=4).map(|h| (2.0 * PI * f * h as f64 * t).sin() / h as f64).sum();
        out[from + i] += level * env * s;
    }
}

/// The scale of `key` (major or natural minor), then its tonic triad held, twice.
pub fn in_key(key: u8, major: bool) -> Vec<f64> {
    let steps: [i32; 7] = if major { [0, 2, 4, 5, 7, 9, 11] } else { [0, 2, 3, 5, 7, 8, 10] };
    let triad: [i32; 3] = if major { [0, 4, 7] } else { [0, 3, 7] };
    let tonic = 60 + key as i32;
    let step = seconds(0.25);
    let mut out = vec![0.0; seconds(8.0)];
    let mut at = 0;
    for _ in 0..2 {
        for s in steps.iter().chain(&[12]) {
            note(&mut out, (tonic + s) as f64, at, step, 0.15);
            at += step;
        }
        for t in triad {
            note(&mut out, (tonic + t - 12) as f64, at, seconds(1.5), 0.15);
            note(&mut out, (tonic + t) as f64, at, seconds(1.5), 0.15);
        }
        at += seconds(2.0);
    }
    out
}

/// A "song" with a known tempo and key: clicks at `bpm` over a scale and tonic triad in `key`
/// (0 = C … 11 = B), repeated to `secs`.
pub fn song(bpm: f64, key: u8, major: bool, secs: f64) -> Vec<f64> {
    let mut out = clicks(bpm, secs);
    let phrase = in_key(key, major);
    for (i, s) in out.iter_mut().enumerate() {
        *s = 0.5 * *s + phrase[i % phrase.len()];
    }
    out
}
