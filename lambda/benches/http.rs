//! The HTTP layer's speed against the release server on 127.0.0.1 (issue #20): single-track
//! `POST /v1/predict` at 16 keep-alive connections (req/s, p50, p99), one 1000-track batch, and
//! two 1000-track batches at once (they run on two ONNX sessions: about the time of one).
//! `cargo bench -p hitcast-lambda --bench http`; `HITCAST_BENCH_SERVER=path/to/hitcast-lambda`
//! measures another build (the one before the change) the same way.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start() -> (Server, SocketAddr) {
    let bin = std::env::var("HITCAST_BENCH_SERVER").unwrap_or_else(|_| env!("CARGO_BIN_EXE_hitcast-lambda").into());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(&bin)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("RUST_LOG")
        .env("HITCAST_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{bin}: {e}"));
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (Server(child), addr)
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> Sender {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    send
}

async fn post(send: &mut Sender, addr: SocketAddr, body: &Bytes) -> Duration {
    let req = http::Request::post("/v1/predict")
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .body(Full::new(body.clone()))
        .unwrap();
    let started = Instant::now();
    send.ready().await.unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.into_body().collect().await.unwrap();
    started.elapsed()
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    v[((v.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e3
}

fn track(i: usize) -> serde_json::Value {
    serde_json::json!({"danceability": 0.7, "energy": 0.8, "key": i % 12, "loudness": -5, "mode": 1,
        "speechiness": 0.05, "acousticness": 0.1, "instrumentalness": 0, "liveness": 0.1, "valence": 0.6,
        "tempo": 100 + (i % 60), "duration_ms": 200000, "artist_popularity": 60})
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` and the like: nothing to list
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (_server, addr) = start();
    let one = Bytes::from(serde_json::json!({"features": track(0)}).to_string());
    let batch = Bytes::from(serde_json::json!({"tracks": (0..1000).map(track).collect::<Vec<_>>()}).to_string());
    rt.block_on(async {
        // warm-up
        let mut s = connect(addr).await;
        for _ in 0..200 {
            post(&mut s, addr, &one).await;
        }
        // single track, 16 connections
        const CONNS: usize = 16;
        const PER_CONN: usize = 1500;
        let started = Instant::now();
        let tasks: Vec<_> = (0..CONNS)
            .map(|_| {
                let one = one.clone();
                tokio::spawn(async move {
                    let mut s = connect(addr).await;
                    let mut l = Vec::with_capacity(PER_CONN);
                    for _ in 0..PER_CONN {
                        l.push(post(&mut s, addr, &one).await);
                    }
                    l
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let rate = all.len() as f64 / started.elapsed().as_secs_f64();
        println!(
            "one track, {CONNS} connections: {rate:.0} req/s, p50 {:.2} ms, p99 {:.2} ms ({} requests)",
            pct(&mut all, 0.5),
            pct(&mut all, 0.99),
            all.len()
        );
        // one 1000-track batch at a time
        let mut one_batch = Vec::new();
        for _ in 0..30 {
            one_batch.push(post(&mut s, addr, &batch).await);
        }
        let single = pct(&mut one_batch, 0.5);
        println!("1000 tracks, one at a time: p50 {single:.2} ms");
        // two at once, on two connections
        let mut s2 = connect(addr).await;
        let mut pairs = Vec::new();
        for _ in 0..30 {
            let started = Instant::now();
            let (a, b) = (batch.clone(), batch.clone());
            let (x, y) = tokio::join!(post(&mut s, addr, &a), post(&mut s2, addr, &b));
            let _ = (x, y);
            pairs.push(started.elapsed());
        }
        let pair = pct(&mut pairs, 0.5);
        println!("1000 tracks, two at once: p50 {pair:.2} ms for both ({:.2}× one)", pair / single);
    });
}
