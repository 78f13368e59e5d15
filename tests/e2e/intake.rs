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
    // The same caller again, on another message: the phone matches a customer on file now, so
    // the request waits for the desk instead of writing into that file on its own.
    let (s3, held) = fixline_tests::read(send("mail-<def@example.cn>").await.unwrap()).await;
    assert_eq!(s3, StatusCode::ACCEPTED, "{held}");
    assert!(held["work_order_id"].is_null(), "{held}");
    let pending = held["pending_intake_id"].as_str().unwrap().to_owned();
    let (s4, held_again) = fixline_tests::read(send("mail-<def@example.cn>").await.unwrap()).await;
    assert_eq!(s4, StatusCode::OK);
    assert_eq!(held_again["pending_intake_id"], pending.as_str());

    let (_, customers) = admin.get("/api/v1/customers?q=林海燕").await;
    assert_eq!(customers["total"], 1, "{customers}");
    let id = customers["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, file) = admin.get(&format!("/api/v1/customers/{id}")).await;
    assert_eq!(
        file["work_orders"].as_array().unwrap().len(),
        1,
        "nothing filed yet"
    );
    let site = file["sites"][0]["id"].as_str().unwrap().to_owned();

    // The desk sees it beside the customer it matched and files it there.
    let (s, list) = admin.get("/api/v1/pending-intakes").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["matched_customer"], id.as_str());
    assert_eq!(list[0]["request"]["caller"]["name"], "林海燕");
    let filing = json!({"as": "customer", "customer_id": id, "site_id": site});
    let (s, filed) = admin
        .post(
            &format!("/api/v1/pending-intakes/{pending}/file"),
            filing.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{filed}");
    assert_eq!(filed["state"], "filed");
    let second = filed["work_order_id"].as_str().unwrap().to_owned();
    assert_ne!(second, first["work_order_id"].as_str().unwrap());
    // Filing twice (a double click) opens one job.
    let (s, twice) = admin
        .post(&format!("/api/v1/pending-intakes/{pending}/file"), filing)
        .await;
    assert_eq!(s, StatusCode::OK, "{twice}");
    assert_eq!(twice["work_order_id"], second.as_str());
    let (_, list) = admin.get("/api/v1/pending-intakes").await;
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");

    // One customer, one site, two jobs, channel recorded.
    let (_, file) = admin.get(&format!("/api/v1/customers/{id}")).await;
    assert_eq!(file["sites"].as_array().unwrap().len(), 1);
    assert_eq!(file["work_orders"].as_array().unwrap().len(), 2);
    let (_, wo) = admin.get(&format!("/api/v1/work-orders/{second}")).await;
    assert_eq!(
        (wo["channel"].as_str(), wo["category"].as_str()),
        (Some("email"), Some("air_conditioning"))
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
    // The serial is a customer's on file: the stranger's request is held, and the page says
    // nothing of whose it matched.
    assert!(done.contains("id=\"held\""), "{done}");
    assert!(!done.contains("鲜丰"), "{done}");
    let reference = done
        .split("id=\"reference\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    // A double-clicked submit yields the same reference.
    let again = http
        .post(server.url("/intake"))
        .form(&fields)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains(&reference));
    let (_, file) = admin
        .get(&format!("/api/v1/customers/{}", fx.customer))
        .await;
    assert_eq!(
        file["work_orders"].as_array().unwrap().len(),
        0,
        "nothing filed"
    );
    assert_eq!(file["sites"].as_array().unwrap().len(), 1, "no site added");

    let (_, held) = admin.get("/api/v1/pending-intakes").await;
    assert_eq!(held.as_array().unwrap().len(), 1, "{held}");
    assert_eq!(held[0]["matched_customer"], fx.customer.as_str());
    assert_eq!(held[0]["matched_asset"], fx.asset.as_str());
    let pending = held[0]["id"].as_str().unwrap();
    assert!(
        pending
            .replace('-', "")
            .to_uppercase()
            .ends_with(&reference)
    );
    let (s, filed) = admin
        .post(
            &format!("/api/v1/pending-intakes/{pending}/file"),
            json!({"as": "customer", "customer_id": fx.customer, "site_id": fx.site, "asset_id": fx.asset}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{filed}");
    let (_, wo) = admin
        .get(&format!(
            "/api/v1/work-orders/{}",
            filed["work_order_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(wo["channel"], "web_form");
    assert_eq!(wo["asset_id"], fx.asset.as_str(), "filed on the asset");
    assert_eq!(wo["symptom"], "冷柜不制冷 <script>");

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

#[tokio::test]
async fn a_stranger_with_a_known_phone_adds_nothing_to_the_file_until_the_desk_decides() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let fx = customer_with_asset(&admin, "杭州鲜丰生鲜超市", "FX2409001123").await;
    let (_, key) = admin
        .post(
            "/api/v1/intake-keys",
            json!({"channel": "wechat", "label": "WeChat"}),
        )
        .await;
    let api_key = key["api_key"].as_str().unwrap().to_owned();
    let send = |name: &'static str, address: &'static str, key: &'static str| {
        server
            .anonymous()
            .http
            .post(server.url("/api/v1/intake"))
            .header("X-Api-Key", api_key.clone())
            .header("Idempotency-Key", key)
            .json(&json!({
                "caller": {"name": name, "phone": "0571-8888 0001", "address": address, "city": "杭州市", "region": "拱墅区"},
                "symptom": "热水器不出热水"
            }))
            .send()
    };
    let (s, a) =
        fixline_tests::read(send("赵磊", "拱墅区莫干山路 1 号", "wx-1").await.unwrap()).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{a}");
    let (s, b) =
        fixline_tests::read(send("钱多多", "拱墅区莫干山路 2 号", "wx-2").await.unwrap()).await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    let (_, file) = admin
        .get(&format!("/api/v1/customers/{}", fx.customer))
        .await;
    assert_eq!(
        file["sites"].as_array().unwrap().len(),
        1,
        "no site added: {file}"
    );
    assert_eq!(file["work_orders"].as_array().unwrap().len(), 0);

    // An engineer may not see or file them.
    let chen_id = fixline_tests::engineer(&admin, "陈建国", "西湖区").await;
    let chen = server
        .user(
            &admin,
            "chen",
            fixline_core::role::Role::Engineer,
            Some(&chen_id),
        )
        .await;
    let (s, _) = chen.get("/api/v1/pending-intakes").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The first is someone new at a new address: a new customer, the known one untouched.
    let first = a["pending_intake_id"].as_str().unwrap();
    let (s, filed) = admin
        .post(
            &format!("/api/v1/pending-intakes/{first}/file"),
            json!({"as": "new_customer"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{filed}");
    let (_, wo) = admin
        .get(&format!(
            "/api/v1/work-orders/{}",
            filed["work_order_id"].as_str().unwrap()
        ))
        .await;
    assert_ne!(wo["customer_id"], fx.customer.as_str());
    let (_, newcomer) = admin
        .get(&format!(
            "/api/v1/customers/{}",
            wo["customer_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(newcomer["customer"]["name"], "赵磊", "{newcomer}");

    // The second is turned down, with a reason; it cannot be filed afterwards.
    let second = b["pending_intake_id"].as_str().unwrap();
    let (s, body) = admin
        .post(
            &format!("/api/v1/pending-intakes/{second}/file"),
            json!({"as": "reject", "reason": "  "}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, rejected) = admin
        .post(
            &format!("/api/v1/pending-intakes/{second}/file"),
            json!({"as": "reject", "reason": "恶作剧电话"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{rejected}");
    assert_eq!(rejected["state"], "rejected");
    let (s, body) = admin
        .post(
            &format!("/api/v1/pending-intakes/{second}/file"),
            json!({"as": "customer", "customer_id": fx.customer, "site_id": fx.site}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    let (_, file) = admin
        .get(&format!("/api/v1/customers/{}", fx.customer))
        .await;
    assert_eq!(file["work_orders"].as_array().unwrap().len(), 0);
    let (_, all) = admin.get("/api/v1/pending-intakes?all=true").await;
    assert_eq!(all.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_desk_finds_a_caller_by_what_they_say() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let fx = customer_with_asset(&admin, "杭州鲜丰生鲜超市", "FX2409001124").await;
    customer_with_asset(&admin, "西溪连锁超市有限公司", "FX2409009999").await;
    let found = |q: &'static str| {
        let admin = &admin;
        async move {
            let (s, page) = admin
                .get(&format!("/api/v1/customers?q={}", urlencoding(q)))
                .await;
            assert_eq!(s, StatusCode::OK, "{page}");
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // The phone as a caller reads it out, without the dashes and spaces on file.
    assert_eq!(
        found("057188880001").await.len(),
        2,
        "both share the test phone"
    );
    assert_eq!(found("鲜丰").await, std::slice::from_ref(&fx.customer));
    assert_eq!(
        found("fx2409001124").await,
        std::slice::from_ref(&fx.customer),
        "by serial"
    );
    assert_eq!(found("文三路").await.len(), 2, "by address");
    assert!(
        found("88").await.is_empty(),
        "two digits are not a phone number"
    );
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An idempotency key belongs to whoever sent it: two partners on one channel that both send
/// "order-1" get a job each, each sees only its own; the desk's own retries of one request (its
/// answer lost) make one job per user.
#[tokio::test]
async fn idempotency_keys_are_scoped_to_the_partner_and_the_desk_user_who_sent_them() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let mut keys = Vec::new();
    for label in ["partner A", "partner B"] {
        let (s, key) = admin
            .post(
                "/api/v1/intake-keys",
                json!({"channel": "api", "label": label}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{key}");
        keys.push(key["api_key"].as_str().unwrap().to_owned());
    }
    let send = |api_key: &str, name: &str, phone: &str| {
        server
            .anonymous()
            .http
            .post(server.url("/api/v1/intake"))
            .header("X-Api-Key", api_key)
            .header("Idempotency-Key", "order-1")
            .json(&json!({
                "caller": {"name": name, "phone": phone, "address": "拱墅区莫干山路 100 号",
                           "city": "杭州市", "region": "拱墅区"},
                "symptom": "制冰机不出冰"
            }))
            .send()
    };
    let (sa, a) = fixline_tests::read(send(&keys[0], "周敏", "139 0000 0101").await.unwrap()).await;
    let (sb, b) = fixline_tests::read(send(&keys[1], "吴刚", "139 0000 0202").await.unwrap()).await;
    assert_eq!(
        (sa, sb),
        (StatusCode::CREATED, StatusCode::CREATED),
        "{a} {b}"
    );
    assert_ne!(a["work_order_id"], b["work_order_id"]);
    let (sa2, a2) =
        fixline_tests::read(send(&keys[0], "周敏", "139 0000 0101").await.unwrap()).await;
    assert_eq!(sa2, StatusCode::OK);
    assert_eq!(a2["work_order_id"], a["work_order_id"]);

    let fx = customer_with_asset(&admin, "杭州鲜丰生鲜超市", "FX2409001188").await;
    let desk = server
        .user(&admin, "desk", fixline_core::role::Role::Dispatcher, None)
        .await;
    let call = || {
        desk.request(reqwest::Method::POST, "/api/v1/work-orders")
            .header("Idempotency-Key", "call-0930")
            .json(&json!({"serial": fx.serial, "symptom": "冷柜温度高"}))
            .send()
    };
    let (s1, first) = fixline_tests::read(call().await.unwrap()).await;
    let (s2, again) = fixline_tests::read(call().await.unwrap()).await;
    assert_eq!(
        (s1, s2),
        (StatusCode::CREATED, StatusCode::OK),
        "{first} {again}"
    );
    assert_eq!(first["work_order_id"], again["work_order_id"]);
    let (_, file) = admin
        .get(&format!("/api/v1/customers/{}", fx.customer))
        .await;
    assert_eq!(file["work_orders"].as_array().unwrap().len(), 1, "{file}");
}

/// The form answers with a redirect to a page fetched by GET (a reload never posts again), the
/// same token sent again lands on the same answer, and the answer pages echo only what looks
/// like a number or a reference.
#[tokio::test]
async fn the_web_form_posts_then_redirects_and_a_resubmission_lands_on_the_same_answer() {
    let server = TestServer::start().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(server.url("/intake"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("sessionStorage"),
        "the token is kept across Back"
    );
    let form_id = page
        .split("name=\"form_id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let fields = [
        ("name", "赵丽"),
        ("phone", "0571-8888 0777"),
        ("address", "上城区解放路 1 号"),
        ("city", "杭州市"),
        ("region", "上城区"),
        ("serial", ""),
        ("symptom", "空调不制热"),
        ("form_id", form_id.as_str()),
    ];
    let post = || http.post(server.url("/intake")).form(&fields).send();
    let first = post().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/t/"), "{location}");
    let again = post().await.unwrap();
    assert_eq!(again.headers()["location"].to_str().unwrap(), location);
    let done = http.get(server.url(&location)).send().await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let done = done.text().await.unwrap();
    assert!(done.contains("id=\"received-banner\""), "{done}");
    assert!(
        done.contains("空调不制热"),
        "the request's own page: {done}"
    );
    assert!(done.contains("id=\"another\""), "{done}");
    for bogus in [
        "/t/<b>hi</b>",
        "/t/AAAAAAAAAAAAAAAAAAAAAA",
        "/intake/done/<b>hi</b>",
        "/intake/held/../../x",
        "/intake/done/WO-12a",
    ] {
        let r = http.get(server.url(bogus)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{bogus}");
    }
}
