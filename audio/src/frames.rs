//! Hann-windowed spectra of a stream pushed in pieces: frames of `n` samples every `hop`, each
//! handed to a callback as soon as it is complete. What tempo and key both analyse.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

pub(crate) struct Frames {
    n: usize,
    hop: usize,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    ring: Vec<f32>,
    input: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
}

impl Frames {
    pub fn new(n: usize, hop: usize) -> Frames {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n);
        let window = (0..n).map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / n as f32).cos()).collect();
        Frames {
            n,
            hop,
            input: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            fft,
            window,
            ring: Vec::with_capacity(2 * n),
        }
    }

    /// Takes `mono` in; calls `frame` with the spectrum of every frame it completes.
    pub fn push(&mut self, mono: &[f32], mut frame: impl FnMut(&[Complex<f32>])) {
        for chunk in mono.chunks(self.hop) {
            self.ring.extend_from_slice(chunk);
            while self.ring.len() >= self.n {
                for ((x, s), w) in self.input.iter_mut().zip(&self.ring[..self.n]).zip(&self.window) {
                    *x = s * w;
                }
                if self.fft.process(&mut self.input, &mut self.spectrum).is_ok() {
                    frame(&self.spectrum);
                }
                self.ring.drain(..self.hop);
            }
        }
    }
}
