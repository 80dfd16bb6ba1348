//! Callers that want slots of the store at the same moment share one script call: each queues
//! itself, and whoever holds the gate takes the slots of everyone queued ("flat combining"). At
//! 64 calls in flight this turns dozens of round trips, and as many script runs in Redis, into a
//! few; a lone call pays one queue push and an uncontended lock.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::oneshot;

use super::Admission;

type Answer = Result<Admission, String>;

struct Waiter {
    max_wait: Duration,
    answer: oneshot::Sender<Answer>,
}

#[derive(Default)]
pub(crate) struct Combiner {
    queue: Mutex<Vec<Waiter>>,
    /// Held by the caller that is taking a batch's slots; tokio's lock is fair and is released
    /// when a holder is dropped.
    gate: tokio::sync::Mutex<()>,
}

impl Combiner {
    /// This caller's admission: `take(n, max_wait)` asks the store for `n` slots, one per queued
    /// caller in order, within the shortest of their longest waits.
    pub(crate) async fn take<F, Fut>(&self, max_wait: Duration, take: F) -> Answer
    where
        F: Fn(usize, Duration) -> Fut,
        Fut: Future<Output = Result<Vec<Admission>, String>>,
    {
        loop {
            let (answer, mut answered) = oneshot::channel();
            self.queue().push(Waiter { max_wait, answer });
            loop {
                tokio::select! {
                    biased;
                    answer = &mut answered => match answer {
                        Ok(answer) => return answer,
                        // The caller taking this batch was dropped mid-call: queue again.
                        Err(_) => break,
                    },
                    _gate = self.gate.lock() => {
                        let batch = std::mem::take(&mut *self.queue());
                        // Empty: another caller took this one's slot and answered already.
                        if !batch.is_empty() {
                            let shortest = batch.iter().map(|w| w.max_wait).min().unwrap_or(max_wait);
                            let answers = take(batch.len(), shortest).await;
                            for (i, waiter) in batch.into_iter().enumerate() {
                                let answer = match &answers {
                                    Ok(admissions) => Ok(admissions[i]),
                                    Err(why) => Err(why.clone()),
                                };
                                let _ = waiter.answer.send(answer);
                            }
                        }
                    }
                }
            }
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<Waiter>> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_calls_and_each_gets_its_own_slot() {
        let combiner = Arc::new(Combiner::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let next = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let (combiner, calls, next) = (combiner.clone(), calls.clone(), next.clone());
                tokio::spawn(async move {
                    combiner
                        .take(Duration::from_secs(1), |n, _| {
                            let (calls, next) = (calls.clone(), next.clone());
                            async move {
                                calls.fetch_add(1, Ordering::SeqCst);
                                tokio::time::sleep(Duration::from_millis(5)).await;
                                let first = next.fetch_add(n, Ordering::SeqCst);
                                Ok((first..first + n)
                                    .map(|i| Admission::Granted {
                                        wait: Duration::from_millis(i as u64),
                                    })
                                    .collect())
                            }
                        })
                        .await
                })
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
        assert!(calls.load(Ordering::SeqCst) < 64, "batched");
    }

    #[tokio::test]
    async fn a_caller_dropped_mid_call_leaves_the_others_served() {
        let combiner = Arc::new(Combiner::default());
        let first = {
            let combiner = combiner.clone();
            tokio::spawn(async move {
                combiner
                    .take(Duration::ZERO, |_, _| async {
                        std::future::pending::<()>().await;
                        Ok(vec![])
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        let second = {
            let combiner = combiner.clone();
            tokio::spawn(async move {
                combiner
                    .take(Duration::ZERO, |n, _| async move {
                        Ok(vec![
                            Admission::Granted {
                                wait: Duration::ZERO
                            };
                            n
                        ])
                    })
                    .await
            })
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
