//! `http/openapi.yaml` documents exactly the routes the router serves, and the documents it
//! answers with: every key a real response carries is documented, every required key is there.

use std::collections::BTreeSet;

use hitcast_lambda::api::{ApiRequest, Route, handle};
use http::Method;
use serde_json::{Value, json};

use crate::support::state;

fn spec() -> (String, serde_yaml::Value) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../http/openapi.yaml")).unwrap();
    let doc = serde_yaml::from_str(&text).unwrap();
    (text, doc)
}

#[test]
fn openapi_is_in_step_with_the_router() {
    let (text, doc) = spec();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        for (method, _) in item.as_mapping().unwrap() {
            documented.insert((method.as_str().unwrap().to_uppercase(), path.as_str().unwrap().to_string()));
        }
    }
    let served: BTreeSet<(String, String)> =
        Route::ALL.iter().map(|r| (r.method().to_string(), r.path().to_string())).collect();
    assert_eq!(documented, served);
    // the limits the document states are the ones the code enforces
    assert!(text.contains(&format!("maxItems: {}", hitcast_lambda::api::MAX_TRACKS)));
    let open: Vec<&str> = ["/", "/health", "/openapi.yaml"].to_vec();
    for p in open {
        assert!(doc["paths"][p]["get"]["security"].as_sequence().is_some_and(|s| s.is_empty()), "{p} should be open");
    }
}

/// The schema at `#/components/schemas/{name}`, or an inline one.
fn resolve<'a>(doc: &'a serde_yaml::Value, schema: &'a serde_yaml::Value) -> &'a serde_yaml::Value {
    match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => schema,
    }
}

/// Every key of `value` is a documented property of `schema` (recursively through documented
/// objects and arrays), every required property is present.
fn conforms(doc: &serde_yaml::Value, schema: &serde_yaml::Value, value: &Value, at: &str) {
    let schema = resolve(doc, schema);
    match value {
        Value::Object(obj) => {
            let Some(props) = schema["properties"].as_mapping() else { return };
            for key in obj.keys() {
                let prop = props.get(key.as_str());
                assert!(prop.is_some(), "{at}.{key} is sent but not documented");
                conforms(doc, prop.unwrap(), &obj[key], &format!("{at}.{key}"));
            }
            for req in schema["required"].as_sequence().into_iter().flatten() {
                let req = req.as_str().unwrap();
                assert!(obj.contains_key(req), "{at}.{req} is required by the document but not sent");
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate().take(3) {
                    conforms(doc, item_schema, item, &format!("{at}[{i}]"));
                }
            }
        }
        _ => {}
    }
}

fn call(method: Method, path: &str, body: &Value) -> (u16, Value) {
    let body = if body.is_null() { String::new() } else { body.to_string() };
    let ct = (!body.is_empty()).then_some("application/json");
    let r = handle(&state(), ApiRequest { method: &method, path, content_type: ct, body: body.as_bytes() });
    (r.status.as_u16(), serde_json::from_slice(&r.body).unwrap())
}

#[test]
fn responses_are_the_documented_documents() {
    let (_, doc) = spec();
    let track = json!({"name": "A", "artists": ["X", "Y"], "album": "Z", "danceability": 0.7, "energy": 0.8,
        "key": 5, "loudness": -5, "mode": 1, "speechiness": 0.05, "acousticness": 0.1, "instrumentalness": 0,
        "liveness": 0.1, "valence": 0.6, "tempo": 120, "duration_ms": 200000});
    let cases = [
        (Method::POST, "/v1/predict", json!({"name": "A", "features": track.clone()}), "200"),
        (Method::POST, "/v1/predict", json!({"tracks": [track.clone(), track.clone()]}), "200"),
        (Method::POST, "/v1/rank", json!({"tracks": [track.clone(), track.clone()]}), "200"),
        (Method::POST, "/v1/explain", json!({"features": track.clone(), "what_if": {"tempo": 100}}), "200"),
        (Method::GET, "/v1/model", Value::Null, "200"),
        (Method::GET, "/health", Value::Null, "200"),
        (Method::POST, "/v1/predict", json!({"features": {"tempo": 999, "energy": "x"}}), "400"),
        (Method::POST, "/v1/rank", json!({"tracks": [{"tempo": 999}]}), "400"),
    ];
    for (method, path, body, status) in cases {
        let (got, v) = call(method.clone(), path, &body);
        assert_eq!(got.to_string(), status, "{method} {path}: {v}");
        let op = &doc["paths"][path][method.as_str().to_lowercase().as_str()];
        let response = &op["responses"][status];
        let response = match response["$ref"].as_str() {
            Some(r) => &doc["components"]["responses"][r.rsplit('/').next().unwrap()],
            None => response,
        };
        let schema = &response["content"]["application/json"]["schema"];
        assert!(!schema.is_null(), "{method} {path} {status} has no documented schema");
        conforms(&doc, schema, &v, &format!("{method} {path}"));
    }
}

/// The document's `Features` say what the model's schema says: every input is there, required
/// exactly where the schema requires it, with the schema's range (a model with other ranges or
/// another required set fails here, not in a client).
#[test]
fn documented_inputs_follow_the_models_schema() {
    let (_, doc) = spec();
    let features = &doc["components"]["schemas"]["Features"];
    let model = hitcast::Model::embedded().unwrap();
    let documented_required: BTreeSet<&str> =
        features["required"].as_sequence().into_iter().flatten().filter_map(|v| v.as_str()).collect();
    let schema_required: BTreeSet<&str> =
        model.schema().features.iter().filter(|f| f.required).map(|f| f.name.as_str()).collect();
    assert_eq!(documented_required, schema_required);
    for f in &model.schema().features {
        let prop = &features["properties"][f.name.as_str()];
        assert!(!prop.is_null(), "{} is not documented", f.name);
        let bound = |key: &str| prop[key].as_f64().or_else(|| prop["oneOf"][0][key].as_f64());
        if let (Some(lo), Some(hi)) = (bound("minimum"), bound("maximum")) {
            assert_eq!((lo, hi), (f.min, f.max), "{}'s documented range", f.name);
        }
    }
    // the bands: the names the core writes, in order
    let bands: Vec<&str> = doc["components"]["schemas"]["Prediction"]["properties"]["band"]["enum"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(bands, hitcast::Band::LABELS);
}
