//! Input checks done before any request, each naming what was wrong.

use chrono::NaiveDate;

use crate::error::{Error, Result};

/// The API's page size bounds for `GET /faceauth`.
pub const MAX_PAGE_SIZE: i64 = 2000;

/// A non-empty id; ids are opaque, so anything but blank is passed on as given.
pub(crate) fn id<'a>(name: &str, value: &'a str) -> Result<&'a str> {
    if value.trim().is_empty() {
        let what = if value.is_empty() { "empty" } else { "blank" };
        return Err(Error::validation(format!("{name} is {what}")));
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

/// `YYYY-MM-DD`, a real calendar date.
pub fn date(name: &str, value: &str) -> Result<NaiveDate> {
    let bad = || {
        Error::validation(format!(
            "{name} must be a date as YYYY-MM-DD, got {value:?}"
        ))
    };
    if value.len() != 10 {
        return Err(bad());
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| bad())
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
