//! ReccoBeats: Spotify-style audio features by Spotify id (`GET /v1/audio-features?ids=`),
//! free and keyless. Up to 40 ids per request; tracks it has not analysed are omitted.

use std::collections::HashMap;
use std::time::Duration;

use hitcast::Source;

use crate::sources::{AudioFeatures, Cooldown, FeatureSource, RetryPolicy, SourceError, status_error};

const SERVICE: &str = "ReccoBeats";
const BATCH: usize = 40;

#[derive(Debug, Clone)]
pub struct ReccoBeats {
    http: reqwest::Client,
    base: String,
    /// ReccoBeats' last long `Retry-After`.
    cooldown: Cooldown,
}

impl ReccoBeats {
    /// `base` ends with `/` (`https://api.reccobeats.com/`).
    pub fn new(base: &str, timeout: Duration) -> ReccoBeats {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("hitcast-bot/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a reqwest client");
        ReccoBeats { http, base: base.to_string(), cooldown: Cooldown::default() }
    }

    async fn batch(&self, ids: &[String]) -> Result<HashMap<String, AudioFeatures>, SourceError> {
        let url = format!("{}v1/audio-features", self.base);
        let resp = self.http.get(&url).query(&[("ids", ids.join(","))]).send().await.map_err(|e| {
            if e.is_timeout() {
                SourceError::Timeout { service: SERVICE }
            } else {
                SourceError::Network { service: SERVICE, message: without_url(&e) }
            }
        })?;
        let status = resp.status().as_u16();
        if !resp.status().is_success() {
            return Err(status_error(SERVICE, "track", status, resp.headers()));
        }
        let body: payload::List =
            resp.json().await.map_err(|e| SourceError::Malformed { service: SERVICE, message: without_url(&e) })?;
        let mut out = HashMap::new();
        for item in body.content {
            // Items name the Spotify track in `href` (https://open.spotify.com/track/<id>).
            let id = item
                .href
                .as_deref()
                .and_then(|h| h.rsplit('/').next())
                .map(|s| s.split('?').next().unwrap_or(s).to_string());
            if let Some(id) = id.filter(|id| ids.contains(id)) {
                out.insert(id, item.features);
            }
        }
        Ok(out)
    }
}

/// ReccoBeats' JSON, typed: `{"content": [{"id": …, "href": "https://open.spotify.com/track/…",
/// "danceability": …, …}]}`. A missing `content` is a malformed response; a missing feature
/// stays `None`.
pub mod payload {
    use serde::Deserialize;

    #[derive(Debug, Clone, Deserialize)]
    pub struct List {
        pub content: Vec<Item>,
    }

    #[derive(Debug, Clone, Deserialize)]
    pub struct Item {
        pub href: Option<String>,
        #[serde(flatten)]
        pub features: crate::sources::AudioFeatures,
    }
}

/// The error text without the request URL (it would repeat the ids).
fn without_url(e: &reqwest::Error) -> String {
    let s = e.to_string();
    match e.url() {
        Some(u) => s.replace(u.as_str(), "<url>"),
        None => s,
    }
}

impl FeatureSource for ReccoBeats {
    fn source(&self) -> Source {
        Source::ReccoBeats
    }

    async fn audio_features(&self, ids: &[String]) -> Result<HashMap<String, AudioFeatures>, SourceError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(BATCH) {
            out.extend(RetryPolicy::UPSTREAM.run_remembering(SERVICE, &self.cooldown, || self.batch(chunk)).await?);
        }
        Ok(out)
    }
}
