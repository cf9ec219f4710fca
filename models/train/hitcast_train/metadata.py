"""The model's description of itself, as the core reads it (src/metadata.rs): what it was trained
on (`hitcast.trained_on`) and how it measured (`hitcast.metrics`). Written through these
dataclasses so that a renamed or dropped field fails here, and tests/test_metadata.py holds the
fields to the Rust structs'."""

from dataclasses import asdict, dataclass, field


@dataclass
class TrainedOn:
    sources: dict          # rows read from each source dataset, by its name
    tracks_after_cleaning: int
    train_rows: int
    test_rows: int
    split: str             # "grouped by artist, 75/25, seed 42"

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Scores:
    accuracy: float
    macro_f1: float
    mae: float             # popularity mean absolute error, points
    r2: float
    ece: float             # expected calibration error of the band probabilities

    @classmethod
    def of(cls, evaluation: dict) -> "Scores":
        return cls(**{k: float(evaluation[k]) for k in ("accuracy", "macro_f1", "mae", "r2", "ece")})


@dataclass
class IntervalScores:
    coverage: float
    median_width: float
    rows: int


@dataclass
class Metrics:
    scores: Scores                      # flattened into the JSON object
    band_f1: list
    artist_popularity_unknown: Scores
    interval: IntervalScores
    close_call_points: float
    top_pick_rate: float
    top_pick_chance: float
    other: dict = field(default_factory=dict)   # further keys, passed through by the core

    def to_json(self) -> dict:
        out = asdict(self.scores)
        out.update(band_f1=[float(v) for v in self.band_f1],
                   artist_popularity_unknown=asdict(self.artist_popularity_unknown),
                   interval=asdict(self.interval), close_call_points=self.close_call_points,
                   top_pick_rate=self.top_pick_rate, top_pick_chance=self.top_pick_chance)
        out.update(self.other)
        return out
