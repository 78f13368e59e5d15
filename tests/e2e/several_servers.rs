//! Several server processes over one database (a SQLite file; on the suite's PostgreSQL run, a
//! PostgreSQL database). Periodic work runs once between them and
//! goes on when the server doing it dies: the late-job watcher ticks every second, the one
//! holding its lease is SIGKILLed, and one of the other two takes over. A change written
//! through one server reaches a console connected to another.

use std::time::Duration;

use std::time::Instant;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use reqwest::Method;

use crate::processes::{Killed, admin, server_process};

const TASK: &str = "late_jobs";

/// How often `base` has run the late-job watcher, from its metrics.
async fn runs(base: &str) -> u64 {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    let line = format!("fixline_periodic_runs_total{{task=\"{TASK}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&line))
        .map_or(0, |n| n.trim().parse().expect("a count"))
}

async fn all_runs(bases: &[&String]) -> Vec<u64> {
    let mut counts = Vec::new();
    for base in bases {
        counts.push(runs(base).await);
    }
    counts
}

/// Waits (checking every 200 ms, for at most 30 s) until `done` holds for the servers' counts.
async fn until(bases: &[&String], what: &str, done: impl Fn(&[u64]) -> bool) -> Vec<u64> {
    let mut check = tokio::time::interval(Duration::from_millis(200));
    for _ in 0..150 {
        check.tick().await;
        let counts = all_runs(bases).await;
        if done(&counts) {
            return counts;
        }
    }
    panic!("{what}: never happened ({:?})", all_runs(bases).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_minute_ticker_runs_once_across_servers_and_survives_its_holder() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixline_tests::shared_database(&dir.path().join("shared.db")).await;
    let now = chrono::Utc::now().to_rfc3339();
    let every_second = [("FIXLINE__DISPATCH__LATE_CHECK_SECS", "1")];
    let mut children = Killed(Vec::new());
    let mut bases = Vec::new();
    for _ in 0..3 {
        // One after another: the first makes the database and its admin.
        let (child, base) = server_process(&db, &now, 0, &every_second).await;
        children.0.push(child);
        bases.push(base);
    }
    let all: Vec<&String> = bases.iter().collect();
    let counts = until(&all, "five runs", |c| c.iter().sum::<u64>() >= 5).await;
    assert_eq!(
        counts.iter().filter(|&&n| n > 0).count(),
        1,
        "one server does the work, not three: {counts:?}"
    );
    let holder = counts.iter().position(|&n| n > 0).unwrap();

    // SIGKILL: no clean stop, the lease is not given up; it runs out.
    children.0[holder].kill().unwrap();
    children.0[holder].wait().unwrap();
    let rest: Vec<&String> = (0..3).filter(|&i| i != holder).map(|i| &bases[i]).collect();
    let taken = until(&rest, "a take-over", |c| c.iter().any(|&n| n > 0)).await;
    let taker = taken.iter().position(|&n| n > 0).unwrap();
    let later = until(&rest, "three more runs", |c| c[taker] >= taken[taker] + 3).await;
    assert_eq!(
        later.iter().filter(|&&n| n > 0).count(),
        1,
        "still once across the two left: {later:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_on_one_server_reaches_a_console_on_another() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixline_tests::shared_database(&dir.path().join("shared.db")).await;
    let now = chrono::Utc::now().to_rfc3339();
    let (first, a) = server_process(&db, &now, 0, &[]).await;
    let (second, b) = server_process(&db, &now, 0, &[]).await;
    let _children = Killed(vec![first, second]);
    let (on_a, on_b) = (admin(&a).await, admin(&b).await);
    let live = on_b
        .request(Method::GET, "/api/v1/live")
        .send()
        .await
        .unwrap();
    assert!(live.status().is_success());
    let mut events = live.bytes_stream().eventsource();
    let fx = fixline_tests::customer_with_asset(&on_a, "杭州湖滨餐饮管理有限公司", "FX-2SRV").await;
    let written = Instant::now();
    let event = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .expect("the change reaches the other server's console")
        .expect("stream open")
        .expect("event");
    let change: serde_json::Value = serde_json::from_str(&event.data).unwrap();
    assert_eq!(change["entity"], "customer", "{change}");
    assert_eq!(change["entity_id"], fx.customer.as_str(), "{change}");
    // The watcher looks every quarter second: well within the second the desk expects.
    println!(
        "seen on the other server {:?} after the write",
        written.elapsed()
    );
}
