//! The expected arrival from the engineer's day, over HTTP: each step and each position report
//! walks the day again (the job on site, then travel, then the next), and an overrun on one job
//! slides the next customer's estimate until it is past their window, which tells them.

use chrono::{DateTime, Duration, Utc};
use fixline_tests::{Client, Crew, crew_at_configured};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Wednesday 9 December 2026, 09:00 in Shanghai.
fn nine() -> DateTime<Utc> {
    "2026-12-09T01:00:00Z".parse().unwrap()
}

fn local(hm: &str) -> DateTime<Utc> {
    let (h, m) = hm.split_once(':').unwrap();
    nine() + Duration::hours(h.parse::<i64>().unwrap() - 9) + Duration::minutes(m.parse().unwrap())
}

/// A job at a site on the meridian 120.13°E at `lat`, promised `from`–`to`, assigned to chen.
async fn job_at(desk: &Client, chen: &str, lat: f64, serial: &str, from: &str, to: &str) -> String {
    let (_, c) = desk
        .post(
            "/api/v1/customers",
            json!({"name": format!("客户 {serial}"), "phone": "0571-8888 0001", "tier": "standard"}),
        )
        .await;
    let customer = c["id"].as_str().unwrap().to_owned();
    let (s, site) = desk
        .post(
            &format!("/api/v1/customers/{customer}/sites"),
            json!({"name": "门店", "address": "文三路", "city": "杭州市", "region": "西湖区",
                   "position": {"lat": lat, "lon": 120.13}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{site}");
    let (s, r) = desk
        .post(
            "/api/v1/work-orders",
            json!({"customer_id": customer, "site_id": site["id"], "symptom": "冷柜不制冷",
                   "category": "refrigeration", "priority": "P2",
                   "requested_window": {"start": local(from), "end": local(to)}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let id = r["work_order_id"].as_str().unwrap().to_owned();
    for action in [
        json!({"action": "triage"}),
        json!({"action": "assign", "engineer": chen}),
    ] {
        let (s, b) = desk.act(&id, action).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    id
}

async fn eta(desk: &Client, job: &str) -> Option<DateTime<Utc>> {
    let (_, wo) = desk.get(&format!("/api/v1/work-orders/{job}")).await;
    wo["eta"].as_str().map(|s| s.parse().unwrap())
}

/// Within a minute of `expected` (the server's clock runs on while the test talks to it).
fn near(actual: Option<DateTime<Utc>>, expected: DateTime<Utc>, what: &str) {
    let actual = actual.unwrap_or_else(|| panic!("{what}: no estimate"));
    assert!(
        (actual - expected).abs() < Duration::seconds(60),
        "{what}: {actual}, expected about {expected}"
    );
}

#[tokio::test]
async fn the_estimate_follows_the_day_and_an_overrun_tells_the_next_customer() {
    // 20 km/h on a straight road: 0.01° of latitude (1.112 km) is 3 min 20 s.
    let Crew {
        server,
        desk,
        chen_id,
        ..
    } = crew_at_configured(nine(), |c| {
        c.dispatch.speed_kmh = 20.0;
        c.dispatch.detour = 1.0;
        c.dispatch.default_job_minutes = 60.0;
    })
    .await;
    // Chen's base is at 30.27°N. A is 0.03° north (10 min), B 0.06° further (20 min).
    let a = job_at(&desk, &chen_id, 30.30, "ETA-A", "09:00", "11:00").await;
    let b = job_at(&desk, &chen_id, 30.36, "ETA-B", "10:00", "12:00").await;
    let chen = server.login("chen").await;
    for job in [&a, &b] {
        let (s, body) = chen.act(job, json!({"action": "accept"})).await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    // From base now: A at 09:10; A's hour on site, then 20 min: B at 10:30.
    near(eta(&desk, &a).await, local("09:10"), "A, accepted");
    near(eta(&desk, &b).await, local("10:30"), "B, accepted");

    let (s, body) = chen.act(&a, json!({"action": "start_travel"})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    near(eta(&desk, &a).await, local("09:10"), "A, on the way");
    // A report from the road 0.005° short of A (1 min 40 s): A at 09:01:40, B at 10:21:40.
    let (s, body) = chen
        .post(
            &format!("/api/v1/engineers/{chen_id}/position"),
            json!({"lat": 30.295, "lon": 120.13}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{body}");
    near(
        eta(&desk, &a).await,
        local("09:01") + Duration::seconds(40),
        "A, after the report",
    );
    near(
        eta(&desk, &b).await,
        local("10:21") + Duration::seconds(40),
        "B, after the report",
    );

    // At A: the check-in position is where chen now is.
    let (s, body) = chen
        .act(
            &a,
            json!({"action": "arrive", "position": {"lat": 30.30, "lon": 120.13}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["eta"], Value::Null);
    let (_, engineer) = desk.get(&format!("/api/v1/engineers/{chen_id}")).await;
    assert_eq!(
        engineer["last_position"]["position"],
        json!({"lat": 30.30, "lon": 120.13})
    );
    // Free at 10:00, B at 10:20: under the 5 minutes worth telling anyone, so it stays.
    near(
        eta(&desk, &b).await,
        local("10:21") + Duration::seconds(40),
        "B, chen at A",
    );

    // Still at A at 11:30 (the minute ticker walks the day): B at 11:50, inside the window.
    let config = {
        let mut c = fixline_server::Config::default().dispatch;
        c.speed_kmh = 20.0;
        c.detour = 1.0;
        c.default_job_minutes = 60.0;
        c
    };
    let store = std::sync::Arc::clone(&server.store);
    let tick = move |at: DateTime<Utc>| {
        fixline_server::ops::eta::flag_late(store.as_ref(), &config, at).unwrap()
    };
    assert!(tick(local("11:30")).is_empty());
    near(eta(&desk, &b).await, local("11:50"), "B, overrun at A");
    let (_, order) = desk.get(&format!("/api/v1/work-orders/{b}")).await;
    assert_eq!(order["late_since"], Value::Null);
    // At 11:57, B at 12:17: past 12:00 by more than the 15-minute margin. Late, once.
    assert_eq!(tick(local("11:57")), [b.parse().unwrap()]);
    assert!(tick(local("11:58")).is_empty(), "flagged once");
    let (_, order) = desk.get(&format!("/api/v1/work-orders/{b}")).await;
    assert!(order["late_since"].is_string(), "{order}");
    let (_, notices) = desk
        .get(&format!("/api/v1/notifications?work_order={b}"))
        .await;
    let delayed = notices
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["event"] == "delayed")
        .count();
    assert_eq!(
        delayed, 1,
        "the customer is told, on their one channel: {notices}"
    );
}
