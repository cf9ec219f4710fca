//! The router: every route, every error status, never a 500 for bad input.

use hitcast_lambda::api::{ApiRequest, MAX_BODY_BYTES, MAX_TRACKS, handle};
use http::Method;
use serde_json::{Value, json};

use crate::support::state;

fn req(method: Method, path: &str, body: &str) -> (u16, Value, Option<&'static str>) {
    let ct = if body.is_empty() { None } else { Some("application/json") };
    let r = handle(&state(), ApiRequest { method: &method, path, content_type: ct, body: body.as_bytes() });
    let v = if r.content_type == "application/json" { serde_json::from_slice(&r.body).unwrap() } else { Value::Null };
    (r.status.as_u16(), v, r.allow)
}

fn track() -> Value {
    json!({"danceability": 0.7, "energy": 0.8, "key": 5, "loudness": -5, "mode": 1, "speechiness": 0.05,
           "acousticness": 0.1, "instrumentalness": 0, "liveness": 0.1, "valence": 0.6, "tempo": 120,
           "duration_ms": 200000})
}

#[test]
fn not_found_and_method_not_allowed() {
    let (s, v, _) = req(Method::GET, "/v2/predict", "");
    assert_eq!((s, v["error"]["code"].as_str()), (404, Some("not_found")));
    let (s, v, allow) = req(Method::GET, "/v1/predict", "");
    assert_eq!((s, v["error"]["code"].as_str(), allow), (405, Some("method_not_allowed"), Some("POST, OPTIONS")));
    let (s, _, allow) = req(Method::DELETE, "/health", "");
    assert_eq!((s, allow), (405, Some("GET, HEAD, OPTIONS")));
    // a plain OPTIONS (not a CORS preflight) lists the methods
    let (s, _, allow) = req(Method::OPTIONS, "/v1/rank", "");
    assert_eq!((s, allow), (204, Some("POST, OPTIONS")));
    // HEAD works wherever GET does, without a body
    let r = handle(&state(), ApiRequest { method: &Method::HEAD, path: "/health", content_type: None, body: b"" });
    assert_eq!((r.status.as_u16(), r.body.len()), (200, 0));
    assert_eq!(req(Method::GET, "/health/", "").0, 200, "a trailing slash is the same route");
}

#[test]
fn bad_bodies_are_4xx_never_500() {
    for (body, code) in [
        ("{not json", "bad_request"),
        ("[]", "bad_request"),
        ("{}", "bad_request"),
        (r#"{"tracks": []}"#, "bad_request"),
        (r#"{"tracks": 3}"#, "bad_request"),
        (r#"{"features": 3}"#, "invalid_input"),
        (r#"{"features": {"danceabilty": 0.5}}"#, "invalid_input"),
        (r#"{"features": {"energy": "loud"}}"#, "invalid_input"),
        (r#"{"features": {"energy": 1.5}}"#, "validation_failed"),
        (r#"{"features": {}}"#, "validation_failed"), // no input at all (each one is optional, one is needed)
    ] {
        let (s, v, _) = req(Method::POST, "/v1/predict", body);
        assert_eq!(s, 400, "{body}: {v}");
        assert_eq!(v["error"]["code"], code, "{body}: {v}");
        assert_eq!(v["model_version"], crate::support::embedded_version().as_str());
    }
    let (_, v, _) = req(Method::POST, "/v1/predict", r#"{"features": {"danceabilty": 0.5}}"#);
    assert_eq!(v["error"]["field"], "danceabilty");
    assert!(v["error"]["message"].as_str().unwrap().contains("did you mean `danceability`"));
}

#[test]
fn unsupported_media_type() {
    let r = handle(
        &state(),
        ApiRequest { method: &Method::POST, path: "/v1/predict", content_type: Some("text/csv"), body: b"a,b" },
    );
    assert_eq!(r.status.as_u16(), 415);
    let r = handle(&state(), ApiRequest { method: &Method::POST, path: "/v1/rank", content_type: None, body: b"{}" });
    assert_eq!(r.status.as_u16(), 415);
}

#[test]
fn batch_limits() {
    let over: Vec<Value> = (0..=MAX_TRACKS).map(|_| track()).collect();
    let (s, v, _) = req(Method::POST, "/v1/predict", &json!({"tracks": over}).to_string());
    assert_eq!(s, 413);
    assert_eq!(v["error"]["code"], "too_many_tracks");
    assert!(v["error"]["message"].as_str().unwrap().contains("the limit is 1000"));
    let big = " ".repeat(MAX_BODY_BYTES + 1);
    let (s, v, _) = req(Method::POST, "/v1/rank", &big);
    assert_eq!((s, v["error"]["code"].as_str()), (413, Some("body_too_large")));
    let full: Vec<Value> = (0..MAX_TRACKS).map(|_| track()).collect();
    assert_eq!(req(Method::POST, "/v1/predict", &json!({"tracks": full}).to_string()).0, 200);
}

#[test]
fn batch_predict_keeps_order_and_reports_bad_rows() {
    let mut b = track();
    b["danceability"] = json!(0.1);
    b["name"] = json!("B");
    let (s, v, _) =
        req(Method::POST, "/v1/predict", &json!({"tracks": [track(), {"name": "W", "features": b}]}).to_string());
    assert_eq!(s, 200, "{v}");
    let preds = v["predictions"].as_array().unwrap();
    assert_eq!(preds.len(), 2);
    assert_eq!(preds[1]["name"], "W");
    // no name, artists or album: the text-derived inputs are missing too
    assert_eq!(
        preds[0]["missing"],
        json!([
            "time_signature",
            "artist_popularity",
            "genre",
            "years_since_release",
            "title_marker",
            "album_marker",
            "featured_artists"
        ])
    );

    let mut bad = track();
    bad["tempo"] = json!(400);
    let (s, v, _) = req(Method::POST, "/v1/rank", &json!({"tracks": [track(), bad]}).to_string());
    assert_eq!(s, 400);
    assert_eq!(v["error"]["problems"][0]["track"], 1);
    assert_eq!(v["error"]["problems"][0]["field"], "tempo");
    assert_eq!(v["error"]["message"], "track 2: tempo = 400 is outside 0–250 BPM");
}

#[test]
fn explain_and_what_if() {
    let body = json!({"features": track(), "what_if": {"artist_popularity": 80, "genre": "rock"}});
    let (s, v, _) = req(Method::POST, "/v1/explain", &body.to_string());
    assert_eq!(s, 200, "{v}");
    assert!(!v["explanation"]["drivers"].as_array().unwrap().is_empty());
    assert_eq!(v["what_if"]["changes"].as_array().unwrap().len(), 2);
    let (s, v, _) =
        req(Method::POST, "/v1/explain", &json!({"features": track(), "what_if": {"tempoo": 1}}).to_string());
    assert_eq!(s, 400);
    assert_eq!(v["error"]["field"], "what_if.tempoo");
    assert_eq!(v["error"]["problems"][0]["track"], Value::Null, "a what-if is not a track: {v}");
    let (s, _, _) =
        req(Method::POST, "/v1/explain", &json!({"features": track(), "what_if": {"tempo": 999}}).to_string());
    assert_eq!(s, 400);
}

#[test]
fn model_health_page_and_openapi() {
    let (s, v, _) = req(Method::GET, "/v1/model", "");
    assert_eq!(s, 200);
    assert_eq!(v["version"], crate::support::embedded_version().as_str());
    assert!(v["metrics"]["accuracy"].as_f64().unwrap() > 0.4);
    let (s, v, _) = req(Method::GET, "/health", "");
    assert_eq!((s, v["status"].as_str(), v["model_source"].as_str()), (200, Some("ok"), Some("embedded")));
    let page = handle(&state(), ApiRequest { method: &Method::GET, path: "/", content_type: None, body: b"" });
    assert_eq!(page.status.as_u16(), 200);
    assert!(std::str::from_utf8(&page.body).unwrap().contains("id=\"predict-btn\""));
    let spec =
        handle(&state(), ApiRequest { method: &Method::GET, path: "/openapi.yaml", content_type: None, body: b"" });
    assert!(std::str::from_utf8(&spec.body).unwrap().starts_with("openapi: 3"));
}

#[test]
fn a_declared_body_over_the_limit_is_refused_before_it_is_sent() {
    use std::io::{Read, Write};
    let (_server, addr) = crate::support::Proc::serve(&[]);
    for declared in [MAX_BODY_BYTES + 1, 1_000_000_000] {
        // the head only: the answer must come without a byte of the body
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(s, "POST /v1/predict HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {declared}\r\n\r\n").unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        let mut raw = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = s.read(&mut buf) {
            raw.extend_from_slice(&buf[..n]);
        }
        let raw = String::from_utf8_lossy(&raw);
        assert!(raw.starts_with("HTTP/1.1 413"), "{declared}: {raw}");
        assert!(raw.contains(&format!("x-hitcast-model: {}", crate::support::embedded_version())), "{raw}");
        assert!(raw.contains("body_too_large"), "{raw}");
        // what fits, for a song's file
        assert!(raw.contains("3.3 minutes of MP3 at 256 kbit/s"), "{raw}");
    }
}

#[test]
fn a_model_that_returns_nan_is_a_500_with_a_json_error_never_a_200_or_a_panic() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/nan_above_200_bpm.onnx");
    let model = std::sync::Arc::new(hitcast::Model::from_path(path).unwrap());
    let state = hitcast_lambda::api::AppState::new(hitcast_lambda::store::Loaded {
        model,
        origin: hitcast_lambda::store::ModelOrigin::Embedded,
    });
    let mut fast = track();
    fast["tempo"] = json!(240);
    for (route, body) in [
        ("/v1/predict", json!({"features": fast.clone()})),
        ("/v1/predict", json!({"tracks": [track(), fast.clone()]})),
        ("/v1/rank", json!({"tracks": [track(), fast.clone()]})),
        ("/v1/explain", json!({"features": fast.clone()})),
    ] {
        let body = body.to_string();
        let r = handle(
            &state,
            ApiRequest {
                method: &Method::POST,
                path: route,
                content_type: Some("application/json"),
                body: body.as_bytes(),
            },
        );
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!((r.status.as_u16(), v["error"]["code"].as_str()), (500, Some("internal")), "{route}: {v}");
    }
}

#[test]
fn misleading_errors_of_issue_10_now_name_the_real_problem() {
    let full = track();
    let cases = [
        (json!({"features": null}).to_string(), "features", "expected an object of the model's inputs"),
        (json!({"features": full.clone(), "featurs": 1}).to_string(), "featurs", "did you mean `features`"),
        (r#"{"features": {"energy": 0.5, "energy": 0.6}}"#.to_string(), "energy", "given more than once"),
        (r#"{"name": "A", "title": "B", "features": {}}"#.to_string(), "title", "given more than once"),
    ];
    for (body, field, says) in cases {
        let (s, v, _) = req(Method::POST, "/v1/predict", &body);
        assert_eq!((s, v["error"]["code"].as_str()), (400, Some("invalid_input")), "{body}: {v}");
        assert_eq!(v["error"]["field"], field, "{body}: {v}");
        assert!(v["error"]["message"].as_str().unwrap().contains(says), "{body}: {v}");
    }
    // an invalid track in /v1/explain is reported once, not once per counterfactual row
    let mut bad = track();
    bad["tempo"] = json!(999);
    let (s, v, _) = req(Method::POST, "/v1/explain", &json!({"features": bad}).to_string());
    assert_eq!(s, 400);
    assert_eq!(v["error"]["problems"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["error"]["message"], "tempo = 999 is outside 0–250 BPM");
    // a what-if that breaks the track is blamed on the what-if, not on "track 2"
    let (s, v, _) =
        req(Method::POST, "/v1/explain", &json!({"features": track(), "what_if": {"tempo": 999}}).to_string());
    assert_eq!(s, 400);
    assert_eq!(v["error"]["field"], "what_if.tempo");
    assert!(!v["error"]["message"].as_str().unwrap().contains("track 2"), "{v}");
}
