//! The interactions endpoint as an axum [`Router`] — `POST /interactions` and `GET /health` —
//! served by `hitcast-http`'s one local server or, on Lambda, by its `lambda_http` adapter (see
//! [`super::lambda`]). Bodies go through the same byte budget as the API's: a body over
//! [`MAX_BODY_BYTES`] is refused from its `Content-Length` before its signature is checked, and
//! all bodies held at once stay within [`BODY_BUDGET_BYTES`].

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::any;
use hitcast_http::budget::{BodyBudget, BodyError};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use super::{Answer, Dispatch, Endpoint, Signed, serve};
use crate::sources::{Catalog, FeatureSource};

/// Discord's interaction payloads are a few kilobytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Bytes of bodies held at once across all requests.
pub const BODY_BUDGET_BYTES: usize = 64 * MAX_BODY_BYTES;
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// The path Discord posts to.
pub const INTERACTIONS_PATH: &str = "/interactions";

struct App<S, R> {
    endpoint: Arc<Endpoint>,
    dispatch: Arc<Dispatch<S, R>>,
    budget: BodyBudget,
}

/// The endpoint's routes and layers.
pub fn router<S, R>(endpoint: Arc<Endpoint>, dispatch: Arc<Dispatch<S, R>>) -> Router
where
    S: Catalog + FeatureSource + Send + Sync + 'static,
    R: FeatureSource + Send + Sync + 'static,
{
    let app =
        Arc::new(App { endpoint, dispatch, budget: BodyBudget::new(BODY_BUDGET_BYTES, MAX_BODY_BYTES, BODY_TIMEOUT) });
    Router::new()
        .route(INTERACTIONS_PATH, any(interactions::<S, R>))
        .route("/health", any(health))
        .fallback(not_found)
        .with_state(app)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(json_errors))
        .layer(TraceLayer::new_for_http().on_response(DefaultOnResponse::new().level(tracing::Level::DEBUG)))
}

fn to_http(a: Answer) -> Response {
    http::Response::builder()
        .status(a.status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::from(a.body))
        .expect("a valid response")
}

/// A body that was not read, as the endpoint's JSON error.
fn body_error(e: &BodyError) -> Response {
    let (status, code) = match e {
        BodyError::TooLarge { .. } => (413, "too_large"),
        BodyError::Busy { .. } => (503, "busy"),
        BodyError::Timeout(_) => (408, "request_timeout"),
        BodyError::Unreadable(_) => (400, "invalid_body"),
    };
    let mut r = to_http(Answer::error(status, code, e.to_string()));
    if let BodyError::Busy { retry_after } = e {
        r.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from(retry_after.as_secs().max(1)));
    }
    r
}

async fn interactions<S, R>(State(app): State<Arc<App<S, R>>>, req: Request) -> Response
where
    S: Catalog + FeatureSource + Send + Sync + 'static,
    R: FeatureSource + Send + Sync + 'static,
{
    if req.method() != http::Method::POST {
        return to_http(Answer::error(405, "method_not_allowed", "POST only"));
    }
    let (parts, body) = req.into_parts();
    let (body, _reserved) = match app.budget.read(body).await {
        Ok(read) => read,
        Err(e) => return body_error(&e),
    };
    let header = |k: &str| parts.headers.get(k).map(|v| v.as_bytes());
    let signed = Signed { signature: header("x-signature-ed25519"), timestamp: header("x-signature-timestamp") };
    to_http(serve(&app.endpoint, &app.dispatch, signed, &body).await)
}

async fn health(req: Request) -> Response {
    match *req.method() {
        http::Method::GET | http::Method::HEAD => to_http(Answer::json(200, &serde_json::json!({"status": "ok"}))),
        _ => to_http(Answer::error(405, "method_not_allowed", "GET only")),
    }
}

async fn not_found(req: Request) -> Response {
    to_http(Answer::error(
        404,
        "not_found",
        format!("no route {}; Discord posts to {INTERACTIONS_PATH}", super::echo(req.uri().path())),
    ))
}

/// The body limit's own 413 (plain text) as the endpoint's JSON error.
async fn json_errors(resp: Response) -> Response {
    if resp.status() == http::StatusCode::PAYLOAD_TOO_LARGE
        && !resp
            .headers()
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"))
    {
        return body_error(&BodyError::TooLarge { size: None, limit: MAX_BODY_BYTES });
    }
    resp
}
