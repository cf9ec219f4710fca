//! WAV, read by hand: a RIFF/WAVE file's chunks walked in order, its PCM or float samples
//! converted block by block.
//!
//! symphonia's WAV reader is not used: it does arithmetic on the header's untrusted fields
//! (channels × bytes per sample in 16 bits, a LIST length minus 4, …) that panics where overflow
//! checks are on — the fuzz smoke found two such inputs — and WAV is simple enough to read
//! exactly: every field here is checked before it is used, and memory is one block of samples
//! whatever the header declares.

use std::io::{self, Read};

use crate::decode::{Facts, MAX_DURATION_SECS};
use crate::{AudioError, Sink};

/// Most channels a WAV may have here (ebur128's limit is far above any real file).
const MAX_CHANNELS: u16 = 64;
/// Highest sample rate read (768 kHz is the highest any interface records).
const MAX_RATE: u32 = 768_000;
/// Longest `fmt ` chunk read (a real one is 16, 18 or 40 bytes).
const MAX_FMT_LEN: u32 = 1024;
/// Frames decoded per block.
const BLOCK_FRAMES: usize = 4096;

/// Whether `head` (the file's first bytes) starts a RIFF/WAVE file.
pub(crate) fn is_wav(head: &[u8]) -> bool {
    head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WAVE"
}

/// How the samples are stored.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Encoding {
    /// Unsigned 8-bit.
    U8,
    /// Signed little-endian integers of 2, 3 or 4 bytes.
    Int(usize),
    /// IEEE floats of 4 or 8 bytes.
    Float(usize),
}

impl Encoding {
    fn bytes(self) -> usize {
        match self {
            Encoding::U8 => 1,
            Encoding::Int(b) | Encoding::Float(b) => b,
        }
    }

    fn sample(self, b: &[u8]) -> f32 {
        match self {
            Encoding::U8 => (f32::from(b[0]) - 128.0) / 128.0,
            Encoding::Int(2) => f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0,
            Encoding::Int(3) => (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 8_388_608.0,
            Encoding::Int(_) => (i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64 / 2_147_483_648.0) as f32,
            Encoding::Float(4) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            Encoding::Float(_) => f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32,
        }
    }
}

/// What the `fmt ` chunk says.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Format {
    channels: usize,
    rate: u32,
    encoding: Encoding,
}

/// Reads the `fmt ` chunk's body.
fn format(body: &[u8]) -> Result<Format, String> {
    if body.len() < 16 {
        return Err(format!("its fmt chunk is {} bytes, shorter than the 16 a WAV needs", body.len()));
    }
    let u16_at = |at: usize| u16::from_le_bytes([body[at], body[at + 1]]);
    let mut tag = u16_at(0);
    let channels = u16_at(2);
    let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
    let bits = u16_at(14);
    // WAVE_FORMAT_EXTENSIBLE: the real format is the sub-format GUID's first two bytes
    if tag == 0xFFFE {
        if body.len() < 40 {
            return Err("its extensible fmt chunk is cut short".into());
        }
        tag = u16_at(24);
    }
    if channels == 0 || channels > MAX_CHANNELS {
        return Err(format!("its WAV header declares {channels} channels (1 to {MAX_CHANNELS} are read)"));
    }
    if rate == 0 || rate > MAX_RATE {
        return Err(format!("its WAV header declares a sample rate of {rate} Hz"));
    }
    let encoding = match (tag, bits) {
        (1, 8) => Encoding::U8,
        (1, 16 | 24 | 32) => Encoding::Int(usize::from(bits / 8)),
        (3, 32 | 64) => Encoding::Float(usize::from(bits / 8)),
        (1 | 3, _) => {
            return Err(format!("{bits}-bit samples are not read (8, 16, 24 or 32-bit PCM, 32 or 64-bit float are)"));
        }
        (tag, _) => {
            return Err(format!("WAV format 0x{tag:04x} is compressed; save it as PCM WAV, FLAC or MP3"));
        }
    };
    Ok(Format { channels: usize::from(channels), rate, encoding })
}

/// Reads into `buf` until it is full or the input ends; returns how much was read.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Decodes a RIFF/WAVE stream (positioned at its start) into the sink.
pub(crate) fn decode(source: impl Read, what: &str, sink: &mut Sink) -> Result<Facts, AudioError> {
    let mut r = io::BufReader::with_capacity(64 * 1024, source);
    let io_err = |e: io::Error| AudioError::Read { path: what.to_string(), source: e };
    let not_audio = |why: String| AudioError::NotAudio { what: what.to_string(), why };
    let mut header = [0u8; 12];
    if fill(&mut r, &mut header).map_err(io_err)? < 12 || !is_wav(&header) {
        return Err(not_audio("its RIFF/WAVE header is cut short".into()));
    }
    let mut fmt: Option<Format> = None;
    // the chunks before `data`, in order; any not known is skipped (RIFF's rule)
    let data_len = loop {
        let mut chunk = [0u8; 8];
        if fill(&mut r, &mut chunk).map_err(io_err)? < 8 {
            return Err(not_audio("the WAV file ends before its data chunk".into()));
        }
        let len = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        match &chunk[..4] {
            b"data" => break len,
            b"fmt " => {
                if len > MAX_FMT_LEN {
                    return Err(not_audio(format!("its fmt chunk declares {len} bytes")));
                }
                let mut body = vec![0u8; len as usize + (len as usize & 1)];
                let got = fill(&mut r, &mut body).map_err(io_err)?;
                if got < len as usize {
                    return Err(not_audio("the WAV file ends inside its fmt chunk".into()));
                }
                body.truncate(len as usize);
                fmt = Some(format(&body).map_err(|why| AudioError::Unsupported { what: what.into(), why })?);
            }
            _ => {
                // a chunk is padded to an even length
                let skip = u64::from(len) + u64::from(len & 1);
                if io::copy(&mut r.by_ref().take(skip), &mut io::sink()).map_err(io_err)? < skip {
                    return Err(not_audio("the WAV file ends before its data chunk".into()));
                }
            }
        }
    };
    let Some(f) = fmt else {
        return Err(not_audio("its data chunk comes before the fmt chunk that describes it".into()));
    };
    sink.start(f.rate, f.channels).map_err(|why| AudioError::Unsupported { what: what.into(), why })?;
    // a length of 0 or 2^32 - 1 is written by encoders that stream: read to the end then
    let mut left = if data_len == 0 || data_len == u32::MAX { u64::MAX } else { u64::from(data_len) };
    let frame_bytes = f.channels * f.encoding.bytes();
    let mut bytes = vec![0u8; BLOCK_FRAMES * frame_bytes];
    let mut samples: Vec<f32> = Vec::with_capacity(BLOCK_FRAMES * f.channels);
    let mut facts = Facts { rate: f.rate, channels: f.channels, frames: 0 };
    let limit = MAX_DURATION_SECS * u64::from(f.rate);
    while left > 0 {
        let want = bytes.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let got = fill(&mut r, &mut bytes[..want]).map_err(io_err)?;
        // a truncated file ends here (a partial last frame is dropped): what came is analysed
        let whole = got - got % frame_bytes;
        if whole == 0 {
            break;
        }
        left -= got as u64;
        samples.clear();
        samples.extend(bytes[..whole].chunks_exact(f.encoding.bytes()).map(|b| f.encoding.sample(b)));
        // non-finite float samples are silence
        for s in samples.iter_mut().filter(|s| !s.is_finite()) {
            *s = 0.0;
        }
        facts.frames += (whole / frame_bytes) as u64;
        if facts.frames > limit {
            return Err(AudioError::TooLong { what: what.into() });
        }
        sink.block(&samples, f.channels);
        if got < want {
            break;
        }
    }
    if facts.frames == 0 {
        return Err(AudioError::Empty { what: what.into() });
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt_body(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&channels.to_le_bytes());
        b.extend_from_slice(&rate.to_le_bytes());
        b.extend_from_slice(&rate.wrapping_mul(u32::from(channels) * u32::from(bits / 8)).to_le_bytes());
        b.extend_from_slice(&channels.wrapping_mul(bits / 8).to_le_bytes());
        b.extend_from_slice(&bits.to_le_bytes());
        b
    }

    #[test]
    fn samples_scale_to_the_unit_range() {
        assert_eq!(Encoding::U8.sample(&[0]), -1.0);
        assert_eq!(Encoding::U8.sample(&[128]), 0.0);
        assert_eq!(Encoding::Int(2).sample(&i16::MIN.to_le_bytes()), -1.0);
        assert_eq!(Encoding::Int(3).sample(&[0x00, 0x00, 0x80]), -1.0);
        assert_eq!(Encoding::Int(3).sample(&[0x00, 0x00, 0x40]), 0.5);
        assert_eq!(Encoding::Int(4).sample(&i32::MIN.to_le_bytes()), -1.0);
        assert_eq!(Encoding::Float(4).sample(&0.25f32.to_le_bytes()), 0.25);
        assert_eq!(Encoding::Float(8).sample(&(-0.75f64).to_le_bytes()), -0.75);
    }

    #[test]
    fn the_format_chunk_is_checked_field_by_field() {
        let ok = format(&fmt_body(1, 2, 44_100, 24)).unwrap();
        assert_eq!(ok, Format { channels: 2, rate: 44_100, encoding: Encoding::Int(3) });
        assert_eq!(format(&fmt_body(3, 1, 48_000, 32)).unwrap().encoding, Encoding::Float(4));
        let err = |body: Vec<u8>| format(&body).unwrap_err();
        assert_eq!(err(fmt_body(1, 56_577, 44_100, 16)), "its WAV header declares 56577 channels (1 to 64 are read)");
        assert_eq!(err(fmt_body(1, 0, 44_100, 16)), "its WAV header declares 0 channels (1 to 64 are read)");
        assert_eq!(err(fmt_body(1, 2, 0, 16)), "its WAV header declares a sample rate of 0 Hz");
        assert!(err(fmt_body(1, 2, 44_100, 12)).starts_with("12-bit samples"));
        assert!(err(fmt_body(2, 2, 44_100, 4)).starts_with("WAV format 0x0002 is compressed"));
        assert!(err(fmt_body(1, 2, 44_100, 16)[..10].to_vec()).contains("shorter than the 16"));
        // extensible: the sub-format decides
        let mut ext = fmt_body(0xFFFE, 2, 44_100, 32);
        ext.extend_from_slice(&22u16.to_le_bytes());
        ext.extend_from_slice(&32u16.to_le_bytes());
        ext.extend_from_slice(&3u32.to_le_bytes());
        ext.extend_from_slice(&3u16.to_le_bytes());
        ext.extend_from_slice(&[0; 14]);
        assert_eq!(format(&ext).unwrap().encoding, Encoding::Float(4));
        assert_eq!(err(ext[..30].to_vec()), "its extensible fmt chunk is cut short");
    }
}
