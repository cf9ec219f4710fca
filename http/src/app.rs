//! The API as an axum [`Router`]: one route per [`Route::ALL`] (and a fallback that answers 404
//! and trailing slashes), all answered by [`api::handle`], under tower / tower-http layers:
//!
//! 1. tracing (`TraceLayer`: one debug line per request, 5xx as errors);
//! 2. CORS (`CorsLayer`: any origin, a real `OPTIONS` preflight);
//! 3. the errors of the layers below (413, 408, 503) as the API's JSON error documents;
//! 4. a timeout on the whole request (`TimeoutLayer`, 503) and a concurrency limit;
//! 5. the body limit refused from `Content-Length` before reading (`RequestBodyLimitLayer`, 413);
//! 6. in the handler: the byte budget ([`BodyBudget`]: 503 + `Retry-After` when other bodies hold
//!    it), then model work on the blocking pool, at most one request per ONNX session, so a heavy
//!    batch never stalls the I/O thread.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::any;
use http::{HeaderValue, Method, StatusCode, header};
use tokio::sync::Semaphore;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::api::{self, ApiRequest, AppState, MAX_BODY_BYTES, MODEL_HEADER, Route};
use crate::budget::{BodyBudget, BodyError};

/// What bounds a request once its head has arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Largest body (413 beyond, refused from `Content-Length` before reading).
    pub max_body_bytes: usize,
    /// Bytes of bodies held at once across all requests (503 + `Retry-After` beyond).
    pub body_budget_bytes: usize,
    /// A body must arrive within this (408).
    pub body_timeout: Duration,
    /// A whole request must be answered within this (503).
    pub request_timeout: Duration,
    /// Requests handled at once; more wait for a slot.
    pub max_in_flight: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_body_bytes: MAX_BODY_BYTES,
            body_budget_bytes: 8 * MAX_BODY_BYTES,
            body_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            max_in_flight: 1024,
        }
    }
}

#[derive(Debug)]
struct App {
    state: Arc<AppState>,
    budget: BodyBudget,
    /// One permit per ONNX session: model work waits here, not on the I/O thread.
    model_work: Semaphore,
}

/// The API's router, with its layers.
pub fn router(state: Arc<AppState>, limits: HttpLimits) -> Router {
    let sessions = state.model.sessions();
    let app = Arc::new(App {
        state,
        budget: BodyBudget::new(limits.body_budget_bytes, limits.max_body_bytes, limits.body_timeout),
        model_work: Semaphore::new(sessions),
    });
    let mut router = Router::new();
    for route in Route::ALL {
        router = router.route(route.path(), any(endpoint));
    }
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        .expose_headers([http::HeaderName::from_static(MODEL_HEADER)])
        .max_age(Duration::from_secs(24 * 3600));
    // each `layer` wraps the ones before it: the last is the outermost
    router
        .fallback(endpoint)
        .with_state(app.clone())
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(GlobalConcurrencyLimitLayer::new(limits.max_in_flight))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, limits.request_timeout))
        .layer(axum::middleware::map_response_with_state(app, json_errors))
        .layer(cors)
        .layer(TraceLayer::new_for_http().on_response(DefaultOnResponse::new().level(tracing::Level::DEBUG)))
}

async fn endpoint(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let state = &app.state;
    let (body, _reserved) = match app.budget.read(body).await {
        Ok(read) => read,
        Err(e) => return body_error(state, e),
    };
    // A content type that is not visible ASCII is still reported as what it is, not as "none".
    let content_type =
        parts.headers.get(header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let path = parts.uri.path().to_string();
    let model_work = parts.method == Method::POST && Route::at(&path).is_some_and(|r| r.method() == "POST");
    let resp = if model_work {
        // waits (asynchronously) for a session, then runs on the blocking pool
        let _permit = app.model_work.acquire().await.expect("the semaphore is never closed");
        let shared = app.clone();
        let method = parts.method.clone();
        let run = tokio::task::spawn_blocking(move || {
            let req = ApiRequest { method: &method, path: &path, content_type: content_type.as_deref(), body: &body };
            api::handle(&shared.state, req)
        });
        match run.await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "a request handler failed");
                api::internal(state)
            }
        }
    } else {
        let req = ApiRequest { method: &parts.method, path: &path, content_type: content_type.as_deref(), body: &body };
        api::handle(state, req)
    };
    resp.into_http(state.model.version(), Body::from)
}

fn body_error(state: &AppState, e: BodyError) -> Response {
    let mut r = api::body_error(state, &e).into_http(state.model.version(), Body::from);
    if let BodyError::Busy { retry_after } = e {
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after.as_secs().max(1)));
    }
    r
}

/// The layers' own answers (plain text or empty) as the API's JSON errors.
async fn json_errors(State(app): State<Arc<App>>, resp: Response) -> Response {
    let json = resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if json {
        return resp;
    }
    let e = match resp.status() {
        StatusCode::PAYLOAD_TOO_LARGE => BodyError::TooLarge { size: None, limit: app.budget.max_body() },
        StatusCode::SERVICE_UNAVAILABLE => {
            let mut r = api::overloaded(&app.state).into_http(app.state.model.version(), Body::from);
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(1u64));
            return r;
        }
        _ => return resp,
    };
    body_error(&app.state, e)
}
