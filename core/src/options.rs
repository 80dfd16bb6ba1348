//! The client options, declared once: their names in each host, how a host value is read, their
//! defaults and documentation. Bindings hand every option the user gave to [`ClientBuilder::set`];
//! `xtask surface` renders `Client()`'s signature (`_client.py`) and `ClientOptions`
//! (`index.d.ts`) from [`CLIENT_OPTIONS`].

use std::path::PathBuf;
use std::time::Duration;

use crate::budget::BudgetFailure;
use crate::call::CallOptions;
use crate::client::ClientBuilder;
use crate::error::{Error, Result};

/// The language whose user gave an option: it decides the option's name in messages and the unit
/// of durations (seconds in Python, as in the Rust builder; milliseconds in Node).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    Python,
    Node,
}

/// An option's value as the host gave it, before the core reads it.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionValue {
    /// `None` / `null`.
    Null,
    Int(i64),
    /// A Python `int` beyond 64 bits, as the nearest float: a number, but no count.
    HugeInt(f64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
    /// A path object (`os.PathLike`).
    Path(PathBuf),
    /// A `dict` / plain object, its keys as text.
    Map(Vec<(String, OptionValue)>),
    /// Any other value; the text names its type in the host's words (`list`, `boolean`).
    Other(String),
}

/// How an option's value is read, and the builder method that takes it.
#[derive(Clone, Copy, Debug)]
pub enum OptionType {
    /// Text; Python's `None` leaves it to its environment variable or default.
    Text(fn(ClientBuilder, String) -> ClientBuilder),
    /// A positive duration.
    Duration(fn(ClientBuilder, Duration) -> ClientBuilder),
    /// A whole number of at least `min`.
    Count {
        min: i64,
        set: fn(ClientBuilder, u64) -> ClientBuilder,
    },
    /// Requests per second; `None` / `null` turns the limit off.
    Rate(fn(ClientBuilder, Option<f64>) -> ClientBuilder),
    /// PEM text, PEM bytes, or the path of a PEM file; Python's `None` means none.
    Pem(fn(ClientBuilder, Vec<u8>) -> ClientBuilder),
    /// A whole number of at least `min`, or `None` / `null` for none.
    OptionalCount {
        min: i64,
        set: fn(ClientBuilder, u64) -> ClientBuilder,
    },
    /// One of `names`; Python's `None` leaves the default, the first name.
    Choice {
        names: &'static [&'static str],
        set: fn(ClientBuilder, &str) -> Result<ClientBuilder>,
    },
    /// Header names and text values; `None` / `null` for none.
    Headers(fn(ClientBuilder, Vec<(String, String)>) -> ClientBuilder),
}

/// One client option.
#[derive(Clone, Copy, Debug)]
pub struct ClientOption {
    /// The Rust builder method and the Python keyword.
    pub name: &'static str,
    /// The key of Node's options object.
    pub js_name: &'static str,
    pub ty: OptionType,
    /// The Python keyword's default: a literal, or a `DEFAULT_*` name of `_client.py`.
    pub python_default: &'static str,
    /// One sentence for `Client()`'s docstring and the TypeScript types.
    pub doc: &'static str,
}

/// Every option a user may give, in the order of the README's table.
pub const CLIENT_OPTIONS: &[ClientOption] = &[
    ClientOption {
        name: "api_key",
        js_name: "apiKey",
        ty: OptionType::Text(|b, key| b.api_key(key)),
        python_default: "None",
        doc: "The Add-On project's key; defaults to $ARGOS_API_KEY. Never printed anywhere.",
    },
    ClientOption {
        name: "base_url",
        js_name: "baseUrl",
        ty: OptionType::Text(|b, url| b.base_url(url)),
        python_default: "None",
        doc: "An https:// URL; defaults to $ARGOS_BASE_URL, else the ARGOS API.",
    },
    ClientOption {
        name: "timeout",
        js_name: "timeout",
        ty: OptionType::Duration(ClientBuilder::timeout),
        python_default: "DEFAULT_TIMEOUT",
        doc: "Per attempt, for the whole request and answer. Default 60 s.",
    },
    ClientOption {
        name: "connect_timeout",
        js_name: "connectTimeout",
        ty: OptionType::Duration(ClientBuilder::connect_timeout),
        python_default: "DEFAULT_CONNECT_TIMEOUT",
        doc: "For opening a connection. Default 10 s.",
    },
    ClientOption {
        name: "max_retries",
        js_name: "maxRetries",
        ty: OptionType::Count {
            min: 0,
            set: |b, n| b.max_retries(n.min(u32::MAX.into()) as u32),
        },
        python_default: "DEFAULT_MAX_RETRIES",
        doc: "Retries after the first attempt. Default 2.",
    },
    ClientOption {
        name: "ca_cert",
        js_name: "caCert",
        ty: OptionType::Pem(|b, pem| b.ca_cert_pem(pem)),
        python_default: "None",
        doc: "Extra trusted roots: PEM text, PEM bytes or the path of a PEM file.",
    },
    ClientOption {
        name: "rate_limit",
        js_name: "rateLimit",
        ty: OptionType::Rate(ClientBuilder::rate_limit),
        python_default: "DEFAULT_RATE_LIMIT",
        doc: "Requests per second of the client-side limit (default 5000); None / null turns it off.",
    },
    ClientOption {
        name: "max_upload_bytes",
        js_name: "maxUploadBytes",
        ty: OptionType::Count {
            min: 1,
            set: ClientBuilder::max_upload_bytes,
        },
        python_default: "DEFAULT_MAX_UPLOAD_BYTES",
        doc: "Larger face images are refused before upload. Default 10 MiB.",
    },
    ClientOption {
        name: "max_response_bytes",
        js_name: "maxResponseBytes",
        ty: OptionType::Count {
            min: 1,
            set: ClientBuilder::max_response_bytes,
        },
        python_default: "DEFAULT_MAX_RESPONSE_BYTES",
        doc: "Larger successful answers are refused (code response_too_large). Default 32 MiB.",
    },
    ClientOption {
        name: "daily_quota",
        js_name: "dailyQuota",
        ty: OptionType::OptionalCount {
            min: 1,
            set: ClientBuilder::daily_quota,
        },
        python_default: "None",
        doc: "The key's daily cap, counted per UTC day fleet-wide with a budget store, else per client. Default none.",
    },
    ClientOption {
        name: "budget_url",
        js_name: "budgetUrl",
        ty: OptionType::Text(|b, url| b.budget_url(url)),
        python_default: "None",
        doc: "redis:// or rediss:// URL (a Redis Cluster: node URLs, comma-separated) of the budget shared by every client of this key; defaults to $ARGOS_BUDGET_URL, else none.",
    },
    ClientOption {
        name: "budget_failure",
        js_name: "budgetFailure",
        ty: OptionType::Choice {
            names: &BudgetFailure::NAMES,
            set: |b, name| Ok(b.budget_failure(BudgetFailure::parse(name)?)),
        },
        python_default: "None",
        doc: "When the budget store cannot answer in time: \"local\" (default) uses this process's own budget, \"open\" sends without one, \"closed\" raises BudgetUnavailableError.",
    },
    ClientOption {
        name: "default_headers",
        js_name: "defaultHeaders",
        ty: OptionType::Headers(ClientBuilder::default_headers),
        python_default: "None",
        doc: "Headers sent on every request; x-api-key, content-type, content-length, host, traceparent and tracestate cannot be set.",
    },
];

/// Why [`ClientBuilder::set`] refused a value.
#[derive(Debug)]
pub enum OptionError {
    /// A value of a type the option never takes (Python raises `TypeError` for it).
    WrongType(String),
    /// A value of the right type that breaks the option's rule, or an unknown option
    /// (a `ConfigurationError`).
    Invalid(Error),
}

impl From<Error> for OptionError {
    fn from(err: Error) -> Self {
        OptionError::Invalid(err)
    }
}

impl ClientOption {
    /// The option of that name in `host`'s spelling; an unknown name is a configuration error
    /// that lists the known ones.
    pub fn find(host: Host, name: &str) -> Result<&'static ClientOption> {
        CLIENT_OPTIONS
            .iter()
            .find(|o| o.spelled(host) == name)
            .ok_or_else(|| {
                let known: Vec<_> = CLIENT_OPTIONS.iter().map(|o| o.spelled(host)).collect();
                let client = match host {
                    Host::Python => "Client()",
                    Host::Node => "new Client()",
                };
                Error::configuration(format!(
                    "{client} has no option {name:?}; known: {}",
                    known.join(", ")
                ))
            })
    }

    /// The option's name as `host`'s users write it.
    pub fn spelled(&self, host: Host) -> &'static str {
        match host {
            Host::Python => self.name,
            Host::Node => self.js_name,
        }
    }
}

impl ClientBuilder {
    /// Sets the option `name` (in `host`'s spelling) from a value as the host gave it: the one
    /// place where the bindings' options are read and checked.
    pub fn set(
        self,
        host: Host,
        name: &str,
        value: OptionValue,
    ) -> std::result::Result<Self, OptionError> {
        let option = ClientOption::find(host, name)?;
        let wrong = |expected: &str, value: &OptionValue| {
            OptionError::WrongType(format!(
                "{name} must be {expected}, not {}",
                type_name(host, value)
            ))
        };
        // Python's None (every keyword's default) leaves a text or PEM option to its environment
        // variable or default; Node leaves an option out with `undefined`, and `null` is not
        // text. Null turns the rate limit off in both; a duration or a count has no "none".
        let unset = match option.ty {
            OptionType::Text(_) | OptionType::Pem(_) | OptionType::Choice { .. } => {
                host == Host::Python
            }
            OptionType::OptionalCount { .. } | OptionType::Headers(_) => true,
            _ => false,
        };
        Ok(match (option.ty, value) {
            (_, OptionValue::Null) if unset => self,
            (OptionType::Text(set), OptionValue::Text(text)) => set(self, text),
            (OptionType::Text(_), value) => return Err(wrong("a string", &value)),
            (OptionType::Duration(set), value) => {
                let amount = number(&value).ok_or_else(|| wrong("a number", &value))?;
                set(self, duration(host, name, amount)?)
            }
            (OptionType::Count { min, set } | OptionType::OptionalCount { min, set }, value) => {
                let expected = match host {
                    Host::Python => "an integer",
                    Host::Node => "a number",
                };
                let whole = whole(host, name, &value).ok_or_else(|| wrong(expected, &value))?;
                set(self, crate::config::int_option(name, whole?, min)?)
            }
            (OptionType::Choice { set, .. }, OptionValue::Text(text)) => set(self, &text)?,
            (OptionType::Choice { .. }, value) => return Err(wrong("a string", &value)),
            (OptionType::Rate(set), OptionValue::Null) => set(self, None),
            (OptionType::Rate(set), value) => set(
                self,
                Some(number(&value).ok_or_else(|| wrong("a number", &value))?),
            ),
            (OptionType::Headers(set), value) => set(self, header_pairs(host, name, value)?),
            (OptionType::Pem(set), OptionValue::Bytes(pem)) => set(self, pem),
            (OptionType::Pem(set), OptionValue::Text(text)) if text.contains("-----BEGIN") => {
                set(self, text.into_bytes())
            }
            (OptionType::Pem(set), OptionValue::Text(path)) => {
                set(self, pem_file(name, path.into())?)
            }
            (OptionType::Pem(set), OptionValue::Path(path)) => set(self, pem_file(name, path)?),
            (OptionType::Pem(_), value) => {
                let expected = match host {
                    Host::Python => "PEM text, PEM bytes or a path",
                    Host::Node => "PEM text, a PEM file's path or a Buffer",
                };
                return Err(wrong(expected, &value));
            }
        })
    }
}

impl CallOptions {
    /// Sets the option `name` (`timeout`, `max_retries` / `maxRetries`, `extra_headers` /
    /// `extraHeaders`) from a value as the host gave it; `None` / `undefined` leave it unchanged.
    pub fn set(
        mut self,
        host: Host,
        name: &str,
        value: OptionValue,
    ) -> std::result::Result<Self, OptionError> {
        let spelled = |python: &'static str, node: &'static str| match host {
            Host::Python => python,
            Host::Node => node,
        };
        let wrong = |expected: &str| {
            OptionError::WrongType(format!(
                "{name} must be {expected}, not {}",
                type_name(host, &value)
            ))
        };
        if value == OptionValue::Null {
            return Ok(self);
        }
        if name == "timeout" {
            let amount = match value {
                OptionValue::Int(n) => n as f64,
                OptionValue::HugeInt(x) | OptionValue::Float(x) => x,
                _ => return Err(wrong("a number")),
            };
            self.timeout = Some(duration(host, name, amount)?);
        } else if name == spelled("max_retries", "maxRetries") {
            let expected = spelled("an integer", "a number");
            let n = whole(host, name, &value).ok_or_else(|| wrong(expected))??;
            self.max_retries =
                Some(crate::config::int_option(name, n, 0)?.min(u32::MAX.into()) as u32);
        } else if name == spelled("extra_headers", "extraHeaders") {
            let pairs = header_pairs(host, name, value)?;
            // Checked here too, so that the message names the option as the host spells it.
            crate::headers::user_headers(name, &pairs)?;
            self.extra_headers = pairs;
        } else {
            let known = spelled(
                "timeout, max_retries, extra_headers",
                "timeout, maxRetries, extraHeaders",
            );
            return Err(Error::configuration(format!(
                "with_options has no option {name:?}; known: {known}"
            ))
            .into());
        }
        Ok(self)
    }
}

fn number(value: &OptionValue) -> Option<f64> {
    match *value {
        OptionValue::Int(n) => Some(n as f64),
        OptionValue::HugeInt(x) | OptionValue::Float(x) => Some(x),
        _ => None,
    }
}

/// The (name, value) pairs of a header option: a map of text to text.
pub(crate) fn header_pairs(
    host: Host,
    name: &str,
    value: OptionValue,
) -> std::result::Result<Vec<(String, String)>, OptionError> {
    let expected = match host {
        Host::Python => "a dict of str to str",
        Host::Node => "an object of string values",
    };
    let OptionValue::Map(entries) = value else {
        return Err(OptionError::WrongType(format!(
            "{name} must be {expected}, not {}",
            type_name(host, &value)
        )));
    };
    entries
        .into_iter()
        .map(|(header, value)| match value {
            OptionValue::Text(text) => Ok((header, text)),
            other => Err(OptionError::WrongType(format!(
                "{name}[{header:?}] must be {}, not {}",
                match host {
                    Host::Python => "a str",
                    Host::Node => "a string",
                },
                type_name(host, &other)
            ))),
        })
        .collect()
}

/// A duration in the host's unit: seconds, or milliseconds in Node.
pub(crate) fn duration(host: Host, name: &str, amount: f64) -> Result<Duration> {
    match host {
        Host::Python => crate::config::duration_from_secs(name, amount),
        // The core's rule, in the unit the Node user gave.
        Host::Node => crate::config::duration_from_secs(name, amount / 1000.0).map_err(|_| {
            Error::configuration(format!(
                "{name} must be a positive, finite number of milliseconds, got {amount}"
            ))
        }),
    }
}

/// The whole number a count option was given; `None` for a value of another type, and a wrong
/// value for one no `i64` holds or, in Node, a number that is not a safe integer.
pub(crate) fn whole(host: Host, name: &str, value: &OptionValue) -> Option<Result<i64>> {
    match *value {
        OptionValue::Int(n) => Some(Ok(n)),
        OptionValue::HugeInt(_) => {
            Some(Err(Error::configuration(format!("{name} is out of range"))))
        }
        OptionValue::Float(x) if host == Host::Node => {
            Some(crate::validate::safe_integer(name, x).map_err(Error::configuration))
        }
        _ => None,
    }
}

fn pem_file(name: &str, path: PathBuf) -> Result<Vec<u8>> {
    std::fs::read(&path).map_err(|err| {
        // The system's words ("No such file or directory"), without Rust's "(os error 2)".
        let err = err.to_string();
        let why = err.split(" (os error").next().unwrap_or(&err);
        Error::configuration(format!(
            "{name} is neither PEM text nor a readable PEM file ({why})"
        ))
    })
}

/// The type of `value` in the host's words, for "must be …, not <type>".
pub(crate) fn type_name(host: Host, value: &OptionValue) -> String {
    let name = match (host, value) {
        (_, OptionValue::Other(name)) => return name.clone(),
        (Host::Python, OptionValue::Null) => "None",
        (Host::Node, OptionValue::Null) => "null",
        (Host::Python, OptionValue::Int(_) | OptionValue::HugeInt(_)) => "int",
        (Host::Python, OptionValue::Float(_)) => "float",
        (Host::Node, OptionValue::Int(_) | OptionValue::HugeInt(_) | OptionValue::Float(_)) => {
            "number"
        }
        (Host::Python, OptionValue::Text(_)) => "str",
        (Host::Node, OptionValue::Text(_)) => "string",
        (Host::Python, OptionValue::Bytes(_)) => "bytes",
        (Host::Node, OptionValue::Bytes(_)) => "Buffer",
        (_, OptionValue::Path(_)) => "path",
        (Host::Python, OptionValue::Map(_)) => "dict",
        (Host::Node, OptionValue::Map(_)) => "object",
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Client, Config, ErrorKind};

    const PY: Host = Host::Python;
    const JS: Host = Host::Node;

    fn text(value: &str) -> OptionValue {
        OptionValue::Text(value.to_owned())
    }

    fn set(host: Host, name: &str, value: OptionValue) -> std::result::Result<Config, OptionError> {
        let builder = Client::builder()
            .api_key("key-0001")
            .base_url("https://argos.test/v3");
        Ok(builder.set(host, name, value)?.resolve()?)
    }

    fn resolved(host: Host, name: &str, value: OptionValue) -> Config {
        set(host, name, value).unwrap_or_else(|err| panic!("{name}: {err:?}"))
    }

    /// The resolved value of the option `name` (in `host`'s spelling), as text.
    fn value_of(config: &Config, host: Host, name: &str) -> String {
        match ClientOption::find(host, name).unwrap().name {
            "api_key" => config.api_key.expose().to_owned(),
            "base_url" => config.base_url().to_owned(),
            "timeout" => format!("{:?}", config.timeout()),
            "connect_timeout" => format!("{:?}", config.connect_timeout()),
            "max_retries" => config.max_retries().to_string(),
            "rate_limit" => format!("{:?}", config.rate_limit()),
            "max_upload_bytes" => config.max_upload_bytes().to_string(),
            "max_response_bytes" => config.max_response_bytes().to_string(),
            "ca_cert" => format!("{} certificate(s)", config.ca_certs.len()),
            other => unreachable!("{other}"),
        }
    }

    fn invalid(host: Host, name: &str, value: OptionValue) -> String {
        match set(host, name, value) {
            Err(OptionError::Invalid(err)) if err.kind() == ErrorKind::Configuration => {
                err.message().to_owned()
            }
            other => panic!("{name}: expected a Configuration error, got {other:?}"),
        }
    }

    #[test]
    fn each_type_in_both_hosts() {
        use OptionValue::{Float, Int, Null};
        let cases = [
            (PY, "api_key", text("py-key"), "py-key"),
            (
                JS,
                "baseUrl",
                text("https://js.test/v1"),
                "https://js.test/v1",
            ),
            (PY, "api_key", Null, "key-0001"),
            (PY, "timeout", Int(2), "2s"),
            (PY, "connect_timeout", Float(0.25), "250ms"),
            (JS, "timeout", Float(1500.0), "1.5s"),
            (JS, "connectTimeout", Int(2), "2ms"),
            (PY, "max_retries", Int(5), "5"),
            (PY, "max_retries", Int(i64::MAX), "4294967295"),
            (JS, "maxRetries", Float(3.0), "3"),
            (PY, "max_upload_bytes", Int(1), "1"),
            (JS, "maxResponseBytes", Float(4096.0), "4096"),
            (PY, "rate_limit", Int(10), "Some(10.0)"),
            (JS, "rateLimit", Float(2.5), "Some(2.5)"),
            (PY, "rate_limit", Null, "None"),
            (PY, "rate_limit", OptionValue::HugeInt(1e20), "Some(1e20)"),
            (JS, "rateLimit", Null, "None"),
        ];
        for (host, name, value, expected) in cases {
            let config = resolved(host, name, value);
            assert_eq!(value_of(&config, host, name), expected, "{host:?} {name}");
        }
    }

    #[test]
    fn values_that_break_a_rule() {
        use OptionValue::{Float, HugeInt, Int};
        let cases = [
            (
                PY,
                "max_retries",
                HugeInt(1e20),
                "max_retries is out of range",
            ),
            (
                PY,
                "timeout",
                Int(0),
                "timeout must be a positive number of seconds, got 0",
            ),
            (
                JS,
                "connectTimeout",
                Float(f64::NAN),
                "connectTimeout must be a positive, finite number of milliseconds, got NaN",
            ),
            (
                PY,
                "max_retries",
                Int(-1),
                "max_retries must be at least 0, got -1",
            ),
            (
                JS,
                "maxResponseBytes",
                Float(0.0),
                "maxResponseBytes must be at least 1, got 0",
            ),
        ];
        for (host, name, value, expected) in cases {
            assert_eq!(invalid(host, name, value), expected);
        }
    }

    #[test]
    fn a_count_must_be_whole_in_node() {
        for x in [1.5, f64::INFINITY, 1e300] {
            assert_eq!(
                invalid(JS, "maxRetries", OptionValue::Float(x)),
                format!("maxRetries must be a whole number of at most 2^53 - 1 in size, got {x}")
            );
        }
    }

    #[test]
    fn wrong_types_name_what_was_expected_and_given() {
        use OptionValue::{Bytes, Float, Int, Null, Other, Path};
        let cases = [
            (PY, "timeout", Null, "timeout must be a number, not None"),
            (JS, "apiKey", Null, "apiKey must be a string, not null"),
            (
                JS,
                "maxUploadBytes",
                Null,
                "maxUploadBytes must be a number, not null",
            ),
            (PY, "api_key", Int(1), "api_key must be a string, not int"),
            (
                JS,
                "apiKey",
                Bytes(vec![1]),
                "apiKey must be a string, not Buffer",
            ),
            (
                PY,
                "base_url",
                Path("/x".into()),
                "base_url must be a string, not path",
            ),
            (
                PY,
                "timeout",
                text("5"),
                "timeout must be a number, not str",
            ),
            (
                JS,
                "timeout",
                text("5"),
                "timeout must be a number, not string",
            ),
            (
                PY,
                "max_retries",
                Float(1.0),
                "max_retries must be an integer, not float",
            ),
            (
                JS,
                "maxRetries",
                Other("boolean".into()),
                "maxRetries must be a number, not boolean",
            ),
            (
                PY,
                "rate_limit",
                Other("list".into()),
                "rate_limit must be a number, not list",
            ),
            (
                PY,
                "ca_cert",
                Int(1),
                "ca_cert must be PEM text, PEM bytes or a path, not int",
            ),
            (
                JS,
                "caCert",
                Float(1.0),
                "caCert must be PEM text, a PEM file's path or a Buffer, not number",
            ),
            (
                PY,
                "default_headers",
                text("x-team: kyc"),
                "default_headers must be a dict of str to str, not str",
            ),
            (
                JS,
                "defaultHeaders",
                OptionValue::Map(vec![("x-n".into(), Int(1))]),
                "defaultHeaders[\"x-n\"] must be a string, not number",
            ),
        ];
        for (host, name, value, expected) in cases {
            match set(host, name, value) {
                Err(OptionError::WrongType(message)) => assert_eq!(message, expected),
                other => panic!("{name}: expected WrongType, got {other:?}"),
            }
        }
    }

    #[test]
    fn ca_cert_from_text_bytes_or_a_path() {
        let mock = argos_addon_mock::MockServer::start(Default::default()).unwrap();
        let pem = mock.ca_cert_pem().to_owned();
        let file = std::env::temp_dir().join(format!(
            "argos-addon-options-{}-{}.pem",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::write(&file, &pem).unwrap();
        let path = file.to_string_lossy().into_owned();
        let cases = [
            (PY, "ca_cert", text(&pem)),
            (JS, "caCert", text(&pem)),
            (PY, "ca_cert", OptionValue::Bytes(pem.clone().into_bytes())),
            (JS, "caCert", OptionValue::Bytes(pem.clone().into_bytes())),
            (PY, "ca_cert", OptionValue::Path(file.clone())),
            (PY, "ca_cert", text(&path)),
            (JS, "caCert", text(&path)),
        ];
        for (host, name, value) in cases {
            let config = resolved(host, name, value);
            assert_eq!(
                value_of(&config, host, name),
                "1 certificate(s)",
                "{host:?}"
            );
        }
        std::fs::remove_file(&file).unwrap();
        let gone = invalid(PY, "ca_cert", OptionValue::Path(file));
        assert!(
            gone.starts_with("ca_cert is neither PEM text nor a readable PEM file"),
            "{gone}"
        );
        let gone = invalid(JS, "caCert", text(&path));
        assert!(
            gone.starts_with("caCert is neither PEM text nor a readable PEM file"),
            "{gone}"
        );
    }

    #[test]
    fn default_headers_are_checked_when_the_client_is_built() {
        let map = |pairs: &[(&str, &str)]| {
            OptionValue::Map(pairs.iter().map(|(n, v)| ((*n).into(), text(v))).collect())
        };
        let config = resolved(JS, "defaultHeaders", map(&[("X-Team", "kyc")]));
        assert_eq!(config.default_headers()["x-team"], "kyc");
        assert!(
            resolved(PY, "default_headers", OptionValue::Null)
                .default_headers()
                .is_empty()
        );
        assert_eq!(
            invalid(PY, "default_headers", map(&[("X-Api-Key", "other")])),
            "default_headers cannot set x-api-key: the client sets it itself"
        );
    }

    #[test]
    fn call_options_in_both_hosts() {
        use crate::CallOptions;
        use OptionValue::{Float, Int, Null};
        let client = Client::builder()
            .api_key("key-0001")
            .base_url("https://argos.test/v3")
            .build()
            .unwrap();
        let set = |host, name: &str, value| CallOptions::new().set(host, name, value);
        let copy = |options: CallOptions| client.with_options(&options);
        let py = copy(set(PY, "timeout", Float(2.5)).unwrap()).unwrap();
        assert_eq!(py.timeout(), Duration::from_millis(2500));
        assert_eq!(py.max_retries(), client.max_retries());
        let js = copy(set(JS, "timeout", Int(250)).unwrap()).unwrap();
        assert_eq!(js.timeout(), Duration::from_millis(250));
        let retries = copy(set(JS, "maxRetries", Int(0)).unwrap()).unwrap();
        assert_eq!(
            (retries.max_retries(), retries.timeout()),
            (0, client.timeout())
        );
        assert_eq!(
            copy(set(PY, "max_retries", Null).unwrap())
                .unwrap()
                .max_retries(),
            client.max_retries()
        );
        let message = |result: std::result::Result<CallOptions, OptionError>| match result {
            Err(OptionError::WrongType(m)) => m,
            Err(OptionError::Invalid(e)) => e.message().to_owned(),
            Ok(_) => panic!("accepted"),
        };
        assert_eq!(
            message(set(PY, "timeout", Int(-1))),
            "timeout must be a positive number of seconds, got -1"
        );
        assert_eq!(
            message(set(PY, "max_retries", Float(1.5))),
            "max_retries must be an integer, not float"
        );
        assert_eq!(
            message(set(JS, "max_retries", Int(1))),
            "with_options has no option \"max_retries\"; known: timeout, maxRetries, extraHeaders"
        );
        let reserved = || OptionValue::Map(vec![("Traceparent".into(), text("x"))]);
        assert_eq!(
            message(set(PY, "extra_headers", reserved())),
            "extra_headers cannot set traceparent: the client sets it itself"
        );
        assert_eq!(
            message(set(JS, "extraHeaders", reserved())),
            "extraHeaders cannot set traceparent: the client sets it itself"
        );
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        assert_eq!(
            invalid(PY, "apiKey", text("k")),
            "Client() has no option \"apiKey\"; known: api_key, base_url, timeout, \
             connect_timeout, max_retries, ca_cert, rate_limit, max_upload_bytes, max_response_bytes, \
             daily_quota, budget_url, budget_failure, default_headers"
        );
        assert_eq!(
            invalid(JS, "api_key", text("k")),
            "new Client() has no option \"api_key\"; known: apiKey, baseUrl, timeout, \
             connectTimeout, maxRetries, caCert, rateLimit, maxUploadBytes, maxResponseBytes, \
             dailyQuota, budgetUrl, budgetFailure, defaultHeaders"
        );
    }
}
