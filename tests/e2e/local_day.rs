//! The service area's local day, at fixed hours around local midnight: at 05:20 in Hangzhou
//! (21:20 UTC the day before) and at 23:50 local, the dispatcher's console opens on the local
//! day with the job under way on its engineer's lane, and the engineer's "today" holds it while
//! a job planned for tomorrow is "upcoming". Chromium; the server's clock is set to a day far
//! from the real one, so a UI that read the browser's clock (or the UTC date) would fail.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use fixline_core::zone::ServiceZone;
use fixline_tests::webdriver::Session;
use fixline_tests::{Crew, chens_job, crew_at};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn at_0520_in_hangzhou_the_desk_and_the_engineer_see_the_local_today() -> anyhow::Result<()> {
    let now: DateTime<Utc> = "2025-06-10T21:20:00Z".parse()?;
    local_day_at(now, "0520").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn at_2350_in_hangzhou_the_desk_and_the_engineer_see_the_local_today() -> anyhow::Result<()> {
    let now: DateTime<Utc> = "2025-06-11T15:50:00Z".parse()?;
    local_day_at(now, "2350").await
}

async fn local_day_at(now: DateTime<Utc>, label: &str) -> anyhow::Result<()> {
    let zone = ServiceZone::SHANGHAI;
    let today: NaiveDate = "2025-06-11".parse()?;
    assert_eq!(zone.local_day(now), today, "the test's own premise");
    let crew = crew_at(now).await;
    let Crew { server, desk, .. } = &crew;
    let chen = server.login("chen").await;

    // A job chen is on site at right now.
    let (under_way, under_way_number) = chens_job(&crew, &format!("FXL{label}1")).await;
    for action in [
        json!({"action": "accept"}),
        json!({"action": "start_travel"}),
        json!({"action": "arrive"}),
    ] {
        let (s, b) = chen.act(&under_way, action).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    // A job planned for tomorrow morning, local time.
    let (later, later_number) = chens_job(&crew, &format!("FXL{label}2")).await;
    let tomorrow_nine = zone.at_day(
        today.succ_opt().unwrap(),
        NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
    );
    let slot = json!({"start": tomorrow_nine, "end": tomorrow_nine + chrono::Duration::hours(1)});
    let (s, b) = desk
        .act(&later, json!({"action": "schedule", "slot": slot}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // The server's board for the local today has the started job on chen's lane.
    let (s, board) = desk
        .get(&format!("/api/v1/dispatch/board?day={today}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{board}");
    assert_eq!(board["time_zone"], "Asia/Shanghai");
    let on_lane = |board: &serde_json::Value, id: &str| {
        board["lanes"].as_array().unwrap().iter().any(|l| {
            l["blocks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|b| b["work_order"] == id)
        })
    };
    assert!(
        on_lane(&board, &under_way),
        "the job under way is off the lanes: {board}"
    );
    // The day before (what a UTC date would have shown at 05:20) has it on no lane.
    let (_, yesterday) = desk
        .get(&format!(
            "/api/v1/dispatch/board?day={}",
            today.pred_opt().unwrap()
        ))
        .await;
    assert!(!on_lane(&yesterday, &under_way));

    // The console opens on the local today, with the job under way on chen's lane.
    let browser = Session::chromium(1280, 800).await?;
    browser
        .sign_in(&server.url("/app/?lang=zh-CN"), "desk")
        .await?;
    let lane = format!(".lane[data-engineer='{}']", crew.chen_id);
    browser
        .find(&format!("{lane} .block[data-number='{under_way_number}']"))
        .await?;
    let shown = browser
        .find("#plan-date")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert_eq!(
        shown,
        today.to_string(),
        "the console opened on another day"
    );
    assert_eq!(browser.errors().await?, Vec::<String>::new());
    browser.client.clone().close().await?;

    // chen's list: the job on site is today's, the one planned for tomorrow is upcoming.
    let browser = Session::chromium(390, 844).await?;
    browser
        .sign_in(&server.url("/app/?lang=zh-CN"), "chen")
        .await?;
    browser
        .find(&format!(
            "#jobs-today .job-card[data-number='{under_way_number}']"
        ))
        .await?;
    browser
        .find(&format!(
            "#jobs-upcoming .job-card[data-number='{later_number}']"
        ))
        .await?;
    browser.wait_count("#jobs-today .job-card", 1).await?;
    browser
        .screenshot(&format!("my-jobs-at-{label}-local-390x844"))
        .await?;
    assert_eq!(browser.errors().await?, Vec::<String>::new());
    browser.client.clone().close().await?;
    Ok(())
}
