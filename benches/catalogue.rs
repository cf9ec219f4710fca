//! A catalogue through the CLI, side by side with pandas + onnxruntime doing the same job (read,
//! predict in batches, write JSON): `cargo bench --bench catalogue`.
//! Generates CSV and JSON Lines files of 100k and 1M tracks (names, artists, albums, every
//! input; 20% without artist popularity) under target/, then measures wall time and peak RSS of
//!   hitcast predict big.csv --json     hitcast predict big.jsonl --jsonl     hitcast rank big.csv
//! and of benches/catalogue.py (the pipeline's venv, models/train/setup-venv.sh) on the same CSV.
//! `HITCAST_BENCH_TRACKS=100000` measures one size only.
//! Targets (issue #21): 1M tracks CSV → JSON peak RSS ≤ 150 MB and ≥ 1.5× pandas' throughput;
//! JSON Lines likewise; `rank` of 1M ≤ 300 MB; memory flat from 100k to 1M.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use nix::sys::resource::{UsageWho, getrusage};

const GENRES: [&str; 6] = ["pop", "rock", "hip-hop", "edm", "indie", "latin"];

fn generate(n: usize, csv: &Path, jsonl: &Path) {
    if csv.exists() && jsonl.exists() {
        return;
    }
    let mut c = std::io::BufWriter::new(std::fs::File::create(csv).unwrap());
    let mut j = std::io::BufWriter::new(std::fs::File::create(jsonl).unwrap());
    writeln!(
        c,
        "name,artists,album,danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_signature,duration_ms,artist_popularity,genre,years_since_release"
    )
    .unwrap();
    for i in 0..n {
        let x = (i % 97) as f64 / 97.0;
        let name = if i % 11 == 0 { format!("Song {i} (Live)") } else { format!("Song {i}") };
        let artists =
            if i % 7 == 0 { format!("Artist {};Guest {}", i % 5000, i % 300) } else { format!("Artist {}", i % 5000) };
        let album = format!("Album {}", i / 12);
        let pop = if i % 5 == 0 { String::new() } else { format!("{}", 20 + i % 70) };
        let genre = GENRES[i % GENRES.len()];
        let v = [
            x,
            1.0 - x,
            (i % 12) as f64,
            -3.0 - 10.0 * x,
            (i % 2) as f64,
            0.05 + x / 10.0,
            x / 2.0,
            if i % 13 == 0 { 0.8 } else { 0.0 },
            0.1 + x / 5.0,
            x,
            90.0 + 60.0 * x,
            4.0,
            (180_000 + 1000 * (i % 60)) as f64,
        ];
        writeln!(
            c,
            "{name},{artists},{album},{:.3},{:.3},{},{:.2},{},{:.3},{:.3},{},{:.3},{:.3},{:.1},{},{},{pop},{genre},{}",
            v[0],
            v[1],
            v[2],
            v[3],
            v[4],
            v[5],
            v[6],
            v[7],
            v[8],
            v[9],
            v[10],
            v[11],
            v[12],
            i % 4
        )
        .unwrap();
        let pop_json = if pop.is_empty() { String::new() } else { format!(",\"artist_popularity\":{pop}") };
        writeln!(
            j,
            "{{\"name\":\"{name}\",\"artists\":\"{artists}\",\"album\":\"{album}\",\"danceability\":{:.3},\"energy\":{:.3},\"key\":{},\"loudness\":{:.2},\"mode\":{},\"speechiness\":{:.3},\"acousticness\":{:.3},\"instrumentalness\":{},\"liveness\":{:.3},\"valence\":{:.3},\"tempo\":{:.1},\"time_signature\":{},\"duration_ms\":{}{pop_json},\"genre\":\"{genre}\",\"years_since_release\":{}}}",
            v[0],
            v[1],
            v[2],
            v[3],
            v[4],
            v[5],
            v[6],
            v[7],
            v[8],
            v[9],
            v[10],
            v[11],
            v[12],
            i % 4
        )
        .unwrap();
    }
}

/// Runs `cmd` in a child of a fresh copy of this binary, so that the peak RSS read is this one
/// command's (`RUSAGE_CHILDREN` keeps the largest child so far).
fn measure(args: &[&str], stdin: Option<&Path>) -> (f64, f64) {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.arg("--measure").args(args).stdout(Stdio::piped());
    if let Some(p) = stdin {
        c.env("HITCAST_BENCH_STDIN", p);
    }
    let out = c.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace().map(|v| v.parse::<f64>().unwrap());
    (it.next().unwrap(), it.next().unwrap())
}

fn measure_child(args: &[String]) {
    let mut c = Command::new(&args[0]);
    c.args(&args[1..]).stdout(Stdio::null());
    if let Ok(p) = std::env::var("HITCAST_BENCH_STDIN") {
        c.stdin(std::fs::File::open(p).unwrap());
    }
    let start = Instant::now();
    let status = c.status().unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert!(status.success(), "{args:?} failed");
    let mb = getrusage(UsageWho::RUSAGE_CHILDREN).unwrap().max_rss() as f64 / 1024.0;
    println!("{secs} {mb}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--measure") {
        measure_child(&args[i + 1..]);
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let hitcast = env!("CARGO_BIN_EXE_hitcast");
    let python = root.join("models/train/.venv/bin/python");
    let script = root.join("benches/catalogue.py");
    let sizes: Vec<usize> = match std::env::var("HITCAST_BENCH_TRACKS") {
        Ok(n) => vec![n.parse().expect("HITCAST_BENCH_TRACKS is a number")],
        Err(_) => vec![100_000, 1_000_000],
    };
    for n in sizes {
        let csv = dir.join(format!("catalogue-{n}.csv"));
        let jsonl = dir.join(format!("catalogue-{n}.jsonl"));
        generate(n, &csv, &jsonl);
        let (c, j) = (csv.to_str().unwrap(), jsonl.to_str().unwrap());
        let rate = |secs: f64| n as f64 / secs / 1000.0;
        println!("== {n} tracks (CSV {} MB)", std::fs::metadata(&csv).unwrap().len() >> 20);
        let runs: Vec<(&str, Vec<&str>)> = vec![
            ("hitcast predict CSV --json", vec![hitcast, "predict", c, "--json"]),
            ("hitcast predict JSONL --jsonl", vec![hitcast, "predict", j, "--jsonl"]),
            ("hitcast rank CSV", vec![hitcast, "rank", c]),
        ];
        let mut ours = None;
        for (label, cmd) in &runs {
            let (secs, mb) = measure(cmd, None);
            println!("{label:<34} {secs:>6.2} s  {:>6.0}k tracks/s  peak RSS {mb:>6.0} MB", rate(secs));
            ours.get_or_insert(secs);
        }
        if python.exists() {
            let py = python.to_str().unwrap();
            let model = root.join("models/hitcast.onnx");
            let (secs, mb) = measure(&[py, script.to_str().unwrap(), c, model.to_str().unwrap()], None);
            println!(
                "{:<34} {secs:>6.2} s  {:>6.0}k tracks/s  peak RSS {mb:>6.0} MB  (hitcast is {:.2}× its throughput)",
                "pandas + onnxruntime CSV → JSON",
                rate(secs),
                secs / ours.unwrap()
            );
        } else {
            println!("(no models/train/.venv: run models/train/setup-venv.sh for the pandas comparison)");
        }
    }
}
