//! The search: cheapest insertion to start, then ruin and recreate. Each step removes a few
//! strings of nearby visits from a few routes (after SISR) and puts the removed jobs back where
//! they cost least (skipping a few positions at random, "blinks", to diversify); the result is
//! kept under simulated annealing. Seeded, and with no clock of its own.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::plan::{self, Plan};
use crate::problem::{Instance, Problem, ProblemError};
use crate::route::{RouteCost, evaluate, unassigned_cost, walk};
use crate::travel::TravelModel;

/// How long to search.
#[derive(Clone, Copy)]
pub struct Budget<'a> {
    /// At most this many ruin-and-recreate steps.
    pub iterations: u64,
    pub seed: u64,
    /// Fraction of the time limit used so far (the caller owns the clock); the search stops at 1.
    pub elapsed: Option<&'a dyn Fn() -> f64>,
}

impl std::fmt::Debug for Budget<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget")
            .field("iterations", &self.iterations)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl Budget<'_> {
    pub fn iterations(iterations: u64, seed: u64) -> Self {
        Budget {
            iterations,
            seed,
            elapsed: None,
        }
    }

    fn progress(&self, done: u64) -> f64 {
        let by_count = done as f64 / self.iterations.max(1) as f64;
        let by_time = self.elapsed.map_or(0.0, |f| f());
        by_count.max(by_time)
    }
}

/// A solution under search.
#[derive(Debug, Clone)]
pub(crate) struct Solution {
    pub routes: Vec<Vec<usize>>,
    pub costs: Vec<RouteCost>,
    pub unassigned: Vec<usize>,
}

impl Solution {
    fn empty(inst: &Instance<'_>) -> Self {
        Solution {
            routes: vec![Vec::new(); inst.engineers()],
            costs: vec![RouteCost::default(); inst.engineers()],
            unassigned: Vec::new(),
        }
    }

    pub fn cost(&self, inst: &Instance<'_>) -> f64 {
        self.costs.iter().map(RouteCost::total).sum::<f64>()
            + self
                .unassigned
                .iter()
                .map(|&j| unassigned_cost(inst.problem.jobs[j].priority))
                .sum::<f64>()
    }
}

/// Plans from scratch.
pub fn solve(
    problem: &Problem,
    travel: &dyn TravelModel,
    budget: Budget<'_>,
) -> Result<Plan, ProblemError> {
    let inst = Instance::new(problem, travel)?;
    let mut rng = ChaCha8Rng::seed_from_u64(budget.seed);
    let mut start = Solution::empty(&inst);
    place_fixed(&inst, &mut start);
    let mut free: Vec<usize> = (0..inst.jobs())
        .filter(|&j| !start.routes.iter().any(|r| r.contains(&j)))
        .collect();
    order_for_insertion(&inst, &mut free, 0);
    recreate(&inst, &mut start, free, &mut rng, 0.0);
    let best = improve(&inst, start, budget, &mut rng);
    Ok(plan::build(&inst, &best))
}

/// Re-plans starting from an earlier plan (same job and engineer keys where they still exist):
/// jobs stay where they were unless moving them pays, so promised times mostly hold.
pub fn solve_from(
    problem: &Problem,
    travel: &dyn TravelModel,
    previous: &Plan,
    budget: Budget<'_>,
) -> Result<Plan, ProblemError> {
    let inst = Instance::new(problem, travel)?;
    let mut rng = ChaCha8Rng::seed_from_u64(budget.seed);
    let start = warm_start(&inst, previous, &mut rng);
    let best = improve(&inst, start, budget, &mut rng);
    Ok(plan::build(&inst, &best))
}

/// Inserts one more job (e.g. an urgent one) into a plan where it costs least, moving nothing
/// else. The job must be in `problem`; the other jobs keep their engineers and order.
pub fn insert_urgent(
    problem: &Problem,
    travel: &dyn TravelModel,
    previous: &Plan,
    job_key: &str,
) -> Result<Plan, ProblemError> {
    let inst = Instance::new(problem, travel)?;
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut solution = warm_start(&inst, previous, &mut rng);
    if let Some(j) = problem.jobs.iter().position(|j| j.key == job_key) {
        solution.unassigned.retain(|&u| u != j);
        for r in &mut solution.routes {
            r.retain(|&x| x != j);
        }
        for e in 0..inst.engineers() {
            solution.costs[e] = evaluate(&inst, e, &solution.routes[e], None).unwrap_or_default();
        }
        recreate(&inst, &mut solution, vec![j], &mut rng, 0.0);
    }
    Ok(plan::build(&inst, &solution))
}

/// Rebuilds a solution from an earlier plan's routes; whatever no longer fits is re-inserted.
fn warm_start(inst: &Instance<'_>, previous: &Plan, rng: &mut ChaCha8Rng) -> Solution {
    let mut s = Solution::empty(inst);
    place_fixed(inst, &mut s);
    let job_index = |key: &str| inst.problem.jobs.iter().position(|j| j.key == key);
    let mut leftover = Vec::new();
    for route in &previous.routes {
        let Some(e) = inst
            .problem
            .engineers
            .iter()
            .position(|x| x.key == route.engineer)
        else {
            leftover.extend(route.stops.iter().filter_map(|s| job_index(&s.job)));
            continue;
        };
        for stop in &route.stops {
            let Some(j) = job_index(&stop.job) else {
                continue;
            };
            if s.routes.iter().any(|r| r.contains(&j)) {
                continue;
            }
            let mut candidate = s.routes[e].clone();
            candidate.push(j);
            match inst
                .allowed(j, e)
                .then(|| evaluate(inst, e, &candidate, None))
                .flatten()
            {
                Some(cost) => {
                    s.routes[e] = candidate;
                    s.costs[e] = cost;
                }
                None => leftover.push(j),
            }
        }
    }
    for j in 0..inst.jobs() {
        if !s.routes.iter().any(|r| r.contains(&j)) && !leftover.contains(&j) {
            leftover.push(j);
        }
    }
    recreate(inst, &mut s, leftover, rng, 0.0);
    s
}

/// Started jobs go first on their engineer's route; other pins wait for insertion (restricted
/// to their engineer by `Instance::allowed`).
fn place_fixed(inst: &Instance<'_>, s: &mut Solution) {
    for j in 0..inst.jobs() {
        if let (true, Some(e)) = (inst.started[j], inst.fixed[j]) {
            s.routes[e].insert(0, j);
        }
    }
    for e in 0..inst.engineers() {
        // A started job stays put even if it overruns the shift: it is under way.
        s.costs[e] = walk(inst, e, &s.routes[e], None).0;
    }
}

fn is_movable(inst: &Instance<'_>, j: usize) -> bool {
    !inst.started[j]
}

/// Sorts jobs for insertion by one of several orders (which one varies between steps).
fn order_for_insertion(inst: &Instance<'_>, jobs: &mut [usize], how: u32) {
    let p = &inst.problem.jobs;
    match how % 4 {
        // Urgent and tight first.
        0 => jobs.sort_by(|&a, &b| {
            (p[a].priority, p[a].latest - p[a].earliest)
                .partial_cmp(&(p[b].priority, p[b].latest - p[b].earliest))
                .unwrap_or(std::cmp::Ordering::Equal)
        }),
        // Largest demand first.
        1 => jobs.sort_by(|&a, &b| p[b].demand.total_cmp(&p[a].demand)),
        // Earliest window first.
        2 => jobs.sort_by(|&a, &b| p[a].earliest.total_cmp(&p[b].earliest)),
        // Farthest from the first engineer's base first.
        _ => {
            let base = inst.start_node(0);
            jobs.sort_by(|&a, &b| {
                inst.matrix
                    .minutes(base, b)
                    .total_cmp(&inst.matrix.minutes(base, a))
            })
        }
    }
}

/// Puts each job where it adds least; jobs that fit nowhere are left out.
fn recreate(
    inst: &Instance<'_>,
    s: &mut Solution,
    jobs: Vec<usize>,
    rng: &mut ChaCha8Rng,
    blink: f64,
) {
    let mut scratch = Vec::new();
    for j in jobs {
        let mut best: Option<(f64, usize, usize, RouteCost)> = None;
        for e in 0..inst.engineers() {
            if !inst.allowed(j, e) {
                continue;
            }
            let route = &s.routes[e];
            let before = s.costs[e].total();
            // Nothing goes before a job already under way.
            let first = usize::from(route.first().is_some_and(|&f| inst.started[f]));
            for pos in first..=route.len() {
                if blink > 0.0 && rng.random_bool(blink) {
                    continue;
                }
                if !reachable(inst, e, route, pos, j) {
                    continue;
                }
                scratch.clear();
                scratch.extend_from_slice(&route[..pos]);
                scratch.push(j);
                scratch.extend_from_slice(&route[pos..]);
                if let Some(cost) = evaluate(inst, e, &scratch, None) {
                    let delta = cost.total() - before;
                    if best.is_none_or(|(d, ..)| delta < d) {
                        best = Some((delta, e, pos, cost));
                    }
                }
            }
        }
        match best {
            Some((_, e, pos, cost)) => {
                s.routes[e].insert(pos, j);
                s.costs[e] = cost;
            }
            None => s.unassigned.push(j),
        }
    }
}

/// A quick necessary check before walking the whole route: coming straight from the previous
/// stop's earliest possible departure must not already miss the job's window.
fn reachable(inst: &Instance<'_>, e: usize, route: &[usize], pos: usize, j: usize) -> bool {
    let job = &inst.problem.jobs[j];
    let (from, earliest_departure) = match pos.checked_sub(1).map(|p| route[p]) {
        Some(prev) => {
            let p = &inst.problem.jobs[prev];
            (prev, p.earliest + p.duration)
        }
        None => (inst.start_node(e), inst.problem.engineers[e].shift_start),
    };
    earliest_departure + inst.matrix.minutes(from, j) <= job.latest + 1e-9
}

/// Ruin and recreate under simulated annealing; returns the best solution seen.
fn improve(
    inst: &Instance<'_>,
    start: Solution,
    budget: Budget<'_>,
    rng: &mut ChaCha8Rng,
) -> Solution {
    const T_START: f64 = 100.0;
    const T_END: f64 = 1.0;
    let movable = (0..inst.jobs()).filter(|&j| is_movable(inst, j)).count();
    if movable == 0 || inst.engineers() == 0 {
        return start;
    }
    let mut current_cost = start.cost(inst);
    let mut best_cost = current_cost;
    let mut current = start.clone();
    let mut best = start;
    let mut done = 0_u64;
    loop {
        let progress = budget.progress(done);
        if progress >= 1.0 {
            break;
        }
        let temperature = T_START * (T_END / T_START).powf(progress);
        let mut candidate = current.clone();
        let removed = ruin(inst, &mut candidate, rng);
        let mut pool = removed;
        pool.append(&mut candidate.unassigned);
        pool.shuffle(rng);
        order_for_insertion(inst, &mut pool, rng.random_range(0..5));
        recreate(inst, &mut candidate, pool, rng, 0.01);
        let cost = candidate.cost(inst);
        let threshold = current_cost - temperature * rng.random::<f64>().max(1e-12).ln();
        if cost < threshold {
            current = candidate;
            current_cost = cost;
            if cost < best_cost - 1e-9 {
                best_cost = cost;
                best = current.clone();
            }
        }
        done += 1;
    }
    best
}

/// Removes strings of nearby visits from a few routes; returns the removed jobs.
fn ruin(inst: &Instance<'_>, s: &mut Solution, rng: &mut ChaCha8Rng) -> Vec<usize> {
    const AVERAGE_REMOVED: f64 = 10.0;
    const MAX_STRING: f64 = 10.0;
    let mut where_is = vec![None; inst.jobs()];
    for (e, r) in s.routes.iter().enumerate() {
        for &j in r {
            where_is[j] = Some(e);
        }
    }
    let assigned: Vec<usize> = (0..inst.jobs())
        .filter(|&j| where_is[j].is_some() && is_movable(inst, j))
        .collect();
    let Some(&seed) = assigned.get(rng.random_range(0..assigned.len().max(1))) else {
        return Vec::new();
    };
    let used: Vec<&Vec<usize>> = s.routes.iter().filter(|r| !r.is_empty()).collect();
    let average_len = used.iter().map(|r| r.len()).sum::<usize>() as f64 / used.len().max(1) as f64;
    let l_max = MAX_STRING.min(average_len).max(1.0);
    let k_max = (4.0 * AVERAGE_REMOVED / (1.0 + l_max) - 1.0).max(1.0);
    let strings = rng.random_range(1.0..=k_max).floor() as usize;

    let mut removed = Vec::new();
    let mut ruined = vec![false; inst.engineers()];
    let mut count = 0;
    for &j in std::iter::once(&seed).chain(inst.neighbours[seed].iter()) {
        if count >= strings {
            break;
        }
        let Some(e) = where_is[j] else { continue };
        if ruined[e] || !s.routes[e].contains(&j) {
            continue;
        }
        ruined[e] = true;
        count += 1;
        let route = &mut s.routes[e];
        let cap = (route.len() as f64).min(l_max);
        let len = rng.random_range(1.0..=cap).floor() as usize;
        let at = route.iter().position(|&x| x == j).unwrap_or(0);
        let lowest = at.saturating_sub(len - 1);
        let highest = at.min(route.len() - len);
        let from = rng.random_range(lowest..=highest.max(lowest));
        let mut kept = Vec::with_capacity(route.len());
        for (i, &x) in route.iter().enumerate() {
            if i >= from && i < from + len && is_movable(inst, x) {
                removed.push(x);
            } else {
                kept.push(x);
            }
        }
        *route = kept;
        s.costs[e] = evaluate(inst, e, &s.routes[e], None).unwrap_or_default();
    }
    removed
}
