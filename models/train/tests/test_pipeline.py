"""End to end on synthetic data: the ONNX contract the Rust core relies on."""

import hashlib
from dataclasses import replace
import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from hitcast_train import data, distill, features, model, pipeline

QUICK = model.Config(num_leaves=7, classifier_rounds=20, regressor_rounds=20, min_child_samples=5, max_iter=40)
OUT2 = ["band_probs", "popularity"]
QUICK_STUDENT = distill.StudentConfig(hidden=(16, 8), max_iter=60, copies=1)


@pytest.fixture(scope="module")
def trained(data_dir, seed_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("model")
    results = pipeline.run(data_dir, None, [], seed_dir, out, QUICK, "test-1", parity_rows=50,
                           student=QUICK_STUDENT)
    return out, results


@pytest.fixture(scope="module")
def session(trained):
    out, _ = trained
    return ort.InferenceSession(str(out / "hitcast.onnx"), providers=["CPUExecutionProvider"])


def _rows(n=20, seed=0):
    rng = np.random.default_rng(seed)
    X = np.zeros((n, len(features.NAMES)), np.float32)
    for i, f in enumerate(features.FEATURES):
        lo, hi = f["min"], min(f["max"], 300_000 if f["name"] == "duration_ms" else f["max"])
        X[:, i] = rng.uniform(lo, hi, n)
        if f["kind"] == "categorical":
            X[:, i] = np.round(X[:, i])
    return X


def test_contract_inputs_outputs(session):
    (inp,) = session.get_inputs()
    assert inp.name == "features" and inp.type == "tensor(float)"
    assert inp.shape[1] == len(features.NAMES)
    outs = {o.name: o for o in session.get_outputs()}
    assert set(outs) == {"band_probs", "popularity", "interval"}
    assert outs["band_probs"].shape[1] == 4 and outs["popularity"].shape[1] == 1
    assert outs["interval"].shape[1] == 2


def test_schema_metadata_round_trips(trained):
    out, results = trained
    m = onnx.load(out / "hitcast.onnx")
    props = {p.key: p.value for p in m.metadata_props}
    assert set(props) == {"hitcast.schema", "hitcast.version", "hitcast.trained_on", "hitcast.metrics",
                          "hitcast.derive", "hitcast.decision", "hitcast.interval"}
    schema = json.loads(props["hitcast.schema"])
    assert [f["name"] for f in schema["features"]] == features.NAMES
    assert schema["missing"] == "NaN" and schema["min_inputs"] == 1
    assert not any(f["required"] for f in schema["features"])  # every input optional since model 3
    interval = json.loads(props["hitcast.interval"])
    assert interval["level"] == 0.8 and len(interval["bounds"]) == len(distill.GROUPS)
    assert all(lo <= 0 <= hi for lo, hi in interval["bounds"])
    for f in schema["features"]:
        assert f["min"] <= f["p25"] <= f["p50"] <= f["p75"] <= f["max"], f["name"]
        assert {"unit", "required", "kind", "fill", "description"} <= set(f)
    assert props["hitcast.version"] == "test-1"
    assert json.loads(props["hitcast.trained_on"])["tracks_after_cleaning"] == results.rows
    assert 0 <= json.loads(props["hitcast.metrics"])["accuracy"] <= 1


def test_band_probs_sum_to_one_and_popularity_in_range(session):
    probs, pop = session.run(OUT2, {"features": _rows(64)})
    assert probs.shape == (64, 4) and pop.shape == (64, 1)
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    assert (probs >= 0).all()
    assert ((pop >= 0) & (pop <= 100)).all()


def test_missing_optional_values_are_handled(session):
    X = _rows(16)
    Xm = X.copy()
    for name in ("artist_popularity", "time_signature", "genre", "years_since_release"):
        Xm[:, features.NAMES.index(name)] = np.nan
    probs, pop = session.run(OUT2, {"features": Xm})
    assert np.isfinite(probs).all() and np.isfinite(pop).all()
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    known, _ = session.run(OUT2, {"features": X})
    assert not np.allclose(known, probs)  # the "unknown" members answer, not a filled-in value


def test_artist_popularity_matters_when_known(session):
    X = np.repeat(_rows(1), 2, axis=0)
    X[0, features.ARTIST_POPULARITY] = 5
    X[1, features.ARTIST_POPULARITY] = 95
    _, pop = session.run(OUT2, {"features": X})
    assert pop[1, 0] > pop[0, 0]  # synthetic popularity grows with artist popularity


def test_graph_matches_numpy_and_students_follow_their_teacher(data_dir):
    """The hand-built graph computes what `Distilled.predict` computes in NumPy, routes each row
    to its student, and the students stay close to the trees they learned from."""
    df, _ = data.load(data_dir)
    X, y = features.matrix(df), data.band(df["popularity"])
    pop = df["popularity"].to_numpy(np.float32)
    teacher = model.fit(X[:500], y[:500], pop[:500], X[500:], y[500:], pop[500:], QUICK, log=lambda _: None)
    d = distill.distill(teacher, X[:500], QUICK, QUICK_STUDENT, log=lambda _: None)
    sess = ort.InferenceSession(distill.to_onnx(d, {}).SerializeToString(), providers=["CPUExecutionProvider"])
    Xt = X[500:540].copy()
    Xt[::2, features.ARTIST_POPULARITY] = np.nan
    Xt[::3, features.GENRE] = np.nan
    Xt[::5, features.NAMES.index("title_marker")] = np.nan
    probs, popularity = sess.run(OUT2, {"features": Xt})
    ref, ref_pop = d.predict(Xt)
    assert np.allclose(probs, ref, atol=1e-5)
    assert np.allclose(popularity[:, 0], ref_pop, atol=1e-3)
    tp, tpop = teacher.predict(Xt)
    assert np.abs(popularity[:, 0] - tpop).mean() < 10  # synthetic popularity spans 1-100
    # each row goes to its own student: a row answers the same alone as in a mixed batch
    for i in (0, 1):
        p1, q1 = sess.run(OUT2, {"features": Xt[i : i + 1]})
        assert np.allclose(p1[0], probs[i], atol=1e-6) and np.allclose(q1[0], popularity[i], atol=1e-4)
    # (an empty batch is never run: ONNX Runtime 1.31 dies of SIGFPE on this graph with N = 0, and
    # the Rust core returns early for zero rows; see `Model::run`)


def test_every_input_pattern_is_answered_with_an_interval(session):
    """Only a file's five audio features, only the five perceptual ones, no audio, nothing but
    artist popularity: each row gets finite outputs from the inputs it has, and an interval that
    holds the expected popularity."""
    X = np.repeat(_rows(1), 5, axis=0)
    keep = [features.FROM_FILE, features.FIVE_PERCEPTUAL, [], list(features.AUDIO), []]
    X = np.stack([model.keep_only(X[i : i + 1], np.ones(1, bool), k)[0] for i, k in enumerate(keep)])
    X[4, :] = np.nan
    X[4, features.ARTIST_POPULARITY] = 60
    probs, pop, interval = session.run(None, {"features": X})
    assert np.isfinite(probs).all() and np.isfinite(pop).all() and np.isfinite(interval).all()
    assert ((interval[:, 0] <= pop[:, 0] + 1e-4) & (pop[:, 0] <= interval[:, 1] + 1e-4)).all()
    assert len({round(float(v), 4) for v in pop[:, 0]}) > 1  # the inputs given change the answer


def test_interval_graph_matches_numpy_per_group(data_dir):
    df, _ = data.load(data_dir)
    X, y = features.matrix(df), data.band(df["popularity"])
    pop = df["popularity"].to_numpy(np.float32)
    teacher = model.fit(X[:500], y[:500], pop[:500], X[500:], y[500:], pop[500:], QUICK, log=lambda _: None)
    d = distill.distill(teacher, X[:500], QUICK, QUICK_STUDENT, log=lambda _: None)
    distill.fit_interval(d, X[500:], pop[500:])
    assert d.bounds.shape == (6, 2) and (d.bounds[:, 0] <= d.bounds[:, 1]).all()
    Xc = distill.pattern_copies(X[500:540])
    assert set(distill.group(Xc)) == set(range(6))  # every group is represented
    sess = ort.InferenceSession(distill.to_onnx(d, {}).SerializeToString(), providers=["CPUExecutionProvider"])
    _, q, interval = sess.run(None, {"features": Xc})
    assert np.allclose(interval, d.interval(Xc, q[:, 0]), atol=1e-4)
    # calibrated on rows like these: the held-out rows' own coverage is near the level
    _, qv, iv = sess.run(None, {"features": distill.pattern_copies(X[500:])})
    yv = np.tile(pop[500:], 8)
    assert 0.7 <= ((yv >= iv[:, 0]) & (yv <= iv[:, 1])).mean() <= 0.95


def test_the_trees_never_predict_less_for_a_more_popular_artist(data_dir):
    """Even where the data bends down at the top (as divss98's deep cuts of very popular artists
    do): the unconstrained trees follow it, the shipped configuration does not."""
    df, _ = data.load(data_dir)
    X, y = features.matrix(df), data.band(df["popularity"])
    pop = df["popularity"].to_numpy(np.float32).copy()
    ap = X[:, features.ARTIST_POPULARITY]
    top = ap > 60
    pop[top] = np.clip(150 - 1.5 * ap[top], 1, 100)  # more popular artist, less popular track
    rows = np.repeat(X[500:520], 21, axis=0)
    rows[:, features.ARTIST_POPULARITY] = np.tile(np.linspace(0, 100, 21), 20)
    rows = model.keep_only(rows, np.repeat(np.arange(20) % 2 == 1, 21), features.FROM_FILE)  # patterns too

    def steps(cfg):
        teacher = model.fit(X[:500], y[:500], pop[:500], X[500:], y[500:], pop[500:], cfg, log=lambda _: None)
        return np.diff(teacher.regressor_known.predict(model.tree_inputs(rows, True)).reshape(20, 21), axis=1)

    free = replace(QUICK, monotone_artist_popularity=False)
    assert steps(free).min() < -1  # the data does bend down
    assert (steps(QUICK) >= -1e-9).all()


def test_training_needs_all_four_bands():
    X = np.zeros((8, len(features.NAMES)), np.float32)
    with pytest.raises(ValueError, match="all four bands"):
        model.fit(X, np.array([0, 1, 2, 0, 1, 2, 0, 1]), np.ones(8), X, np.zeros(8, int), np.ones(8), QUICK)


def test_parity_fixture_and_card(trained, session):
    out, results = trained
    blob = (out / "hitcast.onnx").read_bytes()
    sha = hashlib.sha256(blob).hexdigest()
    assert results.sha256 == sha
    assert sha in (out / "MODEL_CARD.md").read_text()
    fx = json.loads((out / "fixtures/parity.json").read_text())
    assert fx["model_sha256"] == sha and fx["features"] == features.NAMES
    X = np.array([[np.nan if v is None else v for v in r] for r in fx["rows"]], np.float32)
    assert np.isnan(X[:, features.ARTIST_POPULARITY]).any()
    probs, pop = session.run(OUT2, {"features": X})
    assert np.allclose(probs, fx["band_probs"], atol=1e-6)
    assert np.allclose(pop[:, 0], fx["popularity"], atol=1e-4)
    ids = (out / "test_split_ids.txt").read_text().splitlines()[1:]
    assert len(ids) == results.split["test"]
    assert (out / "reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_card_reports_every_baseline(trained):
    out, results = trained
    card = (out / "MODEL_CARD.md").read_text()
    for name in ("majority band", "constant training mean", "original model (shipped)",
                 "original recipe, retrained", "Hitcast, artist popularity unknown",
                 "Hitcast, without title and album"):
        assert f"| {name} |" in card
    # ranking, leave-one-source-out and the breakdowns are measured and shown
    h = results.grouped["Hitcast"]
    for key in ("spearman", "within_artist", "within_album", "decision_rule"):
        assert key in h
    assert 0 <= h["within_album"]["top_pick"]["mean"] <= 1
    assert set(results.leave_one_source_out) == {"divss98-2022", "tidytuesday-2020", "michelle-2024"}
    assert set(results.breakdown) == {"genre", "age", "source"}
    for section in ("### Ranking", "### Leave one source out", "### Targets", "album top pick"):
        assert section in card
    assert "Developer Policy" in card
    assert set(results.random) == {"original recipe, retrained", "Hitcast"}
