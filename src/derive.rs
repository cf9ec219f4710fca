//! Inputs derived from text a user already has: the title, the credited artists, the album name
//! and the artist's genre names.
//!
//! The rules are not written here: they are the model's `hitcast.derive` metadata, written by the
//! training pipeline (`models/train/hitcast_train/derive.py`) from the same tables it applied to
//! its data. This module is the second reader of that one table and implements the same
//! algorithm:
//! - [`tokens`]: ASCII letters lower-cased; words are runs of `a-z0-9`; `&` and `,` are tokens of
//!   their own; every other character separates;
//! - a phrase matches where its tokens occur in a row (whole words only);
//! - a title's marker looks only at its decorations (bracketed parts, what follows ` - `); the
//!   first marker in table order that matches wins, 0 = none;
//! - genre names match by substring: the keyword that ends last wins, then the names vote.

use serde::Deserialize;

/// The `hitcast.derive` metadata.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeriveRules {
    pub version: u32,
    /// `(label, phrases)` in priority order; index + 1 is the marker's value.
    pub title_markers: Vec<(String, Vec<String>)>,
    pub album_markers: Vec<(String, Vec<String>)>,
    pub feat_words: Vec<String>,
    /// Feat words that count only inside a title's decorations ("(with X)").
    pub feat_bracket_words: Vec<String>,
    pub feat_separators: Vec<String>,
    /// The genre labels in index order (the schema's `genre` labels).
    pub genre_labels: Vec<String>,
    /// `(label, keywords)` in tie-break order.
    pub genre_words: Vec<(String, Vec<String>)>,
    /// The marker tables' phrases as tokens, made once (not once per track).
    #[serde(skip)]
    phrases: std::sync::OnceLock<Phrases>,
}

/// Each marker's phrases, tokenized.
#[derive(Debug, Clone, PartialEq, Default)]
struct Phrases {
    title: Vec<Vec<Vec<String>>>,
    album: Vec<Vec<Vec<String>>>,
}

/// Words of `text` as the rules see them.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        let c = if c.is_ascii() { c.to_ascii_lowercase() } else { ' ' };
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if c == '&' || c == ',' {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn has_phrase(toks: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && toks.windows(phrase.len()).any(|w| w == phrase)
}

fn marker(text: &str, table: &[Vec<Vec<String>>]) -> Option<usize> {
    let toks = tokens(text);
    table.iter().position(|phrases| phrases.iter().any(|p| has_phrase(&toks, p))).map(|i| i + 1)
}

fn tokenized(table: &[(String, Vec<String>)]) -> Vec<Vec<Vec<String>>> {
    table.iter().map(|(_, phrases)| phrases.iter().map(|p| tokens(p)).collect()).collect()
}

/// `(the song's own name, its decorations)`: the bracketed parts (nested brackets stay inside
/// their part) and what follows the first ` - ` outside brackets.
pub fn split_title(title: &str) -> (String, Vec<String>) {
    let (mut parts, mut main, mut buf, mut depth) = (Vec::new(), String::new(), String::new(), 0usize);
    for c in title.chars() {
        match c {
            '(' | '[' => {
                if depth > 0 {
                    buf.push(c);
                }
                depth += 1;
            }
            ')' | ']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    parts.push(std::mem::take(&mut buf));
                } else {
                    buf.push(c);
                }
            }
            _ if depth > 0 => buf.push(c),
            _ => main.push(c),
        }
    }
    if depth > 0 {
        parts.push(buf);
    }
    if let Some((name, rest)) = main.split_once(" - ") {
        parts.push(rest.to_string());
        main = name.to_string();
    }
    (main, parts)
}

fn present(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.trim().is_empty())
}

impl DeriveRules {
    fn phrases(&self) -> &Phrases {
        self.phrases
            .get_or_init(|| Phrases { title: tokenized(&self.title_markers), album: tokenized(&self.album_markers) })
    }

    /// The title's marker (index into `["original", title_markers…]`); `None` without a title.
    pub fn title_marker(&self, title: Option<&str>) -> Option<usize> {
        let (_, parts) = split_title(present(title)?);
        Some(parts.iter().filter_map(|p| marker(p, &self.phrases().title)).min().unwrap_or(0))
    }

    /// The album name's marker (index into `["album", album_markers…]`); `None` without one.
    pub fn album_marker(&self, album: Option<&str>) -> Option<usize> {
        Some(marker(present(album)?, &self.phrases().album).unwrap_or(0))
    }

    /// Artists a title credits as featured: `Song (feat. A, B & C)` → 3.
    pub fn featured_in_title(&self, title: &str) -> usize {
        let (name, parts) = split_title(title);
        let is_sep = |t: &String| self.feat_separators.contains(t);
        let mut best = 0;
        let segments = parts.iter().map(|p| (p.as_str(), true)).chain([(name.as_str(), false)]);
        for (text, in_decoration) in segments {
            let toks = tokens(text);
            let is_feat =
                |t: &String| self.feat_words.contains(t) || (in_decoration && self.feat_bracket_words.contains(t));
            let Some(at) = toks.iter().position(is_feat) else { continue };
            let clause = &toks[at + 1..];
            if !clause.iter().any(|t| !is_sep(t)) {
                continue;
            }
            best = best.max(1 + clause.iter().filter(|t| is_sep(t)).count());
        }
        best
    }

    /// Featured (non-main) artists: the larger of the credits beyond the first and the names in
    /// the title's feat clause; `None` when neither a title nor a credit list is known.
    pub fn featured_artists(&self, title: Option<&str>, artists: &[String]) -> Option<usize> {
        let title = present(title);
        if title.is_none() && artists.is_empty() {
            return None;
        }
        Some(artists.len().saturating_sub(1).max(title.map_or(0, |t| self.featured_in_title(t))))
    }

    /// Spotify-style genre names (an artist's `genres`) → genre index, by vote of the names
    /// (ties go to the label listed first in `genre_words`); `None` for no names.
    pub fn coarse_genre<S: AsRef<str>>(&self, names: &[S]) -> Option<usize> {
        let items: Vec<String> =
            names.iter().map(|n| n.as_ref().trim().to_lowercase()).filter(|n| !n.is_empty()).collect();
        if items.is_empty() {
            return None;
        }
        // vote slots: genre_words in order, then "other"
        let mut votes = vec![0usize; self.genre_words.len() + 1];
        for item in &items {
            let mut best: Option<(usize, usize)> = None; // (slot, end)
            for (slot, (_, words)) in self.genre_words.iter().enumerate() {
                for w in words {
                    if let Some(at) = item.rfind(w.as_str()) {
                        let end = at + w.len();
                        if best.is_none_or(|(_, e)| end > e) {
                            best = Some((slot, end));
                        }
                    }
                }
            }
            votes[best.map_or(self.genre_words.len(), |(slot, _)| slot)] += 1;
        }
        let winner = (0..votes.len()).max_by(|a, b| votes[*a].cmp(&votes[*b]).then(b.cmp(a)))?;
        let label = self.genre_words.get(winner).map_or("other", |(l, _)| l.as_str());
        self.genre_labels.iter().position(|l| l == label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_ampersands_and_commas() {
        assert_eq!(tokens("Feat. A, B & Céline!"), ["feat", "a", ",", "b", "&", "c", "line"]);
    }

    #[test]
    fn decorations_are_brackets_and_the_dash_suffix() {
        let (name, parts) = split_title("Song (with X) [Live] - Radio Edit");
        assert_eq!(name, "Song  ");
        assert_eq!(parts, ["with X", "Live", "Radio Edit"]);
        assert_eq!(split_title("A (b (c)) d"), ("A  d".to_string(), vec!["b (c)".to_string()]));
        assert_eq!(split_title("open (bracket"), ("open ".to_string(), vec!["bracket".to_string()]));
    }
}
