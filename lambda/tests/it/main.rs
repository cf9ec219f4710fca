//! The Lambda's tests, as one binary: API Gateway / Function URL events, the router, the
//! OpenAPI document, the model store against a real S3-compatible server, the binary under a
//! Lambda Runtime API emulator, the web page in headless Chromium, and a bounded load run.
//! Everything talks only to servers on 127.0.0.1 that the tests start. The two that need a tool
//! the scripts install (s3s-fs, Chromium) are built with the feature `external-tests`
//! (`scripts/test.sh` turns it on after installing them).

mod api;
mod events;
mod hostile;
mod load;
mod openapi;
mod runtime;
#[cfg(feature = "external-tests")]
mod s3;
mod support;
mod upload;
#[cfg(feature = "external-tests")]
mod web;
