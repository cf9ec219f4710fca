//! Analysis speed on the shared clips (`../shared/audio`), one core, release:
//! `cargo bench -p hitcast-audio --bench analyse`. Prints, per clip, the audio's length, the
//! time to decode and analyse it (best of 5), and how many times faster than real time.

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/audio");
    let mut clips: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ogg"))
        .collect();
    clips.sort();
    let (mut audio, mut spent) = (0.0, Duration::ZERO);
    for clip in clips {
        let mut best = Duration::MAX;
        let mut secs = 0.0;
        for _ in 0..5 {
            let started = Instant::now();
            let a = hitcast_audio::analyse_file(&clip).unwrap();
            best = best.min(started.elapsed());
            secs = a.duration_ms / 1000.0;
        }
        audio += secs;
        spent += best;
        println!(
            "{:<75} {secs:6.1} s of audio in {:7.1} ms ({:.0}× real time)",
            clip.file_name().unwrap().to_string_lossy(),
            best.as_secs_f64() * 1e3,
            secs / best.as_secs_f64()
        );
    }
    println!(
        "all clips: {audio:.1} s of audio in {:.1} ms ({:.0}× real time)",
        spent.as_secs_f64() * 1e3,
        audio / spent.as_secs_f64()
    );
}
