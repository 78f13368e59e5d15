//! Live-status fan-out: N dispatcher consoles follow the live stream while engineers' devices
//! post position pings as fast as they can. Prints pings/s ingested and the delivery latency
//! from a ping leaving the device to each console receiving it (p50, p99, max), and whether
//! every console got every ping.
//!
//! Run with `cargo xtask bench live` (`FIXLINE_BENCH_SECS`, `FIXLINE_BENCH_CONSOLES`,
//! `FIXLINE_BENCH_ENGINEERS` to change the load).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use eventsource_stream::Eventsource;
use fixline_core::role::Role;
use fixline_tests::{Crew, crew, engineer};
use futures::StreamExt;
use serde_json::json;
use tokio::sync::Mutex;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let secs = setting("FIXLINE_BENCH_SECS", 5);
    let consoles = setting("FIXLINE_BENCH_CONSOLES", 50) as usize;
    let engineers = setting("FIXLINE_BENCH_ENGINEERS", 20) as usize;
    // 0: each device pings as fast as the server answers (saturation); else every N ms.
    let interval = setting("FIXLINE_BENCH_INTERVAL_MS", 0);
    let Crew {
        server,
        admin,
        desk,
        ..
    } = crew().await;
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
    for _ in 0..consoles {
        let response = desk
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
    let mut all = latencies.lock().await.clone();
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        all.get(((all.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let pace = if interval == 0 {
        "as fast as answered".to_owned()
    } else {
        format!("every {interval} ms")
    };
    println!(
        "Live fan-out: {consoles} consoles, {engineers} engineers pinging {pace} for {secs} s (all on this machine)"
    );
    println!(
        "  pings ingested: {pings} ({:.0}/s)",
        pings as f64 / secs as f64
    );
    println!(
        "  deliveries: {} of {} expected ({:.1} %)",
        all.len(),
        pings * consoles as u64,
        all.len() as f64 * 100.0 / (pings * consoles as u64).max(1) as f64
    );
    println!(
        "  delivery latency (ping sent → console received): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.5),
        pct(0.99),
        all.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}
