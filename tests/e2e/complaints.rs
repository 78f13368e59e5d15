//! Complaints over HTTP: filed by the desk, deadlines in business hours, the deadline watcher
//! escalating once to the service manager on the live stream (at a fixed clock), and a handler
//! working one from received to closed, with who may do what.

use std::time::Duration;

use chrono::{DateTime, Utc};
use eventsource_stream::Eventsource;
use fixline_core::role::Role;
use fixline_tests::{Client, Crew, Fixture, crew_at, customer_with_asset};
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Monday 30 November 2026, 09:00 in Hangzhou.
fn monday_nine() -> DateTime<Utc> {
    "2026-11-30T01:00:00Z".parse().unwrap()
}

fn local(text: &str) -> DateTime<Utc> {
    fixline_core::zone::ServiceZone::SHANGHAI.at(chrono::NaiveDateTime::parse_from_str(
        text,
        "%Y-%m-%d %H:%M",
    )
    .unwrap())
}

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// The crew at Monday 09:00, a login of `role` who works complaints, and a customer on file.
async fn on_file(
    role: Role,
    username: &str,
    customer: &str,
    serial: &str,
) -> (Crew, Client, Fixture) {
    let crew = crew_at(monday_nine()).await;
    let worker = crew.server.user(&crew.admin, username, role, None).await;
    let fx = customer_with_asset(&crew.desk, customer, serial).await;
    (crew, worker, fx)
}

#[tokio::test]
async fn a_complaint_not_acknowledged_in_time_escalates_once_to_the_manager_live() {
    let (crew, manager, fx) = on_file(
        Role::ServiceManager,
        "zhou",
        "杭州湖滨餐饮管理有限公司",
        "FX-CP-1",
    )
    .await;
    let Crew { server, desk, .. } = &crew;

    // The manager's screen follows the live stream before anything happens.
    let live = manager
        .request(Method::GET, "/api/v1/live")
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    let mut events = live.bytes_stream().eventsource();

    // The dispatcher takes the call and files it; high severity: 2 working hours to acknowledge.
    let (s, filed) = desk
        .post(
            "/api/v1/complaints",
            json!({"customer_id": fx.customer, "channel": "phone", "category": "repeat fault",
                   "severity": "high", "summary": "冷柜修了三次还是不制冷"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["number"], "CP-000001");
    assert_eq!(filed["status"], "received");
    assert_eq!(filed["escalation"], "handler");
    // The test's clock started at 09:00 and runs on: filed within a few seconds of it.
    let acknowledge_by = at(&filed["deadlines"]["acknowledge_by"]) - local("2026-11-30 11:00");
    assert!(
        acknowledge_by >= chrono::TimeDelta::zero()
            && acknowledge_by < chrono::TimeDelta::minutes(1),
        "{filed}"
    );
    assert_eq!(
        filed["available_actions"],
        json!([]),
        "a dispatcher files complaints but does not work them"
    );
    let id = filed["id"].as_str().unwrap().to_owned();

    // The watcher at a fixed clock: nothing before the deadline, once after it.
    let store = std::sync::Arc::clone(&server.store);
    let config = fixline_server::Config::default();
    let watch = move |when: &str| {
        fixline_server::ops::complaints::escalate_overdue(store.as_ref(), &config, local(when))
            .unwrap()
    };
    assert!(watch("2026-11-30 10:59").is_empty());
    let escalated = watch("2026-11-30 11:05");
    assert_eq!(escalated.len(), 1);
    assert_eq!(escalated[0].0.to_string(), id);
    assert!(
        watch("2026-11-30 11:10").is_empty(),
        "once per missed deadline"
    );

    let (s, complaint) = manager.get(&format!("/api/v1/complaints/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{complaint}");
    assert_eq!(complaint["escalation"], "manager");
    let step = complaint["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (
            step["action"].as_str(),
            step["by_name"].as_str(),
            step["breach"].as_str()
        ),
        (Some("escalate"), Some("system"), Some("acknowledge"))
    );
    assert!(
        complaint["available_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("acknowledge")),
        "{complaint}"
    );

    // On the manager's live stream: the complaint filed, then escalated to their level.
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("live event within 10 s")
            .expect("stream open")
            .expect("valid event");
        let change: Value = serde_json::from_str(&event.data).unwrap();
        if change["entity"] == "complaint" && change["entity_id"] == id.as_str() {
            seen.push(change["data"]["escalation"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(seen, ["handler", "manager"]);

    // The inbox, by the server's clock (still about 09:00): escalated, two hours to go.
    let (s, inbox) = manager.get("/api/v1/complaints").await;
    assert_eq!(s, StatusCode::OK, "{inbox}");
    assert_eq!(inbox[0]["id"], id.as_str());
    assert_eq!(inbox[0]["escalation"], "manager");
    assert!(inbox[0]["overdue"].is_null(), "{inbox}");
    let left = inbox[0]["seconds_to_deadline"].as_i64().unwrap();
    assert!((7000..=7200).contains(&left), "{left}");
}

#[tokio::test]
async fn a_handler_works_a_complaint_from_received_to_closed() {
    let (crew, handler, fx) = on_file(
        Role::ComplaintHandler,
        "hu",
        "西溪连锁超市有限公司",
        "FX-CP-2",
    )
    .await;
    let Crew { desk, .. } = &crew;
    let (_, filed) = handler
        .post(
            "/api/v1/complaints",
            json!({"customer_id": fx.customer, "channel": "wechat", "category": "billing",
                   "severity": "medium", "summary": "收费比电话里说的高"}),
        )
        .await;
    let id = filed["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/complaints/{id}/transitions");
    let step = |body: Value| handler.post(&path, body);
    // Closing now is refused, with the rule in words.
    let (s, refused) = step(json!({"action": "close"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["code"], "illegal_transition");
    // Resolving needs a root cause: a body without one is refused as malformed.
    let (s, refused) = step(json!({"action": "resolve", "resolution": "退差价"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{refused}");
    for (body, status) in [
        (
            json!({"action": "acknowledge", "note": "已致电客户"}),
            "acknowledged",
        ),
        (json!({"action": "investigate"}), "investigating"),
        (
            json!({"action": "resolve", "root_cause": "communication", "resolution": "退还差价 80 元",
                   "corrective_action": "电话报价统一按价目表"}),
            "resolved",
        ),
        (
            json!({"action": "record_verdict", "accepted": true, "comment": "满意"}),
            "confirmed",
        ),
        (json!({"action": "close"}), "closed"),
    ] {
        let (s, c) = step(body.clone()).await;
        assert_eq!(s, StatusCode::OK, "{body}: {c}");
        assert_eq!(c["status"], status, "{c}");
    }
    let (_, c) = handler.get(&format!("/api/v1/complaints/{id}")).await;
    assert_eq!(c["root_cause"], "communication");
    assert_eq!(c["owner"], handler_id(&handler).await);
    assert_eq!(c["available_actions"], json!(["reopen", "add_note"]));
    // Closed ones leave the inbox unless asked for.
    let (_, inbox) = handler.get("/api/v1/complaints").await;
    assert!(inbox.as_array().unwrap().is_empty(), "{inbox}");
    let (_, all) = handler.get("/api/v1/complaints?all=true").await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    // Engineers and dispatchers do not read complaints.
    let (s, _) = desk.get(&format!("/api/v1/complaints/{id}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // An unknown customer is refused in words, nothing filed.
    let (s, refused) = handler
        .post(
            "/api/v1/complaints",
            json!({"customer_id": uuid::Uuid::nil(), "channel": "phone", "category": "x",
                   "severity": "low", "summary": "?"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["code"], "unknown_customer");
}

async fn handler_id(client: &fixline_tests::Client) -> Value {
    client.get("/api/v1/me").await.1["id"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_handler_works_a_complaint_from_the_inbox_to_closed_on_screen() -> anyhow::Result<()> {
    use fixline_tests::webdriver::Session;
    let (crew, handler, fx) = on_file(
        Role::ComplaintHandler,
        "hu",
        "西溪连锁超市有限公司",
        "FX-CP-3",
    )
    .await;
    let Crew { server, desk, .. } = &crew;
    // The dispatcher takes the call on the customer's page and files it there.
    let (_, opened) = desk
        .post(
            "/api/v1/work-orders",
            json!({"serial": fx.serial, "symptom": "冷柜不制冷"}),
        )
        .await;
    let job = opened["work_order_id"].as_str().unwrap().to_owned();
    let front = Session::chromium(1280, 900).await?;
    front.sign_in(&server.url("/app/?lang=zh"), "desk").await?;
    front.click("#nav-customers").await?;
    front.set_value("#customer-search", "西溪连锁").await?;
    front.click("#customer-find").await?;
    front
        .click(&format!(".customer-open[data-customer='{}']", fx.customer))
        .await?;
    front
        .wait_text("#customer-name", "西溪连锁超市有限公司")
        .await?;
    front.click("#complaint-new").await?;
    front.set_select("#complaint-channel", "Wechat").await?;
    front.set_select("#complaint-severity", "Medium").await?;
    front.set_select("#complaint-job", &job).await?;
    front.fill("#complaint-category", "billing").await?;
    front
        .fill("#complaint-summary", "收费比电话里说的高")
        .await?;
    front.click("#complaint-file").await?;
    front.wait_text(".message", "已登记投诉 CP-000001").await?;
    assert_eq!(front.errors().await?, Vec::<String>::new());
    front.client.clone().close().await?;
    let (_, inbox) = handler.get("/api/v1/complaints").await;
    let filed = inbox[0].clone();
    assert_eq!(filed["number"], "CP-000001", "{inbox}");
    assert_eq!(filed["channel"], "wechat", "{filed}");
    assert_eq!(filed["work_orders"], json!([job]), "{filed}");

    let ui = Session::chromium(1280, 900).await?;
    ui.sign_in(&server.url("/app/?lang=zh"), "hu").await?;
    ui.click("#nav-complaints").await?;
    let row = ".complaint[data-complaint=CP-000001]";
    let line = ui.wait_text(row, "距回应期限").await?;
    assert!(line.contains("较重") && line.contains("已受理"), "{line}");
    ui.click(&format!("{row} .complaint-open")).await?;
    ui.wait_attr("#complaint", "data-status", "received")
        .await?;

    let step = async |action: &str, text: Option<&str>, status: &str| -> anyhow::Result<()> {
        ui.click(&format!(
            "#complaint .complaint-action[data-action={action}]"
        ))
        .await?;
        ui.find(&format!(".complaint-form[data-action={action}]"))
            .await?;
        if let Some(text) = text {
            ui.fill(".complaint-form .complaint-text", text).await?;
        }
        if action == "Resolve" {
            ui.set_select(".complaint-cause-pick", "Communication")
                .await?;
            ui.fill(".complaint-corrective", "电话报价统一按价目表")
                .await?;
        }
        ui.click(".complaint-form .complaint-submit").await?;
        ui.wait_attr("#complaint", "data-status", status).await
    };
    // "Take it": the complaint becomes hers, and the button goes.
    ui.wait_text(
        "#complaint .complaint-action[data-action=Assign]",
        "我来处理",
    )
    .await?;
    ui.click("#complaint .complaint-action[data-action=Assign]")
        .await?;
    ui.wait_text("#complaint .complaint-history", "指派")
        .await?;
    ui.wait_count("#complaint .complaint-action[data-action=Assign]", 0)
        .await?;
    step(
        "Acknowledge",
        Some("已致电客户，说明核查中"),
        "acknowledged",
    )
    .await?;
    step("Investigate", None, "investigating").await?;
    step("Resolve", Some("退还差价 80 元"), "resolved").await?;
    ui.wait_text("#complaint .complaint-cause", "沟通").await?;
    step("RecordVerdict", Some("满意"), "confirmed").await?;
    step("Close", None, "closed").await?;
    let history = ui
        .wait_text("#complaint .complaint-history", "关闭")
        .await?;
    assert!(
        history.contains("hu") && history.contains("回应客户"),
        "{history}"
    );
    ui.wait_text("#complaints", "没有待处理的投诉").await?;

    let id = filed["id"].as_str().unwrap();
    let (_, c) = handler.get(&format!("/api/v1/complaints/{id}")).await;
    assert_eq!(c["status"], "closed");
    assert_eq!(c["root_cause"], "communication");
    assert_eq!(c["corrective_action"], "电话报价统一按价目表");
    assert_eq!(c["verdict"]["accepted"], true);
    assert_eq!(c["owner"], handler.get("/api/v1/me").await.1["id"]);
    assert_eq!(c["history"][0]["action"], "assign", "{c}");
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.client.clone().close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_manager_sees_what_was_escalated_to_them_on_screen() -> anyhow::Result<()> {
    use fixline_tests::webdriver::Session;
    let (crew, _worker, fx) = on_file(
        Role::ServiceManager,
        "zhou",
        "杭州湖滨餐饮管理有限公司",
        "FX-CP-4",
    )
    .await;
    let Crew { server, desk, .. } = &crew;
    for (severity, summary) in [
        ("high", "冷柜修了三次还是不制冷"),
        ("low", "发票抬头写错了"),
    ] {
        let (s, filed) = desk
            .post(
                "/api/v1/complaints",
                json!({"customer_id": fx.customer, "channel": "phone", "category": "service",
                       "severity": severity, "summary": summary}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{filed}");
    }
    // Past the high one's two working hours, not the low one's eight.
    let escalated = fixline_server::ops::complaints::escalate_overdue(
        server.store.as_ref(),
        &fixline_server::Config::default(),
        local("2026-11-30 11:05"),
    )?;
    assert_eq!(escalated.len(), 1);

    let ui = Session::chromium(1280, 900).await?;
    ui.sign_in(&server.url("/app/?lang=zh"), "zhou").await?;
    ui.click("#nav-complaints").await?;
    ui.wait_count("#complaints .complaint", 2).await?;
    ui.click("#complaints-mine").await?;
    ui.wait_count("#complaints .complaint", 1).await?;
    let mine = ui
        .wait_text(
            "#complaints .complaint[data-complaint=CP-000001]",
            "服务经理",
        )
        .await?;
    assert!(mine.contains("严重"), "{mine}");
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.client.clone().close().await?;
    Ok(())
}
