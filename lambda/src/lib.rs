//! Hitcast's HTTP API: JSON predictions for HTTP clients, as an AWS Lambda (`lambda_http` on
//! `lambda_runtime`) behind API Gateway or a Function URL, or as a local server.
//!
//! - [`api`]: routes and handlers, independent of the transport; maps core errors to statuses.
//! - [`lambda`]: Lambda events in and out. [`local`]: the same routes over plain HTTP.
//! - [`store`]: the model from S3 (any S3-compatible server) or the embedded one.
//! - [`config`]: everything read from the environment, once.
//!
//! The core (`hitcast`) knows nothing of HTTP, JSON bodies or AWS; only this crate does.
//! Run locally with `cargo run -p hitcast-lambda` (see README, "HTTP API").

pub mod api;
pub mod config;
pub mod lambda;
pub mod local;
pub mod store;

/// Logs as JSON under Lambda (CloudWatch) and as text locally; `RUST_LOG` filters.
pub fn init_tracing(format: config::LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        config::LogFormat::Json => builder.json().without_time().with_current_span(false).try_init(),
        config::LogFormat::Text => builder.with_ansi(false).try_init(),
    };
}
