//! Validation against the model's schema: which field, what range, what was given.

use hitcast::{Feature, PredictError, ProblemKind, Source, TrackFeatures};

use crate::{model, track};

/// Applies `edit` to a valid track and checks the problems (as text) the schema reports.
fn check(edit: impl FnOnce(&mut TrackFeatures), expected: &[&str]) {
    let mut t = track("t");
    edit(&mut t);
    let got: Vec<String> = match model().schema().validate(&t) {
        Ok(()) => vec![],
        Err(e) => e.problems.iter().map(|p| p.to_string()).collect(),
    };
    assert_eq!(got, expected);
}

fn set(f: Feature, v: f64) -> impl FnOnce(&mut TrackFeatures) {
    move |t| {
        t.set(f, v, Source::User);
    }
}

#[test]
fn valid_tracks_pass() {
    check(|_| {}, &[]);
    check(
        |t| {
            t.set(Feature::ArtistPopularity, 0.0, Source::User);
            t.set(Feature::Genre, 6.0, Source::User);
            t.set(Feature::TimeSignature, 3.0, Source::User);
            t.set(Feature::YearsSinceRelease, 0.0, Source::User);
        },
        &[],
    );
}

#[test]
fn ranges() {
    check(set(Feature::Danceability, 1.7), &["danceability = 1.7 is outside 0–1"]);
    check(set(Feature::Loudness, -80.0), &["loudness = -80 is outside -60–5 dB"]);
    check(set(Feature::Tempo, 300.0), &["tempo = 300 is outside 0–250 BPM"]);
    check(set(Feature::ArtistPopularity, 101.0), &["artist_popularity = 101 is outside 0–100"]);
    check(set(Feature::DurationMs, 10.0), &["duration_ms = 10 is outside 1000–4000000 ms"]);
}

#[test]
fn categories() {
    check(set(Feature::Key, 3.5), &["key = 3.5 is not allowed (0–11, whole numbers)"]);
    check(set(Feature::Mode, 0.5), &["mode = 0.5 is not allowed (one of 0, 1)"]);
    check(
        set(Feature::Genre, 2.5),
        &[
            "genre = 2.5 is not allowed (one of 0 (pop), 1 (rock), 2 (hip-hop), 3 (edm), 4 (r&b), 5 (latin), 6 (other), 7 (country), 8 (k-pop), 9 (indie), 10 (folk), 11 (jazz), 12 (classical))",
        ],
    );
}

#[test]
fn non_finite_and_missing() {
    check(set(Feature::Energy, f64::NAN), &["energy = NaN is not a finite number (allowed: 0–1)"]);
    check(set(Feature::Valence, f64::INFINITY), &["valence = inf is not a finite number (allowed: 0–1)"]);
    // every input is optional since model 3: a missing one is no problem…
    check(
        |t| {
            t.set_opt(Feature::Tempo, None, Source::User);
        },
        &[],
    );
    // …but a track needs one
    check(
        |t| {
            for f in Feature::ALL {
                t.set_opt(f, None, Source::User);
            }
        },
        &["no inputs were given: at least one is needed — artist_popularity (0–100) tells the model most, \
           then audio features such as tempo, loudness and duration_ms"],
    );
}

#[test]
fn any_subset_of_inputs_is_predicted_and_says_what_it_went_without() {
    let only = |features: &[(Feature, f64)]| {
        let mut t = hitcast::TrackFeatures::new(None);
        for (f, v) in features {
            t.set(*f, *v, Source::User);
        }
        model().predict_one(&t).unwrap()
    };
    // what an analysis of the audio file gives
    let file = [
        (Feature::Tempo, 122.0),
        (Feature::Key, 5.0),
        (Feature::Mode, 1.0),
        (Feature::Loudness, -6.5),
        (Feature::DurationMs, 196_000.0),
    ];
    let from_file = only(&file);
    assert!(from_file.missing.contains(&Feature::Danceability) && !from_file.missing.contains(&Feature::Tempo));
    let with_ap = only(&[file.as_slice(), &[(Feature::ArtistPopularity, 80.0)]].concat());
    let small = only(&[file.as_slice(), &[(Feature::ArtistPopularity, 10.0)]].concat());
    assert!(with_ap.expected_popularity > small.expected_popularity + 5.0, "{with_ap:?} vs {small:?}");
    // artist popularity alone, one audio feature alone
    for p in [only(&[(Feature::ArtistPopularity, 50.0)]), only(&[(Feature::Energy, 0.7)])] {
        assert_eq!(p.missing.len(), Feature::COUNT - 1, "{p:?}");
        let i = p.interval.expect("an interval");
        assert!(i.low <= p.expected_popularity && p.expected_popularity <= i.high, "{i:?}");
        assert!((0.0..=100.0).contains(&i.low) && (0.0..=100.0).contains(&i.high));
    }
    // the interval's bounds depend on the input pattern (calibrated per group, not one width for all)
    let width = |p: hitcast::Prediction| p.interval.map(|i| i.high - i.low).unwrap();
    let known = width(only(&[(Feature::Energy, 0.7), (Feature::ArtistPopularity, 50.0)]));
    let unknown = width(only(&[(Feature::Energy, 0.7)]));
    assert!((known - unknown).abs() > 0.5, "{known} vs {unknown}");
}

#[test]
fn every_problem_at_once() {
    check(
        |t| {
            t.set(Feature::Danceability, -0.1, Source::User);
            t.set(Feature::Energy, f64::NAN, Source::User);
            t.set(Feature::Key, 12.0, Source::User);
        },
        &[
            "danceability = -0.1 is outside 0–1",
            "energy = NaN is not a finite number (allowed: 0–1)",
            "key = 12 is outside 0–11, whole numbers",
        ],
    );
}

#[test]
fn predict_reports_rows_and_problem_kinds() {
    let good = track("good");
    let mut bad = track("bad");
    bad.set(Feature::Energy, 2.0, Source::User);
    let err = model().predict(&[good, bad]).unwrap_err();
    let PredictError::Invalid(rows) = &err else { panic!("{err:?}") };
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].row, 1);
    assert_eq!(rows[0].problems[0].kind, ProblemKind::OutOfRange { value: 2.0 });
    assert_eq!(err.to_string(), "track 2 (bad): energy = 2 is outside 0–1");
    let json = serde_json::to_value(&rows[0].problems[0]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"feature": "energy", "allowed": "0–1", "problem": "out_of_range", "value": 2.0})
    );
}

#[test]
fn missing_artist_popularity_is_never_zero() {
    let m = model();
    let t = track("t");
    let without = m.predict_one(&t).unwrap();
    let at_zero = m.predict_one(&t.clone().with(Feature::ArtistPopularity, 0.0, Source::User)).unwrap();
    assert_ne!(without.band_probs, at_zero.band_probs);
    assert_eq!(
        without.missing,
        // a name but no album: the album marker cannot be derived; the title marker and featured
        // artists are derived from the name
        [
            Feature::TimeSignature,
            Feature::ArtistPopularity,
            Feature::Genre,
            Feature::YearsSinceRelease,
            Feature::AlbumMarker
        ]
    );
    // the encoding the schema documents: NaN in the tensor
    let mut row: Vec<f32> = Feature::ALL.iter().map(|f| m.input_value(&t, *f).map_or(f32::NAN, |v| v as f32)).collect();
    let probs = m.run(&row, 1).unwrap().probs;
    assert_eq!(probs, without.band_probs);
    row[Feature::ArtistPopularity.index()] = 0.0;
    assert_eq!(m.run(&row, 1).unwrap().probs, at_zero.band_probs);
}

#[test]
fn time_signature_is_accepted_but_has_no_effect() {
    // The card explains why: in the training data its absence identified the source.
    let m = model();
    let t = track("t").with(Feature::ArtistPopularity, 60.0, Source::User);
    let without = m.predict_one(&t).unwrap();
    for ts in [3.0, 4.0, 5.0] {
        let with = m.predict_one(&t.clone().with(Feature::TimeSignature, ts, Source::User)).unwrap();
        assert_eq!(with.band_probs, without.band_probs, "time_signature {ts}");
        assert_eq!(with.expected_popularity, without.expected_popularity);
    }
}
