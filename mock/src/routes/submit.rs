//! `POST /v3/faceauth`: compares an uploaded selfie with an approved submission.

use hyper::{Response, StatusCode};
use serde_json::json;

use crate::multipart::Part;
use crate::records::{FaceAuthRecord, format_time};
use crate::response::{self, Body};
use crate::state::Shared;
use crate::verdict::Verdict;

pub(super) fn handle(shared: &Shared, form: Option<Vec<Part>>) -> Response<Body> {
    let Some(form) = form else {
        return response::traced_error(
            "invalid_data_format",
            "Data parsing error. Please check input data.",
        );
    };
    let submission_id = text_field(&form, "submissionId");
    // Only a file part counts as the image, as with the service's form parser.
    let image = form
        .iter()
        .find(|part| part.name == "faceImage" && part.file_name.is_some())
        .map(|part| &part.data[..])
        .filter(|data| !data.is_empty());
    let (Some(submission_id), Some(image)) = (submission_id, image) else {
        return response::traced_error("required_field_missing", "Required field is missing");
    };

    let mut guard = shared.lock();
    let state = &mut *guard;
    let Some(submission) = state.submissions.get(&submission_id) else {
        return response::traced_error(
            "submission_not_found",
            "Cannot find submission. Please check input data.",
        );
    };
    if submission.status != "approved" {
        return response::traced_error("submission_not_approved", "Submission is not approved");
    }
    let threshold = shared.config.similarity_threshold;
    let forced = state.forced.pop_front();
    let verdict = Verdict::decide(image, submission.selfie.as_deref(), forced, threshold);

    let record = FaceAuthRecord {
        auth_id: state.new_auth_id(),
        auth_status: verdict.status.clone(),
        create_time: state.next_create_time(),
        submit_type: "api".into(),
        kyc_submission_id: submission_id,
        similarity_threshold: threshold,
        scores: verdict
            .scores
            .iter()
            .map(|&(name, score)| (name.to_owned(), score))
            .collect(),
        fail_codes: verdict.fail_codes.clone(),
        rejected_comments: verdict.comments.clone(),
        user_id: text_field(&form, "userId"),
        cf1: text_field(&form, "cf1"),
        cf2: text_field(&form, "cf2"),
        cf3: text_field(&form, "cf3"),
        image: Some(image.to_vec()),
        delete_check: false,
    };
    let mut body = json!({
        "authentication_id": record.auth_id,
        "auth_status": record.auth_status,
        "create_time": format_time(record.create_time),
        "score": verdict.score_json(),
    });
    if verdict.has_failures() {
        body["fail_code"] = json!(verdict.fail_codes);
        body["rejected_comment"] = json!(verdict.comments);
    }
    state.records.insert(record.auth_id.clone(), record);
    response::json(StatusCode::OK, &body)
}

/// The first part called `name`, as text; empty counts as missing.
fn text_field(form: &[Part], name: &str) -> Option<String> {
    form.iter()
        .find(|part| part.name == name)
        .map(|part| String::from_utf8_lossy(&part.data).into_owned())
        .filter(|text| !text.is_empty())
}
