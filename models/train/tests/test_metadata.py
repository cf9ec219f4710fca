"""The metadata dataclasses the pipeline writes have the fields the core's structs read
(src/metadata.rs): a field renamed or dropped on either side fails here."""

import dataclasses
import re
from pathlib import Path

from hitcast_train import metadata

RUST = Path(__file__).resolve().parents[3] / "src" / "metadata.rs"


def rust_fields(struct: str) -> set:
    text = RUST.read_text()
    body = re.search(r"pub struct %s \{(.*?)\n\}" % struct, text, re.S).group(1)
    return set(re.findall(r"pub (\w+):", body))


def py_fields(cls) -> set:
    return {f.name for f in dataclasses.fields(cls)}


def test_dataclasses_match_the_rust_structs():
    assert py_fields(metadata.TrainedOn) == rust_fields("TrainedOn") - {"other"}
    assert py_fields(metadata.Scores) == rust_fields("Scores")
    assert py_fields(metadata.IntervalScores) == rust_fields("IntervalScores")
    assert py_fields(metadata.Metrics) == rust_fields("Metrics")


def test_metrics_json_is_flat_with_the_scores_and_passes_other_keys_through():
    s = metadata.Scores(accuracy=0.5, macro_f1=0.4, mae=12.0, r2=0.2, ece=0.01)
    m = metadata.Metrics(scores=s, band_f1=[0.1, 0.2, 0.3, 0.4], artist_popularity_unknown=s,
                         interval=metadata.IntervalScores(coverage=0.8, median_width=40.0, rows=10),
                         close_call_points=5.0, top_pick_rate=0.17, top_pick_chance=0.14,
                         other={"spearman": 0.5})
    j = m.to_json()
    assert j["accuracy"] == 0.5 and j["artist_popularity_unknown"]["mae"] == 12.0
    assert j["interval"]["coverage"] == 0.8 and j["spearman"] == 0.5
    assert "scores" not in j and "other" not in j
