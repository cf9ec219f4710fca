//! Songs attached to a command (`/predict file:`, `/album file1:` … `file10:`): downloaded from
//! Discord's CDN only (a host allow-list, https, no redirects followed), at most [`MAX_BYTES`]
//! (the size Discord states is checked before the request, the bytes as they arrive), within
//! the client's time-out; then analysed in memory on the blocking pool. The audio is never
//! stored or logged, and neither is its (signed) URL.

use std::fmt;
use std::time::Duration;

use hitcast::audio::{self, Analysis};
use serde::{Deserialize, Serialize};

/// Hosts an attachment may be downloaded from.
pub const DISCORD_CDN_HOSTS: [&str; 2] = ["cdn.discordapp.com", "media.discordapp.net"];
/// Largest attachment downloaded (Discord's own upload limit without Nitro).
pub const MAX_BYTES: u64 = 25 * 1024 * 1024;
/// Most files `/album` takes (one option each).
pub const MAX_FILES: usize = 10;

/// A file attached to a command, as Discord's `resolved.attachments` describes it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub filename: String,
    pub url: String,
    /// Bytes, as Discord states it.
    #[serde(default)]
    pub size: u64,
}

impl fmt::Debug for Attachment {
    // the URL is a signed link to the user's file: never in a log
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment").field("filename", &self.filename).field("size", &self.size).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    #[error("{file} is not a file attached on Discord; attach the song to the command")]
    Host { file: String },
    #[error(
        "{file} is over {limit_mb:.0} MB; the limit is {limit_mb:.0} MB (send an MP3 or M4A rather than WAV or FLAC)"
    )]
    TooLarge { file: String, limit_mb: f64 },
    #[error("{file} could not be downloaded from Discord ({why}); try again")]
    Download { file: String, why: String },
    #[error("{0}")]
    Audio(String),
}

/// Downloads attachments from the allowed hosts.
#[derive(Debug, Clone)]
pub struct Attachments {
    http: reqwest::Client,
    hosts: Vec<String>,
    /// Tests: stubs on 127.0.0.1 speak plain http.
    allow_http: bool,
    max_bytes: u64,
}

impl Attachments {
    /// Discord's CDN, over https.
    pub fn new(timeout: Duration) -> Attachments {
        Attachments::build(DISCORD_CDN_HOSTS.iter().map(|h| h.to_string()).collect(), false, timeout)
    }

    /// Other hosts (`127.0.0.1:PORT`: a stub), over http or https.
    pub fn with_hosts(hosts: &[&str], timeout: Duration) -> Attachments {
        Attachments::build(hosts.iter().map(|h| h.to_string()).collect(), true, timeout)
    }

    fn build(hosts: Vec<String>, allow_http: bool, timeout: Duration) -> Attachments {
        let http = crate::sources::client_without_redirects(timeout);
        Attachments { http, hosts, allow_http, max_bytes: MAX_BYTES }
    }

    /// A lower size limit (tests).
    pub fn max_bytes(mut self, n: u64) -> Attachments {
        self.max_bytes = n.min(MAX_BYTES);
        self
    }

    /// Whether `url` is on an allowed host (`host` or `host:port`), by an allowed scheme.
    pub fn allowed(&self, url: &str) -> bool {
        let Ok(u) = reqwest::Url::parse(url) else { return false };
        let scheme_ok = u.scheme() == "https" || (self.allow_http && u.scheme() == "http");
        let Some(host) = u.host_str() else { return false };
        let with_port = u.port().map(|p| format!("{host}:{p}"));
        scheme_ok
            && u.username().is_empty()
            && u.password().is_none()
            && self.hosts.iter().any(|h| (*h == host && u.port().is_none()) || Some(h) == with_port.as_ref())
    }

    /// The file's bytes, bounded.
    pub async fn fetch(&self, a: &Attachment) -> Result<Vec<u8>, FetchError> {
        let file = crate::reply::md(&a.filename);
        if !self.allowed(&a.url) {
            tracing::info!("an attachment URL outside Discord's CDN was refused");
            return Err(FetchError::Host { file });
        }
        let too_large =
            || FetchError::TooLarge { file: file.clone(), limit_mb: self.max_bytes as f64 / (1024.0 * 1024.0) };
        if a.size > self.max_bytes {
            return Err(too_large());
        }
        let failed = |why: String| FetchError::Download { file: file.clone(), why };
        let mut resp = self.http.get(&a.url).send().await.map_err(|e| {
            failed(if e.is_timeout() { "it took too long".into() } else { "the connection failed".into() })
        })?;
        if !resp.status().is_success() {
            return Err(failed(format!("HTTP {}", resp.status().as_u16())));
        }
        if resp.content_length().is_some_and(|n| n > self.max_bytes) {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0).min(self.max_bytes) as usize);
        while let Some(chunk) = resp.chunk().await.map_err(|_| failed("the download broke off".into()))? {
            if (body.len() + chunk.len()) as u64 > self.max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Downloads and analyses one file (the analysis on the blocking pool); with `keep`, also
    /// hands back the part of the file a remote analysis may be sent (`None`: too large a M4A).
    pub async fn analyse(&self, a: &Attachment, keep: bool) -> Result<(Analysis, Option<Vec<u8>>), FetchError> {
        let bytes = self.fetch(a).await?;
        let kept = if keep { audio::remote_part(&a.filename, &bytes).map(<[u8]>::to_vec) } else { None };
        let name = a.filename.clone();
        let analysed =
            tokio::task::spawn_blocking(move || audio::analyse_bytes(bytes, audio::extension(&name).as_deref(), &name))
                .await
                .map_err(|_| FetchError::Audio(format!("{} could not be analysed", crate::reply::md(&a.filename))))?;
        analysed.map(|a| (a, kept)).map_err(|e| FetchError::Audio(crate::reply::md(&e.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_discords_cdn_over_https() {
        let a = Attachments::new(Duration::from_secs(1));
        assert!(a.allowed("https://cdn.discordapp.com/attachments/1/2/song.mp3?ex=1&is=2&hm=3"));
        assert!(a.allowed("https://media.discordapp.net/attachments/1/2/song.mp3"));
        for bad in [
            "http://cdn.discordapp.com/attachments/1/2/song.mp3",
            "https://cdn.discordapp.com.evil.example/song.mp3",
            "https://evil.example/cdn.discordapp.com/song.mp3",
            "https://user@cdn.discordapp.com/song.mp3",
            "https://cdn.discordapp.com:8443/song.mp3",
            "https://169.254.169.254/latest/meta-data/",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(!a.allowed(bad), "{bad}");
        }
        let t = Attachments::with_hosts(&["127.0.0.1:4000"], Duration::from_secs(1));
        assert!(t.allowed("http://127.0.0.1:4000/a.wav"));
        assert!(!t.allowed("http://127.0.0.1:4001/a.wav"));
    }

    #[test]
    fn debug_never_shows_the_signed_url() {
        let a =
            Attachment { filename: "song.mp3".into(), url: "https://cdn.discordapp.com/x?hm=SECRET".into(), size: 3 };
        assert!(!format!("{a:?}").contains("SECRET"));
    }
}
