//! The optimiser: every hard rule holds in every plan of generated instances, the same seed
//! gives the same plan, an urgent job goes in without moving anyone, and every job left out
//! says why.

mod check;

use fixline_dispatch::travel::{Euclidean, GreatCircle, Point};
use fixline_dispatch::{Budget, Engineer, Job, Pin, Problem, WhyUnassigned, insert_urgent, solve};
use proptest::prelude::*;

fn engineer(key: &str, skills: &[(&str, u8)], certs: &[&str]) -> Engineer {
    Engineer {
        key: key.into(),
        start: Point::lon_lat(120.15, 30.27),
        end: Point::lon_lat(120.15, 30.27),
        shift_start: 8.5 * 60.0,
        shift_end: 17.5 * 60.0,
        break_minutes: 60.0,
        skills: skills.iter().map(|(s, l)| (s.to_string(), *l)).collect(),
        certifications: certs.iter().map(|c| c.to_string()).collect(),
        capacity: None,
    }
}

fn job(key: &str, lon: f64, lat: f64) -> Job {
    Job {
        key: key.into(),
        at: Point::lon_lat(lon, lat),
        duration: 45.0,
        earliest: 8.5 * 60.0,
        latest: 17.0 * 60.0,
        due: None,
        skill: None,
        certification: None,
        demand: 0.0,
        priority: 3,
        pin: Pin::Free,
    }
}

/// A random day: engineers with some skills, jobs around Hangzhou with windows, skills,
/// certifications, pins and a started job.
fn instance() -> impl Strategy<Value = Problem> {
    let engineers = prop::collection::vec((0..3usize, 1..=5u8, any::<bool>(), 0..120u32), 1..6);
    let jobs = prop::collection::vec(
        (
            (-50..50i32, -50..50i32),
            (15..120u32, 0..480u32, 30..360u32),
            (
                prop::option::of((0..3usize, 1..=5u8)),
                any::<bool>(),
                1..=4u8,
                0..4u8,
            ),
        ),
        0..30,
    );
    (engineers, jobs).prop_map(|(es, js)| {
        let cats = ["refrigeration", "air_conditioning", "coffee_machine"];
        let engineers: Vec<Engineer> = es
            .iter()
            .enumerate()
            .map(|(i, (cat, level, cert, late))| {
                let mut e = engineer(
                    &format!("e{i}"),
                    &[(cats[*cat], *level)],
                    if *cert { &["制冷证"] } else { &[] },
                );
                e.shift_end += f64::from(*late);
                e
            })
            .collect();
        let jobs = js
            .iter()
            .enumerate()
            .map(
                |(i, ((dx, dy), (dur, open, width), (skill, cert, prio, pin)))| {
                    let mut j = job(
                        &format!("j{i}"),
                        120.15 + f64::from(*dx) * 0.002,
                        30.27 + f64::from(*dy) * 0.002,
                    );
                    j.duration = f64::from(*dur);
                    j.earliest = 8.5 * 60.0 + f64::from(*open);
                    j.latest = j.earliest + f64::from(*width);
                    j.skill = skill.map(|(c, l)| (cats[c].to_owned(), l));
                    j.certification = cert.then(|| "制冷证".to_owned());
                    j.priority = *prio;
                    j.due = (*prio <= 2).then_some(j.earliest + 120.0);
                    j.pin = match pin {
                        1 => Pin::Engineer {
                            engineer: format!("e{}", i % engineers.len()),
                        },
                        2 if i == 0 => Pin::Started {
                            engineer: "e0".into(),
                        },
                        _ => Pin::Free,
                    };
                    if matches!(j.pin, Pin::Started { .. }) {
                        j.earliest = 8.5 * 60.0;
                        j.latest = 8.5 * 60.0 + 30.0;
                    }
                    j
                },
            )
            .collect();
        Problem { engineers, jobs }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_plan_keeps_every_hard_rule(problem in instance(), seed in 0..1000u64) {
        let travel = GreatCircle::default();
        let plan = solve(&problem, &travel, Budget::iterations(150, seed)).unwrap();
        prop_assert_eq!(check::check_plan(&problem, &travel, &plan), Ok(()));
    }
}

#[test]
fn the_same_seed_gives_the_same_plan() {
    let text = std::fs::read_to_string(solomon("R101")).unwrap();
    let problem = fixline_dispatch::solomon::parse(&text).unwrap();
    let a = solve(&problem, &Euclidean, Budget::iterations(300, 7)).unwrap();
    let b = solve(&problem, &Euclidean, Budget::iterations(300, 7)).unwrap();
    assert_eq!(a, b);
    check::check_plan(&problem, &Euclidean, &a).unwrap();
}

fn solomon(name: &str) -> std::path::PathBuf {
    std::path::Path::new(
        &std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
    )
    .join("data/solomon")
    .join(format!("{name}.txt"))
}

#[test]
fn a_short_search_on_c101_is_feasible_and_close_to_the_best_known() {
    let text = std::fs::read_to_string(solomon("C101")).unwrap();
    let problem = fixline_dispatch::solomon::parse(&text).unwrap();
    let plan = solve(&problem, &Euclidean, Budget::iterations(3000, 1)).unwrap();
    check::check_plan(&problem, &Euclidean, &plan).unwrap();
    assert!(plan.unassigned.is_empty());
    // Best known: 828.94.
    assert!(
        plan.travel_km < 828.94 * 1.05,
        "distance {}",
        plan.travel_km
    );
}

#[test]
fn an_urgent_job_goes_in_without_moving_anyone() {
    let mut problem = Problem {
        engineers: vec![
            engineer("chen", &[("refrigeration", 4)], &[]),
            engineer("wang", &[("refrigeration", 3)], &[]),
        ],
        jobs: (0..8)
            .map(|i| job(&format!("j{i}"), 120.10 + 0.01 * f64::from(i), 30.25))
            .collect(),
    };
    let before = solve(
        &problem,
        &GreatCircle::default(),
        Budget::iterations(500, 3),
    )
    .unwrap();
    let mut urgent = job("urgent", 120.13, 30.26);
    urgent.priority = 1;
    urgent.due = Some(11.0 * 60.0);
    problem.jobs.push(urgent);
    let after = insert_urgent(&problem, &GreatCircle::default(), &before, "urgent").unwrap();
    check::check_plan(&problem, &GreatCircle::default(), &after).unwrap();
    assert!(after.eta("urgent").is_some(), "{:?}", after.unassigned);
    let moved = check::reordered(&before, &after, &["urgent"]);
    assert!(moved.is_empty(), "{moved:?}'s other jobs changed");
}

#[test]
fn every_job_left_out_says_why() {
    let mut needs_skill = job("needs-skill", 120.15, 30.27);
    needs_skill.skill = Some(("elevator".into(), 3));
    let mut too_early = job("too-early", 120.15, 30.27);
    too_early.earliest = 6.0 * 60.0;
    too_early.latest = 7.0 * 60.0;
    let mut problem = Problem {
        engineers: vec![engineer("chen", &[("refrigeration", 4)], &[])],
        jobs: vec![needs_skill, too_early],
    };
    // A day's worth and more of long jobs for one engineer.
    for i in 0..6 {
        let mut j = job(&format!("long{i}"), 120.16, 30.28);
        j.duration = 150.0;
        problem.jobs.push(j);
    }
    let plan = solve(
        &problem,
        &GreatCircle::default(),
        Budget::iterations(300, 1),
    )
    .unwrap();
    let why = |key: &str| plan.unassigned.iter().find(|u| u.job == key).map(|u| u.why);
    assert_eq!(why("needs-skill"), Some(WhyUnassigned::NoQualifiedEngineer));
    assert_eq!(why("too-early"), Some(WhyUnassigned::WindowImpossible));
    assert!(
        plan.unassigned
            .iter()
            .any(|u| u.why == WhyUnassigned::ShiftsFull)
    );
    // And each assignment says what it costs and who else could have taken it.
    assert!(
        plan.assignments
            .iter()
            .all(|a| a.engineer == "chen" && a.next_best.is_none())
    );
}

#[test]
fn nonsense_is_refused_with_a_reason() {
    let mut bad = job("bad", 120.15, 30.27);
    bad.latest = bad.earliest - 1.0;
    let problem = Problem {
        engineers: vec![engineer("chen", &[], &[])],
        jobs: vec![bad],
    };
    let e = solve(&problem, &GreatCircle::default(), Budget::iterations(10, 1)).unwrap_err();
    assert!(
        e.to_string().contains("window closes before it opens"),
        "{e}"
    );
    let mut nan = job("nan", f64::NAN, 30.0);
    nan.duration = 10.0;
    let problem = Problem {
        engineers: vec![],
        jobs: vec![nan],
    };
    assert!(solve(&problem, &GreatCircle::default(), Budget::iterations(10, 1)).is_err());
}

#[test]
fn an_urgent_job_with_no_room_bumps_one_less_urgent_visit_and_no_more() {
    // Two engineers, each with a full day of three long jobs; only chen can do the urgent one.
    let mut problem = Problem {
        engineers: vec![
            engineer("chen", &[("refrigeration", 4)], &[]),
            engineer("wang", &[], &[]),
        ],
        jobs: (0..6)
            .map(|i| {
                let mut j = job(&format!("j{i}"), 120.15 + 0.002 * f64::from(i), 30.27);
                j.duration = 150.0;
                j
            })
            .collect(),
    };
    let travel = GreatCircle::default();
    let before = solve(&problem, &travel, Budget::iterations(300, 1)).unwrap();
    assert!(before.unassigned.is_empty(), "{:?}", before.unassigned);
    let mut urgent = job("urgent", 120.151, 30.271);
    urgent.priority = 1;
    urgent.duration = 60.0;
    urgent.skill = Some(("refrigeration".into(), 3));
    problem.jobs.push(urgent);
    let after = insert_urgent(&problem, &travel, &before, "urgent").unwrap();
    check::check_plan(&problem, &travel, &after).unwrap();
    assert_eq!(after.eta("urgent").map(|(e, _)| e), Some("chen"));
    // One P3 visit makes room (left out: wang's day is full too), nobody else moves.
    assert_eq!(after.unassigned.len(), 1, "{:?}", after.unassigned);
    let bumped = after.unassigned[0].job.clone();
    assert_eq!(after.unassigned[0].why, WhyUnassigned::ShiftsFull);
    let moved = check::reordered(&before, &after, &["urgent", &bumped]);
    assert!(moved.is_empty(), "{moved:?}'s other jobs changed");
}
