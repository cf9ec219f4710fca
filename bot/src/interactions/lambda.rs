//! On Lambda: one function, two kinds of event.
//! - An HTTP request from Discord, as a Function URL event (or an API Gateway one): verified and
//!   answered by [`super::serve`]; a deferred command's job is sent as…
//! - …a job event (`{"hitcast_job": …}`), the asynchronous invocation the function makes of
//!   itself: the work runs there, and its answer edits the original response.
//!
//! Why a second invocation: Lambda freezes the environment as soon as a response is returned,
//! so work started "after" the deferred answer would stall until the next request thaws it.
//! An asynchronous invocation (`InvocationType=Event`) needs no queue or extra resource — only
//! `lambda:InvokeFunction` on itself — costs one more short invocation, and its retries and age
//! limit are set in the template (no retry; dropped after 10 minutes, inside the token's life).
//! SQS would add a queue and an event source mapping for the same effect; an extension that
//! finishes work after the response would still bill the first invocation for the whole job.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Answer, Dispatch, Endpoint, JobEvent, Signed, Worker, serve};
use crate::sources::{Catalog, FeatureSource};

/// Function URL (payload 2.0, like HTTP APIs) and REST API events: the fields the endpoint reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpEvent {
    #[serde(default)]
    pub headers: Option<HashMap<String, String>>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub is_base64_encoded: bool,
    /// Function URL and HTTP API.
    #[serde(default)]
    pub raw_path: Option<String>,
    /// REST API.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub http_method: Option<String>,
    #[serde(default)]
    pub request_context: Option<RequestContext>,
}

#[derive(Debug, Deserialize)]
pub struct RequestContext {
    #[serde(default)]
    pub http: Option<HttpContext>,
}

#[derive(Debug, Deserialize)]
pub struct HttpContext {
    pub method: String,
}

/// What a Function URL expects back.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpResponse {
    pub status_code: u16,
    pub headers: HashMap<&'static str, &'static str>,
    pub body: String,
    pub is_base64_encoded: bool,
}

impl From<Answer> for HttpResponse {
    fn from(a: Answer) -> HttpResponse {
        HttpResponse {
            status_code: a.status,
            headers: HashMap::from([("content-type", "application/json")]),
            body: String::from_utf8(a.body).expect("JSON is UTF-8"),
            is_base64_encoded: false,
        }
    }
}

/// The paths the endpoint answers: Discord's (`/interactions`) and a health check.
pub const INTERACTIONS_PATH: &str = "/interactions";

/// Routes one HTTP request (method, path, headers by lower-case name, raw body).
pub async fn route<S, R>(
    endpoint: &Endpoint,
    dispatch: &Dispatch<S, R>,
    method: &str,
    path: &str,
    header: impl Fn(&str) -> Option<Vec<u8>>,
    body: &[u8],
) -> Answer
where
    S: Catalog + FeatureSource + Send + Sync + 'static,
    R: FeatureSource + Send + Sync + 'static,
{
    match (method, path) {
        ("POST", INTERACTIONS_PATH) => {
            let (signature, timestamp) = (header("x-signature-ed25519"), header("x-signature-timestamp"));
            let signed = Signed { signature: signature.as_deref(), timestamp: timestamp.as_deref() };
            serve(endpoint, dispatch, signed, body).await
        }
        ("GET" | "HEAD", "/health") => Answer::json(200, &serde_json::json!({"status": "ok"})),
        (_, INTERACTIONS_PATH) => Answer::error(405, "method_not_allowed", "POST only"),
        _ => Answer::error(
            404,
            "not_found",
            format!("no route {}; Discord posts to {INTERACTIONS_PATH}", super::echo(path)),
        ),
    }
}

/// Handles one Lambda event of either kind. `deadline_ms` is the invocation's deadline (Unix ms).
pub async fn handle<S, R>(
    endpoint: &Endpoint,
    worker: &Worker<S, R>,
    dispatch: &Dispatch<S, R>,
    event: Value,
    deadline_ms: u64,
) -> Value
where
    S: Catalog + FeatureSource + Send + Sync + 'static,
    R: FeatureSource + Send + Sync + 'static,
{
    if event.get("hitcast_job").is_some() {
        return match serde_json::from_value::<JobEvent>(event) {
            Ok(JobEvent { hitcast_job: job }) => {
                // the edit must go out before Lambda stops the invocation
                let cut = Duration::from_millis(deadline_ms.saturating_sub(super::now_ms()))
                    .saturating_sub(Duration::from_secs(3));
                worker.run(job, Some(cut)).await;
                serde_json::json!({"done": true})
            }
            Err(e) => {
                tracing::error!(error = %e, "a job event that does not parse");
                serde_json::json!({"done": false})
            }
        };
    }
    let answer = match serde_json::from_value::<HttpEvent>(event) {
        Ok(ev) => {
            let method = ev
                .request_context
                .as_ref()
                .and_then(|c| c.http.as_ref())
                .map(|h| h.method.clone())
                .or(ev.http_method.clone())
                .unwrap_or_default()
                .to_ascii_uppercase();
            let path = ev.raw_path.clone().or(ev.path.clone()).unwrap_or_default();
            let headers: HashMap<String, &str> =
                ev.headers.iter().flatten().map(|(k, v)| (k.to_ascii_lowercase(), v.as_str())).collect();
            let body = match (&ev.body, ev.is_base64_encoded) {
                (None, _) => Ok(Vec::new()),
                (Some(b), false) => Ok(b.as_bytes().to_vec()),
                (Some(b), true) => base64::engine::general_purpose::STANDARD.decode(b),
            };
            match body {
                Ok(body) => {
                    let started = std::time::Instant::now();
                    let a = route(
                        endpoint,
                        dispatch,
                        &method,
                        &path,
                        |k| headers.get(k).map(|v| v.as_bytes().to_vec()),
                        &body,
                    )
                    .await;
                    tracing::debug!(%method, path = %super::echo(&path), status = a.status, micros = started.elapsed().as_micros() as u64, "request");
                    a
                }
                Err(_) => Answer::error(400, "invalid_body", "the body is not valid base64"),
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "an event that is neither an HTTP request nor a job");
            Answer::error(400, "invalid_event", "not an HTTP request event")
        }
    };
    serde_json::to_value(HttpResponse::from(answer)).expect("plain data serialises")
}
