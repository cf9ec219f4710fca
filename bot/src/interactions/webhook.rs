//! Discord's interaction webhooks over plain HTTP (no gateway, no bot token: the interaction
//! token is the credential): edit the original response, send a follow-up.
//! `PATCH {api}/webhooks/{application_id}/{token}/messages/@original`, with the chart as a
//! multipart attachment (`payload_json` + `files[0]`), and `POST {api}/webhooks/{application_id}/{token}`.

use std::time::Duration;

use serde::Serialize;
use thiserror::Error;

use crate::config::Secret;
use crate::reply::Deferred;
use crate::reply::{Embed, Reply};
use crate::sources::{Retry, RetryPolicy, Retryable};

/// A message as Discord's API takes it (interaction responses, edits and follow-ups).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Message {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embeds: Option<Vec<EmbedOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<AttachmentOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<u64>,
    /// Track and artist names are never allowed to ping anyone.
    pub allowed_mentions: AllowedMentions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AllowedMentions {
    pub parse: [&'static str; 0],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmbedOut {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub description: String,
    pub color: u32,
    pub footer: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Url>,
    pub fields: Vec<FieldOut>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Text {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Url {
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldOut {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

/// An attachment uploaded with the request (`files[id]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttachmentOut {
    pub id: u32,
    pub filename: String,
}

impl Message {
    pub fn content(text: &str) -> Message {
        Message { content: Some(text.to_string()), ..Message::default() }
    }

    pub fn private(mut self) -> Message {
        self.flags = Some(super::EPHEMERAL);
        self
    }
}

impl From<&Embed> for EmbedOut {
    fn from(e: &Embed) -> EmbedOut {
        EmbedOut {
            title: e.title.clone(),
            url: e.url.clone(),
            description: e.description.clone(),
            color: e.color,
            footer: Text { text: e.footer.clone() },
            image: e.image.clone().map(|url| Url { url }),
            fields: e
                .fields
                .iter()
                .map(|f| FieldOut { name: f.name.clone(), value: f.value.clone(), inline: f.inline })
                .collect(),
        }
    }
}

/// The message of a reply (an embed with its attachment listed, or private text); the chart's
/// bytes travel separately.
impl From<Reply> for Message {
    fn from(r: Reply) -> Message {
        match r {
            Reply::Embed { embed, chart } => Message {
                embeds: Some(vec![EmbedOut::from(&embed)]),
                attachments: chart.map(|(name, _)| vec![AttachmentOut { id: 0, filename: name }]),
                ..Message::default()
            },
            Reply::Private(text) => Message::content(&text).private(),
        }
    }
}

#[derive(Debug, Error)]
pub enum WebhookError {
    #[error("Discord answered {status} to {what}: {body}")]
    Status { what: &'static str, status: u16, body: String, retry_after: Option<Duration> },
    #[error("could not reach Discord for {what}: {source}")]
    Transport { what: &'static str, source: reqwest::Error },
}

impl Retryable for WebhookError {
    fn retry(&self) -> Retry {
        match self {
            // 404: the job ran before the deferred answer reached Discord; 5xx: Discord's trouble
            WebhookError::Status { status: 404 | 500..=599, .. } => Retry::Pause,
            WebhookError::Status { status: 429, retry_after: Some(d), .. } => Retry::After(*d),
            _ => Retry::Never,
        }
    }
}

/// How an edit is tried: when Discord does not know the interaction yet (404) or fails (5xx),
/// after 250 ms, then doubling; when it asks to slow down, after its `Retry-After` (≤ 5 s).
pub const RETRY: RetryPolicy =
    RetryPolicy { attempts: 4, max_wait: Duration::from_secs(5), pause: Duration::from_millis(250) };

#[derive(Debug, Clone)]
pub struct Webhook {
    client: reqwest::Client,
    /// `https://discord.com/api/v10/` (ends with `/`).
    base: String,
}

impl Webhook {
    pub fn new(base: &str, timeout: Duration) -> Webhook {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("DiscordBot (https://github.com/hitcast, ", env!("CARGO_PKG_VERSION"), ")"))
            .build()
            .expect("a TLS backend is compiled in");
        Webhook { client, base: base.to_string() }
    }

    /// The original response of the interaction `app`/`token`, to complete with
    /// [`crate::reply::finish_deferred`].
    pub fn original<'a>(&'a self, app: &'a str, token: &'a Secret) -> Original<'a> {
        Original { webhook: self, app, token }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        message: &Message,
        file: Option<(String, bytes::Bytes)>,
        what: &'static str,
    ) -> Result<(), WebhookError> {
        let json = serde_json::to_string(message).expect("plain data serialises");
        RETRY
            .run(|| async {
                let req = self.client.request(method.clone(), url);
                let req = match &file {
                    Some((name, png)) => {
                        let form = reqwest::multipart::Form::new()
                            .part(
                                "payload_json",
                                reqwest::multipart::Part::text(json.clone())
                                    .mime_str("application/json")
                                    .expect("a valid MIME type"),
                            )
                            .part(
                                "files[0]",
                                // the PNG is shared between attempts, not copied
                                reqwest::multipart::Part::stream_with_length(png.clone(), png.len() as u64)
                                    .file_name(name.clone())
                                    .mime_str("image/png")
                                    .expect("a valid MIME type"),
                            );
                        req.multipart(form)
                    }
                    None => req.header(reqwest::header::CONTENT_TYPE, "application/json").body(json.clone()),
                };
                // the URL holds the interaction token: keep it out of the error (and so of the log)
                let resp = req.send().await.map_err(|e| WebhookError::Transport { what, source: e.without_url() })?;
                if resp.status().is_success() {
                    return Ok(());
                }
                let status = resp.status().as_u16();
                let retry_after = crate::sources::retry_after(resp.headers());
                let body: String = resp.text().await.unwrap_or_default().chars().take(300).collect();
                Err(WebhookError::Status { what, status, body, retry_after })
            })
            .await
    }
}

/// An interaction's deferred response, completed through its webhook.
#[derive(Debug, Clone, Copy)]
pub struct Original<'a> {
    webhook: &'a Webhook,
    app: &'a str,
    token: &'a Secret,
}

impl Original<'_> {
    fn url(&self) -> String {
        format!("{}webhooks/{}/{}/messages/@original", self.webhook.base, self.app, self.token.expose())
    }
}

impl Deferred for Original<'_> {
    type Error = WebhookError;

    async fn edit(&self, embed: &Embed, chart: Option<(String, Vec<u8>)>) -> Result<(), WebhookError> {
        let message = Message {
            embeds: Some(vec![EmbedOut::from(embed)]),
            attachments: chart.as_ref().map(|(name, _)| vec![AttachmentOut { id: 0, filename: name.clone() }]),
            ..Message::default()
        };
        let file = chart.map(|(name, png)| (name, bytes::Bytes::from(png)));
        self.webhook
            .send(reqwest::Method::PATCH, &self.url(), &message, file, "the edit of the original response")
            .await
    }

    async fn edit_text(&self, text: &str) -> Result<(), WebhookError> {
        let message = Message::content(text);
        self.webhook
            .send(reqwest::Method::PATCH, &self.url(), &message, None, "the edit of the original response")
            .await
    }

    async fn follow_up_private(&self, text: &str) -> Result<(), WebhookError> {
        let url = format!("{}webhooks/{}/{}", self.webhook.base, self.app, self.token.expose());
        self.webhook.send(reqwest::Method::POST, &url, &Message::content(text).private(), None, "a follow-up").await
    }
}
