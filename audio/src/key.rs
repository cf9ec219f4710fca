//! Key and mode: a chroma profile (the energy of each pitch class, 55 Hz – 2 kHz, from 8192-
//! sample spectra every 4096 samples at ~22 kHz, each frame normalised so loud passages do not
//! outweigh quiet ones), correlated with the Krumhansl–Kessler major and minor key profiles in
//! all 24 keys; the best fit is the key. A runner-up that fits almost as well is reported with
//! how it relates to the key (a scale fits its relative minor nearly as well as its major).

use crate::frames::Frames;

const N: usize = 8192;
const HOP: usize = 4096;
const LOW_HZ: f64 = 55.0;
const HIGH_HZ: f64 = 2000.0;
/// Below this correlation there is no clear tonal centre.
pub(crate) const MIN_CORRELATION: f64 = 0.7;
/// A runner-up key within this much correlation of the best is reported.
const ALTERNATIVE_MARGIN: f64 = 0.1;

/// Krumhansl & Kessler (1982), C major and C minor.
const MAJOR: [f64; 12] = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const MINOR: [f64; 12] = [6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

pub(crate) struct Chroma {
    frames: Frames,
    /// Pitch class of each FFT bin in range.
    bins: Vec<(usize, usize)>,
    total: [f64; 12],
    frames_counted: usize,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Key {
    pub key: u8,
    pub mode: u8,
    pub confidence: f64,
    /// The runner-up (key, mode, correlation), when it fits almost as well.
    pub alternative: Option<(u8, u8, f64)>,
}

impl Chroma {
    pub fn new(rate: f64) -> Chroma {
        let bins = (1..N / 2)
            .filter_map(|k| {
                let f = k as f64 * rate / N as f64;
                (LOW_HZ..=HIGH_HZ).contains(&f).then(|| {
                    let midi = 69.0 + 12.0 * (f / 440.0).log2();
                    (k, (midi.round() as i64).rem_euclid(12) as usize)
                })
            })
            .collect();
        Chroma { frames: Frames::new(N, HOP), bins, total: [0.0; 12], frames_counted: 0 }
    }

    pub fn push(&mut self, mono: &[f32]) {
        let (bins, total, counted) = (&self.bins, &mut self.total, &mut self.frames_counted);
        self.frames.push(mono, |spectrum| {
            let mut c = [0.0f64; 12];
            for &(k, pc) in bins {
                c[pc] += spectrum[k].norm_sqr() as f64;
            }
            let sum: f64 = c.iter().sum();
            // frames with next to no energy (silence between notes) carry no key
            if sum > 1e-6 {
                for (t, v) in total.iter_mut().zip(c) {
                    *t += v / sum;
                }
                *counted += 1;
            }
        });
    }

    pub fn key(&self) -> Result<Key, String> {
        if self.frames_counted == 0 {
            return Err("no tonal content".into());
        }
        let mut fits: Vec<(f64, u8, u8)> = Vec::with_capacity(24);
        for key in 0..12 {
            for (mode, profile) in [(1u8, &MAJOR), (0u8, &MINOR)] {
                let rotated: Vec<f64> = (0..12).map(|pc| profile[(pc + 12 - key) % 12]).collect();
                let r = pearson(&self.total, &rotated);
                // (a NaN fit, from a degenerate profile, sorts last)
                fits.push((if r.is_nan() { f64::NEG_INFINITY } else { r }, key as u8, mode));
            }
        }
        fits.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (r, key, mode) = fits[0];
        if r < MIN_CORRELATION {
            return Err(format!(
                "no clear tonal centre (the best key profile fits r = {r:.2}, below {MIN_CORRELATION})"
            ));
        }
        let alternative = Some(fits[1])
            .filter(|(r2, ..)| *r2 >= MIN_CORRELATION && r - *r2 <= ALTERNATIVE_MARGIN)
            .map(|(r2, k, m)| (k, m, r2));
        Ok(Key { key, mode, confidence: r, alternative })
    }
}

/// How key `b` relates to key `a` (pitch class, mode 1 = major): "relative", "parallel",
/// "dominant", "subdominant", or "other".
pub(crate) fn relation(a: (u8, u8), b: (u8, u8)) -> &'static str {
    let up = (b.0 + 12 - a.0) % 12;
    match (a.1, b.1, up) {
        (m, n, 0) if m != n => "parallel",
        (1, 0, 9) | (0, 1, 3) => "relative",
        (m, n, 7) if m == n => "dominant",
        (m, n, 5) if m == n => "subdominant",
        _ => "other",
    }
}

fn pearson(a: &[f64; 12], b: &[f64]) -> f64 {
    let (ma, mb) = (a.iter().sum::<f64>() / 12.0, b.iter().sum::<f64>() / 12.0);
    let (mut num, mut da, mut db) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        num += (x - ma) * (y - mb);
        da += (x - ma).powi(2);
        db += (y - mb).powi(2);
    }
    if da <= 0.0 || db <= 0.0 { 0.0 } else { num / (da * db).sqrt() }
}
