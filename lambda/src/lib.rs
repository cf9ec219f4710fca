//! Hitcast's HTTP API as an AWS Lambda (`lambda_http` behind API Gateway or a Function URL) or
//! a local server: the routes themselves are `hitcast-http`'s (transport-free, shared with the
//! Discord interactions endpoint); this crate adds what only the deployment needs.
//!
//! - [`store`]: the model from S3 (any S3-compatible server) or the embedded one.
//! - [`config`]: everything read from the environment, once.
//!
//! The core (`hitcast`) knows nothing of HTTP, JSON bodies or AWS; `hitcast-http` nothing of AWS.
//! Run locally with `cargo run -p hitcast-lambda` (see README, "HTTP API").

pub mod config;
pub mod store;

pub use hitcast_http::{api, origin};
