//! Bench mode ([`MockServer::set_bench`](crate::MockServer::set_bench)): the gateway in front of
//! cheap answers, so that a benchmark of clients measures the clients and not the server.
//!
//! Requests are counted, meet their faults and pass the gateway's checks as usual, but they are
//! not recorded, no form is parsed and nothing is stored: the server's memory stays flat.

use std::sync::Arc;

use chrono::Utc;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use serde_json::json;

use crate::gateway::{self, DropConnection};
use crate::listing::{self, ListQuery};
use crate::query;
use crate::records::{FaceAuthRecord, SeedRecord, format_time};
use crate::response::{self, Body};
use crate::routes::{self, ApiRequest, Route, list};
use crate::state::Shared;

/// Answers a request in bench mode.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let (head, body) = request.into_parts();
    let body = gateway::read_body(&shared, &head, body).await?;
    let query = query::parse(head.uri.query().unwrap_or_default());
    gateway::pass(&shared, &head, &body, None, |route| {
        answer(route, &shared, query)
    })
    .await
}

fn answer(route: Route, shared: &Shared, query: Vec<(String, String)>) -> Response<Body> {
    match route {
        Route::Submit => approve(shared),
        Route::List => list_records(shared, query),
        Route::Delete | Route::Image => {
            routes::dispatch(route, shared, ApiRequest { query, form: None })
        }
    }
}

/// Any submit is approved, under a fresh `auth_id`, without reading the form or storing a record.
fn approve(shared: &Shared) -> Response<Body> {
    let mut state = shared.lock();
    let body = json!({
        "authentication_id": state.new_auth_id(),
        "auth_status": "approved",
        "create_time": format_time(state.next_create_time()),
        "score": {"face_similarity_score": 99.0},
    });
    response::json(StatusCode::OK, &body)
}

/// A lookup of an `authId` that no record has lists a canned approved record under that id;
/// every other listing is the route's.
fn list_records(shared: &Shared, query: Vec<(String, String)>) -> Response<Body> {
    if let Ok(ListQuery::ById(auth_id)) = listing::parse(&query) {
        let state = shared.lock();
        if !state.records.contains_key(&auth_id) {
            let record = canned_record(auth_id, shared.config.similarity_threshold);
            return list::render(
                &shared.config.project_id,
                state.list_shape,
                &[&record],
                None,
            );
        }
    }
    routes::dispatch(Route::List, shared, ApiRequest { query, form: None })
}

fn canned_record(auth_id: String, similarity_threshold: f64) -> FaceAuthRecord {
    let seed = SeedRecord {
        auth_id: None,
        auth_status: "approved".into(),
        create_time: Utc::now(),
        submission_id: "bench-submission".into(),
        image: None,
    };
    FaceAuthRecord::seeded(seed, auth_id, similarity_threshold)
}
