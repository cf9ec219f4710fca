//! The Spotify Web API through rspotify (client credentials). Responses are read into our own
//! types so that a missing `popularity` stays missing (rspotify's models would read it as 0).
//! A 403 on audio features (every app created since 2024-11-27) is normal, not an error.

use std::collections::HashMap;
use std::time::Duration;

use hitcast::Source;
use rspotify::clients::BaseClient;
use rspotify::http::HttpError;
use rspotify::{ClientCredsSpotify, ClientError, Credentials};
use serde_json::Value;

use crate::sources::{
    AlbumMeta, ArtistMeta, ArtistRef, AudioFeatures, Catalog, FeatureSource, SourceError, TrackMeta, status_error,
    with_retries,
};

const SERVICE: &str = "Spotify";
/// Most album tracks read (4 pages of 50).
const MAX_ALBUM_TRACKS: usize = 200;

#[derive(Debug, Clone)]
pub struct Spotify {
    client: ClientCredsSpotify,
    timeout: Duration,
}

impl Spotify {
    pub fn new(client_id: &str, client_secret: &str, api_base: &str, auth_base: &str, timeout: Duration) -> Spotify {
        let config = rspotify::Config {
            api_base_url: api_base.to_string(),
            auth_base_url: auth_base.to_string(),
            token_refreshing: true,
            ..Default::default()
        };
        Spotify { client: ClientCredsSpotify::with_config(Credentials::new(client_id, client_secret), config), timeout }
    }

    async fn ensure_token(&self) -> Result<(), SourceError> {
        let has = self.client.get_token().lock().await.map(|t| t.is_some()).unwrap_or(false);
        if !has {
            tokio::time::timeout(self.timeout, self.client.request_token())
                .await
                .map_err(|_| SourceError::Timeout { service: SERVICE })?
                .map_err(|e| match map_error(e, "token") {
                    // The token endpoint answers 400 invalid_client for bad credentials.
                    SourceError::Upstream { status: 400, .. } => SourceError::Unauthorized { service: SERVICE },
                    other => other,
                })?;
        }
        Ok(())
    }

    /// GET `path` (relative to the API base) as JSON, with a timeout and bounded retries.
    async fn get(&self, path: &str, query: &[(&str, &str)], what: &'static str) -> Result<Value, SourceError> {
        with_retries(3, Duration::from_secs(5), || async {
            self.ensure_token().await?;
            let q: rspotify::http::Query = query.iter().map(|(k, v)| (*k, *v)).collect();
            let text = tokio::time::timeout(self.timeout, self.client.api_get(path, &q))
                .await
                .map_err(|_| SourceError::Timeout { service: SERVICE })?
                .map_err(|e| map_error(e, what))?;
            serde_json::from_str(&text).map_err(|e| SourceError::Malformed { service: SERVICE, message: e.to_string() })
        })
        .await
    }
}

fn map_error(e: ClientError, what: &'static str) -> SourceError {
    match e {
        ClientError::Http(http) => match *http {
            HttpError::StatusCode(resp) => status_error(SERVICE, what, resp.status().as_u16(), resp.headers()),
            HttpError::Client(e) if e.is_timeout() => SourceError::Timeout { service: SERVICE },
            HttpError::Client(e) => SourceError::Network {
                service: SERVICE,
                message: match e.url() {
                    Some(u) => e.to_string().replace(u.as_str(), "<url>"),
                    None => e.to_string(),
                },
            },
        },
        ClientError::InvalidToken => SourceError::Unauthorized { service: SERVICE },
        ClientError::ParseJson(e) => SourceError::Malformed { service: SERVICE, message: e.to_string() },
        other => SourceError::Network { service: SERVICE, message: other.to_string() },
    }
}

fn str_field(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn artists(v: &Value) -> Vec<ArtistRef> {
    v.get("artists")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    Some(ArtistRef { id: str_field(x, "id")?, name: str_field(x, "name").unwrap_or_default() })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn popularity(v: &Value) -> Option<u32> {
    v.get("popularity").and_then(Value::as_u64).map(|p| p as u32)
}

fn malformed(what: &str) -> SourceError {
    SourceError::Malformed { service: SERVICE, message: format!("no {what}") }
}

/// A full or simplified track object; `album_name`/`release_date` fill in for album tracks.
pub fn track_from_json(v: &Value, album: Option<(&str, Option<&str>)>) -> Result<TrackMeta, SourceError> {
    let album_obj = v.get("album");
    Ok(TrackMeta {
        id: str_field(v, "id").ok_or_else(|| malformed("track id"))?,
        name: str_field(v, "name").unwrap_or_default(),
        artists: artists(v),
        album: album_obj.and_then(|a| str_field(a, "name")).or_else(|| album.map(|a| a.0.to_string())),
        release_date: album_obj
            .and_then(|a| str_field(a, "release_date"))
            .or_else(|| album.and_then(|a| a.1.map(str::to_string))),
        duration_ms: v.get("duration_ms").and_then(Value::as_u64).ok_or_else(|| malformed("duration_ms"))?,
        explicit: v.get("explicit").and_then(Value::as_bool).unwrap_or(false),
        popularity: popularity(v),
    })
}

impl Catalog for Spotify {
    async fn track(&self, id: &str) -> Result<TrackMeta, SourceError> {
        let v = self.get(&format!("tracks/{id}"), &[], "track").await?;
        track_from_json(&v, None)
    }

    async fn album(&self, id: &str) -> Result<AlbumMeta, SourceError> {
        let v = self.get(&format!("albums/{id}"), &[], "album").await?;
        let name = str_field(&v, "name").unwrap_or_default();
        let release = str_field(&v, "release_date");
        let page = v.get("tracks").ok_or_else(|| malformed("album tracks"))?;
        let mut items: Vec<Value> = page.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
        let total = page.get("total").and_then(Value::as_u64).unwrap_or(items.len() as u64) as usize;
        while items.len() < total.min(MAX_ALBUM_TRACKS) {
            let offset = items.len().to_string();
            let next =
                self.get(&format!("albums/{id}/tracks"), &[("limit", "50"), ("offset", &offset)], "album").await?;
            let more = next.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
            if more.is_empty() {
                break;
            }
            items.extend(more);
        }
        let tracks = items
            .iter()
            .map(|t| track_from_json(t, Some((&name, release.as_deref()))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AlbumMeta { id: id.to_string(), name, artists: artists(&v), release_date: release, tracks })
    }

    async fn artist(&self, id: &str) -> Result<ArtistMeta, SourceError> {
        let v = self.get(&format!("artists/{id}"), &[], "artist").await?;
        let genres: Option<Vec<String>> = v
            .get("genres")
            .and_then(Value::as_array)
            .map(|g| g.iter().filter_map(Value::as_str).map(str::to_string).collect::<Vec<_>>())
            .filter(|g| !g.is_empty());
        Ok(ArtistMeta {
            id: str_field(&v, "id").unwrap_or_else(|| id.to_string()),
            name: str_field(&v, "name").unwrap_or_default(),
            popularity: popularity(&v),
            genres,
        })
    }
}

impl FeatureSource for Spotify {
    fn source(&self) -> Source {
        Source::Spotify
    }

    /// Extended-quota apps only; others get [`SourceError::Forbidden`], which callers treat as normal.
    async fn audio_features(&self, ids: &[String]) -> Result<HashMap<String, AudioFeatures>, SourceError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(100) {
            let joined = chunk.join(",");
            let v = self.get("audio-features", &[("ids", &joined)], "track").await?;
            for item in v.get("audio_features").and_then(Value::as_array).into_iter().flatten() {
                if let Some(id) = str_field(item, "id") {
                    out.insert(id, AudioFeatures::from_json(item));
                }
            }
        }
        Ok(out)
    }
}
