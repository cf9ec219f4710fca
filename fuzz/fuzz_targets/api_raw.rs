//! Raw bytes as the body of every route (the first byte picks the route, the method and the
//! content type: JSON, text, or a multipart form of songs' files with the boundary `B`).
#![no_main]

use hitcast_fuzz as common;
use hitcast_http::api::{ApiRequest, Route, handle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let route = Route::ALL[pick as usize % Route::ALL.len()];
    let methods = [http::Method::POST, http::Method::GET, http::Method::HEAD, http::Method::PUT];
    let method = &methods[(pick as usize / Route::ALL.len()) % methods.len()];
    let ct = match (pick & 0x80 == 0, pick & 0x40 == 0) {
        (true, _) => Some("application/json"),
        (false, true) => Some("text/plain; charset=\u{e9}"),
        (false, false) => {
            // the form parser alone, then the whole route
            let _ = hitcast_http::multipart::parse(body, "B", 12);
            Some("multipart/form-data; boundary=B")
        }
    };
    let r = handle(common::state(), ApiRequest { method, path: route.path(), content_type: ct, body });
    common::check(&r);
});
