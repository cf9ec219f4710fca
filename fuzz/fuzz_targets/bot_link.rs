//! The bot's Spotify link parser on arbitrary text.
#![no_main]

use hitcast_bot_wire::link;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for kind in [link::Kind::Track, link::Kind::Album] {
        match link::parse(text, kind) {
            Ok(r) => assert!(r.id.len() == 22 && r.id.bytes().all(|b| b.is_ascii_alphanumeric()), "{r:?}"),
            Err(e) => assert!(e.to_string().len() < 400),
        }
    }
});
