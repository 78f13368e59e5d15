//! Telling customers first: each step of a job the customer cares about reaches them by e-mail
//! once, in their language, from the outbox the change wrote; a mail server that is down makes
//! a dead letter the desk sees and resends once it is back.

use std::time::Duration;

use chrono::{DateTime, Utc};
use fixline_tests::smtp::SmtpSink;
use fixline_tests::{Crew, assigned_job, crew_at_configured, customer_reached_by, dead_letter};
use reqwest::StatusCode;
use serde_json::json;

/// Monday 7 December 2026, 10:00 in Shanghai: outside quiet hours whenever the test runs.
fn monday_morning() -> DateTime<Utc> {
    "2026-12-07T02:00:00Z".parse().unwrap()
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
    fixline_tests::new_request(&crew.desk, &fx, "Freezer not cooling").await;
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
    fixline_tests::new_request(&crew.desk, &fx, "冷柜不制冷").await;
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
    ui.close_clean().await
}

/// A complaint's customer hears that it is taken up (with the answer-by time), looked into, and
/// resolved with what was done, by e-mail and text, in their language; a note or an owner
/// tells them nothing.
#[tokio::test]
async fn the_complainant_hears_it_taken_up_looked_into_and_resolved() {
    let mut sink = SmtpSink::start().await;
    let mut sms = fixline_tests::sms::SmsProvider::start().await;
    let gateway = sms.gateway();
    let mail = sink.configure();
    let crew: Crew = crew_at_configured(monday_morning(), move |c| {
        mail(c);
        c.sms = Some(gateway);
    })
    .await;
    let handler = crew
        .server
        .user(
            &crew.admin,
            "hu",
            fixline_core::role::Role::ComplaintHandler,
            None,
        )
        .await;
    let fx = customer_reached_by(&crew.desk, "chen.jing@example.cn", "zh-CN", "SC650-NTFY4").await;
    let (filed, path) = billing_complaint(&crew, &fx).await;
    let number = filed["number"].as_str().unwrap().to_owned();
    let id = filed["id"].as_str().unwrap().to_owned();
    for body in [
        json!({"action": "add_note", "text": "客户来电两次"}),
        json!({"action": "acknowledge", "note": "已致电客户"}),
        json!({"action": "investigate"}),
        json!({"action": "resolve", "root_cause": "communication", "resolution": "退还差价 80 元",
               "corrective_action": "电话报价统一按价目表"}),
    ] {
        let (s, c) = handler.post(&path, body.clone()).await;
        assert_eq!(s, StatusCode::OK, "{body}: {c}");
    }
    let mut mails = Vec::new();
    for _ in 0..3 {
        let (subject, body, to) = sink.next_mail().await;
        assert!(to[0].contains("chen.jing@example.cn"), "{to:?}");
        assert!(subject.contains(&number), "{subject}");
        mails.push((subject, body));
    }
    assert!(mails[0].0.contains("已受理"), "{mails:?}");
    // The answer-by time the complaint carries, in Shanghai's time.
    let resolve_by: DateTime<Utc> =
        serde_json::from_value(filed["deadlines"]["resolve_by"].clone()).unwrap();
    let local = (resolve_by + chrono::TimeDelta::hours(8)).format("%Y-%m-%d %H:%M");
    assert!(
        mails[0].1.contains(&format!("将在 {local} 前"))
            && mails[0].1.contains("收费比电话里说的高"),
        "{local}: {mails:?}"
    );
    assert!(mails[1].0.contains("正在处理"), "{mails:?}");
    assert!(
        mails[2].0.contains("已处理") && mails[2].1.contains("退还差价 80 元"),
        "{mails:?}"
    );
    let mut texts = Vec::new();
    for _ in 0..3 {
        texts.push(sms.next_text().await.text.unwrap());
    }
    assert!(
        texts[0].starts_with("【Fixline 售后服务】您的投诉") && texts[0].contains("已受理"),
        "{texts:?}"
    );
    assert!(texts[2].contains("已处理：退还差价 80 元"), "{texts:?}");
    let extra = tokio::time::timeout(Duration::from_secs(2), sink.messages.recv()).await;
    assert!(extra.is_err(), "nothing more: {extra:?}");

    let (s, list) = crew
        .desk
        .get(&format!("/api/v1/notifications?complaint={id}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 6, "three notices on two channels: {list:?}");
    assert!(
        list.iter()
            .all(|d| d["complaint"] == json!(id) && d["work_order"].is_null()),
        "{list:?}"
    );
}

/// A customer's own quiet hours hold what can wait (their request is confirmed when they open
/// at 12:00), while the area's hours would have let it go at 10:00; what cannot wait goes.
#[tokio::test]
async fn a_customers_own_quiet_hours_hold_what_can_wait() {
    let sink = SmtpSink::start().await;
    let crew: Crew = crew_at_configured(monday_morning(), sink.configure()).await;
    let fx = fixline_tests::customer_from(
        &crew.desk,
        json!({"name": "湖滨夜宵", "email": "night@example.cn", "language": "zh-CN",
               "quiet_hours": {"start": "00:00:00", "end": "12:00:00"}}),
        "SC650-NTFY5",
    )
    .await;
    let job = assigned_job(&crew.desk, &fx, &crew.chen_id, "冷柜不制冷").await;
    let chen = crew.server.login("chen").await;
    for action in ["accept", "start_travel"] {
        let (s, b) = chen.act(&job, json!({ "action": action })).await;
        assert_eq!(s, StatusCode::OK, "{action}: {b}");
    }
    let mut held = serde_json::Value::Null;
    for _ in 0..100 {
        let (_, list) = crew
            .desk
            .get(&format!("/api/v1/notifications?work_order={job}"))
            .await;
        let list = list.as_array().unwrap().clone();
        let on_the_way = list.iter().find(|d| d["event"] == "on_the_way");
        let received = list.iter().find(|d| d["event"] == "request_received");
        if let (Some(o), Some(r)) = (on_the_way, received)
            && o["state"] == "sent"
            && r["attempts"] == 0
            && r["due_at"] != r["created_at"]
        {
            held = r.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(held["state"], "pending", "{held}");
    assert_eq!(
        held["due_at"], "2026-12-07T04:00:00Z",
        "held until 12:00 in Shanghai: {held}"
    );
}

/// The desk sets a customer's quiet hours in their file; half of them is refused in words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_desk_sets_a_customers_quiet_hours_in_the_file() -> anyhow::Result<()> {
    let crew: Crew = crew_at_configured(monday_morning(), |_| {}).await;
    let fx = customer_reached_by(&crew.desk, "night@example.cn", "zh-CN", "SC650-NTFY6").await;
    let ui = fixline_tests::webdriver::Session::chromium(1280, 800).await?;
    ui.sign_in(&crew.server.url("/app/?lang=zh-CN"), "desk")
        .await?;
    ui.client
        .goto(
            &crew
                .server
                .url(&format!("/app/?lang=zh-CN#/customers/{}", fx.customer)),
        )
        .await?;
    ui.wait_text("#customer-name", "杭州湖滨餐饮").await?;
    ui.click("#customer-edit").await?;
    ui.set_value("#customer-quiet-from", "21:30").await?;
    ui.click("#customer-save").await?;
    ui.wait_text(".message.error", "同时填写开始和结束时间")
        .await?;
    ui.set_value("#customer-quiet-until", "10:00").await?;
    ui.click("#customer-save").await?;
    ui.wait_text("#customer-quiet", "21:30–10:00").await?;
    let (_, file) = crew
        .desk
        .get(&format!("/api/v1/customers/{}", fx.customer))
        .await;
    assert_eq!(
        file["customer"]["quiet_hours"],
        json!({"start": "21:30:00", "end": "10:00:00"}),
        "{file}"
    );
    ui.close_clean().await
}

/// The service manager's wording: every notice's template in force, one changed and checked
/// against a sample job before it is saved, used for the next notice, and back to built in.
#[tokio::test]
async fn the_wording_changed_at_the_desk_is_what_the_next_customer_reads() {
    let mut sink = SmtpSink::start().await;
    let crew: Crew = crew_at_configured(monday_morning(), sink.configure()).await;
    let path = "/api/v1/settings/notice-templates";
    let (s, all) = crew.desk.get(path).await;
    assert_eq!(s, StatusCode::OK, "{all}");
    assert_eq!(all["version"], 0);
    let templates = all["templates"].as_array().unwrap();
    assert_eq!(
        templates.len(),
        9 * 2 * 2,
        "each event, language and channel"
    );
    assert!(templates.iter().all(|t| t["customised"] == false));

    let own = |body: &str| {
        json!([{"event": "on_the_way", "language": "zh-CN", "channel": "email",
                "subject": "{{ brand }}：{{ engineer }}师傅出发了", "body": body}])
    };
    let (s, _) = crew
        .desk
        .put(path, Some(0), own("{{ engineer }}师傅已出发"))
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a dispatcher reads the wording only"
    );
    // A fact no notice knows is refused, with which template and why; nothing is saved.
    let (s, refused) = crew
        .admin
        .put(path, Some(0), own("{{ engneer }}师傅已出发"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["code"], "invalid_template");
    assert!(
        refused["message"].as_str().unwrap().contains("on_the_way"),
        "{refused}"
    );
    let (s, refused) = crew
        .admin
        .put(path, Some(0), own("{% if eta %}预计 {{ eta }}"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "unclosed: {refused}");
    // The preview renders a sample job.
    let (s, shown) = crew
        .desk
        .post(
            &format!("{path}/preview"),
            own("{{ engineer }}师傅已出发，预计 {{ eta }} 到。")[0].clone(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{shown}");
    assert_eq!(shown["body"], "陈建国师傅已出发，预计 10:40 到。");
    assert!(
        shown["subject"]
            .as_str()
            .unwrap()
            .ends_with("陈建国师傅出发了"),
        "{shown}"
    );
    let (s, saved) = crew
        .admin
        .put(
            path,
            Some(0),
            own("{{ customer }}：{{ engineer }}师傅已出发，预计 {{ eta }} 到。"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    assert_eq!(saved["version"], 1);
    let changed: Vec<_> = saved["templates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["customised"] == true)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");

    // The next customer on the way reads the new words.
    let fx = customer_reached_by(&crew.desk, "chen.jing@example.cn", "zh-CN", "SC650-NTFY7").await;
    let job = assigned_job(&crew.desk, &fx, &crew.chen_id, "冷柜不制冷").await;
    let chen = crew.server.login("chen").await;
    for action in ["accept", "start_travel"] {
        let (s, b) = chen.act(&job, json!({ "action": action })).await;
        assert_eq!(s, StatusCode::OK, "{action}: {b}");
    }
    let mut on_the_way = None;
    for _ in 0..3 {
        let (subject, body, _) = sink.next_mail().await;
        if subject.contains("师傅出发了") {
            on_the_way = Some(body);
        }
    }
    let body = on_the_way.expect("the on-the-way mail in the new words");
    assert!(
        body.contains("杭州湖滨餐饮：陈建国师傅已出发，预计 ") && body.contains(" 到。"),
        "{body}"
    );

    // Back to the built-in wording.
    let (s, back) = crew.admin.put(path, Some(1), json!([])).await;
    assert_eq!(s, StatusCode::OK, "{back}");
    assert!(
        back["templates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["customised"] == false)
    );
}

/// The service manager changes a notice's words on the settings screen, previews them and
/// saves them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_manager_edits_and_previews_a_notice_on_the_screen() -> anyhow::Result<()> {
    let crew: Crew = crew_at_configured(monday_morning(), |_| {}).await;
    let ui = fixline_tests::webdriver::Session::chromium(1280, 900).await?;
    ui.sign_in(&crew.server.url("/app/?lang=zh-CN"), "admin")
        .await?;
    ui.client
        .goto(&crew.server.url("/app/?lang=zh-CN#/settings"))
        .await?;
    ui.find("#wording-form").await?;
    ui.set_select("#wording-event", "arrived").await?;
    ui.wait_js("return document.querySelector('#wording-body').value.includes('已到达现场')")
        .await?;
    ui.set_value("#wording-body", "{{ engineer }}师傅到门口了，请开门。")
        .await?;
    ui.click("#wording-preview").await?;
    ui.wait_text("#wording-rendered-body", "陈建国师傅到门口了，请开门。")
        .await?;
    ui.assert_accessible("notice wording").await?;
    ui.click("#wording-save").await?;
    ui.wait_text("#wording-customised", "已修改").await?;
    let (_, all) = crew.desk.get("/api/v1/settings/notice-templates").await;
    let arrived = all["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["event"] == "arrived" && t["language"] == "zh-CN" && t["channel"] == "email")
        .unwrap()
        .clone();
    assert_eq!(arrived["body"], "{{ engineer }}师傅到门口了，请开门。");
    assert_eq!(arrived["customised"], true);
    ui.close_clean().await
}

/// A mail provider as they run: STARTTLS with a certificate checked against the configured CA,
/// then a login; the notice arrives over TLS from the logged-in sender.
#[tokio::test]
async fn notices_go_over_starttls_after_a_login() {
    let mut sink = SmtpSink::start_secure().await;
    let crew: Crew = crew_at_configured(monday_morning(), sink.configure()).await;
    let fx = customer_reached_by(&crew.desk, "chen.jing@example.cn", "zh-CN", "SC650-NTFY8").await;
    fixline_tests::new_request(&crew.desk, &fx, "冷柜不制冷").await;
    let delivered = tokio::time::timeout(Duration::from_secs(20), sink.messages.recv())
        .await
        .expect("a message within 20 s")
        .expect("the sink is open");
    assert!(delivered.secure, "sent only after STARTTLS");
    assert_eq!(
        delivered.user.as_deref(),
        Some(fixline_tests::smtp::SMTP_USER)
    );
    let text = String::from_utf8_lossy(&delivered.data);
    assert!(text.contains("chen.jing@example.cn"), "{text}");
}

/// A mail server whose certificate the configured CA did not sign is not sent to: the notice
/// is a dead letter saying why, never sent in the clear.
#[tokio::test]
async fn a_mail_server_with_an_untrusted_certificate_gets_nothing() {
    let mut sink = SmtpSink::start_secure().await;
    let configure = sink.configure();
    let crew: Crew = crew_at_configured(monday_morning(), move |c| {
        configure(c);
        // The server's own certificate is no CA: nothing it could sign is trusted.
        if let Some(mail) = c.mail.as_mut() {
            mail.ca_file =
                Some(fixline_tests::workspace_root().join("tests/fixtures/smtp-tls/server.pem"));
        }
    })
    .await;
    let fx = customer_reached_by(&crew.desk, "chen.jing@example.cn", "zh-CN", "SC650-NTFY9").await;
    fixline_tests::new_request(&crew.desk, &fx, "冷柜不制冷").await;
    let dead = dead_letter(&crew.desk).await;
    assert_eq!(dead["channel"], "email", "{dead}");
    assert!(
        dead["last_error"].as_str().unwrap().contains("mail server"),
        "{dead}"
    );
    assert!(sink.messages.try_recv().is_err(), "nothing was delivered");
}

/// The bell: a job given to an engineer tells them, a complaint escalated to managers tells
/// every manager, one handed to a handler by someone else tells that handler; taking it
/// yourself tells nobody. Each reads and clears their own.
#[tokio::test]
async fn staff_are_told_what_became_theirs() {
    use fixline_core::role::Role;
    let crew: Crew = crew_at_configured(monday_morning(), |_| {}).await;
    let hu = crew
        .server
        .user(&crew.admin, "hu", Role::ComplaintHandler, None)
        .await;
    let wang = crew
        .server
        .user(&crew.admin, "wang", Role::ComplaintHandler, None)
        .await;
    let li = crew
        .server
        .user(&crew.admin, "li", Role::ServiceManager, None)
        .await;
    let fx = customer_reached_by(&crew.desk, "chen.jing@example.cn", "zh-CN", "SC650-BELL1").await;
    let job = assigned_job(&crew.desk, &fx, &crew.chen_id, "冷柜不制冷").await;
    let chen = crew.server.login("chen").await;
    let (s, mine) = chen.get("/api/v1/me/notices?unread=true").await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["kind"], "job_assigned");
    assert_eq!(mine[0]["work_order"], json!(job));
    assert_eq!(mine[0]["summary"], "冷柜不制冷");
    let (_, desks) = crew.desk.get("/api/v1/me/notices").await;
    assert_eq!(
        desks,
        json!([]),
        "the dispatcher who assigned it is not told"
    );

    let (filed, path) = billing_complaint(&crew, &fx).await;
    let (s, _) = hu.post(&path, json!({"action": "acknowledge"})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, hus) = hu.get("/api/v1/me/notices").await;
    assert_eq!(hus, json!([]), "taking it yourself tells nobody");
    let (s, b) = hu
        .post(
            &path,
            json!({"action": "escalate", "reason": "客户要求经理回电"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, lis) = li.get("/api/v1/me/notices?unread=true").await;
    assert_eq!(lis[0]["kind"], "complaint_escalated", "{lis}");
    assert_eq!(lis[0]["number"], filed["number"]);
    let (_, me) = wang.get("/api/v1/me").await;
    let (s, b) = li
        .post(&path, json!({"action": "assign", "owner": me["id"]}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, wangs) = wang.get("/api/v1/me/notices").await;
    assert_eq!(wangs[0]["kind"], "complaint_assigned", "{wangs}");

    // Reading: one's own only.
    let theirs = lis[0]["id"].as_str().unwrap();
    let (s, _) = chen
        .post(&format!("/api/v1/me/notices/{theirs}/read"), json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, lis) = li.get("/api/v1/me/notices?unread=true").await;
    assert_eq!(
        lis.as_array().unwrap().len(),
        1,
        "not chen's to read: {lis}"
    );
    let own = mine[0]["id"].as_str().unwrap();
    let (s, _) = chen
        .post(&format!("/api/v1/me/notices/{own}/read"), json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, unread) = chen.get("/api/v1/me/notices?unread=true").await;
    assert_eq!(unread, json!([]));
    let (s, _) = li.post("/api/v1/me/notices/read", json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, unread) = li.get("/api/v1/me/notices?unread=true").await;
    assert_eq!(unread, json!([]));
}

/// The manager's bell shows the escalated complaint; opening it reads it and shows the
/// complaint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_manager_opens_an_escalated_complaint_from_the_bell() -> anyhow::Result<()> {
    use fixline_core::role::Role;
    let crew: Crew = crew_at_configured(monday_morning(), |_| {}).await;
    let hu = crew
        .server
        .user(&crew.admin, "hu", Role::ComplaintHandler, None)
        .await;
    crew.server
        .user(&crew.admin, "li", Role::ServiceManager, None)
        .await;
    let fx = customer_reached_by(&crew.desk, "chen.jing@example.cn", "zh-CN", "SC650-BELL2").await;
    let (_, path) = billing_complaint(&crew, &fx).await;
    let (s, _) = hu
        .post(
            &path,
            json!({"action": "escalate", "reason": "客户要求经理回电"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let ui = fixline_tests::webdriver::Session::chromium(1280, 800).await?;
    ui.sign_in(&crew.server.url("/app/?lang=zh-CN"), "li")
        .await?;
    ui.wait_text("#my-notices-count", "1").await?;
    ui.click("#my-notices").await?;
    ui.wait_text("#my-notices-panel", "已升级到您这一级")
        .await?;
    ui.assert_accessible("the bell").await?;
    ui.click(".my-notice[data-kind=complaint_escalated]")
        .await?;
    ui.wait_text("#complaint", "收费比电话里说的高").await?;
    ui.wait_text("#my-notices-count", "0").await?;
    ui.close_clean().await
}

/// The desk files a medium billing complaint for the fixture's customer; returns it and the
/// path its steps are posted to.
async fn billing_complaint(
    crew: &Crew,
    fx: &fixline_tests::Fixture,
) -> (serde_json::Value, String) {
    let (s, filed) = crew
        .desk
        .post(
            "/api/v1/complaints",
            json!({"customer_id": fx.customer, "channel": "phone", "category": "billing",
                   "severity": "medium", "summary": "收费比电话里说的高"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{filed}");
    let path = format!(
        "/api/v1/complaints/{}/transitions",
        filed["id"].as_str().unwrap()
    );
    (filed, path)
}
