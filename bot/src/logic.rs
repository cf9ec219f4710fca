//! What the commands do, without Discord: link → enrichment → model → [`Reply`]. The poise
//! commands in `commands.rs` only translate options and send the reply.

use std::sync::Arc;

use hitcast::{Model, PredictError};

use crate::attachments::{Attachment, Attachments};
use crate::enrich::{self, Enriched, Enricher, Overrides};
use crate::link::{self, Kind, Link, SpotifyRef};
use crate::reply::{self, LeftOut, Reply};
use crate::resolve::ShortLinks;
use crate::sources::{Catalog, FeatureSource};
use hitcast_http::remote::ReccoBeatsAnalysis;

#[derive(Debug)]
pub struct Bot<S, R> {
    pub model: Arc<Model>,
    pub enricher: Enricher<S, R>,
    pub links: ShortLinks,
    pub attachments: Attachments,
    /// ReccoBeats' analysis of a song's file, for a user who asks (`remote_analysis:`).
    pub remote: ReccoBeatsAnalysis,
}

/// Where the live bot's sources are (from either binary's configuration).
#[derive(Debug, Clone, Copy)]
pub struct Live<'a> {
    pub spotify_client_id: &'a str,
    pub spotify_client_secret: &'a str,
    pub spotify_api: &'a str,
    pub spotify_auth: &'a str,
    pub reccobeats: &'a str,
    /// Per upstream request.
    pub timeout: std::time::Duration,
}

impl Bot<crate::spotify::Spotify, crate::reccobeats::ReccoBeats> {
    /// The bot both binaries run: Spotify, then ReccoBeats, then the user's options.
    pub fn live(model: Arc<Model>, c: Live<'_>) -> Self {
        let spotify = crate::spotify::Spotify::new(
            c.spotify_client_id,
            c.spotify_client_secret,
            c.spotify_api,
            c.spotify_auth,
            c.timeout,
        );
        let fallback = crate::reccobeats::ReccoBeats::new(c.reccobeats, c.timeout);
        let rules = model.derive_rules().clone();
        Bot {
            model,
            enricher: Enricher { spotify, fallback, rules },
            links: ShortLinks::new(c.timeout),
            attachments: Attachments::new(c.timeout),
            remote: ReccoBeatsAnalysis::new(c.reccobeats, c.timeout),
        }
    }
}

fn predict_failed(e: PredictError, tracks: &[&hitcast::TrackFeatures]) -> Reply {
    match e {
        PredictError::Invalid(_) | PredictError::InvalidChange(_) => reply::invalid(&e, tracks),
        PredictError::Run(msg) => {
            tracing::error!(error = %msg, "model run failed");
            Reply::private("Something went wrong on our side; try again later.")
        }
    }
}

/// Where the refused values came from (`Spotify`, `ReccoBeats`, …): they are not the user's.
fn sources_of(e: &hitcast::Invalid, t: &hitcast::TrackFeatures) -> String {
    let mut sources: Vec<String> =
        e.problems.iter().filter_map(|p| t.get(p.feature)).map(|s| s.source.to_string()).collect();
    sources.dedup();
    sources.join(", ")
}

fn lookup_failed(e: enrich::EnrichError) -> Reply {
    if e.is_internal() {
        tracing::error!(error = %e, "Spotify lookup failed");
    } else {
        tracing::info!(error = %e, "Spotify lookup refused");
    }
    Reply::private(format!("Sorry: {e}."))
}

impl<S: Catalog + FeatureSource + Sync, R: FeatureSource + Sync> Bot<S, R> {
    /// The link a short share link stands for, parsed; or the reply that says what to paste.
    /// Takes up to the HTTP time-out: call it after deferring.
    pub async fn resolve_link(&self, url: &str, kind: Kind) -> Result<SpotifyRef, Reply> {
        let not_resolved = || match link::parse(url, kind) {
            Err(e) => Reply::private(format!("{e}.")),
            Ok(_) => Reply::private("That link could not be opened."),
        };
        let full = self.links.resolve(url).await.ok_or_else(not_resolved)?;
        link::parse(&full, kind)
            .map_err(|e| Reply::private(format!("That short link leads to {}: {e}.", reply::md(&full))))
    }

    /// `/predict` from text: parses the link once, then [`Bot::predict_link`].
    pub async fn predict_url(&self, url: Option<&str>, name: Option<String>, overrides: &Overrides, now: f64) -> Reply {
        match url.map(|u| link::parse_link(u, Kind::Track)).transpose() {
            Ok(l) => self.predict_link(l.as_ref(), name, overrides, now).await,
            Err(e) => Reply::private(format!("{e}.")),
        }
    }

    /// `/predict` with its link already parsed: a short link is resolved here (after deferring).
    pub async fn predict_link(&self, l: Option<&Link>, name: Option<String>, overrides: &Overrides, now: f64) -> Reply {
        let track = match l {
            None => None,
            Some(Link::Parsed(r)) => Some(r.clone()),
            Some(Link::Short(u)) => match self.resolve_link(u, Kind::Track).await {
                Ok(r) => Some(r),
                Err(reply) => return reply,
            },
        };
        self.predict(track.as_ref(), name, overrides, now).await
    }

    /// `/album` from text: parses the link once, then [`Bot::album_link`].
    pub async fn album_url(&self, url: &str, overrides: &Overrides, now: f64) -> Reply {
        match link::parse_link(url, Kind::Album) {
            Ok(l) => self.album_link(&l, overrides, now).await,
            Err(e) => Reply::private(format!("{e}.")),
        }
    }

    /// `/album` with its link already parsed: a short link is resolved here (after deferring).
    pub async fn album_link(&self, l: &Link, overrides: &Overrides, now: f64) -> Reply {
        let album = match l {
            Link::Parsed(r) => r.clone(),
            Link::Short(u) => match self.resolve_link(u, Kind::Album).await {
                Ok(r) => r,
                Err(reply) => return reply,
            },
        };
        self.album(&album, overrides, now).await
    }

    /// `/predict`: a Spotify track (optional, already parsed) plus the user's options.
    pub async fn predict(
        &self,
        track: Option<&SpotifyRef>,
        name: Option<String>,
        overrides: &Overrides,
        now: f64,
    ) -> Reply {
        let enriched = match track {
            Some(r) => match self.enricher.track(&r.id, overrides, now).await {
                Ok(mut e) => {
                    if let Some(n) = name {
                        e.features.name = Some(n);
                    }
                    e
                }
                Err(e) => return lookup_failed(e),
            },
            None if overrides.0.is_empty() => {
                return Reply::private(
                    "Give a Spotify track link (`url:`), or describe an unreleased song with the options: \
                     any of them, at least one (artist_popularity, genre, tempo, key, mode, loudness and \
                     duration_ms are the ones you can know or measure; danceability, energy and the other \
                     perceptual features if you have them). The more you give, the narrower the range.",
                );
            }
            None => enrich::from_options(name, overrides),
        };
        self.answer(&enriched)
    }

    /// One track's answer: what it still needs, or its prediction and drivers.
    fn answer(&self, enriched: &Enriched) -> Reply {
        let missing = reply::missing_required(&self.model, enriched);
        if !missing.is_empty() {
            return reply::need_inputs(enriched, &missing);
        }
        match self.model.explain(&enriched.features) {
            Ok(x) => reply::prediction(enriched, &x),
            Err(e) => predict_failed(e, &[&enriched.features]),
        }
    }

    /// `/album`: ranks every track that has the inputs the model needs; names the others.
    pub async fn album(&self, r: &SpotifyRef, overrides: &Overrides, now: f64) -> Reply {
        let album = match self.enricher.album(&r.id, overrides, now).await {
            Ok(a) => a,
            Err(e) => return lookup_failed(e),
        };
        // every track is checked on its own: one track the model cannot take (a real 87-minute
        // track is above the schema's duration) is left out and named, the others are ranked
        let mut ready = Vec::new();
        let mut left_out: Vec<LeftOut> = Vec::new();
        for t in &album.tracks {
            let name = t.features.name.clone().unwrap_or_else(|| "a track without a name".into());
            let missing = reply::missing_required(&self.model, t);
            if !missing.is_empty() {
                let names = missing.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ");
                left_out.push(LeftOut { name, why: format!("no inputs (it needs one of {names})") });
            } else if let Err(e) = self.model.schema().validate(&t.features) {
                left_out.push(LeftOut { name, why: format!("{e} (from {})", sources_of(&e, &t.features)) });
            } else {
                ready.push(t.features.clone());
            }
        }
        if ready.is_empty() {
            return reply::album_nothing_ranked(&album, &left_out);
        }
        match self.model.rank(&ready) {
            Ok(ranking) => reply::album(&album, &ranking, &left_out),
            Err(e) => predict_failed(e, &ready.iter().collect::<Vec<_>>()),
        }
    }

    /// `/predict` as both fronts receive it: a link, a song's file, or only options.
    pub async fn predict_command(
        &self,
        link: Option<&Link>,
        file: Option<&Attachment>,
        name: Option<String>,
        overrides: &Overrides,
        remote: bool,
        now: f64,
    ) -> Reply {
        match (link, file) {
            (Some(_), Some(_)) => Reply::private(
                "Give a Spotify link (`url:`) or your song's file (`file:`), not both: the link's track is already released.",
            ),
            (None, Some(f)) => self.predict_file(f, name, overrides, remote).await,
            (link, None) => self.predict_link(link, name, overrides, now).await,
        }
    }

    /// `/predict file:`: the song's file measured (duration, loudness, tempo, key, mode), the
    /// user's options on top (they win), the rest missing and said so.
    pub async fn predict_file(
        &self,
        file: &Attachment,
        name: Option<String>,
        overrides: &Overrides,
        remote: bool,
    ) -> Reply {
        let enriched = match self.song(file, name, overrides, remote).await {
            Ok(e) => e,
            Err(e) => return Reply::private(format!("{e}.")),
        };
        self.answer(&enriched)
    }

    /// A song from its file: the user's options (they win), what the file measured, and with
    /// `remote` what ReccoBeats' analysis adds.
    async fn song(
        &self,
        file: &Attachment,
        name: Option<String>,
        overrides: &Overrides,
        remote: bool,
    ) -> Result<Enriched, crate::attachments::FetchError> {
        let (analysis, part) = self.attachments.analyse(file, remote).await?;
        let mut given = hitcast::TrackFeatures::new(name);
        enrich::apply_overrides(&mut given, overrides);
        let schema = self.model.schema();
        let (mut t, mut report) = hitcast::audio::track_from(&file.filename, 0, &analysis, given, schema);
        if remote {
            match part {
                Some(bytes) => match self.remote.analyse_async(&file.filename, &bytes).await {
                    Ok(features) => hitcast::audio::fill_remote(&mut t, &features, schema, &mut report),
                    Err(why) => report.measured.notes.push(format!("ReccoBeats: {why}; predicted without it")),
                },
                None => {
                    report.measured.notes.push("ReccoBeats: an M4A over 5 MB is not sent; predicted without it".into())
                }
            }
        }
        let (measured, notes) = reply::audio_lines(&report);
        Ok(Enriched { meta: None, features: self.model.with_derived(&t), notes, measured })
    }

    /// `/album` as both fronts receive it: an album's link, or up to ten songs' files.
    pub async fn album_command(
        &self,
        link: Option<&Link>,
        files: &[Attachment],
        overrides: &Overrides,
        remote: bool,
        now: f64,
    ) -> Reply {
        match (link, files) {
            (Some(_), [_, ..]) => {
                Reply::private("Give an album's link (`url:`) or your songs' files (`file1:` …), not both.")
            }
            (Some(l), []) => self.album_link(l, overrides, now).await,
            (None, []) => Reply::private(
                "Give a Spotify album link (`url:`), or attach your songs (`file1:` … `file10:`: WAV, FLAC, MP3, Ogg or M4A).",
            ),
            (None, files) => self.album_files(files, overrides, remote).await,
        }
    }

    /// `/album file1: … file10:`: each song downloaded and analysed in turn (one file in memory
    /// at a time), ranked; a file that cannot be read is named and left out.
    pub async fn album_files(&self, files: &[Attachment], overrides: &Overrides, remote: bool) -> Reply {
        let mut ready: Vec<Enriched> = Vec::new();
        let mut left_out: Vec<LeftOut> = Vec::new();
        for f in files.iter().take(crate::attachments::MAX_FILES) {
            match self.song(f, None, overrides, remote).await {
                Ok(e) => match self.model.schema().validate(&e.features) {
                    Ok(()) => ready.push(e),
                    Err(err) => left_out.push(LeftOut {
                        name: f.filename.clone(),
                        why: format!("{err} (from {})", sources_of(&err, &e.features)),
                    }),
                },
                Err(e) => left_out.push(LeftOut { name: f.filename.clone(), why: e.to_string() }),
            }
        }
        if ready.is_empty() {
            let mut lines: Vec<String> = vec!["I could not rank any of your files.".into()];
            lines.extend(left_out.iter().map(|l| format!("• **{}**: {}.", reply::md(&l.name), l.why)));
            return Reply::private(lines.join("\n"));
        }
        let tracks: Vec<hitcast::TrackFeatures> = ready.iter().map(|e| e.features.clone()).collect();
        match self.model.rank(&tracks) {
            Ok(ranking) => reply::files_ranking(&ready, &ranking, &left_out),
            Err(e) => predict_failed(e, &tracks.iter().collect::<Vec<_>>()),
        }
    }

    pub fn model_info(&self) -> Reply {
        reply::model(&self.model)
    }
}
