//! Intake: channel keys, idempotency, and the public web form.

use fixline_tests::{TestServer, customer_with_asset};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_channel_retrying_the_same_request_creates_one_work_order() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let (_, key) = admin
        .post(
            "/api/v1/intake-keys",
            json!({"channel": "email", "label": "mail gateway"}),
        )
        .await;
    let api_key = key["api_key"].as_str().unwrap().to_owned();
    let request = json!({
        "caller": {"name": "林海燕", "phone": "138 0571 6688", "address": "滨江区江南大道 588 号", "city": "杭州市", "region": "滨江区"},
        "category": "air_conditioning",
        "symptom": "空调外机异响"
    });
    let send = |idem: &'static str| {
        server
            .anonymous()
            .http
            .post(server.url("/api/v1/intake"))
            .header("X-Api-Key", api_key.clone())
            .header("Idempotency-Key", idem)
            .json(&request)
            .send()
    };
    let (s1, first) = fixline_tests::read(send("mail-<abc@example.cn>").await.unwrap()).await;
    let (s2, again) = fixline_tests::read(send("mail-<abc@example.cn>").await.unwrap()).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(first["work_order_id"], again["work_order_id"]);
    assert_eq!(
        (first["duplicate"].as_bool(), again["duplicate"].as_bool()),
        (Some(false), Some(true))
    );
    let (s3, other) = fixline_tests::read(send("mail-<def@example.cn>").await.unwrap()).await;
    assert_eq!(s3, StatusCode::CREATED);
    assert_ne!(other["work_order_id"], first["work_order_id"]);

    // Both requests came from the same caller: one customer, one site, two jobs, channel recorded.
    let (_, customers) = admin.get("/api/v1/customers?q=林海燕").await;
    assert_eq!(customers["total"], 1, "{customers}");
    let id = customers["items"][0]["id"].as_str().unwrap();
    let (_, file) = admin.get(&format!("/api/v1/customers/{id}")).await;
    assert_eq!(file["sites"].as_array().unwrap().len(), 1);
    assert_eq!(file["work_orders"].as_array().unwrap().len(), 2);
    let (_, wo) = admin
        .get(&format!(
            "/api/v1/work-orders/{}",
            first["work_order_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (
            wo["channel"].as_str(),
            wo["status"].as_str(),
            wo["category"].as_str()
        ),
        (Some("email"), Some("new"), Some("air_conditioning"))
    );

    let bad = server
        .anonymous()
        .http
        .post(server.url("/api/v1/intake"))
        .header("X-Api-Key", "guess")
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_public_web_form_takes_a_request_once_and_keeps_input_on_error() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let fx = customer_with_asset(&admin, "杭州鲜丰生鲜超市", "FX2409001122").await;
    let http = reqwest::Client::new();
    let page = http
        .get(server.url("/intake"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("报修") && page.contains("Request service"));
    let form_id = page
        .split("name=\"form_id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let fields = [
        ("name", "王芳"),
        ("phone", "0571-8888 0001"),
        ("address", "西湖区文三路 398 号"),
        ("city", "杭州市"),
        ("region", "西湖区"),
        ("serial", fx.serial.as_str()),
        ("symptom", "冷柜不制冷 <script>"),
        ("form_id", form_id.as_str()),
    ];
    let done = http
        .post(server.url("/intake"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let done = done.text().await.unwrap();
    let number = done
        .split("id=\"number\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    assert!(number.starts_with("WO-"));
    // A double-clicked submit yields the same number.
    let again = http
        .post(server.url("/intake"))
        .form(&fields)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains(&number));
    let (_, list) = admin.get(&format!("/api/v1/work-orders?q={number}")).await;
    assert_eq!(list["total"], 1);
    assert_eq!(
        list["items"][0]["asset_id"],
        fx.asset.as_str(),
        "the serial found the asset"
    );
    let (_, wo) = admin
        .get(&format!(
            "/api/v1/work-orders/{}",
            list["items"][0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(wo["channel"], "web_form");

    let mut bad = fields;
    bad[1] = ("phone", "call me");
    bad[5] = ("serial", "");
    bad[7] = ("form_id", "another-form");
    let refused = http
        .post(server.url("/intake"))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("is not a phone number"), "{html}");
    assert!(
        html.contains("冷柜不制冷 &lt;script&gt;"),
        "what was typed is kept, escaped"
    );
}
