//! Feeds the core's log records to the `argos_addon` stdlib logger when the application has
//! configured logging (the Python face sets the level; 0 means off).

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

static PYTHON_LEVEL: AtomicU32 = AtomicU32::new(0);
static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The lowest stdlib level the `argos_addon` logger emits, or 0 when logging is not configured.
#[pyfunction]
pub(crate) fn set_python_log_level(level: u32) {
    PYTHON_LEVEL.store(level, Ordering::Relaxed);
}

pub(crate) struct PythonLogging;

/// Records wait here until a Python thread takes them (after a sync call, or when an event
/// loop drains its finished calls): runtime threads never enter the interpreter.
static PENDING: Mutex<Vec<(u32, String)>> = Mutex::new(Vec::new());

impl<S: Subscriber> Layer<S> for PythonLogging {
    /// Only the log's records: the core's spans (the Python face records its own through
    /// OpenTelemetry) then cost a call nothing.
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if meta.target().starts_with(argos_addon::LOG_TARGET) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let threshold = PYTHON_LEVEL.load(Ordering::Relaxed);
        let meta = event.metadata();
        if threshold == 0 || !meta.target().starts_with(argos_addon::LOG_TARGET) {
            return;
        }
        let level: u32 = match *meta.level() {
            Level::ERROR => 40,
            Level::WARN => 30,
            Level::INFO => 20,
            Level::DEBUG => 10,
            Level::TRACE => 5,
        };
        if level < threshold {
            return;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        PENDING
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((level, message.0));
    }
}

/// Hands the waiting records to the `argos_addon` logger.
pub(crate) fn flush(py: Python<'_>) {
    let pending = std::mem::take(&mut *PENDING.lock().unwrap_or_else(|p| p.into_inner()));
    if pending.is_empty() {
        return;
    }
    let logger = LOGGER.get_or_try_init(py, || {
        py.import("logging")?
            .call_method1("getLogger", ("argos_addon",))
            .map(Bound::unbind)
    });
    if let Ok(logger) = logger {
        for (level, message) in pending {
            let _ = logger.bind(py).call_method1("log", (level, message));
        }
    }
}

/// Keeps only the formatted message, as the stderr printer shows it.
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        }
    }
}
