//! `hitcast-interactions`: what Discord waits for, and the cold start.
//! `cargo bench -p hitcast-bot --bench interactions`.
//! Targets (issue #13): verify + deferred answer, warm, ≤ 1 ms; init to ready ≤ 100 ms.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::hint::black_box;

use criterion::Criterion;
use ed25519_dalek::{Signer, SigningKey};
use hitcast_bot::interactions::verify::Verifier;
use hitcast_bot::interactions::{Endpoint, Signed, now_ms};
use serde_json::json;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() {
    let key = SigningKey::from_bytes(&[7; 32]);
    let public = hex(key.verifying_key().as_bytes());
    let model = Arc::new(hitcast::Model::embedded().expect("the embedded model (scripts/setup-ort.sh)"));
    let endpoint = Endpoint { verifier: Verifier::new(&public).unwrap(), model };
    // a /predict as Discord sends it (1.3 KB), signed now
    let body = serde_json::to_vec(&json!({
        "id": "1400000000000000001", "application_id": "1100000000000000001", "type": 2, "version": 1,
        "token": "aW50ZXJhY3Rpb246MTQwMDAwMDAwMDAwMDAwMDAwMTpzdHViLXRva2VuLXRoYXQtaXMtYXMtbG9uZy1hcy1kaXNjb3Jkcy10b2tlbnMtYXJlLWFib3V0LTIwMC1jaGFyYWN0ZXJzLWxvbmc",
        "data": {"id": "1500000000000000001", "name": "predict", "type": 1, "options": [
            {"name": "url", "type": 3, "value": "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC?si=abc"},
            {"name": "artist_popularity", "type": 10, "value": 62}]},
        "channel_id": "1300000000000000001", "guild_id": "1700000000000000001",
        "member": {"user": {"id": "1600000000000000001", "username": "artist", "discriminator": "0", "avatar": null},
                   "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false},
        "app_permissions": "0", "locale": "en-US", "guild_locale": "en-US", "entitlements": [], "context": 0
    }))
    .unwrap();
    let ts = (now_ms() / 1000).to_string();
    let mut msg = ts.as_bytes().to_vec();
    msg.extend_from_slice(&body);
    let sig = hex(&key.sign(&msg).to_bytes());
    let signed = Signed { signature: Some(sig.as_bytes()), timestamp: Some(ts.as_bytes()) };
    let first = endpoint.answer(signed, &body, now_ms());
    assert_eq!((first.status, first.body.as_slice()), (200, &br#"{"type":5}"#[..]));
    assert!(first.job.is_some());

    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    c.bench_function("interactions/verify+deferred answer (/predict, 1.3 KB)", |b| {
        b.iter(|| black_box(endpoint.answer(black_box(signed), black_box(&body), now_ms())))
    });
    let forged = sig.replace('a', "b");
    let bad = Signed { signature: Some(forged.as_bytes()), timestamp: Some(ts.as_bytes()) };
    c.bench_function("interactions/forged request refused", |b| {
        b.iter(|| black_box(endpoint.answer(black_box(bad), black_box(&body), now_ms())))
    });
    c.final_summary();

    // The binary: process start → "ready" (what a Lambda cold start pays after the runtime
    // starts it), in local mode with the secrets in the environment.
    let mut wall = Vec::new();
    let mut reported = Vec::new();
    for _ in 0..15 {
        let start = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_hitcast-interactions"))
            .env("DISCORD_PUBLIC_KEY", &public)
            .env("SPOTIFY_CLIENT_ID", "x")
            .env("SPOTIFY_CLIENT_SECRET", "y")
            .env("HITCAST_LISTEN", "127.0.0.1:0")
            .env("HITCAST_LOG_FORMAT", "json")
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env_remove("HITCAST_SSM_PREFIX")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("\"ready\"") {
                wall.push(start.elapsed());
                let v: serde_json::Value = serde_json::from_str(&line).unwrap();
                reported.push(v["fields"]["init_ms"].as_u64().unwrap());
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    wall.sort();
    reported.sort();
    println!(
        "hitcast-interactions process start → ready: median {:.1} ms, max {:.1} ms (init_ms reported: median {} ms) over {} starts",
        wall[wall.len() / 2].as_secs_f64() * 1e3,
        wall[wall.len() - 1].as_secs_f64() * 1e3,
        reported[reported.len() / 2],
        wall.len()
    );
}
