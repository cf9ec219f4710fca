//! Registering the slash commands without a gateway: the same payload as the gateway bot's
//! (`commands::all()`, the registration snapshot), PUT over HTTP with the bot token —
//! `PUT {api}/applications/{id}/commands`, or `…/guilds/{guild}/commands` for one server
//! (instant; global commands take up to an hour to appear).

use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use crate::commands;

/// The commands as Discord's bulk-overwrite endpoint takes them.
pub fn payload() -> Vec<serde_json::Value> {
    commands::all()
        .iter()
        .filter_map(|c| c.create_as_slash_command())
        .map(|c| serde_json::to_value(c).expect("a command serialises"))
        .collect()
}

#[derive(Debug, Error)]
pub enum RegisterError {
    #[error("Discord refused the bot token (HTTP {0}): copy it again from the Bot page of your application")]
    Unauthorized(u16),
    #[error("Discord answered HTTP {status} to {what}: {body}")]
    Status { what: &'static str, status: u16, body: String },
    #[error("could not reach Discord ({what}): {source}")]
    Transport { what: &'static str, source: reqwest::Error },
}

#[derive(Debug, Deserialize)]
struct Application {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Registered {
    name: String,
}

/// Where the commands went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub application_id: String,
    pub names: Vec<String>,
}

/// Looks up the application of the bot token, then overwrites its commands (globally, or in
/// `guild`).
pub async fn register(
    api_base: &str,
    token: &str,
    guild: Option<u64>,
    timeout: Duration,
) -> Result<Outcome, RegisterError> {
    let client = reqwest::Client::builder().timeout(timeout).build().expect("a TLS backend is compiled in");
    let auth = format!("Bot {token}");
    let check = |what: &'static str| {
        move |r: Result<reqwest::Response, reqwest::Error>| async move {
            let r = r.map_err(|source| RegisterError::Transport { what, source })?;
            let status = r.status().as_u16();
            if status == 401 || status == 403 {
                return Err(RegisterError::Unauthorized(status));
            }
            if !r.status().is_success() {
                let body = r.text().await.unwrap_or_default().chars().take(500).collect();
                return Err(RegisterError::Status { what, status, body });
            }
            r.bytes().await.map_err(|source| RegisterError::Transport { what, source })
        }
    };
    let what = "the application lookup";
    let app = check(what)(
        client.get(format!("{api_base}oauth2/applications/@me")).header("authorization", &auth).send().await,
    )
    .await?;
    let app: Application = serde_json::from_slice(&app).map_err(|e| RegisterError::Status {
        what,
        status: 200,
        body: format!("unexpected answer: {e}"),
    })?;
    let url = match guild {
        Some(g) => format!("{api_base}applications/{}/guilds/{g}/commands", app.id),
        None => format!("{api_base}applications/{}/commands", app.id),
    };
    let what = "the command registration";
    let done = check(what)(client.put(url).header("authorization", &auth).json(&payload()).send().await).await?;
    let done: Vec<Registered> = serde_json::from_slice(&done).map_err(|e| RegisterError::Status {
        what,
        status: 200,
        body: format!("unexpected answer: {e}"),
    })?;
    Ok(Outcome { application_id: app.id, names: done.into_iter().map(|c| c.name).collect() })
}
