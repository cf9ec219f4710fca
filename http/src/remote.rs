//! ReccoBeats' analysis of an uploaded file (`POST /v1/analysis/audio-features`, multipart
//! field `audioFile`, at most 5 MB, the first 30 s analysed): the perceptual features
//! (danceability, energy, valence, …) a song's file cannot give by measurement here. Called only
//! when a client or user asks (the file goes to a third party); behind the feature `remote`.

use std::time::Duration;

use hitcast::audio::{AudioFeatures, REMOTE_MAX_BYTES};

use crate::api::RemoteAnalysis;

/// ReccoBeats' public API.
pub const DEFAULT_RECCOBEATS: &str = "https://api.reccobeats.com/";

#[derive(Debug, Clone)]
pub struct ReccoBeatsAnalysis {
    http: reqwest::Client,
    /// Ends with `/`.
    base: String,
}

impl ReccoBeatsAnalysis {
    pub fn new(base: &str, timeout: Duration) -> ReccoBeatsAnalysis {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("hitcast/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a reqwest client");
        let base = if base.ends_with('/') { base.to_string() } else { format!("{base}/") };
        ReccoBeatsAnalysis { http, base }
    }

    /// The features of `bytes` (at most 5 MB: see [`hitcast::audio::remote_part`]), or why not,
    /// in a line without the service's body.
    pub async fn analyse_async(&self, file: &str, bytes: &[u8]) -> Result<AudioFeatures, String> {
        if bytes.len() > REMOTE_MAX_BYTES {
            return Err(format!("the file is over {} MB", REMOTE_MAX_BYTES / (1024 * 1024)));
        }
        let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(file.to_string());
        let form = reqwest::multipart::Form::new().part("audioFile", part);
        let url = format!("{}v1/analysis/audio-features", self.base);
        let resp = self.http.post(&url).multipart(form).send().await.map_err(|e| {
            if e.is_timeout() {
                "ReccoBeats did not answer in time".to_string()
            } else {
                "ReccoBeats could not be reached".to_string()
            }
        })?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("ReccoBeats answered HTTP {}", status.as_u16()));
        }
        let body = resp.bytes().await.map_err(|_| "ReccoBeats' answer broke off".to_string())?;
        AudioFeatures::from_remote_answer(&body)
    }
}

impl RemoteAnalysis for ReccoBeatsAnalysis {
    fn name(&self) -> &'static str {
        "ReccoBeats"
    }

    /// Called from the blocking pool: runs the request on the server's runtime.
    fn analyse(&self, file: &str, bytes: &[u8]) -> Result<AudioFeatures, String> {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => handle.block_on(self.analyse_async(file, bytes)),
            Err(_) => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("no runtime for the request: {e}"))?
                .block_on(self.analyse_async(file, bytes)),
        }
    }
}
