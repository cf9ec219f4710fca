//! Hitcast's HTTP API: JSON predictions for HTTP clients, as an AWS Lambda (`lambda_http` on
//! `lambda_runtime`) behind API Gateway or a Function URL, or as a local server.
//!
//! - [`api`]: routes and handlers, independent of the transport; maps core errors to statuses.
//! - [`lambda`]: Lambda events in and out. [`local`]: the same routes over plain HTTP.
//! - [`store`]: the model from S3 (any S3-compatible server) or the embedded one;
//!   [`origin`]: which model is served and from where.
//! - [`config`]: everything read from the environment, once.
//!
//! The core (`hitcast`) knows nothing of HTTP, JSON bodies or AWS; only this crate does.
//! Run locally with `cargo run -p hitcast-lambda` (see README, "HTTP API").

pub mod api;
pub mod config;
pub mod lambda;
pub mod local;
pub mod origin;
pub mod store;

/// Logs as JSON under Lambda (CloudWatch) and as text locally; `RUST_LOG` filters.
/// Log targets that print raw requests or events (with credentials) at trace level.
pub const REDACTED_TARGETS: [&str; 4] =
    ["lambda_runtime::layers::api_response", "aws_sigv4", "aws_smithy_runtime", "aws_smithy_http_client"];

pub fn init_tracing(format: config::LogFormat) {
    use tracing_subscriber::EnvFilter;
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Secrets never reach the log, whatever RUST_LOG says: these targets print whole requests
    // (the raw Lambda event with its `x-api-key` and `authorization` headers; signed S3
    // requests) at trace level, so they are capped at debug.
    for target in REDACTED_TARGETS {
        filter = filter.add_directive(format!("{target}=debug").parse().expect("a valid directive"));
    }
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        config::LogFormat::Json => builder.json().without_time().with_current_span(false).try_init(),
        config::LogFormat::Text => builder.with_ansi(false).try_init(),
    };
}
