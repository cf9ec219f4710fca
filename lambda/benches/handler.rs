//! Warm handler: API Gateway event JSON → the router under `lambda_http` → response JSON, one
//! track. `cargo bench -p hitcast-lambda --bench handler`. Target (issue #4): ≤ 200 µs.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use hitcast_lambda::api::AppState;
use hitcast_lambda::store::{Loaded, ModelOrigin};

fn bench(c: &mut Criterion) {
    let model = Arc::new(hitcast::Model::embedded().expect("model"));
    let state = Arc::new(AppState::new(Loaded { model, origin: ModelOrigin::Embedded }));
    let router = hitcast_http::router(state, hitcast_http::HttpLimits::default());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let event =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/apigw-v2-predict.json")).unwrap();
    let rank =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/function-url-rank.json")).unwrap();
    for (name, ev) in [("event_to_json/predict_one", &event), ("event_to_json/rank_two", &rank)] {
        c.bench_function(name, |b| {
            b.iter(|| {
                let payload: lambda_http::request::LambdaRequest = serde_json::from_str(ev).unwrap();
                let event = lambda_http::LambdaEvent { payload, context: lambda_http::Context::default() };
                // what the runtime sends back to the Runtime API
                serde_json::to_string(&rt.block_on(hitcast_http::lambda::respond(router.clone(), event))).unwrap()
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
