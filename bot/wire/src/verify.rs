//! Discord's request signatures: `X-Signature-Ed25519` (hex) over `X-Signature-Timestamp`
//! followed by the raw body, against the application's public key. Checked before anything
//! else reads the request; every failure is a 401 with the same body.
//!
//! Stricter than serenity's `Verifier`: hex is parsed byte by byte (`u8::from_str_radix` would
//! also take `+a` for `0a`, so a re-encoded signature would pass), the signature is checked with
//! `verify_strict` (no malleable signatures, no small-order keys), and the timestamp must be
//! within [`MAX_SKEW`] of now, so a captured request cannot be replayed later.

use ed25519_dalek::{Signature, VerifyingKey};
use thiserror::Error;

/// How far a request's timestamp may be from the clock (either way).
pub const MAX_SKEW_SECS: u64 = 300;

/// Why a request was refused. The caller sees only "invalid request signature"; this is for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Refused {
    #[error("no X-Signature-Ed25519 header")]
    MissingSignature,
    #[error("no X-Signature-Timestamp header")]
    MissingTimestamp,
    #[error("the signature is not 128 hex digits")]
    MalformedSignature,
    #[error("the timestamp is not a number of seconds")]
    MalformedTimestamp,
    #[error("the timestamp is more than {MAX_SKEW_SECS} s from now")]
    Stale,
    #[error("the signature does not match the public key, timestamp and body")]
    BadSignature,
}

/// `DISCORD_PUBLIC_KEY` is not a valid Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "DISCORD_PUBLIC_KEY is not valid: {0} (copy the Public Key from the General Information page of your Discord application: 64 hex digits)"
)]
pub struct InvalidKey(pub &'static str);

#[derive(Debug, Clone)]
pub struct Verifier {
    key: VerifyingKey,
}

/// Exactly `N` bytes from `2N` hex digits (either case), nothing else.
pub fn parse_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.as_bytes();
    if s.len() != 2 * N {
        return None;
    }
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = digit(s[2 * i])? << 4 | digit(s[2 * i + 1])?;
    }
    Some(out)
}

impl Verifier {
    pub fn new(public_key_hex: &str) -> Result<Verifier, InvalidKey> {
        let bytes = parse_hex::<32>(public_key_hex.trim()).ok_or(InvalidKey("not 64 hex digits"))?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| InvalidKey("not a point on the curve"))?;
        if key.is_weak() {
            return Err(InvalidKey("a weak (small-order) key"));
        }
        Ok(Verifier { key })
    }

    /// Checks one request; `now` is Unix seconds.
    pub fn verify(
        &self,
        signature: Option<&[u8]>,
        timestamp: Option<&[u8]>,
        body: &[u8],
        now: u64,
    ) -> Result<(), Refused> {
        let signature = signature.ok_or(Refused::MissingSignature)?;
        let timestamp = timestamp.ok_or(Refused::MissingTimestamp)?;
        let signature =
            std::str::from_utf8(signature).ok().and_then(parse_hex::<64>).ok_or(Refused::MalformedSignature)?;
        // Seconds as Discord sends them: digits only (no sign, no spaces), at most 12 of them.
        if timestamp.is_empty() || timestamp.len() > 12 || !timestamp.iter().all(u8::is_ascii_digit) {
            return Err(Refused::MalformedTimestamp);
        }
        let seconds: u64 = std::str::from_utf8(timestamp).expect("ASCII digits").parse().expect("≤ 12 digits");
        if seconds.abs_diff(now) > MAX_SKEW_SECS {
            return Err(Refused::Stale);
        }
        let mut message = Vec::with_capacity(timestamp.len() + body.len());
        message.extend_from_slice(timestamp);
        message.extend_from_slice(body);
        self.key.verify_strict(&message, &Signature::from_bytes(&signature)).map_err(|_| Refused::BadSignature)
    }
}

/// Unix seconds now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_strict() {
        assert_eq!(parse_hex::<2>("0aFf"), Some([0x0a, 0xff]));
        for bad in ["+a0a", "0a0", "0a0a0", "0x0a", " a0a", "é0", ""] {
            assert_eq!(parse_hex::<2>(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn keys_are_checked() {
        assert!(Verifier::new("zz").is_err());
        // the identity point is a small-order (weak) key
        let mut weak = "01".to_string();
        weak.push_str(&"00".repeat(31));
        assert_eq!(Verifier::new(&weak).unwrap_err(), InvalidKey("a weak (small-order) key"));
    }
}
