//! An independent checker of every hard rule, for the tests and the benchmark: its own walk of
//! each route (none of the optimiser's code), so a plan from Fixline or from another solver is
//! judged the same way.

use std::collections::HashMap;

use fixline_dispatch::travel::TravelModel;
use fixline_dispatch::{Pin, Plan, Problem};

/// A plan as lists of job keys per engineer, and the jobs left out.
pub struct Routes {
    pub routes: Vec<(String, Vec<String>)>,
    pub unassigned: Vec<String>,
}

impl Routes {
    pub fn of(plan: &Plan) -> Self {
        Routes {
            routes: plan
                .routes
                .iter()
                .map(|r| {
                    let stops = r.stops.iter().map(|s| s.job.clone()).collect();
                    (r.engineer.clone(), stops)
                })
                .collect(),
            unassigned: plan.unassigned.iter().map(|u| u.job.clone()).collect(),
        }
    }
}

/// What the walk found: travel in minutes, and when each job starts.
pub struct Walked {
    pub travel: f64,
    pub starts: HashMap<String, f64>,
}

/// Every job exactly once (on a route or left out), each engineer at most one route, qualified
/// engineers, pins, started jobs first, windows, capacity, back before the shift ends with the
/// break kept.
pub fn check(problem: &Problem, travel: &dyn TravelModel, plan: &Routes) -> Result<Walked, String> {
    let jobs: HashMap<&str, &fixline_dispatch::Job> =
        problem.jobs.iter().map(|j| (j.key.as_str(), j)).collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for key in plan
        .routes
        .iter()
        .flat_map(|(_, s)| s)
        .chain(&plan.unassigned)
    {
        *seen.entry(key.as_str()).or_default() += 1;
    }
    for j in &problem.jobs {
        if seen.get(j.key.as_str()) != Some(&1) {
            return Err(format!(
                "{} appears {:?} times",
                j.key,
                seen.get(j.key.as_str())
            ));
        }
    }
    if let Some(stray) = seen.keys().find(|k| !jobs.contains_key(*k)) {
        return Err(format!("unknown job {stray}"));
    }
    let mut engineers_seen = std::collections::HashSet::new();
    let mut walked = Walked {
        travel: 0.0,
        starts: HashMap::new(),
    };
    for (engineer, stops) in &plan.routes {
        if !engineers_seen.insert(engineer.as_str()) {
            return Err(format!("{engineer} has two routes"));
        }
        let e = problem
            .engineers
            .iter()
            .find(|e| &e.key == engineer)
            .ok_or_else(|| format!("unknown engineer {engineer}"))?;
        let mut t = e.shift_start;
        let mut at = e.start;
        let mut load = 0.0;
        for (i, key) in stops.iter().enumerate() {
            let j = jobs[key.as_str()];
            if j.pin == Pin::Free && !fixline_dispatch::problem::qualified(e, j) {
                return Err(format!("{} is not qualified for {}", e.key, j.key));
            }
            match &j.pin {
                Pin::Engineer { engineer } if engineer != &e.key => {
                    return Err(format!("{} pinned to {engineer} but on {}", j.key, e.key));
                }
                Pin::Started { engineer } if engineer != &e.key || i != 0 => {
                    return Err(format!("started job {} moved", j.key));
                }
                _ => {}
            }
            let started = matches!(j.pin, Pin::Started { .. });
            let start = if started {
                j.earliest
            } else {
                let leg = travel.leg(at, j.at).0;
                walked.travel += leg;
                (t + leg).max(j.earliest)
            };
            if start > j.latest + 1e-6 {
                return Err(format!(
                    "{} starts at {start} after its window {}",
                    j.key, j.latest
                ));
            }
            walked.starts.insert(j.key.clone(), start);
            t = start + j.duration;
            at = j.at;
            load += j.demand;
        }
        let only_started =
            stops.len() == 1 && matches!(jobs[stops[0].as_str()].pin, Pin::Started { .. });
        if !stops.is_empty() {
            let home = travel.leg(at, e.end).0;
            walked.travel += home;
            t += home;
            if !only_started && t > e.shift_end - e.break_minutes + 1e-6 {
                return Err(format!("{} back at {t}, shift ends {}", e.key, e.shift_end));
            }
        }
        if e.capacity.is_some_and(|c| load > c + 1e-6) {
            return Err(format!("{} over capacity", e.key));
        }
    }
    Ok(walked)
}

/// [`check`], and the plan's own figures agree with the walk: each start, and the travel.
pub fn check_plan(problem: &Problem, travel: &dyn TravelModel, plan: &Plan) -> Result<(), String> {
    let walked = check(problem, travel, &Routes::of(plan))?;
    for s in plan.routes.iter().flat_map(|r| &r.stops) {
        let start = walked.starts[&s.job];
        if (start - s.start).abs() > 1e-6 {
            return Err(format!(
                "{} reported start {} but is {start}",
                s.job, s.start
            ));
        }
    }
    if (walked.travel - plan.travel_minutes).abs() > 1e-6 * walked.travel.max(1.0) {
        return Err(format!(
            "plan says {} travel minutes, the walk {}",
            plan.travel_minutes, walked.travel
        ));
    }
    Ok(())
}

/// The engineers whose visits, other than `ignore`, are not the same in the same order after
/// as before (a re-plan that should have moved nobody returns none).
pub fn reordered(before: &Plan, after: &Plan, ignore: &[&str]) -> Vec<String> {
    let visits = |plan: &Plan, engineer: &str| -> Vec<String> {
        plan.routes
            .iter()
            .filter(|r| r.engineer == engineer)
            .flat_map(|r| &r.stops)
            .map(|s| s.job.clone())
            .filter(|j| !ignore.contains(&j.as_str()))
            .collect()
    };
    before
        .routes
        .iter()
        .map(|r| r.engineer.clone())
        .filter(|e| visits(before, e) != visits(after, e))
        .collect()
}
