//! A city-sized day: 1,000 jobs over 200 engineers with skills and levels, certifications,
//! staggered shifts with breaks, customer windows, SLA times, pins and jobs already under way.
//! Every plan keeps every hard rule (the independent checker), the same seed and iteration
//! budget give the same plan, and an urgent job goes in without moving anyone else.

mod check;

use fixline_dispatch::travel::{GreatCircle, Point};
use fixline_dispatch::{Budget, Engineer, Job, Pin, Plan, Problem, insert_urgent, solve};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CATEGORIES: [&str; 3] = ["refrigeration", "air_conditioning", "elevator"];

fn city(jobs: usize, engineers: usize, seed: u64) -> Problem {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let place = |rng: &mut ChaCha8Rng| {
        Point::lon_lat(
            120.0 + rng.random_range(0.0..0.35),
            30.15 + rng.random_range(0.0..0.25),
        )
    };
    let engineers: Vec<Engineer> = (0..engineers)
        .map(|i| {
            let base = place(&mut rng);
            let shift_start = [7.0, 8.5, 10.0][i % 3] * 60.0;
            let mut skills = Vec::new();
            for c in CATEGORIES {
                if rng.random_bool(0.6) {
                    skills.push((c.to_string(), rng.random_range(1..=5)));
                }
            }
            Engineer {
                key: format!("e{i}"),
                start: base,
                end: base,
                shift_start,
                shift_end: shift_start + 9.0 * 60.0,
                break_minutes: [30.0, 45.0, 60.0][i % 3],
                skills,
                certifications: if i % 4 == 0 {
                    vec!["制冷证".into()]
                } else {
                    vec![]
                },
                capacity: (i % 5 == 0).then_some(20.0),
            }
        })
        .collect();
    let jobs = (0..jobs)
        .map(|i| {
            let (earliest, latest) = match i % 4 {
                0 => (7.0 * 60.0, 18.0 * 60.0),
                1 => (8.0 * 60.0, 12.0 * 60.0),
                2 => (13.0 * 60.0, 18.0 * 60.0),
                _ => {
                    let from = rng.random_range(8..16) as f64 * 60.0;
                    (from, from + 120.0)
                }
            };
            let priority = rng.random_range(1..=4);
            Job {
                key: format!("j{i}"),
                at: place(&mut rng),
                duration: [30.0, 45.0, 60.0, 90.0][rng.random_range(0..4)],
                earliest,
                latest,
                due: (priority <= 2).then_some(earliest + 180.0),
                skill: rng
                    .random_bool(0.7)
                    .then(|| (CATEGORIES[i % 3].to_owned(), rng.random_range(1..=4))),
                certification: (i % 25 == 0).then(|| "制冷证".to_owned()),
                demand: rng.random_range(0..3) as f64,
                priority,
                pin: Pin::Free,
            }
        })
        .collect::<Vec<_>>();
    let mut problem = Problem { engineers, jobs };
    // Some pinned by the dispatcher, some under way (at the start of their engineer's shift).
    for i in (0..problem.jobs.len()).step_by(50) {
        let e = (i / 50) % problem.engineers.len();
        let engineer = problem.engineers[e].key.clone();
        let job = &mut problem.jobs[i];
        job.pin = Pin::Engineer { engineer };
    }
    for e in (0..problem.engineers.len()).step_by(10) {
        let engineer = &problem.engineers[e];
        let (key, start, at) = (engineer.key.clone(), engineer.shift_start, engineer.start);
        let job = &mut problem.jobs[e * 5 + 1];
        job.pin = Pin::Started { engineer: key };
        job.earliest = start;
        job.latest = start;
        job.at = at;
    }
    problem
}

fn day() -> (Problem, Plan) {
    let problem = city(1000, 200, 11);
    let plan = solve(
        &problem,
        &GreatCircle::default(),
        Budget::iterations(150, 5),
    )
    .unwrap();
    (problem, plan)
}

#[test]
fn a_thousand_job_day_keeps_every_hard_rule() {
    let (problem, plan) = day();
    check::check_plan(&problem, &GreatCircle::default(), &plan).unwrap();
    let planned: usize = plan.routes.iter().map(|r| r.stops.len()).sum();
    assert!(planned > 900, "only {planned} of 1,000 planned");
    // Started jobs stay first on their engineer's route.
    for (i, e) in (0..200).step_by(10).enumerate() {
        let route = plan
            .routes
            .iter()
            .find(|r| r.engineer == format!("e{e}"))
            .unwrap();
        assert_eq!(
            route.stops[0].job,
            format!("j{}", e * 5 + 1),
            "started job {i}"
        );
    }
    // Every job left out says why, and the reasons hold.
    for u in &plan.unassigned {
        let job = problem.jobs.iter().find(|j| j.key == u.job).unwrap();
        if u.why == fixline_dispatch::WhyUnassigned::NoQualifiedEngineer {
            assert!(
                problem
                    .engineers
                    .iter()
                    .all(|e| !fixline_dispatch::problem::qualified(e, job)),
                "{} said unqualified",
                u.job
            );
        }
    }
}

#[test]
fn the_same_seed_and_budget_give_the_same_thousand_job_plan() {
    let problem = city(1000, 200, 12);
    let travel = GreatCircle::default();
    let a = solve(&problem, &travel, Budget::iterations(100, 9)).unwrap();
    let b = solve(&problem, &travel, Budget::iterations(100, 9)).unwrap();
    assert_eq!(a, b);
    let c = solve(&problem, &travel, Budget::iterations(100, 10)).unwrap();
    assert_ne!(a, c, "another seed searches differently");
}

/// A budget of 2,400 steps a job leaves room for the whole population (eight founding
/// searches, then children crossed from them): its plans keep every rule too, and the same seed
/// gives the same plan.
#[test]
fn a_search_long_enough_for_a_population_keeps_every_hard_rule() {
    let problem = city(100, 20, 13);
    let travel = GreatCircle::default();
    let budget = Budget::iterations(240_000, 3);
    let plan = solve(&problem, &travel, budget).unwrap();
    check::check_plan(&problem, &travel, &plan).unwrap();
    let planned: usize = plan.routes.iter().map(|r| r.stops.len()).sum();
    assert_eq!(planned + plan.unassigned.len(), 100);
    assert!(planned > 90, "only {planned} of 100 planned");
    assert_eq!(plan, solve(&problem, &travel, budget).unwrap());
}

#[test]
fn an_urgent_job_in_a_thousand_job_day_moves_nobody() {
    let (day_problem, plan) = day();
    let travel = GreatCircle::default();
    // There is room: only jobs nobody could do, or pinned to a full day, are out (so the
    // urgent job, which anyone may do, needs nobody bumped).
    assert!(
        plan.unassigned.iter().all(|u| {
            let job = day_problem.jobs.iter().find(|j| j.key == u.job).unwrap();
            u.why != fixline_dispatch::WhyUnassigned::ShiftsFull || job.pin != Pin::Free
        }),
        "{:?}",
        plan.unassigned
    );
    let mut problem = day_problem.clone();
    let mut urgent = problem.jobs[3].clone();
    urgent.key = "urgent".into();
    urgent.priority = 1;
    urgent.pin = Pin::Free;
    urgent.skill = None;
    urgent.earliest = 9.0 * 60.0;
    urgent.latest = 17.0 * 60.0;
    urgent.due = Some(12.0 * 60.0);
    problem.jobs.push(urgent);
    let after = insert_urgent(&problem, &travel, &plan, "urgent").unwrap();
    check::check_plan(&problem, &travel, &after).unwrap();
    assert!(after.eta("urgent").is_some(), "the urgent job is planned");
    let moved = check::reordered(&plan, &after, &["urgent"]);
    assert!(moved.is_empty(), "{moved:?}'s jobs changed");
    let left_out = |p: &Plan| {
        let mut v: Vec<String> = p.unassigned.iter().map(|u| u.job.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(
        left_out(&plan),
        left_out(&after),
        "nobody is dropped for it"
    );
    // Only the engineer who takes it has changed times.
    let taker = after.eta("urgent").unwrap().0;
    for r in after.routes.iter().filter(|r| r.engineer != taker) {
        let was = plan
            .routes
            .iter()
            .find(|x| x.engineer == r.engineer)
            .unwrap();
        assert_eq!(was.stops, r.stops, "{}'s times hold", r.engineer);
    }
}
