//! One engineer's route: the schedule it makes (arrival, start, end at each stop), whether it
//! keeps the hard rules (windows, capacity, back by the end of the shift with the break kept),
//! and what it costs.

use crate::problem::Instance;

/// Weights of the objective, in its order: jobs left out, SLA breaches, lateness, travel.
pub(crate) const W_UNASSIGNED: f64 = 1e9;
pub(crate) const W_BREACH: f64 = 1e6;
pub(crate) const W_LATE_MINUTE: f64 = 1e2;

/// A feasible route's cost parts.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct RouteCost {
    pub travel: f64,
    pub breaches: u32,
    pub late: f64,
}

impl RouteCost {
    pub fn total(&self) -> f64 {
        self.travel + f64::from(self.breaches) * W_BREACH + self.late * W_LATE_MINUTE
    }
}

/// Leaving a job out costs more for more urgent jobs.
pub(crate) fn unassigned_cost(priority: u8) -> f64 {
    W_UNASSIGNED * f64::from(5 - priority.clamp(1, 4))
}

/// The times at one stop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Visit {
    pub arrival: f64,
    pub start: f64,
    pub end: f64,
    pub travel_in: f64,
}

/// Walks the route; `None` if it breaks a hard rule. `visits`, when given, receives each stop's times.
pub(crate) fn evaluate(
    inst: &Instance<'_>,
    e: usize,
    stops: &[usize],
    visits: Option<&mut Vec<Visit>>,
) -> Option<RouteCost> {
    let (cost, feasible) = walk(inst, e, stops, visits);
    feasible.then_some(cost)
}

/// Walks the route and says whether it keeps the hard rules; the times are filled in either way
/// (a plan still reports a route whose started job overruns the shift).
pub(crate) fn walk(
    inst: &Instance<'_>,
    e: usize,
    stops: &[usize],
    mut visits: Option<&mut Vec<Visit>>,
) -> (RouteCost, bool) {
    let engineer = &inst.problem.engineers[e];
    let jobs = &inst.problem.jobs;
    let mut cost = RouteCost::default();
    let mut feasible = true;
    let mut load = 0.0;
    let mut at = inst.start_node(e);
    let mut t = engineer.shift_start;
    if let Some(v) = visits.as_deref_mut() {
        v.clear();
    }
    for (i, &j) in stops.iter().enumerate() {
        let job = &jobs[j];
        // A job under way: the engineer is there and started it when it says.
        let (leg, arrival, start) = if i == 0 && inst.started[j] {
            (0.0, job.earliest, job.earliest)
        } else {
            let leg = inst.matrix.minutes(at, j);
            let arrival = t + leg;
            (leg, arrival, arrival.max(job.earliest))
        };
        if start > job.latest + 1e-9 {
            feasible = false;
        }
        if let Some(due) = job.due
            && start > due + 1e-9
        {
            cost.breaches += 1;
            cost.late += start - due;
        }
        load += job.demand;
        cost.travel += leg;
        t = start + job.duration;
        if let Some(v) = visits.as_deref_mut() {
            v.push(Visit {
                arrival,
                start,
                end: t,
                travel_in: leg,
            });
        }
        at = j;
    }
    if engineer.capacity.is_some_and(|c| load > c + 1e-9) {
        feasible = false;
    }
    if !stops.is_empty() {
        let home = inst.matrix.minutes(at, inst.end_node(e));
        cost.travel += home;
        t += home;
        if t > engineer.shift_end - engineer.break_minutes + 1e-9 {
            feasible = false;
        }
    }
    (cost, feasible)
}
