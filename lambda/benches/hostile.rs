//! Hostile input against the release build on 127.0.0.1: the probes of issue #10, re-measured.
//! `cargo bench -p hitcast-lambda --bench hostile` prints one line per probe (the table
//! "Hostile input" in BENCHMARKS.md). Timeouts are shortened through the environment
//! (header 2 s, idle 3 s, body 4 s) so the run takes about a minute; the defaults are 10/20/30 s.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hitcast_lambda::api::{ApiRequest, AppState, MAX_BODY_BYTES, handle};
use hitcast_lambda::store::{Loaded, ModelOrigin};

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server(wrapper: Option<&[&str]>, env: &[(&str, &str)]) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bin = env!("CARGO_BIN_EXE_hitcast-lambda");
    let mut cmd = match wrapper {
        Some(w) => {
            let mut c = Command::new(w[0]);
            c.args(&w[1..]).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.env_remove("AWS_LAMBDA_RUNTIME_API").env("HITCAST_LISTEN", format!("127.0.0.1:{port}"));
    cmd.envs(env.iter().copied()).stdout(Stdio::null()).stderr(Stdio::null());
    let child = cmd.spawn().unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Server { child, addr }
}

fn status_field(pid: u32, field: &str) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn peak_mb(pid: u32) -> f64 {
    status_field(pid, "VmHWM:") / 1024.0
}

fn cpu_s(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let f: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}

fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>, Duration) {
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| raw[i + 4..].to_vec()).unwrap_or_default();
    (status, body, started.elapsed())
}

/// How many of `conns` the server has closed (a read returns 0 or an error at once).
fn closed(conns: &mut [TcpStream]) -> usize {
    let mut n = 0;
    for c in conns.iter_mut() {
        c.set_nonblocking(true).unwrap();
        let mut b = [0u8; 1];
        if !matches!(c.read(&mut b), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock) {
            n += 1;
        }
    }
    n
}

fn many_keys() -> Vec<u8> {
    let mut s = String::from("{");
    let mut i = 0;
    while s.len() < MAX_BODY_BYTES - 100 {
        s += &format!("\"k{i}\":1,");
        i += 1;
    }
    (s + "\"x\":1}").into_bytes()
}

fn track() -> serde_json::Value {
    serde_json::json!({"danceability": 0.7, "energy": 0.8, "key": 5, "loudness": -5, "mode": 1, "speechiness": 0.05,
        "acousticness": 0.1, "instrumentalness": 0, "liveness": 0.1, "valence": 0.6, "tempo": 120, "duration_ms": 200000})
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let short =
        [("HITCAST_HEADER_TIMEOUT_SECS", "2"), ("HITCAST_IDLE_TIMEOUT_SECS", "3"), ("HITCAST_BODY_TIMEOUT_SECS", "4")];

    // 1. error size and memory: 4 clients send 6 MiB of 533k unknown keys and never read
    let s = server(None, &short);
    let body = Arc::new(many_keys());
    let (status, err, took) = request(s.addr, "POST", "/v1/predict", &body);
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let (addr, body) = (s.addr, body.clone());
            std::thread::spawn(move || {
                let mut c = TcpStream::connect(addr).unwrap();
                let head = format!("POST /v1/predict HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", body.len());
                let _ = c.write_all(head.as_bytes());
                let _ = c.write_all(&body);
                std::thread::sleep(Duration::from_secs(3));
            })
        })
        .collect();
    writers.into_iter().for_each(|w| w.join().unwrap());
    println!(
        "hostile/unknown_keys_6MiB: status {status}, error {} bytes in {:.0} ms; 4 clients not reading: server peak RSS {:.1} MB",
        err.len(),
        took.as_secs_f64() * 1000.0,
        peak_mb(s.child.id())
    );
    let (status, err, _) = request(s.addr, "POST", "/v1/predict", &vec![0x7f; MAX_BODY_BYTES]);
    println!("hostile/bytes_7f_6MiB: status {status}, error {} bytes", err.len());
    drop(s);

    // 2. slow headers, idle keep-alives, slow bodies
    let s = server(
        None,
        &[
            ("HITCAST_HEADER_TIMEOUT_SECS", "2"),
            ("HITCAST_IDLE_TIMEOUT_SECS", "3"),
            ("HITCAST_BODY_TIMEOUT_SECS", "4"),
            ("HITCAST_MAX_CONNECTIONS", "8000"),
        ],
    );
    let mut slow: Vec<TcpStream> = (0..1000)
        .filter_map(|_| TcpStream::connect(s.addr).ok())
        .map(|mut c| {
            let _ = c.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n");
            c
        })
        .collect();
    std::thread::sleep(Duration::from_secs(4));
    println!(
        "hostile/slow_headers: {} of {} connections closed 4 s after a partial head (header timeout 2 s)",
        closed(&mut slow),
        slow.len()
    );
    drop(slow);
    let mut idle: Vec<TcpStream> = (0..5000)
        .filter_map(|_| TcpStream::connect(s.addr).ok())
        .map(|mut c| {
            let _ = c.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n");
            c
        })
        .collect();
    std::thread::sleep(Duration::from_secs(6));
    println!(
        "hostile/idle_keepalives: {} of {} closed 6 s after their request (idle timeout 3 s)",
        closed(&mut idle),
        idle.len()
    );
    drop(idle);
    let mut bodies: Vec<TcpStream> = (0..500)
        .filter_map(|_| TcpStream::connect(s.addr).ok())
        .map(|mut c| {
            let _ = c.write_all(b"POST /v1/predict HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{");
            c
        })
        .collect();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(6) {
        for c in bodies.iter_mut() {
            let _ = c.write_all(b" ");
        }
        std::thread::sleep(Duration::from_millis(1000));
    }
    println!(
        "hostile/slow_bodies: {} of {} closed (408) 6 s into a 1 byte/s body (body timeout 4 s)",
        closed(&mut bodies),
        bodies.len()
    );
    drop(bodies);
    drop(s);

    // 3. out of file descriptors: 300 clients against a 256 limit
    let s = server(Some(&["prlimit", "--nofile=256:256"]), &[("HITCAST_HEADER_TIMEOUT_SECS", "30")]);
    let held: Vec<TcpStream> = (0..300).filter_map(|_| TcpStream::connect(s.addr).ok()).collect();
    let before = cpu_s(s.child.id());
    std::thread::sleep(Duration::from_secs(5));
    let cpu = (cpu_s(s.child.id()) - before) / 5.0 * 100.0;
    let late = std::thread::spawn({
        let addr = s.addr;
        move || request(addr, "GET", "/health", b"")
    });
    std::thread::sleep(Duration::from_millis(500));
    drop(held);
    let (status, _, took) = late.join().unwrap();
    println!(
        "hostile/fd_limit_256_300_clients: server CPU {cpu:.1}% while out of descriptors; a new client got {status} after {:.1} s (when the others left)",
        took.as_secs_f64()
    );
    drop(s);

    // 4. one heavy request must not stall everyone: 4 clients send 1000-track batches
    let s = server(None, &[]);
    let batch = Arc::new(serde_json::json!({"tracks": vec![track(); 1000]}).to_string().into_bytes());
    let one = serde_json::json!({"features": track()}).to_string().into_bytes();
    let (_, _, idle_single) = request(s.addr, "POST", "/v1/predict", &one);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (addr, batch, stop) = (s.addr, batch.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    request(addr, "POST", "/v1/predict", &batch);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut health = Vec::new();
    let mut single = Vec::new();
    for _ in 0..40 {
        health.push(request(s.addr, "GET", "/health", b"").2);
        single.push(request(s.addr, "POST", "/v1/predict", &one).2);
        std::thread::sleep(Duration::from_millis(25));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    load.into_iter().for_each(|t| t.join().unwrap());
    health.sort();
    single.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "hostile/heavy_batches: /health p50 {:.2} ms, max {:.2} ms; one-track predict p50 {:.2} ms (idle {:.2} ms) while 4 clients send 1000-track batches",
        ms(health[health.len() / 2]),
        ms(*health.last().unwrap()),
        ms(single[single.len() / 2]),
        ms(idle_single)
    );
    drop(s);

    // 5. a 1000-track predict vs rank, in process (answer building included)
    let model = Arc::new(hitcast::Model::embedded().unwrap());
    let state = AppState::new(Loaded { model, origin: ModelOrigin::Embedded });
    for path in ["/v1/predict", "/v1/rank"] {
        let mut times = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            let r = handle(
                &state,
                ApiRequest { method: &http::Method::POST, path, content_type: Some("application/json"), body: &batch },
            );
            assert_eq!(r.status.as_u16(), 200);
            times.push(started.elapsed());
        }
        times.sort();
        println!("hostile/thousand_tracks{path}: p50 {:.1} ms", ms(times[times.len() / 2]));
    }
}
