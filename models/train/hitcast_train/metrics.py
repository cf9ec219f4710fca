"""Classification and regression metrics, calibration and the reliability diagram."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, mean_absolute_error, r2_score

BAND_MIDPOINTS = np.array([12.5, 38.0, 63.0, 88.0])


def ece(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top-class confidence, equal-width bins."""
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == y
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            total += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(total)


def evaluate(probs: np.ndarray, y: np.ndarray, pop_true=None, pop_pred=None) -> dict:
    pred = probs.argmax(axis=1)
    out = {
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro", labels=[0, 1, 2, 3], zero_division=0)),
        "band_f1": [float(v) for v in f1_score(y, pred, average=None, labels=[0, 1, 2, 3], zero_division=0)],
        "confusion": confusion_matrix(y, pred, labels=[0, 1, 2, 3]).tolist(),
        "ece": ece(probs, y),
        "rows": int(len(y)),
    }
    if pop_true is not None:
        if pop_pred is None:  # a classifier only: expected value over band midpoints
            pop_pred = probs @ BAND_MIDPOINTS
        out["mae"] = float(mean_absolute_error(pop_true, pop_pred))
        out["r2"] = float(r2_score(pop_true, pop_pred))
    return out


def reliability_diagram(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path, bins: int = 10):
    """One line per model: mean confidence against accuracy per confidence bin."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=110)
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1, label="perfectly calibrated")
    edges = np.linspace(0, 1, bins + 1)
    for name, (probs, y) in curves.items():
        conf = probs.max(axis=1)
        correct = probs.argmax(axis=1) == y
        xs, ys = [], []
        for lo, hi in zip(edges[:-1], edges[1:]):
            m = (conf > lo) & (conf <= hi)
            if m.sum() >= 20:
                xs.append(conf[m].mean())
                ys.append(correct[m].mean())
        ax.plot(xs, ys, marker="o", label=f"{name} (ECE {ece(probs, y):.3f})")
    ax.set_xlabel("predicted probability of the predicted band")
    ax.set_ylabel("observed accuracy")
    ax.set_title("Reliability on the grouped test split")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
