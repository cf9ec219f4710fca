//! Spotify links: `https://open.spotify.com/(intl-xx/)track/ID?si=…`, `spotify:track:ID`, bare IDs.

use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Track,
    Album,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SpotifyRef {
    pub kind: Kind,
    pub id: String,
}

impl Kind {
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Track => "track",
            Kind::Album => "album",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LinkError {
    /// What to paste depends on what the command wants (`/album` wants an album's link).
    #[error(
        "that is not a Spotify link: paste {} link (https://open.spotify.com/{}/…), a spotify:{}: URI or {} id",
        if *.0 == Kind::Album { "an album" } else { "a track" }, .0.name(), .0.name(),
        if *.0 == Kind::Album { "an album" } else { "a track" }
    )]
    NotSpotify(Kind),
    #[error("that is a Spotify {0} link; {1}")]
    WrongKind(String, &'static str),
    #[error("the Spotify id {0} is not valid (22 letters and digits)")]
    BadId(String),
    /// `spotify.link/…`, `spotify.app.link/…`, `open.spotify.com/s/…`: the share links of the
    /// mobile apps, which only a browser resolves.
    #[error(
        "that is a Spotify short link ({0}/…), which I cannot open: open it in your browser and paste the address it lands on (https://open.spotify.com/track/…), or in the Spotify app use Share → Copy Song Link on a computer"
    )]
    ShortLink(&'static str),
}

/// A link as a command carries it: parsed, or a short share link still to be resolved (that
/// takes a request, so it is done after the deferred answer).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    Parsed(SpotifyRef),
    Short(String),
}

/// [`parse`], keeping a short share link for later instead of refusing it.
pub fn parse_link(input: &str, expect: Kind) -> Result<Link, LinkError> {
    match parse(input, expect) {
        Ok(r) => Ok(Link::Parsed(r)),
        Err(LinkError::ShortLink(_)) => Ok(Link::Short(input.trim().to_string())),
        Err(e) => Err(e),
    }
}

/// Hosts (and path prefixes) of Spotify's short share links.
const SHORT_LINKS: [&str; 3] = ["spotify.link/", "spotify.app.link/", "open.spotify.com/s/"];

fn valid_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Parses a link, URI or bare id; `expect` is what the command wants.
pub fn parse(input: &str, expect: Kind) -> Result<SpotifyRef, LinkError> {
    let s = input.trim().trim_matches(|c| c == '<' || c == '>');
    let bare = ["https://", "http://", ""].iter().find_map(|scheme| s.strip_prefix(scheme)).unwrap_or(s);
    if let Some(short) = SHORT_LINKS.iter().find(|p| bare.starts_with(*p)) {
        return Err(LinkError::ShortLink(short.trim_end_matches('/')));
    }
    let (kind, id) = if let Some(rest) = s.strip_prefix("spotify:") {
        let mut it = rest.split(':');
        (it.next().unwrap_or(""), it.next().unwrap_or("").to_string())
    } else if let Some(rest) = ["https://", "http://", ""].iter().find_map(|scheme| {
        s.strip_prefix(scheme)
            .and_then(|r| r.strip_prefix("open.spotify.com/").or_else(|| r.strip_prefix("play.spotify.com/")))
    }) {
        let path = rest.split(['?', '#']).next().unwrap_or("");
        let mut segs: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        if segs.first().is_some_and(|s| s.starts_with("intl-")) {
            segs.remove(0);
        }
        // the embed player's links: open.spotify.com/embed/track/ID (and the older embed-podcast)
        if segs.first().is_some_and(|s| *s == "embed") {
            segs.remove(0);
        }
        match segs.as_slice() {
            [kind, id, ..] => (*kind, id.to_string()),
            _ => return Err(LinkError::NotSpotify(expect)),
        }
    } else if valid_id(s) {
        // a bare id is of the kind the command takes (`/album 4aawyAB9vmqN3uQ7FjRGTy`)
        (expect.name(), s.to_string())
    } else {
        return Err(LinkError::NotSpotify(expect));
    };
    let kind = match (kind, expect) {
        ("track", _) => Kind::Track,
        ("album", _) => Kind::Album,
        ("episode" | "show" | "playlist" | "artist" | "user" | "concert" | "audiobook" | "chapter", _) => {
            return Err(LinkError::WrongKind(
                kind.to_string(),
                match expect {
                    Kind::Track => "/predict takes a track link (or /album for an album)",
                    Kind::Album => "/album takes an album link",
                },
            ));
        }
        _ => return Err(LinkError::NotSpotify(expect)),
    };
    if kind != expect {
        return Err(LinkError::WrongKind(
            match kind {
                Kind::Track => "track".into(),
                Kind::Album => "album".into(),
            },
            match expect {
                Kind::Track => "use /album for albums",
                Kind::Album => "use /predict for a single track",
            },
        ));
    }
    if !valid_id(&id) {
        // echo what was pasted, quoted and escaped, in at most 60 characters: a reply has to
        // fit Discord's limits
        let quoted = format!("{id:?}");
        let shown: String = match quoted.char_indices().nth(60) {
            Some((at, _)) => format!("{}…", &quoted[..at]),
            None => quoted,
        };
        return Err(LinkError::BadId(shown));
    }
    Ok(SpotifyRef { kind, id })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "4uLU6hMCjMI75M1A2tKUQC";

    #[test]
    fn short_share_links_say_what_to_paste() {
        for (link, host) in [
            ("https://spotify.link/ZcKq2kDFcDb", "spotify.link"),
            ("spotify.app.link/4xYz?_p=c", "spotify.app.link"),
            ("https://open.spotify.com/s/abc123", "open.spotify.com/s"),
        ] {
            let e = parse(link, Kind::Track).unwrap_err();
            assert_eq!(e, LinkError::ShortLink(host), "{link}");
            assert!(e.to_string().contains("https://open.spotify.com/track/"), "{e}");
        }
    }

    #[test]
    fn a_long_bad_id_is_echoed_short() {
        // found by the bot_link fuzz target (fuzz/corpus/bot_link/long-bad-id)
        let long = format!("spotify:album:{}", "\u{1c}".repeat(10_000));
        let e = parse(&long, Kind::Album).unwrap_err().to_string();
        assert!(e.chars().count() < 120, "{} characters", e.chars().count());
    }

    fn check(input: &str, expect: Kind, want: Result<&str, &str>) {
        let got = parse(input, expect);
        match (got, want) {
            (Ok(r), Ok(id)) => assert_eq!(r.id, id, "{input}"),
            (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "{input}: {e}"),
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn track_links() {
        for input in [
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC?si=abc123&utm_source=copy-link",
            "https://open.spotify.com/intl-de/track/4uLU6hMCjMI75M1A2tKUQC",
            "https://open.spotify.com/intl-pt-BR/track/4uLU6hMCjMI75M1A2tKUQC?si=x",
            // the embed player's link, as pasted from a web page
            "https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC?utm_source=generator",
            "open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "http://play.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
            "<https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC>",
            "  spotify:track:4uLU6hMCjMI75M1A2tKUQC ",
            "4uLU6hMCjMI75M1A2tKUQC",
        ] {
            check(input, Kind::Track, Ok(ID));
        }
    }

    #[test]
    fn album_links() {
        check("https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy?si=1", Kind::Album, Ok("4aawyAB9vmqN3uQ7FjRGTy"));
        check("spotify:album:4aawyAB9vmqN3uQ7FjRGTy", Kind::Album, Ok("4aawyAB9vmqN3uQ7FjRGTy"));
        check("4aawyAB9vmqN3uQ7FjRGTy", Kind::Album, Ok("4aawyAB9vmqN3uQ7FjRGTy"));
        check("https://open.spotify.com/embed/album/4aawyAB9vmqN3uQ7FjRGTy", Kind::Album, Ok("4aawyAB9vmqN3uQ7FjRGTy"));
        // /album's errors ask for an album's link, not a track's
        let e = parse("https://example.com/x", Kind::Album).unwrap_err().to_string();
        assert!(e.contains("paste an album link (https://open.spotify.com/album/…)") && !e.contains("track"), "{e}");
        check("https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy", Kind::Track, Err("use /album for albums"));
        check("https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC", Kind::Album, Err("use /predict"));
    }

    #[test]
    fn other_kinds_and_garbage() {
        check("https://open.spotify.com/episode/512ojhOuo1ktJprKbVcKyQ", Kind::Track, Err("Spotify episode link"));
        check("https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M", Kind::Track, Err("Spotify playlist link"));
        check("spotify:artist:0TnOYISbd1XYRBk9myaseg", Kind::Track, Err("Spotify artist link"));
        check("https://open.spotify.com/show/2MAi0BvDc6GTFvKFPXnkCL", Kind::Album, Err("/album takes an album link"));
        check("https://www.youtube.com/watch?v=dQw4w9WgXcQ", Kind::Track, Err("not a Spotify link"));
        check("hello", Kind::Track, Err("not a Spotify link"));
        check("", Kind::Track, Err("not a Spotify link"));
        check("https://open.spotify.com/", Kind::Track, Err("not a Spotify link"));
        check("https://open.spotify.com/track/short", Kind::Track, Err("is not valid"));
        check("spotify:track:", Kind::Track, Err("is not valid"));
    }
}
