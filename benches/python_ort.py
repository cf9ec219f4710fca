"""Python onnxruntime running the bare model on the same file and the same inputs as
`cargo bench --bench predict` (one thread, one core): the side-by-side reference of
`scripts/bench-vs-python.sh`. Prints one JSON line."""

import json
import sys
import time

import numpy as np
import onnxruntime as ort

NAMES = ["danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness", "instrumentalness",
         "liveness", "valence", "tempo", "time_signature", "duration_ms", "artist_popularity", "genre",
         "years_since_release", "title_marker", "album_marker", "featured_artists"]


def track(i: int) -> list:
    """benches/predict.rs's `track(i)`, value for value."""
    x = (i % 97) / 97.0
    row = dict(danceability=x, energy=1.0 - x, key=float(i % 12), loudness=-3.0 - 10.0 * x, mode=float(i % 2),
               speechiness=0.05, acousticness=x / 2.0, instrumentalness=0.0, liveness=0.1, valence=x,
               tempo=90.0 + 60.0 * x, duration_ms=180_000.0 + 1000.0 * (i % 60))
    if i % 3 != 0:
        row["artist_popularity"] = 40.0 + (i % 50)
    return [row.get(n, np.nan) for n in NAMES]


def main(path: str) -> None:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.set_denormal_as_zero", "1")
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    one = np.array([track(1)], np.float32)
    batch = np.array([track(i) for i in range(1024)], np.float32)

    def timed(x, reps):
        for _ in range(max(10, reps // 10)):
            sess.run(None, {"features": x})
        samples = []
        for _ in range(reps):
            t = time.perf_counter()
            sess.run(None, {"features": x})
            samples.append(time.perf_counter() - t)
        return float(np.median(samples))

    t1 = timed(one, 20000)
    tb = timed(batch, 400)
    print(json.dumps({"one_track_us": t1 * 1e6, "batch_1024_ms": tb * 1e3, "batch_tracks_per_s": 1024 / tb}))


if __name__ == "__main__":
    main(sys.argv[1])
