//! The CLI's readers on arbitrary bytes: the JSON and CSV document readers, and the streaming
//! reader under every format (and sniffing): an error or tracks, never a panic.
#![no_main]

use hitcast::files as input;
use hitcast::stream::{Format, TrackStream};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = input::parse_json("fuzz.json", data) {
        assert!(t.tracks.len() <= data.len());
    }
    if let Err(e) = input::parse_csv("fuzz.csv", data) {
        let _ = e.to_string();
    }
    for format in [None, Some(Format::Csv), Some(Format::Json), Some(Format::JsonLines)] {
        let reader = Box::new(std::io::Cursor::new(data.to_vec()));
        let Ok(mut stream) = TrackStream::from_reader("fuzz", reader, format) else { continue };
        let mut n = 0;
        while let Ok(Some(r)) = stream.next_record() {
            assert_eq!(r.index, n);
            n += 1;
            assert!(n <= data.len() + 1, "more records than bytes");
        }
    }
});
