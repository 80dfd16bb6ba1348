//! Callers that want slots of the store at the same moment share one script call ("flat
//! combining"): a caller that finds no call under way makes one for itself and for whoever queues
//! meanwhile; the callers that queued while it was at the store are then served by a task of
//! their own, which takes batch after batch until the queue is empty. At 64 calls in flight this
//! turns dozens of round trips, and as many script runs in Redis, into a few, and a busy caller
//! (one thread polling many calls) never holds up the others' next batch; a lone call pays one
//! queue check and an uncontended lock.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

use super::Admission;

type Answer = Result<Admission, String>;

/// Where slots come from: one call for `n` callers, in order, within the shortest of their
/// longest waits.
pub(crate) trait Slots: Send + Sync + 'static {
    fn combiner(&self) -> &Combiner;
    fn slots(
        &self,
        n: usize,
        max_wait: Duration,
    ) -> impl Future<Output = Result<Vec<Admission>, String>> + Send;
}

struct Waiter {
    max_wait: Duration,
    answer: oneshot::Sender<Answer>,
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
        let queued = {
            let mut state = source.combiner().state();
            if state.taking {
                let (answer, answered) = oneshot::channel();
                state.queue.push_back(Waiter { max_wait, answer });
                Some(answered)
            } else {
                state.taking = true;
                None
            }
        };
        let Some(answered) = queued else {
            let taking = Taking::new(source.clone());
            let batch: Vec<Waiter> = source.combiner().state().queue.drain(..).collect();
            let shortest = batch
                .iter()
                .map(|w| w.max_wait)
                .fold(max_wait, Duration::min);
            let answers = source.slots(batch.len() + 1, shortest).await;
            answer(batch, &answers, 1);
            taking.hand_over();
            return nth(&answers, 0);
        };
        match answered.await {
            Ok(answer) => return answer,
            // The call taking this one's slot was dropped mid-way: queue again.
            Err(_) => continue,
        }
    }
}

fn nth(answers: &Result<Vec<Admission>, String>, i: usize) -> Answer {
    match answers {
        Ok(admissions) => Ok(admissions[i]),
        Err(why) => Err(why.clone()),
    }
}

fn answer(batch: Vec<Waiter>, answers: &Result<Vec<Admission>, String>, first: usize) {
    for (i, waiter) in batch.into_iter().enumerate() {
        let _ = waiter.answer.send(nth(answers, first + i));
    }
}

/// Held while calls to the store are under way. Dropped before it is done with (its caller gave
/// up mid-call, or the runtime is shutting down), it sends every queued caller back to queue
/// again, where the first of them takes the next call.
struct Taking<S: Slots> {
    source: Arc<S>,
    done: bool,
}

impl<S: Slots> Taking<S> {
    fn new(source: Arc<S>) -> Self {
        Taking {
            source,
            done: false,
        }
    }

    /// The callers queued since the last batch; with none, taking ends.
    fn next_batch(&mut self) -> Option<Vec<Waiter>> {
        let mut state = self.source.combiner().state();
        if state.queue.is_empty() {
            state.taking = false;
            self.done = true;
            return None;
        }
        Some(state.queue.drain(..).collect())
    }

    /// The caller's own call ended: the callers queued meanwhile go to a task of their own.
    /// Outside a runtime, the drop sends them back to queue again instead.
    fn hand_over(mut self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        self.done = true;
        {
            let mut state = self.source.combiner().state();
            if state.queue.is_empty() {
                state.taking = false;
                return;
            }
        }
        runtime.spawn(serve(Taking::new(self.source.clone())));
    }
}

impl<S: Slots> Drop for Taking<S> {
    fn drop(&mut self) {
        if !self.done {
            let mut state = self.source.combiner().state();
            state.taking = false;
            state.queue.clear();
        }
    }
}

/// Takes batch after batch for the queued callers until none is left.
async fn serve<S: Slots>(mut taking: Taking<S>) {
    while let Some(batch) = taking.next_batch() {
        let shortest = batch.iter().map(|w| w.max_wait).min().unwrap_or_default();
        let answers = taking.source.slots(batch.len(), shortest).await;
        answer(batch, &answers, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Slot `i` of the `i`-th caller served is `i` ms away; the first call never answers when
    /// `hang_first` is set.
    #[derive(Default)]
    struct Clock {
        combiner: Combiner,
        calls: AtomicUsize,
        next: AtomicUsize,
        hang_first: bool,
    }

    impl Slots for Clock {
        fn combiner(&self) -> &Combiner {
            &self.combiner
        }

        async fn slots(&self, n: usize, _: Duration) -> Result<Vec<Admission>, String> {
            if self.calls.fetch_add(1, Ordering::SeqCst) == 0 && self.hang_first {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
            let first = self.next.fetch_add(n, Ordering::SeqCst);
            Ok((first..first + n)
                .map(|i| Admission::Granted {
                    wait: Duration::from_millis(i as u64),
                })
                .collect())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_calls_and_each_gets_its_own_slot() {
        let clock = Arc::new(Clock::default());
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let clock = clock.clone();
                tokio::spawn(async move { take(&clock, Duration::from_secs(1)).await })
            })
            .collect();
        let mut waits = Vec::new();
        for task in tasks {
            match task.await.unwrap().unwrap() {
                Admission::Granted { wait } => waits.push(wait.as_millis()),
                other => panic!("{other:?}"),
            }
        }
        waits.sort();
        assert_eq!(waits, (0..64).collect::<Vec<u128>>(), "one slot each");
        assert!(clock.calls.load(Ordering::SeqCst) < 64, "batched");
    }

    #[tokio::test]
    async fn a_lone_caller_makes_its_own_call_and_leaves_none_behind() {
        let clock = Arc::new(Clock::default());
        for i in 0..3 {
            let answer = take(&clock, Duration::from_secs(1)).await;
            assert!(matches!(answer, Ok(Admission::Granted { wait }) if wait.as_millis() == i));
            assert!(!clock.combiner.state().taking);
        }
        assert_eq!(clock.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_caller_dropped_mid_call_leaves_the_others_served() {
        let clock = Arc::new(Clock {
            hang_first: true,
            ..Clock::default()
        });
        let first = {
            let clock = clock.clone();
            tokio::spawn(async move { take(&clock, Duration::ZERO).await })
        };
        tokio::task::yield_now().await;
        let second = {
            let clock = clock.clone();
            tokio::spawn(async move { take(&clock, Duration::ZERO).await })
        };
        tokio::task::yield_now().await;
        first.abort();
        let answer = tokio::time::timeout(Duration::from_secs(5), second)
            .await
            .expect("served")
            .unwrap();
        assert!(matches!(answer, Ok(Admission::Granted { .. })));
    }
}
