//! The survey after a job (服务评价), on the customer's page behind the receipt's link: one
//! answer per job, checked and said in the customer's language, changeable for a week and then
//! not, seen by the desk, and taken down by the desk on a return call. In Chromium at phone size
//! too. And the return-visit list (回访): which finished jobs are called, and what a call does.

use chrono::{DateTime, Duration, Utc};
use fixline_tests::webdriver::Session;
use fixline_tests::{Client, Crew, TestServer, chens_job, crew_at, post_receipt, signature};
use reqwest::StatusCode;
use serde_json::json;

/// Monday 30 November 2026, 10:00 in Hangzhou.
fn monday() -> DateTime<Utc> {
    "2026-11-30T02:00:00Z".parse().unwrap()
}

/// chen does a job and the customer signs; returns the job and the receipt link's token.
async fn signed_job(crew: &Crew) -> (String, String) {
    let chen = crew.server.login("chen").await;
    let (job, _) = chens_job(crew, "SC650-SURVEY").await;
    for step in [
        json!({"action": "accept"}),
        json!({"action": "start_travel"}),
        json!({"action": "arrive"}),
        json!({"action": "complete", "resolution": "on_site_repair", "summary": "更换启动继电器"}),
    ] {
        let (s, b) = chen.act(&job, step.clone()).await;
        assert_eq!(s, StatusCode::OK, "{step}: {b}");
    }
    let token = post_receipt(&chen, &job, signature("陈静", monday())).await;
    (job, token)
}

/// Posts the survey form as a browser does, without following the redirect.
async fn answer(server: &TestServer, token: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .post(server.url(&format!("/r/{token}/survey")))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = r.text().await.unwrap();
    (status, location.unwrap_or(body))
}

async fn page(client: &Client, path: &str) -> (StatusCode, String) {
    let r = client
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The open complaints filed on exactly this job.
async fn complaints_on(admin: &Client, job: &str) -> Vec<serde_json::Value> {
    let (_, inbox) = admin.get("/api/v1/complaints").await;
    inbox
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["work_orders"] == json!([job]))
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_customer_answers_once_changes_it_within_a_week_and_the_desk_sees_it() {
    let crew = crew_at(monday()).await;
    let (job, token) = signed_job(&crew).await;
    let customer = crew.server.anonymous();
    let (s, html) = page(&customer, &format!("/r/{token}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(r#"id="survey" data-state="open""#), "{html}");
    assert!(
        html.contains("您对这次服务满意吗"),
        "in the receipt's language"
    );

    // Half an answer: said in Chinese, and what was chosen is kept.
    let (s, html) = answer(&crew.server, &token, &[("csat", "4"), ("effort", "3")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("请为每个问题选择一项"), "{html}");
    assert!(
        html.contains(r#"name="csat" value="4" required checked"#),
        "{html}"
    );
    // A score out of range (a crafted post) is refused the same way.
    let out_of_range = [
        ("csat", "9"),
        ("nps", "5"),
        ("effort", "3"),
        ("fixed", "no"),
    ];
    let (s, _) = answer(&crew.server, &token, &out_of_range).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = crew
        .desk
        .get(&format!("/api/v1/work-orders/{job}/survey"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nothing kept of refused answers");

    // Not fixed and unhappy: thanks, and a call within a working day.
    let unhappy = [
        ("csat", "2"),
        ("nps", "5"),
        ("effort", "3"),
        ("fixed", "no"),
        ("comment", " 还是不制冷 "),
    ];
    let (s, location) = answer(&crew.server, &token, &unhappy).await;
    assert_eq!(
        (s, location.as_str()),
        (StatusCode::SEE_OTHER, format!("/r/{token}/thanks").as_str())
    );
    let (_, thanks) = page(&customer, &format!("/r/{token}/thanks")).await;
    assert!(thanks.contains(r#"data-follow-up="true""#), "{thanks}");
    assert!(thanks.contains("一个工作日内给您回电"), "{thanks}");
    let (s, survey) = crew
        .desk
        .get(&format!("/api/v1/work-orders/{job}/survey"))
        .await;
    assert_eq!(s, StatusCode::OK, "{survey}");
    assert_eq!(
        (
            &survey["answer"]["csat"],
            &survey["answer"]["fixed"],
            &survey["answer"]["comment"],
            &survey["source"]
        ),
        (
            &json!(2),
            &json!(false),
            &json!("还是不制冷"),
            &json!("customer_page")
        )
    );
    // Engineers do not read their customers' verdicts here.
    let chen = crew.server.login("chen").await;
    let (s, _) = chen.get(&format!("/api/v1/work-orders/{job}/survey")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The same link the next day: the answer is on the form and can be changed.
    let (_, html) = page(&customer, &format!("/r/{token}")).await;
    assert!(html.contains(r#"data-state="answered""#), "{html}");
    assert!(html.contains("还是不制冷"), "{html}");
    let happy = [
        ("csat", "4"),
        ("nps", "9"),
        ("effort", "6"),
        ("fixed", "yes"),
    ];
    let (s, _) = answer(&crew.server, &token, &happy).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, thanks) = page(&customer, &format!("/r/{token}/thanks")).await;
    assert!(thanks.contains(r#"data-follow-up="false""#), "{thanks}");
    let (_, survey) = crew
        .desk
        .get(&format!("/api/v1/work-orders/{job}/survey"))
        .await;
    assert_eq!(
        (&survey["answer"]["nps"], &survey["revisions"]),
        (&json!(9), &json!(2))
    );

    // Eight days later the page shows the answer and no longer takes changes; the desk,
    // calling the customer, still can.
    let mut server = crew.server;
    let dir = server.stop().await;
    let later = TestServer::restart_at(&server.db_path, monday() + Duration::days(8)).await;
    let (_, html) = page(&later.anonymous(), &format!("/r/{token}")).await;
    assert!(html.contains(r#"data-state="closed""#), "{html}");
    let (s, html) = answer(&later, &token, &unhappy).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("已不能在线修改"), "{html}");
    let desk = later.login("desk").await;
    let (s, done) = desk
        .post(
            &format!("/api/v1/work-orders/{job}/return-call"),
            json!({"answer": {"csat": 5, "nps": 10, "effort": 7, "fixed": true, "comment": "回访：一切正常"},
                   "outcome": "satisfied"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["survey"]["source"], "return_call");
    assert_eq!(done["survey"]["revisions"], 3);
    // A return call follows a finished job only, and a link that is no receipt's finds nothing.
    let fx = fixline_tests::customer_with_asset(&desk, "西溪超市", "FXS-OPEN").await;
    let open = fixline_tests::assigned_job(&desk, &fx, &crew.chen_id, "冷柜不制冷").await;
    let (s, body) = desk
        .post(
            &format!("/api/v1/work-orders/{open}/return-call"),
            json!({"answer": {"csat": 5, "nps": 10, "effort": 7, "fixed": true}, "outcome": "satisfied"}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    let (s, _) = answer(&later, &"0".repeat(32), &happy).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    drop(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_customer_answers_the_survey_on_a_phone() -> anyhow::Result<()> {
    let crew = crew_at(monday()).await;
    let (job, token) = signed_job(&crew).await;
    let ui = Session::chromium(390, 844).await?;
    ui.client
        .goto(&crew.server.url(&format!("/r/{token}")))
        .await?;
    ui.find("#survey form").await?;
    ui.assert_accessible("the survey").await?;
    ui.assert_touch_targets("the survey at 390 px").await?;
    ui.client
        .execute("document.querySelector('#survey').scrollIntoView()", vec![])
        .await?;
    ui.screenshot("survey-390x844").await?;
    for choice in [
        "#survey-csat input[value='5']",
        "#survey-nps input[value='10']",
        "#survey-effort input[value='7']",
        "#survey-fixed input[value='yes']",
    ] {
        // The label is what a thumb hits; the radio inside it is hidden.
        ui.client
            .execute(
                "document.querySelector(arguments[0]).closest('label').click()",
                vec![json!(choice)],
            )
            .await?;
    }
    ui.fill("#survey-comment", "师傅很专业，谢谢").await?;
    ui.click("#survey-send").await?;
    ui.wait_text("#next", "您的评价会帮助我们改进服务").await?;
    ui.screenshot("survey-thanks-390x844").await?;
    let (_, survey) = crew
        .desk
        .get(&format!("/api/v1/work-orders/{job}/survey"))
        .await;
    assert_eq!(survey["answer"]["csat"], 5);
    assert_eq!(survey["answer"]["comment"], "师傅很专业，谢谢");
    // The desk's job panel shows the answer.
    let desk = Session::chromium(1280, 800).await?;
    desk.sign_in(&crew.server.url("/app/?lang=zh-CN"), "desk")
        .await?;
    desk.client
        .goto(&crew.server.url(&format!("/app/?lang=zh-CN#/orders/{job}")))
        .await?;
    desk.wait_text("#panel-survey", "5/5 · 10/10 · 7/7").await?;
    desk.wait_text("#panel-survey", "问题已解决").await?;
    ui.client.clone().close().await?;
    desk.client.clone().close().await?;
    Ok(())
}

#[tokio::test]
async fn the_desk_calls_back_whom_the_rules_pick_and_each_outcome_follows() {
    // No random share here: only the rules' picks are on the list.
    let crew = fixline_tests::crew_at_configured(monday(), |c| {
        c.return_visits.sample_percent = 0;
    })
    .await;
    let (urgent, _) = fixline_tests::finished_job(&crew, "FXR-P1", "P1", false).await;
    let (refused, _) = fixline_tests::finished_job(&crew, "FXR-REF", "P2", true).await;
    let (broken, token) = fixline_tests::finished_job(&crew, "FXR-BAD", "P2", false).await;
    let (fine, fine_token) = fixline_tests::finished_job(&crew, "FXR-OK", "P2", false).await;
    let not_fixed = [
        ("csat", "2"),
        ("nps", "3"),
        ("effort", "2"),
        ("fixed", "no"),
    ];
    let (s, _) = answer(&crew.server, &token, &not_fixed).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let happy = [
        ("csat", "5"),
        ("nps", "10"),
        ("effort", "7"),
        ("fixed", "yes"),
    ];
    let (s, _) = answer(&crew.server, &fine_token, &happy).await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    let chen = crew.server.login("chen").await;
    let (s, _) = chen.get("/api/v1/return-visits").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, list) = crew.desk.get("/api/v1/return-visits").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let reasons = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|d| d["work_order"] == id)
            .map(|d| d["reasons"].clone())
    };
    assert_eq!(reasons(&urgent), Some(json!(["urgent"])));
    assert_eq!(reasons(&refused), Some(json!(["signature_refused"])));
    assert_eq!(reasons(&broken), Some(json!(["not_fixed", "unhappy"])));
    assert_eq!(reasons(&fine), None, "a happy customer is not called");
    let first = &list[0];
    assert_eq!(first["phone"], "0571-8888 0001", "{first}");

    let call = |id: &str, body: serde_json::Value| {
        let desk = crew.desk.clone();
        let path = format!("/api/v1/work-orders/{id}/return-call");
        async move { desk.post(&path, body).await }
    };
    // "Satisfied" with "not fixed" is a slip, refused before anything happens.
    let (s, body) = call(
        &broken,
        json!({"answer": {"csat": 4, "nps": 8, "effort": 5, "fixed": false}, "outcome": "satisfied"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Still broken: the job is reopened and waits for a rework visit.
    let (s, done) = call(
        &broken,
        json!({"answer": {"csat": 2, "nps": 3, "effort": 2, "fixed": false},
               "outcome": "not_fixed", "note": "压缩机又停了"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "triaged");
    let (_, wo) = crew
        .desk
        .get(&format!("/api/v1/work-orders/{broken}"))
        .await;
    assert!(wo["assignee"].is_null(), "{wo}");
    assert!(
        wo["notes"].to_string().contains("压缩机又停了"),
        "the reason is on the job: {wo}"
    );
    // A complaint on the call: filed on the job, in the inbox.
    let (s, done) = call(
        &refused,
        json!({"answer": {"csat": 1, "nps": 0, "effort": 1, "fixed": true},
               "outcome": "complaint", "note": "工程师态度很差"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    let number = done["complaint_number"]
        .as_str()
        .expect("a complaint")
        .to_owned();
    let (_, inbox) = crew.admin.get("/api/v1/complaints").await;
    let filed = inbox
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == number.as_str())
        .unwrap_or_else(|| panic!("{number} not in {inbox}"));
    assert_eq!(filed["work_orders"], json!([refused]));
    assert_eq!(filed["severity"], "high");
    // Satisfied: on a signed (confirmed) job nothing more changes; off the list.
    let (s, done) = call(
        &urgent,
        json!({"answer": {"csat": 5, "nps": 9, "effort": 6, "fixed": true}, "outcome": "satisfied"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["survey"]["call"]["outcome"], "satisfied");
    assert_eq!(done["survey"]["call"]["by"], "desk");
    let (_, list) = crew.desk.get("/api/v1/return-visits").await;
    assert_eq!(list, json!([]), "every call made");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_desk_makes_a_return_call_from_the_screen() -> anyhow::Result<()> {
    let crew = fixline_tests::crew_at_configured(monday(), |c| {
        c.return_visits.sample_percent = 0;
    })
    .await;
    let (broken, token) = fixline_tests::finished_job(&crew, "FXR-UI", "P2", false).await;
    let not_fixed = [
        ("csat", "2"),
        ("nps", "4"),
        ("effort", "3"),
        ("fixed", "no"),
        ("comment", "还是不冷"),
    ];
    let (s, _) = answer(&crew.server, &token, &not_fixed).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, wo) = crew
        .desk
        .get(&format!("/api/v1/work-orders/{broken}"))
        .await;
    let number = wo["number"].as_str().unwrap().to_owned();

    let ui = Session::chromium(1280, 800).await?;
    ui.sign_in(&crew.server.url("/app/?lang=zh-CN"), "desk")
        .await?;
    ui.click("#nav-return-visits").await?;
    let item = format!("#return-visits .due-call[data-number='{number}']");
    ui.wait_text(&item, "客户说未解决").await?;
    ui.wait_text(&item, "还是不冷").await?;
    ui.assert_accessible("the return-visit list").await?;
    ui.click(&format!("{item} .call-record")).await?;
    // The form starts from what the customer answered: not fixed, so "reopen".
    let outcome = ui
        .client
        .execute(
            "return document.querySelector(arguments[0]).value",
            vec![json!(format!("{item} .call-outcome"))],
        )
        .await?;
    assert_eq!(outcome, json!("not_fixed"));
    ui.fill(&format!("{item} .call-note"), "压缩机又停机了")
        .await?;
    ui.screenshot("desk-return-call").await?;
    ui.click(&format!("{item} .call-save")).await?;
    ui.wait_text(".message", "已保存").await?;
    ui.find("#no-calls").await?;
    let (_, wo) = crew
        .desk
        .get(&format!("/api/v1/work-orders/{broken}"))
        .await;
    assert_eq!(wo["status"], "triaged", "reopened for a rework visit: {wo}");
    // The address names the screen: a reload lands on it.
    ui.client.refresh().await?;
    ui.find("#no-calls").await?;
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.client.clone().close().await?;
    Ok(())
}

/// A very unhappy answer (satisfaction 1) files a complaint by itself, once, and the customer's
/// page says where it stands.
#[tokio::test]
async fn a_very_unhappy_answer_files_one_complaint_the_customer_can_follow() {
    let crew = crew_at(monday()).await;
    let (job, token) = signed_job(&crew).await;
    let furious = [
        ("csat", "1"),
        ("nps", "0"),
        ("effort", "1"),
        ("fixed", "no"),
        ("comment", "修了两次还是坏的"),
    ];
    let (s, _) = answer(&crew.server, &token, &furious).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // Changed again (still furious): no second complaint.
    let (s, _) = answer(&crew.server, &token, &furious).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let filed = complaints_on(&crew.admin, &job).await;
    assert_eq!(filed.len(), 1, "{filed:?}");
    assert_eq!(filed[0]["channel"], "survey");
    assert_eq!(filed[0]["summary"], "修了两次还是坏的");
    let (_, survey) = crew
        .desk
        .get(&format!("/api/v1/work-orders/{job}/survey"))
        .await;
    assert_eq!(survey["complaint"], filed[0]["id"]);
    let (_, html) = page(&crew.server.anonymous(), &format!("/r/{token}")).await;
    assert!(html.contains(r#"id="complaints""#), "{html}");
}

/// The rule is the company's: here "not fixed" reopens the job for a rework visit at once, and
/// a detractor (recommendation 6 or less) files a complaint; each once per job.
#[tokio::test]
async fn by_the_rule_not_fixed_reopens_the_job_and_a_detractor_complains() {
    let crew = fixline_tests::crew_at_configured(monday(), |c| {
        c.return_visits.when_not_fixed = fixline_core::return_visit::WhenNotFixed::Rework;
        c.return_visits.complaint_at_nps = Some(6);
    })
    .await;
    let (broken, token) = fixline_tests::finished_job(&crew, "FXRULE-1", "P2", false).await;
    let not_fixed = [
        ("csat", "3"),
        ("nps", "8"),
        ("effort", "4"),
        ("fixed", "no"),
        ("comment", "门封还是漏冷"),
    ];
    let (s, _) = answer(&crew.server, &token, &not_fixed).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, wo) = crew
        .desk
        .get(&format!("/api/v1/work-orders/{broken}"))
        .await;
    assert_eq!(wo["status"], "triaged", "reopened for a rework visit: {wo}");
    assert!(wo["notes"].to_string().contains("门封还是漏冷"), "{wo}");
    let (_, survey) = crew
        .desk
        .get(&format!("/api/v1/work-orders/{broken}/survey"))
        .await;
    assert_eq!(survey["reopened"], true);
    let (_, history) = crew
        .desk
        .get(&format!("/api/v1/work-orders/{broken}/history"))
        .await;
    let reopens = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["event"]["action"]["action"] == "reopen")
        .count();
    assert_eq!(reopens, 1, "{history}");

    let (detracted, token) = fixline_tests::finished_job(&crew, "FXRULE-2", "P2", false).await;
    let detractor = [
        ("csat", "4"),
        ("nps", "5"),
        ("effort", "5"),
        ("fixed", "yes"),
    ];
    let (s, _) = answer(&crew.server, &token, &detractor).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let filed = complaints_on(&crew.admin, &detracted).await;
    assert_eq!(filed.len(), 1, "{filed:?}");
    assert_eq!(filed[0]["summary"], "客户评价：满意度 4/5，推荐 5/10");
}

/// The complaint a very unhappy answer raised shows, on its page, the job and the answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_complaint_page_shows_the_job_and_the_answer_that_raised_it() -> anyhow::Result<()> {
    let crew = crew_at(monday()).await;
    let (job, token) = signed_job(&crew).await;
    let furious = [
        ("csat", "1"),
        ("nps", "0"),
        ("effort", "1"),
        ("fixed", "no"),
        ("comment", "修了两次还是坏的"),
    ];
    let (s, _) = answer(&crew.server, &token, &furious).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, wo) = crew.desk.get(&format!("/api/v1/work-orders/{job}")).await;
    let number = wo["number"].as_str().unwrap().to_owned();
    let ui = Session::chromium(1280, 800).await?;
    ui.sign_in(&crew.server.url("/app/?lang=zh-CN"), "admin")
        .await?;
    ui.click("#nav-complaints").await?;
    ui.click(".complaint-open").await?;
    let line = format!("#complaint-jobs .complaint-job[data-number='{number}']");
    ui.wait_text(&line, "1/5 · 0/10 · 1/7").await?;
    ui.wait_text(&line, "修了两次还是坏的").await?;
    ui.assert_accessible("a complaint raised by a survey")
        .await?;
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.client.clone().close().await?;
    Ok(())
}
