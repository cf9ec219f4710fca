//! End to end: the built binary under a small emulator of the Lambda Runtime API
//! (`GET /2018-06-01/runtime/invocation/next`, `POST …/{id}/response`, `…/{id}/error`),
//! answering captured API Gateway events.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::support::{Proc, fixture};

struct Emulator {
    events: Mutex<VecDeque<(String, String)>>,
    results: mpsc::UnboundedSender<(String, String, String)>,
}

async fn serve(emu: Arc<Emulator>, req: http::Request<Incoming>) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    if method == http::Method::GET && path == "/2018-06-01/runtime/invocation/next" {
        let next = emu.events.lock().unwrap().pop_front();
        let Some((id, event)) = next else {
            // No more events: hold the long poll, as Lambda does between invocations.
            tokio::time::sleep(Duration::from_secs(3600)).await;
            unreachable!("the test ends first");
        };
        let deadline = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() + 30_000;
        return Ok(http::Response::builder()
            .header("lambda-runtime-aws-request-id", &id)
            .header("lambda-runtime-deadline-ms", deadline.to_string())
            .header("lambda-runtime-invoked-function-arn", "arn:aws:lambda:eu-west-1:123456789012:function:hitcast")
            .header(
                "lambda-runtime-trace-id",
                "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
            )
            .body(Full::new(Bytes::from(event)))
            .unwrap());
    }
    let parts: Vec<&str> = path.trim_start_matches("/2018-06-01/runtime/").split('/').collect();
    let kind = match parts.as_slice() {
        ["invocation", id, kind] => {
            let _ = emu.results.send((id.to_string(), kind.to_string(), String::from_utf8_lossy(&body).into()));
            202
        }
        ["init", "error"] => {
            let _ = emu.results.send(("init".into(), "error".into(), String::from_utf8_lossy(&body).into()));
            202
        }
        _ => 404,
    };
    Ok(http::Response::builder().status(kind).body(Full::new(Bytes::new())).unwrap())
}

/// Starts the emulator with `events`, the binary against it (with `env`), and waits for one
/// result per event. Returns the results and the process (its log lines unread).
async fn emulate(events: Vec<(String, String)>, env: &[(&str, String)]) -> (Vec<(String, String, String)>, Proc) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let n = events.len();
    let emu = Arc::new(Emulator { events: Mutex::new(VecDeque::from(events)), results: tx });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn({
        let emu = emu.clone();
        async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let emu = emu.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| serve(emu.clone(), req));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
                });
            }
        }
    });
    let mut all = vec![
        ("AWS_LAMBDA_RUNTIME_API", addr.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", "hitcast".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/26/[$LATEST]abc".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/hitcast".into()),
    ];
    all.extend(env.iter().cloned());
    let proc = Proc::spawn(&all);
    let mut got = Vec::new();
    for _ in 0..n {
        let r = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await.expect("a response in time").unwrap();
        got.push(r);
    }
    server.abort();
    (got, proc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_answers_api_gateway_events_through_the_runtime_api() {
    let events = vec![
        ("req-1".to_string(), fixture("apigw-v2-predict.json")),
        ("req-2".to_string(), fixture("apigw-rest-root.json")),
        ("req-3".to_string(), fixture("function-url-invalid.json")),
    ];
    let (got, proc) = emulate(events, &[]).await;
    let ready = proc.wait_for("ready", Duration::from_secs(20)).expect("init logs ready");
    let log: Value = serde_json::from_str(&ready).expect("logs are JSON under Lambda");
    assert_eq!(log["fields"]["model_source"], "embedded");
    drop(proc);

    let find = |id: &str| got.iter().find(|(i, _, _)| i == id).unwrap_or_else(|| panic!("no result for {id}: {got:?}"));
    let (_, kind, body) = find("req-1");
    assert_eq!(kind, "response");
    let resp: Value = serde_json::from_str(body).unwrap();
    assert_eq!(resp["statusCode"], 200);
    assert_eq!(resp["headers"]["x-hitcast-model"], crate::support::embedded_version().as_str());
    let inner: Value = serde_json::from_str(resp["body"].as_str().unwrap()).unwrap();
    assert_eq!(inner["prediction"]["band_probs"].as_array().unwrap().len(), 4);

    let (_, kind, body) = find("req-2");
    assert_eq!(kind, "response");
    let resp: Value = serde_json::from_str(body).unwrap();
    assert_eq!(resp["statusCode"], 200);
    assert!(resp["body"].as_str().unwrap().contains("<form"));
    assert_eq!(resp["isBase64Encoded"], false);

    let (_, kind, body) = find("req-3");
    assert_eq!(kind, "response", "bad input is an HTTP 400, not a Lambda error");
    let resp: Value = serde_json::from_str(body).unwrap();
    assert_eq!(resp["statusCode"], 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_in_request_headers_never_reach_the_log_even_at_trace() {
    let mut event: Value = serde_json::from_str(&fixture("apigw-v2-predict.json")).unwrap();
    event["headers"]["x-api-key"] = "SECRET-API-KEY-0123456789".into();
    event["headers"]["authorization"] = "Bearer SECRET-TOKEN-9876543210".into();
    let (got, proc) = emulate(vec![("req-1".into(), event.to_string())], &[("RUST_LOG", "trace".into())]).await;
    assert_eq!(got[0].1, "response");
    std::thread::sleep(Duration::from_millis(300));
    let lines: Vec<String> = proc.lines.try_iter().collect();
    assert!(lines.iter().any(|l| l.contains("TRACE")), "trace logging is on: {} lines", lines.len());
    for secret in ["SECRET-API-KEY-0123456789", "SECRET-TOKEN-9876543210"] {
        assert!(!lines.iter().any(|l| l.contains(secret)), "{secret} was logged");
    }
}
