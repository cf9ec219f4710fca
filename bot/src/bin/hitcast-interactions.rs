//! `hitcast-interactions` (packaged as `bootstrap`): the bot's slash commands over Discord's HTTP
//! interactions, on AWS Lambda (a Function URL), or locally on `HITCAST_LISTEN` when
//! `AWS_LAMBDA_RUNTIME_API` is not set. `hitcast-interactions register [--guild ID]` registers
//! the commands. See README, "Run the bot without a server".

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use hitcast_bot::config::{self, DEFAULT_DISCORD_API, INTERACTIONS_ENV_VARS, InteractionsConfig, SSM_SECRETS};
use hitcast_bot::interactions::verify::Verifier;
use hitcast_bot::interactions::{Dispatch, Endpoint, Worker, http, lambda, register, webhook::Webhook};
use hitcast_bot::logic::{Bot, Live};
use hitcast_bot::reccobeats::ReccoBeats;
use hitcast_bot::spotify::Spotify;
use hitcast_http::ServeLimits;
use hitcast_http::logging::LogFormat;

#[derive(Debug, Parser)]
#[command(version, about = "Hitcast's Discord commands over HTTP interactions (Lambda or local)")]
struct Args {
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Register /predict, /album and /model with Discord (DISCORD_TOKEN; globally, or in one server)
    Register {
        /// Register in this server only (instant); default DISCORD_GUILD_ID, else globally (up to an hour)
        #[arg(long, env = "DISCORD_GUILD_ID")]
        guild: Option<u64>,
    },
}

fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("start the async runtime")?;
    match args.command {
        Some(Cmd::Register { guild }) => runtime.block_on(register_commands(guild)),
        None => runtime.block_on(serve(started)),
    }
}

async fn register_commands(guild: Option<u64>) -> anyhow::Result<()> {
    let token = std::env::var("DISCORD_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .context("DISCORD_TOKEN not set: copy the bot token from the Bot page of your Discord application")?;
    let base = std::env::var("DISCORD_API_BASE_URL").unwrap_or_else(|_| DEFAULT_DISCORD_API.to_string());
    let base = if base.ends_with('/') { base } else { format!("{base}/") };
    let done = register::register(&base, token.trim(), guild, Duration::from_secs(15))
        .await
        .context("register the commands")?;
    let names = done.names.iter().map(|n| format!("/{n}")).collect::<Vec<_>>().join(", ");
    match guild {
        Some(g) => println!("registered {names} for application {} in server {g}", done.application_id),
        None => println!(
            "registered {names} for application {} globally (they may take up to an hour to appear)",
            done.application_id
        ),
    }
    Ok(())
}

/// The three secrets from SSM Parameter Store (SecureString, decrypted), under `prefix`.
async fn secrets_from_ssm(sdk: &aws_config::SdkConfig, prefix: &str) -> anyhow::Result<HashMap<String, String>> {
    let client = aws_sdk_ssm::Client::new(sdk);
    let names: Vec<String> = SSM_SECRETS.iter().map(|(p, _)| format!("{prefix}{p}")).collect();
    let out = client
        .get_parameters()
        .set_names(Some(names.clone()))
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(aws_sdk_ssm::error::DisplayErrorContext(e).to_string()))
        .with_context(|| format!("read the secrets from SSM Parameter Store ({})", names.join(", ")))?;
    if !out.invalid_parameters().is_empty() {
        bail!("SSM Parameter Store has no {} (create them with infra/secrets.sh)", out.invalid_parameters().join(", "));
    }
    let mut found = HashMap::new();
    for p in out.parameters() {
        if let (Some(name), Some(value)) = (p.name(), p.value())
            && let Some((_, var)) = SSM_SECRETS.iter().find(|(s, _)| name.strip_prefix(prefix) == Some(*s))
        {
            found.insert(var.to_string(), value.to_string());
        }
    }
    Ok(found)
}

async fn serve(started: Instant) -> anyhow::Result<()> {
    let env: HashMap<String, String> =
        INTERACTIONS_ENV_VARS.iter().filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v))).collect();
    // logging starts first: the rest of the configuration may come from SSM
    let format = if config::json_logs(|k| env.get(k).cloned())? { LogFormat::Json } else { LogFormat::Text };
    hitcast_http::logging::init_tracing(format, "info");
    let mut lookup = env.clone();
    // the AWS configuration (credentials, region, endpoints), loaded once if needed
    let mut sdk = None;
    if let Some(prefix) = env.get("HITCAST_SSM_PREFIX").filter(|p| !p.trim().is_empty()) {
        let loaded = sdk.insert(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await);
        lookup.extend(
            secrets_from_ssm(loaded, prefix.trim())
                .await
                .inspect_err(|e| tracing::error!(error = %format!("{e:#}"), "init failed"))?,
        );
    }
    let config = InteractionsConfig::from_lookup(|k| lookup.get(k).cloned()).inspect_err(|e| {
        tracing::error!(error = %e, "init failed");
    })?;
    let model = Arc::new(hitcast::Model::embedded().context("load the embedded model")?);
    let verifier = Verifier::new(&config.public_key)?;
    let endpoint = Arc::new(Endpoint { verifier, model: model.clone() });
    let bot = Bot::live(
        model.clone(),
        Live {
            spotify_client_id: &config.spotify_client_id,
            spotify_client_secret: config.spotify_client_secret.expose(),
            spotify_api: &config.spotify_api_base,
            spotify_auth: &config.spotify_auth_base,
            reccobeats: &config.reccobeats_base,
            timeout: config.http_timeout,
        },
    );
    let worker = Arc::new(Worker { bot, webhook: Webhook::new(&config.discord_api_base, config.http_timeout) });
    if let Some(function) = config.function_name.clone().filter(|_| config.in_lambda) {
        let sdk = match sdk {
            Some(loaded) => loaded,
            None => aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await,
        };
        let dispatch = Dispatch::SelfInvoke { client: aws_sdk_lambda::Client::new(&sdk), function };
        let router = http::router::<Spotify, ReccoBeats>(endpoint, Arc::new(dispatch));
        tracing::info!(model_version = model.version(), init_ms = started.elapsed().as_millis() as u64, "ready");
        let handler = lambda_runtime::service_fn(move |ev: lambda_runtime::LambdaEvent<serde_json::Value>| {
            let (worker, router) = (worker.clone(), router.clone());
            async move { Ok::<_, lambda_runtime::Error>(lambda::handle(&worker, &router, ev.payload, ev.context).await) }
        });
        lambda_runtime::run(handler).await.map_err(|e| anyhow::anyhow!(e)).context("the Lambda runtime stopped")
    } else {
        let router = http::router(endpoint, Arc::new(Dispatch::InProcess(worker)));
        let listen = config.listen;
        let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listen on {listen}"))?;
        let addr = listener.local_addr().context("read the bound address")?;
        tracing::info!(model_version = model.version(), %addr, init_ms = started.elapsed().as_millis() as u64, "ready");
        hitcast_http::serve(listener, router, ServeLimits::default()).await.with_context(|| format!("serve on {addr}"))
    }
}
