//! Input checks done before any request, each naming what was wrong.

use chrono::NaiveDate;

use crate::error::{Error, Result};

/// The largest page `GET /faceauth` gives.
pub const MAX_PAGE_SIZE: i64 = 2000;

/// The page size of `list()` and of a pager when the caller gives none: the API's own default,
/// and the fewest requests for a walk over every record.
pub const DEFAULT_PAGE_SIZE: i64 = 2000;

/// The longest id (`submission_id`, `auth_id`, `project_id`) or text field (`user_id`,
/// `cf1`..`cf3`), in UTF-8 bytes. The API documents no limit (its guide suggests keeping them
/// under 256 characters), so this only refuses what cannot be meant, such as a whole file pasted
/// into an id, before any I/O.
pub const MAX_FIELD_BYTES: usize = 1024;

/// The longest `next_key` token. A token is base64 of the JSON of the key a page gave, and a
/// server's key has no documented bound, so this is generous (a 3 KB id makes a 4.6 KB token);
/// it refuses only what cannot be a key, such as a pasted file, before any I/O.
pub const MAX_NEXT_KEY_BYTES: usize = 64 * MAX_FIELD_BYTES;

/// How many levels of objects and arrays (the parameters object included) `encrypt_query`
/// takes: what serde_json reads, so every language refuses the same parameters and no
/// conversion recurses without bound.
pub const MAX_JSON_DEPTH: usize = 127;

/// A non-empty id of at most [`MAX_FIELD_BYTES`]; ids are opaque, so anything else is passed
/// on as given.
pub(crate) fn id<'a>(name: &str, value: &'a str) -> Result<&'a str> {
    if value.trim().is_empty() {
        let what = if value.is_empty() { "empty" } else { "blank" };
        return Err(Error::validation(format!("{name} is {what}")));
    }
    not_longer(name, value, MAX_FIELD_BYTES)
}

/// An optional text field of at most [`MAX_FIELD_BYTES`].
pub(crate) fn field<'a>(name: &str, value: Option<&'a str>) -> Result<Option<&'a str>> {
    value
        .map(|v| not_longer(name, v, MAX_FIELD_BYTES))
        .transpose()
}

/// `value` if it is at most `max` bytes long; the message gives sizes, never the text.
pub(crate) fn not_longer<'a>(name: &str, value: &'a str, max: usize) -> Result<&'a str> {
    if value.len() > max {
        return Err(Error::validation(format!(
            "{name} is {} bytes long, over the limit of {max}",
            value.len()
        )));
    }
    Ok(value)
}

pub(crate) fn page_size(name: &str, count: i64) -> Result<i64> {
    if !(1..=MAX_PAGE_SIZE).contains(&count) {
        return Err(Error::validation(format!(
            "{name} must be between 1 and {MAX_PAGE_SIZE}, got {count}"
        )));
    }
    Ok(count)
}

/// `x` as an integer when a JavaScript number holds it exactly (at most `Number.MAX_SAFE_INTEGER`
/// in size, no fraction); else the message saying so about `name`. Bindings choose the class.
pub fn safe_integer(name: &str, x: f64) -> std::result::Result<i64, String> {
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    // A NaN or an infinity has no zero fraction either.
    if x.fract() == 0.0 && x.abs() <= MAX_SAFE_INTEGER {
        Ok(x as i64)
    } else {
        Err(format!(
            "{name} must be a whole number of at most 2^53 - 1 in size, got {x}"
        ))
    }
}

/// `YYYY-MM-DD`, a real calendar date.
pub fn date(name: &str, value: &str) -> Result<NaiveDate> {
    let bad = || {
        Error::validation(format!(
            "{name} must be a date as YYYY-MM-DD, got {value:?}"
        ))
    };
    // chrono alone also takes `2026-1-5`, a signed year or whitespace between the fields.
    if !is_yyyy_mm_dd(value) {
        return Err(bad());
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| bad())
}

/// Digits in the `YYYY-MM-DD` positions and dashes between them; calendar checks come after.
fn is_yyyy_mm_dd(value: &str) -> bool {
    value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// Both dates or neither, and the start not after the end.
pub(crate) fn date_range(
    start: Option<&str>,
    end: Option<&str>,
) -> Result<Option<(NaiveDate, NaiveDate)>> {
    match (start, end) {
        (None, None) => Ok(None),
        (Some(_), None) | (None, Some(_)) => Err(Error::validation(
            "start_date and end_date must be given together (the API filters by a closed range)",
        )),
        (Some(start), Some(end)) => {
            let (s, e) = (date("start_date", start)?, date("end_date", end)?);
            if s > e {
                return Err(Error::validation(format!(
                    "start_date {s} is after end_date {e}"
                )));
            }
            Ok(Some((s, e)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_depth_is_what_the_reader_accepts() {
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(serde_json::from_str::<serde_json::Value>(&nested(MAX_JSON_DEPTH)).is_ok());
        assert!(serde_json::from_str::<serde_json::Value>(&nested(MAX_JSON_DEPTH + 1)).is_err());
    }

    #[test]
    fn ids_counts_and_dates() {
        assert!(id("auth_id", "a").is_ok());
        assert!(
            id("auth_id", "")
                .unwrap_err()
                .message()
                .contains("auth_id is empty")
        );
        assert!(
            id("auth_id", " \t")
                .unwrap_err()
                .message()
                .contains("blank")
        );
        let long = "x".repeat(MAX_FIELD_BYTES + 1);
        assert!(id("auth_id", &long[1..]).is_ok());
        assert!(
            id("auth_id", &long)
                .unwrap_err()
                .message()
                .contains("auth_id is 1025 bytes long, over the limit of 1024")
        );
        assert_eq!(field("cf1", None).unwrap(), None);
        assert!(field("cf1", Some(&long[1..])).is_ok());
        assert!(field("cf1", Some(&long)).is_err());
        assert!(page_size("count", 0).is_err());
        assert!(page_size("count", 2001).is_err());
        assert!(page_size("count", 2000).is_ok());
        assert!(date("d", "2024-02-29").is_ok());
        for bad in [
            "2023-02-29",
            "2024-1-01",
            "20240101",
            "2024-01-01T00:00",
            "x",
        ] {
            assert!(date("d", bad).is_err(), "{bad}");
        }
        assert!(date_range(Some("2024-01-01"), None).is_err());
        assert!(date_range(Some("2024-02-01"), Some("2024-01-01")).is_err());
        assert!(
            date_range(Some("2024-01-01"), Some("2024-01-01"))
                .unwrap()
                .is_some()
        );
    }
}
