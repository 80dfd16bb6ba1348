//! The four FaceAuth endpoints, reached once the gateway has admitted a request.

mod delete;
mod image;
pub(crate) mod list;
mod submit;

use hyper::{Method, Response};

use crate::multipart::Part;
use crate::response::Body;
use crate::state::Shared;

/// An API route below `/v3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Submit,
    List,
    Delete,
    Image,
}

impl Route {
    /// Matches a method and a full request path.
    pub(crate) fn find(method: &Method, path: &str) -> Option<Self> {
        match (path, method.as_str()) {
            ("/v3/faceauth", "POST") => Some(Self::Submit),
            ("/v3/faceauth", "GET") => Some(Self::List),
            ("/v3/faceauth", "DELETE") => Some(Self::Delete),
            ("/v3/faceauth/image", "GET") => Some(Self::Image),
            _ => None,
        }
    }
}

/// The parts of a request the routes look at.
#[derive(Debug)]
pub(crate) struct ApiRequest {
    pub query: Vec<(String, String)>,
    /// The multipart form, if the body was one that parsed.
    pub form: Option<Vec<Part>>,
}

pub(crate) fn dispatch(route: Route, shared: &Shared, request: ApiRequest) -> Response<Body> {
    match route {
        Route::Submit => submit::handle(shared, request.form),
        Route::List => list::handle(shared, &request.query),
        Route::Delete => delete::handle(shared, &request.query),
        Route::Image => image::handle(shared, &request.query),
    }
}
