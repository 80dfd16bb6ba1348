//! `GET /v3/faceauth`: lists records in the configured [`ListShape`].

use hyper::{Response, StatusCode};
use serde_json::{Value, json};

use crate::listing::{self, ListQuery};
use crate::records::{FaceAuthRecord, format_time};
use crate::response::{self, Body};
use crate::shapes::ListShape;
use crate::state::Shared;

pub(super) fn handle(shared: &Shared, query: &[(String, String)]) -> Response<Body> {
    let Ok(query) = listing::parse(query) else {
        return response::traced_error("invalid_parameter", "Invalid Query String parameters");
    };
    let state = shared.lock();
    let (records, next) = match &query {
        ListQuery::ById(auth_id) => (state.records.get(auth_id).into_iter().collect(), None),
        ListQuery::Page(page_query) => {
            let page = page_query.page(state.records.values());
            let next = page.records.last().copied().filter(|_| page.more);
            (page.records, next)
        }
    };
    render(&shared.config.project_id, state.list_shape, &records, next)
}

/// The response listing `records` in `shape`; a wrapper names `next` as the cursor to resume after.
pub(crate) fn render(
    project_id: &str,
    shape: ListShape,
    records: &[&FaceAuthRecord],
    next: Option<&FaceAuthRecord>,
) -> Response<Body> {
    let data: Vec<Value> = records.iter().map(|r| r.to_json()).collect();
    let body = match shape {
        ListShape::Bare => Value::Array(data),
        ListShape::Wrapper => {
            let mut wrapper = json!({
                "faceAuth_projectId": project_id,
                "data": data,
            });
            if let Some(last) = next {
                wrapper["nextPage_key"] = next_page_key(last);
            }
            json!([wrapper])
        }
    };
    response::json(StatusCode::OK, &body)
}

fn next_page_key(last: &FaceAuthRecord) -> Value {
    json!({"authId": last.auth_id, "createTime": format_time(last.create_time)})
}
