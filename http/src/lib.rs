//! Hitcast's HTTP layer, shared by both functions (the API in `lambda/`, the Discord
//! interactions endpoint in `bot/`), with no transport of its own:
//!
//! - [`api`]: the API's routes and handlers, transport-free (`handle(state, request)`), and
//!   [`app`]: the same routes as an axum [`axum::Router`] under tower / tower-http layers — the
//!   body limit refused from `Content-Length` before reading, a byte budget across connections
//!   ([`budget`]), CORS with a real preflight, a concurrency limit, timeouts, tracing.
//! - [`serve`]: one bounded local HTTP/1.1 server for any router (connection cap, header,
//!   body and idle timeouts, accept back-off); [`lambda`] (feature `lambda`): any router on
//!   AWS Lambda through `lambda_http`.
//! - [`logging`]: one `tracing` set-up, with the targets that print credentials filtered out.
//! - [`origin`]: which model is served and from where.
//! - [`multipart`]: `multipart/form-data` over a body in memory (songs' files for the API).
//! - `remote` (feature `remote`): ReccoBeats' analysis of an uploaded file, for the clients who
//!   ask for it ([`api::RemoteAnalysis`] is the seam; this crate's core has no HTTP client).
//!
//! Invariant: no AWS SDK here, and `lambda_http` only behind the `lambda` feature, so the core's
//! tests, the fuzz targets and the benches build this crate without any AWS crate.

pub mod api;
pub mod app;
pub mod budget;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod logging;
pub mod multipart;
pub mod origin;
#[cfg(feature = "remote")]
pub mod remote;
pub mod serve;

pub use app::{HttpLimits, router};
pub use budget::{BodyBudget, BodyError};
pub use serve::{ServeLimits, serve};
