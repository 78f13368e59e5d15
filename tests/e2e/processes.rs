//! The server as a child process (`outbox-server`, a test binary over the real server), for the
//! tests that SIGKILL it or run several over one database.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts a server process over `db` whose clock reads `start` (RFC 3339) when it starts, with
/// `env` added (`FIXLINE__…` settings); returns it and its address once it listens. SMTP port
/// 0 keeps the notification worker off.
pub async fn server_process(
    db: &std::path::Path,
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
