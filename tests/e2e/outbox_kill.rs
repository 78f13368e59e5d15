//! The outbox survives a SIGKILL: requests are taken in (each writing its notices in the same
//! transaction), the server process is killed before any is sent, and after a restart every
//! notice reaches the mail server exactly once.

use std::collections::BTreeMap;
use std::process::Child;
use std::time::Duration;

use fixline_tests::smtp::SmtpSink;
use reqwest::StatusCode;
use serde_json::json;

/// Monday 7 December 2026, 10:00 in Shanghai: outside quiet hours whenever the test runs.
const MONDAY_TEN: &str = "2026-12-07T02:00:00Z";
const REQUESTS: usize = 12;

/// Starts the server process over `db`; returns it and its address once it listens.
async fn start(db: &str, start: &str, smtp_port: u16) -> (Child, String) {
    crate::processes::server_process(db, start, smtp_port, &[]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_committed_before_a_kill_are_sent_once_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixline_tests::shared_database(&dir.path().join("fixline.db")).await;
    // First life: no worker, so nothing is sent; every request's notice is only in the outbox.
    let (mut first, base) = start(&db, MONDAY_TEN, 0).await;
    let desk = crate::processes::admin(&base).await;
    let mut numbers = Vec::new();
    for i in 0..REQUESTS {
        let (s, c) = desk
            .post(
                "/api/v1/customers",
                json!({"name": format!("西溪门店 {i}"), "phone": "0571-8888 0001",
                       "email": format!("store{i}@example.cn"), "language": "zh-CN"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        let (s, site) = desk
            .post(
                &format!("/api/v1/customers/{}/sites", c["id"].as_str().unwrap()),
                json!({"name": "门店", "address": "文三路", "city": "杭州市", "region": "西湖区"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{site}");
        let (s, r) = desk
            .post(
                "/api/v1/work-orders",
                json!({"customer_id": c["id"], "site_id": site["id"], "symptom": "冷柜不制冷"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let (_, wo) = desk
            .get(&format!(
                "/api/v1/work-orders/{}",
                r["work_order_id"].as_str().unwrap()
            ))
            .await;
        numbers.push(wo["number"].as_str().unwrap().to_owned());
    }
    let (_, pending) = desk
        .get("/api/v1/notifications?state=pending&limit=500")
        .await;
    let waiting = pending
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["channel"] == "email")
        .count();
    assert_eq!(waiting, REQUESTS, "{pending}");
    first.kill().expect("SIGKILL");
    first.wait().unwrap();

    // Second life, minutes later, with the mail server there.
    let mut sink = SmtpSink::start().await;
    let (mut second, _) = start(&db, "2026-12-07T02:05:00Z", sink.port).await;
    let mut received: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for _ in 0..REQUESTS {
        let delivered = tokio::time::timeout(Duration::from_secs(30), sink.messages.recv())
            .await
            .expect("every notice within 30 s of the restart")
            .expect("the sink is open");
        let subject = mail_parser::MessageParser::default()
            .parse(&delivered.data)
            .and_then(|m| m.subject().map(str::to_owned))
            .unwrap_or_default();
        received
            .entry(delivered.to.join(","))
            .or_default()
            .push(subject);
    }
    // Nothing more comes (the worker polls every second).
    let extra = tokio::time::timeout(Duration::from_secs(3), sink.messages.recv()).await;
    assert!(extra.is_err(), "sent twice: {extra:?}");
    // One message per customer, about their own request.
    assert_eq!(received.len(), REQUESTS, "{received:?}");
    for (i, number) in numbers.iter().enumerate() {
        let (_, subjects) = received
            .iter()
            .find(|(to, _)| to.contains(&format!("store{i}@")))
            .unwrap_or_else(|| panic!("nothing to store{i}: {received:?}"));
        assert_eq!(subjects.len(), 1, "{subjects:?}");
        assert!(subjects[0].contains(number.as_str()), "{subjects:?}");
    }
    second.kill().expect("stop");
    second.wait().unwrap();
}
