//! The `hitcast` binary: exit codes, JSON output, error messages.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::path;

pub(crate) fn hitcast(args: &[&str]) -> Output {
    hitcast_stdin(args, None)
}

fn hitcast_stdin(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hitcast"))
        .args(args)
        .current_dir(crate::root())
        .env_remove("HITCAST_MODEL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hitcast");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

const FLAGS: &[&str] = &[
    "--danceability",
    "0.7",
    "--energy",
    "0.8",
    "--key",
    "5",
    "--loudness",
    "-5",
    "--mode",
    "1",
    "--speechiness",
    "0.05",
    "--acousticness",
    "0.1",
    "--instrumentalness",
    "0",
    "--liveness",
    "0.1",
    "--valence",
    "0.6",
    "--tempo",
    "120",
    "--duration-ms",
    "200000",
];

#[test]
fn rank_the_example_album() {
    let o = hitcast(&["rank", "examples/album.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("Release as the single:"), "{text}");
    let rows: Vec<&str> = text.lines().filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit())).collect();
    assert_eq!(rows.len(), 8, "{text}");
    for name in ["Neon Harbour", "Glass Lungs", "Static Bloom (Interlude)"] {
        assert_eq!(rows.iter().filter(|l| l.contains(name)).count(), 1, "{name} in\n{text}");
    }

    let o = hitcast(&["rank", "examples/album.json", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let tracks = v["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 8);
    let top = tracks[0]["name"].as_str().unwrap();
    assert!(text.contains(&format!("Release as the single: {top} ")), "CSV and JSON disagree: {top}\n{text}");
    assert_eq!(tracks[0]["rank"], 1);
    assert_eq!(v["single"]["name"], top);
}

#[test]
fn predict_from_flags_as_json() {
    let mut args = vec!["predict", "--json", "--name", "Flagged", "--genre", "hip-hop"];
    args.extend_from_slice(FLAGS);
    let o = hitcast(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // the HTTP API's document: one track in, `prediction` out
    assert_eq!(v["bands"], serde_json::json!(["0-25", "26-50", "51-75", "76-100"]));
    let p = &v["prediction"];
    assert_eq!(p["name"], "Flagged");
    let sum: f64 = p["band_probs"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-5);
    assert!(p["missing"].as_array().unwrap().contains(&"artist_popularity".into()));
    assert_eq!(p["inputs"]["genre"]["value"], 2.0);
    assert_eq!(p["inputs"]["genre"]["source"], "user");
    assert!(["0-25", "26-50", "51-75", "76-100"].contains(&p["band"].as_str().unwrap()));
}

#[test]
fn inputs_derived_from_title_artists_and_album_carry_their_source() {
    let mut args = vec![
        "predict",
        "--json",
        "--name",
        "Flagged (feat. X) - Live at Wembley",
        "--artists",
        "Main; X; Y",
        "--album",
        "Greatest Hits",
    ];
    args.extend_from_slice(FLAGS);
    let o = hitcast(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let f = &v["prediction"]["inputs"];
    assert_eq!(
        (f["title_marker"]["value"].as_f64(), f["title_marker"]["source"].as_str()),
        (Some(2.0), Some("derived"))
    );
    assert_eq!(f["album_marker"]["value"], 2.0); // compilation
    assert_eq!(f["featured_artists"]["value"], 2.0); // three credits
    assert_eq!(v["prediction"]["artists"], serde_json::json!(["Main", "X", "Y"]));
    // a value given by hand wins over the derived one
    args.extend_from_slice(&["--title-marker", "0"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&hitcast(&args))).unwrap();
    assert_eq!(v["prediction"]["inputs"]["title_marker"]["source"], "user");
    // without a name, artists or album the three are missing, never guessed
    let mut bare = vec!["predict", "--json"];
    bare.extend_from_slice(FLAGS);
    let v: serde_json::Value = serde_json::from_str(&stdout(&hitcast(&bare))).unwrap();
    for name in ["title_marker", "album_marker", "featured_artists"] {
        assert!(v["prediction"]["missing"].as_array().unwrap().contains(&name.into()), "{name}");
    }
}

#[test]
fn predict_human_output_has_a_bar_chart() {
    let o = hitcast(&["predict", "examples/track.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("expected popularity") && text.contains('█') && text.contains("76–100"), "{text}");
    assert!(text.contains("missing: artist_popularity"), "{text}");
}

#[test]
fn predict_from_stdin_and_flags_override_the_file() {
    let json = std::fs::read_to_string(path("examples/track.json")).unwrap();
    let o = hitcast_stdin(&["predict", "-", "--json", "--artist-popularity", "80"], Some(&json));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["prediction"]["inputs"]["artist_popularity"]["value"], 80.0);
    assert_eq!(v["prediction"]["inputs"]["artist_popularity"]["source"], "user");
    assert_eq!(v["prediction"]["inputs"]["danceability"]["source"], "file");
}

#[test]
fn out_of_range_flag_exits_2_naming_field_range_and_value() {
    let mut args = vec!["predict"];
    args.extend(FLAGS.iter().map(|a| match *a {
        "0.7" => "1.7",
        "120" => "-3",
        other => other,
    }));
    let o = hitcast(&args);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("danceability = 1.7 is outside 0–1"), "{err}");
    assert!(err.contains("tempo = -3 is outside 0–250 BPM"), "{err}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn bad_csv_points_at_track_line_and_field() {
    let dir = std::env::temp_dir().join(format!("hitcast-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let album = std::fs::read_to_string(path("examples/album.csv")).unwrap();
    let mut lines: Vec<String> = album.lines().map(String::from).collect();
    lines[2] = lines[2].replacen("0.55", "lots", 1);
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let o = hitcast(&["rank", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("track 2 (line 3): `danceability`: expected a number, got \"lots\""), "{err}");

    lines[2] = album.lines().nth(2).unwrap().replacen("0.55", "1.55", 1);
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let o = hitcast(&["rank", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("track 2 (line 3, Paper Satellites): danceability = 1.55 is outside 0–1"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn usage_errors() {
    let o = hitcast(&["predict"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("give the track's features as flags"), "{}", stderr(&o));
    // a file that cannot be read is the user's input too
    let o = hitcast(&["rank", "examples/does-not-exist.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does-not-exist.csv"));
    let o = hitcast(&["explain", "examples/album.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("explain takes one track; examples/album.csv has 8"), "{}", stderr(&o));
}

#[test]
fn explain_and_what_if() {
    let o = hitcast(&["explain", "examples/track.json", "--set", "artist_popularity=80", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(!v["explanation"]["drivers"].as_array().unwrap().is_empty());
    assert_eq!(v["explanation"]["if_supplied"][0]["feature"], "artist_popularity");
    assert_eq!(v["what_if"]["changes"][0]["value"], 80.0);
    let o = hitcast(&["explain", "examples/track.json", "--set", "artist_pop=80"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown field `what_if.artist_pop`"), "{}", stderr(&o));
}

#[test]
fn model_command_and_model_override() {
    let o = hitcast(&["model", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(v["source"], "embedded");
    assert_eq!(v["schema"]["features"].as_array().unwrap().len(), hitcast::Feature::COUNT);
    let o = hitcast(&["model"]);
    assert!(stdout(&o).contains("grouped-by-artist test split: accuracy"));

    // a model that returns NaN for some track: exit 1 with the cause, never a panic (101)
    let dir = std::env::temp_dir().join(format!("hitcast-nan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fast = dir.join("fast.csv");
    let mut csv = std::fs::read_to_string(path("examples/album.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let tempo = header.iter().position(|h| *h == "tempo").unwrap();
    let second: Vec<String> = csv.lines().nth(2).unwrap().split(',').map(str::to_string).collect();
    let mut fast_row = second.clone();
    fast_row[tempo] = "240".into();
    csv = format!("{csv}{}\n", fast_row.join(","));
    std::fs::write(&fast, csv).unwrap();
    let o = hitcast(&["--model", "tests/fixtures/nan_above_200_bpm.onnx", "rank", fast.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("the model returned NaN"), "{}", stderr(&o));

    let o = hitcast(&["--model", "tests/fixtures/wrong_input.onnx", "model"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("does not fit Hitcast's contract"), "{}", stderr(&o));
}

#[test]
fn every_bad_input_file_exits_2() {
    let dir = std::env::temp_dir().join(format!("hitcast-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases: [(&str, &[u8], &str); 7] = [
        ("typo.csv", b"name,enrgy\nA,0.5\n", "did you mean `energy`"),
        ("typo.json", br#"{"enrgy": 0.5}"#, "did you mean `energy`"),
        ("broken.json", b"{\"energy\": ", "not valid"),
        ("ragged.csv", b"name,energy\nA,0.5,7\n", "cannot be read"),
        ("latin1.csv", b"name,energy\n\xe9t\xe9,0.5\n", "UTF-8"),
        ("twice.json", br#"{"energy": 0.5, "energy": 0.6}"#, "given more than once"),
        ("what-if.json", br#"{"energy": 0.5, "what_if": {"energy": 0.6}}"#, "is for `hitcast explain`"),
    ];
    for (name, bytes, says) in cases {
        let file = dir.join(name);
        std::fs::write(&file, bytes).unwrap();
        let o = hitcast(&["predict", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{name}: {}", stderr(&o));
    }
}

/// A demo with only what its audio file gives (model 3): a prediction with its 80% interval, as
/// text (a line on 0–100) and as JSON, naming what it went without; no input at all is exit 2.
#[test]
fn a_demo_from_what_its_file_gives_predicts_with_an_interval() {
    let args =
        ["predict", "--tempo", "122", "--key", "5", "--mode", "1", "--loudness", "-6.5", "--duration-ms", "196000"];
    let o = hitcast(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("80% between "), "{text}");
    assert!(text.contains("0 ") && text.contains('●') && text.contains(" 100"), "{text}");
    assert!(text.contains("missing: danceability"), "{text}");
    let o = hitcast(&[&args[..], &["--json"]].concat());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let p = &v["prediction"];
    let (low, high, exp) = (
        p["interval"]["low"].as_f64().unwrap(),
        p["interval"]["high"].as_f64().unwrap(),
        p["expected_popularity"].as_f64().unwrap(),
    );
    assert!(low <= exp && exp <= high && p["interval"]["level"] == 0.8, "{p}");
    assert!(p["missing"].as_array().unwrap().contains(&"valence".into()));
    assert_eq!(p["inputs"]["tempo"]["source"], "user");
    // the table of a batch has the range column
    let o = hitcast(&["rank", "examples/album.csv"]);
    assert!(stdout(&o).contains("80% range"), "{}", stdout(&o));
    // nothing at all: exit 2, saying what to give
    let o = hitcast_stdin(&["predict", "-"], Some("{\"features\": {}}"));
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("no inputs were given"), "{}", stderr(&o));
}

/// Every model input is a flag of `predict` whose help gives the model schema's range (or, for
/// genre, its labels): an edited flag or a model with other ranges fails here.
#[test]
fn feature_flags_follow_the_models_schema() {
    let o = hitcast(&["predict", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = stdout(&o);
    for spec in &crate::model().schema().features {
        let flag = format!("--{}", spec.name.replace('_', "-"));
        // this flag's help: its lines up to the next flag's, whitespace collapsed (clap wraps)
        let mut lines = help.lines().skip_while(|l| !l.trim_start().starts_with(&format!("{flag} ")));
        assert!(lines.next().is_some(), "no flag {flag}:\n{help}");
        let text = lines
            .take_while(|l| !l.trim_start().starts_with('-'))
            .flat_map(str::split_whitespace)
            .collect::<Vec<_>>()
            .join(" ");
        if spec.labels.is_empty() {
            let range = if spec.min < 0.0 {
                format!("{} to {}", spec.min, spec.max)
            } else {
                format!("{}-{}", spec.min, spec.max)
            };
            assert!(text.contains(&range), "{flag}: help {text:?} does not give the schema's range {range}");
        } else {
            for label in &spec.labels {
                assert!(text.contains(label.as_str()), "{flag}: help {text:?} does not list {label}");
            }
        }
    }
}
