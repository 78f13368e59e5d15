//! The server binary as an operator runs it: SIGTERM (a service manager or container runtime
//! stopping it) lets a request under way finish, then the process exits cleanly; with
//! `--log-format json` every log line is a JSON object a log collector can read.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Waits for a line matching `wanted` from the server's output, up to a deadline.
fn line_with(lines: &mpsc::Receiver<String>, seen: &mut Vec<String>, wanted: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) => {
                seen.push(line.clone());
                if line.contains(wanted) {
                    return line;
                }
            }
            Err(_) => break,
        }
    }
    panic!("no line with {wanted:?} in:\n{}", seen.join("\n"));
}

#[test]
fn sigterm_lets_the_request_under_way_finish_and_logs_are_json() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_fixline-server"))
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .arg("--db")
        .arg(dir.path().join("fixline.db"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = mpsc::channel();
    for out in [
        Box::new(server.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(server.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let mut seen = Vec::new();
    let banner = line_with(&lines, &mut seen, "Fixline dispatch server on http://");
    let addr = banner
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();

    // A request under way: its headers sent, its body not yet.
    let body = r#"{"username":"nobody","password":"wrong-pw"}"#;
    let (first, rest) = body.split_at(12);
    let mut slow = TcpStream::connect(&addr).unwrap();
    slow.write_all(
        format!(
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: fixline\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    // The server has the headers (its reply to a second connection proves it is serving).
    let mut probe = TcpStream::connect(&addr).unwrap();
    probe
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: fixline\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    probe.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    line_with(&lines, &mut seen, "stopping");
    // The rest of the body after the signal: the request is still answered.
    slow.write_all(rest.as_bytes()).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&reply).contains("\r\n\r\n") {
        let n = slow.read(&mut buf).unwrap();
        assert!(n > 0, "the connection closed without an answer");
        reply.extend_from_slice(&buf[..n]);
    }
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 401"), "{reply}");
    drop(slow);

    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = server.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit status {exit}");
    while let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
        seen.push(line);
    }
    // Every log line is a JSON object with a level and a message (the banner with the address
    // is printed for people, not logged); none is in the text format.
    assert!(
        !seen
            .iter()
            .any(|l| l.contains(" INFO ") || l.contains(" WARN ")),
        "a text log line: {seen:?}"
    );
    let logs: Vec<&String> = seen.iter().filter(|l| l.starts_with('{')).collect();
    assert!(
        logs.iter().any(|l| l.contains("stopping")),
        "no log lines: {seen:?}"
    );
    for line in logs {
        let record: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            record["level"].is_string() && record["fields"]["message"].is_string(),
            "{line}"
        );
    }
}
