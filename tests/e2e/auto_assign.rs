//! Automatic assignment (自动派单): on where the settings say, a new request goes to the engineer
//! who fits it best without overloading anyone, and a job nobody fits goes to the pool; the
//! reasons are in the history. Elsewhere, nothing moves on its own.

use chrono::{DateTime, Utc};
use fixline_core::auto_assign::{AutoAssignPolicy, AutoAssignRule};
use fixline_tests::{Client, Crew, crew_at_configured, waiting_job};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub fn refrigeration_on(config: &mut fixline_server::config::Config) {
    config.dispatch.auto_assign = AutoAssignPolicy {
        rules: vec![AutoAssignRule {
            category: Some("refrigeration".into()),
            region: None,
            enabled: true,
        }],
        ..AutoAssignPolicy::default()
    };
}

pub async fn junior(admin: &Client) -> String {
    fixline_tests::uncertified_engineer(admin, "李小明", "西湖区", 1).await
}

async fn last_event(desk: &Client, id: &str) -> Value {
    let (_, history) = desk.get(&format!("/api/v1/work-orders/{id}/history")).await;
    history.as_array().unwrap().last().unwrap()["event"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_requests_go_to_who_fits_best_and_the_load_evens_out() {
    // Monday 30 November 2026, 10:00 in Hangzhou: everyone is on shift.
    let monday: DateTime<Utc> = "2026-11-30T02:00:00Z".parse().unwrap();
    // The server stops when `_server` goes.
    let Crew {
        server: _server,
        admin,
        desk,
        chen_id,
    } = crew_at_configured(monday, refrigeration_on).await;
    // chen is level 4 with a certificate; the junior is level 1.
    let junior_id = junior(&admin).await;

    let mut given = Vec::new();
    for i in 0..4 {
        let (id, _) = waiting_job(
            &desk,
            &format!("超市{i}"),
            &format!("FXA00{i}"),
            "refrigeration",
        )
        .await;
        let (_, wo) = desk.get(&format!("/api/v1/work-orders/{id}")).await;
        assert_eq!(wo["status"], "assigned", "{wo}");
        let event = last_event(&desk, &id).await;
        assert_eq!(event["type"], "auto_assigned", "{event}");
        assert_eq!(event["why"]["engineer"], wo["assignee"]);
        assert_eq!(event["why"]["qualified"], 2);
        given.push(wo["assignee"].as_str().unwrap().to_owned());
    }
    // The junior fits the easy jobs and gets the first; the expert is not handed everything,
    // and neither is the junior once busy.
    assert_eq!(given[0], junior_id);
    assert!(given.contains(&chen_id), "{given:?}");
    let junior_jobs = given.iter().filter(|g| **g == junior_id).count();
    assert!((1..=3).contains(&junior_jobs), "{given:?}");

    // Another category is not on: it waits for the desk.
    let (laundry, _) = waiting_job(&desk, "洗衣店", "FXL001", "laundry").await;
    let (_, wo) = desk.get(&format!("/api/v1/work-orders/{laundry}")).await;
    assert_eq!(
        (wo["status"].as_str(), wo["assignee"].as_str()),
        (Some("new"), None)
    );

    // Triaged as refrigeration needing a certificate nobody holds: to the pool, with the reason.
    let (s, body) = desk
        .act(
            &laundry,
            json!({"action": "triage", "category": "refrigeration",
                   "requirements": {"certification": "特种设备作业证"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        body["pooled"], true,
        "the answer shows where it went: {body}"
    );
    let event = last_event(&desk, &laundry).await;
    assert_eq!(event["action"]["action"], "release_to_pool", "{event}");
    assert_eq!(event["why"]["engineer"], Value::Null);
    assert_eq!(event["why"]["qualified"], 0);
}
