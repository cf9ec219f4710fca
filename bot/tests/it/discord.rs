//! The requests the bot sends to Discord after a deferred response, against a stub of Discord's
//! HTTP API on 127.0.0.1 (serenity's `Http` pointed at it; the gateway is not needed for the
//! interaction webhook routes). The interaction payload follows Discord's documented
//! application-command interaction object.

use hitcast_bot::commands::{NEUTRAL_ERROR, finish_deferred};
use hitcast_bot::reply::{COLOR, Embed, Reply};
use poise::serenity_prelude as serenity;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const APP: &str = "1100000000000000001";
const TOKEN: &str = "aW50ZXJhY3Rpb246dG9rZW4";

fn message(content: &str) -> Value {
    json!({"id": "1200000000000000001", "channel_id": "1300000000000000001",
           "author": {"id": APP, "username": "Hitcast", "discriminator": "0", "avatar": null, "global_name": null, "bot": true},
           "content": content, "timestamp": "2026-11-27T00:00:00.000000+00:00", "edited_timestamp": null,
           "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
           "embeds": [], "pinned": false, "type": 0, "flags": 0})
}

fn interaction() -> serenity::CommandInteraction {
    let v = json!({
        "id": "1400000000000000001", "application_id": APP, "type": 2, "token": TOKEN, "version": 1,
        "data": {"id": "1500000000000000001", "name": "predict", "type": 1, "options": []},
        "channel_id": "1300000000000000001",
        "user": {"id": "1600000000000000001", "username": "artist", "discriminator": "0", "avatar": null, "global_name": "Artist"},
        "app_permissions": "0", "locale": "en-US", "entitlements": [], "authorizing_integration_owners": {"1": "1600000000000000001"},
        "context": 1, "attachment_size_limit": 10485760
    });
    match serde_json::from_value::<serenity::Interaction>(v).expect("a documented interaction") {
        serenity::Interaction::Command(c) => c,
        other => panic!("{other:?}"),
    }
}

async fn discord() -> (MockServer, serenity::Http) {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path(format!("/api/v10/webhooks/{APP}/{TOKEN}/messages/@original")))
        .respond_with(ResponseTemplate::new(200).set_body_json(message("edited")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/api/v10/webhooks/{APP}/{TOKEN}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(message("follow-up")))
        .mount(&server)
        .await;
    // the application id is set by the gateway client on READY in production
    let http = serenity::HttpBuilder::new("Bot stub")
        .proxy(server.uri())
        .ratelimiter_disabled(true)
        .application_id(serenity::ApplicationId::new(APP.parse().unwrap()))
        .build();
    (server, http)
}

#[tokio::test]
async fn an_error_after_a_defer_edits_the_public_message_neutrally_and_sends_details_privately() {
    let (server, http) = discord().await;
    let details = "Sorry: Spotify has no track with that id; check the link.";
    finish_deferred(&http, &interaction(), Reply::private(details)).await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    let calls: Vec<(String, String)> = reqs.iter().map(|r| (r.method.to_string(), r.url.path().to_string())).collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    // first the public "thinking…" message becomes the neutral line: the details are not in it
    assert_eq!(calls[0].0, "PATCH");
    let edit = String::from_utf8_lossy(&reqs[0].body);
    assert!(edit.contains(NEUTRAL_ERROR) && !edit.contains("no track with that id"), "{edit}");
    // then the details, as a new ephemeral follow-up (flags 64)
    assert_eq!(calls[1], ("POST".into(), format!("/api/v10/webhooks/{APP}/{TOKEN}")));
    let follow: Value = serde_json::from_slice(&reqs[1].body).unwrap();
    assert_eq!(follow["content"], details);
    assert_eq!(follow["flags"].as_u64().unwrap() & 64, 64, "{follow}");
}

#[tokio::test]
async fn an_answer_after_a_defer_edits_the_original_with_the_embed_and_the_chart() {
    let (server, http) = discord().await;
    let embed = Embed {
        title: "Neon Harbour — Luna Vale".into(),
        url: None,
        description: "Expected popularity **48 / 100**".into(),
        fields: vec![],
        footer: "Hitcast model 2.0.0".into(),
        image: Some("attachment://bands.png".into()),
        color: COLOR,
    };
    let png = b"\x89PNG\r\n\x1a\nstub".to_vec();
    finish_deferred(&http, &interaction(), Reply::Embed { embed, chart: Some(("bands.png".into(), png)) })
        .await
        .unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "one edit, no follow-up");
    assert_eq!(reqs[0].method.to_string(), "PATCH");
    let body = String::from_utf8_lossy(&reqs[0].body);
    assert!(body.contains("Neon Harbour") && body.contains("bands.png"), "{body}");
}
