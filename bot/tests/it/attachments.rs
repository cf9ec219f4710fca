//! `/predict file:` and `/album file1: …`: songs attached to a command, downloaded from the CDN
//! stub (Discord's CDN in production; any other host refused), analysed, answered.

use std::time::Duration;

use hitcast::Feature;
use hitcast_audio::synth::{song, wav};
use hitcast_bot::attachments::{Attachment, Attachments};
use hitcast_bot::enrich::Overrides;
use hitcast_bot::interactions::webhook::Webhook;
use hitcast_bot::interactions::{CommandData, Job, Worker, now_ms};
use hitcast_bot::reply::Reply;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::interactions::{APP, TOKEN, discord, edit_with_chart, wait_for};
use crate::stubs::*;

/// Serves `bytes` at `/attachments/{name}` on the CDN stub (the Spotify stub's host).
async fn cdn_file(s: &Stubs, name: &str, bytes: Vec<u8>) -> Attachment {
    // Discord's URLs carry the file name percent-encoded
    let encoded = name.replace(' ', "%20");
    Mock::given(method("GET"))
        .and(path(format!("/attachments/{encoded}")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(bytes.clone()))
        .mount(&s.spotify)
        .await;
    Attachment {
        filename: name.into(),
        url: format!("{}/attachments/{encoded}?ex=6700&is=6600&hm=signed", s.spotify.uri()),
        size: bytes.len() as u64,
    }
}

fn demo(bpm: f64, key: u8) -> Vec<u8> {
    wav(&song(bpm, key, true, 12.0), 1)
}

fn text(r: &Reply) -> String {
    match r {
        Reply::Private(t) => t.clone(),
        Reply::Embed { embed, .. } => serde_json::to_string(&json!({
            "title": embed.title, "description": embed.description,
            "fields": embed.fields.iter().map(|f| json!([f.name, f.value])).collect::<Vec<_>>()
        }))
        .unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_song_file_is_measured_and_predicted_with_the_users_options() {
    let s = Stubs::start().await;
    let file = cdn_file(&s, "Demo Take 3.wav", demo(120.0, 7)).await;
    let options = Overrides(vec![(Feature::ArtistPopularity, 35.0), (Feature::Tempo, 118.0)]);
    let r = s.bot().predict_command(None, Some(&file), None, &options, false, NOW).await;
    let Reply::Embed { chart: Some(_), .. } = &r else { panic!("{r:?}") };
    let t = text(&r);
    assert!(t.contains("Demo Take 3"), "{t}");
    assert!(t.contains("/ 100"), "{t}");
    assert!(t.contains("audio file"), "where the inputs came from: {t}");
    // what the file gave has a field of its own, apart from what is missing
    let Reply::Embed { embed, .. } = &r else { unreachable!() };
    let from_file = embed.fields.iter().find(|f| f.name == "From the file").map(|f| f.value.as_str()).unwrap_or("");
    assert!(from_file.starts_with("Measured from **Demo Take 3.wav**: 0:12"), "{t}");
    assert!(from_file.contains("G major"), "{t}");
    assert!(from_file.contains("Your tempo was used (the file measured 1"), "{t}");
    assert!(embed.fields.iter().all(|f| f.name == "From the file" || !f.value.contains("Measured from")), "{t}");
    // a link and a file at once: which one?
    let link =
        hitcast_bot::link::parse_link("spotify:track:4uLU6hMCjMI75M1A2tKUQC", hitcast_bot::link::Kind::Track).unwrap();
    let r = s.bot().predict_command(Some(&link), Some(&file), None, &options, false, NOW).await;
    assert!(text(&r).contains("not both"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_attachments_are_named_privately() {
    let s = Stubs::start().await;
    let png = cdn_file(&s, "cover.mp3", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()).await;
    let empty = cdn_file(&s, "empty.flac", Vec::new()).await;
    let elsewhere = Attachment { filename: "x.mp3".into(), url: "https://evil.example/x.mp3".into(), size: 10 };
    let metadata =
        Attachment { filename: "x.mp3".into(), url: "http://169.254.169.254/latest/meta-data".into(), size: 10 };
    let huge = Attachment { size: 30 * 1024 * 1024, ..cdn_file(&s, "huge.wav", vec![0; 16]).await };
    let missing = Attachment { url: format!("{}/attachments/gone.wav", s.spotify.uri()), ..png.clone() };
    for (a, says) in [
        (&png, "cover.mp3 is not an audio file"),
        (&empty, "empty.flac holds no audio"),
        (&elsewhere, "not a file attached on Discord"),
        (&metadata, "not a file attached on Discord"),
        (&huge, "the limit is 25 MB"),
        (&missing, "could not be downloaded from Discord (HTTP 404)"),
    ] {
        let r = s.bot().predict_command(None, Some(a), None, &Overrides::default(), false, NOW).await;
        let Reply::Private(t) = &r else { panic!("{says}: {r:?}") };
        assert!(t.contains(says), "{says}: {t}");
    }
    // a body larger than the limit is refused as it arrives, whatever size Discord stated
    let mut bot = s.bot();
    bot.attachments =
        Attachments::with_hosts(&[&s.spotify.address().to_string()], Duration::from_secs(5)).max_bytes(1000);
    let big = cdn_file(&s, "big.wav", demo(100.0, 0)).await;
    let r =
        bot.predict_command(None, Some(&Attachment { size: 10, ..big }), None, &Overrides::default(), false, NOW).await;
    assert!(text(&r).contains("is over"), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_album_of_files_is_ranked_through_the_worker_and_bad_files_are_named() {
    let (s, d) = (Stubs::start().await, discord().await);
    let mut resolved = serde_json::Map::new();
    let mut options = Vec::new();
    let files = [
        cdn_file(&s, "one.wav", demo(92.0, 0)).await,
        cdn_file(&s, "two.wav", demo(126.0, 9)).await,
        cdn_file(&s, "cover.mp3", b"\x89PNG\r\n\x1a\n".to_vec()).await,
    ];
    for (i, f) in files.iter().enumerate() {
        let id = format!("9{i}");
        resolved.insert(
            id.clone(),
            json!({"id": id, "filename": f.filename, "size": f.size, "url": f.url,
            "proxy_url": f.url, "content_type": "audio/wav"}),
        );
        options.push(json!({"name": format!("file{}", i + 1), "type": 11, "value": id}));
    }
    options.push(json!({"name": "artist_popularity", "type": 10, "value": 20}));
    let data: CommandData =
        serde_json::from_value(json!({"name": "album", "options": options, "resolved": {"attachments": resolved}}))
            .unwrap();
    let command = hitcast_bot::interactions::Command::parse(&data).unwrap();
    let job = Job {
        application_id: APP.into(),
        token: hitcast_bot::config::Secret::new(TOKEN),
        command,
        received_ms: now_ms(),
    };
    let worker =
        Worker { bot: s.bot(), webhook: Webhook::new(&format!("{}/api/v10/", d.uri()), Duration::from_secs(5)) };
    worker.run(job, None).await;
    let reqs = wait_for(&d, 1).await;
    let message = edit_with_chart(&reqs[0]);
    let embed: &Value = &message["embeds"][0];
    let all = embed.to_string();
    assert!(embed["description"].as_str().unwrap().starts_with("Release as the single: **"), "{embed}");
    assert!(all.contains("one") && all.contains("two"), "{all}");
    assert!(all.contains("Not ranked: **cover.mp3**"), "{all}");
    assert!(all.contains("Measured from **one.wav**"), "{all}");
    assert!(embed["url"].is_null(), "no Spotify link for files: {embed}");
    // the signed URL is never in the message
    assert!(!all.contains("hm=signed"), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_analysis_only_when_asked_and_its_values_said_so() {
    let s = Stubs::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/analysis/audio-features"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "acousticness": 0.2, "danceability": 0.74, "energy": 0.69, "instrumentalness": 0.01, "liveness": 0.1,
            "loudness": -6.8, "speechiness": 0.04, "tempo": 127.9, "valence": 0.61})))
        .mount(&s.recco)
        .await;
    let file = cdn_file(&s, "demo.wav", demo(120.0, 7)).await;
    // not asked: nothing goes to ReccoBeats
    let r = s.bot().predict_command(None, Some(&file), None, &Overrides::default(), false, NOW).await;
    assert!(!text(&r).contains("ReccoBeats"), "{}", text(&r));
    assert!(s.recco.received_requests().await.unwrap().is_empty());
    // asked: the perceptual features are filled from it and said so; measured values stay
    let r = s.bot().predict_command(None, Some(&file), None, &Overrides::default(), true, NOW).await;
    let t = text(&r);
    assert!(t.contains("from ReccoBeats' analysis of the file's first 30 s: danceability, energy"), "{t}");
    assert!(t.contains("**ReccoBeats**: danceability"), "where the inputs came from: {t}");
    assert!(t.contains("**audio file**: key, loudness, mode, tempo"), "{t}");
    let reqs = s.recco.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    assert!(String::from_utf8_lossy(&reqs[0].body).contains("name=\"audioFile\"; filename=\"demo.wav\""));
}
