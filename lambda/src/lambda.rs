//! The Lambda adapter: API Gateway (REST and HTTP APIs), ALB and Function URL events in,
//! [`crate::api::handle`] in the middle, Lambda responses out.

use std::convert::Infallible;
use std::sync::Arc;

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

use crate::api::{self, ApiRequest, AppState};

/// The path the API routes on: the resource path without an API Gateway stage prefix.
pub fn route_path(req: &Request) -> String {
    let raw = req.raw_http_path();
    let raw = if raw.is_empty() { req.uri().path() } else { raw };
    if let Some(RequestContext::ApiGatewayV2(ctx)) = req.request_context_ref()
        && let Some(stage) = ctx.stage.as_deref().filter(|s| *s != "$default")
        && let Some(rest) = raw.strip_prefix(&format!("/{stage}"))
        && (rest.is_empty() || rest.starts_with('/'))
    {
        return if rest.is_empty() { "/".into() } else { rest.into() };
    }
    raw.to_string()
}

/// Handles one event. Infallible: every failure is an HTTP response.
pub async fn handler(state: Arc<AppState>, req: Request) -> Result<Response<Body>, Infallible> {
    let started = std::time::Instant::now();
    let path = route_path(&req);
    let body: &[u8] = match req.body() {
        Body::Text(s) => s.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    // a content type that is not visible ASCII is still reported as what it is, not as "none"
    let content_type = req.headers().get(http::header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()));
    let resp = api::handle(
        &state,
        ApiRequest { method: req.method(), path: &path, content_type: content_type.as_deref(), body },
    );
    log(req.method().as_str(), &path, resp.status, started);
    Ok(resp.into_http(state.model.version(), |bytes| match String::from_utf8(bytes.to_vec()) {
        Ok(text) => Body::Text(text),
        Err(e) => Body::Binary(e.into_bytes()),
    }))
}

/// One line per request: 5xx as errors, the rest at debug level.
pub fn log(method: &str, path: &str, status: http::StatusCode, started: std::time::Instant) {
    let micros = started.elapsed().as_micros() as u64;
    if status.is_server_error() {
        tracing::error!(method, path, status = status.as_u16(), micros, "request failed");
    } else {
        tracing::debug!(method, path, status = status.as_u16(), micros, "request");
    }
}
