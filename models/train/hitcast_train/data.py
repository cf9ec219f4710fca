"""Read every supported source into one harmonised table, with provenance.

Supported inputs
- a data folder laid out like ``../shared/data`` (TidyTuesday 2020, divss98 2022, michelle 2024
  — 5 audio features, artists of every size —, the 2024 artist-popularity tables);
- the Kaggle "Spotify 1 Million Tracks" ``spotify_data.csv`` plus an artist-popularity CSV
  (``artist_name,popularity``).

Rules (tested in ``tests/test_data.py``)
- ``popularity == 0`` rows are dropped: on Spotify 0 mostly marks unavailable or relinked tracks,
  not unpopular ones.
- Missing ``time_signature`` (TidyTuesday has none) stays NaN: the model encodes it as missing.
- Unmatched artists keep ``artist_popularity = NaN``; never 0.
- Audio features are optional: a source that lacks some (michelle has 5 of 12, no release date,
  no album) keeps them NaN; only rows without popularity or artist are dropped.
- Duplicates: first by ``track_id`` (TidyTuesday lists a track once per playlist, michelle once
  per artist genre row), keeping the most complete, then the most recently collected row; then by
  (normalised artist, normalised title) likewise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import derive
from .derive import coarse_genre

AUDIO = [
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
    "time_signature",
    "duration_ms",
]

COLUMNS = [
    "source",
    "collected",
    "track_id",
    "artist",
    "title",
    "album",
    "album_id",
    "popularity",
    "release_year",
    *AUDIO,
    "artist_popularity",
    "genre",
    "genre_text",
    "seed_genre",
]


@dataclass
class Report:
    """What harmonisation did, for the model card."""

    rows_read: dict
    dropped_zero: int
    dropped_dup_id: int
    dropped_dup_title: int
    artist_matched: float

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def norm_name(s: str) -> str:
    """Lower-case ASCII-folded name without punctuation, for matching artists across tables."""
    if not isinstance(s, str):
        return ""
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


_TITLE_NOISE = re.compile(r"\s*[\(\[].*?[\)\]]|\s+-\s+.*$")


def norm_title(s: str) -> str:
    """Title without bracketed parts and ' - Remastered…' suffixes, then as `norm_name`."""
    if not isinstance(s, str):
        return ""
    return norm_name(_TITLE_NOISE.sub("", s))


def _year(dates: pd.Series) -> pd.Series:
    return pd.to_numeric(dates.astype(str).str[:4], errors="coerce")


# TidyTuesday's six playlist genres onto the seed model's 82 genre one-hots (where one fits).
TIDY_GENRE = {"pop": "pop", "rock": "rock", "rap": "hip-hop", "edm": "edm"}


def artist_table(paths: list[Path]) -> pd.Series:
    """`norm_name(artist) -> popularity` (median over duplicate names)."""
    frames = []
    for p in paths:
        if p.suffix == ".parquet":
            df = pd.read_parquet(p, columns=["artist_name", "popularity_artist"])
            df = df.rename(columns={"popularity_artist": "popularity"})
        else:
            df = pd.read_csv(p)
        frames.append(df[["artist_name", "popularity"]])
    if not frames:
        return pd.Series(dtype=float)
    df = pd.concat(frames, ignore_index=True)
    df["k"] = df["artist_name"].map(norm_name)
    # 0 is how these tables write "not measured": never a value to join
    df = df[(df["k"] != "") & (pd.to_numeric(df["popularity"], errors="coerce") > 0)]
    return df.groupby("k")["popularity"].median().astype(float)


def genre_table(divss98: Path | None, michelle: Path | None) -> pd.Series:
    """`norm_name(artist) -> "genre, genre, …"` from the tables that list artists' genres."""
    frames = []
    if divss98 is not None and divss98.exists():
        a = pd.read_csv(divss98, usecols=["artist_name", "artist_genre"])
        frames.append(a.rename(columns={"artist_genre": "genres"}))
    if michelle is not None and michelle.exists():
        frames.append(pd.read_parquet(michelle, columns=["artist_name", "genres"]))
    if not frames:
        return pd.Series(dtype=object)
    df = pd.concat(frames, ignore_index=True)
    df["genres"] = df["genres"].astype(str).str.strip("[] ").str.replace("'", "").str.replace('"', "")
    df = df[df["genres"].str.strip() != ""]
    df["k"] = df["artist_name"].map(norm_name)
    return df[df["k"] != ""].drop_duplicates("k").set_index("k")["genres"]


def read_tidytuesday(path: Path) -> pd.DataFrame:
    t = pd.read_csv(path)
    out = pd.DataFrame(
        {
            "source": "tidytuesday-2020",
            "collected": 2020,
            "track_id": t["track_id"],
            "artist": t["track_artist"],
            "title": t["track_name"],
            "album": t["track_album_name"],
            "album_id": t["track_album_id"],
            "popularity": t["track_popularity"],
            "release_year": _year(t["track_album_release_date"]),
            "genre": t["playlist_genre"].map(coarse_genre),
            # the playlist's subgenre, then its genre: used where the artist's genres are unknown
            "genre_text": t["playlist_subgenre"].fillna("").astype(str) + ", " + t["playlist_genre"].fillna("").astype(str),
            "seed_genre": t["playlist_genre"].map(TIDY_GENRE),
            "time_signature": np.nan,
            "artist_popularity": np.nan,
        }
    )
    for c in AUDIO:
        if c in t.columns:
            out[c] = t[c]
    return out[COLUMNS]


def read_divss98(folder: Path) -> pd.DataFrame:
    track = pd.read_csv(folder / "track.csv")
    audio = pd.read_csv(folder / "audio.csv").rename(columns={"track_duration": "duration_ms"})
    artist = pd.read_csv(folder / "artist.csv")
    album = pd.read_csv(folder / "album.csv")
    df = track.merge(audio, on="track_id", how="inner")
    df = df.merge(
        artist[["artist_id", "artist_name", "artist_popularity", "artist_genre"]].drop_duplicates(
            "artist_id"
        ),
        left_on="track_artist_id",
        right_on="artist_id",
        how="left",
    )
    df = df.merge(
        album[["album_id", "album_name", "album_release_date"]].drop_duplicates("album_id"),
        left_on="track_album_id",
        right_on="album_id",
        how="left",
    )
    out = pd.DataFrame(
        {
            "source": "divss98-2022",
            "collected": 2022,
            "track_id": df["track_id"],
            "artist": df["artist_name"],
            "title": df["track_name"],
            "album": df["album_name"],
            "album_id": df["track_album_id"],
            "popularity": df["track_popularity"],
            "release_year": _year(df["album_release_date"]),
            "artist_popularity": df["artist_popularity"].astype(float),
            "genre": df["artist_genre"].map(coarse_genre),
            "genre_text": df["artist_genre"],
            "seed_genre": np.nan,
        }
    )
    for c in AUDIO:
        out[c] = df[c]
    return out[COLUMNS]


def read_michelle(path: Path) -> pd.DataFrame:
    """michelle 2024 (`spotify_data.parquet`): 5 audio features, track and artist popularity
    measured together (Sep 2024), the artist's genres; no duration, key, mode, loudness,
    release date or album."""
    m = pd.read_parquet(path)
    out = pd.DataFrame(
        {
            "source": "michelle-2024",
            "collected": 2024,
            "track_id": m["track_id"],
            "artist": m["artist_name"],
            "title": m["track_name"],
            "album": np.nan,
            "album_id": np.nan,
            "popularity": m["popularity_track"],
            "release_year": np.nan,
            # 0 is what a missing value looks like in such tables: never a measured one here
            "artist_popularity": m["popularity_artist"].astype(float).replace(0.0, np.nan),
            "genre": m["genres"].map(coarse_genre),
            "genre_text": m["genres"],
            "seed_genre": np.nan,
        }
    )
    for c in AUDIO:
        out[c] = m[c] if c in m.columns else np.nan
    return out[COLUMNS]


def read_kaggle(path: Path, collected: int = 2023) -> pd.DataFrame:
    """Kaggle "Spotify 1 Million Tracks" `spotify_data.csv` (first column is the row index)."""
    k = pd.read_csv(path)
    out = pd.DataFrame(
        {
            "source": "kaggle-1m",
            "collected": collected,
            "track_id": k["track_id"],
            "artist": k["artist_name"],
            "title": k["track_name"],
            "album": np.nan,
            "album_id": np.nan,
            "popularity": k["popularity"],
            "release_year": pd.to_numeric(k["year"], errors="coerce"),
            "genre": k["genre"].map(coarse_genre),
            "genre_text": k["genre"],
            "seed_genre": k["genre"],
            "artist_popularity": np.nan,
        }
    )
    for c in AUDIO:
        out[c] = k[c]
    return out[COLUMNS]


def load(
    data_dir: Path | None = None,
    kaggle_csv: Path | None = None,
    artist_csvs: list[Path] | None = None,
) -> tuple[pd.DataFrame, Report]:
    """Every source found, harmonised, cleaned and deduplicated."""
    parts: list[pd.DataFrame] = []
    artist_paths: list[Path] = list(artist_csvs or [])
    genre_paths: tuple[Path | None, Path | None] = (None, None)
    if data_dir is not None:
        d = Path(data_dir)
        if (d / "tidytuesday-2020/spotify_songs.csv").exists():
            parts.append(read_tidytuesday(d / "tidytuesday-2020/spotify_songs.csv"))
        if (d / "divss98-2022/track.csv").exists():
            parts.append(read_divss98(d / "divss98-2022"))
        if (d / "michelle-2024/spotify_data.parquet").exists():
            parts.append(read_michelle(d / "michelle-2024/spotify_data.parquet"))
            artist_paths.append(d / "michelle-2024/spotify_data.parquet")
        artist_paths += sorted((d / "artist-popularity-2024").glob("artist_pop_*.csv"))
        genre_paths = (d / "divss98-2022/artist.csv", d / "michelle-2024/spotify_data.parquet")
    if kaggle_csv is not None:
        parts.append(read_kaggle(Path(kaggle_csv)))
    if not parts:
        raise FileNotFoundError(
            f"no training data found in {data_dir!s}: expected tidytuesday-2020/, divss98-2022/, michelle-2024/ "
            "(see ../shared/data/README.md) or --kaggle spotify_data.csv"
        )
    df = pd.concat(parts, ignore_index=True)
    rows_read = df.groupby("source").size().to_dict()

    # Artist popularity by name, only where the source lacks it.
    table = artist_table(artist_paths)
    df["artist_key"] = df["artist"].map(norm_name)
    lookup = df["artist_key"].map(table)
    df["artist_popularity"] = df["artist_popularity"].fillna(lookup)
    # Genre: the artist's own genre names where a table lists them (as Spotify gives them at
    # prediction time), else what the source says (TidyTuesday's playlist subgenre and genre).
    artist_genres = df["artist_key"].map(genre_table(*genre_paths))
    text = artist_genres.where(artist_genres.notna(), df["genre_text"])
    df["genre"] = text.map(coarse_genre).where(text.notna(), df["genre"])
    df["genre_from_artist"] = artist_genres.notna()

    df["popularity"] = pd.to_numeric(df["popularity"], errors="coerce")
    df = df[df["artist_key"].fillna("") != ""]
    df = df.dropna(subset=["popularity"])
    # a row with no audio feature at all teaches nothing the audio-less ablation does not
    df = df[df[AUDIO].notna().any(axis=1)]
    zero = int((df["popularity"] == 0).sum())
    df = df[df["popularity"] > 0]
    df["_complete"] = df[AUDIO + ["artist_popularity", "release_year"]].notna().sum(axis=1)

    # 1) same track id: the most complete row, then the most recent collection.
    df = df.sort_values(["_complete", "collected", "source"], ascending=[False, False, True], kind="stable")
    n = len(df)
    df = df.drop_duplicates("track_id", keep="first")
    dup_id = n - len(df)

    # 2) same song under another id (deluxe/regular, singles, remasters): keep the most complete.
    df["title_key"] = df["title"].map(norm_title)
    df = df.sort_values(["_complete", "collected", "popularity"], ascending=False, kind="stable")
    n = len(df)
    df = df.drop_duplicates(["artist_key", "title_key"], keep="first")
    dup_title = n - len(df)
    df = df.drop(columns="_complete").sort_values(["source", "track_id"]).reset_index(drop=True)

    df["years_since_release"] = (df["collected"] - df["release_year"]).clip(lower=0)
    # Inputs derived from text (see derive.py); a source without album names leaves them NaN.
    df["title_marker"] = df["title"].map(derive.title_marker)
    df["album_marker"] = df["album"].map(derive.album_marker)
    df["featured_artists"] = df["title"].map(derive.featured_artists)
    report = Report(
        rows_read={k: int(v) for k, v in rows_read.items()},
        dropped_zero=zero,
        dropped_dup_id=dup_id,
        dropped_dup_title=dup_title,
        artist_matched=float(df["artist_popularity"].notna().mean()),
    )
    return df, report


def band(popularity) -> np.ndarray:
    """0–25 → 0, 26–50 → 1, 51–75 → 2, 76–100 → 3 (the original work's bins)."""
    p = np.asarray(popularity, dtype=float)
    return np.digitize(p, [25.5, 50.5, 75.5]).astype(np.int64)
