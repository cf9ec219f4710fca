//! Outside Lambda: the same routes on a plain HTTP/1.1 server (`HITCAST_LISTEN`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::api::{self, ApiRequest, AppState, MAX_BODY_BYTES};

async fn respond(
    state: Arc<AppState>,
    req: http::Request<Incoming>,
) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let started = std::time::Instant::now();
    let (parts, body) = req.into_parts();
    let version = state.model.version().to_string();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(api::too_large(&state).into_http(&version, Full::new)),
    };
    let content_type = parts.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let resp =
        api::handle(&state, ApiRequest { method: &parts.method, path: parts.uri.path(), content_type, body: &body });
    crate::lambda::log(parts.method.as_str(), parts.uri.path(), resp.status, started);
    Ok(resp.into_http(&version, Full::new))
}

/// Binds `addr` (port 0 picks a free one) and serves forever. Prints the bound address.
pub async fn serve(state: Arc<AppState>, addr: SocketAddr) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tracing::info!(address = %bound, "serving the Hitcast API and web page on http://{bound}/");
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                continue;
            }
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| respond(state.clone(), req));
            if let Err(e) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
}
