//! Test harness: boots the real dispatch server on `127.0.0.1:0` over a real SQLite file in a
//! temporary directory, and a small HTTP client that signs in as a role.
//!
//! With `FIXLINE_TEST_STORE=postgres` (and `FIXLINE_TEST_POSTGRES`, the URL of a PostgreSQL
//! the tests may create databases on; `cargo xtask test` starts a throwaway one), each fresh
//! server gets a fresh PostgreSQL database instead: the same suite runs on both stores.

// Harness types hold servers, clients and tasks; printing them helps no test.
#![allow(missing_debug_implementations)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fixline_core::role::Role;
use fixline_server::store::Store;
use fixline_server::{AppState, Config, NewUser};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub mod hooks;
pub mod postgres;
pub mod printer;
pub mod proxy;
pub mod sms;
pub mod smtp;
pub mod webdriver;
pub mod wechat;

pub const PASSWORD: &str = "test-password";

/// On PostgreSQL, the database standing for each test's database file.
static DATABASES: std::sync::Mutex<std::collections::BTreeMap<PathBuf, String>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// The database server processes share: the SQLite file, or on the suite's PostgreSQL run a
/// fresh PostgreSQL database (its URL).
pub async fn shared_database(file: &Path) -> String {
    match postgres::for_the_suite() {
        Some(url) => postgres::fresh_database(&url).await,
        None => file.display().to_string(),
    }
}

/// Servers started over `db_path` use the PostgreSQL database at `url` instead.
pub fn on_postgres(db_path: &Path, url: String) {
    DATABASES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(db_path.to_owned(), url);
}

/// The PostgreSQL database a server over `db_path` uses, when the suite runs on PostgreSQL.
pub fn database_url(db_path: &Path) -> Option<String> {
    DATABASES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(db_path)
        .cloned()
}

/// The repository root. Cargo says where at run time: clones that share one target dir share
/// test binaries, and the path built into one may be another clone's.
pub fn workspace_root() -> PathBuf {
    Path::new(
        &std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .parent()
    .expect("tests/ is inside the workspace")
    .to_owned()
}

/// A running server; dropping the directory removes the database.
pub struct TestServer {
    pub addr: SocketAddr,
    pub db_path: PathBuf,
    pub store: Arc<dyn Store>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A fresh database with an `admin` login.
    pub async fn start() -> TestServer {
        TestServer::start_configured(|_| {}).await
    }

    /// A fresh database with an `admin` login, with settings changed by `configure`.
    pub async fn start_configured(configure: impl FnOnce(&mut Config)) -> TestServer {
        TestServer::start_fresh(None, configure).await
    }

    /// A fresh database with an `admin` login, its clock reading `now` at the start: tests of
    /// the day boundary run at the hour they name, not the hour CI happens to run at.
    pub async fn start_at_time(now: chrono::DateTime<chrono::Utc>) -> TestServer {
        TestServer::start_fresh(Some(now), |_| {}).await
    }

    /// A fresh server whose clock reads `now` at the start, with settings of the test's own.
    pub async fn start_at_time_configured(
        now: chrono::DateTime<chrono::Utc>,
        configure: impl FnOnce(&mut Config),
    ) -> TestServer {
        TestServer::start_fresh(Some(now), configure).await
    }

    async fn start_fresh(
        now: Option<chrono::DateTime<chrono::Utc>>,
        configure: impl FnOnce(&mut Config),
    ) -> TestServer {
        TestServer::start_fresh_on(postgres::for_the_suite(), now, configure).await
    }

    /// A fresh database with an `admin` login: a new database on the PostgreSQL at `postgres`
    /// (a `postgres://` URL), else a SQLite file.
    pub async fn start_fresh_on(
        postgres: Option<String>,
        now: Option<chrono::DateTime<chrono::Utc>>,
        configure: impl FnOnce(&mut Config),
    ) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("fixline.db");
        if let Some(url) = postgres {
            on_postgres(&db_path, postgres::fresh_database(&url).await);
        }
        let mut server = TestServer::start_timed(&db_path, "127.0.0.1:0", now, configure).await;
        let store = Arc::clone(&server.store);
        tokio::task::spawn_blocking(move || {
            fixline_server::create_user(
                store.as_ref(),
                NewUser {
                    username: "admin".into(),
                    display_name: "Admin".into(),
                    password: PASSWORD.into(),
                    role: Role::Admin,
                    engineer_id: None,
                },
            )
        })
        .await
        .expect("join")
        .expect("admin user");
        server._dir = Some(dir);
        server
    }

    /// A server over an existing (or new) database file, as after a restart.
    pub async fn start_on(db_path: &Path) -> TestServer {
        TestServer::start_at(db_path, "127.0.0.1:0").await
    }

    /// A server over a database file at a given address: a restart that devices, which remember
    /// the address, find again.
    pub async fn start_at(db_path: &Path, addr: &str) -> TestServer {
        TestServer::start_with(db_path, addr, |_| {}).await
    }

    pub async fn start_with(
        db_path: &Path,
        addr: &str,
        configure: impl FnOnce(&mut Config),
    ) -> TestServer {
        TestServer::start_timed(db_path, addr, None, configure).await
    }

    /// A server over an existing database file whose clock reads `now` at the start: the
    /// same data, days later.
    pub async fn restart_at(db_path: &Path, now: chrono::DateTime<chrono::Utc>) -> TestServer {
        TestServer::start_timed(db_path, "127.0.0.1:0", Some(now), |_| {}).await
    }

    async fn start_timed(
        db_path: &Path,
        addr: &str,
        now: Option<chrono::DateTime<chrono::Utc>>,
        configure: impl FnOnce(&mut Config),
    ) -> TestServer {
        let mut config = Config::default();
        config.database.path = db_path.to_owned();
        config.database.url = database_url(db_path);
        let database = config.database.clone();
        let store = tokio::task::spawn_blocking(move || fixline_server::store::open(&database))
            .await
            .expect("join")
            .expect("open store");
        config.server.max_body_bytes = 64 * 1024;
        // Notices are sent only in the tests about them: the others' SMTP sinks get the
        // receipts they expect and nothing else.
        config.notify.enabled = false;
        // The built UI (cargo xtask ui), for the browser tests.
        let ui = workspace_root().join("src-ui/dist");
        config.server.ui_dir = ui.join("index.html").exists().then_some(ui);
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        config.receipts.public_url = Some(format!("http://{addr}"));
        configure(&mut config);
        let (tx, rx) = oneshot::channel();
        let mut state = AppState::new(Arc::clone(&store), config).expect("the server starts");
        if let Some(now) = now {
            state = state.with_clock(fixline_server::clock::Clock::starting_at(now));
        }
        let task = tokio::spawn(fixline_server::serve(listener, state, async {
            let _ = rx.await;
        }));
        TestServer {
            addr,
            db_path: db_path.to_owned(),
            store,
            stop: Some(tx),
            task: Some(task),
            _dir: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops the server and waits until it has let go of the database; keeps the directory.
    pub async fn stop(&mut self) -> Option<tempfile::TempDir> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server ran");
        }
        self._dir.take()
    }

    pub fn anonymous(&self) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: self.url(""),
            token: None,
        }
    }

    pub async fn login(&self, username: &str) -> Client {
        let mut client = self.anonymous();
        let (status, body) = client
            .send(
                Method::POST,
                "/api/v1/auth/login",
                Some(serde_json::json!({"username": username, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        client.token = Some(body["token"].as_str().expect("token").to_owned());
        client
    }

    /// Creates a login with `role` (and for engineers, their engineer record) as admin.
    pub async fn user(
        &self,
        admin: &Client,
        username: &str,
        role: Role,
        engineer: Option<&str>,
    ) -> Client {
        let (status, body) = admin
            .post("/api/v1/users", serde_json::json!({"username": username, "display_name": username, "password": PASSWORD, "role": role, "engineer_id": engineer}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "create {username}: {body}");
        self.login(username).await
    }
}

/// An HTTP client with an optional bearer token.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
}

impl Client {
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(method, format!("{}{}", self.base, path));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut r = self.request(method, path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        read(r.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    /// PUT with `If-Match: "<version>"`.
    pub async fn put(&self, path: &str, version: Option<u64>, body: Value) -> (StatusCode, Value) {
        let mut r = self.request(Method::PUT, path).json(&body);
        if let Some(v) = version {
            r = r.header("If-Match", format!("\"{v}\""));
        }
        read(r.send().await.expect("request")).await
    }

    /// POST with `If-Match: "<version>"`.
    pub async fn post_at(&self, path: &str, version: u64, body: Value) -> (StatusCode, Value) {
        let r = self
            .request(Method::POST, path)
            .json(&body)
            .header("If-Match", format!("\"{version}\""));
        read(r.send().await.expect("request")).await
    }

    /// Performs a lifecycle action; returns the status and the work order (or error).
    pub async fn act(&self, work_order: &str, action: Value) -> (StatusCode, Value) {
        self.post(
            &format!("/api/v1/work-orders/{work_order}/transitions"),
            action,
        )
        .await
    }
}

/// Writes an article at the desk and publishes it; answers the published article.
pub async fn published_article(desk: &Client, content: Value) -> Value {
    let (s, draft) = desk.post("/api/v1/articles", content).await;
    assert_eq!(s, StatusCode::CREATED, "{draft}");
    let (s, article) = desk
        .post_at(
            &format!("/api/v1/articles/{}/edits", draft["id"].as_str().unwrap()),
            draft["version"].as_u64().unwrap(),
            serde_json::json!({"edit": "publish"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{article}");
    article
}

pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// A customer with one site (with position) and one asset, made through the API.
pub struct Fixture {
    pub customer: String,
    pub site: String,
    pub asset: String,
    pub serial: String,
}

pub async fn customer_with_asset(desk: &Client, name: &str, serial: &str) -> Fixture {
    customer_from(
        desk,
        serde_json::json!({"name": name, "phone": "0571-8888 0001", "tier": "premium"}),
        serial,
    )
    .await
}

/// A customer the notices reach by e-mail, in `language` (`zh-CN` or `en`).
pub async fn customer_reached_by(
    desk: &Client,
    email: &str,
    language: &str,
    serial: &str,
) -> Fixture {
    customer_from(
        desk,
        serde_json::json!({"name": "杭州湖滨餐饮", "phone": "0571-8888 0001", "email": email,
                           "language": language, "tier": "premium"}),
        serial,
    )
    .await
}

/// The first dead letter on the desk's list, once the notification worker has given one up
/// (it looks every second in tests); within 20 s.
pub async fn dead_letter(desk: &Client) -> serde_json::Value {
    for _ in 0..100 {
        let (_, dead) = desk.get("/api/v1/notifications?state=dead&limit=10").await;
        if let Some(d) = dead.as_array().and_then(|a| a.first()) {
            return d.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("no notice was given up within 20 s");
}

/// The customer `details` (as posted) with a site in Hangzhou and a cabinet `serial` there.
pub async fn customer_from(desk: &Client, details: serde_json::Value, serial: &str) -> Fixture {
    let (s, c) = desk.post("/api/v1/customers", details).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let customer = c["id"].as_str().expect("id").to_owned();
    let (s, site) = desk
        .post(
            &format!("/api/v1/customers/{customer}/sites"),
            serde_json::json!({"name": "总店", "address": "西湖区文三路 398 号", "city": "杭州市", "region": "西湖区", "position": {"lat": 30.2766, "lon": 120.1305}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{site}");
    let site = site["id"].as_str().expect("id").to_owned();
    let (s, asset) = desk
        .post(
            &format!("/api/v1/customers/{customer}/assets"),
            serde_json::json!({"site_id": site, "model": "FX-SC650 立式冷藏柜", "serial": serial, "category": "refrigeration", "install_date": "2025-06-01", "warranty_end": "2027-06-01"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{asset}");
    Fixture {
        customer,
        site,
        asset: asset["id"].as_str().expect("id").to_owned(),
        serial: serial.to_owned(),
    }
}

/// An engineer record (skills, shift, home base) made through the API; returns its id.
/// A weekday engineer in `region` with one refrigeration skill at `level` and no certificate;
/// returns the id.
pub async fn uncertified_engineer(manager: &Client, name: &str, region: &str, level: u8) -> String {
    let (s, e) = manager
        .post(
            "/api/v1/engineers",
            serde_json::json!({
                "name": name, "phone": "138 0571 0002", "region": region,
                "skills": [{"category": "refrigeration", "level": level}],
                "home_base": {"lat": 30.27, "lon": 120.13},
                "shift": {"weekdays": [1, 2, 3, 4, 5], "start": "08:30:00", "end": "17:30:00", "break_minutes": 60}
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    e["id"].as_str().expect("id").to_owned()
}

pub async fn engineer(manager: &Client, name: &str, region: &str) -> String {
    let (s, e) = manager
        .post(
            "/api/v1/engineers",
            serde_json::json!({
                "name": name, "phone": "138 0571 0001", "region": region,
                "skills": [{"category": "refrigeration", "level": 4}],
                "certifications": [{"name": "制冷与空调作业证", "expires_on": "2028-01-01"}],
                "home_base": {"lat": 30.27, "lon": 120.13},
                "shift": {"weekdays": [1, 2, 3, 4, 5], "start": "08:30:00", "end": "17:30:00", "break_minutes": 60}
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    e["id"].as_str().expect("id").to_owned()
}

/// A job for the fixture's asset, taken in by the desk, triaged and assigned to `engineer`;
/// returns its id.
pub async fn assigned_job(desk: &Client, fx: &Fixture, engineer: &str, symptom: &str) -> String {
    let id = new_request(desk, fx, symptom).await;
    assign(desk, &id, engineer).await;
    id
}

/// The desk logs a P2 request for the fixture's machine; returns the job's id.
pub async fn new_request(desk: &Client, fx: &Fixture, symptom: &str) -> String {
    let (s, receipt) = desk
        .post(
            "/api/v1/work-orders",
            serde_json::json!({"serial": fx.serial, "symptom": symptom, "priority": "P2"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{receipt}");
    receipt["work_order_id"].as_str().expect("id").to_owned()
}

/// The desk triages a new job and assigns it to `engineer`.
pub async fn assign(desk: &Client, job: &str, engineer: &str) {
    for action in [
        serde_json::json!({"action": "triage"}),
        serde_json::json!({"action": "assign", "engineer": engineer}),
    ] {
        let (s, body) = desk.act(job, action).await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
}

/// The usual cast: a fresh server with an admin, a dispatcher (`desk`) and an engineer
/// (`chen`, 陈建国 in 西湖区) who can sign in.
pub struct Crew {
    pub server: TestServer,
    pub admin: Client,
    pub desk: Client,
    pub chen_id: String,
}

pub async fn crew() -> Crew {
    crew_configured(|_| {}).await
}

pub async fn crew_configured(configure: impl FnOnce(&mut Config)) -> Crew {
    crew_on(TestServer::start_configured(configure).await).await
}

/// The crew on a server whose clock reads `now` at the start.
pub async fn crew_at(now: chrono::DateTime<chrono::Utc>) -> Crew {
    crew_on(TestServer::start_at_time(now).await).await
}

/// The crew on a server whose clock reads `now` at the start, with settings of the test's own.
pub async fn crew_at_configured(
    now: chrono::DateTime<chrono::Utc>,
    configure: impl FnOnce(&mut Config),
) -> Crew {
    crew_on(TestServer::start_at_time_configured(now, configure).await).await
}

/// The crew (admin, desk, chen) on `server`.
pub async fn crew_on(server: TestServer) -> Crew {
    let admin = server.login("admin").await;
    let desk = server.user(&admin, "desk", Role::Dispatcher, None).await;
    let chen_id = engineer(&admin, "陈建国", "西湖区").await;
    server
        .user(&admin, "chen", Role::Engineer, Some(&chen_id))
        .await;
    Crew {
        server,
        admin,
        desk,
        chen_id,
    }
}

/// A job for chen at a new customer, and its number as the UI shows it.
pub async fn chens_job(crew: &Crew, serial: &str) -> (String, String) {
    let fx = customer_with_asset(&crew.desk, "杭州湖滨餐饮管理有限公司", serial).await;
    let job = assigned_job(&crew.desk, &fx, &crew.chen_id, "冷柜不制冷，柜内 12°C").await;
    let (_, order) = crew.desk.get(&format!("/api/v1/work-orders/{job}")).await;
    let number = order["number"].as_str().expect("number").to_owned();
    (job, number)
}

/// A job chen finished with `priority`, the customer signing or refusing; returns its id and
/// the receipt link's token.
pub async fn finished_job(
    crew: &Crew,
    serial: &str,
    priority: &str,
    refused: bool,
) -> (String, String) {
    let chen = crew.server.login("chen").await;
    // Signed by the server's clock (a test's server may run at a fixed date).
    let (_, clock) = crew.desk.get("/api/v1/clock").await;
    let now: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(clock["now"].clone()).expect("the server's now");
    let fx = customer_with_asset(&crew.desk, &format!("客户{serial}"), serial).await;
    let (s, r) = crew
        .desk
        .post(
            "/api/v1/work-orders",
            serde_json::json!({"serial": serial, "symptom": "冷柜不制冷", "priority": priority}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let job = r["work_order_id"].as_str().unwrap().to_owned();
    for (who, step) in [
        (&crew.desk, serde_json::json!({"action": "triage"})),
        (
            &crew.desk,
            serde_json::json!({"action": "assign", "engineer": crew.chen_id}),
        ),
        (&chen, serde_json::json!({"action": "accept"})),
        (&chen, serde_json::json!({"action": "start_travel"})),
        (&chen, serde_json::json!({"action": "arrive"})),
        (
            &chen,
            serde_json::json!({"action": "complete", "resolution": "on_site_repair", "summary": "更换启动继电器"}),
        ),
    ] {
        let (s, b) = who.act(&job, step.clone()).await;
        assert_eq!(s, StatusCode::OK, "{step}: {b}");
    }
    let sign_off = if refused {
        fixline_core::receipt::SignOff::Refused {
            signer_name: "店长".into(),
            reason: "说明天再看".into(),
            at: now,
        }
    } else {
        signature("陈静", now)
    };
    let _ = fx;
    let token = post_receipt(&chen, &job, sign_off).await;
    (job, token)
}

/// A customer's signature (three strokes) at `at`.
pub fn signature(
    signer: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> fixline_core::receipt::SignOff {
    fixline_core::receipt::SignOff::Signed(fixline_core::receipt::Signature {
        signer_name: signer.into(),
        signed_at: at,
        width: 400.0,
        height: 150.0,
        strokes: vec![vec![[20.0, 100.0], [60.0, 30.0], [120.0, 110.0]]],
    })
}

/// The engineer makes the job's receipt with the customer's sign-off; returns the receipt
/// link's token.
pub async fn post_receipt(
    engineer: &Client,
    job: &str,
    sign_off: fixline_core::receipt::SignOff,
) -> String {
    let (s, wo) = engineer
        .post(
            &format!("/api/v1/work-orders/{job}/receipt"),
            serde_json::json!({ "sign_off": sign_off }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{wo}");
    wo["receipt"]["token"].as_str().unwrap().to_owned()
}

/// A new job waiting for an engineer at a new customer; returns its id and number.
pub async fn waiting_job(
    desk: &Client,
    customer: &str,
    serial: &str,
    category: &str,
) -> (String, String) {
    let fx = customer_with_asset(desk, customer, serial).await;
    let (s, r) = desk
        .post(
            "/api/v1/work-orders",
            serde_json::json!({"serial": fx.serial, "symptom": "冷柜不制冷", "category": category}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    (
        r["work_order_id"].as_str().expect("id").to_owned(),
        r["number"].as_str().expect("number").to_owned(),
    )
}

/// The next Wednesday after today in the service area (Hangzhou): a day every test engineer's
/// shift pattern includes.
pub fn next_wednesday() -> chrono::NaiveDate {
    next_wednesday_after(fixline_core::zone::ServiceZone::SHANGHAI.local_day(chrono::Utc::now()))
}

/// The first Wednesday after `today`.
pub fn next_wednesday_after(today: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    let ahead = (7 + 2 - i64::from(today.weekday().num_days_from_monday())) % 7;
    today + chrono::Duration::days(if ahead == 0 { 7 } else { ahead })
}

/// A device store in `dir`, signed in to `server` as `username` (a tablet after first login).
pub async fn signed_in_device(
    server: &TestServer,
    dir: &Path,
    username: &str,
) -> fixline_device::DeviceStore {
    signed_in_device_at(&server.url(""), dir, username).await
}

/// How many times each note's text is on the server's copies of `jobs`, after checking that
/// the device shows each job exactly as the server has it.
pub async fn notes_agreed(
    desk: &Client,
    device: &fixline_device::DeviceStore,
    jobs: &[String],
) -> std::collections::BTreeMap<String, usize> {
    let mut seen = std::collections::BTreeMap::new();
    for job in jobs {
        let (_, order) = desk.get(&format!("/api/v1/work-orders/{job}")).await;
        for n in order["notes"].as_array().expect("notes") {
            *seen
                .entry(n["text"].as_str().expect("a note's text").to_owned())
                .or_default() += 1;
        }
        let local = device
            .job(job.parse().expect("an id"))
            .expect("the job on the device");
        assert_eq!(
            serde_json::to_value(&local.work_order).expect("json"),
            order,
            "device and server agree on {job}"
        );
    }
    seen
}

/// A device signed in to the server at `base` (`http://host:port`).
pub async fn signed_in_device_at(
    base: &str,
    dir: &Path,
    username: &str,
) -> fixline_device::DeviceStore {
    let store =
        fixline_device::DeviceStore::open(&dir.join(format!("{username}.db"))).expect("device db");
    let session = fixline_device::ServerLink::new(base)
        .expect("server address")
        .sign_in(username, PASSWORD)
        .await
        .expect("sign in");
    store.sign_in(&session).expect("session stored");
    store
}

/// The QR codes readable on a printed or rendered page.
pub fn qr_codes(page: image::GrayImage) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare(page);
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect()
}

impl Client {
    /// GET a file (a PDF, a PNG): its bytes.
    pub async fn bytes(&self, path: &str) -> Vec<u8> {
        self.request(Method::GET, path)
            .send()
            .await
            .expect("request")
            .bytes()
            .await
            .expect("body")
            .to_vec()
    }
}

/// A PDF's text as `pdftotext` reads it back (layout lost, words kept).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).expect("write the PDF");
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext");
    String::from_utf8(out.stdout).expect("UTF-8 text")
}
