//! Memory bounds, measured on this test process alone (cargo runs test binaries one at a time,
//! and this one holds a single test): the server in-process, its peak resident set read from
//! `/proc/self/status`.

use fixline_tests::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Peak resident set (VmHWM) in MiB.
fn peak_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmHWM")
        / 1024
}

/// Each argon2 check takes 19 MiB. Checked one allocation per request, 96 wrong passwords at
/// once took the server to gigabytes; on a fixed set of threads with memory kept, the peak
/// stays within a few of them, the excess waits or is answered "busy", and the right password
/// still works afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_wrong_passwords_stays_within_a_memory_bound() {
    let server = TestServer::start_configured(|c| {
        // Every attempt reaches argon2: no lockout cuts the flood short.
        c.auth.lockout_after = 10_000;
        c.auth.address_lockout_after = 10_000;
    })
    .await;
    server.login("admin").await;
    let before = peak_mib();
    let anonymous = server.anonymous();
    let attempts = (0..96).map(|i| {
        let request = anonymous
            .request(Method::POST, "/api/v1/auth/login")
            .json(&json!({"username": format!("user{}", i % 12), "password": "wrong-password"}));
        async move { request.send().await.expect("answer").status() }
    });
    let statuses = futures::future::join_all(attempts).await;
    let peak = peak_mib();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let busy = statuses
        .iter()
        .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert_eq!(refused + busy, statuses.len(), "{statuses:?}");
    assert!(refused >= 64, "{refused} of {} checked", statuses.len());
    eprintln!(
        "peak resident set: {before} MiB before the flood, {peak} MiB after; {refused} checked, {busy} busy"
    );
    // 96 × 19 MiB would be 1.8 GiB; two threads' worth is 38 MiB.
    assert!(
        peak.saturating_sub(before) < 160,
        "peak grew from {before} MiB to {peak} MiB"
    );
    server.login("admin").await;
}
