//! What an operator relies on: readiness, metrics, and a backup taken while the server works
//! that restores to exactly what it held.

use fixline_core::role::Role;
use fixline_server::store::sqlite::backup;
use fixline_tests::{TestServer, customer_with_asset};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn ready_and_metrics_say_what_the_server_is_doing() {
    let server = TestServer::start().await;
    let anonymous = server.anonymous();
    let (s, body) = anonymous.get("/readyz").await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, Some("ready")));
    let admin = server.login("admin").await;
    let (s, _) = fixline_tests::read(
        anonymous
            .request(Method::POST, "/api/v1/auth/login")
            .json(&json!({"username": "admin", "password": "not-the-password"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    admin.get("/api/v1/customers?q=x").await;
    let (s, text) = anonymous.get("/metrics").await;
    assert_eq!(s, StatusCode::OK);
    let text = text.as_str().unwrap().to_owned();
    for line in [
        r#"fixline_http_requests_total{route="/api/v1/auth/login",method="POST",status="200"} 1"#,
        r#"fixline_http_requests_total{route="/api/v1/auth/login",method="POST",status="401"} 1"#,
        r#"fixline_http_requests_total{route="/api/v1/customers",method="GET",status="200"} 1"#,
        "fixline_sign_in_failures_total 1",
        "fixline_sign_in_lockouts_total 0",
    ] {
        assert!(text.contains(line), "{line} not in\n{text}");
    }
    assert!(
        text.contains(
            r#"fixline_http_request_duration_seconds_count{route="/api/v1/customers"} 1"#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn a_backup_taken_while_the_server_works_restores_to_what_it_held() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let desk = server.user(&admin, "desk", Role::Dispatcher, None).await;
    let before = customer_with_asset(&desk, "杭州湖滨餐饮管理有限公司", "FX-BACKUP-1").await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("fixline-backup.db");
    let (db, to) = (server.db_path.clone(), copy.clone());
    tokio::task::spawn_blocking(move || backup::backup(&db, &to))
        .await
        .unwrap()
        .unwrap();
    // Written after the backup: not in it.
    let after = customer_with_asset(&desk, "西溪连锁超市有限公司", "FX-BACKUP-2").await;
    // A second backup to the same file is refused, not overwritten.
    let (db, to) = (server.db_path.clone(), copy.clone());
    let again = tokio::task::spawn_blocking(move || backup::backup(&db, &to))
        .await
        .unwrap();
    assert!(again.is_err());

    let restored = dir.path().join("restored.db");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not a database at all").unwrap();
    let (from, to) = (junk.clone(), restored.clone());
    let refused = tokio::task::spawn_blocking(move || backup::restore(&from, &to))
        .await
        .unwrap();
    assert!(refused.is_err(), "a file that is not a backup is refused");
    assert!(!restored.exists(), "and nothing is written");
    let (from, to) = (copy.clone(), restored.clone());
    tokio::task::spawn_blocking(move || backup::restore(&from, &to))
        .await
        .unwrap()
        .unwrap();

    let back = TestServer::start_on(&restored).await;
    let admin = back.login("admin").await;
    let (s, _) = admin
        .get(&format!("/api/v1/customers/{}", before.customer))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = admin
        .get(&format!("/api/v1/customers/{}", after.customer))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, body) = back.anonymous().get("/readyz").await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, Some("ready")));
}
