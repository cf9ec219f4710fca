use hitcast::{EMBEDDED_MODEL, Feature, Model, ModelError, Source};
use sha2::{Digest, Sha256};

use crate::{model, path};

#[test]
fn embedded_model_fulfils_the_contract() {
    let m = model();
    let names: Vec<&str> = m.schema().features.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, Feature::ALL.map(|f| f.name()));
    assert_eq!(m.schema().bands, vec![[0, 25], [26, 50], [51, 75], [76, 100]]);
    assert!(!m.version().is_empty());
    let acc = m.info().metrics.scores.accuracy.unwrap();
    assert!((0.0..=1.0).contains(&acc));
    assert!(m.info().trained_on.tracks_after_cleaning.unwrap() > 1000);
    for f in &m.schema().features {
        assert!(f.min <= f.p25 && f.p25 <= f.p50 && f.p50 <= f.p75 && f.p75 <= f.max, "{}", f.name);
    }
    // model 3: every input optional, at least one needed; an 80% interval output
    assert!(m.schema().features.iter().all(|f| !f.required));
    assert_eq!(m.schema().min_inputs, 1);
    assert_eq!(m.info().interval.as_ref().map(|i| i.level), Some(0.8));
    let optional: Vec<&str> = m.schema().features.iter().filter(|f| !f.required).map(|f| f.name.as_str()).collect();
    assert_eq!(optional, Feature::ALL.map(|f| f.name()));
}

#[test]
fn embedded_model_is_the_committed_file_and_the_card_names_it() {
    let file = std::fs::read(path("models/hitcast.onnx")).unwrap();
    assert_eq!(file, EMBEDDED_MODEL);
    let sha: String = Sha256::digest(&file).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(model().info().sha256, sha);
    let card = std::fs::read_to_string(path("models/MODEL_CARD.md")).unwrap();
    assert!(card.contains(&sha), "MODEL_CARD.md does not record sha256 {sha}");
    assert!(file.len() <= 5_000_000, "model is {} bytes", file.len());
}

fn load_err(rel: &str) -> String {
    match Model::from_path(path(rel)) {
        Err(ModelError::Contract(msg)) => msg,
        other => panic!("{rel}: expected a contract error, got {other:?}"),
    }
}

#[test]
fn models_that_do_not_fit_are_refused_clearly() {
    assert!(load_err("tests/fixtures/wrong_input.onnx").contains("expected one input `features`"));
    assert!(load_err("tests/fixtures/missing_output.onnx").contains("missing output `popularity`"));
    assert!(load_err("tests/fixtures/no_schema.onnx").contains("metadata `hitcast.schema` is missing"));
    assert!(load_err("tests/fixtures/other_features.onnx").contains("this build of Hitcast expects"));
}

#[test]
fn models_whose_outputs_break_the_contract_are_refused_at_load() {
    // each passes every metadata check; only running a multi-row probe batch shows the fault
    for (file, says) in [
        ("tests/fixtures/nan_outputs.onnx", "not in 0–1"),
        ("tests/fixtures/batch_of_one.onnx", "probe batch"),
        ("tests/fixtures/one_row.onnx", "expected [4, 4]"),
        ("tests/fixtures/bad_ranges.onnx", "sum to 2"),
    ] {
        let msg = load_err(file);
        assert!(msg.contains("probe batch") && msg.contains(says), "{file}: {msg}");
    }
    let ok = Model::from_path(path("tests/fixtures/constant_ok.onnx")).unwrap();
    assert_eq!(ok.predict_one(&crate::track("x")).unwrap().expected_popularity, 42.0);
}

#[test]
fn a_non_finite_output_at_run_time_is_a_model_error_never_a_panic() {
    let m = Model::from_path(path("tests/fixtures/nan_above_200_bpm.onnx")).unwrap();
    let slow = crate::track("slow");
    let fast = crate::track("fast").with(Feature::Tempo, 240.0, Source::User);
    assert!(m.predict_one(&slow).is_ok());
    for result in [m.predict(&[slow.clone(), fast.clone()]).map(drop), m.rank(&[slow, fast.clone()]).map(drop)] {
        let Err(e @ hitcast::PredictError::Run(_)) = result else { panic!("{result:?}") };
        assert!(e.to_string().contains("NaN for row 1"), "{e}");
    }
    assert!(matches!(m.explain(&fast), Err(hitcast::PredictError::Run(_))));
}

#[test]
fn garbage_and_missing_files() {
    assert!(matches!(Model::from_bytes(b"not a model"), Err(ModelError::Onnx(_))));
    let err = Model::from_path(path("models/nope.onnx")).unwrap_err();
    assert!(matches!(err, ModelError::Read { .. }));
    assert!(err.to_string().contains("nope.onnx"));
}

#[test]
fn runtime_not_found_says_how_to_fetch_it() {
    let e = hitcast::RuntimeError::NotFound { searched: vec!["/x/libonnxruntime.so".into()] };
    let msg = e.to_string();
    assert!(msg.contains("scripts/setup-ort.sh") && msg.contains("ORT_DYLIB_PATH") && msg.contains("/x/"), "{msg}");
}

#[test]
fn model_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Model>();
    let t = crate::track("a");
    let expected = model().predict_one(&t).unwrap();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| model().predict_one(&t).unwrap())).collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), expected);
        }
    });
}
