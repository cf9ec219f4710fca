//! `hitcast analyse`, and `predict`/`rank` from songs' audio files (synthesised here with known
//! tempo and key, and the real clips in ../shared/audio).

use std::path::{Path, PathBuf};

use hitcast_audio::synth::{song, wav};
use serde_json::Value;

use crate::cli::{hitcast, stderr, stdout};

/// A fresh folder under the system's temporary one.
fn folder(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hitcast-audio-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_song(dir: &Path, name: &str, bpm: f64, key: u8, major: bool) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, wav(&song(bpm, key, major, 16.0), 1)).unwrap();
    p
}

fn json(o: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)))
}

#[test]
fn predict_from_a_file_measures_what_it_can_and_flags_win() {
    let dir = folder("predict");
    let f = write_song(&dir, "Demo One.wav", 120.0, 9, false); // A minor
    let o = hitcast(&["predict", f.to_str().unwrap(), "--artist-popularity", "35", "--mode", "1", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    let p = &v["prediction"];
    assert_eq!(p["name"], "Demo One");
    let inputs = &p["inputs"];
    assert_eq!(inputs["key"]["value"], 9.0, "{inputs}");
    assert_eq!(inputs["key"]["source"], "audio");
    let tempo = inputs["tempo"]["value"].as_f64().unwrap();
    assert!((tempo / 120.0 - 1.0).abs() <= 0.04, "tempo {tempo}");
    assert_eq!(inputs["duration_ms"]["value"], 16_000.0);
    assert_eq!(inputs["loudness"]["source"], "audio");
    // the flag wins over the measured minor, and the answer says what was measured
    assert_eq!(inputs["mode"], serde_json::json!({"value": 1.0, "source": "user"}));
    assert_eq!(inputs["artist_popularity"]["source"], "user");
    let report = &v["audio"][0];
    assert_eq!(report["overridden"], serde_json::json!([{"feature": "mode", "measured": 0.0}]));
    assert_eq!(report["analysis"]["key_name"], "A minor");
    // nothing invented: the perceptual features stay missing
    let missing: Vec<&str> = p["missing"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    for f in ["danceability", "energy", "valence", "time_signature"] {
        assert!(missing.contains(&f), "{f} not missing: {missing:?}");
    }
    // the table says where each input came from and why one is missing
    let o = hitcast(&["predict", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("from audio file"), "{text}");
    assert!(text.contains("measured key, loudness, mode, tempo, duration_ms"), "{text}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn rank_a_folder_names_the_files_it_could_not_read() {
    let dir = folder("rank");
    write_song(&dir, "a.wav", 96.0, 0, true);
    write_song(&dir, "b.wav", 128.0, 7, true);
    write_song(&dir, "c.wav", 140.0, 2, false);
    std::fs::write(dir.join("cover.mp3"), b"\x89PNG\r\n\x1a\n not a song").unwrap();
    std::fs::write(dir.join("notes.txt"), "ignored: not an audio file name").unwrap();
    let o = hitcast(&["rank", dir.to_str().unwrap(), "--artist-popularity", "40", "--json"]);
    // the three songs are ranked, the PNG is named, the exit code says not everything was read
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let v = json(&o);
    let names: Vec<&str> = v["tracks"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, ["a", "b", "c"]);
    let err = stderr(&o);
    assert!(err.contains("1 of 4 files could not be analysed"), "{err}");
    assert!(err.contains("cover.mp3 is not an audio file"), "{err}");
    let failed: Vec<&Value> = v["audio"].as_array().unwrap().iter().filter(|r| r["error"].is_string()).collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["index"].is_null());
    // files given one by one, in a table
    let a = dir.join("a.wav");
    let b = dir.join("b.wav");
    let o = hitcast(&["rank", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("Release as the single:"), "{}", stdout(&o));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn analyse_prints_measurements_and_names_bad_files() {
    let dir = folder("analyse");
    let f = write_song(&dir, "song.wav", 100.0, 4, true);
    let o = hitcast(&["analyse", f.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v[0]["key_name"], "E major");
    assert!((v[0]["tempo"].as_f64().unwrap() / 100.0 - 1.0).abs() <= 0.04, "{v}");
    assert!(v[0]["notes"].as_array().unwrap().iter().any(|n| n == "time_signature: not measured"));
    let o = hitcast(&["analyse", f.to_str().unwrap()]);
    assert!(stdout(&o).contains(" BPM E major"), "{}", stdout(&o));
    // clicks at 180 BPM read at half: the double is reported beside it, in JSON and in the table
    let fast = dir.join("clicks-180.wav");
    std::fs::write(&fast, wav(&hitcast_audio::synth::clicks(180.0, 20.0), 1)).unwrap();
    let o = hitcast(&["analyse", fast.to_str().unwrap(), "--json"]);
    let v = json(&o);
    let (tempo, alt) = (v[0]["tempo"].as_f64().unwrap(), v[0]["tempo_alternative"].as_f64().unwrap_or(0.0));
    assert!((tempo / 90.0 - 1.0).abs() <= 0.04 && (alt / 180.0 - 1.0).abs() <= 0.04, "{v}");
    let o = hitcast(&["analyse", fast.to_str().unwrap()]);
    assert!(stdout(&o).contains(&format!("also plausible: {alt:.1} BPM (double)")), "{}", stdout(&o));
    // bad input, each named, exit 2: not audio, empty, a folder without songs, a tracks file
    std::fs::write(dir.join("empty.flac"), b"").unwrap();
    std::fs::write(dir.join("text.mp3"), b"just some text").unwrap();
    for (args, says) in [
        (vec![dir.join("empty.flac")], "empty.flac holds no audio"),
        (vec![dir.join("text.mp3")], "text.mp3 is not an audio file"),
        (vec![crate::path("tests")], "has no audio files"),
        (vec![f.clone(), crate::path("examples/album.csv")], "album.csv: give either one tracks file"),
    ] {
        let args: Vec<&str> = std::iter::once("analyse").chain(args.iter().map(|p| p.to_str().unwrap())).collect();
        let o = hitcast(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_shared_clip_is_predicted() {
    let clip = crate::path("../shared/audio/Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy.ogg");
    let o = hitcast(&["predict", clip.to_str().unwrap(), "--json", "--genre", "classical"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    // its source states E minor
    assert_eq!(v["audio"][0]["analysis"]["key_name"], "E minor");
    assert_eq!(v["prediction"]["inputs"]["genre"]["source"], "user");
    let e = v["prediction"]["expected_popularity"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&e));
}

/// Without the build feature `remote`, the flag says how to get it.
#[cfg(not(feature = "remote"))]
#[test]
fn remote_analysis_needs_the_remote_build() {
    let dir = folder("no-remote");
    let f = write_song(&dir, "song.wav", 120.0, 0, true);
    let o = hitcast(&["predict", f.to_str().unwrap(), "--remote-analysis"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--features remote"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(dir);
}

/// With it (`scripts/test.sh` builds it), against a stub of ReccoBeats on 127.0.0.1.
#[cfg(feature = "remote")]
#[test]
fn remote_analysis_fills_the_perceptual_features_only_when_asked() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for mut c in listener.incoming().flatten() {
            let mut req = Vec::new();
            let mut buf = [0u8; 65536];
            while let Ok(n @ 1..) = c.read(&mut buf) {
                req.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&req).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len: usize = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if req.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let _ = tx.send(String::from_utf8_lossy(&req).into_owned());
            let body = r#"{"danceability": 0.66, "energy": 0.7, "valence": 0.4, "acousticness": 0.3, "tempo": 100.0}"#;
            let _ = write!(
                c,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let dir = folder("remote");
    let f = write_song(&dir, "song.wav", 120.0, 0, true);
    let run = |extra: &[&str]| {
        let mut args = vec!["predict", f.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        std::process::Command::new(env!("CARGO_BIN_EXE_hitcast"))
            .args(&args)
            .env("HITCAST_RECCOBEATS_URL", &url)
            .env_remove("HITCAST_MODEL")
            .output()
            .unwrap()
    };
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(rx.try_recv().is_err(), "the file went to the third party without being asked");
    let o = run(&["--remote-analysis"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    let inputs = &v["prediction"]["inputs"];
    assert_eq!(inputs["danceability"], serde_json::json!({"value": 0.66, "source": "recco_beats"}));
    assert_eq!(inputs["tempo"]["source"], "audio", "the whole song's measurement wins: {inputs}");
    let req = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert!(req.starts_with("POST /v1/analysis/audio-features"), "{}", &req[..60]);
    assert!(req.contains("name=\"audioFile\"; filename=\"song.wav\""));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn explain_a_song_from_its_file_with_a_what_if() {
    let dir = folder("explain");
    let f = write_song(&dir, "song.wav", 110.0, 4, false);
    let o = hitcast(&["explain", f.to_str().unwrap(), "--artist-popularity", "30", "--set", "artist_popularity=70"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("artist_popularity") && text.contains("70"), "{text}");
    assert!(text.contains("measured key, loudness, mode, tempo, duration_ms"), "{text}");
    // as JSON: the explanation and what the file gave
    let o = hitcast(&["explain", f.to_str().unwrap(), "--artist-popularity", "30", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["explanation"].is_object(), "{v}");
    let audio = &v["audio"][0];
    assert_eq!(audio["file"], f.display().to_string(), "{v}");
    assert_eq!(audio["analysis"]["key_name"], "E minor", "{v}");
    assert!(audio["measured"].as_array().unwrap().iter().any(|m| m == "tempo"), "{v}");
    let _ = std::fs::remove_dir_all(dir);
}
