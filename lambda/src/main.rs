//! `hitcast-lambda` (packaged as `bootstrap`): the Hitcast API on AWS Lambda, or locally on
//! `HITCAST_LISTEN` when `AWS_LAMBDA_RUNTIME_API` is not set.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use hitcast_http::api::AppState;
use hitcast_lambda::config::Config;
use hitcast_lambda::store::{self, NoStore, S3Store};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let config = Config::from_env().context("read the configuration")?;
    hitcast_http::logging::init_tracing(config.log_format, "info");
    let loaded = match &config.model_uri {
        Some(_) => store::load(&config, &S3Store::from_env(config.s3_timeout).await).await,
        None => store::load(&config, &NoStore).await,
    };
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => {
            // One line with the cause; Lambda reports an init error and retries.
            tracing::error!(error = %e, "cannot load the model");
            return Err(e).context("load the model");
        }
    };
    tracing::info!(
        model_version = loaded.model.version(),
        model_source = %loaded.origin.label(),
        init_ms = started.elapsed().as_millis() as u64,
        "ready"
    );
    let mut state = AppState::new(loaded);
    if let Some(url) = &config.remote_analysis {
        // used only for a request that asks (`remote_analysis` in a form)
        state = state.with_remote(Arc::new(hitcast_http::remote::ReccoBeatsAnalysis::new(url, config.remote_timeout)));
    }
    let router = hitcast_http::router(Arc::new(state), config.http);
    if config.in_lambda {
        hitcast_http::lambda::run(router).await.map_err(|e| anyhow::anyhow!(e)).context("the Lambda runtime stopped")
    } else {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("listen on {}", config.listen))?;
        let bound = listener.local_addr().context("read the bound address")?;
        tracing::info!(address = %bound, "serving the Hitcast API and web page on http://{bound}/");
        hitcast_http::serve(listener, router, config.server).await.with_context(|| format!("serve on {bound}"))
    }
}
