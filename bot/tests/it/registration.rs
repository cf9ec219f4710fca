//! The slash-command registration payload Discord receives (names, options, ranges,
//! descriptions), as a snapshot.

use hitcast_bot::commands;

#[test]
fn registration_payload() {
    let cmds: Vec<serde_json::Value> = commands::all()
        .iter()
        .map(|c| serde_json::to_value(c.create_as_slash_command().expect("a slash command")).unwrap())
        .collect();
    let names: Vec<&str> = cmds.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["predict", "album", "model"]);
    for c in &cmds {
        let desc = c["description"].as_str().unwrap();
        assert!(!desc.is_empty() && desc.len() <= 100, "{desc}");
        let options = c["options"].as_array().map(Vec::len).unwrap_or(0);
        assert!(options <= 25, "Discord allows 25 options");
        for o in c["options"].as_array().into_iter().flatten() {
            assert!(o["description"].as_str().unwrap().len() <= 100);
        }
    }
    // every model input that is not derived from the track's title/artists/album is an option of
    // /predict
    let predict: Vec<&str> =
        cmds[0]["options"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    for f in hitcast::Feature::ALL.into_iter().filter(|f| !f.is_derived()) {
        assert!(predict.contains(&f.name()), "{} is not an option", f.name());
    }
    insta::assert_json_snapshot!("registration", cmds);
}

/// Each `/predict` option for a model input has the model schema's range (a model with other
/// ranges, or an edited option, fails here), and genre's choices are the schema's labels.
#[test]
fn predict_options_follow_the_models_schema() {
    let model = hitcast::Model::embedded().unwrap();
    let predict = commands::all().into_iter().find(|c| c.name == "predict").unwrap();
    let cmd = serde_json::to_value(predict.create_as_slash_command().unwrap()).unwrap();
    let mut checked = 0;
    for o in cmd["options"].as_array().unwrap() {
        let Some(f) = hitcast::Feature::from_name(o["name"].as_str().unwrap()) else { continue };
        let spec = model.schema().spec(f);
        if spec.labels.is_empty() {
            assert_eq!(o["min_value"].as_f64(), Some(spec.min), "{}: min", spec.name);
            assert_eq!(o["max_value"].as_f64(), Some(spec.max), "{}: max", spec.name);
        } else {
            let choices: Vec<&str> =
                o["choices"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
            assert_eq!(choices, spec.labels.iter().map(String::as_str).collect::<Vec<_>>(), "{}", spec.name);
        }
        checked += 1;
    }
    assert_eq!(checked, hitcast::Feature::ALL.into_iter().filter(|f| !f.is_derived()).count());
}
