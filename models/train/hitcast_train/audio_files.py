"""Audio files for the audio analysis' tests and benchmarks: signals with known truth (the same
click tracks and keys as `hitcast_audio::synth`), and any signal encoded as MP3, AAC/M4A, FLAC
or Ogg Vorbis through PyAV (FFmpeg's encoders in a wheel: nothing to install by hand)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

RATE = 44_100


def clicks(bpm: float, secs: float, rate: int = RATE) -> np.ndarray:
    """Decaying 1.8 kHz clicks at `bpm`."""
    n = int(secs * rate)
    out = np.zeros(n)
    i = np.arange(int(0.03 * rate))
    click = 0.8 * np.exp(-i / (0.004 * rate)) * np.sin(2 * np.pi * 1800 * i / rate)
    t = 0.0
    while int(t) < n:
        k = min(len(click), n - int(t))
        out[int(t) : int(t) + k] += click[:k]
        t += 60.0 / bpm * rate
    return out


def _note(out: np.ndarray, midi: float, start: int, length: int, level: float, rate: int) -> None:
    f = 440.0 * 2 ** ((midi - 69) / 12)
    k = min(length, len(out) - start)
    i = np.arange(k)
    env = np.minimum(i / 400.0, 1.0) * np.sqrt(np.maximum(1 - i / length, 0))
    tone = sum(np.sin(2 * np.pi * f * h * i / rate) / h for h in range(1, 5))
    out[start : start + k] += level * env * tone


def in_key(key: int, major: bool, rate: int = RATE) -> np.ndarray:
    """The scale of `key` (0 = C), then its tonic triad, twice: 8 s."""
    steps = [0, 2, 4, 5, 7, 9, 11] if major else [0, 2, 3, 5, 7, 8, 10]
    triad = [0, 4, 7] if major else [0, 3, 7]
    tonic = 60 + key
    step = int(0.25 * rate)
    out = np.zeros(int(8 * rate))
    at = 0
    for _ in range(2):
        for s in steps + [12]:
            _note(out, tonic + s, at, step, 0.15, rate)
            at += step
        for t in triad:
            _note(out, tonic + t - 12, at, int(1.5 * rate), 0.15, rate)
            _note(out, tonic + t, at, int(1.5 * rate), 0.15, rate)
        at += int(2 * rate)
    return out


def song(bpm: float, key: int, major: bool, secs: float, rate: int = RATE) -> np.ndarray:
    """Clicks at `bpm` over a phrase in `key`, repeated to `secs`."""
    c = clicks(bpm, secs, rate)
    phrase = in_key(key, major, rate)
    return 0.5 * c + np.resize(phrase, len(c))


def encode(samples: np.ndarray, path: Path, rate: int = RATE, bitrate: int = 128_000) -> Path:
    """Writes `samples` (n, or n × channels, floats in −1..1) to `path`; the extension picks
    the codec: .mp3 (LAME), .m4a (AAC), .flac, .ogg (Vorbis), .wav (16-bit PCM)."""
    import av

    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    channels = x.shape[1]
    ext = path.suffix.lower()
    codec, fmt = {
        ".mp3": ("libmp3lame", "mp3"),
        ".m4a": ("aac", "ipod"),
        ".flac": ("flac", "flac"),
        ".ogg": ("vorbis", "ogg"),
        ".wav": ("pcm_s16le", "wav"),
    }[ext]
    layout = {1: "mono", 2: "stereo"}[channels]
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        if codec not in ("flac", "pcm_s16le"):
            stream.bit_rate = bitrate
        if codec == "vorbis":
            stream.options = {"strict": "experimental"}
        frame_len = 1152
        planar = np.ascontiguousarray(x.T)
        for at in range(0, planar.shape[1], frame_len):
            chunk = np.ascontiguousarray(planar[:, at : at + frame_len])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def decode(path: Path) -> tuple[np.ndarray, int]:
    """A file's samples (channels × n, float32 in −1..1) and rate, decoded by FFmpeg through
    PyAV: what librosa and pyloudnorm are given, whatever the format."""
    import av

    with av.open(str(path)) as f:
        stream = f.streams.audio[0]
        rate = stream.rate
        to_float = av.AudioResampler(format="fltp", layout=stream.layout, rate=rate)
        chunks = [r.to_ndarray() for fr in f.decode(stream) for r in to_float.resample(fr)]
        chunks += [r.to_ndarray() for r in to_float.resample(None)]
    return np.concatenate(chunks, axis=1).astype(np.float32), rate


if __name__ == "__main__":
    # the committed fixtures of audio/tests (run from the repository root with the pipeline's venv)
    out = Path("audio/tests/fixtures")
    out.mkdir(parents=True, exist_ok=True)
    s = song(128.0, 2, True, 12.0)  # 128 BPM, D major
    stereo = np.stack([s, 0.8 * s], axis=1)
    encode(stereo, out / "song-128bpm-d-major.mp3", bitrate=96_000)
    encode(stereo, out / "song-128bpm-d-major.m4a", bitrate=96_000)
    encode(s[: 6 * RATE], out / "song-128bpm-d-major.flac")
    for p in sorted(out.iterdir()):
        print(p, p.stat().st_size)
