//! Outside Lambda: `POST /interactions` on a plain HTTP/1.1 server (`HITCAST_LISTEN`), with
//! deferred work run in this process. Put it behind an HTTPS reverse proxy (or a tunnel) for
//! Discord. Bounded: headers within [`HEADER_TIMEOUT`], a body of at most [`MAX_BODY_BYTES`]
//! within [`BODY_TIMEOUT`], one request per connection, at most [`MAX_CONNECTIONS`] at once.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::lambda::route;
use super::{Answer, Dispatch, Endpoint};
use crate::sources::{Catalog, FeatureSource};

/// Discord's interaction payloads are a few kilobytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
pub const MAX_CONNECTIONS: usize = 256;

fn to_http(a: Answer) -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .status(a.status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(a.body)))
        .expect("a valid response")
}

async fn respond<S, R>(
    endpoint: Arc<Endpoint>,
    dispatch: Arc<Dispatch<S, R>>,
    req: http::Request<Incoming>,
) -> Result<http::Response<Full<Bytes>>, Infallible>
where
    S: Catalog + FeatureSource + Send + Sync + 'static,
    R: FeatureSource + Send + Sync + 'static,
{
    let (parts, body) = req.into_parts();
    let body = match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, MAX_BODY_BYTES).collect()).await {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return Ok(to_http(Answer::error(413, "too_large", format!("the body is over {MAX_BODY_BYTES} bytes"))));
        }
        Ok(Err(_)) => return Ok(to_http(Answer::error(400, "invalid_body", "the body could not be read"))),
        Err(_) => {
            return Ok(to_http(Answer::error(
                408,
                "request_timeout",
                format!("the body took over {} s", BODY_TIMEOUT.as_secs()),
            )));
        }
    };
    let header = |k: &str| parts.headers.get(k).map(|v| v.as_bytes().to_vec());
    let answer = route(&endpoint, &dispatch, parts.method.as_str(), parts.uri.path(), header, &body).await;
    Ok(to_http(answer))
}

/// Serves until the process ends. `bound` receives the address actually bound (port 0 → a free one).
pub async fn serve<S, R>(
    endpoint: Arc<Endpoint>,
    dispatch: Arc<Dispatch<S, R>>,
    listen: SocketAddr,
    bound: impl FnOnce(SocketAddr),
) -> std::io::Result<()>
where
    S: Catalog + FeatureSource + Send + Sync + 'static,
    R: FeatureSource + Send + Sync + 'static,
{
    let listener = TcpListener::bind(listen).await?;
    bound(listener.local_addr()?);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = slots.clone().acquire_owned().await.expect("the semaphore is never closed");
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => {
                // out of file descriptors and the like: wait instead of spinning
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let (endpoint, dispatch) = (endpoint.clone(), dispatch.clone());
        tokio::spawn(async move {
            let svc = service_fn(move |req| respond(endpoint.clone(), dispatch.clone(), req));
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .keep_alive(false)
                .serve_connection(TokioIo::new(stream), svc);
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
}
