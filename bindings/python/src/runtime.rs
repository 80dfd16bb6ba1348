//! The tokio runtime behind both clients: one per process, rebuilt in a forked child.
//!
//! After `os.fork()` only the forking thread exists in the child, so the parent's runtime (and
//! every connection pool bound to it) is dead there. It is leaked, never dropped: dropping would
//! wait for threads that do not exist.

use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{ContextExt, Runtime as GenericRuntime};
use tokio::runtime::Runtime;

/// A runtime with the process it was made in.
struct Owned {
    pid: u32,
    runtime: Runtime,
}

static RUNTIME: AtomicPtr<Owned> = AtomicPtr::new(std::ptr::null_mut());

/// How often a blocked sync call wakes to let Python deliver Ctrl-C.
const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// The runtime of this process, made on first use and again after a fork.
pub(crate) fn runtime() -> &'static Runtime {
    let pid = std::process::id();
    let mut current = RUNTIME.load(Ordering::Acquire);
    loop {
        // SAFETY: every pointer stored here is a leaked box, never freed.
        if let Some(owned) = unsafe { current.as_ref() }
            && owned.pid == pid
        {
            return &owned.runtime;
        }
        let fresh = Box::into_raw(Box::new(Owned {
            pid,
            runtime: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("argos-addon")
                .enable_all()
                .build()
                .expect("the tokio runtime starts"),
        }));
        match RUNTIME.compare_exchange(current, fresh, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => current = fresh,
            Err(winner) => {
                // Another thread installed one first; ours never ran a task.
                // SAFETY: `fresh` was never shared.
                unsafe { Box::from_raw(fresh) }
                    .runtime
                    .shutdown_background();
                current = winner;
            }
        }
    }
}

/// Runs `fut` on the runtime while the calling thread waits without the GIL, waking regularly so
/// a Ctrl-C in the main thread raises `KeyboardInterrupt` (and cancels the request).
pub(crate) fn block_on<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let slot = Arc::new((Mutex::new(None), Condvar::new()));
    let filler = slot.clone();
    let task = runtime().spawn(async move {
        let result = fut.await;
        let (value, ready) = &*filler;
        *value.lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
        ready.notify_one();
    });
    loop {
        let done = py.detach(|| {
            let (value, ready) = &*slot;
            let guard = value.lock().unwrap_or_else(|p| p.into_inner());
            let (mut guard, _) = ready
                .wait_timeout_while(guard, SIGNAL_CHECK, |v| v.is_none())
                .unwrap_or_else(|p| p.into_inner());
            guard.take()
        });
        if let Some(result) = done {
            return Ok(result);
        }
        if let Err(interrupt) = py.check_signals() {
            task.abort();
            return Err(interrupt);
        }
        if task.is_finished() && slot.0.lock().unwrap_or_else(|p| p.into_inner()).is_none() {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "the argos-addon runtime stopped before the call finished",
            ));
        }
    }
}

/// Set by an `atexit` hook: from then on no runtime thread may enter the interpreter, which is
/// about to be finalized (entering it then aborts the thread with a panic).
static EXITING: AtomicBool = AtomicBool::new(false);

#[pyfunction]
pub(crate) fn at_exit() {
    EXITING.store(true, Ordering::Release);
}

/// pyo3-async-runtimes hands a cancelled call back to Python from a blocking thread; when that
/// thread runs after the interpreter is gone, its `Python::attach` panics. The thread just ends
/// (nothing is shared with it), so once exiting, such panics are not reported. The hook belongs
/// to this module's copy of std, so other extensions' panics are unaffected.
pub(crate) fn quiet_panics_at_exit() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !exiting() {
            report(info);
        }
    }));
}

pub(crate) fn exiting() -> bool {
    EXITING.load(Ordering::Acquire)
}

/// `future_into_py` on this module's runtime (pyo3-async-runtimes' own cannot be replaced after
/// a fork). A call still running at interpreter exit never completes instead of entering a
/// finalizing interpreter.
pub(crate) fn future_into_py<F, T>(py: Python<'_>, fut: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    pyo3_async_runtimes::generic::future_into_py::<ForkSafe, _, T>(py, async move {
        let out = fut.await;
        if exiting() {
            std::future::pending::<()>().await;
        }
        out
    })
}

struct ForkSafe;

tokio::task_local! {
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

impl GenericRuntime for ForkSafe {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        runtime().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        runtime().spawn_blocking(f)
    }
}

impl ContextExt for ForkSafe {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|c| c.get().cloned())
            .unwrap_or_default()
    }
}
