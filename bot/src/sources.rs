//! Where track data comes from, behind traits: a [`Catalog`] (Spotify: names, artists, album,
//! release date, duration, and popularity only when the response really has it) and
//! [`FeatureSource`]s (Spotify's audio features for extended-quota apps, ReccoBeats).

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use hitcast::Source;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq)]
pub struct ArtistRef {
    pub id: String,
    pub name: String,
}

/// A track as the catalog knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackMeta {
    pub id: String,
    pub name: String,
    pub artists: Vec<ArtistRef>,
    pub album: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub release_date: Option<String>,
    pub duration_ms: u64,
    pub explicit: bool,
    /// Only when the response carried it (extended-quota apps); never a default 0.
    pub popularity: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlbumMeta {
    pub id: String,
    pub name: String,
    pub artists: Vec<ArtistRef>,
    pub release_date: Option<String>,
    /// The tracks read (at most the catalog's limit)…
    pub tracks: Vec<TrackMeta>,
    /// …of how many the album has.
    pub total_tracks: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArtistMeta {
    pub id: String,
    pub name: String,
    /// Only when the response carried it.
    pub popularity: Option<u32>,
    /// Only when the response carried a non-empty list.
    pub genres: Option<Vec<String>>,
}

/// Spotify-style audio features (the JSON of Spotify and ReccoBeats), in the core: the API
/// reads ReccoBeats' analysis of an upload with it too.
pub use hitcast::audio::AudioFeatures;

/// The bot's HTTP client for hosts it checks itself (short links, attachments): redirects are
/// never followed, so a redirect cannot lead past the host allow-list.
pub fn client_without_redirects(timeout: std::time::Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("hitcast-bot/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a reqwest client")
}

/// An upstream failure, without upstream bodies or tokens.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SourceError {
    #[error("{service} rejected the credentials (HTTP 401/400 on the token)")]
    Unauthorized { service: &'static str },
    #[error("{service} does not give this data to this app (HTTP 403)")]
    Forbidden { service: &'static str },
    #[error("{service} has no such {what}")]
    NotFound { service: &'static str, what: &'static str },
    /// HTTP 400 on a lookup: the id itself is refused (never retried).
    #[error("{service} says this is not a valid {what} id (HTTP 400)")]
    BadRequest { service: &'static str, what: &'static str },
    #[error("{service} is rate-limiting us (HTTP 429; retry after {retry_after:?})")]
    RateLimited { service: &'static str, retry_after: Option<Duration> },
    #[error("{service} failed (HTTP {status})")]
    Upstream { service: &'static str, status: u16 },
    #[error("{service} did not answer in time")]
    Timeout { service: &'static str },
    #[error("{service} could not be reached: {message}")]
    Network { service: &'static str, message: String },
    #[error("{service} sent a response we could not read: {message}")]
    Malformed { service: &'static str, message: String },
}

/// Track, album and artist metadata.
pub trait Catalog {
    fn track(&self, id: &str) -> impl Future<Output = Result<TrackMeta, SourceError>> + Send;
    fn album(&self, id: &str) -> impl Future<Output = Result<AlbumMeta, SourceError>> + Send;
    fn artist(&self, id: &str) -> impl Future<Output = Result<ArtistMeta, SourceError>> + Send;
}

/// Audio features by Spotify track id. Ids it has nothing for are absent from the map.
pub trait FeatureSource {
    fn source(&self) -> Source;
    fn audio_features(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<HashMap<String, AudioFeatures>, SourceError>> + Send;
}

/// What a failed attempt allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// The caller's mistake, or final: give up.
    Never,
    /// Transient (5xx, a time-out, Discord not knowing the interaction yet): pause, then again.
    Pause,
    /// Asked to wait this long (`Retry-After`).
    After(Duration),
}

/// An error that says whether the call may be tried again.
pub trait Retryable: std::fmt::Display {
    fn retry(&self) -> Retry;
}

impl Retryable for SourceError {
    fn retry(&self) -> Retry {
        match self {
            SourceError::RateLimited { retry_after: Some(d), .. } => Retry::After(*d),
            SourceError::RateLimited { retry_after: None, .. } => Retry::After(Duration::from_secs(1)),
            SourceError::Upstream { .. } | SourceError::Timeout { .. } => Retry::Pause,
            // a 400 or 404 is the caller's id; the rest will not change by asking again
            _ => Retry::Never,
        }
    }
}

/// The one retry policy for every upstream (Spotify, ReccoBeats, Discord's webhooks): at most
/// `attempts` tries; a `Retry-After` of at most `max_wait` is waited for, a longer one ends the
/// call at once (never retry early); other transient failures pause `pause`, doubling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub attempts: usize,
    pub max_wait: Duration,
    pub pause: Duration,
}

impl RetryPolicy {
    /// Spotify and ReccoBeats: inside Discord's interaction time.
    pub const UPSTREAM: RetryPolicy =
        RetryPolicy { attempts: 3, max_wait: Duration::from_secs(5), pause: Duration::from_millis(300) };

    pub async fn run<T, E, Fut>(&self, mut call: impl FnMut() -> Fut) -> Result<T, E>
    where
        E: Retryable,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut pause = self.pause;
        let mut attempt = 1;
        loop {
            let e = match call().await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let wait = match e.retry() {
                Retry::Never => return Err(e),
                Retry::After(d) if d > self.max_wait => return Err(e),
                Retry::After(d) => d,
                Retry::Pause => {
                    let p = pause;
                    pause = pause.saturating_mul(2);
                    p
                }
            };
            if attempt >= self.attempts {
                return Err(e);
            }
            tracing::warn!(error = %e, attempt, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// [`RetryPolicy::run`] for one upstream whose `Retry-After` is remembered in `cooldown`:
    /// while it lasts, calls are answered from it (the time left) without reaching the upstream.
    pub async fn run_remembering<T, Fut>(
        &self,
        service: &'static str,
        cooldown: &Cooldown,
        call: impl FnMut() -> Fut,
    ) -> Result<T, SourceError>
    where
        Fut: Future<Output = Result<T, SourceError>>,
    {
        if let Some(left) = cooldown.left() {
            return Err(SourceError::RateLimited { service, retry_after: Some(left) });
        }
        let r = self.run(call).await;
        if let Err(SourceError::RateLimited { retry_after: Some(wait), .. }) = &r {
            cooldown.note(*wait);
        }
        r
    }
}

/// An upstream's `Retry-After`, remembered: shared by every clone (one per upstream client).
#[derive(Debug, Clone, Default)]
pub struct Cooldown(std::sync::Arc<std::sync::Mutex<Option<tokio::time::Instant>>>);

impl Cooldown {
    /// The longest wait remembered (a `Retry-After` of 10⁹ s is not a reason to stop for 31 years).
    pub const MAX: Duration = Duration::from_secs(3600);

    /// Time left of a `Retry-After` heard earlier.
    pub fn left(&self) -> Option<Duration> {
        let until = (*self.0.lock().unwrap_or_else(|p| p.into_inner()))?;
        until.checked_duration_since(tokio::time::Instant::now()).filter(|d| !d.is_zero())
    }

    /// Remembers a wait (the later end wins).
    pub fn note(&self, wait: Duration) {
        let until = tokio::time::Instant::now() + wait.min(Cooldown::MAX);
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none_or(|t| t < until) {
            *slot = Some(until);
        }
    }
}

/// Parses a `Retry-After` header value in seconds.
///
/// The one parser for every upstream (Spotify, ReccoBeats, Discord): a value that is not a
/// finite, non-negative number of seconds that fits a `Duration` (`-1`, `inf`, `NaN`, `1e300`)
/// is ignored rather than trusted — it used to panic in `Duration::from_secs_f64`.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
}

/// Maps an HTTP status to an error (for non-success statuses).
pub fn status_error(
    service: &'static str,
    what: &'static str,
    status: u16,
    headers: &reqwest::header::HeaderMap,
) -> SourceError {
    match status {
        400 => SourceError::BadRequest { service, what },
        401 => SourceError::Unauthorized { service },
        403 => SourceError::Forbidden { service },
        404 => SourceError::NotFound { service, what },
        429 => SourceError::RateLimited { service, retry_after: retry_after(headers) },
        s => SourceError::Upstream { service, status: s },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn one_policy_waits_short_retry_afters_gives_up_on_long_ones_and_remembers_them() {
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let limited = |secs: u64| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let e = SourceError::RateLimited { service: "Spotify", retry_after: Some(Duration::from_secs(secs)) };
            async move { Err::<(), _>(e) }
        };
        // a short wait is waited for, up to the attempts
        assert!(RetryPolicy::UPSTREAM.run(|| limited(1)).await.is_err());
        assert_eq!(calls.swap(0, std::sync::atomic::Ordering::Relaxed), 3);
        // a long one ends at once, and is remembered
        let cooldown = Cooldown::default();
        let e = RetryPolicy::UPSTREAM.run_remembering("Spotify", &cooldown, || limited(120)).await.unwrap_err();
        assert_eq!(e, SourceError::RateLimited { service: "Spotify", retry_after: Some(Duration::from_secs(120)) });
        assert_eq!(calls.swap(0, std::sync::atomic::Ordering::Relaxed), 1);
        tokio::time::advance(Duration::from_secs(20)).await;
        // the next call is answered from memory, without reaching the upstream
        let e = RetryPolicy::UPSTREAM.run_remembering("Spotify", &cooldown, || limited(120)).await.unwrap_err();
        let SourceError::RateLimited { retry_after: Some(left), .. } = e else { panic!("{e:?}") };
        assert!(left <= Duration::from_secs(100) && left > Duration::from_secs(90), "{left:?}");
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 0);
        // a huge Retry-After is remembered for at most an hour
        let c = Cooldown::default();
        c.note(Duration::from_secs(1_000_000_000));
        assert!(c.left().unwrap() <= Cooldown::MAX);
    }

    #[test]
    fn retry_after_takes_seconds_and_ignores_what_is_not_a_duration() {
        let h = |v: &str| {
            let mut m = reqwest::header::HeaderMap::new();
            m.insert(reqwest::header::RETRY_AFTER, v.parse().unwrap());
            retry_after(&m)
        };
        assert_eq!(h("30"), Some(Duration::from_secs(30)));
        assert_eq!(h(" 1.5 "), Some(Duration::from_millis(1500)));
        for bad in ["-1", "inf", "-inf", "NaN", "1e300", "soon", ""] {
            assert_eq!(h(bad), None, "{bad}");
        }
        assert_eq!(h("1000000000"), Some(Duration::from_secs(1_000_000_000)));
    }
}
