//! Immutable result classes mirroring the core's models, with `repr`, equality and `to_dict()`.

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;

use crate::convert;

/// `Name(field=repr(value), ...)` from the values' own Python reprs.
fn repr(obj: &Bound<'_, PyAny>, name: &str, fields: &[&str]) -> PyResult<String> {
    let parts = fields
        .iter()
        .map(|f| Ok(format!("{f}={}", obj.getattr(*f)?.repr()?)))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(format!("{name}({})", parts.join(", ")))
}

/// `{field: value}`, calling `to_dict()` on nested results and inside lists.
fn to_dict<'py>(obj: &Bound<'py, PyAny>, fields: &[&str]) -> PyResult<Bound<'py, PyDict>> {
    let py = obj.py();
    let plain = |value: Bound<'py, PyAny>| -> PyResult<Bound<'py, PyAny>> {
        if value.hasattr("to_dict")? {
            value.call_method0("to_dict")
        } else {
            Ok(value)
        }
    };
    let dict = PyDict::new(py);
    for f in fields {
        let value = obj.getattr(*f)?;
        let value = match value.cast::<PyList>() {
            Ok(list) => {
                PyList::new(py, list.iter().map(plain).collect::<PyResult<Vec<_>>>()?)?.into_any()
            }
            Err(_) => plain(value)?,
        };
        dict.set_item(*f, value)?;
    }
    Ok(dict)
}

/// Declares the Python-facing `__repr__` and `to_dict` of a result class from its field list,
/// and with `raw`, a getter for the JSON object as received (a fresh `dict` each time).
macro_rules! describe {
    ($ty:ident, $name:literal, [$($field:literal),* $(,)?] $(, $raw:ident)?) => {
        #[pymethods]
        impl $ty {
            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                repr(slf.as_any(), $name, &[$($field),*])
            }

            /// The fields as a plain `dict` (nested results become dicts too).
            fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
                to_dict(slf.as_any(), &[$($field),*])
            }

            $(
                #[getter]
                fn $raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                    convert::to_py(py, &self.$raw)
                }
            )?
        }
    };
}

#[pyclass(frozen, eq, get_all, module = "argos_addon")]
#[derive(Clone, PartialEq)]
pub(crate) struct Score {
    face_similarity_score: Option<f64>,
    occluded_score: Option<f64>,
    face_cover_score: Option<f64>,
    head_cover_score: Option<f64>,
}
describe!(
    Score,
    "Score",
    [
        "face_similarity_score",
        "occluded_score",
        "face_cover_score",
        "head_cover_score"
    ]
);

impl From<argos_addon::Score> for Score {
    fn from(s: argos_addon::Score) -> Self {
        Score {
            face_similarity_score: s.face_similarity_score,
            occluded_score: s.occluded_score,
            face_cover_score: s.face_cover_score,
            head_cover_score: s.head_cover_score,
        }
    }
}

#[pyclass(frozen, eq, module = "argos_addon")]
#[derive(Clone, PartialEq)]
pub(crate) struct FaceAuthResult {
    #[pyo3(get)]
    authentication_id: String,
    #[pyo3(get)]
    auth_status: String,
    #[pyo3(get)]
    approved: bool,
    #[pyo3(get)]
    score: Score,
    #[pyo3(get)]
    create_time: Option<DateTime<Utc>>,
    #[pyo3(get)]
    fail_codes: Vec<String>,
    #[pyo3(get)]
    rejected_comments: Vec<String>,
    raw: Value,
}
describe!(
    FaceAuthResult,
    "FaceAuthResult",
    [
        "authentication_id",
        "auth_status",
        "approved",
        "score",
        "create_time",
        "fail_codes",
        "rejected_comments"
    ],
    raw
);

impl From<argos_addon::FaceAuthResult> for FaceAuthResult {
    fn from(r: argos_addon::FaceAuthResult) -> Self {
        FaceAuthResult {
            authentication_id: r.authentication_id,
            auth_status: r.auth_status,
            approved: r.approved,
            score: r.score.into(),
            create_time: r.create_time,
            fail_codes: r.fail_codes,
            rejected_comments: r.rejected_comments,
            raw: r.raw,
        }
    }
}

#[pyclass(frozen, eq, get_all, module = "argos_addon")]
#[derive(Clone, PartialEq)]
pub(crate) struct Policy {
    face_similarity_threshold: Option<f64>,
    occluded_threshold: Option<bool>,
    face_cover_threshold: Option<f64>,
    head_cover_threshold: Option<f64>,
    liveness_threshold: Option<f64>,
    active_liveness_threshold: Option<f64>,
}
describe!(
    Policy,
    "Policy",
    [
        "face_similarity_threshold",
        "occluded_threshold",
        "face_cover_threshold",
        "head_cover_threshold",
        "liveness_threshold",
        "active_liveness_threshold"
    ]
);

impl From<argos_addon::Policy> for Policy {
    fn from(p: argos_addon::Policy) -> Self {
        Policy {
            face_similarity_threshold: p.face_similarity_threshold,
            occluded_threshold: p.occluded_threshold,
            face_cover_threshold: p.face_cover_threshold,
            head_cover_threshold: p.head_cover_threshold,
            liveness_threshold: p.liveness_threshold,
            active_liveness_threshold: p.active_liveness_threshold,
        }
    }
}

#[pyclass(frozen, eq, module = "argos_addon")]
#[derive(Clone, PartialEq)]
pub(crate) struct FaceAuthRecord {
    #[pyo3(get)]
    auth_id: String,
    #[pyo3(get)]
    auth_status: String,
    #[pyo3(get)]
    approved: bool,
    #[pyo3(get)]
    create_time: Option<DateTime<Utc>>,
    #[pyo3(get)]
    submit_type: Option<String>,
    #[pyo3(get)]
    kyc_submission_id: Option<String>,
    #[pyo3(get)]
    policy: Option<Policy>,
    #[pyo3(get)]
    deleted: bool,
    raw: Value,
}
describe!(
    FaceAuthRecord,
    "FaceAuthRecord",
    [
        "auth_id",
        "auth_status",
        "approved",
        "create_time",
        "submit_type",
        "kyc_submission_id",
        "policy",
        "deleted"
    ],
    raw
);

impl From<argos_addon::FaceAuthRecord> for FaceAuthRecord {
    fn from(r: argos_addon::FaceAuthRecord) -> Self {
        FaceAuthRecord {
            auth_id: r.auth_id,
            auth_status: r.auth_status,
            approved: r.approved,
            create_time: r.create_time,
            submit_type: r.submit_type,
            kyc_submission_id: r.kyc_submission_id,
            policy: r.policy.map(Policy::from),
            deleted: r.deleted,
            raw: r.raw,
        }
    }
}

#[pyclass(frozen, eq, get_all, module = "argos_addon")]
#[derive(Clone, PartialEq)]
pub(crate) struct FaceAuthPage {
    records: Vec<FaceAuthRecord>,
    next_key: Option<String>,
}
describe!(FaceAuthPage, "FaceAuthPage", ["records", "next_key"]);

impl From<argos_addon::FaceAuthPage> for FaceAuthPage {
    fn from(p: argos_addon::FaceAuthPage) -> Self {
        FaceAuthPage {
            records: p.records.into_iter().map(FaceAuthRecord::from).collect(),
            next_key: p.next_key.map(|k| k.to_string()),
        }
    }
}

#[pyclass(frozen, eq, get_all, module = "argos_addon")]
#[derive(Clone, PartialEq)]
pub(crate) struct WebhookReference {
    user_id: Option<String>,
    email: Option<String>,
    cf1: Option<String>,
    cf2: Option<String>,
    cf3: Option<String>,
}
describe!(
    WebhookReference,
    "WebhookReference",
    ["user_id", "email", "cf1", "cf2", "cf3"]
);

#[pyclass(frozen, eq, module = "argos_addon")]
#[derive(Clone, PartialEq)]
pub(crate) struct FaceAuthWebhook {
    #[pyo3(get)]
    auth_id: String,
    #[pyo3(get)]
    submission_id: Option<String>,
    #[pyo3(get)]
    auth_status: Option<String>,
    #[pyo3(get)]
    create_time: Option<DateTime<Utc>>,
    #[pyo3(get)]
    user_id: Option<String>,
    #[pyo3(get)]
    cf1: Option<String>,
    #[pyo3(get)]
    cf2: Option<String>,
    #[pyo3(get)]
    cf3: Option<String>,
    #[pyo3(get)]
    token_id: Option<String>,
    #[pyo3(get)]
    reference: Option<WebhookReference>,
    #[pyo3(get)]
    version: u8,
    raw: Value,
}
describe!(
    FaceAuthWebhook,
    "FaceAuthWebhook",
    [
        "auth_id",
        "submission_id",
        "auth_status",
        "create_time",
        "user_id",
        "cf1",
        "cf2",
        "cf3",
        "token_id",
        "reference",
        "version"
    ],
    raw
);

impl From<argos_addon::FaceAuthWebhook> for FaceAuthWebhook {
    fn from(w: argos_addon::FaceAuthWebhook) -> Self {
        FaceAuthWebhook {
            auth_id: w.auth_id,
            submission_id: w.submission_id,
            auth_status: w.auth_status,
            create_time: w.create_time,
            user_id: w.user_id,
            cf1: w.cf1,
            cf2: w.cf2,
            cf3: w.cf3,
            token_id: w.token_id,
            reference: w.reference.map(|r| WebhookReference {
                user_id: r.user_id,
                email: r.email,
                cf1: r.cf1,
                cf2: r.cf2,
                cf3: r.cf3,
            }),
            version: w.version,
            raw: w.raw,
        }
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Score>()?;
    m.add_class::<FaceAuthResult>()?;
    m.add_class::<Policy>()?;
    m.add_class::<FaceAuthRecord>()?;
    m.add_class::<FaceAuthPage>()?;
    m.add_class::<WebhookReference>()?;
    m.add_class::<FaceAuthWebhook>()?;
    Ok(())
}
