//! Structured JSON built from the fuzzer's bytes out of the keys and values the API knows, so
//! that most inputs get past the parser: nested `features`, batches, `what_if`, duplicates,
//! wrong types, extreme numbers.
#![no_main]

use hitcast_fuzz as common;
use hitcast_http::api::{ApiRequest, handle};
use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

const KEYS: [&str; 30] = [
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
    "time_signature",
    "duration_ms",
    "artist_popularity",
    "genre",
    "years_since_release",
    "title_marker",
    "album_marker",
    "featured_artists",
    "name",
    "title",
    "artists",
    "artist",
    "album",
    "features",
    "tracks",
    "what_if",
    "track_id",
    "_note",
    "enrgy",
];

fn value(u: &mut Unstructured, depth: u32) -> arbitrary::Result<Value> {
    Ok(match u.int_in_range(0..=9)? {
        0 => Value::Null,
        1 => Value::Bool(bool::arbitrary(u)?),
        2 => Value::from(f64::arbitrary(u)?),
        3 => Value::from(i64::arbitrary(u)?),
        4 => Value::from(u.int_in_range(0..=300)? as f64 / 3.0),
        5 => Value::from(<&str>::arbitrary(u)?),
        6 => Value::from(["rock", "hip hop", "NaN", "inf", "-1e308", "", "na"][u.int_in_range(0..=6)?]),
        7 if depth < 4 => {
            Value::Array((0..u.int_in_range(0..=4)?).map(|_| value(u, depth + 1)).collect::<Result<_, _>>()?)
        }
        8 if depth < 4 => object(u, depth + 1)?,
        _ => Value::from(u.int_in_range(-100..=250_000)?),
    })
}

fn object(u: &mut Unstructured, depth: u32) -> arbitrary::Result<Value> {
    let mut m = Map::new();
    for _ in 0..u.int_in_range(0..=24)? {
        let key = KEYS[u.int_in_range(0..=KEYS.len() - 1)?];
        m.insert(key.to_string(), value(u, depth)?);
    }
    Ok(Value::Object(m))
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(route) = u.int_in_range(0..=2u8) else { return };
    let Ok(body) = object(&mut u, 0) else { return };
    // duplicates are only expressible in text: sometimes repeat the first key
    let mut text = body.to_string();
    if u.arbitrary::<bool>().unwrap_or(false) && text.len() > 2 {
        text.insert_str(1, "\"energy\": 0.5, ");
    }
    let path = ["/v1/predict", "/v1/rank", "/v1/explain"][route as usize];
    let r = handle(
        common::state(),
        ApiRequest { method: &http::Method::POST, path, content_type: Some("application/json"), body: text.as_bytes() },
    );
    common::check(&r);
});
