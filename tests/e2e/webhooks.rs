//! Integrations' webhooks: the admin adds one with the events it wants; it gets exactly those,
//! as JSON signed with its secret (the receiver checks every signature); a receiver that fails
//! makes a dead letter the desk resends; a paused one gets nothing.

use chrono::{DateTime, Utc};
use fixline_tests::hooks::HookReceiver;
use fixline_tests::smtp::SmtpSink;
use fixline_tests::{
    Client, Crew, assigned_job, crew_at_configured, customer_reached_by, dead_letter,
};
use reqwest::StatusCode;
use serde_json::json;

/// Monday 7 December 2026, 10:00 in Shanghai.
fn monday_morning() -> DateTime<Utc> {
    "2026-12-07T02:00:00Z".parse().unwrap()
}

/// Adds a webhook for `events` as the admin; returns its id and the setting's version.
async fn hook_for(
    admin: &Client,
    receiver: &HookReceiver,
    events: serde_json::Value,
) -> (String, u64) {
    let (s, created) = admin
        .post(
            "/api/v1/settings/webhooks",
            json!({"name": "客户 CRM", "url": receiver.url(), "events": events}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 64, "a 256-bit secret: {created}");
    receiver.trust(secret).await;
    (
        created["webhook"]["id"].as_str().unwrap().to_owned(),
        created["version"].as_u64().unwrap(),
    )
}

async fn chen_sets_off(crew: &Crew, job: &str) {
    let chen = crew.server.login("chen").await;
    for action in ["accept", "start_travel"] {
        let (s, b) = chen.act(job, json!({ "action": action })).await;
        assert_eq!(s, StatusCode::OK, "{action}: {b}");
    }
}

#[tokio::test]
async fn an_integration_gets_the_events_it_asked_for_signed() {
    let sink = SmtpSink::start().await;
    let mut receiver = HookReceiver::start().await;
    let crew = crew_at_configured(monday_morning(), sink.configure()).await;
    let (s, _) = crew
        .desk
        .post(
            "/api/v1/settings/webhooks",
            json!({"name": "x", "url": receiver.url()}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the admin's alone");
    let (s, refused) = crew
        .admin
        .post(
            "/api/v1/settings/webhooks",
            json!({"name": "x", "url": "ftp://example.cn/in"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (hook, _) = hook_for(&crew.admin, &receiver, json!(["on_the_way", "completed"])).await;
    let (_, listed) = crew.admin.get("/api/v1/settings/webhooks").await;
    assert_eq!(listed["webhooks"][0]["id"], json!(hook));
    assert!(
        listed["webhooks"][0].get("secret").is_none(),
        "never shown again: {listed}"
    );

    let fx = customer_reached_by(&crew.desk, "ops@example.com", "en", "SC650-HOOK1").await;
    let job = assigned_job(&crew.desk, &fx, &crew.chen_id, "Freezer not cooling").await;
    chen_sets_off(&crew, &job).await;
    // Received and assigned were not asked for: the first event is the trip.
    let got = receiver.next_event().await;
    assert_eq!(got.event, "on_the_way");
    assert_eq!(got.payload["event"], "on_the_way");
    assert_eq!(got.payload["work_order"], json!(job));
    assert_eq!(got.payload["id"], json!(got.delivery));
    assert_eq!(got.payload["facts"]["engineer"], "陈建国");
    let (_, order) = crew.desk.get(&format!("/api/v1/work-orders/{job}")).await;
    assert_eq!(got.payload["facts"]["number"], order["number"]);
    let extra =
        tokio::time::timeout(std::time::Duration::from_secs(2), receiver.events.recv()).await;
    assert!(extra.is_err(), "nothing it did not ask for: {extra:?}");

    // Its delivery log at the desk.
    let (s, log) = crew
        .desk
        .get(&format!("/api/v1/notifications?webhook={hook}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{log}");
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["state"], "sent");
    assert_eq!(log[0]["channel"], "webhook");
}

#[tokio::test]
async fn a_failing_receiver_is_resent_from_the_dead_letters_and_a_paused_one_gets_nothing() {
    let sink = SmtpSink::start().await;
    let mut receiver = HookReceiver::start().await;
    let crew = crew_at_configured(monday_morning(), sink.configure()).await;
    let (hook, version) = hook_for(&crew.admin, &receiver, json!(["request_received"])).await;
    receiver.fail_next(1);
    let fx = customer_reached_by(&crew.desk, "ops@example.com", "en", "SC650-HOOK2").await;
    fixline_tests::new_request(&crew.desk, &fx, "Freezer not cooling").await;
    let dead = dead_letter(&crew.desk).await;
    assert_eq!(dead["channel"], "webhook", "{dead}");
    assert!(
        dead["last_error"].as_str().unwrap().contains("500"),
        "{dead}"
    );
    let id = dead["id"].as_str().unwrap().to_owned();
    let (s, _) = crew
        .desk
        .post(&format!("/api/v1/notifications/{id}/resend"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let got = receiver.next_event().await;
    assert_eq!(got.delivery, id, "the same notice, once it went");

    // Paused: the next request tells it nothing (what already waited would be skipped).
    let (s, paused) = crew
        .admin
        .put(
            &format!("/api/v1/settings/webhooks/{hook}"),
            Some(version),
            json!({"name": "客户 CRM", "url": receiver.url(), "events": ["request_received"], "active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{paused}");
    assert_eq!(paused["webhooks"][0]["active"], false);
    let (s, _) = crew
        .desk
        .post(
            "/api/v1/work-orders",
            json!({"serial": fx.serial, "symptom": "Door seal torn", "priority": "P3"}),
        )
        .await;
    assert!(s.is_success());
    let extra =
        tokio::time::timeout(std::time::Duration::from_secs(3), receiver.events.recv()).await;
    assert!(extra.is_err(), "a paused webhook gets nothing: {extra:?}");
    let (_, log) = crew
        .desk
        .get(&format!("/api/v1/notifications?webhook={hook}"))
        .await;
    assert_eq!(log.as_array().unwrap().len(), 1, "not even queued: {log}");
}

/// The admin adds a webhook on the settings screen, gives its secret to the receiver, reads
/// what was sent in its log, and pauses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_admin_adds_a_webhook_reads_its_log_and_pauses_it_on_screen() -> anyhow::Result<()> {
    let sink = SmtpSink::start().await;
    let mut receiver = HookReceiver::start().await;
    let crew = crew_at_configured(monday_morning(), sink.configure()).await;
    let ui = fixline_tests::webdriver::Session::chromium(1280, 900).await?;
    ui.sign_in(&crew.server.url("/app/?lang=zh-CN"), "admin")
        .await?;
    ui.client
        .goto(&crew.server.url("/app/?lang=zh-CN#/settings"))
        .await?;
    ui.find("#webhook-form").await?;
    ui.set_value("#webhook-name", "客户 CRM").await?;
    ui.set_value("#webhook-url", &receiver.url()).await?;
    ui.click(".webhook-event[value='request_received']").await?;
    ui.click("#webhook-add").await?;
    let secret = ui.find("#webhook-secret code").await?.text().await?;
    assert_eq!(secret.len(), 64, "{secret}");
    receiver.trust(&secret).await;
    ui.wait_text(".webhook .webhook-state", "推送中").await?;
    ui.assert_accessible("integrations").await?;

    let fx = customer_reached_by(&crew.desk, "ops@example.com", "en", "SC650-HOOK3").await;
    fixline_tests::new_request(&crew.desk, &fx, "Freezer not cooling").await;
    let got = receiver.next_event().await;
    assert_eq!(got.event, "request_received");
    ui.click(".webhook .webhook-log-toggle").await?;
    ui.wait_text(
        ".webhook-log .notice[data-state=sent] .notice-state",
        "已发送",
    )
    .await?;
    ui.screenshot("settings-webhooks").await?;
    ui.click(".webhook .webhook-toggle").await?;
    ui.wait_text(".webhook .webhook-state", "已暂停").await?;
    let (_, listed) = crew.admin.get("/api/v1/settings/webhooks").await;
    assert_eq!(listed["webhooks"][0]["active"], false, "{listed}");
    assert_eq!(listed["webhooks"][0]["events"], json!(["request_received"]));
    ui.close_clean().await
}
