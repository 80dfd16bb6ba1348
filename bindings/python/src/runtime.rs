//! The tokio runtime behind both clients: one per process, rebuilt in a forked child.
//!
//! After `os.fork()` only the forking thread exists in the child, so the parent's runtime (and
//! every connection pool bound to it) is dead there. It is leaked, never dropped: dropping would
//! wait for threads that do not exist.

use std::future::Future;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::time::Duration;

use pyo3::prelude::*;
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

/// Runs `fut` on the calling thread, without the GIL, as `Runtime::block_on` does for a Rust
/// caller: the connections' tasks stay on the runtime's workers, so a call costs the same
/// thread hand-offs as in Rust. It stops every [`SIGNAL_CHECK`] so a Ctrl-C in the main thread
/// raises `KeyboardInterrupt`; the request is then dropped, which cancels it.
pub(crate) fn block_on<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = T> + Send,
    T: Send,
{
    let mut fut = std::pin::pin!(fut);
    loop {
        let done = py.detach(|| {
            runtime().block_on(async { tokio::time::timeout(SIGNAL_CHECK, &mut fut).await.ok() })
        });
        if let Some(result) = done {
            crate::logging::flush(py);
            return Ok(result);
        }
        py.check_signals()?;
    }
}
