//! Who may do what: the role matrix over every endpoint family, and an engineer's scope.

use std::time::Duration;

use eventsource_stream::Eventsource;
use fixline_core::role::Role;
use fixline_tests::{Client, TestServer, customer_with_asset, engineer};
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Probe {
    name: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    allowed: &'static [Role],
}

const ALL: &[Role] = &Role::ALL;
const DESK: &[Role] = &[Role::Dispatcher, Role::ServiceManager, Role::Admin];

fn engineer_body() -> Value {
    json!({
        "name": "新同事", "phone": "139 0000 0000", "region": "上城区",
        "home_base": {"lat": 30.24, "lon": 120.17},
        "shift": {"weekdays": [1, 2, 3], "start": "09:00:00", "end": "18:00:00"}
    })
}

/// Bodies are valid, so what refuses a request is the role and nothing else.
#[tokio::test]
async fn every_endpoint_checks_the_role() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let eng_id = engineer(&admin, "赵强", "拱墅区").await;
    let mut clients: Vec<(Role, Client)> = Vec::new();
    for role in Role::ALL {
        let name = format!("u_{}", role.as_str());
        let engineer = (role == Role::Engineer).then_some(eng_id.as_str());
        clients.push((role, server.user(&admin, &name, role, engineer).await));
    }
    let fx = customer_with_asset(&admin, "杭州运河连锁超市有限公司", "SN-ACCESS").await;
    let (_, r) = admin
        .post(
            "/api/v1/work-orders",
            json!({"customer_id": fx.customer, "site_id": fx.site, "symptom": "冷柜报 E3"}),
        )
        .await;
    let wo = r["work_order_id"].as_str().unwrap().to_owned();

    let probes = vec![
        Probe {
            name: "complaint inbox",
            method: Method::GET,
            path: "/api/v1/complaints".into(),
            body: None,
            allowed: &[Role::ComplaintHandler, Role::ServiceManager, Role::Admin],
        },
        Probe {
            name: "file a complaint",
            method: Method::POST,
            path: "/api/v1/complaints".into(),
            body: Some(json!({"customer_id": fx.customer, "channel": "phone",
                "category": "billing", "severity": "low", "summary": "收费有疑问"})),
            allowed: &[
                Role::Dispatcher,
                Role::ServiceManager,
                Role::ComplaintHandler,
                Role::Admin,
            ],
        },
        Probe {
            name: "list users",
            method: Method::GET,
            path: "/api/v1/users".into(),
            body: None,
            allowed: &[Role::Admin],
        },
        Probe {
            name: "issue intake key",
            method: Method::POST,
            path: "/api/v1/intake-keys".into(),
            body: Some(json!({"channel": "email", "label": "mail gateway"})),
            allowed: &[Role::Admin],
        },
        Probe {
            name: "create customer",
            method: Method::POST,
            path: "/api/v1/customers".into(),
            body: Some(json!({"name": "测试客户"})),
            allowed: DESK,
        },
        // A stale version: allowed roles get 412, the rest 403 before the version is looked at.
        Probe {
            name: "edit customer",
            method: Method::PUT,
            path: format!("/api/v1/customers/{}", fx.customer),
            body: Some(json!({"name": "改名"})),
            allowed: DESK,
        },
        Probe {
            name: "add site",
            method: Method::POST,
            path: format!("/api/v1/customers/{}/sites", fx.customer),
            body: Some(
                json!({"name": "二店", "address": "文二路 1 号", "city": "杭州市", "region": "西湖区"}),
            ),
            allowed: DESK,
        },
        Probe {
            name: "create engineer",
            method: Method::POST,
            path: "/api/v1/engineers".into(),
            body: Some(engineer_body()),
            allowed: &[Role::ServiceManager, Role::Admin],
        },
        Probe {
            name: "edit engineer",
            method: Method::PUT,
            path: format!("/api/v1/engineers/{eng_id}"),
            body: Some(engineer_body()),
            allowed: DESK,
        },
        Probe {
            name: "position ping",
            method: Method::POST,
            path: format!("/api/v1/engineers/{eng_id}/position"),
            body: Some(json!({"lat": 30.3, "lon": 120.1})),
            allowed: &[Role::Engineer, Role::Admin],
        },
        Probe {
            name: "change log",
            method: Method::GET,
            path: "/api/v1/changes".into(),
            body: None,
            allowed: DESK,
        },
        Probe {
            name: "take in a request",
            method: Method::POST,
            path: "/api/v1/work-orders".into(),
            body: Some(json!({"customer_id": fx.customer, "site_id": fx.site, "symptom": "漏水"})),
            allowed: &[
                Role::Dispatcher,
                Role::ServiceManager,
                Role::ComplaintHandler,
                Role::Admin,
            ],
        },
        Probe {
            name: "edit work order",
            method: Method::PUT,
            path: format!("/api/v1/work-orders/{wo}"),
            body: Some(json!({"symptom": "漏水严重"})),
            allowed: DESK,
        },
        Probe {
            name: "list work orders",
            method: Method::GET,
            path: "/api/v1/work-orders".into(),
            body: None,
            allowed: ALL,
        },
        Probe {
            name: "list engineers",
            method: Method::GET,
            path: "/api/v1/engineers".into(),
            body: None,
            allowed: ALL,
        },
        Probe {
            name: "me",
            method: Method::GET,
            path: "/api/v1/me".into(),
            body: None,
            allowed: ALL,
        },
    ];
    for probe in &probes {
        let anonymous = server.anonymous();
        let (s, _) = anonymous
            .send(probe.method.clone(), &probe.path, probe.body.clone())
            .await;
        assert_eq!(
            s,
            StatusCode::UNAUTHORIZED,
            "{} without a token",
            probe.name
        );
        for (role, client) in &clients {
            let mut request = client
                .request(probe.method.clone(), &probe.path)
                .header("If-Match", "\"0\"");
            if let Some(b) = &probe.body {
                request = request.json(b);
            }
            let (s, body) = fixline_tests::read(request.send().await.unwrap()).await;
            if probe.allowed.contains(role) {
                assert!(
                    s != StatusCode::FORBIDDEN && s != StatusCode::UNAUTHORIZED,
                    "{} as {role}: {s} {body}",
                    probe.name
                );
            } else {
                assert_eq!(
                    (s, body["code"].as_str()),
                    (StatusCode::FORBIDDEN, Some("forbidden")),
                    "{} as {role}: {body}",
                    probe.name
                );
            }
        }
    }
    // Lifecycle actions are checked by the state machine's role rules.
    let engineer = &clients[0].1;
    let (s, body) = engineer.act(&wo, json!({"action": "triage"})).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "an engineer cannot even see a job that is not theirs: {body}"
    );
    admin
        .act(&wo, json!({"action": "assign", "engineer": eng_id}))
        .await;
    let (s, body) = engineer
        .act(&wo, json!({"action": "cancel", "reason": "不想去"}))
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{body}"
    );
    let complaints = &clients[3].1;
    let (s, _) = complaints.act(&wo, json!({"action": "accept"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_engineer_sees_only_their_jobs_customers_and_stream() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let a_id = engineer(&admin, "孙杰", "西湖区").await;
    let b_id = engineer(&admin, "马超", "滨江区").await;
    let a = server
        .user(&admin, "sunjie", Role::Engineer, Some(&a_id))
        .await;
    let b = server
        .user(&admin, "machao", Role::Engineer, Some(&b_id))
        .await;
    let fx = customer_with_asset(&admin, "杭州西溪大酒店", "SN-SCOPE").await;
    let (_, r) = admin
        .post(
            "/api/v1/work-orders",
            json!({"customer_id": fx.customer, "site_id": fx.site, "symptom": "冷库温度高"}),
        )
        .await;
    let wo = r["work_order_id"].as_str().unwrap().to_owned();
    admin
        .act(&wo, json!({"action": "assign", "engineer": a_id}))
        .await;

    let (_, mine) = a.get("/api/v1/work-orders?open=true").await;
    assert_eq!(mine["total"], 1);
    let (_, theirs) = b.get("/api/v1/work-orders").await;
    assert_eq!(theirs["total"], 0);
    let (s, _) = b.get(&format!("/api/v1/work-orders?engineer={a_id}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        b.get(&format!("/api/v1/work-orders/{wo}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get(&format!("/api/v1/customers/{}", fx.customer)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        a.get(&format!("/api/v1/customers/{}", fx.customer)).await.0,
        StatusCode::OK
    );
    let (_, customers) = b.get("/api/v1/customers").await;
    assert_eq!(customers["total"], 0);
    assert_eq!(
        a.post(
            &format!("/api/v1/engineers/{b_id}/position"),
            json!({"lat": 30.2, "lon": 120.2})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );

    // B's stream carries B's changes only: A's ping is skipped, B's arrives.
    let live = b.request(Method::GET, "/api/v1/live").send().await.unwrap();
    let mut events = live.bytes_stream().eventsource();
    let (s, _) = a
        .post(
            &format!("/api/v1/engineers/{a_id}/position"),
            json!({"lat": 30.26, "lon": 120.13}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    b.post(
        &format!("/api/v1/engineers/{b_id}/position"),
        json!({"lat": 30.21, "lon": 120.21}),
    )
    .await;
    let event = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let change: Value = serde_json::from_str(&event.data).unwrap();
    assert_eq!(
        (change["op"].as_str(), change["engineer_id"].as_str()),
        (Some("position"), Some(b_id.as_str()))
    );
    let (_, engineer) = admin.get(&format!("/api/v1/engineers/{a_id}")).await;
    assert_eq!(
        engineer["last_position"]["position"],
        json!({"lat": 30.26, "lon": 120.13})
    );
    assert_ne!(engineer["phone"], "");
    // A colleague sees neither where A is nor A's phone; A sees both.
    let (_, seen_by_b) = b.get(&format!("/api/v1/engineers/{a_id}")).await;
    assert_eq!(seen_by_b["name"], "孙杰");
    assert_eq!(seen_by_b["last_position"], Value::Null);
    assert_eq!(seen_by_b["phone"], "");
    let (_, own) = a.get(&format!("/api/v1/engineers/{a_id}")).await;
    assert_eq!(own["phone"], engineer["phone"]);
    assert_eq!(own["last_position"], engineer["last_position"]);
    let (_, list) = b.get("/api/v1/engineers?per_page=100").await;
    let listed = list["items"].as_array().unwrap();
    assert!(listed.len() >= 2);
    for e in listed {
        if e["id"] != b_id.as_str() {
            assert_eq!(
                (&e["last_position"], &e["phone"]),
                (&Value::Null, &json!(""))
            );
        }
    }
    let (_, desk_list) = admin.get("/api/v1/engineers?per_page=100").await;
    assert!(
        desk_list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["last_position"].is_object())
    );
    assert_eq!(
        b.request(Method::GET, &format!("/api/v1/live?engineer={a_id}"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
}
