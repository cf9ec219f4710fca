//! The slash commands (poise). Thin: options in, [`crate::logic`] out, reply sent.
//! Discord wants an answer within 3 s: lookups defer first, then edit.

use std::sync::Arc;

use hitcast::Feature;
use poise::serenity_prelude as serenity;

use crate::attachments::Attachment;
use crate::enrich::{Overrides, current_year};
use crate::logic::Bot;
use crate::reccobeats::ReccoBeats;
use crate::reply::{Deferred, Embed, Reply};
use crate::spotify::Spotify;

pub type Data = Arc<Bot<Spotify, ReccoBeats>>;
pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// The genre vocabulary of the model, as a Discord choice (in [`hitcast::GENRES`] order).
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum Genre {
    #[name = "pop"]
    Pop,
    #[name = "rock"]
    Rock,
    #[name = "hip-hop"]
    HipHop,
    #[name = "edm"]
    Edm,
    #[name = "r&b"]
    RnB,
    #[name = "latin"]
    Latin,
    #[name = "other"]
    Other,
    #[name = "country"]
    Country,
    #[name = "k-pop"]
    KPop,
    #[name = "indie"]
    Indie,
    #[name = "folk"]
    Folk,
    #[name = "jazz"]
    Jazz,
    #[name = "classical"]
    Classical,
}

impl Genre {
    /// The model's genre index (the order of [`hitcast::GENRES`]; a test checks the names).
    pub fn index(self) -> f64 {
        self as u8 as f64
    }
}

fn embed(e: &Embed) -> serenity::CreateEmbed {
    let mut out = serenity::CreateEmbed::new()
        .title(&e.title)
        .description(&e.description)
        .colour(e.color)
        .footer(serenity::CreateEmbedFooter::new(&e.footer));
    if let Some(url) = &e.url {
        out = out.url(url);
    }
    if let Some(img) = &e.image {
        out = out.image(img);
    }
    for f in &e.fields {
        out = out.field(&f.name, &f.value, f.inline);
    }
    out
}

pub use crate::reply::NEUTRAL_ERROR;

/// Sends a reply: before a defer as the interaction's response (a private reply is ephemeral);
/// after one, through [`finish_deferred`].
async fn send(ctx: Context<'_>, reply: Reply, deferred: bool) -> Result<(), Error> {
    if deferred && let Context::Application(app) = ctx {
        return finish_deferred(ctx.http(), app.interaction, reply).await;
    }
    match reply {
        Reply::Embed { embed: e, chart } => {
            let mut r = poise::CreateReply::default().embed(embed(&e));
            if let Some((name, png)) = chart {
                r = r.attachment(serenity::CreateAttachment::bytes(png, name));
            }
            ctx.send(r).await?;
        }
        Reply::Private(text) => {
            ctx.send(poise::CreateReply::default().content(text).ephemeral(true)).await?;
        }
    }
    Ok(())
}

/// A gateway interaction's deferred response, completed through serenity.
#[derive(Debug, Clone, Copy)]
pub struct GatewayInteraction<'a> {
    pub http: &'a serenity::Http,
    pub interaction: &'a serenity::CommandInteraction,
}

impl Deferred for GatewayInteraction<'_> {
    type Error = serenity::Error;

    async fn edit(&self, e: &Embed, chart: Option<(String, Vec<u8>)>) -> Result<(), serenity::Error> {
        let mut edit = serenity::EditInteractionResponse::new().embed(embed(e));
        if let Some((name, png)) = chart {
            edit = edit.new_attachment(serenity::CreateAttachment::bytes(png, name));
        }
        self.interaction.edit_response(self.http, edit).await.map(drop)
    }

    async fn edit_text(&self, text: &str) -> Result<(), serenity::Error> {
        self.interaction
            .edit_response(self.http, serenity::EditInteractionResponse::new().content(text))
            .await
            .map(drop)
    }

    async fn follow_up_private(&self, text: &str) -> Result<(), serenity::Error> {
        let follow = serenity::CreateInteractionResponseFollowup::new().content(text).ephemeral(true);
        self.interaction.create_followup(self.http, follow).await.map(drop)
    }
}

/// Completes a deferred response of the gateway bot ([`crate::reply::finish_deferred`]).
pub async fn finish_deferred(
    http: &serenity::Http,
    interaction: &serenity::CommandInteraction,
    reply: Reply,
) -> Result<(), Error> {
    Ok(crate::reply::finish_deferred(&GatewayInteraction { http, interaction }, reply).await?)
}

/// How popular will this track be on Spotify? Paste a link, or describe an unreleased song.
#[poise::command(slash_command)]
#[expect(clippy::too_many_arguments, reason = "one Discord option per model input")]
pub async fn predict(
    ctx: Context<'_>,
    #[description = "Spotify track link, spotify:track: URI or id (leave out to describe an unreleased song)"]
    url: Option<String>,
    #[description = "Your song's audio file (WAV, FLAC, MP3, Ogg, M4A; up to 25 MB): tempo, key, loudness measured"]
    file: Option<serenity::Attachment>,
    #[description = "Also send the file to ReccoBeats (a third party) for danceability, energy, valence…"]
    remote_analysis: Option<bool>,
    #[description = "Name to show (for an unreleased song)"] name: Option<String>,
    #[description = "The artist's Spotify popularity (0-100)"]
    #[min = 0]
    #[max = 100]
    artist_popularity: Option<f64>,
    #[description = "Genre"] genre: Option<Genre>,
    #[description = "Years since release (0 for unreleased)"]
    #[min = 0]
    #[max = 100]
    years_since_release: Option<f64>,
    #[description = "0-1"]
    #[min = 0]
    #[max = 1]
    danceability: Option<f64>,
    #[description = "0-1"]
    #[min = 0]
    #[max = 1]
    energy: Option<f64>,
    #[description = "Pitch class 0-11 (0 = C)"]
    #[min = 0]
    #[max = 11]
    key: Option<u8>,
    #[description = "dB, -60 to 5"]
    #[min = -60]
    #[max = 5]
    loudness: Option<f64>,
    #[description = "1 = major, 0 = minor"]
    #[min = 0]
    #[max = 1]
    mode: Option<u8>,
    #[description = "0-1"]
    #[min = 0]
    #[max = 1]
    speechiness: Option<f64>,
    #[description = "0-1"]
    #[min = 0]
    #[max = 1]
    acousticness: Option<f64>,
    #[description = "0-1"]
    #[min = 0]
    #[max = 1]
    instrumentalness: Option<f64>,
    #[description = "0-1"]
    #[min = 0]
    #[max = 1]
    liveness: Option<f64>,
    #[description = "0-1"]
    #[min = 0]
    #[max = 1]
    valence: Option<f64>,
    #[description = "BPM, 0-250"]
    #[min = 0]
    #[max = 250]
    tempo: Option<f64>,
    #[description = "Beats per bar (3-7)"]
    #[min = 0]
    #[max = 7]
    time_signature: Option<u8>,
    #[description = "Length in milliseconds"]
    #[min = 1000]
    #[max = 4000000]
    duration_ms: Option<u32>,
) -> Result<(), Error> {
    let overrides = Overrides(
        [
            (Feature::ArtistPopularity, artist_popularity),
            (Feature::Genre, genre.map(Genre::index)),
            (Feature::YearsSinceRelease, years_since_release),
            (Feature::Danceability, danceability),
            (Feature::Energy, energy),
            (Feature::Key, key.map(f64::from)),
            (Feature::Loudness, loudness),
            (Feature::Mode, mode.map(f64::from)),
            (Feature::Speechiness, speechiness),
            (Feature::Acousticness, acousticness),
            (Feature::Instrumentalness, instrumentalness),
            (Feature::Liveness, liveness),
            (Feature::Valence, valence),
            (Feature::Tempo, tempo),
            (Feature::TimeSignature, time_signature.map(f64::from)),
            (Feature::DurationMs, duration_ms.map(f64::from)),
        ]
        .into_iter()
        .filter_map(|(f, v)| v.map(|v| (f, v)))
        .collect(),
    );
    // A bad link needs no lookup: answer at once, privately. A good one is parsed once, here; a
    // short share link is resolved after deferring (it takes a request).
    let link = match url.as_deref().map(|u| crate::link::parse_link(u, crate::link::Kind::Track)).transpose() {
        Ok(link) => link,
        Err(e) => return send(ctx, Reply::private(format!("{e}.")), false).await,
    };
    ctx.defer().await?;
    let file = file.as_ref().map(attachment);
    let remote = remote_analysis.unwrap_or(false);
    let reply =
        ctx.data().predict_command(link.as_ref(), file.as_ref(), name, &overrides, remote, current_year()).await;
    send(ctx, reply, true).await
}

/// An attachment as the bot's logic takes it (the same shape the HTTP front reads).
fn attachment(a: &serenity::Attachment) -> Attachment {
    Attachment { filename: a.filename.clone(), url: a.url.clone(), size: u64::from(a.size) }
}

/// Rank an album's tracks, or your songs' files: which one should be the single?
#[poise::command(slash_command)]
#[expect(clippy::too_many_arguments, reason = "one Discord option per file")]
pub async fn album(
    ctx: Context<'_>,
    #[description = "Spotify album link, spotify:album: URI or id (or attach your songs instead)"] url: Option<String>,
    #[description = "The artist's Spotify popularity (0-100), if you know it"]
    #[min = 0]
    #[max = 100]
    artist_popularity: Option<f64>,
    #[description = "Genre, if Spotify does not say"] genre: Option<Genre>,
    #[description = "A song's audio file (WAV, FLAC, MP3, Ogg, M4A; up to 25 MB)"] file1: Option<serenity::Attachment>,
    #[description = "Another song"] file2: Option<serenity::Attachment>,
    #[description = "Another song"] file3: Option<serenity::Attachment>,
    #[description = "Another song"] file4: Option<serenity::Attachment>,
    #[description = "Another song"] file5: Option<serenity::Attachment>,
    #[description = "Another song"] file6: Option<serenity::Attachment>,
    #[description = "Another song"] file7: Option<serenity::Attachment>,
    #[description = "Another song"] file8: Option<serenity::Attachment>,
    #[description = "Another song"] file9: Option<serenity::Attachment>,
    #[description = "Another song"] file10: Option<serenity::Attachment>,
    #[description = "Also send the files to ReccoBeats (a third party) for danceability, energy, valence…"]
    remote_analysis: Option<bool>,
) -> Result<(), Error> {
    let link = match url.as_deref().map(|u| crate::link::parse_link(u, crate::link::Kind::Album)).transpose() {
        Ok(link) => link,
        Err(e) => return send(ctx, Reply::private(format!("{e}.")), false).await,
    };
    let files: Vec<Attachment> = [file1, file2, file3, file4, file5, file6, file7, file8, file9, file10]
        .iter()
        .flatten()
        .map(attachment)
        .collect();
    let overrides = Overrides(
        [(Feature::ArtistPopularity, artist_popularity), (Feature::Genre, genre.map(Genre::index))]
            .into_iter()
            .filter_map(|(f, v)| v.map(|v| (f, v)))
            .collect(),
    );
    ctx.defer().await?;
    let remote = remote_analysis.unwrap_or(false);
    let reply = ctx.data().album_command(link.as_ref(), &files, &overrides, remote, current_year()).await;
    send(ctx, reply, true).await
}

/// The model's version, what it was trained on, and its honest metrics.
#[poise::command(slash_command)]
pub async fn model(ctx: Context<'_>) -> Result<(), Error> {
    let reply = ctx.data().model_info();
    send(ctx, reply, false).await
}

pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![predict(), album(), model()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use poise::ChoiceParameter;

    #[test]
    fn genre_choices_are_the_models_labels_in_order() {
        let names: Vec<String> = Genre::list().iter().map(|c| c.name.to_string()).collect();
        assert_eq!(names, hitcast::GENRES);
        assert_eq!(Genre::Classical.index(), (hitcast::GENRES.len() - 1) as f64);
    }
}
