//! What the API targets share: the state with the embedded model, and the checks on answers.
//! The API is `hitcast-http`'s transport-free handler, built without its `lambda` feature (no
//! AWS crate).

use std::sync::{Arc, OnceLock};

use hitcast_http::{api, origin};

pub fn state() -> &'static api::AppState {
    static STATE: OnceLock<api::AppState> = OnceLock::new();
    STATE.get_or_init(|| {
        let model = Arc::new(hitcast::Model::embedded().expect("the embedded model (ORT_DYLIB_PATH set?)"));
        api::AppState::new(origin::Loaded { model, origin: origin::ModelOrigin::Embedded })
    })
}

/// Every answer is a JSON document or one of the two static texts; bad input is never a 500.
pub fn check(r: &api::ApiResponse) {
    assert!(r.status.as_u16() < 500, "bad input gave {}: {:?}", r.status, String::from_utf8_lossy(&r.body));
    assert!(r.body.len() <= 2 * 1024 * 1024, "a {} byte answer", r.body.len());
    // (a HEAD answer has the headers of the GET and no body)
    if r.content_type == "application/json" && !r.body.is_empty() {
        let v: serde_json::Value = serde_json::from_slice(&r.body).expect("the answer is JSON");
        if r.status.as_u16() >= 400 {
            assert!(r.body.len() <= 64 * 1024, "a {} byte error", r.body.len());
            assert!(v["error"]["code"].is_string());
        }
    }
}
