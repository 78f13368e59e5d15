//! The knowledge base (#18) end to end: written and published at the desk, its image a blob,
//! reaching an engineer's device on the next sync and found there with no server; suggested
//! beside a job with the past fixes of the same fault; "did this help?" counted; customers'
//! /help (public articles only), and what they read before asking for a visit.

use fixline_device::sync;
use fixline_tests::{
    Crew, assigned_job, crew, customer_with_asset, published_article, signed_in_device,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A real PNG (8×8), made here.
fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([0x0b, 0x6b, 0xcb]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

async fn upload(crew: &Crew, bytes: Vec<u8>) -> (StatusCode, Value) {
    let r = crew
        .desk
        .request(reqwest::Method::POST, "/api/v1/articles/images")
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    fixline_tests::read(r).await
}

/// The desk's figures of one article: reads, requests after, engineers' answers.
async fn stats_of(crew: &Crew, article: &str) -> Value {
    let (s, stats) = crew.desk.get("/api/v1/articles/stats").await;
    assert_eq!(s, StatusCode::OK, "{stats}");
    stats
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["article"] == article)
        .unwrap_or_else(|| panic!("no figures of {article}: {stats}"))
        .clone()
}

fn guide(title: &str, audience: &str, image: Option<&Value>) -> Value {
    let mut body = "1. 断电挂牌\n2. 测量启动电容".to_owned();
    let mut images = vec![];
    if let Some(img) = image {
        body.push_str(&format!(
            "\n\n![电容位置](image:{})",
            img["sha256"].as_str().unwrap()
        ));
        images.push(img.clone());
    }
    json!({"kind": "repair_guide", "language": "zh-CN", "audience": audience, "title": title,
           "symptoms": "冷柜不制冷，压缩机不启动", "fault_codes": ["RF02"],
           "models": ["FX-SC650 立式冷藏柜"], "body": body, "images": images})
}

#[tokio::test]
async fn a_published_guide_and_its_image_reach_the_device_and_are_found_offline() {
    let crew = crew().await;
    let dir = tempfile::tempdir().unwrap();
    let fx = customer_with_asset(&crew.desk, "杭州湖滨餐饮管理有限公司", "FX-KB-1").await;
    assigned_job(&crew.desk, &fx, &crew.chen_id, "冷柜不制冷").await;
    let bytes = png();
    let (s, image) = upload(&crew, bytes.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{image}");
    assert_eq!(image["media_type"], "image/png");
    // A draft: nobody but the desk sees it.
    let (s, draft) = crew
        .desk
        .post(
            "/api/v1/articles",
            guide("冷柜压缩机不启动的排查", "staff", Some(&image)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_str().unwrap().to_owned();
    let chen = signed_in_device(&crew.server, dir.path(), "chen").await;
    sync(&chen, false, |_| {}).await.unwrap();
    assert!(
        chen.find_articles("压缩机", None).unwrap().is_empty(),
        "a draft stays at the desk"
    );
    let chen_online = crew.server.login("chen").await;
    let (s, _) = chen_online.get(&format!("/api/v1/articles/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "an engineer cannot read a draft");

    // Published: the next sync brings it, with its image as a blob.
    let (s, published) = crew
        .desk
        .post_at(
            &format!("/api/v1/articles/{id}/edits"),
            1,
            json!({"edit": "publish"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{published}");
    assert_eq!(published["edition"], 1);
    sync(&chen, false, |_| {}).await.unwrap();
    // Found with no server at all: the store alone.
    let mut crew = crew;
    crew.server.stop().await;
    let found = chen.find_articles("不启动", None).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].published.as_ref().unwrap().title,
        "冷柜压缩机不启动的排查"
    );
    let (media_type, stored) = chen
        .article_image(image["sha256"].as_str().unwrap())
        .unwrap();
    assert_eq!(media_type, "image/png");
    assert_eq!(stored, bytes, "the image arrived whole");
}

#[tokio::test]
async fn the_desk_edits_drafts_and_bad_articles_are_refused_in_words() {
    let crew = crew().await;
    let chen = crew.server.login("chen").await;
    let (s, e) = chen
        .post("/api/v1/articles", guide("工程师写的", "staff", None))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, e) = upload(&crew, b"<svg onload=alert(1)>".to_vec()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["message"].as_str().unwrap().contains("PNG"), "{e}");
    let mut unknown_image = guide("图片不存在", "staff", None);
    unknown_image["body"] = json!(format!("![x](image:{})", "a".repeat(64)));
    let (s, e) = crew.desk.post("/api/v1/articles", unknown_image).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, e) = crew
        .desk
        .post(
            "/api/v1/articles",
            json!({"kind": "faq", "language": "zh-CN", "title": " ", "body": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    let article = published_article(&crew.desk, guide("第一版", "staff", None)).await;
    let id = article["id"].as_str().unwrap();
    let version = article["version"].as_u64().unwrap();
    // A new draft leaves readers with the published copy.
    let (s, edited) = crew
        .desk
        .post_at(
            &format!("/api/v1/articles/{id}/edits"),
            version,
            json!({"edit": "save_draft", "content": guide("第二版", "staff", None)}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{edited}");
    let (_, seen) = chen.get(&format!("/api/v1/articles/{id}")).await;
    assert_eq!(seen["published"]["title"], "第一版");
    assert!(
        seen.get("draft").is_none(),
        "engineers never see drafts: {seen}"
    );
    // Someone else's change meanwhile: the stale version is refused.
    let (s, _) = crew
        .desk
        .post_at(
            &format!("/api/v1/articles/{id}/edits"),
            version,
            json!({"edit": "publish"}),
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED);
    let (s, listed) = crew.desk.get("/api/v1/articles?q=第二版").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        listed["total"], 1,
        "the desk finds drafts by title: {listed}"
    );
    let (s, _) = chen.get("/api/v1/articles").await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the list with drafts is the desk's"
    );
    let (s, e) = chen.get("/api/v1/articles/search?q=x&kinds=manual").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
}

#[tokio::test]
async fn a_job_shows_the_guides_and_past_fixes_and_the_answer_counts() {
    let crew = crew().await;
    let chen = crew.server.login("chen").await;
    let guide = published_article(&crew.desk, guide("冷柜压缩机不启动的排查", "staff", None)).await;
    let article_id = guide["id"].as_str().unwrap().to_owned();
    let fx = customer_with_asset(&crew.desk, "杭州湖滨餐饮管理有限公司", "FX-KB-2").await;
    // An earlier job on the same model, fixed with code RF02 and a part.
    let before = assigned_job(&crew.desk, &fx, &crew.chen_id, "压缩机不启动").await;
    for step in [
        json!({"action": "accept"}),
        json!({"action": "start_travel"}),
        json!({"action": "arrive"}),
        json!({"action": "record_bill", "bill": {"parts": [{"part_number": "RLY-1", "name": "启动继电器",
            "quantity": "1", "unit_price": {"amount": "45.00"}}], "labour": []}}),
        json!({"action": "complete", "resolution": "on_site_repair", "summary": "更换启动继电器后恢复",
               "fault_code": "RF02", "cause_code": "C01", "resolution_code": "R01"}),
    ] {
        let (s, b) = chen.act(&before, step.clone()).await;
        assert_eq!(s, StatusCode::OK, "{step}: {b}");
    }
    let job = assigned_job(&crew.desk, &fx, &crew.chen_id, "冷柜又不制冷了").await;
    let (s, help) = chen.get(&format!("/api/v1/work-orders/{job}/help")).await;
    assert_eq!(s, StatusCode::OK, "{help}");
    assert_eq!(help["suggested"][0]["id"], article_id.as_str(), "{help}");
    let fix = &help["past_fixes"][0];
    assert_eq!(fix["summary"], "更换启动继电器后恢复", "{help}");
    assert_eq!(fix["fault_code"], "RF02");
    assert_eq!(fix["parts"][0], "启动继电器 × 1");
    // The engineer says it helped: the job keeps the answer, the article counts it once.
    let (s, b) = chen.act(&job, json!({"action": "accept"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for _ in 0..2 {
        let (s, b) = chen
            .act(
                &job,
                json!({"action": "rate_article", "article": article_id, "helpful": true}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let row = stats_of(&crew, &article_id).await;
    assert_eq!(
        (row["helpful"].as_u64(), row["not_helpful"].as_u64()),
        (Some(1), Some(0))
    );
    // Changing one's mind moves the count, it does not add one.
    let (s, _) = chen
        .act(
            &job,
            json!({"action": "rate_article", "article": article_id, "helpful": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let row = stats_of(&crew, &article_id).await;
    assert_eq!(
        (row["helpful"].as_u64(), row["not_helpful"].as_u64()),
        (Some(0), Some(1))
    );
    // The desk cannot answer for the engineer.
    let (s, _) = crew
        .desk
        .act(
            &job,
            json!({"action": "rate_article", "article": article_id, "helpful": true}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The guide helped after all and the job is fixed on the first visit: the KPIs count it
    // with the guided jobs; the earlier job (no guide) with the others, and as not fixed the
    // first time, since its machine came back.
    let (s, b) = chen
        .act(
            &job,
            json!({"action": "rate_article", "article": article_id, "helpful": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    for step in [
        json!({"action": "start_travel"}),
        json!({"action": "arrive"}),
        json!({"action": "complete", "resolution": "on_site_repair", "summary": "按指南复位保护器",
               "fault_code": "RF02", "cause_code": "C01", "resolution_code": "R01"}),
    ] {
        let (s, b) = chen.act(&job, step.clone()).await;
        assert_eq!(s, StatusCode::OK, "{step}: {b}");
    }
    let manager = crew
        .server
        .user(
            &crew.admin,
            "manager",
            fixline_core::role::Role::ServiceManager,
            None,
        )
        .await;
    // Today in the service area, with a day either side (midnight may pass meanwhile).
    let today = fixline_core::zone::ServiceArea::default()
        .zone_of("西湖区")
        .local_day(chrono::Utc::now());
    let (s, k) = manager
        .get(&format!(
            "/api/v1/kpis?from={}&to={}",
            today - chrono::Days::new(1),
            today + chrono::Days::new(1)
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{k}");
    let ratio = |kpi: &str| {
        let r = &k["total"][kpi];
        (r["numerator"].as_u64(), r["denominator"].as_u64())
    };
    assert_eq!(ratio("first_time_fix_guided"), (Some(1), Some(1)), "{k}");
    assert_eq!(ratio("first_time_fix_unguided"), (Some(0), Some(1)), "{k}");
}

/// A browser that does not follow redirects (the visitor's cookie is carried by hand).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `name=value` of the visitor cookie a page set.
fn visitor_cookie(r: &reqwest::Response) -> String {
    let set = r
        .headers()
        .get("set-cookie")
        .expect("a visitor cookie")
        .to_str()
        .unwrap();
    set.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn help_shows_public_articles_only_and_counts_reads_before_a_request() {
    let crew = crew().await;
    let bytes = png();
    let (_, image) = upload(&crew, bytes.clone()).await;
    let public = published_article(
        &crew.desk,
        json!({"kind": "faq", "language": "zh-CN", "audience": "public",
               "title": "冷柜不制冷怎么办", "symptoms": "冷柜不冷", "body": format!("1. 检查电源\n\n![插头](image:{})", image["sha256"].as_str().unwrap()),
               "images": [image]}),
    )
    .await;
    let staff =
        published_article(&crew.desk, guide("冷柜不制冷：内部维修步骤", "staff", None)).await;
    let browser = browser();
    let page = |path: &str| browser.get(crew.server.url(path)).send();
    let html = page("/help?q=不制冷").await.unwrap().text().await.unwrap();
    assert!(html.contains("冷柜不制冷怎么办"), "{html}");
    assert!(
        !html.contains("内部维修步骤"),
        "a staff article is not public"
    );
    let r = page(&format!("/help/a/{}", staff["id"].as_str().unwrap()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let suggest: Value = page("/help/suggest?q=不冷")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(suggest[0]["title"], "冷柜不制冷怎么办", "{suggest}");
    assert_eq!(suggest.as_array().unwrap().len(), 1, "{suggest}");
    // The public image, and nothing of the staff side.
    let r = page(&format!(
        "/help/images/{}",
        image["sha256"].as_str().unwrap()
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().to_vec(), bytes);
    // Read, then ask for a visit anyway: the read is counted as followed by a request.
    let r = page(&format!(
        "/help/a/{}?lang=en",
        public["id"].as_str().unwrap()
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = visitor_cookie(&r);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<ol>"),
        "the Markdown body is rendered: {html}"
    );
    assert!(html.contains("Request service"), "English words: {html}");
    let r = browser
        .post(crew.server.url("/intake"))
        .header("cookie", &cookie)
        .form(&[
            ("name", "王女士"),
            ("phone", "13800138000"),
            ("address", "文三路 1 号"),
            ("city", "杭州市"),
            ("region", "西湖区"),
            ("symptom", "冷柜还是不冷"),
            ("form_id", "kb-1"),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    // Another visitor reads and does not ask.
    let r = page(&format!("/help/a/{}", public["id"].as_str().unwrap()))
        .await
        .unwrap();
    assert_ne!(visitor_cookie(&r), cookie, "each visitor is their own");
    let row = stats_of(&crew, public["id"].as_str().unwrap()).await;
    assert_eq!(
        (row["reads"].as_u64(), row["then_requested"].as_u64()),
        (Some(2), Some(1)),
        "{row}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn a_customer_is_offered_articles_while_typing_and_searches_help() -> anyhow::Result<()> {
    use fixline_tests::webdriver::Session;
    let crew = crew().await;
    published_article(
        &crew.desk,
        json!({"kind": "faq", "language": "zh-CN", "audience": "public",
               "title": "冷柜不制冷怎么办", "symptoms": "冷柜不冷，温度降不下来",
               "body": "1. 检查电源插头\n2. 清洁冷凝器"}),
    )
    .await;
    published_article(&crew.desk, guide("冷柜不制冷：内部维修步骤", "staff", None)).await;
    let ui = Session::chromium(412, 900).await?;
    ui.client.goto(&crew.server.url("/intake")).await?;
    ui.watch_errors().await?;
    ui.fill("#symptom", "家里冷柜不冷了").await?;
    ui.wait_text("#suggestions", "冷柜不制冷怎么办").await?;
    let offered = ui.find("#suggestions").await?.text().await?;
    assert!(
        !offered.contains("内部维修步骤"),
        "a staff article is never offered: {offered}"
    );
    ui.screenshot("intake-suggests-an-article-412").await?;
    // Self-service: the help page's search, the article itself.
    ui.client.goto(&crew.server.url("/help")).await?;
    ui.fill("input[name=q]", "不制冷").await?;
    ui.click("form[role=search] button").await?;
    ui.wait_text("#results", "冷柜不制冷怎么办").await?;
    let results = ui.find("#results").await?.text().await?;
    assert!(!results.contains("内部维修步骤"), "{results}");
    ui.click("#results a").await?;
    ui.wait_text("article h1", "冷柜不制冷怎么办").await?;
    ui.wait_count("article ol li", 2).await?;
    ui.screenshot("help-article-412").await?;
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
async fn the_desk_writes_and_publishes_an_article_and_answers_a_caller_with_it()
-> anyhow::Result<()> {
    use fixline_tests::webdriver::Session;
    let crew = crew().await;
    let dir = tempfile::tempdir()?;
    let picture = dir.path().join("condenser.png");
    std::fs::write(&picture, png())?;
    let ui = Session::chromium(1280, 900).await?;
    ui.sign_in(&crew.server.url("/app/?lang=zh-CN"), "desk")
        .await?;
    ui.click("#nav-articles").await?;
    ui.set_select("#article-kind", "faq").await?;
    ui.set_select("#article-audience", "public").await?;
    ui.fill("#article-title-input", "冷柜不冷先检查什么")
        .await?;
    ui.fill("#article-symptoms", "冷柜不冷").await?;
    ui.fill("#article-models", "FX-SC650 立式冷藏柜").await?;
    ui.fill("#article-body-input", "1. 检查电源\n2. 清洁冷凝器")
        .await?;
    // The preview follows the Markdown as it is typed.
    ui.wait_count("#article-preview ol li", 2).await?;
    ui.find("#article-image")
        .await?
        .send_keys(&picture.display().to_string())
        .await?;
    ui.wait_js(
        "return document.querySelector('#article-preview img')?.src.startsWith('blob:') === true",
    )
    .await?;
    ui.assert_accessible("the article editor").await?;
    ui.screenshot("desk-article-editor").await?;
    ui.click("#article-publish").await?;
    ui.wait_text("#articles-table", "已发布").await?;
    let (_, listed) = crew.desk.get("/api/v1/articles?state=published").await;
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(
        listed["items"][0]["published"]["images"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // Customers see it at once.
    let help = reqwest::get(crew.server.url("/help?q=不冷"))
        .await?
        .text()
        .await?;
    assert!(help.contains("冷柜不冷先检查什么"), "{help}");
    // A caller describes the fault: the answer is beside the form.
    ui.click("#nav-call").await?;
    ui.fill("#call-symptom", "冷柜不冷").await?;
    ui.wait_text("#phone-answers", "冷柜不冷先检查什么").await?;
    ui.click("#phone-answers .phone-answer").await?;
    ui.wait_count("#phone-answers #article-body ol li", 2)
        .await?;
    ui.screenshot("desk-phone-answers").await?;
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
async fn an_engineer_opens_a_suggested_guide_from_the_job_and_says_it_helped() -> anyhow::Result<()>
{
    use fixline_tests::webdriver::Session;
    let crew = crew().await;
    let article =
        published_article(&crew.desk, guide("冷柜压缩机不启动的排查", "staff", None)).await;
    let (job, _) = fixline_tests::chens_job(&crew, "FX-KB-UI").await;
    let ui = Session::chromium(412, 900).await?;
    ui.sign_in(
        &crew.server.url(&format!("/app/?lang=zh-CN#/jobs/{job}")),
        "chen",
    )
    .await?;
    ui.click("#act-accept").await?;
    ui.wait_attr("#job-status", "data-status", "accepted")
        .await?;
    ui.click("#job-help .kb-result").await?;
    ui.wait_text("#article-title", "冷柜压缩机不启动的排查")
        .await?;
    ui.click("#helped-yes").await?;
    // In the browser it is on the server at once, and the screen says only that.
    ui.wait_text(".message", "已保存").await?;
    let message = ui.find(".message").await?.text().await?;
    assert!(
        !message.contains("同步"),
        "nothing is queued in a browser: {message}"
    );
    let (_, order) = crew.desk.get(&format!("/api/v1/work-orders/{job}")).await;
    assert_eq!(order["articles_used"][0]["article"], article["id"]);
    ui.assert_touch_targets("the article on a phone").await?;
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.close_clean().await?;
    Ok(())
}
