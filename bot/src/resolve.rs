//! Spotify's short share links (`spotify.link/…`, `spotify.app.link/…`, `open.spotify.com/s/…`,
//! what the mobile apps copy) resolved to the `open.spotify.com/track|album/ID` link they stand
//! for. Bounded: redirects are followed by hand and only between Spotify's own hosts, at most
//! [`MAX_HOPS`], within the client's time-out, and at most [`MAX_BODY`] bytes of a page are read
//! (a page that carries the link instead of redirecting to it).

use std::time::Duration;

/// Hosts a short link may lead through.
pub const SPOTIFY_HOSTS: [&str; 3] = ["spotify.link", "spotify.app.link", "open.spotify.com"];
pub const MAX_HOPS: usize = 5;
pub const MAX_BODY: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct ShortLinks {
    http: reqwest::Client,
    /// Tests: requests go to `{base}/{host}{path}` instead of `https://{host}{path}`.
    base: Option<String>,
}

impl ShortLinks {
    pub fn new(timeout: Duration) -> ShortLinks {
        ShortLinks::build(None, timeout)
    }

    /// Sends every request to `base` (a stub on 127.0.0.1), as `{base}/{host}{path}`.
    pub fn with_base(base: &str, timeout: Duration) -> ShortLinks {
        ShortLinks::build(Some(base.trim_end_matches('/').to_string()), timeout)
    }

    fn build(base: Option<String>, timeout: Duration) -> ShortLinks {
        let http = crate::sources::client_without_redirects(timeout);
        ShortLinks { http, base }
    }

    /// The `open.spotify.com/…` link a short link leads to, or `None` (not a Spotify host, too
    /// many hops, no link found, or the service did not answer in time).
    pub async fn resolve(&self, link: &str) -> Option<String> {
        let mut url = with_scheme(link.trim().trim_matches(|c| c == '<' || c == '>'));
        for _ in 0..=MAX_HOPS {
            let (host, rest) = split(&url)?;
            if !SPOTIFY_HOSTS.contains(&host) {
                tracing::info!(host, "a short link led outside Spotify; not followed");
                return None;
            }
            if host == "open.spotify.com" && !rest.starts_with("/s/") {
                return Some(url);
            }
            let target = match &self.base {
                Some(base) => format!("{base}/{host}{rest}"),
                None => url.clone(),
            };
            let mut resp = self.http.get(&target).send().await.ok()?;
            if resp.status().is_redirection() {
                let next = resp.headers().get(reqwest::header::LOCATION)?.to_str().ok()?;
                url = with_scheme(next);
                continue;
            }
            if !resp.status().is_success() {
                return None;
            }
            let mut body = Vec::new();
            while let Ok(Some(chunk)) = resp.chunk().await {
                body.extend_from_slice(&chunk);
                if body.len() >= MAX_BODY {
                    break;
                }
            }
            return find_link(&String::from_utf8_lossy(&body));
        }
        None
    }
}

fn with_scheme(s: &str) -> String {
    if s.starts_with("https://") || s.starts_with("http://") { s.to_string() } else { format!("https://{s}") }
}

/// `https://host/rest` → (`host`, `/rest`).
fn split(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let at = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, path) = rest.split_at(at);
    Some((host, if path.is_empty() { "/" } else { path }))
}

/// The first `https://open.spotify.com/track|album/<22 letters and digits>` in a page.
fn find_link(page: &str) -> Option<String> {
    for kind in ["track/", "album/"] {
        let needle = format!("open.spotify.com/{kind}");
        let mut from = 0;
        while let Some(i) = page[from..].find(&needle) {
            let start = from + i + needle.len();
            let id: String = page[start..].chars().take_while(char::is_ascii_alphanumeric).collect();
            if id.len() == 22 {
                return Some(format!("https://open.spotify.com/{kind}{id}"));
            }
            from = start;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_in_pages_and_urls_split() {
        let page = r#"<meta property="og:url" content="https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC?si=x">"#;
        assert_eq!(find_link(page).as_deref(), Some("https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"));
        assert_eq!(find_link("open.spotify.com/track/short"), None);
        assert_eq!(split("https://spotify.link/abc?x=1"), Some(("spotify.link", "/abc?x=1")));
        assert_eq!(split("https://spotify.link"), Some(("spotify.link", "/")));
    }
}
