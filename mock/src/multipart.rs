//! Reading `multipart/form-data` bodies that are already fully buffered.

use std::convert::Infallible;

use bytes::Bytes;
use futures_util::stream;

use crate::recorded::FormPart;

/// One decoded form part with its content.
#[derive(Debug)]
pub(crate) struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub data: Bytes,
}

impl Part {
    pub(crate) fn summary(&self) -> FormPart {
        FormPart {
            name: self.name.clone(),
            file_name: self.file_name.clone(),
            content_type: self.content_type.clone(),
            len: self.data.len(),
            text: self
                .file_name
                .is_none()
                .then(|| String::from_utf8_lossy(&self.data).into_owned()),
        }
    }
}

/// Parses `body` as `multipart/form-data`; `None` when it is some other kind of body
/// or does not parse.
pub(crate) async fn parse(content_type: Option<&str>, body: Bytes) -> Option<Vec<Part>> {
    let boundary = multer::parse_boundary(content_type?).ok()?;
    let body = stream::once(async { Ok::<_, Infallible>(body) });
    let mut multipart = multer::Multipart::new(body, boundary);
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await.ok()? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let data = field.bytes().await.ok()?;
        parts.push(Part {
            name,
            file_name,
            content_type,
            data,
        });
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "--b\r\nContent-Disposition: form-data; name=\"submissionId\"\r\n\r\nsub-1\r\n\
--b\r\nContent-Disposition: form-data; name=\"faceImage\"; filename=\"a.jpg\"\r\n\
Content-Type: image/jpeg\r\n\r\nJPEG\r\n--b--\r\n";

    #[tokio::test]
    async fn parses_text_and_file_parts() {
        let parts = parse(Some("multipart/form-data; boundary=b"), Bytes::from(BODY))
            .await
            .unwrap();
        let summaries: Vec<FormPart> = parts.iter().map(Part::summary).collect();
        assert_eq!(summaries[0].text.as_deref(), Some("sub-1"));
        assert_eq!(summaries[1].file_name.as_deref(), Some("a.jpg"));
        assert_eq!(summaries[1].content_type.as_deref(), Some("image/jpeg"));
        assert_eq!((summaries[1].len, summaries[1].text.as_deref()), (4, None));
    }

    #[tokio::test]
    async fn rejects_other_and_broken_bodies() {
        assert!(
            parse(Some("application/json"), Bytes::from("{}"))
                .await
                .is_none()
        );
        assert!(parse(None, Bytes::from(BODY)).await.is_none());
        let cut = Bytes::from(&BODY[..40]);
        assert!(
            parse(Some("multipart/form-data; boundary=b"), cut)
                .await
                .is_none()
        );
    }
}
