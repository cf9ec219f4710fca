//! The binary without (valid) configuration: it exits at once with a message saying what to set.

use std::process::Command;

fn run(envs: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hitcast-bot"));
    for var in ["DISCORD_TOKEN", "SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "DISCORD_GUILD_ID"] {
        cmd.env_remove(var);
    }
    let out = cmd.envs(envs.iter().copied()).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn without_any_token_it_says_what_to_set() {
    let (code, err) = run(&[]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: DISCORD_TOKEN, SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET not set. Set them"),
        "{err}"
    );
    assert!(err.contains("bot/.env.example"));
}

#[test]
fn with_an_invalid_token_it_says_so_without_echoing_it() {
    let (code, err) = run(&[("DISCORD_TOKEN", "hunter2"), ("SPOTIFY_CLIENT_ID", "x"), ("SPOTIFY_CLIENT_SECRET", "y")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("DISCORD_TOKEN is not valid: a bot token has three dot-separated parts"), "{err}");
    assert!(!err.contains("hunter2"));
}
