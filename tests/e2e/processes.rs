//! The server as a child process (`outbox-server`, a test binary over the real server), for the
//! tests that SIGKILL it or run several over one database.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use fixline_tests::{Client, PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Starts a server process over `db` whose clock reads `start` (RFC 3339) when it starts, with
/// `env` added (`FIXLINE__…` settings); returns it and its address once it listens. SMTP port
/// 0 keeps the notification worker off.
pub async fn server_process(
    db: &str,
    start: &str,
    smtp_port: u16,
    env: &[(&str, &str)],
) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_outbox-server"))
        .arg(db)
        .arg(start)
        .arg(smtp_port.to_string())
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start outbox-server");
    let out = child.stdout.take().expect("piped stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(out).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("reader thread")
    .expect("the server's first line");
    let addr = line
        .trim()
        .strip_prefix("ready ")
        .unwrap_or_else(|| panic!("{line}"))
        .to_owned();
    (child, format!("http://{addr}"))
}

/// The server process's administrator, signed in.
pub async fn admin(base: &str) -> Client {
    let mut client = Client {
        http: reqwest::Client::new(),
        base: base.to_owned(),
        token: None,
    };
    let (s, body) = client
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": "admin", "password": PASSWORD})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    client.token = body["token"].as_str().map(str::to_owned);
    client
}

/// Server processes, SIGKILLed when dropped (a test that fails leaves none behind).
pub struct Killed(pub Vec<Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
