//! The four Add-On endpoints (`POST`, `GET`, `DELETE /faceauth` and `GET /faceauth/image`) as
//! the operations of [`FaceAuth`], their request types, and the pager over `GET /faceauth`.

use std::collections::VecDeque;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use bytes::Bytes;
use chrono::NaiveDate;
use futures_util::Stream;
use reqwest::Url;
use serde_json::Value;

use crate::answer::Answer;
use crate::client::{Client, FaceAuth};
use crate::error::{Error, Result};
use crate::models::{FaceAuthPage, FaceAuthRecord, FaceAuthResult, NextKey};
use crate::response::Response;
use crate::setters::setters;
use crate::telemetry::Operation;
use crate::upload::{CheckedImage, FaceImage, ImageFormat, Upload};
use crate::validate::{self, DEFAULT_PAGE_SIZE};

/// Base64 as the image endpoint may send it: padded or not.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const LENIENT_BASE64_URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A face to compare against an approved ID Check submission.
#[derive(Clone, Debug)]
pub struct SubmitRequest {
    /// The approved ID Check submission whose face this one is compared with.
    pub submission_id: String,
    /// A JPEG or PNG, at most `max_upload_bytes`.
    pub face_image: FaceImage,
    /// Your own id of the user, kept on the record.
    pub user_id: Option<String>,
    /// Free custom fields, kept on the record.
    pub cf1: Option<String>,
    pub cf2: Option<String>,
    pub cf3: Option<String>,
}

impl SubmitRequest {
    pub fn new(submission_id: impl Into<String>, face_image: impl Into<FaceImage>) -> Self {
        SubmitRequest {
            submission_id: submission_id.into(),
            face_image: face_image.into(),
            user_id: None,
            cf1: None,
            cf2: None,
            cf3: None,
        }
    }

    setters! {
        user_id(user_id: impl Into<String>);
        cf1(value: impl Into<String>);
        cf2(value: impl Into<String>);
        cf3(value: impl Into<String>);
    }
}

type DateRange = (NaiveDate, NaiveDate);

/// Filters and paging of `GET /faceauth`. Dates are `YYYY-MM-DD`, both or neither.
#[derive(Clone, Debug, Default)]
pub struct ListParams {
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    /// Records per page, 1..=[`crate::MAX_PAGE_SIZE`]. Unset, `list_page` sends none (the API
    /// then gives 2000) and `pager` and `list` ask for [`DEFAULT_PAGE_SIZE`].
    pub count: Option<i64>,
    pub next_key: Option<NextKey>,
}

impl ListParams {
    pub fn new() -> Self {
        ListParams::default()
    }

    /// Accepts anything that prints as `YYYY-MM-DD`, such as `chrono::NaiveDate` or `&str`.
    pub fn dates(mut self, start: impl ToString, end: impl ToString) -> Self {
        self.start_date = Some(start.to_string());
        self.end_date = Some(end.to_string());
        self
    }

    setters! {
        count(count: i64);
        next_key(key: NextKey);
    }

    /// Checks the dates and count, before any request: the date range, if any, and the count.
    fn check(&self) -> Result<(Option<DateRange>, Option<i64>)> {
        let range = validate::date_range(self.start_date.as_deref(), self.end_date.as_deref())?;
        let count = self
            .count
            .map(|c| validate::page_size("count", c))
            .transpose()?;
        Ok((range, count))
    }

    fn query(&self, url: &mut Url) -> Result<()> {
        let (range, count) = self.check()?;
        let mut q = url.query_pairs_mut();
        if let Some((start, end)) = range {
            q.append_pair("startDate", &start.to_string());
            q.append_pair("endDate", &end.to_string());
        }
        if let Some(count) = count {
            q.append_pair("count", &count.to_string());
        }
        if let Some(key) = &self.next_key {
            q.append_pair("nextKey_id", &key.auth_id);
            q.append_pair("nextKey_date", &key.create_time);
        }
        Ok(())
    }
}

impl<'a> FaceAuth<'a> {
    /// `POST /faceauth`. Never retried once the body may have reached the server.
    pub async fn submit(&self, request: SubmitRequest) -> Result<FaceAuthResult> {
        validate::id("submission_id", &request.submission_id)?;
        validate::field("user_id", request.user_id.as_deref())?;
        validate::field("cf1", request.cf1.as_deref())?;
        validate::field("cf2", request.cf2.as_deref())?;
        validate::field("cf3", request.cf3.as_deref())?;
        let image =
            CheckedImage::check(request.face_image, self.client.config().max_upload_bytes())?;
        let mut fields = vec![("submissionId", request.submission_id)];
        let optional = [
            ("userId", request.user_id),
            ("cf1", request.cf1),
            ("cf2", request.cf2),
            ("cf3", request.cf3),
        ];
        fields.extend(optional.into_iter().filter_map(|(k, v)| Some((k, v?))));
        let upload = Upload { fields, image };
        let url = self.client.config().endpoint(Operation::Submit.path());
        let answer = self
            .client
            .execute(Operation::Submit, url, Some(&upload))
            .await?;
        let mut result = parse(&answer, FaceAuthResult::from_json)?;
        result.response = answer.into_response();
        Ok(result)
    }

    /// `GET /faceauth?authId=`: one record, or `NotFound` when the API returns none.
    pub async fn get(&self, auth_id: &str) -> Result<FaceAuthRecord> {
        let answer = self.on_record(Operation::Get, auth_id).await?;
        let page = parse(&answer, FaceAuthPage::from_json)?;
        if page.records.is_empty() {
            return Err(Error::record_not_found(auth_id, &answer.headers));
        }
        let mut records = page.with_response(answer.into_response()).records;
        let position = records
            .iter()
            .position(|r| r.auth_id == auth_id)
            .unwrap_or(0);
        Ok(records.swap_remove(position))
    }

    /// One page of `GET /faceauth`.
    pub async fn list_page(&self, params: &ListParams) -> Result<FaceAuthPage> {
        let mut url = self.client.config().endpoint(Operation::ListPage.path());
        params.query(&mut url)?;
        let answer = self.client.execute(Operation::ListPage, url, None).await?;
        let page = parse(&answer, FaceAuthPage::from_json)?;
        Ok(page.with_response(answer.into_response()))
    }

    /// Every record, newest first, fetching pages lazily. `params.count` is the page size,
    /// [`DEFAULT_PAGE_SIZE`] when unset. The parameters are checked here, before any request.
    pub fn pager(&self, mut params: ListParams) -> Result<Pager> {
        params.count.get_or_insert(DEFAULT_PAGE_SIZE);
        params.check()?;
        Ok(Pager {
            client: self.client.clone(),
            params,
            buffered: VecDeque::new(),
            done: false,
        })
    }

    /// [`FaceAuth::pager`] as a `Stream` of records.
    pub fn list(
        &self,
        params: ListParams,
    ) -> Result<impl Stream<Item = Result<FaceAuthRecord>> + Send + 'static> {
        let pager = self.pager(params)?;
        Ok(futures_util::stream::try_unfold(
            pager,
            |mut pager| async move { Ok(pager.next_record().await?.map(|record| (record, pager))) },
        ))
    }

    /// `GET /faceauth/image`: the decoded image bytes.
    pub async fn image(&self, auth_id: &str) -> Result<Bytes> {
        Ok(self.with_response().image(auth_id).await?.0)
    }

    /// `DELETE /faceauth`: erases the image and personal data; the record stays, marked deleted.
    pub async fn delete(&self, auth_id: &str) -> Result<()> {
        self.with_response().delete(auth_id).await?;
        Ok(())
    }

    /// [`FaceAuth::image`] and [`FaceAuth::delete`] with the [`Response`] that answered them
    /// (the other operations' results carry theirs).
    pub fn with_response(&self) -> WithResponse<'a> {
        WithResponse { face_auth: *self }
    }

    /// `method path?authId=…`: a call about one record, which may be repeated.
    async fn on_record(&self, operation: Operation, auth_id: &str) -> Result<Answer> {
        validate::id("auth_id", auth_id)?;
        let mut url = self.client.config().endpoint(operation.path());
        url.query_pairs_mut().append_pair("authId", auth_id);
        self.client.execute(operation, url, None).await
    }
}

/// The operations whose value has no room for a `response`, returning it beside the value.
#[derive(Clone, Copy, Debug)]
pub struct WithResponse<'a> {
    face_auth: FaceAuth<'a>,
}

impl WithResponse<'_> {
    /// `GET /faceauth/image`: the decoded image bytes and the answer's [`Response`].
    pub async fn image(&self, auth_id: &str) -> Result<(Bytes, Response)> {
        let answer = self.face_auth.on_record(Operation::Image, auth_id).await?;
        let image = decode_image(&answer.body).map_err(|why| invalid(&answer, why))?;
        Ok((image, answer.into_response()))
    }

    /// `DELETE /faceauth` and the answer's [`Response`].
    pub async fn delete(&self, auth_id: &str) -> Result<Response> {
        let answer = self.face_auth.on_record(Operation::Delete, auth_id).await?;
        Ok(answer.into_response())
    }
}

/// Walks `GET /faceauth` page by page, following `nextPage_key`.
#[derive(Debug)]
pub struct Pager {
    client: Client,
    params: ListParams,
    buffered: VecDeque<FaceAuthRecord>,
    done: bool,
}

impl Pager {
    /// Whether the last page was fetched: no call is left to make.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The next page, or `None` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<FaceAuthPage>> {
        let client = self.client.clone();
        self.next_page_with(&client).await
    }

    /// [`Pager::next_page`] fetched by `client`, a [`Client::with_options`] copy of the pager's
    /// (say, with the trace context of this page's span).
    pub async fn next_page_with(&mut self, client: &Client) -> Result<Option<FaceAuthPage>> {
        if self.done {
            return Ok(None);
        }
        let page = client.face_auth().list_page(&self.params).await?;
        match &page.next_key {
            // A key that does not move would loop forever; treat it as the end.
            Some(key) if self.params.next_key.as_ref() != Some(key) => {
                self.params.next_key = Some(key.clone())
            }
            _ => self.done = true,
        }
        Ok(Some(page))
    }

    /// The next record, fetching the next page when the current one is used up.
    pub async fn next_record(&mut self) -> Result<Option<FaceAuthRecord>> {
        while self.buffered.is_empty() {
            match self.next_page().await? {
                Some(page) => self.buffered.extend(page.records),
                None => return Ok(None),
            }
        }
        Ok(self.buffered.pop_front())
    }
}

/// The answer's JSON as `from_json` reads it; a body it cannot read is an `invalid_response`.
fn parse<T>(answer: &Answer, from_json: fn(Value) -> std::result::Result<T, String>) -> Result<T> {
    let json = serde_json::from_slice(&answer.body)
        .map_err(|e| invalid(answer, format!("not JSON ({e})")))?;
    from_json(json).map_err(|why| invalid(answer, why))
}

fn invalid(answer: &Answer, why: impl std::fmt::Display) -> Error {
    Error::invalid_response(answer.status, &answer.headers, &answer.body, why)
}

/// The image endpoint's body: raw base64, a JSON string, or a `data:` URI (or, leniently, the
/// image bytes themselves).
pub(crate) fn decode_image(body: &[u8]) -> std::result::Result<Bytes, String> {
    if ImageFormat::sniff(body).is_some() {
        return Ok(Bytes::copy_from_slice(body));
    }
    let text =
        std::str::from_utf8(body).map_err(|_| "the image body is neither text nor an image")?;
    let mut text = text.trim().to_owned();
    if text.starts_with('"') {
        text =
            serde_json::from_str::<String>(&text).map_err(|e| format!("bad JSON string: {e}"))?;
    }
    let payload = match text.strip_prefix("data:") {
        Some(uri) => uri
            .split_once(',')
            .map(|(_, data)| data)
            .ok_or("a data URI without a comma")?,
        None => text.as_str(),
    };
    let compact: String = payload
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return Err("the image body is empty".into());
    }
    LENIENT_BASE64
        .decode(&compact)
        .or_else(|_| LENIENT_BASE64_URL.decode(&compact))
        .map(Bytes::from)
        .map_err(|e| format!("the image is not valid base64: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_encodings() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        let b64 = base64::engine::general_purpose::STANDARD.encode(jpeg);
        for body in [
            b64.clone(),
            format!("\"{b64}\""),
            format!("data:image/jpeg;base64,{b64}"),
            format!("{}\n{}\n", &b64[..4], &b64[4..]),
            b64.trim_end_matches('=').to_owned(),
        ] {
            assert_eq!(
                decode_image(body.as_bytes()).unwrap().as_ref(),
                jpeg,
                "{body}"
            );
        }
        assert_eq!(decode_image(&jpeg).unwrap().as_ref(), jpeg);
        assert!(decode_image(b"not base64 !").is_err());
        assert!(decode_image(b"").is_err());
    }
}
