"""The whole pipeline: data → splits → baselines and Hitcast → ONNX, card, fixtures."""

from __future__ import annotations

import hashlib
import json
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import onnxruntime as ort
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from . import card, data, derive, distill, features, metadata, metrics, model, seed, split


def log(msg: str) -> None:
    print(f"[hitcast-train {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_onnx(m, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    probs, pop, _ = run_onnx_interval(m, X)
    return probs, pop


def run_onnx_interval(m, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    probs, pop, interval = sess.run(["band_probs", "popularity", "interval"], {"features": X.astype(np.float32)})
    return probs, pop[:, 0], interval


def recipe(df, tr, te, columns, y, cfg: model.Config, max_iter: int):
    """The original recipe retrained: 96 inputs, StandardScaler, MLP 80-80-80 relu, 4 bands."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column missing everywhere: "mean of empty slice"
        fill = np.nanmean(df.iloc[tr][seed.NUMERIC].to_numpy(dtype=float, na_value=np.nan), axis=0)
    fill = np.nan_to_num(fill)  # a column missing everywhere: a constant
    X = seed.recipe_inputs(df, columns, fill)
    sc = StandardScaler().fit(X[tr])
    clf = MLPClassifier((80, 80, 80), max_iter=max_iter, early_stopping=True, random_state=cfg.seed)
    clf.fit(sc.transform(X[tr]), y[tr])
    return clf.predict_proba(sc.transform(X[te]))


def hitcast(df, tr, y, X, cfg, student: distill.StudentConfig | None = None) -> distill.Distilled:
    """Fit Hitcast on `tr`: the trees (teacher), holding out 15% of its artists to stop the
    boosting and fit the temperatures and the decision rule, then the students that ship, on
    the teacher's training rows (the test split is never looked at)."""
    sub = df.iloc[tr]
    fit_i, val_i = split.grouped(sub, test_size=0.15, seed=cfg.seed + 1)
    fit_i, val_i = tr[fit_i], tr[val_i]
    pop = df["popularity"].to_numpy(dtype=np.float32)
    teacher = model.fit(X[fit_i], y[fit_i], pop[fit_i], X[val_i], y[val_i], pop[val_i], cfg, log=log)
    d = distill.distill(teacher, X[fit_i], cfg, student, log=log)
    distill.fit_interval(d, X[val_i], pop[val_i])
    return d


def full_eval(df, idx, probs, pop_pred, y, pop, weights=None, X=None, interval=None) -> dict:
    """Classification, calibration, regression and ranking metrics of one model on rows `idx`;
    with `X` (the inputs it was given) also the slopes on artist popularity and Spearman on rows
    with and without it; with `interval` its coverage and width."""
    out = metrics.evaluate(probs, y[idx], pop[idx], pop_pred)
    if pop_pred is None:
        pop_pred = probs @ metrics.BAND_MIDPOINTS
    out["spearman"] = metrics.spearman(pop[idx], pop_pred)
    if X is not None:
        ap = X[:, features.ARTIST_POPULARITY]
        known = ~np.isnan(ap)
        out["rows_with_artist_popularity"] = int(known.sum())
        out["spearman_with_artist_popularity"] = metrics.spearman(pop[idx][known], pop_pred[known])
        out["spearman_without_artist_popularity"] = metrics.spearman(pop[idx][~known], pop_pred[~known])
        out["slope_on_artist_popularity"] = {"prediction": metrics.slope(ap[known], pop_pred[known]),
                                             "truth": metrics.slope(ap[known], pop[idx][known])}
    if interval is not None:
        out["interval"] = metrics.interval(pop[idx], interval)
    out["within_artist"] = metrics.within(df["artist_key"].to_numpy()[idx], pop[idx], pop_pred, 3)
    album = df["album_id"].to_numpy(dtype=object)[idx]
    album = np.array([a if isinstance(a, str) and a else f"_row{i}" for a, i in zip(album, idx)])  # no album: no group
    out["within_album"] = metrics.within(album, pop[idx], pop_pred, 4)
    if weights is not None:
        rule = metrics.evaluate_labels(model.decide(probs, weights), y[idx])
        out["decision_rule"] = rule
    return out


def constant_eval(df, idx, y, pop, band: int, value: float) -> dict:
    n = len(idx)
    return full_eval(df, idx, np.eye(4)[np.full(n, band)], np.full(n, value), y, pop)


def simple_baselines(df, tr, te, X, pop) -> dict:
    """"Artist popularity alone" and "genre mean alone" on rows `te`, fitted on rows `tr`."""
    ap = X[te][:, features.ARTIST_POPULARITY]
    known = ~np.isnan(ap)
    genre = X[:, features.GENRE]
    means = {g: float(pop[tr][genre[tr] == g].mean()) for g in np.unique(genre[tr][~np.isnan(genre[tr])])}
    gm = np.array([means.get(g, float(pop[tr].mean())) for g in genre[te]])
    return {
        "artist popularity alone": {"rows": int(known.sum()), "spearman": metrics.spearman(pop[te][known], ap[known])},
        "genre mean alone": {"rows": int(len(te)), "spearman": metrics.spearman(pop[te], gm),
                             "mae": float(np.abs(pop[te] - gm).mean()),
                             "spearman_without_artist_popularity": metrics.spearman(pop[te][~known], gm[~known])},
    }


def leave_one_source_out(df, X, y, pop, cfg, student=None) -> dict:
    """Train on the other sources (without any artist of the held-out one), test on one source."""
    out = {}
    sources = sorted(df["source"].unique())
    if len(sources) < 2:
        return out
    for s in sources:
        held = np.flatnonzero(df["source"].to_numpy() == s)
        artists = set(df["artist_key"].iloc[held])
        tr = np.flatnonzero((df["source"].to_numpy() != s) & ~df["artist_key"].isin(artists).to_numpy())
        if len(np.unique(y[tr])) < 4 or len(tr) < 200:
            out[s] = {"skipped": f"{len(tr)} training rows, bands {sorted(set(y[tr].tolist()))}"}
            continue
        log(f"leave one source out: testing on {s} ({len(held)} rows), training on {len(tr)}")
        f = hitcast(df, tr, y, X, cfg, student)
        probs, pp = f.predict(X[held])
        ev = {"Hitcast": full_eval(df, held, probs, pp, y, pop, f.weights, X[held], f.interval(X[held], pp)),
              "constant training mean": constant_eval(df, held, y, pop, int(np.bincount(y[tr]).argmax()),
                                                      float(pop[tr].mean()))}
        ev["baselines"] = simple_baselines(df, tr, held, X, pop)
        ev["train_rows"] = int(len(tr))
        out[s] = ev
    return out


def breakdown(df, idx, probs, pop_pred, y, pop) -> dict:
    """Hitcast's metrics by coarse genre, by age and by source on rows `idx`."""
    out: dict = {"genre": {}, "age": {}, "source": {}}
    genre = df["genre"].to_numpy()[idx]
    for gi, label in enumerate(features.GENRES + ["unknown"]):
        m = np.isnan(genre) if label == "unknown" else genre == gi
        if m.sum() >= 30:
            out["genre"][label] = _small(df, idx[m], probs[m], pop_pred[m], y, pop)
    age = df["years_since_release"].to_numpy()[idx]
    for label, lo, hi in (("0-1 years", 0, 1), ("2-5 years", 2, 5), ("6-15 years", 6, 15),
                          ("16+ years", 16, 1e9)):
        m = (age >= lo) & (age <= hi)
        if m.sum() >= 30:
            out["age"][label] = _small(df, idx[m], probs[m], pop_pred[m], y, pop)
    src = df["source"].to_numpy()[idx]
    for label in sorted(set(src)):
        m = src == label
        out["source"][label] = _small(df, idx[m], probs[m], pop_pred[m], y, pop)
    return out


def _small(df, idx, probs, pop_pred, y, pop) -> dict:
    e = metrics.evaluate(probs, y[idx], pop[idx], pop_pred)
    return {"rows": e["rows"], "accuracy": e["accuracy"], "macro_f1": e["macro_f1"], "ece": e["ece"],
            "mae": e["mae"], "mae_constant": float(np.abs(pop[idx] - pop[idx].mean()).mean()),
            "spearman": metrics.spearman(pop[idx], pop_pred),
            "mean_prediction": float(np.mean(pop_pred)), "mean_truth": float(pop[idx].mean())}


@dataclass
class Prepared:
    """The cleaned data, its inputs and targets, and the grouped split."""
    df: pd.DataFrame
    report: data.Report
    y: np.ndarray
    pop: np.ndarray
    X: np.ndarray
    tr: np.ndarray
    te: np.ndarray


@dataclass
class Baselines:
    """What Hitcast is measured against on the grouped test split."""
    evaluations: dict = field(default_factory=dict)
    baselines: dict = field(default_factory=dict)
    curves: dict = field(default_factory=dict)
    seed_columns: list | None = None


@dataclass
class Trained:
    """Hitcast fitted on the training split and measured on the test split."""
    fitted: distill.Distilled
    evaluations: dict
    curves: dict
    probs: np.ndarray
    pred_pop: np.ndarray


@dataclass
class Results:
    """Everything `metrics.json` and the card report; `as_dict()` is what they are made from."""
    report: dict
    rows: int
    split: dict
    grouped: dict
    baselines: dict
    breakdown: dict
    training: dict
    leave_one_source_out: dict | None = None
    random: dict | None = None
    sha256: str = ""
    size_bytes: int = 0
    version: str = ""
    config: dict = field(default_factory=dict)
    config_student: dict = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        d = asdict(self)
        return {k: v for k, v in d.items() if v is not None}


def prepare(data_dir, kaggle, artists, cfg: model.Config) -> Prepared:
    log("reading data")
    df, report = data.load(data_dir, kaggle, artists)
    log(f"{len(df)} tracks after cleaning: {report.as_dict()}")
    tr, te = split.grouped(df, seed=cfg.seed)
    assert not set(df["artist_key"].iloc[tr]) & set(df["artist_key"].iloc[te])
    return Prepared(df=df, report=report, y=data.band(df["popularity"]),
                    pop=df["popularity"].to_numpy(dtype=float), X=features.matrix(df), tr=tr, te=te)


def baselines(p: Prepared, seed_dir, cfg: model.Config, recipe_baselines: bool) -> Baselines:
    """Majority band, constant mean, artist popularity alone, the shipped seed model, the recipe."""
    df, y, pop, tr, te = p.df, p.y, p.pop, p.tr, p.te
    b = Baselines()
    majority = int(np.bincount(y[tr], minlength=4).argmax())
    b.evaluations["majority band"] = constant_eval(df, te, y, pop, majority, float(pop[tr].mean()))
    b.evaluations["constant training mean"] = b.evaluations["majority band"]
    b.baselines.update(simple_baselines(df, tr, te, p.X, pop))
    if seed_dir is not None and Path(seed_dir).exists():
        log("scoring the original shipped model")
        sm = seed.SeedModel(seed_dir)
        b.seed_columns = sm.columns
        b.evaluations["original model (shipped)"] = full_eval(df, te, sm.predict_proba(df.iloc[te]), None, y, pop)
    if recipe_baselines:
        cols = recipe_columns(b)
        log("retraining the original recipe (MLP 80-80-80)")
        probs = recipe(df, tr, te, cols, y, cfg, cfg.max_iter)
        b.evaluations["original recipe, retrained"] = full_eval(df, te, probs, None, y, pop)
        b.curves["original recipe, retrained"] = (probs, y[te])
        # The same recipe without time_signature: its presence identifies the data source (see card).
        no_ts = df.assign(time_signature=np.nan)
        probs = recipe(no_ts, tr, te, cols, y, cfg, cfg.max_iter)
        b.evaluations["original recipe, retrained, no time_signature"] = full_eval(df, te, probs, None, y, pop)
    return b


def recipe_columns(b: Baselines) -> list:
    return b.seed_columns or (seed.NUMERIC + ["genre_pop", "genre_rock", "genre_hip-hop", "genre_edm"])


def _withhold(X: np.ndarray, names) -> np.ndarray:
    X = X.copy()
    for name in names:
        X[:, features.NAMES.index(name)] = np.nan
    return X


TEXT = ("title_marker", "album_marker", "featured_artists")
AUDIO_NAMES = [features.NAMES[i] for i in features.AUDIO]
# Ablations at prediction time (the model is trained for every one of these patterns).
ABLATIONS = {
    "Hitcast, artist popularity unknown": ["artist_popularity"],
    "Hitcast, without title and album": list(TEXT),
    "Hitcast, without years_since_release": ["years_since_release"],
    "Hitcast, only what an audio file gives + artist popularity + genre":
        [n for n in features.NAMES if n not in ("tempo", "key", "mode", "loudness", "duration_ms",
                                                 "artist_popularity", "genre")],
    "Hitcast, no audio features": AUDIO_NAMES,
}


def train(p: Prepared, cfg: model.Config, student, previous: Path | None = None) -> Trained:
    """Fits Hitcast on the training split and measures it (and its variants) on the test split."""
    df, y, pop, X, tr, te = p.df, p.y, p.pop, p.X, p.tr, p.te
    log("training Hitcast")
    fitted = hitcast(df, tr, y, X, cfg, student)
    w = fitted.weights
    bare = distill.to_onnx(fitted, {})
    probs, pred_pop, interval = run_onnx_interval(bare, X[te])
    ref_probs, ref_pop = fitted.predict(X[te])
    fitted.notes["onnx_vs_numpy_max_diff"] = {"band_probs": float(np.abs(probs - ref_probs).max()),
                                              "popularity": float(np.abs(pred_pop - ref_pop).max()),
                                              "interval": float(np.abs(interval - fitted.interval(X[te], ref_pop)).max())}
    ev = {"Hitcast": full_eval(df, te, probs, pred_pop, y, pop, w, X[te], interval)}
    tp, tpop = fitted.teacher.predict(X[te])
    ev["Hitcast's trees (teacher, not shipped)"] = full_eval(df, te, tp, tpop, y, pop, w, X[te])
    known = ~np.isnan(X[te][:, features.ARTIST_POPULARITY])
    for label, m in (("with", known), ("without", ~known)):
        if m.any():
            ev[f"Hitcast, test rows {label} artist popularity"] = full_eval(
                df, te[m], probs[m], pred_pop[m], y, pop, w, X[te][m], interval[m])
    for name, withheld in ABLATIONS.items():
        Xa = _withhold(X[te], withheld)
        pa, qa, ia = run_onnx_interval(bare, Xa)
        ev[name] = full_eval(df, te, pa, qa, y, pop, w, Xa, ia)
    if previous is not None and Path(previous).exists():
        ev.update(score_previous(previous, p, bare))
    # coverage of the interval in every group: the test rows put into each input pattern
    Xc = distill.pattern_copies(X[te])
    _, qc, ic = run_onnx_interval(bare, Xc)
    yc = np.tile(pop[te], 8)
    g = distill.group(Xc)
    groups = {name: metrics.interval(yc[g == k], ic[g == k]) for k, name in enumerate(distill.GROUPS)}
    fitted.notes["interval_test_groups"] = groups
    return Trained(fitted=fitted, evaluations=ev, curves={"Hitcast": (probs, y[te])}, probs=probs, pred_pop=pred_pop)


def score_previous(path: Path, p: Prepared, bare) -> dict:
    """The previous shipped model on the test rows it can score: those with every input it
    requires and, where its test split's ids lie beside it (`test_split_ids-VERSION.txt`), only
    rows that were in its test split too (its training artists would flatter it); Hitcast on the
    same rows."""
    import onnx

    m = onnx.load(str(path))
    props = {q.key: q.value for q in m.metadata_props}
    schema = json.loads(props["hitcast.schema"])
    version = props.get("hitcast.version", "previous")
    names = [f["name"] for f in schema["features"]]
    if names != features.NAMES:
        log(f"previous model {path}: other inputs, not compared")
        return {}
    required = [i for i, f in enumerate(schema["features"]) if f["required"]]
    Xt = p.X[p.te]
    ok = ~np.isnan(Xt[:, required]).any(axis=1)
    ids = Path(path).with_name(f"test_split_ids-{version}.txt")
    if ids.exists():
        theirs = set(ids.read_text().split())
        ok &= p.df["track_id"].iloc[p.te].astype(str).isin(theirs).to_numpy()
    idx = p.te[ok]
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    pp, pq = sess.run(["band_probs", "popularity"], {"features": Xt[ok]})
    hp, hq, hi = run_onnx_interval(bare, Xt[ok])
    log(f"previous model {version}: {ok.sum()} of {len(ok)} test rows have its required inputs")
    return {f"model {version} (previous), on the test rows it can score": full_eval(p.df, idx, pp, pq[:, 0], p.y, p.pop, None, Xt[ok]),
            "Hitcast, on the same rows": full_eval(p.df, idx, hp, hq, p.y, p.pop, None, Xt[ok], hi)}


def random_split(p: Prepared, cols: list, cfg: model.Config, student) -> dict:
    """The seed's way of measuring: a random stratified 75/25 split (artists on both sides)."""
    log("the seed's way: random stratified 75/25")
    rtr, rte = split.random_stratified(p.y, seed=cfg.seed)
    rnd = {"original recipe, retrained": metrics.evaluate(
        recipe(p.df, rtr, rte, cols, p.y, cfg, cfg.max_iter), p.y[rte], p.pop[rte])}
    rf = hitcast(p.df, rtr, p.y, p.X, cfg, student)
    rp, rpop = rf.predict(p.X[rte])
    rnd["Hitcast"] = metrics.evaluate(rp, p.y[rte], p.pop[rte], rpop)
    return rnd


def model_metadata(p: Prepared, t: Trained, schema: dict, version: str, seed_: int) -> dict:
    """The ONNX metadata the core reads: schema, version, training data, headline metrics,
    decision rule and the text rules of the derived inputs."""
    fitted, ev = t.fitted, t.evaluations
    trained_on = metadata.TrainedOn(
        sources=p.report.rows_read, tracks_after_cleaning=int(len(p.df)), train_rows=int(len(p.tr)),
        test_rows=int(len(p.te)), split="grouped by artist, 75/25, seed %d" % seed_)
    h = ev["Hitcast"]
    wa, wal = h["within_album"], h["within_artist"]
    interval = h["interval"]
    headline = metadata.Metrics(
        scores=metadata.Scores.of(h),
        band_f1=h["band_f1"],
        artist_popularity_unknown=metadata.Scores.of(ev["Hitcast, artist popularity unknown"]),
        interval=metadata.IntervalScores(coverage=float(interval["coverage"]),
                                         median_width=float(interval["median_width"]),
                                         rows=int(interval["rows"])),
        # The model's error on a track's position inside its album: a gap between two tracks
        # below it is a close call.
        close_call_points=float(wa["relative_error_points"]["mean"]),
        top_pick_rate=float(wa["top_pick"]["mean"]),
        top_pick_chance=float(wa["top_pick_chance"]["mean"]),
        other={
            "spearman": h["spearman"],
            "decision_rule": {k: h["decision_rule"][k] for k in ("accuracy", "macro_f1")},
            "within_artist_spearman": wal["spearman"]["mean"],
            "within_album_spearman": wa["spearman"]["mean"],
            "albums": wa["top_pick"]["groups"],
            "split": "grouped by artist",
            "spearman_without_artist_popularity": h["spearman_without_artist_popularity"],
        })
    decision = {"rule": "argmax over bands of band_probs[i] * weights[i]",
                "weights": [float(v) for v in fitted.weights], "prior": [float(v) for v in fitted.prior],
                "alpha": fitted.alpha,
                "note": "weights = prior^-alpha; prior = training band shares; alpha fitted on "
                        "held-out training artists for macro-F1 at little cost in accuracy"}
    return {
        "hitcast.schema": features.dumps(schema),
        "hitcast.version": version,
        "hitcast.trained_on": features.dumps(trained_on.to_json()),
        "hitcast.metrics": features.dumps(headline.to_json()),
        "hitcast.decision": features.dumps(decision),
        "hitcast.derive": features.dumps(derive.rules()),
        "hitcast.interval": features.dumps({
            "level": distill.INTERVAL_LEVEL, "output": "interval",
            "method": "split-conformal on held-out training artists, per group (signed residual quantiles)",
            "groups": distill.GROUPS, "bounds": fitted.bounds.tolist(),
            "test_coverage": h["interval"]["coverage"], "test_median_width": h["interval"]["median_width"]}),
    }


def write_model(out: Path, p: Prepared, t: Trained, meta: dict, parity_rows: int, seed_: int):
    """Writes the model, the test-split manifest and the parity and derive fixtures; returns
    the final ONNX model, its sha256 and its size."""
    final = distill.to_onnx(t.fitted, meta)
    blob = final.SerializeToString()
    (out / "hitcast.onnx").write_bytes(blob)
    sha = hashlib.sha256(blob).hexdigest()
    log(f"wrote {out / 'hitcast.onnx'} ({len(blob)} bytes, sha256 {sha[:12]}…)")
    df, X, te = p.df, p.X, p.te
    (out / "test_split_ids.txt").write_text(
        "# track ids of the grouped test split (seed %d)\n" % seed_
        + "\n".join(df["track_id"].iloc[te].astype(str)) + "\n")
    rng = np.random.default_rng(seed_)
    pick = rng.choice(len(te), size=min(parity_rows, len(te)), replace=False)
    P = X[te][pick].copy()
    P[: len(P) // 3, features.ARTIST_POPULARITY] = np.nan  # a third with unknown artist popularity
    for name in ("title_marker", "album_marker", "featured_artists"):  # a sixth without title or album
        P[len(P) // 3 : len(P) // 2, features.NAMES.index(name)] = np.nan
    # every sixth row with only a file's audio features, every ninth with none
    P = model.keep_only(P, np.arange(len(P)) % 6 == 5, features.FROM_FILE)
    P = model.keep_only(P, np.arange(len(P)) % 9 == 4, [])
    pp, ppop, pint = run_onnx_interval(final, P)
    fixture = {
        "model_sha256": sha,
        "features": features.NAMES,
        "rows": [[None if np.isnan(v) else float(v) for v in row] for row in P],
        "band_probs": pp.astype(float).tolist(),
        "popularity": ppop.astype(float).tolist(),
        "interval": pint.astype(float).tolist(),
    }
    (out / "fixtures" / "parity.json").write_text(json.dumps(fixture))
    (out / "fixtures" / "derive.json").write_text(json.dumps(derive_fixture(df), ensure_ascii=False))
    return final, sha, len(blob)


def run(data_dir, kaggle, artists, seed_dir, out: Path, cfg: model.Config, version: str,
        parity_rows: int = 300, compare_random: bool = True, loso: bool = True, recipe_baselines: bool = True,
        student: distill.StudentConfig | None = None, previous: Path | None = None) -> Results:
    """The stages in order: prepare → baselines → train → (leave one source out, random split)
    → metadata → write the model and fixtures → card."""
    t0 = time.time()
    out = Path(out)
    (out / "fixtures").mkdir(parents=True, exist_ok=True)
    p = prepare(data_dir, kaggle, artists, cfg)
    b = baselines(p, seed_dir, cfg, recipe_baselines)
    t = train(p, cfg, student, previous)
    results = Results(
        report=p.report.as_dict(), rows=int(len(p.df)),
        split={"train": int(len(p.tr)), "test": int(len(p.te)), "seed": cfg.seed},
        grouped={**b.evaluations, **t.evaluations}, baselines=b.baselines,
        breakdown=breakdown(p.df, p.te, t.probs, t.pred_pop, p.y, p.pop),
        training={**t.fitted.teacher.notes, "students": t.fitted.notes, "interval": t.fitted.notes["interval"],
                  "interval_test_groups": t.fitted.notes["interval_test_groups"],
                  "onnx_vs_numpy_max_diff": t.fitted.notes["onnx_vs_numpy_max_diff"]},
        version=version, config=asdict(cfg), config_student=asdict(student or distill.StudentConfig()))
    if loso:
        results.leave_one_source_out = leave_one_source_out(p.df, p.X, p.y, p.pop, cfg, student)
    if compare_random:
        results.random = random_split(p, recipe_columns(b), cfg, student)
    schema = features.schema(p.X[p.tr], t.fitted.fill)
    meta = model_metadata(p, t, schema, version, cfg.seed)
    _, results.sha256, results.size_bytes = write_model(out, p, t, meta, parity_rows, cfg.seed)
    metrics.reliability_diagram({**b.curves, **t.curves}, out / "reliability.png")
    results.seconds = round(time.time() - t0, 1)
    d = results.as_dict()
    (out / "metrics.json").write_text(json.dumps(d, indent=1))
    (out / "MODEL_CARD.md").write_text(card.render(d, schema))
    log(f"done in {results.seconds} s")
    return results


def derive_fixture(df, n: int = 400, seed: int = 0) -> dict:
    """Titles, albums and genre names from the data with what `derive.py` makes of them: the
    Rust core's test checks that it derives the same from the model's `hitcast.derive` rules."""
    rng = np.random.default_rng(seed)
    titles = list(df["title"].dropna().astype(str))
    albums = list(df["album"].dropna().astype(str))
    genres = list(df["genre_text"].dropna().astype(str))
    pick = lambda xs: [xs[i] for i in rng.choice(len(xs), size=min(n, len(xs)), replace=False)] if xs else []
    # every marked or featuring title, so the rarer rules are exercised too
    marked = [t for t in titles if derive.title_marker(t) > 0 or derive.featured_in_title(t) > 0]
    cases = [
        "Song (feat. A, B & C)", "I Don't Care (with Justin Bieber) - Loud Luxury Remix",
        "Dance With Me", "Hello - Live at Wembley", "Yesterday - Remastered 2009", "Numb (Original Mix)",
        "open (bracket", "A (b (c)) d", "Café (Acústico)", "", "   ",
    ]
    rows = []
    for t in cases + pick(titles) + pick(marked):
        rows.append({"title": t, "title_marker": _num(derive.title_marker(t)),
                     "featured_artists": _num(derive.featured_artists(t))})
    albums_rows = [{"album": a, "album_marker": _num(derive.album_marker(a))}
                   for a in ["Positions (Deluxe)", "Greatest Hits", "MTV Unplugged", "1989", ""] + pick(albums)]
    genre_rows = []
    for g in ["rap", "contemporary country", "k-pop boy group", "jazz", "pop rap, rap, hip hop"] + pick(genres):
        names = [x.strip(" '\"") for x in g.strip("[] ").split(",")]
        genre_rows.append({"names": names, "genre": _num(derive.coarse_genre_names(names))})
    credits = [{"title": "Song (feat. B)", "artists": ["A", "B", "C"], "featured_artists": 2.0},
               {"title": None, "artists": ["A"], "featured_artists": 0.0},
               {"title": None, "artists": [], "featured_artists": None}]
    for c in credits:
        assert _num(derive.featured_artists(c["title"], c["artists"] or None)) == c["featured_artists"]
    return {"titles": rows, "albums": albums_rows, "genres": genre_rows, "credits": credits}


def _num(v):
    return None if v != v else float(v)
