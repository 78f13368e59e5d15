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
