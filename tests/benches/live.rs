//! Live-status fan-out: N dispatcher consoles follow the live stream while engineers' devices
//! post position pings as fast as they can. Prints pings/s ingested and the delivery latency
//! from a ping leaving the device to each console receiving it (p50, p99, max), and whether
//! every console got every ping.
//!
//! One server on SQLite, then (when `FIXLINE_TEST_POSTGRES` names a PostgreSQL; `cargo xtask
//! bench live` starts a throwaway one) one and three servers on one PostgreSQL, the devices
//! pinging the first and the consoles spread over all: a ping posted on one server reaches
//! consoles on the others through the database.
//!
//! Run with `cargo xtask bench live` (`FIXLINE_BENCH_SECS`, `FIXLINE_BENCH_CONSOLES`,
//! `FIXLINE_BENCH_ENGINEERS` to change the load).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use eventsource_stream::Eventsource;
use fixline_core::role::Role;
use fixline_tests::{Crew, TestServer, crew_on, engineer};
use futures::StreamExt;
use serde_json::json;
use tokio::sync::Mutex;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What one run measured.
struct Fanout {
    pings: u64,
    expected: u64,
    latencies: Vec<f64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let secs = setting("FIXLINE_BENCH_SECS", 5);
    let consoles = setting("FIXLINE_BENCH_CONSOLES", 50) as usize;
    let engineers = setting("FIXLINE_BENCH_ENGINEERS", 20) as usize;
    // 0: each device pings as fast as the server answers (saturation); else every N ms.
    let interval = setting("FIXLINE_BENCH_INTERVAL_MS", 0);
    let pace = if interval == 0 {
        "as fast as answered".to_owned()
    } else {
        format!("every {interval} ms")
    };
    println!(
        "Live fan-out: {consoles} consoles, {engineers} engineers pinging {pace} for {secs} s (all on this machine)"
    );
    let postgres = std::env::var("FIXLINE_TEST_POSTGRES").ok();
    let mut modes = vec![("SQLite, 1 server", None, 1)];
    match &postgres {
        Some(url) => {
            modes.push(("PostgreSQL, 1 server", Some(url.clone()), 1));
            modes.push(("PostgreSQL, 3 servers", Some(url.clone()), 3));
        }
        None => println!("  (no FIXLINE_TEST_POSTGRES: SQLite only)"),
    }
    let mut baseline: Option<f64> = None;
    for (label, database, servers) in modes {
        let f = fanout(database, servers, secs, consoles, engineers, interval).await?;
        let mut all = f.latencies;
        all.sort_by(f64::total_cmp);
        let pct = |p: f64| {
            all.get(((all.len() as f64 - 1.0) * p) as usize)
                .copied()
                .unwrap_or(f64::NAN)
        };
        let rate = f.pings as f64 / secs as f64;
        let base = *baseline.get_or_insert(rate);
        println!("{label}:");
        println!(
            "  pings ingested: {} ({rate:.0}/s, {:.2}x SQLite's)",
            f.pings,
            rate / base.max(f64::MIN_POSITIVE)
        );
        println!(
            "  deliveries: {} of {} expected ({:.1} %)",
            all.len(),
            f.expected,
            all.len() as f64 * 100.0 / f.expected.max(1) as f64
        );
        println!(
            "  delivery latency (ping sent → console received): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            pct(0.5),
            pct(0.99),
            all.last().copied().unwrap_or(f64::NAN)
        );
    }
    Ok(())
}

/// Devices ping the first server; consoles follow the live stream spread over all `servers`
/// (one database: on PostgreSQL at `database` when given, else a SQLite file).
async fn fanout(
    database: Option<String>,
    servers: usize,
    secs: u64,
    consoles: usize,
    engineers: usize,
    interval: u64,
) -> anyhow::Result<Fanout> {
    let Crew {
        server,
        admin,
        desk,
        ..
    } = crew_on(TestServer::start_fresh_on(database, None, |_| {}).await).await;
    let mut others = Vec::new();
    for _ in 1..servers {
        others.push(TestServer::start_on(&server.db_path).await);
    }
    let mut devices = Vec::new();
    for i in 0..engineers {
        let id = engineer(&admin, &format!("工程师{i}"), "西湖区").await;
        let client = server
            .user(&admin, &format!("eng{i}"), Role::Engineer, Some(&id))
            .await;
        devices.push((id, client));
    }

    // Consoles subscribe first; each records the latency of every position event it receives.
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let mut followers = Vec::new();
    for n in 0..consoles {
        let on = std::iter::once(&server)
            .chain(&others)
            .nth(n % servers)
            .expect("a server");
        let console = fixline_tests::Client {
            base: on.url(""),
            ..desk.clone()
        };
        let response = console
            .request(reqwest::Method::GET, "/api/v1/live")
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "live: {}",
            response.status()
        );
        let latencies = Arc::clone(&latencies);
        followers.push(tokio::spawn(async move {
            let mut events = response.bytes_stream().eventsource();
            while let Some(Ok(event)) = events.next().await {
                let Ok(change) = serde_json::from_str::<serde_json::Value>(&event.data) else {
                    continue;
                };
                if change["op"] != "position" {
                    continue;
                }
                // A position change carries the fix, timed by the device when it sent it.
                if let Some(sent) = change["data"]["at"]
                    .as_str()
                    .and_then(|t| t.parse::<chrono::DateTime<Utc>>().ok())
                {
                    let ms = (Utc::now() - sent).num_microseconds().unwrap_or(0) as f64 / 1000.0;
                    latencies.lock().await.push(ms);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut pingers = Vec::new();
    for (i, (id, client)) in devices.into_iter().enumerate() {
        pingers.push(tokio::spawn(async move {
            let mut sent = 0_u64;
            while Instant::now() < deadline {
                let jitter = (sent % 100) as f64 * 1e-5 + i as f64 * 1e-3;
                let (status, _) = client
                    .post(
                        &format!("/api/v1/engineers/{id}/position"),
                        json!({"lat": 30.27 + jitter, "lon": 120.15 + jitter, "at": Utc::now()}),
                    )
                    .await;
                if status.is_success() {
                    sent += 1;
                }
                if interval > 0 {
                    tokio::time::sleep(Duration::from_millis(interval)).await;
                }
            }
            sent
        }));
    }
    let mut pings = 0;
    for p in pingers {
        pings += p.await?;
    }
    // Let the consoles catch up (until nothing new arrives for a second, at most 30 s).
    let drain = Instant::now();
    let mut seen = 0;
    let mut quiet = Instant::now();
    while drain.elapsed() < Duration::from_secs(30) && quiet.elapsed() < Duration::from_secs(1) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = latencies.lock().await.len();
        if now != seen {
            seen = now;
            quiet = Instant::now();
        }
    }
    for f in followers {
        f.abort();
    }
    let latencies = latencies.lock().await.clone();
    Ok(Fanout {
        pings,
        expected: pings * consoles as u64,
        latencies,
    })
}
