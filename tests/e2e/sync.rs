//! Device sync against the real server: two engineers' devices and a dispatcher working the same
//! jobs online and offline (the server stopped in between), then everything reconciled.

use chrono::{TimeDelta, Utc};
use fixline_core::ids::{ActionId, WorkOrderId};
use fixline_core::position::Position;
use fixline_core::role::Role;
use fixline_core::sync::{ConflictKind, PushOutcome, PushRequest};
use fixline_core::work_order::{Action, Status};
use fixline_device::{DeviceStore, Error, OutboxState, ServerLink, sync};
use fixline_tests::{TestServer, assigned_job, customer_with_asset, engineer, signed_in_device};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

fn wo(id: &str) -> WorkOrderId {
    id.parse().expect("work order id")
}

fn offline_story(config: &mut fixline_server::Config) {
    config.server.max_clock_skew_secs = 3 * 3600;
}

fn act(store: &DeviceStore, job: &str, minutes_ago: i64, action: Action) {
    let at = Utc::now() - TimeDelta::minutes(minutes_ago);
    store
        .perform(wo(job), action, ActionId::from_uuid(Uuid::now_v7()), at)
        .unwrap_or_else(|e| panic!("{job}: {e}"));
}

#[tokio::test]
async fn two_devices_and_a_dispatcher_offline_and_online_agree_and_apply_each_action_once() {
    // The story dates the engineers' offline work up to 90 minutes back, on jobs the test makes
    // now: the server allows device clocks that far off, or it would refuse work dated before
    // its job.
    let mut server = TestServer::start_configured(offline_story).await;
    let dir = tempfile::tempdir().unwrap();
    let admin = server.login("admin").await;
    let desk = server.user(&admin, "desk", Role::Dispatcher, None).await;
    let chen_id = engineer(&admin, "陈建国", "西湖区").await;
    let wang_id = engineer(&admin, "王磊", "西湖区").await;
    server
        .user(&admin, "chen", Role::Engineer, Some(&chen_id))
        .await;
    server
        .user(&admin, "wang", Role::Engineer, Some(&wang_id))
        .await;
    let fx = customer_with_asset(&desk, "杭州湖滨餐饮管理有限公司", "FX2506000777").await;
    fixline_tests::published_article(
        &desk,
        json!({"kind": "repair_guide", "models": ["FX-SC650 立式冷藏柜"], "language": "zh-CN",
               "title": "冷柜不制冷排查", "body": "1. 断电挂牌\n2. 检查启动电容"}),
    )
    .await;
    let job1 = assigned_job(&desk, &fx, &chen_id, "冷柜不制冷").await;
    let job2 = assigned_job(&desk, &fx, &chen_id, "压缩机噪音大").await;
    let job3 = assigned_job(&desk, &fx, &chen_id, "门封条漏冷").await;
    let job4 = assigned_job(&desk, &fx, &wang_id, "显示屏报 E3").await;

    // First sync: each device gets its own jobs, the customer's file, the guide, colleagues.
    let chen = signed_in_device(&server, dir.path(), "chen").await;
    let wang = signed_in_device(&server, dir.path(), "wang").await;
    let mut progress = Vec::new();
    sync(&chen, false, |p| progress.push(p)).await.unwrap();
    sync(&wang, false, |_| {}).await.unwrap();
    let jobs = chen.jobs(Utc::now()).unwrap();
    assert_eq!(jobs.len(), 3, "chen's three jobs, not wang's");
    assert!(progress.last().is_some_and(|p| p.done >= 3));
    assert_eq!(
        chen.customer_file(jobs[0].work_order.customer_id)
            .unwrap()
            .assets[0]
            .details
            .serial,
        fx.serial
    );
    assert_eq!(
        chen.find_articles("", Some("FX-SC650 立式冷藏柜"))
            .unwrap()
            .len(),
        1
    );
    assert_eq!(chen.colleagues().unwrap().len(), 2);
    assert_eq!(wang.jobs(Utc::now()).unwrap().len(), 1);

    // Online: chen accepts job 1.
    act(&chen, &job1, 50, Action::Accept);
    let report = sync(&chen, false, |_| {}).await.unwrap();
    assert_eq!(report.applied, 1);

    // The server goes away (no signal on site). Both engineers keep working.
    let addr = server.addr.to_string();
    let kept_dir = server.stop().await;
    let site = Position::new(30.2766, 120.1305).unwrap();
    act(&chen, &job1, 40, Action::StartTravel);
    act(
        &chen,
        &job1,
        20,
        Action::Arrive {
            position: Some(site),
        },
    );
    act(
        &chen,
        &job1,
        10,
        Action::AddNote {
            text: "冷凝器积灰严重，已清洗".into(),
        },
    );
    act(&chen, &job2, 15, Action::Accept);
    act(&wang, &job4, 12, Action::Accept);
    assert_eq!(
        chen.job(wo(&job1)).unwrap().work_order.status,
        Status::OnSite,
        "the device shows its own work at once"
    );
    let offline = sync(&chen, false, |_| {}).await.unwrap_err();
    assert!(matches!(offline, Error::Offline(_)), "{offline}");
    let status = chen.status().unwrap();
    assert_eq!(status.pending, 4);
    assert!(status.last_error.is_some());
    // Signing out now would lose the work: refused.
    assert!(matches!(
        chen.sign_out(),
        Err(Error::Unsynced { pending: 4, .. })
    ));

    // The server is back on the same address; the dispatcher reassigns job 2 to wang and
    // cancels job 3 before chen's device reconnects.
    server = TestServer::start_with(&server.db_path, &addr, offline_story).await;
    let desk = server.login("desk").await;
    let (s, b) = desk
        .act(&job2, json!({"action": "assign", "engineer": wang_id}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = desk
        .act(&job3, json!({"action": "cancel", "reason": "客户自行修好"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // The retry waits for its back-off unless the engineer taps "sync now".
    let report = sync(&chen, true, |_| {}).await.unwrap();
    assert_eq!(
        (report.applied, report.conflicts, report.rejected),
        (3, 1, 0)
    );
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    let report = sync(&wang, true, |_| {}).await.unwrap();
    assert_eq!(report.applied, 1);

    // Chen's offline times are the ones on the server.
    let (_, order1) = desk.get(&format!("/api/v1/work-orders/{job1}")).await;
    assert_eq!(order1["status"], "on_site");
    let (_, history) = desk
        .get(&format!("/api/v1/work-orders/{job1}/history"))
        .await;
    let arrived = history
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["event"]["action"]["action"] == "arrive")
        .expect("arrival in history");
    let device_arrival = chen.job(wo(&job1)).unwrap().work_order.visits[0].checked_in_at;
    assert_eq!(
        arrived["at"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap(),
        device_arrival
    );

    // The clash is kept, not dropped: chen's acceptance is a note on job 2, a conflict for the
    // dispatcher and on chen's device, and chen's device lets go of the job.
    let (_, conflicts) = desk.get("/api/v1/sync/conflicts").await;
    let conflicts = conflicts.as_array().unwrap().clone();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0]["kind"], "reassigned");
    assert_eq!(conflicts[0]["work_order"], job2.as_str());
    let (_, order2) = desk.get(&format!("/api/v1/work-orders/{job2}")).await;
    assert_eq!(order2["assignee"], wang_id.as_str());
    assert!(
        order2["notes"][0]["text"]
            .as_str()
            .unwrap()
            .contains("not applied")
    );
    let device_conflicts = chen.conflicts().unwrap();
    assert_eq!(device_conflicts.len(), 1);
    assert_eq!(device_conflicts[0].kind, ConflictKind::Reassigned);
    assert!(chen.job(wo(&job2)).is_err(), "job 2 left chen's device");
    assert!(wang.job(wo(&job2)).is_ok(), "and reached wang's");
    assert_eq!(
        chen.job(wo(&job3)).unwrap().work_order.status,
        Status::Cancelled
    );
    let receipts = chen.outbox().unwrap();
    assert_eq!(receipts.len(), 5);
    assert_eq!(
        receipts
            .iter()
            .filter(|r| r.state == OutboxState::Conflict)
            .count(),
        1
    );

    // Devices and server agree on every job.
    for (device, ids) in [(&chen, vec![&job1, &job3]), (&wang, vec![&job2, &job4])] {
        for id in ids {
            let (_, server_copy) = desk.get(&format!("/api/v1/work-orders/{id}")).await;
            let local = device.job(wo(id)).unwrap();
            assert_eq!(local.pending, 0);
            assert_eq!(
                serde_json::to_value(&local.work_order).unwrap(),
                server_copy,
                "{id}"
            );
        }
    }

    // An answer lost on the way (the device sends again): same answer, nothing applied twice.
    let session = chen.session().unwrap().unwrap();
    let link = ServerLink::for_session(&session).unwrap();
    let again: Vec<_> = receipts.iter().map(|r| r.action.clone()).collect();
    let answer = link.push(&PushRequest { actions: again }).await.unwrap();
    for (result, receipt) in answer.results.iter().zip(&receipts) {
        assert_eq!(Some(&result.outcome), receipt.outcome.as_ref());
    }
    let (_, history_after) = desk
        .get(&format!("/api/v1/work-orders/{job1}/history"))
        .await;
    assert_eq!(history_after, history);
    assert!(matches!(
        answer.results[0].outcome,
        PushOutcome::Applied { .. } | PushOutcome::Conflict { .. }
    ));

    // Now everything is on the server, signing out is allowed.
    chen.sign_out().unwrap();
    assert!(chen.jobs(Utc::now()).unwrap().is_empty());
    drop(kept_dir);
}

#[tokio::test]
async fn a_page_from_a_newer_server_is_read_record_by_record() {
    let page = json!({
        "records": [
            {"record": "colleague", "id": "0190a0b0-0000-7000-8000-000000000001", "name": "王磊",
             "region": "西湖区", "status": "available", "version": 3, "shoe_size": 42},
            {"record": "spare_parts_catalogue", "id": "x"},
            {"record": "work_order", "id": "not even a uuid"}
        ],
        "cursor": {"mode": "log", "seq": 17},
        "complete": true,
        "progress": {"done": 17, "total": 17},
        "server_build": "2031.1"
    });
    let read = fixline_device::read_page(page).unwrap();
    assert_eq!(
        read.records.len(),
        1,
        "the colleague, unknown field and all"
    );
    assert_eq!(read.skipped.len(), 2);
    assert!(read.skipped[0].starts_with("spare_parts_catalogue"));
    let not_a_page = fixline_device::read_page(json!({"records": []})).unwrap_err();
    assert_eq!(not_a_page.code(), "bad_server_data");
}

/// A server that answers garbage, then a 500, then a page from a newer version: the device says
/// so, keeps its place, and resumes.
#[tokio::test]
async fn bad_answers_from_the_server_stop_the_sync_cleanly_and_the_next_one_resumes() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::routing::post;
    use fixline_core::device::DeviceUser;
    use fixline_core::sync::SyncCursor;

    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let app = axum::Router::new()
        .route(
            "/api/v1/sync/push",
            post(|| async { axum::Json(json!({"results": []})) }),
        )
        .route(
            "/api/v1/sync/pull",
            post(move || {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    match n {
                        0 => (StatusCode::OK, "{\"records\": [ {{{ not json".to_owned()),
                        1 => (
                            StatusCode::INTERNAL_SERVER_ERROR,
                            json!({"code": "internal", "message": "disk full"}).to_string(),
                        ),
                        _ => (
                            StatusCode::OK,
                            json!({
                                "records": [{"record": "invoice_v9", "id": 1}],
                                "cursor": {"mode": "log", "seq": 5},
                                "complete": true,
                                "progress": {"done": 5, "total": 5}
                            })
                            .to_string(),
                        ),
                    }
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let device = DeviceStore::open(&dir.path().join("d.db")).unwrap();
    device
        .sign_in(&fixline_device::Session {
            server_url: format!("http://{addr}"),
            token: "t".into(),
            user: DeviceUser {
                id: Uuid::now_v7().to_string().parse().unwrap(),
                username: "chen".into(),
                display_name: "陈建国".into(),
                role: Role::Engineer,
                engineer_id: Some(Uuid::now_v7().to_string().parse().unwrap()),
            },
        })
        .unwrap();

    let garbage = sync(&device, true, |_| {}).await.unwrap_err();
    assert_eq!(garbage.code(), "bad_server_data", "{garbage}");
    let status = device.status().unwrap();
    assert_eq!(status.last_error_code.as_deref(), Some("bad_server_data"));

    let failing = sync(&device, true, |_| {}).await.unwrap_err();
    assert!(failing.is_transient(), "{failing}");
    assert_eq!(failing.to_string(), "disk full");
    assert_eq!(
        device.cursor().unwrap(),
        SyncCursor::START,
        "nothing stored, place kept"
    );

    let report = sync(&device, true, |_| {}).await.unwrap();
    assert_eq!(
        report.skipped.len(),
        1,
        "the unknown record is skipped, not fatal"
    );
    assert!(device.status().unwrap().last_error.is_none());
    assert_eq!(device.cursor().unwrap(), SyncCursor::Log { seq: 5 });
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

/// A push is a list of separate outcomes: an action the server cannot take (a hand-over to an
/// engineer who does not exist) is refused on its own and the actions after it are applied; the
/// same push again gets the same answers; an id reused for another action, or by another
/// engineer, is refused without telling anything of the first; a time before the job is refused.
#[tokio::test]
async fn one_bad_action_in_a_push_is_refused_alone_and_a_reused_id_is_never_answered_for_another() {
    let crew = fixline_tests::crew().await;
    let (job, _) = fixline_tests::chens_job(&crew, "FX2506000901").await;
    let wang_id = engineer(&crew.admin, "王磊", "西湖区").await;
    crew.server
        .user(&crew.admin, "wang", Role::Engineer, Some(&wang_id))
        .await;
    let chen = crew.server.login("chen").await;
    let wang = crew.server.login("wang").await;
    let (_, order) = crew.desk.get(&format!("/api/v1/work-orders/{job}")).await;
    let base = order["version"].as_u64().unwrap();
    let now = Utc::now();
    let ids: Vec<String> = (0..3).map(|_| Uuid::now_v7().to_string()).collect();
    let action = |id: &str, minutes: i64, body: serde_json::Value| {
        json!({"id": id, "work_order": job, "base_version": base,
               "at": now - TimeDelta::minutes(minutes), "action": body})
    };
    let batch = json!({"actions": [
        action(&ids[0], 3, json!({"action": "accept"})),
        action(&ids[1], 2, json!({"action": "hand_over", "to": Uuid::now_v7(), "reason": "下午有培训"})),
        action(&ids[2], 1, json!({"action": "add_note", "text": "客户要求先电话联系"})),
    ]});
    let outcomes = |r: &serde_json::Value| -> Vec<(String, String)> {
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["outcome"].as_str().unwrap().to_owned(),
                    x["code"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let (s, first) = chen.post("/api/v1/sync/push", batch.clone()).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    let expected = vec![
        ("applied".to_owned(), String::new()),
        ("rejected".to_owned(), "unknown_reference".to_owned()),
        ("applied".to_owned(), String::new()),
    ];
    assert_eq!(outcomes(&first), expected, "{first}");
    // Sent again (the answer was lost): the same answers, nothing applied twice.
    let (s, again) = chen.post("/api/v1/sync/push", batch).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(outcomes(&again), expected, "{again}");
    assert_eq!(
        first["results"][2]["version"],
        again["results"][2]["version"]
    );

    // The same id with another text, and chen's id pushed by wang.
    let (_, reused) = chen
        .post(
            "/api/v1/sync/push",
            json!({"actions": [action(&ids[2], 1, json!({"action": "add_note", "text": "另一条备注"}))]}),
        )
        .await;
    assert_eq!(
        outcomes(&reused),
        vec![("rejected".to_owned(), "action_id_reused".to_owned())],
        "{reused}"
    );
    let (_, foreign) = wang
        .post(
            "/api/v1/sync/push",
            json!({"actions": [action(&ids[0], 3, json!({"action": "accept"}))]}),
        )
        .await;
    assert_eq!(
        outcomes(&foreign),
        vec![("rejected".to_owned(), "action_id_reused".to_owned())],
        "{foreign}"
    );
    assert!(foreign["results"][0]["work_order"].is_null(), "{foreign}");
    assert!(!foreign.to_string().contains("accepted"), "{foreign}");

    // A device clock reset to year 1.
    let (_, ancient) = chen
        .post(
            "/api/v1/sync/push",
            json!({"actions": [{"id": Uuid::now_v7(), "work_order": job, "base_version": base,
                                "at": "0001-01-01T00:00:00Z",
                                "action": {"action": "add_note", "text": "时间错误"}}]}),
        )
        .await;
    assert_eq!(
        outcomes(&ancient),
        vec![("rejected".to_owned(), "invalid_input".to_owned())],
        "{ancient}"
    );

    let (_, order) = crew.desk.get(&format!("/api/v1/work-orders/{job}")).await;
    assert_eq!(order["status"], "accepted", "{order}");
    assert_eq!(order["assignee"], crew.chen_id.as_str(), "{order}");
    let notes: Vec<&str> = order["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["text"].as_str())
        .collect();
    assert_eq!(notes, vec!["客户要求先电话联系"], "{order}");
}

/// A device registers its seal key at the start of its first sync, before it holds any job, so
/// an action it pushes dated before that (less the clock skew allowed) is refused on its own.
#[tokio::test]
async fn an_action_dated_before_the_engineers_device_registered_is_refused() {
    let t0 = Utc::now() - TimeDelta::days(1);
    let crew = fixline_tests::crew_at(t0).await;
    let (job, _) = fixline_tests::chens_job(&crew, "FX2506000902").await;
    let mut server = crew.server;
    let _dir = server.stop().await;
    let later = TestServer::restart_at(&server.db_path, t0 + TimeDelta::hours(3)).await;
    let chen = later.login("chen").await;
    let (_, order) = chen.get(&format!("/api/v1/work-orders/{job}")).await;
    let base = order["version"].as_u64().unwrap();
    let note = |hours: i64, text: &str| {
        json!({"actions": [{"id": Uuid::now_v7(), "work_order": job, "base_version": base,
                            "at": t0 + TimeDelta::hours(hours),
                            "action": {"action": "add_note", "text": text}}]})
    };
    let outcome = |r: &serde_json::Value| {
        (
            r["results"][0]["outcome"].as_str().unwrap().to_owned(),
            r["results"][0]["code"].as_str().unwrap_or("").to_owned(),
        )
    };
    let (_, before_any) = chen.post("/api/v1/sync/push", note(1, "无设备")).await;
    assert_eq!(
        outcome(&before_any),
        ("applied".to_owned(), String::new()),
        "no device registered: the job's bound alone: {before_any}"
    );
    let (s, _) = chen
        .post(
            "/api/v1/devices",
            json!({"public_key": fixline_core::receipt::device_public_key(&[7; 32]), "name": "Tab"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, early) = chen.post("/api/v1/sync/push", note(2, "设备注册前")).await;
    assert_eq!(
        outcome(&early),
        ("rejected".to_owned(), "invalid_input".to_owned()),
        "{early}"
    );
    assert!(
        early["results"][0]["message"]
            .as_str()
            .unwrap()
            .contains("device was registered"),
        "{early}"
    );
    let (_, on_time) = chen.post("/api/v1/sync/push", note(3, "设备注册后")).await;
    assert_eq!(
        outcome(&on_time),
        ("applied".to_owned(), String::new()),
        "{on_time}"
    );
    let (_, order) = chen.get(&format!("/api/v1/work-orders/{job}")).await;
    let notes: Vec<&str> = order["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["text"].as_str())
        .collect();
    assert_eq!(notes, vec!["无设备", "设备注册后"], "{order}");
}
