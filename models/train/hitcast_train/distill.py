"""The shipped graph: the trees (teacher) distilled into two small MLPs (students), plus the
popularity's prediction interval.

Gradient-boosted trees rank and predict better than the MLPs trained on the labels, but ONNX
Runtime evaluates hundreds of trees slowly (~74 µs for one track, ~73k tracks/s on one core,
against ≤ 25 µs and ≥ 300k/s targeted). Each student learns its teacher pair's outputs (the
tempered band log-probabilities and the popularity) on the training rows, on copies with
optional inputs withheld and on copies with the audio features jittered, so it follows the
teacher between and around the training points. The teacher never sees the test split; the
students see only what the teacher saw.

Input `features` float32 [N, F]; a missing optional value is NaN. The graph:

    isnan     = IsNaN(x)
    filled    = Where(isnan, fill, x)                    # training medians
    numeric   = Gather(filled, every column but the one-hot ones)
    onehots   = Cast(Equal(x[:, c], [0..k])) for genre, title_marker, album_marker (NaN → zeros)
    ind       = Cast(Gather(isnan, optional columns))    # missing indicators
    z         = (Concat(numeric, onehots, ind) - mean) / scale
    out       = both students as one batched MatMul chain → [2, N, 5]
    student   = 0 where artist popularity is known, 1 where it is missing
    band_probs = Softmax(out[student, :, 0:4])
    popularity = Clip(out[student, :, 4] * POP_SCALE + POP_OFFSET, 0, 100)
    group      = 3 * (artist popularity missing) + (audio features present: 0 none, 1 some, 2 ≥ 10)
    interval   = Clip(popularity + bounds[group], 0, 100)  # split-conformal, per group
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.neural_network import MLPRegressor

from . import features, model

OPSET = 17
ONEHOT = [features.NAMES.index(n) for n in ("genre", "title_marker", "album_marker")]
ONEHOT_SIZES = [len(features.FEATURES[i]["values"]) for i in ONEHOT]
NUMERIC = [i for i in range(len(features.NAMES)) if i not in ONEHOT]
# The popularity output is learned as (popularity - 40) / 8: a small scale gives it more weight
# next to the four logits in the students' squared loss (8 beat 20 in cross-validation).
POP_OFFSET, POP_SCALE = 40.0, 8.0
# Continuous audio inputs jittered in the augmented copies (by a share of their training spread).
JITTER = [features.NAMES.index(n) for n in (
    "danceability", "energy", "loudness", "speechiness", "acousticness", "instrumentalness",
    "liveness", "valence", "tempo", "duration_ms")]

# Interval groups: artist popularity known/missing × audio features none / some / at least FULL_AUDIO.
FULL_AUDIO = 10
GROUPS = [f"artist popularity {ap}, audio {a}" for ap in ("known", "missing") for a in ("none", "some", "full")]
INTERVAL_LEVEL = 0.8


@dataclass
class StudentConfig:
    hidden: tuple = (128, 64)
    alpha: float = 1e-4
    max_iter: int = 200
    batch_size: int = 200  # scikit-learn's default for these row counts
    copies: int = 2  # augmented copies of the training rows besides the rows themselves
    jitter: float = 0.1  # in training standard deviations
    seed: int = 42


@dataclass
class Distilled:
    """The students, with what the graph needs; `teacher` is kept for the card's comparison."""

    fill: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    students: list  # [known, unknown]: list of (W, b) layers, last layer 5 wide
    teacher: model.Fitted
    bounds: np.ndarray = field(default_factory=lambda: np.zeros((len(GROUPS), 2), np.float32))
    notes: dict = field(default_factory=dict)

    @property
    def prior(self):
        return self.teacher.prior

    @property
    def alpha(self):
        return self.teacher.alpha

    @property
    def weights(self):
        return self.teacher.weights

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """NumPy reference of the graph."""
        Z = (encode(X, self.fill) - self.mean) / self.scale
        outs = [_forward(s, Z) for s in self.students]
        missing = np.isnan(X[:, features.ARTIST_POPULARITY])
        out = np.where(missing[:, None], outs[1], outs[0])
        return model._softmax(out[:, :4]), np.clip(out[:, 4] * POP_SCALE + POP_OFFSET, 0, 100)

    def interval(self, X: np.ndarray, pop: np.ndarray) -> np.ndarray:
        """[N, 2]: the popularity's interval for rows `X` predicted `pop`."""
        return np.clip(pop[:, None] + self.bounds[group(X)], 0, 100)


def group(X: np.ndarray) -> np.ndarray:
    """The interval group of each row (index into `GROUPS`)."""
    n_audio = (~np.isnan(X[:, features.AUDIO])).sum(axis=1)
    audio = np.where(n_audio == 0, 0, np.where(n_audio >= FULL_AUDIO, 2, 1))
    return 3 * np.isnan(X[:, features.ARTIST_POPULARITY]).astype(int) + audio


def encode(X: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """What the graph does before standardisation."""
    isnan = np.isnan(X)
    filled = np.where(isnan, fill, X)
    onehots = [(X[:, c][:, None] == np.arange(k)[None, :]).astype(np.float32) for c, k in zip(ONEHOT, ONEHOT_SIZES)]
    return np.concatenate([filled[:, NUMERIC], *onehots, isnan[:, features.OPTIONAL].astype(np.float32)],
                          axis=1).astype(np.float32)


def _forward(layers, Z):
    h = Z
    for i, (W, b) in enumerate(layers):
        h = h @ W + b
        if i < len(layers) - 1:
            h = np.maximum(h, 0)
    return h


def _targets(teacher: model.Fitted, X: np.ndarray, known: bool) -> np.ndarray:
    clf = teacher.classifier_known if known else teacher.classifier_unknown
    reg = teacher.regressor_known if known else teacher.regressor_unknown
    t = teacher.temperature_known if known else teacher.temperature_unknown
    Z = model.tree_inputs(X, known)
    logp = np.log(model.tempered(clf.predict_proba(Z), t))
    logp -= logp.mean(axis=1, keepdims=True)
    pop = (np.clip(reg.predict(Z), 0, 100) - POP_OFFSET) / POP_SCALE
    return np.concatenate([logp, pop[:, None]], axis=1)


# The audio patterns of the augmented copies, in turn: withheld at random as in the trees'
# training, then only what a file gives, only the five perceptual features, no audio.
COPY_PATTERNS = [None, "file", "five", "none"]


def augment(X: np.ndarray, cfg: StudentConfig, tcfg: model.Config) -> np.ndarray:
    """The rows, then `copies` copies with optional inputs withheld (see `COPY_PATTERNS`), every
    other one with the audio features jittered."""
    rng = np.random.default_rng(cfg.seed)
    sd = np.nanstd(X, axis=0)
    parts = [X]
    for k in range(cfg.copies):
        C = model.mask_optional(X, tcfg, cfg.seed + 100 + k)
        pattern = COPY_PATTERNS[k % len(COPY_PATTERNS)]
        if pattern is not None:
            C = model.keep_only(C, np.ones(len(C), bool), model.AUDIO_PATTERNS[pattern])
        if k % 2 == 1:
            noise = rng.normal(0, cfg.jitter, (len(C), len(JITTER))) * sd[JITTER]
            C[:, JITTER] = C[:, JITTER] + noise
            for j in JITTER:
                f = features.FEATURES[j]
                C[:, j] = np.clip(C[:, j], f["min"], f["max"])
        parts.append(C)
    return np.concatenate(parts).astype(np.float32)


def _layers(est):
    return [(np.where(np.abs(W) < 1e-20, 0, W).astype(np.float32), np.asarray(b, np.float32))
            for W, b in zip(est.coefs_, est.intercepts_)]


def distill(teacher: model.Fitted, X: np.ndarray, tcfg: model.Config, cfg: StudentConfig | None = None,
            log=print) -> Distilled:
    """Students for `teacher` from its training rows `X` (raw inputs, NaN = missing)."""
    cfg = cfg or StudentConfig()
    A = augment(X, cfg, tcfg)
    # The teacher does not read time_signature (its absence marks the source); withheld here too,
    # its input and missing indicator are constant, so their weights are zeroed below: no effect.
    A[:, features.NAMES.index("time_signature")] = np.nan
    fill = teacher.fill.astype(np.float32)
    Zall = encode(model.withhold_artist_popularity(A), fill)
    known = ~np.isnan(A[:, features.ARTIST_POPULARITY])
    Zk = encode(A[known], fill)
    both = np.concatenate([Zk, Zall])
    mean = both.mean(axis=0).astype(np.float32)
    scale = both.std(axis=0).astype(np.float32)
    constant = scale < 1e-6
    scale[constant] = 1.0
    students, notes = [], {}
    for case, rows in (("known", A[known]), ("unknown", model.withhold_artist_popularity(A))):
        k = case == "known"
        T = _targets(teacher, rows, k).astype(np.float64)
        Z = ((encode(rows, fill) - mean) / scale).astype(np.float64)  # float64: see the module doc
        log(f"student, artist popularity {case}: {len(Z)} rows")
        est = MLPRegressor(hidden_layer_sizes=cfg.hidden, alpha=cfg.alpha, max_iter=cfg.max_iter, batch_size=cfg.batch_size,
                           early_stopping=True, random_state=cfg.seed, n_iter_no_change=8)
        est.fit(Z, T)
        layers = _layers(est)
        layers[0][0][constant, :] = 0.0
        students.append(layers)
        fit_err = np.abs(_forward(layers, Z) - T)
        notes[case] = {"rows": int(len(Z)), "epochs": int(est.n_iter_),
                       "mean_abs_logit_gap": float(fit_err[:, :4].mean()),
                       "mean_abs_popularity_gap": float(fit_err[:, 4].mean() * POP_SCALE)}
    return Distilled(fill, mean, scale, students, teacher, notes=notes)


def pattern_copies(X: np.ndarray) -> np.ndarray:
    """`X`, then copies with only a file's audio features, only the five perceptual ones, no
    audio; all four again without artist popularity. Every interval group is then represented."""
    base = [X] + [model.keep_only(X, np.ones(len(X), bool), model.AUDIO_PATTERNS[p])
                  for p in ("file", "five", "none")]
    return np.concatenate(base + [model.withhold_artist_popularity(B) for B in base])


def fit_interval(d: Distilled, X: np.ndarray, pop: np.ndarray, level: float = INTERVAL_LEVEL) -> None:
    """Split-conformal bounds per group from held-out rows (artists the students never saw): the
    signed residuals' quantiles at (1 - level) / 2 and (1 + level) / 2, with the finite-sample
    correction; a group with fewer than 30 residuals gets the bounds of all residuals."""
    Xc = pattern_copies(X)
    y = np.tile(pop, 8)
    _, pred = d.predict(Xc)
    res = y - pred
    g = group(Xc)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2

    def bounds(r):
        n = len(r)
        lo = np.quantile(r, max(0.0, np.floor((n + 1) * lo_q) / n), method="inverted_cdf")
        hi = np.quantile(r, min(1.0, np.ceil((n + 1) * hi_q) / n), method="inverted_cdf")
        return [float(lo), float(hi)]

    everything = bounds(res)
    out, counts = [], []
    for k in range(len(GROUPS)):
        r = res[g == k]
        counts.append(int(len(r)))
        out.append(bounds(r) if len(r) >= 30 else everything)
    d.bounds = np.asarray(out, np.float32)
    d.notes["interval"] = {"level": level, "groups": GROUPS, "bounds": d.bounds.tolist(), "residuals": counts}


def to_onnx(m: Distilled, metadata: dict[str, str]) -> onnx.ModelProto:
    F = len(features.NAMES)
    H1 = m.students[0][0][0].shape[1]

    def c(name, arr, dtype=np.float32):
        return numpy_helper.from_array(np.asarray(arr, dtype), name)

    W1 = np.concatenate([s[0][0] for s in m.students], axis=1)  # [D, 2*H1]
    b1 = np.concatenate([s[0][1] for s in m.students])
    W2 = np.stack([s[1][0] for s in m.students])  # [2, H1, H2]
    b2 = np.stack([s[1][1] for s in m.students])[:, None, :]
    W3 = np.stack([s[2][0] for s in m.students])  # [2, H2, 5]
    b3 = np.stack([s[2][1] for s in m.students])[:, None, :]
    inits = [
        c("fill", m.fill), c("numeric_idx", NUMERIC, np.int64),
        *[c(f"onehot_idx_{j}", [col], np.int64) for j, col in enumerate(ONEHOT)],
        *[c(f"onehot_values_{j}", np.arange(k)) for j, k in enumerate(ONEHOT_SIZES)],
        c("optional_idx", features.OPTIONAL, np.int64), c("ap_idx", [features.ARTIST_POPULARITY], np.int64),
        c("mean", m.mean), c("scale", m.scale),
        c("W1", W1), c("b1", b1), c("shape_kh", [2, H1], np.int64),
        c("zero_i", [0], np.int64), c("one_i", [1], np.int64),
        c("W2", W2), c("b2", b2), c("W3", W3), c("b3", b3),
        c("idx_known", 0, np.int64), c("idx_unknown", 1, np.int64),
        c("logit_cols", [0, 1, 2, 3], np.int64), c("pop_col", [4], np.int64),
        c("pop_scale", POP_SCALE), c("pop_offset", POP_OFFSET), c("clip_min", 0.0), c("clip_max", 100.0),
        c("audio_idx", features.AUDIO, np.int64), c("axis1", [1], np.int64), c("half", 0.5),
        c("full_audio", FULL_AUDIO - 0.5), c("three", 3.0), c("audio_total", float(len(features.AUDIO))),
        c("bounds", m.bounds),
    ]
    n = helper.make_node
    nodes = [
        n("IsNaN", ["features"], ["isnan"]),
        n("Where", ["isnan", "fill", "features"], ["filled"]),
        n("Gather", ["filled", "numeric_idx"], ["numeric"], axis=1),
        *[node for j in range(len(ONEHOT)) for node in (
            n("Gather", ["features", f"onehot_idx_{j}"], [f"cat_{j}"], axis=1),
            n("Equal", [f"cat_{j}", f"onehot_values_{j}"], [f"cat_eq_{j}"]),
            n("Cast", [f"cat_eq_{j}"], [f"onehot_{j}"], to=TensorProto.FLOAT))],
        n("Cast", ["isnan"], ["isnan_f"], to=TensorProto.FLOAT),
        n("Gather", ["isnan_f", "optional_idx"], ["indicators"], axis=1),
        n("Concat", ["numeric", *[f"onehot_{j}" for j in range(len(ONEHOT))], "indicators"], ["encoded"], axis=1),
        n("Sub", ["encoded", "mean"], ["centred"]),
        n("Div", ["centred", "scale"], ["z"]),
        n("MatMul", ["z", "W1"], ["h1_mm"]),
        n("Add", ["h1_mm", "b1"], ["h1_pre"]),
        n("Relu", ["h1_pre"], ["h1_flat"]),
        # [N, 2*H1] → [N, 2, H1]
        n("Shape", ["features"], ["in_shape"]),
        n("Slice", ["in_shape", "zero_i", "one_i"], ["n_rows"]),
        n("Concat", ["n_rows", "shape_kh"], ["shape_nkh"], axis=0),
        n("Reshape", ["h1_flat", "shape_nkh"], ["h1_nkh"]),
        n("Transpose", ["h1_nkh"], ["h1"], perm=[1, 0, 2]),
        n("MatMul", ["h1", "W2"], ["h2_mm"]),
        n("Add", ["h2_mm", "b2"], ["h2_pre"]),
        n("Relu", ["h2_pre"], ["h2"]),
        n("MatMul", ["h2", "W3"], ["out_mm"]),
        n("Add", ["out_mm", "b3"], ["out"]),  # [2, N, 5]
        n("Gather", ["out", "idx_known"], ["out_known"], axis=0),
        n("Gather", ["out", "idx_unknown"], ["out_unknown"], axis=0),
        n("Gather", ["isnan", "ap_idx"], ["ap_missing"], axis=1),  # [N, 1]
        n("Where", ["ap_missing", "out_unknown", "out_known"], ["out_row"]),
        n("Gather", ["out_row", "logit_cols"], ["logits"], axis=1),
        n("Softmax", ["logits"], ["band_probs"], axis=1),
        n("Gather", ["out_row", "pop_col"], ["pop_z"], axis=1),
        n("Mul", ["pop_z", "pop_scale"], ["pop_scaled"]),
        n("Add", ["pop_scaled", "pop_offset"], ["pop_raw"]),
        n("Clip", ["pop_raw", "clip_min", "clip_max"], ["popularity"]),
        # the interval's group: 3 × (artist popularity missing) + (0 no audio, 1 some, 2 full)
        n("Gather", ["isnan_f", "audio_idx"], ["audio_missing"], axis=1),
        n("ReduceSum", ["audio_missing", "axis1"], ["n_audio_missing"], keepdims=1),
        n("Neg", ["n_audio_missing"], ["neg_missing"]),
        n("Add", ["neg_missing", "audio_total"], ["n_audio"]),
        n("Greater", ["n_audio", "half"], ["some_audio"]),
        n("Greater", ["n_audio", "full_audio"], ["full_audio_b"]),
        n("Cast", ["some_audio"], ["some_f"], to=TensorProto.FLOAT),
        n("Cast", ["full_audio_b"], ["full_f"], to=TensorProto.FLOAT),
        n("Cast", ["ap_missing"], ["ap_missing_f"], to=TensorProto.FLOAT),
        n("Mul", ["ap_missing_f", "three"], ["ap_part"]),
        n("Add", ["some_f", "full_f"], ["audio_part"]),
        n("Add", ["ap_part", "audio_part"], ["group_f"]),
        n("Cast", ["group_f"], ["group_i"], to=TensorProto.INT64),
        n("Squeeze", ["group_i", "axis1"], ["group"]),
        n("Gather", ["bounds", "group"], ["row_bounds"], axis=0),  # [N, 2]
        n("Add", ["popularity", "row_bounds"], ["interval_raw"]),
        n("Clip", ["interval_raw", "clip_min", "clip_max"], ["interval"]),
    ]
    graph = helper.make_graph(
        nodes, "hitcast",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", F])],
        [helper.make_tensor_value_info("band_probs", TensorProto.FLOAT, ["N", 4]),
         helper.make_tensor_value_info("popularity", TensorProto.FLOAT, ["N", 1]),
         helper.make_tensor_value_info("interval", TensorProto.FLOAT, ["N", 2])],
        inits,
    )
    out = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                            producer_name="hitcast-train", ir_version=8)
    helper.set_model_props(out, metadata)
    onnx.checker.check_model(out, full_check=True)
    return out
