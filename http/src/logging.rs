//! One `tracing` set-up for every binary: JSON on Lambda (CloudWatch), text locally, `RUST_LOG`
//! filters (default `info`).
//!
//! Secrets never reach the log, whatever `RUST_LOG` says: the [`SENSITIVE_TARGETS`] print whole
//! requests at debug and trace level (the raw Lambda event with its `x-api-key`, `authorization`
//! and Discord signature headers; signed S3 and Lambda requests with the access key id), so
//! their events at those levels are *dropped* by a filter of their own. The filter only ever
//! removes events: with `RUST_LOG` unset, nothing below `info` is logged from anywhere.

use tracing::{Level, Metadata};
use tracing_subscriber::filter::{EnvFilter, FilterFn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

/// Log targets (and their children) that print credentials at debug or trace level.
pub const SENSITIVE_TARGETS: [&str; 6] = [
    "lambda_runtime",
    "lambda_runtime_api_client",
    "aws_sigv4",
    "aws_smithy_runtime",
    "aws_smithy_http_client",
    "aws_config",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (Lambda).
    Json,
    /// Plain text (a terminal).
    Text,
}

/// Whether an event or span may be logged: not a sensitive target below `info`.
pub fn allowed(meta: &Metadata<'_>) -> bool {
    // in `tracing`, more verbose is greater: DEBUG > INFO
    *meta.level() <= Level::INFO || !is_sensitive(meta.target())
}

fn is_sensitive(target: &str) -> bool {
    SENSITIVE_TARGETS.iter().any(|t| target == *t || target.strip_prefix(t).is_some_and(|rest| rest.starts_with("::")))
}

/// The subscriber, writing to `writer` with `directives` (`RUST_LOG` syntax) as the filter.
pub fn subscriber<W>(format: LogFormat, directives: &str, writer: W) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let env = EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new("info"));
    let redact = FilterFn::new(allowed);
    let fmt = tracing_subscriber::fmt::layer().with_writer(writer);
    match format {
        LogFormat::Json => Box::new(
            tracing_subscriber::registry()
                .with(env)
                .with(fmt.json().without_time().with_current_span(false).with_filter(redact)),
        ),
        LogFormat::Text => {
            Box::new(tracing_subscriber::registry().with(env).with(fmt.with_ansi(false).with_filter(redact)))
        }
    }
}

/// Installs the subscriber for this process (stderr; `RUST_LOG`, else `default`, e.g. `info`).
pub fn init_tracing(format: LogFormat, default: &str) {
    let directives = std::env::var("RUST_LOG").ok().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| default.into());
    let _ = tracing::subscriber::set_global_default(subscriber(format, &directives, std::io::stderr));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(directives: &str, emit: impl FnOnce()) -> String {
        let buf = Buf::default();
        let w = buf.clone();
        let sub = subscriber(LogFormat::Json, directives, move || w.clone());
        tracing::subscriber::with_default(sub, emit);
        String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
    }

    fn emit_all() {
        tracing::debug!(target: "aws_sigv4::http_request", "canonical request AKIAEXAMPLEKEY");
        tracing::trace!(target: "lambda_runtime::layers::api_response", "event x-api-key: hunter2");
        tracing::info!(target: "aws_smithy_runtime", "retrying");
        tracing::debug!(target: "hitcast_http::app", "request");
        tracing::info!(target: "hitcast_http::app", "ready");
    }

    #[test]
    fn the_default_level_logs_no_debug_line() {
        let out = logged("info", emit_all);
        assert!(out.contains("ready") && out.contains("retrying"), "{out}");
        assert!(!out.contains("DEBUG") && !out.contains("TRACE"), "{out}");
    }

    #[test]
    fn sensitive_targets_stay_quiet_whatever_rust_log_says() {
        for directives in ["trace", "debug", "aws_sigv4=trace,lambda_runtime=trace,hitcast_http=debug"] {
            let out = logged(directives, emit_all);
            assert!(!out.contains("AKIAEXAMPLEKEY") && !out.contains("hunter2"), "{directives}: {out}");
            // ours still follow RUST_LOG
            assert!(out.contains("\"request\""), "{directives}: {out}");
        }
    }

    #[test]
    fn a_target_is_sensitive_with_its_children_only() {
        assert!(is_sensitive("aws_sigv4") && is_sensitive("aws_sigv4::sign"));
        assert!(!is_sensitive("aws_sigv4x") && !is_sensitive("hitcast_bot"));
    }
}
