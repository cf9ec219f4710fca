//! `hitcast-bot`: the Discord bot (a long-running gateway process). See README, "Discord bot".

use std::sync::Arc;

use anyhow::Context as _;
use hitcast_bot::commands;
use hitcast_bot::config::Config;
use hitcast_bot::logic::{Bot, Live};
use poise::serenity_prelude as serenity;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // serenity reports every gateway event at info: only its warnings by default
    hitcast_http::logging::init_tracing(hitcast_http::logging::LogFormat::Text, "info,serenity=warn");
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let model = Arc::new(hitcast::Model::embedded().context("load the embedded model")?);
    let data = Arc::new(Bot::live(
        model,
        Live {
            spotify_client_id: &config.spotify_client_id,
            spotify_client_secret: config.spotify_client_secret.expose(),
            spotify_api: &config.spotify_api_base,
            spotify_auth: &config.spotify_auth_base,
            reccobeats: &config.reccobeats_base,
            timeout: config.http_timeout,
        },
    ));
    let guild = config.guild_id;
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: commands::all(),
            on_error: |err| {
                Box::pin(async move {
                    match err {
                        poise::FrameworkError::Command { error, ctx, .. } => {
                            tracing::error!(command = %ctx.command().name, error = %error, "command failed");
                            let _ = ctx
                                .send(
                                    poise::CreateReply::default()
                                        .content("Something went wrong on our side; try again later.")
                                        .ephemeral(true),
                                )
                                .await;
                        }
                        other => {
                            if let Err(e) = poise::builtins::on_error(other).await {
                                tracing::error!(error = %e, "error while handling an error");
                            }
                        }
                    }
                })
            },
            ..Default::default()
        })
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                match guild {
                    Some(id) => {
                        poise::builtins::register_in_guild(
                            ctx,
                            &framework.options().commands,
                            serenity::GuildId::new(id),
                        )
                        .await?;
                        tracing::info!(bot = %ready.user.name, guild = id, "commands registered in the guild");
                    }
                    None => {
                        poise::builtins::register_globally(ctx, &framework.options().commands).await?;
                        tracing::info!(bot = %ready.user.name, "commands registered globally (may take up to an hour)");
                    }
                }
                Ok(data)
            })
        })
        .build();
    let mut client =
        serenity::ClientBuilder::new(config.discord_token.expose(), serenity::GatewayIntents::non_privileged())
            .framework(framework)
            .await
            .context("create the Discord client")?;
    client.start().await.context("the Discord connection ended (is DISCORD_TOKEN valid?)")
}
