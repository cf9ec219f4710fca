"""`python -m hitcast_train --help`; normally run through `models/train/train.sh`."""

import argparse
from pathlib import Path

from . import model, pipeline

ROOT = Path(__file__).resolve().parents[2]  # models/


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="hitcast-train", description="Train Hitcast's popularity model.")
    ap.add_argument("--data", type=Path, default=ROOT.parent.parent / "shared" / "data",
                    help="data folder laid out like ../shared/data (default: %(default)s)")
    ap.add_argument("--kaggle", type=Path, help="Kaggle 'Spotify 1 Million Tracks' spotify_data.csv")
    ap.add_argument("--artists", type=Path, action="append", default=[],
                    help="artist popularity CSV (artist_name,popularity); repeatable")
    ap.add_argument("--seed-model", type=Path, default=None,
                    help="the original model folder (default: DATA/seed-model)")
    ap.add_argument("--out", type=Path, default=ROOT, help="where to write the model (default: %(default)s)")
    ap.add_argument("--version", default="3.0.0")
    ap.add_argument("--previous", type=Path, default=ROOT / "previous" / "hitcast-2.0.0.onnx",
                    help="the previous shipped model, scored on the test rows it can (default: %(default)s)")
    ap.add_argument("--no-random-split", action="store_true", help="skip the random-split comparison")
    a = ap.parse_args(argv)
    data_dir = a.data if a.data and a.data.exists() else None
    if data_dir is None and a.kaggle is None:
        ap.error(f"data folder {a.data} not found; pass --data DIR or --kaggle spotify_data.csv")
    seed_dir = a.seed_model or (data_dir / "seed-model" if data_dir else None)
    r = pipeline.run(data_dir, a.kaggle, a.artists, seed_dir, a.out, model.Config(), a.version,
                     compare_random=not a.no_random_split, previous=a.previous)
    h = r.grouped["Hitcast"]
    print(f"accuracy {h['accuracy']:.3f}  macro-F1 {h['macro_f1']:.3f}  MAE {h['mae']:.2f}  "
          f"ECE {h['ece']:.3f}  sha256 {r.sha256}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
