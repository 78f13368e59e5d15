//! Geocoding against a local fake of a Nominatim-compatible service: a new caller's site gets
//! its position from the address without anyone typing it, the service is asked the way it
//! expects (address and city, JSON, country, who is asking), and an address it does not know,
//! or no service at all, leaves the desk a clear message and the position to place by hand.

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use fixline_server::geocode::GeocodingConfig;
use fixline_tests::{TestServer, customer_with_asset};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// One search the fake received: its query parameters and who asked (the User-Agent).
type Search = (std::collections::HashMap<String, String>, String);

#[derive(Clone, Default)]
struct Asked(Arc<Mutex<Vec<Search>>>);

/// Knows one street, 莫干山路; answers like Nominatim (numbers as text).
async fn fake_search(
    State(asked): State<Asked>,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> axum::Json<Value> {
    let agent = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let known = q.get("q").is_some_and(|q| q.contains("莫干山路"));
    asked.0.lock().unwrap().push((q, agent));
    axum::Json(if known {
        json!([{"lat": "30.2901234", "lon": "120.1402345", "display_name": "莫干山路 100 号, 拱墅区, 杭州市"}])
    } else {
        json!([])
    })
}

async fn fake_geocoder() -> (String, Asked) {
    let asked = Asked::default();
    let app = axum::Router::new()
        .route("/search", get(fake_search))
        .with_state(asked.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/search", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, asked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_callers_site_is_placed_from_its_address() {
    let (url, asked) = fake_geocoder().await;
    let server = TestServer::start_configured(|c| {
        c.geocoding = Some(GeocodingConfig {
            url,
            user_agent: "Fixline-test/1".into(),
            country_codes: Some("cn".into()),
            timeout_secs: 5,
        })
    })
    .await;
    let admin = server.login("admin").await;
    let (s, receipt) = admin
        .post(
            "/api/v1/work-orders",
            json!({"caller": {"name": "周敏", "phone": "139 5710 2233", "address": "拱墅区莫干山路 100 号", "city": "杭州市", "region": "拱墅区"},
                   "symptom": "洗衣机不脱水"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{receipt}");
    let (_, wo) = admin
        .get(&format!(
            "/api/v1/work-orders/{}",
            receipt["work_order_id"].as_str().unwrap()
        ))
        .await;
    let site = wo["site_id"].as_str().unwrap().to_owned();
    let mut placed = Value::Null;
    for _ in 0..100 {
        placed = admin.get(&format!("/api/v1/sites/{site}")).await.1;
        if !placed["position"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        placed["position"],
        json!({"lat": 30.2901234, "lon": 120.1402345}),
        "{placed}"
    );
    let (query, agent) = asked.0.lock().unwrap()[0].clone();
    assert_eq!(query["q"], "拱墅区莫干山路 100 号, 杭州市");
    assert_eq!(query["format"], "jsonv2");
    assert_eq!(query["countrycodes"], "cn");
    assert_eq!(agent, "Fixline-test/1");

    // A site the service does not know: the desk's "locate" says so; the site is unchanged.
    let fx = customer_with_asset(&admin, "西溪超市", "FXG001").await;
    let (s, nowhere) = admin
        .post(
            &format!("/api/v1/customers/{}/sites", fx.customer),
            json!({"name": "仓库", "address": "无名路 1 号", "city": "杭州市", "region": "西湖区"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{nowhere}");
    let id = nowhere["id"].as_str().unwrap();
    let (s, body) = admin
        .post(&format!("/api/v1/sites/{id}/locate"), json!({}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "address_not_found");
    let (_, unchanged) = admin.get(&format!("/api/v1/sites/{id}")).await;
    assert!(unchanged["position"].is_null());
}

#[tokio::test]
async fn without_a_geocoder_the_desk_is_told_to_place_the_site_by_hand() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let fx = customer_with_asset(&admin, "西溪超市", "FXG002").await;
    let (s, body) = admin
        .post(&format!("/api/v1/sites/{}/locate", fx.site), json!({}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "no_geocoder");
}
