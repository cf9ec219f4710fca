//! `lambda/openapi.yaml` documents exactly the routes the router serves.

use std::collections::BTreeSet;

use hitcast_lambda::api::ROUTES;

#[test]
fn openapi_is_in_step_with_the_router() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        for (method, _) in item.as_mapping().unwrap() {
            documented.insert((method.as_str().unwrap().to_uppercase(), path.as_str().unwrap().to_string()));
        }
    }
    let served: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect();
    assert_eq!(documented, served);
    // the limits the document states are the ones the code enforces
    assert!(text.contains(&format!("maxItems: {}", hitcast_lambda::api::MAX_TRACKS)));
    let open: Vec<&str> = ["/", "/health", "/openapi.yaml"].to_vec();
    for p in open {
        assert!(doc["paths"][p]["get"]["security"].as_sequence().is_some_and(|s| s.is_empty()), "{p} should be open");
    }
}
