//! Device sync benchmark: a realistic first sync of a day (200 work orders, a server with 5,000
//! customers with sites and assets and 2,000 articles) and an incremental sync after one edit,
//! against the real server over loopback. Prints time and bytes on the wire beside the floor:
//! the time SQLite alone needs to insert the same rows into the same device schema.
//!
//! Run with `cargo xtask bench sync`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use fixline_core::customer::{AssetDetails, CustomerDetails, Language, SiteDetails};
use fixline_core::ids::{ArticleId, AssetId, CustomerId, SiteId};
use fixline_core::knowledge::{Article, ArticleContent, ArticleKind};
use fixline_core::position::Position;
use fixline_device::{DeviceStore, ServerLink, sync};
use fixline_tests::{Crew, PASSWORD, crew, engineer};
use serde_json::json;
use uuid::Uuid;

const CUSTOMERS: usize = 5_000;
const JOBS: usize = 200;
const MODELS: usize = 40;
const GUIDES: usize = 2_000;

/// Customers next to each other share a model, so the jobs' customers cover every model.
fn model(i: usize) -> String {
    format!("FX-M{:03} 商用设备", i / (CUSTOMERS / JOBS) % MODELS)
}

/// Customers, sites and assets straight into the server's store (the API is not what is measured).
fn seed(store: &dyn fixline_server::store::Store) -> anyhow::Result<Vec<String>> {
    let at = Utc::now();
    let mut serials = Vec::new();
    for i in 0..CUSTOMERS {
        let customer: CustomerDetails = serde_json::from_value(json!({
            "name": format!("杭州第{i}号餐饮管理有限公司"), "phone": format!("0571-8{:07}", i), "tier": "standard"
        }))?;
        let c = store.create_customer(CustomerId::from_uuid(Uuid::now_v7()), customer, None, at)?;
        let site = store.create_site(
            SiteId::from_uuid(Uuid::now_v7()),
            c.id,
            SiteDetails {
                name: "总店".into(),
                address: format!("西湖区文三路 {i} 号"),
                city: "杭州市".into(),
                region: "西湖区".into(),
                position: Some(Position::new(30.27 + (i % 100) as f64 * 1e-3, 120.13)?),
                access_notes: Some("从后门卸货区进入".into()),
            },
            None,
            at,
        )?;
        let serial = format!("FXB{i:07}");
        store.create_asset(
            AssetId::from_uuid(Uuid::now_v7()),
            c.id,
            AssetDetails {
                site_id: site.id,
                model: model(i),
                serial: serial.clone(),
                category: "refrigeration".into(),
                install_date: NaiveDate::from_ymd_opt(2025, 6, 1),
                warranty_end: NaiveDate::from_ymd_opt(2027, 6, 1),
                tier: None,
            },
            None,
            at,
        )?;
        serials.push(serial);
    }
    for g in 0..GUIDES {
        let language = if g % 2 == 0 {
            Language::ZhCn
        } else {
            Language::En
        };
        let body =
            "1. 断电挂牌，确认设备无电后再打开面板。\n2. 读取故障码。\n3. 按下表处理。\n".repeat(6);
        let content = ArticleContent {
            models: vec![format!("FX-M{:03} 商用设备", g % MODELS)],
            ..ArticleContent::new(
                ArticleKind::RepairGuide,
                language,
                &format!("故障排查 {g}"),
                &body,
            )
        };
        let mut article = Article::new(ArticleId::from_uuid(Uuid::now_v7()), content, at)?;
        article.publish(at)?;
        store.create_article(&article, at)?;
    }
    Ok(serials)
}

/// The floor: the same rows inserted into a fresh device database in one transaction.
fn sqlite_floor(device_db: &std::path::Path, dir: &std::path::Path) -> anyhow::Result<Duration> {
    let floor_db = dir.join("floor.db");
    drop(DeviceStore::open(&floor_db)?);
    let source = rusqlite::Connection::open(device_db)?;
    let mut target = rusqlite::Connection::open(&floor_db)?;
    target.pragma_update(None, "journal_mode", "WAL")?;
    target.pragma_update(None, "synchronous", "FULL")?;
    let tables = [
        ("work_orders", "id, server_doc, server_version, doc, status"),
        ("customer_files", "id, doc"),
        ("articles", "id, doc"),
        ("colleagues", "id, doc"),
    ];
    let mut rows = Vec::new();
    for (table, cols) in tables {
        let mut stmt = source.prepare(&format!("SELECT {cols} FROM {table}"))?;
        let n = cols.split(',').count();
        let data = stmt
            .query_map([], |r| {
                (0..n)
                    .map(|i| r.get::<_, rusqlite::types::Value>(i))
                    .collect::<rusqlite::Result<Vec<_>>>()
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.push((table, cols, n, data));
    }
    let start = Instant::now();
    let tx = target.transaction()?;
    for (table, cols, n, data) in &rows {
        let marks = (1..=*n)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = tx.prepare(&format!("INSERT INTO {table} ({cols}) VALUES ({marks})"))?;
        for row in data {
            stmt.execute(rusqlite::params_from_iter(row))?;
        }
    }
    tx.commit()?;
    Ok(start.elapsed())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Crew {
        server,
        admin,
        desk,
        chen_id,
    } = crew().await;
    for i in 0..29 {
        engineer(&admin, &format!("工程师{i}"), "西湖区").await;
    }
    let store = Arc::clone(&server.store);
    eprintln!("seeding {CUSTOMERS} customers with sites and assets, {GUIDES} articles…");
    let serials = tokio::task::spawn_blocking(move || seed(store.as_ref())).await??;
    let mut jobs = Vec::new();
    for serial in serials.iter().step_by(CUSTOMERS / JOBS).take(JOBS) {
        let (_, receipt) = desk
            .post("/api/v1/work-orders", json!({"serial": serial, "symptom": "冷柜不制冷，柜内温度 12°C，压缩机不启动", "priority": "P2"}))
            .await;
        let id = receipt["work_order_id"].as_str().expect("job").to_owned();
        desk.act(&id, json!({"action": "triage"})).await;
        desk.act(&id, json!({"action": "assign", "engineer": chen_id}))
            .await;
        jobs.push(id);
    }

    let dir = tempfile::tempdir()?;
    let device_db = dir.path().join("device.db");
    let device = DeviceStore::open(&device_db)?;
    let session = ServerLink::new(&server.url(""))?
        .sign_in("chen", PASSWORD)
        .await?;
    device.sign_in(&session)?;

    let start = Instant::now();
    let mut pages = 0;
    let first = sync(&device, true, |_| pages += 1).await?;
    let first_time = start.elapsed();
    let floor = sqlite_floor(&device_db, dir.path())?;

    let (_, _) = desk
        .act(
            &jobs[7],
            json!({"action": "add_note", "text": "客户来电：下午两点后有人"}),
        )
        .await;
    let start = Instant::now();
    let incremental = sync(&device, true, |_| {}).await?;
    let incremental_time = start.elapsed();

    let counts = |sql: &str| -> anyhow::Result<i64> {
        Ok(rusqlite::Connection::open(&device_db)?.query_row(sql, [], |r| r.get(0))?)
    };
    println!("Device sync (server and device on this machine, loopback HTTP, release build)");
    println!(
        "  first sync: {} records in {pages} pages ({} jobs, {} customer files, {} articles, {} colleagues)",
        first.pulled,
        counts("SELECT count(*) FROM work_orders")?,
        counts("SELECT count(*) FROM customer_files")?,
        counts("SELECT count(*) FROM articles")?,
        counts("SELECT count(*) FROM colleagues")?,
    );
    println!(
        "    time {:>8.1} ms   on the wire {:>8.1} KB",
        first_time.as_secs_f64() * 1e3,
        first.bytes as f64 / 1024.0
    );
    println!(
        "    floor (SQLite inserting the same rows, one transaction) {:>6.1} ms   ratio {:.1}x",
        floor.as_secs_f64() * 1e3,
        first_time.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "  incremental sync after one edit: {} record(s), {:.1} ms, {:.1} KB on the wire",
        incremental.pulled,
        incremental_time.as_secs_f64() * 1e3,
        incremental.bytes as f64 / 1024.0
    );
    Ok(())
}
