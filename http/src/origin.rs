//! Which model is served and where it came from (no AWS here: the API and the fuzz targets
//! use this without the store).

use std::sync::Arc;

use hitcast::Model;

/// Where the served model came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelOrigin {
    Embedded,
    S3 {
        uri: String,
    },
    /// The S3 model failed and `HITCAST_MODEL_FALLBACK=embedded` said to go on.
    Fallback {
        uri: String,
        reason: String,
    },
}

impl ModelOrigin {
    /// `embedded`, `s3://…`, or `embedded (fallback)`.
    pub fn label(&self) -> String {
        match self {
            ModelOrigin::Embedded => "embedded".into(),
            ModelOrigin::S3 { uri } => uri.clone(),
            ModelOrigin::Fallback { .. } => "embedded (fallback)".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Loaded {
    pub model: Arc<Model>,
    pub origin: ModelOrigin,
}
