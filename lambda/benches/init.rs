//! Cold init with the model from a local S3 server (s3s-fs), and the binary's start-up.
//! `cargo bench -p hitcast-lambda --bench init` (needs scripts/setup-s3s.sh).
//! Target (issue #4): init to ready with the model from local S3 ≤ 100 ms.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hitcast_lambda::config::Config;
use hitcast_lambda::store::{self, S3Store};

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let s3s = root.join(".tools/bin/s3s-fs");
    assert!(s3s.exists(), "run scripts/setup-s3s.sh first");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("hitcast-bench-s3-{port}"));
    std::fs::create_dir_all(dir.join("models")).unwrap();
    std::fs::write(dir.join("models/hitcast.onnx"), hitcast::EMBEDDED_MODEL).unwrap();
    let mut server = Command::new(&s3s)
        .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--access-key", "k", "--secret-key", "s"])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(10));
    }
    let endpoint = format!("http://127.0.0.1:{port}");
    let env = [
        ("AWS_ENDPOINT_URL_S3", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "k"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("HITCAST_MODEL_S3_URI", "s3://models/hitcast.onnx"),
    ];

    // The binary: process start → "ready" (what a Lambda cold start pays after the runtime starts it).
    let mut wall = Vec::new();
    let mut reported = Vec::new();
    for _ in 0..15 {
        let start = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_hitcast-lambda"))
            .envs(env)
            .env("HITCAST_LISTEN", "127.0.0.1:0")
            .env("HITCAST_LOG_FORMAT", "json")
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
        "binary, process start → ready with the model from local S3, 15 runs: median {:.1} ms (max {:.1}); init_ms logged by main: median {} ms",
        wall[wall.len() / 2].as_secs_f64() * 1e3,
        wall[wall.len() - 1].as_secs_f64() * 1e3,
        reported[reported.len() / 2]
    );

    // In process: AWS config + GetObject + sha256 + contract check, ONNX Runtime already loaded.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let _ = hitcast::Model::embedded().unwrap();
    let lookup = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
    let config = Config::from_lookup(lookup).unwrap();
    let mut times = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        rt.block_on(async {
            let client = aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::new()
                    .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
                    .endpoint_url(&endpoint)
                    .region(aws_sdk_s3::config::Region::new("us-east-1"))
                    .credentials_provider(aws_sdk_s3::config::Credentials::new("k", "s", None, None, "bench"))
                    .force_path_style(true)
                    .build(),
            );
            store::load(&config, &S3Store::from_client(client)).await.unwrap()
        });
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "in process, S3 client + fetch + verify + load, 20 runs: median {:.1} ms",
        times[times.len() / 2].as_secs_f64() * 1e3
    );
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(dir);
}
