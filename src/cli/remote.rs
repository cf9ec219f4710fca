//! `--remote-analysis` (feature `remote`): a song's file, its first 5 MB, sent to ReccoBeats'
//! upload analysis (`POST /v1/analysis/audio-features`, multipart `audioFile`) for the
//! perceptual features the file cannot give by measurement. Only when asked; the library never
//! calls the network.

use std::time::Duration;

use hitcast::audio::{AudioFeatures, REMOTE_MAX_BYTES};

/// `HITCAST_RECCOBEATS_URL` or ReccoBeats' public API.
pub fn base() -> String {
    let base = std::env::var("HITCAST_RECCOBEATS_URL").unwrap_or_else(|_| "https://api.reccobeats.com/".into());
    if base.ends_with('/') { base } else { format!("{base}/") }
}

/// The features of `bytes`, or why not, in a line.
pub fn analyse(file: &str, bytes: &[u8]) -> Result<AudioFeatures, String> {
    if bytes.len() > REMOTE_MAX_BYTES {
        return Err(format!("the file is over {} MB", REMOTE_MAX_BYTES / (1024 * 1024)));
    }
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("hitcast/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("no HTTP client: {e}"))?;
    let part = reqwest::blocking::multipart::Part::bytes(bytes.to_vec()).file_name(file.to_string());
    let form = reqwest::blocking::multipart::Form::new().part("audioFile", part);
    let resp = http.post(format!("{}v1/analysis/audio-features", base())).multipart(form).send().map_err(|e| {
        if e.is_timeout() {
            "ReccoBeats did not answer in time".to_string()
        } else {
            "ReccoBeats could not be reached".to_string()
        }
    })?;
    if !resp.status().is_success() {
        return Err(format!("ReccoBeats answered HTTP {}", resp.status().as_u16()));
    }
    let body = resp.bytes().map_err(|_| "ReccoBeats' answer broke off".to_string())?;
    AudioFeatures::from_remote_answer(&body)
}
