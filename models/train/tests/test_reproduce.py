"""The committed models/hitcast.onnx is what the pipeline makes from ../shared/data.

Retrains on the real data (a few minutes) and compares with the committed parity fixture.
Float results can differ in the last bits between CPUs (BLAS kernels), so predictions are
compared with a tolerance rather than the file's sha256. Model 2 failed this on an AVX-512 CPU
(its students were trained in float32: up to 0.21 apart); since model 3 the trees are trained in
LightGBM's deterministic mode and the students in float64, and this test passed with OpenBLAS's
SkylakeX (AVX-512) and Haswell (AVX2) kernels on the same clone (see the model card).
"""

import json
import os
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from hitcast_train import model, pipeline

MODELS = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("HITCAST_DATA", MODELS.parent.parent / "shared" / "data"))


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "tidytuesday-2020").exists(), reason=f"training data not at {DATA}")
def test_committed_model_is_the_pipelines(tmp_path):
    results = pipeline.run(DATA, None, [], DATA / "seed-model", tmp_path, model.Config(), "check",
                           compare_random=False, loso=False,
                           recipe_baselines=False)
    committed = json.loads((MODELS / "fixtures/parity.json").read_text())
    X = np.array([[np.nan if v is None else v for v in r] for r in committed["rows"]], np.float32)
    sess = ort.InferenceSession(str(tmp_path / "hitcast.onnx"), providers=["CPUExecutionProvider"])
    probs, pop, interval = sess.run(None, {"features": X})
    print(f"retrained vs committed: band_probs {np.abs(probs - np.array(committed['band_probs'])).max():.2e}, "
          f"popularity {np.abs(pop[:, 0] - np.array(committed['popularity'])).max():.2e}, "
          f"interval {np.abs(interval - np.array(committed['interval'])).max():.2e}")
    assert np.abs(probs - np.array(committed["band_probs"])).max() < 1e-3
    assert np.abs(pop[:, 0] - np.array(committed["popularity"])).max() < 0.05
    assert np.abs(interval - np.array(committed["interval"])).max() < 0.1
    card = (MODELS / "MODEL_CARD.md").read_text()
    assert f"{results.grouped['Hitcast']['accuracy']:.3f}" in card
