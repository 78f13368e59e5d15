//! Periodic work that must happen once however many servers share the database: the late-job
//! watcher and the complaint deadline watcher. Every server ticks; on each tick a server runs
//! the task only while it holds the task's lease (`LeaseStore`), taken when free or run out
//! and renewed by its holder each tick. A holder that dies stops renewing, and another server
//! takes the work over within two ticks; one that stops cleanly gives the lease up at once.

use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::AppState;

/// Runs `work` every `every` on whichever server holds the lease on `task`.
pub fn spawn<F, Fut>(
    state: AppState,
    task: &'static str,
    every: Duration,
    work: F,
) -> JoinHandle<()>
where
    F: Fn(AppState) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if holds(&state, task, every).await {
                state.metrics().ran(task);
                work(state.clone()).await;
            }
        }
    })
}

/// How long a lease lasts: two ticks and a second, so a holder that is merely slow keeps it.
fn lease(every: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(every * 2 + Duration::from_secs(1))
        .unwrap_or(chrono::TimeDelta::MAX)
}

async fn holds(state: &AppState, task: &'static str, every: Duration) -> bool {
    let now = state.now();
    let until = now + lease(every);
    let holder = state.instance().to_owned();
    match state
        .run(move |s| s.hold_lease(task, &holder, now, until))
        .await
    {
        Ok(held) => held,
        Err(e) => {
            tracing::warn!("the lease on {task} could not be checked: {e}");
            false
        }
    }
}

/// Gives up the leases this server holds (it is stopping).
pub async fn release(state: &AppState, tasks: &[&'static str]) {
    for &task in tasks {
        let holder = state.instance().to_owned();
        if let Err(e) = state.run(move |s| s.release_lease(task, &holder)).await {
            tracing::warn!("the lease on {task} was not given up: {e}");
        }
    }
}
