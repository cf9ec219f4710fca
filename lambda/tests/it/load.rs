//! A bounded load run against the local mode: 10,000 requests, 64 concurrent connections,
//! on loopback. Asserts no errors; prints p50/p99 latency and the server's peak RSS (numbers
//! for BENCHMARKS.md, not assertions).

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

use crate::support::Proc;

const REQUESTS: usize = 10_000;
const CONCURRENCY: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_requests_64_concurrent_without_errors() {
    let (server, addr) = Proc::serve(&[]);
    let body = Bytes::from(
        serde_json::json!({"features": {"danceability": 0.7, "energy": 0.8, "key": 5, "loudness": -5, "mode": 1,
            "speechiness": 0.05, "acousticness": 0.1, "instrumentalness": 0, "liveness": 0.1, "valence": 0.6,
            "tempo": 120, "duration_ms": 200000, "artist_popularity": 60}})
        .to_string(),
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..CONCURRENCY {
        let body = body.clone();
        let n = REQUESTS / CONCURRENCY + usize::from(worker < REQUESTS % CONCURRENCY);
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
            tokio::spawn(conn);
            let mut latencies = Vec::with_capacity(n);
            let mut errors = 0usize;
            for _ in 0..n {
                let req = http::Request::post("/v1/predict")
                    .header("host", addr.to_string())
                    .header("content-type", "application/json")
                    .body(Full::new(body.clone()))
                    .unwrap();
                let t = Instant::now();
                match tokio::time::timeout(Duration::from_secs(10), send.send_request(req)).await {
                    Ok(Ok(resp)) => {
                        let ok = resp.status() == 200;
                        let bytes = resp.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                        let predicted = serde_json::from_slice::<serde_json::Value>(&bytes)
                            .is_ok_and(|v| v["prediction"]["band_probs"].is_array());
                        if !ok || !predicted {
                            errors += 1;
                        }
                    }
                    _ => errors += 1,
                }
                latencies.push(t.elapsed());
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::with_capacity(REQUESTS);
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    let wall = started.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e3;
    println!(
        "load: {} requests, {CONCURRENCY} concurrent, {errors} errors, {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, server peak RSS {:.1} MB",
        all.len(),
        all.len() as f64 / wall.as_secs_f64(),
        pct(0.5),
        pct(0.99),
        server.peak_rss_mb()
    );
    assert_eq!(all.len(), REQUESTS);
    assert_eq!(errors, 0);
}
