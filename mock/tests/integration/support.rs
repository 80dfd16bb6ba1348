//! A started mock plus a reqwest client that trusts its CA.

use argos_addon_mock::{MockOptions, MockServer};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::Value;

pub const SELFIE: &[u8] = b"\xff\xd8\xff\xe0 a jpeg selfie";
pub const OTHER_FACE: &[u8] = b"\xff\xd8\xff\xe0 someone else";

pub struct Harness {
    pub server: MockServer,
    pub client: Client,
}

pub fn start() -> Harness {
    start_with(MockOptions::default())
}

pub fn start_with(options: MockOptions) -> Harness {
    let server = MockServer::start(options).expect("mock starts");
    server.add_submission("sub-ok", "approved", Some(SELFIE.to_vec()));
    let client = client_for(server.ca_cert_pem());
    Harness { server, client }
}

pub fn client_for(ca_pem: &str) -> Client {
    // reqwest is built without a provider; installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca = reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("CA PEM parses");
    Client::builder()
        .tls_certs_only([ca])
        .no_proxy()
        .build()
        .expect("client builds")
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    /// A request to `path` (relative to `/v3`) with the right API key.
    pub fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("x-api-key", self.server.api_key())
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(reqwest::Method::GET, path)
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(reqwest::Method::DELETE, path)
    }

    pub fn post_form(&self, form: Form) -> RequestBuilder {
        self.request(reqwest::Method::POST, "/faceauth")
            .multipart(form)
    }

    /// Uploads `image` for `submission_id`, as an SDK would.
    pub async fn submit(&self, submission_id: &str, image: &[u8]) -> (StatusCode, Value) {
        json(
            self.post_form(face_form(submission_id, image))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// `GET /faceauth` with `query`.
    pub async fn list(&self, query: &[(&str, &str)]) -> (StatusCode, Value) {
        json(
            self.get(&with_query("/faceauth", query))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Submits the matching selfie and returns the new `authentication_id`.
    pub async fn approved_auth(&self) -> String {
        let (status, body) = self.submit("sub-ok", SELFIE).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["authentication_id"].as_str().unwrap().to_owned()
    }
}

pub fn face_form(submission_id: &str, image: &[u8]) -> Form {
    let image = Part::bytes(image.to_vec())
        .file_name("selfie.jpg")
        .mime_str("image/jpeg")
        .unwrap();
    Form::new()
        .text("submissionId", submission_id.to_owned())
        .part("faceImage", image)
}

/// Status and JSON body; panics on a body that is not JSON.
pub async fn json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, body)
}

/// Keys of a JSON object, in order.
pub fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// Asserts a `{traceId, errorCode, message}` 400 body.
pub fn assert_traced_error(status: StatusCode, body: &Value, code: &str, message: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(keys(body), ["traceId", "errorCode", "message"]);
    assert_eq!(
        (body["errorCode"].as_str(), body["message"].as_str()),
        (Some(code), Some(message))
    );
    let trace_id = body["traceId"].as_str().unwrap();
    assert_eq!(trace_id.len(), 36);
    assert_eq!(&trace_id[14..15], "7", "a UUID v7: {trace_id}");
}

/// `path?name=value&...`, percent-encoded.
pub fn with_query(path: &str, pairs: &[(impl AsRef<str>, impl AsRef<str>)]) -> String {
    let encode = |text: &str| utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
    let query: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name.as_ref()), encode(value.as_ref())))
        .collect();
    format!("{path}?{}", query.join("&"))
}
