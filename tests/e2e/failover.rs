//! Two servers on one PostgreSQL behind a round-robin proxy, each SIGKILLed in turn while the
//! desk writes and an engineer's device syncs through the proxy: no acknowledged write is lost,
//! nothing is applied twice, and the device syncs through whichever server answers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use fixline_core::ids::{ActionId, WorkOrderId};
use fixline_core::work_order::Action;
use fixline_device::{OutboxState, sync};
use fixline_tests::Client;
use fixline_tests::postgres::{ThrowawayPostgres, fresh_database};
use fixline_tests::proxy::RoundRobin;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::processes::{Killed, admin, server_process};

fn addr(base: &str) -> SocketAddr {
    base.trim_start_matches("http://")
        .parse()
        .expect("an address")
}

/// A client that opens a connection per request, so the proxy spreads its requests.
fn spread(signed_in: &Client, base: &str) -> Client {
    Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap(),
        base: base.to_owned(),
        token: signed_in.token.clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_killed_behind_a_proxy_lose_no_acknowledged_write_and_double_nothing() {
    let pg = ThrowawayPostgres::start();
    let db = fresh_database(&pg.url).await;
    let now = Utc::now().to_rfc3339();
    let mut servers = Killed(Vec::new());
    let mut bases = Vec::new();
    for _ in 0..2 {
        let (child, base) = server_process(&db, &now, 0, &[]).await;
        servers.0.push(child);
        bases.push(base);
    }
    // The desk's requests through one proxy, the device's through another: the desk's
    // connections open through its proxy are its requests in flight.
    let proxy = Arc::new(RoundRobin::start(bases.iter().map(|b| addr(b)).collect()).await);
    let device_proxy = Arc::new(RoundRobin::start(bases.iter().map(|b| addr(b)).collect()).await);
    let desk = spread(&admin(&proxy.url()).await, &proxy.url());

    let fx = fixline_tests::customer_with_asset(&desk, "西溪连锁超市有限公司", "FX-FAILOVER").await;
    let chen = fixline_tests::engineer(&desk, "陈建国", "西湖区").await;
    let (s, body) = desk
        .post(
            "/api/v1/users",
            json!({"username": "chen", "display_name": "陈建国", "role": "engineer",
                   "engineer_id": chen, "password": fixline_tests::PASSWORD}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let mut jobs = Vec::new();
    for i in 0..8 {
        jobs.push(fixline_tests::assigned_job(&desk, &fx, &chen, &format!("冷柜故障 {i}")).await);
    }
    let dir = tempfile::tempdir().unwrap();
    let device = fixline_tests::signed_in_device_at(&device_proxy.url(), dir.path(), "chen").await;
    sync(&device, false, |_| {}).await.unwrap();

    // Six desks write notes, each answered 200 acknowledged; a server is killed while some
    // of them wait on it.
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..6 {
        let (desk, jobs, stop) = (desk.clone(), jobs.clone(), Arc::clone(&stop));
        writers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut sent = 0;
            while !stop.load(Ordering::Relaxed) {
                let job = &jobs[sent % jobs.len()];
                let text = format!("desk {w} note #{sent}");
                // A request cut off by a kill is not acknowledged (and may or may not have
                // been applied: at most once, checked below).
                let answered = desk
                    .request(
                        reqwest::Method::POST,
                        &format!("/api/v1/work-orders/{job}/transitions"),
                    )
                    .json(&json!({"action": "add_note", "text": text}))
                    .send()
                    .await;
                if answered.is_ok_and(|r| r.status() == StatusCode::OK) {
                    acknowledged.push(text);
                }
                sent += 1;
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            (acknowledged, sent)
        }));
    }

    // Each server in turn is SIGKILLed while desk requests wait on it, and a new one takes
    // its place (the proxies then send to it).
    let killer = {
        let (proxy, device_proxy) = (Arc::clone(&proxy), Arc::clone(&device_proxy));
        let (db, now) = (db.clone(), now.clone());
        tokio::spawn(async move {
            for k in 0..3 {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let victim = k % 2;
                // Mid-write: while at least two desk requests are open to it (or, failing
                // that within three seconds, anyway).
                let waiting = std::time::Instant::now();
                while proxy.open_to(addr(&bases[victim])) < 2
                    && waiting.elapsed() < Duration::from_secs(3)
                {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                servers.0[victim].kill().unwrap();
                servers.0[victim].wait().unwrap();
                let (child, base) = server_process(&db, &now, 0, &[]).await;
                servers.0[victim] = child;
                bases[victim] = base;
                proxy.set_backends(bases.iter().map(|b| addr(b)).collect());
                device_proxy.set_backends(bases.iter().map(|b| addr(b)).collect());
            }
            servers
        })
    };

    // Meanwhile the engineer works and syncs through the other proxy.
    let mut written = 0;
    let mut sync_failures = 0;
    while !killer.is_finished() {
        for _ in 0..4 {
            let job: WorkOrderId = jobs[written % jobs.len()].parse().unwrap();
            device
                .perform(
                    job,
                    Action::AddNote {
                        text: format!("device note #{written}"),
                    },
                    ActionId::from_uuid(Uuid::now_v7()),
                    Utc::now(),
                )
                .unwrap();
            written += 1;
        }
        if sync(&device, true, |_| {}).await.is_err() {
            sync_failures += 1;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _servers = killer.await.unwrap();
    stop.store(true, Ordering::Relaxed);
    let (mut acknowledged, mut sent) = (Vec::new(), 0);
    for w in writers {
        let (a, n) = w.await.unwrap();
        acknowledged.extend(a);
        sent += n;
    }
    assert!(
        acknowledged.len() > 20,
        "the desks got little done: {}",
        acknowledged.len()
    );
    assert!(sent > acknowledged.len(), "no kill landed mid-request");

    // The device syncs to the end through whichever server answers.
    for _ in 0..10 {
        if sync(&device, true, |_| {}).await.is_ok() && device.status().unwrap().pending == 0 {
            break;
        }
    }
    let outbox = device.outbox().unwrap();
    assert_eq!(outbox.len(), written);
    assert!(
        outbox.iter().all(|i| i.state == OutboxState::Applied),
        "{outbox:?}"
    );

    let seen = fixline_tests::notes_agreed(&desk, &device, &jobs).await;
    for n in 0..written {
        assert_eq!(
            seen.get(&format!("device note #{n}")),
            Some(&1),
            "device note #{n}"
        );
    }
    for text in &acknowledged {
        assert_eq!(seen.get(text), Some(&1), "{text}, acknowledged");
    }
    assert!(seen.values().all(|&n| n == 1), "nothing twice");
    let unacknowledged = sent - acknowledged.len();
    let cut: Vec<&String> = seen
        .keys()
        .filter(|t| t.starts_with("desk") && !acknowledged.contains(t))
        .collect();
    println!(
        "{sent} desk writes ({unacknowledged} unanswered while a server died, {} of them applied), \
         {written} device notes, {sync_failures} syncs cut off",
        cut.len()
    );
}
