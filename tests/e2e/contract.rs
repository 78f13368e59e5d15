//! The API's contract: the served OpenAPI document is valid OpenAPI (checked by
//! openapi-spec-validator, which `cargo xtask test` installs and names in
//! `FIXLINE_OPENAPI_VALIDATOR`), and what it promises is what the server does.

use fixline_tests::TestServer;
use reqwest::StatusCode;

#[tokio::test]
#[ignore = "needs openapi-spec-validator (cargo xtask test installs it)"]
async fn the_served_openapi_document_is_valid() {
    let validator = std::env::var_os("FIXLINE_OPENAPI_VALIDATOR").expect(
        "FIXLINE_OPENAPI_VALIDATOR names openapi-spec-validator (cargo xtask test sets it)",
    );
    let server = TestServer::start().await;
    let response = server
        .anonymous()
        .http
        .get(server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc = response.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openapi.json");
    std::fs::write(&path, &doc).unwrap();
    let out = std::process::Command::new(&validator)
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", validator.to_string_lossy()));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && said.contains(": OK"), "{said}");
}

/// Schemathesis (PyPI; `cargo xtask test` installs it and names it in `FIXLINE_SCHEMATHESIS`)
/// sends every operation of the served document generated requests, valid and not, as an
/// engineer and as an administrator: no answer may be a 5xx, a status the document does not
/// list, or a body that breaks its schema. Seeded and bounded in time, so a run is repeatable.
#[tokio::test]
#[ignore = "needs schemathesis (cargo xtask test installs it)"]
async fn schemathesis_finds_no_server_error_or_broken_promise() {
    let st = std::env::var_os("FIXLINE_SCHEMATHESIS")
        .expect("FIXLINE_SCHEMATHESIS names schemathesis's `st` (cargo xtask test sets it)");
    let crew = fixline_tests::crew().await;
    let _job = fixline_tests::chens_job(&crew, "SN-ST-1").await;
    let chen = crew.server.login("chen").await;
    let reports = tempfile::tempdir().unwrap();
    // The engineer first: the administrator's run may disable that login.
    for (who, client) in [("engineer", &chen), ("admin", &crew.admin)] {
        let token = client.token.clone().expect("signed in");
        let out = tokio::process::Command::new(&st)
            .current_dir(reports.path())
            .args([
                "run",
                &crew.server.url("/api/openapi.json"),
                "--url",
                &crew.server.url(""),
                "--header",
                &format!("Authorization: Bearer {token}"),
                "--checks",
                "not_a_server_error,status_code_conformance,response_schema_conformance",
                "--seed",
                "20261205",
                "--max-examples",
                "12",
                "--max-time",
                "60",
                "--workers",
                "2",
                "--request-timeout",
                "10",
                // Signing out ends the token the run uses; the live stream never ends.
                "--exclude-path-regex",
                "^/api/v1/(auth/logout|live)$",
                "--no-color",
            ])
            .output()
            .await
            .unwrap_or_else(|e| panic!("running {}: {e}", st.to_string_lossy()));
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "schemathesis as {who}:\n{said}");
    }
}
