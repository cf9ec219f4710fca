"""The model's input schema: names, order, units, ranges, and how a missing value is encoded.

This is the single source of truth for the `hitcast.schema` metadata the Rust core reads.
The ONNX input `features` is float32 `[N, F]` in the order below; a missing optional value is
NaN, and the graph itself replaces it by the training median and sets a missing indicator.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from . import derive

# name, unit, min, max, required, kind, description. Since model 3 every input is optional (a
# track needs at least one, see `MIN_INPUTS`): a source or an audio file that gives only some
# audio features is served by a model trained with those withheld (see model.py), never by a
# made-up value.
FEATURES: list[dict] = [
    dict(name="danceability", unit="0-1", min=0.0, max=1.0, required=False, kind="continuous",
         description="how suitable the track is for dancing"),
    dict(name="energy", unit="0-1", min=0.0, max=1.0, required=False, kind="continuous",
         description="perceptual intensity and activity"),
    dict(name="key", unit="pitch class", min=0.0, max=11.0, required=False, kind="categorical",
         values=list(range(12)), description="0 = C, 1 = C#/Db, ... 11 = B"),
    dict(name="loudness", unit="dB", min=-60.0, max=5.0, required=False, kind="continuous",
         description="average loudness (LUFS-like, usually -60 to 0)"),
    dict(name="mode", unit="0/1", min=0.0, max=1.0, required=False, kind="categorical",
         values=[0, 1], description="1 = major, 0 = minor"),
    dict(name="speechiness", unit="0-1", min=0.0, max=1.0, required=False, kind="continuous",
         description="presence of spoken words"),
    dict(name="acousticness", unit="0-1", min=0.0, max=1.0, required=False, kind="continuous",
         description="confidence the track is acoustic"),
    dict(name="instrumentalness", unit="0-1", min=0.0, max=1.0, required=False, kind="continuous",
         description="confidence the track has no vocals"),
    dict(name="liveness", unit="0-1", min=0.0, max=1.0, required=False, kind="continuous",
         description="presence of an audience"),
    dict(name="valence", unit="0-1", min=0.0, max=1.0, required=False, kind="continuous",
         description="musical positiveness"),
    dict(name="tempo", unit="BPM", min=0.0, max=250.0, required=False, kind="continuous",
         description="estimated tempo"),
    dict(name="time_signature", unit="beats per bar", min=0.0, max=7.0, required=False,
         kind="categorical", values=[0, 1, 3, 4, 5, 6, 7],
         description="estimated meter; optional (unknown is encoded as missing)"),
    dict(name="duration_ms", unit="ms", min=1000.0, max=4_000_000.0, required=False,
         kind="continuous", description="track length in milliseconds"),
    dict(name="artist_popularity", unit="0-100", min=0.0, max=100.0, required=False,
         kind="continuous",
         description="Spotify popularity of the main artist; optional (new Spotify apps no longer get it)"),
    dict(name="genre", unit="category", min=0.0, max=float(len(derive.GENRE_LABELS) - 1),
         required=False, kind="categorical", values=list(range(len(derive.GENRE_LABELS))),
         labels=derive.GENRE_LABELS,
         description="coarse genre (from the artist's genre names); optional"),
    dict(name="years_since_release", unit="years", min=0.0, max=100.0, required=False,
         kind="continuous",
         description="years between release and now; 0 for a new or unreleased song; optional"),
    dict(name="title_marker", unit="category", min=0.0, max=float(len(derive.TITLE_LABELS) - 1),
         required=False, kind="categorical", values=list(range(len(derive.TITLE_LABELS))),
         labels=derive.TITLE_LABELS, derived_from="name",
         description="what the title says the recording is (remix, live, ...); derived from the "
         "track's name; optional"),
    dict(name="album_marker", unit="category", min=0.0, max=float(len(derive.ALBUM_LABELS) - 1),
         required=False, kind="categorical", values=list(range(len(derive.ALBUM_LABELS))),
         labels=derive.ALBUM_LABELS, derived_from="album",
         description="what the album name says it is (deluxe, live, compilation, ...); derived "
         "from the album's name; optional"),
    dict(name="featured_artists", unit="count", min=0.0, max=50.0, required=False,
         kind="continuous", derived_from="name, artists",
         description="featured artists beyond the main one; derived from the credits and the "
         "title's feat. clause; optional"),
]

NAMES = [f["name"] for f in FEATURES]
MIN_INPUTS = 1
# The audio features proper (what a source of audio features or an analysis of the file gives).
AUDIO = [NAMES.index(n) for n in ("danceability", "energy", "key", "loudness", "mode", "speechiness",
                                   "acousticness", "instrumentalness", "liveness", "valence", "tempo",
                                   "duration_ms")]
# What an analysis of the audio file measures (issue "Predict from the song itself").
FROM_FILE = [NAMES.index(n) for n in ("tempo", "key", "mode", "loudness", "duration_ms")]
# What michelle 2024 gives.
FIVE_PERCEPTUAL = [NAMES.index(n) for n in ("acousticness", "danceability", "energy", "tempo", "valence")]
OPTIONAL = [i for i, f in enumerate(FEATURES) if not f["required"]]
GENRES = next(f["labels"] for f in FEATURES if f["name"] == "genre")
GENRE = NAMES.index("genre")
ARTIST_POPULARITY = NAMES.index("artist_popularity")
# Everything but genre enters the network as a number; genre enters as a one-hot.
NUMERIC = [i for i in range(len(FEATURES)) if i != GENRE]

coarse_genre = derive.coarse_genre


def matrix(df: pd.DataFrame) -> np.ndarray:
    """The model input for a harmonised table: float32 `[N, F]`, NaN where a value is missing."""
    return df[NAMES].to_numpy(dtype=np.float32, na_value=np.nan)


def schema(X_train: np.ndarray, fill: np.ndarray) -> dict:
    """The `hitcast.schema` metadata: the features above plus training statistics.

    `p25`/`p50`/`p75` are training-set percentiles (ignoring missing values); `explain`
    and what-if in the core move a feature to them. `fill` is what the graph uses for NaN.
    """
    feats = []
    for i, f in enumerate(FEATURES):
        col = X_train[:, i]
        col = col[~np.isnan(col)]
        p25, p50, p75 = (float(v) for v in np.percentile(col, [25, 50, 75])) if len(col) else (0.0,) * 3
        feats.append({**f, "p25": p25, "p50": p50, "p75": p75, "fill": float(fill[i])})
    return {
        "version": 1,
        "input": "features",
        "missing": "NaN",
        "min_inputs": MIN_INPUTS,
        "missing_note": "a missing value is NaN; the students see the training median and a missing "
        "indicator, learned from the trees, which route NaN the way they learned for rows whose value "
        "was withheld in training (genre: an all-zero one-hot); missing artist popularity switches to "
        "the head trained without it. `fill` is informational",
        "features": feats,
        "bands": [[0, 25], [26, 50], [51, 75], [76, 100]],
        "outputs": {
            "band_probs": "float32 [N, 4], rows sum to 1",
            "popularity": "float32 [N, 1], expected popularity clipped to 0-100",
            "interval": "float32 [N, 2], low and high of the popularity's 80% prediction interval "
                        "(split-conformal per input pattern, see hitcast.interval)",
        },
    }


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))
