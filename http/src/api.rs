//! The HTTP API, independent of how requests arrive (Lambda events or the local server):
//! routing ([`Route`], matched exhaustively), the wire documents of [`hitcast::wire`] in and
//! out, and the mapping of errors to status codes ([`ErrorCode::status`]).

use std::sync::Arc;

use bytes::Bytes;
use hitcast::wire::{
    Document, ErrorBody, ErrorCode, ErrorDetail, ExplainResponse, Fallback, HealthResponse, InputProblems,
    ModelResponse, PredictResponse, ProblemOut, RankResponse,
};
use hitcast::{Model, PredictError, Source, TrackFeatures};
use http::{Method, StatusCode};
use serde::Serialize;

use crate::budget::BodyError;
use crate::multipart;
use crate::origin::{Loaded, ModelOrigin};
use hitcast::audio;

/// Most tracks one request may carry.
pub const MAX_TRACKS: usize = 1000;
/// After this long asking the remote analysis, the form's remaining files are not sent (each call
/// has its own time-out too; the deployment's function time-out must hold both).
const REMOTE_PHASE: std::time::Duration = std::time::Duration::from_secs(10);

/// Most audio files one `multipart/form-data` request may carry (an album's demos).
pub const MAX_AUDIO_FILES: usize = 10;
/// Largest request body (Lambda's synchronous payload limit).
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;
/// Header carried by every response.
pub const MODEL_HEADER: &str = "x-hitcast-model";
/// Longest parser message echoed in a 400 (a JSON error can quote the offending text).
const MAX_PARSE_MESSAGE: usize = 300;

/// Every route. `openapi.yaml` documents exactly these (tested); [`handle`] matches them
/// without a wildcard, so a route without a handler does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    Page,
    Health,
    OpenApi,
    Model,
    Predict,
    Rank,
    Explain,
}

impl Route {
    pub const ALL: [Route; 7] =
        [Route::Page, Route::Health, Route::OpenApi, Route::Model, Route::Predict, Route::Rank, Route::Explain];

    pub const fn path(self) -> &'static str {
        match self {
            Route::Page => "/",
            Route::Health => "/health",
            Route::OpenApi => "/openapi.yaml",
            Route::Model => "/v1/model",
            Route::Predict => "/v1/predict",
            Route::Rank => "/v1/rank",
            Route::Explain => "/v1/explain",
        }
    }

    /// The method the route takes (`HEAD` works wherever `GET` does).
    pub const fn method(self) -> &'static str {
        match self {
            Route::Page | Route::Health | Route::OpenApi | Route::Model => "GET",
            Route::Predict | Route::Rank | Route::Explain => "POST",
        }
    }

    /// The route at `path` (a trailing slash is the same route).
    pub fn at(path: &str) -> Option<Route> {
        let path = path.trim_end_matches('/');
        let path = if path.is_empty() { "/" } else { path };
        Route::ALL.into_iter().find(|r| r.path() == path)
    }
}

const PAGE: &str = include_str!("../static/index.html");
const OPENAPI: &str = include_str!("../openapi.yaml");

/// What the handlers share: the model, where it came from, and the remote analysis a client
/// may opt in to.
#[derive(Debug)]
pub struct AppState {
    pub model: Arc<Model>,
    pub origin: ModelOrigin,
    pub remote: Option<Arc<dyn RemoteAnalysis>>,
}

impl AppState {
    pub fn new(loaded: Loaded) -> AppState {
        AppState { model: loaded.model, origin: loaded.origin, remote: None }
    }

    /// With a remote analysis for the clients who ask for it (`remote_analysis` in a form).
    pub fn with_remote(mut self, remote: Arc<dyn RemoteAnalysis>) -> AppState {
        self.remote = Some(remote);
        self
    }
}

/// A third party's analysis of a song's file (ReccoBeats' upload endpoint: danceability, energy,
/// valence, …), called only for a client who asks. This crate has no network client: the
/// function that serves the API brings one.
pub trait RemoteAnalysis: Send + Sync + std::fmt::Debug {
    /// The service's name, as the answer says it.
    fn name(&self) -> &'static str;
    /// The features of `bytes` (at most [`audio::REMOTE_MAX_BYTES`]), or why not, in a line.
    fn analyse(&self, file: &str, bytes: &[u8]) -> Result<audio::AudioFeatures, String>;
}

/// A request, reduced to what the API looks at.
#[derive(Debug, Clone, Copy)]
pub struct ApiRequest<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// A response, before it is turned into a Lambda or hyper response.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Bytes,
    /// For 405 and `OPTIONS`: the methods the path allows.
    pub allow: Option<&'static str>,
}

impl ApiResponse {
    fn json(status: StatusCode, value: &impl Serialize) -> ApiResponse {
        match serde_json::to_vec(value) {
            Ok(body) => ApiResponse { status, content_type: "application/json", body: body.into(), allow: None },
            Err(e) => {
                tracing::error!(error = %e, "a response did not serialise");
                let body = br#"{"error":{"code":"internal","message":"the response could not be written; see the logs","field":null}}"#;
                ApiResponse {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    content_type: "application/json",
                    body: Bytes::from_static(body),
                    allow: None,
                }
            }
        }
    }

    fn static_text(content_type: &'static str, text: &'static str) -> ApiResponse {
        ApiResponse { status: StatusCode::OK, content_type, body: Bytes::from_static(text.as_bytes()), allow: None }
    }

    /// Into an `http::Response` with the headers every response carries (CORS headers are the
    /// router's `CorsLayer`'s).
    pub fn into_http<B>(self, model_version: &str, body: impl FnOnce(Bytes) -> B) -> http::Response<B> {
        // A model from S3 could carry a version that is not a valid header value.
        let version = http::HeaderValue::from_str(model_version)
            .unwrap_or_else(|_| http::HeaderValue::from_static("invalid-version"));
        let mut b = http::Response::builder()
            .status(self.status)
            .header(http::header::CONTENT_TYPE, self.content_type)
            .header(MODEL_HEADER, version);
        if let Some(allow) = self.allow {
            b = b.header(http::header::ALLOW, allow);
        }
        b.body(body(self.body)).expect("valid response parts")
    }
}

/// An API error: a wire [`ErrorDetail`], answered with its code's status.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError(pub ErrorDetail);

impl ApiError {
    fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError(ErrorDetail::new(code, message))
    }

    fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::BadRequest, message)
    }

    fn input(p: &InputProblems) -> ApiError {
        ApiError(ErrorDetail::input(p))
    }

    /// A prediction error; `single`: the request held one track (rows are not numbered).
    fn predict(e: PredictError, single: bool) -> ApiError {
        match e {
            PredictError::Invalid(rows) => ApiError(ErrorDetail::invalid(&rows, single)),
            PredictError::InvalidChange(problems) => ApiError(ErrorDetail::with_problems(
                ErrorCode::ValidationFailed,
                problems.iter().map(|p| {
                    let mut out = ProblemOut::invalid(None, p);
                    out.field = format!("what_if.{}", out.field);
                    out.message = format!("what-if: {}", out.message);
                    out
                }),
                0,
            )),
            PredictError::Run(msg) => {
                tracing::error!(error = %msg, "model run failed");
                ApiError::new(ErrorCode::Internal, "the model failed to run; see the logs")
            }
        }
    }

    fn into_response(self, version: &str) -> ApiResponse {
        let status = StatusCode::from_u16(self.0.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body: ErrorBody = self.0.body(version);
        ApiResponse::json(status, &body)
    }
}

/// Routes and answers one request. Never panics on input.
pub fn handle(state: &AppState, req: ApiRequest<'_>) -> ApiResponse {
    let version = state.model.version();
    let Some(route) = Route::at(req.path) else {
        let path = hitcast::input::echo_text(req.path);
        return ApiError::new(ErrorCode::NotFound, format!("no route {path}; see GET /openapi.yaml"))
            .into_response(version);
    };
    let head = req.method == Method::HEAD && route.method() == "GET";
    let allow = if route.method() == "GET" { "GET, HEAD, OPTIONS" } else { "POST, OPTIONS" };
    if req.method == Method::OPTIONS {
        // a CORS preflight is answered by the router's CorsLayer; a plain OPTIONS lists the methods
        return ApiResponse {
            status: StatusCode::NO_CONTENT,
            content_type: "text/plain",
            body: Bytes::new(),
            allow: Some(allow),
        };
    }
    if req.method.as_str() != route.method() && !head {
        let mut r = ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!(
                "{} takes {}, not {}",
                route.path(),
                route.method(),
                hitcast::input::echo_text(req.method.as_str())
            ),
        )
        .into_response(version);
        r.allow = Some(allow);
        return r;
    }
    let result = match route {
        Route::Page => Ok(ApiResponse::static_text("text/html; charset=utf-8", PAGE)),
        Route::OpenApi => Ok(ApiResponse::static_text("application/yaml", OPENAPI)),
        Route::Health => Ok(ApiResponse::json(StatusCode::OK, &health(state))),
        Route::Model => Ok(ApiResponse::json(StatusCode::OK, &model_info(state))),
        Route::Predict => match form_boundary(&req) {
            Some(b) => {
                b.and_then(|b| from_audio(state, &req, &b, Route::Predict)).and_then(|a| predict_audio(&state.model, a))
            }
            None => json_body(&req).and_then(|doc| predict(&state.model, doc)),
        },
        Route::Rank => match form_boundary(&req) {
            Some(b) => {
                b.and_then(|b| from_audio(state, &req, &b, Route::Rank)).and_then(|a| rank_audio(&state.model, a))
            }
            None => json_body(&req).and_then(|doc| rank(&state.model, doc)),
        },
        Route::Explain => json_body(&req).and_then(|doc| explain(&state.model, doc)),
    };
    let mut resp = result.unwrap_or_else(|e| e.into_response(version));
    if head {
        resp.body = Bytes::new();
    }
    resp
}

fn body_too_large(size: Option<usize>) -> ApiError {
    ApiError::new(
        ErrorCode::BodyTooLarge,
        BodyError::TooLarge { size: size.map(|n| n as u64), limit: MAX_BODY_BYTES }.to_string(),
    )
}

/// The answer for a body the transport did not read: 413, 503 (budget spent), 408 or 400.
pub fn body_error(state: &AppState, e: &BodyError) -> ApiResponse {
    let code = match e {
        BodyError::TooLarge { .. } => ErrorCode::BodyTooLarge,
        BodyError::Busy { .. } => ErrorCode::Busy,
        BodyError::Timeout(_) => ErrorCode::RequestTimeout,
        BodyError::Unreadable(_) => ErrorCode::BadRequest,
    };
    // our own words, but for a transport error's text (quoted, cut)
    let message = match e {
        BodyError::Unreadable(_) => hitcast::input::echo_text(&e.to_string()),
        _ => e.to_string(),
    };
    ApiError::new(code, message).into_response(state.model.version())
}

/// The 503 for a request that took too long on our side.
pub fn overloaded(state: &AppState) -> ApiResponse {
    ApiError::new(ErrorCode::Busy, "the server is busy; try again in a moment").into_response(state.model.version())
}

/// The 500 for a handler that failed (never for bad input).
pub fn internal(state: &AppState) -> ApiResponse {
    ApiError::new(ErrorCode::Internal, "the request failed on our side; see the logs")
        .into_response(state.model.version())
}

/// The body as a wire [`Document`] of at most [`MAX_TRACKS`] tracks (more are counted, not read).
fn json_body(req: &ApiRequest<'_>) -> Result<Document, ApiError> {
    if req.body.len() > MAX_BODY_BYTES {
        return Err(body_too_large(Some(req.body.len())));
    }
    let ct = req.content_type.unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if ct != "application/json" && !ct.ends_with("+json") {
        let got = req.content_type.map_or("none".to_string(), |c| format!("{:?}", hitcast::input::echo_text(c)));
        let audio = match req.path.trim_end_matches('/') {
            p if p == Route::Predict.path() || p == Route::Rank.path() => {
                ", or songs' audio files as multipart/form-data"
            }
            _ => "",
        };
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("send JSON with content-type: application/json{audio} (got {got})"),
        ));
    }
    let doc = Document::from_json(req.body, MAX_TRACKS).map_err(|e| {
        let mut message = e.to_string();
        if message.len() > MAX_PARSE_MESSAGE {
            message = hitcast::input::echo_text(&message);
        }
        ApiError::bad_request(format!("the body is not valid JSON for this route: {message}"))
    })?;
    if doc.over_limit() {
        return Err(ApiError::new(
            ErrorCode::TooManyTracks,
            format!("{} tracks in one request; the limit is {MAX_TRACKS}: split the batch", doc.total),
        ));
    }
    if doc.is_empty() {
        return Err(ApiError::bad_request(
            "the body has no track: send a track object ({\"name\": …, \"features\": {…}} or flat), or {\"tracks\": […]}",
        ));
    }
    Ok(doc)
}

/// The document's tracks, as the model will see them (derived inputs filled in).
fn tracks(model: &Model, doc: &mut Document, route: Route) -> Result<Vec<TrackFeatures>, ApiError> {
    Ok(given_tracks(doc, route)?.iter().map(|t| model.with_derived(t)).collect())
}

/// The document's tracks as given (nothing derived yet).
fn given_tracks(doc: &mut Document, route: Route) -> Result<Vec<TrackFeatures>, ApiError> {
    let mut problems = match doc.tracks(Source::Client) {
        Ok(t) if route == Route::Explain || doc.what_if.is_none() => return Ok(t),
        Ok(_) => InputProblems::default(),
        Err(p) => p,
    };
    if route != Route::Explain && doc.what_if.is_some() {
        problems.push(
            None,
            hitcast::InputError::Misplaced {
                field: "what_if".into(),
                reason: format!("what-if is for POST {}, not {}", Route::Explain.path(), route.path()),
            },
        );
    }
    Err(ApiError::input(&problems))
}

fn predict(model: &Model, mut doc: Document) -> Result<ApiResponse, ApiError> {
    let tracks = tracks(model, &mut doc, Route::Predict)?;
    let preds = model.predict(&tracks).map_err(|e| ApiError::predict(e, doc.single))?;
    Ok(ApiResponse::json(StatusCode::OK, &PredictResponse::new(model.version(), &tracks, &preds, doc.single)))
}

fn rank(model: &Model, mut doc: Document) -> Result<ApiResponse, ApiError> {
    let tracks = tracks(model, &mut doc, Route::Rank)?;
    let ranking = model.rank(&tracks).map_err(|e| ApiError::predict(e, doc.single))?;
    Ok(ApiResponse::json(StatusCode::OK, &RankResponse::new(model.version(), &ranking)))
}

/// The boundary of a `multipart/form-data` request (`None`: another content type).
fn form_boundary(req: &ApiRequest<'_>) -> Option<Result<String, ApiError>> {
    multipart::form_boundary(req.content_type?).map(|b| b.map_err(|e| ApiError::bad_request(e.to_string())))
}

/// Tracks made from a form's songs: `audio` parts (one file each), and what the client knows
/// in a `track` part (one JSON track object, for every file) or a `tracks` part (a JSON array,
/// one per file, in order). Given values win over measured ones; the audio is analysed in
/// memory, never stored or logged. With `remote_analysis=true`, each file (its first 5 MB) is
/// also sent to the deployment's remote analysis, whose values fill what is still missing.
fn from_audio(state: &AppState, req: &ApiRequest<'_>, boundary: &str, route: Route) -> Result<FromAudio, ApiError> {
    let model = &state.model;
    if req.body.len() > MAX_BODY_BYTES {
        return Err(body_too_large(Some(req.body.len())));
    }
    let parts = multipart::parse(req.body, boundary, MAX_AUDIO_FILES + 2).map_err(|e| match e {
        multipart::MultipartError::TooManyParts(_) => too_many_files(),
        e => ApiError::bad_request(e.to_string()),
    })?;
    let mut files: Vec<(String, &[u8])> = Vec::new();
    let (mut track, mut tracks) = (None, None);
    let mut remote = false;
    for p in parts {
        match p.name.as_str() {
            "remote_analysis" => {
                remote = match std::str::from_utf8(p.body).map(str::trim) {
                    Ok("true" | "1" | "on" | "yes") => true,
                    Ok("false" | "0" | "off" | "no" | "") => false,
                    _ => return Err(ApiError::bad_request("the `remote_analysis` part is true or false")),
                }
            }
            "audio" => {
                let name = p.filename.filter(|f| !f.is_empty()).unwrap_or_else(|| format!("audio {}", files.len() + 1));
                files.push((hitcast::input::echo_text(&name), p.body));
            }
            "track" | "tracks" if track.is_some() || tracks.is_some() => {
                return Err(ApiError::bad_request(
                    "send one `track` part (for every file) or one `tracks` part (one per file), not both",
                ));
            }
            "track" => track = Some(p.body),
            "tracks" => tracks = Some(p.body),
            other => {
                let mut p = InputProblems::default();
                p.push(None, hitcast::InputError::unknown(&hitcast::input::echo_text(other)));
                let mut e = ApiError::input(&p);
                e.0.message += " (a form's parts are audio, track and tracks)";
                return Err(e);
            }
        }
    }
    if files.is_empty() {
        return Err(ApiError::bad_request(
            "the form has no `audio` part: send each song's file as a part named audio (WAV, FLAC, MP3, Ogg Vorbis, AAC/M4A)",
        ));
    }
    if files.len() > MAX_AUDIO_FILES {
        return Err(too_many_files());
    }
    let given = given_of_form(track, tracks, files.len(), route)?;
    let remote = match (remote, state.remote.as_deref()) {
        (false, _) => None,
        (true, Some(r)) => Some(r),
        (true, None) => {
            return Err(ApiError::bad_request("this deployment has no remote analysis: leave `remote_analysis` out"));
        }
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    let analyses = audio::map_parallel(
        &files,
        workers,
        |(name, bytes)| audio::analyse_bytes(bytes.to_vec(), audio::extension(name).as_deref(), name),
        || {},
    );
    let single = files.len() == 1;
    let failed: Vec<ProblemOut> = analyses
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.as_ref().err().map(|e| (i, e)))
        .map(|(i, e)| ProblemOut {
            track: (!single).then_some(i),
            field: "audio".into(),
            problem: e.code().into(),
            allowed: None,
            value: None,
            message: e.to_string(),
        })
        .collect();
    if !failed.is_empty() {
        return Err(ApiError(ErrorDetail::with_problems(ErrorCode::BadAudio, failed, 0)));
    }
    let mut out = FromAudio { tracks: Vec::new(), reports: Vec::new(), single };
    // the remote service is asked file by file, each call within its own time-out; a failure or
    // REMOTE_PHASE spent stops the asking, so ten files cannot take ten time-outs
    let remote_started = std::time::Instant::now();
    let mut remote_stopped: Option<String> = None;
    for (i, ((name, _), analysis)) in files.iter().zip(analyses).enumerate() {
        let analysis = analysis.expect("failures answered above");
        let base = given.get(i).or(given.first().filter(|_| given.len() == 1)).cloned().unwrap_or_default();
        let (mut t, mut report) = audio::track_from(name, i, &analysis, base, model.schema());
        if remote_stopped.is_none() && remote_started.elapsed() >= REMOTE_PHASE {
            remote_stopped = Some(format!("{} s spent on the files before it", REMOTE_PHASE.as_secs()));
        }
        if let (Some(r), Some(why)) = (remote, &remote_stopped) {
            report.measured.notes.push(format!("{}: not asked ({why}); predicted without it", r.name()));
        } else if let Some(r) = remote {
            match audio::remote_part(name, files[i].1).map(|part| r.analyse(name, part)) {
                Some(Ok(features)) => audio::fill_remote(&mut t, &features, model.schema(), &mut report),
                Some(Err(why)) => {
                    report.measured.notes.push(format!("{}: {why}; predicted without it", r.name()));
                    remote_stopped = Some(format!("it failed on {name}"));
                }
                None => report.measured.notes.push(format!(
                    "{}: an M4A over {} MB is not sent (its index may be at its end); predicted without it",
                    r.name(),
                    audio::REMOTE_MAX_BYTES / (1024 * 1024)
                )),
            }
        }
        out.tracks.push(model.with_derived(&t));
        out.reports.push(report);
    }
    Ok(out)
}

/// What the client gave beside the files: one track for all (`track`), one per file
/// (`tracks`), or nothing.
fn given_of_form(
    track: Option<&[u8]>,
    tracks: Option<&[u8]>,
    files: usize,
    route: Route,
) -> Result<Vec<TrackFeatures>, ApiError> {
    let not_json = |part: &str, e: serde_json::Error| {
        ApiError::bad_request(format!(
            "the `{part}` part is not valid JSON: {}",
            hitcast::input::echo_text(&e.to_string())
        ))
    };
    if let Some(body) = track {
        let mut doc = Document::from_json(body, 1).map_err(|e| not_json("track", e))?;
        if !doc.single {
            return Err(ApiError::bad_request(
                "the `track` part is one JSON track object; for one per file send `tracks`",
            ));
        }
        return given_tracks(&mut doc, route);
    }
    if let Some(body) = tracks {
        let wrapped = [b"{\"tracks\":".as_slice(), body, b"}"].concat();
        let mut doc = Document::from_json(&wrapped, MAX_AUDIO_FILES).map_err(|e| not_json("tracks", e))?;
        if doc.total != files {
            return Err(ApiError::bad_request(format!(
                "the `tracks` part has {} tracks for {files} audio files: send one per file, in the files' order",
                doc.total
            )));
        }
        return given_tracks(&mut doc, route);
    }
    Ok(Vec::new())
}

fn too_many_files() -> ApiError {
    ApiError::new(
        ErrorCode::TooManyTracks,
        format!("at most {MAX_AUDIO_FILES} audio files in one request: send the others in another"),
    )
}

/// Tracks from a form's songs, and what each file gave.
#[derive(Debug)]
struct FromAudio {
    tracks: Vec<TrackFeatures>,
    reports: Vec<audio::AudioReport>,
    single: bool,
}

fn predict_audio(model: &Model, a: FromAudio) -> Result<ApiResponse, ApiError> {
    let preds = model.predict(&a.tracks).map_err(|e| ApiError::predict(e, a.single))?;
    let doc = PredictResponse::new(model.version(), &a.tracks, &preds, a.single).with_audio(&a.reports);
    Ok(ApiResponse::json(StatusCode::OK, &doc))
}

fn rank_audio(model: &Model, a: FromAudio) -> Result<ApiResponse, ApiError> {
    let ranking = model.rank(&a.tracks).map_err(|e| ApiError::predict(e, a.single))?;
    Ok(ApiResponse::json(StatusCode::OK, &RankResponse::new(model.version(), &ranking).with_audio(&a.reports)))
}

fn explain(model: &Model, mut doc: Document) -> Result<ApiResponse, ApiError> {
    if !doc.single {
        return Err(ApiError::bad_request(format!(
            "explain takes one track ({{\"features\": {{…}}, \"what_if\": {{…}}}}); the body has {}",
            doc.total
        )));
    }
    let what_if = doc.what_if.take();
    let mut track = tracks(model, &mut doc, Route::Explain)?;
    let track = track.pop().expect("a single-track document has one track");
    if let Some(w) = what_if.as_ref().filter(|w| !w.problems.is_empty()) {
        let mut p = InputProblems::default();
        for e in &w.problems {
            p.push(None, e.clone());
        }
        p.problems.add_more(w.problems.more());
        return Err(ApiError::input(&p));
    }
    let explanation = model.explain(&track).map_err(|e| ApiError::predict(e, true))?;
    let what_if = match what_if.filter(|w| !w.changes.is_empty()) {
        Some(w) => Some(model.what_if(&track, &w.changes).map_err(|e| ApiError::predict(e, true))?),
        None => None,
    };
    Ok(ApiResponse::json(StatusCode::OK, &ExplainResponse::new(model.version(), &explanation, what_if.as_ref())))
}

fn model_info(state: &AppState) -> ModelResponse<'_> {
    let fallback = match &state.origin {
        ModelOrigin::Fallback { uri, reason } => Some(Fallback { configured: uri.clone(), reason: reason.clone() }),
        _ => None,
    };
    ModelResponse::new(state.model.info(), state.model.schema(), state.origin.label(), fallback)
}

fn health(state: &AppState) -> HealthResponse {
    let (status, reason) = match &state.origin {
        ModelOrigin::Fallback { reason, .. } => ("degraded", Some(reason.clone())),
        _ => ("ok", None),
    };
    HealthResponse {
        status: status.into(),
        model_version: state.model.version().into(),
        model_source: state.origin.label(),
        reason,
    }
}
