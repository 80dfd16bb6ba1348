//! How a network call becomes a Promise without napi's per-call machinery.
//!
//! napi's `async fn` makes a threadsafe function and an environment cleanup hook for every call
//! and spawns two tasks. Here each client owns one threadsafe function: a call creates its
//! promise on the JavaScript thread and spawns one task; the finished task leaves a Rust value in
//! the client's [`Inbox`] and, when the inbox was empty, wakes the JavaScript thread once. There
//! the values become JavaScript values and settle their promises, so a burst of completions
//! costs one wake-up.

use std::ffi::c_void;
use std::future::Future;
use std::mem;
use std::panic::AssertUnwindSafe;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use futures_util::future::{AbortHandle, AbortRegistration, Abortable};
use napi::bindgen_prelude::{Env, JsValue, PromiseRaw, ToNapiValue, spawn};
use napi::sys::{self, ThreadsafeFunctionCallMode, ThreadsafeFunctionReleaseMode};
use napi::{JsError, check_status};
use napi_derive::napi;

use crate::errors::{aborted, panicked, to_js};
use crate::lock;

/// Turns a finished call's value into the JavaScript value its promise settles with.
type Settle = Box<dyn FnOnce(sys::napi_env) -> napi::Result<sys::napi_value> + Send>;

/// A promise's resolver; used only on the JavaScript thread that made it.
struct Deferred(sys::napi_deferred);

/// A threadsafe function; Node lets any thread call or release it until it is finalized.
#[derive(Clone, Copy)]
struct Tsfn(sys::napi_threadsafe_function);

// SAFETY: a task carries the deferred to the inbox and back without dereferencing it; only the
// JavaScript thread that created it settles it. The function is made for use from any thread;
// `State` stops its use once Node has finalized it.
unsafe impl Send for Deferred {}
unsafe impl Send for Tsfn {}

/// What the threadsafe function's callback reads. Node holds one reference to it until the
/// function's finalizer, the bridge (and so every running call) another.
struct Inbox {
    state: Mutex<State>,
    /// Promises not yet settled; counted on the JavaScript thread only. While there are any,
    /// the threadsafe function keeps the event loop alive.
    pending: AtomicUsize,
}

struct State {
    done: Vec<(Deferred, Settle)>,
    /// `None` once released, or finalized by Node at environment teardown; calling it after
    /// that would touch freed memory, so every use holds the lock.
    tsfn: Option<Tsfn>,
}

/// What one call's `AbortSignal` fires (node/index.js adds the listener): made for one call,
/// which takes its registration.
#[napi]
pub struct Abort {
    handle: AbortHandle,
    registration: Mutex<Option<AbortRegistration>>,
}

#[napi]
impl Abort {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)] // a JavaScript constructor
    pub fn new() -> Self {
        let (handle, registration) = AbortHandle::new_pair();
        Abort {
            handle,
            registration: Mutex::new(Some(registration)),
        }
    }

    /// Drops the call at its next poll, or before its start; a call already settled is left.
    #[napi]
    pub fn abort(&self) {
        self.handle.abort();
    }
}

impl Abort {
    /// The registration `abort` reaches, for the one call that takes it.
    pub(crate) fn take(abort: Option<&Abort>) -> Option<AbortRegistration> {
        abort.and_then(|abort| lock(&abort.registration).take())
    }
}

/// One client's way back to the JavaScript thread.
pub(crate) struct Bridge {
    inbox: Arc<Inbox>,
}

impl Bridge {
    pub(crate) fn new(env: &Env) -> napi::Result<Arc<Bridge>> {
        let inbox = Arc::new(Inbox {
            state: Mutex::new(State {
                done: Vec::new(),
                tsfn: None,
            }),
            pending: AtomicUsize::new(0),
        });
        let name = env.create_string("argos-addon")?;
        let context = Arc::into_raw(Arc::clone(&inbox)) as *mut c_void;
        let mut tsfn = ptr::null_mut();
        // SAFETY: `context` stays valid until `finalize` takes it back, which Node calls once,
        // after the function is released (or at environment teardown).
        let made = unsafe {
            sys::napi_create_threadsafe_function(
                env.raw(),
                ptr::null_mut(),
                ptr::null_mut(),
                name.raw(),
                0,
                1,
                context,
                Some(finalize),
                context,
                Some(drain),
                &mut tsfn,
            )
        };
        if let Err(err) = check_status!(made, "could not create the completion callback") {
            // SAFETY: Node did not take `context`; this is the one reference it stood for.
            drop(unsafe { Arc::from_raw(context as *const Inbox) });
            return Err(err);
        }
        lock(&inbox.state).tsfn = Some(Tsfn(tsfn));
        let bridge = Arc::new(Bridge { inbox });
        // An idle client must not keep the process alive; `spawn` refs it while calls run.
        // SAFETY: on the JavaScript thread of `env`, which owns `tsfn`.
        check_status!(unsafe { sys::napi_unref_threadsafe_function(env.raw(), tsfn) })?;
        Ok(bridge)
    }

    /// Runs `call`, the operation `what`, on the runtime; the returned promise settles with its
    /// outcome (a core error as its class), with an `ArgosError` if it panics, and with an
    /// `APIUserAbortError` as soon as `abort` fires (the call is dropped: its connection closes
    /// and no retry starts).
    pub(crate) fn spawn<'env, T, F>(
        self: &Arc<Self>,
        env: &'env Env,
        what: &'static str,
        abort: Option<AbortRegistration>,
        call: F,
    ) -> napi::Result<PromiseRaw<'env, T>>
    where
        T: ToNapiValue + Send + 'static,
        F: Future<Output = argos_addon::Result<T>> + Send + 'static,
    {
        let mut deferred = ptr::null_mut();
        let mut promise = ptr::null_mut();
        // SAFETY: on the JavaScript thread, with out-pointers to locals.
        check_status!(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
        if self.inbox.pending.fetch_add(1, Ordering::Relaxed) == 0
            && let Some(Tsfn(tsfn)) = lock(&self.inbox.state).tsfn
        {
            // SAFETY: as in `new`.
            unsafe { sys::napi_ref_threadsafe_function(env.raw(), tsfn) };
        }
        let deferred = Deferred(deferred);
        let bridge = Arc::clone(self);
        spawn(async move {
            let call = AssertUnwindSafe(call).catch_unwind();
            let outcome = match abort {
                Some(abort) => Abortable::new(call, abort).await.ok(),
                None => Some(call.await),
            };
            let outcome = match outcome {
                Some(Ok(result)) => result.map_err(to_js),
                Some(Err(panic)) => Err(panicked(what, &*panic)),
                None => Err(aborted(what)),
            };
            // SAFETY: `drain` calls it on the JavaScript thread with that thread's env.
            let settle: Settle = Box::new(move |env| {
                outcome.and_then(|value| unsafe { T::to_napi_value(env, value) })
            });
            bridge.finish(deferred, settle);
        });
        Ok(PromiseRaw::new(env.raw(), promise))
    }

    fn finish(&self, deferred: Deferred, settle: Settle) {
        let mut state = lock(&self.inbox.state);
        state.done.push((deferred, settle));
        if let (1, Some(Tsfn(tsfn))) = (state.done.len(), state.tsfn) {
            // SAFETY: not finalized (checked under the lock). It fails only once the environment
            // is closing, when nothing is left to settle.
            unsafe {
                sys::napi_call_threadsafe_function(
                    tsfn,
                    ptr::null_mut(),
                    ThreadsafeFunctionCallMode::nonblocking,
                )
            };
        }
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        if let Some(Tsfn(tsfn)) = lock(&self.inbox.state).tsfn.take() {
            // SAFETY: the one release of the one acquisition `new` made; Node then finalizes
            // the function on its JavaScript thread.
            unsafe {
                sys::napi_release_threadsafe_function(tsfn, ThreadsafeFunctionReleaseMode::release)
            };
        }
    }
}

/// Settles every finished call; Node calls it on the JavaScript thread.
unsafe extern "C" fn drain(
    env: sys::napi_env,
    _callback: sys::napi_value,
    context: *mut c_void,
    _data: *mut c_void,
) {
    if env.is_null() {
        // The environment is being torn down: no promise can be settled any more.
        return;
    }
    // SAFETY: `context` is the inbox, alive until `finalize`.
    let inbox = unsafe { &*(context as *const Inbox) };
    let done = mem::take(&mut lock(&inbox.state).done);
    let settled = done.len();
    for (deferred, settle) in done {
        // SAFETY: on the JavaScript thread that created `deferred`.
        unsafe { settle_one(env, deferred, settle) };
    }
    if settled > 0
        && inbox.pending.fetch_sub(settled, Ordering::Relaxed) == settled
        && let Some(Tsfn(tsfn)) = lock(&inbox.state).tsfn
    {
        // SAFETY: on the JavaScript thread that owns the function.
        unsafe { sys::napi_unref_threadsafe_function(env, tsfn) };
    }
}

/// # Safety
/// On the JavaScript thread of `env`, which created `deferred`.
unsafe fn settle_one(env: sys::napi_env, deferred: Deferred, settle: Settle) {
    let mut scope = ptr::null_mut();
    // SAFETY (this block): every call is on the JavaScript thread of `env`; the scope frees the
    // handles of this settlement before the next one.
    unsafe {
        sys::napi_open_handle_scope(env, &mut scope);
        match settle(env) {
            Ok(value) => sys::napi_resolve_deferred(env, deferred.0, value),
            Err(err) => {
                let reason =
                    pending_exception(env).unwrap_or_else(|| JsError::from(err).into_value(env));
                sys::napi_reject_deferred(env, deferred.0, reason)
            }
        };
        sys::napi_close_handle_scope(env, scope);
    }
}

/// The JavaScript exception a failed conversion left pending, cleared so the rejection can go on.
unsafe fn pending_exception(env: sys::napi_env) -> Option<sys::napi_value> {
    let mut pending = false;
    let mut exception = ptr::null_mut();
    // SAFETY: on the JavaScript thread of `env`.
    unsafe {
        sys::napi_is_exception_pending(env, &mut pending);
        (pending
            && sys::napi_get_and_clear_last_exception(env, &mut exception) == sys::Status::napi_ok)
            .then_some(exception)
    }
}

/// Frees the inbox once Node is done with the function.
unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the reference `Bridge::new` gave Node, taken back exactly once.
    let inbox = unsafe { Arc::from_raw(data as *const Inbox) };
    lock(&inbox.state).tsfn = None;
}
