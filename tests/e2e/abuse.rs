//! The server under abuse: wrong passwords lock the account (and the address) instead of being
//! tried forever, and work a role may not do is refused before it costs the server anything.

use fixline_core::role::Role;
use fixline_tests::{Crew, PASSWORD, TestServer, crew};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn wrong_passwords_lock_the_user_name_with_a_clear_answer_and_others_still_sign_in() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    server.user(&admin, "desk", Role::Dispatcher, None).await;
    let anonymous = server.anonymous();
    let login = |username: &str, password: &str| {
        anonymous
            .request(Method::POST, "/api/v1/auth/login")
            .json(&json!({"username": username, "password": password}))
    };
    for attempt in 1..=5 {
        let (s, body) =
            fixline_tests::read(login("desk", "guess-1234").send().await.unwrap()).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "attempt {attempt}: {body}");
    }
    // Locked now: even the right password (typed with other case and spaces) waits.
    let locked = login(" DESK ", PASSWORD).send().await.unwrap();
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((800..=900).contains(&wait), "Retry-After {wait}");
    let (_, body) = fixline_tests::read(locked).await;
    assert_eq!(body["code"], "too_many_attempts", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("15 min"),
        "{body}"
    );
    // Another user name is not locked.
    server.login("admin").await;
}

#[tokio::test]
async fn a_photo_from_a_role_that_may_not_attach_one_is_refused_before_it_is_decoded() {
    let crew = crew().await;
    let (job, _) = fixline_tests::chens_job(&crew, "FX2506000931").await;
    let chen = crew.server.login("chen").await;
    for step in ["accept", "start_travel", "arrive"] {
        let (s, body) = chen.act(&job, json!({"action": step})).await;
        assert_eq!(s, StatusCode::OK, "{step}: {body}");
    }
    // Not an image at all: decoding it would answer 422; the role check answers first.
    let response = crew
        .desk
        .request(
            Method::POST,
            &format!("/api/v1/work-orders/{job}/photos?tag=before"),
        )
        .header("content-type", "application/octet-stream")
        .body(vec![0u8; 16 * 1024])
        .send()
        .await
        .unwrap();
    let (s, body) = fixline_tests::read(response).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let response = chen
        .request(
            Method::POST,
            &format!("/api/v1/work-orders/{job}/photos?tag=before"),
        )
        .header("content-type", "application/octet-stream")
        .body(vec![0u8; 16 * 1024])
        .send()
        .await
        .unwrap();
    let (s, body) = fixline_tests::read(response).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_photo")),
        "{body}"
    );
}

/// A client that connects and then sends its headers a byte at a time, or not at all, is cut
/// off after the header timeout; the server goes on answering others.
#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start_configured(|c| c.server.header_timeout_secs = 1).await;
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: fixline\r\n")
            .await
            .unwrap();
        stalled.push(stream);
    }
    let started = std::time::Instant::now();
    for mut stream in stalled {
        let mut rest = Vec::new();
        // Closed by the server (EOF, maybe after a 408), long before this test would give up.
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            stream.read_to_end(&mut rest),
        )
        .await
        .expect("the server closes a connection whose headers never end");
        assert!(
            read.is_err() || rest.is_empty() || rest.starts_with(b"HTTP/1.1 408"),
            "{}",
            String::from_utf8_lossy(&rest)
        );
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let (s, _) = server.anonymous().get("/healthz").await;
    assert_eq!(s, StatusCode::OK);
}

/// Answers the framework makes itself have the API's `{code, message}` body, and JSON is
/// compressed for clients that ask.
#[tokio::test]
async fn framework_answers_keep_the_error_body_and_json_is_compressed_on_request() {
    // A small photo limit, so the refused body fits in the socket's buffers.
    let crew = fixline_tests::crew_configured(|c| c.storage.max_blob_bytes = 64 * 1024).await;
    let (job, _) = fixline_tests::chens_job(&crew, "FX2506000932").await;
    let (s, body) = fixline_tests::read(
        crew.desk
            .request(Method::DELETE, "/api/v1/clock")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("method_not_allowed")),
        "{body}"
    );
    // An address longer than the server takes (a search pasted twenty times over): 414 with
    // the same body, not the bare answer of the HTTP library.
    let (s, body) = fixline_tests::read(
        crew.desk
            .request(
                Method::GET,
                &format!("/api/v1/work-orders?q={}", "冷柜".repeat(2000)),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::URI_TOO_LONG, Some("uri_too_long")),
        "{body}"
    );
    let chen = crew.server.login("chen").await;
    for step in ["accept", "start_travel", "arrive"] {
        chen.act(&job, json!({"action": step})).await;
    }
    // Past the photo limit.
    let (s, body) = fixline_tests::read(
        chen.request(
            Method::POST,
            &format!("/api/v1/work-orders/{job}/photos?tag=before"),
        )
        .header("content-type", "application/octet-stream")
        .body(vec![0u8; 100 * 1024])
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")),
        "{body}"
    );

    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let response = raw
        .get(crew.server.url("/api/v1/work-orders"))
        .bearer_auth(crew.desk.token.as_deref().unwrap())
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    let packed = response.bytes().await.unwrap();
    assert_eq!(&packed[..2], &[0x1f, 0x8b], "a gzip stream");
}

/// A file is read through a job its bytes reached the server for: wang copying chen's photo's
/// hash onto his own job gets nothing; uploads are for the engineer's own jobs only.
#[tokio::test]
async fn a_hash_copied_onto_ones_own_job_does_not_open_someone_elses_photo() {
    let crew = crew().await;
    let (chens, _) = fixline_tests::chens_job(&crew, "FX2506000933").await;
    let wang_id = fixline_tests::engineer(&crew.admin, "王磊", "西湖区").await;
    crew.server
        .user(&crew.admin, "wang", Role::Engineer, Some(&wang_id))
        .await;
    let fx = fixline_tests::customer_with_asset(&crew.desk, "杭州西溪宾馆", "FX2506000934").await;
    let wangs = fixline_tests::assigned_job(&crew.desk, &fx, &wang_id, "制冰机不出冰").await;
    let chen = crew.server.login("chen").await;
    let wang = crew.server.login("wang").await;
    for (who, job) in [(&chen, &chens), (&wang, &wangs)] {
        for step in ["accept", "start_travel", "arrive"] {
            let (s, body) = who.act(job, json!({"action": step})).await;
            assert_eq!(s, StatusCode::OK, "{step}: {body}");
        }
    }
    let jpeg = fixline_receipt::sample::photo_jpeg(7, 800, 600);
    let (s, order) = fixline_tests::read(
        chen.request(
            Method::POST,
            &format!("/api/v1/work-orders/{chens}/photos?tag=fault"),
        )
        .body(jpeg)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{order}");
    let photo = order["photos"][0].clone();
    let sha = photo["sha256"].as_str().unwrap().to_owned();
    let content = format!("/api/v1/blobs/{sha}/content");
    let (s, _) =
        fixline_tests::read(chen.request(Method::GET, &content).send().await.unwrap()).await;
    assert_eq!(s, StatusCode::OK);

    // wang names chen's file on his own job: the job takes the name, the file stays closed.
    let (s, body) = wang
        .act(&wangs, json!({"action": "attach_photo", "photo": photo}))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, body) =
        fixline_tests::read(wang.request(Method::GET, &content).send().await.unwrap()).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    // The desk sees it.
    let (s, _) = fixline_tests::read(
        crew.desk
            .request(Method::GET, &content)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // Uploads: not for the desk, not for a file no job of the engineer's names.
    let stray = "ab".repeat(32);
    let put = |who: &fixline_tests::Client, sha: &str| {
        who.request(
            Method::PUT,
            &format!("/api/v1/blobs/{sha}?offset=0&total=4"),
        )
        .body(vec![1u8, 2, 3, 4])
        .send()
    };
    let (s, body) = fixline_tests::read(put(&crew.desk, &stray).await.unwrap()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, body) = fixline_tests::read(put(&wang, &stray).await.unwrap()).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let (s, body) = fixline_tests::read(
        wang.request(Method::GET, &format!("/api/v1/blobs/{stray}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
}

/// An administrator ends a login's access at once: disabled, its tokens stop working and it
/// cannot sign in; a new password works and the old one does not; "sign out everywhere" ends
/// every session. Each change, and the sign-ins and failures around it, is in the security
/// log with who did it and from where. Only administrators see and do this.
#[tokio::test]
async fn an_administrator_disables_resets_and_signs_out_a_login_and_the_log_says_so() {
    let server = TestServer::start().await;
    let admin = server.login("admin").await;
    server.user(&admin, "desk", Role::Dispatcher, None).await;
    let desk = server.login("desk").await;
    let (_, users) = admin.get("/api/v1/users").await;
    let desk_id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "desk")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let access = format!("/api/v1/users/{desk_id}/access");
    // Not for a dispatcher, and not for one's own login.
    let (s, _) = desk.post(&access, json!({"change": "disable"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, me) = admin.get("/api/v1/me").await;
    let (s, body) = admin
        .post(
            &format!("/api/v1/users/{}/access", me["id"].as_str().unwrap()),
            json!({"change": "disable"}),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("own_login"))
    );

    let (s, body) = admin.post(&access, json!({"change": "disable"})).await;
    assert_eq!(
        (s, body["disabled"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{body}"
    );
    let (s, _) = desk.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the token stopped working");
    let sign_in = |password: &str| {
        server
            .anonymous()
            .request(Method::POST, "/api/v1/auth/login")
            .json(&json!({"username": "desk", "password": password}))
            .send()
    };
    let (s, _) = fixline_tests::read(sign_in(PASSWORD).await.unwrap()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let (s, _) = admin.post(&access, json!({"change": "enable"})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = admin
        .post(
            &access,
            json!({"change": "reset_password", "password": "short"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, _) = admin
        .post(
            &access,
            json!({"change": "reset_password", "password": "neues-passwort-2026"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = fixline_tests::read(sign_in(PASSWORD).await.unwrap()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the old password is gone");
    let (s, token) = fixline_tests::read(sign_in("neues-passwort-2026").await.unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    let mut again = server.anonymous();
    again.token = Some(token["token"].as_str().unwrap().to_owned());
    let (s, _) = again.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = admin
        .post(&access, json!({"change": "sign_out_everywhere"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = again.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let (s, _) = desk.get("/api/v1/security-events").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "desk's token was ended");
    let (s, log) = admin.get("/api/v1/security-events").await;
    assert_eq!(s, StatusCode::OK, "{log}");
    let kinds: Vec<(&str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject"] == "desk")
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["actor"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // Newest first.
    assert_eq!(
        kinds,
        vec![
            ("sessions_revoked", "admin"),
            ("signed_in", ""),
            ("sign_in_failed", ""),
            ("password_reset", "admin"),
            ("user_enabled", "admin"),
            ("sign_in_failed", ""),
            ("user_disabled", "admin"),
            ("signed_in", ""),
            ("signed_in", ""),
            ("user_created", "admin"),
        ],
        "{log}"
    );
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .all(|e| e["address"] == "127.0.0.1"),
        "{log}"
    );
}

/// Someone moves from dispatch to complaints, and a dispatcher becomes an engineer: the
/// administrator changes the login's role; its sessions end, the new role is what the next
/// sign-in gets, an engineer's login is tied to its engineer record (and only one login per
/// record), and nobody demotes their own login.
#[tokio::test]
async fn an_administrator_gives_a_login_another_role_and_the_log_says_so() {
    let crew = crew().await;
    let admin = &crew.admin;
    let (_, users) = admin.get("/api/v1/users").await;
    let id_of = |name: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let access = format!("/api/v1/users/{}/access", id_of("desk"));
    let (s, body) = admin
        .post(
            &access,
            json!({"change": "change_role", "role": "complaint_handler"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["role"], "complaint_handler");
    let (s, _) = crew.desk.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the old role's session ended");
    let handler = crew.server.login("desk").await;
    let (_, me) = handler.get("/api/v1/me").await;
    assert_eq!(me["role"], "complaint_handler");
    let (s, _) = handler
        .post("/api/v1/dispatch/plan", json!({"day": "2026-12-09"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "no longer a dispatcher");

    // An engineer's login needs its engineer record; a desk login has none.
    let (s, body) = admin
        .post(
            &access,
            json!({"change": "change_role", "role": "engineer"}),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input")),
        "{body}"
    );
    let (s, body) = admin
        .post(
            &access,
            json!({"change": "change_role", "role": "dispatcher", "engineer_id": crew.chen_id}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // chen's record has chen's login already.
    let (s, body) = admin
        .post(
            &access,
            json!({"change": "change_role", "role": "engineer", "engineer_id": crew.chen_id}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    let (_, me) = handler.get("/api/v1/me").await;
    assert_eq!(me["role"], "complaint_handler", "nothing half-changed");
    // A new engineer record: the login becomes that engineer, and the record names it.
    let wang = fixline_tests::engineer(admin, "王磊", "西湖区").await;
    let (s, body) = admin
        .post(
            &access,
            json!({"change": "change_role", "role": "engineer", "engineer_id": wang}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["engineer_id"], wang.as_str());
    let (_, record) = admin.get(&format!("/api/v1/engineers/{wang}")).await;
    assert_eq!(record["user_id"], id_of("desk").as_str(), "{record}");
    let engineer = crew.server.login("desk").await;
    let (s, jobs) = engineer.get("/api/v1/work-orders").await;
    assert_eq!(s, StatusCode::OK, "{jobs}");
    // And back to the desk: the record lets go of the login.
    let (s, _) = admin
        .post(
            &access,
            json!({"change": "change_role", "role": "dispatcher"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, record) = admin.get(&format!("/api/v1/engineers/{wang}")).await;
    assert!(record["user_id"].is_null(), "{record}");

    // Not one's own: an administrator who demoted themselves could not undo it.
    let (s, body) = admin
        .post(
            &format!("/api/v1/users/{}/access", id_of("admin")),
            json!({"change": "change_role", "role": "dispatcher"}),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("own_login"))
    );
    let (_, log) = admin.get("/api/v1/security-events").await;
    let changes: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "role_changed" && e["subject"] == "desk")
        .map(|e| e["detail"].as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        ["dispatcher", "engineer", "complaint_handler"],
        "{log}"
    );
}

/// Keys an administrator revokes stop working from then on: an intake key's requests are
/// refused, a device key cannot be registered again (the app makes a new one), and both show
/// as revoked in the lists and the security log.
#[tokio::test]
async fn revoked_intake_and_device_keys_stop_working_and_the_log_says_so() {
    let crew = crew().await;
    let admin = &crew.admin;
    let (s, key) = admin
        .post(
            "/api/v1/intake-keys",
            json!({"channel": "wechat", "label": "服务号"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let api_key = key["api_key"].as_str().unwrap().to_owned();
    let send = || {
        crew.server
            .anonymous()
            .http
            .post(crew.server.url("/api/v1/intake"))
            .header("X-Api-Key", &api_key)
            .json(&json!({"caller": {"name": "钱多多", "phone": "139 0000 0303", "address": "滨江区 1 号",
                                     "city": "杭州市", "region": "滨江区"}, "symptom": "热水器不出热水"}))
            .send()
    };
    assert_eq!(send().await.unwrap().status(), StatusCode::CREATED);
    let (_, keys) = admin.get("/api/v1/intake-keys").await;
    let listed = keys.as_array().unwrap();
    assert_eq!(listed.len(), 1, "{keys}");
    assert!(
        !keys.to_string().contains(&api_key),
        "the secret is never listed"
    );
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let (s, _) = crew
        .desk
        .post(&format!("/api/v1/intake-keys/{id}/revoke"), json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = admin
        .post(&format!("/api/v1/intake-keys/{id}/revoke"), json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(send().await.unwrap().status(), StatusCode::UNAUTHORIZED);

    let chen = crew.server.login("chen").await;
    let public_key = fixline_core::receipt::device_public_key(&[7u8; 32]);
    let register = || {
        chen.post(
            "/api/v1/devices",
            json!({"public_key": public_key, "name": "Tab"}),
        )
    };
    let (s, _) = register().await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, devices) = admin.get("/api/v1/devices").await;
    assert_eq!(devices[0]["username"], "chen", "{devices}");
    assert!(devices[0]["revoked_at"].is_null());
    let (s, _) = admin
        .post(&format!("/api/v1/devices/{public_key}/revoke"), json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, body) = register().await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("device_key_revoked")),
        "{body}"
    );
    let (_, devices) = admin.get("/api/v1/devices").await;
    assert!(!devices[0]["revoked_at"].is_null(), "{devices}");

    let (_, log) = admin.get("/api/v1/security-events").await;
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .filter(|k| k.contains("key"))
        .collect();
    assert_eq!(
        kinds,
        vec![
            "device_key_revoked",
            "device_key_registered",
            "intake_key_revoked",
            "intake_key_added"
        ],
        "{log}"
    );
}

/// Behind a reverse proxy the settings trust, the client's address is the one it forwarded
/// (in the security log, and for the per-address lockout); from anyone else the header is
/// ignored, so a client cannot choose its own address.
#[tokio::test]
async fn the_client_address_comes_from_a_trusted_proxy_only() {
    let sign_in_from = |server: &TestServer, forwarded: &'static str| {
        server
            .anonymous()
            .request(Method::POST, "/api/v1/auth/login")
            .header("x-forwarded-for", forwarded)
            .json(&json!({"username": "admin", "password": PASSWORD}))
            .send()
    };
    let addresses = |log: &serde_json::Value| -> Vec<String> {
        log.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "signed_in")
            .map(|e| e["address"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let behind = TestServer::start_configured(|c| {
        c.server.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let (s, _) = fixline_tests::read(
        sign_in_from(&behind, "198.51.100.7, 203.0.113.9")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, log) = behind
        .login("admin")
        .await
        .get("/api/v1/security-events")
        .await;
    assert!(
        addresses(&log).contains(&"203.0.113.9".to_owned()),
        "the address the proxy heard from, not one the client wrote: {log}"
    );
    let open = TestServer::start().await;
    let (s, _) = fixline_tests::read(sign_in_from(&open, "203.0.113.9").await.unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    let (_, log) = open
        .login("admin")
        .await
        .get("/api/v1/security-events")
        .await;
    assert!(
        addresses(&log).iter().all(|a| a == "127.0.0.1"),
        "no proxy is trusted: the header is ignored: {log}"
    );
}

/// A NUL character in text, typed into a search box or a name: PostgreSQL text cannot hold one
/// (SQLite's can), so a search on PostgreSQL is refused as the request's fault with the code
/// the UI words (on SQLite it is simply text to look for); a name is refused on both. Never a
/// server error.
#[tokio::test]
async fn a_nul_character_in_text_is_never_a_server_error() {
    let Crew {
        server: _server,
        desk,
        ..
    } = crew().await;
    let on_postgres = fixline_tests::postgres::for_the_suite().is_some();
    for search in [
        "/api/v1/customers?q=a%00b&page=3&per_page=192934816",
        "/api/v1/work-orders?q=%00",
        "/api/v1/articles?q=%E5%86%B7%00",
    ] {
        let (status, body) = desk.get(search).await;
        if on_postgres {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{search}: {body}");
            assert_eq!(body["code"], "invalid_input", "{search}: {body}");
        } else {
            assert_eq!(status, StatusCode::OK, "{search}: {body}");
        }
    }
    // A name is checked before any store sees it: one line, no control characters.
    let (status, body) = desk
        .post(
            "/api/v1/customers",
            json!({"name": "王\u{0}五", "phone": "0571-8888 0002", "tier": "standard"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "invalid_input", "{body}");
}
