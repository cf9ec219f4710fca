//! The Lambda adapter (`hitcast_http::lambda::respond`, the router under `lambda_http`) on
//! captured event shapes: API Gateway HTTP API (v2), REST API (v1), Function URLs.

use hitcast_lambda::api::MODEL_HEADER;
use lambda_http::request::LambdaRequest;
use serde_json::Value;

use crate::support::{fixture, state};

async fn call_event(name: &str, event: &str) -> (u16, http::HeaderMap, String) {
    let payload: LambdaRequest = serde_json::from_str(event).unwrap_or_else(|e| panic!("{name}: {e}"));
    let router = hitcast_http::router(state(), hitcast_http::HttpLimits::default());
    let event = lambda_http::LambdaEvent { payload, context: lambda_http::Context::default() };
    let v = hitcast_http::lambda::respond(router, event).await;
    let status = v["statusCode"].as_u64().unwrap() as u16;
    let mut headers = http::HeaderMap::new();
    // REST APIs and ALBs get `multiValueHeaders`, HTTP APIs and Function URLs `headers`
    for (k, x) in v["headers"].as_object().into_iter().chain(v["multiValueHeaders"].as_object()).flatten() {
        let value = x.as_str().or_else(|| x[0].as_str()).unwrap();
        headers.insert(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), value.parse().unwrap());
    }
    assert_eq!(v["isBase64Encoded"], false, "{name}: a text body");
    (status, headers, v["body"].as_str().unwrap_or("").to_string())
}

async fn call(name: &str) -> (u16, http::HeaderMap, String) {
    call_event(name, &fixture(name)).await
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test]
async fn http_api_v2_predict() {
    let (status, headers, body) = call("apigw-v2-predict.json").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers[MODEL_HEADER], crate::support::embedded_version().as_str());
    assert_eq!(headers["content-type"], "application/json");
    let v = json(&body);
    let p = &v["prediction"];
    assert_eq!(p["name"], "Neon Harbour");
    let sum: f64 = p["band_probs"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-5);
    // a name but no album: the album marker cannot be derived
    assert_eq!(p["missing"], serde_json::json!(["time_signature", "artist_popularity", "album_marker"]));
    assert_eq!(p["inputs"]["genre"]["source"], "client");
    assert_eq!(v["model_version"], headers[MODEL_HEADER].to_str().unwrap());
}

#[tokio::test]
async fn http_api_v2_named_stage_is_stripped() {
    let (status, _, body) = call("apigw-v2-stage-model.json").await;
    assert_eq!(status, 200, "{body}");
    let v = json(&body);
    assert_eq!(v["source"], "embedded");
    assert_eq!(v["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(v["schema"]["features"].as_array().unwrap().len(), hitcast::Feature::COUNT);
}

#[tokio::test]
async fn rest_api_v1_predict_matches_http_api() {
    let (status, _, body) = call("apigw-rest-predict.json").await;
    assert_eq!(status, 200, "{body}");
    let (_, _, v2) = call("apigw-v2-predict.json").await;
    assert_eq!(json(&body)["prediction"], json(&v2)["prediction"]);
}

#[tokio::test]
async fn rest_api_v1_base64_body_and_rank() {
    let (status, _, body) = call("apigw-rest-base64-rank.json").await;
    assert_eq!(status, 200, "{body}");
    let v = json(&body);
    assert_eq!(v["tracks"].as_array().unwrap().len(), 2);
    assert_eq!(v["single"]["name"], v["tracks"][0]["name"]);
}

#[tokio::test]
async fn rest_api_v1_root_serves_the_page() {
    let (status, headers, body) = call("apigw-rest-root.json").await;
    assert_eq!(status, 200);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(body.contains("<form") && body.contains("Rank an album"));
}

#[tokio::test]
async fn function_url_rank() {
    let (status, headers, body) = call("function-url-rank.json").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers[MODEL_HEADER], crate::support::embedded_version().as_str());
    let v = json(&body);
    let names: Vec<&str> = v["tracks"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"A") && names.contains(&"B"));
}

#[tokio::test]
async fn function_url_validation_error_is_400_with_the_field() {
    let (status, headers, body) = call("function-url-invalid.json").await;
    assert_eq!(status, 400);
    assert_eq!(headers[MODEL_HEADER], crate::support::embedded_version().as_str());
    let v = json(&body);
    assert_eq!(v["error"]["code"], "validation_failed");
    assert_eq!(v["error"]["field"], "danceability");
    assert_eq!(v["error"]["message"], "danceability = 1.7 is outside 0–1");
    assert_eq!(v["error"]["problems"][0]["allowed"], "0–1");
    assert_eq!(v["error"]["problems"][0]["value"], 1.7);
}

#[tokio::test]
async fn function_url_wrong_content_type_is_415() {
    let (status, _, body) = call("function-url-text-plain.json").await;
    assert_eq!(status, 415);
    assert_eq!(json(&body)["error"]["code"], "unsupported_media_type");
}

#[tokio::test]
async fn an_event_whose_base64_body_is_not_base64_is_answered_400() {
    let mut event: Value = serde_json::from_str(&fixture("apigw-rest-base64-rank.json")).unwrap();
    assert_eq!(event["isBase64Encoded"], true);
    event["body"] = Value::from("this is not base64 at all!");
    let (status, _, body) = call_event("invalid base64", &event.to_string()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(json(&body)["error"]["code"], "bad_request");
}

#[tokio::test]
async fn a_cors_preflight_is_answered() {
    let mut event: Value = serde_json::from_str(&fixture("function-url-rank.json")).unwrap();
    event["requestContext"]["http"]["method"] = Value::from("OPTIONS");
    event["headers"]["origin"] = Value::from("https://example.com");
    event["headers"]["access-control-request-method"] = Value::from("POST");
    event["headers"]["access-control-request-headers"] = Value::from("content-type");
    let (status, headers, _) = call_event("preflight", &event.to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert!(headers["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    assert!(headers["access-control-allow-headers"].to_str().unwrap().contains("content-type"));
}
