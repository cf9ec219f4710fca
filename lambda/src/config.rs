//! The Lambda's configuration: read once from the environment in `main`, passed down.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

pub use hitcast_http::logging::LogFormat;
use hitcast_http::{HttpLimits, ServeLimits};
use thiserror::Error;

/// Every environment variable the Lambda reads (kept in step with `infra/template.yaml`).
pub const ENV_VARS: [&str; 15] = [
    "HITCAST_MODEL_S3_URI",
    "HITCAST_MODEL_SHA256",
    "HITCAST_MODEL_FALLBACK",
    "HITCAST_MODEL_MAX_BYTES",
    "HITCAST_S3_TIMEOUT_SECS",
    "HITCAST_LISTEN",
    "HITCAST_LOG_FORMAT",
    "HITCAST_HEADER_TIMEOUT_SECS",
    "HITCAST_BODY_TIMEOUT_SECS",
    "HITCAST_IDLE_TIMEOUT_SECS",
    "HITCAST_MAX_CONNECTIONS",
    "HITCAST_BODY_BUDGET_BYTES",
    "HITCAST_RECCOBEATS_URL",
    "HITCAST_REMOTE_TIMEOUT_SECS",
    "AWS_LAMBDA_RUNTIME_API",
];

/// `s3://bucket/key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Uri {
    pub bucket: String,
    pub key: String,
}

impl fmt::Display for S3Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

impl std::str::FromStr for S3Uri {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        let bad =
            || ConfigError::Invalid { var: "HITCAST_MODEL_S3_URI", given: s.to_string(), expected: "s3://bucket/key" };
        let rest = s.strip_prefix("s3://").ok_or_else(bad)?;
        let (bucket, key) = rest.split_once('/').ok_or_else(bad)?;
        if bucket.is_empty() || key.is_empty() {
            return Err(bad());
        }
        Ok(S3Uri { bucket: bucket.to_string(), key: key.to_string() })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Fetch the model from here at init; `None` serves the embedded model.
    pub model_uri: Option<S3Uri>,
    /// Lower-case hex sha256 the fetched model must have.
    pub model_sha256: Option<String>,
    /// Serve the embedded model when the S3 model cannot be loaded (reported in /health).
    pub fallback_embedded: bool,
    /// Under Lambda (`AWS_LAMBDA_RUNTIME_API` set) or a local HTTP server on `listen`.
    pub in_lambda: bool,
    pub listen: SocketAddr,
    pub log_format: LogFormat,
    /// `HITCAST_MODEL_MAX_BYTES`: a larger model object is refused from its length, unread.
    pub model_max_bytes: u64,
    /// `HITCAST_S3_TIMEOUT_SECS`: the whole model fetch (connect, read, every retry) must end
    /// within this, well inside Lambda's 10 s init.
    pub s3_timeout: Duration,
    /// Local mode: the server's own bounds (`HITCAST_HEADER_TIMEOUT_SECS`,
    /// `HITCAST_IDLE_TIMEOUT_SECS`, `HITCAST_MAX_CONNECTIONS`).
    pub server: ServeLimits,
    /// Both modes: the request's bounds (`HITCAST_BODY_TIMEOUT_SECS`, `HITCAST_BODY_BUDGET_BYTES`).
    pub http: HttpLimits,
    /// `HITCAST_RECCOBEATS_URL`: where a client's opt-in remote analysis goes (ReccoBeats by
    /// default; `off` turns the option off); its time-out is `HITCAST_REMOTE_TIMEOUT_SECS`.
    pub remote_analysis: Option<String>,
    pub remote_timeout: Duration,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{var}={given:?} is not valid: expected {expected}")]
    Invalid { var: &'static str, given: String, expected: &'static str },
}

impl Config {
    pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
    pub const DEFAULT_MODEL_MAX_BYTES: u64 = hitcast::MAX_MODEL_BYTES;
    pub const DEFAULT_S3_TIMEOUT: Duration = Duration::from_secs(6);

    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Builds the config from a lookup function (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let model_uri = get("HITCAST_MODEL_S3_URI").map(|s| s.parse()).transpose()?;
        let model_sha256 = get("HITCAST_MODEL_SHA256")
            .map(|s| {
                let s = s.to_ascii_lowercase();
                if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
                    Ok(s)
                } else {
                    Err(ConfigError::Invalid { var: "HITCAST_MODEL_SHA256", given: s, expected: "64 hex digits" })
                }
            })
            .transpose()?;
        let fallback_embedded = match get("HITCAST_MODEL_FALLBACK").as_deref() {
            None | Some("none") => false,
            Some("embedded") => true,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "HITCAST_MODEL_FALLBACK",
                    given: other.to_string(),
                    expected: "`embedded` or `none`",
                });
            }
        };
        let in_lambda = get("AWS_LAMBDA_RUNTIME_API").is_some();
        let listen_text = get("HITCAST_LISTEN").unwrap_or_else(|| Self::DEFAULT_LISTEN.to_string());
        let listen = listen_text.parse().map_err(|_| ConfigError::Invalid {
            var: "HITCAST_LISTEN",
            given: listen_text.clone(),
            expected: "an address such as 127.0.0.1:3000",
        })?;
        let log_format = match get("HITCAST_LOG_FORMAT").as_deref() {
            Some("json") => LogFormat::Json,
            Some("text") => LogFormat::Text,
            None => {
                if in_lambda {
                    LogFormat::Json
                } else {
                    LogFormat::Text
                }
            }
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "HITCAST_LOG_FORMAT",
                    given: other.to_string(),
                    expected: "`json` or `text`",
                });
            }
        };
        let secs = |var: &'static str, default: Duration| -> Result<Duration, ConfigError> {
            match get(var) {
                None => Ok(default),
                Some(text) => match text.parse::<f64>() {
                    Ok(v) if v.is_finite() && v > 0.0 && v <= 3600.0 => Ok(Duration::from_secs_f64(v)),
                    _ => Err(ConfigError::Invalid {
                        var,
                        given: text,
                        expected: "seconds, more than 0 and at most 3600",
                    }),
                },
            }
        };
        let count = |var: &'static str, default: u64| -> Result<u64, ConfigError> {
            match get(var) {
                None => Ok(default),
                Some(text) => match text.parse::<u64>() {
                    Ok(v) if v > 0 => Ok(v),
                    _ => Err(ConfigError::Invalid { var, given: text, expected: "a whole number above 0" }),
                },
            }
        };
        let d = ServeLimits::default();
        let server = ServeLimits {
            header_timeout: secs("HITCAST_HEADER_TIMEOUT_SECS", d.header_timeout)?,
            idle_timeout: secs("HITCAST_IDLE_TIMEOUT_SECS", d.idle_timeout)?,
            max_connections: count("HITCAST_MAX_CONNECTIONS", d.max_connections as u64)? as usize,
            keep_alive: true,
        };
        let h = HttpLimits::default();
        let http = HttpLimits {
            body_timeout: secs("HITCAST_BODY_TIMEOUT_SECS", h.body_timeout)?,
            body_budget_bytes: count("HITCAST_BODY_BUDGET_BYTES", h.body_budget_bytes as u64)? as usize,
            ..h
        };
        Ok(Config {
            model_uri,
            model_sha256,
            fallback_embedded,
            in_lambda,
            listen,
            log_format,
            model_max_bytes: count("HITCAST_MODEL_MAX_BYTES", Self::DEFAULT_MODEL_MAX_BYTES)?,
            s3_timeout: secs("HITCAST_S3_TIMEOUT_SECS", Self::DEFAULT_S3_TIMEOUT)?,
            server,
            http,
            remote_analysis: match get("HITCAST_RECCOBEATS_URL") {
                Some(off) if off == "off" => None,
                Some(url) if url.starts_with("http://") || url.starts_with("https://") => Some(url),
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        var: "HITCAST_RECCOBEATS_URL",
                        given: other,
                        expected: "an http(s) URL, or `off`",
                    });
                }
                None => Some(hitcast_http::remote::DEFAULT_RECCOBEATS.to_string()),
            },
            remote_timeout: secs("HITCAST_REMOTE_TIMEOUT_SECS", Duration::from_secs(15))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.model_uri, None);
        assert!(!c.fallback_embedded && !c.in_lambda);
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.remote_analysis.as_deref(), Some("https://api.reccobeats.com/"));
        assert_eq!(config(&[("HITCAST_RECCOBEATS_URL", "off")]).unwrap().remote_analysis, None);
    }

    #[test]
    fn lambda_with_s3_model() {
        let sha = "AB".repeat(32);
        let c = config(&[
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
            ("HITCAST_MODEL_S3_URI", "s3://models/hitcast/v1.onnx"),
            ("HITCAST_MODEL_SHA256", &sha),
            ("HITCAST_MODEL_FALLBACK", "embedded"),
        ])
        .unwrap();
        assert_eq!(c.model_uri, Some(S3Uri { bucket: "models".into(), key: "hitcast/v1.onnx".into() }));
        assert_eq!(c.model_sha256, Some("ab".repeat(32)));
        assert!(c.fallback_embedded && c.in_lambda);
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (var, value, msg) in [
            ("HITCAST_MODEL_S3_URI", "models/x.onnx", "expected s3://bucket/key"),
            ("HITCAST_MODEL_S3_URI", "s3://bucket", "expected s3://bucket/key"),
            ("HITCAST_MODEL_SHA256", "abc", "64 hex digits"),
            ("HITCAST_MODEL_FALLBACK", "yes", "`embedded` or `none`"),
            ("HITCAST_LISTEN", "localhost", "127.0.0.1:3000"),
            ("HITCAST_LOG_FORMAT", "xml", "`json` or `text`"),
            ("HITCAST_RECCOBEATS_URL", "api.reccobeats.com", "an http(s) URL, or `off`"),
            ("HITCAST_REMOTE_TIMEOUT_SECS", "0", "more than 0"),
        ] {
            let err = config(&[(var, value)]).unwrap_err().to_string();
            assert!(err.starts_with(var) && err.contains(msg), "{err}");
        }
    }
}
