//! The response shapes the API docs leave open: a test picks the one the mock sends.

use std::str::FromStr;

/// Which of the two documented `GET /faceauth` response shapes to send.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ListShape {
    /// `[{"faceAuth_projectId", "data": [...], "nextPage_key"?}]`, as in the current docs.
    #[default]
    Wrapper,
    /// A bare array of records, as in the older docs (no cursor).
    Bare,
}

/// How `GET /faceauth/image` packages the base64 image, since the docs leave it open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ImageEncoding {
    /// The base64 text itself, as `text/plain`.
    #[default]
    Raw,
    /// A JSON string holding the base64 text, as `application/json`.
    JsonString,
    /// A `data:image/jpeg;base64,...` (or `image/png`) URI, as `text/plain`.
    DataUri,
}

impl FromStr for ListShape {
    type Err = String;

    /// `"wrapper"` or `"bare"`, the names the Python and Node mocks take.
    fn from_str(name: &str) -> Result<Self, String> {
        let names = [("wrapper", Self::Wrapper), ("bare", Self::Bare)];
        by_name(name, "list shape", &names)
    }
}

impl FromStr for ImageEncoding {
    type Err = String;

    /// `"raw"`, `"json"` or `"data_uri"`, the names the Python and Node mocks take.
    fn from_str(name: &str) -> Result<Self, String> {
        let names = [
            ("raw", Self::Raw),
            ("json", Self::JsonString),
            ("data_uri", Self::DataUri),
        ];
        by_name(name, "image encoding", &names)
    }
}

/// The choice called `name`, or an error that lists the names `what` takes.
fn by_name<T: Copy>(name: &str, what: &str, names: &[(&str, T)]) -> Result<T, String> {
    if let Some(&(_, choice)) = names.iter().find(|(known, _)| *known == name) {
        return Ok(choice);
    }
    let quoted: Vec<String> = names
        .iter()
        .map(|(known, _)| format!("'{known}'"))
        .collect();
    let (last, others) = quoted.split_last().expect("a choice has names");
    Err(format!(
        "{what} must be {} or {last}, got {name:?}",
        others.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_errors_list_them() {
        assert_eq!("bare".parse(), Ok(ListShape::Bare));
        assert_eq!("data_uri".parse(), Ok(ImageEncoding::DataUri));
        assert_eq!(
            "x".parse::<ListShape>(),
            Err(r#"list shape must be 'wrapper' or 'bare', got "x""#.to_owned())
        );
        assert_eq!(
            "Raw".parse::<ImageEncoding>(),
            Err(r#"image encoding must be 'raw', 'json' or 'data_uri', got "Raw""#.to_owned())
        );
    }
}
