//! Replies as plain data (tested with snapshots); `commands` turns them into Discord embeds.

use hitcast::present::input_sources;
use hitcast::{Band, Explanation, Feature, Model, PredictError, Ranking, Source, num};
use serde::Serialize;

use crate::enrich::{Enriched, EnrichedAlbum};

pub const COLOR: u32 = 0x5b3df5;
/// Discord's limits, in characters (developer docs: message content; embed limits).
pub const CONTENT_LIMIT: usize = 2000;
pub const TITLE_LIMIT: usize = 256;
pub const DESCRIPTION_LIMIT: usize = 4096;
pub const FIELDS_LIMIT: usize = 25;
pub const FIELD_NAME_LIMIT: usize = 256;
pub const FIELD_VALUE_LIMIT: usize = 1024;
pub const FOOTER_LIMIT: usize = 2048;
/// Discord's limit for one embed, all text counted.
pub const EMBED_LIMIT: usize = 6000;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Embed {
    pub title: String,
    pub url: Option<String>,
    pub description: String,
    pub fields: Vec<Field>,
    pub footer: String,
    /// `attachment://…` of the chart.
    pub image: Option<String>,
    pub color: u32,
}

impl Embed {
    /// Characters Discord counts against [`EMBED_LIMIT`].
    pub fn len(&self) -> usize {
        self.title.chars().count()
            + self.description.chars().count()
            + self.footer.chars().count()
            + self.fields.iter().map(|f| f.name.chars().count() + f.value.chars().count()).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Within every Discord limit: each part, 25 fields, 6,000 characters in all.
    pub fn fits(&self) -> bool {
        let n = |s: &str| s.chars().count();
        n(&self.title) <= TITLE_LIMIT
            && n(&self.description) <= DESCRIPTION_LIMIT
            && n(&self.footer) <= FOOTER_LIMIT
            && self.fields.len() <= FIELDS_LIMIT
            && self.fields.iter().all(|f| n(&f.name) <= FIELD_NAME_LIMIT && n(&f.value) <= FIELD_VALUE_LIMIT)
            && self.len() <= EMBED_LIMIT
    }

    /// Cuts what does not fit Discord's limits (each part, then the longest texts until the
    /// whole embed fits), marking every cut with `…`.
    pub fn fit(mut self) -> Embed {
        self.title = truncate(&self.title, TITLE_LIMIT);
        self.description = truncate(&self.description, DESCRIPTION_LIMIT);
        self.footer = truncate(&self.footer, FOOTER_LIMIT);
        self.fields.truncate(FIELDS_LIMIT);
        for f in &mut self.fields {
            f.name = truncate(&f.name, FIELD_NAME_LIMIT);
            f.value = truncate(&f.value, FIELD_VALUE_LIMIT);
        }
        while self.len() > EMBED_LIMIT {
            let over = self.len() - EMBED_LIMIT;
            let longest = std::iter::once(&mut self.description)
                .chain(self.fields.iter_mut().map(|f| &mut f.value))
                .max_by_key(|s| s.chars().count())
                .expect("a description");
            let keep = longest.chars().count().saturating_sub(over).max(1);
            *longest = truncate(longest, keep);
        }
        self
    }
}

impl Reply {
    /// A private message, cut to Discord's content limit.
    pub fn private(text: impl Into<String>) -> Reply {
        Reply::Private(truncate(&text.into(), CONTENT_LIMIT))
    }

    /// Within Discord's limits (content, or every embed limit).
    pub fn fits(&self) -> bool {
        match self {
            Reply::Private(t) => t.chars().count() <= CONTENT_LIMIT,
            Reply::Embed { embed, .. } => embed.fits(),
        }
    }
}

/// What the public message says when the answer is an error (the details go privately).
pub const NEUTRAL_ERROR: &str = "I could not answer that one; I have sent you the details privately.";

/// A deferred (public) response to complete, whatever carries it: serenity on the gateway
/// ([`crate::commands::GatewayInteraction`]), the interaction webhook over HTTP interactions
/// ([`crate::interactions::webhook::Original`]). The protocol itself is [`finish_deferred`].
pub trait Deferred {
    type Error: std::fmt::Display;
    /// Edits the original response into the answer (with its chart, if any).
    fn edit(
        &self,
        embed: &Embed,
        chart: Option<(String, Vec<u8>)>,
    ) -> impl std::future::Future<Output = Result<(), Self::Error>> + Send;
    /// Edits the original response into a line of text.
    fn edit_text(&self, text: &str) -> impl std::future::Future<Output = Result<(), Self::Error>> + Send;
    /// Sends a follow-up only the user sees.
    fn follow_up_private(&self, text: &str) -> impl std::future::Future<Output = Result<(), Self::Error>> + Send;
}

/// Completes a deferred (public) response. Discord turns the first follow-up after a defer into
/// an edit of the "thinking…" message whatever its flags, so an error sent that way would be
/// public. The documented way: edit the original response — with the answer, or with a short
/// neutral line for an error — and then send the error's details as a new follow-up with the
/// ephemeral flag, which holds once the original response is complete.
pub async fn finish_deferred<D: Deferred>(d: &D, reply: Reply) -> Result<(), D::Error> {
    match reply {
        Reply::Embed { embed, chart } => d.edit(&embed, chart).await,
        Reply::Private(text) => {
            d.edit_text(NEUTRAL_ERROR).await?;
            d.follow_up_private(&text).await
        }
    }
}

/// What the bot answers: an embed with an optional PNG, or a short private message.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Embed {
        embed: Embed,
        chart: Option<(String, Vec<u8>)>,
    },
    /// Ephemeral: only the user sees it.
    Private(String),
}

fn field(name: &str, value: String, inline: bool) -> Field {
    Field { name: name.to_string(), value: truncate(&value, 1024), inline }
}

/// Third-party text (track, artist and album names from Spotify; links the user pasted) as
/// Discord shows it literally: every character Discord's Markdown reads (`*`, `_`, `~`, `` ` ``,
/// `|`, `>`, `#`, `[`, `]`, `<`, `-`, `\\`) is escaped, so a title with asterisks cannot pair
/// with the bot's own bold and garble the line.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']' | '<' | '-') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Lines joined up to `limit` characters (and at most `max_lines`), cut between lines, never
/// inside one: what is left out is counted in a last line from `more(n)`. A first line longer
/// than the limit alone is shortened.
pub fn whole_lines(lines: &[String], limit: usize, max_lines: usize, more: impl Fn(usize) -> String) -> String {
    let len = |s: &str| s.chars().count();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let rest = lines.len() - i - 1;
        let sep = usize::from(!out.is_empty());
        let tail = if rest > 0 { 1 + len(&more(rest)) } else { 0 };
        if i >= max_lines || len(&out) + sep + len(line) + tail > limit {
            if i == 0 && max_lines > 0 {
                // one line alone too long: keep a shortened one rather than none
                let tail = if rest > 0 { 1 + len(&more(rest)) } else { 0 };
                out.push_str(&truncate(line, limit.saturating_sub(tail).max(1)));
                if rest > 0 {
                    out.push('\n');
                    out.push_str(&more(rest));
                }
                return out;
            }
            let hidden = lines.len() - i;
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&more(hidden));
            return out;
        }
        if sep == 1 {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n.saturating_sub(1)).chain(['…']).collect() }
}

fn bar(p: f32) -> String {
    let n = (p * 20.0).round() as usize;
    "█".repeat(n) + &"░".repeat(20 - n.min(20))
}

fn option_name(f: Feature) -> &'static str {
    f.name()
}

/// The options that supply required inputs, as a hint.
fn options_hint(missing: &[Feature]) -> String {
    missing.iter().map(|f| format!("`{}:`", option_name(*f))).collect::<Vec<_>>().join(" ")
}

/// Where the inputs came from, grouped by source.
fn provenance(e: &Enriched) -> String {
    input_sources(&e.features)
        .iter()
        .map(|(s, features)| {
            let who = match s {
                Source::User => "you".to_string(),
                other => other.to_string(),
            };
            format!("**{who}**: {}", features.iter().map(|f| f.name()).collect::<Vec<_>>().join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Required inputs no source gave: the user must supply them. A model whose inputs are all
/// optional (3.0.0 on) still needs one: a track with none gets the inputs that tell it most.
pub fn missing_required(model: &Model, e: &Enriched) -> Vec<Feature> {
    let required: Vec<Feature> =
        Feature::ALL.into_iter().filter(|f| model.schema().spec(*f).required && e.features.get(*f).is_none()).collect();
    let given = Feature::ALL.into_iter().filter(|f| e.features.get(*f).is_some()).count();
    if required.is_empty() && given < model.schema().min_inputs {
        return vec![Feature::ArtistPopularity, Feature::Tempo, Feature::Loudness, Feature::DurationMs];
    }
    required
}

pub fn need_inputs(e: &Enriched, missing: &[Feature]) -> Reply {
    let name = e.features.name.as_deref().map_or_else(|| "this track".into(), md);
    let names = missing.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ");
    let nothing_given = Feature::ALL.into_iter().all(|f| e.features.get(f).is_none());
    let mut text = if nothing_given {
        format!(
            "I have no inputs for **{name}**: give at least one, e.g. {names}.\nAdd them as options, e.g. `/predict` … {}",
            options_hint(missing)
        )
    } else {
        format!(
            "I can't predict **{name}** without: {names}.\nAdd them as options, e.g. `/predict` … {}",
            options_hint(missing)
        )
    };
    for n in e.measured.iter().chain(&e.notes) {
        text.push_str("\n• ");
        text.push_str(n);
    }
    Reply::private(text)
}

/// Validation problems in the user's options (out of range and such).
/// Validation problems. Only values the user typed are the user's to fix; a value a source gave
/// (Spotify, ReccoBeats) that the model cannot take is reported as the source's, with the option
/// that overrides it.
pub fn invalid(err: &PredictError, tracks: &[&hitcast::TrackFeatures]) -> Reply {
    let problems: Vec<(usize, Feature)> = match err {
        PredictError::Invalid(rows) => {
            rows.iter().flat_map(|r| r.problems.iter().map(move |p| (r.row, p.feature))).collect()
        }
        _ => Vec::new(),
    };
    let from_source = |(row, f): &(usize, Feature)| {
        tracks.get(*row).and_then(|t| t.get(*f)).is_some_and(|s| s.source != Source::User)
    };
    if !problems.is_empty() && problems.iter().all(from_source) {
        let options: Vec<String> = problems.iter().map(|(_, f)| format!("`{}:`", f.name())).collect();
        return Reply::private(format!(
            "The track data has a value the model cannot take: {err}.\nThis is not your input; give the value yourself to override it ({}).",
            options.join(" ")
        ));
    }
    Reply::private(format!("Some values are not valid: {err}.\nFix the options and try again."))
}

pub fn prediction(e: &Enriched, x: &Explanation) -> Reply {
    let p = &x.prediction;
    // the chart's label is drawn, not rendered: raw; the embed's title is Markdown: escaped
    let raw_title = match &e.meta {
        Some(m) => {
            let artists = m.artists.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ");
            if artists.is_empty() { m.name.clone() } else { format!("{} — {}", m.name, artists) }
        }
        None => e.features.name.clone().unwrap_or_else(|| "Your song".into()),
    };
    let title = md(&raw_title);
    let url = e.meta.as_ref().map(|m| format!("https://open.spotify.com/track/{}", m.id));
    let interval = p
        .interval
        .map_or(String::new(), |i| format!(", {:.0}% between {:.0} and {:.0}", i.level * 100.0, i.low, i.high));
    let description = format!(
        "Expected popularity **{:.0} / 100**{interval} · predicted band **{}** ({:.0}%)",
        p.expected_popularity,
        p.band,
        p.prob(p.band) * 100.0
    );
    let bands = Band::ALL
        .iter()
        .map(|b| format!("`{:>6}` {} {:>4.1}%", b.to_string(), bar(p.prob(*b)), p.prob(*b) * 100.0))
        .collect::<Vec<_>>()
        .join("\n");
    let drivers = x
        .top_drivers(3)
        .map(|d| {
            format!(
                "**{}** {} → at {}: {:+.1}, at {}: {:+.1}",
                d.feature.name(),
                d.value.map_or("-".into(), num),
                num(d.p25),
                d.change_at_p25,
                num(d.p75),
                d.change_at_p75
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut fields = vec![field("Bands", bands, false), field("What moves it", drivers, false)];
    fields.push(field("Where the inputs came from", provenance(e), false));
    if !e.measured.is_empty() {
        fields.push(field("From the file", e.measured.join("\n"), false));
    }
    // why inputs are missing comes first (a long list must not cut it off), then the five that
    // would move the prediction most, then the names of the rest
    const DETAILED: usize = 5;
    let mut missing_lines: Vec<String> = e.notes.clone();
    let worth: Vec<_> = x.worth_supplying().collect();
    missing_lines.extend(worth.iter().take(DETAILED).map(|d| {
        let hint = if d.feature == Feature::ArtistPopularity { " (new Spotify apps no longer get it)" } else { "" };
        format!(
            "**{}**{hint}: predicted without it; at {} it would be {:+.1}, at {}: {:+.1}. Add `{}:` to include it.",
            d.feature.name(),
            num(d.p25),
            d.change_at_p25,
            num(d.p75),
            d.change_at_p75,
            d.feature.name()
        )
    }));
    if worth.len() > DETAILED {
        let rest: Vec<&str> = worth[DETAILED..].iter().map(|d| d.feature.name()).collect();
        missing_lines.push(format!("Also predicted without: {} (each an option).", rest.join(", ")));
    }
    if e.features.get(Feature::Genre).is_none() {
        missing_lines.push("**genre**: predicted without it. Add `genre:` to include it.".into());
    }
    if !missing_lines.is_empty() {
        fields.push(field("Missing", missing_lines.join("\n"), false));
    }
    Reply::Embed {
        embed: Embed {
            title: truncate(&title, TITLE_LIMIT),
            url,
            description,
            fields,
            footer: format!("Hitcast model {} · a ranking aid, not a promise", p.model_version),
            image: Some("attachment://bands.png".into()),
            color: COLOR,
        }
        .fit(),
        chart: Some(("bands.png".into(), crate::chart::bands(&p.band_probs, &truncate(&raw_title, 60)))),
    }
}

/// A track of an album that was not ranked, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct LeftOut {
    pub name: String,
    pub why: String,
}

/// Most tracks listed in an album's ranking.
pub const RANKING_LINES: usize = 15;

pub fn album(a: &EnrichedAlbum, r: &Ranking, left_out: &[LeftOut]) -> Reply {
    let artists = a.meta.artists.iter().map(|x| x.name.as_str()).collect::<Vec<_>>().join(", ");
    let title = if artists.is_empty() { a.meta.name.clone() } else { format!("{} — {}", a.meta.name, artists) };
    let url = Some(format!("https://open.spotify.com/album/{}", a.meta.id));
    let notes = a.tracks.first().map(|t| t.notes.clone()).unwrap_or_default();
    ranking(&title, url, &a.meta.name, &notes, r, left_out)
}

/// `/album` from the songs' files: what each file gave, after the ranking.
pub fn files_ranking(files: &[Enriched], r: &Ranking, left_out: &[LeftOut]) -> Reply {
    let notes: Vec<String> = files.iter().flat_map(|e| e.measured.iter().chain(&e.notes).cloned()).collect();
    let title = if files.len() == 1 { "Your song".to_string() } else { format!("Your {} songs", files.len()) };
    ranking(&title, None, &title, &notes, r, left_out)
}

/// A ranking's embed and chart: `title` raw (escaped here), `notes` after the list.
fn ranking(
    title: &str,
    url: Option<String>,
    chart_title: &str,
    extra: &[String],
    r: &Ranking,
    left_out: &[LeftOut],
) -> Reply {
    let title = md(title);
    let name = |t: &hitcast::RankedTrack| md(&t.display_name());
    let description = match r.verdict() {
        Some(v @ hitcast::Verdict { runner_up: Some(second), margin: Some(m), .. }) => format!(
            "Release as the single: **{}** (expected {:.0}, {:.1} points ahead of {}){}{}",
            name(v.single),
            v.single.prediction.expected_popularity,
            m,
            name(second),
            if v.close_call {
                format!(
                    "\nA close call: the gap is below the model's error on a track's place in its album ({:.1} points); trust your ears between the two.",
                    v.close_call_points
                )
            } else {
                String::new()
            },
            match v.top_pick {
                Some((rate, chance)) => format!(
                    "\nOn test albums the model's pick was the most popular track {:.0}% of the time (random: {:.0}%).",
                    rate * 100.0,
                    chance * 100.0
                ),
                None => String::new(),
            }
        ),
        Some(v) => format!("Only one track could be predicted: **{}**", name(v.single)),
        None => "No track could be predicted.".into(),
    };
    let lines: Vec<String> = r
        .tracks
        .iter()
        .map(|t| {
            format!("{}. {} — **{:.0}** ({})", t.rank, name(t), t.prediction.expected_popularity, t.prediction.band)
        })
        .collect();
    let list = whole_lines(&lines, FIELD_VALUE_LIMIT, RANKING_LINES, |n| {
        format!("… and {n} more track{} not shown", if n == 1 { "" } else { "s" })
    });
    let mut fields = vec![field("Ranking", list, false)];
    let missing: Vec<&str> =
        r.tracks.first().map(|t| t.prediction.missing.iter().map(|f| f.name()).collect()).unwrap_or_default();
    let mut notes: Vec<String> = Vec::new();
    if !missing.is_empty() {
        notes.push(format!("Predicted without: {} (add them as options to include them).", missing.join(", ")));
    }
    notes.extend(extra.iter().cloned());
    // one line per track left out, after the notes: a long list is cut at whole lines and counted
    notes.extend(left_out.iter().map(|l| format!("Not ranked: **{}**: {}.", md(&l.name), l.why)));
    if !notes.is_empty() {
        let text = whole_lines(&notes, FIELD_VALUE_LIMIT, usize::MAX, |n| format!("… and {n} more not shown"));
        fields.push(field("Notes", text, false));
    }
    let entries: Vec<(String, f32, usize)> = r
        .tracks
        .iter()
        .map(|t| (t.display_name(), t.prediction.expected_popularity, t.prediction.band.index()))
        .collect();
    let version = r.tracks.first().map(|t| t.prediction.model_version.to_string()).unwrap_or_default();
    Reply::Embed {
        embed: Embed {
            title: truncate(&title, TITLE_LIMIT),
            url,
            description,
            fields,
            footer: format!("Hitcast model {version} · a ranking aid, not a promise"),
            image: Some("attachment://ranking.png".into()),
            color: COLOR,
        }
        .fit(),
        chart: Some(("ranking.png".into(), crate::chart::ranking(&entries, &truncate(chart_title, 60)))),
    }
}

/// What a song's file gave, for the reply: what was measured and what the user's options
/// replaced (first), and why a measurement is missing (second).
pub fn audio_lines(report: &hitcast::audio::AudioReport) -> (Vec<String>, Vec<String>) {
    let file = md(&report.file);
    let mut out = Vec::new();
    if let Some(a) = &report.analysis {
        let mut got = Vec::new();
        let secs = (a.duration_ms / 1000.0).round() as u64;
        got.push(format!("{}:{:02}", secs / 60, secs % 60));
        if let Some(t) = a.tempo {
            // tempo is ambiguous by a factor of two: the other octave when it scores almost as well
            got.push(match a.tempo_alternative {
                Some(alt) => format!("{t:.0} BPM (or {alt:.0})"),
                None => format!("{t:.0} BPM"),
            });
        }
        if let Some(k) = &a.key_name {
            got.push(match &a.key_alternative {
                Some(alt) => format!("{k} (or {}, {})", alt.key_name, alt.relation),
                None => k.clone(),
            });
        }
        if let Some(l) = a.loudness {
            got.push(format!("{l:.1} LUFS"));
        }
        out.push(format!("Measured from **{file}**: {}.", got.join(", ")));
    }
    for o in &report.measured.overridden {
        out.push(format!("Your {} was used (the file measured {}).", o.feature, num(o.measured)));
    }
    let notes = report.measured.notes.iter().filter(|n| !n.starts_with("time_signature"));
    (out, notes.map(|n| format!("{}: {}", file, md(n))).collect())
}

/// `/album` when no track of the album can be ranked: why, per track, and what `/album` and
/// `/predict` can do about it (`/album` takes only `artist_popularity:` and `genre:`).
pub fn album_nothing_ranked(a: &EnrichedAlbum, left_out: &[LeftOut]) -> Reply {
    let mut lines = vec![format!("I could not rank any track of **{}**.", md(&a.meta.name))];
    if let Some(first) = a.tracks.first() {
        lines.extend(first.notes.iter().cloned());
    }
    lines.extend(left_out.iter().map(|l| format!("• **{}**: {}.", md(&l.name), l.why)));
    lines.push(
        "`/album` takes `artist_popularity:` and `genre:` for the whole album; to give a track's own values \
         (tempo, loudness, duration_ms…), use `/predict` with that track's link and the options."
            .into(),
    );
    Reply::private(whole_lines(&lines, CONTENT_LIMIT, usize::MAX, |n| format!("… and {n} more")))
}

pub fn model(m: &Model) -> Reply {
    let info = m.info();
    let g = &info.metrics.scores;
    let u = info.metrics.artist_popularity_unknown.clone().unwrap_or_default();
    let f = |v: Option<f64>, digits: usize| v.map_or("?".to_string(), |v| format!("{v:.digits$}"));
    let trained = info.trained_on.sources.iter().map(|(k, v)| format!("{k} ({v} rows)")).collect::<Vec<_>>().join(", ");
    let fields = vec![
        field(
            "Trained on",
            format!(
                "{trained}; {} tracks after cleaning",
                info.trained_on.tracks_after_cleaning.map_or("?".to_string(), |n| n.to_string())
            ),
            false,
        ),
        field(
            "Measured on artists it never saw",
            format!(
                "accuracy {} · macro-F1 {} · popularity MAE {} · R² {} · calibration error {}\nwithout artist popularity: accuracy {} · MAE {}",
                f(g.accuracy, 3),
                f(g.macro_f1, 3),
                f(g.mae, 1),
                f(g.r2, 2),
                f(g.ece, 3),
                f(u.accuracy, 3),
                f(u.mae, 1)
            ),
            false,
        ),
        field(
            "Inputs",
            m.schema()
                .features
                .iter()
                .map(|f| if f.required { f.name.clone() } else { format!("{} (optional)", f.name) })
                .collect::<Vec<_>>()
                .join(", "),
            false,
        ),
    ];
    Reply::Embed {
        embed: Embed {
            title: format!("Hitcast model {}", info.version),
            url: None,
            description: "Predicts the Spotify popularity band (0–25, 26–50, 51–75, 76–100) and expected popularity of a track. Audio features explain little of popularity; treat it as a way to compare your own songs.".into(),
            fields,
            footer: format!("sha256 {}…", &info.sha256[..12]),
            image: None,
            color: COLOR,
        }.fit(),
        chart: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_in_names_is_shown_literally() {
        assert_eq!(md("*NSYNC — Bye Bye Bye"), "\\*NSYNC — Bye Bye Bye");
        assert_eq!(md("m_a_a_d city"), "m\\_a\\_a\\_d city");
        assert_eq!(md("`~|>#[]<-\\"), "\\`\\~\\|\\>\\#\\[\\]\\<\\-\\\\");
        assert_eq!(md("Plain Title 2"), "Plain Title 2");
    }

    #[test]
    fn a_long_list_is_cut_at_whole_lines_and_counts_what_it_hides() {
        let lines: Vec<String> = (1..=40).map(|i| format!("{i}. {} — **50** (26-50)", "x".repeat(60))).collect();
        let text = whole_lines(&lines, FIELD_VALUE_LIMIT, 15, |n| format!("… and {n} more"));
        assert!(text.chars().count() <= FIELD_VALUE_LIMIT, "{}", text.chars().count());
        let shown: Vec<&str> = text.lines().collect();
        let kept = shown.len() - 1;
        // every line shown is whole, and the count is what was left out
        assert!(shown[..kept].iter().zip(&lines).all(|(a, b)| a == b));
        assert_eq!(*shown.last().unwrap(), format!("… and {} more", 40 - kept));
        // under the limit, the cap on lines decides
        let short: Vec<String> = (1..=20).map(|i| format!("{i}.")).collect();
        let text = whole_lines(&short, FIELD_VALUE_LIMIT, 15, |n| format!("… and {n} more"));
        assert_eq!(text.lines().count(), 16);
        assert!(text.ends_with("… and 5 more"));
        assert_eq!(whole_lines(&short[..3], 100, 15, |n| format!("{n}")), "1.\n2.\n3.");
        // one line too long alone is shortened, not dropped
        let text = whole_lines(&["y".repeat(2000)], FIELD_VALUE_LIMIT, 15, |n| format!("{n}"));
        assert_eq!(text.chars().count(), FIELD_VALUE_LIMIT);
    }
}
