//! The customer's one link from request to survey: it comes in the first mail, follows the
//! request step by step in the customer's language, shows the engineer on a map only while they
//! are on the way, leads to the receipt and the survey when done, and stops working a month
//! after. In Chromium at phone size too.

use chrono::{DateTime, Duration, Utc};
use fixline_tests::smtp::SmtpSink;
use fixline_tests::webdriver::Session;
use fixline_tests::{
    Client, Crew, TestServer, assigned_job, crew_at_configured, customer_reached_by, post_receipt,
    signature,
};
use reqwest::StatusCode;
use serde_json::json;

/// Monday 7 December 2026, 10:00 in Shanghai.
fn monday_morning() -> DateTime<Utc> {
    "2026-12-07T02:00:00Z".parse().unwrap()
}

/// The page at `path` and its status, as a customer's phone gets it.
async fn open(customer: &Client, path: &str) -> (StatusCode, String) {
    let r = customer
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The tracking page's path in a message body.
fn link_in(body: &str) -> String {
    let at = body
        .find("/t/")
        .unwrap_or_else(|| panic!("no link: {body}"));
    body[at..at + 3 + 22].to_owned()
}

/// A request for an English-speaking customer, assigned to chen with a window of 10:00–12:00;
/// returns the sink, the crew, the job and the path of the link from the first mail.
async fn requested() -> (SmtpSink, Crew, String, String) {
    let mut sink = SmtpSink::start().await;
    let crew = crew_at_configured(monday_morning(), sink.configure()).await;
    let fx = customer_reached_by(&crew.desk, "ops@example.com", "en", "SC650-TRACK").await;
    let job = assigned_job(&crew.desk, &fx, &crew.chen_id, "Freezer not cooling").await;
    let (subject, body, _) = sink.next_mail().await;
    assert!(subject.contains("we have your request"), "{subject}");
    let link = link_in(&body);
    let (subject, body, _) = sink.next_mail().await;
    assert!(subject.contains("an engineer for"), "{subject}");
    assert_eq!(link_in(&body), link, "one link for the request");
    (sink, crew, job, link)
}

/// chen signs the job off with the customer; returns the receipt link's token.
async fn finish(crew: &Crew, chen: &Client, job: &str) -> String {
    let (s, b) = chen
        .act(
            job,
            json!({"action": "complete", "resolution": "on_site_repair", "summary": "Replaced the start relay"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, clock) = crew.desk.get("/api/v1/clock").await;
    let now = serde_json::from_value(clock["now"].clone()).unwrap();
    post_receipt(chen, job, signature("Ms Chen", now)).await
}

#[tokio::test]
async fn one_link_follows_the_request_from_the_first_mail_to_the_survey() {
    let (_sink, crew, job, link) = requested().await;
    let customer = crew.server.anonymous();
    let (s, page) = open(&customer, &link).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains(r#"<html lang="en">"#), "in English: {page}");
    assert!(page.contains(r#"data-stage="assigned""#), "{page}");
    assert!(!page.contains(r#"id="map""#), "no position before the trip");
    let (_, received) = crew.desk.get(&format!("/api/v1/work-orders/{job}")).await;
    assert!(page.contains(received["number"].as_str().unwrap()));

    let chen = crew.server.login("chen").await;
    for action in ["accept", "start_travel"] {
        let (s, b) = chen.act(&job, json!({ "action": action })).await;
        assert_eq!(s, StatusCode::OK, "{action}: {b}");
    }
    // On the way, before any report from the road: an estimate, but nothing on the map.
    let (_, page) = open(&customer, &link).await;
    assert!(page.contains(r#"data-stage="on_the_way""#), "{page}");
    assert!(page.contains("is on the way, expected at"), "{page}");
    assert!(!page.contains(r#"id="map""#), "{page}");
    // 0.02° north of the site (2.2 km): on the map, with the distance, and refreshing itself.
    let (s, b) = chen
        .post(
            &format!("/api/v1/engineers/{}/position", crew.chen_id),
            json!({"lat": 30.2966, "lon": 120.1305}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (_, page) = open(&customer, &link).await;
    assert!(page.contains(r#"id="map-engineer""#), "{page}");
    assert!(page.contains(r#"id="map-site""#), "{page}");
    assert!(page.contains("about 2.2 km away"), "{page}");
    assert!(page.contains(r#"data-refresh="30""#), "keeps itself fresh");

    // At the door: the position is gone.
    let (s, b) = chen
        .act(
            &job,
            json!({"action": "arrive", "position": {"lat": 30.2767, "lon": 120.1305}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, page) = open(&customer, &link).await;
    assert!(page.contains(r#"data-stage="arrived""#), "{page}");
    assert!(!page.contains(r#"id="map""#), "{page}");
    assert!(!page.contains("30.2767"), "{page}");

    // Done: the receipt's page, which holds the survey; in Chinese if asked.
    let receipt = finish(&crew, &chen, &job).await;
    let (_, page) = open(&customer, &link).await;
    assert!(page.contains(r#"data-stage="completed""#), "{page}");
    assert!(page.contains(&format!(r#"href="/r/{receipt}""#)), "{page}");
    assert!(page.contains("rate our service"), "{page}");
    assert!(!page.contains("data-refresh"), "nothing moves any more");
    let (_, zh) = open(&customer, &format!("{link}?lang=zh-CN")).await;
    assert!(zh.contains("查看回执并评价本次服务"), "{zh}");
    let (s, receipt_page) = open(&customer, &format!("/r/{receipt}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(receipt_page.contains(r#"id="survey" data-state="open""#));

    // A link that leads nowhere says so, in both languages.
    let (s, page) = open(&customer, "/t/AAAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        page.contains("找不到") && page.contains("does not lead"),
        "{page}"
    );

    // A month and a day later the link has expired.
    let mut server = crew.server;
    let _dir = server.stop().await;
    let later =
        TestServer::restart_at(&server.db_path, monday_morning() + Duration::days(31)).await;
    let (s, page) = open(&later.anonymous(), &link).await;
    assert_eq!(s, StatusCode::GONE, "{page}");
    assert!(page.contains("expired"), "{page}");
}

/// A request that goes back to the desk (the engineer declines) no longer shows an engineer;
/// the next one's name and window replace it.
#[tokio::test]
async fn a_declined_job_shows_no_engineer_until_the_next_is_assigned() {
    let (_sink, crew, job, link) = requested().await;
    let chen = crew.server.login("chen").await;
    let (s, b) = chen
        .act(
            &job,
            json!({"action": "decline", "reason": "no parts for this model"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, page) = open(&crew.server.anonymous(), &link).await;
    assert!(page.contains(r#"data-stage="received""#), "{page}");
    assert!(
        page.contains(r#"data-stage="assigned" data-reached="false""#),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_customer_follows_the_engineer_on_a_phone() -> anyhow::Result<()> {
    let (_sink, crew, job, link) = requested().await;
    let chen = crew.server.login("chen").await;
    for action in ["accept", "start_travel"] {
        let (s, b) = chen.act(&job, json!({ "action": action })).await;
        assert_eq!(s, StatusCode::OK, "{action}: {b}");
    }
    let (s, _) = chen
        .post(
            &format!("/api/v1/engineers/{}/position", crew.chen_id),
            json!({"lat": 30.2966, "lon": 120.1305}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let ui = Session::chromium(390, 844).await?;
    ui.client.goto(&crew.server.url(&link)).await?;
    ui.wait_text("#now", "is on the way").await?;
    ui.find("#map #map-engineer").await?;
    ui.assert_accessible("the tracking page on the way").await?;
    ui.assert_touch_targets("the tracking page at 390 px")
        .await?;
    ui.screenshot("tracking-on-the-way-390x844").await?;
    // The map fits the phone's width.
    let fits = ui
        .client
        .execute(
            "const r = document.querySelector('#map svg').getBoundingClientRect(); return r.width > 200 && r.right <= window.innerWidth;",
            vec![],
        )
        .await?;
    assert_eq!(fits, json!(true), "the map fits 390 px");

    let (s, b) = chen.act(&job, json!({"action": "arrive"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    ui.client.refresh().await?;
    ui.wait_text("#now", "is with you").await?;
    let maps = ui.client.find_all(fantoccini::Locator::Css("#map")).await?;
    assert!(maps.is_empty(), "the position is gone at arrival");

    let receipt = finish(&crew, &chen, &job).await;
    ui.client.refresh().await?;
    ui.wait_text("#now", "Done").await?;
    ui.screenshot("tracking-done-390x844").await?;
    ui.click("#receipt-link").await?;
    ui.find("#survey form").await?;
    assert!(ui.client.current_url().await?.path().ends_with(&receipt));
    ui.client.back().await?;
    ui.click("#lang-switch").await?;
    ui.wait_text("#now", "已处理完毕").await?;
    ui.client.clone().close().await?;

    // The desk has the same link in the job's panel, to give on the phone.
    let desk = Session::chromium(1280, 800).await?;
    desk.sign_in(&crew.server.url("/app/?lang=zh-CN"), "desk")
        .await?;
    desk.client
        .goto(&crew.server.url(&format!("/app/?lang=zh-CN#/orders/{job}")))
        .await?;
    let shown = desk
        .wait_text("#panel-tracking", "客户进度查询链接")
        .await?;
    assert!(shown.contains(&link), "{shown}");
    desk.client.clone().close().await?;
    Ok(())
}

/// Waits (up to 15 s) until the desk sees chen's last position at `lat`.
async fn last_position_at(crew: &Crew, lat: f64) {
    for _ in 0..150 {
        let (_, engineer) = crew
            .desk
            .get(&format!("/api/v1/engineers/{}", crew.chen_id))
            .await;
        if engineer["last_position"]["position"]["lat"] == json!(lat) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("chen's position never reached {lat}");
}

/// The engineer working from a phone's browser: setting off starts the phone's location
/// service, its fixes reach the customer's map as the engineer moves, and the map is gone at
/// the door.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_engineers_phone_reports_where_it_is_while_on_the_way() -> anyhow::Result<()> {
    let (_sink, crew, job, link) = requested().await;
    let ui = Session::chromium(390, 844).await?;
    ui.sign_in(&crew.server.url("/app/?lang=en"), "chen")
        .await?;
    ui.find(".job-card").await?;
    // 2.2 km north of the site.
    ui.locate_at(30.2966, 120.1305).await?;
    ui.client
        .goto(&crew.server.url(&format!("/app/?lang=en#/jobs/{job}")))
        .await?;
    ui.click("#act-accept").await?;
    ui.wait_attr("#job-status", "data-status", "accepted")
        .await?;
    let (_, engineer) = crew
        .desk
        .get(&format!("/api/v1/engineers/{}", crew.chen_id))
        .await;
    assert_ne!(
        engineer["last_position"]["position"]["lat"],
        json!(30.2966),
        "nothing is reported before setting off"
    );
    ui.click("#act-start_travel").await?;
    ui.wait_attr("#job-status", "data-status", "en_route")
        .await?;
    last_position_at(&crew, 30.2966).await;
    let customer = crew.server.anonymous();
    let (_, page) = open(&customer, &link).await;
    assert!(page.contains("about 2.2 km away"), "{page}");

    // 1.1 km on: the watch goes on reporting.
    ui.locate_at(30.2866, 120.1305).await?;
    last_position_at(&crew, 30.2866).await;
    let (_, page) = open(&customer, &link).await;
    assert!(page.contains("about 1.1 km away"), "{page}");

    // At the door the check-in takes the position and the map is gone.
    ui.locate_at(30.2767, 120.1305).await?;
    ui.click("#act-arrive").await?;
    ui.wait_attr("#job-status", "data-status", "on_site")
        .await?;
    let (_, page) = open(&customer, &link).await;
    assert!(page.contains(r#"data-stage="arrived""#), "{page}");
    assert!(!page.contains(r#"id="map""#), "{page}");
    ui.client.clone().close().await?;
    Ok(())
}

/// The engineer's device reports where it is only while a job is on the way: a fix before
/// setting off is not kept, one on the way is kept offline and sent with the next sync (the
/// customer's page shows it), a small move soon after is not worth sending, and at the door
/// nothing more is kept.
#[tokio::test]
async fn the_device_reports_its_position_only_while_on_the_way() {
    use fixline_core::ids::{ActionId, WorkOrderId};
    use fixline_core::position::{Position, PositionFix};
    use fixline_core::work_order::Action;
    use fixline_device::sync;

    let (_sink, crew, job, link) = requested().await;
    let dir = tempfile::tempdir().unwrap();
    let device = fixline_tests::signed_in_device(&crew.server, dir.path(), "chen").await;
    // The device's clock reads the server's (which runs from a fixed Monday morning).
    let (_, clock) = crew.desk.get("/api/v1/clock").await;
    device.set_clock(serde_json::from_value(clock["now"].clone()).unwrap());
    sync(&device, false, |_| {}).await.unwrap();
    let id: WorkOrderId = job.parse().unwrap();
    let fix = |lat: f64, seconds: i64| PositionFix {
        position: Position::new(lat, 120.1305).unwrap(),
        at: device.now() + Duration::seconds(seconds),
    };
    let act = |action: Action| {
        device
            .perform(
                id,
                action,
                ActionId::from_uuid(uuid::Uuid::now_v7()),
                device.now(),
            )
            .unwrap();
    };
    assert!(
        !device.note_position(fix(30.2966, 0)).unwrap(),
        "not on the way yet"
    );
    act(Action::Accept);
    act(Action::StartTravel);
    assert!(device.note_position(fix(30.2966, 1)).unwrap(), "on the way");
    assert!(
        !device.note_position(fix(30.2960, 20)).unwrap(),
        "70 m in 20 s: not worth a report"
    );
    sync(&device, false, |_| {}).await.unwrap();
    assert_eq!(device.pending_position().unwrap(), None, "sent");
    let (_, engineer) = crew
        .desk
        .get(&format!("/api/v1/engineers/{}", crew.chen_id))
        .await;
    assert_eq!(
        engineer["last_position"]["position"],
        json!({"lat": 30.2966, "lon": 120.1305})
    );
    let (_, page) = open(&crew.server.anonymous(), &link).await;
    assert!(page.contains("about 2.2 km away"), "{page}");

    act(Action::Arrive { position: None });
    assert!(
        !device.note_position(fix(30.2767, 600)).unwrap(),
        "at the door: nothing more"
    );
}
