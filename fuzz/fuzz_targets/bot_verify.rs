//! The interactions endpoint's signature check on arbitrary headers and bodies: it never panics,
//! accepts what the key signed (for any body and a timestamp of now), and refuses that same
//! request with any one byte of the signature header (unless only a hex letter's case changed),
//! the timestamp or the body changed.
#![no_main]

use hitcast_bot_wire::verify;
use ed25519_dalek::{Signer, SigningKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Vec<u8>, Vec<u8>, Vec<u8>, u16, u8)| {
    let (signature, timestamp, body, at, xor) = input;
    let key = SigningKey::from_bytes(&[7; 32]);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let verifier = verify::Verifier::new(&hex(key.verifying_key().as_bytes())).unwrap();
    let now = 1_795_755_600;
    // arbitrary headers: refused (a random 64-byte string is not a signature of this key)
    assert!(verifier.verify(Some(&signature), Some(&timestamp), &body, now).is_err());
    // a genuine request passes…
    let ts = now.to_string();
    let sig = hex(&key.sign(&[ts.as_bytes(), &body].concat()).to_bytes());
    assert_eq!(verifier.verify(Some(sig.as_bytes()), Some(ts.as_bytes()), &body, now), Ok(()));
    // …and any one changed byte is refused
    if xor == 0 {
        return;
    }
    let mut s = sig.clone().into_bytes();
    let i = at as usize % s.len();
    s[i] ^= xor;
    let same = std::str::from_utf8(&s).ok().and_then(verify::parse_hex::<64>)
        == verify::parse_hex::<64>(&sig);
    // a letter's case is the only change that keeps the same signature bytes
    let got = verifier.verify(Some(&s), Some(ts.as_bytes()), &body, now);
    assert_eq!(got.is_ok(), same, "signature byte {i}");
    let mut t = ts.clone().into_bytes();
    let i = at as usize % t.len();
    t[i] ^= xor;
    assert!(verifier.verify(Some(sig.as_bytes()), Some(&t), &body, now).is_err(), "timestamp byte {i}");
    if !body.is_empty() {
        let mut b = body.clone();
        let i = at as usize % b.len();
        b[i] ^= xor;
        assert!(verifier.verify(Some(sig.as_bytes()), Some(ts.as_bytes()), &b, now).is_err(), "body byte {i}");
    }
});
