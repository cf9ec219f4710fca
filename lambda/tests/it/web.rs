//! The web page in headless Chromium (Debian's `chromium`, driven by playwright-core; both
//! installed by `scripts/setup-web.sh`), with the shared clips dropped as songs' files.
//! Screenshots land in target/test-artifacts/.

use std::process::Command;

use crate::support::{Proc, artifacts};

#[test]
fn the_page_predicts_ranks_and_shows_errors_next_to_fields() {
    let web = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/web");
    assert!(
        std::path::Path::new(web).join("node_modules/playwright-core").exists(),
        "playwright-core is not installed: run scripts/setup-web.sh (scripts/test.sh does)"
    );
    // the page's opt-in remote analysis goes to a stub of ReccoBeats
    let (recco, _requests) = crate::support::recco_stub(
        200,
        r#"{"acousticness": 0.1, "danceability": 0.7, "energy": 0.6, "instrumentalness": 0.0, "liveness": 0.1,
            "loudness": -7.0, "speechiness": 0.05, "tempo": 120.0, "valence": 0.5}"#,
    );
    let (_server, addr) = Proc::serve(&[("HITCAST_RECCOBEATS_URL", recco)]);
    let out = artifacts();
    let o = Command::new("node")
        .arg(format!("{web}/page.mjs"))
        .arg(format!("http://{addr}/"))
        .arg(&out)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/audio"))
        .output()
        .expect("run node (Node.js is needed for the browser test)");
    assert!(
        o.status.success(),
        "browser test failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    for shot in ["web-predict.png", "web-validation.png", "web-rank.png", "web-audio.png", "web-audio-rank.png"] {
        let bytes = std::fs::read(out.join(shot)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{shot} is not a PNG");
    }
    println!("{}", String::from_utf8_lossy(&o.stdout));
}
