//! Finding and loading the ONNX Runtime shared library (`ort` with `load-dynamic`).
//!
//! Looked up, first found wins: `$ORT_DYLIB_PATH`; `libonnxruntime.so` beside the executable
//! or one folder up (cargo's `target/*/deps`); the project's `.ort/<arch>/` that
//! `scripts/setup-ort.sh` fills. Loaded once per process.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;
use thiserror::Error;

/// The ONNX Runtime library could not be used.
#[derive(Debug, Clone, Error)]
pub enum RuntimeError {
    #[error(
        "the ONNX Runtime library (libonnxruntime.so 1.31) was not found; run `scripts/setup-ort.sh` \
         in the Hitcast checkout to fetch it, or set ORT_DYLIB_PATH to its path (looked in: {})",
        searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    NotFound { searched: Vec<PathBuf> },
    #[error("could not load ONNX Runtime from {path}: {message} (run `scripts/setup-ort.sh` to fetch version 1.31)")]
    Load { path: PathBuf, message: String },
    #[error("could not start ONNX Runtime: {0}")]
    Init(String),
}

const LIB: &str = "libonnxruntime.so";

fn arch_dir() -> &'static str {
    if cfg!(target_arch = "aarch64") { "aarch64" } else { "x86_64" }
}

/// Where the library is looked for, in order.
pub fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        out.push(PathBuf::from(p));
    }
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        out.push(dir.join(LIB));
        if let Some(up) = dir.parent() {
            out.push(up.join(LIB));
        }
    }
    out.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ort").join(arch_dir()).join(LIB));
    out
}

/// The process-wide ONNX Runtime environment, loading the library on first use.
pub fn environment() -> Result<&'static Environment, RuntimeError> {
    static ENV: OnceLock<Result<Environment, RuntimeError>> = OnceLock::new();
    ENV.get_or_init(|| {
        let searched = candidates();
        let path = searched.iter().find(|p| p.is_file()).cloned().ok_or(RuntimeError::NotFound { searched })?;
        let builder =
            ort::init_from(&path).map_err(|e| RuntimeError::Load { path: path.clone(), message: e.to_string() })?;
        builder.with_name("hitcast").build().map_err(|e| RuntimeError::Init(e.to_string()))
    })
    .as_ref()
    .map_err(Clone::clone)
}
