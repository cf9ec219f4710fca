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


def evaluate_labels(pred: np.ndarray, y: np.ndarray) -> dict:
    """Metrics of hard band decisions (a decision rule other than argmax)."""
    return {
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro", labels=[0, 1, 2, 3], zero_division=0)),
        "band_f1": [float(v) for v in f1_score(y, pred, average=None, labels=[0, 1, 2, 3], zero_division=0)],
        "confusion": confusion_matrix(y, pred, labels=[0, 1, 2, 3]).tolist(),
    }


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


def spearman(a, b) -> float:
    """Spearman's rank correlation (average ranks for ties); NaN when either side is constant."""
    from scipy.stats import spearmanr

    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def _mean_se(values) -> dict:
    v = np.asarray([x for x in values if np.isfinite(x)], float)
    if len(v) == 0:
        return {"mean": float("nan"), "se": float("nan"), "groups": 0}
    se = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan")
    return {"mean": float(v.mean()), "se": se, "groups": int(len(v))}


def within(groups, truth, score, min_size: int) -> dict:
    """How well `score` orders the tracks inside each group (an artist, an album) of at least
    `min_size` tracks: mean Spearman with its standard error; the top-pick rate (the
    highest-scored track is the truly most popular one; ties in the truth count as hits) against
    chance (1 / group size on average), each with its standard error; and the model's error on
    the relative position: the mean absolute error of (score - group mean) against
    (truth - group mean), in popularity points."""
    df = {"g": np.asarray(groups), "t": np.asarray(truth, float), "s": np.asarray(score, float)}
    order = np.argsort(df["g"], kind="stable")
    g, t, s = df["g"][order], df["t"][order], df["s"][order]
    cuts = np.flatnonzero(g[1:] != g[:-1]) + 1
    rhos, hits, chance, rel = [], [], [], []
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(g)]):
        if hi - lo < min_size:
            continue
        tt, ss = t[lo:hi], s[lo:hi]
        rhos.append(spearman(tt, ss))
        best = tt.max()
        hits.append(float(tt[int(np.argmax(ss))] == best))
        chance.append(float((tt == best).sum() / len(tt)))
        rel.append(np.abs((ss - ss.mean()) - (tt - tt.mean())).mean())
    out = {"spearman": _mean_se(rhos), "top_pick": _mean_se(hits), "top_pick_chance": _mean_se(chance),
           "relative_error_points": _mean_se(rel)}
    return out


def slope(x, y) -> float:
    """The least-squares slope of `y` on `x` (NaN for fewer than 2 distinct x)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or np.ptp(x) == 0:
        return float("nan")
    return float(np.polyfit(x, y, 1)[0])


def interval(truth, bounds) -> dict:
    """Coverage (truth within [low, high]) and width of prediction intervals."""
    truth = np.asarray(truth, float)
    lo, hi = bounds[:, 0], bounds[:, 1]
    return {"rows": int(len(truth)), "coverage": float(((truth >= lo) & (truth <= hi)).mean()) if len(truth) else float("nan"),
            "median_width": float(np.median(hi - lo)) if len(truth) else float("nan")}
