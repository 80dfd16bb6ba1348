//! Inputs found by `make fuzz` (fuzz/fuzz_targets/mock_multipart.rs), kept as end-to-end cases.

use reqwest::multipart::{Form, Part};

use crate::support::{assert_traced_error, start};

/// chrono reads `-023-01-01` as the year -23; ten characters passed the old length check.
#[tokio::test]
async fn dates_are_strictly_yyyy_mm_dd() {
    let h = start();
    for date in ["-023-01-01", "+023-01-01", "2023-1-01 ", " 2023-1-01"] {
        let (status, body) = h
            .list(&[("startDate", date), ("endDate", "2023-01-02")])
            .await;
        assert_traced_error(
            status,
            &body,
            "invalid_parameter",
            "Invalid Query String parameters",
        );
    }
}

/// multer 3.1.0 (the latest release) drops a part's filename when the field name holds
/// "filename" twice in a row: after skipping the first match it does not check the second.
/// The mock's clients never use such names; this pins the upstream bug until it is fixed.
#[tokio::test]
#[ignore = "multer 3.1.0 bug: ContentDispositionAttr::extract_from gives up after a superstring"]
async fn file_name_survives_a_field_name_holding_filename() {
    let h = start();
    let image = Part::bytes(b"\xff\xd8\xff".to_vec()).file_name("a.jpg");
    let form = Form::new().part("filenamefilename", image);
    h.post_form(form).send().await.unwrap();
    let form = &h.server.requests()[0].form;
    assert_eq!(form[0].file_name.as_deref(), Some("a.jpg"));
}
