"""Small synthetic data sets in every supported input format, written to a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

AUDIO = ["danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness",
         "instrumentalness", "liveness", "valence", "tempo"]


def _audio(rng, n):
    return {
        "danceability": rng.uniform(0, 1, n), "energy": rng.uniform(0, 1, n),
        "key": rng.integers(0, 12, n).astype(float), "loudness": rng.uniform(-20, 0, n),
        "mode": rng.integers(0, 2, n).astype(float), "speechiness": rng.uniform(0, 0.5, n),
        "acousticness": rng.uniform(0, 1, n), "instrumentalness": rng.uniform(0, 1, n),
        "liveness": rng.uniform(0, 1, n), "valence": rng.uniform(0, 1, n),
        "tempo": rng.uniform(60, 180, n),
    }


def _popularity(rng, artist_pop, dance):
    p = 0.8 * artist_pop + 15 * dance + rng.normal(0, 8, len(artist_pop)) - 5
    return np.clip(np.round(p), 1, 100)


def make_data(root: Path, n_artists: int = 60, per_artist: int = 12, seed: int = 0) -> Path:
    """A folder laid out like ../shared/data, with known duplicates and edge cases."""
    rng = np.random.default_rng(seed)
    artists = [f"Artist {i}" for i in range(n_artists)]
    apop = {a: float(rng.integers(5, 100)) for a in artists}
    n = n_artists * per_artist
    names = np.repeat(artists, per_artist)
    au = _audio(rng, n)
    pop = _popularity(rng, np.array([apop[a] for a in names]), au["danceability"])
    ids = [f"tt{i:06d}" for i in range(n)]
    half = n // 2
    genres = np.array(["pop", "rock", "rap", "edm", "r&b", "latin"])[rng.integers(0, 6, n)]
    tidy = pd.DataFrame({
        "track_id": ids[:half], "track_name": [f"Song {i}" for i in range(half)],
        "track_artist": names[:half], "track_popularity": pop[:half],
        "track_album_id": "alb", "track_album_name": "Album",
        "track_album_release_date": rng.choice(["2015-03-01", "2019-06-14", "2018"], half),
        "playlist_name": "pl", "playlist_id": "p1", "playlist_genre": genres[:half],
        "playlist_subgenre": "x", **{k: v[:half] for k, v in au.items()},
        "duration_ms": rng.uniform(120_000, 300_000, half),
    })
    # the same track in a second playlist (a duplicate by id)
    tidy = pd.concat([tidy, tidy.iloc[:5].assign(playlist_id="p2")], ignore_index=True)
    # popularity 0: dropped
    tidy.loc[6, "track_popularity"] = 0
    (root / "tidytuesday-2020").mkdir(parents=True)
    tidy.to_csv(root / "tidytuesday-2020/spotify_songs.csv", index=False)

    # divss98: the second half; artist ids; one song again under another id ("Song 10 - Remastered")
    rest = range(half, n)
    d_names = names[half:]
    artist_ids = {a: f"ar{i:04d}" for i, a in enumerate(artists)}
    track = pd.DataFrame({
        "track_id": [f"dv{i:06d}" for i in rest], "track_name": [f"Song {i}" for i in rest],
        "track_artist_id": [artist_ids[a] for a in d_names], "track_album_id": "alb2",
        "track_number": 1, "track_popularity": pop[half:], "track_explicit": False,
        "track_homepage": "",
    })
    dup = track.iloc[:1].copy()
    dup["track_id"] = "dvDUP"
    dup["track_name"] = f"Song {half} - Remastered 2011"
    track = pd.concat([track, dup], ignore_index=True)
    audio = pd.DataFrame({"track_id": track["track_id"], "track_duration": 200_000,
                          **{k: np.concatenate([v[half:], v[half:half + 1]]) for k, v in au.items()},
                          "time_signature": 4})
    used = sorted(set(d_names))
    artist = pd.DataFrame({
        "artist_id": [artist_ids[a] for a in used], "artist_name": used,
        "artist_genre": "['dance pop', 'pop']", "artist_popularity": [apop[a] for a in used],
        "artist_followers": 1, "artist_image": "", "artist_homepage": "",
    })
    album = pd.DataFrame({"album_id": ["alb2"], "album_name": ["A"], "album_release_date": ["2020-01-01"],
                          "album_total_tracks": [10], "album_artist_id": ["x"], "album_image": [""],
                          "album_homepage": [""]})
    (root / "divss98-2022").mkdir()
    for name, df in [("track", track), ("audio", audio), ("artist", artist), ("album", album)]:
        df.to_csv(root / f"divss98-2022/{name}.csv", index=False)

    # michelle 2024: 5 audio features, artists of every size; one track again under divss98's id
    # (divss98's fuller row is kept), one artist popularity of 0 (missing, not zero)
    m_artists = [f"Small Artist {i}" for i in range(10)]
    m_names = np.repeat(m_artists, 4)
    m_apop = np.repeat(rng.integers(1, 60, 10).astype(int), 4)
    m_apop[:4] = 0
    mich = pd.DataFrame({
        "track_id": [f"mi{i:06d}" for i in range(40)], "track_name": [f"Small Song {i}" for i in range(40)],
        "artist_id": m_names, "artist_name": m_names,
        **{k: rng.uniform(0, 1, 40) for k in ("acousticness", "danceability", "energy", "valence")},
        "tempo": rng.uniform(60, 180, 40),
        "popularity_track": np.clip(m_apop * 0.8 + rng.normal(0, 5, 40), 1, 100).round().astype(int),
        "popularity_artist": m_apop, "followers": 10, "genres": "indie pop, bedroom pop",
    })
    dup = mich.iloc[:1].assign(track_id=f"dv{half:06d}", artist_name=d_names[0], track_name=f"Song {half}")
    (root / "michelle-2024").mkdir()
    pd.concat([mich, dup], ignore_index=True).to_parquet(root / "michelle-2024/spotify_data.parquet")

    # artist popularity for the TidyTuesday half, except artists 25-29 (unmatched)
    (root / "artist-popularity-2024").mkdir()
    known = [a for i, a in enumerate(artists) if not 25 <= i < 30]
    pd.DataFrame({"artist_name": [a.upper() for a in known], "popularity": [apop[a] for a in known]}) \
        .to_csv(root / "artist-popularity-2024/artist_pop_1.csv", index=False)
    return root


def make_kaggle(root: Path, n: int = 400, seed: int = 1) -> tuple[Path, Path]:
    """`spotify_data.csv` in the Kaggle 1M-tracks layout plus an artist-popularity CSV."""
    rng = np.random.default_rng(seed)
    artists = [f"Kaggle Artist {i}" for i in range(40)]
    apop = {a: float(rng.integers(5, 100)) for a in artists}
    names = rng.choice(artists, n)
    au = _audio(rng, n)
    df = pd.DataFrame({
        "artist_name": names, "track_name": [f"K Song {i}" for i in range(n)],
        "track_id": [f"kg{i:06d}" for i in range(n)],
        "popularity": _popularity(rng, np.array([apop[a] for a in names]), au["danceability"]),
        "year": rng.integers(2000, 2023, n), "genre": rng.choice(["pop", "hip-hop", "jazz", "rock"], n),
        **au, "duration_ms": rng.integers(100_000, 400_000, n), "time_signature": 4,
    })
    cols = ["artist_name", "track_name", "track_id", "popularity", "year", "genre", "danceability",
            "energy", "key", "loudness", "mode", "speechiness", "acousticness", "instrumentalness",
            "liveness", "valence", "tempo", "duration_ms", "time_signature"]
    root.mkdir(parents=True, exist_ok=True)
    df[cols].to_csv(root / "spotify_data.csv")  # keeps the unnamed index column, as Kaggle's does
    pd.DataFrame({"artist_name": artists[:-4], "popularity": [apop[a] for a in artists[:-4]]}) \
        .to_csv(root / "artists.csv", index=False)
    return root / "spotify_data.csv", root / "artists.csv"


def make_seed_model(root: Path, seed: int = 2) -> Path:
    """A seed-model folder in the original's layout with random weights."""
    import h5py

    from hitcast_train.seed import NUMERIC

    rng = np.random.default_rng(seed)
    cols = NUMERIC + ["genre_pop", "genre_rock", "genre_hip-hop", "genre_edm"] + [f"genre_g{i}" for i in range(78)]
    root.mkdir(parents=True)
    (root / "training_columns.txt").write_text("\n".join(cols) + "\n")
    mean = rng.uniform(0, 1, len(cols)).tolist()
    scale = rng.uniform(0.5, 2, len(cols)).tolist()
    (root / "scaler_5.extracted.json").write_text(json.dumps({"columns": cols, "mean": mean, "scale": scale}))
    with h5py.File(root / "SpotifyModelOptimized_5.h5", "w") as f:
        for name, shape in [("dense", (96, 80)), ("dense_1", (80, 80)), ("dense_2", (80, 80)), ("dense_3", (80, 4))]:
            g = f.create_group(f"model_weights/{name}/{name}")
            g["kernel:0"] = rng.normal(0, 0.1, shape)
            g["bias:0"] = rng.normal(0, 0.1, shape[1])
    return root


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    return make_data(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def kaggle(tmp_path_factory) -> tuple[Path, Path]:
    return make_kaggle(tmp_path_factory.mktemp("kaggle"))


@pytest.fixture(scope="session")
def seed_dir(tmp_path_factory) -> Path:
    return make_seed_model(tmp_path_factory.mktemp("seedroot") / "seed-model")
