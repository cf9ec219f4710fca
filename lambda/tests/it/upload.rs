//! Songs' audio files as `multipart/form-data` on `/v1/predict` and `/v1/rank`.

use hitcast_audio::synth::{song, wav};
use hitcast_lambda::api::{ApiRequest, handle};
use http::Method;
use serde_json::{Value, json};

use crate::support::state;

const BOUNDARY: &str = "----hitcast-test-7MA4YWxkTrZu0gW";

/// A form: `(part name, file name, bytes)`.
fn form(parts: &[(&str, Option<&str>, Vec<u8>)]) -> Vec<u8> {
    let mut b = Vec::new();
    for (name, file, body) in parts {
        b.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let disposition = match file {
            Some(f) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: audio/wav\r\n"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\"\r\nContent-Type: application/json\r\n"),
        };
        b.extend_from_slice(disposition.as_bytes());
        b.extend_from_slice(b"\r\n");
        b.extend_from_slice(body);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

fn post(path: &str, body: &[u8]) -> (u16, Value) {
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let r = handle(&state(), ApiRequest { method: &Method::POST, path, content_type: Some(&ct), body });
    (r.status.as_u16(), serde_json::from_slice(&r.body).unwrap())
}

fn demo(bpm: f64, key: u8, major: bool) -> Vec<u8> {
    wav(&song(bpm, key, major, 12.0), 1)
}

#[test]
fn one_song_is_predicted_from_its_file_and_what_the_client_knows() {
    let track = json!({"name": "Demo", "artist_popularity": 40, "features": {"mode": 1}}).to_string();
    let body = form(&[("audio", Some("demo take 3.wav"), demo(120.0, 9, false)), ("track", None, track.into_bytes())]);
    let (s, v) = post("/v1/predict", &body);
    assert_eq!(s, 200, "{v}");
    let p = &v["prediction"];
    assert_eq!(p["name"], "Demo");
    let inputs = &p["inputs"];
    assert_eq!(inputs["key"], json!({"value": 9.0, "source": "audio"}));
    assert_eq!(inputs["mode"], json!({"value": 1.0, "source": "client"}), "the client's value wins");
    assert_eq!(inputs["artist_popularity"]["source"], "client");
    let tempo = inputs["tempo"]["value"].as_f64().unwrap();
    assert!((tempo / 120.0 - 1.0).abs() <= 0.04, "{tempo}");
    assert_eq!(inputs["duration_ms"]["value"], 12_000.0);
    assert!(inputs.get("danceability").is_none(), "nothing invented: {inputs}");
    let a = &v["audio"][0];
    assert_eq!(a["file"], "demo take 3.wav");
    assert_eq!(a["index"], 0);
    assert_eq!(a["overridden"], json!([{"feature": "mode", "measured": 0.0}]));
    assert_eq!(a["analysis"]["key_name"], "A minor");
    // without a track part: named after the file
    let (s, v) = post("/v1/predict", &form(&[("audio", Some("Night Drive.wav"), demo(100.0, 2, true))]));
    assert_eq!((s, v["prediction"]["name"].as_str()), (200, Some("Night Drive")), "{v}");
}

#[test]
fn an_album_is_ranked_from_its_files() {
    let tracks = json!([{"name": "One"}, {"name": "Two", "genre": "indie"}, {"name": "Three"}]).to_string();
    let body = form(&[
        ("audio", Some("1.wav"), demo(90.0, 0, true)),
        ("audio", Some("2.wav"), demo(124.0, 7, true)),
        ("audio", Some("3.wav"), demo(140.0, 4, false)),
        ("tracks", None, tracks.into_bytes()),
    ]);
    let (s, v) = post("/v1/rank", &body);
    assert_eq!(s, 200, "{v}");
    let mut names: Vec<&str> = v["tracks"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["One", "Three", "Two"]);
    assert_eq!(v["audio"].as_array().unwrap().len(), 3);
    let two = v["tracks"].as_array().unwrap().iter().find(|t| t["name"] == "Two").unwrap();
    let missing = two["prediction"]["missing"].as_array().unwrap();
    assert!(!missing.contains(&json!("genre")) && !missing.contains(&json!("tempo")), "{two}");
    // one `track` for every file
    let body = form(&[
        ("audio", Some("a.wav"), demo(90.0, 0, true)),
        ("audio", Some("b.wav"), demo(124.0, 7, true)),
        ("track", None, br#"{"artist_popularity": 22}"#.to_vec()),
    ]);
    let (s, v) = post("/v1/rank", &body);
    assert_eq!(s, 200, "{v}");
    for t in v["tracks"].as_array().unwrap() {
        assert!(!t["prediction"]["missing"].as_array().unwrap().contains(&json!("artist_popularity")), "{t}");
    }
    // and the same file through /v1/predict says the value and its source
    let (s, v) = post("/v1/predict", &body);
    assert_eq!(s, 200, "{v}");
    for p in v["predictions"].as_array().unwrap() {
        assert_eq!(p["inputs"]["artist_popularity"], json!({"value": 22.0, "source": "client"}));
    }
}

#[test]
fn bad_forms_and_bad_files_are_named_4xx() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01".to_vec();
    let ok = || ("audio", Some("ok.wav"), demo(110.0, 5, true));
    for (parts, status, code, says) in [
        (vec![("audio", Some("cover.mp3"), png.clone())], 400, "bad_audio", "cover.mp3 is not an audio file"),
        (vec![("audio", Some("empty.wav"), Vec::new())], 400, "bad_audio", "empty.wav holds no audio"),
        (vec![ok(), ("audio", Some("cut.flac"), b"fLaC\0\0".to_vec())], 400, "bad_audio", "track 2: cut.flac"),
        (vec![("track", None, b"{}".to_vec())], 400, "bad_request", "no `audio` part"),
        (vec![ok(), ("lyrics", None, b"la la".to_vec())], 400, "invalid_input", "lyrics"),
        (vec![ok(), ("track", None, b"{nope".to_vec())], 400, "bad_request", "`track` part is not valid JSON"),
        (vec![ok(), ("tracks", None, b"[{}, {}]".to_vec())], 400, "bad_request", "2 tracks for 1 audio files"),
        (vec![ok(), ("track", None, br#"{"features": {"tempo": 900}}"#.to_vec())], 400, "validation_failed", "tempo"),
        (vec![ok(), ("track", None, br#"{"features": {"tempoo": 90}}"#.to_vec())], 400, "invalid_input", "tempo"),
        (vec![("audio", Some("tiny.wav"), wav(&[0.1; 100], 1)); 11], 413, "too_many_tracks", "at most 10 audio files"),
    ] {
        let (s, v) = post("/v1/predict", &form(&parts));
        let msg = v["error"]["message"].as_str().unwrap_or_default().to_string();
        assert_eq!((s, v["error"]["code"].as_str().unwrap()), (status, code), "{says}: {v}");
        assert!(msg.contains(says), "{says}: {msg}");
    }
    // not a form at all, or a form without its boundary
    for (ct, body) in [
        (format!("multipart/form-data; boundary={BOUNDARY}"), b"garbage".to_vec()),
        ("multipart/form-data".to_string(), form(&[ok()])),
    ] {
        let r = handle(
            &state(),
            ApiRequest { method: &Method::POST, path: "/v1/rank", content_type: Some(&ct), body: &body },
        );
        assert_eq!(r.status.as_u16(), 400, "{ct}");
    }
    // explain takes JSON only, and says so
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let r = handle(
        &state(),
        ApiRequest { method: &Method::POST, path: "/v1/explain", content_type: Some(&ct), body: &form(&[ok()]) },
    );
    assert_eq!(r.status.as_u16(), 415);
    let r = handle(
        &state(),
        ApiRequest { method: &Method::POST, path: "/v1/predict", content_type: Some("text/plain"), body: b"x" },
    );
    assert!(String::from_utf8_lossy(&r.body).contains("or songs' audio files as multipart/form-data"));
}

fn with_remote(url: &str) -> hitcast_lambda::api::AppState {
    use hitcast_lambda::origin::{Loaded, ModelOrigin};
    let model = std::sync::Arc::new(hitcast::Model::embedded().unwrap());
    hitcast_lambda::api::AppState::new(Loaded { model, origin: ModelOrigin::Embedded }).with_remote(
        std::sync::Arc::new(hitcast_http::remote::ReccoBeatsAnalysis::new(url, std::time::Duration::from_secs(5))),
    )
}

#[test]
fn the_remote_analysis_is_asked_only_when_the_client_opts_in() {
    // ReccoBeats' documented answer: the audio features of the file's first 30 s
    let (url, requests) = crate::support::recco_stub(
        200,
        r#"{"acousticness": 0.12, "danceability": 0.71, "energy": 0.66, "instrumentalness": 0.0, "liveness": 0.09,
            "loudness": -7.1, "speechiness": 0.05, "tempo": 121.0, "valence": 0.58}"#,
    );
    let state = with_remote(&url);
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let ask = |opt_in: bool| {
        let mut parts = vec![("audio", Some("demo.wav"), demo(120.0, 9, false))];
        if opt_in {
            parts.push(("remote_analysis", None, b"true".to_vec()));
        }
        let r = handle(
            &state,
            ApiRequest { method: &Method::POST, path: "/v1/predict", content_type: Some(&ct), body: &form(&parts) },
        );
        (r.status.as_u16(), serde_json::from_slice::<Value>(&r.body).unwrap())
    };
    // not asked: nothing is sent
    let (s, v) = ask(false);
    assert_eq!(s, 200, "{v}");
    assert!(v["prediction"]["inputs"].get("danceability").is_none());
    assert!(requests.try_recv().is_err(), "the file went to the third party without being asked");
    // asked: the perceptual features fill what is missing; measured values keep their source
    let (s, v) = ask(true);
    assert_eq!(s, 200, "{v}");
    let inputs = &v["prediction"]["inputs"];
    assert_eq!(inputs["danceability"], json!({"value": 0.71, "source": "recco_beats"}));
    assert_eq!(inputs["valence"]["source"], "recco_beats");
    assert_eq!(inputs["tempo"]["source"], "audio", "the whole song's measurement wins: {inputs}");
    assert_eq!(inputs["loudness"]["source"], "audio");
    let notes = v["audio"][0]["notes"].to_string();
    assert!(notes.contains("from ReccoBeats' analysis of the file's first 30 s: danceability, energy"), "{notes}");
    let req = requests.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    let text = String::from_utf8_lossy(&req);
    assert!(text.starts_with("POST /v1/analysis/audio-features HTTP/1.1"), "{}", &text[..80]);
    assert!(text.contains("name=\"audioFile\"; filename=\"demo.wav\""), "the file in `audioFile`");
}

#[test]
fn a_remote_analysis_that_fails_still_predicts_and_says_why() {
    let (url, requests) = crate::support::recco_stub(503, r#"{"error": "down"}"#);
    let state = with_remote(&url);
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let body = form(&[("audio", Some("demo.wav"), demo(120.0, 9, false)), ("remote_analysis", None, b"on".to_vec())]);
    let r =
        handle(&state, ApiRequest { method: &Method::POST, path: "/v1/predict", content_type: Some(&ct), body: &body });
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(r.status.as_u16(), 200, "{v}");
    assert!(
        v["audio"][0]["notes"].to_string().contains("ReccoBeats: ReccoBeats answered HTTP 503; predicted without it"),
        "{v}"
    );
    assert!(requests.recv_timeout(std::time::Duration::from_secs(5)).is_ok());
    // three files: after the first failure the others are not sent (ten files, not ten time-outs)
    let song = demo(120.0, 9, false);
    let three = form(&[
        ("audio", Some("a.wav"), song.clone()),
        ("audio", Some("b.wav"), song.clone()),
        ("audio", Some("c.wav"), song),
        ("remote_analysis", None, b"true".to_vec()),
    ]);
    let r =
        handle(&state, ApiRequest { method: &Method::POST, path: "/v1/rank", content_type: Some(&ct), body: &three });
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(r.status.as_u16(), 200, "{v}");
    assert!(v["audio"][0]["notes"].to_string().contains("answered HTTP 503"), "{v}");
    for i in [1, 2] {
        let notes = v["audio"][i]["notes"].to_string();
        assert!(notes.contains("ReccoBeats: not asked (it failed on a.wav); predicted without it"), "{notes}");
    }
    assert!(requests.recv_timeout(std::time::Duration::from_secs(2)).is_ok(), "a.wav was sent");
    assert!(requests.try_recv().is_err(), "b.wav or c.wav went to the third party after it failed");
    // a deployment without the option says so; a value that is not a yes or no is named
    let (s, v) = post("/v1/predict", &body);
    assert_eq!((s, v["error"]["code"].as_str()), (400, Some("bad_request")));
    assert!(v["error"]["message"].as_str().unwrap().contains("no remote analysis"), "{v}");
    let body =
        form(&[("audio", Some("demo.wav"), demo(120.0, 9, false)), ("remote_analysis", None, b"maybe".to_vec())]);
    let (s, v) = post("/v1/predict", &body);
    assert_eq!(s, 400, "{v}");
}
