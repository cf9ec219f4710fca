import numpy as np
import pandas as pd
import pytest

from hitcast_train import data, features


@pytest.fixture(scope="module")
def loaded(data_dir):
    return data.load(data_dir)


def test_reads_both_sources_with_provenance(loaded):
    df, report = loaded
    assert set(df["source"]) == {"tidytuesday-2020", "divss98-2022", "michelle-2024"}
    assert set(df["collected"]) == {2020, 2022, 2024}
    assert report.rows_read == {"tidytuesday-2020": 365, "divss98-2022": 361, "michelle-2024": 41}


def test_michelle_keeps_its_five_features_and_nothing_invented(loaded):
    df, _ = loaded
    m = df[df["source"] == "michelle-2024"]
    assert len(m) == 40  # the row under divss98's id went to divss98's fuller row
    five = ["acousticness", "danceability", "energy", "tempo", "valence"]
    assert m[five].notna().all().all()
    missing = ["key", "mode", "loudness", "duration_ms", "speechiness", "instrumentalness", "liveness",
               "time_signature", "release_year", "years_since_release", "album_marker"]
    assert m[missing].isna().all().all()
    # an artist popularity of 0 there is missing, never a value
    small0 = m[m["artist"] == "Small Artist 0"]
    assert len(small0) == 4 and small0["artist_popularity"].isna().all()
    assert (m["artist_popularity"].dropna() > 0).all()
    assert (m["genre"] == features.GENRES.index("indie")).all() or m["genre"].notna().all()


def test_popularity_zero_is_dropped(loaded):
    df, report = loaded
    assert report.dropped_zero == 1
    assert (df["popularity"] > 0).all()


def test_duplicates_by_id_and_by_title(loaded):
    df, report = loaded
    assert df["track_id"].is_unique
    assert report.dropped_dup_id == 6  # 5 TidyTuesday playlist repeats, 1 michelle row under divss98's id
    # "Song N - Remastered 2011" under another id is the same song as "Song N"
    assert report.dropped_dup_title == 1
    assert not df.duplicated(["artist_key", "title_key"]).any()


def test_missing_time_signature_stays_missing(loaded):
    df, _ = loaded
    tidy = df[df["source"] == "tidytuesday-2020"]
    assert tidy["time_signature"].isna().all()
    assert df[df["source"] == "divss98-2022"]["time_signature"].eq(4).all()


def test_unmatched_artists_are_missing_not_zero(loaded):
    df, report = loaded
    unmatched = df[df["artist"].isin([f"Artist {i}" for i in range(25, 30)]) & (df["source"] == "tidytuesday-2020")]
    assert len(unmatched) > 0
    assert unmatched["artist_popularity"].isna().all()
    assert (df["artist_popularity"].dropna() > 0).all()
    assert 0 < report.artist_matched < 1
    # names are matched case- and punctuation-insensitively ("ARTIST 3" ↔ "Artist 3")
    assert df[df["artist"] == "Artist 3"]["artist_popularity"].notna().all()


def test_kaggle_format(kaggle):
    csv, artists = kaggle
    df, report = data.load(None, csv, [artists])
    assert report.rows_read == {"kaggle-1m": 400}
    assert set(df["source"]) == {"kaggle-1m"}
    assert df["artist_popularity"].isna().any() and df["artist_popularity"].notna().any()
    assert df["genre"].notna().all()  # pop / hip-hop / jazz / rock
    X = features.matrix(df)
    assert X.shape == (len(df), len(features.NAMES))


def test_no_data_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no training data found"):
        data.load(tmp_path)


@pytest.mark.parametrize("pop,band", [(1, 0), (25, 0), (26, 1), (50, 1), (51, 2), (75, 2), (76, 3), (100, 3)])
def test_band_edges(pop, band):
    assert data.band([pop])[0] == band


@pytest.mark.parametrize("text,label", [
    ("rap", "hip-hop"), ("r&b", "r&b"), ("latin", "latin"), ("edm", "edm"), ("rock", "rock"),
    ("pop", "pop"), ("jazz", "jazz"), ("polka", "other"), ("deep house", "edm"), ("pop punk", "rock"),
    ("['dance pop', 'pop', 'post-teen pop']", "pop"), ("['pop rap', 'rap', 'hip hop']", "hip-hop"),
])
def test_coarse_genre(text, label):
    assert features.GENRES[int(features.coarse_genre(text))] == label


@pytest.mark.parametrize("text", [None, "", "[]", float("nan")])
def test_coarse_genre_missing(text):
    assert np.isnan(features.coarse_genre(text))


def test_title_normalisation():
    assert data.norm_title("Song 1 - Remastered 2011") == data.norm_title("song 1")
    assert data.norm_title("Hello (feat. X) [Live]") == "hello"
    assert data.norm_name("Beyoncé") == "beyonce"
    assert pd.isna(features.coarse_genre(None))
