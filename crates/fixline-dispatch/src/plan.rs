//! The plan as the dispatcher reviews it: each engineer's route with arrival times (ETAs), each
//! assignment with why it went there and what the next-best engineer would have cost, and each
//! job left out with the reason.

use serde::{Deserialize, Serialize};

use crate::problem::Instance;
use crate::route::{Insertion, Visit, evaluate, travel_rise, walk};
use crate::search::Solution;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    pub job: String,
    /// When the engineer gets there (the ETA).
    pub arrival: f64,
    /// When work starts (after waiting for the window to open).
    pub start: f64,
    pub end: f64,
    pub travel_minutes: f64,
    /// Minutes past the SLA arrive-by time, if any.
    pub late_by: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub engineer: String,
    pub stops: Vec<Stop>,
    pub travel_minutes: f64,
    pub travel_km: f64,
}

/// Why a job went to its engineer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub job: String,
    pub engineer: String,
    pub eta: f64,
    /// Travel minutes this job adds to its engineer's day.
    pub added_travel: f64,
    /// The best other qualified engineer who could take it as the plan stands, and what it
    /// would add there; none if nobody else could.
    pub next_best: Option<(String, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhyUnassigned {
    /// Nobody has the skill at the level, or the certification.
    NoQualifiedEngineer,
    /// Even alone in a qualified engineer's day, the window cannot be met within the shift.
    WindowImpossible,
    /// It could be done, but every qualified engineer's day is full.
    ShiftsFull,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unassigned {
    pub job: String,
    pub why: WhyUnassigned,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub routes: Vec<Route>,
    pub assignments: Vec<Assignment>,
    pub unassigned: Vec<Unassigned>,
    pub travel_minutes: f64,
    pub travel_km: f64,
    pub breaches: u32,
    pub late_minutes: f64,
}

impl Plan {
    /// The engineer and ETA of a job, if planned.
    pub fn eta(&self, job: &str) -> Option<(&str, f64)> {
        self.assignments
            .iter()
            .find(|a| a.job == job)
            .map(|a| (a.engineer.as_str(), a.eta))
    }

    /// Engineers actually used.
    pub fn routes_used(&self) -> usize {
        self.routes.iter().filter(|r| !r.stops.is_empty()).count()
    }
}

pub(crate) fn build(inst: &Instance<'_>, s: &Solution) -> Plan {
    let problem = inst.problem;
    let mut plan = Plan {
        routes: Vec::new(),
        assignments: Vec::new(),
        unassigned: Vec::new(),
        travel_minutes: 0.0,
        travel_km: 0.0,
        breaches: 0,
        late_minutes: 0.0,
    };
    let mut visits: Vec<Visit> = Vec::new();
    for (e, route) in s.routes.iter().enumerate() {
        let engineer = &problem.engineers[e];
        let (cost, _) = walk(inst, e, route, Some(&mut visits));
        let km = route_km(inst, e, route);
        let stops: Vec<Stop> = route
            .iter()
            .zip(&visits)
            .map(|(&j, v)| {
                let job = &problem.jobs[j];
                Stop {
                    job: job.key.clone(),
                    arrival: v.arrival,
                    start: v.start,
                    end: v.end,
                    travel_minutes: v.travel_in,
                    late_by: job.due.map_or(0.0, |d| (v.start - d).max(0.0)),
                }
            })
            .collect();
        for (pos, &j) in route.iter().enumerate() {
            let mut rest = route.clone();
            rest.remove(pos);
            plan.assignments.push(Assignment {
                job: problem.jobs[j].key.clone(),
                engineer: engineer.key.clone(),
                eta: visits.get(pos).map_or(0.0, |v| v.arrival),
                added_travel: travel_rise(inst, e, &rest, pos, j),
                next_best: next_best(inst, s, j, e),
            });
        }
        plan.travel_minutes += cost.travel;
        plan.travel_km += km;
        plan.breaches += cost.breaches;
        plan.late_minutes += cost.late;
        plan.routes.push(Route {
            engineer: engineer.key.clone(),
            stops,
            travel_minutes: cost.travel,
            travel_km: km,
        });
    }
    for &j in &s.unassigned {
        plan.unassigned.push(Unassigned {
            job: problem.jobs[j].key.clone(),
            why: why_unassigned(inst, j),
        });
    }
    plan
}

fn route_km(inst: &Instance<'_>, e: usize, route: &[usize]) -> f64 {
    if route.is_empty() {
        return 0.0;
    }
    let mut at = inst.start_node(e);
    let mut km = 0.0;
    for &j in route {
        km += inst.matrix.km(at, j);
        at = j;
    }
    km + inst.matrix.km(at, inst.end_node(e))
}

/// The cheapest other engineer who could fit the job into their route as it stands (of
/// identical engineers with empty days, the first).
fn next_best(inst: &Instance<'_>, s: &Solution, j: usize, holder: usize) -> Option<(String, f64)> {
    let mut best: Option<(usize, f64)> = None;
    let mut tried_empty = vec![false; inst.engineers()];
    for e in (0..inst.engineers()).filter(|&e| e != holder && inst.allowed(j, e)) {
        let route = &s.routes[e];
        if route.is_empty() && std::mem::replace(&mut tried_empty[inst.twin[e]], true) {
            continue;
        }
        let first = usize::from(route.first().is_some_and(|&f| inst.started[f]));
        for pos in s.slack[e].positions(inst, first, j) {
            if s.slack[e].insertion(inst, e, route, pos, j) != Insertion::Infeasible {
                let added = travel_rise(inst, e, route, pos, j);
                if best.is_none_or(|(_, b)| added < b) {
                    best = Some((e, added));
                }
            }
        }
    }
    best.map(|(e, added)| (inst.problem.engineers[e].key.clone(), added))
}

fn why_unassigned(inst: &Instance<'_>, j: usize) -> WhyUnassigned {
    let qualified: Vec<usize> = (0..inst.engineers())
        .filter(|&e| inst.allowed(j, e))
        .collect();
    if qualified.is_empty() {
        return WhyUnassigned::NoQualifiedEngineer;
    }
    if qualified
        .iter()
        .all(|&e| evaluate(inst, e, &[j], None).is_none())
    {
        return WhyUnassigned::WindowImpossible;
    }
    WhyUnassigned::ShiftsFull
}
