//! The analysis on signals with known truth, synthesised here (click tracks, chords and scales
//! in every key, sines at known levels, silence, noise), on the real clips in `../shared/audio`
//! (their sources state a key or a tempo), and on files that are not audio.

use std::f64::consts::PI;
use std::path::PathBuf;

use hitcast_audio::{AudioError, analyse_bytes, analyse_file};

use hitcast_audio::synth::{RATE, clicks, in_key, seconds, wav};

const NAMES: [&str; 12] = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

#[test]
fn click_tracks_from_60_to_180_bpm() {
    for bpm in [60.0, 75.0, 90.0, 105.0, 120.0, 135.0, 150.0, 165.0, 180.0] {
        let a = analyse_bytes(wav(&clicks(bpm, 20.0), 1), Some("wav"), "clicks.wav").unwrap();
        let got = a.tempo.unwrap_or_else(|| panic!("{bpm}: no tempo: {:?}", a.notes));
        // within 4%, or an exact factor of two (reported as such)
        let ratio = got / bpm;
        let octave = [0.5, 1.0, 2.0].into_iter().find(|f| (ratio / f - 1.0).abs() <= 0.04);
        assert!(octave.is_some(), "{bpm} BPM measured {got:.1}");
        println!("clicks {bpm:>5.1} BPM → {got:6.1} (×{:.1}, confidence {:.2})", octave.unwrap(), a.tempo_confidence);
        assert!((a.duration_ms - 20_000.0).abs() < 1.0, "{}", a.duration_ms);
    }
}

#[test]
fn scales_and_chords_in_all_24_keys() {
    let mut exact = 0;
    for key in 0..12u8 {
        for major in [true, false] {
            let a = analyse_bytes(wav(&in_key(key, major), 1), Some("wav"), "key.wav").unwrap();
            let (k, m) = (a.key.expect("a key"), a.mode.expect("a mode"));
            let want_mode = u8::from(major);
            // the relative key (same notes) or the dominant is reported, not hidden
            let relative = if major { ((key + 9) % 12, 0) } else { ((key + 3) % 12, 1) };
            let dominant = ((key + 7) % 12, want_mode);
            let what = if (k, m) == (key, want_mode) {
                exact += 1;
                "exact"
            } else if (k, m) == relative {
                "relative"
            } else if (k, m) == dominant {
                "dominant"
            } else {
                panic!(
                    "{} {}: measured {} {}",
                    NAMES[key as usize],
                    if major { "major" } else { "minor" },
                    NAMES[k as usize],
                    m
                )
            };
            println!(
                "{:>2} {} → {:>2} {} ({what}, r = {:.2})",
                NAMES[key as usize],
                if major { "major" } else { "minor" },
                NAMES[k as usize],
                if m == 1 { "major" } else { "minor" },
                a.key_confidence
            );
        }
    }
    assert!(exact >= 20, "only {exact} of 24 keys exact");
}

#[test]
fn sines_at_known_levels_measure_their_loudness() {
    // EBU Tech 3341 case 1: a 1 kHz stereo sine at −23 dBFS reads −23 LUFS
    for level_db in [-23.0, -33.0, -12.0] {
        let amp = 10f64.powf(level_db / 20.0);
        let mono: Vec<f64> =
            (0..seconds(10.0)).map(|i| amp * (2.0 * PI * 1000.0 * i as f64 / RATE as f64).sin()).collect();
        let stereo: Vec<f64> = mono.iter().flat_map(|s| [*s, *s]).collect();
        let a = analyse_bytes(wav(&stereo, 2), Some("wav"), "sine.wav").unwrap();
        let lufs = a.loudness.unwrap();
        assert!((lufs - level_db).abs() <= 1.0, "{level_db} dBFS → {lufs:.2} LUFS");
        // a steady tone has no beat and no key to speak of: both missing, with reasons
        assert!(a.tempo.is_none(), "a sine got a tempo: {a:?}");
        // one pitch is not a key: it fits a key profile at r ≈ 0.68, under the 0.7 required
        assert!(a.key.is_none(), "a sine got a key: {a:?}");
        assert_eq!((a.sample_rate, a.channels), (RATE, 2));
    }
}

#[test]
fn silence_and_noise_give_missing_values_with_reasons() {
    let silence = analyse_bytes(wav(&vec![0.0; seconds(10.0)], 1), Some("wav"), "silence.wav").unwrap();
    assert_eq!((silence.loudness, silence.tempo, silence.key, silence.mode), (None, None, None, None));
    assert!(silence.notes.iter().any(|n| n.starts_with("loudness: the audio is silent")), "{:?}", silence.notes);
    assert!((silence.duration_ms - 10_000.0).abs() < 1.0);
    // white noise (a fixed LCG): a level, but no key and no beat
    let mut x: u64 = 42;
    let noise: Vec<f64> = (0..seconds(10.0))
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((x >> 33) as f64 / (1u64 << 31) as f64 - 1.0) * 0.3
        })
        .collect();
    let n = analyse_bytes(wav(&noise, 1), Some("wav"), "noise.wav").unwrap();
    assert!(n.loudness.is_some());
    assert_eq!((n.key, n.tempo), (None, None), "{n:?}");
    assert!(n.notes.iter().any(|l| l.starts_with("key, mode: no clear tonal centre")), "{:?}", n.notes);
    assert!(n.notes.iter().any(|l| l.starts_with("tempo: ")), "{:?}", n.notes);
}

#[test]
fn files_that_are_not_audio_are_named_errors() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    for (name, bytes) in
        [("cover.mp3", png), ("notes.mp3", b"just some text, not a song".to_vec()), ("empty.wav", vec![])]
    {
        let e = analyse_bytes(bytes, Some("mp3"), name).unwrap_err();
        assert!(matches!(e, AudioError::NotAudio { .. } | AudioError::Empty { .. }), "{name}: {e:?}");
        assert!(e.to_string().starts_with(name), "{e}");
    }
    // a WAV header that declares 4 GB over a few bytes of data: what is there, no huge buffer
    let mut lying = wav(&clicks(120.0, 1.0), 1);
    lying[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    match analyse_bytes(lying, Some("wav"), "lying.wav") {
        Ok(a) => assert!(a.duration_ms <= 1000.5, "{}", a.duration_ms),
        Err(e) => assert!(e.to_string().starts_with("lying.wav"), "{e}"),
    }
    // truncated mid-file: the part that is there is analysed
    let whole = wav(&clicks(120.0, 10.0), 1);
    let cut = whole[..whole.len() / 2 + 1].to_vec();
    let a = analyse_bytes(cut, Some("wav"), "cut.wav").unwrap();
    assert!((a.duration_ms - 5000.0).abs() < 50.0, "{}", a.duration_ms);
    // a header only: no audio
    let e = analyse_bytes(wav(&[], 1), Some("wav"), "header.wav").unwrap_err();
    assert!(matches!(e, AudioError::Empty { .. } | AudioError::NotAudio { .. }), "{e:?}");
}

fn clip(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/audio").join(name)
}

/// The clips' stated facts (../shared/audio/README.md). Printed for the table in BENCHMARKS.md;
/// asserted where a source states the fact and the analysis must honour it.
#[test]
fn the_shared_clips() {
    for (file, stated) in [
        ("sorohanro_-_solo-trumpet-06.ogg", "F, 90 bpm"),
        ("Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg", "F# minor"),
        ("Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy.ogg", "E minor"),
        ("Kevin_MacLeod_-_Vibe_Ace.ogg", "steady swing"),
        ("Karissa_Hobbs_-_Lets_Go_Fishin.ogg", "steady beat, sung"),
        ("198-209-0000.ogg", "speech"),
    ] {
        let a = analyse_file(&clip(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        println!(
            "{file}: stated {stated}; measured {:.1} s, {} LUFS, tempo {} (conf {:.2}), key {} (r {:.2}); notes {:?}",
            a.duration_ms / 1000.0,
            a.loudness.map_or("-".into(), |v| format!("{v:.1}")),
            a.tempo.map_or("-".into(), |v| format!("{v:.1}")),
            a.tempo_confidence,
            a.key.map_or("-".into(), |k| format!(
                "{} {}",
                NAMES[k as usize],
                if a.mode == Some(1) { "major" } else { "minor" }
            )),
            a.key_confidence,
            a.notes
        );
        assert!(a.duration_ms > 1000.0 && a.loudness.is_some(), "{file}");
        match file {
            // stated keys the analysis finds (the Brahms recording reads a semitone high: G minor)
            "sorohanro_-_solo-trumpet-06.ogg" => assert_eq!((a.key, a.mode), (Some(5), Some(1)), "F major"),
            "Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy.ogg" => {
                assert_eq!((a.key, a.mode), (Some(4), Some(0)), "E minor")
            }
            // speech: no beat, no key, said so
            "198-209-0000.ogg" => {
                assert_eq!((a.tempo, a.key), (None, None));
                assert_eq!(a.notes.len(), 3, "{:?}", a.notes);
            }
            _ => {}
        }
    }
}
