//! The weekly QA sample (质量控制): drawn per engineer with the riskiest jobs first, scored
//! against the checklist by the service manager, kept per engineer; over HTTP and on screen.

use chrono::{DateTime, Utc};
use fixline_core::role::Role;
use fixline_tests::webdriver::Session;
use fixline_tests::{crew_at, finished_job};
use reqwest::StatusCode;
use serde_json::json;

/// Monday 30 November 2026, 10:00 in Hangzhou: ISO week 2026-W49.
fn monday() -> DateTime<Utc> {
    "2026-11-30T02:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn the_sample_takes_the_riskiest_jobs_first_and_scores_are_kept_per_engineer() {
    let crew = crew_at(monday()).await;
    let manager = crew
        .server
        .user(&crew.admin, "manager", Role::ServiceManager, None)
        .await;
    // Every job here was finished without photos and in no time; one customer also refused to
    // sign: it has the most signals.
    let mut jobs = Vec::new();
    for i in 0..3 {
        jobs.push(
            finished_job(&crew, &format!("FXQA-{i}"), "P3", false)
                .await
                .0,
        );
    }
    let (refused, _) = finished_job(&crew, "FXQA-REF", "P3", true).await;

    let (s, _) = crew.desk.get("/api/v1/qa/sample?week=2026-W49").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the service manager reviews");
    let (s, sample) = manager.get("/api/v1/qa/sample?week=2026-W49").await;
    assert_eq!(s, StatusCode::OK, "{sample}");
    let cases = sample.as_array().unwrap();
    assert_eq!(cases.len(), 2, "two per engineer: {sample}");
    assert_eq!(cases[0]["work_order"], refused.as_str(), "{sample}");
    assert_eq!(
        cases[0]["signals"],
        json!(["signature_refused", "short_visit", "missing_photos"])
    );
    assert_eq!(cases[0]["engineer_name"], "陈建国");
    let (_, again) = manager.get("/api/v1/qa/sample?week=2026-W49").await;
    assert_eq!(again, sample, "the same draw every time");
    let (_, next_week) = manager.get("/api/v1/qa/sample?week=2026-W50").await;
    assert_eq!(next_week, json!([]), "nothing finished that week");
    let (s, body) = manager.get("/api/v1/qa/sample?week=next").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let review = |id: &str, scores: serde_json::Value| {
        let manager = manager.clone();
        let path = format!("/api/v1/work-orders/{id}/qa-review");
        async move {
            manager
                .post(
                    &path,
                    json!({"week": "2026-W49", "scores": scores, "comment": "缺少完工照片"}),
                )
                .await
        }
    };
    let (s, body) = review(&refused, json!([2, 2, 2])).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let outside = jobs
        .iter()
        .find(|j| !cases.iter().any(|c| c["work_order"] == j.as_str()))
        .unwrap();
    let (s, body) = review(outside, json!([2, 2, 2, 2, 2, 2])).await;
    assert_eq!(s, StatusCode::CONFLICT, "not in the sample: {body}");
    let (s, body) = review(&refused, json!([2, 2, 1, 0, 2, 2])).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["reviewer"], "manager");
    let (_, results) = manager.get("/api/v1/qa/results").await;
    assert_eq!(results[0]["engineer"], crew.chen_id.as_str(), "{results}");
    assert_eq!(results[0]["reviews"], 1);
    assert_eq!(results[0]["average_percent"], 75.0);
    let (_, sample) = manager.get("/api/v1/qa/sample?week=2026-W49").await;
    assert_eq!(sample[0]["review"]["scores"], json!([2, 2, 1, 0, 2, 2]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_service_manager_reviews_the_weeks_sample_on_screen() -> anyhow::Result<()> {
    let crew = crew_at(monday()).await;
    crew.server
        .user(&crew.admin, "manager", Role::ServiceManager, None)
        .await;
    let (refused, _) = finished_job(&crew, "FXQA-UI", "P3", true).await;
    let (_, wo) = crew
        .desk
        .get(&format!("/api/v1/work-orders/{refused}"))
        .await;
    let number = wo["number"].as_str().unwrap().to_owned();

    let ui = Session::chromium(1280, 800).await?;
    ui.sign_in(&crew.server.url("/app/?lang=zh-CN"), "manager")
        .await?;
    ui.click("#nav-quality").await?;
    let case = format!("#qa-sample .qa-case[data-number='{number}']");
    ui.wait_text(&case, "客户拒签").await?;
    ui.wait_text(&case, "缺少维修前后照片").await?;
    ui.assert_accessible("the QA review").await?;
    ui.click(&format!("{case} .qa-open")).await?;
    ui.set_select(&format!("{case} .qa-photos"), "0").await?;
    ui.fill(&format!("{case} .qa-comment"), "没有完工照片")
        .await?;
    ui.screenshot("desk-qa-review").await?;
    ui.click(&format!("{case} .qa-save")).await?;
    ui.wait_text(&format!("{case} .qa-score"), "83%").await?;
    ui.wait_text("#qa-results", "陈建国").await?;
    ui.wait_text("#qa-results .qa-average", "83%").await?;
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.client.clone().close().await?;
    Ok(())
}
