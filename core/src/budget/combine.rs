//! Callers that want slots of the store at the same moment share one script call ("flat
//! combining"): a caller that finds no call under way makes one; the callers that queue
//! meanwhile are then served batch after batch, by a task of a multi-threaded runtime (so that
//! a busy caller, one thread polling many calls, never holds up the others' next batch), or else
//! by the first of them. At 64 calls in flight this turns dozens of round trips, and as many
//! script runs in Redis, into a few; a lone call pays one queue check and an uncontended lock.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::oneshot;
use tracing::Instrument;

use super::Admission;

type Answer = Result<Admission, String>;

/// Where slots come from: one call for `n` callers, in order, each of whom waits at most
/// `max_wait`.
pub(crate) trait Slots: Send + Sync + 'static {
    fn combiner(&self) -> &Combiner;
    fn slots(
        &self,
        n: usize,
        max_wait: Duration,
    ) -> impl Future<Output = Result<Vec<Admission>, String>> + Send;
}

enum Message {
    Answer(Answer),
    /// Serve the queue: the caller told so takes the next batch, its own slot included.
    Serve,
}

struct Waiter {
    max_wait: Duration,
    tell: oneshot::Sender<Message>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Waiter>,
    /// A call to the store is under way; whoever makes it serves the queue after it.
    taking: bool,
}

#[derive(Default)]
pub(crate) struct Combiner {
    state: Mutex<State>,
}

impl Combiner {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// This caller's admission.
pub(crate) async fn take<S: Slots>(source: &Arc<S>, max_wait: Duration) -> Answer {
    loop {
        let (tell, mut told) = oneshot::channel();
        let me = Waiter { max_wait, tell };
        let queued = {
            let mut state = source.combiner().state();
            if state.taking {
                state.queue.push_back(me);
                None
            } else {
                state.taking = true;
                Some(me)
            }
        };
        let mut taking = match queued {
            Some(me) => Taking::new(source.clone(), vec![me]),
            None => match (&mut told).await {
                Ok(Message::Answer(answer)) => return answer,
                Ok(Message::Serve) => {
                    let (tell, again) = oneshot::channel();
                    told = again;
                    Taking::new(source.clone(), vec![Waiter { max_wait, tell }])
                }
                // The call taking this one's slot was dropped mid-way: queue again.
                Err(_) => continue,
            },
        };
        // This caller takes a batch with its own slot in it, then hands the queue on.
        let batch = taking.batch();
        taking.serve(batch).await;
        taking.hand_over();
        if let Ok(Message::Answer(answer)) = told.try_recv() {
            return answer;
        }
    }
}

/// Held while calls to the store are under way. Dropped before it is done with (its caller gave
/// up mid-call, or the runtime is shutting down), it sends every queued caller back to queue
/// again, where the first of them takes the next call.
struct Taking<S: Slots> {
    source: Arc<S>,
    /// Callers taken out of the queue already, the one that holds this among them.
    first: Vec<Waiter>,
    done: bool,
}

impl<S: Slots> Taking<S> {
    fn new(source: Arc<S>, first: Vec<Waiter>) -> Self {
        Taking {
            source,
            first,
            done: false,
        }
    }

    /// The callers queued until now (those that gave up left out), after any taken already;
    /// with none, taking ends.
    fn batch(&mut self) -> Vec<Waiter> {
        let mut batch = std::mem::take(&mut self.first);
        let mut state = self.source.combiner().state();
        batch.extend(state.queue.drain(..).filter(|w| !w.tell.is_closed()));
        if batch.is_empty() {
            state.taking = false;
            self.done = true;
        }
        batch
    }

    /// One store call per longest wait in the batch, shortest first (they get the earliest
    /// slots): a caller is refused only for a slot beyond its own `max_wait`. Callers of one
    /// client share its timeout, so this is one call unless per-call timeouts differ.
    async fn serve(&self, mut batch: Vec<Waiter>) {
        batch.sort_by_key(|w| w.max_wait);
        while !batch.is_empty() {
            let max_wait = batch[0].max_wait;
            let same = batch.iter().take_while(|w| w.max_wait == max_wait).count();
            let group: Vec<Waiter> = batch.drain(..same).collect();
            let answers = self.source.slots(group.len(), max_wait).await;
            for (i, waiter) in group.into_iter().enumerate() {
                let answer = match &answers {
                    Ok(admissions) => Ok(admissions[i]),
                    Err(why) => Err(why.clone()),
                };
                let _ = waiter.tell.send(Message::Answer(answer));
            }
        }
    }

    /// This caller's batch is answered: the callers queued meanwhile go to a task of a
    /// multi-threaded runtime (whose workers run it whatever the callers' threads do), else to
    /// the first of them; with none queued, taking ends.
    fn hand_over(mut self) {
        self.done = true;
        let runtime = Handle::try_current()
            .ok()
            .filter(|r| r.runtime_flavor() == RuntimeFlavor::MultiThread);
        let mut state = self.source.combiner().state();
        if let Some(runtime) = runtime {
            if state.queue.is_empty() {
                state.taking = false;
            } else {
                drop(state);
                let serving = Taking::new(self.source.clone(), Vec::new());
                runtime.spawn(serving.serve_all().in_current_span());
            }
            return;
        }
        // A current-thread runtime runs a task only while its own thread drives it, which a
        // caller on another thread or runtime cannot count on.
        while let Some(next) = state.queue.pop_front() {
            if next.tell.send(Message::Serve).is_ok() {
                return;
            }
        }
        state.taking = false;
    }

    /// Takes batch after batch for the queued callers until none is left.
    async fn serve_all(mut self) {
        loop {
            let batch = self.batch();
            if batch.is_empty() {
                return;
            }
            self.serve(batch).await;
        }
    }
}

impl<S: Slots> Drop for Taking<S> {
    fn drop(&mut self) {
        if !self.done {
            let queue = {
                let mut state = self.source.combiner().state();
                state.taking = false;
                std::mem::take(&mut state.queue)
            };
            // Outside the lock: each dropped sender wakes its caller, which queues again.
            drop(queue);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A store whose calls each wait for a permit of `go` (with `open`, only yield); it records
    /// each call's `(n, max_wait)`, and its fleet is `behind` (the first slot is that far away),
    /// with slots 1 ms apart.
    struct Store {
        combiner: Combiner,
        calls: Mutex<Vec<(usize, Duration)>>,
        go: tokio::sync::Semaphore,
        open: bool,
        fail: bool,
        behind: Duration,
        /// The first call never answers.
        hang_first: bool,
        handed: AtomicUsize,
    }

    impl Default for Store {
        fn default() -> Self {
            Store {
                combiner: Combiner::default(),
                calls: Mutex::default(),
                go: tokio::sync::Semaphore::new(0),
                open: false,
                fail: false,
                behind: Duration::ZERO,
                hang_first: false,
                handed: AtomicUsize::new(0),
            }
        }
    }

    impl Store {
        fn open() -> Self {
            Store {
                open: true,
                ..Store::default()
            }
        }

        fn calls(&self) -> Vec<(usize, Duration)> {
            self.calls.lock().unwrap().clone()
        }

        fn idle(&self) -> bool {
            let state = self.combiner.state();
            !state.taking && state.queue.is_empty()
        }
    }

    impl Slots for Store {
        fn combiner(&self) -> &Combiner {
            &self.combiner
        }

        async fn slots(&self, n: usize, max_wait: Duration) -> Result<Vec<Admission>, String> {
            let first = {
                let mut calls = self.calls.lock().unwrap();
                calls.push((n, max_wait));
                calls.len() == 1
            };
            if first && self.hang_first {
                std::future::pending::<()>().await;
            }
            if self.open {
                // Lets the other callers queue meanwhile, as a round trip would.
                tokio::task::yield_now().await;
            } else {
                self.go.acquire().await.unwrap().forget();
            }
            if self.fail {
                return Err("down".into());
            }
            let from = self.handed.fetch_add(n, Ordering::SeqCst);
            Ok((from..from + n)
                .map(|i| {
                    let wait = self.behind + Duration::from_millis(i as u64);
                    if wait <= max_wait {
                        Admission::Granted { wait }
                    } else {
                        Admission::TooLong { wait }
                    }
                })
                .collect())
        }
    }

    const SECOND: Duration = Duration::from_secs(1);

    async fn until(done: impl Fn() -> bool) {
        let wait = async {
            while !done() {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .expect("reached within 5 s");
    }

    /// [`until`] for a thread outside any runtime.
    fn until_blocking(done: impl Fn() -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "reached within 5 s");
            std::thread::yield_now();
        }
    }

    fn spawn_take(store: &Arc<Store>, max_wait: Duration) -> Call {
        let store = store.clone();
        tokio::spawn(async move { take(&store, max_wait).await })
    }

    type Call = tokio::task::JoinHandle<Result<Admission, String>>;

    /// A first caller, once its store call is under way, and `n` callers queued behind it.
    async fn queued_behind_a_call(store: &Arc<Store>, n: usize) -> (Call, Vec<Call>) {
        let first = spawn_take(store, SECOND);
        until(|| store.calls().len() == 1).await;
        let queued = (0..n).map(|_| spawn_take(store, SECOND)).collect();
        until(|| store.combiner.state().queue.len() == n).await;
        (first, queued)
    }

    async fn granted(task: Call) -> u128 {
        match tokio::time::timeout(Duration::from_secs(5), task).await {
            Ok(Ok(Ok(Admission::Granted { wait }))) => wait.as_millis(),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_calls_and_each_gets_its_own_slot() {
        let store = Arc::new(Store::open());
        let tasks: Vec<_> = (0..64).map(|_| spawn_take(&store, SECOND)).collect();
        let mut waits = Vec::new();
        for task in tasks {
            waits.push(granted(task).await);
        }
        waits.sort();
        assert_eq!(waits, (0..64).collect::<Vec<u128>>(), "one slot each");
        assert_eq!(store.calls().iter().map(|c| c.0).sum::<usize>(), 64);
        assert!(store.idle());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_queued_during_a_call_are_served_in_one_batch() {
        let store = Arc::new(Store::default());
        let (first, queued) = queued_behind_a_call(&store, 10).await;
        store.go.add_permits(2);
        let mut waits = vec![granted(first).await];
        for task in queued {
            waits.push(granted(task).await);
        }
        waits.sort();
        assert_eq!(waits, (0..11).collect::<Vec<u128>>());
        assert_eq!(store.calls(), [(1, SECOND), (10, SECOND)]);
        assert!(store.idle());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_is_refused_only_for_a_slot_beyond_its_own_wait() {
        // The fleet is 2 s behind: the 1 s caller is refused, the 30 s one is not, though they
        // were queued together; the shorter wait is asked first and gets the earlier slot.
        let store = Arc::new(Store {
            behind: 2 * SECOND,
            ..Store::default()
        });
        let first = spawn_take(&store, 30 * SECOND);
        until(|| store.calls().len() == 1).await;
        let long = spawn_take(&store, 30 * SECOND);
        until(|| store.combiner.state().queue.len() == 1).await;
        let short = spawn_take(&store, SECOND);
        until(|| store.combiner.state().queue.len() == 2).await;
        store.go.add_permits(3);
        assert_eq!(granted(first).await, 2000);
        let short = tokio::time::timeout(Duration::from_secs(5), short).await;
        assert!(
            matches!(short, Ok(Ok(Ok(Admission::TooLong { .. })))),
            "{short:?}"
        );
        assert_eq!(granted(long).await, 2002);
        assert_eq!(
            store.calls(),
            [(1, 30 * SECOND), (1, SECOND), (1, 30 * SECOND)]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_call_fails_every_caller_of_its_batch() {
        let store = Arc::new(Store {
            fail: true,
            ..Store::default()
        });
        let (first, queued) = queued_behind_a_call(&store, 3).await;
        store.go.add_permits(2);
        for task in std::iter::once(first).chain(queued) {
            let answer = tokio::time::timeout(Duration::from_secs(5), task).await;
            assert!(
                matches!(answer, Ok(Ok(Err(ref why))) if why == "down"),
                "{answer:?}"
            );
        }
        assert!(store.idle());
    }

    #[tokio::test]
    async fn a_lone_caller_makes_its_own_call_and_leaves_none_behind() {
        let store = Arc::new(Store::open());
        for i in 0..3 {
            let answer = take(&store, SECOND).await;
            assert!(matches!(answer, Ok(Admission::Granted { wait }) if wait.as_millis() == i));
            assert!(store.idle());
        }
        assert_eq!(store.calls().len(), 3);
    }

    #[tokio::test]
    async fn a_caller_dropped_mid_call_leaves_the_others_served() {
        let store = Arc::new(Store {
            hang_first: true,
            ..Store::open()
        });
        let (first, mut queued) = queued_behind_a_call(&store, 1).await;
        first.abort();
        granted(queued.remove(0)).await;
        assert_eq!(store.calls().len(), 2);
        assert!(store.idle());
    }

    /// The caller taking a call runs on a runtime of its own, current-thread (or on none): once
    /// its own call is done, nothing drives that runtime, so the callers queued on another
    /// runtime meanwhile must be served all the same.
    fn served_when_the_taker_leaves(
        run: impl FnOnce(Arc<Store>) -> Option<tokio::runtime::Runtime> + Send + 'static,
    ) {
        let store = Arc::new(Store::default());
        let main = tokio::runtime::Runtime::new().unwrap();
        let taker = std::thread::spawn({
            let store = store.clone();
            move || run(store)
        });
        until_blocking(|| !store.calls().is_empty());
        let queued: Vec<_> = (0..3)
            .map(|_| {
                let store = store.clone();
                main.spawn(async move { take(&store, SECOND).await })
            })
            .collect();
        until_blocking(|| store.combiner.state().queue.len() == 3);
        store.go.add_permits(10);
        let idle_runtime = taker.join().unwrap();
        main.block_on(async {
            for task in queued {
                granted(task).await;
            }
        });
        assert!(store.idle());
        drop(idle_runtime);
    }

    #[test]
    fn a_taker_on_a_current_thread_runtime_hands_the_queue_to_a_caller() {
        served_when_the_taker_leaves(|store| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            assert!(runtime.block_on(take(&store, SECOND)).is_ok());
            // Kept, and not driven, while the others are served.
            Some(runtime)
        });
    }

    /// Polls `future` on this thread, outside any runtime.
    fn block_on<F: Future>(future: F) -> F::Output {
        struct Unpark(std::thread::Thread);
        impl std::task::Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Arc::new(Unpark(std::thread::current())).into();
        let mut context = std::task::Context::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
            std::thread::park();
        }
    }

    #[test]
    fn a_taker_outside_any_runtime_hands_the_queue_to_a_caller() {
        served_when_the_taker_leaves(|store| {
            assert!(block_on(take(&store, SECOND)).is_ok());
            None
        });
    }
}
