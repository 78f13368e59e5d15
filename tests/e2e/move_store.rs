//! `fixline-server migrate-store`: a SQLite database with the demo's data and a server's use
//! moves into PostgreSQL whole, every table compared after the copy, and a server on
//! PostgreSQL carries on where the file left off. A move that meets a bad value or a database
//! already in use writes nothing.

use fixline_server::store::postgres::moving::move_sqlite;
use fixline_tests::postgres::{ThrowawayPostgres, fresh_database};
use fixline_tests::{TestServer, customer_with_asset, new_request, on_postgres};
use reqwest::StatusCode;

/// Rows of `table` in the PostgreSQL database at `url`.
async fn rows(url: &str, table: &str) -> i64 {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

/// The demo's dispatcher, signed in.
async fn demo_login(server: &TestServer) -> fixline_tests::Client {
    let mut client = server.anonymous();
    let (s, body) = client
        .post(
            "/api/v1/auth/login",
            serde_json::json!({"username": "dispatcher", "password": fixline_server::demo::DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    client.token = body["token"].as_str().map(str::to_owned);
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_database_moves_into_postgres_and_a_server_there_carries_on() {
    // On SQLite: the demo's data, and what a day's use adds (sessions, a customer, a request).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.db");
    let path = file.clone();
    let now = chrono::Utc::now();
    tokio::task::spawn_blocking(move || {
        let store = fixline_server::store::SqliteStore::open(&path).unwrap();
        fixline_server::demo::load(
            &store,
            &|bytes: &[u8]| Ok(fixline_core::receipt::sha256_hex(bytes)),
            fixline_server::demo::DemoSize {
                customers: 40,
                engineers: 8,
                work_orders: 80,
            },
            now,
            fixline_core::zone::ServiceZone::SHANGHAI,
        )
    })
    .await
    .unwrap()
    .unwrap();
    let mut on_file = TestServer::start_on(&file).await;
    let desk = demo_login(&on_file).await;
    let fx = customer_with_asset(&desk, "杭州湖滨餐饮管理有限公司", "FX-MOVE-1").await;
    new_request(&desk, &fx, "冷柜不制冷").await;
    let (_, listed) = desk.get("/api/v1/work-orders?per_page=1").await;
    let jobs = listed["total"].as_u64().unwrap();
    let last_seq = on_file.store.latest_seq().unwrap();
    on_file.stop().await;

    let pg = ThrowawayPostgres::start();
    let url = fresh_database(&pg.url).await;
    let (from, to) = (file.clone(), url.clone());
    let moved = tokio::task::spawn_blocking(move || move_sqlite(&from, &to))
        .await
        .unwrap()
        .expect("the move");
    let count = |t: &str| moved.iter().find(|m| m.table == t).map(|m| m.rows);
    assert_eq!(count("work_orders"), Some(jobs as usize));
    assert!(count("customers").unwrap() > 40, "{moved:?}");
    assert_eq!(count("sessions"), Some(1), "the dispatcher's sign-in");
    assert_eq!(count("changes"), Some(last_seq as usize));
    assert_eq!(rows(&url, "work_orders").await, jobs as i64);

    // Moving again, into a database with rows: refused, nothing added.
    let (from, to) = (file.clone(), url.clone());
    let again = tokio::task::spawn_blocking(move || move_sqlite(&from, &to))
        .await
        .unwrap();
    assert!(
        matches!(&again, Err(fixline_server::Error::Conflict(m)) if m.contains("not empty")),
        "{again:?}"
    );
    assert_eq!(rows(&url, "work_orders").await, jobs as i64);

    // A server on PostgreSQL: the same logins, jobs and numbers, and the log goes on.
    let pg_path = dir.path().join("moved.db");
    on_postgres(&pg_path, url.clone());
    let on_pg = TestServer::start_on(&pg_path).await;
    let desk = demo_login(&on_pg).await;
    let (s, listed) = desk.get("/api/v1/work-orders?per_page=1").await;
    assert_eq!((s, listed["total"].as_u64()), (StatusCode::OK, Some(jobs)));
    let job = new_request(&desk, &fx, "制冰机不出冰").await;
    let (_, order) = desk.get(&format!("/api/v1/work-orders/{job}")).await;
    let number = order["number"].as_str().unwrap().to_owned();
    assert_eq!(number, format!("WO-{:06}", jobs + 1), "numbering goes on");
    let next = on_pg.store.changes_since(last_seq, 100).unwrap();
    assert_eq!(
        next.first().map(|c| c.seq),
        Some(last_seq + 1),
        "no gap, no reuse"
    );
    drop(dir);
}

#[tokio::test]
async fn a_move_that_meets_a_bad_value_writes_nothing() {
    let mut on_file = TestServer::start().await;
    let admin = on_file.login("admin").await;
    let desk = on_file
        .user(&admin, "desk", fixline_core::role::Role::Dispatcher, None)
        .await;
    customer_with_asset(&desk, "杭州湖滨餐饮管理有限公司", "FX-MOVE-2").await;
    let dir = on_file.stop().await.unwrap();
    let file = on_file.db_path.clone();
    drop(on_file);
    rusqlite::Connection::open(&file)
        .unwrap()
        .execute("UPDATE assets SET doc = 'not json'", [])
        .unwrap();

    let pg = ThrowawayPostgres::start();
    let url = fresh_database(&pg.url).await;
    let to = url.clone();
    let failed = tokio::task::spawn_blocking(move || move_sqlite(&file, &to))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        failed.to_string().contains("assets row 1, doc: not JSON"),
        "{failed}"
    );
    assert_eq!(rows(&url, "customers").await, 0, "all or nothing");
    assert_eq!(rows(&url, "users").await, 0);
    drop(dir);
}
