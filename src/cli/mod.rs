pub mod audio;
pub mod output;
#[cfg(feature = "remote")]
pub mod remote;
pub mod stream;
