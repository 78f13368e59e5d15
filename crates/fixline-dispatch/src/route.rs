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

/// What a route's constant-time insertion checks need (after the forward and backward time
/// passes of Savelsbergh and of Vidal et al.'s concatenation): the earliest each place can be
/// left, the latest each visit may start with the rest of the day still keeping every window
/// and the shift, the load, and whether an SLA arrive-by time lies ahead (then a delay can
/// cost, and the insertion is walked in full).
///
/// Positions: 0 is the start, `1..=m` the stops, `m + 1` the end.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Slack {
    depart: Vec<f64>,
    latest: Vec<f64>,
    due_ahead: Vec<bool>,
    load: f64,
}

// By hand so that `clone_from` reuses the buffers: the search copies a whole solution per step.
impl Clone for Slack {
    fn clone(&self) -> Self {
        Slack {
            depart: self.depart.clone(),
            latest: self.latest.clone(),
            due_ahead: self.due_ahead.clone(),
            load: self.load,
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.depart.clone_from(&source.depart);
        self.latest.clone_from(&source.latest);
        self.due_ahead.clone_from(&source.due_ahead);
        self.load = source.load;
    }
}

/// What putting a job at a position does to its route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Insertion {
    /// Breaks a hard rule.
    Infeasible,
    /// Keeps the rules; the cost rises by exactly this much.
    Exact(f64),
    /// Keeps the rules; the cost rises by at least this much (an SLA time lies ahead, so the
    /// delay's price needs the whole walk).
    AtLeast(f64),
}

impl Slack {
    /// Both passes over the route as it stands.
    pub fn survey(inst: &Instance<'_>, e: usize, stops: &[usize]) -> Slack {
        let mut slack = Slack::default();
        slack.resurvey(inst, e, stops);
        slack
    }

    /// [`Slack::survey`] into the buffers already held (the search does this every step).
    pub fn resurvey(&mut self, inst: &Instance<'_>, e: usize, stops: &[usize]) {
        let engineer = &inst.problem.engineers[e];
        let jobs = &inst.problem.jobs;
        let m = stops.len();
        let node = |i: usize| match i {
            0 => inst.start_node(e),
            i if i <= m => stops[i - 1],
            _ => inst.end_node(e),
        };
        self.depart.clear();
        self.depart.push(engineer.shift_start);
        self.load = 0.0;
        for (i, &j) in stops.iter().enumerate() {
            let job = &jobs[j];
            let start = if i == 0 && inst.started[j] {
                job.earliest
            } else {
                (self.depart[i] + inst.matrix.minutes(node(i), j)).max(job.earliest)
            };
            self.depart.push(start + job.duration);
            self.load += job.demand;
        }
        self.latest.clear();
        self.latest.resize(m + 2, f64::NEG_INFINITY);
        self.due_ahead.clear();
        self.due_ahead.resize(m + 2, false);
        self.latest[m + 1] = engineer.shift_end - engineer.break_minutes;
        for i in (1..=m).rev() {
            let job = &jobs[stops[i - 1]];
            let leave_by = self.latest[i + 1] - inst.matrix.minutes(node(i), node(i + 1));
            self.latest[i] = job.latest.min(leave_by - job.duration);
            self.due_ahead[i] = self.due_ahead[i + 1] || job.due.is_some();
        }
    }

    /// The positions from `first` where job `j` might go as far as time alone tells: not where
    /// the rest of the route must start before the job could be done (the latest starts rise
    /// along the route), nor from where the route leaves after the job's window has closed
    /// (the departures rise too). Every position outside is infeasible.
    pub fn positions(&self, inst: &Instance<'_>, first: usize, j: usize) -> std::ops::Range<usize> {
        let job = &inst.problem.jobs[j];
        let m = self.depart.len() - 1;
        if first > m {
            return first..first;
        }
        let need = job.earliest + job.duration - 1e-9;
        let from = first + self.latest[first + 1..=m + 1].partition_point(|&l| l < need);
        let until = from + self.depart[from..=m].partition_point(|&d| d <= job.latest + 1e-9);
        from..until
    }

    /// Job `j` put before the stop at index `pos` of `stops` (at the end if `pos == m`).
    pub fn insertion(
        &self,
        inst: &Instance<'_>,
        e: usize,
        stops: &[usize],
        pos: usize,
        j: usize,
    ) -> Insertion {
        let engineer = &inst.problem.engineers[e];
        let job = &inst.problem.jobs[j];
        if engineer
            .capacity
            .is_some_and(|c| self.load + job.demand > c + 1e-9)
        {
            return Insertion::Infeasible;
        }
        let before = if pos == 0 {
            inst.start_node(e)
        } else {
            stops[pos - 1]
        };
        let after = stops.get(pos).copied().unwrap_or(inst.end_node(e));
        let m = &inst.matrix;
        let arrival = self.depart[pos] + m.minutes(before, j);
        if arrival > job.latest + 1e-9 {
            return Insertion::Infeasible;
        }
        let start = arrival.max(job.earliest);
        if start + job.duration + m.minutes(j, after) > self.latest[pos + 1] + 1e-9 {
            return Insertion::Infeasible;
        }
        let detour = travel_rise(inst, e, stops, pos, j);
        let own_lateness = job.due.map_or(0.0, |due| {
            if start > due + 1e-9 {
                W_BREACH + (start - due) * W_LATE_MINUTE
            } else {
                0.0
            }
        });
        let delta = detour + own_lateness;
        if self.due_ahead[pos + 1] {
            Insertion::AtLeast(delta)
        } else {
            Insertion::Exact(delta)
        }
    }
}

/// The travel minutes job `j` adds when put before the stop at index `pos`.
pub(crate) fn travel_rise(
    inst: &Instance<'_>,
    e: usize,
    stops: &[usize],
    pos: usize,
    j: usize,
) -> f64 {
    let m = &inst.matrix;
    let before = if pos == 0 {
        inst.start_node(e)
    } else {
        stops[pos - 1]
    };
    let after = stops.get(pos).copied().unwrap_or(inst.end_node(e));
    // An empty route pays the way home too, which walk() counts only once there are stops.
    let direct = if stops.is_empty() {
        0.0
    } else {
        m.minutes(before, after)
    };
    m.minutes(before, j) + m.minutes(j, after) - direct
}
