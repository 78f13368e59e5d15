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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_manager_switches_it_on_from_the_settings() {
    let monday: DateTime<Utc> = "2026-11-30T02:00:00Z".parse().unwrap();
    let Crew {
        server,
        admin,
        desk,
        ..
    } = crew_at_configured(monday, |_| {}).await;
    let manager = server
        .user(
            &admin,
            "manager",
            fixline_core::role::Role::ServiceManager,
            None,
        )
        .await;
    let (s, settings) = desk.get("/api/v1/settings/auto-assign").await;
    assert_eq!(s, StatusCode::OK, "{settings}");
    assert_eq!(settings["version"], 0, "the settings file's, nothing saved");
    assert_eq!(settings["policy"]["rules"], json!([]));
    let on = json!({"rules": [{"category": "refrigeration", "enabled": true}], "max_open_jobs": 4});
    let put = |who: &Client, version: &str, body: Value| {
        who.request(reqwest::Method::PUT, "/api/v1/settings/auto-assign")
            .header("If-Match", version.to_owned())
            .json(&body)
            .send()
    };
    let (s, body) = fixline_tests::read(put(&desk, "\"0\"", on.clone()).await.unwrap()).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a dispatcher does not change it: {body}"
    );
    let bad = json!({"rules": [], "max_open_jobs": 0});
    let (s, body) = fixline_tests::read(put(&manager, "\"0\"", bad).await.unwrap()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, saved) = fixline_tests::read(put(&manager, "\"0\"", on.clone()).await.unwrap()).await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    assert_eq!(saved["version"], 1);
    // Saved over a version someone else replaced: refused, not overwritten.
    let (s, body) = fixline_tests::read(put(&admin, "\"0\"", on).await.unwrap()).await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED, "{body}");

    let (id, _) = waiting_job(&desk, "超市", "FXS001", "refrigeration").await;
    let (_, wo) = desk.get(&format!("/api/v1/work-orders/{id}")).await;
    assert_eq!(
        wo["status"], "assigned",
        "on from the screen's setting: {wo}"
    );
    let (laundry, _) = waiting_job(&desk, "洗衣店", "FXS002", "laundry").await;
    let (_, wo) = desk.get(&format!("/api/v1/work-orders/{laundry}")).await;
    assert_eq!(wo["status"], "new");
}
