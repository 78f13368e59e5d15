//! The service desk's screens in headless Chromium, without the API: a job found in the work-order
//! list and triaged with a certification (which then blocks a wrong drop on the board), assigned,
//! confirmed after the engineer's visit, closed, reopened and cancelled, each with its reason; and
//! a web-form request that matched a customer on file, held until the desk files it.

use chrono::{DateTime, Utc};
use fixline_tests::webdriver::Session;
use fixline_tests::{Crew, crew_at, customer_with_asset, waiting_job};
use reqwest::StatusCode;
use serde_json::json;

/// Opens the job numbered `number` from the work-order list, in its side panel.
async fn open_in_orders(ui: &Session, number: &str) -> anyhow::Result<()> {
    ui.click("#nav-orders").await?;
    ui.set_value("#orders-search", number).await?;
    ui.click(&format!(".order-row[data-number='{number}'] .order-open"))
        .await
}

/// Waits until the work order's `field` reads `value` on the server.
async fn settles(desk: &fixline_tests::Client, id: &str, field: &str, value: &str) {
    for _ in 0..100 {
        let (_, wo) = desk.get(&format!("/api/v1/work-orders/{id}")).await;
        if wo[field] == value {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{field} of {id} never became {value}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_desk_runs_a_job_from_triage_to_closed_from_screens() -> anyhow::Result<()> {
    // Monday 30 November 2026, 10:00 in Hangzhou.
    let monday: DateTime<Utc> = "2026-11-30T02:00:00Z".parse()?;
    let Crew {
        server,
        admin,
        desk,
        chen_id,
    } = crew_at(monday).await;
    // Wang has the skill but not the refrigerant-handling certificate chen holds.
    let wang_id = fixline_tests::uncertified_engineer(&admin, "王磊", "西湖区", 4).await;
    let (id, number) = waiting_job(&desk, "西溪超市", "FXD001", "refrigeration").await;

    let ui = Session::chromium(1280, 800).await?;
    ui.sign_in(&server.url("/app/?lang=zh-CN"), "desk").await?;
    ui.find("#queue").await?;
    // Signing in as a dispatcher asks the server for what the console needs, not for every
    // job one by one.
    ui.find("#map").await?;
    let calls: u64 = serde_json::from_value(
        ui.client
            .execute(
                "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/')).length",
                vec![],
            )
            .await?,
    )?;
    assert!((1..=8).contains(&calls), "{calls} API requests at sign-in");

    // The work-order list finds the job; its panel offers triage with the requirements.
    open_in_orders(&ui, &number).await?;
    ui.wait_text("#panel-status", "新建").await?;
    ui.click("#desk-triage").await?;
    ui.set_select("#triage-priority", "P1").await?;
    ui.set_value("#triage-level", "3").await?;
    ui.set_value("#triage-certification", "制冷与空调作业证")
        .await?;
    ui.set_value("#triage-minutes", "90").await?;
    ui.click("#desk-submit").await?;
    ui.wait_text("#panel-status", "已分级").await?;
    let requirements = ui
        .wait_text("#panel-requirements", "制冷与空调作业证")
        .await?;
    assert!(
        requirements.contains("商用制冷 ≥ 3"),
        "the skill in Chinese: {requirements}"
    );
    let (_, wo) = desk.get(&format!("/api/v1/work-orders/{id}")).await;
    assert_eq!(wo["priority"], "P1");
    assert_eq!(
        wo["requirements"],
        json!({"skill": null, "level": 3, "certification": "制冷与空调作业证", "minutes": 90})
    );
    ui.screenshot("desk-orders-triaged").await?;
    // The open job is in the address: a reload lands on it again, and Back returns to it
    // from another screen.
    assert!(
        ui.client
            .current_url()
            .await?
            .fragment()
            .is_some_and(|f| f == format!("/orders/{id}"))
    );
    ui.client.refresh().await?;
    ui.wait_text("#panel-status", "已分级").await?;
    ui.click("#nav-customers").await?;
    ui.find("#customer-search").await?;
    ui.client.back().await?;
    ui.wait_text("#panel-status", "已分级").await?;

    // On the board, giving it to wang is flagged: he lacks the certificate triage asked for.
    ui.click("#nav-jobs").await?;
    let card = format!("#queue .queue-card[data-number='{number}']");
    ui.set_select(&format!("{card} .assign-to"), &wang_id)
        .await?;
    ui.click(&format!("{card} .assign")).await?;
    ui.wait_text("#placement-conflicts", "缺少资质证书").await?;
    ui.click("#cancel-placement").await?;
    let (_, wo) = desk.get(&format!("/api/v1/work-orders/{id}")).await;
    assert!(wo["assignee"].is_null(), "nothing committed: {wo}");

    // Back in the list: assign chen from the panel.
    open_in_orders(&ui, &number).await?;
    ui.click("#desk-assign").await?;
    ui.set_select("#desk-engineer", &chen_id).await?;
    ui.click("#desk-submit").await?;
    settles(&desk, &id, "status", "assigned").await;
    assert_eq!(
        desk.get(&format!("/api/v1/work-orders/{id}")).await.1["assignee"],
        chen_id.as_str()
    );

    // Chen does the job in the app (here through the API).
    let chen = server.login("chen").await;
    let site = json!({"lat": 30.2766, "lon": 120.1305});
    for step in [
        json!({"action": "accept"}),
        json!({"action": "start_travel"}),
        json!({"action": "arrive", "position": site}),
        json!({"action": "complete", "resolution": "on_site_repair", "summary": "更换启动电容", "position": site}),
    ] {
        let (s, body) = chen.act(&id, step.clone()).await;
        assert_eq!(s, StatusCode::OK, "{step}: {body}");
    }

    // The desk confirms after the return call, closes, reopens and cancels, from buttons.
    ui.wait_text("#panel-status", "已完工").await?;
    ui.click("#desk-confirm").await?;
    ui.set_value("#desk-reason", "回访：客户满意").await?;
    ui.click("#desk-submit").await?;
    ui.wait_text("#panel-status", "已确认").await?;
    ui.click("#desk-close").await?;
    ui.wait_text("#panel-status", "已关闭").await?;
    settles(&desk, &id, "status", "closed").await;
    ui.click("#desk-reopen").await?;
    ui.set_value("#desk-reason", "客户反映仍有异响").await?;
    ui.click("#desk-submit").await?;
    ui.wait_text("#panel-status", "已分级").await?;
    ui.click("#desk-cancel").await?;
    // A cancel needs its reason: the browser keeps the form until one is given.
    ui.click("#desk-submit").await?;
    ui.find("#desk-form").await?;
    ui.set_value("#desk-reason", "客户已自行更换设备").await?;
    ui.click("#desk-submit").await?;
    ui.wait_text("#panel-status", "已取消").await?;
    settles(&desk, &id, "status", "cancelled").await;
    let (_, history) = desk.get(&format!("/api/v1/work-orders/{id}/history")).await;
    let reasons: Vec<String> = history
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["event"]["action"]["reason"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(reasons, ["客户反映仍有异响", "客户已自行更换设备"]);
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.client.clone().close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn a_held_web_form_request_is_filed_by_the_desk_from_the_screen() -> anyhow::Result<()> {
    let monday: DateTime<Utc> = "2026-11-30T02:00:00Z".parse()?;
    let Crew { server, desk, .. } = crew_at(monday).await;
    let fx = customer_with_asset(&desk, "杭州鲜丰生鲜超市", "FXH001").await;
    // A stranger's web-form request naming the customer's serial.
    let http = reqwest::Client::new();
    let page = http.get(server.url("/intake")).send().await?.text().await?;
    let form_id = page
        .split("name=\"form_id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let done = http
        .post(server.url("/intake"))
        .form(&[
            ("name", "王芳"),
            ("phone", "0571-8888 0001"),
            ("address", "西湖区文三路 398 号"),
            ("city", "杭州市"),
            ("region", "西湖区"),
            ("serial", "FXH001"),
            ("symptom", "冷柜温度降不下来"),
            ("form_id", form_id.as_str()),
        ])
        .send()
        .await?
        .text()
        .await?;
    assert!(done.contains("id=\"held\""), "{done}");

    let ui = Session::chromium(1280, 800).await?;
    ui.sign_in(&server.url("/app/?lang=en"), "desk").await?;
    ui.click("#nav-orders").await?;
    ui.wait_text("#pending-intakes", "杭州鲜丰生鲜超市").await?;
    ui.wait_text("#pending-intakes .held", "冷柜温度降不下来")
        .await?;
    ui.screenshot("desk-held-request").await?;
    ui.click("#pending-intakes .pending-file").await?;
    // Filed: the request leaves the list and its job is on the customer's file, on the asset.
    ui.wait_count("#pending-intakes", 0).await?;
    let (_, file) = desk
        .get(&format!("/api/v1/customers/{}", fx.customer))
        .await;
    let jobs = file["work_orders"].as_array().unwrap();
    assert_eq!(jobs.len(), 1, "{file}");
    assert_eq!(jobs[0]["asset_id"], fx.asset.as_str());
    assert_eq!(jobs[0]["symptom"], "冷柜温度降不下来");
    ui.wait_count(
        &format!(
            ".order-row[data-number='{}']",
            jobs[0]["number"].as_str().unwrap()
        ),
        1,
    )
    .await?;
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.client.clone().close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn a_phone_agent_logs_calls_for_a_known_and_a_new_caller() -> anyhow::Result<()> {
    let monday: DateTime<Utc> = "2026-11-30T02:00:00Z".parse()?;
    let Crew { server, desk, .. } = crew_at(monday).await;
    let fx = customer_with_asset(&desk, "杭州鲜丰生鲜超市", "FXP001").await;

    let ui = Session::chromium(1280, 800).await?;
    ui.sign_in(&server.url("/app/?lang=zh-CN"), "desk").await?;
    ui.click("#nav-call").await?;
    // The caller reads out the serial on the machine's plate.
    ui.set_value("#call-search", "fxp001").await?;
    ui.click("#call-find").await?;
    ui.click(&format!(".call-match[data-customer='{}']", fx.customer))
        .await?;
    ui.wait_text("#call-customer", "杭州鲜丰生鲜超市").await?;
    ui.assert_accessible("phone intake").await?;
    ui.set_value("#call-symptom", "冷柜温度升到 10°C").await?;
    ui.set_select("#call-priority", "P2").await?;
    ui.set_value("#call-window-day", "2026-12-01").await?;
    ui.set_value("#call-window-from", "14:00").await?;
    ui.set_value("#call-window-to", "16:00").await?;
    ui.click("#call-submit").await?;
    ui.wait_text(".message", "WO-").await?;
    let (_, file) = desk
        .get(&format!("/api/v1/customers/{}", fx.customer))
        .await;
    let jobs = file["work_orders"].as_array().unwrap();
    assert_eq!(jobs.len(), 1, "{file}");
    let (_, wo) = desk
        .get(&format!(
            "/api/v1/work-orders/{}",
            jobs[0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (
            wo["channel"].as_str(),
            wo["priority"].as_str(),
            wo["site_id"].as_str(),
            wo["asset_id"].as_str()
        ),
        (
            Some("phone"),
            Some("P2"),
            Some(fx.site.as_str()),
            Some(fx.asset.as_str())
        ),
        "the only site and machine were chosen: {wo}"
    );
    assert_eq!(
        wo["requested_window"]["start"], "2026-12-01T06:00:00Z",
        "14:00 in Hangzhou"
    );

    // Talked through a reset on the phone: resolved without a visit, from the panel.
    let number = wo["number"].as_str().unwrap().to_owned();
    open_in_orders(&ui, &number).await?;
    ui.click("#desk-remote").await?;
    ui.set_value("#desk-reason", "指导客户复位温控器，已恢复制冷")
        .await?;
    ui.click("#desk-submit").await?;
    ui.wait_text("#panel-status", "已完工").await?;
    let (_, done) = desk
        .get(&format!(
            "/api/v1/work-orders/{}",
            jobs[0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(done["resolution"]["kind"], "remote_guidance", "{done}");
    assert!(done["visits"].as_array().unwrap().is_empty());
    ui.click("#nav-call").await?;

    // A new caller: nobody on file by that phone; a new customer with a new site.
    ui.set_value("#call-search", "139 5710 2233").await?;
    ui.click("#call-find").await?;
    ui.find("#call-none").await?;
    ui.click("#call-new").await?;
    ui.set_value("#call-name", "周敏").await?;
    ui.set_value("#call-phone", "139 5710 2233").await?;
    ui.set_value("#call-address", "拱墅区莫干山路 100 号")
        .await?;
    ui.set_value("#call-city", "杭州市").await?;
    ui.set_value("#call-region", "拱墅区").await?;
    ui.set_value("#call-symptom", "洗衣机不脱水").await?;
    ui.set_select("#call-category", "laundry").await?;
    ui.click("#call-submit").await?;
    let mut found = serde_json::Value::Null;
    for _ in 0..100 {
        found = desk.get("/api/v1/customers?q=13957102233").await.1;
        if found["total"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(found["total"], 1, "{found}");
    let (_, file) = desk
        .get(&format!(
            "/api/v1/customers/{}",
            found["items"][0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(file["customer"]["name"], "周敏");
    assert_eq!(file["sites"][0]["address"], "拱墅区莫干山路 100 号");
    assert_eq!(file["work_orders"][0]["category"], "laundry");
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    // The public request form, the customer's own way in, at phone size.
    ui.client.set_window_size(390, 844).await?;
    ui.client.goto(&server.url("/intake")).await?;
    ui.find("form").await?;
    ui.assert_accessible("the public request form").await?;
    ui.assert_touch_targets("the public request form at 390 px")
        .await?;
    ui.client.clone().close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn an_automatic_assignment_shows_its_reason_in_both_languages() -> anyhow::Result<()> {
    let monday: DateTime<Utc> = "2026-11-30T02:00:00Z".parse()?;
    let Crew {
        server,
        admin,
        desk,
        ..
    } = fixline_tests::crew_at_configured(monday, crate::auto_assign::refrigeration_on).await;
    crate::auto_assign::junior(&admin).await;
    let (_, number) = waiting_job(&desk, "西溪超市", "FXR001", "refrigeration").await;

    let ui = Session::chromium(1280, 800).await?;
    ui.sign_in(&server.url("/app/?lang=en"), "desk").await?;
    open_in_orders(&ui, &number).await?;
    ui.wait_text("#panel-status", "Assigned").await?;
    ui.wait_text(
        "#panel-history",
        "Auto-assigned to 李小明: skill level 1 (needs 1)",
    )
    .await?;
    ui.click("#lang").await?;
    ui.wait_text("#panel-history", "自动派单给 李小明").await?;
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.client.clone().close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_customer_file_edited_at_the_desk_reaches_the_engineers_device() -> anyhow::Result<()> {
    let monday: DateTime<Utc> = "2026-11-30T02:00:00Z".parse()?;
    let Crew {
        server,
        desk,
        chen_id,
        ..
    } = crew_at(monday).await;
    let fx = customer_with_asset(&desk, "杭州鲜丰生鲜超市", "FXF001").await;
    let job = fixline_tests::assigned_job(&desk, &fx, &chen_id, "冷柜不制冷").await;
    let dir = tempfile::tempdir()?;
    let device = fixline_tests::signed_in_device(&server, dir.path(), "chen").await;
    fixline_device::sync(&device, false, |_| {}).await?;

    let ui = Session::chromium(1280, 800).await?;
    ui.sign_in(&server.url("/app/?lang=zh-CN"), "desk").await?;
    ui.click("#nav-customers").await?;
    ui.set_value("#customer-search", "0571 8888 0001").await?;
    ui.click("#customer-find").await?;
    ui.click(&format!(".customer-open[data-customer='{}']", fx.customer))
        .await?;
    ui.wait_text("#customer-name", "杭州鲜丰生鲜超市").await?;
    // The shop moved next door, with a new gate code; the position typed from a map app.
    let site = format!(".site[data-site='{}']", fx.site);
    ui.click(&format!("{site} .site-edit")).await?;
    ui.set_value(
        &format!("{site} .site-address-input"),
        "西湖区文三路 400 号",
    )
    .await?;
    ui.set_value(&format!("{site} .site-notes"), "后门进，门禁 4321")
        .await?;
    ui.set_value(&format!("{site} .site-lat"), "30.2770")
        .await?;
    ui.set_value(&format!("{site} .site-lon"), "120.1310")
        .await?;
    ui.click(&format!("{site} .site-save")).await?;
    ui.wait_text(&format!("{site} .site-address"), "文三路 400 号")
        .await?;
    // The file's map shows the site where it now is.
    ui.find("#customer-file path.marker-site").await?;
    // Placed by hand: a click on the edit form's map, up and right of the site, moves it
    // north-east (the map opens on the site); the fields show the position clicked.
    ui.click(&format!("{site} .site-edit")).await?;
    ui.find(&format!("{site} .site-form path.marker-picked"))
        .await?;
    ui.draw(&format!("{site} .site-form .site-map"), &[(60.0, -40.0)])
        .await?;
    ui.wait_js(&format!(
        "return document.querySelector(\"{site} .site-lat\").value !== '30.2770'"
    ))
    .await?;
    ui.click(&format!("{site} .site-save")).await?;
    let mut moved = None;
    for _ in 0..50 {
        let (_, f) = desk
            .get(&format!("/api/v1/customers/{}", fx.customer))
            .await;
        let p = f["sites"][0]["position"].clone();
        if p["lat"].as_f64() != Some(30.277) {
            moved = Some((p["lat"].as_f64().unwrap(), p["lon"].as_f64().unwrap()));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (lat, lon) = moved.expect("the site placed on the map was saved");
    assert!(
        lat > 30.277 && lat < 30.29 && lon > 120.131 && lon < 120.145,
        "clicked up and right of the site: {lat}, {lon}"
    );
    // A bad position is refused with a message, and nothing changes.
    ui.click(&format!("{site} .site-edit")).await?;
    ui.set_value(&format!("{site} .site-lat"), "north").await?;
    ui.click(&format!("{site} .site-save")).await?;
    ui.wait_text(".message.error", "经纬度须为数字").await?;
    // A contact whose name is only spaces is refused by the server, and said in the user's
    // language (not the server's English).
    ui.set_value(".contact-form .contact-name", "   ").await?;
    ui.click(".contact-form .contact-save").await?;
    let said = ui
        .wait_text(".message.error", "填写的内容有不符合要求的地方")
        .await?;
    assert!(!said.contains("must"), "{said}");
    // A new contact to call, shown with tap-to-call; then the number corrected.
    ui.set_value(".contact-form .contact-name", "赵店长")
        .await?;
    ui.set_value(".contact-form .contact-phone", "139 0000 1234")
        .await?;
    ui.click(".contact-form .contact-save").await?;
    ui.wait_text(".contacts", "赵店长").await?;
    let (_, file) = desk
        .get(&format!("/api/v1/customers/{}", fx.customer))
        .await;
    let zhao = file["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "赵店长")
        .expect("the new contact on file")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let contact = format!(".contact[data-contact='{zhao}']");
    ui.click(&format!("{contact} .contact-edit")).await?;
    ui.set_value(&format!("{contact} .contact-phone"), "139 0000 5678")
        .await?;
    ui.click(&format!("{contact} .contact-save")).await?;
    ui.wait_text(&format!("{contact} a.tel"), "139 0000 5678")
        .await?;
    // The machine's warranty was extended by a contract: edited, not re-added.
    let asset = format!(".asset[data-asset='{}']", fx.asset);
    ui.click(&format!("{asset} .asset-edit")).await?;
    ui.set_value(&format!("{asset} .asset-warranty"), "2029-06-30")
        .await?;
    ui.click(&format!("{asset} .asset-save")).await?;
    ui.wait_text(&format!("{asset} .asset-warranty-shown"), "2029-06-30")
        .await?;
    // Who changed what, newest first, with the field before and after.
    ui.wait_text("#customer-history", "139 0000 1234 → 139 0000 5678")
        .await?;
    let history = ui
        .wait_text("#customer-history", "西湖区文三路 400 号")
        .await?;
    assert!(
        history.contains("地址: 西湖区文三路 398 号 → 西湖区文三路 400 号"),
        "{history}"
    );
    assert!(
        history.contains("保修截止: 2027-06-01 → 2029-06-30"),
        "{history}"
    );
    let (status, edits) = desk
        .get(&format!("/api/v1/customers/{}/history", fx.customer))
        .await;
    assert_eq!(status, 200, "{edits}");
    let edits = edits.as_array().unwrap();
    let newest = &edits[0];
    assert_eq!(newest["record"], "asset");
    assert_eq!(newest["actor"]["name"], "desk");
    assert_eq!(newest["changes"][0]["field"], "warranty_end");
    assert_eq!(newest["changes"][0]["after"], "2029-06-30");
    assert!(
        edits
            .iter()
            .any(|e| e["record"] == "contact" && e["added"] == true),
        "the added contact is in the history"
    );
    // Engineers do not read who edited the file.
    let chen = server.login("chen").await;
    let (status, _) = chen
        .get(&format!("/api/v1/customers/{}/history", fx.customer))
        .await;
    assert_eq!(status, 403);
    // The job is on the file's timeline and opens in the panel.
    let (_, wo) = desk.get(&format!("/api/v1/work-orders/{job}")).await;
    let number = wo["number"].as_str().unwrap().to_owned();
    ui.click(&format!(".customer-job[data-number='{number}']"))
        .await?;
    ui.wait_text("#order-panel", "西湖区文三路 400 号").await?;
    ui.screenshot("desk-customer-file").await?;
    ui.assert_accessible("the customer file").await?;

    let (_, site_now) = desk.get(&format!("/api/v1/sites/{}", fx.site)).await;
    assert_eq!(site_now["address"], "西湖区文三路 400 号");
    assert_eq!(
        site_now["position"]["lat"].as_f64(),
        Some(lat),
        "placed on the map"
    );
    // The engineer's device has it after the next sync.
    fixline_device::sync(&device, false, |_| {}).await?;
    let local = device.job(job.parse()?)?;
    let on_device = local.site.expect("the job's site on the device");
    assert_eq!(on_device.details.address, "西湖区文三路 400 号");
    assert_eq!(
        on_device.details.access_notes.as_deref(),
        Some("后门进，门禁 4321")
    );
    let on_device = device.customer_file(fx.customer.parse()?)?;
    assert!(
        on_device
            .contacts
            .iter()
            .any(|c| c.details.phone.as_deref() == Some("139 0000 5678")),
        "the corrected number is on the device: {:?}",
        on_device.contacts
    );
    assert_eq!(
        on_device.assets[0].details.warranty_end,
        chrono::NaiveDate::from_ymd_opt(2029, 6, 30)
    );
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.client.clone().close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_service_manager_switches_automatic_assignment_on_from_the_screen() -> anyhow::Result<()>
{
    let monday: DateTime<Utc> = "2026-11-30T02:00:00Z".parse()?;
    let Crew {
        server,
        admin,
        desk,
        ..
    } = crew_at(monday).await;
    server
        .user(
            &admin,
            "manager",
            fixline_core::role::Role::ServiceManager,
            None,
        )
        .await;
    let ui = Session::chromium(1280, 800).await?;
    ui.sign_in(&server.url("/app/?lang=en"), "manager").await?;
    ui.click("#nav-settings").await?;
    ui.click("#rule-add").await?;
    ui.set_value(".rule .rule-category", "refrigeration")
        .await?;
    ui.click("#auto-assign-save").await?;
    ui.wait_text(".message", "Saved").await?;
    let (_, settings) = desk.get("/api/v1/settings/auto-assign").await;
    assert_eq!(
        settings["policy"]["rules"],
        json!([{"category": "refrigeration", "region": null, "enabled": true}])
    );
    let (id, _) = waiting_job(&desk, "超市", "FXT001", "refrigeration").await;
    let (_, wo) = desk.get(&format!("/api/v1/work-orders/{id}")).await;
    assert_eq!(wo["status"], "assigned", "{wo}");
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.client.clone().close().await?;
    Ok(())
}

/// An administrator disables a dispatcher's login from the Users screen (who then cannot sign
/// in), enables it, gives it a new password, and reads it all in the security log, in Chinese.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_administrator_disables_and_resets_a_login_from_the_screen() -> anyhow::Result<()> {
    let monday: DateTime<Utc> = "2026-11-30T02:00:00Z".parse()?;
    let Crew { server, desk, .. } = crew_at(monday).await;
    let ui = Session::chromium(1280, 800).await?;
    ui.sign_in(&server.url("/app/?lang=zh"), "admin").await?;
    ui.click("#nav-users").await?;
    ui.wait_text("#users .user[data-user=desk] .user-state", "正常")
        .await?;
    ui.click("#users .user[data-user=desk] .user-disable")
        .await?;
    ui.wait_text("#users .user[data-user=desk] .user-state", "已停用")
        .await?;
    let (s, _) = desk.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the desk's session ended");
    ui.click("#users .user[data-user=desk] .user-enable")
        .await?;
    ui.wait_text("#users .user[data-user=desk] .user-state", "正常")
        .await?;
    ui.click("#users .user[data-user=desk] .user-reset").await?;
    ui.fill(
        "#users .user[data-user=desk] .user-new-password",
        "换一个密码-2026",
    )
    .await?;
    ui.click("#users .user[data-user=desk] .user-password-save")
        .await?;
    ui.wait_text("#security-log", "重置密码").await?;
    let log = ui.wait_text("#security-log", "停用用户").await?;
    assert!(log.contains("admin → desk"), "{log}");
    assert!(log.contains("启用用户"), "{log}");
    // Moved to complaints: another role, from the row's button; the log names the new role.
    ui.click("#users .user[data-user=desk] .user-role").await?;
    ui.set_select(
        "#users .user[data-user=desk] .role-pick",
        "complaint_handler",
    )
    .await?;
    ui.click("#users .user[data-user=desk] .user-role-save")
        .await?;
    ui.wait_text("#security-log", "更改角色").await?;
    ui.wait_text("#security-log", "投诉").await?;
    let (_, users) = server.login("admin").await.get("/api/v1/users").await;
    let role_of = |name: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == name)
            .map(|u| u["role"].clone())
    };
    assert_eq!(role_of("desk"), Some(json!("complaint_handler")));
    // A new engineer's login, tied to his engineer record, from the form.
    let wang = fixline_tests::engineer(&server.login("admin").await, "王磊", "西湖区").await;
    ui.click("#nav-jobs").await?;
    ui.click("#nav-users").await?;
    ui.fill("#new-login-username", "wang").await?;
    ui.fill("#new-login-name", "王磊").await?;
    ui.fill("#new-login-password", "wang-2026-passwort").await?;
    ui.set_select("#new-login .role-pick", "engineer").await?;
    ui.set_select("#new-login .engineer-pick", &wang).await?;
    ui.click("#new-login-create").await?;
    ui.find("#users .user[data-user=wang]").await?;
    let (_, users) = server.login("admin").await.get("/api/v1/users").await;
    let created = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "wang")
        .cloned()
        .expect("wang's login");
    assert_eq!(created["role"], "engineer");
    assert_eq!(created["engineer_id"], wang.as_str());
    // A partner's intake key, revoked from the screen.
    let (_, key) = server
        .login("admin")
        .await
        .post(
            "/api/v1/intake-keys",
            json!({"channel": "api", "label": "美团维修"}),
        )
        .await;
    assert!(key["api_key"].is_string(), "{key}");
    ui.click("#nav-jobs").await?;
    ui.click("#nav-users").await?;
    ui.wait_text("#intake-keys .intake-key .key-state", "正常")
        .await?;
    ui.click("#intake-keys .intake-key .key-revoke").await?;
    ui.wait_text("#intake-keys .intake-key .key-state", "已停用")
        .await?;
    ui.wait_text("#security-log", "停用接入密钥").await?;
    // The admin's own row offers no way to lock themselves out.
    assert!(
        ui.client
            .find_all(fantoccini::Locator::Css(
                "#users .user[data-user=admin] .user-disable"
            ))
            .await?
            .is_empty()
    );
    let login = server
        .anonymous()
        .request(reqwest::Method::POST, "/api/v1/auth/login")
        .json(&json!({"username": "desk", "password": "换一个密码-2026"}))
        .send()
        .await?;
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.client.clone().close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn the_administrator_imports_customers_from_a_csv_file_on_the_screen() -> anyhow::Result<()> {
    let monday: DateTime<Utc> = "2026-11-30T02:00:00Z".parse()?;
    let Crew { server, desk, .. } = crew_at(monday).await;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("customers.csv");
    std::fs::write(
        &file,
        "name,phone,tier\n西溪连锁超市有限公司,0571-8888 0002,standard\n,0571-8888 0003,\n",
    )?;
    let ui = Session::chromium(1280, 800).await?;
    ui.sign_in(&server.url("/app/?lang=zh"), "admin").await?;
    ui.click("#nav-users").await?;
    let table = "#file-transfer .table-transfer[data-table=customers]";
    ui.wait_text(&format!("{table} .transfer-export"), "导出")
        .await?;
    ui.client
        .find(fantoccini::Locator::Css(&format!("{table} .transfer-file")))
        .await?
        .send_keys(&file.display().to_string())
        .await?;
    let summary = ui
        .wait_text(&format!("{table} .import-summary"), "新建 1")
        .await?;
    assert!(
        summary.contains("共 2 行") && summary.contains("未导入 1"),
        "{summary}"
    );
    let refused = ui
        .wait_text(&format!("{table} .refused-row[data-line='3']"), "第 3 行")
        .await?;
    assert!(refused.contains("name"), "{refused}");
    // Filed for real: the desk finds the new customer.
    let (_, found) = desk.get("/api/v1/customers?q=%E8%A5%BF%E6%BA%AA").await;
    assert!(
        found.to_string().contains("西溪连锁超市有限公司"),
        "{found}"
    );
    // The export button hands over a file (an object URL clicked as a download, no error).
    ui.click(&format!("{table} .transfer-export")).await?;
    assert_eq!(
        ui.errors().await?,
        Vec::<String>::new(),
        "the page logged errors"
    );
    ui.client.clone().close().await?;
    Ok(())
}
