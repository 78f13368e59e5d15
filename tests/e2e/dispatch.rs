//! Dispatch over HTTP: the optimiser proposes a day's plan from the real records (engineers'
//! shifts and skills, open jobs at their sites), the dispatcher applies it, and what nobody can
//! do is left out with the reason.

use chrono::{Duration, NaiveTime, Utc};
use fixline_tests::{Crew, crew, customer_with_asset, engineer, next_wednesday, waiting_job};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_optimiser_proposes_a_day_and_the_dispatcher_applies_it() {
    let Crew {
        server,
        admin,
        desk,
        chen_id,
    } = crew().await;
    let wang_id = engineer(&admin, "王磊", "西湖区").await;
    let mut jobs = Vec::new();
    for i in 0..4 {
        jobs.push(
            waiting_job(
                &desk,
                &format!("西溪第{i}超市"),
                &format!("FXD00{i}"),
                "refrigeration",
            )
            .await
            .0,
        );
    }
    let (lift, _) = waiting_job(&desk, "湖滨大厦物业", "FXD-LIFT", "elevator").await;

    // A day everyone's shift pattern includes.
    let day = next_wednesday();

    let engineer_user = server.login("chen").await;
    let (s, _) = engineer_user
        .post("/api/v1/dispatch/plan", json!({"day": day}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "engineers do not plan the day");

    let (s, plan) = desk
        .post(
            "/api/v1/dispatch/plan",
            json!({"day": day, "time_limit_ms": 300}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    assert_eq!(plan["engineers_working"], 2);
    let visits = plan["visits"].as_array().unwrap();
    assert_eq!(visits.len(), 4, "{plan}");
    let shift_start = day
        .and_time(NaiveTime::from_hms_opt(0, 30, 0).unwrap())
        .and_utc(); // 08:30 +08:00
    let shift_end = day
        .and_time(NaiveTime::from_hms_opt(9, 30, 0).unwrap())
        .and_utc(); // 17:30 +08:00
    for v in visits {
        assert!(jobs.contains(&v["work_order"].as_str().unwrap().to_owned()));
        assert!([chen_id.as_str(), wang_id.as_str()].contains(&v["engineer"].as_str().unwrap()));
        let eta: chrono::DateTime<Utc> = v["eta"].as_str().unwrap().parse().unwrap();
        assert!(
            eta >= shift_start && eta <= shift_end,
            "ETA {eta} outside the shift"
        );
        assert!(v["added_travel_minutes"].as_f64().unwrap() >= 0.0);
    }
    let left_out = plan["left_out"].as_array().unwrap();
    assert_eq!(left_out.len(), 1, "{plan}");
    assert_eq!(left_out[0]["work_order"], lift.as_str());
    assert_eq!(left_out[0]["reason"], "no_qualified_engineer");

    // The dispatcher applies the plan, plus one assignment that cannot work.
    let mut assignments: Vec<Value> = visits
        .iter()
        .map(|v| json!({"work_order": v["work_order"], "engineer": v["engineer"]}))
        .collect();
    assignments
        .push(json!({"work_order": jobs[0], "engineer": "00000000-0000-7000-8000-000000000000"}));
    let (s, applied) = desk
        .post(
            "/api/v1/dispatch/apply",
            json!({"assignments": assignments}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{applied}");
    let outcomes: Vec<&str> = applied
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["assigned", "assigned", "assigned", "assigned", "refused"]
    );
    for v in visits {
        let (_, wo) = desk
            .get(&format!(
                "/api/v1/work-orders/{}",
                v["work_order"].as_str().unwrap()
            ))
            .await;
        assert_eq!(wo["status"], "assigned");
        assert_eq!(wo["assignee"], v["engineer"]);
    }
    // "On my way": the job gets an expected arrival, for the customer's notification.
    let chens = visits
        .iter()
        .find(|v| v["engineer"] == chen_id.as_str())
        .map(|v| v["work_order"].as_str().unwrap().to_owned());
    if let Some(job) = chens {
        let chen = server.login("chen").await;
        chen.act(&job, json!({"action": "accept"})).await;
        let before = Utc::now();
        let (s, wo) = chen.act(&job, json!({"action": "start_travel"})).await;
        assert_eq!(s, StatusCode::OK, "{wo}");
        let eta: chrono::DateTime<Utc> = wo["eta"].as_str().expect("eta").parse().unwrap();
        assert!(
            eta > before && eta < before + Duration::hours(3),
            "ETA {eta}"
        );
        // Well past the ETA and not there: flagged once, for the customer's notification.
        let config = fixline_server::Config::default().dispatch;
        let store = std::sync::Arc::clone(&server.store);
        let later = eta + Duration::minutes(config.late_after_minutes + 5);
        let flag = move || fixline_server::ops::eta::flag_late(store.as_ref(), &config, later);
        let flagged = flag().unwrap();
        assert_eq!(flagged.len(), 1);
        assert_eq!(flagged[0].to_string(), job);
        assert!(flag().unwrap().is_empty(), "flagged once");
        let (_, wo) = chen.get(&format!("/api/v1/work-orders/{job}")).await;
        assert!(wo["late_since"].is_string(), "{wo}");
        let (_, wo) = chen.act(&job, json!({"action": "arrive"})).await;
        assert!(wo["eta"].is_null(), "cleared on arrival");
        assert!(wo["late_since"].is_null(), "cleared on arrival");
    }
    // Applying again changes nothing.
    let (_, again) = desk
        .post(
            "/api/v1/dispatch/apply",
            json!({"assignments": &assignments[..1]}),
        )
        .await;
    assert_eq!(again[0]["outcome"], "unchanged");
}

/// Re-planning after something went wrong keeps everyone else's day: only the jobs the scenario
/// touches move.
#[tokio::test]
async fn a_sick_engineer_an_overrun_or_an_empty_house_moves_only_what_it_must() {
    use fixline_tests::assigned_job;
    let Crew {
        server: _server,
        admin,
        desk,
        chen_id,
    } = crew().await;
    let wang_id = engineer(&admin, "王磊", "西湖区").await;
    let fx = customer_with_asset(&desk, "西溪超市", "FXR001").await;
    let chen_jobs = [
        assigned_job(&desk, &fx, &chen_id, "冷柜不制冷").await,
        assigned_job(&desk, &fx, &chen_id, "压缩机异响").await,
    ];
    let wang_job = assigned_job(&desk, &fx, &wang_id, "门封条漏冷").await;
    let day = next_wednesday();

    // chen is off sick: his two jobs go to wang, wang's own job stays.
    let (s, plan) = desk
        .post(
            "/api/v1/dispatch/plan",
            json!({"day": day, "time_limit_ms": 200, "scenario": {"scenario": "engineer_off", "engineer": chen_id}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    assert_eq!(plan["engineers_working"], 1);
    let mut moved: Vec<&str> = plan["reassigned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    moved.sort();
    let mut expected = vec![chen_jobs[0].as_str(), chen_jobs[1].as_str()];
    expected.sort();
    assert_eq!(moved, expected);
    assert!(
        plan["visits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["engineer"] == wang_id.as_str())
    );

    // chen's first job runs 6½ hours over: it stays his, his second job goes to wang,
    // and wang keeps his own.
    let (s, plan) = desk
        .post(
            "/api/v1/dispatch/plan",
            json!({"day": day, "time_limit_ms": 200, "scenario": {"scenario": "overrun", "work_order": chen_jobs[0], "minutes": 390}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    let engineer_of = |job: &str| {
        plan["visits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["work_order"] == job)
            .map(|v| v["engineer"].as_str().unwrap().to_owned())
    };
    assert_eq!(
        engineer_of(&chen_jobs[0]).as_deref(),
        Some(chen_id.as_str()),
        "{plan}"
    );
    assert_eq!(
        engineer_of(&chen_jobs[1]).as_deref(),
        Some(wang_id.as_str()),
        "{plan}"
    );
    assert_eq!(
        engineer_of(&wang_job).as_deref(),
        Some(wang_id.as_str()),
        "{plan}"
    );
    assert_eq!(plan["reassigned"], json!([chen_jobs[1]]), "{plan}");

    // Nobody home for wang's job: it leaves the plan with the reason; chen keeps his day.
    let (_, plan) = desk
        .post(
            "/api/v1/dispatch/plan",
            json!({"day": day, "time_limit_ms": 200, "scenario": {"scenario": "not_home", "work_order": wang_job}}),
        )
        .await;
    assert_eq!(plan["reassigned"].as_array().unwrap().len(), 0, "{plan}");
    let left = plan["left_out"].as_array().unwrap();
    assert!(
        left.iter()
            .any(|l| l["work_order"] == wang_job.as_str() && l["reason"] == "not_home")
    );
    for job in &chen_jobs {
        assert!(
            plan["visits"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v["work_order"] == job.as_str() && v["engineer"] == chen_id.as_str())
        );
    }
}

/// A job under way is planned around, never proposed: nothing about it could be applied. On
/// another day it is over, so it is not in that day's plan at all.
#[tokio::test]
async fn a_job_under_way_is_not_proposed() {
    use fixline_tests::{assigned_job, crew_at, next_wednesday_after};
    // Monday 30 November 2026, 10:00 in Hangzhou: a working day for everyone.
    let monday: chrono::DateTime<Utc> = "2026-11-30T02:00:00Z".parse().unwrap();
    let crew = crew_at(monday).await;
    let fx = customer_with_asset(&crew.desk, "西溪超市", "FXU001").await;
    let driving = assigned_job(&crew.desk, &fx, &crew.chen_id, "冷柜不制冷").await;
    let chen = crew.server.login("chen").await;
    for step in ["accept", "start_travel"] {
        let (s, b) = chen.act(&driving, json!({"action": step})).await;
        assert_eq!(s, StatusCode::OK, "{step}: {b}");
    }
    let (waiting, _) = waiting_job(&crew.desk, "湖滨超市", "FXU002", "refrigeration").await;
    for day in [
        "2026-11-30".parse().unwrap(),
        next_wednesday_after("2026-11-30".parse().unwrap()),
    ] {
        let (s, plan) = crew
            .desk
            .post(
                "/api/v1/dispatch/plan",
                json!({"day": day, "time_limit_ms": 200}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{plan}");
        let proposed = |id: &str| {
            plan["visits"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v["work_order"] == id)
        };
        assert!(proposed(&waiting), "{day}: {plan}");
        assert!(
            !proposed(&driving),
            "{day}: the job under way was proposed: {plan}"
        );
        assert!(
            plan["left_out"].as_array().unwrap().is_empty(),
            "{day}: {plan}"
        );
    }
    // A refusal names its reason by code, for the console to word.
    let (_, applied) = crew
        .desk
        .post(
            "/api/v1/dispatch/apply",
            json!({"assignments": [{"work_order": driving, "engineer": "00000000-0000-7000-8000-000000000000"}]}),
        )
        .await;
    assert_eq!(applied[0]["outcome"], "refused", "{applied}");
    assert_eq!(applied[0]["code"], "not_found", "{applied}");
}
