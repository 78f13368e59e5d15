//! On-site capture through the real UI in headless Chromium (the browser variant): pick two
//! photos, add a part, complete, sign on the canvas with pointer events, make the receipt, and
//! open it as the customer does.

use std::process::Command;

use fixline_receipt::sample;
use fixline_tests::webdriver::Session;
use fixline_tests::{Crew, chens_job, crew};
use reqwest::Method;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver; `cargo xtask test` installs and runs them"]
async fn an_engineer_photographs_bills_and_gets_a_signed_receipt_in_chromium() -> anyhow::Result<()>
{
    let crew = crew().await;
    let (job, number) = chens_job(&crew, "FX2506000654").await;
    let Crew { server, desk, .. } = &crew;
    let (s, part) = desk
        .put(
            "/api/v1/parts/CMP-220",
            None,
            serde_json::json!({"part_number": "CMP-220", "name": "压缩机启动继电器",
                "unit_price": {"amount": "186.00"}, "serial_tracked": true}),
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::OK, "{part}");
    let dir = tempfile::tempdir()?;
    let photos: Vec<String> = (1..=2)
        .map(|i| {
            let path = dir.path().join(format!("IMG_000{i}.jpg"));
            std::fs::write(&path, sample::photo_jpeg(i, 2400, 1800)).unwrap();
            path.display().to_string()
        })
        .collect();

    let browser = Session::chromium(1280, 900).await?;
    browser.client.goto(&server.url("/app/?lang=zh-CN")).await?;
    browser.fill("#username", "chen").await?;
    browser.fill("#password", fixline_tests::PASSWORD).await?;
    browser.click("#sign-in").await?;
    browser
        .click(&format!(".job-card[data-number='{number}']"))
        .await?;
    for (button, status) in [
        ("#act-accept", "已接单"),
        ("#act-start_travel", "在途"),
        ("#act-arrive", "在现场"),
    ] {
        browser.click(button).await?;
        browser.wait_text("#job-status", status).await?;
    }

    // "Take a photo" works from the keyboard: Enter on it opens the camera's file input (the
    // test stops the dialog itself and notes that it was asked for).
    browser
        .client
        .execute(
            "window.__camera = false; document.querySelector('#photo-input') \
               .addEventListener('click', e => { window.__camera = true; e.preventDefault(); }, { once: true });",
            vec![],
        )
        .await?;
    browser
        .find("#take-photo")
        .await?
        .send_keys("\u{E007}")
        .await?;
    let asked = browser
        .client
        .execute("return window.__camera", vec![])
        .await?;
    assert_eq!(asked, serde_json::json!(true), "Enter on the photo button");
    // Two photos picked at once, tagged "serial plate"; the tag stays chosen afterwards.
    browser.set_select("#photo-tag", "serial_plate").await?;
    browser.fill("#photo-caption", "压缩机铭牌").await?;
    browser
        .find("#photo-input")
        .await?
        .send_keys(&photos.join("\n"))
        .await?;
    browser
        .find("#photo-list li:nth-child(2) img[src^='blob:']")
        .await?;
    assert_eq!(value(&browser, "#photo-tag").await?, "serial_plate");

    // One part picked from the parts list by its number: name and price come with it.
    browser.click("#add-part").await?;
    browser.fill(".part-number", "CMP-220").await?;
    browser.click(".part-qty").await?;
    browser.wait_attr(".part-price", "value", "186.00").await?;
    browser.fill(".part-serials", "SR2026110071").await?;
    // Nothing typed on the job is lost by a look at another screen: the part line, unsaved.
    away_and_back(&browser, &number).await?;
    assert_eq!(value(&browser, ".part-number").await?, "CMP-220");
    assert_eq!(value(&browser, ".part-serials").await?, "SR2026110071");
    browser.click("#save-parts").await?;
    browser.wait_text(".message", "配件已保存").await?;
    browser.screenshot("browser-capture-1280x900").await?;
    // At phone width the part line is readable: the name field spans the card.
    browser.client.set_window_size(390, 844).await?;
    let width = browser
        .client
        .execute(
            "return document.querySelector('.part-name').getBoundingClientRect().width",
            vec![],
        )
        .await?;
    assert!(
        width.as_f64().unwrap_or(0.0) >= 250.0,
        "part name {width} px wide at 390"
    );
    browser
        .assert_touch_targets("photos, parts and signature at 390 px")
        .await?;
    browser.client.set_window_size(1280, 900).await?;

    browser.click("#act-complete").await?;
    browser
        .fill("#summary", "更换启动继电器，柜温恢复 4°C")
        .await?;
    // The completion form, still open, with its summary.
    away_and_back(&browser, &number).await?;
    assert_eq!(
        value(&browser, "#summary").await?,
        "更换启动继电器，柜温恢复 4°C"
    );
    browser.click("#form-submit").await?;
    browser.wait_text("#job-status", "已完工").await?;

    // Before signing, the customer sees what they sign for.
    let to_pay = browser.wait_text("#sign-total", "应付合计").await?;
    // The customer signs with a finger: two strokes on the pad, one undone and redrawn.
    browser.fill("#signer-name", "陈静").await?;
    browser
        .draw(
            "#signature-pad",
            &[
                (-200.0, 20.0),
                (-150.0, -40.0),
                (-90.0, 40.0),
                (-30.0, -30.0),
            ],
        )
        .await?;
    browser
        .draw("#signature-pad", &[(0.0, 0.0), (60.0, 0.0)])
        .await?;
    browser.click("#sig-undo").await?;
    browser
        .draw(
            "#signature-pad",
            &[(20.0, 10.0), (90.0, -30.0), (160.0, 30.0)],
        )
        .await?;
    browser.screenshot("browser-signature-1280x900").await?;
    // A look at another screen and back: the name and both strokes are still there, drawn.
    away_and_back(&browser, &number).await?;
    browser
        .wait_attr("#signature-pad", "data-strokes", "2")
        .await?;
    assert_eq!(value(&browser, "#signer-name").await?, "陈静");
    let inked = browser
        .client
        .execute(
            "const c = document.querySelector('#signature-pad');
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n;",
            vec![],
        )
        .await?;
    assert!(inked.as_u64().unwrap_or(0) > 100, "pad redrawn: {inked}");
    browser.click("#make-receipt").await?;
    browser.find("#receipt").await?;
    browser.wait_text("#job-status", "已确认").await?;
    browser.screenshot("browser-receipt-1280x900").await?;

    let (_, order) = desk.get(&format!("/api/v1/work-orders/{job}")).await;
    assert_eq!(order["photos"].as_array().map(Vec::len), Some(2), "{order}");
    assert_eq!(order["photos"][0]["caption"], "压缩机铭牌");
    assert!(
        order["photos"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["tag"] == "serial_plate"),
        "{order}"
    );
    assert_eq!(order["bill"]["parts"][0]["serials"][0], "SR2026110071");
    assert_eq!(order["bill"]["parts"][0]["name"], "压缩机启动继电器");
    assert_eq!(order["bill"]["parts"][0]["serial_tracked"], true);
    let strokes = &order["receipt"]["sign_off"]["strokes"];
    assert_eq!(
        strokes.as_array().map(Vec::len),
        Some(2),
        "undo removed one: {strokes}"
    );
    assert!(strokes[0].as_array().unwrap().len() >= 4);
    let token = order["receipt"]["token"].as_str().unwrap().to_owned();

    // "View the receipt" opens the customer's page, which verifies it and links the PDF.
    let before = browser.client.windows().await?;
    browser.click("#view-receipt").await?;
    let mut opened = None;
    for _ in 0..50 {
        let now = browser.client.windows().await?;
        if let Some(w) = now.into_iter().find(|w| !before.contains(w)) {
            opened = Some(w);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    browser
        .client
        .switch_to_window(opened.expect("the receipt opens in a new window"))
        .await?;
    browser.wait_text("#verification", "已核验").await?;
    browser
        .screenshot("browser-customer-receipt-1280x900")
        .await?;
    let href = browser
        .find("#pdf-link")
        .await?
        .attr("href")
        .await?
        .unwrap();
    assert_eq!(href, format!("/r/{token}/receipt.pdf"));
    let pdf = server
        .anonymous()
        .request(Method::GET, &href)
        .send()
        .await?
        .bytes()
        .await?;
    let path = dir.path().join("receipt.pdf");
    std::fs::write(&path, &pdf)?;
    let text = Command::new("pdftotext").arg(&path).arg("-").output()?;
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("压缩机启动继电器") && text.contains("陈静") && text.contains(&number),
        "{text}"
    );
    // The total shown before the signature is the one printed.
    let shown = to_pay.trim_start_matches("应付合计").trim().to_owned();
    assert!(shown.starts_with('¥'), "{to_pay}");
    assert!(text.contains(&shown), "{shown} not on the receipt:\n{text}");
    let pages = Command::new("pdftoppm")
        .args(["-r", "30", "-png"])
        .arg(&path)
        .arg(dir.path().join("page"))
        .status()?;
    assert!(pages.success(), "poppler renders the receipt");
    browser.client.clone().close().await?;
    Ok(())
}

/// Back to the job list and into the job again: the job screen is drawn anew.
async fn away_and_back(browser: &Session, number: &str) -> anyhow::Result<()> {
    browser.click(".back").await?;
    browser
        .click(&format!(".job-card[data-number='{number}']"))
        .await?;
    browser.find("#actions").await?;
    Ok(())
}

/// What an input holds now.
async fn value(browser: &Session, css: &str) -> anyhow::Result<String> {
    Ok(browser
        .find(css)
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}
