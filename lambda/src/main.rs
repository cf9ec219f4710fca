//! `hitcast-lambda` (packaged as `bootstrap`): the Hitcast API on AWS Lambda, or locally on
//! `HITCAST_LISTEN` when `AWS_LAMBDA_RUNTIME_API` is not set.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use hitcast_lambda::api::AppState;
use hitcast_lambda::config::Config;
use hitcast_lambda::store::{self, NoStore, S3Store};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let config = Config::from_env().context("read the configuration")?;
    hitcast_lambda::init_tracing(config.log_format);
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
    let state = Arc::new(AppState::new(loaded));
    if config.in_lambda {
        let service = lambda_http::service_fn(move |req| hitcast_lambda::lambda::handler(state.clone(), req));
        lambda_http::run(service).await.map_err(|e| anyhow::anyhow!(e)).context("the Lambda runtime stopped")
    } else {
        hitcast_lambda::local::serve(state, config.listen, config.server)
            .await
            .with_context(|| format!("serve on {}", config.listen))
    }
}
