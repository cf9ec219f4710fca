//! Shared helpers: the app state, processes of the built binary, free ports, paths.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock, mpsc};
use std::time::Duration;

use hitcast_lambda::api::AppState;
use hitcast_lambda::store::{Loaded, ModelOrigin};

pub fn state() -> Arc<AppState> {
    static STATE: OnceLock<Arc<AppState>> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let model = Arc::new(hitcast::Model::embedded().expect("embedded model"));
            Arc::new(AppState::new(Loaded { model, origin: ModelOrigin::Embedded }))
        })
        .clone()
}

#[cfg(feature = "external-tests")] // used by s3.rs and web.rs only
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Where test artefacts (screenshots) go: target/test-artifacts/.
#[cfg(feature = "external-tests")]
pub fn artifacts() -> std::path::PathBuf {
    let dir = workspace().join("target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(feature = "external-tests")] // used by s3.rs and web.rs only
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The built `hitcast-lambda`, killed on drop. Its stderr lines are forwarded to a channel.
pub struct Proc {
    pub child: Child,
    pub lines: mpsc::Receiver<String>,
}

impl Proc {
    pub fn spawn(envs: &[(&str, String)]) -> Proc {
        Proc::spawn_command(Command::new(env!("CARGO_BIN_EXE_hitcast-lambda")), envs)
    }

    /// [`Proc::spawn`] through a wrapper command (`prlimit … hitcast-lambda`).
    pub fn spawn_command(mut cmd: Command, envs: &[(&str, String)]) -> Proc {
        for var in hitcast_lambda::config::ENV_VARS {
            cmd.env_remove(var);
        }
        for var in ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "RUST_LOG"] {
            cmd.env_remove(var);
        }
        cmd.envs(envs.iter().map(|(k, v)| (k, v))).stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn hitcast-lambda");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Proc { child, lines }
    }

    /// Waits for a stderr line containing `needle`; all lines seen so far on failure.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> Result<String, String> {
        let deadline = std::time::Instant::now() + timeout;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return Ok(line),
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        Err(seen.join("\n"))
    }

    /// Starts the local server on a free port and returns its address.
    pub fn serve(envs: &[(&str, String)]) -> (Proc, SocketAddr) {
        Proc::serve_command(Command::new(env!("CARGO_BIN_EXE_hitcast-lambda")), envs)
    }

    /// [`Proc::serve`] through a wrapper command.
    pub fn serve_command(cmd: Command, envs: &[(&str, String)]) -> (Proc, SocketAddr) {
        let mut all = vec![("HITCAST_LISTEN", "127.0.0.1:0".to_string()), ("HITCAST_LOG_FORMAT", "text".into())];
        all.extend(envs.iter().cloned());
        let p = Proc::spawn_command(cmd, &all);
        let line = p.wait_for("serving the Hitcast API", Duration::from_secs(20)).expect("server starts");
        let addr = line.split("http://").nth(1).and_then(|s| s.split('/').next()).expect("address in the log line");
        (p, addr.parse().unwrap())
    }

    /// User + system CPU time so far, in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        ticks / 100.0
    }

    /// Peak resident set size so far (VmHWM), in MB.
    pub fn peak_rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: f64 = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap();
        kb / 1024.0
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tiny blocking HTTP/1.1 client for one request (tests only).
pub fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}

/// The version of the model compiled into the binaries (what every response names).
pub fn embedded_version() -> String {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| hitcast::Model::embedded().expect("the embedded model loads").version().to_string()).clone()
}

/// A stub of ReccoBeats' upload analysis on 127.0.0.1: answers every request with `body` and
/// `status`, and hands back each request it read.
pub fn recco_stub(status: u16, body: &'static str) -> (String, std::sync::mpsc::Receiver<Vec<u8>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut c) = conn else { return };
            let mut req = Vec::new();
            let mut buf = [0u8; 65536];
            // the head, then the body its content-length states
            loop {
                let n = c.read(&mut buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&req);
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if req.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let _ = tx.send(req);
            let reason = if status == 200 { "OK" } else { "Error" };
            let _ = write!(
                c,
                "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, rx)
}
