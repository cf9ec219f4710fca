//! The HTTP API, independent of how requests arrive (Lambda events or the local server):
//! routing, JSON in and out, and the mapping of errors to status codes.

use std::sync::Arc;

use bytes::Bytes;
use hitcast::{Change, Feature, InputError, Model, PredictError, Source, TrackFeatures};
use http::{Method, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::store::{Loaded, ModelOrigin};

/// Most tracks one request may carry.
pub const MAX_TRACKS: usize = 1000;
/// Largest request body (Lambda's synchronous payload limit).
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;
/// Header carried by every response.
pub const MODEL_HEADER: &str = "x-hitcast-model";

/// Every route: (method, path). `openapi.yaml` documents exactly these (tested).
pub const ROUTES: [(&str, &str); 7] = [
    ("GET", "/"),
    ("GET", "/health"),
    ("GET", "/openapi.yaml"),
    ("GET", "/v1/model"),
    ("POST", "/v1/predict"),
    ("POST", "/v1/rank"),
    ("POST", "/v1/explain"),
];

const PAGE: &str = include_str!("../static/index.html");
const OPENAPI: &str = include_str!("../openapi.yaml");

/// What the handlers share: the model and where it came from.
#[derive(Debug)]
pub struct AppState {
    pub model: Arc<Model>,
    pub origin: ModelOrigin,
}

impl AppState {
    pub fn new(loaded: Loaded) -> AppState {
        AppState { model: loaded.model, origin: loaded.origin }
    }
}

/// A request, reduced to what the API looks at.
#[derive(Debug, Clone, Copy)]
pub struct ApiRequest<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// A response, before it is turned into a Lambda or hyper response.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Bytes,
    /// For 405: the methods the path allows.
    pub allow: Option<&'static str>,
}

impl ApiResponse {
    fn json(status: StatusCode, value: &impl Serialize) -> ApiResponse {
        let body = serde_json::to_vec(value).expect("responses serialise");
        ApiResponse { status, content_type: "application/json", body: body.into(), allow: None }
    }

    /// Into an `http::Response` with the headers every response carries.
    pub fn into_http<B>(self, model_version: &str, body: impl FnOnce(Bytes) -> B) -> http::Response<B> {
        // A model from S3 could carry a version that is not a valid header value.
        let version = http::HeaderValue::from_str(model_version)
            .unwrap_or_else(|_| http::HeaderValue::from_static("invalid-version"));
        let mut b = http::Response::builder()
            .status(self.status)
            .header(http::header::CONTENT_TYPE, self.content_type)
            .header(MODEL_HEADER, version)
            .header("access-control-allow-origin", "*");
        if let Some(allow) = self.allow {
            b = b.header(http::header::ALLOW, allow);
        }
        b.body(body(self.body)).expect("valid response parts")
    }
}

/// An API error: status, machine code, message, and the field it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Every problem, for validation errors.
    pub problems: Vec<Value>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), field: None, problems: Vec::new() }
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    fn input(errors: Vec<(Option<usize>, InputError)>) -> ApiError {
        let message = errors
            .iter()
            .map(|(t, e)| match t {
                Some(t) => format!("track {}: {e}", t + 1),
                None => e.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; ");
        let problems = errors
            .iter()
            .map(|(t, e)| {
                json!({"track": t, "field": e.field(), "problem": match e {
                InputError::UnknownField { .. } => "unknown_field",
                InputError::NotANumber { .. } => "not_a_number",
            }, "message": e.to_string()})
            })
            .collect();
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_input",
            message,
            field: errors.first().map(|(_, e)| e.field().to_string()),
            problems,
        }
    }

    fn into_response(self, version: &str) -> ApiResponse {
        let mut err = json!({"code": self.code, "message": self.message, "field": self.field});
        if !self.problems.is_empty() {
            err["problems"] = Value::Array(self.problems);
        }
        ApiResponse::json(self.status, &json!({"error": err, "model_version": version}))
    }
}

impl From<PredictError> for ApiError {
    fn from(e: PredictError) -> ApiError {
        match e {
            PredictError::Invalid(rows) => {
                let message = PredictError::Invalid(rows.clone()).to_string();
                let field = rows.first().and_then(|r| r.problems.first()).map(|p| p.feature.name().to_string());
                let problems = rows
                    .iter()
                    .flat_map(|r| {
                        r.problems.iter().map(move |p| {
                            let mut v = serde_json::to_value(p).expect("problems serialise");
                            if let Some(obj) = v.as_object_mut() {
                                obj.remove("feature");
                            }
                            v["field"] = json!(p.feature.name());
                            v["track"] = json!(r.row);
                            v["message"] = json!(p.to_string());
                            v
                        })
                    })
                    .collect();
                ApiError { status: StatusCode::BAD_REQUEST, code: "validation_failed", message, field, problems }
            }
            PredictError::Run(msg) => {
                tracing::error!(error = %msg, "model run failed");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the model failed to run; see the logs")
            }
        }
    }
}

/// Routes and answers one request. Never panics on input.
pub fn handle(state: &AppState, req: ApiRequest<'_>) -> ApiResponse {
    let version = state.model.version().to_string();
    let path = req.path.trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    let allowed: Vec<&str> = ROUTES.iter().filter(|(_, p)| *p == path).map(|(m, _)| *m).collect();
    if allowed.is_empty() {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no route {path}; see GET /openapi.yaml"))
            .into_response(&version);
    }
    if !allowed.contains(&req.method.as_str()) {
        let mut r = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{path} takes {}, not {}", allowed.join(", "), req.method),
        )
        .into_response(&version);
        r.allow = Some(if allowed.contains(&"POST") { "POST" } else { "GET" });
        return r;
    }
    let result = match (req.method.as_str(), path) {
        ("GET", "/") => {
            return ApiResponse {
                status: StatusCode::OK,
                content_type: "text/html; charset=utf-8",
                body: Bytes::from_static(PAGE.as_bytes()),
                allow: None,
            };
        }
        ("GET", "/openapi.yaml") => {
            return ApiResponse {
                status: StatusCode::OK,
                content_type: "application/yaml",
                body: Bytes::from_static(OPENAPI.as_bytes()),
                allow: None,
            };
        }
        ("GET", "/health") => Ok(health(state)),
        ("GET", "/v1/model") => Ok(model_info(state)),
        ("POST", route) => json_body(&req).and_then(|body| match route {
            "/v1/predict" => predict(state, body),
            "/v1/rank" => rank(state, body),
            _ => explain(state, body),
        }),
        _ => unreachable!("every route is matched above"),
    };
    match result {
        Ok(value) => ApiResponse::json(StatusCode::OK, &value),
        Err(e) => e.into_response(&version),
    }
}

fn body_too_large(size: Option<usize>) -> ApiError {
    let size = size.map_or("over the limit".to_string(), |n| format!("{n} bytes"));
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!("the body is {size}; the limit is {MAX_BODY_BYTES} bytes"),
    )
}

/// The 413 for a body the transport stopped reading at [`MAX_BODY_BYTES`].
pub fn too_large(state: &AppState) -> ApiResponse {
    body_too_large(None).into_response(state.model.version())
}

fn json_body(req: &ApiRequest<'_>) -> Result<Value, ApiError> {
    if req.body.len() > MAX_BODY_BYTES {
        return Err(body_too_large(Some(req.body.len())));
    }
    let ct = req.content_type.unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if ct != "application/json" && !ct.ends_with("+json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("send JSON with content-type: application/json (got {:?})", req.content_type.unwrap_or("none")),
        ));
    }
    serde_json::from_slice(req.body).map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))
}

fn object<'v>(v: &'v Value, what: &str) -> Result<&'v Map<String, Value>, ApiError> {
    v.as_object().ok_or_else(|| ApiError::bad_request(format!("{what} must be a JSON object")))
}

/// One track: a flat object of inputs, or `{"name": …, "features": {…}}`.
fn track(v: &Value, index: Option<usize>) -> Result<TrackFeatures, Vec<(Option<usize>, InputError)>> {
    let wrap = |errs: Vec<InputError>| errs.into_iter().map(|e| (index, e)).collect::<Vec<_>>();
    let Some(obj) = v.as_object() else {
        return Err(vec![(
            index,
            InputError::NotANumber { field: "track".into(), given: v.to_string(), hint: "a JSON object".into() },
        )]);
    };
    match obj.get("features") {
        Some(Value::Object(features)) => {
            let mut t = TrackFeatures::from_json_object(features, Source::Client).map_err(wrap)?;
            if let Some(name) = obj.get("name").and_then(Value::as_str) {
                t.name = Some(name.to_string());
            }
            Ok(t)
        }
        _ => TrackFeatures::from_json_object(obj, Source::Client).map_err(wrap),
    }
}

fn tracks(body: &Value) -> Result<Vec<TrackFeatures>, ApiError> {
    let list = body
        .get("tracks")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request("expected {\"tracks\": [ {…}, … ]}"))?;
    if list.len() > MAX_TRACKS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_tracks",
            format!("{} tracks in one request; the limit is {MAX_TRACKS}: split the batch", list.len()),
        ));
    }
    if list.is_empty() {
        return Err(ApiError::bad_request("`tracks` is empty"));
    }
    let mut out = Vec::with_capacity(list.len());
    let mut errors = Vec::new();
    for (i, v) in list.iter().enumerate() {
        match track(v, Some(i)) {
            Ok(t) => out.push(t),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(ApiError::input(errors)) }
}

fn predict(state: &AppState, body: Value) -> Result<Value, ApiError> {
    let version = state.model.version();
    if let Some(features) = body.get("features") {
        let mut t = track(&json!({"features": features}), None).map_err(ApiError::input)?;
        if let Some(name) = body.get("name").and_then(Value::as_str) {
            t.name = Some(name.to_string());
        }
        let p = state.model.predict_one(&t)?;
        return Ok(json!({"model_version": version, "bands": bands(), "prediction": with_name(&t, &p)}));
    }
    if body.get("tracks").is_some() {
        let ts = tracks(&body)?;
        let preds = state.model.predict(&ts)?;
        let out: Vec<Value> = ts.iter().zip(&preds).map(|(t, p)| with_name(t, p)).collect();
        return Ok(json!({"model_version": version, "bands": bands(), "predictions": out}));
    }
    object(&body, "the body")?;
    Err(ApiError::bad_request("expected {\"features\": {…}} for one track or {\"tracks\": […]} for a batch"))
}

fn bands() -> [&'static str; 4] {
    hitcast::Band::ALL.map(|b| b.label())
}

fn with_name(t: &TrackFeatures, p: &hitcast::Prediction) -> Value {
    let mut v = serde_json::to_value(p).expect("predictions serialise");
    v["name"] = json!(t.name);
    v["inputs"] = json!(
        Feature::ALL
            .iter()
            .filter_map(|f| t.get(*f).map(|s| (f.name().to_string(), json!({"value": s.value, "source": s.source}))))
            .collect::<Map<String, Value>>()
    );
    v
}

fn rank(state: &AppState, body: Value) -> Result<Value, ApiError> {
    let ts = tracks(&body)?;
    let ranking = state.model.rank(&ts)?;
    let single = ranking.single().map(|t| {
        json!({"name": t.name, "index": t.index, "expected_popularity": t.prediction.expected_popularity, "band": t.prediction.band})
    });
    let mut v = serde_json::to_value(&ranking).expect("rankings serialise");
    v["model_version"] = json!(state.model.version());
    v["single"] = json!(single);
    v["bands"] = json!(bands());
    Ok(v)
}

fn explain(state: &AppState, body: Value) -> Result<Value, ApiError> {
    let features =
        body.get("features").ok_or_else(|| ApiError::bad_request("expected {\"features\": {…}, \"what_if\": {…}}"))?;
    let t = track(&json!({"features": features}), None).map_err(ApiError::input)?;
    let explanation = state.model.explain(&t)?;
    let what_if = match body.get("what_if") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let obj = object(v, "`what_if`")?;
            let mut changes = Vec::new();
            let mut errors = Vec::new();
            for (k, v) in obj {
                let Some(feature) = Feature::from_name(k) else {
                    errors.push((None, InputError::unknown(k)));
                    continue;
                };
                let mut probe = TrackFeatures::default();
                let text = match v {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                match probe.set_text(feature, &text, Source::Client) {
                    Ok(()) => changes.push(Change { feature, value: probe.value(feature) }),
                    Err(e) => errors.push((None, e)),
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::input(errors));
            }
            Some(state.model.what_if(&t, &changes)?)
        }
    };
    Ok(
        json!({"model_version": state.model.version(), "bands": bands(), "explanation": explanation, "what_if": what_if}),
    )
}

fn model_info(state: &AppState) -> Value {
    let info = state.model.info();
    let mut v = json!({
        "version": info.version,
        "sha256": info.sha256,
        "size_bytes": info.size_bytes,
        "source": state.origin.label(),
        "trained_on": info.trained_on,
        "metrics": info.metrics,
        "schema": state.model.schema(),
        "model_version": info.version,
    });
    if let ModelOrigin::Fallback { uri, reason } = &state.origin {
        v["fallback"] = json!({"configured": uri, "reason": reason});
    }
    v
}

fn health(state: &AppState) -> Value {
    let degraded = matches!(state.origin, ModelOrigin::Fallback { .. });
    let mut v = json!({
        "status": if degraded { "degraded" } else { "ok" },
        "model_version": state.model.version(),
        "model_source": state.origin.label(),
    });
    if let ModelOrigin::Fallback { reason, .. } = &state.origin {
        v["reason"] = json!(reason);
    }
    v
}
