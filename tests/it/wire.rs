//! One wire contract: the same JSON file is `hitcast predict FILE --json` input and a
//! `/v1/predict` body, and both answer with the same document. The only difference is the
//! `source` of each input, which names the channel on purpose (`file` on the command line,
//! `client` over HTTP); it is compared after mapping one to the other.

use std::sync::Arc;

use hitcast_http::api::{ApiRequest, AppState, handle};
use hitcast_http::origin::{Loaded, ModelOrigin};
use serde_json::Value;

use crate::path;

fn api(body: &[u8], route: &str) -> (u16, Value) {
    let model = Arc::new(hitcast::Model::embedded().unwrap());
    let state = AppState::new(Loaded { model, origin: ModelOrigin::Embedded });
    let r = handle(
        &state,
        ApiRequest { method: &http::Method::POST, path: route, content_type: Some("application/json"), body },
    );
    (r.status.as_u16(), serde_json::from_slice(&r.body).unwrap())
}

fn cli(args: &[&str]) -> (i32, Value) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hitcast"))
        .args(args)
        .current_dir(crate::root())
        .output()
        .unwrap();
    let out = String::from_utf8(o.stdout).unwrap();
    (o.status.code().unwrap(), serde_json::from_str(&out).unwrap_or(Value::Null))
}

/// `"source": "file"` → `"client"`, everywhere in the document.
fn as_client(mut v: Value) -> Value {
    match &mut v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if k == "source" && x == "file" {
                    *x = Value::from("client");
                } else {
                    *x = as_client(x.take());
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| *x = as_client(x.take())),
        _ => {}
    }
    v
}

#[test]
fn the_same_file_is_a_cli_input_and_an_api_body_with_the_same_answer() {
    // a flat track, the nested shape with artists and album, and a `{"tracks": […]}` batch
    for file in ["examples/track.json", "tests/fixtures/wire/nested.json", "examples/album.json"] {
        let body = std::fs::read(path(file)).unwrap();
        let (code, from_cli) = cli(&["predict", file, "--json"]);
        assert_eq!(code, 0, "{file}");
        let (status, from_api) = api(&body, "/v1/predict");
        assert_eq!(status, 200, "{file}: {from_api}");
        assert_eq!(as_client(from_cli.clone()), from_api, "{file}: the CLI and the API disagree");
        // and the answer says what it was given
        let one = from_api.get("prediction").or_else(|| from_api["predictions"].get(0)).unwrap();
        assert!(one["inputs"]["danceability"]["value"].is_number(), "{file}");
        assert!(from_cli.to_string().contains("\"source\":\"file\""), "{file}");
    }
    let (_, v) = cli(&["predict", "tests/fixtures/wire/nested.json", "--json"]);
    let p = &v["prediction"];
    assert_eq!(p["artists"], serde_json::json!(["Hitcast Demo", "Guest Singer"]));
    assert_eq!(p["inputs"]["album_marker"]["source"], "derived"); // "(Deluxe)"
    assert!(p["missing"].as_array().unwrap().contains(&"artist_popularity".into()));
}

#[test]
fn rank_explain_and_model_answer_the_same_document() {
    let body = std::fs::read(path("examples/album.json")).unwrap();
    let (_, from_cli) = cli(&["rank", "examples/album.json", "--json"]);
    let (status, from_api) = api(&body, "/v1/rank");
    assert_eq!(status, 200);
    assert_eq!(from_cli, from_api);

    let (_, from_cli) = cli(&["explain", "examples/track.json", "--json", "--set", "tempo=100"]);
    let mut body: Value = serde_json::from_slice(&std::fs::read(path("examples/track.json")).unwrap()).unwrap();
    body["what_if"] = serde_json::json!({"tempo": 100});
    let (status, from_api) = api(body.to_string().as_bytes(), "/v1/explain");
    assert_eq!(status, 200, "{from_api}");
    // what-if changes typed on the command line are the user's; over HTTP, the client's
    assert_eq!(as_client(from_cli), from_api.clone());
    assert_eq!(from_api["what_if"]["changes"][0]["feature"], "tempo");

    let (_, from_cli) = cli(&["model", "--json"]);
    let model = Arc::new(hitcast::Model::embedded().unwrap());
    let state = AppState::new(Loaded { model, origin: ModelOrigin::Embedded });
    let r = handle(&state, ApiRequest { method: &http::Method::GET, path: "/v1/model", content_type: None, body: b"" });
    let from_api: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(from_cli, from_api);
}
