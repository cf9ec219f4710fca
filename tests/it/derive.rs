//! The core derives the text inputs and the genre exactly as the training pipeline did, from the
//! rules in the model's metadata (models/fixtures/derive.json is written by the pipeline).

use serde_json::Value;

fn num(v: &Value) -> Option<usize> {
    v.as_f64().map(|f| f as usize)
}

#[test]
fn derived_inputs_match_the_pipeline() {
    let m = crate::model();
    let rules = m.derive_rules();
    let fx: Value =
        serde_json::from_str(&std::fs::read_to_string(crate::path("models/fixtures/derive.json")).unwrap()).unwrap();
    let titles = fx["titles"].as_array().unwrap();
    assert!(titles.len() > 100);
    for c in titles {
        let t = c["title"].as_str();
        assert_eq!(rules.title_marker(t), num(&c["title_marker"]), "title marker of {t:?}");
        assert_eq!(rules.featured_artists(t, &[]), num(&c["featured_artists"]), "featured in {t:?}");
    }
    for c in fx["albums"].as_array().unwrap() {
        let a = c["album"].as_str();
        assert_eq!(rules.album_marker(a), num(&c["album_marker"]), "album marker of {a:?}");
    }
    for c in fx["genres"].as_array().unwrap() {
        let names: Vec<&str> = c["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        assert_eq!(rules.coarse_genre(&names), num(&c["genre"]), "genre of {names:?}");
    }
    for c in fx["credits"].as_array().unwrap() {
        let artists: Vec<String> =
            c["artists"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect();
        assert_eq!(rules.featured_artists(c["title"].as_str(), &artists), num(&c["featured_artists"]));
    }
}

#[test]
fn derived_inputs_reach_the_model_and_given_values_win() {
    use hitcast::{Feature, Source};
    let m = crate::model();
    let mut t = crate::track("Song (feat. A & B) - Live at Wembley");
    t.album = Some("Greatest Hits".into());
    let d = m.with_derived(&t);
    assert_eq!(d.get(Feature::TitleMarker).map(|s| (s.value, s.source)), Some((2.0, Source::Derived)));
    assert_eq!(d.value(Feature::FeaturedArtists), Some(2.0));
    assert_eq!(d.value(Feature::AlbumMarker), Some(2.0));
    let p = m.predict_one(&t).unwrap();
    assert!(!p.missing.contains(&Feature::AlbumMarker));
    // a derived input changes the prediction like the same value given by hand
    let by_hand = m.predict_one(&t.clone().with(Feature::TitleMarker, 2.0, Source::User)).unwrap();
    assert_eq!(p.band_probs, by_hand.band_probs);
    let original = m.predict_one(&t.clone().with(Feature::TitleMarker, 0.0, Source::User)).unwrap();
    assert_ne!(p.band_probs, original.band_probs, "a live recording is not predicted like the original");
}
