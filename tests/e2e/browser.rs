//! The engineer app's browser variant, served by the server and driven in headless Chromium:
//! sign in, open a job, take it from accepted to completed, pick a job from the pool;
//! screenshots at tablet and phone size.

use fixline_tests::webdriver::Session;
use fixline_tests::{Crew, chens_job, crew};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn an_engineer_signs_in_and_completes_a_job_in_chromium() -> anyhow::Result<()> {
    let crew = crew().await;
    let (job, number) = chens_job(&crew, "FX2506000321").await;
    let Crew { server, desk, .. } = &crew;

    let browser = Session::chromium(1280, 800).await?;
    browser.client.goto(&server.url("/app/?lang=zh-CN")).await?;
    browser.fill("#username", "chen").await?;
    browser.fill("#password", fixline_tests::PASSWORD).await?;
    browser.screenshot("browser-sign-in-1280x800").await?;
    browser.assert_accessible("sign-in").await?;
    browser.click("#sign-in").await?;
    let card = format!(".job-card[data-number='{number}']");
    browser.find(&card).await?;
    browser.screenshot("browser-my-jobs-1280x800").await?;
    browser.assert_accessible("my jobs").await?;
    browser.click(&card).await?;

    browser
        .wait_text("#customer-name", "杭州湖滨餐饮管理有限公司")
        .await?;
    browser.wait_text("#site-address", "文三路").await?;
    browser.click("#act-accept").await?;
    browser.wait_text("#job-status", "已接单").await?;
    browser.click("#act-start_travel").await?;
    browser.wait_text("#job-status", "在途").await?;
    browser.click("#act-arrive").await?;
    browser.wait_text("#job-status", "在现场").await?;
    browser.screenshot("browser-job-1280x800").await?;
    browser.assert_accessible("the job").await?;
    browser.click("#act-complete").await?;
    browser
        .fill("#summary", "更换启动电容，试机 30 分钟温度正常")
        .await?;
    // What was wrong and what was done, from the refrigeration list, in Chinese.
    browser.wait_text("#fault-code", "压缩机不启动").await?;
    browser.set_select("#fault-code", "RF02").await?;
    browser.set_select("#resolution-code", "R01").await?;
    browser.click("#form-submit").await?;
    browser.wait_text("#job-status", "已完工").await?;

    // The server has it, with the engineer's words and an on-site repair.
    let (_, order) = desk.get(&format!("/api/v1/work-orders/{job}")).await;
    assert_eq!(order["status"], "completed");
    assert_eq!(order["resolution"]["kind"], "on_site_repair");
    assert_eq!(order["resolution"]["fault_code"], "RF02");
    assert_eq!(order["resolution"]["resolution_code"], "R01");
    assert_eq!(
        order["resolution"]["summary"],
        "更换启动电容，试机 30 分钟温度正常"
    );
    assert_eq!(order["visits"].as_array().map(Vec::len), Some(1));

    // The same screens at phone size.
    browser.client.set_window_size(390, 844).await?;
    browser.screenshot("browser-job-390x844").await?;
    browser.assert_touch_targets("the job at 390 px").await?;
    browser.click("#nav-jobs").await?;
    browser.find(&card).await?;
    browser.screenshot("browser-my-jobs-390x844").await?;
    browser.assert_touch_targets("my jobs at 390 px").await?;
    // A job card opens from the keyboard too (Enter on it).
    browser.find(&card).await?.send_keys("\u{E007}").await?;
    browser
        .wait_text("#customer-name", "杭州湖滨餐饮管理有限公司")
        .await?;
    browser.click("#nav-jobs").await?;
    browser.find(&card).await?;

    // Switch to English: the same job list, in English.
    browser.click("#lang").await?;
    browser.wait_text("h1", "My jobs").await?;

    // The desk releases a job to the pool: chen sees it under the pool and picks it; it is his.
    let (pooled, pooled_number) =
        fixline_tests::waiting_job(desk, "文三路便利店", "FX2506000999", "refrigeration").await;
    let (s, body) = desk
        .act(&pooled, serde_json::json!({"action": "release_to_pool"}))
        .await;
    assert_eq!(s, reqwest::StatusCode::OK, "{body}");
    browser.click("#pool-refresh").await?;
    let pool_card = format!("#pool .pool-card[data-number='{pooled_number}']");
    browser.find(&pool_card).await?;
    browser.screenshot("browser-pool-390x844").await?;
    browser.assert_touch_targets("the pool at 390 px").await?;
    browser.click(&format!("{pool_card} .pick")).await?;
    browser
        .find(&format!(
            ".job-list .job-card[data-number='{pooled_number}']:not(.pool-card)"
        ))
        .await?;
    browser.wait_count("#pool .pool-card", 0).await?;
    let (_, order) = desk.get(&format!("/api/v1/work-orders/{pooled}")).await;
    assert_eq!(order["status"], "accepted");
    browser.client.clone().close().await?;
    Ok(())
}

/// The browser variant keeps nothing offline, and says so: with the server gone mid-job, the
/// completion the engineer submits is refused with "not saved" in their language, the job
/// stays on screen and the typed summary stays in the form; with the server back, the same
/// submit goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_browser_says_plainly_when_the_server_is_gone_and_keeps_what_was_typed()
-> anyhow::Result<()> {
    let mut crew = crew().await;
    let (job, number) = chens_job(&crew, "FX2506000322").await;
    let chen = crew.server.login("chen").await;
    for step in ["accept", "start_travel", "arrive"] {
        let (s, body) = chen.act(&job, serde_json::json!({"action": step})).await;
        assert_eq!(s, reqwest::StatusCode::OK, "{step}: {body}");
    }
    let browser = Session::chromium(1280, 800).await?;
    browser
        .sign_in(&crew.server.url("/app/?lang=zh-CN"), "chen")
        .await?;
    browser
        .click(&format!(".job-card[data-number='{number}']"))
        .await?;
    browser.wait_text("#job-status", "在现场").await?;
    browser.click("#act-complete").await?;
    browser.fill("#summary", "更换风扇电机，试机正常").await?;

    let db = crew.server.db_path.clone();
    let addr = crew.server.addr.to_string();
    let dir = crew.server.stop().await;
    browser.click("#form-submit").await?;
    browser
        .wait_text(".message", "无法连接服务器：这次操作没有保存")
        .await?;
    browser.wait_text("#job-status", "在现场").await?;
    let typed = browser.find("#summary").await?.prop("value").await?;
    assert_eq!(typed.as_deref(), Some("更换风扇电机，试机正常"));

    crew.server = fixline_tests::TestServer::start_at(&db, &addr).await;
    browser.click("#form-submit").await?;
    browser.wait_text("#job-status", "已完工").await?;
    let (_, order) = crew.desk.get(&format!("/api/v1/work-orders/{job}")).await;
    assert_eq!(order["status"], "completed");
    assert_eq!(order["resolution"]["summary"], "更换风扇电机，试机正常");
    browser.client.clone().close().await?;
    drop(dir);
    Ok(())
}
