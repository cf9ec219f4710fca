//! Stub Spotify and ReccoBeats servers (wiremock) with the documented response shapes.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use hitcast_bot::attachments::Attachments;
use hitcast_bot::enrich::Enricher;
use hitcast_bot::logic::Bot;
use hitcast_bot::reccobeats::ReccoBeats;
use hitcast_bot::resolve::ShortLinks;
use hitcast_bot::spotify::Spotify;
use hitcast_http::remote::ReccoBeatsAnalysis;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const TRACK: &str = "4uLU6hMCjMI75M1A2tKUQC";
pub const TRACK2: &str = "7ouMYWpwJ422jRcDASZB7P";
pub const ALBUM: &str = "4aawyAB9vmqN3uQ7FjRGTy";
pub const ARTIST: &str = "0TnOYISbd1XYRBk9myaseg";
/// A fixed "now" (2026-11-26) so years_since_release is stable.
pub const NOW: f64 = 2026.9;

pub fn model() -> Arc<hitcast::Model> {
    static M: OnceLock<Arc<hitcast::Model>> = OnceLock::new();
    M.get_or_init(|| Arc::new(hitcast::Model::embedded().unwrap())).clone()
}

pub struct Stubs {
    pub spotify: MockServer,
    pub recco: MockServer,
}

impl Stubs {
    pub async fn start() -> Stubs {
        let spotify = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"access_token": "BQDstubtoken", "token_type": "Bearer", "expires_in": 3600})),
            )
            .mount(&spotify)
            .await;
        Stubs { spotify, recco: MockServer::start().await }
    }

    pub fn bot(&self) -> Bot<Spotify, ReccoBeats> {
        self.bot_with_timeout(Duration::from_secs(5))
    }

    pub fn bot_with_timeout(&self, timeout: Duration) -> Bot<Spotify, ReccoBeats> {
        let spotify = Spotify::new(
            "client-id",
            "client-secret",
            &format!("{}/v1/", self.spotify.uri()),
            &format!("{}/", self.spotify.uri()),
            timeout,
        );
        let recco = ReccoBeats::new(&format!("{}/", self.recco.uri()), timeout);
        {
            let model = model();
            let rules = model.derive_rules().clone();
            // short links resolve against the Spotify stub (`/spotify.link/…` paths)
            let links = ShortLinks::with_base(&self.spotify.uri(), timeout);
            // attachments come from the Spotify stub's host in tests (Discord's CDN in production)
            let cdn = self.spotify.address().to_string();
            let attachments = Attachments::with_hosts(&[&cdn], timeout);
            let remote = ReccoBeatsAnalysis::new(&format!("{}/", self.recco.uri()), timeout);
            Bot { model, enricher: Enricher { spotify, fallback: recco, rules }, links, attachments, remote }
        }
    }

    pub async fn spotify_get(&self, p: &str, status: u16, body: Value) {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&self.spotify)
            .await;
    }

    /// Development-mode shapes: no popularity, no followers; audio features 403.
    pub async fn dev_mode(&self) {
        self.spotify_get(&format!("/v1/tracks/{TRACK}"), 200, track_json(TRACK, "Neon Harbour", None)).await;
        self.spotify_get(&format!("/v1/artists/{ARTIST}"), 200, artist_json(None, &[])).await;
        self.spotify_get("/v1/audio-features", 403, json!({"error": {"status": 403, "message": "Forbidden"}})).await;
    }

    /// Extended-quota shapes: popularity and audio features present.
    pub async fn extended(&self) {
        self.spotify_get(&format!("/v1/tracks/{TRACK}"), 200, track_json(TRACK, "Neon Harbour", Some(71))).await;
        self.spotify_get(&format!("/v1/artists/{ARTIST}"), 200, artist_json(Some(68), &["dance pop", "pop"])).await;
        self.spotify_get("/v1/audio-features", 200, json!({"audio_features": [spotify_features(TRACK)]})).await;
    }

    pub async fn recco_features(&self, ids: &[&str]) {
        let content: Vec<Value> = ids.iter().map(|id| recco_item(id)).collect();
        Mock::given(method("GET"))
            .and(path("/v1/audio-features"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"content": content})))
            .mount(&self.recco)
            .await;
    }
}

/// GET /v1/tracks/{id} (full track object).
pub fn track_json(id: &str, name: &str, popularity: Option<u32>) -> Value {
    let mut v = json!({
        "album": {
            "album_type": "album", "total_tracks": 2, "available_markets": [],
            "external_urls": {"spotify": format!("https://open.spotify.com/album/{ALBUM}")},
            "href": format!("https://api.spotify.com/v1/albums/{ALBUM}"), "id": ALBUM,
            "images": [{"url": "https://i.scdn.co/image/ab67616d0000b273", "height": 640, "width": 640}],
            "name": "Night Drive", "release_date": "2025-05-30", "release_date_precision": "day",
            "type": "album", "uri": format!("spotify:album:{ALBUM}"),
            "artists": [{"external_urls": {"spotify": ""}, "href": "", "id": ARTIST, "name": "Luna Vale", "type": "artist", "uri": format!("spotify:artist:{ARTIST}")}]
        },
        "artists": [{"external_urls": {"spotify": ""}, "href": "", "id": ARTIST, "name": "Luna Vale", "type": "artist", "uri": format!("spotify:artist:{ARTIST}")}],
        "available_markets": [], "disc_number": 1, "duration_ms": 196000, "explicit": false,
        "external_ids": {"isrc": "USRC17607839"},
        "external_urls": {"spotify": format!("https://open.spotify.com/track/{id}")},
        "href": format!("https://api.spotify.com/v1/tracks/{id}"), "id": id, "is_local": false,
        "name": name, "preview_url": null, "track_number": 1, "type": "track", "uri": format!("spotify:track:{id}")
    });
    if let Some(p) = popularity {
        v["popularity"] = json!(p);
    }
    v
}

/// GET /v1/artists/{id}.
pub fn artist_json(popularity: Option<u32>, genres: &[&str]) -> Value {
    let mut v = json!({
        "external_urls": {"spotify": format!("https://open.spotify.com/artist/{ARTIST}")},
        "href": format!("https://api.spotify.com/v1/artists/{ARTIST}"), "id": ARTIST,
        "images": [], "name": "Luna Vale", "type": "artist", "uri": format!("spotify:artist:{ARTIST}")
    });
    if let Some(p) = popularity {
        v["popularity"] = json!(p);
        v["followers"] = json!({"href": null, "total": 120345});
    }
    if !genres.is_empty() {
        v["genres"] = json!(genres);
    }
    v
}

pub fn spotify_features(id: &str) -> Value {
    json!({
        "acousticness": 0.08, "analysis_url": format!("https://api.spotify.com/v1/audio-analysis/{id}"),
        "danceability": 0.78, "duration_ms": 196000, "energy": 0.81, "id": id, "instrumentalness": 0.0,
        "key": 5, "liveness": 0.11, "loudness": -4.9, "mode": 1, "speechiness": 0.045, "tempo": 122.0,
        "time_signature": 4, "track_href": format!("https://api.spotify.com/v1/tracks/{id}"),
        "type": "audio_features", "uri": format!("spotify:track:{id}"), "valence": 0.66
    })
}

/// One item of ReccoBeats' GET /v1/audio-features?ids= (`content` array).
pub fn recco_item(id: &str) -> Value {
    json!({
        "id": "f1a2b3c4-0000-4000-8000-000000000001", "href": format!("https://open.spotify.com/track/{id}"),
        "acousticness": 0.1, "danceability": 0.7, "energy": 0.8, "instrumentalness": 0.0, "key": 7,
        "liveness": 0.12, "loudness": -5.5, "mode": 0, "speechiness": 0.05, "tempo": 118.0, "valence": 0.55
    })
}

/// Mounts a mock that answers `status` to the ReccoBeats features endpoint.
pub async fn recco_status(s: &Stubs, status: u16) {
    Mock::given(method("GET"))
        .and(path("/v1/audio-features"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&s.recco)
        .await;
}

/// The ids query of the requests the ReccoBeats stub received.
pub async fn recco_requests(s: &Stubs) -> Vec<String> {
    s.recco
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.url.query_pairs().find(|(k, _)| k == "ids").map(|(_, v)| v.to_string()))
        .collect()
}
