//! The dispatcher's console in headless Chromium: the queue and its filters, the map, assigning
//! by dragging a job onto a time on an engineer's lane (conflicts shown before committing), the
//! optimiser's plan applied, an engineer's step showing up live, a pin, a re-plan.

use chrono::{DateTime, Timelike, Utc};
use fixline_tests::webdriver::Session;
use fixline_tests::{Client, Crew, crew_at, engineer, next_wednesday_after, waiting_job};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_dispatcher_drags_plans_and_sees_the_board_live() -> anyhow::Result<()> {
    // Monday 30 November 2026, 10:00 in Hangzhou: the jobs come in then, whatever hour CI runs.
    let monday: DateTime<Utc> = "2026-11-30T02:00:00Z".parse()?;
    let Crew {
        server,
        admin,
        desk,
        chen_id,
    } = crew_at(monday).await;
    let wang_id = engineer(&admin, "王磊", "西湖区").await;
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
    browser
        .sign_in(&server.url("/app/?lang=zh-CN"), "desk")
        .await?;
    let card = |n: &str| format!("#queue .queue-card[data-number='{n}']");
    browser.find(&card(&numbers[0])).await?;
    browser.screenshot("console-1280x800").await?;
    browser.assert_accessible("the console").await?;

    // Filter the queue by skill: the laundry job alone, then everything again.
    let cards = "#queue .queue-card";
    browser.set_select("#queue-skill", "laundry").await?;
    browser.find(&card(&washer)).await?;
    browser.wait_count(cards, 1).await?;
    browser.set_select("#queue-skill", "").await?;
    browser.wait_count(cards, 4).await?;

    // A job in another region: the region filter finds it alone.
    let east = job_in_region(&desk, "滨江区").await;
    browser.wait_count(cards, 5).await?;
    browser.set_select("#queue-region", "滨江区").await?;
    browser.find(&card(&east)).await?;
    browser.wait_count(cards, 1).await?;
    browser.set_select("#queue-region", "").await?;
    browser.wait_count(cards, 5).await?;

    // A job chen is already driving to: it stays on his day, but there is nothing to propose
    // for it (applying a plan to it could only be refused).
    let chen = server.login("chen").await;
    let (under_way, _) = waiting_job(&desk, "文三路便利店", "FXU001", "refrigeration").await;
    for (who, step) in [
        (&desk, json!({"action": "triage"})),
        (&desk, json!({"action": "assign", "engineer": chen_id})),
        (&chen, json!({"action": "accept"})),
        (&chen, json!({"action": "start_travel"})),
    ] {
        let (s, b) = who.act(&under_way, step.clone()).await;
        assert_eq!(s, StatusCode::OK, "{step}: {b}");
    }

    // A weekday everyone works: the board shows a lane in time per engineer.
    let day = next_wednesday_after("2026-11-30".parse()?);
    browser.set_value("#plan-date", &day.to_string()).await?;
    let lane = format!(".lane[data-engineer='{chen_id}']");
    let track = format!("{lane} .track");
    browser.find(&track).await?;

    // The map draws both engineers and the open jobs, with no tiles configured.
    browser.wait_count("#map path.marker-engineer", 2).await?;
    browser.find("#map path.marker-job").await?;
    // What the colours mean, in the user's language.
    browser.wait_text("#map-legend", "待派工单").await?;
    browser.find(".no-tiles").await?;

    // Drag the first job onto chen's lane left of the middle (late morning). The jobs came in
    // today, so next Wednesday is past their SLA: the console says so before committing.
    browser
        .drag_to(&format!("{} strong", card(&numbers[0])), &track, -120.0)
        .await?;
    let warning = browser.wait_text("#placement-conflicts", "SLA").await?;
    assert!(!warning.contains("缺少技能"), "{warning}");
    // It says which job, for whom and when.
    let about = browser.find("#conflict-about").await?.text().await?;
    assert!(
        about.contains(&numbers[0]) && about.contains("陈建国") && about.contains("–"),
        "{about}"
    );
    browser.screenshot("console-conflicts-1280x800").await?;
    browser.click("#assign-anyway").await?;
    browser
        .find(&format!("{lane} .block[data-number='{}']", numbers[0]))
        .await?;
    let (_, wo) = desk.get(&format!("/api/v1/work-orders/{}", ids[0])).await;
    assert_eq!(wo["assignee"], chen_id.as_str());
    let start: DateTime<Utc> = wo["planned"]["start"].as_str().unwrap().parse()?;
    let local = start + chrono::Duration::hours(8);
    assert_eq!(local.date_naive(), day, "planned on the board's day");
    assert!(
        (8..13).contains(&local.hour()) && local.minute().is_multiple_of(15),
        "dropped left of the middle of the day, on a quarter hour: {local}"
    );

    // The laundry job on chen: no such skill. Cancelled, nothing changes.
    browser
        .drag_to(&format!("{} strong", card(&washer)), &track, 0.0)
        .await?;
    let conflict = browser
        .wait_text("#placement-conflicts", "缺少技能")
        .await?;
    // The skill named in the user's words, not by its key.
    assert!(
        conflict.contains("洗衣设备") && !conflict.contains("laundry"),
        "{conflict}"
    );
    browser.click("#cancel-placement").await?;
    browser.find(&card(&washer)).await?;
    assert!(
        browser
            .client
            .find_all(fantoccini::Locator::Css("#placement-conflicts"))
            .await?
            .is_empty()
    );

    // Plan the day and apply the proposal, all but one visit the dispatcher unticks.
    browser.click("#plan-day").await?;
    browser.find("#proposal").await?;
    browser.screenshot("console-proposal-1280x800").await?;
    // Lateness is in words and hours, not "+2312 min".
    let proposal = browser.find("#proposal").await?.text().await?;
    assert!(!proposal.contains(" min"), "{proposal}");
    // Only what can be applied: not the job under way; and why a job is left out, in Chinese.
    browser
        .wait_count(&format!("#proposal li[data-work-order='{under_way}']"), 0)
        .await?;
    assert!(
        proposal.contains(&washer) && proposal.contains("没有具备资质的工程师"),
        "{proposal}"
    );
    assert!(
        !proposal.contains("the "),
        "English in the proposal: {proposal}"
    );
    // The visit checkboxes are squares a finger can hit, in a label 48 px high.
    let size = browser
        .client
        .execute(
            "const b = document.querySelector('#proposal .take-visit').getBoundingClientRect(); \
             const l = document.querySelector('#proposal .take-visit').closest('label'); \
             return [b.width, b.height, l ? l.getBoundingClientRect().height : 0];",
            vec![],
        )
        .await?;
    let size: Vec<f64> = serde_json::from_value(size)?;
    assert!(
        size[0] == size[1] && size[0] >= 24.0 && size[2] >= 44.0,
        "checkbox {size:?}"
    );
    browser
        .click(&format!(
            "#proposal li[data-work-order='{}'] .take-visit",
            ids[2]
        ))
        .await?;
    browser.watch_requests().await?;
    browser.click("#apply-plan").await?;
    for id in &ids[1..2] {
        let mut assigned = false;
        for _ in 0..50 {
            let (_, wo) = desk.get(&format!("/api/v1/work-orders/{id}")).await;
            if wo["status"] == "assigned" && wo["planned"].is_object() {
                assigned = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(
            assigned,
            "{id} was not assigned with a time by the applied plan"
        );
    }
    let (_, kept_back) = desk.get(&format!("/api/v1/work-orders/{}", ids[2])).await;
    assert!(
        kept_back["assignee"].is_null(),
        "an unticked visit was applied"
    );
    browser.find(&card(&numbers[2])).await?;

    // Applying reloaded the board once (the dispatcher's own step); wait until that is done.
    let boards = "window.__requests.filter(u => u.includes('/dispatch/board?')).length";
    browser
        .wait_js(&format!("return {boards} >= 1 && window.__inFlight === 0"))
        .await?;
    let wang_lane = format!(".lane[data-engineer='{wang_id}']");
    browser
        .client
        .execute(
            &format!(
                "document.querySelector(\"{wang_lane}\").__kept = true; \
                 window.__boardsBefore = {boards}; window.__requests.length = 0;"
            ),
            vec![],
        )
        .await?;

    // chen accepts through the API (as the app would): the board shows it without a reload,
    // and without reloading the whole board: one small update, and wang's lane untouched.
    let (s, b) = chen.act(&ids[0], json!({"action": "accept"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    browser
        .wait_attr(
            &format!(".block[data-number='{}']", numbers[0]),
            "data-status",
            "accepted",
        )
        .await?;
    let asked = browser.requests().await?;
    assert!(
        asked.iter().any(|u| u.contains("/dispatch/board/update")),
        "no update asked for: {asked:?}"
    );
    assert!(
        !asked.iter().any(|u| u.contains("/dispatch/board?")),
        "the whole board was loaded again for one change: {asked:?}"
    );
    let kept = browser
        .client
        .execute(
            &format!("return document.querySelector(\"{wang_lane}\").__kept === true"),
            vec![],
        )
        .await?;
    assert_eq!(kept, json!(true), "wang's lane was drawn again");
    browser.screenshot("console-live-1280x800").await?;

    // A block opens from the keyboard too (Enter on it), and closes again.
    let block = format!(".block[data-number='{}']", numbers[0]);
    browser.find(&block).await?.send_keys("\u{E007}").await?;
    browser
        .find(&format!("#job-detail[data-number='{}']", numbers[0]))
        .await?;
    browser.click("#detail-close").await?;
    browser.wait_count("#job-detail", 0).await?;
    // Open the job on the board and fix it: "do not move".
    browser.click(&block).await?;
    browser.set_select("#detail-pin", "do_not_move").await?;
    browser.click("#detail-save").await?;
    let mut pinned = false;
    for _ in 0..50 {
        let (_, wo) = desk.get(&format!("/api/v1/work-orders/{}", ids[0])).await;
        if wo["pin"] == "do_not_move" {
            pinned = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(pinned, "the pin was not saved");

    // Without a mouse: the same job to wang at 15:00, from the detail's picker and time field.
    browser.set_select("#detail-engineer", &wang_id).await?;
    browser.set_value("#detail-time", "15:00").await?;
    browser.click("#detail-move").await?;
    browser.wait_text("#placement-conflicts", "SLA").await?;
    browser.click("#assign-anyway").await?;
    browser
        .find(&format!(
            ".lane[data-engineer='{wang_id}'] .block[data-number='{}']",
            numbers[0]
        ))
        .await?;
    let (_, wo) = desk.get(&format!("/api/v1/work-orders/{}", ids[0])).await;
    assert_eq!(wo["assignee"], wang_id.as_str());
    let start: DateTime<Utc> = wo["planned"]["start"].as_str().unwrap().parse()?;
    assert_eq!((start + chrono::Duration::hours(8)).hour(), 15);

    // The job's side panel closes, and chen is off sick: one click asks for a re-plan of his day.
    browser.click("#detail-close").await?;
    browser.click(&format!("{lane} .off-sick")).await?;
    browser.find("#proposal").await?;
    assert_eq!(
        browser.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    // The day shown is in the address: a reload (or the link sent to a colleague) opens the
    // board on that day, not on today.
    let fragment = browser
        .client
        .current_url()
        .await?
        .fragment()
        .map(str::to_owned);
    assert_eq!(fragment, Some(format!("/board/{day}")));
    browser.client.refresh().await?;
    browser.find(&track).await?;
    let shown = browser
        .client
        .execute("return document.querySelector('#plan-date').value", vec![])
        .await?;
    assert_eq!(shown, json!(day.to_string()));
    browser.client.set_window_size(390, 844).await?;
    browser.screenshot("console-390x844").await?;
    browser.client.clone().close().await?;
    Ok(())
}

/// A waiting job at a site in `region`; returns its number.
async fn job_in_region(desk: &Client, region: &str) -> String {
    let (_, c) = desk
        .post(
            "/api/v1/customers",
            json!({"name": "江南制冷", "phone": "0571-8888 0002", "tier": "standard"}),
        )
        .await;
    let customer = c["id"].as_str().unwrap();
    let (s, site) = desk
        .post(
            &format!("/api/v1/customers/{customer}/sites"),
            json!({"name": "滨江仓库", "address": "滨江区江南大道 1 号", "city": "杭州市", "region": region, "position": {"lat": 30.21, "lon": 120.21}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{site}");
    let (s, asset) = desk
        .post(
            &format!("/api/v1/customers/{customer}/assets"),
            json!({"site_id": site["id"], "model": "CR-200", "serial": "FXE001", "category": "refrigeration"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{asset}");
    let (s, r) = desk
        .post(
            "/api/v1/work-orders",
            json!({"serial": "FXE001", "symptom": "冷库温度高", "category": "refrigeration"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    r["number"].as_str().unwrap().to_owned()
}
