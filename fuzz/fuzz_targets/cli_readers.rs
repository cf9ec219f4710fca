//! The CLI's JSON and CSV readers on arbitrary bytes: an error or tracks, never a panic.
#![no_main]

use hitcast::files as input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = input::parse_json("fuzz.json", data) {
        assert!(t.tracks.len() <= data.len());
    }
    if let Err(e) = input::parse_csv("fuzz.csv", data) {
        let _ = e.to_string();
    }
});
