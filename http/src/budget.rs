//! A memory budget for request bodies: the bytes buffered at once across *all* connections are
//! bounded, not only their number. A body reserves its declared `Content-Length` (or the whole
//! per-request limit when it is chunked) before one byte is read; when the budget cannot cover
//! it, the request is answered 503 with `Retry-After` at once, without reading. A reservation is
//! held until the response has been built, so the budget bounds what handlers hold too.
//!
//! Small bodies (at most [`SMALL_BODY`] declared) first draw on a pool of their own, so that a few
//! large uploads stalled on purpose cannot spend the memory a normal request needs.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Why a body was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// Over the per-request limit (declared or counted): 413.
    #[error(
        "the body is {}; the limit is {limit} bytes (with audio: about {:.1} minutes of MP3 at 256 kbit/s, {:.1} at 128 kbit/s — send a compressed file, not WAV or FLAC)",
        size.map_or("over the limit".into(), |n| format!("{n} bytes")),
        *limit as f64 * 8.0 / 256_000.0 / 60.0,
        *limit as f64 * 8.0 / 128_000.0 / 60.0
    )]
    TooLarge { size: Option<u64>, limit: usize },
    /// The budget is spent by other requests' bodies: 503, try again after `retry_after`.
    #[error("the server is busy reading other requests' bodies; try again in {} s", retry_after.as_secs())]
    Busy { retry_after: Duration },
    /// The body did not arrive within the limit: 408.
    #[error("the body did not arrive within {} s", .0.as_secs())]
    Timeout(Duration),
    /// Broken chunked encoding, a connection closed early: 400.
    #[error("the body could not be read (broken chunked encoding or a closed connection): {0}")]
    Unreadable(String),
}

/// The largest body that draws on the small-body pool.
pub const SMALL_BODY: usize = 64 * 1024;
/// The small-body pool: this many small bodies at once.
pub const SMALL_BODIES: usize = 256;

/// The budget, shared by every connection of one server (clone it: clones share the bytes).
#[derive(Debug, Clone)]
pub struct BodyBudget {
    bytes: Arc<Semaphore>,
    /// For bodies of at most [`SMALL_BODY`] declared bytes.
    small: Arc<Semaphore>,
    total: usize,
    max_body: usize,
    timeout: Duration,
}

/// What a busy server tells the client to wait.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

impl BodyBudget {
    /// `total` bytes across all requests, at most `max_body` for one, each within `timeout`.
    pub fn new(total: usize, max_body: usize, timeout: Duration) -> BodyBudget {
        // a budget smaller than one body would refuse every large request
        let total = total.max(max_body).min(Semaphore::MAX_PERMITS).min(u32::MAX as usize);
        BodyBudget {
            bytes: Arc::new(Semaphore::new(total)),
            small: Arc::new(Semaphore::new(SMALL_BODIES * SMALL_BODY)),
            total,
            max_body,
            timeout,
        }
    }

    pub fn max_body(&self) -> usize {
        self.max_body
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// Bytes not reserved right now.
    pub fn available(&self) -> usize {
        self.bytes.available_permits()
    }

    /// Bytes of the small-body pool not reserved right now.
    pub fn small_available(&self) -> usize {
        self.small.available_permits()
    }

    /// Reserves room for `body`, then reads it. The permit is the reservation: keep it as long
    /// as the bytes (or what was built from them) live.
    pub async fn read<B>(&self, body: B) -> Result<(Bytes, OwnedSemaphorePermit), BodyError>
    where
        B: http_body::Body<Data = Bytes> + Unpin,
        B::Error: std::fmt::Display,
    {
        let declared = body.size_hint().exact();
        if let Some(n) = declared.filter(|n| *n > self.max_body as u64) {
            return Err(BodyError::TooLarge { size: Some(n), limit: self.max_body });
        }
        // a chunked body may grow to the limit: reserve all of it
        let reserve = declared.map_or(self.max_body, |n| n as usize);
        let small = declared
            .filter(|n| *n <= SMALL_BODY as u64)
            .and_then(|_| self.small.clone().try_acquire_many_owned(reserve as u32).ok());
        let permit = match small {
            Some(p) => p,
            None => self
                .bytes
                .clone()
                .try_acquire_many_owned(reserve as u32)
                .map_err(|_| BodyError::Busy { retry_after: RETRY_AFTER })?,
        };
        let bytes = tokio::time::timeout(self.timeout, collect(body, reserve, self.max_body))
            .await
            .map_err(|_| BodyError::Timeout(self.timeout))??;
        Ok((bytes, permit))
    }
}

/// Reads frames into one buffer of the reserved size (no second copy), never past `limit`.
async fn collect<B>(mut body: B, reserve: usize, limit: usize) -> Result<Bytes, BodyError>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let mut buf = Vec::with_capacity(reserve.min(limit));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Unreadable(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                return Err(BodyError::TooLarge { size: None, limit });
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// A chunked body: no declared size.
    struct Chunks(VecDeque<Bytes>);

    impl http_body::Body for Chunks {
        type Data = Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
            Poll::Ready(self.0.pop_front().map(|b| Ok(http_body::Frame::data(b))))
        }
    }

    fn chunks(n: usize) -> Chunks {
        Chunks((0..n).map(|_| Bytes::from_static(b"abcd")).collect())
    }

    #[tokio::test]
    async fn large_uploads_cannot_spend_what_small_bodies_need() {
        let big = 200 * 1024;
        let budget = BodyBudget::new(2 * big, big, Duration::from_secs(1));
        let (_a, _pa) = budget.read(Full::new(Bytes::from(vec![1u8; big]))).await.unwrap();
        let (_b, _pb) = budget.read(Full::new(Bytes::from(vec![1u8; big]))).await.unwrap();
        assert_eq!(budget.available(), 0);
        assert!(matches!(budget.read(Full::new(Bytes::from(vec![1u8; big]))).await, Err(BodyError::Busy { .. })));
        // a normal request still gets in
        let (c, _pc) = budget.read(Full::new(Bytes::from(vec![1u8; 500]))).await.unwrap();
        assert_eq!(c.len(), 500);
        assert_eq!(budget.small_available(), SMALL_BODIES * SMALL_BODY - 500);
    }

    #[tokio::test]
    async fn bodies_reserve_their_size_and_give_it_back() {
        let budget = BodyBudget::new(100 * 1024, 60 * 1024, Duration::from_secs(1));
        let kib = |n: usize| Full::new(Bytes::from(vec![1u8; n * 1024]));
        // 60 KiB is a small body: it draws on the small pool
        let (a, pa) = budget.read(kib(60)).await.unwrap();
        assert_eq!(a.len(), 60 * 1024);
        assert_eq!(budget.small_available(), SMALL_BODIES * SMALL_BODY - 60 * 1024);
        drop(pa);
        assert_eq!(budget.small_available(), SMALL_BODIES * SMALL_BODY);
    }

    #[tokio::test]
    async fn a_declared_size_over_the_limit_is_refused_before_reading() {
        let budget = BodyBudget::new(1000, 10, Duration::from_secs(1));
        let e = budget.read(Full::new(Bytes::from(vec![0u8; 11]))).await.unwrap_err();
        assert_eq!(e, BodyError::TooLarge { size: Some(11), limit: 10 });
        assert_eq!(budget.available(), 1000);
    }

    #[tokio::test]
    async fn a_chunked_body_reserves_the_limit_and_is_cut_at_it() {
        let budget = BodyBudget::new(25, 10, Duration::from_secs(1));
        let (b, _p) = budget.read(chunks(2)).await.unwrap();
        assert_eq!(b.len(), 8);
        assert_eq!(budget.available(), 15, "a chunked body holds the whole limit, from the large pool");
        assert_eq!(budget.read(chunks(3)).await.unwrap_err(), BodyError::TooLarge { size: None, limit: 10 });
    }
}
