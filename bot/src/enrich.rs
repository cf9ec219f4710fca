//! The enrichment chain: Spotify (metadata; audio features and popularity only when the response
//! really has them) → ReccoBeats (audio features Spotify did not give) → the user's options, which
//! override everything. Every value is tagged with its source; nothing is invented.

use std::collections::HashMap;

use hitcast::{DeriveRules, Feature, Source, TrackFeatures};
use thiserror::Error;

use crate::sources::{AlbumMeta, ArtistMeta, AudioFeatures, Catalog, FeatureSource, SourceError, TrackMeta};

/// Most distinct artists looked up for one album (a compilation's tracks each have their own).
pub const MAX_ARTISTS: usize = 50;

/// The user's own values (Discord options), which win over every source. Serialised (in a
/// job) as an object of input name → value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides(pub Vec<(Feature, f64)>);

impl serde::Serialize for Overrides {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (f, v) in &self.0 {
            m.serialize_entry(f.name(), v)?;
        }
        m.end()
    }
}

impl<'de> serde::Deserialize<'de> for Overrides {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Overrides, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Overrides;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of input name → number")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Overrides, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, f64>()? {
                    let f =
                        Feature::from_name(&k).ok_or_else(|| serde::de::Error::custom(format!("no input `{k}`")))?;
                    if !v.is_finite() {
                        return Err(serde::de::Error::custom(format!("`{k}` is not a finite number")));
                    }
                    out.push((f, v));
                }
                Ok(Overrides(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// One track with its inputs and what happened on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Enriched {
    /// `None` for a song described only by options (unreleased).
    pub meta: Option<TrackMeta>,
    pub features: TrackFeatures,
    /// Things the user should know (a source that had nothing, or was down, why a value the
    /// song's file could not give is missing).
    pub notes: Vec<String>,
    /// What the song's file gave: the measured values, and what the user's options replaced
    /// (empty for a track from a link).
    pub measured: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct EnrichedAlbum {
    pub meta: AlbumMeta,
    pub tracks: Vec<Enriched>,
}

/// Why a track or album could not be looked up.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnrichError {
    #[error("Spotify has no {0} with that id; check the link")]
    NotFound(&'static str),
    #[error("Spotify says that is not a valid {0} id (HTTP 400); check the link you pasted")]
    BadLink(&'static str),
    #[error("Spotify is busy right now; try again in a minute")]
    RateLimited,
    #[error("Spotify asked us to wait {0} s before the next request; try again then")]
    RateLimitedFor(u64),
    #[error("Spotify is not answering right now; try again later")]
    Unavailable,
    #[error(
        "the bot's Spotify credentials were rejected; ask whoever runs the bot to check them (a development-mode Spotify app also stops working when its owner's Premium subscription lapses)"
    )]
    Credentials,
}

impl EnrichError {
    fn from_source(e: SourceError) -> EnrichError {
        match e {
            SourceError::NotFound { what, .. } => EnrichError::NotFound(what),
            SourceError::BadRequest { what, .. } => EnrichError::BadLink(what),
            SourceError::RateLimited { retry_after: Some(wait), .. } if wait > RETRY_BUDGET => {
                EnrichError::RateLimitedFor(wait.as_secs_f64().ceil() as u64)
            }
            SourceError::RateLimited { .. } => EnrichError::RateLimited,
            SourceError::Unauthorized { .. } | SourceError::Forbidden { .. } => EnrichError::Credentials,
            _ => EnrichError::Unavailable,
        }
    }

    /// True when the user cannot fix it (log it as an error).
    pub fn is_internal(&self) -> bool {
        matches!(self, EnrichError::Credentials | EnrichError::Unavailable)
    }
}

/// The longest `Retry-After` a command waits for (inside Discord's interaction time); a longer
/// one is answered with how long Spotify asked us to wait.
pub const RETRY_BUDGET: std::time::Duration = std::time::Duration::from_secs(5);

/// `YYYY[-MM[-DD]]` → a fractional year; `None` for a date that cannot be a release date
/// (Spotify gives `"0000"` for some albums), before 1900 or after `now` + 1.
pub fn release_year(date: &str, now: f64) -> Option<f64> {
    let mut it = date.split('-');
    let y: f64 = it.next()?.parse().ok()?;
    let m: f64 = match it.next() {
        Some(m) => m.parse().ok().filter(|m| (1.0..=12.0).contains(m))?,
        None => 1.0,
    };
    let d: f64 = match it.next() {
        Some(d) => d.parse().ok().filter(|d| (1.0..=31.0).contains(d))?,
        None => 1.0,
    };
    if it.next().is_some() || !(1900.0..=now + 1.0).contains(&y) {
        return None;
    }
    Some(y + (m - 1.0) / 12.0 + (d - 1.0) / 365.25)
}

/// Now as a fractional year.
pub fn current_year() -> f64 {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    1970.0 + secs / (365.2425 * 86_400.0)
}

/// The chain: a catalog that is also a feature source (Spotify), then a fallback feature source.
#[derive(Debug, Clone)]
pub struct Enricher<S, R> {
    pub spotify: S,
    pub fallback: R,
    /// The model's rules for the coarse genre (`Model::derive_rules`).
    pub rules: DeriveRules,
}

impl<S: Catalog + FeatureSource + Sync, R: FeatureSource + Sync> Enricher<S, R> {
    pub async fn track(&self, id: &str, overrides: &Overrides, now: f64) -> Result<Enriched, EnrichError> {
        let meta = self.spotify.track(id).await.map_err(EnrichError::from_source)?;
        let mut notes = Vec::new();
        let artist = self.main_artist(meta.artists.first().map(|a| a.id.as_str()), &mut notes).await;
        let ids = vec![meta.id.clone()];
        let feats = self.features(&ids, &mut notes).await;
        Ok(assemble(&self.rules, meta, artist.as_ref(), &feats, overrides, now, notes))
    }

    pub async fn album(&self, id: &str, overrides: &Overrides, now: f64) -> Result<EnrichedAlbum, EnrichError> {
        let meta = self.spotify.album(id).await.map_err(EnrichError::from_source)?;
        let mut notes = Vec::new();
        if meta.total_tracks > meta.tracks.len() {
            notes.push(format!(
                "This album has {} tracks; the first {} were read and ranked.",
                meta.total_tracks,
                meta.tracks.len()
            ));
        }
        // each track's own main artist (a compilation's "Various Artists" is nobody's), each
        // distinct artist looked up once, at most MAX_ARTISTS of them
        let mut artists: HashMap<String, Option<ArtistMeta>> = HashMap::new();
        for t in &meta.tracks {
            let Some(id) = t.artists.first().map(|a| a.id.clone()) else { continue };
            if artists.contains_key(&id) {
                continue;
            }
            if artists.len() >= MAX_ARTISTS {
                let note = format!(
                    "Artist popularity and genre were looked up for the first {MAX_ARTISTS} artists only; the other tracks are predicted without them."
                );
                if !notes.contains(&note) {
                    notes.push(note);
                }
                continue;
            }
            let a = self.main_artist(Some(&id), &mut notes).await;
            artists.insert(id, a);
        }
        notes.dedup();
        let ids: Vec<String> = meta.tracks.iter().map(|t| t.id.clone()).collect();
        let feats = self.features(&ids, &mut notes).await;
        let tracks = meta
            .tracks
            .iter()
            .map(|t| {
                let artist = t.artists.first().and_then(|a| artists.get(&a.id)).and_then(Option::as_ref);
                assemble(&self.rules, t.clone(), artist, &feats, overrides, now, notes.clone())
            })
            .collect();
        Ok(EnrichedAlbum { meta, tracks })
    }

    async fn main_artist(&self, id: Option<&str>, notes: &mut Vec<String>) -> Option<ArtistMeta> {
        let id = id?;
        match self.spotify.artist(id).await {
            Ok(a) => Some(a),
            Err(e) => {
                tracing::warn!(error = %e, "artist lookup failed");
                notes.push("Spotify did not return the artist, so artist popularity and genre are unknown.".into());
                None
            }
        }
    }

    /// Audio features per track id, tagged with their source: Spotify first, then the fallback.
    async fn features(&self, ids: &[String], notes: &mut Vec<String>) -> HashMap<String, Vec<(Source, AudioFeatures)>> {
        let mut out: HashMap<String, Vec<(Source, AudioFeatures)>> = HashMap::new();
        match self.spotify.audio_features(ids).await {
            Ok(map) => {
                for (id, f) in map {
                    out.entry(id).or_default().push((Source::Spotify, f));
                }
            }
            // Normal for every app created since 2024-11-27.
            Err(SourceError::Forbidden { .. }) => {}
            Err(e) => tracing::warn!(error = %e, "Spotify audio features failed"),
        }
        let need: Vec<String> = ids
            .iter()
            .filter(|id| out.get(*id).is_none_or(|v| v.iter().all(|(_, f)| f.values().len() < 12)))
            .cloned()
            .collect();
        if need.is_empty() {
            return out;
        }
        match self.fallback.audio_features(&need).await {
            Ok(map) => {
                let missing = need.iter().filter(|id| !map.contains_key(*id)).count();
                if missing > 0 {
                    notes.push(format!(
                        "{} has no audio features for {}.",
                        self.fallback.source(),
                        if need.len() == 1 { "this track".to_string() } else { format!("{missing} of the tracks") }
                    ));
                }
                for (id, f) in map {
                    out.entry(id).or_default().push((self.fallback.source(), f));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "fallback audio features failed");
                notes.push(format!(
                    "{} is unavailable right now, so its audio features are missing.",
                    self.fallback.source()
                ));
            }
        }
        out
    }
}

/// Puts the pieces together: sources in order, then the user's overrides.
pub fn assemble(
    rules: &DeriveRules,
    meta: TrackMeta,
    artist: Option<&ArtistMeta>,
    feats: &HashMap<String, Vec<(Source, AudioFeatures)>>,
    overrides: &Overrides,
    now: f64,
    notes: Vec<String>,
) -> Enriched {
    let mut t = TrackFeatures::new(Some(meta.name.clone()));
    // the texts the core derives the title/album markers and featured artists from
    t.artists = meta.artists.iter().map(|a| a.name.clone()).collect();
    t.album = meta.album.clone();
    for (source, f) in feats.get(&meta.id).into_iter().flatten() {
        for (feature, value) in f.values() {
            t.fill(feature, value, *source);
        }
    }
    t.fill(Feature::DurationMs, meta.duration_ms as f64, Source::Spotify);
    let mut notes = notes;
    if let Some(date) = meta.release_date.as_deref() {
        match release_year(date, now) {
            Some(year) => {
                t.fill(Feature::YearsSinceRelease, (now - year).max(0.0), Source::Spotify);
            }
            // Spotify's own impossible date is a missing value, never the user's mistake
            None => notes.push(format!(
                "Spotify gives the release date {:?}, which cannot be right, so the age of the song is unknown (add `years_since_release:` to include it).",
                date.chars().take(20).collect::<String>()
            )),
        }
    }
    if let Some(a) = artist {
        if let Some(p) = a.popularity {
            t.fill(Feature::ArtistPopularity, p as f64, Source::Spotify);
        }
        if let Some(g) = a.genres.as_deref().and_then(|names| rules.coarse_genre(names)) {
            t.fill(Feature::Genre, g as f64, Source::Spotify);
        }
    }
    apply_overrides(&mut t, overrides);
    Enriched { meta: Some(meta), features: t, notes, measured: Vec::new() }
}

pub fn apply_overrides(t: &mut TrackFeatures, overrides: &Overrides) {
    for (f, v) in &overrides.0 {
        t.set(*f, *v, Source::User);
    }
}

/// A song described by the user's options alone (e.g. unreleased).
pub fn from_options(name: Option<String>, overrides: &Overrides) -> Enriched {
    let mut t = TrackFeatures::new(name.or_else(|| Some("Your song".into())));
    apply_overrides(&mut t, overrides);
    Enriched { meta: None, features: t, notes: Vec::new(), measured: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_years() {
        assert_eq!(release_year("2020", 2026.9), Some(2020.0));
        assert!((release_year("2020-07", 2026.9).unwrap() - 2020.5).abs() < 1e-9);
        assert!((release_year("2019-06-14", 2026.9).unwrap() - 2019.4523).abs() < 1e-3);
        for bad in ["soon", "0000", "0000-00-00", "1850", "2031", "2020-13", "2020-01-32", "2020-01-01-01"] {
            assert_eq!(release_year(bad, 2026.9), None, "{bad}");
        }
    }
}
