//! Python values to and from Rust and JSON values (keeping key order), and a client option's
//! value as the core reads it.
//!
//! A value of the right type that Rust cannot hold (a `str` with a lone surrogate, an `int`
//! beyond 64 bits, NaN in JSON, JSON nested without end) is bad input: it raises the package's
//! `ValidationError` (or `ConfigurationError` for a client option), never the `UnicodeEncodeError`,
//! `OverflowError` or stack overflow the plain conversion would give. A value of the wrong type
//! stays a `TypeError`.

use std::borrow::Cow;
use std::path::PathBuf;

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyUnicodeEncodeError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use argos_addon::{ErrorKind, MAX_JSON_DEPTH, OptionValue};

use crate::errors::raise;

/// `err` as an error of `kind` about `what` when it is one of `E` (a value error of the
/// conversion), with `err` as its cause; any other error (a wrong type) is kept.
fn bad_value<E: pyo3::PyTypeInfo>(
    py: Python<'_>,
    err: PyErr,
    kind: ErrorKind,
    what: &str,
) -> PyErr {
    if !err.is_instance_of::<E>(py) {
        return err;
    }
    let converted = raise(py, kind, &format!("{what}: {}", err.value(py)));
    converted.set_cause(py, Some(err));
    converted
}

/// A `str` as UTF-8 text; `what` names it in the message.
pub(crate) fn text(obj: &Bound<'_, PyAny>, kind: ErrorKind, what: &str) -> PyResult<String> {
    let s = obj.cast::<PyString>()?;
    s.to_cow()
        .map(Cow::into_owned)
        .map_err(|e| bad_value::<PyUnicodeEncodeError>(obj.py(), e, kind, what))
}

/// An `int` (or anything with `__index__`) that fits in 64 bits.
pub(crate) fn integer(obj: &Bound<'_, PyAny>, kind: ErrorKind, what: &str) -> PyResult<i64> {
    obj.extract::<i64>()
        .map_err(|e| bad_value::<PyOverflowError>(obj.py(), e, kind, what))
}

/// A real number as a float; an `int` too large for one is out of range.
pub(crate) fn number(obj: &Bound<'_, PyAny>, kind: ErrorKind, what: &str) -> PyResult<f64> {
    obj.extract::<f64>()
        .map_err(|e| bad_value::<PyOverflowError>(obj.py(), e, kind, what))
}

/// The value of the client option `name` as the user gave it; the core decides which types the
/// option takes ([`argos_addon::ClientBuilder::set`]). As in Python, `True` is the int 1.
pub(crate) fn option_value(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<OptionValue> {
    const KIND: ErrorKind = ErrorKind::Configuration;
    let py = obj.py();
    if obj.is_none() {
        return Ok(OptionValue::Null);
    }
    if obj.is_instance_of::<PyInt>() {
        // Beyond 64 bits an int is still a number (a rate, a timeout), but never a count.
        return Ok(match obj.extract::<i64>() {
            Ok(n) => OptionValue::Int(n),
            Err(_) => OptionValue::HugeInt(number(obj, KIND, &format!("{name} is out of range"))?),
        });
    }
    if let Ok(float) = obj.cast::<PyFloat>() {
        return Ok(OptionValue::Float(float.value()));
    }
    if obj.is_instance_of::<PyString>() {
        return text(obj, KIND, &format!("{name} is not valid Unicode")).map(OptionValue::Text);
    }
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(OptionValue::Bytes(bytes.as_bytes().to_vec()));
    }
    if let Ok(mapping) = obj.cast::<PyMapping>() {
        return mapping_value(name, mapping);
    }
    if obj.hasattr(intern!(py, "__fspath__"))? {
        let path = py.import("os")?.call_method1("fspath", (obj,))?;
        if let Ok(bytes) = path.cast::<PyBytes>() {
            return Ok(OptionValue::Path(bytes_path(bytes.as_bytes())));
        }
        return path
            .extract::<PathBuf>()
            .map(OptionValue::Path)
            .map_err(|e| {
                bad_value::<PyUnicodeEncodeError>(
                    py,
                    e,
                    KIND,
                    &format!("{name} is not a usable path"),
                )
            });
    }
    // Numbers of other libraries (NumPy's, `Decimal`) are read as Python reads them.
    if obj.hasattr(intern!(py, "__index__"))? {
        return integer(obj, KIND, &format!("{name} is out of range")).map(OptionValue::Int);
    }
    if obj.hasattr(intern!(py, "__float__"))? {
        return number(obj, KIND, &format!("{name} is out of range")).map(OptionValue::Float);
    }
    Ok(OptionValue::Other(obj.get_type().name()?.to_string()))
}

/// A `Mapping` (e.g. the headers of `default_headers`): its values read as options of their own,
/// named `name[key]` in messages; a key that is not a `str` is a `TypeError`.
fn mapping_value(name: &str, mapping: &Bound<'_, PyMapping>) -> PyResult<OptionValue> {
    let mut entries = Vec::new();
    for item in mapping.items()?.iter() {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        if !key.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(format!(
                "{name} keys must be str, not {}",
                key.get_type().name()?
            )));
        }
        let key = text(
            &key,
            ErrorKind::Configuration,
            &format!("{name} has a key that is not valid Unicode"),
        )?;
        let value = option_value(&format!("{name}[{key:?}]"), &value)?;
        entries.push((key, value));
    }
    Ok(OptionValue::Map(entries))
}

/// The path an `os.PathLike` gave as bytes: the file system's own bytes.
#[cfg(unix)]
fn bytes_path(bytes: &[u8]) -> PathBuf {
    <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes).into()
}

#[cfg(not(unix))]
fn bytes_path(bytes: &[u8]) -> PathBuf {
    String::from_utf8_lossy(bytes).into_owned().into()
}

/// A `str` argument of an operation or helper (pyo3 notes which argument it was).
pub(crate) struct Text(pub(crate) String);

impl FromPyObject<'_, '_> for Text {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        text(
            &obj,
            ErrorKind::Validation,
            "text that is not valid Unicode",
        )
        .map(Text)
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.0
    }
}

/// An `int` argument of an operation or helper that must fit Rust's `T`.
pub(crate) struct Int<T>(pub(crate) T);

impl<'py, T: FromPyObjectOwned<'py>> FromPyObject<'_, 'py> for Int<T> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        obj.extract::<T>().map(Int).map_err(|e| {
            bad_value::<PyOverflowError>(
                obj.py(),
                e.into(),
                ErrorKind::Validation,
                "int out of range",
            )
        })
    }
}

/// A real-number argument of an operation or helper.
pub(crate) struct Num(pub(crate) f64);

impl FromPyObject<'_, '_> for Num {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        number(&obj, ErrorKind::Validation, "number out of range").map(Num)
    }
}

pub(crate) fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (_, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => map_to_py(py, map)?.into_any(),
    })
}

pub(crate) fn map_to_py<'py>(
    py: Python<'py>,
    map: &Map<String, Value>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in map {
        dict.set_item(k, to_py(py, v)?)?;
    }
    Ok(dict)
}

fn json_value(py: Python<'_>, message: &str) -> PyErr {
    raise(py, ErrorKind::Validation, &format!("params: {message}"))
}

/// `obj` as JSON; `depth` counts the objects and arrays around it, the parameters included.
fn from_py(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    let py = obj.py();
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // bool before int: in Python, True is an int.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(i.into());
        }
        return obj
            .extract::<u64>()
            .map(Value::from)
            .map_err(|_| json_value(py, "an int beyond 64 bits has no exact JSON number"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| json_value(py, "NaN and infinity have no JSON form"));
    }
    if obj.is_instance_of::<PyString>() {
        return text(
            obj,
            ErrorKind::Validation,
            "params: text that is not valid Unicode",
        )
        .map(Value::String);
    }
    let is_list = obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>();
    if is_list || obj.is_instance_of::<PyDict>() {
        if depth >= MAX_JSON_DEPTH {
            return Err(json_value(
                py,
                &format!(
                    "nested deeper than {MAX_JSON_DEPTH} levels (or a container that holds itself)"
                ),
            ));
        }
        if let Ok(dict) = obj.cast::<PyDict>() {
            return dict_from_py(dict, depth + 1).map(Value::Object);
        }
        return obj
            .try_iter()?
            .map(|item| from_py(&item?, depth + 1))
            .collect();
    }
    Err(PyTypeError::new_err(format!(
        "cannot put a {} in JSON",
        obj.get_type().name()?
    )))
}

/// The parameters of `encrypt_query`: a `dict` of JSON values, keys in order.
pub(crate) fn params_from_py(dict: &Bound<'_, PyDict>) -> PyResult<Map<String, Value>> {
    dict_from_py(dict, 1)
}

fn dict_from_py(dict: &Bound<'_, PyDict>, depth: usize) -> PyResult<Map<String, Value>> {
    let mut map = Map::new();
    for (k, v) in dict.iter() {
        if !k.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err("JSON object keys must be str"));
        }
        let key = text(
            &k,
            ErrorKind::Validation,
            "params: a key that is not valid Unicode",
        )?;
        map.insert(key, from_py(&v, depth)?);
    }
    Ok(map)
}
