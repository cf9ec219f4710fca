//! One bounded HTTP/1.1 server for any router (both functions' local mode), bounded in every
//! direction a client can push:
//! - a request head must arrive within `header_timeout` (hyper's timer), and a connection whose
//!   reads stay pending for `idle_timeout` is closed (`tokio-io-timeout`): slow headers, idle
//!   keep-alives and stalled bodies all end;
//! - at most `max_connections` connections at once; more wait in the kernel's backlog. Each
//!   costs little until its body is read, and bodies are bounded by the router's byte budget
//!   ([`crate::budget`]), so the cap can be high enough that a few hundred slow clients do not
//!   fill it;
//! - an `accept` error (out of file descriptors) backs off instead of spinning, logged once per
//!   [`ACCEPT_LOG_INTERVAL`] with a count.

use std::io;
use std::time::{Duration, Instant};

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_io_timeout::TimeoutStream;

/// At most one "accept failed" line per this interval.
pub const ACCEPT_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The server's own limits (the body's are the router's: [`crate::HttpLimits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// The whole request head must arrive within this.
    pub header_timeout: Duration,
    /// A connection whose reads wait this long is closed (an idle keep-alive, a stalled body).
    pub idle_timeout: Duration,
    /// Connections served at once; more wait in the backlog.
    pub max_connections: usize,
    /// Whether a connection may carry several requests.
    pub keep_alive: bool,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(20),
            max_connections: 4096,
            keep_alive: true,
        }
    }
}

/// Serves `app` on `listener` until the process ends.
pub async fn serve(listener: TcpListener, app: Router, limits: ServeLimits) -> io::Result<()> {
    let slots = std::sync::Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut backoff = Duration::ZERO;
    let mut failures = AcceptFailures::default();
    loop {
        let permit = slots.clone().acquire_owned().await.expect("the semaphore is never closed");
        let stream = match listener.accept().await {
            Ok((stream, _)) => {
                backoff = Duration::ZERO;
                stream
            }
            Err(e) => {
                // out of file descriptors (or the like): wait for connections to close
                failures.record(&e);
                backoff = (backoff * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
                tokio::time::sleep(backoff).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut stream = TimeoutStream::new(stream);
            stream.set_read_timeout(Some(limits.idle_timeout));
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(limits.keep_alive)
                .serve_connection(TokioIo::new(Box::pin(stream)), TowerToHyperService::new(app));
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
}

/// Counts accept errors and logs them at most once per [`ACCEPT_LOG_INTERVAL`].
#[derive(Debug, Default)]
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
