//! Decoding and analysis on arbitrary bytes, under every extension hint: an analysis or a named
//! error, never a panic, and nothing invented (every missing value has its note). Seeded at run
//! time with the shared clips (`scripts/fuzz.sh` copies `../shared/audio/*.ogg`, cut to the
//! fuzzer's length limit), the MP3/M4A/FLAC fixtures, and the WAV seeds committed in
//! `fuzz/corpus/audio/` (8/16/24-bit PCM, extensible float, a LIST chunk: our own WAV reader).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let ext = ["ogg", "wav", "flac", "mp3", "m4a", "aac"][pick as usize % 6];
    match hitcast_audio::analyse_bytes(bytes.to_vec(), Some(ext), "fuzz") {
        Ok(a) => {
            assert!(a.duration_ms.is_finite() && a.duration_ms > 0.0);
            assert!(a.tempo.is_none_or(|t| (40.0..=240.0).contains(&t)), "{a:?}");
            assert!(a.key.is_none_or(|k| k < 12) && a.mode.is_none_or(|m| m < 2), "{a:?}");
            // an alternative only beside a measurement, inside the same range
            assert!(a.tempo_alternative.is_none_or(|t| a.tempo.is_some() && (40.0..=240.0).contains(&t)), "{a:?}");
            assert!(a.key_alternative.is_none_or(|k| a.key.is_some() && k.key < 12 && k.mode < 2), "{a:?}");
            assert!(a.loudness.is_none_or(f64::is_finite));
            let missing = [a.loudness.is_none(), a.tempo.is_none(), a.key.is_none()].iter().filter(|m| **m).count();
            assert!(a.notes.len() > missing, "{a:?}");
        }
        Err(e) => assert!(e.to_string().starts_with("fuzz"), "{e}"),
    }
});
