//! Every failure gives a clear private message, and no token or upstream body leaks.

use std::time::Duration;

use hitcast_bot::enrich::{EnrichError, Overrides};
use hitcast_bot::reply::Reply;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::stubs::*;

fn private(r: Reply) -> String {
    match r {
        Reply::Private(t) => t,
        other => panic!("expected a private message, got {other:?}"),
    }
}

fn leak_free(text: &str) {
    for secret in ["BQDstubtoken", "client-secret", "Forbidden", "error\""] {
        assert!(!text.contains(secret), "{text} leaks {secret}");
    }
}

#[tokio::test]
async fn links_that_are_not_tracks() {
    let s = Stubs::start().await;
    let bot = s.bot();
    for (input, msg) in [
        ("https://www.youtube.com/watch?v=x", "not a Spotify link"),
        ("https://open.spotify.com/episode/512ojhOuo1ktJprKbVcKyQ", "Spotify episode link"),
        ("https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M", "Spotify playlist link"),
        ("https://open.spotify.com/artist/0TnOYISbd1XYRBk9myaseg", "Spotify artist link"),
        ("https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy", "use /album for albums"),
    ] {
        let text = private(bot.predict_url(Some(input), None, &Overrides::default(), NOW).await);
        assert!(text.contains(msg), "{input}: {text}");
    }
    assert!(s.spotify.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn unknown_track_is_404() {
    let s = Stubs::start().await;
    s.spotify_get(
        &format!("/v1/tracks/{TRACK}"),
        404,
        json!({"error": {"status": 404, "message": "Resource not found"}}),
    )
    .await;
    let bot = s.bot();
    let err = bot.enricher.track(TRACK, &Overrides::default(), NOW).await.unwrap_err();
    assert_eq!(err, EnrichError::NotFound("track"));
    let text = private(bot.predict_url(Some(TRACK), None, &Overrides::default(), NOW).await);
    assert_eq!(text, "Sorry: Spotify has no track with that id; check the link.");
}

#[tokio::test]
async fn bad_credentials() {
    let spotify = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/token"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": "invalid_client", "error_description": "Invalid client secret"})),
        )
        .mount(&spotify)
        .await;
    let s = Stubs { spotify, recco: MockServer::start().await };
    let bot = s.bot();
    assert_eq!(bot.enricher.track(TRACK, &Overrides::default(), NOW).await.unwrap_err(), EnrichError::Credentials);
    let text = private(bot.predict_url(Some(TRACK), None, &Overrides::default(), NOW).await);
    assert!(text.contains("credentials were rejected"), "{text}");
    leak_free(&text);

    let s = Stubs::start().await;
    s.spotify_get(
        &format!("/v1/tracks/{TRACK}"),
        401,
        json!({"error": {"status": 401, "message": "Invalid access token"}}),
    )
    .await;
    assert_eq!(s.bot().enricher.track(TRACK, &Overrides::default(), NOW).await.unwrap_err(), EnrichError::Credentials);
}

#[tokio::test]
async fn rate_limit_is_retried_after_retry_after_then_given_up() {
    let s = Stubs::start().await;
    s.dev_mode().await;
    s.recco_features(&[TRACK]).await;
    // the first track request is limited for 1 s, then it goes through
    Mock::given(method("GET"))
        .and(path(format!("/v1/tracks/{TRACK}")))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.spotify)
        .await;
    let started = std::time::Instant::now();
    let e = s.bot().enricher.track(TRACK, &Overrides::default(), NOW).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900), "waited for Retry-After");
    assert_eq!(e.meta.unwrap().name, "Neon Harbour");

    let s = Stubs::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/tracks/{TRACK}")))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .expect(6) // three bounded attempts, for each of the two lookups below
        .mount(&s.spotify)
        .await;
    let bot = s.bot();
    assert_eq!(bot.enricher.track(TRACK, &Overrides::default(), NOW).await.unwrap_err(), EnrichError::RateLimited);
    let text = private(bot.predict_url(Some(TRACK), None, &Overrides::default(), NOW).await);
    assert_eq!(text, "Sorry: Spotify is busy right now; try again in a minute.");
}

#[tokio::test]
async fn a_long_retry_after_is_remembered_and_answered_from_memory() {
    let s = Stubs::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/tracks/{TRACK}")))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .expect(1) // the second command does not call Spotify again
        .mount(&s.spotify)
        .await;
    let bot = s.bot();
    let first = private(bot.predict_url(Some(TRACK), None, &Overrides::default(), NOW).await);
    assert_eq!(first, "Sorry: Spotify asked us to wait 120 s before the next request; try again then.");
    let second = private(bot.predict_url(Some(TRACK), None, &Overrides::default(), NOW).await);
    assert!(second.starts_with("Sorry: Spotify asked us to wait 1"), "{second}");
    assert!(second.contains(" s before the next request"), "{second}");
}

#[tokio::test]
async fn a_retry_after_that_is_not_a_duration_is_ignored_not_a_panic() {
    for value in ["-1", "inf", "NaN", "1e300"] {
        let s = Stubs::start().await;
        Mock::given(method("GET"))
            .and(path(format!("/v1/tracks/{TRACK}")))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", value))
            .mount(&s.spotify)
            .await;
        let text = private(s.bot().predict_url(Some(TRACK), None, &Overrides::default(), NOW).await);
        assert_eq!(text, "Sorry: Spotify is busy right now; try again in a minute.", "{value}");
    }
    // 10⁹ s is a duration: answered as a wait, never slept on
    let s = Stubs::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/tracks/{TRACK}")))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1000000000"))
        .mount(&s.spotify)
        .await;
    let text = private(s.bot().predict_url(Some(TRACK), None, &Overrides::default(), NOW).await);
    assert!(text.contains("wait 1000000000 s"), "{text}");
}

#[tokio::test]
async fn server_errors_and_timeouts() {
    let s = Stubs::start().await;
    s.spotify_get(
        &format!("/v1/tracks/{TRACK}"),
        503,
        json!({"error": {"status": 503, "message": "Service unavailable"}}),
    )
    .await;
    let bot = s.bot();
    assert_eq!(bot.enricher.track(TRACK, &Overrides::default(), NOW).await.unwrap_err(), EnrichError::Unavailable);
    let text = private(bot.predict_url(Some(TRACK), None, &Overrides::default(), NOW).await);
    assert_eq!(text, "Sorry: Spotify is not answering right now; try again later.");
    leak_free(&text);

    let s = Stubs::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/tracks/{TRACK}")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(track_json(TRACK, "Slow", None)).set_delay(Duration::from_secs(3)),
        )
        .mount(&s.spotify)
        .await;
    let bot = s.bot_with_timeout(Duration::from_millis(300));
    let started = std::time::Instant::now();
    assert_eq!(bot.enricher.track(TRACK, &Overrides::default(), NOW).await.unwrap_err(), EnrichError::Unavailable);
    assert!(started.elapsed() < Duration::from_secs(3), "bounded by the timeout and retries");
}

#[tokio::test]
async fn reccobeats_down_means_missing_features_named_with_their_options() {
    let s = Stubs::start().await;
    s.dev_mode().await;
    recco_status(&s, 500).await;
    let bot = s.bot();
    let e = bot.enricher.track(TRACK, &Overrides::default(), NOW).await.unwrap();
    assert!(e.notes.iter().any(|n| n.contains("ReccoBeats is unavailable right now")), "{:?}", e.notes);
    // Spotify still gives the duration and the release date: a prediction from those (model 3 needs
    // no audio feature), which says the rest is missing, why, and how to supply it
    let Reply::Embed { embed, .. } = bot.predict_url(Some(TRACK), None, &Overrides::default(), NOW).await else {
        panic!("expected a prediction")
    };
    let missing = &embed.fields.iter().find(|f| f.name == "Missing").expect("a Missing field").value;
    // the missing inputs that would move it most, each with the option that supplies it
    assert!(
        missing.contains("**acousticness**: predicted without it") && missing.contains("`acousticness:`"),
        "{missing}"
    );
    assert!(missing.contains("ReccoBeats is unavailable"), "{missing}");
    let provenance = &embed.fields.iter().find(|f| f.name == "Where the inputs came from").unwrap().value;
    assert!(provenance.contains("duration_ms") && !provenance.contains("danceability"), "{provenance}");
    leak_free(&format!("{embed:?}"));

    // ReccoBeats up but without this track
    let s = Stubs::start().await;
    s.dev_mode().await;
    s.recco_features(&[]).await;
    let e = s.bot().enricher.track(TRACK, &Overrides::default(), NOW).await.unwrap();
    assert!(e.notes.iter().any(|n| n == "ReccoBeats has no audio features for this track."), "{:?}", e.notes);
}

#[tokio::test]
async fn invalid_option_values_are_reported() {
    let s = Stubs::start().await;
    s.extended().await;
    let bot = s.bot();
    let o = Overrides(vec![(hitcast::Feature::Tempo, 400.0)]);
    let text = private(bot.predict_url(Some(TRACK), None, &o, NOW).await);
    assert!(text.contains("tempo = 400 is outside 0–250 BPM"), "{text}");
    // once, not once per counterfactual row of the explanation (issue #11: 29 times, 2,195 characters)
    assert_eq!(text.matches("tempo = 400").count(), 1, "{text}");
}
