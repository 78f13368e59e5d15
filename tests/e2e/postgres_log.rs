//! The change log on PostgreSQL never lets a reader skip a change: three "servers" (each its own
//! connections) on one throwaway PostgreSQL, nine writers logging changes concurrently (some
//! transactions rolled back), and on each server a reader woken by LISTEN/NOTIFY and a reader
//! polling as fast as it can. Every page any reader gets must start right after what it has
//! seen — a gap seen even once fails, since with numbers committed out of order the missing
//! change could turn up later — and each reader ends with every committed change exactly once,
//! in order. (A SEQUENCE-numbered log fails this: its numbers commit in another order.)

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use fixline_server::store::Change;
use fixline_server::store::postgres::{self, CHANNEL};
use fixline_tests::postgres::ThrowawayPostgres;
use futures::StreamExt;
use tokio_postgres::{AsyncMessage, Client, NoTls};

const SERVERS: usize = 3;
const WRITERS_PER_SERVER: usize = 3;
const TRANSACTIONS: usize = 40;

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(connection);
    client
}

fn change(writer: usize, n: usize) -> Change {
    serde_json::from_value(serde_json::json!({
        "seq": 0,
        "at": "2026-12-07T02:00:00Z",
        "entity": "work_order",
        "entity_id": uuid::Uuid::from_u128((writer * 1_000_000 + n) as u128),
        "op": "updated",
        "version": n,
        "engineer_id": null,
        "previous_engineer_id": null,
        "region": "西湖区",
        "data": {"writer": writer, "n": n},
    }))
    .expect("a change")
}

/// Writes `TRANSACTIONS` transactions of one to three changes; every seventh is rolled back.
/// Returns how many changes it committed.
async fn writer(url: String, id: usize) -> i64 {
    let mut client = connect(&url).await;
    let mut committed = 0;
    for t in 0..TRANSACTIONS {
        let tx = client.transaction().await.expect("begin");
        // The job's own write would come first; then the log, as the last statement.
        tx.execute("SELECT 1", &[]).await.expect("work");
        let batch: Vec<Change> = (0..1 + (id + t) % 3)
            .map(|k| change(id, t * 3 + k))
            .collect();
        postgres::append(&tx, &batch).await.expect("append");
        tokio::task::yield_now().await;
        if (id + t).is_multiple_of(7) {
            tx.rollback().await.expect("rollback");
        } else {
            tx.commit().await.expect("commit");
            committed += batch.len() as i64;
        }
    }
    committed
}

/// Follows the log until `total` is known and reached; fails on any gap. Woken by `wake`
/// (notifications) or, with none, reads again at once.
async fn follow(
    url: String,
    who: String,
    total: Arc<AtomicI64>,
    mut wake: Option<tokio::sync::mpsc::UnboundedReceiver<i64>>,
) -> Vec<i64> {
    let client = connect(&url).await;
    let mut seen: Vec<i64> = Vec::new();
    loop {
        let last = seen.last().copied().unwrap_or(0);
        let page = postgres::changes_since(&client, last, 50)
            .await
            .expect("read");
        for (i, c) in page.iter().enumerate() {
            assert_eq!(
                c.seq,
                last + 1 + i as i64,
                "{who} saw a gap after {last}: a change numbered before could still commit"
            );
        }
        seen.extend(page.iter().map(|c| c.seq));
        let goal = total.load(Ordering::Acquire);
        if goal >= 0 && seen.len() as i64 == goal {
            return seen;
        }
        if page.is_empty() {
            match &mut wake {
                Some(rx) => {
                    // A notification, or (the writers being done) a last look.
                    let _ = tokio::time::timeout(std::time::Duration::from_millis(200), rx.recv())
                        .await;
                }
                None => tokio::task::yield_now().await,
            }
        }
    }
}

/// A connection that LISTENs on the log's channel and passes the numbers on; the client is
/// kept by the caller for as long as it listens.
async fn listener(url: &str) -> (Client, tokio::sync::mpsc::UnboundedReceiver<i64>) {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
    tokio::spawn(async move {
        while let Some(Ok(message)) = messages.next().await {
            if let AsyncMessage::Notification(n) = message
                && n.channel() == CHANNEL
                && let Ok(seq) = n.payload().parse()
                && tx.send(seq).is_err()
            {
                break;
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .expect("listen");
    (client, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_on_every_server_see_every_change_once_in_order_with_no_gap() {
    let pg = ThrowawayPostgres::start();
    let mut admin = connect(&pg.url).await;
    postgres::migrate(&mut admin).await.expect("migrate");
    // A second server starting up migrates again: nothing to do, nothing broken.
    postgres::migrate(&mut admin).await.expect("migrate twice");

    let total = Arc::new(AtomicI64::new(-1));
    let mut listening = Vec::new();
    let mut readers = Vec::new();
    for server in 0..SERVERS {
        let (client, notified) = listener(&pg.url).await;
        listening.push(client);
        readers.push(tokio::spawn(follow(
            pg.url.clone(),
            format!("server {server}'s live feed"),
            Arc::clone(&total),
            Some(notified),
        )));
        readers.push(tokio::spawn(follow(
            pg.url.clone(),
            format!("server {server}'s poller"),
            Arc::clone(&total),
            None,
        )));
    }
    let writers: Vec<_> = (0..SERVERS * WRITERS_PER_SERVER)
        .map(|id| tokio::spawn(writer(pg.url.clone(), id)))
        .collect();
    let mut committed = 0;
    for w in writers {
        committed += w.await.expect("writer");
    }
    assert!(committed > 300, "enough changes to race: {committed}");
    total.store(committed, Ordering::Release);
    let expected: Vec<i64> = (1..=committed).collect();
    for reader in readers {
        let seen = reader.await.expect("reader");
        assert_eq!(seen, expected, "every committed change once, in order");
    }
    drop(listening);
    assert_eq!(
        postgres::latest_seq(&admin).await.unwrap(),
        committed,
        "rolled-back transactions gave their numbers back"
    );
}

/// Two servers' stores over one PostgreSQL: a change one server logs reaches the other's
/// subscribers through LISTEN/NOTIFY; a lease one holds the other cannot take until it runs
/// out; a setting saved through one is read through the other, and a save at an old version
/// is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_the_change_feed_leases_and_settings() {
    use fixline_server::store::postgres::PgStore;
    use fixline_server::store::{ChangeFeed, LeaseStore, SettingStore};

    let pg = ThrowawayPostgres::start();
    let url = pg.url.clone();
    let (a, b) = tokio::task::spawn_blocking(move || {
        (
            PgStore::open(&url).expect("server A"),
            PgStore::open(&url).expect("server B"),
        )
    })
    .await
    .unwrap();
    let mut heard = b.subscribe();

    // Server A's write: its transaction logs the change as its last statement.
    let mut client = connect(&pg.url).await;
    let tx = client.transaction().await.unwrap();
    let logged = postgres::append(&tx, &[change(1, 1)]).await.unwrap();
    tx.commit().await.unwrap();
    let committed = std::time::Instant::now();
    let got = tokio::time::timeout(std::time::Duration::from_secs(5), heard.recv())
        .await
        .expect("server B hears the change")
        .expect("the feed is open");
    assert_eq!(got, logged[0]);
    println!(
        "heard on the other server {:?} after the commit",
        committed.elapsed()
    );
    tokio::task::block_in_place(|| {
        assert_eq!(b.latest_seq().unwrap(), logged[0].seq);
        assert_eq!(a.changes_since(0, 10).unwrap(), logged);
    });

    tokio::task::block_in_place(|| {
        let t0 = chrono::Utc::now();
        let at = |s: i64| t0 + chrono::TimeDelta::seconds(s);
        assert!(a.hold_lease("late_jobs", "a", at(0), at(3)).unwrap());
        assert!(!b.hold_lease("late_jobs", "b", at(1), at(4)).unwrap());
        assert!(
            a.hold_lease("late_jobs", "a", at(2), at(5)).unwrap(),
            "renewed"
        );
        assert!(
            b.hold_lease("late_jobs", "b", at(5), at(8)).unwrap(),
            "ran out"
        );
        b.release_lease("late_jobs", "b").unwrap();
        assert!(
            a.hold_lease("late_jobs", "a", at(6), at(9)).unwrap(),
            "given up"
        );

        let admin = fixline_core::ids::UserId::from_uuid(uuid::Uuid::from_u128(1));
        let book = serde_json::json!({"codes": ["E1"]});
        assert_eq!(a.setting("fault_codes").unwrap(), None);
        assert_eq!(
            a.put_setting("fault_codes", &book, 0, admin, t0).unwrap(),
            1
        );
        assert_eq!(b.setting("fault_codes").unwrap(), Some((book.clone(), 1)));
        let stale = b.put_setting("fault_codes", &book, 0, admin, t0);
        assert!(
            matches!(
                stale,
                Err(fixline_server::Error::StaleVersion { current: 1, .. })
            ),
            "{stale:?}"
        );
        b.readiness().unwrap();
    });

    // Engineers: made through A, heard and read on B, edited at a version, pinged.
    use fixline_core::engineer::EngineerDetails;
    use fixline_core::ids::EngineerId;
    use fixline_server::store::{ChangeOp, EngineerStore, Paging};
    let details: EngineerDetails = serde_json::from_value(serde_json::json!({
        "name": "陈建国", "phone": "138 0571 0001", "region": "西湖区",
        "skills": [{"category": "refrigeration", "level": 4}],
        "home_base": {"lat": 30.27, "lon": 120.13},
        "shift": {"weekdays": [1, 2, 3, 4, 5], "start": "08:30:00", "end": "17:30:00", "break_minutes": 60}
    }))
    .unwrap();
    let id = EngineerId::from_uuid(uuid::Uuid::now_v7());
    let t0 = chrono::Utc::now();
    let made = tokio::task::block_in_place(|| a.create_engineer(id, details.clone(), t0)).unwrap();
    let created = tokio::time::timeout(std::time::Duration::from_secs(5), heard.recv())
        .await
        .expect("B hears the new engineer")
        .unwrap();
    assert_eq!(
        (created.entity_id, created.op),
        (*id.as_uuid(), ChangeOp::Created)
    );
    tokio::task::block_in_place(|| {
        assert_eq!(b.engineer(id).unwrap(), made);
        let mut moved = details.clone();
        moved.region = "拱墅区".into();
        let edited = b.update_engineer(id, 1, moved.clone(), None, t0).unwrap();
        assert_eq!(edited.version, 2);
        let stale = a.update_engineer(id, 1, moved, None, t0);
        assert!(
            matches!(
                stale,
                Err(fixline_server::Error::StaleVersion { current: 2, .. })
            ),
            "{stale:?}"
        );
        let in_region = a
            .list_engineers(Some("拱墅区"), Paging::new(None, None))
            .unwrap();
        assert_eq!((in_region.total, in_region.items[0].id), (1, id));
        assert_eq!(
            a.list_engineers(Some("西湖区"), Paging::new(None, None))
                .unwrap()
                .total,
            0
        );
        let fix = fixline_core::position::PositionFix {
            position: fixline_core::position::Position {
                lat: 30.25,
                lon: 120.16,
            },
            at: t0,
        };
        let pinged = a.record_position(id, fix, t0).unwrap();
        assert_eq!((pinged.version, pinged.last_position), (2, Some(fix)));
        assert!(
            b.engineer(EngineerId::from_uuid(uuid::Uuid::nil()))
                .is_err()
        );
    });
    let mut ops = Vec::new();
    while ops.len() < 2 {
        let c = tokio::time::timeout(std::time::Duration::from_secs(5), heard.recv())
            .await
            .expect("B hears the edit and the ping")
            .unwrap();
        ops.push(c.op);
    }
    assert_eq!(ops, [ChangeOp::Updated, ChangeOp::Position]);
}

/// Through HTTP: three servers on one PostgreSQL, three desks writing through each at once, and
/// a console on each server following `/api/v1/live`: every console sees every change exactly
/// once, in sequence order, with no gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consoles_on_three_servers_see_every_change_once_in_order() {
    use eventsource_stream::Eventsource;
    use fixline_tests::TestServer;

    let pg = ThrowawayPostgres::start();
    let first = TestServer::start_fresh_on(Some(pg.url.clone()), None, |_| {}).await;
    let mut servers = vec![first];
    for _ in 1..SERVERS {
        servers.push(TestServer::start_on(&servers[0].db_path).await);
    }
    let admin = servers[0].login("admin").await;
    let on = |s: &TestServer| fixline_tests::Client {
        base: s.url(""),
        ..admin.clone()
    };
    let start = servers[0].store.latest_seq().unwrap();
    let mut consoles = Vec::new();
    for s in &servers {
        let response = on(s)
            .request(reqwest::Method::GET, &format!("/api/v1/live?since={start}"))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        consoles.push(response.bytes_stream().eventsource());
    }
    let mut writers = Vec::new();
    for (i, s) in servers.iter().enumerate() {
        for w in 0..WRITERS_PER_SERVER {
            let desk = on(s);
            writers.push(tokio::spawn(async move {
                for n in 0..10 {
                    let (status, body) = desk
                        .post(
                            "/api/v1/customers",
                            serde_json::json!({"name": format!("西溪门店 {i}-{w}-{n}"),
                                "phone": "0571-8888 0001"}),
                        )
                        .await;
                    assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");
                }
            }));
        }
    }
    for w in writers {
        w.await.unwrap();
    }
    let end = servers[0].store.latest_seq().unwrap();
    assert!(end - start >= 90, "{start}..{end}");
    for (i, console) in consoles.iter_mut().enumerate() {
        let mut last = start;
        while last < end {
            let event = tokio::time::timeout(std::time::Duration::from_secs(10), console.next())
                .await
                .unwrap_or_else(|_| panic!("console {i} stopped at {last} of {end}"))
                .expect("stream open")
                .expect("event");
            let change: Change = serde_json::from_str(&event.data).unwrap();
            assert_eq!(change.seq, last + 1, "console {i}: no gap, nothing twice");
            last = change.seq;
        }
    }
}
