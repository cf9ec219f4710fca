"""MODEL_CARD.md, generated from the pipeline's results (do not edit the card by hand)."""

from __future__ import annotations

BANDS = ["0–25", "26–50", "51–75", "76–100"]


def _row(name: str, m: dict) -> str:
    mae = f"{m['mae']:.1f}" if "mae" in m else "–"
    r2 = f"{m['r2']:.3f}" if "r2" in m else "–"
    f1 = " / ".join(f"{v:.2f}" for v in m["band_f1"])
    return f"| {name} | {m['accuracy']:.3f} | {m['macro_f1']:.3f} | {f1} | {m['ece']:.3f} | {mae} | {r2} |"


def _table(ev: dict) -> str:
    head = ("| model | accuracy | macro-F1 | F1 per band (0–25 / 26–50 / 51–75 / 76–100) | ECE | "
            "MAE popularity | R² popularity |\n|---|---|---|---|---|---|---|")
    return "\n".join([head] + [_row(k, v) for k, v in ev.items()])


def _confusion(m: dict) -> str:
    lines = ["| true \\ predicted | " + " | ".join(BANDS) + " |", "|---|---|---|---|---|"]
    for b, row in zip(BANDS, m["confusion"]):
        lines.append(f"| {b} | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def _f(v, fmt=".3f") -> str:
    return "–" if v is None or v != v else format(v, fmt)


def _ms(d: dict) -> str:
    return f"{_f(d['mean'])} ± {_f(d['se'])}"


def _ranking_table(ev: dict) -> str:
    lines = ["| model | Spearman, all test tracks | within artist (≥ 3 tracks) | within album (≥ 4 tracks) | "
             "album top pick (chance) | error on position in album (points) |", "|---|---|---|---|---|---|"]
    for k, m in ev.items():
        if "within_album" not in m:
            continue
        wa, wal = m["within_artist"], m["within_album"]
        lines.append(f"| {k} | {_f(m['spearman'])} | {_ms(wa['spearman'])} | {_ms(wal['spearman'])} | "
                     f"{_ms(wal['top_pick'])} ({_f(wal['top_pick_chance']['mean'])}) | "
                     f"{_f(wal['relative_error_points']['mean'], '.1f')} |")
    return "\n".join(lines)


def _small_table(d: dict, what: str) -> str:
    lines = [f"| {what} | rows | accuracy | macro-F1 | ECE | MAE | MAE of a constant | Spearman |",
             "|---|---|---|---|---|---|---|---|"]
    for k, m in d.items():
        lines.append(f"| {k} | {m['rows']:,} | {_f(m['accuracy'])} | {_f(m['macro_f1'])} | {_f(m['ece'])} | "
                     f"{_f(m['mae'], '.1f')} | {_f(m['mae_constant'], '.1f')} | {_f(m['spearman'])} |")
    return "\n".join(lines)


def _loso(d: dict) -> str:
    if not d:
        return "(one source only: not run)"
    lines = ["| held-out source | train rows | accuracy | ECE | MAE | MAE of the training mean | Spearman | "
             "with artist popularity (alone) | without it (genre mean alone) | slope prediction / truth | "
             "80% interval coverage, median width | within album |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s, v in d.items():
        if "skipped" in v:
            lines.append(f"| {s} | skipped: {v['skipped']} | | | | | | | | | | |")
            continue
        h, c, b = v["Hitcast"], v["constant training mean"], v["baselines"]
        sl = h["slope_on_artist_popularity"]
        lines.append(f"| {s} | {v['train_rows']:,} | {_f(h['accuracy'])} | {_f(h['ece'])} | "
                     f"{_f(h['mae'], '.1f')} | {_f(c['mae'], '.1f')} | {_f(h['spearman'])} | "
                     f"{_f(h['spearman_with_artist_popularity'])} ({_f(b['artist popularity alone']['spearman'])}) | "
                     f"{_f(h['spearman_without_artist_popularity'])} ({_f(b['genre mean alone']['spearman_without_artist_popularity'])}) | "
                     f"{_f(sl['prediction'], '.2f')} / {_f(sl['truth'], '.2f')} | "
                     f"{_f(h['interval']['coverage'])}, {_f(h['interval']['median_width'], '.1f')} | "
                     f"{_ms(h['within_album']['spearman'])} |")
    return "\n".join(lines)


def _ablations(g: dict) -> str:
    lines = ["| inputs given | Spearman | with artist popularity | without it | MAE | ECE | within artist | "
             "within album | slope prediction / truth | 80% coverage, median width |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for k, m in g.items():
        if not k.startswith("Hitcast") or "interval" not in m:
            continue
        sl = m["slope_on_artist_popularity"]
        lines.append(f"| {k} | {_f(m['spearman'])} | {_f(m['spearman_with_artist_popularity'])} | "
                     f"{_f(m['spearman_without_artist_popularity'])} | {_f(m['mae'], '.2f')} | {_f(m['ece'])} | "
                     f"{_ms(m['within_artist']['spearman'])} | {_ms(m['within_album']['spearman'])} | "
                     f"{_f(sl['prediction'], '.2f')} / {_f(sl['truth'], '.2f')} | "
                     f"{_f(m['interval']['coverage'])}, {_f(m['interval']['median_width'], '.1f')} |")
    return "\n".join(lines)


def _genres(d: dict) -> str:
    lines = ["| genre | test rows | mean prediction | mean truth | gap |", "|---|---|---|---|---|"]
    for k, m in d.items():
        gap = m["mean_prediction"] - m["mean_truth"]
        lines.append(f"| {k} | {m['rows']:,} | {m['mean_prediction']:.1f} | {m['mean_truth']:.1f} | {gap:+.1f} |")
    return "\n".join(lines)


def _interval_groups(d: dict, bounds: list) -> str:
    lines = ["| group | bounds (points around the expected popularity) | test rows | coverage | median width |",
             "|---|---|---|---|---|"]
    for (k, m), (lo, hi) in zip(d.items(), bounds):
        lines.append(f"| {k} | {lo:+.1f} / {hi:+.1f} | {m['rows']:,} | {_f(m['coverage'])} | {_f(m['median_width'], '.1f')} |")
    return "\n".join(lines)


def targets(r: dict) -> list[tuple[str, str, bool]]:
    """The targets of the issue "Model v3", measured: (name, value, met)."""
    g = r["grouped"]
    h = g["Hitcast"]
    base = r["baselines"]
    wa, wal = h["within_artist"], h["within_album"]
    ap_alone = base["artist popularity alone"]["spearman"]
    sl = h["slope_on_artist_popularity"]
    out = [
        ("Spearman, all test rows ≥ 0.50", _f(h["spearman"]), h["spearman"] >= 0.50),
        ("Spearman with artist popularity ≥ artist popularity alone + 0.03",
         f"{_f(h['spearman_with_artist_popularity'])} vs {_f(ap_alone)} + 0.03",
         h["spearman_with_artist_popularity"] >= ap_alone + 0.03),
        ("Spearman without artist popularity ≥ 0.30", _f(h["spearman_without_artist_popularity"]),
         h["spearman_without_artist_popularity"] >= 0.30),
        ("slope on artist popularity within ±25% of the truth's", f"{sl['prediction']:.3f} vs {sl['truth']:.3f}",
         abs(sl["prediction"] - sl["truth"]) <= 0.25 * abs(sl["truth"])),
    ]
    for k, m in r["breakdown"]["genre"].items():
        if m["rows"] >= 200 and k != "unknown":
            gap = m["mean_prediction"] - m["mean_truth"]
            out.append((f"genre {k}: mean prediction within 5 points", f"{gap:+.1f}", abs(gap) <= 5))
    prev = [k for k in g if k.endswith("(previous), on the test rows it can score")]
    if prev:
        pm, hm = g[prev[0]]["mae"], g["Hitcast, on the same rows"]["mae"]
        out.append((f"MAE ≤ {prev[0].split(' (')[0]}'s on the rows it can score", f"{hm:.2f} vs {pm:.2f}", hm <= pm))
    out += [
        ("ECE ≤ 0.03", _f(h["ece"]), h["ece"] <= 0.03),
        ("within-artist Spearman ≥ 0.18", _ms(wa["spearman"]), wa["spearman"]["mean"] >= 0.18),
        ("within-album Spearman ≥ 0.13", _ms(wal["spearman"]), wal["spearman"]["mean"] >= 0.13),
        ("80% interval coverage 0.77–0.83", _f(h["interval"]["coverage"]), 0.77 <= h["interval"]["coverage"] <= 0.83),
    ]
    for s, v in r.get("leave_one_source_out", {}).items():
        if "skipped" in v:
            continue
        hv = v["Hitcast"]
        hm, cm = hv["mae"], v["constant training mean"]["mae"]
        alone = v["baselines"]["artist popularity alone"]["spearman"]
        out.append((f"held out {s}: MAE below the constant's", f"{hm:.1f} vs {cm:.1f}", hm < cm))
        out.append((f"held out {s}: ECE ≤ 0.08", _f(hv["ece"]), hv["ece"] <= 0.08))
        out.append((f"held out {s}: Spearman with artist popularity ≥ it alone",
                    f"{_f(hv['spearman_with_artist_popularity'])} vs {_f(alone)}",
                    hv["spearman_with_artist_popularity"] >= alone))
        out.append((f"held out {s}: interval coverage ≥ 0.72", _f(hv["interval"]["coverage"]),
                    hv["interval"]["coverage"] >= 0.72))
    out.append(("ONNX ≤ 8 MB", f"{r['size_bytes'] / 1e6:.2f} MB", r["size_bytes"] <= 8_000_000))
    return out


def render(r: dict, schema: dict) -> str:
    g = r["grouped"]
    h = g["Hitcast"]
    rep = r["report"]
    feats = "\n".join(
        f"| `{f['name']}` | {f['unit']} | {f['min']:g} – {f['max']:g} | "
        f"{'required' if f['required'] else 'optional (NaN = missing)'} | "
        f"{f['p25']:.4g} / {f['p50']:.4g} / {f['p75']:.4g} | {f['description']} |"
        for f in schema["features"])
    tgt = "\n".join(f"| {n} | {v} | {'met' if ok else '**not met**'} |" for n, v, ok in targets(r))
    rnd = r.get("random")
    rnd_txt = _table(rnd) if rnd else "(not run)"
    return f"""# Hitcast model card

*Generated by `models/train/train.sh`; do not edit by hand.*

| | |
|---|---|
| file | `models/hitcast.onnx` |
| version | `{r['version']}` |
| sha256 | `{r['sha256']}` |
| size | {r['size_bytes']:,} bytes |
| training time | {r['seconds']} s on 2 cores |

## What it predicts
For one track: the probability of each Spotify popularity band (0–25, 26–50, 51–75, 76–100;
`band_probs`, rows sum to 1, temperature-calibrated), the expected popularity 0–100
(`popularity`, a separate regression head clipped to 0–100 in the graph) and its 80% prediction
interval (`interval`, low and high; see "Interval"). **Every input is optional** (at least one is
needed): a track with only some audio features — five from a table like michelle's, or the five an
analysis of the audio file measures (tempo, key, mode, loudness, duration) — or none, with or
without artist popularity, is answered by a model trained for that pattern, never by a made-up value.
Architecture: two small MLPs ({'-'.join(str(v) for v in r['config_student']['hidden'])}, ReLU; one for tracks whose artist popularity is
known, one trained with it withheld for tracks where it is not) distilled from gradient-boosted
trees (LightGBM: {r['training']['known']['classifier_trees']} + {r['training']['known']['regressor_trees']} trees for the known case, {r['training']['unknown']['classifier_trees']} + {r['training']['unknown']['regressor_trees']} for the unknown one),
all in one graph with in-graph missing-value encoding, one-hots and standardisation.
Why distilled: ONNX Runtime runs those trees at ~74 µs for one track and ~73k tracks/s on one
core, far from the ≤ 25 µs and ≥ 300k tracks/s the product needs; the students run like the
first model's MLPs. Each student learns its teacher's tempered band log-probabilities and its
popularity on the teacher's training rows plus {r['config_student']['copies']} copies (optional inputs withheld as in
training; audio features withheld by pattern — a file's five, the five perceptual ones, none; every
other copy with the audio features jittered by {r['config_student']['jitter']} standard deviations). The trees themselves learn the
patterns from the data (michelle rows have five audio features) and from training rows whose
audio features are withheld at random (none {r['config']['mask_audio_none']:.0%}, a file's five {r['config']['mask_audio_file']:.0%}, the perceptual five {r['config']['mask_audio_five']:.0%});
LightGBM routes a missing value the way it learned. Trees and students are both in the tables below.

**Masking over members per pattern**: one pair of students (artist popularity known / unknown)
with missing indicators serves every subset of inputs; members per pattern would multiply the
graph by the number of patterns a user can send (2¹² audio subsets) or force a fallback for the
patterns not trained. The price is measured below: each ablation row is the same model given fewer inputs.

**Reproducible on any CPU**: the trees are trained with one thread, row-wise histograms and
LightGBM's `deterministic` mode; the students (scikit-learn MLPs, Adam) are trained in float64.
Model 2 trained them in float32, and a retrain on an AVX-512 machine (OpenBLAS's SkylakeX kernels)
differed from the committed model by up to 0.21 in a probability; in float64 the BLAS kernels'
rounding starts about 10⁹ times smaller. `tests/test_reproduce.py` retrains and compares with the
committed parity fixture (band probabilities within 1e-3, popularity within 0.05, interval within
0.1); it was run with OpenBLAS's default kernel on this AVX-512 machine and with
`OPENBLAS_CORETYPE=Haswell` forcing the AVX2 kernels.
Students' gap to their teacher on its own rows: {r['training']['students']['known']['mean_abs_logit_gap']:.3f} (known) / {r['training']['students']['unknown']['mean_abs_logit_gap']:.3f} (unknown)
mean absolute logit, {r['training']['students']['known']['mean_abs_popularity_gap']:.2f} / {r['training']['students']['unknown']['mean_abs_popularity_gap']:.2f} popularity points.
ONNX against the NumPy reference: largest difference {r['training']['onnx_vs_numpy_max_diff']['band_probs']:.1e} in a band probability,
{r['training']['onnx_vs_numpy_max_diff']['popularity']:.1e} in popularity; every number below is the ONNX model's.

### How `band` is decided
`band` = argmax over bands of `band_probs × weights`, weights = prior^-α with the training band
shares as prior ({', '.join(f'{v:.3f}' for v in r['training']['prior'])}) and α = {r['training']['alpha']}
fitted on held-out training artists (the best macro-F1 that costs at most 1.5 points of accuracy).
The weights are in the model's `hitcast.decision` metadata; the probabilities are not changed.

### Inputs derived from text
`title_marker`, `album_marker` and `featured_artists` are computed from the track's name, its
credited artists and its album's name by the rules in the model's `hitcast.derive` metadata
(written by `hitcast_train/derive.py`, read by the Rust core: one table, two readers). The coarse
genre's keyword table is there too. Source-specific signals (explicit, track number, album size)
are not used: each exists in one source only, and track 1 is where labels put the expected hit.

## Data
Sources read (rows before cleaning): {', '.join(f'{k}: {v:,}' for k, v in rep['rows_read'].items())}.
michelle-2024 (Sep 2024) adds 6,600 artists across the whole artist-popularity range (median 58,
against divss98's 83) with track and artist popularity measured together, their genres and five
audio features (acousticness, danceability, energy, tempo, valence; no duration, key, mode,
loudness, release date or album: those stay missing, and an artist popularity of 0 there is
treated as missing). Artist popularity for TidyTuesday rows is joined by normalised artist name
from the 2024 artist-popularity tables and the michelle-2024 table (divss98 and michelle have their own).

Cleaning, in order:
- dropped {rep['dropped_zero']:,} rows with popularity 0 (on Spotify 0 mostly marks unavailable or
  relinked tracks, not unpopular ones);
- dropped {rep['dropped_dup_id']:,} duplicates by track id (TidyTuesday lists a track once per playlist, michelle once
  per artist row; across sources the most complete row is kept, then the most recent);
- dropped {rep['dropped_dup_title']:,} duplicates by (normalised artist, normalised title), keeping the most
  complete then most recent row (deluxe/regular editions, singles, remasters);
- `time_signature` is missing for every TidyTuesday row: encoded as missing, never imputed in the data.
  Because its absence identifies the source rather than anything about the song (and ReccoBeats
  does not provide it), this model withholds it in training and does not use it: the input is
  accepted and validated, and has no effect;
- unmatched artists keep artist popularity missing ({rep['artist_matched']:.0%} of tracks matched).

{r['rows']:,} tracks remain.

Caveats: michelle's audio features are five of twelve, and its popularity is measured four years
after TidyTuesday's; divss98 holds whole discographies of ~300 very popular artists; TidyTuesday is a 2020
playlist sample; artist popularity was measured in 2024, years after the track snapshots, and was
found by name search (some names map to the wrong artist). Artist popularity is derived by
Spotify from the artist's own tracks, so it partly encodes the target.

## Features
Input `features`: float32 `[N, {len(schema['features'])}]` in this order. Percentiles are of the training split.

| feature | unit | valid range | status | p25 / p50 / p75 | meaning |
|---|---|---|---|---|---|
{feats}

Every input can be had for a new or unreleased song: audio features from Spotify (extended-quota
apps) or ReccoBeats or the artist; duration from the track; years since release from its release
date (0 for an unreleased song); artist popularity from Spotify where the app still gets it, or the
artist; the coarse genre from the artist's Spotify genres where the app gets them, or the artist.
Release year itself is not an input (a model trained on 2020–2022 snapshots cannot extrapolate it);
the track's age is.

## Split
Grouped by artist (no artist on both sides), 75/25, seed {r['split']['seed']}: {r['split']['train']:,} train
and {r['split']['test']:,} test tracks. The test split's track ids are in `models/test_split_ids.txt`.
15% of the training artists are held out again: they stop the boosting, give the interval's
conformal residuals and fit the temperatures
(artist popularity known: {r['training']['known']['temperature']:.3f}, unknown:
{r['training']['unknown']['temperature']:.3f}) and the decision rule. The test split is never used to
choose anything. The "unknown" pair sees every training row with artist popularity withheld, so a
prediction without it comes from a model made for that case.

## Metrics on the grouped test split
{_table(g)}

- *original model (shipped)*: `../shared/data/seed-model`, a numpy forward pass of the h5 with its
  scaler; genre one-hots set where a genre maps (TidyTuesday pop/rock/rap/edm), otherwise 0;
  missing values set to the scaler's mean.
- *original recipe, retrained*: the same 96 inputs, StandardScaler, MLP 80-80-80 ReLU, trained on
  this split's training rows (missing values filled with the training mean). Its popularity is the
  expected band midpoint.
- *original recipe, retrained, no time_signature*: the same, with `time_signature` withheld for every
  row. With it, the recipe can tell the two sources apart (TidyTuesday rows all get the mean, divss98
  rows whole numbers), and the sources differ in popularity: part of its score is that leak.
  Hitcast does not use `time_signature` (see Data), so this row is the like-for-like baseline.
- *Hitcast, artist popularity unknown*: the same test rows with artist popularity withheld; the
  other ablations likewise (see below).
- *model 2.0.0 (previous)*: the model this one replaces (`models/previous/`), on the test rows it
  can score: every audio feature present and in its own test split too (its training artists would
  flatter it); *Hitcast, on the same rows* beside it.
- Hitcast with its decision rule: accuracy {h['decision_rule']['accuracy']:.3f}, macro-F1 {h['decision_rule']['macro_f1']:.3f}.

### What each input pattern gets (ablations: the same test rows, inputs withheld at prediction time)
{_ablations(g)}

Baselines on the same split: artist popularity alone ranks the rows that have it at
{_f(r['baselines']['artist popularity alone']['spearman'])}; the training genre mean alone at {_f(r['baselines']['genre mean alone']['spearman'])} overall and
{_f(r['baselines']['genre mean alone']['spearman_without_artist_popularity'])} on the rows without artist popularity (MAE {_f(r['baselines']['genre mean alone']['mae'], '.2f')}).

### Interval
Every prediction carries an 80% interval for the popularity: split-conformal, from the signed
residuals of the shipped students on the held-out training artists (never the test split), per
group of inputs (artist popularity known or missing × audio features none / some / ten or more),
each held-out row also put into every pattern. In the graph: `interval = clip(popularity + bounds[group], 0, 100)`.

{_interval_groups(r['training']['interval_test_groups'], r['training']['interval']['bounds'])}

(Test rows put into each pattern, as for the residuals.) On the test rows as they are: coverage
{_f(h['interval']['coverage'])}, median width {_f(h['interval']['median_width'], '.1f')} points.

### Mean prediction by genre (grouped test split)
{_genres(r['breakdown']['genre'])}

### Ranking: which song should be the single?
{_ranking_table(g)}

Artist popularity alone (rows where it is known, {r['baselines']['artist popularity alone']['rows']:,}): Spearman
{_f(r['baselines']['artist popularity alone']['spearman'])} over all test tracks; it cannot order an artist's own songs.
"Error on position in album" is the mean absolute error of a track's predicted popularity relative
to its album's mean, against the true one: the rank output calls a gap below it a close call.

### Leave one source out
Train on the other two sources (without any artist of the held-out one), test on every track of
the held-out source: it shows how much of what the model learned is specific to a source. In
brackets, the baselines fitted on the same training rows.

{_loso(r.get('leave_one_source_out', {}))}

### By source, genre and age (grouped test split)
{_small_table(r['breakdown']['source'], 'source')}

{_small_table(r['breakdown']['genre'], 'genre')}

{_small_table(r['breakdown']['age'], 'age')}

### Targets (issue "Model v3"; grouped test split unless noted)
| target | measured | |
|---|---|---|
{tgt}

### Hitcast confusion matrix (grouped test split)
{_confusion(h)}

### Reliability
![reliability diagram](reliability.png)

## The seed's way: random stratified 75/25
For comparison only; artists appear on both sides, so this overstates what an unseen artist gets.

{rnd_txt}

## Use and limits
- Audio features explain little of popularity; artist popularity and the track's age carry most
  of the signal. Treat a prediction as a ranking aid between an artist's own songs, not a promise.
- Band 76–100 is rare (about 3% of tracks): its F1 is low for every model here.
- **Spotify's Developer Policy forbids using Spotify content to train machine-learning models.**
  The tables used here are third-party snapshots of Spotify data, used for research. If you deploy
  Hitcast commercially, retrain on data you have the rights to (the pipeline accepts any table in
  the documented formats) and make sure the features you feed it at prediction time come from a
  source whose terms allow it (ReccoBeats, your own analysis, or the artist).
"""
