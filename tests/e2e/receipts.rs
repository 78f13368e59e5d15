//! Photos, the signed receipt and the customer's link, over HTTP against the real server: the
//! browser variant (the server makes and seals the receipt), a device-sealed receipt (verified
//! only once the device's key is registered), tampering, and e-mail over real SMTP.

use std::process::Command;

use fixline_core::customer::Language;
use fixline_core::receipt::{
    ReceiptRecord, Seal, SealStatement, SignOff, Signature, device_public_key, sha256_hex,
};
use fixline_receipt::sample;
use fixline_tests::smtp::SmtpSink;
use fixline_tests::{Client, Crew, chens_job, crew_configured, pdf_text, read};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn signature() -> SignOff {
    SignOff::Signed(Signature {
        signer_name: "陈静".into(),
        signed_at: chrono::Utc::now(),
        width: 400.0,
        height: 150.0,
        strokes: vec![vec![[20.0, 100.0], [60.0, 30.0], [120.0, 110.0]]],
    })
}

async fn on_site(crew: &Crew, chen: &Client) -> String {
    let (job, _) = chens_job(crew, "SC650-RCPT").await;
    for action in ["accept", "start_travel", "arrive"] {
        let (s, b) = chen.act(&job, json!({ "action": action })).await;
        assert_eq!(s, StatusCode::OK, "{action}: {b}");
    }
    job
}

async fn complete_with_bill(chen: &Client, job: &str) {
    let bill = json!({"action": "record_bill", "bill": {
        "parts": [{"part_number": "CMP-220", "name": "压缩机启动继电器", "quantity": "1",
                   "unit_price": {"amount": "186.00"}, "serials": ["SR1"]}],
        "labour": [{"description": "上门维修", "minutes": 60, "hourly_rate": {"amount": "120"}}]
    }});
    let (s, b) = chen.act(job, bill).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = chen
        .act(
            job,
            json!({"action": "complete", "resolution": "on_site_repair", "summary": "更换启动继电器，柜温恢复 4°C"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

async fn upload_photo(chen: &Client, job: &str, seed: u8, tag: &str) -> Value {
    let jpeg = sample::photo_jpeg(seed, 3000, 2000);
    let r = chen
        .request(
            Method::POST,
            &format!(
                "/api/v1/work-orders/{job}/photos?tag={tag}&caption=%E5%8E%8B%E7%BC%A9%E6%9C%BA"
            ),
        )
        .body(jpeg)
        .send()
        .await
        .unwrap();
    let (s, b) = read(r).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

fn pdf_images(pdf: &[u8]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdfimages")
        .arg("-list")
        .arg(&path)
        .output()
        .expect("pdfimages");
    // Two header lines, then one line per image (and one per soft mask, which is not counted).
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(2)
        .filter(|l| l.split_whitespace().nth(2) == Some("image"))
        .count()
}

#[tokio::test]
async fn browser_engineer_signs_and_the_customer_link_verifies_and_is_emailed() {
    let mut sink = SmtpSink::start().await;
    let port = sink.port;
    let logo_dir = tempfile::tempdir().unwrap();
    let logo = logo_dir.path().join("logo.png");
    {
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD
            .decode(sample::logo_png_base64())
            .unwrap();
        std::fs::write(&logo, png).unwrap();
    }
    let crew = crew_configured(move |c| {
        c.receipts.logo = Some(logo);
        c.mail = Some(fixline_server::config::MailConfig {
            smtp_host: "127.0.0.1".into(),
            smtp_port: port,
            from: "Fixline 售后 <service@fixline.test>".into(),
            security: fixline_server::config::MailSecurity::None,
            username: None,
            password: None,
            ca_file: None,
        });
    })
    .await;
    let chen = crew.server.login("chen").await;
    let job = on_site(&crew, &chen).await;
    upload_photo(&chen, &job, 1, "before").await;
    let wo = upload_photo(&chen, &job, 2, "after").await;
    assert_eq!(wo["photos"].as_array().unwrap().len(), 2);
    // The photo is the job's: its engineer and the desk see it, another engineer does not.
    let photo = format!(
        "/api/v1/blobs/{}/content",
        wo["photos"][0]["sha256"].as_str().unwrap()
    );
    let wang_id = fixline_tests::engineer(&crew.admin, "王磊", "西湖区").await;
    let wang = crew
        .server
        .user(
            &crew.admin,
            "wang",
            fixline_core::role::Role::Engineer,
            Some(&wang_id),
        )
        .await;
    for (who, expected) in [
        (&chen, StatusCode::OK),
        (&crew.desk, StatusCode::OK),
        (&wang, StatusCode::NOT_FOUND),
    ] {
        let status = who
            .request(Method::GET, &photo)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, expected);
    }
    assert_eq!(wo["photos"][0]["caption"], "压缩机");
    complete_with_bill(&chen, &job).await;

    let (s, wo) = chen
        .post(
            &format!("/api/v1/work-orders/{job}/receipt"),
            json!({"sign_off": signature()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{wo}");
    assert_eq!(wo["status"], "confirmed");
    let token = wo["receipt"]["token"].as_str().unwrap().to_owned();
    let number = wo["receipt"]["number"].as_str().unwrap().to_owned();

    let (s, manifest) = chen
        .get(&format!("/api/v1/work-orders/{job}/manifest"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(manifest["missing"], 0, "{manifest}");

    // The customer's link: no login, the page says it verifies, the PDF is the receipt.
    let customer = crew.server.anonymous();
    let page = customer
        .request(Method::GET, &format!("/r/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains(r#"data-state="verified""#), "{page}");
    assert!(page.contains(&number) && page.contains("¥"), "{page}");
    let pdf = customer.bytes(&format!("/r/{token}/receipt.pdf")).await;
    let text = pdf_text(&pdf);
    for expected in [
        "服务回执",
        number.as_str(),
        "杭州湖滨餐饮管理有限公司",
        "陈静",
        "¥",
    ] {
        assert!(text.contains(expected), "{expected:?} not in\n{text}");
    }
    assert_eq!(
        pdf_images(&pdf),
        3,
        "the logo and both photos are in the PDF"
    );
    let signature = customer
        .request(Method::GET, &format!("/r/{token}/signature.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(signature.headers()["content-type"], "image/png");
    let png = signature.bytes().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "the signature as a PNG");
    assert!(page.contains("signature.png"));

    // E-mail over SMTP with the PDF attached.
    let (s, sent) = chen
        .post(
            &format!("/api/v1/work-orders/{job}/receipt/email"),
            json!({"to": "chen.jing@example.cn"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{sent}");
    let delivered = tokio::time::timeout(std::time::Duration::from_secs(10), sink.messages.recv())
        .await
        .expect("delivered in time")
        .expect("a message");
    assert!(delivered.to[0].contains("chen.jing@example.cn"));
    let message = mail_parser::MessageParser::default()
        .parse(&delivered.data)
        .expect("a MIME message");
    assert!(message.subject().unwrap().contains(&number));
    assert!(
        message
            .body_text(0)
            .unwrap()
            .contains(&format!("/r/{token}"))
    );
    let attachment = message.attachments().next().expect("the PDF is attached");
    assert_eq!(attachment.contents(), pdf.as_slice());

    // A changed file on the server no longer verifies.
    let sha = wo["receipt"]["pdf_sha256"].as_str().unwrap();
    let blob = format!(
        "{}.blobs/{}/{}",
        crew.server.db_path.display(),
        &sha[..2],
        sha
    );
    let mut forged = std::fs::read(&blob).expect("the receipt's blob file");
    let at = forged.len() / 2;
    forged[at] ^= 0x20;
    std::fs::write(&blob, forged).unwrap();
    let (_, verdict) = customer.get(&format!("/r/{token}/verification")).await;
    assert_eq!(
        verdict,
        json!({"state": "failed", "problem": "document_changed"})
    );

    let (s, _) = customer.get("/r/0123456789abcdef0123456789abcdef").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_device_sealed_receipt_verifies_only_with_the_devices_registered_key() {
    let crew = crew_configured(|_| {}).await;
    let chen = crew.server.login("chen").await;
    let job = on_site(&crew, &chen).await;
    complete_with_bill(&chen, &job).await;

    // What a device does offline: render, seal with its own key, then sync the record and file.
    let (_, wo) = chen.get(&format!("/api/v1/work-orders/{job}")).await;
    let secret = [42u8; 32];
    let pdf = format!("%PDF-1.7 receipt for {job}").into_bytes();
    let sign_off = signature();
    let number = format!("R-{}-1", wo["number"].as_str().unwrap());
    let record = ReceiptRecord {
        number: number.clone(),
        language: Language::ZhCn,
        token: "00112233445566778899aabbccddeeff".into(),
        pdf_sha256: sha256_hex(&pdf),
        pdf_bytes: pdf.len() as u64,
        total: None,
        sign_off: sign_off.clone(),
        seal: Seal::sign(
            SealStatement {
                work_order_id: serde_json::from_value(wo["id"].clone()).unwrap(),
                receipt_number: number,
                pdf_sha256: sha256_hex(&pdf),
                sign_off_sha256: sign_off.digest(),
                sealed_at: chrono::Utc::now(),
                position: None,
            },
            &secret,
        ),
    };
    // A seal whose key is not registered to chen is refused when it arrives; the app registers
    // its key before it pushes.
    let (s, b) = chen
        .act(&job, json!({"action": "sign_receipt", "receipt": record}))
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_device")),
        "{b}"
    );
    let (s, b) = chen
        .post(
            "/api/v1/devices",
            json!({"public_key": device_public_key(&secret), "name": "Tab"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    let (s, b) = chen
        .act(&job, json!({"action": "sign_receipt", "receipt": record}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let customer = crew.server.anonymous();
    let verification = "/r/00112233445566778899aabbccddeeff/verification";
    let (_, v) = customer.get(verification).await;
    assert_eq!(v["state"], "awaiting_upload", "{v}");

    // The file arrives in two chunks, the second retried after a cut.
    let sha = sha256_hex(&pdf);
    let total = pdf.len();
    let put = |offset: usize, chunk: Vec<u8>| {
        chen.request(
            Method::PUT,
            &format!("/api/v1/blobs/{sha}?offset={offset}&total={total}"),
        )
        .body(chunk)
        .send()
    };
    let (s, st) = read(put(0, pdf[..10].to_vec()).await.unwrap()).await;
    assert_eq!((s, st["received"].as_u64()), (StatusCode::OK, Some(10)));
    let (s, _) = read(put(0, pdf[..10].to_vec()).await.unwrap()).await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "a repeated chunk is refused with where to resume"
    );
    let (s, st) = read(put(10, pdf[10..].to_vec()).await.unwrap()).await;
    assert_eq!(
        (s, st["complete"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{st}"
    );

    let (_, v) = customer.get(verification).await;
    assert_eq!(v["state"], "verified", "{v}");
    assert!(v["sealed_by"].as_str().unwrap().contains("chen"), "{v}");

    // The tablet is lost and its key revoked: what it sealed before still verifies.
    let (s, _) = crew
        .admin
        .post(
            &format!("/api/v1/devices/{}/revoke", device_public_key(&secret)),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, v) = customer.get(verification).await;
    assert_eq!(v["state"], "verified", "{v}");

    // Someone else cannot claim the device's key.
    let desk = &crew.desk;
    let (s, _) = desk
        .post(
            "/api/v1/devices",
            json!({"public_key": device_public_key(&secret)}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

/// The customer's page for a job says where their complaint about it stands, in their words.
#[tokio::test]
async fn the_customer_page_says_where_their_complaint_about_the_job_stands() {
    let crew = crew_configured(|_| {}).await;
    let chen = crew.server.login("chen").await;
    let job = on_site(&crew, &chen).await;
    upload_photo(&chen, &job, 1, "before").await;
    upload_photo(&chen, &job, 2, "after").await;
    complete_with_bill(&chen, &job).await;
    let (s, wo) = chen
        .post(
            &format!("/api/v1/work-orders/{job}/receipt"),
            json!({"sign_off": signature()}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{wo}");
    let token = wo["receipt"]["token"].as_str().unwrap().to_owned();
    let customer = crew.server.anonymous();
    let page = || async {
        let response = customer
            .request(Method::GET, &format!("/r/{token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.text().await.unwrap()
    };
    assert!(
        !page().await.contains(r#"id="complaints""#),
        "no complaint yet"
    );

    let handler = crew
        .server
        .user(
            &crew.admin,
            "hu",
            fixline_core::role::Role::ComplaintHandler,
            None,
        )
        .await;
    let (s, c) = handler
        .post(
            "/api/v1/complaints",
            json!({"customer_id": wo["customer_id"], "work_orders": [job], "channel": "phone",
                   "category": "noise", "severity": "low", "summary": "修好以后压缩机有异响"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let shown = page().await;
    assert!(shown.contains(r#"data-status="received""#), "{shown}");
    assert!(shown.contains("我们已收到"), "{shown}");
    let id = c["id"].as_str().unwrap();
    let (s, c) = handler
        .post(
            &format!("/api/v1/complaints/{id}/transitions"),
            json!({"action": "resolve", "root_cause": "parts", "resolution": "更换减震垫，免费上门"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let shown = page().await;
    assert!(shown.contains(r#"data-status="resolved""#), "{shown}");
    assert!(shown.contains("处理结果：更换减震垫，免费上门"), "{shown}");
}
