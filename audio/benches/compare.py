"""The audio analysis against librosa + pyloudnorm, the issue's targets (BENCHMARKS.md):

1. a 3-minute 44.1 kHz stereo MP3 (real music: the shared clips, concatenated, encoded at
   192 kbit/s): `hitcast analyse` (release, one core) against librosa + pyloudnorm doing the same
   measurements (load, loudness, tempo, chroma key) on the same file, one core, in the same run;
2. the peak memory of `hitcast analyse` on a 10-minute MP3;
3. `hitcast rank` of a folder of ten 3-minute MP3s, end to end (analysis + ranking), two cores.

Run from the repository root with the pipeline's venv (PyAV, librosa and pyloudnorm are in it):
    cargo build --release --bin hitcast
    PYTHONPATH=models/train models/train/.venv/bin/python audio/benches/compare.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from hitcast_train import audio_files as af  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HITCAST = Path(os.environ.get("HITCAST_BIN", ROOT / "target" / "release" / "hitcast"))
CLIPS = ROOT.parent / "shared" / "audio"
MUSIC = ["Karissa_Hobbs_-_Lets_Go_Fishin.ogg", "Kevin_MacLeod_-_Vibe_Ace.ogg",
         "Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy.ogg"]


def music(seconds: float, offset: int = 0) -> np.ndarray:
    """Real music, `seconds` long (stereo, resampled to 44.1 kHz): the clips one after another,
    rotated by `offset`."""
    parts = []
    for name in MUSIC[offset % 3:] + MUSIC[: offset % 3]:
        x, rate = af.decode(CLIPS / name)
        if rate != af.RATE:
            import soxr

            x = soxr.resample(x.T, rate, af.RATE).T
        parts.append(x if x.shape[0] == 2 else np.vstack([x[0], x[0]]))
    x = np.concatenate(parts, axis=1)
    n = int(seconds * af.RATE)
    return np.tile(x, (1, -(-n // x.shape[1])))[:, :n].T


def best_of(n: int, f) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def librosa_pyloudnorm(path: Path) -> tuple:
    import librosa
    import pyloudnorm

    y, sr = librosa.load(str(path), sr=None, mono=False)
    lufs = pyloudnorm.Meter(sr).integrated_loudness(y.T)
    mono = librosa.to_mono(y)
    tempo = librosa.feature.tempo(y=mono, sr=sr)[0]
    chroma = librosa.feature.chroma_cqt(y=mono, sr=sr).mean(axis=1)
    return lufs, tempo, chroma


def peak_rss_mb(cmd: list[str]) -> float:
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, check=True)
    return int(out.stderr.strip().splitlines()[-1]) / 1024


def main() -> None:
    assert HITCAST.exists(), f"build it first: cargo build --release --bin hitcast ({HITCAST})"
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        three = af.encode(music(180.0), d / "three-minutes.mp3", bitrate=192_000)
        print(f"3-minute MP3: {three.stat().st_size / 1e6:.1f} MB")
        one_core = ["taskset", "-c", "0"]
        ours = best_of(5, lambda: subprocess.run([*one_core, str(HITCAST), "analyse", "--json", str(three)],
                                                  check=True, capture_output=True))
        os.sched_setaffinity(0, {0})
        librosa_pyloudnorm(three)  # numba's compilation, once
        theirs = best_of(3, lambda: librosa_pyloudnorm(three))
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        print(f"analyse, one core, best of 5: hitcast {ours:.3f} s; librosa + pyloudnorm (best of 3, after a warm-up) "
              f"{theirs:.3f} s: {theirs / ours:.1f}× (targets: ≤ 1 s, ≥ 5×)")

        ten = af.encode(music(600.0, 1), d / "ten-minutes.mp3", bitrate=192_000)
        rss = peak_rss_mb([str(HITCAST), "analyse", str(ten)])
        rss3 = peak_rss_mb([str(HITCAST), "analyse", str(three)])
        print(f"peak RSS of hitcast analyse: 10-minute MP3 {rss:.1f} MB, 3-minute {rss3:.1f} MB (target ≤ 64 MB)")

        album = d / "album"
        album.mkdir()
        for i in range(10):
            af.encode(music(180.0, i), album / f"song-{i + 1:02}.mp3", bitrate=192_000)
        rank = best_of(3, lambda: subprocess.run([str(HITCAST), "rank", str(album)], check=True, capture_output=True))
        rss_rank = peak_rss_mb([str(HITCAST), "rank", str(album)])
        print(f"hitcast rank of 10 × 3-minute MP3s, 2 cores, best of 3: {rank:.2f} s, peak RSS {rss_rank:.1f} MB "
              f"(target ≤ 10 s)")


if __name__ == "__main__":
    sys.exit(main())
