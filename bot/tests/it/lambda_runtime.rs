//! `hitcast-interactions` under a small emulator of the Lambda Runtime API, which also plays
//! the two AWS APIs the function calls: SSM Parameter Store (`GetParameters`, the secrets at
//! init) and Lambda's `Invoke` (the asynchronous invocation that carries a deferred job, fed
//! back to the function as its next event, as Lambda would).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use hitcast_bot::interactions::now_ms;

use crate::interactions::*;
use crate::stubs::*;

#[derive(Debug)]
enum Seen {
    /// A result posted to the Runtime API: (request id, "response" or "error", body).
    Result(String, String, String),
    /// An `Invoke` call: (function, invocation type, payload).
    Invoke(String, String, String),
    /// A `GetParameters` call: its request body.
    Ssm(String),
}

struct Emulator {
    events: Mutex<VecDeque<(String, String)>>,
    seen: mpsc::UnboundedSender<Seen>,
    /// SSM's parameters: name → value.
    parameters: Vec<(String, String)>,
}

fn reply(status: u16, body: impl Into<Bytes>) -> http::Response<Full<Bytes>> {
    http::Response::builder().status(status).body(Full::new(body.into())).unwrap()
}

async fn serve(emu: Arc<Emulator>, req: http::Request<Incoming>) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    let headers = req.headers().clone();
    let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let text = String::from_utf8_lossy(&body).into_owned();
    if path == "/2018-06-01/runtime/invocation/next" {
        // long poll: wait for an event, as Lambda does between invocations
        let (id, event) = loop {
            if let Some(e) = emu.events.lock().unwrap().pop_front() {
                break e;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        let deadline = now_ms() + 60_000;
        return Ok(http::Response::builder()
            .header("lambda-runtime-aws-request-id", &id)
            .header("lambda-runtime-deadline-ms", deadline.to_string())
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:eu-west-1:123456789012:function:hitcast-interactions",
            )
            .header(
                "lambda-runtime-trace-id",
                "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
            )
            .body(Full::new(Bytes::from(event)))
            .unwrap());
    }
    if let Some(rest) = path.strip_prefix("/2018-06-01/runtime/") {
        let parts: Vec<&str> = rest.split('/').collect();
        if let ["invocation", id, kind] = parts.as_slice() {
            let _ = emu.seen.send(Seen::Result(id.to_string(), kind.to_string(), text));
        } else {
            let _ = emu.seen.send(Seen::Result("init".into(), "error".into(), text));
        }
        return Ok(reply(202, ""));
    }
    if let Some(function) = path.strip_prefix("/2015-03-31/functions/").and_then(|p| p.strip_suffix("/invocations")) {
        let kind = header("x-amz-invocation-type");
        let _ = emu.seen.send(Seen::Invoke(function.to_string(), kind.clone(), text.clone()));
        if kind == "Event" {
            let n = now_ms();
            emu.events.lock().unwrap().push_back((format!("job-{n}"), text));
        }
        return Ok(reply(202, ""));
    }
    if header("x-amz-target") == "AmazonSSM.GetParameters" {
        let _ = emu.seen.send(Seen::Ssm(text.clone()));
        let asked: Value = serde_json::from_str(&text).unwrap();
        let names: Vec<String> =
            asked["Names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect();
        let found: Vec<Value> = emu
            .parameters
            .iter()
            .filter(|(n, _)| names.contains(n))
            .map(|(n, v)| json!({"Name": n, "Type": "SecureString", "Value": v, "Version": 1}))
            .collect();
        let invalid: Vec<&String> = names.iter().filter(|n| !emu.parameters.iter().any(|(p, _)| p == *n)).collect();
        let out = json!({"Parameters": found, "InvalidParameters": invalid});
        return Ok(http::Response::builder()
            .header("content-type", "application/x-amz-json-1.1")
            .body(Full::new(Bytes::from(out.to_string())))
            .unwrap());
    }
    Ok(reply(404, format!("the emulator has no {path}")))
}

/// Serves the emulator on a free port of 127.0.0.1 until the returned task is aborted.
async fn start(emu: Arc<Emulator>) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let emu = emu.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| serve(emu.clone(), req));
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
            });
        }
    });
    (addr, server)
}

/// A Function URL event (payload format 2.0) of a request Discord sent.
fn function_url_event(headers: &[(&str, String)], body: &[u8]) -> String {
    let mut h = serde_json::Map::new();
    h.insert("content-type".into(), json!("application/json"));
    h.insert("host".into(), json!("abcdefghij.lambda-url.eu-west-1.on.aws"));
    h.insert("user-agent".into(), json!("Discord-Interactions/1.0 (+https://discord.com)"));
    for (k, v) in headers {
        h.insert(k.to_string(), json!(v));
    }
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/interactions", "rawQueryString": "",
        "headers": h,
        "requestContext": {"accountId": "anonymous", "apiId": "abcdefghij", "domainName": "abcdefghij.lambda-url.eu-west-1.on.aws",
            "domainPrefix": "abcdefghij", "http": {"method": "POST", "path": "/interactions", "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.7", "userAgent": "Discord-Interactions/1.0 (+https://discord.com)"},
            "requestId": "c0ffee00-0000-4000-8000-000000000001", "routeKey": "$default", "stage": "$default",
            "time": "27/Nov/2026:05:00:00 +0000", "timeEpoch": 1795755600000u64},
        "body": String::from_utf8(body.to_vec()).unwrap(),
        "isBase64Encoded": false
    })
    .to_string()
}

fn signed_now(k: &ed25519_dalek::SigningKey, body: &[u8]) -> Vec<(&'static str, String)> {
    let ts = now_s().to_string();
    vec![("x-signature-ed25519", sign(k, &ts, body)), ("x-signature-timestamp", ts)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_the_runtime_api_the_deferred_work_runs_in_a_second_invocation_and_edits_the_answer() {
    let k = key(7);
    let (s, d) = (Stubs::start().await, discord().await);
    s.dev_mode().await;
    s.recco_features(&[TRACK]).await;
    let predict = command(
        "predict",
        json!([{"name": "url", "type": 3, "value": format!("https://open.spotify.com/track/{TRACK}")}]),
    );
    let forged = {
        let mut h = signed_now(&key(8), &ping());
        h.truncate(2);
        h
    };
    let events = vec![
        ("req-ping".to_string(), function_url_event(&signed_now(&k, &ping()), &ping())),
        ("req-forged".to_string(), function_url_event(&forged, &ping())),
        ("req-predict".to_string(), function_url_event(&signed_now(&k, &predict), &predict)),
    ];
    let (tx, mut rx) = mpsc::unbounded_channel();
    let emu = Arc::new(Emulator {
        events: Mutex::new(VecDeque::from(events)),
        seen: tx,
        parameters: vec![
            ("/hitcast/discord-public-key".into(), public_hex(&k)),
            ("/hitcast/spotify-client-id".into(), "client-id".into()),
            ("/hitcast/spotify-client-secret".into(), "client-secret".into()),
        ],
    });
    let (addr, server) = start(emu).await;
    let endpoint = format!("http://{addr}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hitcast-interactions"));
    for var in hitcast_bot::config::INTERACTIONS_ENV_VARS {
        cmd.env_remove(var);
    }
    let mut child = cmd
        .envs(
            env(&k, &s, &d).into_iter().filter(|(k, _)| !k.starts_with("SPOTIFY_CLIENT") && *k != "DISCORD_PUBLIC_KEY"),
        )
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "hitcast-interactions")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/27/[$LATEST]abc")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/hitcast-interactions")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        .env("AWS_SESSION_TOKEN", "session-token-example")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_LAMBDA", &endpoint)
        .env("AWS_ENDPOINT_URL_SSM", &endpoint)
        .env("HITCAST_SSM_PREFIX", "/hitcast/")
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || BufReader::new(stderr).lines().map_while(Result::ok).collect::<Vec<_>>());

    // four results: ping, forged, predict (deferred) and the job; plus one Invoke and one SSM call
    let mut results = Vec::new();
    let mut invokes = Vec::new();
    let mut ssm = Vec::new();
    while results.len() < 4 {
        match tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("the function answers in time")
            .unwrap()
        {
            Seen::Result(id, kind, body) => results.push((id, kind, body)),
            Seen::Invoke(f, kind, payload) => invokes.push((f, kind, payload)),
            Seen::Ssm(body) => ssm.push(body),
        }
    }
    let reqs = wait_for(&d, 1).await;
    let _ = child.kill();
    let _ = child.wait();
    server.abort();
    let log = log.join().unwrap().join("\n");

    // the secrets came from SSM, decrypted, in one call
    assert_eq!(ssm.len(), 1, "{ssm:?}");
    let asked: Value = serde_json::from_str(&ssm[0]).unwrap();
    assert_eq!(asked["WithDecryption"], true);
    let find = |id: &str| {
        let (_, kind, body) = results.iter().find(|(i, _, _)| i == id).unwrap_or_else(|| panic!("{id}: {results:?}"));
        assert_eq!(kind, "response", "{id}: {body}");
        serde_json::from_str::<Value>(body).unwrap()
    };
    let body = |v: &Value| serde_json::from_str::<Value>(v["body"].as_str().unwrap()).unwrap();
    let pong = find("req-ping");
    assert_eq!((pong["statusCode"].as_u64(), body(&pong)), (Some(200), json!({"type": 1})));
    assert_eq!(pong["headers"]["content-type"], "application/json");
    let forged = find("req-forged");
    assert_eq!(forged["statusCode"], 401);
    let deferred = find("req-predict");
    assert_eq!((deferred["statusCode"].as_u64(), body(&deferred)), (Some(200), json!({"type": 5})));
    // the job went out as an asynchronous invocation of the same function…
    assert_eq!(invokes.len(), 1, "{invokes:?}");
    let (function, kind, payload) = &invokes[0];
    assert_eq!((function.as_str(), kind.as_str()), ("hitcast-interactions", "Event"));
    let job: Value = serde_json::from_str(payload).unwrap();
    assert_eq!(job["hitcast_job"]["token"], TOKEN);
    assert_eq!(job["hitcast_job"]["command"]["kind"], "predict");
    // …which ran it and edited the original response with the embed and the chart
    let (_, kind, done) = results.iter().find(|(i, _, _)| i.starts_with("job-")).expect("the job's invocation");
    assert_eq!((kind.as_str(), done.as_str()), ("response", r#"{"done":true}"#));
    assert_eq!(reqs[0].url.path(), format!("/api/v10/webhooks/{APP}/{TOKEN}/messages/@original"));
    let message = edit_with_chart(&reqs[0]);
    assert!(message["embeds"][0]["title"].as_str().unwrap().contains("Neon Harbour"));

    // JSON logs; at RUST_LOG=trace no secret, no interaction token, no signature
    let ready = log.lines().find(|l| l.contains("\"ready\"")).unwrap_or_else(|| panic!("{log}"));
    let ready: Value = serde_json::from_str(ready).unwrap();
    assert!(ready["fields"]["init_ms"].as_u64().is_some());
    for secret in ["client-secret", TOKEN, "session-token-example", "wJalrXUtnFEMI", &public_hex(&k)[..16]] {
        assert!(!log.contains(secret), "the log shows {secret}");
    }
    assert!(log.lines().count() > 20, "trace logging was on: {log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_ssm_parameter_fails_init_naming_it() {
    let emu = Arc::new(Emulator {
        events: Mutex::new(VecDeque::new()),
        seen: mpsc::unbounded_channel().0,
        parameters: vec![("/hitcast/discord-public-key".into(), public_hex(&key(7)))],
    });
    let (addr, server) = start(emu).await;
    let endpoint = format!("http://{addr}");
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hitcast-interactions"));
        for var in hitcast_bot::config::INTERACTIONS_ENV_VARS {
            cmd.env_remove(var);
        }
        cmd.env("HITCAST_SSM_PREFIX", "/hitcast/")
            .env("AWS_REGION", "eu-west-1")
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL_SSM", endpoint)
            .env("HITCAST_LISTEN", "127.0.0.1:0")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    server.abort();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("SSM Parameter Store has no /hitcast/spotify-client-id, /hitcast/spotify-client-secret"),
        "{err}"
    );
}
