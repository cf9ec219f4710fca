//! "Did you mean …?": the closest input name to a misspelled key.

use crate::features::Feature;

/// Keys besides the feature names that a track document may carry.
const OTHER_KEYS: [&str; 8] = ["name", "title", "artists", "album", "features", "tracks", "what_if", "track_id"];

static COMPUTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many suggestions this process has computed: a request's cost in suggestions is bounded
/// by the problem cap ([`crate::MAX_PROBLEMS`]), and tests check it with this count.
pub fn computed() -> u64 {
    COMPUTED.load(std::sync::atomic::Ordering::Relaxed)
}

/// The closest known key (a feature name, or `features`, `name`, `artists`, …), if it is close
/// enough to be a typo.
pub fn suggest(field: &str) -> Option<String> {
    COMPUTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // a key longer than any name cannot be a typo of one (and would cost time to compare)
    if field.len() > 40 {
        return None;
    }
    let field = field.to_ascii_lowercase();
    Feature::ALL
        .iter()
        .map(|f| f.name())
        .chain(OTHER_KEYS)
        .map(|name| (edit_distance(&field, name), name))
        .filter(|(d, name)| *d <= 2.max(name.len() / 4))
        .min()
        .map(|(_, name)| name.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(suggest("temp").as_deref(), Some("tempo"));
        assert_eq!(suggest("artist_pop").as_deref(), None);
        assert_eq!(suggest("loudnes").as_deref(), Some("loudness"));
        assert_eq!(suggest("zzzzzz"), None);
        assert_eq!(suggest("featurs").as_deref(), Some("features"));
        assert_eq!(suggest("artsts").as_deref(), Some("artists"));
        assert_eq!(suggest(&"a".repeat(10_000)), None);
    }
}
