//! The dispatcher's console in headless Chromium: the queue, assigning by dragging a job onto an
//! engineer's lane, the optimiser's plan applied, and an engineer's step showing up live.

use fixline_tests::webdriver::Session;
use fixline_tests::{Crew, PASSWORD, crew, engineer, next_wednesday, waiting_job};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dispatcher_drags_plans_and_sees_the_board_live() -> anyhow::Result<()> {
    let Crew {
        server,
        admin,
        desk,
        chen_id,
    } = crew().await;
    engineer(&admin, "王磊", "西湖区").await;
    let mut numbers = Vec::new();
    let mut ids = Vec::new();
    for i in 0..3 {
        let (id, number) = waiting_job(
            &desk,
            &format!("西溪第{i}超市"),
            &format!("FXC00{i}"),
            "refrigeration",
        )
        .await;
        ids.push(id);
        numbers.push(number);
    }

    // One job nobody here has the skill for.
    let (_, washer) = waiting_job(&desk, "湖滨洗衣店", "FXW001", "laundry").await;

    let browser = Session::chromium(1280, 800).await?;
    browser.client.goto(&server.url("/app/?lang=zh-CN")).await?;
    browser.fill("#username", "desk").await?;
    browser.fill("#password", PASSWORD).await?;
    browser.click("#sign-in").await?;
    let card = |n: &str| format!("#queue .queue-card[data-number='{n}']");
    browser.find(&card(&numbers[0])).await?;
    browser.screenshot("console-1280x800").await?;

    // Filter the queue by skill: the laundry job alone, then everything again.
    let cards = "#queue .queue-card";
    browser.set_select("#queue-skill", "laundry").await?;
    browser.find(&card(&washer)).await?;
    browser.wait_count(cards, 1).await?;
    browser.set_select("#queue-skill", "").await?;
    browser.wait_count(cards, 4).await?;

    // Drag the first job onto chen's lane.
    let lane = format!(".lane[data-engineer='{chen_id}']");
    browser.drag(&card(&numbers[0]), &lane).await?;
    browser
        .find(&format!("{lane} .block[data-number='{}']", numbers[0]))
        .await?;
    let (_, wo) = desk.get(&format!("/api/v1/work-orders/{}", ids[0])).await;
    assert_eq!(wo["assignee"], chen_id.as_str());

    // Plan a weekday (everyone's shift) and apply the proposal.
    let day = next_wednesday();
    browser.set_value("#plan-date", &day.to_string()).await?;
    browser.click("#plan-day").await?;
    browser.find("#proposal").await?;
    browser.screenshot("console-proposal-1280x800").await?;
    browser.click("#apply-plan").await?;
    for id in &ids[1..] {
        let mut assigned = false;
        for _ in 0..50 {
            let (_, wo) = desk.get(&format!("/api/v1/work-orders/{id}")).await;
            if wo["status"] == "assigned" {
                assigned = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(assigned, "{id} was not assigned by the applied plan");
    }

    // chen accepts through the API (as the app would): the board shows it without a reload.
    let chen = server.login("chen").await;
    let (s, b) = chen.act(&ids[0], json!({"action": "accept"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    browser
        .wait_attr(
            &format!(".block[data-number='{}']", numbers[0]),
            "data-status",
            "accepted",
        )
        .await?;
    browser.screenshot("console-live-1280x800").await?;
    browser.client.set_window_size(390, 844).await?;
    browser.screenshot("console-390x844").await?;
    browser.client.clone().close().await?;
    Ok(())
}
