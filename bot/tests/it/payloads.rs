//! Issue #11: the bot against the payloads and rules of the real Spotify and Discord. Each test
//! replays a payload kept under `bot/tests/fixtures/` (sources in its README) or built in the
//! documented shape.

use std::time::Duration;

use hitcast::Feature;
use hitcast_bot::enrich::{EnrichError, Overrides};
use hitcast_bot::reply::Reply;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::stubs::{ALBUM, ARTIST, NOW, Stubs, TRACK, artist_json, recco_item, track_json};

fn fixture(name: &str) -> Value {
    let p = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn spotify_requests(reqs: &[wiremock::Request], p: &str) -> usize {
    reqs.iter().filter(|r| r.url.path() == p).count()
}

#[tokio::test]
async fn a_release_date_of_0000_is_a_missing_value_with_a_note_not_a_user_error() {
    let s = Stubs::start().await;
    let album = fixture("spotify-album-release-date-0000.json");
    let mut track = track_json(TRACK, "Old Song", None);
    track["album"] = album.clone();
    s.spotify_get(&format!("/v1/tracks/{TRACK}"), 200, track).await;
    s.spotify_get(&format!("/v1/artists/{ARTIST}"), 200, artist_json(None, &[])).await;
    s.spotify_get("/v1/audio-features", 403, json!({"error": {"status": 403, "message": "Forbidden"}})).await;
    s.recco_features(&[TRACK]).await;
    let bot = s.bot();
    let e = bot.enricher.track(TRACK, &Overrides::default(), NOW).await.unwrap();
    assert_eq!(e.features.value(Feature::YearsSinceRelease), None, "never 2026.9 years");
    assert!(e.notes.iter().any(|n| n.contains("\"0000\"")), "{:?}", e.notes);
    let Reply::Embed { embed, .. } = bot.predict_url(Some(TRACK), None, &Overrides::default(), NOW).await else {
        panic!("a prediction, not an error")
    };
    let missing = &embed.fields.iter().find(|f| f.name == "Missing").unwrap().value;
    assert!(missing.contains("cannot be right"), "{missing}");
    assert!(!format!("{embed:?}").contains("Fix the options"));
    // the album command too
    s.spotify_get("/v1/albums/5QDyhsfWwW2783pyaDjV6J", 200, album).await;
    let r = bot.album_url("spotify:album:5QDyhsfWwW2783pyaDjV6J", &Overrides::default(), NOW).await;
    assert!(matches!(r, Reply::Embed { .. }), "{r:?}");
}

#[tokio::test]
async fn a_spotify_400_is_the_users_link_and_is_not_retried() {
    let s = Stubs::start().await;
    s.spotify_get(&format!("/v1/tracks/{TRACK}"), 400, fixture("spotify-error-400.json")).await;
    let bot = s.bot();
    assert_eq!(bot.enricher.track(TRACK, &Overrides::default(), NOW).await.unwrap_err(), EnrichError::BadLink("track"));
    let reqs = s.spotify.received_requests().await.unwrap();
    assert_eq!(spotify_requests(&reqs, &format!("/v1/tracks/{TRACK}")), 1, "a 400 is not retried");
    let Reply::Private(text) = bot.predict_url(Some(TRACK), None, &Overrides::default(), NOW).await else { panic!() };
    assert!(text.contains("not a valid track id") && text.contains("check the link"), "{text}");
    assert!(!text.contains("not answering"), "{text}");
}

#[tokio::test]
async fn a_long_retry_after_is_honoured_never_retried_early() {
    let s = Stubs::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/tracks/{TRACK}")))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "30")
                .set_body_json(fixture("spotify-error-429.json")),
        )
        .mount(&s.spotify)
        .await;
    let bot = s.bot();
    let started = std::time::Instant::now();
    let Reply::Private(text) = bot.predict_url(Some(TRACK), None, &Overrides::default(), NOW).await else { panic!() };
    assert!(started.elapsed() < Duration::from_secs(5), "answered at once");
    assert!(text.contains("asked us to wait 30 s"), "{text}");
    let reqs = s.spotify.received_requests().await.unwrap();
    assert_eq!(spotify_requests(&reqs, &format!("/v1/tracks/{TRACK}")), 1, "no early retry");
}

fn simple(i: usize, name: &str, duration_ms: u64) -> Value {
    let id = format!("{:0>22}", i);
    json!({"artists": [{"id": ARTIST, "name": "Luna Vale", "type": "artist"}], "disc_number": 1,
           "duration_ms": duration_ms, "explicit": false, "id": id, "name": name, "track_number": i,
           "type": "track", "uri": format!("spotify:track:{id}")})
}

/// An album of `n` tracks, served in pages of 50 as "Get Album" and "Get Album Tracks" do.
async fn big_album(s: &Stubs, n: usize, name: impl Fn(usize) -> String) {
    album_of(s, n, name, |i| 180_000 + i as u64).await
}

/// [`big_album`] with each track's duration.
async fn album_of(s: &Stubs, n: usize, name: impl Fn(usize) -> String, duration_ms: impl Fn(usize) -> u64) {
    let items: Vec<Value> = (0..n).map(|i| simple(i, &name(i), duration_ms(i))).collect();
    let first: Vec<Value> = items.iter().take(50).cloned().collect();
    s.spotify_get(
        &format!("/v1/albums/{ALBUM}"),
        200,
        json!({"album_type": "album", "id": ALBUM, "name": "Everything", "release_date": "2025-05-30",
               "release_date_precision": "day", "total_tracks": n, "type": "album",
               "artists": [{"id": ARTIST, "name": "Luna Vale", "type": "artist"}],
               "tracks": {"href": "", "limit": 50, "next": "…", "offset": 0, "previous": null, "total": n, "items": first}}),
    )
    .await;
    for offset in (50..n).step_by(50) {
        let page: Vec<Value> = items.iter().skip(offset).take(50).cloned().collect();
        Mock::given(method("GET"))
            .and(path(format!("/v1/albums/{ALBUM}/tracks")))
            .and(query_param("offset", offset.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"href": "", "limit": 50, "next": null, "offset": offset, "previous": null, "total": n, "items": page}),
            ))
            .mount(&s.spotify)
            .await;
    }
    s.spotify_get(&format!("/v1/artists/{ARTIST}"), 200, artist_json(None, &["indie pop"])).await;
    s.spotify_get("/v1/audio-features", 403, json!({"error": {"status": 403, "message": "Forbidden"}})).await;
    let content: Vec<Value> = (0..n).map(|i| recco_item(&format!("{:0>22}", i))).collect();
    Mock::given(method("GET"))
        .and(path("/v1/audio-features"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"content": content})))
        .mount(&s.recco)
        .await;
}

#[tokio::test]
async fn an_album_over_200_tracks_is_read_whole_and_every_reply_fits_discord() {
    let s = Stubs::start().await;
    // 230 tracks with 200-character names: the longest reply the album command can make
    big_album(&s, 230, |i| format!("{i:03} {}", "Very Long Title ".repeat(13))).await;
    let bot = s.bot();
    let a = bot.enricher.album(ALBUM, &Overrides::default(), NOW).await.unwrap();
    assert_eq!(a.tracks.len(), 230, "all pages read");
    let r = bot.album_url(&format!("spotify:album:{ALBUM}"), &Overrides::default(), NOW).await;
    let Reply::Embed { embed, .. } = &r else { panic!("{r:?}") };
    assert!(r.fits(), "over Discord's limits: {} characters in all", embed.len());
    // the ranking is cut at whole lines, and the count says exactly how many are hidden
    let ranking = &embed.fields.iter().find(|f| f.name == "Ranking").unwrap().value;
    let lines: Vec<&str> = ranking.lines().collect();
    let shown = lines.len() - 1;
    assert!(lines[..shown].iter().enumerate().all(|(i, l)| l.starts_with(&format!("{}. ", i + 1)) && l.ends_with(')')));
    assert_eq!(*lines.last().unwrap(), format!("… and {} more tracks not shown", 230 - shown), "{ranking}");

    // the longest private answers fit too
    let long_link = format!("https://open.spotify.com/track/{}", "x".repeat(5000));
    for reply in [
        bot.predict_url(Some(&long_link), None, &Overrides::default(), NOW).await,
        bot.predict_url(Some(&"spotify:track:".repeat(500)), None, &Overrides::default(), NOW).await,
        Reply::private("x".repeat(10_000)),
    ] {
        assert!(reply.fits(), "{reply:?}");
    }
}

#[tokio::test]
async fn a_compilation_uses_each_tracks_own_artist() {
    let s = Stubs::start().await;
    let album = fixture("spotify-compilation.json");
    s.spotify_get("/v1/albums/2kQAJkB5qTnHfCJ0xSk0dR", 200, album).await;
    for (id, pop, genre) in [("1111111111111111111111", 80, "dance pop"), ("2222222222222222222222", 20, "indie folk")]
    {
        let mut a = artist_json(Some(pop), &[genre]);
        a["id"] = json!(id);
        s.spotify_get(&format!("/v1/artists/{id}"), 200, a).await;
    }
    s.spotify_get("/v1/audio-features", 403, json!({"error": {"status": 403, "message": "Forbidden"}})).await;
    s.recco_features(&[TRACK, crate::stubs::TRACK2]).await;
    let a = s.bot().enricher.album("2kQAJkB5qTnHfCJ0xSk0dR", &Overrides::default(), NOW).await.unwrap();
    let pops: Vec<Option<f64>> = a.tracks.iter().map(|t| t.features.value(Feature::ArtistPopularity)).collect();
    assert_eq!(pops, [Some(80.0), Some(20.0)]);
    let reqs = s.spotify.received_requests().await.unwrap();
    assert_eq!(spotify_requests(&reqs, "/v1/artists/0LyfQWJT6nXafLPZqxe9Of"), 0, "Various Artists is nobody");
}

#[tokio::test]
async fn short_share_links_are_resolved_only_through_spotify_hosts() {
    let s = Stubs::start().await;
    s.dev_mode().await;
    s.recco_features(&[TRACK]).await;
    // spotify.link answers with a redirect to the full link (as Branch links do)…
    Mock::given(method("GET"))
        .and(path("/spotify.link/ZcKq2kDFcDb"))
        .respond_with(
            ResponseTemplate::new(307).insert_header(
                "location",
                format!("https://open.spotify.com/track/{TRACK}?si=abc&utm_source=copy-link"),
            ),
        )
        .mount(&s.spotify)
        .await;
    // …or with a page that carries it
    Mock::given(method("GET"))
        .and(path("/spotify.app.link/page"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!(
            r#"<html><head><meta property="og:url" content="https://open.spotify.com/track/{TRACK}"></head></html>"#
        )))
        .mount(&s.spotify)
        .await;
    // a short link that leads elsewhere is not followed
    Mock::given(method("GET"))
        .and(path("/spotify.link/evil"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "https://example.com/track/x"))
        .mount(&s.spotify)
        .await;
    let bot = s.bot();
    for link in ["https://spotify.link/ZcKq2kDFcDb", "spotify.app.link/page"] {
        let r = bot.predict_url(Some(link), None, &Overrides::default(), NOW).await;
        let Reply::Embed { embed, .. } = &r else { panic!("{link}: {r:?}") };
        assert!(embed.title.starts_with("Neon Harbour"), "{link}: {}", embed.title);
    }
    for link in ["https://spotify.link/evil", "https://spotify.link/unknown"] {
        let Reply::Private(text) = bot.predict_url(Some(link), None, &Overrides::default(), NOW).await else {
            panic!()
        };
        assert!(text.contains("paste the address it lands on"), "{link}: {text}");
    }
    let reqs = s.spotify.received_requests().await.unwrap();
    assert!(reqs.iter().all(|r| !r.url.path().contains("example.com")), "followed a redirect off Spotify");
}

#[tokio::test]
async fn a_bad_value_from_a_source_is_the_sources_not_the_users() {
    let s = Stubs::start().await;
    s.dev_mode().await;
    // ReccoBeats sends a tempo the model refuses
    let mut item = recco_item(TRACK);
    item["tempo"] = json!(400.0);
    Mock::given(method("GET"))
        .and(path("/v1/audio-features"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"content": [item]})))
        .mount(&s.recco)
        .await;
    let Reply::Private(text) = s.bot().predict_url(Some(TRACK), None, &Overrides::default(), NOW).await else {
        panic!()
    };
    assert!(text.contains("This is not your input") && text.contains("`tempo:`"), "{text}");
    assert!(!text.contains("Fix the options"), "{text}");
}

#[tokio::test]
async fn real_catalogue_data_an_87_minute_track_and_markdown_in_titles() {
    let s = Stubs::start().await;
    // real titles carry Markdown's characters; track 2 is 87 minutes long (above the schema's
    // duration_ms maximum), as real ambient and live albums have
    let names = ["*Intro*", "Bye_Bye_Bye", "Sleep ~ Part | One", "`Code` > Words"];
    album_of(&s, 4, |i| names[i].to_string(), |i| if i == 2 { 87 * 60_000 } else { 200_000 }).await;
    let r = s.bot().album_url(&format!("https://open.spotify.com/album/{ALBUM}"), &Overrides::default(), NOW).await;
    let Reply::Embed { embed, .. } = &r else { panic!("the other tracks are ranked: {r:?}") };
    let ranking = &embed.fields.iter().find(|f| f.name == "Ranking").unwrap().value;
    assert_eq!(ranking.lines().count(), 3, "{ranking}");
    // every third-party name is escaped, so Discord shows it as it is
    assert!(ranking.contains("\\*Intro\\*") && ranking.contains("Bye\\_Bye\\_Bye"), "{ranking}");
    assert!(ranking.contains("\\`Code\\` \\> Words"), "{ranking}");
    let notes = &embed.fields.iter().find(|f| f.name == "Notes").unwrap().value;
    assert!(notes.contains("Not ranked: **Sleep \\~ Part \\| One**: duration_ms = 5220000 is outside"), "{notes}");
    assert!(notes.contains("(from Spotify)"), "{notes}");
    assert!(!notes.contains("override"), "no option /album does not have: {notes}");
}

#[tokio::test]
async fn an_album_with_nothing_to_rank_says_what_album_and_predict_take() {
    let s = Stubs::start().await;
    album_of(&s, 2, |i| format!("Long {i}"), |_| 90 * 60_000).await;
    let r = s.bot().album_url(&format!("spotify:album:{ALBUM}"), &Overrides::default(), NOW).await;
    let Reply::Private(text) = &r else { panic!("{r:?}") };
    assert!(text.contains("could not rank any track of **Everything**"), "{text}");
    assert!(text.contains("• **Long 0**: duration_ms = 5400000 is outside"), "{text}");
    assert!(text.contains("`/album` takes `artist_popularity:` and `genre:`"), "{text}");
    assert!(text.contains("use `/predict` with that track's link"), "{text}");
    assert!(r.fits());
}
