//! `GET /faceauth` query validation and paging, independent of the response shape.

use chrono::{DateTime, NaiveDate, Utc};

use crate::query::param;
use crate::records::FaceAuthRecord;

const MAX_COUNT: usize = 2000;

/// What a `GET /faceauth` asks for.
#[derive(Debug, PartialEq)]
pub(crate) enum ListQuery {
    /// One record by `authId`: other parameters are ignored and a miss is an empty list.
    ById(String),
    Page(PageQuery),
}

#[derive(Debug, PartialEq)]
pub(crate) struct PageQuery {
    /// Inclusive range of UTC dates.
    range: Option<(NaiveDate, NaiveDate)>,
    count: usize,
    /// Resume strictly after this `(create_time, auth_id)` in listing order.
    after: Option<(DateTime<Utc>, String)>,
}

/// The service's `invalid_parameter` error.
#[derive(Debug, PartialEq)]
pub(crate) struct InvalidParameter;

pub(crate) fn parse(query: &[(String, String)]) -> Result<ListQuery, InvalidParameter> {
    if let Some(auth_id) = param(query, &["authId", "auth_id"]) {
        return Ok(ListQuery::ById(auth_id.to_owned()));
    }
    let start = param(query, &["startDate", "start_date"]);
    let end = param(query, &["endDate", "end_date"]);
    let range = match (start, end) {
        (None, None) => None,
        (Some(start), Some(end)) => Some((parse_date(start)?, parse_date(end)?)),
        _ => return Err(InvalidParameter),
    };
    let count = match param(query, &["count"]) {
        None => MAX_COUNT,
        Some(count) => count
            .parse()
            .ok()
            .filter(|count| (1..=MAX_COUNT).contains(count))
            .ok_or(InvalidParameter)?,
    };
    let after = match (
        param(query, &["nextKey_id"]),
        param(query, &["nextKey_date"]),
    ) {
        (None, None) => None,
        (Some(id), Some(date)) => {
            let date = DateTime::parse_from_rfc3339(date).map_err(|_| InvalidParameter)?;
            Some((date.to_utc(), id.to_owned()))
        }
        _ => return Err(InvalidParameter),
    };
    Ok(ListQuery::Page(PageQuery {
        range,
        count,
        after,
    }))
}

/// Strictly `yyyy-mm-dd`; chrono alone would also take `2026-1-5` or a signed year, even at
/// ten characters (`-023-01-01`).
fn parse_date(text: &str) -> Result<NaiveDate, InvalidParameter> {
    let shaped = text.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        _ => b.is_ascii_digit(),
    });
    if text.len() != 10 || !shaped {
        return Err(InvalidParameter);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| InvalidParameter)
}

/// One page of records, newest first.
#[derive(Debug)]
pub(crate) struct Page<'a> {
    pub records: Vec<&'a FaceAuthRecord>,
    /// Whether records remain after the last one of this page.
    pub more: bool,
}

impl PageQuery {
    pub(crate) fn page<'a>(
        &self,
        records: impl IntoIterator<Item = &'a FaceAuthRecord>,
    ) -> Page<'a> {
        let mut selected: Vec<&FaceAuthRecord> = records
            .into_iter()
            .filter(|r| self.in_range(r) && self.after_cursor(r))
            .collect();
        selected.sort_by(|a, b| listing_key(b).cmp(&listing_key(a)));
        let more = selected.len() > self.count;
        selected.truncate(self.count);
        Page {
            records: selected,
            more,
        }
    }

    fn in_range(&self, record: &FaceAuthRecord) -> bool {
        let day = record.create_time.date_naive();
        self.range
            .is_none_or(|(start, end)| start <= day && day <= end)
    }

    fn after_cursor(&self, record: &FaceAuthRecord) -> bool {
        self.after
            .as_ref()
            .is_none_or(|(time, id)| listing_key(record) < (*time, id.as_str()))
    }
}

/// Listing order is this key, descending.
fn listing_key(record: &FaceAuthRecord) -> (DateTime<Utc>, &str) {
    (record.create_time, record.auth_id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::SeedRecord;

    fn query(pairs: &[(&str, &str)]) -> Result<ListQuery, InvalidParameter> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        parse(&pairs)
    }

    fn page_query(pairs: &[(&str, &str)]) -> PageQuery {
        match query(pairs) {
            Ok(ListQuery::Page(page)) => page,
            other => panic!("expected a page query, got {other:?}"),
        }
    }

    fn record(id: &str, time: &str) -> FaceAuthRecord {
        let seed = SeedRecord {
            auth_id: None,
            auth_status: "approved".into(),
            create_time: time.parse().unwrap(),
            submission_id: "s".into(),
            image: None,
        };
        FaceAuthRecord::seeded(seed, id.into(), 85.0)
    }

    fn ids(page: &Page<'_>) -> Vec<String> {
        page.records.iter().map(|r| r.auth_id.clone()).collect()
    }

    #[test]
    fn rejects_bad_parameters() {
        for bad in [
            &[("count", "0")][..],
            &[("count", "2001")],
            &[("count", "ten")],
            &[("startDate", "2026-01-01")],
            &[("startDate", "2026-1-1"), ("endDate", "2026-01-02")],
            &[("startDate", "2026-02-30"), ("endDate", "2026-03-01")],
            &[("nextKey_id", "x")],
            &[("nextKey_id", "x"), ("nextKey_date", "yesterday")],
        ] {
            assert_eq!(query(bad), Err(InvalidParameter), "{bad:?}");
        }
        assert_eq!(
            query(&[("auth_id", "a"), ("count", "0")]),
            Ok(ListQuery::ById("a".into()))
        );
    }

    #[test]
    fn pages_newest_first_with_ties_broken_by_id() {
        let records = [
            record("a", "2026-01-01T00:00:00Z"),
            record("b", "2026-01-02T00:00:00Z"),
            record("c", "2026-01-02T00:00:00Z"),
            record("d", "2026-01-03T00:00:00Z"),
        ];
        let first = page_query(&[("count", "2")]).page(&records);
        assert_eq!(
            (ids(&first), first.more),
            (vec!["d".into(), "c".into()], true)
        );
        let rest = page_query(&[
            ("count", "2"),
            ("nextKey_id", "c"),
            ("nextKey_date", "2026-01-02T00:00:00.000Z"),
        ])
        .page(&records);
        assert_eq!(
            (ids(&rest), rest.more),
            (vec!["b".into(), "a".into()], false)
        );
    }

    #[test]
    fn date_range_is_inclusive() {
        let records = [
            record("a", "2026-01-01T23:59:59.999Z"),
            record("b", "2026-01-02T00:00:00Z"),
            record("c", "2026-01-03T23:59:59.999Z"),
            record("d", "2026-01-04T00:00:00Z"),
        ];
        let query = page_query(&[("startDate", "2026-01-02"), ("endDate", "2026-01-03")]);
        assert_eq!(ids(&query.page(&records)), ["c", "b"]);
    }
}
