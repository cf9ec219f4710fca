pub mod audio;
pub mod output;
pub mod stream;
