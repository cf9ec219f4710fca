use hitcast::{CLOSE_CALL_POINTS, Change, Feature, PredictError, Source};

use crate::{model, track};

fn album() -> Vec<hitcast::TrackFeatures> {
    let text = std::fs::read_to_string(crate::path("examples/album.json")).unwrap();
    let mut doc = hitcast::wire::Document::from_json(text.as_bytes(), usize::MAX).unwrap();
    assert!(!doc.single);
    doc.tracks(Source::File).unwrap()
}

#[test]
fn rank_orders_by_expected_popularity() {
    let tracks = album();
    let r = model().rank(&tracks).unwrap();
    assert_eq!(r.tracks.len(), tracks.len());
    let ranks: Vec<usize> = r.tracks.iter().map(|t| t.rank).collect();
    assert_eq!(ranks, (1..=tracks.len()).collect::<Vec<_>>());
    for w in r.tracks.windows(2) {
        assert!(w[0].prediction.expected_popularity >= w[1].prediction.expected_popularity);
    }
    let mut seen: Vec<usize> = r.tracks.iter().map(|t| t.index).collect();
    seen.sort();
    assert_eq!(seen, (0..tracks.len()).collect::<Vec<_>>());
    let single = r.single().unwrap();
    assert_eq!(single.name, tracks[single.index].name);
    let margin = r.margin.unwrap();
    assert_eq!(margin, single.prediction.expected_popularity - r.tracks[1].prediction.expected_popularity);
    assert_eq!(r.close_call, margin < r.close_call_points);
    assert!(r.close_call_points > 0.0 && r.close_call_points != CLOSE_CALL_POINTS, "measured, from the metrics");
    let (rate, chance) = (r.top_pick_rate.unwrap(), r.top_pick_chance.unwrap());
    assert!(rate > chance && chance > 0.0, "{rate} vs {chance}");
    // each entry is the prediction of its own input
    for t in &r.tracks {
        crate::assert_close(&t.prediction, &model().predict_one(&tracks[t.index]).unwrap());
    }
}

#[test]
fn rank_of_one_track_has_no_margin() {
    let r = model().rank(&[track("solo")]).unwrap();
    assert_eq!(r.tracks.len(), 1);
    assert_eq!(r.margin, None);
    assert!(!r.close_call);
}

#[test]
fn rank_rejects_invalid_tracks_with_their_position() {
    let mut tracks = album();
    tracks[3].set(Feature::Tempo, -1.0, Source::User);
    let Err(PredictError::Invalid(rows)) = model().rank(&tracks) else { panic!("expected invalid") };
    assert_eq!(rows[0].row, 3);
    assert_eq!(rows[0].name.as_deref(), Some("Glass Lungs"));
}

#[test]
fn explain_drivers_are_real_counterfactuals() {
    let m = model();
    let t = track("t").with(Feature::ArtistPopularity, 60.0, Source::User).with(Feature::Genre, 0.0, Source::User);
    let e = m.explain(&t).unwrap();
    crate::assert_close(&e.prediction, &m.predict_one(&t).unwrap());
    assert!(e.drivers.iter().all(|d| d.feature != Feature::Genre));
    assert!(e.drivers.iter().any(|d| d.feature == Feature::ArtistPopularity));
    for w in e.drivers.windows(2) {
        assert!(w[0].strength() >= w[1].strength());
    }
    for d in &e.drivers {
        let spec = m.schema().spec(d.feature);
        let at = |v: f64| m.predict_one(&t.clone().with(d.feature, v, Source::User)).unwrap().expected_popularity;
        assert_eq!(d.value, m.input_value(&t, d.feature));
        assert!((d.change_at_p25 - (at(spec.p25) - e.prediction.expected_popularity)).abs() < 1e-3);
        assert!((d.change_at_p75 - (at(spec.p75) - e.prediction.expected_popularity)).abs() < 1e-3);
    }
    // optional inputs it lacks: what supplying them would change
    let missing: Vec<Feature> = e.if_supplied.iter().map(|d| d.feature).collect();
    assert_eq!(missing.len(), 2);
    assert!(missing.contains(&Feature::TimeSignature) && missing.contains(&Feature::YearsSinceRelease));
}

#[test]
fn artist_popularity_moves_the_prediction_the_expected_way() {
    let m = model();
    let at = |ap: f64| {
        m.predict_one(&track("t").with(Feature::ArtistPopularity, ap, Source::User)).unwrap().expected_popularity
    };
    let curve: Vec<f32> = [20.0, 50.0, 80.0, 95.0].into_iter().map(at).collect();
    assert!(curve.windows(2).all(|w| w[1] >= w[0]), "not monotonic: {curve:?}");
    assert!(curve[3] > curve[0] + 5.0, "{curve:?}");
}

#[test]
fn what_if_applies_user_changes() {
    let m = model();
    let t = track("t");
    let none = m.what_if(&t, &[]).unwrap();
    assert_eq!(none.change, 0.0);
    let w = m.what_if(&t, &[Change { feature: Feature::ArtistPopularity, value: Some(90.0) }]).unwrap();
    crate::assert_close(&w.before, &m.predict_one(&t).unwrap());
    crate::assert_close(
        &w.after,
        &m.predict_one(&t.clone().with(Feature::ArtistPopularity, 90.0, Source::User)).unwrap(),
    );
    assert_eq!(w.change, w.after.expected_popularity - w.before.expected_popularity);
    // clearing an input is a what-if too (every input is optional since model 3)
    let cleared = m.what_if(&t, &[Change { feature: Feature::Energy, value: None }]).unwrap();
    assert!(cleared.after.missing.contains(&Feature::Energy));
    let bad = m.what_if(&t, &[Change { feature: Feature::Energy, value: Some(3.0) }]);
    // the change is blamed, not a "track 2" the user never sent
    let Err(e @ PredictError::InvalidChange(_)) = bad else { panic!("{bad:?}") };
    assert!(e.to_string().starts_with("what-if: energy = 3 is outside"), "{e}");
}
