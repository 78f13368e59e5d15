//! The sync engine killed at random points: a child process syncing a device database is
//! SIGKILLed 50 times while the engineer keeps working and the dispatcher keeps writing; at the
//! end nothing is lost, nothing is applied twice, and device and server agree. (On the suite's
//! PostgreSQL run, through a proxy in front of two servers.)

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use fixline_core::ids::{ActionId, WorkOrderId};
use fixline_core::work_order::Action;
use fixline_device::{DeviceStore, OutboxState, sync};
use fixline_tests::{Crew, assigned_job, crew, customer_with_asset, signed_in_device};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

const ROUNDS: usize = 50;

fn note(store: &DeviceStore, job: &str, n: usize) {
    store
        .perform(
            job.parse::<WorkOrderId>().unwrap(),
            Action::AddNote {
                text: format!("device note #{n}"),
            },
            ActionId::from_uuid(Uuid::now_v7()),
            Utc::now(),
        )
        .expect("note");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_killed_at_random_points_loses_nothing_and_doubles_nothing() {
    let Crew {
        server,
        desk,
        chen_id,
        ..
    } = crew().await;
    let dir = tempfile::tempdir().unwrap();
    let fx = customer_with_asset(&desk, "西溪连锁超市有限公司", "FX2506000999").await;
    let mut jobs = Vec::new();
    for i in 0..4 {
        jobs.push(assigned_job(&desk, &fx, &chen_id, &format!("冷柜故障 {i}")).await);
    }

    let db = dir.path().join("chen.db");
    // On the suite's PostgreSQL run the device syncs through a round-robin proxy in front of
    // two servers on the one database, as behind a load balancer: each request may reach
    // either, a push retried after a kill too.
    let (_second, proxy) = if fixline_tests::postgres::for_the_suite().is_some() {
        let second = fixline_tests::TestServer::start_on(&server.db_path).await;
        let proxy = fixline_tests::proxy::RoundRobin::start(vec![server.addr, second.addr]).await;
        (Some(second), Some(proxy))
    } else {
        (None, None)
    };
    let device = match &proxy {
        Some(proxy) => fixline_tests::signed_in_device_at(&proxy.url(), dir.path(), "chen").await,
        None => signed_in_device(&server, dir.path(), "chen").await,
    };
    sync(&device, false, |_| {}).await.unwrap();

    // A backlog big enough that early kills land mid-push.
    let mut rng = StdRng::seed_from_u64(20_261_125);
    let mut written = 0;
    for _ in 0..120 {
        note(&device, &jobs[rng.random_range(0..jobs.len())], written);
        written += 1;
    }

    let mut desk_notes = 0;
    let mut killed = 0;
    // Long enough for some pushes to be answered before the kill. On PostgreSQL each action
    // costs a few more round trips (read, decide, conditional write), so a page of actions
    // takes longer to be answered on a loaded machine.
    let kill_window = if fixline_tests::postgres::for_the_suite().is_some() {
        20..1500
    } else {
        20..400
    };
    for _ in 0..ROUNDS {
        for _ in 0..3 {
            note(&device, &jobs[rng.random_range(0..jobs.len())], written);
            written += 1;
        }
        let job = &jobs[rng.random_range(0..jobs.len())];
        let (s, body) = desk
            .act(
                job,
                json!({"action": "add_note", "text": format!("desk note #{desk_notes}")}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        desk_notes += 1;

        let mut child = Command::new(env!("CARGO_BIN_EXE_device-sync"))
            .arg(&db)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start device-sync");
        let out = child.stdout.take().expect("piped stdout");
        let ready = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(out).read_line(&mut line).map(|_| line)
        })
        .await
        .expect("reader thread")
        .expect("device-sync's first line");
        assert_eq!(ready.trim(), "ready");
        tokio::time::sleep(Duration::from_millis(rng.random_range(kill_window.clone()))).await;
        // A run with little to do may finish before the kill lands; that is fine, and counted.
        child.kill().expect("SIGKILL");
        let status = child.wait().unwrap();
        if !status.success() {
            killed += 1;
        }
    }
    assert!(
        killed >= ROUNDS / 4,
        "only {killed} of {ROUNDS} runs were killed mid-sync"
    );

    // The killed runs got work done (so kills did land mid-sync, not before it started). How
    // much depends on the machine's load, so only that some did.
    let left = device.status().unwrap().pending;
    assert!(left < written as u64, "{left} of {written} still pending");

    // The app starts again and syncs to the end.
    for _ in 0..5 {
        sync(&device, true, |_| {}).await.unwrap();
        if device.status().unwrap().pending == 0 {
            break;
        }
    }

    // Nothing lost on the device: every action has an answer, and it is "applied".
    let outbox = device.outbox().unwrap();
    assert_eq!(outbox.len(), written);
    assert!(outbox.iter().all(|i| i.state == OutboxState::Applied));

    // Nothing lost or doubled on the server: each note exactly once; and the device shows
    // exactly what the server has.
    let seen = fixline_tests::notes_agreed(&desk, &device, &jobs).await;
    for n in 0..written {
        assert_eq!(
            seen.get(&format!("device note #{n}")),
            Some(&1),
            "device note #{n}"
        );
    }
    for n in 0..desk_notes {
        assert_eq!(
            seen.get(&format!("desk note #{n}")),
            Some(&1),
            "desk note #{n}"
        );
    }
    assert_eq!(seen.len(), written + desk_notes);
}
