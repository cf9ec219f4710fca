//! The bot's tests, as one binary: enrichment against stub servers on 127.0.0.1 that replay
//! the documented JSON shapes of Spotify and ReccoBeats, replies (snapshots), the command
//! registration payload (snapshot), and the binary's start-up with missing or invalid config.

mod attachments;
mod discord;
mod enrichment;
mod failures;
mod interactions;
mod lambda_runtime;
mod payloads;
mod registration;
mod startup;
mod stubs;
