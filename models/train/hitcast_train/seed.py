"""The original project's model and recipe: 14 numeric inputs + 82 genre one-hots → 80-80-80 → 4.

`SeedModel` runs the shipped Keras h5 forward in numpy with its own StandardScaler; `recipe_inputs`
builds its 96 columns for any harmonised table (genres that map get their one-hot, others stay 0;
a missing numeric value is filled with the scaler's mean, i.e. 0 after scaling).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

NUMERIC = [
    "danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness",
    "instrumentalness", "liveness", "valence", "tempo", "duration_ms", "time_signature",
    "artist_popularity",
]


def recipe_inputs(df: pd.DataFrame, columns: list[str], fill: np.ndarray) -> np.ndarray:
    X = np.zeros((len(df), len(columns)), np.float64)
    for j, c in enumerate(NUMERIC):
        X[:, j] = df[c].to_numpy(dtype=float, na_value=np.nan)
        X[np.isnan(X[:, j]), j] = fill[j]
    index = {c: j for j, c in enumerate(columns)}
    genres = df["seed_genre"].astype("string").fillna("").to_numpy()
    for i, g in enumerate(genres):
        j = index.get(f"genre_{g}")
        if j is not None:
            X[i, j] = 1.0
    return X


class SeedModel:
    def __init__(self, folder: Path):
        import h5py

        folder = Path(folder)
        scaler = json.loads((folder / "scaler_5.extracted.json").read_text())
        self.columns = scaler["columns"]
        cols_txt = (folder / "training_columns.txt").read_text().split()
        if cols_txt != self.columns:
            raise ValueError("seed scaler columns differ from training_columns.txt")
        self.mean = np.asarray(scaler["mean"])
        self.scale = np.asarray(scaler["scale"])
        self.layers = []
        with h5py.File(folder / "SpotifyModelOptimized_5.h5", "r") as f:
            for name in ["dense", "dense_1", "dense_2", "dense_3"]:
                g = f["model_weights"][name][name]
                self.layers.append((g["kernel:0"][()], g["bias:0"][()]))

    def predict_proba(self, df: pd.DataFrame) -> np.ndarray:
        X = recipe_inputs(df, self.columns, self.mean)
        h = (X - self.mean) / self.scale
        for i, (W, b) in enumerate(self.layers):
            h = h @ W + b
            if i < len(self.layers) - 1:
                h = np.maximum(h, 0)
        h = h - h.max(axis=1, keepdims=True)
        e = np.exp(h)
        return e / e.sum(axis=1, keepdims=True)
