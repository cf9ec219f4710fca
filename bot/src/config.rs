//! The bot's configuration: read once from the environment in `main`, passed down.
//! Secrets never appear in `Debug` output or logs.

use std::fmt;
use std::time::Duration;

use thiserror::Error;

/// A secret string: `Debug` and `Display` print `***`. It serialises as itself (a job event
/// carries the interaction token to the worker), never through `Debug`.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

pub const DEFAULT_SPOTIFY_API: &str = "https://api.spotify.com/v1/";
pub const DEFAULT_SPOTIFY_AUTH: &str = "https://accounts.spotify.com/";
pub const DEFAULT_RECCOBEATS: &str = "https://api.reccobeats.com/";

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub discord_token: Secret,
    pub spotify_client_id: String,
    pub spotify_client_secret: Secret,
    /// Register the commands in this guild only (instant), instead of globally (up to an hour).
    pub guild_id: Option<u64>,
    pub spotify_api_base: String,
    pub spotify_auth_base: String,
    pub reccobeats_base: String,
    /// Per upstream request.
    pub http_timeout: Duration,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error(
        "{} not set. Set {} (see bot/.env.example and the README section \"Discord bot\": create an application at https://discord.com/developers/applications, add a bot, copy its token; create a Spotify app at https://developer.spotify.com/dashboard for the client id and secret)",
        .0.join(", "),
        if .0.len() == 1 { "it" } else { "them" }
    )]
    Missing(Vec<&'static str>),
    #[error(
        "{} not set. Set {} (see the README section \"Run the bot without a server\": the public key is on the General Information page of your Discord application; the Spotify client id and secret on https://developer.spotify.com/dashboard; on Lambda they come from SSM Parameter Store under HITCAST_SSM_PREFIX)",
        .0.join(", "),
        if .0.len() == 1 { "it" } else { "them" }
    )]
    MissingForEndpoint(Vec<&'static str>),
    #[error("{var} is not valid: {why}")]
    Invalid { var: &'static str, why: String },
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let required = ["DISCORD_TOKEN", "SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET"];
        let missing: Vec<&'static str> = required.into_iter().filter(|k| get(k).is_none()).collect();
        if !missing.is_empty() {
            return Err(ConfigError::Missing(missing));
        }
        let token = get("DISCORD_TOKEN").expect("checked");
        // A bot token is three dot-separated base64url parts.
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 3
            || parts
                .iter()
                .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return Err(ConfigError::Invalid {
                var: "DISCORD_TOKEN",
                why:
                    "a bot token has three dot-separated parts (copy it from the Bot page of your Discord application)"
                        .into(),
            });
        }
        let guild_id = get("DISCORD_GUILD_ID")
            .map(|s| {
                s.parse::<u64>().map_err(|_| ConfigError::Invalid {
                    var: "DISCORD_GUILD_ID",
                    why: format!(
                        "{s:?} is not a server id (a number; Developer Mode → right-click the server → Copy ID)"
                    ),
                })
            })
            .transpose()?;
        let up = Upstreams::from_lookup(&get)?;
        Ok(Config {
            discord_token: Secret::new(token),
            spotify_client_id: get("SPOTIFY_CLIENT_ID").expect("checked"),
            spotify_client_secret: Secret::new(get("SPOTIFY_CLIENT_SECRET").expect("checked")),
            guild_id,
            spotify_api_base: up.spotify_api,
            spotify_auth_base: up.spotify_auth,
            reccobeats_base: up.reccobeats,
            http_timeout: up.http_timeout,
        })
    }
}

/// The services both fronts call, with their overrides (stub servers in tests).
#[derive(Debug, Clone, PartialEq)]
struct Upstreams {
    spotify_api: String,
    spotify_auth: String,
    reccobeats: String,
    http_timeout: Duration,
}

/// An http(s) base URL from `var` (or `default`), ending with `/`.
fn base_url(get: &impl Fn(&str) -> Option<String>, var: &'static str, default: &str) -> Result<String, ConfigError> {
    let v = get(var).unwrap_or_else(|| default.to_string());
    if !(v.starts_with("http://") || v.starts_with("https://")) {
        return Err(ConfigError::Invalid { var, why: format!("{v:?} is not an http(s) URL") });
    }
    Ok(if v.ends_with('/') { v } else { format!("{v}/") })
}

/// `HITCAST_LOG_FORMAT`: `json` or `text`; JSON by default under Lambda. Read before the rest of
/// the configuration, which may come from SSM.
pub fn json_logs(get: impl Fn(&str) -> Option<String>) -> Result<bool, ConfigError> {
    match get("HITCAST_LOG_FORMAT").as_deref().map(str::trim) {
        None | Some("") => Ok(get("AWS_LAMBDA_RUNTIME_API").is_some_and(|v| !v.trim().is_empty())),
        Some("json") => Ok(true),
        Some("text") => Ok(false),
        Some(other) => {
            Err(ConfigError::Invalid { var: "HITCAST_LOG_FORMAT", why: format!("{other:?} is not json or text") })
        }
    }
}

impl Upstreams {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Upstreams, ConfigError> {
        let url = |var: &'static str, default: &str| base_url(get, var, default);
        let http_timeout = match get("HITCAST_HTTP_TIMEOUT_SECS") {
            None => Duration::from_secs(8),
            Some(s) => s
                .parse::<f64>()
                .ok()
                .filter(|v| *v > 0.0)
                .and_then(|v| Duration::try_from_secs_f64(v).ok())
                .ok_or_else(|| ConfigError::Invalid {
                    var: "HITCAST_HTTP_TIMEOUT_SECS",
                    why: format!("{s:?} is not a positive number"),
                })?,
        };
        Ok(Upstreams {
            spotify_api: url("SPOTIFY_API_BASE_URL", DEFAULT_SPOTIFY_API)?,
            spotify_auth: url("SPOTIFY_AUTH_BASE_URL", DEFAULT_SPOTIFY_AUTH)?,
            reccobeats: url("RECCOBEATS_BASE_URL", DEFAULT_RECCOBEATS)?,
            http_timeout,
        })
    }
}

pub const DEFAULT_DISCORD_API: &str = "https://discord.com/api/v10/";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3001";

/// Every variable `hitcast-interactions` reads (the deployment test checks the template's
/// against it). With `HITCAST_SSM_PREFIX`, the three secrets come from SSM Parameter Store.
pub const INTERACTIONS_ENV_VARS: [&str; 13] = [
    "DISCORD_PUBLIC_KEY",
    "SPOTIFY_CLIENT_ID",
    "SPOTIFY_CLIENT_SECRET",
    "HITCAST_SSM_PREFIX",
    "HITCAST_LISTEN",
    "HITCAST_LOG_FORMAT",
    "HITCAST_HTTP_TIMEOUT_SECS",
    "DISCORD_API_BASE_URL",
    "SPOTIFY_API_BASE_URL",
    "SPOTIFY_AUTH_BASE_URL",
    "RECCOBEATS_BASE_URL",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
];

/// The SSM parameters (under `HITCAST_SSM_PREFIX`) and the variables they stand for.
pub const SSM_SECRETS: [(&str, &str); 3] = [
    ("discord-public-key", "DISCORD_PUBLIC_KEY"),
    ("spotify-client-id", "SPOTIFY_CLIENT_ID"),
    ("spotify-client-secret", "SPOTIFY_CLIENT_SECRET"),
];

/// `hitcast-interactions`' configuration: read once in `main`, passed down.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionsConfig {
    /// The application's Ed25519 public key, hex (not a secret, but kept with the secrets).
    pub public_key: String,
    pub spotify_client_id: String,
    pub spotify_client_secret: Secret,
    pub discord_api_base: String,
    pub spotify_api_base: String,
    pub spotify_auth_base: String,
    pub reccobeats_base: String,
    pub http_timeout: Duration,
    /// Where the local server listens (outside Lambda).
    pub listen: std::net::SocketAddr,
    /// `AWS_LAMBDA_RUNTIME_API` is set: run under the Lambda runtime.
    pub in_lambda: bool,
    /// Under Lambda, the function itself (`AWS_LAMBDA_FUNCTION_NAME`): deferred work is an
    /// asynchronous invocation of it.
    pub function_name: Option<String>,
    /// JSON logs (the default under Lambda; `HITCAST_LOG_FORMAT=json|text`).
    pub json_logs: bool,
}

impl InteractionsConfig {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<InteractionsConfig, ConfigError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let required = ["DISCORD_PUBLIC_KEY", "SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET"];
        let missing: Vec<&'static str> = required.into_iter().filter(|k| get(k).is_none()).collect();
        if !missing.is_empty() {
            return Err(ConfigError::MissingForEndpoint(missing));
        }
        let public_key = get("DISCORD_PUBLIC_KEY").expect("checked");
        crate::interactions::verify::Verifier::new(&public_key)
            .map_err(|e| ConfigError::Invalid { var: "DISCORD_PUBLIC_KEY", why: e.0.to_string() })?;
        let listen = get("HITCAST_LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen = listen.parse().map_err(|_| ConfigError::Invalid {
            var: "HITCAST_LISTEN",
            why: format!("{listen:?} is not an address and port such as 127.0.0.1:3001"),
        })?;
        let in_lambda = get("AWS_LAMBDA_RUNTIME_API").is_some();
        let function_name = get("AWS_LAMBDA_FUNCTION_NAME");
        if in_lambda && function_name.is_none() {
            return Err(ConfigError::Invalid {
                var: "AWS_LAMBDA_FUNCTION_NAME",
                why: "not set under the Lambda runtime (which sets it)".into(),
            });
        }
        let json_logs = json_logs(get)?;
        let up = Upstreams::from_lookup(&get)?;
        Ok(InteractionsConfig {
            public_key,
            spotify_client_id: get("SPOTIFY_CLIENT_ID").expect("checked"),
            spotify_client_secret: Secret::new(get("SPOTIFY_CLIENT_SECRET").expect("checked")),
            discord_api_base: base_url(&get, "DISCORD_API_BASE_URL", DEFAULT_DISCORD_API)?,
            spotify_api_base: up.spotify_api,
            spotify_auth_base: up.spotify_auth,
            reccobeats_base: up.reccobeats,
            http_timeout: up.http_timeout,
            listen,
            in_lambda,
            function_name,
            json_logs,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    pub const TOKEN: &str = "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB";

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    fn full() -> Vec<(&'static str, &'static str)> {
        vec![("DISCORD_TOKEN", TOKEN), ("SPOTIFY_CLIENT_ID", "cid"), ("SPOTIFY_CLIENT_SECRET", "shh")]
    }

    #[test]
    fn missing_variables_are_named_together() {
        let err = config(&[("SPOTIFY_CLIENT_ID", "x")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing(vec!["DISCORD_TOKEN", "SPOTIFY_CLIENT_SECRET"]));
        assert!(err.to_string().starts_with("DISCORD_TOKEN, SPOTIFY_CLIENT_SECRET not set. Set them"));
    }

    #[test]
    fn defaults_and_secrets_stay_secret() {
        let c = config(&full()).unwrap();
        assert_eq!(c.spotify_api_base, DEFAULT_SPOTIFY_API);
        assert_eq!(c.guild_id, None);
        let debug = format!("{c:?}");
        assert!(!debug.contains(TOKEN) && !debug.contains("shh"), "{debug}");
    }

    #[test]
    fn overrides_and_invalid_values() {
        let mut v = full();
        v.extend([("DISCORD_GUILD_ID", "123"), ("SPOTIFY_API_BASE_URL", "http://127.0.0.1:9/v1")]);
        let c = config(&v).unwrap();
        assert_eq!((c.guild_id, c.spotify_api_base.as_str()), (Some(123), "http://127.0.0.1:9/v1/"));
        for (var, value, msg) in [
            ("DISCORD_TOKEN", "not-a-token", "three dot-separated parts"),
            ("DISCORD_GUILD_ID", "my server", "is not a server id"),
            ("RECCOBEATS_BASE_URL", "ftp://x", "is not an http(s) URL"),
            ("HITCAST_HTTP_TIMEOUT_SECS", "-1", "is not a positive number"),
        ] {
            let mut v = full();
            v.retain(|(k, _)| *k != var);
            v.push((var, value));
            let err = config(&v).unwrap_err().to_string();
            assert!(err.starts_with(var) && err.contains(msg), "{err}");
            assert!(!err.contains(TOKEN));
        }
    }

    fn interactions(vars: &[(&str, &str)]) -> Result<InteractionsConfig, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        InteractionsConfig::from_lookup(|k| map.get(k).cloned())
    }

    const KEY: &str = "67c6bd767ca099e79efac9fcce4d2022a63bf7dea780e7f3d813f694c1597089";

    #[test]
    fn the_interactions_endpoint_names_what_is_missing_or_wrong() {
        let err = interactions(&[]).unwrap_err();
        assert_eq!(
            err,
            ConfigError::MissingForEndpoint(vec!["DISCORD_PUBLIC_KEY", "SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET"])
        );
        assert!(err.to_string().contains("HITCAST_SSM_PREFIX"), "{err}");
        let base = [("DISCORD_PUBLIC_KEY", KEY), ("SPOTIFY_CLIENT_ID", "id"), ("SPOTIFY_CLIENT_SECRET", "shh")];
        let c = interactions(&base).unwrap();
        assert_eq!((c.listen.to_string().as_str(), c.in_lambda, c.json_logs), ("127.0.0.1:3001", false, false));
        assert_eq!(c.discord_api_base, DEFAULT_DISCORD_API);
        assert!(!format!("{c:?}").contains("shh"));
        for (var, value, msg) in [
            ("DISCORD_PUBLIC_KEY", "abc", "not 64 hex digits"),
            ("HITCAST_LISTEN", "localhost", "is not an address and port"),
            ("HITCAST_LOG_FORMAT", "xml", "is not json or text"),
            ("DISCORD_API_BASE_URL", "discord.com", "is not an http(s) URL"),
            ("HITCAST_HTTP_TIMEOUT_SECS", "1e300", "is not a positive number"),
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001", "AWS_LAMBDA_FUNCTION_NAME is not valid: not set"),
        ] {
            let mut v = base.to_vec();
            v.retain(|(k, _)| *k != var);
            v.push((var, value));
            let err = interactions(&v).unwrap_err().to_string();
            assert!(err.contains(msg), "{var}: {err}");
        }
        let mut v = base.to_vec();
        v.extend([("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"), ("AWS_LAMBDA_FUNCTION_NAME", "hitcast-interactions")]);
        let c = interactions(&v).unwrap();
        assert_eq!((c.in_lambda, c.json_logs, c.function_name.as_deref()), (true, true, Some("hitcast-interactions")));
    }
}
