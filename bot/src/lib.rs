//! Hitcast's Discord bot: `/predict <spotify-track-url>`, `/album <album-url>`, `/model`.
//!
//! - [`link`]: Spotify links, URIs and ids.
//! - [`sources`]: the `Catalog` and `FeatureSource` traits; [`spotify`] (rspotify, client
//!   credentials) and [`reccobeats`] implement them.
//! - [`enrich`]: the chain Spotify → ReccoBeats → the user's options, each value tagged with
//!   its source; nothing invented.
//! - [`logic`]: a command's work without Discord; [`reply`] and [`chart`]: what the user sees.
//! - [`attachments`]: songs attached to a command, from Discord's CDN only, analysed in memory.
//! - [`commands`]: the poise slash commands (thin). [`config`]: the environment, once.
//! - [`interactions`]: the same commands over Discord's HTTP interactions (`hitcast-interactions`,
//!   on Lambda or locally): signature check, deferred answer, the work, the webhook edit.
//!
//! Only this crate knows Discord and Spotify; the core (`hitcast`) knows neither.

pub mod attachments;
pub mod chart;
pub mod commands;
pub mod config;
pub mod enrich;
pub mod interactions;
pub use hitcast_bot_wire::link;
pub mod logic;
pub mod reccobeats;
pub mod reply;
pub mod resolve;
pub mod sources;
pub mod spotify;
