//! A job from a WeChat request to closed, watched on the live stream.

use std::time::Duration;

use eventsource_stream::Eventsource;
use fixline_core::role::Role;
use fixline_tests::{TestServer, customer_with_asset, engineer};
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn intake_to_close_with_every_step_on_the_live_stream_in_order() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let chen_id = engineer(&admin, "陈建国", "西湖区").await;
    let desk = server.user(&admin, "liuyang", Role::Dispatcher, None).await;
    let chen = server
        .user(&admin, "chen", Role::Engineer, Some(&chen_id))
        .await;
    let fx = customer_with_asset(&desk, "杭州湖滨餐饮管理有限公司", "FX2506000123").await;

    let (s, key) = admin
        .post(
            "/api/v1/intake-keys",
            json!({"channel": "wechat", "label": "WeChat service account"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let api_key = key["api_key"].as_str().unwrap().to_owned();

    // The dispatcher's console subscribes before anything happens.
    let live = desk
        .request(Method::GET, "/api/v1/live")
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    assert_eq!(live.headers()["content-type"], "text/event-stream");
    let mut events = live.bytes_stream().eventsource();

    let intake = desk
        .http
        .post(server.url("/api/v1/intake"))
        .header("X-Api-Key", &api_key)
        .header("Idempotency-Key", "wx-msg-88812")
        .json(&json!({"serial": fx.serial, "symptom": "冷柜不制冷，柜内 12°C", "priority": "P2"}))
        .send()
        .await
        .unwrap();
    let (s, receipt) = fixline_tests::read(intake).await;
    // The serial is a customer's on file: a channel does not file into it on its own; the desk
    // confirms the match.
    assert_eq!(s, StatusCode::ACCEPTED, "{receipt}");
    let pending = receipt["pending_intake_id"].as_str().unwrap().to_owned();
    let (s, filed) = desk
        .post(
            &format!("/api/v1/pending-intakes/{pending}/file"),
            json!({"as": "customer", "customer_id": fx.customer, "site_id": fx.site, "asset_id": fx.asset}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{filed}");
    let wo = filed["work_order_id"].as_str().unwrap().to_owned();

    let (s, order) = desk.get(&format!("/api/v1/work-orders/{wo}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            order["channel"].as_str(),
            order["customer_id"].as_str(),
            order["asset_id"].as_str()
        ),
        (
            Some("wechat"),
            Some(fx.customer.as_str()),
            Some(fx.asset.as_str())
        )
    );
    assert_eq!(
        order["tier"], "premium",
        "tier comes from the customer's contract"
    );
    assert_eq!(
        order["sla"]["targets"]["arrive_minutes"], 240,
        "P2 premium: on site within 4 h"
    );

    let site = json!({"lat": 30.2767, "lon": 120.1306});
    let steps: Vec<(&fixline_tests::Client, Value, &str)> = vec![
        (
            &desk,
            json!({"action": "triage", "category": "refrigeration", "priority": "P1"}),
            "triaged",
        ),
        (
            &desk,
            json!({"action": "assign", "engineer": chen_id}),
            "assigned",
        ),
        (&chen, json!({"action": "accept"}), "accepted"),
        (&chen, json!({"action": "start_travel"}), "en_route"),
        (
            &chen,
            json!({"action": "arrive", "position": site}),
            "on_site",
        ),
        (
            &chen,
            json!({"action": "complete", "resolution": "on_site_repair", "summary": "更换启动电容，测试 30 分钟正常", "position": site}),
            "completed",
        ),
        (
            &desk,
            json!({"action": "confirm", "note": "回访：客户满意"}),
            "confirmed",
        ),
        (&desk, json!({"action": "close"}), "closed"),
    ];
    for (client, action, expect) in &steps {
        let (s, body) = client.act(&wo, action.clone()).await;
        assert_eq!(s, StatusCode::OK, "{action}: {body}");
        assert_eq!(body["status"], *expect);
    }

    // The stream carried the intake and every transition of this order, in commit order.
    let mut seen = Vec::new();
    let mut last_seq = 0i64;
    while seen.len() < steps.len() + 1 {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("live event within 10 s")
            .expect("stream open")
            .expect("valid event");
        assert_eq!(event.event, "change");
        let change: Value = serde_json::from_str(&event.data).unwrap();
        let seq = change["seq"].as_i64().unwrap();
        assert!(seq > last_seq, "seq increases: {seq} after {last_seq}");
        assert_eq!(event.id, seq.to_string());
        last_seq = seq;
        if change["entity"] == "work_order" && change["entity_id"] == wo.as_str() {
            seen.push(change["data"]["status"].as_str().unwrap().to_owned());
        }
    }
    let expected: Vec<&str> = std::iter::once("new")
        .chain(steps.iter().map(|s| s.2))
        .collect();
    assert_eq!(seen, expected);

    // The history says who did what, in order; the visit has its times and position.
    let (_, history) = desk.get(&format!("/api/v1/work-orders/{wo}/history")).await;
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 9);
    assert_eq!(history[0]["event"]["type"], "created");
    assert_eq!(
        history[0]["actor"]["name"], "liuyang",
        "filed by the dispatcher who confirmed the match"
    );
    assert_eq!(history[3]["actor"]["name"], "chen");
    assert_eq!(history[3]["event"]["action"]["action"], "accept");
    assert_eq!(
        history
            .iter()
            .map(|h| h["version"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        (1..=9).collect::<Vec<_>>()
    );
    let (_, visits) = chen.get(&format!("/api/v1/work-orders/{wo}/visits")).await;
    assert_eq!(visits[0]["number"], 1);
    assert_eq!(visits[0]["check_in_position"], site);
    assert_eq!(visits[0]["outcome"], "completed");

    // The customer file shows the job in the customer's history.
    let (_, file) = desk
        .get(&format!("/api/v1/customers/{}", fx.customer))
        .await;
    assert_eq!(file["work_orders"][0]["id"], wo.as_str());
    assert_eq!(file["work_orders"][0]["resolution"], "on_site_repair");
}

#[tokio::test]
async fn offline_actions_keep_the_device_time_and_the_future_is_refused() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let eng = engineer(&admin, "王磊", "滨江区").await;
    let desk = server.user(&admin, "desk", Role::Dispatcher, None).await;
    let wang = server
        .user(&admin, "wang", Role::Engineer, Some(&eng))
        .await;
    let fx = customer_with_asset(&desk, "杭州之江食品有限公司", "FX0001").await;
    let (_, r) = desk
        .post(
            "/api/v1/work-orders",
            json!({"customer_id": fx.customer, "site_id": fx.site, "symptom": "压缩机异响"}),
        )
        .await;
    let wo = r["work_order_id"].as_str().unwrap().to_owned();
    desk.act(&wo, json!({"action": "assign", "engineer": eng}))
        .await;
    // The device's clock runs five minutes behind the server's: within the skew allowed, so
    // the step keeps the device's time even though it reads as before the job came in.
    let (_, order) = desk.get(&format!("/api/v1/work-orders/{wo}")).await;
    let created: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(order["created_at"].clone()).unwrap();
    let earlier = created - chrono::TimeDelta::minutes(5);
    let (s, body) = wang
        .act(&wo, json!({"action": "accept", "at": earlier}))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let responded: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(body["sla"]["respond"]["at"].clone()).unwrap();
    assert_eq!(
        responded, earlier,
        "the SLA uses when it happened, not when it synced"
    );
    let future = chrono::Utc::now() + chrono::TimeDelta::hours(2);
    let (s, body) = wang
        .act(&wo, json!({"action": "start_travel", "at": future}))
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("clock_ahead"))
    );
}

/// A step dated before the job existed (a date typed wrong, a clock reset to year 1) is refused
/// at the desk as on a device, and nothing is written.
#[tokio::test]
async fn a_step_dated_before_the_job_is_refused() {
    let crew = fixline_tests::crew().await;
    let (job, _) =
        fixline_tests::waiting_job(&crew.desk, "西溪超市", "FXT-AT", "refrigeration").await;
    let (s, body) = crew
        .desk
        .act(
            &job,
            serde_json::json!({"action": "add_note", "text": "补记", "at": "0001-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "invalid_input", "{body}");
    let (_, wo) = crew.desk.get(&format!("/api/v1/work-orders/{job}")).await;
    assert_eq!(wo["notes"], serde_json::json!([]), "nothing written: {wo}");
    // Dated now (no time given), it is taken.
    let (s, body) = crew
        .desk
        .act(
            &job,
            serde_json::json!({"action": "add_note", "text": "补记"}),
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::OK, "{body}");
}

/// A console that comes back after a cut names the last change it saw and gets everything
/// after it at once, in order, without waiting for the next change to happen.
#[tokio::test]
async fn a_console_that_reconnects_gets_what_it_missed_at_once() {
    let crew = fixline_tests::crew().await;
    let fx = customer_with_asset(&crew.desk, "杭州湖滨餐饮管理有限公司", "FX-LIVE-1").await;
    fixline_tests::assigned_job(&crew.desk, &fx, &crew.chen_id, "冷柜不制冷").await;
    let (s, log) = crew.desk.get("/api/v1/changes?since=0&limit=1000").await;
    assert_eq!(s, StatusCode::OK);
    let seqs: Vec<i64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.len() > 3, "{log}");
    // It saw the first change before the cut.
    let live = crew
        .desk
        .request(Method::GET, "/api/v1/live")
        .header("Last-Event-ID", seqs[0].to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    let mut events = live.bytes_stream().eventsource();
    let mut got = Vec::new();
    while got.len() < seqs.len() - 1 {
        let event = tokio::time::timeout(Duration::from_secs(5), events.next())
            .await
            .expect("the missed changes arrive without a new one")
            .expect("stream open")
            .expect("event");
        got.push(event.id.parse::<i64>().unwrap());
    }
    assert_eq!(
        got,
        seqs[1..].to_vec(),
        "every missed change, once, in order"
    );
}
