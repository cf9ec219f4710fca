"""Hitcast's model v3, the teacher: gradient-boosted trees (LightGBM), two pairs.

For a row whose artist popularity is known, the "known" pair (band classifier + popularity
regressor) answers; otherwise the "unknown" pair. Band probabilities are tempered
(softmax(log p / T), T fitted on held-out artists, one per pair); popularity is clipped to
0-100. What ships is not these trees but the MLPs distilled from them (`distill.py`): ONNX
Runtime runs this many trees too slowly for the product. `Fitted.predict` is the reference. The "unknown"
pair never saw artist popularity: a prediction without it is a model of its own, not a
known-artist model fed a made-up value. Optional inputs that a user may not have (release
age, title, album) are withheld on a share of training rows so the trees learn what
"unknown" means; LightGBM routes NaN the way it learned.

The published decision rule for `band` is argmax(p / prior^alpha), with the training band
shares as `prior` and alpha fitted on held-out artists; it is metadata (`hitcast.decision`),
the probabilities stay as they are.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.metrics import accuracy_score, f1_score

from . import features



@dataclass
class Config:
    num_leaves: int = 15
    learning_rate: float = 0.1
    classifier_rounds: int = 150  # upper bound (speed); early stopping on held-out artists
    regressor_rounds: int = 250
    min_child_samples: int = 40
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    reg_lambda: float = 1.0
    seed: int = 42
    # Shares of training rows whose optional text-derived and age inputs are withheld, so the
    # trees learn what a missing value means (a user may know none of them).
    mask_years: float = 0.15
    mask_title: float = 0.15
    mask_album: float = 0.25
    # Shares of training rows whose audio features are withheld by pattern, so the trees learn to
    # predict from what a track has: none at all, only what an analysis of the audio file measures
    # (tempo, key, mode, loudness, duration), only michelle's five perceptual features.
    mask_audio_none: float = 0.10
    mask_audio_file: float = 0.15
    mask_audio_five: float = 0.10
    # Highest alpha tried for the decision rule, and how much held-out accuracy it may cost.
    max_alpha: float = 1.0
    alpha_accuracy_cost: float = 0.015
    # Train the "known" pair on every row (artist popularity NaN where unknown; LightGBM learns a
    # direction for it) rather than only on rows that have it: more rows for the audio, genre and
    # text signals. Chosen by 3-fold grouped cross-validation on the training artists (within-album
    # Spearman 0.142 vs 0.131, macro-F1 0.325 vs 0.317, MAE 13.60 vs 13.53).
    known_uses_all_rows: bool = True
    # LightGBM objective of the popularity regressors (huber with delta `regressor_delta`)
    regressor_objective: str = "huber"
    regressor_delta: float = 15.0
    # The popularity regressor never predicts less for a more popular artist, all else equal:
    # Spotify derives artist popularity from the artist's tracks, so the relation is monotone by
    # construction, and without the constraint the top of the range (where divss98's deep cuts
    # of very popular artists dominate) bent down. LightGBM has no such constraint for multiclass.
    monotone_artist_popularity: bool = True
    # kept for the original recipe's MLP in pipeline.py
    max_iter: int = 300


# Columns the trees read as numbers. time_signature is not among them: in the data its absence
# marks the source (TidyTuesday has none), ReccoBeats does not give it either.
EXCLUDED = ["time_signature", "genre"]
TREE_COLUMNS = [i for i, n in enumerate(features.NAMES) if n not in EXCLUDED]
TREE_COLUMNS_UNKNOWN = [i for i in TREE_COLUMNS if i != features.ARTIST_POPULARITY]
N_GENRES = len(features.GENRES)


def tree_inputs(X: np.ndarray, known: bool) -> np.ndarray:
    """What the graph feeds the trees: the numeric columns then the genre one-hot."""
    cols = TREE_COLUMNS if known else TREE_COLUMNS_UNKNOWN
    genre = X[:, features.GENRE]
    onehot = (genre[:, None] == np.arange(N_GENRES)[None, :]).astype(np.float32)
    return np.concatenate([X[:, cols], onehot], axis=1).astype(np.float32)


def tree_input_names(known: bool) -> list[str]:
    cols = TREE_COLUMNS if known else TREE_COLUMNS_UNKNOWN
    return [features.NAMES[i] for i in cols] + [f"genre={g}" for g in features.GENRES]


def withhold_artist_popularity(X: np.ndarray) -> np.ndarray:
    Xm = X.copy()
    Xm[:, features.ARTIST_POPULARITY] = np.nan
    return Xm


def keep_only(X: np.ndarray, rows: np.ndarray, keep: list[int]) -> np.ndarray:
    """`X` with every audio feature but `keep` withheld on `rows` (a copy)."""
    X = X.copy()
    drop = [i for i in features.AUDIO if i not in keep]
    X[np.ix_(np.flatnonzero(rows), drop)] = np.nan
    return X


AUDIO_PATTERNS = {"none": [], "file": features.FROM_FILE, "five": features.FIVE_PERCEPTUAL}


def mask_optional(X: np.ndarray, cfg: Config, seed: int) -> np.ndarray:
    """Withhold optional inputs on random shares of rows (see `Config`)."""
    X = X.copy()
    rng = np.random.default_rng(seed)
    n = len(X)
    u = rng.random(n)
    edges = np.cumsum([cfg.mask_audio_none, cfg.mask_audio_file, cfg.mask_audio_five])
    for (lo, hi), keep in zip(zip(np.r_[0, edges[:-1]], edges), AUDIO_PATTERNS.values()):
        X = keep_only(X, (u >= lo) & (u < hi), keep)
    X[rng.random(n) < cfg.mask_years, features.NAMES.index("years_since_release")] = np.nan
    title = rng.random(n) < cfg.mask_title
    for name in ("title_marker", "featured_artists"):
        X[title, features.NAMES.index(name)] = np.nan
    X[rng.random(n) < cfg.mask_album, features.NAMES.index("album_marker")] = np.nan
    return X


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def tempered(probs: np.ndarray, t: float) -> np.ndarray:
    return _softmax(np.log(np.maximum(probs, 1e-7)) / t)


def fit_temperature(probs: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the held-out negative log-likelihood."""

    def nll(t):
        p = tempered(probs, t)
        return -np.mean(np.log(p[np.arange(len(y)), y] + 1e-12))

    return float(minimize_scalar(nll, bounds=(0.3, 5.0), method="bounded").x)


def decide(probs: np.ndarray, weights) -> np.ndarray:
    """The published decision rule: argmax(p * w) with w = prior^-alpha."""
    return (probs * np.asarray(weights)[None, :]).argmax(axis=1)


def fit_alpha(probs: np.ndarray, y: np.ndarray, prior: np.ndarray, cfg: Config) -> tuple[float, dict]:
    """The alpha of argmax(p / prior^alpha) with the best held-out macro-F1 whose accuracy is
    at most `alpha_accuracy_cost` below argmax's."""
    base = accuracy_score(y, probs.argmax(axis=1))
    best = (0.0, f1_score(y, probs.argmax(axis=1), average="macro", labels=[0, 1, 2, 3], zero_division=0))
    table = {}
    for a in np.round(np.arange(0.0, cfg.max_alpha + 1e-9, 0.05), 2):
        pred = decide(probs, prior ** -a)
        acc = accuracy_score(y, pred)
        f1 = f1_score(y, pred, average="macro", labels=[0, 1, 2, 3], zero_division=0)
        table[float(a)] = (float(acc), float(f1))
        if acc >= base - cfg.alpha_accuracy_cost and f1 > best[1]:
            best = (float(a), f1)
    return best[0], table


@dataclass
class Fitted:
    classifier_known: lgb.LGBMClassifier
    regressor_known: lgb.LGBMRegressor
    classifier_unknown: lgb.LGBMClassifier
    regressor_unknown: lgb.LGBMRegressor
    temperature_known: float
    temperature_unknown: float
    prior: np.ndarray
    alpha: float
    fill: np.ndarray
    notes: dict = field(default_factory=dict)

    @property
    def weights(self) -> np.ndarray:
        return self.prior ** -self.alpha

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """NumPy reference of the graph: (band probabilities, popularity)."""
        known = ~np.isnan(X[:, features.ARTIST_POPULARITY])
        probs = np.zeros((len(X), 4))
        pop = np.zeros(len(X))
        for mask, clf, reg, t, k in (
            (known, self.classifier_known, self.regressor_known, self.temperature_known, True),
            (~known, self.classifier_unknown, self.regressor_unknown, self.temperature_unknown, False),
        ):
            if mask.any():
                Z = tree_inputs(X[mask], k)
                probs[mask] = tempered(clf.predict_proba(Z), t)
                pop[mask] = np.clip(reg.predict(Z), 0, 100)
        return probs, pop


def _params(cfg: Config, seed: int) -> dict:
    return dict(num_leaves=cfg.num_leaves, learning_rate=cfg.learning_rate,
                min_child_samples=cfg.min_child_samples, colsample_bytree=cfg.feature_fraction,
                subsample=cfg.bagging_fraction, subsample_freq=1, reg_lambda=cfg.reg_lambda,
                random_state=seed, n_jobs=1, verbose=-1,
                # the same trees on every CPU: one thread, row-wise histograms, no SIMD-dependent order
                deterministic=True, force_row_wise=True)


def fit(X: np.ndarray, y: np.ndarray, pop: np.ndarray, X_val, y_val, pop_val, cfg: Config,
        log=print) -> Fitted:
    """Fit on (X, y, pop); the validation rows (other artists) stop the boosting and fit the
    temperatures and the decision rule."""
    if sorted(set(np.asarray(y).tolist())) != [0, 1, 2, 3]:
        raise ValueError(f"training data must contain all four bands, got {sorted(set(y.tolist()))}")
    Xm = mask_optional(X, cfg, cfg.seed)
    Xv = mask_optional(X_val, cfg, cfg.seed + 7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "All-NaN slice" for a withheld column
        fill = np.nanmedian(X, axis=0).astype(np.float32)
    fill[np.isnan(fill)] = 0.0
    notes: dict = {}
    models = {}
    vprobs = {}
    for case in ("known", "unknown"):
        k = case == "known"
        rows = (~np.isnan(Xm[:, features.ARTIST_POPULARITY]) if k and not cfg.known_uses_all_rows
                else np.ones(len(Xm), bool))
        vrows = ~np.isnan(Xv[:, features.ARTIST_POPULARITY]) if k else np.ones(len(Xv), bool)
        Z, Zv = tree_inputs(Xm[rows], k), tree_inputs(Xv[vrows], k)
        log(f"classifier, artist popularity {case}: {rows.sum()} rows")
        clf = lgb.LGBMClassifier(n_estimators=cfg.classifier_rounds, objective="multiclass",
                                 **_params(cfg, cfg.seed))
        clf.fit(Z, y[rows], eval_X=Zv, eval_y=y_val[vrows],
                callbacks=[lgb.early_stopping(40, verbose=False)])
        log(f"regressor, artist popularity {case}")
        monotone = {}
        if k and cfg.monotone_artist_popularity:
            names = tree_input_names(True)
            monotone = {"monotone_constraints": [int(n == "artist_popularity") for n in names]}
        reg = lgb.LGBMRegressor(n_estimators=cfg.regressor_rounds, objective=cfg.regressor_objective,
                                alpha=cfg.regressor_delta, **monotone,
                                **_params(cfg, cfg.seed + 1))
        reg.fit(Z, pop[rows], eval_X=Zv, eval_y=pop_val[vrows], eval_metric="l1",
                callbacks=[lgb.early_stopping(40, verbose=False)])
        models[case] = (clf, reg)
        p = clf.predict_proba(Zv)
        t = fit_temperature(p, y_val[vrows])
        vprobs[case] = (tempered(p, t), vrows)
        notes[case] = {"rows": int(rows.sum()), "classifier_trees": int(clf.booster_.num_trees()),
                       "regressor_trees": int(reg.booster_.num_trees()), "temperature": t}
    prior = np.bincount(y, minlength=4) / len(y)
    # the decision rule is fitted on the held-out artists, each through the pair it would use
    pv = np.zeros((len(Xv), 4))
    kv = vprobs["known"][1]
    pv[kv] = vprobs["known"][0]
    pv[~kv] = vprobs["unknown"][0][~kv]
    alpha, table = fit_alpha(pv, y_val, prior, cfg)
    notes.update(prior=prior.tolist(), alpha=alpha, alpha_table=table)
    log(f"decision rule: alpha {alpha}")
    return Fitted(models["known"][0], models["known"][1], models["unknown"][0], models["unknown"][1],
                  notes["known"]["temperature"], notes["unknown"]["temperature"], prior, alpha, fill, notes)
