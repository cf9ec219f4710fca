import numpy as np

from hitcast_train import data, split


def test_grouped_split_keeps_each_artist_on_one_side(data_dir):
    df, _ = data.load(data_dir)
    tr, te = split.grouped(df, seed=42)
    assert len(tr) + len(te) == len(df)
    assert not set(df["artist_key"].iloc[tr]) & set(df["artist_key"].iloc[te])
    assert 0.15 < len(te) / len(df) < 0.35


def test_grouped_split_is_reproducible(data_dir):
    df, _ = data.load(data_dir)
    a = split.grouped(df, seed=7)
    b = split.grouped(df, seed=7)
    c = split.grouped(df, seed=8)
    assert np.array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_random_stratified_split_keeps_band_shares():
    y = np.array([0] * 200 + [1] * 400 + [2] * 300 + [3] * 100)
    tr, te = split.random_stratified(y, seed=1)
    assert len(te) == 250
    assert np.allclose(np.bincount(y[te]) / len(te), [0.2, 0.4, 0.3, 0.1], atol=0.01)
