//! The dispatch board over HTTP: a day's lanes in time with travel and conflicts, the check
//! before a drop, assignments with a time, pins the optimiser plans around, and the pool.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use fixline_core::role::Role;
use fixline_tests::{
    Client, Crew, assigned_job, crew, customer_with_asset, engineer, next_wednesday, waiting_job,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// `hh:mm` local time (+08:00) on `day`, as UTC.
fn local(day: NaiveDate, hh: u32, mm: u32) -> DateTime<Utc> {
    day.and_time(NaiveTime::from_hms_opt(hh, mm, 0).unwrap())
        .and_utc()
        - chrono::Duration::hours(8)
}

fn slot(day: NaiveDate, from: (u32, u32), to: (u32, u32)) -> Value {
    json!({"start": local(day, from.0, from.1), "end": local(day, to.0, to.1)})
}

/// A time in an answer.
fn at(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("not a time: {v}"))
}

fn codes(conflicts: &Value) -> Vec<String> {
    conflicts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn apply(desk: &Client, assignments: Value) -> Vec<Value> {
    let (s, results) = desk
        .post(
            "/api/v1/dispatch/apply",
            json!({ "assignments": assignments }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{results}");
    results.as_array().unwrap().clone()
}

#[tokio::test]
async fn the_board_lays_out_each_day_and_checks_a_drop_before_it_is_made() {
    let Crew {
        server,
        admin,
        desk,
        chen_id,
    } = crew().await;
    engineer(&admin, "王磊", "西湖区").await;
    let (fridge, _) = waiting_job(&desk, "西溪超市", "FXB001", "refrigeration").await;
    let (second, _) = waiting_job(&desk, "文三路便利店", "FXB002", "refrigeration").await;
    let (lift, _) = waiting_job(&desk, "湖滨大厦物业", "FXB-LIFT", "elevator").await;
    let day = next_wednesday();

    // A drop at 10:00 for an hour.
    let results = apply(
        &desk,
        json!([{"work_order": fridge, "engineer": chen_id, "slot": slot(day, (10, 0), (11, 0))}]),
    )
    .await;
    assert_eq!(results[0]["outcome"], "assigned", "{results:?}");

    let engineer_user = server.login("chen").await;
    let (s, _) = engineer_user
        .get(&format!("/api/v1/dispatch/board?day={day}"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, board) = desk.get(&format!("/api/v1/dispatch/board?day={day}")).await;
    assert_eq!(s, StatusCode::OK, "{board}");
    assert_eq!(board["utc_offset_minutes"], 480);
    assert_eq!(board["map"]["tiles"], "", "no tiles unless configured");
    assert_eq!(board["engineers"].as_array().unwrap().len(), 2);
    assert!(
        board["engineers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["working"] == true)
    );
    let jobs = board["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 3);
    let lift_job = jobs
        .iter()
        .find(|j| j["work_order"]["id"] == lift.as_str())
        .unwrap();
    assert_eq!(lift_job["customer"], "湖滨大厦物业");
    assert_eq!(lift_job["region"], "西湖区");
    assert!(lift_job["position"]["lat"].as_f64().is_some());
    let chen_lane = board["lanes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["engineer"] == chen_id.as_str())
        .unwrap();
    let block = &chen_lane["blocks"][0];
    assert_eq!(block["work_order"], fridge.as_str());
    assert_eq!(at(&block["start"]), local(day, 10, 0));
    assert!(block["travel_minutes"].as_f64().unwrap() > 0.0, "{block}");
    assert!(!codes(&block["conflicts"]).contains(&"overlap".to_owned()));
    let fridge_number = jobs
        .iter()
        .find(|j| j["work_order"]["id"] == fridge.as_str())
        .unwrap()["work_order"]["number"]
        .clone();

    // The lift job dropped on chen at 10:30: no elevator skill, and the fridge job still runs.
    let (s, check) = desk
        .post(
            "/api/v1/dispatch/check",
            json!({"work_order": lift, "engineer": chen_id, "day": day, "start": local(day, 10, 30)}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{check}");
    let found = codes(&check["conflicts"]);
    assert!(found.contains(&"skill_missing".to_owned()), "{check}");
    assert!(found.contains(&"overlap".to_owned()), "{check}");
    let overlap = check["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "overlap")
        .unwrap();
    assert_eq!(overlap["detail"], fridge_number);
    assert!(overlap["minutes"].as_f64().unwrap() >= 30.0);
    // Nothing changed by asking.
    let (_, wo) = desk.get(&format!("/api/v1/work-orders/{lift}")).await;
    assert_eq!(wo["status"], "new");

    // The second fridge job with no time: placed after the first, nothing but the SLA against it
    // (the jobs came in today; next Wednesday is past their arrive-by time).
    let (_, check) = desk
        .post(
            "/api/v1/dispatch/check",
            json!({"work_order": second, "engineer": chen_id, "day": day}),
        )
        .await;
    let found = codes(&check["conflicts"]);
    assert!(found.iter().all(|c| c == "sla_breach"), "{check}");
    let start = at(&check["start"]);
    assert!(start >= local(day, 11, 0), "{check}");
    assert_eq!(check["lane"]["blocks"].as_array().unwrap().len(), 2);

    // On a Sunday chen is off.
    let sunday = day + chrono::Duration::days(4);
    let (_, check) = desk
        .post(
            "/api/v1/dispatch/check",
            json!({"work_order": second, "engineer": chen_id, "day": sunday, "start": local(sunday, 9, 0)}),
        )
        .await;
    assert_eq!(codes(&check["conflicts"])[0], "off_duty", "{check}");

    // Moving the fridge job within chen's day is a reschedule.
    let results = apply(
        &desk,
        json!([{"work_order": fridge, "engineer": chen_id, "slot": slot(day, (14, 0), (15, 30))}]),
    )
    .await;
    assert_eq!(results[0]["outcome"], "rescheduled");
    let (_, wo) = desk.get(&format!("/api/v1/work-orders/{fridge}")).await;
    assert_eq!(at(&wo["planned"]["start"]), local(day, 14, 0));
    // The live stream carries the change like every other.
    let (_, history) = desk
        .get(&format!("/api/v1/work-orders/{fridge}/history"))
        .await;
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["event"]["action"]["action"] == "schedule")
    );
}

#[tokio::test]
async fn pinned_jobs_hold_when_the_day_is_planned_again() {
    let Crew {
        server: _server,
        admin,
        desk,
        chen_id,
    } = crew().await;
    let wang_id = engineer(&admin, "王磊", "西湖区").await;
    let fx = customer_with_asset(&desk, "西溪超市", "FXP001").await;
    let fixed = assigned_job(&desk, &fx, &chen_id, "冷柜不制冷").await;
    let free = assigned_job(&desk, &fx, &chen_id, "压缩机异响").await;
    let day = next_wednesday();
    // The dispatcher promised 14:00 with chen and fixed it.
    let (s, body) = desk
        .act(
            &fixed,
            json!({"action": "schedule", "slot": slot(day, (14, 0), (15, 0)), "pin": "do_not_move"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["pin"], "do_not_move");

    // A full re-plan keeps it with chen at 14:00.
    let (s, plan) = desk
        .post(
            "/api/v1/dispatch/plan",
            json!({"day": day, "time_limit_ms": 200, "scenario": {"scenario": "replan"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    let visit = plan["visits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["work_order"] == fixed.as_str())
        .unwrap_or_else(|| panic!("{plan}"))
        .clone();
    assert_eq!(visit["engineer"], chen_id.as_str());
    assert_eq!(at(&visit["start"]), local(day, 14, 0));

    // chen off sick: the unpinned job goes to wang; the pinned one cannot move, and says why.
    let (_, plan) = desk
        .post(
            "/api/v1/dispatch/plan",
            json!({"day": day, "time_limit_ms": 200, "scenario": {"scenario": "engineer_off", "engineer": chen_id}}),
        )
        .await;
    assert_eq!(plan["reassigned"], json!([free]), "{plan}");
    assert!(
        plan["left_out"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["work_order"] == fixed.as_str() && l["reason"] == "engineer_off")
    );
    assert!(
        plan["visits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["engineer"] == wang_id.as_str())
    );

    // Engineers cannot pin.
    let chen = _server.login("chen").await;
    let (s, _) = chen
        .act(&free, json!({"action": "schedule", "pin": "engineer"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn engineers_pick_from_the_pool_what_they_are_qualified_for_first_come_first_served() {
    let Crew {
        server,
        admin,
        desk,
        chen_id,
    } = crew().await;
    let wang_id = engineer(&admin, "王磊", "西湖区").await;
    server
        .user(&admin, "wang", Role::Engineer, Some(&wang_id))
        .await;
    let (fridge, _) = waiting_job(&desk, "西溪超市", "FXL001", "refrigeration").await;
    let (lift, _) = waiting_job(&desk, "湖滨大厦物业", "FXL-LIFT", "elevator").await;
    let assigned = {
        let fx = customer_with_asset(&desk, "文三路便利店", "FXL002").await;
        assigned_job(&desk, &fx, &chen_id, "门封条漏冷").await
    };
    for job in [&fridge, &lift, &assigned] {
        let (s, body) = desk.act(job, json!({"action": "release_to_pool"})).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(
            (body["status"].as_str(), body["pooled"].as_bool()),
            (Some("triaged"), Some(true))
        );
        assert!(body["assignee"].is_null());
    }

    let chen = server.login("chen").await;
    let wang = server.login("wang").await;
    let (s, pool) = chen.get("/api/v1/pool").await;
    assert_eq!(s, StatusCode::OK, "{pool}");
    let offered: Vec<&str> = pool
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["work_order"].as_str().unwrap())
        .collect();
    assert_eq!(
        offered.len(),
        2,
        "the lift job needs a skill chen lacks: {pool}"
    );
    assert!(!offered.contains(&lift.as_str()));
    assert!(pool[0]["distance_km"].as_f64().unwrap() < 5.0);
    assert!(
        pool[0].get("customer").is_none(),
        "no customer name before picking"
    );

    let (s, body) = chen
        .post(&format!("/api/v1/pool/{lift}/pick"), json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    let (s, picked) = chen
        .post(&format!("/api/v1/pool/{fridge}/pick"), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{picked}");
    assert_eq!(picked["status"], "accepted");
    assert_eq!(picked["assignee"], chen_id.as_str());
    let (s, body) = wang
        .post(&format!("/api/v1/pool/{fridge}/pick"), json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    // chen now sees it as his own job.
    let (s, _) = chen.get(&format!("/api/v1/work-orders/{fridge}")).await;
    assert_eq!(s, StatusCode::OK);

    // The desk sees what is left and cannot pick.
    let (_, pool) = desk.get("/api/v1/pool").await;
    assert_eq!(pool.as_array().unwrap().len(), 2, "{pool}");
    let (s, _) = desk
        .post(&format!("/api/v1/pool/{lift}/pick"), json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Assigning a pooled job takes it out of the pool.
    let (s, body) = desk
        .act(&assigned, json!({"action": "assign", "engineer": wang_id}))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["pooled"], false);
    let (_, pool) = wang.get("/api/v1/pool").await;
    assert!(pool.as_array().unwrap().is_empty(), "{pool}");
}

/// The engineer app picks from the pool through the device: online, then the job and its
/// customer's file arrive with the sync like an assigned job.
#[tokio::test]
async fn the_app_picks_from_the_pool_and_the_job_syncs_down() {
    let Crew {
        server,
        admin: _admin,
        desk,
        chen_id,
    } = crew().await;
    let (fridge, number) = waiting_job(&desk, "西溪超市", "FXA001", "refrigeration").await;
    let (s, body) = desk
        .act(&fridge, json!({"action": "release_to_pool"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let dir = tempfile::tempdir().unwrap();
    let device = fixline_tests::signed_in_device(&server, dir.path(), "chen").await;
    let pool = fixline_device::pool::pool(&device).await.unwrap();
    assert_eq!(pool.len(), 1);
    assert_eq!(pool[0].number, number);
    fixline_device::pool::pick(&device, pool[0].work_order)
        .await
        .unwrap();
    fixline_device::sync(&device, true, |_| {}).await.unwrap();
    let job = device.job(pool[0].work_order).unwrap();
    assert_eq!(
        job.work_order.assignee.map(|a| a.to_string()),
        Some(chen_id)
    );
    assert_eq!(job.work_order.status.as_str(), "accepted");
    assert_eq!(job.customer_name.as_deref(), Some("西溪超市"));
    // Gone from the pool; a second pick is refused with a clear code.
    assert!(
        fixline_device::pool::pool(&device)
            .await
            .unwrap()
            .is_empty()
    );
    let again = fixline_device::pool::pick(&device, pool[0].work_order)
        .await
        .unwrap_err();
    assert!(
        again.to_string().contains("no longer in the pool"),
        "{again}"
    );
}

/// Days and times the board cannot place are told in words, never a 500: a job whose window
/// is on another day, a start on another day, and days at the far ends of the calendar.
#[tokio::test]
async fn a_drop_that_cannot_be_on_the_day_and_far_off_days_are_refused_with_a_reason() {
    let crew = crew().await;
    let Crew { desk, chen_id, .. } = &crew;
    let (job, _) = waiting_job(desk, "西溪超市", "FXB101", "refrigeration").await;
    let day = next_wednesday();
    let next_day = day.succ_opt().unwrap();
    let (_, order) = desk.get(&format!("/api/v1/work-orders/{job}")).await;
    let (s, body) = desk
        .put(
            &format!("/api/v1/work-orders/{job}"),
            order["version"].as_u64(),
            json!({"requested_window": slot(next_day, (9, 0), (12, 0))}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, check) = desk
        .post(
            "/api/v1/dispatch/check",
            json!({"work_order": job, "engineer": chen_id, "day": day, "start": local(day, 10, 0)}),
        )
        .await;
    assert_eq!(
        (s, check["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("not_on_this_day")),
        "{check}"
    );
    assert!(
        check["message"].as_str().unwrap().contains("window"),
        "{check}"
    );
    for far in ["9999-12-31", "0001-01-01", "+262142-12-31"] {
        let (s, board) = desk.get(&format!("/api/v1/dispatch/board?day={far}")).await;
        assert!(s.is_client_error(), "board {far}: {s} {board}");
        let (s, plan) = desk
            .post("/api/v1/dispatch/plan", json!({"day": far}))
            .await;
        assert!(s.is_client_error(), "plan {far}: {s} {plan}");
        let (s, check) = desk
            .post(
                "/api/v1/dispatch/check",
                json!({"work_order": job, "engineer": chen_id, "day": far, "start": local(day, 10, 0)}),
            )
            .await;
        assert!(s.is_client_error(), "check {far}: {s} {check}");
    }
    let (s, board) = desk.get("/api/v1/dispatch/board?day=9999-12-31").await;
    assert_eq!(
        (s, board["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("day_out_of_range")),
        "{board}"
    );
}
