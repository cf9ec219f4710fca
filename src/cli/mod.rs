pub mod output;
pub mod stream;
