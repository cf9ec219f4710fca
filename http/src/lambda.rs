//! Any router on AWS Lambda (API Gateway REST and HTTP APIs, ALB, Function URLs) through
//! `lambda_http`, with two things of ours in front:
//! - the path the router sees is the resource path, without an API Gateway stage prefix;
//! - an event flagged `isBase64Encoded` whose body is not base64 is answered 400 here
//!   (`lambda_http` would panic decoding it).

use std::convert::Infallible;

use axum::Router;
use base64::Engine as _;
pub use lambda_http::request::LambdaRequest;
use lambda_http::request::RequestContext;
use lambda_http::{Adapter, RequestExt, Service, service_fn};
pub use lambda_http::{Context, LambdaEvent};
use serde_json::Value;

/// The JSON error for an undecodable body (the same `{"error": {"code", "message"}}` shape as
/// both functions' own errors).
pub const INVALID_BASE64: &str =
    r#"{"error":{"code":"bad_request","message":"the event's body is flagged base64 but is not valid base64"}}"#;

/// Runs the Lambda runtime with `router` answering every HTTP event.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::lambda_runtime::run(service_fn(move |event: LambdaEvent<LambdaRequest>| {
        let router = router.clone();
        async move { Ok::<_, lambda_http::Error>(respond(router, event).await) }
    }))
    .await
}

/// One HTTP event through `router`, as the response Lambda expects for the event's origin.
pub async fn respond(router: Router, mut event: LambdaEvent<LambdaRequest>) -> Value {
    let answer = if take_undecodable(&mut event.payload) {
        let refuse = service_fn(|_req: lambda_http::Request| async {
            Ok::<_, Infallible>(
                http::Response::builder()
                    .status(http::StatusCode::BAD_REQUEST)
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .body(INVALID_BASE64.to_string())
                    .expect("valid response parts"),
            )
        });
        Adapter::from(refuse).call(event).await
    } else {
        let routed = tower::ServiceExt::map_request(router, |mut req: lambda_http::Request| {
            let path = route_path(&req);
            if path != req.uri().path() {
                let pq = match req.uri().query() {
                    Some(q) => format!("{path}?{q}"),
                    None => path,
                };
                let mut parts = req.uri().clone().into_parts();
                if let Ok(pq) = pq.parse() {
                    parts.path_and_query = Some(pq);
                    if let Ok(uri) = http::Uri::from_parts(parts) {
                        *req.uri_mut() = uri;
                    }
                }
            }
            req
        });
        Adapter::from(routed).call(event).await
    };
    match answer {
        Ok(resp) => serde_json::to_value(resp).expect("a Lambda response serialises"),
        Err(never) => match never {},
    }
}

/// Whether the event says its body is base64 and it is not; such a body is dropped (the
/// adapter would panic converting it).
fn take_undecodable(req: &mut LambdaRequest) -> bool {
    let (body, base64) = match req {
        LambdaRequest::ApiGatewayV1(r) => (&mut r.body, &mut r.is_base64_encoded),
        LambdaRequest::ApiGatewayV2(r) => (&mut r.body, &mut r.is_base64_encoded),
        LambdaRequest::Alb(r) => (&mut r.body, &mut r.is_base64_encoded),
        _ => return false,
    };
    let bad = *base64 && body.as_ref().is_some_and(|b| base64::engine::general_purpose::STANDARD.decode(b).is_err());
    if bad {
        *body = None;
        *base64 = false;
    }
    bad
}

/// The path the API routes on: the resource path without an API Gateway stage prefix.
pub fn route_path(req: &lambda_http::Request) -> String {
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
