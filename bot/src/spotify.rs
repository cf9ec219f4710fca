//! The Spotify Web API through rspotify (client credentials). Responses are read into our own
//! types so that a missing `popularity` stays missing (rspotify's models would read it as 0).
//! A 403 on audio features (every app created since 2024-11-27) is normal, not an error.

use std::collections::HashMap;
use std::time::Duration;

use hitcast::Source;
use rspotify::clients::BaseClient;
use rspotify::http::HttpError;
use rspotify::{ClientCredsSpotify, ClientError, Credentials};

use crate::sources::{
    AlbumMeta, ArtistMeta, ArtistRef, AudioFeatures, Catalog, Cooldown, FeatureSource, RetryPolicy, SourceError,
    TrackMeta, status_error,
};

const SERVICE: &str = "Spotify";
/// Most album tracks read (10 pages of 50); the reply says how many more the album has.
pub const MAX_ALBUM_TRACKS: usize = 500;

#[derive(Clone)]
pub struct Spotify {
    client: ClientCredsSpotify,
    timeout: Duration,
    /// Spotify's last long `Retry-After`: until it passes, commands are answered from it.
    cooldown: Cooldown,
}

/// Without the client: it holds the client secret and the access token.
impl std::fmt::Debug for Spotify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spotify")
            .field("api", &self.client.config.api_base_url)
            .field("credentials", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Spotify {
    pub fn new(client_id: &str, client_secret: &str, api_base: &str, auth_base: &str, timeout: Duration) -> Spotify {
        let config = rspotify::Config {
            api_base_url: api_base.to_string(),
            auth_base_url: auth_base.to_string(),
            token_refreshing: true,
            ..Default::default()
        };
        Spotify {
            client: ClientCredsSpotify::with_config(Credentials::new(client_id, client_secret), config),
            timeout,
            cooldown: Cooldown::default(),
        }
    }

    async fn ensure_token(&self) -> Result<(), SourceError> {
        let has = self.client.get_token().lock().await.map(|t| t.is_some()).unwrap_or(false);
        if !has {
            tokio::time::timeout(self.timeout, self.client.request_token())
                .await
                .map_err(|_| SourceError::Timeout { service: SERVICE })?
                .map_err(|e| match map_error(e, "token") {
                    // The token endpoint answers 400 invalid_client for bad credentials.
                    SourceError::BadRequest { .. } | SourceError::Upstream { status: 400, .. } => {
                        SourceError::Unauthorized { service: SERVICE }
                    }
                    other => other,
                })?;
        }
        Ok(())
    }

    /// GET `path` (relative to the API base) as the typed payload `T`, with a timeout and
    /// bounded retries.
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        what: &'static str,
    ) -> Result<T, SourceError> {
        RetryPolicy::UPSTREAM
            .run_remembering(SERVICE, &self.cooldown, || async {
                self.ensure_token().await?;
                let q: rspotify::http::Query = query.iter().map(|(k, v)| (*k, *v)).collect();
                let text = tokio::time::timeout(self.timeout, self.client.api_get(path, &q))
                    .await
                    .map_err(|_| SourceError::Timeout { service: SERVICE })?
                    .map_err(|e| map_error(e, what))?;
                serde_json::from_str(&text)
                    .map_err(|e| SourceError::Malformed { service: SERVICE, message: e.to_string() })
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

/// Spotify's JSON, as typed structs: every field Spotify may leave out (development-mode apps
/// get no `popularity`, `followers` or `genres` since February 2026) is an `Option`, so a
/// missing value stays missing by construction. Unknown fields are ignored.
pub mod payload {
    use serde::Deserialize;

    #[derive(Debug, Clone, Deserialize)]
    pub struct ArtistRef {
        pub id: Option<String>,
        #[serde(default)]
        pub name: String,
    }

    #[derive(Debug, Clone, Deserialize)]
    pub struct AlbumRef {
        pub name: Option<String>,
        pub release_date: Option<String>,
    }

    /// A full track object, or a simplified one (album tracks: no `album`, no `popularity`).
    #[derive(Debug, Clone, Deserialize)]
    pub struct Track {
        pub id: Option<String>,
        #[serde(default)]
        pub name: String,
        #[serde(default)]
        pub artists: Vec<ArtistRef>,
        pub album: Option<AlbumRef>,
        pub duration_ms: Option<u64>,
        #[serde(default)]
        pub explicit: bool,
        pub popularity: Option<u32>,
    }

    #[derive(Debug, Clone, Deserialize)]
    pub struct Page<T> {
        #[serde(default = "Vec::new")]
        pub items: Vec<T>,
        pub total: Option<u64>,
    }

    #[derive(Debug, Clone, Deserialize)]
    pub struct Album {
        pub id: Option<String>,
        #[serde(default)]
        pub name: String,
        #[serde(default)]
        pub artists: Vec<ArtistRef>,
        pub release_date: Option<String>,
        pub tracks: Option<Page<Track>>,
    }

    #[derive(Debug, Clone, Deserialize)]
    pub struct Artist {
        pub id: Option<String>,
        #[serde(default)]
        pub name: String,
        pub popularity: Option<u32>,
        pub genres: Option<Vec<String>>,
    }

    /// `GET /audio-features?ids=`: `null` for ids Spotify has nothing for.
    #[derive(Debug, Clone, Deserialize)]
    pub struct AudioFeaturesList {
        #[serde(default)]
        pub audio_features: Vec<Option<AudioFeaturesItem>>,
    }

    #[derive(Debug, Clone, Deserialize)]
    pub struct AudioFeaturesItem {
        pub id: Option<String>,
        #[serde(flatten)]
        pub features: crate::sources::AudioFeatures,
    }
}

fn malformed(what: &str) -> SourceError {
    SourceError::Malformed { service: SERVICE, message: format!("no {what}") }
}

fn artists(refs: Vec<payload::ArtistRef>) -> Vec<ArtistRef> {
    refs.into_iter().filter_map(|a| Some(ArtistRef { id: a.id?, name: a.name })).collect()
}

/// A full or simplified track; `album` (name, release date) fills in for album tracks.
pub fn track_meta(t: payload::Track, album: Option<(&str, Option<&str>)>) -> Result<TrackMeta, SourceError> {
    let (album_name, release) = match t.album {
        Some(a) => (a.name, a.release_date),
        None => (album.map(|a| a.0.to_string()), album.and_then(|a| a.1.map(str::to_string))),
    };
    Ok(TrackMeta {
        id: t.id.ok_or_else(|| malformed("track id"))?,
        name: t.name,
        artists: artists(t.artists),
        album: album_name,
        release_date: release,
        duration_ms: t.duration_ms.ok_or_else(|| malformed("duration_ms"))?,
        explicit: t.explicit,
        popularity: t.popularity,
    })
}

impl Catalog for Spotify {
    async fn track(&self, id: &str) -> Result<TrackMeta, SourceError> {
        let t: payload::Track = self.get(&format!("tracks/{id}"), &[], "track").await?;
        track_meta(t, None)
    }

    async fn album(&self, id: &str) -> Result<AlbumMeta, SourceError> {
        let a: payload::Album = self.get(&format!("albums/{id}"), &[], "album").await?;
        let page = a.tracks.ok_or_else(|| malformed("album tracks"))?;
        let total = page.total.map_or(page.items.len(), |t| t as usize);
        let mut items = page.items;
        while items.len() < total.min(MAX_ALBUM_TRACKS) {
            let offset = items.len().to_string();
            let next: payload::Page<payload::Track> =
                self.get(&format!("albums/{id}/tracks"), &[("limit", "50"), ("offset", &offset)], "album").await?;
            if next.items.is_empty() {
                break;
            }
            items.extend(next.items);
        }
        let tracks = items
            .into_iter()
            .map(|t| track_meta(t, Some((&a.name, a.release_date.as_deref()))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AlbumMeta {
            id: a.id.unwrap_or_else(|| id.to_string()),
            name: a.name,
            artists: artists(a.artists),
            release_date: a.release_date,
            tracks,
            total_tracks: total,
        })
    }

    async fn artist(&self, id: &str) -> Result<ArtistMeta, SourceError> {
        let a: payload::Artist = self.get(&format!("artists/{id}"), &[], "artist").await?;
        Ok(ArtistMeta {
            id: a.id.unwrap_or_else(|| id.to_string()),
            name: a.name,
            popularity: a.popularity,
            genres: a.genres.filter(|g| !g.is_empty()),
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
            let list: payload::AudioFeaturesList = self.get("audio-features", &[("ids", &joined)], "track").await?;
            for item in list.audio_features.into_iter().flatten() {
                if let Some(id) = item.id {
                    out.insert(id, item.features);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_secret_or_the_token() {
        let s = Spotify::new(
            "client-id",
            "SECRET-abc123",
            "http://127.0.0.1:1/",
            "http://127.0.0.1:1/",
            Duration::from_secs(1),
        );
        let text = format!("{s:?}");
        assert!(!text.contains("SECRET-abc123"), "{text}");
        assert!(text.contains("redacted"), "{text}");
    }
}
