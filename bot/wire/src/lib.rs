//! What Hitcast's bot reads from outside, as pure functions (no I/O, no async): [`link`] parses
//! Spotify links, URIs and ids; [`verify`] checks Discord's request signatures. Their own crate
//! so that the fuzz targets build them without the bot's Discord, Spotify and AWS clients.

pub mod link;
pub mod verify;
