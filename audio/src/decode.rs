//! Decoding with symphonia, packet by packet: each decoded block goes to the [`Sink`] as
//! interleaved f32 in one reused buffer, so memory does not depend on the file's length.

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

use crate::{AudioError, Sink};

/// Longest audio analysed (a longer file is refused, not cut).
pub const MAX_DURATION_SECS: u64 = 20 * 60;
/// Corrupt packets skipped before the file is called unreadable.
const MAX_BAD_PACKETS: usize = 200;

/// What the stream was.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    pub rate: u32,
    pub channels: usize,
    pub frames: u64,
}

pub(crate) fn decode(
    source: Box<dyn MediaSource>,
    ext: Option<&str>,
    what: &str,
    sink: &mut Sink,
) -> Result<Facts, AudioError> {
    let mut hint = Hint::new();
    if let Some(ext) = ext {
        hint.with_extension(ext);
    }
    let mut source = source;
    // WAV is read by our own reader (`wav.rs` says why); symphonia never sees a RIFF file
    if crate::wav::is_wav(&sniff(&mut source, what)?) {
        return crate::wav::decode(source, what, sink);
    }
    let mss = MediaSourceStream::new(source, Default::default());
    let not_audio = |e: Error| AudioError::NotAudio { what: what.to_string(), why: e.to_string() };
    let mut format = symphonia::default::get_probe()
        .probe(&hint, mss, FormatOptions::default(), MetadataOptions::default())
        .map_err(not_audio)?;
    let track = format.default_track(TrackType::Audio).ok_or_else(|| AudioError::NoTrack { what: what.into() })?;
    let track_id = track.id;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| AudioError::NoTrack { what: what.into() })?
        .clone();
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| AudioError::Unsupported { what: what.into(), why: e.to_string() })?;
    let mut buf: Vec<f32> = Vec::new();
    let mut facts: Option<Facts> = None;
    let mut bad = 0usize;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            // a truncated file ends here: what was decoded is analysed
            Err(Error::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(Error::DecodeError(_)) if bad < MAX_BAD_PACKETS => {
                bad += 1;
                continue;
            }
            // a damaged tail after real audio: analyse what came before it
            Err(_) if facts.is_some() => break,
            Err(e) => return Err(not_audio(e)),
        };
        if packet.track_id != track_id {
            continue;
        }
        let block = match decoder.decode(&packet) {
            Ok(b) => b,
            Err(Error::DecodeError(_)) if bad < MAX_BAD_PACKETS => {
                bad += 1;
                continue;
            }
            Err(Error::DecodeError(why)) => {
                return Err(AudioError::NotAudio {
                    what: what.into(),
                    why: format!("too many corrupt frames ({why})"),
                });
            }
            Err(e) => return Err(AudioError::Unsupported { what: what.into(), why: e.to_string() }),
        };
        let spec = block.spec();
        let (rate, channels) = (spec.rate(), spec.channels().count());
        if rate == 0 || channels == 0 {
            return Err(AudioError::Unsupported { what: what.into(), why: "a stream without rate or channels".into() });
        }
        let f = match facts.as_mut() {
            Some(f) if f.rate != rate || f.channels != channels => {
                return Err(AudioError::Unsupported {
                    what: what.into(),
                    why: "the sample rate or channel count changes mid-stream".into(),
                });
            }
            Some(f) => f,
            None => {
                sink.start(rate, channels).map_err(|why| AudioError::Unsupported { what: what.into(), why })?;
                facts.insert(Facts { rate, channels, frames: 0 })
            }
        };
        buf.resize(block.samples_interleaved(), 0.0);
        block.copy_to_slice_interleaved(&mut buf[..]);
        // non-finite samples (a broken decoder) are silence
        for s in buf.iter_mut().filter(|s| !s.is_finite()) {
            *s = 0.0;
        }
        f.frames += (buf.len() / channels) as u64;
        if f.frames > MAX_DURATION_SECS * rate as u64 {
            return Err(AudioError::TooLong { what: what.into() });
        }
        sink.block(&buf, channels);
    }
    match facts {
        Some(f) if f.frames > 0 => Ok(f),
        _ => Err(AudioError::Empty { what: what.into() }),
    }
}

/// Reads the file's first 12 bytes, then rewinds.
fn sniff(source: &mut Box<dyn MediaSource>, what: &str) -> Result<Vec<u8>, AudioError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut head = Vec::with_capacity(12);
    source
        .by_ref()
        .take(12)
        .read_to_end(&mut head)
        .and_then(|_| source.seek(SeekFrom::Start(0)))
        .map_err(|e| AudioError::Read { path: what.to_string(), source: e })?;
    Ok(head)
}
