//! The KPIs (#17) over HTTP: the figures come from the jobs as they happen (the rollup is kept
//! in the jobs' own transactions), rework found when the machine comes back, the survey's
//! scores counted, slices and filters, the jobs behind a figure, targets, and an engineer's
//! own scorecard that shows nobody else.

use chrono::{DateTime, Utc};
use fixline_core::role::Role;
use fixline_tests::{Client, Crew, TestServer, crew_at, finished_job};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Monday 30 November 2026, 10:00 in Hangzhou.
fn monday() -> DateTime<Utc> {
    "2026-11-30T02:00:00Z".parse().unwrap()
}

/// Posts the customer's survey form as their browser does.
async fn answer_survey(server: &TestServer, token: &str, csat: &str, nps: &str) {
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(server.url(&format!("/r/{token}/survey")))
        .form(&[
            ("csat", csat),
            ("nps", nps),
            ("effort", "6"),
            ("fixed", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
}

/// The row of `by` whose key is `key`.
fn row<'a>(table: &'a Value, key: &str) -> &'a Value {
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row {key}: {table}"))
}

fn share(v: &Value) -> (u64, u64) {
    (
        v["numerator"].as_u64().unwrap(),
        v["denominator"].as_u64().unwrap(),
    )
}

/// Two jobs finished by chen (one surveyed 5/10, one 2/3), then the first machine back a day
/// later: the first job is not a first-time fix any more. The two jobs, and the rework.
async fn two_jobs_and_a_rework(crew: &Crew) -> (String, String, String) {
    let (first, token) = finished_job(crew, "FX-KPI-1", "P3", false).await;
    let (second, token2) = finished_job(crew, "FX-KPI-2", "P3", false).await;
    answer_survey(&crew.server, &token, "5", "10").await;
    answer_survey(&crew.server, &token2, "2", "3").await;
    let (s, r) = crew
        .desk
        .post(
            "/api/v1/work-orders",
            json!({"serial": "FX-KPI-1", "symptom": "又不制冷了", "priority": "P2"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    (
        first,
        second,
        r["work_order_id"].as_str().unwrap().to_owned(),
    )
}

async fn manager(crew: &Crew) -> Client {
    crew.server
        .user(&crew.admin, "manager", Role::ServiceManager, None)
        .await
}

#[tokio::test]
async fn the_dashboard_counts_what_happened_slices_it_and_shows_the_jobs_behind_it() {
    let crew = crew_at(monday()).await;
    let manager = manager(&crew).await;
    let (first, second, rework) = two_jobs_and_a_rework(&crew).await;

    let (s, body) = crew.desk.get("/api/v1/kpis").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the dispatcher does not: {body}");

    let (s, t) = manager
        .get("/api/v1/kpis?from=2026-11-01&to=2026-11-30&by=engineer")
        .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let chen = row(&t, &crew.chen_id);
    assert_eq!(chen["label"], "陈建国");
    let f = &chen["figures"];
    assert_eq!(f["jobs"], 2, "the rework is not finished: {f}");
    assert_eq!(share(&f["first_time_fix"]), (1, 2), "the first came back");
    assert_eq!(share(&f["csat"]), (1, 2), "5 satisfied, 2 not");
    assert_eq!(f["nps"], 0.0, "one promoter, one detractor");
    assert_eq!(f["ces"], 6.0);
    assert_eq!(share(&f["sla_resolve"]), (2, 2), "finished at once");
    assert_eq!(share(&f["parts_at_first_visit"]), (2, 2));
    assert_eq!(
        t["total"], chen["figures"],
        "one engineer: the total is theirs"
    );
    assert_eq!(t["previous"]["jobs"], 0, "October had none");
    assert_eq!(t["targets"]["version"], 0, "the built-in targets");
    assert_eq!(t["targets"]["targets"]["first_time_fix"], 80.0);

    // By region, and filtered to a region with no jobs.
    let (_, by_region) = manager.get("/api/v1/kpis?from=2026-11-30&by=region").await;
    assert_eq!(row(&by_region, "西湖区")["figures"]["jobs"], 2);
    let (_, elsewhere) = manager
        .get("/api/v1/kpis?from=2026-11-30&region=%E6%BB%A8%E6%B1%9F%E5%8C%BA")
        .await;
    assert_eq!(elsewhere["rows"], json!([]), "{elsewhere}");
    assert_eq!(elsewhere["total"]["jobs"], 0);
    assert_eq!(elsewhere["total"]["csat"]["denominator"], 0);

    // The jobs behind chen's first-time-fix figure, and what each counted for.
    let (s, jobs) = manager
        .get(&format!(
            "/api/v1/kpis/jobs?from=2026-11-01&to=2026-11-30&by=engineer&key={}",
            crew.chen_id
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{jobs}");
    assert_eq!(jobs["total"], 2);
    let listed: Vec<(&str, bool)> = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["work_order_id"].as_str().unwrap(),
                j["fixed_first_time"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(listed.contains(&(first.as_str(), false)), "{jobs}");
    assert!(listed.contains(&(second.as_str(), true)), "{jobs}");
    let (_, nobody) = manager
        .get("/api/v1/kpis/jobs?from=2026-11-30&by=region&key=nowhere")
        .await;
    assert_eq!(nobody["total"], 0);
    // By period: the month's and the week's jobs (30 November is the Monday of 2026-W49), a
    // page at a time; a key that is no week is told so.
    let behind = |q: &'static str| {
        let manager = manager.clone();
        async move {
            let (s, b) = manager
                .get(&format!(
                    "/api/v1/kpis/jobs?from=2026-11-01&to=2026-11-30&{q}"
                ))
                .await;
            assert_eq!(s, StatusCode::OK, "{q}: {b}");
            (
                b["total"].as_u64().unwrap(),
                b["jobs"].as_array().unwrap().len(),
            )
        }
    };
    assert_eq!(behind("by=month&key=2026-11").await, (2, 2));
    assert_eq!(behind("by=month&key=2026-10").await, (0, 0));
    assert_eq!(behind("by=week&key=2026-W49").await, (2, 2));
    assert_eq!(behind("by=week&key=2026-W48").await, (0, 0));
    assert_eq!(
        behind("by=model&key=FX-SC650%20%E7%AB%8B%E5%BC%8F%E5%86%B7%E8%97%8F%E6%9F%9C").await,
        (2, 2),
        "FX-SC650 立式冷藏柜"
    );
    assert_eq!(
        behind("by=model&key=").await,
        (0, 0),
        "every job has a machine with a model"
    );
    assert_eq!(behind("page=2&per_page=1").await, (2, 1));
    let (s, body) = manager
        .get("/api/v1/kpis/jobs?from=2026-11-01&by=week&key=nope")
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // The call-back was a duplicate: cancelled, it is no rework, and the first job is a
    // first-time fix again.
    let (s, body) = crew
        .desk
        .act(&rework, json!({"action": "cancel", "reason": "重复报修"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (_, t) = manager
        .get("/api/v1/kpis?from=2026-11-01&to=2026-11-30")
        .await;
    assert_eq!(share(&t["total"]["first_time_fix"]), (2, 2), "{t}");

    // A KPI drawn: twelve months to November, and per engineer, as SVG.
    let (s, charts) = manager
        .get("/api/v1/kpis/charts?from=2026-11-01&to=2026-11-30&by=engineer&kpi=first_time_fix&lang=en")
        .await;
    assert_eq!(s, StatusCode::OK, "{charts}");
    let trend = charts["trend_svg"].as_str().unwrap();
    assert!(
        trend.starts_with("<svg") && trend.contains("2025-12") && trend.contains("2026-11"),
        "{trend}"
    );
    assert!(trend.contains("First-time fix"));
    assert!(charts["slices_svg"].as_str().unwrap().contains("陈建国"));

    // Bad questions are told so.
    for bad in [
        "/api/v1/kpis?from=2026-12-01&to=2026-11-01",
        "/api/v1/kpis?from=2020-01-01&to=2026-11-30",
        "/api/v1/kpis?by=planet",
        "/api/v1/kpis?from=yesterday",
    ] {
        let (s, body) = manager.get(bad).await;
        assert!(
            s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::BAD_REQUEST,
            "{bad}: {s} {body}"
        );
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
}

#[tokio::test]
async fn targets_are_set_checked_and_compared() {
    let crew = crew_at(monday()).await;
    let manager = manager(&crew).await;
    let (s, _) = crew.desk.get("/api/v1/settings/kpi-targets").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, t) = manager.get("/api/v1/settings/kpi-targets").await;
    assert_eq!((s, &t["version"]), (StatusCode::OK, &json!(0)));
    let (s, body) = manager
        .put(
            "/api/v1/settings/kpi-targets",
            Some(0),
            json!({"csat": 150.0}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, body) = manager
        .put(
            "/api/v1/settings/kpi-targets",
            Some(0),
            json!({"velocity": 3.0}),
        )
        .await;
    assert!(s.is_client_error(), "an unknown KPI: {body}");
    let (s, saved) = manager
        .put(
            "/api/v1/settings/kpi-targets",
            Some(0),
            json!({"csat": 95.0, "resolve_p90": 480.0}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    assert_eq!(saved["version"], 1);
    let (s, _) = manager
        .put(
            "/api/v1/settings/kpi-targets",
            Some(0),
            json!({"csat": 90.0}),
        )
        .await;
    assert!(
        s == StatusCode::CONFLICT || s == StatusCode::PRECONDITION_FAILED,
        "over a stale version: {s}"
    );
    let (_, t) = manager.get("/api/v1/kpis").await;
    assert_eq!(
        t["targets"]["targets"],
        json!({"csat": 95.0, "resolve_p90": 480.0})
    );
}

#[tokio::test]
async fn an_engineer_sees_their_own_scorecard_and_nobody_elses() {
    let crew = crew_at(monday()).await;
    two_jobs_and_a_rework(&crew).await;
    let wang_id = fixline_tests::engineer(&crew.admin, "王磊", "滨江区").await;
    let wang = crew
        .server
        .user(&crew.admin, "wang", Role::Engineer, Some(&wang_id))
        .await;
    let chen = crew.server.login("chen").await;

    let (s, mine) = chen.get("/api/v1/me/scorecard?from=2026-11-01").await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(mine["total"]["jobs"], 2);
    assert_eq!(row(&mine, "2026-11")["figures"]["jobs"], 2);
    // Asking for someone else's is not a thing: the filter is always the engineer's own.
    let (_, theirs) = wang
        .get(&format!(
            "/api/v1/me/scorecard?from=2026-11-01&engineer={}",
            crew.chen_id
        ))
        .await;
    assert_eq!(theirs["total"]["jobs"], 0, "{theirs}");
    let (s, _) = chen.get("/api/v1/kpis").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the dashboard is the manager's");
    let (s, _) = crew.desk.get("/api/v1/me/scorecard").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_manager_filters_the_dashboard_drills_down_and_sets_a_target() -> anyhow::Result<()> {
    use fixline_tests::webdriver::Session;
    let crew = crew_at(monday()).await;
    manager(&crew).await;
    two_jobs_and_a_rework(&crew).await;

    let ui = Session::chromium(1280, 900).await?;
    ui.sign_in(&crew.server.url("/app/?lang=zh-CN"), "manager")
        .await?;
    ui.click("#nav-dashboard").await?;
    let chen = format!("#kpi-table .kpi-row[data-key='{}']", crew.chen_id);
    ui.wait_text(&chen, "陈建国").await?;
    ui.wait_text(&format!("{chen} td[data-kpi='first_time_fix']"), "50.0%")
        .await?;
    let ftf_card = "#kpi-cards .kpi-card[data-kpi='first_time_fix']";
    ui.wait_text(ftf_card, "未达目标").await?;
    ui.wait_js("return document.querySelector('#kpi-trend')?.naturalWidth > 0")
        .await?;
    ui.assert_accessible("the KPI dashboard").await?;
    ui.screenshot("desk-dashboard").await?;

    // By region; then a region with nothing finished.
    ui.set_select("#kpi-by", "region").await?;
    ui.click("#kpi-apply").await?;
    let west_lake = "#kpi-table .kpi-row[data-key='西湖区']";
    ui.wait_text(west_lake, "西湖区").await?;
    ui.fill("#kpi-region", "滨江区").await?;
    ui.click("#kpi-apply").await?;
    ui.wait_text("#kpi-empty", "暂无数据").await?;
    ui.fill("#kpi-region", "西湖区").await?;
    ui.click("#kpi-apply").await?;

    // The jobs behind the region's figures: two, one of them not fixed the first time.
    ui.click(&format!("{west_lake} .kpi-drill")).await?;
    ui.wait_text("#kpi-jobs-count", "2").await?;
    ui.wait_count("#kpi-jobs .kpi-job", 2).await?;
    ui.wait_count("#kpi-jobs .kpi-job[data-ftf='false']", 1)
        .await?;
    ui.click("#kpi-jobs .kpi-job[data-ftf='false'] button")
        .await?;
    ui.wait_js("return location.hash.startsWith('#/orders/')")
        .await?;

    // The review pack and an export, fetched and offered as files; an improvement action.
    ui.click("#nav-dashboard").await?;
    ui.fill("#review-period", "2026-11").await?;
    ui.click("#review-make").await?;
    ui.wait_js(
        "return document.querySelector('#review-make-link')?.href.startsWith('blob:') === true",
    )
    .await?;
    ui.click("#export-xlsx").await?;
    ui.wait_js(
        "return document.querySelector('#export-xlsx-link')?.href.startsWith('blob:') === true",
    )
    .await?;
    ui.fill("#action-what", "每周复盘返修工单").await?;
    ui.fill("#action-owner", "李经理").await?;
    ui.set_value("#action-due", "2026-12-20").await?;
    ui.set_select("#action-kpi", "repeat_visits").await?;
    ui.click("#action-add").await?;
    ui.wait_text(
        "#actions .action[data-status='planned']",
        "每周复盘返修工单",
    )
    .await?;
    ui.set_select("#actions .action .action-status", "done")
        .await?;
    ui.fill("#actions .action .action-outcome", "返修率 8% → 5%")
        .await?;
    ui.click("#actions .action .action-save").await?;
    ui.wait_text("#actions .action[data-status='done']", "每周复盘返修工单")
        .await?;

    // A target of 40 % for first-time fix: the figure meets it now.
    ui.click("#nav-settings").await?;
    ui.fill(".kpi-target[data-kpi='first_time_fix']", "40")
        .await?;
    ui.click("#kpi-targets-save").await?;
    ui.wait_text(".message", "已保存").await?;
    ui.click("#nav-dashboard").await?;
    ui.wait_text(ftf_card, "40.0%").await?;
    let card = ui.find(ftf_card).await?;
    assert!(
        !card
            .attr("class")
            .await?
            .unwrap_or_default()
            .contains("below-target"),
        "50 % meets a 40 % target"
    );
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.close_clean().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn an_engineer_reads_their_own_scorecard_on_a_phone() -> anyhow::Result<()> {
    use fixline_tests::webdriver::Session;
    let crew = crew_at(monday()).await;
    two_jobs_and_a_rework(&crew).await;
    let wang_id = fixline_tests::engineer(&crew.admin, "王磊", "滨江区").await;
    crew.server
        .user(&crew.admin, "wang", Role::Engineer, Some(&wang_id))
        .await;

    let ui = Session::chromium(390, 844).await?;
    ui.sign_in(&crew.server.url("/app/?lang=en"), "chen")
        .await?;
    ui.click("#nav-scorecard").await?;
    ui.wait_text("#scorecard-jobs", "Finished jobs: 2").await?;
    ui.wait_text(
        "#scorecard-table .scorecard-kpi[data-kpi='first_time_fix']",
        "50.0%",
    )
    .await?;
    assert!(
        ui.client
            .find_all(fantoccini::Locator::Css("#nav-dashboard"))
            .await?
            .is_empty(),
        "no dashboard for engineers"
    );
    ui.assert_accessible("the engineer's scorecard").await?;
    ui.screenshot("app-scorecard").await?;
    ui.close_clean().await?;

    // Wang, who finished nothing, sees nothing of chen's.
    let ui = Session::chromium(390, 844).await?;
    ui.sign_in(&crew.server.url("/app/?lang=en"), "wang")
        .await?;
    ui.click("#nav-scorecard").await?;
    ui.wait_text("#scorecard-jobs", "Finished jobs: 0").await?;
    ui.close_clean().await?;
    Ok(())
}

#[tokio::test]
async fn the_review_pack_carries_the_figures_targets_and_improvement_actions() {
    let crew = crew_at(monday()).await;
    let manager = manager(&crew).await;
    two_jobs_and_a_rework(&crew).await;

    // Improvement actions: made, refused when closed without what happened, moved on.
    let action = json!({
        "what": "给西湖区工程师配常用备件包", "owner": "李经理", "due": "2026-12-31",
        "kpi": "first_time_fix", "status": "planned"
    });
    let (s, _) = crew
        .desk
        .post("/api/v1/improvement-actions", action.clone())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, made) = manager
        .post("/api/v1/improvement-actions", action.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let id = made["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/improvement-actions/{id}");
    let mut done = action.clone();
    done["status"] = json!("done");
    let (s, body) = manager.put(&path, Some(1), done).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "done needs an outcome: {body}"
    );
    let mut moving = action.clone();
    moving["status"] = json!("in_progress");
    let (s, moved) = manager.put(&path, Some(1), moving.clone()).await;
    assert_eq!(
        (s, &moved["version"]),
        (StatusCode::OK, &json!(2)),
        "{moved}"
    );
    let (s, _) = manager.put(&path, Some(1), moving).await;
    assert!(
        s == StatusCode::CONFLICT || s == StatusCode::PRECONDITION_FAILED,
        "{s}"
    );
    let (_, list) = manager.get("/api/v1/improvement-actions").await;
    assert_eq!(list[0]["status"], "in_progress");

    // The November pack, in Chinese and in English, read back from the PDF.
    let r = manager
        .request(reqwest::Method::GET, "/api/v1/kpis/review?period=2026-11")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let text = fixline_tests::pdf_text(&r.bytes().await.unwrap());
    for needle in [
        "服务月度复盘 2026-11",
        "2026-10-01 – 2026-10-31",
        "一次修复率",
        "50.0%",
        "80.0%",
        "未达目标",
        "给西湖区工程师配常用备件包",
        "李经理",
        "进行中",
        "西湖区",
    ] {
        assert!(
            text.contains(needle),
            "{needle} missing from the pack:\n{text}"
        );
    }
    let english = manager
        .bytes("/api/v1/kpis/review?period=2026-Q4&lang=en")
        .await;
    let text = fixline_tests::pdf_text(&english);
    for needle in [
        "Quarterly service review 2026-Q4",
        "First-time fix",
        "In progress",
        "Below target",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    let (s, body) = manager.get("/api/v1/kpis/review?period=2026-13").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn the_figures_and_the_jobs_behind_them_export_to_csv_and_xlsx() {
    use calamine::{Data, Reader, Xlsx};
    let crew = crew_at(monday()).await;
    let manager = manager(&crew).await;
    two_jobs_and_a_rework(&crew).await;
    let q = "from=2026-11-01&to=2026-11-30&by=region";

    let csv = manager
        .bytes(&format!("/api/v1/kpis/export?{q}&format=csv&lang=en"))
        .await;
    assert!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "a BOM, so Excel reads UTF-8"
    );
    let csv = String::from_utf8(csv[3..].to_vec()).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..3], ["region", "Finished jobs", "CSAT"]);
    let ftf = header.iter().position(|h| *h == "First-time fix").unwrap();
    let west_lake: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        (west_lake[0], west_lake[1], west_lake[ftf]),
        ("西湖区", "2", "50")
    );

    let xlsx = manager
        .bytes(&format!("/api/v1/kpis/export?{q}&format=xlsx&what=jobs"))
        .await;
    let mut book = Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows[0][0], Data::String("工单号".into()));
    assert_eq!(rows.len(), 3, "a header and the two finished jobs");
    let ftf: Vec<String> = rows[1..].iter().map(|r| r[7].to_string()).collect();
    assert!(
        ftf.contains(&"0".to_owned()) && ftf.contains(&"1".to_owned()),
        "{ftf:?}"
    );

    let (s, _) = manager
        .get(&format!("/api/v1/kpis/export?{q}&format=pdf"))
        .await;
    assert!(s.is_client_error());
    let (s, _) = crew
        .desk
        .get(&format!("/api/v1/kpis/export?{q}&format=csv"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
