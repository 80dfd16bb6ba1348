//! Immutable result classes, one per core model and made from its declaration, with `repr`,
//! equality and `to_dict()`.

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert;

/// The fields `repr` and `to_dict()` show: the data, without `raw` (the JSON as received) and
/// `response` (the answer that carried it).
fn shown<'a>(fields: &'a [&'a str]) -> impl Iterator<Item = &'a &'a str> {
    fields.iter().filter(|f| !matches!(**f, "raw" | "response"))
}

/// `Name(field=repr(value), ...)` from the values' own Python reprs.
fn repr(obj: &Bound<'_, PyAny>, name: &str, fields: &[&str]) -> PyResult<String> {
    let parts = shown(fields)
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
    for f in shown(fields) {
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

/// The value of a core field as the class holds it: nested models become their classes, a
/// [`NextKey`](argos_addon::NextKey) its token, `raw` a [`Value`]; the rest stays as it is.
trait Mirror<T> {
    fn mirror(self) -> T;
}

/// The plain types a class holds as the core does; a field of a new plain type is added here.
macro_rules! same {
    ($($ty:ty),*) => {$(
        impl Mirror<$ty> for $ty {
            fn mirror(self) -> $ty {
                self
            }
        }
    )*};
}
same!(String, bool, u8, u64, f64, DateTime<Utc>);

impl<A: Mirror<B>, B> Mirror<Option<B>> for Option<A> {
    fn mirror(self) -> Option<B> {
        self.map(A::mirror)
    }
}

impl<A: Mirror<B>, B> Mirror<Vec<B>> for Vec<A> {
    fn mirror(self) -> Vec<B> {
        self.into_iter().map(A::mirror).collect()
    }
}

/// The next page's key, as its opaque token.
type NextKey = String;

impl Mirror<NextKey> for argos_addon::NextKey {
    fn mirror(self) -> NextKey {
        self.to_string()
    }
}

/// `raw`, the JSON as received: a fresh `dict` (or list, ...) on each access.
#[derive(Clone, PartialEq)]
pub(crate) struct Value(serde_json::Value);

impl Mirror<Value> for serde_json::Value {
    fn mirror(self) -> Value {
        Value(self)
    }
}

impl<'py> IntoPyObject<'py> for &Value {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::to_py(py, &self.0)
    }
}

/// The HTTP answer that carried a result: `result.response`, and the second value of
/// `with_response.image()` / `.delete()`.
#[pyclass(frozen, module = "argos_addon")]
pub(crate) struct ResponseInfo(argos_addon::Response);

impl From<argos_addon::Response> for ResponseInfo {
    fn from(response: argos_addon::Response) -> Self {
        ResponseInfo(response)
    }
}

#[pymethods]
impl ResponseInfo {
    #[getter]
    fn status_code(&self) -> u16 {
        self.0.status_code
    }

    #[getter]
    fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// A fresh `dict` of the answer's headers, names lower-cased.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, value) in self.0.header_pairs() {
            dict.set_item(name, value)?;
        }
        Ok(dict)
    }

    #[getter]
    fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// Seconds from the call's start to the answer read whole.
    #[getter]
    fn elapsed(&self) -> f64 {
        self.0.elapsed.as_secs_f64()
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        repr(slf.as_any(), "ResponseInfo", &RESPONSE_SHOWN[..4])
    }

    fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        to_dict(slf.as_any(), &RESPONSE_SHOWN)
    }
}

/// The fields of [`ResponseInfo`] that `to_dict()` shows; `repr` shows all but the headers.
const RESPONSE_SHOWN: [&str; 5] = [
    "status_code",
    "request_id",
    "attempts",
    "elapsed",
    "headers",
];

/// A model's `response` field: a [`ResponseInfo`] made on each access. Results compare by their
/// data, as in the core, so it is equal to any other.
#[derive(Clone)]
pub(crate) struct Response(argos_addon::Response);

impl PartialEq for Response {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Mirror<Response> for argos_addon::Response {
    fn mirror(self) -> Response {
        Response(self)
    }
}

impl<'py> IntoPyObject<'py> for &Response {
    type Target = ResponseInfo;
    type Output = Bound<'py, ResponseInfo>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, ResponseInfo>> {
        Bound::new(py, ResponseInfo(self.0.clone()))
    }
}

/// A class per core model (from `argos_addon::for_each_model!`), with a getter per field, `==`,
/// `repr` and `to_dict()`, which both leave out `raw`; and `register`, which adds them all. The
/// declaration's attributes (docs, derives) are not carried over.
macro_rules! classes {
    ($(
        $(#[$attr:meta])* $name:ident { $($(#[$fattr:meta])* $field:ident: $ty:ty),* $(,)? }
    )*) => {
        $(
            #[pyclass(frozen, eq, get_all, module = "argos_addon")]
            #[derive(Clone, PartialEq)]
            pub(crate) struct $name {
                $($field: $ty,)*
            }

            impl $name {
                const FIELDS: &[&str] = &[$(stringify!($field)),*];
            }

            #[pymethods]
            impl $name {
                fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                    repr(slf.as_any(), stringify!($name), Self::FIELDS)
                }

                /// The fields as a plain `dict` (nested results become dicts too).
                fn to_dict<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
                    to_dict(slf.as_any(), Self::FIELDS)
                }
            }

            impl From<argos_addon::$name> for $name {
                fn from(model: argos_addon::$name) -> Self {
                    $name {
                        $($field: model.$field.mirror(),)*
                    }
                }
            }

            impl Mirror<$name> for argos_addon::$name {
                fn mirror(self) -> $name {
                    self.into()
                }
            }
        )*

        pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
            m.add_class::<ResponseInfo>()?;
            $(m.add_class::<$name>()?;)*
            Ok(())
        }
    };
}

argos_addon::for_each_model!(classes);
