//! Human-readable output: tables with small text bar charts of the four bands.

use std::fmt::Write;

use hitcast::present::{display_name, input_sources};
use hitcast::{Band, Explanation, Feature, Model, Prediction, Ranking, TrackFeatures, WhatIf, num};

const BAR_WIDTH: usize = 24;

/// A horizontal bar for a probability, with eighth-block resolution.
pub fn bar(p: f32, width: usize) -> String {
    let eighths = (p.clamp(0.0, 1.0) * (width * 8) as f32).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        s.push(['▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8 - 1]);
    }
    s
}

/// Four probabilities as a 4-character sparkline.
pub fn spark(probs: &[f32; 4]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    probs.iter().map(|p| LEVELS[((p.clamp(0.0, 1.0) * 7.0).round()) as usize]).collect()
}

pub fn title(t: &TrackFeatures, i: usize) -> String {
    display_name(t.name.as_deref(), i)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).chain(['…']).collect() }
}

/// Where the inputs came from and what was missing.
pub fn provenance(t: &TrackFeatures, p: &Prediction) -> String {
    let from: Vec<String> = input_sources(t).iter().map(|(s, fs)| format!("{} from {s}", fs.len())).collect();
    let mut out = format!("inputs: {}", from.join(", "));
    if !p.missing.is_empty() {
        let names: Vec<String> = p
            .missing
            .iter()
            .map(|f| match f {
                Feature::ArtistPopularity => "artist_popularity (predicted by the head trained without it)".into(),
                other => other.name().to_string(),
            })
            .collect();
        let _ = write!(out, "; missing: {}", names.join(", "));
    }
    out
}

pub fn prediction(t: &TrackFeatures, i: usize, p: &Prediction) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", title(t, i));
    let _ = match p.interval {
        Some(i) => writeln!(
            s,
            "  expected popularity  {:.0} / 100, {:.0}% between {:.0} and {:.0}\n  {:>19}  {}",
            p.expected_popularity,
            i.level * 100.0,
            i.low,
            i.high,
            "",
            range_bar(p.expected_popularity, i.low, i.high, 2 * BAR_WIDTH)
        ),
        None => writeln!(s, "  expected popularity  {:.0} / 100", p.expected_popularity),
    };
    let _ = writeln!(s, "  predicted band       {}  ({:.0}%)", p.band, p.prob(p.band) * 100.0);
    for b in Band::ALL {
        let pr = p.prob(b);
        let _ =
            writeln!(s, "  {:>7}  {:<w$} {:>5.1}%", b.to_string(), bar(pr, BAR_WIDTH), pr * 100.0, w = BAR_WIDTH + 1);
    }
    let _ = writeln!(s, "  {}", provenance(t, p));
    let _ = writeln!(s, "  model {}", p.model_version);
    s
}

/// `0 ····[━━━━●━━━]···· 100`: the interval on a 0–100 line, the expected value as a dot.
fn range_bar(expected: f32, low: f32, high: f32, width: usize) -> String {
    let at = |v: f32| ((v.clamp(0.0, 100.0) / 100.0) * (width - 1) as f32).round() as usize;
    let (lo, hi, mid) = (at(low), at(high), at(expected));
    let line: String = (0..width)
        .map(|i| match i {
            _ if i == mid => '●',
            _ if i >= lo && i <= hi => '━',
            _ => '·',
        })
        .collect();
    format!("0 {line} 100")
}

pub fn table_header(rank: bool) -> String {
    format!(
        "{:>3}  {:<28} {:>8} {:>9}  {:<7} {:>5} {:>6} {:>6} {:>7}  {}\n",
        if rank { "#" } else { "" },
        "track",
        "expected",
        "80% range",
        "band",
        Band::DISPLAY[0],
        Band::DISPLAY[1],
        Band::DISPLAY[2],
        Band::DISPLAY[3],
        "bands"
    )
}

pub fn table_row(n: usize, name: &str, p: &Prediction) -> String {
    let range = p.interval.map_or("–".to_string(), |i| format!("{:.0}–{:.0}", i.low, i.high));
    format!(
        "{:>3}  {:<28} {:>8.1} {:>9}  {:<7} {:>4.0}% {:>5.0}% {:>5.0}% {:>6.0}%  {}\n",
        n,
        truncate(name, 28),
        p.expected_popularity,
        range,
        p.band.to_string(),
        p.band_probs[0] * 100.0,
        p.band_probs[1] * 100.0,
        p.band_probs[2] * 100.0,
        p.band_probs[3] * 100.0,
        spark(&p.band_probs)
    )
}

pub fn predictions(tracks: &[TrackFeatures], preds: &[Prediction]) -> String {
    if let ([t], [p]) = (tracks, preds) {
        return prediction(t, 0, p);
    }
    let mut s = table_header(false);
    for (i, (t, p)) in tracks.iter().zip(preds).enumerate() {
        s += &table_row(i + 1, &title(t, i), p);
    }
    if let Some(p) = preds.first() {
        let _ = writeln!(s, "model {}", p.model_version);
    }
    s
}

/// The ranking as a table, then the verdict; written as it goes (a catalogue's table is not
/// built whole in memory).
pub fn write_ranking(out: &mut (impl std::io::Write + ?Sized), r: &Ranking) -> std::io::Result<()> {
    out.write_all(table_header(true).as_bytes())?;
    for t in &r.tracks {
        out.write_all(table_row(t.rank, &t.display_name(), &t.prediction).as_bytes())?;
    }
    out.write_all(ranking_tail(r).as_bytes())
}

/// What follows the ranking's table: the verdict, what was missing, the model.
fn ranking_tail(r: &Ranking) -> String {
    let mut s = String::new();
    if let Some(v) = r.verdict() {
        let top = v.single;
        match (v.runner_up, v.margin) {
            (Some(second), Some(m)) => {
                let _ = writeln!(
                    s,
                    "\nRelease as the single: {} (expected {:.0}, {:.1} points ahead of {}){}",
                    top.display_name(),
                    top.prediction.expected_popularity,
                    m,
                    second.display_name(),
                    if v.close_call {
                        format!(
                            ". A close call: the gap is below the model's error on a track's place in its album ({:.1} points), so let your ears decide between the two.",
                            v.close_call_points
                        )
                    } else {
                        String::new()
                    }
                );
                if let Some((rate, chance)) = v.top_pick {
                    let _ = writeln!(
                        s,
                        "On test albums the model's pick was the most popular track {:.0}% of the time (a random pick: {:.0}%).",
                        rate * 100.0,
                        chance * 100.0
                    );
                }
            }
            _ => {
                let _ = writeln!(
                    s,
                    "\nOnly one track: {} (expected {:.0})",
                    top.display_name(),
                    top.prediction.expected_popularity
                );
            }
        }
    }
    if let Some(t) = r.tracks.iter().find(|t| !t.prediction.missing.is_empty()) {
        let missing: Vec<&str> = t.prediction.missing.iter().map(|f| f.name()).collect();
        let _ = writeln!(s, "Some tracks were predicted without: {}", missing.join(", "));
    }
    if let Some(t) = r.tracks.first() {
        let _ = writeln!(s, "model {}", t.prediction.model_version);
    }
    s
}

pub fn explanation(model: &Model, t: &TrackFeatures, e: &Explanation) -> String {
    let mut s = prediction(t, 0, &e.prediction);
    let _ =
        writeln!(s, "\nWhat moves it: expected popularity if a feature moved to the training 25th / 75th percentile");
    let _ = writeln!(
        s,
        "  {:<20} {:>10}   {:>10} {:>7}   {:>10} {:>7}",
        "feature", "value", "p25", "change", "p75", "change"
    );
    for d in &e.drivers {
        let _ = writeln!(
            s,
            "  {:<20} {:>10} → {:>10} {:>+7.1}   {:>10} {:>+7.1}",
            d.feature.name(),
            d.value.map_or("-".to_string(), num),
            num(d.p25),
            d.change_at_p25,
            num(d.p75),
            d.change_at_p75
        );
    }
    if !e.if_supplied.is_empty() {
        let _ = writeln!(
            s,
            "\nIf you supplied what is missing (expected popularity at the training 25th / 75th percentile):"
        );
        for d in &e.if_supplied {
            let unit = &model.schema().spec(d.feature).unit;
            let _ = writeln!(
                s,
                "  {:<20} {:>10} {unit:<8} → {:>+5.1}    {:>10} → {:>+5.1}",
                d.feature.name(),
                num(d.p25),
                d.change_at_p25,
                num(d.p75),
                d.change_at_p75
            );
        }
    }
    s
}

pub fn what_if(w: &WhatIf) -> String {
    let mut s = String::from("\nWhat if:\n");
    for c in &w.changes {
        let _ = writeln!(s, "  {} = {}", c.feature.name(), c.value.map_or("missing".to_string(), num));
    }
    let _ = writeln!(
        s,
        "  expected popularity {:.1} → {:.1} ({:+.1}); band {} → {}",
        w.before.expected_popularity, w.after.expected_popularity, w.change, w.before.band, w.after.band
    );
    for b in Band::ALL {
        let _ = writeln!(
            s,
            "  {:>7}  {:>5.1}% → {:>5.1}%  {}",
            b.to_string(),
            w.before.prob(b) * 100.0,
            w.after.prob(b) * 100.0,
            bar(w.after.prob(b), BAR_WIDTH)
        );
    }
    s
}

pub fn model(m: &Model) -> String {
    let info = m.info();
    let mut s = String::new();
    let _ = writeln!(s, "Hitcast model {}", info.version);
    let _ = writeln!(s, "  sha256  {}", info.sha256);
    let _ = writeln!(s, "  size    {} bytes", info.size_bytes);
    let t = &info.trained_on;
    let sources = t.sources.iter().map(|(k, v)| format!("{k} ({v} rows)")).collect::<Vec<_>>().join(", ");
    let _ = writeln!(s, "  trained on {sources}");
    let n = |v: Option<u64>| v.map_or("?".to_string(), |v| v.to_string());
    let _ = writeln!(
        s,
        "  {} tracks after cleaning; {} train / {} test, {}",
        n(t.tracks_after_cleaning),
        n(t.train_rows),
        n(t.test_rows),
        t.split.as_deref().unwrap_or("")
    );
    let g = &info.metrics.scores;
    let f = |v: Option<f64>, digits: usize| v.map_or("?".to_string(), |v| format!("{v:.digits$}"));
    let _ = writeln!(
        s,
        "  grouped-by-artist test split: accuracy {}, macro-F1 {}, popularity MAE {}, R² {}, ECE {}",
        f(g.accuracy, 3),
        f(g.macro_f1, 3),
        f(g.mae, 1),
        f(g.r2, 3),
        f(g.ece, 3)
    );
    if let Some(i) = &info.interval {
        let scores = info.metrics.interval.clone().unwrap_or_default();
        let _ = writeln!(
            s,
            "  {:.0}% interval: coverage {} on that split, median width {} points ({})",
            i.level * 100.0,
            f(scores.coverage, 3),
            f(scores.median_width, 1),
            i.method
        );
    }
    if m.schema().min_inputs > 0 {
        let _ = writeln!(s, "  every input is optional; a track needs at least {}", m.schema().min_inputs);
    }
    let _ = writeln!(s, "\n  {:<20} {:<13} {:<26} {:<9} p25 / p50 / p75", "feature", "unit", "allowed", "needed");
    for f in &m.schema().features {
        let spec_allowed = if f.labels.is_empty() { format!("{}–{}", f.min, f.max) } else { f.labels.join(" ") };
        let _ = writeln!(
            s,
            "  {:<20} {:<13} {:<26} {:<9} {} / {} / {}",
            f.name,
            f.unit,
            truncate(&spec_allowed, 26),
            if f.required { "required" } else { "optional" },
            num(f.p25),
            num(f.p50),
            num(f.p75)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_with_eighths() {
        assert_eq!(bar(0.0, 8), "");
        assert_eq!(bar(1.0, 8), "████████");
        assert_eq!(bar(0.5, 8), "████");
        assert_eq!(bar(1.0 / 64.0, 8), "▏");
        assert_eq!(spark(&[0.0, 1.0, 0.5, 0.1]), "▁█▅▂");
    }
}
