//! Bad input gets a clear 4xx and changes nothing; stale writes are refused; a restart keeps
//! everything.

use fixline_core::role::Role;
use fixline_tests::{TestServer, customer_with_asset, engineer};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn bad_input_gets_a_code_and_a_message_and_writes_nothing() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let fx = customer_with_asset(&admin, "杭州百味茶餐厅", "SN-BAD").await;
    let (_, before) = admin.get("/api/v1/changes?limit=1000").await;
    let changes_before = before.as_array().unwrap().len();

    let raw = |method: Method, path: &str| admin.request(method, path);
    let cases: Vec<(&str, reqwest::RequestBuilder, StatusCode, &str)> = vec![
        ("malformed JSON", raw(Method::POST, "/api/v1/customers").header("content-type", "application/json").body("{\"name\": "), StatusCode::BAD_REQUEST, "malformed_json"),
        ("wrong type", raw(Method::POST, "/api/v1/customers").json(&json!({"name": 42})), StatusCode::BAD_REQUEST, "malformed_json"),
        ("unknown enum value", raw(Method::POST, "/api/v1/customers").json(&json!({"name": "x", "tier": "gold"})), StatusCode::BAD_REQUEST, "malformed_json"),
        ("not JSON at all", raw(Method::POST, "/api/v1/customers").body("name=x"), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        ("empty name", raw(Method::POST, "/api/v1/customers").json(&json!({"name": "   "})), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
        ("oversize body", raw(Method::POST, "/api/v1/customers").json(&json!({"name": "x", "notes": "长".repeat(40_000)})), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        ("unknown id", raw(Method::GET, &format!("/api/v1/work-orders/{}", uuid::Uuid::nil())), StatusCode::NOT_FOUND, "not_found"),
        ("not a uuid", raw(Method::GET, "/api/v1/customers/not-a-uuid"), StatusCode::BAD_REQUEST, "invalid_path"),
        ("bad site coordinates", raw(Method::POST, &format!("/api/v1/customers/{}/sites", fx.customer)).json(&json!({"name": "x", "address": "x", "city": "x", "region": "x", "position": {"lat": 200.0, "lon": 120.0}})), StatusCode::BAD_REQUEST, "malformed_json"),
        ("asset at an unknown site", raw(Method::POST, &format!("/api/v1/customers/{}/assets", fx.customer)).json(&json!({"site_id": uuid::Uuid::nil(), "model": "m", "serial": "s", "category": "c"})), StatusCode::NOT_FOUND, "not_found"),
        ("bad filter", raw(Method::GET, "/api/v1/work-orders?status=done"), StatusCode::BAD_REQUEST, "invalid_query"),
        ("bad paging", raw(Method::GET, "/api/v1/work-orders?page=-1"), StatusCode::BAD_REQUEST, "invalid_query"),
        ("unknown route", raw(Method::GET, "/api/v1/nothing"), StatusCode::NOT_FOUND, "no_route"),
        ("intake naming nobody", raw(Method::POST, "/api/v1/work-orders").json(&json!({"symptom": "坏了"})), StatusCode::BAD_REQUEST, "invalid_input"),
        // A new caller with an empty symptom: the customer and site it would create are rolled back too.
        ("half a request", raw(Method::POST, "/api/v1/work-orders").json(&json!({"symptom": " ", "caller": {"name": "新客户", "phone": "13900001111", "address": "上城区解放路 1 号", "city": "杭州市", "region": "上城区"}})), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
    ];
    for (name, request, status, code) in cases {
        let (s, body) = fixline_tests::read(request.send().await.unwrap()).await;
        assert_eq!(
            (s, body["code"].as_str()),
            (status, Some(code)),
            "{name}: {body}"
        );
        assert!(
            !body["message"].as_str().unwrap_or("").is_empty(),
            "{name} has a message"
        );
    }
    let (_, position) = admin
        .post(
            &format!("/api/v1/engineers/{}/position", uuid::Uuid::nil()),
            json!({"lat": 95.0, "lon": 120.0}),
        )
        .await;
    assert_eq!(position["code"], "invalid_input");
    assert!(position["message"].as_str().unwrap().contains("latitude"));

    let (_, after) = admin.get("/api/v1/changes?limit=1000").await;
    assert_eq!(
        after.as_array().unwrap().len(),
        changes_before,
        "no refused request left anything behind"
    );
    let (_, customers) = admin.get("/api/v1/customers?q=新客户").await;
    assert_eq!(customers["total"], 0);

    // Illegal transitions are refused with the reason.
    let (_, r) = admin
        .post(
            "/api/v1/work-orders",
            json!({"customer_id": fx.customer, "site_id": fx.site, "symptom": "不加热"}),
        )
        .await;
    let wo = r["work_order_id"].as_str().unwrap();
    let (s, body) = admin.act(wo, json!({"action": "close"})).await;
    assert_eq!(
        (s, body["code"].as_str(), body["message"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("illegal_transition"),
            Some("cannot close a work order that is new")
        )
    );
    let (s, body) = admin
        .act(
            wo,
            json!({"action": "assign", "engineer": uuid::Uuid::nil()}),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_engineer"))
    );
    let (s, body) = admin.act(wo, json!({"action": "teleport"})).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("malformed_json"))
    );
    // Still serving after all of that.
    assert_eq!(admin.get("/api/v1/me").await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_stale_write_gets_412_and_a_blind_one_428() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let desk_a = server.user(&admin, "desk_a", Role::Dispatcher, None).await;
    let desk_b = server.user(&admin, "desk_b", Role::Dispatcher, None).await;
    let fx = customer_with_asset(&admin, "杭州嘉禾大酒店", "SN-STALE").await;
    let path = format!("/api/v1/customers/{}", fx.customer);
    let got = desk_a.request(Method::GET, &path).send().await.unwrap();
    assert_eq!(got.headers()["etag"], "\"1\"");
    let (s, a) = desk_a
        .put(
            &path,
            Some(1),
            json!({"name": "杭州嘉禾大酒店（湖滨店）", "tier": "premium"}),
        )
        .await;
    assert_eq!((s, a["version"].as_u64()), (StatusCode::OK, Some(2)));
    let (s, b) = desk_b
        .put(&path, Some(1), json!({"name": "嘉禾酒店"}))
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::PRECONDITION_FAILED, Some("stale_version")),
        "{b}"
    );
    assert!(b["message"].as_str().unwrap().contains("version 2"));
    let (s, b) = desk_b.put(&path, None, json!({"name": "嘉禾酒店"})).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::PRECONDITION_REQUIRED, Some("version_required"))
    );
    let (_, file) = desk_b.get(&path).await;
    assert_eq!(
        file["customer"]["name"], "杭州嘉禾大酒店（湖滨店）",
        "the first write stands"
    );

    // Transitions honour If-Match too.
    let (_, r) = admin
        .post(
            "/api/v1/work-orders",
            json!({"customer_id": fx.customer, "site_id": fx.site, "symptom": "漏水"}),
        )
        .await;
    let wo = r["work_order_id"].as_str().unwrap();
    let stale = desk_a
        .request(
            Method::POST,
            &format!("/api/v1/work-orders/{wo}/transitions"),
        )
        .header("If-Match", "\"7\"")
        .json(&json!({"action": "triage", "priority": "P1"}))
        .send()
        .await
        .unwrap();
    let (s, body) = fixline_tests::read(stale).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::PRECONDITION_FAILED, Some("stale_version"))
    );
}

#[tokio::test]
async fn everything_survives_a_restart_on_the_same_file() {
    let mut server = TestServer::start().await;
    let admin = server.login("admin").await;
    let eng = engineer(&admin, "胡文博", "余杭区").await;
    let hu = server.user(&admin, "hu", Role::Engineer, Some(&eng)).await;
    let fx = customer_with_asset(&admin, "杭州绿源食品有限公司", "SN-RESTART").await;
    let (_, r) = admin.post("/api/v1/work-orders", json!({"customer_id": fx.customer, "site_id": fx.site, "asset_id": fx.asset, "symptom": "冷库不制冷", "priority": "P1"})).await;
    let wo = r["work_order_id"].as_str().unwrap().to_owned();
    admin
        .act(&wo, json!({"action": "assign", "engineer": eng}))
        .await;
    hu.act(&wo, json!({"action": "accept"})).await;
    let (_, before) = admin.get(&format!("/api/v1/work-orders/{wo}")).await;
    let (_, changes_before) = admin.get("/api/v1/changes?limit=1000").await;
    let last_seq = changes_before.as_array().unwrap().last().unwrap()["seq"]
        .as_i64()
        .unwrap();

    let dir = server.stop().await;
    let server = TestServer::start_on(&server.db_path).await;
    let _dir = dir;
    // Same tokens still work: sessions are in the database.
    let admin = fixline_tests::Client {
        base: server.url(""),
        ..admin
    };
    let hu = fixline_tests::Client {
        base: server.url(""),
        ..hu
    };
    let (s, after) = admin.get(&format!("/api/v1/work-orders/{wo}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(after, before);
    let (_, history) = admin
        .get(&format!("/api/v1/work-orders/{wo}/history"))
        .await;
    assert_eq!(history.as_array().unwrap().len(), 3);
    let (s, body) = hu.act(&wo, json!({"action": "start_travel"})).await;
    assert_eq!(
        (s, body["status"].as_str()),
        (StatusCode::OK, Some("en_route"))
    );
    let (_, changes) = admin
        .get(&format!("/api/v1/changes?since={last_seq}"))
        .await;
    assert_eq!(changes.as_array().unwrap().len(), 1);
    assert_eq!(
        changes[0]["seq"].as_i64(),
        Some(last_seq + 1),
        "the change log continues where it was"
    );
    let (_, file) = admin
        .get(&format!("/api/v1/customers/{}", fx.customer))
        .await;
    assert_eq!(file["assets"][0]["serial"], "SN-RESTART");
}
