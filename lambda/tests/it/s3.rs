//! The model store against a real S3-compatible server (s3s-fs, installed by
//! `scripts/setup-s3s.sh`), started on a free loopback port by each test.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use hitcast::EMBEDDED_MODEL;
use hitcast_lambda::config::Config;
use hitcast_lambda::store::{self, LoadError, ModelOrigin, S3Store, StoreError};

use crate::support::{Proc, free_port, http, workspace};

const KEY: &str = "hitcast-test";
const SECRET: &str = "hitcast-test-secret";

pub struct S3 {
    child: Child,
    pub endpoint: String,
    _dir: TempDir,
}

/// A directory removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn s3s_fs() -> std::path::PathBuf {
    let path =
        std::env::var_os("HITCAST_S3S_FS").map(Into::into).unwrap_or_else(|| workspace().join(".tools/bin/s3s-fs"));
    assert!(path.exists(), "{} not found: run scripts/setup-s3s.sh (scripts/test.sh does)", path.display());
    path
}

impl S3 {
    /// Starts s3s-fs with an empty bucket `models`.
    pub fn start() -> S3 {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("hitcast-s3-{}-{port}", std::process::id()));
        std::fs::create_dir_all(dir.join("models")).unwrap();
        let child = Command::new(s3s_fs())
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--access-key", KEY, "--secret-key", SECRET])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start s3s-fs");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "s3s-fs did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        S3 { child, endpoint: format!("http://127.0.0.1:{port}"), _dir: TempDir(dir) }
    }

    pub fn client(&self, secret: &str) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(KEY, secret, None, None, "test"))
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    pub async fn put(&self, key: &str, bytes: &[u8]) {
        self.client(SECRET)
            .put_object()
            .bucket("models")
            .key(key)
            .body(bytes.to_vec().into())
            .send()
            .await
            .expect("put object");
    }

    /// The environment that points the binary's AWS SDK at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL_S3", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET.into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }
}

fn sha(bytes: &[u8]) -> String {
    hitcast::model::sha256_hex(bytes)
}

fn config(uri: &str, sha256: Option<String>, fallback: bool) -> Config {
    let mut c = Config::from_lookup(|_| None).unwrap();
    c.model_uri = Some(uri.parse().unwrap());
    c.model_sha256 = sha256;
    c.fallback_embedded = fallback;
    c
}

#[tokio::test]
async fn loads_the_model_from_s3_and_checks_its_sha256() {
    let s3 = S3::start();
    s3.put("v1/hitcast.onnx", EMBEDDED_MODEL).await;
    let store = S3Store::from_client(s3.client(SECRET));
    let loaded =
        store::load(&config("s3://models/v1/hitcast.onnx", Some(sha(EMBEDDED_MODEL)), false), &store).await.unwrap();
    assert_eq!(loaded.origin, ModelOrigin::S3 { uri: "s3://models/v1/hitcast.onnx".into() });
    assert_eq!(loaded.model.info().sha256, sha(EMBEDDED_MODEL));
}

#[tokio::test]
async fn missing_object_and_bucket() {
    let s3 = S3::start();
    let store = S3Store::from_client(s3.client(SECRET));
    for uri in ["s3://models/nope.onnx", "s3://no-such-bucket/x.onnx"] {
        let err = store::load(&config(uri, None, false), &store).await.unwrap_err();
        assert!(matches!(err, LoadError::Store(StoreError::NotFound { .. })), "{uri}: {err:?}");
        assert_eq!(err.to_string(), format!("{uri} does not exist (no such bucket or key)"));
    }
}

#[tokio::test]
async fn wrong_credentials_are_access_denied() {
    let s3 = S3::start();
    s3.put("m.onnx", EMBEDDED_MODEL).await;
    let store = S3Store::from_client(s3.client("wrong-secret"));
    let err = store::load(&config("s3://models/m.onnx", None, false), &store).await.unwrap_err();
    assert!(matches!(err, LoadError::Store(StoreError::AccessDenied { .. })), "{err:?}");
}

#[tokio::test]
async fn corrupt_bytes_and_sha_mismatch() {
    let s3 = S3::start();
    s3.put("corrupt.onnx", b"these are not the bytes of a model").await;
    s3.put("good.onnx", EMBEDDED_MODEL).await;
    let store = S3Store::from_client(s3.client(SECRET));
    let err = store::load(&config("s3://models/corrupt.onnx", None, false), &store).await.unwrap_err();
    assert!(matches!(err, LoadError::Model { .. }), "{err:?}");
    assert!(err.to_string().starts_with("s3://models/corrupt.onnx is not a usable Hitcast model"));

    let wrong = "0".repeat(64);
    let err = store::load(&config("s3://models/good.onnx", Some(wrong.clone()), false), &store).await.unwrap_err();
    let LoadError::ShaMismatch { expected, actual, .. } = &err else { panic!("{err:?}") };
    assert_eq!((expected, actual), (&wrong, &sha(EMBEDDED_MODEL)));
}

#[tokio::test]
async fn fallback_serves_the_embedded_model_and_says_so() {
    let s3 = S3::start();
    let store = S3Store::from_client(s3.client(SECRET));
    let loaded = store::load(&config("s3://models/missing.onnx", None, true), &store).await.unwrap();
    let ModelOrigin::Fallback { uri, reason } = &loaded.origin else { panic!("{:?}", loaded.origin) };
    assert_eq!(uri, "s3://models/missing.onnx");
    assert!(reason.contains("does not exist"));
    let state = hitcast_lambda::api::AppState::new(loaded);
    let r = hitcast_lambda::api::handle(
        &state,
        hitcast_lambda::api::ApiRequest { method: &http::Method::GET, path: "/health", content_type: None, body: b"" },
    );
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["status"], "degraded");
    assert_eq!(v["model_source"], "embedded (fallback)");
}

#[tokio::test]
async fn the_binary_loads_from_s3_via_the_standard_aws_environment() {
    let s3 = S3::start();
    s3.put("prod/hitcast.onnx", EMBEDDED_MODEL).await;
    let mut env = s3.env();
    env.push(("HITCAST_MODEL_S3_URI", "s3://models/prod/hitcast.onnx".into()));
    env.push(("HITCAST_MODEL_SHA256", sha(EMBEDDED_MODEL)));
    let (server, addr) = Proc::serve(&env);
    let (status, head, body) = http(addr, "GET", "/health", None);
    assert_eq!(status, 200);
    assert!(head.contains(&format!("x-hitcast-model: {}", crate::support::embedded_version())));
    assert!(body.contains(r#""model_source":"s3://models/prod/hitcast.onnx""#), "{body}");
    drop(server);
}

#[tokio::test]
async fn the_binary_fails_init_with_a_one_line_cause() {
    let s3 = S3::start();
    let mut env = s3.env();
    env.push(("HITCAST_MODEL_S3_URI", "s3://models/absent.onnx".into()));
    env.push(("HITCAST_LISTEN", "127.0.0.1:0".into()));
    env.push(("HITCAST_LOG_FORMAT", "json".into()));
    let mut p = Proc::spawn(&env);
    let line = p.wait_for("cannot load the model", Duration::from_secs(20)).expect("an error line");
    let v: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
    assert_eq!(v["level"], "ERROR");
    assert_eq!(v["fields"]["error"], "s3://models/absent.onnx does not exist (no such bucket or key)");
    let status = p.child.wait().unwrap();
    assert!(!status.success());
}

#[tokio::test]
async fn an_object_over_the_size_limit_is_refused_from_its_length() {
    let s3 = S3::start();
    s3.put("big.onnx", EMBEDDED_MODEL).await;
    let store = S3Store::from_client(s3.client(SECRET));
    let mut c = config("s3://models/big.onnx", None, false);
    c.model_max_bytes = 10_000;
    let err = store::load(&c, &store).await.unwrap_err();
    let LoadError::Store(StoreError::TooLarge { size, limit, .. }) = &err else { panic!("{err:?}") };
    assert_eq!((*size, *limit), (EMBEDDED_MODEL.len() as u64, 10_000));
    assert!(err.to_string().contains("HITCAST_MODEL_MAX_BYTES"), "{err}");
}

/// A server on 127.0.0.1 that accepts connections and then, per `drip`, never answers, or
/// answers a 200 head and one byte every 500 ms.
fn stalling_server(drip: bool) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(false).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(8);
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            let mut s = stream;
            let _ = s.set_read_timeout(Some(Duration::from_millis(300)));
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            if drip {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n");
                while std::time::Instant::now() < deadline && s.write_all(b"x").is_ok() {
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
            held.push(s);
            if std::time::Instant::now() > deadline {
                break;
            }
        }
    });
    (endpoint, handle)
}

fn client_for(endpoint: &str) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(KEY, SECRET, None, None, "test"))
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

#[tokio::test]
async fn a_stalled_or_dripping_endpoint_times_out_and_the_fallback_serves() {
    for drip in [false, true] {
        let (endpoint, _server) = stalling_server(drip);
        let store = S3Store::from_client(client_for(&endpoint));
        let mut c = config("s3://models/hitcast.onnx", None, false);
        c.s3_timeout = Duration::from_secs(1);
        let started = std::time::Instant::now();
        let err = store::load(&c, &store).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(3), "drip {drip}: took {:?}", started.elapsed());
        assert_eq!(err.to_string(), "timed out after 1 s reading s3://models/hitcast.onnx (HITCAST_S3_TIMEOUT_SECS)");
        c.fallback_embedded = true;
        let loaded = store::load(&c, &store).await.unwrap();
        let ModelOrigin::Fallback { reason, .. } = &loaded.origin else { panic!("{:?}", loaded.origin) };
        assert!(reason.starts_with("timed out after 1 s"), "{reason}");
    }
}

#[tokio::test]
async fn the_binary_gives_up_on_a_stalled_endpoint_within_its_timeout() {
    let (endpoint, _server) = stalling_server(false);
    let env = vec![
        ("AWS_ENDPOINT_URL_S3", endpoint),
        ("AWS_ACCESS_KEY_ID", KEY.into()),
        ("AWS_SECRET_ACCESS_KEY", SECRET.into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("HITCAST_MODEL_S3_URI", "s3://models/hitcast.onnx".into()),
        ("HITCAST_S3_TIMEOUT_SECS", "1.5".into()),
        ("HITCAST_LISTEN", "127.0.0.1:0".into()),
        ("HITCAST_LOG_FORMAT", "json".into()),
    ];
    let started = std::time::Instant::now();
    let mut p = Proc::spawn(&env);
    let line = p.wait_for("cannot load the model", Duration::from_secs(20)).expect("an error line");
    let v: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
    let error = v["fields"]["error"].as_str().unwrap();
    assert!(error.starts_with("timed out after 1.5 s reading s3://models/hitcast.onnx"), "{error}");
    assert!(!p.child.wait().unwrap().success());
    assert!(started.elapsed() < Duration::from_secs(8), "init took {:?}", started.elapsed());
}

/// Issue #20: "capping" the AWS SDK's log targets at debug turned them *on* at the default
/// level: one model fetch logged 20–86 DEBUG lines, the access key id among them. The log of a
/// fetch now holds no DEBUG line at the default level, and no access key id at any level.
#[tokio::test]
async fn a_model_fetch_logs_no_debug_line_and_no_access_key_id() {
    let s3 = S3::start();
    s3.put("prod/hitcast.onnx", EMBEDDED_MODEL).await;
    for rust_log in [None, Some("trace")] {
        let mut env = s3.env();
        env.push(("HITCAST_MODEL_S3_URI", "s3://models/prod/hitcast.onnx".into()));
        env.push(("HITCAST_LISTEN", "127.0.0.1:0".into()));
        env.push(("HITCAST_LOG_FORMAT", "text".into()));
        if let Some(level) = rust_log {
            env.push(("RUST_LOG", level.into()));
        }
        let p = Proc::spawn(&env);
        let mut log = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match p.lines.recv_timeout(left) {
                Ok(line) => {
                    let done = line.contains("serving the Hitcast API");
                    log.push(line);
                    if done {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        assert!(log.iter().any(|l| l.contains("serving the Hitcast API")), "{log:#?}");
        assert!(log.iter().all(|l| !l.contains(KEY)), "{rust_log:?}: the access key id is in the log");
        if rust_log.is_none() {
            assert!(log.iter().all(|l| !l.contains("DEBUG") && !l.contains("TRACE")), "{log:#?}");
            assert!(log.len() <= 5, "{} lines at the default level: {log:#?}", log.len());
        }
    }
}

/// Issue #20: an S3 500 gave an 855-character error line with raw headers. Now: what happened,
/// the status and S3's code and message, in one short line.
#[tokio::test]
async fn an_s3_server_error_is_one_short_line() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let _server = std::thread::spawn(move || {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>x-amz-id-2-very-long-host-id-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</HostId></Error>";
        for stream in listener.incoming().flatten().take(10) {
            let mut s = stream;
            let mut buf = [0u8; 8192];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/xml\r\nx-amz-request-id: 4442587FB7D0A2F9\r\nx-amz-id-2: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                "h".repeat(200),
                body.len()
            );
        }
    });
    let store = S3Store::from_client(client_for(&endpoint));
    let err = store::load(&config("s3://models/hitcast.onnx", None, false), &store).await.unwrap_err().to_string();
    assert!(err.contains("S3 answered HTTP 500 (InternalError: We encountered an internal error"), "{err}");
    assert!(err.len() <= 250 && !err.contains("x-amz-id-2") && !err.contains('\n'), "{} characters: {err}", err.len());
}
