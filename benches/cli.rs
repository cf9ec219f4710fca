//! The `hitcast` process as a user runs it: `cargo bench --bench cli`.
//! Targets (issue #3): process start → first prediction ≤ 50 ms; peak RSS of `hitcast rank` ≤ 40 MB.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};

fn run(args: &[&str]) -> Duration {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_hitcast"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .status()
        .expect("run hitcast");
    let took = start.elapsed();
    assert!(status.success(), "hitcast {args:?} failed");
    took
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Peak resident set size of the children so far, in MB (Linux reports KiB).
fn children_maxrss_mb() -> f64 {
    getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage").max_rss() as f64 / 1024.0
}

fn main() {
    // `cargo bench` passes flags such as --bench; this binary takes none.
    let album = "examples/album.csv";
    let big = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-10k.csv");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(album)).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let mut out = String::from(header) + "\n";
    for i in 0..10_000 {
        out += rows[i % rows.len()];
        out += "\n";
    }
    std::fs::write(&big, out).unwrap();

    // RUSAGE_CHILDREN reports the largest child so far: measure `rank` before anything else.
    run(&["rank", album]);
    println!("hitcast rank {album} (8 tracks): peak RSS {:.1} MB", children_maxrss_mb());
    let t = run(&["rank", big.to_str().unwrap()]);
    println!("hitcast rank of 10,000 tracks: {:.0} ms, peak RSS {:.1} MB", t.as_secs_f64() * 1e3, children_maxrss_mb());

    for _ in 0..3 {
        run(&["predict", "examples/track.json"]);
    }
    let n = 50;
    let times: Vec<Duration> = (0..n).map(|_| run(&["predict", "examples/track.json"])).collect();
    println!(
        "hitcast predict (process start → first prediction → exit), {n} runs: p50 {:.1} ms, p90 {:.1} ms",
        percentile(times.clone(), 0.5).as_secs_f64() * 1e3,
        percentile(times, 0.9).as_secs_f64() * 1e3
    );
}
