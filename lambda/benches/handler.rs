//! Warm handler: API Gateway event JSON → response JSON, one track. `cargo bench -p hitcast-lambda --bench handler`
//! Target (issue #4): ≤ 200 µs.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use hitcast_lambda::api::AppState;
use hitcast_lambda::store::{Loaded, ModelOrigin};

fn bench(c: &mut Criterion) {
    let model = Arc::new(hitcast::Model::embedded().expect("model"));
    let state = Arc::new(AppState::new(Loaded { model, origin: ModelOrigin::Embedded }));
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let event =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/apigw-v2-predict.json")).unwrap();
    let rank =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/function-url-rank.json")).unwrap();
    for (name, ev) in [("event_to_json/predict_one", &event), ("event_to_json/rank_two", &rank)] {
        c.bench_function(name, |b| {
            b.iter(|| {
                let req = lambda_http::request::from_str(ev).unwrap();
                let resp = rt.block_on(hitcast_lambda::lambda::handler(state.clone(), req)).unwrap();
                let (parts, body) = resp.into_parts();
                let body = match body {
                    lambda_http::Body::Text(t) => t,
                    _ => unreachable!(),
                };
                // What lambda_http sends back to the Runtime API for API Gateway v2.
                serde_json::to_string(&serde_json::json!({"statusCode": parts.status.as_u16(), "body": body})).unwrap()
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
