//! The genre rule: the coarse genres the model knows, and how a label is read.

/// The coarse genres the model knows, by index (the schema's `genre` labels; a model whose
/// labels differ is refused at load).
pub const GENRES: [&str; 13] = [
    "pop",
    "rock",
    "hip-hop",
    "edm",
    "r&b",
    "latin",
    "other",
    "country",
    "k-pop",
    "indie",
    "folk",
    "jazz",
    "classical",
];

/// `rock` → 1; also accepts `hip hop`, `hiphop`, `rap`, `rnb`, `r&b`.
pub fn genre_index(label: &str) -> Option<usize> {
    let l = label.trim().to_ascii_lowercase().replace([' ', '_'], "-");
    let l = match l.as_str() {
        "hiphop" | "rap" => "hip-hop",
        "rnb" | "r-and-b" | "randb" => "r&b",
        other => other,
    };
    GENRES.iter().position(|g| *g == l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_spellings() {
        assert_eq!(genre_index("Hip Hop"), Some(2));
        assert_eq!(genre_index("rnb"), Some(4));
        assert_eq!(genre_index("k_pop"), Some(8));
        assert_eq!(genre_index("polka"), None);
    }
}
