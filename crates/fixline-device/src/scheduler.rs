//! When the device syncs. One sync runs at a time. A sync asked for while one runs (an action a
//! second after the last) is not dropped and does not queue behind it: the running one runs
//! again when it ends, so no change waits for the next minute's sync. "Sync now" waits for a
//! running sync, then runs ignoring the retry back-off.
//!
//! The scheduler is generic over what one sync does, so its rules are tested without a server;
//! [`SyncScheduler::sync_soon`] and [`SyncScheduler::sync_now`] run the real [`crate::sync`].

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

use fixline_core::device::SyncReport;
use fixline_core::sync::PullProgress;

use crate::{DeviceStore, Result};

#[derive(Debug, Default)]
pub struct SyncScheduler {
    running: tokio::sync::Mutex<()>,
    /// Something changed since the running sync began: it runs once more when it ends.
    again: AtomicBool,
    progress: Mutex<Option<PullProgress>>,
}

impl SyncScheduler {
    pub fn new() -> Self {
        Self::default()
    }

    /// How far the running pull has come; `None` between syncs.
    pub fn progress(&self) -> Option<PullProgress> {
        self.progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .to_owned()
    }

    fn set_progress(&self, p: Option<PullProgress>) {
        *self.progress.lock().unwrap_or_else(|e| e.into_inner()) = p;
    }

    /// Syncs in the background, after a change on the device. Returns at once when a sync is
    /// running (that one runs again for us), else the report of the last run it made.
    pub async fn background<F, Fut>(&self, mut run: F) -> Result<SyncReport>
    where
        F: FnMut(bool) -> Fut,
        Fut: Future<Output = Result<SyncReport>>,
    {
        self.again.store(true, SeqCst);
        let mut report = SyncReport::default();
        loop {
            {
                let Ok(_one_at_a_time) = self.running.try_lock() else {
                    return Ok(report);
                };
                while self.again.swap(false, SeqCst) {
                    report = run(false).await?;
                }
            }
            // Asked again between the last check and letting go: nobody else will run it.
            if !self.again.load(SeqCst) {
                return Ok(report);
            }
        }
    }

    /// "Sync now": waits for a running sync, then runs once, ignoring the retry back-off.
    /// Also says whether a background sync was asked for meanwhile and left to this one: the
    /// caller then starts [`Self::background`], which runs it.
    pub async fn now<F, Fut>(&self, run: F) -> (Result<SyncReport>, bool)
    where
        F: FnOnce(bool) -> Fut,
        Fut: Future<Output = Result<SyncReport>>,
    {
        let report = {
            let _one_at_a_time = self.running.lock().await;
            self.again.store(false, SeqCst);
            run(true).await
        };
        (report, self.again.load(SeqCst))
    }

    /// [`Self::background`] with the device's sync engine.
    pub async fn sync_soon(&self, store: &DeviceStore) -> Result<SyncReport> {
        self.background(|force| self.sync(store, force)).await
    }

    /// [`Self::now`] with the device's sync engine.
    pub async fn sync_now(&self, store: &DeviceStore) -> (Result<SyncReport>, bool) {
        self.now(|force| self.sync(store, force)).await
    }

    async fn sync(&self, store: &DeviceStore, force: bool) -> Result<SyncReport> {
        let report = crate::sync(store, force, |p| self.set_progress(Some(p))).await;
        self.set_progress(None);
        report
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use tokio::sync::Semaphore;

    use super::*;
    use crate::Error;

    /// A sync that counts its runs and waits at its start until the test lets it go.
    struct Gate {
        runs: AtomicUsize,
        forced: AtomicUsize,
        open: Semaphore,
        started: tokio::sync::Notify,
    }

    impl Default for Gate {
        fn default() -> Self {
            Gate {
                runs: AtomicUsize::new(0),
                forced: AtomicUsize::new(0),
                open: Semaphore::new(0),
                started: tokio::sync::Notify::new(),
            }
        }
    }

    impl Gate {
        async fn run(&self, force: bool) -> Result<SyncReport> {
            self.runs.fetch_add(1, SeqCst);
            if force {
                self.forced.fetch_add(1, SeqCst);
            }
            self.started.notify_one();
            self.open.acquire().await.expect("gate open").forget();
            Ok(SyncReport {
                applied: self.runs.load(SeqCst) as u32,
                ..SyncReport::default()
            })
        }

        fn let_through(&self, n: usize) {
            self.open.add_permits(n);
        }
    }

    #[tokio::test]
    async fn a_sync_asked_for_while_one_runs_is_run_by_it_once_more() {
        let scheduler = Arc::new(SyncScheduler::new());
        let gate = Arc::new(Gate::default());
        let first = {
            let (s, g) = (scheduler.clone(), gate.clone());
            tokio::spawn(async move { s.background(|f| g.run(f)).await })
        };
        gate.started.notified().await;
        // Three changes while the first sync runs: each returns at once, none is dropped.
        for _ in 0..3 {
            let report = scheduler.background(|f| gate.run(f)).await.unwrap();
            assert_eq!(report, SyncReport::default(), "left to the running sync");
        }
        gate.let_through(2);
        let report = first.await.unwrap().unwrap();
        assert_eq!(
            gate.runs.load(SeqCst),
            2,
            "one more run for all three changes"
        );
        assert_eq!(report.applied, 2, "the caller gets the last run's report");
        assert_eq!(gate.forced.load(SeqCst), 0);
    }

    #[tokio::test]
    async fn sync_now_waits_for_a_running_sync_then_runs_forced() {
        let scheduler = Arc::new(SyncScheduler::new());
        let gate = Arc::new(Gate::default());
        let background = {
            let (s, g) = (scheduler.clone(), gate.clone());
            tokio::spawn(async move { s.background(|f| g.run(f)).await })
        };
        gate.started.notified().await;
        let now = {
            let (s, g) = (scheduler.clone(), gate.clone());
            tokio::spawn(async move { s.now(|f| g.run(f)).await })
        };
        tokio::task::yield_now().await;
        assert_eq!(gate.runs.load(SeqCst), 1, "never two syncs at once");
        gate.let_through(2);
        background.await.unwrap().unwrap();
        let (report, asked_meanwhile) = now.await.unwrap();
        report.unwrap();
        assert_eq!(gate.runs.load(SeqCst), 2);
        assert_eq!(gate.forced.load(SeqCst), 1, "sync now ignores the back-off");
        assert!(!asked_meanwhile);
    }

    #[tokio::test]
    async fn a_change_during_sync_now_is_handed_back_to_the_caller() {
        let scheduler = Arc::new(SyncScheduler::new());
        let gate = Arc::new(Gate::default());
        let now = {
            let (s, g) = (scheduler.clone(), gate.clone());
            tokio::spawn(async move { s.now(|f| g.run(f)).await })
        };
        gate.started.notified().await;
        scheduler.background(|f| gate.run(f)).await.unwrap();
        gate.let_through(1);
        let (_, asked_meanwhile) = now.await.unwrap();
        assert!(
            asked_meanwhile,
            "the caller must start the sync it was asked for"
        );
        gate.let_through(1);
        scheduler.background(|f| gate.run(f)).await.unwrap();
        assert_eq!(gate.runs.load(SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_sync_is_reported_and_the_next_ask_runs_again() {
        let scheduler = SyncScheduler::new();
        let offline = scheduler
            .background(|_| async { Err(Error::Offline("no signal".into())) })
            .await;
        assert!(offline.is_err());
        let runs = AtomicUsize::new(0);
        scheduler
            .background(|_| async {
                runs.fetch_add(1, SeqCst);
                Ok(SyncReport::default())
            })
            .await
            .unwrap();
        assert_eq!(
            runs.load(SeqCst),
            1,
            "the lock was let go after the failure"
        );
        assert_eq!(scheduler.progress(), None);
    }
}
