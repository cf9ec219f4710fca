"""Splits: grouped by artist (the honest one) and the seed's random stratified 75/25."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit, train_test_split


def grouped(df: pd.DataFrame, test_size: float = 0.25, seed: int = 42):
    """Row indices (train, test) with every artist on one side only."""
    gss = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    tr, te = next(gss.split(df, groups=df["artist_key"]))
    return np.sort(tr), np.sort(te)


def random_stratified(y: np.ndarray, test_size: float = 0.25, seed: int = 42):
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=test_size, random_state=seed, stratify=y)
    return np.sort(tr), np.sort(te)
