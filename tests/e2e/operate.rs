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

/// SQLite's own backup; on PostgreSQL the database's tools back up (the suite's run there
/// skips this test).
#[tokio::test]
async fn a_backup_taken_while_the_server_works_restores_to_what_it_held() {
    if fixline_tests::postgres::for_the_suite().is_some() {
        return;
    }
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

async fn csv_of(client: &fixline_tests::Client, table: &str) -> (StatusCode, String) {
    let r = client
        .request(Method::GET, &format!("/api/v1/transfer/{table}"))
        .send()
        .await
        .unwrap();
    let status = r.status();
    if status == StatusCode::OK {
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(disposition.starts_with(&format!("attachment; filename=\"fixline-{table}-")));
    }
    (status, r.text().await.unwrap())
}

async fn import(
    client: &fixline_tests::Client,
    table: &str,
    csv: impl Into<reqwest::Body>,
) -> (StatusCode, serde_json::Value) {
    fixline_tests::read(
        client
            .request(Method::POST, &format!("/api/v1/transfer/{table}"))
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn the_customer_file_goes_out_as_csv_and_back_in_unchanged() {
    let from = TestServer::start().await;
    let admin = from.login("admin").await;
    let desk = from.user(&admin, "desk", Role::Dispatcher, None).await;
    customer_with_asset(&desk, "杭州湖滨餐饮管理有限公司", "FX-CSV-1").await;
    customer_with_asset(&desk, "Westlake \"Grand\" Hotel, Ltd.", "FX-CSV-2").await;
    let (s, _) = csv_of(&desk, "customers").await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the whole base is for administrators"
    );

    let mut files = Vec::new();
    for table in ["customers", "sites", "assets"] {
        let (s, text) = csv_of(&admin, table).await;
        assert_eq!(s, StatusCode::OK, "{text}");
        assert!(text.starts_with('\u{feff}'), "a BOM, so Excel reads UTF-8");
        assert_eq!(text.lines().count(), 3, "a header and two rows:\n{text}");
        files.push((table, text));
    }
    assert!(files[0].1.contains("杭州湖滨餐饮管理有限公司"));
    assert!(
        files[0]
            .1
            .contains("\"Westlake \"\"Grand\"\" Hotel, Ltd.\""),
        "quotes and commas escaped: {}",
        files[0].1
    );
    assert!(files[2].1.contains("FX-CSV-2"));

    let to = TestServer::start().await;
    let admin_to = to.login("admin").await;
    // Sites before their customers: each row says which customer is missing, nothing is filed.
    let (s, report) = import(&admin_to, "sites", files[1].1.clone()).await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 0);
    assert_eq!(report["refused"].as_array().unwrap().len(), 2);
    assert_eq!(report["refused"][0]["line"], 2);
    assert_eq!(report["refused"][0]["field"], "customer_id");
    for (table, text) in &files {
        let (s, report) = import(&admin_to, table, text.clone()).await;
        assert_eq!(s, StatusCode::OK, "{report}");
        assert_eq!(
            (report["rows"].as_u64(), report["created"].as_u64()),
            (Some(2), Some(2)),
            "{table}: {report}"
        );
        assert_eq!(report["refused"], json!([]));
    }
    for (table, text) in &files {
        assert_eq!(
            &csv_of(&admin_to, table).await.1,
            text,
            "{table} round trip"
        );
        // Imported again: all there as they are.
        let (_, report) = import(&admin_to, table, text.clone()).await;
        assert_eq!(
            (report["created"].as_u64(), report["unchanged"].as_u64()),
            (Some(0), Some(2))
        );
    }
    // The customer file is whole: the asset under its site, the customer's history says who filed.
    let (_, list) = admin_to.get("/api/v1/customers?q=FX-CSV-1").await;
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, file) = admin_to.get(&format!("/api/v1/customers/{id}")).await;
    assert_eq!(file["assets"][0]["serial"], "FX-CSV-1");
    assert_eq!(file["assets"][0]["site_id"], file["sites"][0]["id"]);
}

#[tokio::test]
async fn an_import_refuses_bad_rows_with_line_and_reason_and_files_the_rest() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    let desk = server.user(&admin, "desk", Role::Dispatcher, None).await;
    let on_file = customer_with_asset(&desk, "杭州湖滨餐饮管理有限公司", "FX-CSV-9").await;
    let csv = format!(
        "name,phone,tier,id\n\
         西溪连锁超市有限公司,0571-8888 0002,standard,\n\
         ,0571-8888 0003,,\n\
         Bad Phone Ltd,n/a,,\n\
         Gold Ltd,,gold,\n\
         Someone Else,,,{}\n\
         Hangzhou Hotel,,basic,\n",
        on_file.customer
    );
    let (s, report) = import(&admin, "customers", csv).await;
    assert_eq!(s, StatusCode::OK, "{report}");
    assert_eq!(
        (report["rows"].as_u64(), report["created"].as_u64()),
        (Some(6), Some(2))
    );
    let refused: Vec<(u64, String, String)> = report["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["field"].as_str().unwrap_or("").to_owned(),
                r["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        refused,
        [
            (3, "name".into(), "invalid_input".into()),
            (4, "phone".into(), "invalid_input".into()),
            (5, "tier".into(), "invalid_input".into()),
            (6, "id".into(), "conflict".into()),
        ],
        "{report}"
    );
    let (_, found) = admin.get("/api/v1/customers?q=Hangzhou%20Hotel").await;
    assert_eq!(found["total"], 1, "rows after a refused one still go in");

    // Files that cannot be read at all are refused whole, with what to do about it.
    let (s, e) = import(&admin, "customers", "phone,tier\n123,basic\n").await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input"))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("\"name\" is missing"),
        "{e}"
    );
    let (s, e) = import(&admin, "customers", b"name\n\xff\xfe\n".to_vec()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e["message"].as_str().unwrap().contains("UTF-8"), "{e}");
    let (s, e) = import(&admin, "customers", "name,phone\nA\n").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (s, e) = import(&admin, "engineers", "name\nA\n").await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_path")),
        "only the file's tables"
    );
    let (s, _) = import(&desk, "customers", "name\nA\n").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
