//! How a call finishes: waited for on the calling thread, or settled in an asyncio event loop
//! without a runtime thread ever entering the interpreter.
//!
//! Every operation takes an optional last argument, its [`Target`]; [`finish`] blocks without
//! one and starts the call on the runtime with one.
//!
//! A finished call leaves a Rust value in its loop's [`Completions`] queue and, when the queue
//! was empty, writes one byte to a pipe the loop watches (`loop.add_reader`). On the loop's own
//! thread, Python then drains the queue, turning the values into objects and settling the
//! futures. So a burst of completions costs one wake-up, and interpreter shutdown can never race
//! a runtime thread that holds the GIL.

use std::collections::HashMap;
use std::fs::File;
use std::future::Future;
use std::io::Write;
use std::mem::ManuallyDrop;
use std::os::fd::{FromRawFd, RawFd};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::FutureExt;
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::PyList;
use tokio::task::AbortHandle;

use crate::errors::{panicked, to_py};
use crate::runtime::{block_on, runtime};

type Outcome = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

struct Queue {
    done: Mutex<Vec<(u64, Outcome)>>,
    wake_fd: RawFd,
}

impl Queue {
    fn push(&self, id: u64, outcome: Outcome) {
        let was_empty = {
            let mut done = lock(&self.done);
            done.push((id, outcome));
            done.len() == 1
        };
        if was_empty {
            // SAFETY: the Python side keeps the pipe open as long as this queue can be reached;
            // ManuallyDrop borrows the descriptor without closing it.
            let mut pipe = ManuallyDrop::new(unsafe { File::from_raw_fd(self.wake_fd) });
            // The pipe is non-blocking: a full one already holds a pending wake-up.
            let _ = pipe.write(b"\x01");
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The finished calls of one event loop.
#[pyclass(frozen, module = "argos_addon._native")]
pub(crate) struct Completions {
    queue: Arc<Queue>,
    running: Mutex<HashMap<u64, AbortHandle>>,
}

#[pymethods]
impl Completions {
    /// `wake_fd` is the write end of a non-blocking pipe whose read end the loop watches.
    #[new]
    fn new(wake_fd: RawFd) -> Self {
        Completions {
            queue: Arc::new(Queue {
                done: Mutex::new(Vec::new()),
                wake_fd,
            }),
            running: Mutex::new(HashMap::new()),
        }
    }

    /// Every call finished since the last drain, as `(id, value, exception)` tuples.
    fn drain<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let done = std::mem::take(&mut *lock(&self.queue.done));
        crate::logging::flush(py);
        let list = PyList::empty(py);
        let mut running = lock(&self.running);
        for (id, outcome) in done {
            running.remove(&id);
            match outcome(py) {
                Ok(value) => list.append((id, value, py.None()))?,
                Err(err) => list.append((id, py.None(), err.into_value(py)))?,
            }
        }
        Ok(list)
    }

    /// Stops a call whose future was cancelled.
    fn cancel(&self, id: u64) {
        if let Some(task) = lock(&self.running).remove(&id) {
            task.abort();
        }
    }
}

impl Completions {
    /// Runs `fut`, the call `what`, on the runtime; its result reaches Python through
    /// [`Completions::drain`]. A panic in it is the call's `ArgosError`, not a future that
    /// never settles.
    fn spawn<T, F>(&self, id: u64, what: &'static str, fut: F)
    where
        F: Future<Output = argos_addon::Result<T>> + Send + 'static,
        T: for<'py> IntoPyObject<'py> + Send + 'static,
    {
        let queue = self.queue.clone();
        let task = runtime().spawn(async move {
            let result = AssertUnwindSafe(fut).catch_unwind().await;
            let outcome: Outcome = Box::new(move |py| match result {
                Ok(Ok(value)) => value.into_py_any(py),
                Ok(Err(err)) => Err(to_py(py, &err)),
                Err(panic) => Err(panicked(py, what, &*panic)),
            });
            queue.push(id, outcome);
        });
        // Inserted on the loop's thread before any drain there, so drain always finds it.
        lock(&self.running).insert(id, task.abort_handle());
    }
}

/// Where an async call's outcome goes: the future `id` of an event loop's [`Completions`],
/// given from Python as the tuple `(completions, id)` (see `_bridge.start`).
pub(crate) struct Target<'py> {
    completions: Bound<'py, Completions>,
    id: u64,
}

impl<'py> FromPyObject<'_, 'py> for Target<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        let (completions, id) = obj.extract()?;
        Ok(Target { completions, id })
    }
}

/// A call's value when it was waited for, `None` when it was started with a [`Target`].
pub(crate) type Finished<T> = PyResult<Option<T>>;

/// Finishes the call `what`: without a target, waits for `fut` on the calling thread and returns
/// its value; with one, starts it on the runtime, settled through the target, and returns `None`.
pub(crate) fn finish<T, F>(
    py: Python<'_>,
    what: &'static str,
    to: Option<Target<'_>>,
    fut: F,
) -> Finished<T>
where
    F: Future<Output = argos_addon::Result<T>> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    match to {
        None => block_on(py, fut)?.map(Some).map_err(|e| to_py(py, &e)),
        Some(to) => {
            to.completions.get().spawn(to.id, what, fut);
            Ok(None)
        }
    }
}
