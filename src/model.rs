//! [`Model`]: an ONNX model that fulfils Hitcast's contract, and batched prediction.

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ort::session::Session;
use ort::value::{TensorElementType, TensorRef, ValueType};
use serde::Serialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::derive::DeriveRules;
use crate::features::{Feature, Source, TrackFeatures};
use crate::genre::GENRES;
use crate::prediction::{Band, Interval, Prediction};
use crate::runtime::{self, RuntimeError};
use crate::schema::{Invalid, Schema};

/// The default model, `models/hitcast.onnx`, compiled into the binary.
pub static EMBEDDED_MODEL: &[u8] = include_bytes!("../models/hitcast.onnx");

/// Why a model could not be loaded.
#[derive(Debug, Error)]
pub enum ModelError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("could not read model file {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("model file {path} is {size} bytes, over the {limit}-byte limit (a Hitcast model is ~1 MB)")]
    TooLarge { path: String, size: u64, limit: u64 },
    #[error("not a valid ONNX model: {0}")]
    Onnx(String),
    #[error("the model does not fit Hitcast's contract: {0}")]
    Contract(String),
}

/// Why a prediction could not be made.
#[derive(Debug, Error)]
pub enum PredictError {
    /// Bad input: every invalid row with all of its problems.
    #[error("{}", fmt_rows(.0))]
    Invalid(Vec<InvalidRow>),
    /// A what-if change made a valid track invalid.
    #[error("what-if: {}", fmt_problems(.0))]
    InvalidChange(Vec<crate::schema::Problem>),
    #[error("the model failed to run: {0}")]
    Run(String),
}

/// One invalid row of a batch (0-based `row`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvalidRow {
    pub row: usize,
    pub name: Option<String>,
    pub problems: Vec<crate::schema::Problem>,
}

fn fmt_problems(problems: &[crate::schema::Problem]) -> String {
    Invalid { problems: problems.to_vec() }.to_string()
}

fn fmt_rows(rows: &[InvalidRow]) -> String {
    let single = rows.len() == 1 && rows[0].row == 0;
    rows.iter()
        .map(|r| {
            let problems = Invalid { problems: r.problems.clone() }.to_string();
            if single {
                problems
            } else {
                let name = r.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
                format!("track {}{name}: {problems}", r.row + 1)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What a model says about itself (its metadata) and its file.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    pub version: Arc<str>,
    pub sha256: String,
    pub size_bytes: usize,
    /// `hitcast.trained_on`: sources and row counts.
    pub trained_on: crate::TrainedOn,
    /// `hitcast.metrics`: measured on the grouped test split.
    pub metrics: crate::Metrics,
    /// `hitcast.decision`: how `band` is decided from the band probabilities.
    pub decision: Decision,
    /// `hitcast.interval`: the level of the `interval` output, when the model has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<IntervalInfo>,
}

/// What a model says about its `interval` output (`hitcast.interval`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct IntervalInfo {
    /// The share of tracks whose popularity falls inside (0.8).
    pub level: f32,
    /// How it was made (split-conformal, per input pattern).
    #[serde(default)]
    pub method: String,
}

/// How a prediction's `band` is chosen: argmax of `band_probs[i] * weights[i]` (weights of 1:
/// the most likely band). Read from the model's `hitcast.decision` metadata.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Decision {
    pub rule: String,
    pub weights: [f32; 4],
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
}

impl Default for Decision {
    fn default() -> Self {
        Decision { rule: "argmax over bands of band_probs".into(), weights: [1.0; 4], alpha: None }
    }
}

/// A loaded model. Cheap to share across threads (`Arc<Model>`): it holds one ONNX session per
/// core ([`Model::sessions`]), so that many threads run the model at once (an `ort` session
/// runs one call at a time, each on one thread here).
pub struct Model {
    sessions: Vec<Mutex<Session>>,
    /// Where the next run starts looking for a free session.
    next: AtomicUsize,
    schema: Schema,
    derive: DeriveRules,
    info: ModelInfo,
}

impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Model").field("info", &self.info).finish_non_exhaustive()
    }
}

/// Tracks per ONNX run in [`Model::predict`].
pub const MAX_BATCH: usize = 1024;

/// The largest model file read, from a path or from S3 (the committed model is ~1 MB).
pub const MAX_MODEL_BYTES: u64 = 64 * 1024 * 1024;

const INPUT: &str = "features";
const BAND_PROBS: &str = "band_probs";
const POPULARITY: &str = "popularity";
const INTERVAL: &str = "interval";

/// One ONNX run's outputs, row-major: `rows × 4` probabilities, `rows` popularities and, when the
/// model has the output, `rows × 2` interval bounds (else empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOutput {
    pub probs: Vec<f32>,
    pub popularity: Vec<f32>,
    pub interval: Vec<f32>,
}

impl Model {
    /// Most sessions a model holds.
    pub const MAX_SESSIONS: usize = 8;

    /// How many sessions a model holds: one per core, at most [`Model::MAX_SESSIONS`].
    pub fn pool_size() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, Model::MAX_SESSIONS)
    }

    /// How many runs can go at once.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    /// A free session if there is one (starting at a rotating index), else the next one in turn.
    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        let n = self.sessions.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        for i in 0..n {
            if let Ok(s) = self.sessions[(start + i) % n].try_lock() {
                return s;
            }
        }
        self.sessions[start].lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The default model compiled into this binary.
    pub fn embedded() -> Result<Model, ModelError> {
        Model::from_bytes(EMBEDDED_MODEL)
    }

    /// A file over [`MAX_MODEL_BYTES`] is refused from its length, before it is read (the same
    /// cap as a model fetched from S3).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Model, ModelError> {
        use std::io::Read;
        let path = path.as_ref();
        let read_err = |source| ModelError::Read { path: path.display().to_string(), source };
        let file = std::fs::File::open(path).map_err(read_err)?;
        let too_large = |size| ModelError::TooLarge { path: path.display().to_string(), size, limit: MAX_MODEL_BYTES };
        let size = file.metadata().map_err(read_err)?.len();
        if size > MAX_MODEL_BYTES {
            return Err(too_large(size));
        }
        // a file that grows while it is read (or a pipe) is still held to the cap
        let mut bytes = Vec::with_capacity(size as usize);
        file.take(MAX_MODEL_BYTES + 1).read_to_end(&mut bytes).map_err(read_err)?;
        if bytes.len() as u64 > MAX_MODEL_BYTES {
            return Err(too_large(bytes.len() as u64));
        }
        Model::from_bytes(&bytes)
    }

    /// Loads a model and checks it against the contract: one float32 input `features`
    /// `[N, 19]`, outputs `band_probs` `[N, 4]` and `popularity` `[N, 1]`, a `hitcast.schema`
    /// listing the features this build knows, in order; then a multi-row probe batch must give
    /// finite, well-formed answers.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let session = new_session(bytes)?;
        let has_interval = check_io(&session)?;
        let meta = read_metadata(&session, has_interval)?;
        let info = ModelInfo {
            version: meta.version.into(),
            sha256: sha256_hex(bytes),
            size_bytes: bytes.len(),
            trained_on: meta.trained_on,
            metrics: meta.metrics,
            decision: meta.decision,
            interval: meta.interval,
        };
        let mut sessions = vec![Mutex::new(session)];
        for _ in 1..Model::pool_size() {
            sessions.push(Mutex::new(new_session(bytes)?));
        }
        let model = Model { sessions, next: AtomicUsize::new(0), schema: meta.schema, derive: meta.derive, info };
        model.probe()?;
        Ok(model)
    }

    /// Runs a small batch of several rows (typical values, all optional inputs missing, the
    /// training quartiles) and checks what comes back: one row of outputs per input row, finite,
    /// probabilities in 0–1 that sum to 1, popularity in 0–100. A model fixed to one row, or
    /// whose outputs collapse, is refused here rather than failing every later batch.
    fn probe(&self) -> Result<(), ModelError> {
        let specs = &self.schema.features;
        let row = |pick: &dyn Fn(&crate::schema::FeatureSpec) -> f32| -> Vec<f32> { specs.iter().map(pick).collect() };
        let rows = [
            row(&|s| s.p50 as f32),
            row(&|s| if s.required { s.p50 as f32 } else { f32::NAN }),
            row(&|s| s.p25 as f32),
            row(&|s| s.p75 as f32),
        ];
        let input: Vec<f32> = rows.concat();
        let contract = |m: String| ModelError::Contract(format!("on a {}-row probe batch, {m}", rows.len()));
        let RunOutput { probs, popularity, interval } =
            self.run_unchecked(&input, rows.len()).map_err(|e| contract(e.to_string()))?;
        for r in 0..rows.len() {
            if let Some(&[low, high]) = interval.get(r * 2..r * 2 + 2)
                && !(low.is_finite() && high.is_finite() && low <= popularity[r] + 1e-3 && popularity[r] <= high + 1e-3)
            {
                return Err(contract(format!(
                    "row {r}'s interval [{low}, {high}] does not hold its popularity {}",
                    popularity[r]
                )));
            }
            let p = &probs[r * 4..r * 4 + 4];
            if p.iter().any(|v| !v.is_finite() || *v < -1e-4 || *v > 1.0 + 1e-4) {
                return Err(contract(format!("row {r} has band probabilities {p:?}, not in 0–1")));
            }
            let sum: f32 = p.iter().sum();
            if (sum - 1.0).abs() > 1e-3 {
                return Err(contract(format!("row {r}'s band probabilities sum to {sum}, not 1")));
            }
            if !popularity[r].is_finite() || !(-1e-3..=100.001).contains(&popularity[r]) {
                return Err(contract(format!("row {r} has popularity {}, not in 0–100", popularity[r])));
            }
        }
        Ok(())
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    pub fn version(&self) -> &str {
        &self.info.version
    }

    /// The rules the derived inputs and the coarse genre are computed by (`hitcast.derive`).
    pub fn derive_rules(&self) -> &DeriveRules {
        &self.derive
    }

    /// The value the model gets for `feature`: the track's own, else (for a derived input) the
    /// one derived from its name, artists or album, else `None` (missing).
    pub fn input_value(&self, track: &TrackFeatures, feature: Feature) -> Option<f64> {
        track.value(feature).or_else(|| self.derived(track, feature))
    }

    /// Every input the model gets for `track` ([`Model::input_value`] of each feature), with
    /// each derivation from text done once.
    pub fn input_values(&self, track: &TrackFeatures) -> [Option<f64>; Feature::COUNT] {
        Feature::ALL.map(|f| self.input_value(track, f))
    }

    fn derived(&self, track: &TrackFeatures, feature: Feature) -> Option<f64> {
        let d = &self.derive;
        let v = match feature {
            Feature::TitleMarker => d.title_marker(track.name.as_deref())?,
            Feature::AlbumMarker => d.album_marker(track.album.as_deref())?,
            Feature::FeaturedArtists => d.featured_artists(track.name.as_deref(), &track.artists)?,
            _ => return None,
        };
        Some((v as f64).min(self.schema.spec(feature).max))
    }

    /// The track with every derivable input that it lacks filled in ([`Source::Derived`]).
    pub fn with_derived(&self, track: &TrackFeatures) -> TrackFeatures {
        let mut t = track.clone();
        self.derive_into(&mut t);
        t
    }

    /// [`Model::with_derived`] in place.
    pub fn derive_into(&self, t: &mut TrackFeatures) {
        for f in Feature::ALL.into_iter().filter(|f| f.is_derived()) {
            if t.get(f).is_none()
                && let Some(v) = self.derived(t, f)
            {
                t.fill(f, v, Source::Derived);
            }
        }
    }

    /// The coarse genre of Spotify-style genre names, by the model's own rule.
    pub fn coarse_genre<S: AsRef<str>>(&self, names: &[S]) -> Option<usize> {
        self.derive.coarse_genre(names)
    }

    /// The band of a row of probabilities under the model's decision rule.
    pub fn decide(&self, probs: &[f32; 4]) -> Band {
        Band::decide(probs, &self.info.decision.weights)
    }

    /// Validates every track (all problems of all rows at once), then predicts them: one
    /// ONNX run per [`MAX_BATCH`] tracks, which bounds memory on large inputs.
    pub fn predict(&self, tracks: &[TrackFeatures]) -> Result<Vec<Prediction>, PredictError> {
        let invalid: Vec<InvalidRow> = tracks
            .iter()
            .enumerate()
            .filter_map(|(row, t)| {
                self.schema.validate(t).err().map(|e| InvalidRow { row, name: t.name.clone(), problems: e.problems })
            })
            .collect();
        if !invalid.is_empty() {
            return Err(PredictError::Invalid(invalid));
        }
        let mut out = Vec::with_capacity(tracks.len());
        let mut input = Vec::with_capacity(tracks.len().min(MAX_BATCH) * Feature::COUNT);
        for chunk in tracks.chunks(MAX_BATCH) {
            input.clear();
            let mut missing = Vec::with_capacity(chunk.len());
            for t in chunk {
                let values = self.input_values(t);
                input.extend(values.iter().map(|v| v.map_or(f32::NAN, |v| v as f32)));
                missing.push(Feature::ALL.into_iter().filter(|f| values[f.index()].is_none()).collect::<Vec<_>>());
            }
            let RunOutput { probs, popularity, interval } = self.run(&input, chunk.len())?;
            let level = self.info.interval.as_ref().map(|i| i.level);
            out.extend(missing.into_iter().enumerate().map(|(i, missing)| {
                let p: [f32; 4] = probs[i * 4..i * 4 + 4].try_into().expect("4 bands per row");
                Prediction {
                    band: self.decide(&p),
                    band_probs: p,
                    expected_popularity: popularity[i],
                    interval: level.zip(interval.get(i * 2..i * 2 + 2)).map(|(level, b)| Interval {
                        level,
                        low: b[0],
                        high: b[1],
                    }),
                    model_version: self.info.version.clone(),
                    missing,
                }
            }));
        }
        Ok(out)
    }

    /// [`Model::predict`] for one track.
    pub fn predict_one(&self, track: &TrackFeatures) -> Result<Prediction, PredictError> {
        self.predict(std::slice::from_ref(track)).map(|mut v| v.remove(0))
    }

    /// Runs the graph on `rows` rows of raw inputs (NaN = missing); no validation of the
    /// inputs. Returns band probabilities (`rows × 4`), expected popularity (`rows`) and the
    /// interval (`rows × 2`, empty for a model without one); a non-finite output is an error
    /// (the model's, not the input's).
    pub fn run(&self, input: &[f32], rows: usize) -> Result<RunOutput, PredictError> {
        let out = self.run_unchecked(input, rows)?;
        let bad = |v: &[f32], width: usize| v.iter().position(|x| !x.is_finite()).map(|i| (i / width, v[i]));
        if let Some((row, v)) = bad(&out.probs, 4).or_else(|| bad(&out.popularity, 1)).or_else(|| bad(&out.interval, 2))
        {
            return Err(PredictError::Run(format!("the model returned {v} for row {row}: not a prediction")));
        }
        Ok(out)
    }

    fn run_unchecked(&self, input: &[f32], rows: usize) -> Result<RunOutput, PredictError> {
        assert_eq!(input.len(), rows * Feature::COUNT, "input must be rows × {} values", Feature::COUNT);
        if rows == 0 {
            return Ok(RunOutput::default());
        }
        let tensor = TensorRef::from_array_view(([rows, Feature::COUNT], input))
            .map_err(|e| PredictError::Run(e.to_string()))?;
        let mut session = self.session();
        let outputs = session.run(ort::inputs![INPUT => tensor]).map_err(|e| PredictError::Run(e.to_string()))?;
        let extract = |name: &str, width: usize| -> Result<Vec<f32>, PredictError> {
            let (shape, data) =
                outputs[name].try_extract_tensor::<f32>().map_err(|e| PredictError::Run(e.to_string()))?;
            if shape.len() != 2 || shape[0] as usize != rows || shape[1] as usize != width {
                return Err(PredictError::Run(format!(
                    "output {name} has shape {shape:?}, expected [{rows}, {width}]"
                )));
            }
            Ok(data.to_vec())
        };
        let interval = if self.info.interval.is_some() { extract(INTERVAL, 2)? } else { Vec::new() };
        Ok(RunOutput { probs: extract(BAND_PROBS, 4)?, popularity: extract(POPULARITY, 1)?, interval })
    }
}

/// One ONNX session on one thread (parallelism comes from the pool, not from inside a run).
fn new_session(bytes: &[u8]) -> Result<Session, ModelError> {
    let env = runtime::environment()?;
    Session::builder(env)
        .and_then(|b| b.with_intra_threads(1).map_err(Into::into))
        .and_then(|b| b.with_inter_threads(1).map_err(Into::into))
        // Denormal floats make GEMM several times slower; their value is nil anyway.
        .and_then(|b| b.with_config_entry("session.set_denormal_as_zero", "1").map_err(Into::into))
        .and_then(|mut b| b.commit_from_memory(bytes))
        .map_err(|e| ModelError::Onnx(e.to_string()))
}

/// Checks the input and outputs; returns whether the model has the optional `interval` output.
fn check_io(session: &Session) -> Result<bool, ModelError> {
    let contract = |m: String| Err(ModelError::Contract(m));
    let describe = |name: &str, dtype: &ValueType, width: i64| -> Result<(), ModelError> {
        match dtype {
            ValueType::Tensor { ty: TensorElementType::Float32, shape, .. }
                if shape.len() == 2 && (shape[1] == width) =>
            {
                Ok(())
            }
            other => {
                Err(ModelError::Contract(format!("`{name}` must be a float32 tensor [N, {width}], found {other}")))
            }
        }
    };
    let inputs = session.inputs();
    if inputs.len() != 1 || inputs[0].name() != INPUT {
        let names: Vec<&str> = inputs.iter().map(|i| i.name()).collect();
        return contract(format!("expected one input `{INPUT}`, found {names:?}"));
    }
    let outputs: Vec<_> = [(BAND_PROBS, 4), (POPULARITY, 1)]
        .into_iter()
        .map(|(name, width)| (name, width, session.outputs().iter().find(|o| o.name() == name)))
        .collect();
    if let Some((name, ..)) = outputs.iter().find(|(.., o)| o.is_none()) {
        return contract(format!("missing output `{name}`"));
    }
    describe(INPUT, inputs[0].dtype(), Feature::COUNT as i64)?;
    for (name, width, outlet) in outputs {
        describe(name, outlet.expect("checked above").dtype(), width)?;
    }
    match session.outputs().iter().find(|o| o.name() == INTERVAL) {
        Some(o) => describe(INTERVAL, o.dtype(), 2).map(|()| true),
        None => Ok(false),
    }
}

struct Metadata {
    schema: Schema,
    derive: DeriveRules,
    decision: Decision,
    version: String,
    trained_on: crate::TrainedOn,
    metrics: crate::Metrics,
    interval: Option<IntervalInfo>,
}

fn read_metadata(session: &Session, has_interval: bool) -> Result<Metadata, ModelError> {
    let meta = session.metadata().map_err(|e| ModelError::Onnx(e.to_string()))?;
    let get = |key: &str| meta.custom(key).ok_or_else(|| ModelError::Contract(format!("metadata `{key}` is missing")));
    fn parse<T: serde::de::DeserializeOwned>(key: &str, text: &str) -> Result<T, ModelError> {
        serde_json::from_str(text).map_err(|e| ModelError::Contract(format!("metadata `{key}` does not parse: {e}")))
    }
    let schema: Schema = parse("hitcast.schema", &get("hitcast.schema")?)?;
    let names: Vec<&str> = schema.features.iter().map(|f| f.name.as_str()).collect();
    let expected: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
    if names != expected {
        return Err(ModelError::Contract(format!(
            "the model's features are {names:?}; this build of Hitcast expects {expected:?}"
        )));
    }
    if schema.input != INPUT || schema.missing != "NaN" || schema.bands != crate::Band::RANGES {
        return Err(ModelError::Contract(format!(
            "schema must name input `{INPUT}`, encode missing values as NaN and list the bands {:?} (input {:?}, missing {:?}, bands {:?})",
            crate::Band::RANGES,
            schema.input,
            schema.missing,
            schema.bands
        )));
    }
    let derive: DeriveRules = parse("hitcast.derive", &get("hitcast.derive")?)?;
    let labels = &schema.spec(Feature::Genre).labels;
    if labels.iter().map(String::as_str).ne(GENRES) || derive.genre_labels != *labels {
        return Err(ModelError::Contract(format!(
            "the model's genre labels are {labels:?} (derive rules: {:?}); this build expects {GENRES:?}",
            derive.genre_labels
        )));
    }
    for (feature, table) in
        [(Feature::TitleMarker, &derive.title_markers), (Feature::AlbumMarker, &derive.album_markers)]
    {
        if schema.spec(feature).values.len() != table.len() + 1 {
            return Err(ModelError::Contract(format!(
                "`{feature}` has {} values but the derive rules list {} markers (+ none)",
                schema.spec(feature).values.len(),
                table.len()
            )));
        }
    }
    let decision = match meta.custom("hitcast.decision") {
        Some(text) => {
            let d: Decision = parse("hitcast.decision", &text)?;
            if d.weights.iter().any(|w| !w.is_finite() || *w <= 0.0) {
                return Err(ModelError::Contract(format!(
                    "`hitcast.decision` weights must be positive, got {:?}",
                    d.weights
                )));
            }
            d
        }
        None => Decision::default(),
    };
    let interval = match (has_interval, meta.custom("hitcast.interval")) {
        (false, _) => None,
        (true, None) => {
            return Err(ModelError::Contract("output `interval` without `hitcast.interval` metadata".into()));
        }
        (true, Some(text)) => {
            let i: IntervalInfo = parse("hitcast.interval", &text)?;
            if !(i.level > 0.0 && i.level < 1.0) {
                return Err(ModelError::Contract(format!(
                    "`hitcast.interval` level must be in (0, 1), got {}",
                    i.level
                )));
            }
            Some(i)
        }
    };
    Ok(Metadata {
        interval,
        version: get("hitcast.version")?,
        trained_on: parse("hitcast.trained_on", &get("hitcast.trained_on")?)?,
        metrics: parse("hitcast.metrics", &get("hitcast.metrics")?)?,
        schema,
        derive,
        decision,
    })
}

/// Lower-case hex sha256 of `bytes` (how `ModelInfo::sha256` and `HITCAST_MODEL_SHA256` spell it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
