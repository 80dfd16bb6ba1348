//! The body of a submit: its face image checked before any request, then streamed from disk or
//! sent from memory in a multipart form rebuilt for every attempt.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use reqwest::multipart::{Form, Part};
use tokio_util::io::ReaderStream;

use crate::error::{Error, Result};

const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
const PNG_MAGIC: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
const READ_CHUNK: usize = 64 * 1024;

/// Where the face image comes from.
#[derive(Clone, Debug)]
pub enum FaceImage {
    /// A file, streamed from disk and reopened for each attempt: never read whole into memory.
    Path(PathBuf),
    /// Bytes in memory; cloning `Bytes` shares them, so retries copy nothing.
    Bytes(Bytes),
}

impl From<PathBuf> for FaceImage {
    fn from(path: PathBuf) -> Self {
        FaceImage::Path(path)
    }
}

impl From<&Path> for FaceImage {
    fn from(path: &Path) -> Self {
        FaceImage::Path(path.to_path_buf())
    }
}

impl From<Vec<u8>> for FaceImage {
    fn from(bytes: Vec<u8>) -> Self {
        FaceImage::Bytes(bytes.into())
    }
}

impl From<Bytes> for FaceImage {
    fn from(bytes: Bytes) -> Self {
        FaceImage::Bytes(bytes)
    }
}

impl From<&'static [u8]> for FaceImage {
    fn from(bytes: &'static [u8]) -> Self {
        FaceImage::Bytes(Bytes::from_static(bytes))
    }
}

/// The image formats the API takes, told apart by magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
}

impl ImageFormat {
    pub fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(JPEG_MAGIC) {
            Some(ImageFormat::Jpeg)
        } else if head.starts_with(PNG_MAGIC) {
            Some(ImageFormat::Png)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
        }
    }

    fn default_file_name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "face.jpg",
            ImageFormat::Png => "face.png",
        }
    }
}

/// A face image that passed the checks, ready to become a multipart part per attempt.
#[derive(Debug)]
pub(crate) struct CheckedImage {
    source: FaceImage,
    format: ImageFormat,
    len: u64,
    file_name: String,
}

impl CheckedImage {
    /// Every check before upload, with only local reads: size, readability and magic bytes.
    pub(crate) fn check(source: FaceImage, max_bytes: u64) -> Result<Self> {
        let (len, head, file_name) = match &source {
            FaceImage::Bytes(bytes) => (
                bytes.len() as u64,
                bytes.slice(..bytes.len().min(8)).to_vec(),
                None,
            ),
            FaceImage::Path(path) => {
                let (len, head) = probe_file(path)?;
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                (len, head, name)
            }
        };
        if len == 0 {
            return Err(Error::validation("face_image is empty"));
        }
        if len > max_bytes {
            return Err(Error::validation(format!(
                "face_image is {len} bytes, over max_upload_bytes ({max_bytes}); downscale it (960x720 is recommended)"
            )));
        }
        let format = ImageFormat::sniff(&head).ok_or_else(|| {
            Error::validation("face_image is not a JPEG or PNG image (checked by its first bytes)")
        })?;
        let file_name = file_name.unwrap_or_else(|| format.default_file_name().to_owned());
        Ok(CheckedImage {
            source,
            format,
            len,
            file_name,
        })
    }

    /// A fresh part for one attempt; a file is reopened so a retry sends it from the start.
    async fn part(&self) -> Result<Part> {
        let part = match &self.source {
            FaceImage::Bytes(bytes) => Part::stream_with_length(bytes.clone(), self.len),
            FaceImage::Path(path) => {
                let file = tokio::fs::File::open(path)
                    .await
                    .map_err(|e| unreadable(path, &e))?;
                let len = file
                    .metadata()
                    .await
                    .map_err(|e| unreadable(path, &e))?
                    .len();
                if len != self.len {
                    return Err(Error::validation(format!(
                        "face_image file {} changed size while being sent",
                        path.display()
                    )));
                }
                let body =
                    reqwest::Body::wrap_stream(ReaderStream::with_capacity(file, READ_CHUNK));
                Part::stream_with_length(body, len)
            }
        };
        part.file_name(self.file_name.clone())
            .mime_str(self.format.mime())
            .map_err(|e| Error::validation(format!("face_image content type: {e}")))
    }
}

fn unreadable(path: &Path, err: &std::io::Error) -> Error {
    Error::validation(format!(
        "face_image path {} cannot be read: {err}",
        path.display()
    ))
}

fn probe_file(path: &Path) -> Result<(u64, Vec<u8>)> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Error::validation(format!("face_image path {} does not exist", path.display()))
        }
        _ => unreadable(path, &e),
    })?;
    if !meta.is_file() {
        return Err(Error::validation(format!(
            "face_image path {} is not a regular file",
            path.display()
        )));
    }
    let mut head = Vec::with_capacity(8);
    std::fs::File::open(path)
        .and_then(|f| f.take(8).read_to_end(&mut head))
        .map_err(|e| unreadable(path, &e))?;
    Ok((meta.len(), head))
}

/// The multipart body of `POST /faceauth`: text fields and the face image.
pub(crate) struct Upload {
    pub(crate) fields: Vec<(&'static str, String)>,
    pub(crate) image: CheckedImage,
}

impl Upload {
    /// A fresh form for one attempt, since sending consumes it.
    pub(crate) async fn form(&self) -> Result<Form> {
        let image = self.image.part().await?;
        let form = self.fields.iter().fold(Form::new(), |form, (name, value)| {
            form.text(*name, value.clone())
        });
        Ok(form.part("faceImage", image))
    }
}
