"""The Rust audio analysis (`hitcast analyse --json`) side by side with librosa (tempo, chroma
key) and pyloudnorm (EBU R128 / BS.1770 loudness) on the same files: the shared clips
(../shared/audio), signals with known truth (click tracks, keys, sines and pink noise at known
levels) and the MP3/M4A/FLAC fixtures. The table is written to
target/test-artifacts/audio-crosscheck.md (BENCHMARKS.md quotes it).

Asserted: loudness within 1 dB of pyloudnorm on every file; on the signals with known truth,
hitcast's tempo within 4% (or an exact factor 2) and its key exact. Where the two analysers
disagree on a real clip, the table says so; neither is the truth there.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from hitcast_train import audio_files as af

ROOT = Path(__file__).resolve().parents[3]
CLIPS = ROOT.parent / "shared" / "audio"
STATED = {
    "sorohanro_-_solo-trumpet-06.ogg": "F, 90 bpm",
    "Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra).ogg": "F♯ minor",
    "Kevin_MacLeod_-_P_I_Tchaikovsky_Dance_of_the_Sugar_Plum_Fairy.ogg": "E minor",
    "Kevin_MacLeod_-_Vibe_Ace.ogg": "—",
    "Karissa_Hobbs_-_Lets_Go_Fishin.ogg": "—",
    "198-209-0000.ogg": "speech",
}
NAMES = ["C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B"]
# Krumhansl–Kessler key profiles: the same method as the Rust side, over librosa's chroma
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@pytest.fixture(scope="module")
def hitcast() -> Path:
    """The CLI: $HITCAST_BIN, or the workspace's debug build (built here if missing)."""
    if os.environ.get("HITCAST_BIN"):
        return Path(os.environ["HITCAST_BIN"])
    subprocess.run(["cargo", "build", "--quiet", "--bin", "hitcast"], cwd=ROOT, check=True)
    return ROOT / "target" / "debug" / "hitcast"


def ours(hitcast: Path, paths: list[Path]) -> dict[str, dict]:
    out = subprocess.run([str(hitcast), "analyse", "--json", *map(str, paths)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return {Path(a["file"]).name: a for a in json.loads(out.stdout)}


def theirs(path: Path) -> dict:
    """librosa's tempo and chroma key, pyloudnorm's integrated loudness, on the file decoded by
    FFmpeg (PyAV) at its own rate: all channels for loudness, their mean for the rest."""
    import librosa
    import pyloudnorm

    y, sr = af.decode(path)
    mono = y.mean(axis=0)
    lufs = pyloudnorm.Meter(sr).integrated_loudness(y.T if y.shape[0] > 1 else y[0])
    tempo = float(librosa.feature.tempo(y=mono, sr=sr)[0])
    chroma = librosa.feature.chroma_cqt(y=mono, sr=sr).mean(axis=1)
    r, key, mode = max(
        (float(np.corrcoef(np.roll(p, k), chroma)[0, 1]), k, m)
        for m, p in ((1, KK_MAJOR), (0, KK_MINOR))
        for k in range(12)
    )
    return {"loudness": lufs if np.isfinite(lufs) else None, "tempo": tempo, "key": key, "mode": mode, "r": r}


def key_name(key, mode) -> str:
    return "—" if key is None else f"{NAMES[key]} {'major' if mode == 1 else 'minor'}"


def tempo_agrees(a, b) -> str:
    if a is None or b is None:
        return "—"
    ratio = a / b
    for f, word in ((1.0, "same"), (2.0, "×2"), (0.5, "×½")):
        if abs(ratio / f - 1) <= 0.04:
            return word
    return f"×{ratio:.2f}"


def key_agrees(a: tuple, b: tuple) -> str:
    if a[0] is None or b[0] is None:
        return "—"
    if a == b:
        return "same"
    (ka, ma), (kb, mb) = a, b
    if ma != mb and (ka - kb) % 12 == (3 if ma == 0 else 9):
        return "relative"
    if ma == mb and (ka - kb) % 12 in (5, 7):
        return "dominant"
    return "differ"


@pytest.fixture(scope="module")
def truth_files(tmp_path_factory) -> list[tuple[Path, dict]]:
    """Signals with known truth, as WAV files."""
    import soundfile as sf

    d = tmp_path_factory.mktemp("truth")
    out = []
    for bpm in (60, 90, 120, 150, 180):
        p = d / f"clicks-{bpm}.wav"
        sf.write(p, af.clicks(bpm, 20.0), af.RATE, subtype="PCM_16")
        out.append((p, {"tempo": bpm}))
    for key, major in ((0, True), (6, False), (9, False), (10, True)):
        p = d / f"key-{NAMES[key]}-{'major' if major else 'minor'}.wav"
        sf.write(p, af.in_key(key, major), af.RATE, subtype="PCM_16")
        out.append((p, {"key": key, "mode": int(major)}))
    t = np.arange(10 * af.RATE) / af.RATE
    for db in (-23.0, -33.0):
        p = d / f"sine-1k-{int(-db)}dBFS.wav"
        s = 10 ** (db / 20) * np.sin(2 * np.pi * 1000 * t)
        sf.write(p, np.stack([s, s], axis=1), af.RATE, subtype="PCM_16")
        out.append((p, {"loudness": db}))
    # pink noise (1/f power, shaped in the frequency domain), its level set by RMS
    rng = np.random.default_rng(3)
    spectrum = np.fft.rfft(rng.standard_normal(10 * af.RATE))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    pink = np.fft.irfft(spectrum)
    pink *= 10 ** (-20 / 20) / np.sqrt(np.mean(pink**2))
    p = d / "pink-noise.wav"
    sf.write(p, pink, af.RATE, subtype="PCM_16")
    out.append((p, {}))
    return out


def test_side_by_side_with_librosa_and_pyloudnorm(hitcast, truth_files):
    clips = [CLIPS / name for name in STATED if (CLIPS / name).exists()]
    assert clips, f"the shared clips are missing: {CLIPS}"
    fixtures = sorted((ROOT / "audio" / "tests" / "fixtures").iterdir())
    files = [(p, {}) for p in clips] + truth_files + [(p, {"tempo": 128, "key": 2, "mode": 1}) for p in fixtures]
    mine = ours(hitcast, [p for p, _ in files])
    rows = []
    misses = []
    for path, truth in files:
        a, b = mine[path.name], theirs(path)
        # loudness: the same standard on both sides
        if a["loudness"] is not None and b["loudness"] is not None:
            assert abs(a["loudness"] - b["loudness"]) <= 1.0, (path.name, a["loudness"], b["loudness"])
        else:
            assert a["loudness"] is None and b["loudness"] is None, (path.name, a, b)
        if "tempo" in truth:
            agrees = tempo_agrees(a["tempo"], truth["tempo"])
            if agrees not in ("same", "×2", "×½"):
                misses.append(f"{path.name}: tempo {a['tempo']} for {truth['tempo']}")
            # a factor of two is reported as such: the other octave, within 4% of the truth
            elif agrees != "same" and tempo_agrees(a["tempo_alternative"], truth["tempo"]) != "same":
                misses.append(f"{path.name}: tempo {a['tempo']} for {truth['tempo']}, alternative {a['tempo_alternative']}")
        if "key" in truth and (a["key"], a["mode"]) != (truth["key"], truth["mode"]):
            misses.append(f"{path.name}: key {key_name(a['key'], a['mode'])}")
        if "loudness" in truth:
            assert abs(a["loudness"] - truth["loudness"]) <= 1.0, (path.name, a["loudness"])
        stated = STATED.get(path.name) or ", ".join(
            f"{k} {key_name(truth['key'], truth['mode']) if k == 'key' else v}"
            for k, v in truth.items()
            if k != "mode"
        )
        rows.append(
            "| {} | {} | {} / {} | {} | {} / {} | {} | {} / {} |".format(
                path.name[:44],
                stated or "—",
                "—" if a["tempo"] is None else f"{a['tempo']:.1f}",
                f"{b['tempo']:.1f}",
                tempo_agrees(a["tempo"], b["tempo"]),
                key_name(a["key"], a["mode"]),
                key_name(b["key"], b["mode"]),
                key_agrees((a["key"], a["mode"]), (b["key"], b["mode"])),
                "—" if a["loudness"] is None else f"{a['loudness']:.2f}",
                "—" if b["loudness"] is None else f"{b['loudness']:.2f}",
            )
        )
    table = "\n".join(
        [
            "| file | stated / truth | tempo: hitcast / librosa | tempo agree | key: hitcast / librosa | key agree | LUFS: hitcast / pyloudnorm |",
            "|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    out = ROOT / "target" / "test-artifacts"
    out.mkdir(parents=True, exist_ok=True)
    (out / "audio-crosscheck.md").write_text(table + "\n")
    print(table)
    assert not misses, misses
