"""The whole pipeline: data → splits → baselines and Hitcast → ONNX, card, fixtures."""

from __future__ import annotations

import hashlib
import json
import sys
import time
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
import onnxruntime as ort
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from . import card, data, features, metrics, model, seed, split


def log(msg: str) -> None:
    print(f"[hitcast-train {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_onnx(m, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    probs, pop = sess.run(["band_probs", "popularity"], {"features": X.astype(np.float32)})
    return probs, pop[:, 0]


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


def hitcast(df, tr, y, X, cfg):
    """Fit Hitcast on `tr`, holding out 15% of its artists to fit the temperature."""
    sub = df.iloc[tr]
    fit_i, val_i = split.grouped(sub, test_size=0.15, seed=cfg.seed + 1)
    fit_i, val_i = tr[fit_i], tr[val_i]
    pop = df["popularity"].to_numpy(dtype=np.float32)
    return model.fit(X[fit_i], y[fit_i], pop[fit_i], X[val_i], y[val_i], cfg, log=log)


def run(data_dir, kaggle, artists, seed_dir, out: Path, cfg: model.Config, version: str,
        parity_rows: int = 300, compare_random: bool = True) -> dict:
    t0 = time.time()
    out = Path(out)
    (out / "fixtures").mkdir(parents=True, exist_ok=True)
    log("reading data")
    df, report = data.load(data_dir, kaggle, artists)
    log(f"{len(df)} tracks after cleaning: {report.as_dict()}")
    y = data.band(df["popularity"])
    pop = df["popularity"].to_numpy(dtype=float)
    X = features.matrix(df)
    tr, te = split.grouped(df, seed=cfg.seed)
    assert not set(df["artist_key"].iloc[tr]) & set(df["artist_key"].iloc[te])

    results: dict = {"report": report.as_dict(), "rows": int(len(df)),
                     "split": {"train": int(len(tr)), "test": int(len(te)), "seed": cfg.seed}}
    ev: dict = {}
    ev["majority class"] = metrics.evaluate(
        np.eye(4)[np.full(len(te), np.bincount(y[tr], minlength=4).argmax())], y[te],
        pop[te], np.full(len(te), pop[tr].mean()))

    curves = {}
    seed_cols = None
    if seed_dir is not None and Path(seed_dir).exists():
        log("scoring the original shipped model")
        sm = seed.SeedModel(seed_dir)
        seed_cols = sm.columns
        p = sm.predict_proba(df.iloc[te])
        ev["original model (shipped)"] = metrics.evaluate(p, y[te], pop[te])
    cols = seed_cols or (seed.NUMERIC + ["genre_pop", "genre_rock", "genre_hip-hop", "genre_edm"])
    log("retraining the original recipe (MLP 80-80-80)")
    p = recipe(df, tr, te, cols, y, cfg, cfg.max_iter)
    ev["original recipe, retrained"] = metrics.evaluate(p, y[te], pop[te])
    curves["original recipe, retrained"] = (p, y[te])
    # The same recipe without time_signature: its presence identifies the data source (see card).
    no_ts = df.assign(time_signature=np.nan)
    p = recipe(no_ts, tr, te, cols, y, cfg, cfg.max_iter)
    ev["original recipe, retrained, no time_signature"] = metrics.evaluate(p, y[te], pop[te])

    log("training Hitcast")
    fitted = hitcast(df, tr, y, X, cfg)
    bare = model.to_onnx(fitted, {})
    probs, pred_pop = run_onnx(bare, X[te])
    ev["Hitcast"] = metrics.evaluate(probs, y[te], pop[te], pred_pop)
    curves["Hitcast"] = (probs, y[te])
    ap = features.ARTIST_POPULARITY
    probs_m, pop_m = run_onnx(bare, model.withhold_artist_popularity(X[te]))
    ev["Hitcast, artist popularity unknown"] = metrics.evaluate(probs_m, y[te], pop[te], pop_m)
    known = ~np.isnan(X[te][:, ap])
    ev["Hitcast, test rows with artist popularity"] = metrics.evaluate(
        probs[known], y[te][known], pop[te][known], pred_pop[known])
    results["grouped"] = ev
    results["training"] = fitted.notes

    if compare_random:
        log("the seed's way: random stratified 75/25")
        rtr, rte = split.random_stratified(y, seed=cfg.seed)
        rnd = {"original recipe, retrained": metrics.evaluate(
            recipe(df, rtr, rte, cols, y, cfg, cfg.max_iter), y[rte], pop[rte])}
        rf = hitcast(df, rtr, y, X, cfg)
        rp, rpop = run_onnx(model.to_onnx(rf, {}), X[rte])
        rnd["Hitcast"] = metrics.evaluate(rp, y[rte], pop[rte], rpop)
        results["random"] = rnd

    schema = features.schema(X[tr], fitted.fill)
    trained_on = {"sources": report.rows_read, "tracks_after_cleaning": int(len(df)),
                  "train_rows": int(len(tr)), "test_rows": int(len(te)),
                  "split": "grouped by artist, 75/25, seed %d" % cfg.seed}
    h = ev["Hitcast"]
    headline = {k: h[k] for k in ("accuracy", "macro_f1", "band_f1", "ece", "mae", "r2")}
    headline["artist_popularity_unknown"] = {
        k: ev["Hitcast, artist popularity unknown"][k] for k in ("accuracy", "macro_f1", "ece", "mae", "r2")}
    headline["split"] = "grouped by artist"
    meta = {
        "hitcast.schema": features.dumps(schema),
        "hitcast.version": version,
        "hitcast.trained_on": features.dumps(trained_on),
        "hitcast.metrics": features.dumps(headline),
    }
    final = model.to_onnx(fitted, meta)
    blob = final.SerializeToString()
    (out / "hitcast.onnx").write_bytes(blob)
    sha = hashlib.sha256(blob).hexdigest()
    results.update(sha256=sha, size_bytes=len(blob), version=version, config=asdict(cfg))
    log(f"wrote {out / 'hitcast.onnx'} ({len(blob)} bytes, sha256 {sha[:12]}…)")

    # Test split manifest and parity fixture.
    (out / "test_split_ids.txt").write_text(
        "# track ids of the grouped test split (seed %d)\n" % cfg.seed
        + "\n".join(df["track_id"].iloc[te].astype(str)) + "\n")
    rng = np.random.default_rng(cfg.seed)
    pick = rng.choice(len(te), size=min(parity_rows, len(te)), replace=False)
    P = X[te][pick].copy()
    P[: len(P) // 3, ap] = np.nan  # a third with unknown artist popularity
    pp, ppop = run_onnx(final, P)
    fixture = {
        "model_sha256": sha,
        "features": features.NAMES,
        "rows": [[None if np.isnan(v) else float(v) for v in row] for row in P],
        "band_probs": pp.astype(float).tolist(),
        "popularity": ppop.astype(float).tolist(),
    }
    (out / "fixtures" / "parity.json").write_text(json.dumps(fixture))

    metrics.reliability_diagram(curves, out / "reliability.png")
    results["seconds"] = round(time.time() - t0, 1)
    (out / "metrics.json").write_text(json.dumps(results, indent=1))
    (out / "MODEL_CARD.md").write_text(card.render(results, schema))
    log(f"done in {results['seconds']} s")
    return results
