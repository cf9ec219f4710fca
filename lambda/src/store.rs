//! Where the model comes from: S3 (or any S3-compatible server) or the binary itself.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hitcast::model::sha256_hex;
use hitcast::{Model, ModelError};
use thiserror::Error;

use crate::config::{Config, S3Uri};
pub use hitcast_http::origin::{Loaded, ModelOrigin};

/// Fetches a model's bytes, refusing objects over `max_bytes` before reading them. The real
/// one is [`S3Store`]; tests use others.
pub trait ModelStore {
    fn fetch(&self, uri: &S3Uri, max_bytes: u64) -> impl Future<Output = Result<Fetched, StoreError>> + Send;
}

/// A fetched model: its bytes and their sha256 (hashed while streaming).
#[derive(Debug, Clone)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub sha256: String,
}

impl Fetched {
    pub fn new(bytes: Vec<u8>) -> Fetched {
        Fetched { sha256: sha256_hex(&bytes), bytes }
    }
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{uri} does not exist (no such bucket or key)")]
    NotFound { uri: String },
    #[error("access to {uri} was denied: the function's role needs s3:GetObject on it")]
    AccessDenied { uri: String },
    #[error("{uri} is {size} bytes; the limit is {limit} (HITCAST_MODEL_MAX_BYTES)")]
    TooLarge { uri: String, size: u64, limit: u64 },
    #[error("timed out after {secs} s reading {uri} (HITCAST_S3_TIMEOUT_SECS)")]
    TimedOut { uri: String, secs: f64 },
    #[error("could not fetch {uri}: {message}")]
    Other {
        uri: String,
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

/// The model store on S3, with the standard AWS configuration (`AWS_REGION`, credentials,
/// `AWS_ENDPOINT_URL_S3` for an S3-compatible server, which also switches to path-style URLs).
#[derive(Debug, Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
}

impl S3Store {
    /// The client with connect and read time-outs inside `timeout` (the whole fetch is also
    /// bounded by [`load`]).
    pub async fn from_env(timeout: Duration) -> S3Store {
        let shared = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let custom_endpoint =
            std::env::var_os("AWS_ENDPOINT_URL_S3").is_some() || std::env::var_os("AWS_ENDPOINT_URL").is_some();
        // attempts time out inside `timeout` and are retried; the whole fetch is cut at
        // `timeout` by `load` (the SDK's own operation limit is a backstop just after it)
        let timeouts = aws_sdk_s3::config::timeout::TimeoutConfig::builder()
            .connect_timeout((timeout / 2).min(Duration::from_secs(2)))
            .read_timeout((timeout / 2).min(Duration::from_secs(3)))
            .operation_timeout(timeout + Duration::from_secs(1))
            .build();
        let conf = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(custom_endpoint)
            .timeout_config(timeouts)
            .build();
        S3Store { client: aws_sdk_s3::Client::from_conf(conf) }
    }

    pub fn from_client(client: aws_sdk_s3::Client) -> S3Store {
        S3Store { client }
    }
}

impl ModelStore for S3Store {
    async fn fetch(&self, uri: &S3Uri, max_bytes: u64) -> Result<Fetched, StoreError> {
        use aws_sdk_s3::error::SdkError;
        use aws_sdk_s3::operation::get_object::GetObjectError;
        use sha2::{Digest, Sha256};
        let out = self.client.get_object().bucket(&uri.bucket).key(&uri.key).send().await.map_err(|e| {
            let status = e.raw_response().map(|r| r.status().as_u16());
            match (&e, status) {
                (SdkError::ServiceError(s), _) if matches!(s.err(), GetObjectError::NoSuchKey(_)) => {
                    StoreError::NotFound { uri: uri.to_string() }
                }
                (_, Some(404)) => StoreError::NotFound { uri: uri.to_string() },
                (_, Some(403)) => StoreError::AccessDenied { uri: uri.to_string() },
                _ => StoreError::Other {
                    uri: uri.to_string(),
                    message: short_error(&e, status),
                    source: Some(Box::new(e)),
                },
            }
        })?;
        // refused from its length, before a byte of it is read
        let length = out.content_length().and_then(|n| u64::try_from(n).ok());
        if let Some(size) = length.filter(|n| *n > max_bytes) {
            return Err(StoreError::TooLarge { uri: uri.to_string(), size, limit: max_bytes });
        }
        let mut body = out.body;
        let mut bytes = Vec::with_capacity(length.unwrap_or(0) as usize);
        let mut hash = Sha256::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| StoreError::Other {
                uri: uri.to_string(),
                message: format!("reading the object failed: {e}"),
                source: Some(Box::new(e)),
            })?;
            // a length that lied (or none at all) is caught while streaming
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                return Err(StoreError::TooLarge {
                    uri: uri.to_string(),
                    size: (bytes.len() + chunk.len()) as u64,
                    limit: max_bytes,
                });
            }
            hash.update(&chunk);
            bytes.extend_from_slice(&chunk);
        }
        let sha256 = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok(Fetched { bytes, sha256 })
    }
}

/// An S3 failure in one short line: what happened and the status, never raw headers or bodies
/// (the SDK's full error context runs to hundreds of characters).
fn short_error<E, R>(e: &aws_sdk_s3::error::SdkError<E, R>, status: Option<u16>) -> String
where
    E: aws_sdk_s3::error::ProvideErrorMetadata,
{
    use aws_sdk_s3::error::SdkError;
    let cut = |s: &str| -> String { s.chars().take(120).collect() };
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            let what = [err.code(), err.message()].into_iter().flatten().map(cut).collect::<Vec<_>>().join(": ");
            let what = if what.is_empty() { "no error code".to_string() } else { what };
            format!("S3 answered HTTP {} ({what})", status.map_or("?".into(), |s| s.to_string()))
        }
        SdkError::TimeoutError(_) => "S3 did not answer in time".into(),
        SdkError::DispatchFailure(d) if d.is_timeout() => "S3 did not answer in time".into(),
        SdkError::DispatchFailure(d) if d.is_io() => "S3 could not be reached (connection failed)".into(),
        SdkError::DispatchFailure(_) => "S3 could not be reached".into(),
        SdkError::ResponseError(_) => {
            format!("S3 sent a response that could not be read (HTTP {})", status.map_or("?".into(), |s| s.to_string()))
        }
        SdkError::ConstructionFailure(_) => "the S3 request could not be built".into(),
        _ => format!("S3 failed (HTTP {})", status.map_or("?".into(), |s| s.to_string())),
    }
}

/// Why the configured model could not be served.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{uri} has sha256 {actual}, but HITCAST_MODEL_SHA256 is {expected}")]
    ShaMismatch { uri: String, expected: String, actual: String },
    #[error("{uri} is not a usable Hitcast model: {source}")]
    Model {
        uri: String,
        #[source]
        source: ModelError,
    },
    #[error("the embedded model cannot be loaded: {0}")]
    Embedded(#[source] ModelError),
}

async fn from_s3(store: &impl ModelStore, uri: &S3Uri, config: &Config) -> Result<Model, LoadError> {
    let fetch = store.fetch(uri, config.model_max_bytes);
    let fetched = tokio::time::timeout(config.s3_timeout, fetch)
        .await
        .map_err(|_| StoreError::TimedOut { uri: uri.to_string(), secs: config.s3_timeout.as_secs_f64() })??;
    if let Some(expected) = config.model_sha256.as_deref()
        && fetched.sha256 != expected
    {
        return Err(LoadError::ShaMismatch {
            uri: uri.to_string(),
            expected: expected.to_string(),
            actual: fetched.sha256,
        });
    }
    Model::from_bytes(&fetched.bytes).map_err(|source| LoadError::Model { uri: uri.to_string(), source })
}

/// The model to serve, per the configuration: S3 when configured (checked against the sha256
/// and the contract), else embedded; on failure the embedded one only if fallback is on.
pub async fn load(config: &Config, store: &impl ModelStore) -> Result<Loaded, LoadError> {
    let embedded = || Model::embedded().map(Arc::new).map_err(LoadError::Embedded);
    let Some(uri) = &config.model_uri else {
        return Ok(Loaded { model: embedded()?, origin: ModelOrigin::Embedded });
    };
    match from_s3(store, uri, config).await {
        Ok(model) => Ok(Loaded { model: Arc::new(model), origin: ModelOrigin::S3 { uri: uri.to_string() } }),
        Err(e) if config.fallback_embedded => {
            tracing::warn!(error = %e, "model from S3 unusable; serving the embedded model (HITCAST_MODEL_FALLBACK=embedded)");
            Ok(Loaded {
                model: embedded()?,
                origin: ModelOrigin::Fallback { uri: uri.to_string(), reason: e.to_string() },
            })
        }
        Err(e) => Err(e),
    }
}

/// A store that has nothing (for configurations without S3).
#[derive(Debug, Clone, Copy)]
pub struct NoStore;

impl ModelStore for NoStore {
    async fn fetch(&self, uri: &S3Uri, _max_bytes: u64) -> Result<Fetched, StoreError> {
        Err(StoreError::NotFound { uri: uri.to_string() })
    }
}
