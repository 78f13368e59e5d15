//! Texts to the customer's phone: through a generic JSON gateway (the rendered text, in the
//! customer's language) and through Alibaba Cloud SMS (the approved template with the job's
//! facts, signed as Alibaba documents; the fake checks the signature). A provider over its
//! limit makes a dead letter the desk resends.

use std::time::Duration;

use chrono::{DateTime, Utc};
use fixline_core::notify::NoticeEvent;
use fixline_tests::sms::SmsProvider;
use fixline_tests::smtp::SmtpSink;
use fixline_tests::{
    Client, Crew, assigned_job, crew_at_configured, customer_reached_by, dead_letter,
};
use reqwest::StatusCode;
use serde_json::json;

/// Monday 7 December 2026, 10:00 in Shanghai: outside quiet hours whenever the test runs.
fn monday_morning() -> DateTime<Utc> {
    "2026-12-07T02:00:00Z".parse().unwrap()
}

/// A crew whose server mails through `sink` and texts through `sms`.
async fn crew_texting(sink: &SmtpSink, sms: fixline_server::sms::SmsConfig) -> Crew {
    let mail = sink.configure();
    crew_at_configured(monday_morning(), move |c| {
        mail(c);
        c.sms = Some(sms);
    })
    .await
}

/// The job's texts as the desk's list shows them, once none is waiting.
async fn settled_texts(desk: &Client, job: &str) -> Vec<serde_json::Value> {
    for _ in 0..100 {
        let (_, list) = desk
            .get(&format!("/api/v1/notifications?work_order={job}"))
            .await;
        let texts: Vec<_> = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["channel"] == "sms")
            .cloned()
            .collect();
        if texts
            .iter()
            .all(|d| d["state"] != "pending" && d["state"] != "sending")
        {
            return texts;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("texts still waiting after 20 s");
}

#[tokio::test]
async fn a_gateway_texts_each_step_in_the_customers_language() {
    let sink = SmtpSink::start().await;
    let mut sms = SmsProvider::start().await;
    let crew = crew_texting(&sink, sms.gateway()).await;
    let fx = customer_reached_by(&crew.desk, "chen.jing@example.cn", "zh-CN", "SC650-SMS1").await;
    let job = assigned_job(&crew.desk, &fx, &crew.chen_id, "冷柜不制冷").await;
    let (_, order) = crew.desk.get(&format!("/api/v1/work-orders/{job}")).await;
    let number = order["number"].as_str().unwrap().to_owned();

    let received = sms.next_text().await;
    // The customer's phone on file (0571-8888 0001), as digits.
    assert_eq!(received.to, "057188880001");
    assert_eq!(received.language.as_deref(), Some("zh-CN"));
    let text = received.text.clone().unwrap();
    assert!(
        text.starts_with("【Fixline 售后服务】已收到您的报修") && text.contains(&number),
        "{text}"
    );
    assert!(text.contains("/t/"), "the customer's link: {text}");
    let assigned = sms.next_text().await;
    assert!(
        assigned
            .text
            .as_deref()
            .unwrap()
            .contains("工程师陈建国将处理"),
        "{assigned:?}"
    );

    // Each text carries its notice's id, and the desk's list says it went.
    let texts = settled_texts(&crew.desk, &job).await;
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts.iter().all(|d| d["state"] == "sent"), "{texts:?}");
    let ids: Vec<&str> = texts.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&received.reference.as_str()), "{ids:?}");
    assert!(ids.contains(&assigned.reference.as_str()), "{ids:?}");
    assert_ne!(received.reference, assigned.reference);
}

#[tokio::test]
async fn alibaba_cloud_gets_its_approved_template_signed_and_nothing_it_has_no_template_for() {
    let sink = SmtpSink::start().await;
    let mut sms = SmsProvider::start().await;
    let config = sms.aliyun(&[NoticeEvent::RequestReceived, NoticeEvent::OnTheWay]);
    let crew = crew_texting(&sink, config).await;
    let fx = customer_reached_by(&crew.desk, "ops@example.com", "en", "SC650-SMS2").await;
    let job = assigned_job(&crew.desk, &fx, &crew.chen_id, "Freezer not cooling").await;
    let (_, order) = crew.desk.get(&format!("/api/v1/work-orders/{job}")).await;
    let number = order["number"].as_str().unwrap();

    let received = sms.next_text().await;
    assert_eq!(received.template.as_deref(), Some("SMS_468100000"));
    assert_eq!(received.sign_name.as_deref(), Some("鑫诚售后"));
    assert_eq!(received.to, "057188880001");
    assert_eq!(received.params["number"], json!(number), "{received:?}");
    assert_eq!(received.params["customer"], json!("杭州湖滨餐饮"));
    assert!(
        received.params["track"].as_str().unwrap().contains("/t/"),
        "{received:?}"
    );

    let chen = crew.server.login("chen").await;
    for action in ["accept", "start_travel"] {
        let (s, b) = chen.act(&job, json!({ "action": action })).await;
        assert_eq!(s, StatusCode::OK, "{action}: {b}");
    }
    let on_the_way = sms.next_text().await;
    assert_eq!(on_the_way.template.as_deref(), Some("SMS_468100001"));
    assert_eq!(on_the_way.params["engineer"], json!("陈建国"));
    assert!(
        on_the_way.params["eta"]
            .as_str()
            .is_some_and(|eta| eta.len() == 5),
        "a local time: {on_the_way:?}"
    );
    assert!(sms.forged.try_recv().is_err(), "every signature matched");

    // No approved template for "engineer assigned": not texted, and the list says why.
    let texts = settled_texts(&crew.desk, &job).await;
    let assigned = texts
        .iter()
        .find(|d| d["event"] == "engineer_assigned")
        .expect("an assigned text");
    assert_eq!(assigned["state"], "skipped", "{assigned}");
    assert!(
        assigned["last_error"]
            .as_str()
            .unwrap()
            .contains("no approved template"),
        "{assigned}"
    );
}

#[tokio::test]
async fn a_provider_over_its_limit_makes_a_dead_letter_the_desk_resends() {
    let sink = SmtpSink::start().await;
    let mut sms = SmsProvider::start().await;
    sms.refuse_next(1);
    let config = sms.aliyun(&[NoticeEvent::RequestReceived]);
    let crew = crew_texting(&sink, config).await;
    let fx = customer_reached_by(&crew.desk, "ops@example.com", "en", "SC650-SMS3").await;
    fixline_tests::new_request(&crew.desk, &fx, "Freezer not cooling").await;
    let dead = dead_letter(&crew.desk).await;
    assert_eq!(dead["channel"], "sms", "{dead}");
    assert!(
        dead["last_error"]
            .as_str()
            .unwrap()
            .contains("isv.BUSINESS_LIMIT_CONTROL"),
        "the provider's reason: {dead}"
    );
    let id = dead["id"].as_str().unwrap().to_owned();
    let (s, resent) = crew
        .desk
        .post(&format!("/api/v1/notifications/{id}/resend"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{resent}");
    let text = sms.next_text().await;
    assert_eq!(text.reference, id, "the same notice, sent once");
    assert_eq!(text.template.as_deref(), Some("SMS_468100000"));
}

/// Posts a request through the WeChat bot's channel key, from the follower `openid`, for a
/// caller new to the file (so the job opens at once); returns the job's id.
async fn asked_on_wechat(crew: &Crew, openid: &str, phone: &str) -> String {
    let (s, key) = crew
        .admin
        .post(
            "/api/v1/intake-keys",
            json!({"channel": "wechat", "label": "公众号客服机器人"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let request = json!({
        "caller": {"name": "林海燕", "phone": phone, "address": "滨江区江南大道 588 号",
                   "city": "杭州市", "region": "滨江区"},
        "category": "refrigeration",
        "symptom": "冷柜不制冷，柜内温度十二度，压缩机有异响，已经两天了",
        "wechat_openid": openid,
    });
    let (s, taken) = fixline_tests::read(
        crew.server
            .anonymous()
            .http
            .post(crew.server.url("/api/v1/intake"))
            .header("X-Api-Key", key["api_key"].as_str().unwrap())
            .json(&request)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{taken}");
    taken["work_order_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_follower_who_asked_on_wechat_is_answered_there_with_the_approved_template() {
    let sink = SmtpSink::start().await;
    let mut wechat = fixline_tests::wechat::WechatApi::start().await;
    let config = wechat.config(&[NoticeEvent::RequestReceived, NoticeEvent::OnTheWay]);
    let mail = sink.configure();
    let crew = crew_at_configured(monday_morning(), move |c| {
        mail(c);
        c.wechat = Some(config);
    })
    .await;
    let job = asked_on_wechat(&crew, "oX7f3-follower_1", "138 0571 6688").await;
    let (_, order) = crew.desk.get(&format!("/api/v1/work-orders/{job}")).await;
    let number = order["number"].as_str().unwrap();

    let received = wechat.next_message().await;
    assert_eq!(received.touser, "oX7f3-follower_1");
    assert_eq!(received.template_id, "tmpl-0");
    assert!(
        received.url.contains("/t/"),
        "a tap opens the request's page: {received:?}"
    );
    assert_eq!(received.data["character_string1"]["value"], json!(number));
    assert_eq!(received.data["thing4"]["value"], "林海燕");

    // Assigned has no approved template: skipped, with why. The trip is sent, and a token
    // WeChat no longer takes is fetched again once.
    fixline_tests::assign(&crew.desk, &job, &crew.chen_id).await;
    wechat.expire_token();
    let chen = crew.server.login("chen").await;
    for action in ["accept", "start_travel"] {
        let (s, b) = chen.act(&job, json!({ "action": action })).await;
        assert_eq!(s, StatusCode::OK, "{action}: {b}");
    }
    let on_the_way = wechat.next_message().await;
    assert_eq!(on_the_way.template_id, "tmpl-1");
    assert_eq!(on_the_way.data["thing2"]["value"], "陈建国");
    assert_eq!(
        wechat
            .tokens_issued
            .load(std::sync::atomic::Ordering::SeqCst),
        2,
        "one token, then one more after it expired"
    );
    let (_, list) = crew
        .desk
        .get(&format!("/api/v1/notifications?work_order={job}"))
        .await;
    let assigned = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["channel"] == "wechat" && d["event"] == "engineer_assigned")
        .cloned()
        .expect("an assigned notice on WeChat");
    for _ in 0..100 {
        let (_, list) = crew
            .desk
            .get(&format!("/api/v1/notifications?work_order={job}"))
            .await;
        let now = list
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == assigned["id"])
            .cloned()
            .unwrap();
        if now["state"] == "skipped" {
            assert!(
                now["last_error"]
                    .as_str()
                    .unwrap()
                    .contains("no approved template"),
                "{now}"
            );
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("the assigned notice was never skipped");
}

#[tokio::test]
async fn a_follower_who_left_the_account_is_not_messaged_again() {
    let sink = SmtpSink::start().await;
    let wechat = fixline_tests::wechat::WechatApi::start().await;
    let config = wechat.config(&[NoticeEvent::RequestReceived]);
    let mail = sink.configure();
    let crew = crew_at_configured(monday_morning(), move |c| {
        mail(c);
        c.wechat = Some(config);
    })
    .await;
    let job = asked_on_wechat(&crew, fixline_tests::wechat::GONE, "139 0571 7788").await;
    for _ in 0..100 {
        let (_, list) = crew
            .desk
            .get(&format!("/api/v1/notifications?work_order={job}"))
            .await;
        if let Some(d) = list.as_array().unwrap().iter().find(|d| {
            d["channel"] == "wechat" && d["state"] != "pending" && d["state"] != "sending"
        }) {
            assert_eq!(d["state"], "skipped", "{d}");
            assert!(
                d["last_error"]
                    .as_str()
                    .unwrap()
                    .contains("no longer follows"),
                "{d}"
            );
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("the WeChat notice was never settled");
}

/// A provider that refuses is tried again after a wait that doubles (here from a second), and
/// after the last attempt the text is a dead letter; one that recovers in time delivers it.
#[tokio::test]
async fn a_refused_text_is_retried_with_back_off_then_given_up() {
    let sink = SmtpSink::start().await;
    let mut sms = SmsProvider::start().await;
    let gateway = sms.gateway();
    let mail = sink.configure();
    let crew = crew_at_configured(monday_morning(), move |c| {
        mail(c);
        c.sms = Some(gateway);
        c.notify.max_attempts = 3;
        c.notify.first_retry_secs = 1;
    })
    .await;
    let fx = customer_reached_by(&crew.desk, "ops@example.com", "en", "SC650-SMS4").await;
    // Refused once, taken on the retry.
    sms.refuse_next(1);
    let job = fixline_tests::new_request(&crew.desk, &fx, "Freezer not cooling").await;
    let received = sms.next_text().await;
    let texts = settled_texts(&crew.desk, &job).await;
    let first = texts
        .iter()
        .find(|d| d["id"] == json!(received.reference))
        .expect("the text taken");
    assert_eq!(
        (first["state"].as_str(), first["attempts"].as_u64()),
        (Some("sent"), Some(2)),
        "{first}"
    );
    // Refused every time: three attempts, then given up.
    sms.refuse_next(10);
    fixline_tests::assign(&crew.desk, &job, &crew.chen_id).await;
    let dead = dead_letter(&crew.desk).await;
    assert_eq!(dead["event"], "engineer_assigned", "{dead}");
    assert_eq!(dead["attempts"], 3, "{dead}");
    assert!(
        dead["last_error"].as_str().unwrap().contains("429"),
        "the provider's answer: {dead}"
    );
}
