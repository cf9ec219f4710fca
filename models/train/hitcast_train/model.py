"""Hitcast's model: small MLP ensembles in one ONNX graph.

Input `features` float32 [N, F]; a missing optional value is NaN. The graph:

    isnan     = IsNaN(x)
    filled    = Where(isnan, fill, x)                    # training medians
    numeric   = Gather(filled, every column but genre)
    genre_1h  = Cast(Equal(x[:, genre], [0..6]))         # NaN → all zeros
    ind       = Cast(Gather(isnan, optional columns))    # missing indicators
    z         = (Concat(numeric, genre_1h, ind) - mean) / scale
    members   = 8 MLPs (64-32, ReLU) run as one batched MatMul chain → [8, N, 4]
      0-2  band classifier, artist popularity known     (logits / T_known)
      3-5  band classifier, artist popularity unknown   (logits / T_unknown)
      6    popularity regressor, known;  7  unknown      (column 0)
    band_probs = Softmax(mean of 0-2, or of 3-5 where artist popularity is NaN)
    popularity = Clip(member 6 or 7, 0, 100)

The "unknown" members are trained with artist popularity withheld for every row, so a
prediction without it is a model of its own, not a known-artist model fed a made-up value.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from scipy.optimize import minimize_scalar
from sklearn.neural_network import MLPClassifier, MLPRegressor

from . import features

OPSET = 17
N_MEMBERS = 8


@dataclass
class Config:
    hidden: tuple = (64, 32)
    ensemble: int = 3
    alpha: float = 1e-3
    max_iter: int = 300
    seed: int = 42
    # Share of training rows whose years_since_release is withheld: every table has it, but a
    # user may not, so the model must learn what "unknown age" means instead of guessing.
    mask_years: float = 0.15
    # Share of training rows whose time_signature is withheld. 1.0: this model does not use it.
    # In the data its absence marks the source (TidyTuesday has none), not anything about the
    # song, and ReccoBeats does not provide it either: learning from it would learn the source.
    mask_time_signature: float = 1.0


@dataclass
class Fitted:
    fill: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    # per member: list of (W, b) layers; output layer padded to 4 columns
    members: list
    # softmax temperature of each classifier ensemble
    temperature_known: float
    temperature_unknown: float
    notes: dict = field(default_factory=dict)


def encode(X: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """What the graph does before standardisation (for fitting; the graph is the truth)."""
    isnan = np.isnan(X)
    filled = np.where(isnan, fill, X)
    genre = X[:, features.GENRE]
    onehot = (genre[:, None] == np.arange(len(features.GENRES))[None, :]).astype(np.float32)
    return np.concatenate(
        [filled[:, features.NUMERIC], onehot, isnan[:, features.OPTIONAL].astype(np.float32)],
        axis=1,
    ).astype(np.float32)


def withhold_artist_popularity(X: np.ndarray) -> np.ndarray:
    Xm = X.copy()
    Xm[:, features.ARTIST_POPULARITY] = np.nan
    return Xm


def _layers(est, pad_to: int = 4):
    # Weights that decayed to (near-)denormal floats are exactly zero in effect, but denormals
    # make ONNX Runtime's GEMM several times slower: flush them.
    layers = [(np.where(np.abs(W) < 1e-20, 0, W).astype(np.float32), np.asarray(b, np.float32))
              for W, b in zip(est.coefs_, est.intercepts_)]
    W, b = layers[-1]
    if W.shape[1] < pad_to:
        W = np.pad(W, ((0, 0), (0, pad_to - W.shape[1])))
        b = np.pad(b, (0, pad_to - b.shape[0]))
    layers[-1] = (W, b)
    return layers


def _forward(layers, Z: np.ndarray) -> np.ndarray:
    h = Z
    for i, (W, b) in enumerate(layers):
        h = h @ W + b
        if i < len(layers) - 1:
            h = np.maximum(h, 0)
    return h


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature that minimises the negative log-likelihood of `y`.

    Fitted on held-out artists. (A per-band bias on top, i.e. vector scaling, was tried: it
    followed the band shares of the held-out artists and made the test split's ECE worse.)
    """

    def nll(t):
        p = _softmax(logits / t)
        return -np.mean(np.log(p[np.arange(len(y)), y] + 1e-12))

    return float(minimize_scalar(nll, bounds=(0.3, 5.0), method="bounded").x)


def fit(X: np.ndarray, y: np.ndarray, pop: np.ndarray, X_val, y_val, cfg: Config, log=print) -> Fitted:
    """Fit on (X, y, pop); the validation rows (other artists) only fit the temperatures."""
    if sorted(set(np.asarray(y).tolist())) != [0, 1, 2, 3]:
        raise ValueError(f"training data must contain all four bands, got {sorted(set(y.tolist()))}")
    X = X.copy()
    rng = np.random.default_rng(cfg.seed)
    years = features.NAMES.index("years_since_release")
    X[rng.random(len(X)) < cfg.mask_years, years] = np.nan
    ts = features.NAMES.index("time_signature")
    X[rng.random(len(X)) < cfg.mask_time_signature, ts] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "All-NaN slice" for a withheld column
        fill = np.nanmedian(X, axis=0).astype(np.float32)
    fill[np.isnan(fill)] = 0.0  # a column missing everywhere: any constant (it gets no weight)
    Z = encode(X, fill)
    mean = Z.mean(axis=0).astype(np.float32)
    scale = Z.std(axis=0).astype(np.float32)
    constant = scale < 1e-6
    scale[constant] = 1.0

    def z(A):
        return (encode(A, fill) - mean) / scale

    known = ~np.isnan(X[:, features.ARTIST_POPULARITY])
    Zk, Zu = z(X[known]), z(withhold_artist_popularity(X))
    members, notes = [], {"rows_known": int(known.sum()), "rows_all": int(len(X))}
    for case, Zc, yc in (("known", Zk, y[known]), ("unknown", Zu, y)):
        for k in range(cfg.ensemble):
            log(f"classifier {case} {k + 1}/{cfg.ensemble} on {len(yc)} rows")
            clf = MLPClassifier(hidden_layer_sizes=cfg.hidden, alpha=cfg.alpha, max_iter=cfg.max_iter,
                                early_stopping=True, random_state=cfg.seed + k)
            clf.fit(Zc, yc)
            members.append(_layers(clf))
    for case, Zc, pc in (("known", Zk, pop[known]), ("unknown", Zu, pop)):
        log(f"regressor {case} on {len(pc)} rows")
        reg = MLPRegressor(hidden_layer_sizes=cfg.hidden, alpha=cfg.alpha, max_iter=cfg.max_iter,
                           early_stopping=True, random_state=cfg.seed)
        reg.fit(Zc, pc)
        members.append(_layers(reg))

    # An input that never varied in training cannot have a learned effect: its first-layer
    # weights are whatever initialisation left, so zero them.
    for m in members:
        m[0][0][constant, :] = 0.0
    notes["constant_inputs"] = int(constant.sum())

    def ens_logits(ms, Zv):
        return sum(_forward(m, Zv) for m in ms) / len(ms)

    kv = ~np.isnan(X_val[:, features.ARTIST_POPULARITY])
    t_known = fit_temperature(ens_logits(members[: cfg.ensemble], z(X_val[kv])), y_val[kv])
    t_unknown = fit_temperature(
        ens_logits(members[cfg.ensemble : 2 * cfg.ensemble], z(withhold_artist_popularity(X_val))), y_val)
    notes.update(temperature_known=t_known, temperature_unknown=t_unknown)
    return Fitted(fill, mean, scale, members, t_known, t_unknown, notes)


def to_onnx(m: Fitted, metadata: dict[str, str]) -> onnx.ModelProto:
    F = len(features.NAMES)
    e = len(m.members[:-2]) // 2
    if len(m.members) != 2 * e + 2:
        raise ValueError("expected 2 classifier ensembles and 2 regressors")

    # The temperature is folded into each classifier member's last layer: mean(L_k)/T = mean(L_k/T).
    def last_scaled(i):
        W, b = m.members[i][-1]
        t = m.temperature_known if i < e else (m.temperature_unknown if i < 2 * e else 1.0)
        return W / t, b / t

    W1 = np.concatenate([mem[0][0] for mem in m.members], axis=1)  # [D, K*H1]
    b1 = np.concatenate([mem[0][1] for mem in m.members])
    W2 = np.stack([mem[1][0] for mem in m.members])  # [K, H1, H2]
    b2 = np.stack([mem[1][1] for mem in m.members])[:, None, :]  # [K, 1, H2]
    W3 = np.stack([last_scaled(i)[0] for i in range(len(m.members))])  # [K, H2, 4]
    b3 = np.stack([last_scaled(i)[1] for i in range(len(m.members))])[:, None, :]
    K, H1 = len(m.members), m.members[0][0][0].shape[1]

    def c(name, arr, dtype=np.float32):
        return numpy_helper.from_array(np.asarray(arr, dtype), name)

    inits = [
        c("fill", m.fill), c("numeric_idx", features.NUMERIC, np.int64),
        c("genre_idx", [features.GENRE], np.int64), c("genre_values", np.arange(len(features.GENRES))),
        c("optional_idx", features.OPTIONAL, np.int64), c("ap_idx", [features.ARTIST_POPULARITY], np.int64),
        c("mean", m.mean), c("scale", m.scale),
        c("W1", W1), c("b1", b1), c("shape_nkh", [-1, K, H1], np.int64),
        c("W2", W2), c("b2", b2), c("W3", W3), c("b3", b3),
        c("idx_known", list(range(e)), np.int64), c("idx_unknown", list(range(e, 2 * e)), np.int64),
        c("idx_reg_known", 2 * e, np.int64), c("idx_reg_unknown", 2 * e + 1, np.int64),
        c("col0", [0], np.int64), c("clip_min", 0.0), c("clip_max", 100.0),
    ]
    n = helper.make_node
    nodes = [
        n("IsNaN", ["features"], ["isnan"]),
        n("Where", ["isnan", "fill", "features"], ["filled"]),
        n("Gather", ["filled", "numeric_idx"], ["numeric"], axis=1),
        n("Gather", ["features", "genre_idx"], ["genre"], axis=1),
        n("Equal", ["genre", "genre_values"], ["genre_eq"]),
        n("Cast", ["genre_eq"], ["genre_onehot"], to=TensorProto.FLOAT),
        n("Cast", ["isnan"], ["isnan_f"], to=TensorProto.FLOAT),
        n("Gather", ["isnan_f", "optional_idx"], ["indicators"], axis=1),
        n("Concat", ["numeric", "genre_onehot", "indicators"], ["encoded"], axis=1),
        n("Sub", ["encoded", "mean"], ["centred"]),
        n("Div", ["centred", "scale"], ["z"]),
        # all members at once
        n("MatMul", ["z", "W1"], ["h1_mm"]),
        n("Add", ["h1_mm", "b1"], ["h1_pre"]),
        n("Relu", ["h1_pre"], ["h1_flat"]),
        n("Reshape", ["h1_flat", "shape_nkh"], ["h1_nkh"]),
        n("Transpose", ["h1_nkh"], ["h1"], perm=[1, 0, 2]),
        n("MatMul", ["h1", "W2"], ["h2_mm"]),
        n("Add", ["h2_mm", "b2"], ["h2_pre"]),
        n("Relu", ["h2_pre"], ["h2"]),
        n("MatMul", ["h2", "W3"], ["out_mm"]),
        n("Add", ["out_mm", "b3"], ["out"]),  # [K, N, 4]
        # band probabilities
        n("Gather", ["out", "idx_known"], ["logits_known_k"], axis=0),
        n("ReduceMean", ["logits_known_k"], ["logits_known"], axes=[0], keepdims=0),
        n("Softmax", ["logits_known"], ["probs_known"], axis=1),
        n("Gather", ["out", "idx_unknown"], ["logits_unknown_k"], axis=0),
        n("ReduceMean", ["logits_unknown_k"], ["logits_unknown"], axes=[0], keepdims=0),
        n("Softmax", ["logits_unknown"], ["probs_unknown"], axis=1),
        n("Gather", ["isnan", "ap_idx"], ["ap_missing"], axis=1),  # [N, 1]
        n("Where", ["ap_missing", "probs_unknown", "probs_known"], ["band_probs"]),
        # expected popularity
        n("Gather", ["out", "idx_reg_known"], ["reg_known_4"], axis=0),
        n("Gather", ["reg_known_4", "col0"], ["reg_known"], axis=1),
        n("Gather", ["out", "idx_reg_unknown"], ["reg_unknown_4"], axis=0),
        n("Gather", ["reg_unknown_4", "col0"], ["reg_unknown"], axis=1),
        n("Where", ["ap_missing", "reg_unknown", "reg_known"], ["pop_raw"]),
        n("Clip", ["pop_raw", "clip_min", "clip_max"], ["popularity"]),
    ]
    graph = helper.make_graph(
        nodes,
        "hitcast",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", F])],
        [
            helper.make_tensor_value_info("band_probs", TensorProto.FLOAT, ["N", 4]),
            helper.make_tensor_value_info("popularity", TensorProto.FLOAT, ["N", 1]),
        ],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="hitcast-train", ir_version=8)
    helper.set_model_props(model, metadata)
    onnx.checker.check_model(model, full_check=True)
    return model
