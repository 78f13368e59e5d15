//! Telling customers first: each step of a job the customer cares about reaches them by e-mail
//! once, in their language, from the outbox the change wrote; a mail server that is down makes
//! a dead letter the desk sees and resends once it is back.

use std::time::Duration;

use chrono::{DateTime, Utc};
use fixline_tests::smtp::SmtpSink;
use fixline_tests::{Client, Crew, assigned_job, crew_at_configured, customer_reached_by};
use reqwest::StatusCode;
use serde_json::json;

/// Monday 7 December 2026, 10:00 in Shanghai: outside quiet hours whenever the test runs.
fn monday_morning() -> DateTime<Utc> {
    "2026-12-07T02:00:00Z".parse().unwrap()
}

/// The first dead letter, once the worker has given one up (it tries every second).
async fn dead_letter(desk: &Client) -> serde_json::Value {
    for _ in 0..100 {
        let (_, dead) = desk.get("/api/v1/notifications?state=dead&limit=10").await;
        if let Some(d) = dead.as_array().unwrap().first() {
            return d.clone();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no notice was given up within 20 s");
}

#[tokio::test]
async fn each_step_the_customer_cares_about_reaches_them_once_in_their_language() {
    let mut sink = SmtpSink::start().await;
    let crew: Crew = crew_at_configured(monday_morning(), sink.configure()).await;
    let fx = customer_reached_by(&crew.desk, "chen.jing@example.cn", "zh-CN", "SC650-NTFY1").await;
    let job = assigned_job(&crew.desk, &fx, &crew.chen_id, "冷柜不制冷，柜内 12°C").await;
    let chen = crew.server.login("chen").await;
    for action in ["accept", "start_travel", "arrive"] {
        let (s, b) = chen.act(&job, json!({ "action": action })).await;
        assert_eq!(s, StatusCode::OK, "{action}: {b}");
    }
    let (_, order) = crew.desk.get(&format!("/api/v1/work-orders/{job}")).await;
    let number = order["number"].as_str().unwrap().to_owned();

    let mut told = Vec::new();
    for _ in 0..4 {
        let (subject, body, to) = sink.next_mail().await;
        assert_eq!(to.len(), 1);
        assert!(to[0].contains("chen.jing@example.cn"), "{to:?}");
        assert!(body.contains("杭州湖滨餐饮"), "{body}");
        told.push((subject, body));
    }
    // In the order they happened (a queue per job is sent oldest first).
    assert!(
        told[0].0.contains("已收到您的报修") && told[0].0.contains(&number),
        "{told:?}"
    );
    assert!(
        told[1].1.contains("陈建国"),
        "the engineer's name: {told:?}"
    );
    assert!(told[2].0.contains("正在赶来"), "{told:?}");
    assert!(told[3].0.contains("已到达"), "{told:?}");
    // A note tells nothing; nothing is sent twice.
    let (s, _) = chen
        .act(&job, json!({"action": "add_note", "text": "压缩机过热"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let extra = tokio::time::timeout(Duration::from_secs(3), sink.messages.recv()).await;
    assert!(extra.is_err(), "nothing more was sent: {extra:?}");

    let (s, list) = crew
        .desk
        .get(&format!("/api/v1/notifications?work_order={job}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap();
    let email: Vec<_> = list.iter().filter(|d| d["channel"] == "email").collect();
    assert_eq!(email.len(), 4, "{list:?}");
    assert!(
        email
            .iter()
            .all(|d| d["state"] == "sent" && d["attempts"] == 1),
        "{list:?}"
    );
    // No SMS provider is set up here: the phone's notices are skipped, with why.
    let sms: Vec<_> = list.iter().filter(|d| d["channel"] == "sms").collect();
    assert_eq!(sms.len(), 4, "{list:?}");
    assert!(
        sms.iter().all(|d| d["state"] == "skipped"
            && d["last_error"].as_str().unwrap().contains("no sms channel")),
        "{list:?}"
    );
    let (s, _) = chen.get("/api/v1/notifications").await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the desk's list, not an engineer's"
    );
}

#[tokio::test]
async fn a_mail_server_that_is_down_makes_a_dead_letter_the_desk_resends() {
    // A port nobody listens on, until the mail server comes back there.
    let mut sink = SmtpSink::start_down().await;
    let crew: Crew = crew_at_configured(monday_morning(), sink.configure()).await;
    let fx = customer_reached_by(&crew.desk, "ops@example.com", "en", "SC650-NTFY2").await;
    let (s, _) = crew
        .desk
        .post(
            "/api/v1/work-orders",
            json!({"serial": fx.serial, "symptom": "Freezer not cooling", "priority": "P2"}),
        )
        .await;
    assert!(s.is_success());
    let dead = dead_letter(&crew.desk).await;
    assert_eq!(dead["event"], "request_received", "{dead}");
    assert_eq!(dead["attempts"], 1, "{dead}");
    assert!(
        dead["last_error"].as_str().unwrap().contains("mail server"),
        "{dead}"
    );
    let id = dead["id"].as_str().unwrap().to_owned();

    sink.open();
    let (s, resent) = crew
        .desk
        .post(&format!("/api/v1/notifications/{id}/resend"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{resent}");
    assert_eq!(resent["state"], "pending");
    let (subject, body, _) = sink.next_mail().await;
    assert!(subject.contains("we have your request"), "{subject}");
    assert!(body.contains("Freezer not cooling"), "in English: {body}");
    let (s, again) = crew
        .desk
        .post(&format!("/api/v1/notifications/{id}/resend"), json!({}))
        .await;
    assert_eq!(
        (s, again["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_dead")),
        "a sent one is not resent: {again}"
    );
}

/// The dispatcher finds the dead letter on the Notifications screen and resends it with the
/// row's button once the mail server is back; the customer gets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_desk_resends_a_dead_letter_from_the_screen() -> anyhow::Result<()> {
    let mut sink = SmtpSink::start_down().await;
    let crew: Crew = crew_at_configured(monday_morning(), sink.configure()).await;
    let fx = customer_reached_by(&crew.desk, "chen.jing@example.cn", "zh-CN", "SC650-NTFY3").await;
    let (s, _) = crew
        .desk
        .post(
            "/api/v1/work-orders",
            json!({"serial": fx.serial, "symptom": "冷柜不制冷", "priority": "P2"}),
        )
        .await;
    assert!(s.is_success());
    dead_letter(&crew.desk).await;
    let ui = fixline_tests::webdriver::Session::chromium(1280, 800).await?;
    ui.sign_in(&crew.server.url("/app/?lang=zh-CN"), "desk")
        .await?;
    ui.click("#nav-notifications").await?;
    ui.click("#notices-dead-only").await?;
    ui.wait_text(".notice[data-state=dead] .notice-state", "发送失败")
        .await?;
    ui.assert_accessible("customer notices").await?;
    sink.open();
    ui.click(".notice[data-state=dead] .notice-resend").await?;
    ui.wait_text(".message", "已重新排队发送").await?;
    let (subject, _, to) = sink.next_mail().await;
    assert!(subject.contains("已收到您的报修"), "{subject}");
    assert!(to[0].contains("chen.jing@example.cn"), "{to:?}");
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.client.clone().close().await?;
    Ok(())
}
