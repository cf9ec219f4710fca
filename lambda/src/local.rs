//! Outside Lambda: the same routes on a plain HTTP/1.1 server (`HITCAST_LISTEN`), bounded in
//! every direction a client can push:
//! - a request's headers must arrive within `header_timeout`, its body within `body_timeout`
//!   (408 after that), and a connection that sends nothing for `idle_timeout` is closed (slow
//!   headers, idle keep-alives, stalled bodies) — [`ServerLimits`], from the environment;
//! - at most `max_connections` connections are served at once; beyond that new ones wait in
//!   the kernel's backlog instead of costing memory;
//! - an `accept` error (out of file descriptors) backs off instead of spinning, and is logged
//!   once per [`ACCEPT_LOG_INTERVAL`] with a count;
//! - model work runs on the blocking pool, at most one request per core at a time, so a heavy
//!   batch never stalls the I/O thread: `/health` and the page answer at once.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Sleep;

use crate::api::{self, ApiRequest, AppState, MAX_BODY_BYTES, Route};
use crate::config::ServerLimits;

/// At most one "accept failed" line per this interval.
pub const ACCEPT_LOG_INTERVAL: Duration = Duration::from_secs(10);

struct Server {
    state: Arc<AppState>,
    limits: ServerLimits,
    /// One permit per core: model work waits here, not on the I/O thread.
    model_work: Semaphore,
}

async fn respond(server: Arc<Server>, req: http::Request<Incoming>) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let state = &server.state;
    let version = state.model.version().to_string();
    let body =
        match tokio::time::timeout(server.limits.body_timeout, Limited::new(body, MAX_BODY_BYTES).collect()).await {
            Ok(Ok(b)) => b.to_bytes(),
            Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
                return Ok(api::too_large(state).into_http(&version, Full::new));
            }
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "the request body could not be read");
                return Ok(api::unreadable_body(state, &e.to_string()).into_http(&version, Full::new));
            }
            Err(_) => return Ok(api::body_timeout(state, server.limits.body_timeout).into_http(&version, Full::new)),
        };
    // A content type that is not visible ASCII is still reported as what it is, not as "none".
    let content_type =
        parts.headers.get(http::header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let path = parts.uri.path().to_string();
    let method = parts.method.clone();
    let model_work = Route::at(&path).is_some_and(|r| r.method() == "POST") && method == http::Method::POST;
    let resp = if model_work {
        // waits (asynchronously) for a core, then runs on the blocking pool
        let _permit = server.model_work.acquire().await.expect("the semaphore is never closed");
        let shared = server.state.clone();
        let (m, p) = (method.clone(), path.clone());
        let run = tokio::task::spawn_blocking(move || {
            api::handle(
                &shared,
                ApiRequest { method: &m, path: &p, content_type: content_type.as_deref(), body: &body },
            )
        });
        match run.await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "a request handler failed");
                api::internal(state)
            }
        }
    } else {
        api::handle(
            state,
            ApiRequest { method: &method, path: &path, content_type: content_type.as_deref(), body: &body },
        )
    };
    crate::lambda::log(method.as_str(), &path, resp.status, started);
    Ok(resp.into_http(&version, Full::new))
}

/// Binds `addr` (port 0 picks a free one) and serves forever. Logs the bound address.
pub async fn serve(state: Arc<AppState>, addr: SocketAddr, limits: ServerLimits) -> io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tracing::info!(address = %bound, "serving the Hitcast API and web page on http://{bound}/");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let server = Arc::new(Server { state, limits, model_work: Semaphore::new(cores) });
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let mut backoff = Duration::ZERO;
    let mut failures = AcceptFailures::default();
    loop {
        let permit = connections.clone().acquire_owned().await.expect("the semaphore is never closed");
        let (stream, _) = match listener.accept().await {
            Ok(conn) => {
                backoff = Duration::ZERO;
                conn
            }
            Err(e) => {
                // out of file descriptors (or the like): wait for connections to close
                failures.record(&e);
                backoff = (backoff * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
                tokio::time::sleep(backoff).await;
                continue;
            }
        };
        let server = server.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let io = TokioIo::new(IdleTimeout::new(stream, limits.idle_timeout));
            let service = service_fn(move |req| respond(server.clone(), req));
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(io, service);
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
}

/// Counts accept errors and logs them at most once per [`ACCEPT_LOG_INTERVAL`].
#[derive(Default)]
struct AcceptFailures {
    since_last_log: u64,
    last_log: Option<Instant>,
}

impl AcceptFailures {
    fn record(&mut self, e: &io::Error) {
        self.since_last_log += 1;
        if self.last_log.is_none_or(|t| t.elapsed() >= ACCEPT_LOG_INTERVAL) {
            tracing::warn!(error = %e, failures = self.since_last_log, "accept failed; backing off");
            self.since_last_log = 0;
            self.last_log = Some(Instant::now());
        }
    }
}

/// A stream whose reads fail once nothing has arrived for `timeout` while the server waits.
struct IdleTimeout {
    inner: TcpStream,
    timeout: Duration,
    sleep: Pin<Box<Sleep>>,
    armed: bool,
}

impl IdleTimeout {
    fn new(inner: TcpStream, timeout: Duration) -> IdleTimeout {
        IdleTimeout { inner, timeout, sleep: Box::pin(tokio::time::sleep(timeout)), armed: false }
    }
}

impl AsyncRead for IdleTimeout {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.armed = false;
                Poll::Ready(r)
            }
            Poll::Pending => {
                if !this.armed {
                    this.sleep.as_mut().reset(tokio::time::Instant::now() + this.timeout);
                    this.armed = true;
                }
                match this.sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "idle connection"))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for IdleTimeout {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
