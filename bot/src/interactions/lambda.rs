//! On Lambda: one function, two kinds of event.
//! - An HTTP request from Discord, as a Function URL event (or an API Gateway one): answered by
//!   the endpoint's router ([`super::http`]) through `hitcast-http`'s Lambda adapter; a deferred
//!   command's job is sent as…
//! - …a job event (`{"hitcast_job": …}`), the asynchronous invocation the function makes of
//!   itself: the work runs there, and its answer edits the original response.
//!
//! Why a second invocation: Lambda freezes the environment as soon as a response is returned,
//! so work started "after" the deferred answer would stall until the next request thaws it.
//! An asynchronous invocation (`InvocationType=Event`) needs no queue or extra resource — only
//! `lambda:InvokeFunction` on itself — costs one more short invocation, and its retries and age
//! limit are set in the template (no retry; dropped after 10 minutes, inside the token's life).
//! SQS would add a queue and an event source mapping for the same effect; an extension that
//! finishes work after the response would still bill the first invocation for the whole job.

use std::time::Duration;

use axum::Router;
use hitcast_http::lambda::{Context, LambdaEvent, LambdaRequest};
use serde_json::Value;

use super::{JobEvent, Worker};
use crate::sources::{Catalog, FeatureSource};

/// Handles one Lambda event of either kind: a job, or an HTTP request for `router`.
pub async fn handle<S, R>(worker: &Worker<S, R>, router: &Router, event: Value, context: Context) -> Value
where
    S: Catalog + FeatureSource + Send + Sync + 'static,
    R: FeatureSource + Send + Sync + 'static,
{
    if event.get("hitcast_job").is_some() {
        return match serde_json::from_value::<JobEvent>(event) {
            Ok(JobEvent { hitcast_job: job }) => {
                // the edit must go out before Lambda stops the invocation
                let cut = Duration::from_millis(context.deadline.saturating_sub(super::now_ms()))
                    .saturating_sub(Duration::from_secs(3));
                worker.run(job, Some(cut)).await;
                serde_json::json!({"done": true})
            }
            Err(e) => {
                tracing::error!(error = %e, "a job event that does not parse");
                serde_json::json!({"done": false})
            }
        };
    }
    match serde_json::from_value::<LambdaRequest>(event) {
        Ok(payload) => hitcast_http::lambda::respond(router.clone(), LambdaEvent { payload, context }).await,
        Err(e) => {
            tracing::error!(error = %e, "an event that is neither an HTTP request nor a job");
            serde_json::json!({"statusCode": 400, "headers": {"content-type": "application/json"},
                "body": r#"{"error":{"code":"invalid_event","message":"not an HTTP request event"}}"#})
        }
    }
}
