"""The Python stack doing `hitcast predict big.csv --json`'s job, the usual way: pandas reads the
CSV, onnxruntime runs the model in batches, the predictions are written as one JSON document
(name, band probabilities, band, expected popularity, interval). The reference of
`cargo bench --bench catalogue`. Usage: catalogue.py TRACKS.csv MODEL.onnx (JSON to stdout)."""

import json
import sys

import numpy as np
import onnxruntime as ort
import pandas as pd

BANDS = ["0-25", "26-50", "51-75", "76-100"]


def main(path: str, model: str) -> None:
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    schema = json.loads(sess.get_modelmeta().custom_metadata_map["hitcast.schema"])
    df = pd.read_csv(path)
    cols = []
    for f in schema["features"]:
        name = f["name"]
        if name not in df:
            cols.append(np.full(len(df), np.nan, np.float32))
        elif f.get("labels"):  # genre: a label's index
            codes = {label: i for i, label in enumerate(f["labels"])}
            cols.append(df[name].map(codes).to_numpy(np.float32))
        else:
            cols.append(df[name].to_numpy(np.float32))
    x = np.stack(cols, axis=1)
    probs, pops, intervals = [], [], []
    for start in range(0, len(x), 65536):
        p, pop, interval = sess.run(None, {"features": x[start:start + 65536]})
        probs.append(p)
        pops.append(pop[:, 0])
        intervals.append(interval)
    probs, pops, intervals = np.concatenate(probs), np.concatenate(pops), np.concatenate(intervals)
    out = pd.DataFrame({
        "name": df["name"],
        "band_probs": list(probs),
        "band": np.array(BANDS)[probs.argmax(axis=1)],
        "expected_popularity": pops,
        "interval": list(intervals),
    })
    sys.stdout.write('{"bands": ' + json.dumps(BANDS) + ', "predictions": ')
    sys.stdout.write(out.to_json(orient="records"))
    sys.stdout.write("}\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
