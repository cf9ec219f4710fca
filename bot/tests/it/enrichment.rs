//! The enrichment chain on full (extended-quota) and development-mode data, and user overrides.

use hitcast::{Feature, Source};
use hitcast_bot::enrich::Overrides;
use hitcast_bot::reply::{Embed, Reply};
use serde_json::json;

use crate::stubs::*;

fn link() -> String {
    format!("https://open.spotify.com/intl-de/track/{TRACK}?si=abc")
}

fn embed(r: Reply) -> (Embed, Vec<u8>) {
    match r {
        Reply::Embed { embed, chart: Some((name, png)) } => {
            assert_eq!(embed.image.as_deref(), Some(format!("attachment://{name}").as_str()));
            (embed, png)
        }
        other => panic!("expected an embed with a chart, got {other:?}"),
    }
}

fn field<'e>(e: &'e Embed, name: &str) -> &'e str {
    &e.fields.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no field {name}: {e:#?}")).value
}

#[tokio::test]
async fn extended_app_gets_everything_from_spotify() {
    let s = Stubs::start().await;
    s.extended().await;
    let bot = s.bot();
    let e = bot.enricher.track(TRACK, &Overrides::default(), NOW).await.unwrap();
    let f = &e.features;
    assert_eq!(f.get(Feature::Danceability).unwrap().source, Source::Spotify);
    assert_eq!(f.value(Feature::TimeSignature), Some(4.0));
    assert_eq!(f.get(Feature::ArtistPopularity).map(|v| (v.value, v.source)), Some((68.0, Source::Spotify)));
    assert_eq!(f.value(Feature::Genre), Some(0.0), "dance pop + pop → pop");
    assert!((f.value(Feature::YearsSinceRelease).unwrap() - 1.49).abs() < 0.02);
    assert_eq!(f.value(Feature::DurationMs), Some(196000.0));
    assert!(recco_requests(&s).await.is_empty(), "ReccoBeats is not asked when Spotify gave everything");
    assert!(e.notes.is_empty());

    let (em, png) = embed(bot.predict_url(Some(&link()), None, &Overrides::default(), NOW).await);
    assert!(png.starts_with(b"\x89PNG"));
    assert_eq!(em.url.as_deref(), Some(format!("https://open.spotify.com/track/{TRACK}").as_str()));
    assert!(em.fields.iter().all(|f| f.name != "Missing"), "{em:#?}");
    assert!(em.len() <= hitcast_bot::reply::EMBED_LIMIT);
    insta::assert_json_snapshot!("prediction_extended_app", em);
}

#[tokio::test]
async fn development_mode_gets_audio_features_from_reccobeats_and_predicts_without_artist_popularity() {
    let s = Stubs::start().await;
    s.dev_mode().await;
    s.recco_features(&[TRACK]).await;
    let bot = s.bot();
    let e = bot.enricher.track(TRACK, &Overrides::default(), NOW).await.unwrap();
    let f = &e.features;
    assert_eq!(f.get(Feature::Danceability).map(|v| (v.value, v.source)), Some((0.7, Source::ReccoBeats)));
    assert_eq!(f.get(Feature::Key).unwrap().source, Source::ReccoBeats);
    assert_eq!(f.get(Feature::DurationMs).unwrap().source, Source::Spotify);
    // a missing popularity is missing, never 0; ReccoBeats has no time signature
    assert_eq!(f.get(Feature::ArtistPopularity), None);
    assert_eq!(f.get(Feature::TimeSignature), None);
    assert_eq!(f.get(Feature::Genre), None);
    assert_eq!(recco_requests(&s).await, vec![TRACK.to_string()]);

    let (em, _) = embed(bot.predict_url(Some(&link()), None, &Overrides::default(), NOW).await);
    let missing = field(&em, "Missing");
    assert!(
        missing.contains("**artist_popularity** (new Spotify apps no longer get it): predicted without it"),
        "{missing}"
    );
    assert!(missing.contains("Add `artist_popularity:` to include it"));
    let sources = field(&em, "Where the inputs came from");
    assert!(
        sources.contains("**ReccoBeats**: danceability, energy, key") && sources.contains("**Spotify**: duration_ms"),
        "{sources}"
    );
    insta::assert_json_snapshot!("prediction_development_mode", em);
}

#[tokio::test]
async fn user_options_override_every_source() {
    let s = Stubs::start().await;
    s.extended().await;
    let bot = s.bot();
    let overrides =
        Overrides(vec![(Feature::ArtistPopularity, 40.0), (Feature::Danceability, 0.2), (Feature::Genre, 1.0)]);
    let e = bot.enricher.track(TRACK, &overrides, NOW).await.unwrap();
    for (feature, value) in [(Feature::ArtistPopularity, 40.0), (Feature::Danceability, 0.2), (Feature::Genre, 1.0)] {
        assert_eq!(e.features.get(feature).map(|v| (v.value, v.source)), Some((value, Source::User)));
    }
    assert_eq!(e.features.get(Feature::Energy).unwrap().source, Source::Spotify);
    let (em, _) = embed(bot.predict_url(Some(&link()), None, &overrides, NOW).await);
    assert!(field(&em, "Where the inputs came from").contains("**you**: danceability, artist_popularity, genre"));
}

#[tokio::test]
async fn an_unreleased_song_from_options_alone() {
    let s = Stubs::start().await;
    let bot = s.bot();
    let mut o = vec![
        (Feature::Danceability, 0.8),
        (Feature::Energy, 0.7),
        (Feature::Key, 2.0),
        (Feature::Loudness, -6.0),
        (Feature::Mode, 1.0),
        (Feature::Speechiness, 0.04),
        (Feature::Acousticness, 0.2),
        (Feature::Instrumentalness, 0.0),
        (Feature::Liveness, 0.1),
        (Feature::Valence, 0.5),
        (Feature::Tempo, 100.0),
    ];
    // an input short (every input is optional since model 3): a prediction from what was given,
    // with its interval, that names what it went without and the option that supplies it
    let (em, _) = embed(bot.predict_url(None, Some("Demo".into()), &Overrides(o.clone()), NOW).await);
    assert!(em.description.contains("80% between "), "{}", em.description);
    let missing = field(&em, "Missing");
    assert!(missing.contains("**duration_ms**") && missing.contains("`duration_ms:`"), "{missing}");
    // only what an analysis of the file gives: still a prediction, the others named as missing
    let file_only =
        Overrides(vec![(Feature::Tempo, 100.0), (Feature::Key, 2.0), (Feature::Mode, 1.0), (Feature::Loudness, -6.0)]);
    let (em, _) = embed(bot.predict_url(None, Some("Demo".into()), &file_only, NOW).await);
    assert!(field(&em, "Missing").contains("danceability"), "{em:?}");
    o.push((Feature::DurationMs, 200_000.0));
    o.push((Feature::YearsSinceRelease, 0.0));
    let (em, _) = embed(bot.predict_url(None, Some("Demo".into()), &Overrides(o), NOW).await);
    assert_eq!(em.title, "Demo");
    assert_eq!(em.url, None);
    assert!(s.spotify.received_requests().await.unwrap().is_empty(), "no lookup without a link");
}

#[tokio::test]
async fn album_ranks_its_tracks_across_pages() {
    let s = Stubs::start().await;
    let simple = |id: &str, name: &str| {
        let mut t = track_json(id, name, None);
        t.as_object_mut().unwrap().remove("album");
        t
    };
    s.spotify_get(
        &format!("/v1/albums/{ALBUM}"),
        200,
        json!({
            "album_type": "album", "id": ALBUM, "name": "Night Drive", "release_date": "2025-05-30",
            "release_date_precision": "day", "total_tracks": 2, "type": "album",
            "artists": [{"id": ARTIST, "name": "Luna Vale", "type": "artist"}],
            "tracks": {"href": "", "limit": 1, "next": "…", "offset": 0, "previous": null, "total": 2,
                       "items": [simple(TRACK, "Neon Harbour")]}
        }),
    )
    .await;
    s.spotify_get(
        &format!("/v1/albums/{ALBUM}/tracks"),
        200,
        json!({"href": "", "limit": 50, "next": null, "offset": 1, "previous": null, "total": 2, "items": [simple(TRACK2, "Glass Lungs")]}),
    )
    .await;
    s.spotify_get(&format!("/v1/artists/{ARTIST}"), 200, artist_json(None, &["indie pop"])).await;
    s.spotify_get("/v1/audio-features", 403, json!({"error": {"status": 403, "message": "Forbidden"}})).await;
    s.recco_features(&[TRACK, TRACK2]).await;
    let bot = s.bot();
    let r = bot.album_url(&format!("spotify:album:{ALBUM}"), &Default::default(), NOW).await;
    let (em, png) = embed(r);
    assert!(png.starts_with(b"\x89PNG"));
    assert!(em.description.starts_with("Release as the single: **"), "{}", em.description);
    let ranking = field(&em, "Ranking");
    assert!(ranking.contains("Neon Harbour") && ranking.contains("Glass Lungs"), "{ranking}");
    assert!(field(&em, "Notes").contains("Predicted without: time_signature, artist_popularity"));
    assert_eq!(recco_requests(&s).await.len(), 1, "one batched ReccoBeats request for the album");
}
