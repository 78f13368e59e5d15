//! `cargo xtask bench api`: requests per second for "list my open work orders" and "post a
//! transition" against a server loaded with the demo data, beside an axum hello-world on the
//! same machine and the same load generator, printed as ratios.
//!
//! Server and load generator share the machine, as they share it for the hello-world figure,
//! so the ratio is the meaningful number. `FIXLINE_BENCH_SECS` sets each run's length (default 5),
//! `FIXLINE_BENCH_CONNECTIONS` the concurrent clients (default 16).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fixline_server::store::{SqliteStore, Store};
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
}

/// Runs `connections` clients in a closed loop for `secs`, each sending what `make` builds.
async fn load<F>(connections: u64, secs: u64, make: F) -> Figures
where
    F: Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
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

fn main() {
    let secs = env_or("FIXLINE_BENCH_SECS", 5);
    let connections = env_or("FIXLINE_BENCH_CONNECTIONS", 16);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async move {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bench.db");
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("store"));
        let s = Arc::clone(&store);
        let loaded = Instant::now();
        let blobs = fixline_server::blobs::BlobStore::new(&dir.path().join("bench.db.blobs"), u64::MAX).expect("blobs");
        tokio::task::spawn_blocking(move || demo::load(s.as_ref(), &|b: &[u8]| blobs.put(b), demo::DemoSize::default(), chrono::Utc::now(), fixline_core::zone::ServiceZone::SHANGHAI)).await.expect("join").expect("demo data");
        println!("demo data loaded in {:.1} s ({} customers, {} engineers, {} work orders)", loaded.elapsed().as_secs_f64(), 300, 30, 400);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = Config::default();
        config.database.path = path.clone();
        let state = AppState::new(store, config).expect("the server starts");
        tokio::spawn(fixline_server::serve(listener, state, std::future::pending()));
        let hello = hello_world().await;

        // An engineer with open work, as the app would sign in.
        let http = reqwest::Client::new();
        let mut chosen = None;
        for n in 1..=30 {
            let login: serde_json::Value = http
                .post(format!("http://{addr}/api/v1/auth/login"))
                .json(&json!({"username": format!("eng{n:02}"), "password": demo::DEMO_PASSWORD}))
                .send().await.expect("login").json().await.expect("login body");
            let token = login["token"].as_str().expect("token").to_owned();
            let open: serde_json::Value = http.get(format!("http://{addr}/api/v1/work-orders?open=true&status=accepted,on_site,en_route,assigned")).bearer_auth(&token).send().await.expect("list").json().await.expect("list body");
            if let Some(id) = open["items"][0]["id"].as_str() {
                chosen = Some((token, id.to_owned(), open["total"].as_u64().unwrap_or(0)));
                break;
            }
        }
        let (token, _, open_count) = chosen.expect("an engineer with open work in the demo data");
        // A dispatcher re-triaging a triaged job: a full transition (state machine, history,
        // change log, live feed) that leaves the order the same size, so every run is alike.
        let desk: serde_json::Value = http
            .post(format!("http://{addr}/api/v1/auth/login"))
            .json(&json!({"username": "dispatcher", "password": demo::DEMO_PASSWORD}))
            .send().await.expect("login").json().await.expect("login body");
        let desk_token = desk["token"].as_str().expect("token").to_owned();
        let triaged: serde_json::Value = http.get(format!("http://{addr}/api/v1/work-orders?status=triaged")).bearer_auth(&desk_token).send().await.expect("list").json().await.expect("list body");
        let work_order = triaged["items"][0]["id"].as_str().expect("a triaged demo order").to_owned();
        println!("load: {connections} connections, {secs} s per scenario; engineer with {open_count} open jobs\n");

        let hello_fig = load(connections, secs, move |c| c.get(format!("http://{hello}/"))).await;
        let t = token.clone();
        let list_fig = load(connections, secs, move |c| c.request(Method::GET, format!("http://{addr}/api/v1/work-orders?open=true")).bearer_auth(&t)).await;
        let transition_fig = load(connections, secs, move |c| {
            c.post(format!("http://{addr}/api/v1/work-orders/{work_order}/transitions"))
                .bearer_auth(&desk_token)
                .json(&json!({"action": "triage", "priority": "P2"}))
        })
        .await;

        println!("{:<34} {:>10} {:>9} {:>9} {:>9} {:>8}", "scenario", "req/s", "p50 ms", "p99 ms", "vs hello", "errors");
        for (name, f) in [("axum hello-world (baseline)", &hello_fig), ("list my open work orders", &list_fig), ("post a transition (triage)", &transition_fig)] {
            println!(
                "{:<34} {:>10.0} {:>9.2} {:>9.2} {:>8.3}x {:>8}",
                name, f.rps, f.p50_ms, f.p99_ms, f.rps / hello_fig.rps.max(1.0), f.errors
            );
        }
    });
}
