//! The bot's commands over Discord's HTTP interactions (an Interactions Endpoint URL), with no
//! gateway: what `hitcast-interactions` serves on Lambda or locally.
//!
//! A request goes through three steps, each its own part:
//! 1. [`Endpoint::answer`] — transport-free: checks the signature ([`verify`]) before reading
//!    anything, answers `PING`, answers `/model` and a bad link at once, and for `/predict` and
//!    `/album` answers "deferred" (type 5) and hands back a [`Job`].
//! 2. [`Dispatch`] — runs the job after the answer has gone: in this process (a local server
//!    lives on), or on Lambda, where the environment freezes once a response is returned, as a
//!    second, asynchronous invocation of the same function with the job as its event.
//! 3. [`Worker::run`] — the same enrichment, model and replies as the gateway bot
//!    ([`crate::logic::Bot`]), then the answer edits the original response ([`webhook`]).
//!
//! [`http`] is the endpoint's router (served locally by `hitcast-http`, or on Lambda by
//! [`lambda`], which also takes the job events); [`register`] PUTs the slash commands.

pub mod http;
pub mod lambda;
pub mod register;
pub mod webhook;

pub use hitcast_bot_wire::verify;

use std::sync::Arc;
use std::time::Duration;

use hitcast::{Feature, Model};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::attachments::Attachment;
use crate::config::Secret;
use crate::enrich::{Overrides, current_year};
use crate::link::{self, Kind, Link};
use crate::logic::Bot;
use crate::reply::{self, Reply};
use crate::sources::{Catalog, FeatureSource};
use verify::{Refused, Verifier};
use webhook::{Message, Webhook};

/// Discord's interaction types.
pub const PING: u8 = 1;
pub const APPLICATION_COMMAND: u8 = 2;
/// Interaction callback types.
pub const PONG: u8 = 1;
pub const CHANNEL_MESSAGE: u8 = 4;
pub const DEFERRED_CHANNEL_MESSAGE: u8 = 5;
/// Message flag: only the user who ran the command sees it.
pub const EPHEMERAL: u64 = 1 << 6;

/// An interaction token works for 15 minutes; a job older than this is dropped unanswered
/// (nothing could reach the user), and a job's work is cut off so that its edit lands before.
pub const TOKEN_LIFE: Duration = Duration::from_secs(15 * 60);
/// Kept free at the end of the token's life for the edit itself.
pub const EDIT_MARGIN: Duration = Duration::from_secs(30);

/// The part of Discord's interaction object the bot reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Interaction {
    #[serde(rename = "type")]
    pub kind: u8,
    #[serde(default)]
    pub application_id: String,
    #[serde(default)]
    pub token: String,
    pub data: Option<CommandData>,
}

/// An application command's name and options, as Discord sends them (and as a [`Job`] carries them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandData {
    pub name: String,
    #[serde(default)]
    pub options: Vec<CommandOption>,
    /// The attachments the options name by id (`resolved.attachments`).
    #[serde(default, skip_serializing_if = "Resolved::is_empty")]
    pub resolved: Resolved,
}

/// What Discord resolved for the options: the attached files, by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    #[serde(default)]
    pub attachments: std::collections::BTreeMap<String, Attachment>,
}

impl Resolved {
    fn is_empty(&self) -> bool {
        self.attachments.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandOption {
    pub name: String,
    #[serde(default)]
    pub value: Value,
}

/// A command, read from its options once (the job carries it parsed, link included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Command {
    Predict {
        link: Option<Link>,
        name: Option<String>,
        overrides: Overrides,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<Attachment>,
        /// The user asked for ReccoBeats' analysis of the file.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        remote: bool,
    },
    Album {
        #[serde(default)]
        link: Option<Link>,
        overrides: Overrides,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        files: Vec<Attachment>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        remote: bool,
    },
    Model,
}

impl Command {
    /// The command's name (`predict`, `album`, `model`) for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Predict { .. } => "predict",
            Command::Album { .. } => "album",
            Command::Model => "model",
        }
    }
}

/// Why a command was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The options do not match the command (the registered commands may be out of date).
    #[error("{0}")]
    Options(String),
    /// The link is not one the command takes (a short share link is not an error).
    #[error("{0}")]
    Link(link::LinkError),
}

/// Longest text option kept (a link, a name): Discord allows 6,000 characters per option.
pub const MAX_TEXT_OPTION: usize = 512;

impl Command {
    /// Reads a command the way poise reads the gateway's: options by name; every model input
    /// is a number named after its [`Feature`] (the genre choice's value is its index); the
    /// link is parsed here, once (a short share link is kept to be resolved after deferring).
    pub fn parse(data: &CommandData) -> Result<Command, CommandError> {
        let options = |e: String| CommandError::Options(e);
        let mut url = None;
        let mut name = None;
        let mut overrides = Vec::new();
        let mut files: Vec<Attachment> = Vec::new();
        let mut remote = false;
        for o in &data.options {
            let text = || {
                o.value
                    .as_str()
                    .map(|s| s.chars().take(MAX_TEXT_OPTION).collect::<String>())
                    .ok_or_else(|| options(format!("the option `{}` should be text", o.name)))
            };
            match o.name.as_str() {
                "url" => url = Some(text()?),
                "name" if data.name == "predict" => name = Some(text()?),
                "remote_analysis" if data.name != "model" => {
                    remote = o
                        .value
                        .as_bool()
                        .ok_or_else(|| options("the option `remote_analysis` should be true or false".into()))?;
                }
                n if is_file_option(&data.name, n) => {
                    let id = o.value.as_str().map(str::to_string).or_else(|| o.value.as_u64().map(|v| v.to_string()));
                    let a = id
                        .and_then(|id| data.resolved.attachments.get(&id))
                        .ok_or_else(|| options(format!("the option `{n}` names no attached file")))?;
                    files.push(a.clone());
                }
                other => match Feature::from_name(other).filter(|f| !f.is_derived()) {
                    Some(f) => {
                        let v = o
                            .value
                            .as_f64()
                            .ok_or_else(|| options(format!("the option `{other}` should be a number")))?;
                        overrides.push((f, v));
                    }
                    None => return Err(options(format!("`/{}` has no option `{}`", data.name, echo(other)))),
                },
            }
        }
        let overrides = Overrides(overrides);
        let link = |url: &str, kind| link::parse_link(url, kind).map_err(CommandError::Link);
        match data.name.as_str() {
            "predict" => Ok(Command::Predict {
                link: url.as_deref().map(|u| link(u, Kind::Track)).transpose()?,
                name,
                overrides,
                file: files.pop(),
                remote,
            }),
            "album" => {
                if let Some((f, _)) =
                    overrides.0.iter().find(|(f, _)| !matches!(f, Feature::ArtistPopularity | Feature::Genre))
                {
                    return Err(options(format!("`/album` has no option `{}`", f.name())));
                }
                let link = url.as_deref().map(|u| link(u, Kind::Album)).transpose()?;
                if link.is_none() && files.is_empty() {
                    return Err(options("`/album` needs the album's link (`url:`) or your songs' files".into()));
                }
                Ok(Command::Album { link, overrides, files, remote })
            }
            "model" if overrides.0.is_empty() && url.is_none() => Ok(Command::Model),
            "model" => Err(options("`/model` takes no options".into())),
            other => Err(options(format!("there is no command `/{}`", echo(other)))),
        }
    }
}

/// `file` of `/predict`, `file1` … `file10` of `/album`.
fn is_file_option(command: &str, option: &str) -> bool {
    match command {
        "predict" => option == "file",
        "album" => option
            .strip_prefix("file")
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| (1..=crate::attachments::MAX_FILES).contains(&n) && option == format!("file{n}")),
        _ => false,
    }
}

/// A name from a request, cut for an error message.
pub(crate) fn echo(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// The work left after a deferred answer: everything needed to run it and to edit the answer.
/// On Lambda it is the event of the second invocation, `{"hitcast_job": {…}}`: only a caller
/// allowed to invoke the function (the function itself) can send one; HTTP requests reach it
/// wrapped in a Function URL event and never parse as a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub application_id: String,
    /// The interaction token: the credential of the webhook edit (`Debug` shows `***`).
    pub token: Secret,
    /// Parsed once, when the interaction arrived.
    pub command: Command,
    /// When the interaction was received (Unix milliseconds): the token dies 15 minutes later.
    pub received_ms: u64,
}

/// The job event's envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobEvent {
    pub hitcast_job: Job,
}

/// An HTTP answer: status, JSON body, and the job to run after it, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub job: Option<Job>,
}

#[derive(Debug, Serialize)]
struct ErrorOut<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Debug, Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
}

impl Answer {
    pub(crate) fn json(status: u16, body: &impl Serialize) -> Answer {
        Answer { status, body: serde_json::to_vec(body).expect("plain data serialises"), job: None }
    }

    pub fn error(status: u16, code: &str, message: impl Into<String>) -> Answer {
        Answer::json(status, &ErrorOut { error: ErrorDetail { code, message: message.into() } })
    }

    /// 401, the same body whatever the reason (the reason goes to the log only).
    pub fn unauthorized() -> Answer {
        Answer::error(401, "invalid_signature", "invalid request signature")
    }

    /// An interaction response of `kind`, with a message or none.
    pub fn callback(kind: u8, data: Option<Message>) -> Answer {
        Answer::json(200, &Callback { kind, data })
    }

    /// A message only the user sees, as the immediate answer.
    pub fn private(text: &str) -> Answer {
        Answer::callback(CHANNEL_MESSAGE, Some(Message::content(text).private()))
    }
}

/// An interaction response (callback) body.
#[derive(Debug, Serialize)]
struct Callback {
    #[serde(rename = "type")]
    kind: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Message>,
}

/// Request headers the endpoint reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Signed<'a> {
    pub signature: Option<&'a [u8]>,
    pub timestamp: Option<&'a [u8]>,
}

/// Step 1: verification and the immediate answer.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub verifier: Verifier,
    pub model: Arc<Model>,
}

/// An application id (a snowflake) and an interaction token go into webhook URLs: only the
/// characters Discord uses.
fn valid_webhook(app: &str, token: &str) -> bool {
    (1..=20).contains(&app.len())
        && app.bytes().all(|b| b.is_ascii_digit())
        && (1..=1000).contains(&token.len())
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl Endpoint {
    /// Answers one request to `POST /interactions`. `now_ms` is Unix milliseconds.
    pub fn answer(&self, headers: Signed<'_>, body: &[u8], now_ms: u64) -> Answer {
        if let Err(why) = self.verifier.verify(headers.signature, headers.timestamp, body, now_ms / 1000) {
            log_refused(why);
            return Answer::unauthorized();
        }
        let interaction: Interaction = match serde_json::from_slice(body) {
            Ok(i) => i,
            // serde's message may quote the body: cut it
            Err(e) => {
                let why: String = e.to_string().chars().take(200).collect();
                return Answer::error(400, "invalid_json", format!("not an interaction object: {why}"));
            }
        };
        match interaction.kind {
            PING => Answer::callback(PONG, None),
            APPLICATION_COMMAND => self.command(interaction, now_ms),
            other => Answer::error(
                400,
                "unsupported_interaction",
                format!("interaction type {other} is not handled (only PING and application commands)"),
            ),
        }
    }

    fn command(&self, interaction: Interaction, now_ms: u64) -> Answer {
        let Some(data) = interaction.data else {
            return Answer::error(400, "invalid_interaction", "an application command without `data`");
        };
        if !valid_webhook(&interaction.application_id, &interaction.token) {
            return Answer::error(400, "invalid_interaction", "an application command without a valid id and token");
        }
        let command = match Command::parse(&data) {
            Ok(Command::Model) => {
                return Answer::callback(CHANNEL_MESSAGE, Some(Message::from(reply::model(&self.model))));
            }
            Ok(c) => c,
            // the registered commands and this binary disagree: say what to run
            Err(CommandError::Options(e)) => {
                return Answer::private(&format!(
                    "{e}. The commands may be out of date: run `hitcast-interactions register`."
                ));
            }
            // a bad link needs no lookup: answer at once, privately (a short link is resolved later)
            Err(CommandError::Link(e)) => return Answer::private(&format!("{e}.")),
        };
        Answer {
            job: Some(Job {
                application_id: interaction.application_id,
                token: Secret::new(interaction.token),
                command,
                received_ms: now_ms,
            }),
            ..Answer::callback(DEFERRED_CHANNEL_MESSAGE, None)
        }
    }
}

/// Requests refused since the process started (forged, unsigned, stale): unauthenticated
/// traffic must not set the log's volume, so each is logged at debug, and a count at info
/// once per power of two.
static REFUSED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn log_refused(why: Refused) {
    // Discord itself sends forged requests to check the endpoint: expected, not an error.
    let n = REFUSED.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    tracing::debug!(reason = %why, "refused an interaction request");
    if n.is_power_of_two() {
        tracing::info!(refused = n, last_reason = %why, "refused interaction requests so far");
    }
}

/// How many requests this process has refused.
pub fn refused_count() -> u64 {
    REFUSED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Unix milliseconds now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Step 3: the work, then the edit of the deferred answer.
#[derive(Debug)]
pub struct Worker<S, R> {
    pub bot: Bot<S, R>,
    pub webhook: Webhook,
}

impl<S: Catalog + FeatureSource + Sync, R: FeatureSource + Sync> Worker<S, R> {
    /// Runs a job to its end: every outcome, error or not, ends as an edit of the original
    /// response, unless the token has expired. The work is cut off at `limit` (what is left of a
    /// Lambda invocation) or before the token dies, whichever comes first.
    pub async fn run(&self, job: Job, limit: Option<Duration>) {
        let age = Duration::from_millis(now_ms().saturating_sub(job.received_ms));
        let Some(left) = TOKEN_LIFE.checked_sub(age + EDIT_MARGIN) else {
            tracing::warn!(age_s = age.as_secs(), "dropped a job whose interaction token has expired");
            return;
        };
        let left = limit.map_or(left, |l| l.min(left));
        let reply = match tokio::time::timeout(left, self.reply(&job.command)).await {
            Ok(r) => r,
            Err(_) => Reply::private("That took too long to answer; try again later."),
        };
        let original = self.webhook.original(&job.application_id, &job.token);
        if let Err(e) = crate::reply::finish_deferred(&original, reply).await {
            tracing::error!(error = %e, command = job.command.name(), "could not edit the deferred response");
        }
    }

    async fn reply(&self, command: &Command) -> Reply {
        match command {
            Command::Predict { link, name, overrides, file, remote } => {
                let year = current_year();
                self.bot.predict_command(link.as_ref(), file.as_ref(), name.clone(), overrides, *remote, year).await
            }
            Command::Album { link, overrides, files, remote } => {
                self.bot.album_command(link.as_ref(), files, overrides, *remote, current_year()).await
            }
            Command::Model => self.bot.model_info(),
        }
    }
}

/// Step 2: how a job runs after its answer.
#[derive(Debug, Clone)]
pub enum Dispatch<S, R> {
    /// In this process, on the runtime (the local server lives on after answering).
    InProcess(Arc<Worker<S, R>>),
    /// As an asynchronous invocation (`Event`) of this Lambda function (`AWS_LAMBDA_FUNCTION_NAME`)
    /// with a [`JobEvent`].
    SelfInvoke { client: aws_sdk_lambda::Client, function: String },
}

#[derive(Debug, thiserror::Error)]
#[error("could not start the work: {0}")]
pub struct DispatchError(String);

impl<S, R> Dispatch<S, R>
where
    S: Catalog + FeatureSource + Send + Sync + 'static,
    R: FeatureSource + Send + Sync + 'static,
{
    /// Hands the job over; returns once it is queued (not run).
    pub async fn send(&self, job: Job) -> Result<(), DispatchError> {
        match self {
            Dispatch::InProcess(worker) => {
                let worker = worker.clone();
                tokio::spawn(async move { worker.run(job, None).await });
                Ok(())
            }
            Dispatch::SelfInvoke { client, function } => {
                let payload = serde_json::to_vec(&JobEvent { hitcast_job: job }).expect("plain data serialises");
                client
                    .invoke()
                    .function_name(function)
                    .invocation_type(aws_sdk_lambda::types::InvocationType::Event)
                    .payload(aws_sdk_lambda::primitives::Blob::new(payload))
                    .send()
                    .await
                    .map_err(|e| DispatchError(aws_sdk_lambda::error::DisplayErrorContext(e).to_string()))?;
                Ok(())
            }
        }
    }
}

/// Answers a request and starts its job: what both transports do. A job that cannot be
/// started turns the deferred answer into a private error, so no one waits for nothing.
pub async fn serve<S, R>(endpoint: &Endpoint, dispatch: &Dispatch<S, R>, headers: Signed<'_>, body: &[u8]) -> Answer
where
    S: Catalog + FeatureSource + Send + Sync + 'static,
    R: FeatureSource + Send + Sync + 'static,
{
    let mut answer = endpoint.answer(headers, body, now_ms());
    if let Some(job) = answer.job.take() {
        let command = job.command.name();
        if let Err(e) = dispatch.send(job).await {
            tracing::error!(error = %e, %command, "could not start a deferred command");
            return Answer::private("Something went wrong on our side; try again later.");
        }
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data(v: Value) -> CommandData {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn options_are_read_by_name_like_the_gateway_commands() {
        let c = Command::parse(&data(json!({"name": "predict", "options": [
            {"name": "url", "type": 3, "value": "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"},
            {"name": "genre", "type": 4, "value": 3},
            {"name": "tempo", "type": 10, "value": 120.5}
        ]})))
        .unwrap();
        let Command::Predict { link, name, overrides, file: None, remote: false } = c else { panic!() };
        let Some(Link::Parsed(r)) = link else { panic!("{link:?}") };
        assert_eq!(r.id, "4uLU6hMCjMI75M1A2tKUQC");
        assert_eq!(name, None);
        assert_eq!(overrides.0, vec![(Feature::Genre, 3.0), (Feature::Tempo, 120.5)]);
        assert_eq!(Command::parse(&data(json!({"name": "model"}))).unwrap(), Command::Model);
    }

    #[test]
    fn options_that_do_not_belong_are_named() {
        for (v, msg) in [
            (json!({"name": "predict", "options": [{"name": "tempo", "value": "fast"}]}), "`tempo` should be a number"),
            (json!({"name": "predict", "options": [{"name": "title_marker", "value": 1}]}), "no option `title_marker`"),
            (
                json!({"name": "album", "options": [{"name": "url", "value": "x"}, {"name": "tempo", "value": 1}]}),
                "`/album` has no option `tempo`",
            ),
            (json!({"name": "album"}), "needs the album's link (`url:`) or your songs' files"),
            (json!({"name": "album", "options": [{"name": "url", "value": "x"}]}), "paste an album link"),
            (json!({"name": "model", "options": [{"name": "energy", "value": 1}]}), "takes no options"),
            (json!({"name": "x".repeat(5000)}), "no command"),
        ] {
            let e = Command::parse(&data(v)).unwrap_err().to_string();
            assert!(e.contains(msg) && e.len() < 200, "{e}");
        }
    }

    #[test]
    fn a_job_carries_the_parsed_command_and_hides_its_token() {
        let command = Command::parse(&data(json!({"name": "predict", "options": [
            {"name": "url", "value": "https://spotify.link/ZcKq2kDFcDb"}, {"name": "tempo", "value": 120}
        ]})))
        .unwrap();
        let job = Job { application_id: "1".into(), token: Secret::new("tok-secret"), command, received_ms: 5 };
        assert!(!format!("{job:?}").contains("tok-secret"));
        let event = serde_json::to_value(JobEvent { hitcast_job: job.clone() }).unwrap();
        assert_eq!(event["hitcast_job"]["command"]["link"], json!({"short": "https://spotify.link/ZcKq2kDFcDb"}));
        assert_eq!(event["hitcast_job"]["command"]["overrides"], json!({"tempo": 120.0}));
        let back: JobEvent = serde_json::from_value(event).unwrap();
        assert_eq!(back.hitcast_job, job);
        // the shape infra/tests sends to the arm64 package
        let v = r#"{"hitcast_job": {"application_id": "1", "token": "t", "received_ms": 1,
            "command": {"kind": "predict", "link": null, "name": null, "overrides": {"tempo": 118.0, "genre": 0}}}}"#;
        let JobEvent { hitcast_job: job } = serde_json::from_str(v).unwrap();
        assert_eq!(
            job.command,
            Command::Predict {
                link: None,
                name: None,
                overrides: Overrides(vec![(Feature::Tempo, 118.0), (Feature::Genre, 0.0)]),
                file: None,
                remote: false,
            }
        );
    }

    #[test]
    fn attached_files_are_read_from_resolved_attachments() {
        let file = |id: &str, name: &str| {
            json!({"id": id, "filename": name, "size": 1000, "url": format!("https://cdn.discordapp.com/attachments/1/{id}/{name}?ex=1&hm=sig"),
                   "proxy_url": "https://media.discordapp.net/x", "content_type": "audio/mpeg"})
        };
        let resolved = json!({"attachments": {"11": file("11", "a.mp3"), "12": file("12", "b.wav")}});
        let c = Command::parse(&data(json!({"name": "album", "options": [
            {"name": "file1", "type": 11, "value": "11"}, {"name": "file2", "type": 11, "value": "12"},
            {"name": "artist_popularity", "type": 10, "value": 30}
        ], "resolved": resolved.clone()})))
        .unwrap();
        let Command::Album { link: None, files, overrides, remote: false } = &c else { panic!("{c:?}") };
        assert_eq!(files.iter().map(|f| f.filename.as_str()).collect::<Vec<_>>(), ["a.mp3", "b.wav"]);
        assert_eq!(overrides.0, vec![(Feature::ArtistPopularity, 30.0)]);
        // the job carries the files; its log line does not carry their signed URLs
        let job = Job { application_id: "1".into(), token: Secret::new("t"), command: c.clone(), received_ms: 5 };
        assert!(!format!("{job:?}").contains("hm=sig"));
        let back: JobEvent =
            serde_json::from_value(serde_json::to_value(JobEvent { hitcast_job: job.clone() }).unwrap()).unwrap();
        assert_eq!(back.hitcast_job, job);
        let c =
            Command::parse(&data(json!({"name": "predict", "options": [{"name": "file", "type": 11, "value": "12"}],
            "resolved": resolved})))
            .unwrap();
        assert!(matches!(c, Command::Predict { file: Some(ref f), .. } if f.filename == "b.wav"), "{c:?}");
        for (v, msg) in [
            (json!({"name": "predict", "options": [{"name": "file", "value": "99"}]}), "names no attached file"),
            (json!({"name": "album", "options": [{"name": "file11", "value": "1"}]}), "no option `file11`"),
            (json!({"name": "album", "options": [{"name": "file01", "value": "1"}]}), "no option `file01`"),
            (json!({"name": "predict", "options": [{"name": "remote_analysis", "value": "yes"}]}), "true or false"),
        ] {
            let e = Command::parse(&data(v)).unwrap_err().to_string();
            assert!(e.contains(msg), "{e}");
        }
    }

    #[test]
    fn webhook_ids_and_tokens_are_checked() {
        assert!(valid_webhook("1100000000000000001", "aW50ZXJhY3Rpb24.tok-en_1"));
        for (a, t) in [("", "t"), ("12a", "t"), ("1", ""), ("1", "../../x"), ("1", "t?x=1"), ("1", "t/x")] {
            assert!(!valid_webhook(a, t), "{a} {t}");
        }
    }
}
