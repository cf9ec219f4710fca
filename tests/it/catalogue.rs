//! Catalogues through the CLI: CSV and JSON Lines streamed in batches, `--json` and `--jsonl`
//! written as they are ready, problems located past the first batch, empty and pathological
//! inputs refused (exit 2) without being held whole.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("hitcast-catalogue-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hitcast"))
        .args(args)
        .current_dir(crate::root())
        .env_remove("HITCAST_MODEL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hitcast");
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.map(<[u8]>::to_vec);
    // written from a thread: the child may answer (and exit) before reading it all
    let writer = std::thread::spawn(move || {
        if let Some(b) = bytes {
            let _ = input.write_all(&b);
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const HEADER: &str = "name,danceability,energy,key,loudness,mode,tempo,duration_ms,artist_popularity";

fn csv_row(i: usize) -> String {
    let x = (i % 10) as f64 / 10.0;
    let pop = if i.is_multiple_of(5) { String::new() } else { format!("{}", 30 + i % 60) };
    format!(
        "Song {i},{x},{},{},{:.1},{},{},{},{pop}",
        1.0 - x,
        i % 12,
        -4.0 - 5.0 * x,
        i % 2,
        100 + i % 40,
        200_000 + i
    )
}

fn csv(n: usize) -> String {
    let mut s = String::from(HEADER) + "\n";
    for i in 0..n {
        s += &csv_row(i);
        s.push('\n');
    }
    s
}

#[test]
fn a_csv_of_several_batches_as_json_and_as_json_lines_gives_the_same_predictions() {
    let n = 2500; // three batches of the model's 1024
    let file = dir().join("three-batches.csv");
    std::fs::write(&file, csv(n)).unwrap();
    let o = run(&["predict", file.to_str().unwrap(), "--json"], None);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    let preds = doc["predictions"].as_array().unwrap();
    assert_eq!(preds.len(), n);
    assert_eq!(doc["bands"].as_array().unwrap().len(), 4);
    assert_eq!(preds[1234]["name"], "Song 1234");

    let o = run(&["predict", file.to_str().unwrap(), "--jsonl"], None);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let lines: Vec<serde_json::Value> =
        o.stdout.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect();
    assert_eq!(lines.len(), n);
    for (i, (line, pred)) in lines.iter().zip(preds).enumerate() {
        assert_eq!(line["index"], i);
        assert_eq!(line["expected_popularity"], pred["expected_popularity"], "track {i}");
        assert_eq!(line["name"], pred["name"]);
    }
    // a missing artist popularity is reported missing, never filled in
    assert!(lines[0]["missing"].as_array().unwrap().iter().any(|m| m == "artist_popularity"));
    assert!(lines[0]["inputs"].get("artist_popularity").is_none());

    // the table streams too: one row per track, the model's version at the end
    let o = run(&["predict", file.to_str().unwrap()], None);
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.lines().filter(|l| l.contains("Song ")).count(), n);
    assert!(text.trim_end().lines().last().unwrap().starts_with("model "), "{text}");
}

#[test]
fn json_lines_in_from_a_file_and_from_stdin() {
    let mut jsonl = String::new();
    for i in 0..1500 {
        jsonl += &format!(
            "{{\"name\": \"T{i}\", \"energy\": 0.{}, \"tempo\": {}, \"key\": {}}}\n",
            i % 10,
            90 + i % 50,
            i % 12
        );
        if i == 700 {
            jsonl.push('\n'); // blank lines are skipped
        }
    }
    let file = dir().join("tracks.jsonl");
    std::fs::write(&file, &jsonl).unwrap();
    let from_file = run(&["predict", file.to_str().unwrap(), "--jsonl"], None);
    assert_eq!(from_file.status.code(), Some(0), "{}", err(&from_file));
    assert_eq!(from_file.stdout.iter().filter(|b| **b == b'\n').count(), 1500);
    // stdin: `{…}` lines are told from a JSON document by their shape
    let from_stdin = run(&["predict", "-", "--jsonl"], Some(jsonl.as_bytes()));
    assert_eq!(from_stdin.status.code(), Some(0), "{}", err(&from_stdin));
    assert_eq!(from_stdin.stdout, from_file.stdout);
    // rank reads them too
    let o = run(&["rank", file.to_str().unwrap(), "--json"], None);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["tracks"].as_array().unwrap().len(), 1500);
    assert_eq!(r["tracks"][0]["rank"], 1);
}

#[test]
fn a_bad_track_past_the_first_batch_is_located_and_the_json_stays_a_document() {
    // track 1500 (line 1501) cannot be read, track 2900 (line 2901) is out of range
    let mut text = String::from(HEADER) + "\n";
    for i in 0..3000 {
        text += &match i {
            1499 => "Song 1499,loud,0.5,1,-5,1,100,200000,40".to_string(),
            2899 => "Song 2899,0.5,0.5,1,-5,1,100,200000,101".to_string(),
            _ => csv_row(i),
        };
        text.push('\n');
    }
    let file = dir().join("bad-late.csv");
    std::fs::write(&file, &text).unwrap();
    let o = run(&["predict", file.to_str().unwrap(), "--json"], None);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let e = err(&o);
    assert!(e.contains("track 1500 (line 1501): `danceability`: expected a number"), "{e}");
    assert!(e.contains("track 2900 (line 2901, Song 2899): artist_popularity"), "{e}");
    assert!(e.contains("the output stops after the first 1024 tracks"), "{e}");
    // what was written is a whole document: the batches before the first problem
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("a closed JSON document");
    assert_eq!(doc["predictions"].as_array().unwrap().len(), 1024);

    // a problem in the first batch: nothing written at all, every problem reported
    let file = dir().join("bad-early.csv");
    std::fs::write(&file, csv(50).replacen("Song 3,", "Song 3,loud", 1)).unwrap();
    let o = run(&["predict", file.to_str().unwrap(), "--jsonl"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(err(&o).contains("track 4 (line 5)"), "{}", err(&o));
}

#[test]
fn empty_inputs_are_exit_2_for_every_command() {
    let spaces = vec![b' '; 8 * 1024 * 1024];
    for args in [&["predict", "-"][..], &["predict", "-", "--json"], &["rank", "-"]] {
        let o = run(args, Some(&spaces));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(err(&o).contains("has no tracks"), "{args:?}: {}", err(&o));
    }
    let file = dir().join("header-only.csv");
    std::fs::write(&file, format!("{HEADER}\n")).unwrap();
    for cmd in ["predict", "rank"] {
        let o = run(&[cmd, file.to_str().unwrap()], None);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", err(&o));
        assert!(err(&o).contains("has no tracks"), "{}", err(&o));
    }
}

#[test]
fn a_pathological_line_is_refused_as_it_is_read() {
    // 8 MiB of commas on one CSV line, and one 8 MiB JSON Lines line: refused past 1 MiB
    let mut commas = format!("{HEADER}\n").into_bytes();
    commas.extend(std::iter::repeat_n(b',', 8 * 1024 * 1024));
    let o = run(&["predict", "-"], Some(&commas));
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("longer than 1 MiB"), "{}", err(&o));
    let mut line = b"{\"energy\": 0.5}\n{\"name\": \"".to_vec();
    line.extend(std::iter::repeat_n(b'a', 8 * 1024 * 1024));
    let file = dir().join("long-line.jsonl");
    std::fs::write(&file, &line).unwrap();
    let o = run(&["predict", file.to_str().unwrap(), "--jsonl"], None);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("line 2") && err(&o).contains("longer than 1 MiB"), "{}", err(&o));
}

#[test]
fn a_model_file_is_capped_and_an_unreadable_one_is_the_users_error() {
    // a sparse file over the cap: refused from its length, unread
    let big = dir().join("big.onnx");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(hitcast::MAX_MODEL_BYTES + 1).unwrap();
    let o = run(&["--model", big.to_str().unwrap(), "model"], None);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("over the 67108864-byte limit"), "{}", err(&o));
    let o = run(&["--model", "/nonexistent/model.onnx", "model"], None);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("could not read model file /nonexistent/model.onnx"), "{}", err(&o));
}
