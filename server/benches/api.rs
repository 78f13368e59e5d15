//! `cargo xtask bench api`: requests per second for "list my open work orders" and "post a
//! transition" against servers loaded with the demo data, beside an axum hello-world on the
//! same machine and the same load generator, printed as ratios: one server on SQLite, and
//! (when `FIXLINE_TEST_POSTGRES` names a PostgreSQL to make databases on; `cargo xtask bench
//! api` starts a throwaway one) one and three servers on one PostgreSQL, the clients spread
//! over them.
//!
//! Servers, PostgreSQL and the load generator share the machine, so the ratios are the
//! meaningful numbers; with two cores three servers cannot beat one, and what a fourth would
//! add is told by the CPU each request costs (the whole machine's busy time over the requests
//! answered, and PostgreSQL's share of it). `FIXLINE_BENCH_SECS` sets each run's length
//! (default 5), `FIXLINE_BENCH_CONNECTIONS` the concurrent clients (default 16).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fixline_server::{AppState, Config, demo};
use reqwest::Method;
use serde_json::json;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Figures {
    errors: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// The machine's busy CPU time per answered request, and PostgreSQL's part of it.
    cpu_ms: f64,
    postgres_cpu_ms: f64,
}

/// Busy CPU time so far, in seconds: the whole machine's (`/proc/stat`) and PostgreSQL's
/// processes' (`/proc/<pid>/stat` of every process named `postgres`).
fn cpu_seconds() -> (f64, f64) {
    // The kernel counts in USER_HZ ticks, 100 a second on Linux.
    const HZ: f64 = 100.0;
    let machine = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            let fields: Vec<f64> = s
                .lines()
                .next()?
                .split_whitespace()
                .skip(1)
                .filter_map(|f| f.parse().ok())
                .collect();
            // user nice system idle iowait irq softirq steal: all but idle and iowait.
            Some(fields.iter().take(8).sum::<f64>() - fields.get(3)? - fields.get(4)?)
        })
        .unwrap_or(0.0);
    let mut postgres = 0.0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid …: utime and stime are the 14th and 15th fields.
        let Some((name, rest)) = stat.split_once(") ") else {
            continue;
        };
        if !name.ends_with("(postgres") {
            continue;
        }
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        postgres += ticks(11) + ticks(12);
    }
    (machine / HZ, postgres / HZ)
}

/// Runs `connections` clients in a closed loop for `secs`, each sending what `make` builds.
async fn load<F>(connections: u64, secs: u64, make: F) -> Figures
where
    F: Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (make, stop) = (Arc::clone(&make), Arc::clone(&stop));
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let (mut latencies, mut errors) = (Vec::new(), 0u64);
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                match make(&client).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        latencies.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (l, e) = t.await.expect("client task");
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = cpu_seconds();
    let per_request = |before: f64, after: f64| (after - before) * 1000.0 / all.len().max(1) as f64;
    let cpu_ms = per_request(cpu_before.0, cpu_after.0);
    let postgres_cpu_ms = per_request(cpu_before.1, cpu_after.1);
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Figures {
        errors,
        rps: all.len() as f64 / elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        cpu_ms,
        postgres_cpu_ms,
    }
}

async fn hello_world() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, World!" }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A fresh, empty database on the PostgreSQL at `url`; answers its URL.
async fn fresh_postgres(url: &str, name: &str) -> String {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connecting to PostgreSQL");
    tokio::spawn(connection);
    // Each its own statement: neither may run inside a transaction.
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        client
            .batch_execute(&sql)
            .await
            .expect("a database for the benchmark");
    }
    let (base, _) = url.rsplit_once('/').expect("a URL with a database name");
    format!("{base}/{name}")
}

/// `servers` servers over one database loaded with the demo data; answers their addresses.
async fn servers(
    dir: &std::path::Path,
    database: fixline_server::config::DatabaseConfig,
    servers: usize,
) -> Vec<std::net::SocketAddr> {
    let mut addrs = Vec::new();
    for n in 0..servers {
        let db = database.clone();
        let store = tokio::task::spawn_blocking(move || fixline_server::store::open(&db))
            .await
            .expect("join")
            .expect("store");
        if n == 0 {
            let s = Arc::clone(&store);
            let blobs =
                fixline_server::blobs::BlobStore::new(&dir.join("blobs"), u64::MAX).expect("blobs");
            let loaded = Instant::now();
            tokio::task::spawn_blocking(move || {
                demo::load(
                    s.as_ref(),
                    &|b: &[u8]| blobs.put(b),
                    demo::DemoSize::default(),
                    chrono::Utc::now(),
                    fixline_core::zone::ServiceZone::SHANGHAI,
                )
            })
            .await
            .expect("join")
            .expect("demo data");
            println!(
                "  demo data loaded into {} in {:.1} s",
                database.describe(),
                loaded.elapsed().as_secs_f64()
            );
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        addrs.push(listener.local_addr().expect("addr"));
        let mut config = Config {
            database: database.clone(),
            ..Config::default()
        };
        config.storage.blob_dir = Some(dir.join("blobs"));
        let state = AppState::new(store, config).expect("the server starts");
        tokio::spawn(fixline_server::serve(
            listener,
            state,
            std::future::pending(),
        ));
    }
    addrs
}

async fn sign_in(http: &reqwest::Client, addr: std::net::SocketAddr, username: &str) -> String {
    let login: serde_json::Value = http
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": demo::DEMO_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login body");
    login["token"].as_str().expect("token").to_owned()
}

/// The work-order list `query` selects, as `token` sees it.
async fn listed(
    http: &reqwest::Client,
    addr: std::net::SocketAddr,
    query: &str,
    token: &str,
) -> serde_json::Value {
    http.get(format!("http://{addr}/api/v1/work-orders?{query}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("list body")
}

/// The two scenarios against `addrs`, each client on the server after the last one's.
async fn scenarios(
    addrs: Vec<std::net::SocketAddr>,
    connections: u64,
    secs: u64,
) -> (Figures, Figures) {
    let http = reqwest::Client::new();
    let first = addrs[0];
    // An engineer with open work, as the app would sign in.
    let mut chosen = None;
    for n in 1..=30 {
        let token = sign_in(&http, first, &format!("eng{n:02}")).await;
        let open = listed(
            &http,
            first,
            "open=true&status=accepted,on_site,en_route,assigned",
            &token,
        )
        .await;
        if open["items"][0]["id"].as_str().is_some() {
            chosen = Some(token);
            break;
        }
    }
    let token = chosen.expect("an engineer with open work in the demo data");
    // A dispatcher re-triaging a triaged job: a full transition (state machine, history,
    // change log, live feed) that leaves the order the same size, so every run is alike.
    let desk_token = sign_in(&http, first, "dispatcher").await;
    let triaged = listed(&http, first, "status=triaged&per_page=200", &desk_token).await;
    // Requests in turn over the triaged orders: a desk re-triages many jobs, not one job
    // sixteen times at once (which on PostgreSQL would measure retries after lost races).
    let orders: Vec<String> = triaged["items"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .collect();
    assert!(
        orders.len() >= connections as usize,
        "the demo has {} triaged orders, fewer than the connections",
        orders.len()
    );
    let order_turn = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let turn = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let next = move |addrs: &[std::net::SocketAddr], turn: &std::sync::atomic::AtomicUsize| {
        addrs[turn.fetch_add(1, Ordering::Relaxed) % addrs.len()]
    };
    let (a, t) = (addrs.clone(), Arc::clone(&turn));
    let list = load(connections, secs, move |c| {
        c.request(
            Method::GET,
            format!("http://{}/api/v1/work-orders?open=true", next(&a, &t)),
        )
        .bearer_auth(&token)
    })
    .await;
    let (a, t) = (addrs.clone(), Arc::clone(&turn));
    let transition = load(connections, secs, move |c| {
        let work_order = &orders[order_turn.fetch_add(1, Ordering::Relaxed) % orders.len()];
        c.post(format!(
            "http://{}/api/v1/work-orders/{work_order}/transitions",
            next(&a, &t)
        ))
        .bearer_auth(&desk_token)
        .json(&json!({"action": "triage", "priority": "P2"}))
    })
    .await;
    (list, transition)
}

fn main() {
    let secs = env_or("FIXLINE_BENCH_SECS", 5);
    let connections = env_or("FIXLINE_BENCH_CONNECTIONS", 16);
    let postgres = std::env::var("FIXLINE_TEST_POSTGRES").ok();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async move {
        let dir = tempfile::tempdir().expect("temp dir");
        println!(
            "load: {connections} connections, {secs} s per scenario, demo data (300 customers, \
             30 engineers, 400 work orders)"
        );
        let hello = hello_world().await;
        let hello_fig = load(connections, secs, move |c| {
            c.get(format!("http://{hello}/"))
        })
        .await;

        let mut modes = Vec::new();
        let mut sqlite = Config::default().database;
        sqlite.path = dir.path().join("bench.db");
        modes.push(("SQLite, 1 server", sqlite, 1));
        match &postgres {
            Some(url) => {
                for (n, name) in [(1, "fixline_bench_1"), (3, "fixline_bench_3")] {
                    let mut pg = Config::default().database;
                    pg.url = Some(fresh_postgres(url, name).await);
                    let label = if n == 1 {
                        "PostgreSQL, 1 server"
                    } else {
                        "PostgreSQL, 3 servers"
                    };
                    modes.push((label, pg, n));
                }
            }
            None => println!("  (no FIXLINE_TEST_POSTGRES: SQLite only)"),
        }
        let mut rows = vec![("axum hello-world (baseline)".to_owned(), hello_fig)];
        for (i, (label, database, n)) in modes.into_iter().enumerate() {
            let mode_dir = dir.path().join(format!("mode{i}"));
            std::fs::create_dir_all(&mode_dir).expect("dir");
            let addrs = servers(&mode_dir, database, n).await;
            let (list, transition) = scenarios(addrs, connections, secs).await;
            rows.push((format!("{label}: list my open work orders"), list));
            rows.push((format!("{label}: post a transition"), transition));
        }

        println!(
            "\n{:<52} {:>8} {:>8} {:>8} {:>9} {:>8} {:>9} {:>7}",
            "scenario", "req/s", "p50 ms", "p99 ms", "vs hello", "CPU ms", "of it PG", "errors"
        );
        let hello_rps = rows[0].1.rps.max(1.0);
        for (name, f) in &rows {
            println!(
                "{:<52} {:>8.0} {:>8.2} {:>8.2} {:>8.3}x {:>8.2} {:>9.2} {:>7}",
                name,
                f.rps,
                f.p50_ms,
                f.p99_ms,
                f.rps / hello_rps,
                f.cpu_ms,
                f.postgres_cpu_ms,
                f.errors
            );
        }
        let figure = |name: &str| rows.iter().find(|(n, _)| n == name).map(|(_, f)| f);
        for scenario in ["list my open work orders", "post a transition"] {
            let base = figure(&format!("SQLite, 1 server: {scenario}"));
            for mode in ["PostgreSQL, 1 server", "PostgreSQL, 3 servers"] {
                if let (Some(base), Some(f)) = (base, figure(&format!("{mode}: {scenario}"))) {
                    println!(
                        "{scenario}: {mode} {:.2}x SQLite's req/s, {:.2}x its CPU per request",
                        f.rps / base.rps.max(1.0),
                        f.cpu_ms / base.cpu_ms.max(f64::MIN_POSITIVE)
                    );
                }
            }
        }
    });
}
