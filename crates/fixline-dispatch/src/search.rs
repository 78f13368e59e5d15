//! The search: cheapest insertion to start, then ruin and recreate. Each step removes a few
//! strings of nearby visits from a few routes (after SISR) and puts the removed jobs back where
//! they cost least (skipping a few positions at random, "blinks", to diversify); the result is
//! kept under simulated annealing. When the budget allows, a small population: several such
//! searches, then children that take a few neighbouring routes from one plan and the rest from
//! another, each annealed briefly (after the route-based crossover of hybrid genetic search).
//! Seeded, and with no clock of its own.

use std::collections::HashMap;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::plan::{self, Plan};
use crate::problem::{Instance, NEIGHBOURS, Problem, ProblemError};

use crate::route::{Insertion, RouteCost, Slack, evaluate, unassigned_cost, walk};
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

/// A solution under search. `costs`, `slack` and `route_of` always describe `routes` as they
/// stand: routes change only through [`Solution::set_route`].
#[derive(Debug)]
pub(crate) struct Solution {
    pub routes: Vec<Vec<usize>>,
    pub costs: Vec<RouteCost>,
    pub slack: Vec<Slack>,
    /// The engineer each job is planned on.
    pub route_of: Vec<Option<usize>>,
    pub unassigned: Vec<usize>,
    /// Engineers whose routes changed since [`Solution::take_touched`] was last called.
    touched: Vec<usize>,
    is_touched: Vec<bool>,
}

// By hand so that `clone_from` reuses every buffer: the search copies a solution per step.
impl Clone for Solution {
    fn clone(&self) -> Self {
        Solution {
            routes: self.routes.clone(),
            costs: self.costs.clone(),
            slack: self.slack.clone(),
            route_of: self.route_of.clone(),
            unassigned: self.unassigned.clone(),
            touched: self.touched.clone(),
            is_touched: self.is_touched.clone(),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.routes.clone_from(&source.routes);
        self.costs.clone_from(&source.costs);
        self.slack.clone_from(&source.slack);
        self.route_of.clone_from(&source.route_of);
        self.unassigned.clone_from(&source.unassigned);
        self.touched.clone_from(&source.touched);
        self.is_touched.clone_from(&source.is_touched);
    }
}

impl Solution {
    fn empty(inst: &Instance<'_>) -> Self {
        Solution {
            routes: vec![Vec::new(); inst.engineers()],
            costs: vec![RouteCost::default(); inst.engineers()],
            slack: (0..inst.engineers())
                .map(|e| Slack::survey(inst, e, &[]))
                .collect(),
            route_of: vec![None; inst.jobs()],
            unassigned: Vec::new(),
            touched: Vec::new(),
            is_touched: vec![false; inst.engineers()],
        }
    }

    /// The engineers whose routes changed since the last call.
    fn take_touched(&mut self, into: &mut Vec<usize>) {
        into.clear();
        into.append(&mut self.touched);
        for &e in into.iter() {
            self.is_touched[e] = false;
        }
    }

    /// Makes this solution equal to `other`, which differs from it only in the routes of
    /// `touched` (and which jobs are left out): a step's copy without copying the whole day.
    fn follow(&mut self, other: &Solution, touched: &[usize]) {
        for &e in touched {
            for &j in &self.routes[e] {
                self.route_of[j] = None;
            }
        }
        for &e in touched {
            self.routes[e].clone_from(&other.routes[e]);
            self.costs[e] = other.costs[e];
            self.slack[e].clone_from(&other.slack[e]);
            for &j in &self.routes[e] {
                self.route_of[j] = Some(e);
            }
        }
        self.unassigned.clone_from(&other.unassigned);
        self.touched.clear();
        self.is_touched.fill(false);
    }

    pub fn cost(&self, inst: &Instance<'_>) -> f64 {
        self.costs.iter().map(RouteCost::total).sum::<f64>()
            + self
                .unassigned
                .iter()
                .map(|&j| unassigned_cost(inst.problem.jobs[j].priority))
                .sum::<f64>()
    }

    /// Replaces engineer `e`'s route; its cost is what the walk finds even if the route breaks
    /// a rule (only a started job that overruns the shift does that). Returns the old route's
    /// buffer for reuse.
    pub fn set_route(
        &mut self,
        inst: &Instance<'_>,
        e: usize,
        mut stops: Vec<usize>,
    ) -> Vec<usize> {
        // A job may already be on the route that takes it (a move between two routes).
        for &j in &self.routes[e] {
            if self.route_of[j] == Some(e) {
                self.route_of[j] = None;
            }
        }
        for &j in &stops {
            self.route_of[j] = Some(e);
        }
        self.costs[e] = walk(inst, e, &stops, None).0;
        self.slack[e].resurvey(inst, e, &stops);
        if !std::mem::replace(&mut self.is_touched[e], true) {
            self.touched.push(e);
        }
        std::mem::swap(&mut self.routes[e], &mut stops);
        stops
    }

    fn is_planned(&self, j: usize) -> bool {
        self.route_of[j].is_some()
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
    let mut scratch = Scratch::new(&inst);
    let start = first_plan(&inst, &mut rng, &mut scratch);
    let best = improve(&inst, start, budget, &mut rng, &mut scratch);
    Ok(plan::build(&inst, &best))
}

/// The plan the search starts from: pins placed, then every other job where it costs least,
/// urgent and tight windows first.
fn first_plan(inst: &Instance<'_>, rng: &mut ChaCha8Rng, scratch: &mut Scratch) -> Solution {
    let mut start = Solution::empty(inst);
    place_fixed(inst, &mut start);
    let mut free: Vec<usize> = (0..inst.jobs()).filter(|&j| !start.is_planned(j)).collect();
    order_for_insertion(inst, &mut free, Order::Urgent);
    recreate(inst, &mut start, free, rng, 0.0, scratch);
    start
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
    let mut scratch = Scratch::new(&inst);
    let start = warm_start(&inst, previous, None, &mut rng, &mut scratch);
    let best = improve(&inst, start, budget, &mut rng, &mut scratch);
    Ok(plan::build(&inst, &best))
}

/// Inserts one more job (e.g. an urgent one) into a plan where it costs least, moving nothing
/// else when it fits somewhere. When it fits nowhere, one less urgent visit makes room if that
/// pays (it goes to another engineer, or is left out if it is worth less than the urgent job):
/// the cheapest such swap. The job must be in `problem`; every other job keeps its engineer and
/// order.
pub fn insert_urgent(
    problem: &Problem,
    travel: &dyn TravelModel,
    previous: &Plan,
    job_key: &str,
) -> Result<Plan, ProblemError> {
    let inst = Instance::new(problem, travel)?;
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut scratch = Scratch::new(&inst);
    let urgent = problem.jobs.iter().position(|j| j.key == job_key);
    let mut solution = warm_start(&inst, previous, urgent, &mut rng, &mut scratch);
    if let Some(j) = urgent {
        recreate(&inst, &mut solution, vec![j], &mut rng, 0.0, &mut scratch);
        if solution.unassigned.contains(&j) {
            make_room(&inst, &mut solution, j, &mut rng, &mut scratch);
        }
    }
    Ok(plan::build(&inst, &solution))
}

/// Takes one planned visit off a route so that job `j` (left out) fits there, and puts that
/// visit wherever it costs least (or leaves it out), when the whole exchange lowers the cost.
fn make_room(
    inst: &Instance<'_>,
    s: &mut Solution,
    j: usize,
    rng: &mut ChaCha8Rng,
    scratch: &mut Scratch,
) {
    let before = s.cost(inst);
    let mut best: Option<(f64, usize, usize)> = None;
    let mut trial = s.clone();
    let mut touched = Vec::new();
    trial.take_touched(&mut touched);
    // Takes k off e's route, puts j in, then k back wherever it costs least.
    let exchange =
        |trial: &mut Solution, e: usize, k: usize, rng: &mut ChaCha8Rng, scratch: &mut Scratch| {
            let mut stops = trial.routes[e].clone();
            stops.retain(|&x| x != k);
            trial.set_route(inst, e, stops);
            trial.unassigned.retain(|&x| x != j);
            recreate(inst, trial, vec![j], rng, 0.0, scratch);
            if !trial.unassigned.contains(&j) {
                recreate(inst, trial, vec![k], rng, 0.0, scratch);
            }
        };
    for e in (0..inst.engineers()).filter(|&e| inst.allowed(j, e)) {
        for k in s.routes[e].clone() {
            if !is_movable(inst, k) {
                continue;
            }
            exchange(&mut trial, e, k, rng, scratch);
            let cost = trial.cost(inst);
            if !trial.unassigned.contains(&j)
                && cost < before - 1e-9
                && best.is_none_or(|(c, ..)| cost < c)
            {
                best = Some((cost, e, k));
            }
            trial.take_touched(&mut touched);
            trial.follow(s, &touched);
        }
    }
    if let Some((_, e, k)) = best {
        exchange(s, e, k, rng, scratch);
    }
}

/// Rebuilds a solution from an earlier plan's routes; whatever no longer fits is re-inserted
/// (except `held_back`, which the caller places itself).
fn warm_start(
    inst: &Instance<'_>,
    previous: &Plan,
    held_back: Option<usize>,
    rng: &mut ChaCha8Rng,
    scratch: &mut Scratch,
) -> Solution {
    let mut s = Solution::empty(inst);
    place_fixed(inst, &mut s);
    let job_index: HashMap<&str, usize> = inst
        .problem
        .jobs
        .iter()
        .enumerate()
        .map(|(i, j)| (j.key.as_str(), i))
        .collect();
    let engineer_index: HashMap<&str, usize> = inst
        .problem
        .engineers
        .iter()
        .enumerate()
        .map(|(i, e)| (e.key.as_str(), i))
        .collect();
    let mut leftover = Vec::new();
    let mut taken = vec![false; inst.jobs()];
    for route in &previous.routes {
        let wanted = route
            .stops
            .iter()
            .filter_map(|s| job_index.get(s.job.as_str()).copied());
        let Some(&e) = engineer_index.get(route.engineer.as_str()) else {
            leftover.extend(wanted.filter(|&j| !s.is_planned(j) && Some(j) != held_back));
            continue;
        };
        // The route as it was, minus what can no longer be on it or no longer fits.
        let mut stops = s.routes[e].clone();
        for j in wanted {
            if s.is_planned(j) || taken[j] || Some(j) == held_back {
                continue;
            }
            taken[j] = true;
            stops.push(j);
            if !inst.allowed(j, e) || evaluate(inst, e, &stops, None).is_none() {
                leftover.extend(stops.pop());
            }
        }
        s.set_route(inst, e, stops);
    }
    let mut listed = vec![false; inst.jobs()];
    leftover.retain(|&j| !std::mem::replace(&mut listed[j], true));
    for (j, &was_listed) in listed.iter().enumerate() {
        if !s.is_planned(j) && !was_listed && Some(j) != held_back {
            leftover.push(j);
        }
    }
    recreate(inst, &mut s, leftover, rng, 0.0, scratch);
    s
}

/// Started jobs go first on their engineer's route; other pins wait for insertion (restricted
/// to their engineer by `Instance::allowed`).
fn place_fixed(inst: &Instance<'_>, s: &mut Solution) {
    for j in 0..inst.jobs() {
        if let (true, Some(e)) = (inst.started[j], inst.fixed[j]) {
            let mut stops = s.routes[e].clone();
            stops.insert(0, j);
            // A started job stays put even if it overruns the shift: it is under way.
            s.set_route(inst, e, stops);
        }
    }
}

fn is_movable(inst: &Instance<'_>, j: usize) -> bool {
    !inst.started[j]
}

/// How the jobs a step removed go back in, drawn with these weights (after SISR's sorts by
/// demand and distance, and, for field service, urgency and windows; ties in shuffled order).
#[derive(Debug, Clone, Copy)]
enum Order {
    /// Urgent and tight windows first.
    Urgent,
    /// Largest demand first.
    Demand,
    /// Farthest from the first engineer's base first.
    Far,
    /// Earliest window first.
    Earliest,
}

const ORDERS: [(Order, u32); 4] = [
    (Order::Urgent, 2),
    (Order::Demand, 1),
    (Order::Far, 1),
    (Order::Earliest, 1),
];

impl Order {
    fn draw(rng: &mut ChaCha8Rng) -> Order {
        let total: u32 = ORDERS.iter().map(|(_, w)| w).sum();
        let mut pick = rng.random_range(0..total);
        for (order, weight) in ORDERS {
            if pick < weight {
                return order;
            }
            pick -= weight;
        }
        Order::Urgent
    }
}

/// Sorts jobs for insertion (stably, so equal keys keep their shuffled order).
fn order_for_insertion(inst: &Instance<'_>, jobs: &mut [usize], order: Order) {
    let p = &inst.problem.jobs;
    let from_base = |j: usize| inst.matrix.minutes(inst.start_node(0), j);
    match order {
        Order::Urgent => jobs.sort_by(|&a, &b| {
            (p[a].priority, p[a].latest - p[a].earliest)
                .partial_cmp(&(p[b].priority, p[b].latest - p[b].earliest))
                .unwrap_or(std::cmp::Ordering::Equal)
        }),
        Order::Demand => jobs.sort_by(|&a, &b| p[b].demand.total_cmp(&p[a].demand)),
        Order::Earliest => jobs.sort_by(|&a, &b| p[a].earliest.total_cmp(&p[b].earliest)),
        Order::Far => jobs.sort_by(|&a, &b| from_base(b).total_cmp(&from_base(a))),
    }
}

/// How many of a job's nearest jobs point to the routes worth trying first (a granular
/// neighbourhood, after Toth & Vigo): a job rarely belongs on a route none of its neighbours
/// is on. If none of those routes can take it, every route is tried.
const GRANULAR: usize = 40;

/// The share of search steps that try the routes of all of a job's stored neighbours
/// ([`crate::problem::NEIGHBOURS`]) instead. Rarely is not never: on clustered days the best
/// plan can serve a job from a route none of its 40 nearest are on, and with 40 always the
/// search never reached it (C1_4_1 and C1_4_6 stayed 0.07 % longer for every seed and time
/// limit). Every step that wide would cost a thousand-job day 0.2 % (fewer steps in the time).
const WIDE_STEPS: f64 = 0.1;

/// Reused buffers, so a step allocates nothing per job.
pub(crate) struct Scratch {
    stops: Vec<usize>,
    /// A spare route buffer, swapped with the route it replaces.
    route: Vec<usize>,
    /// The engineers a job is tried on.
    candidates: Vec<usize>,
    /// `near[e] == stamp`: engineer e's route holds one of the current job's neighbours.
    near: Vec<u32>,
    /// `tried[class] == stamp`: an empty route of this kind of engineer was already tried.
    tried: Vec<u32>,
    stamp: u32,
    /// How many of each job's nearest jobs this step looks at (see [`GRANULAR`]).
    reach: usize,
}

impl Scratch {
    fn new(inst: &Instance<'_>) -> Self {
        Scratch {
            stops: Vec::new(),
            route: Vec::new(),
            candidates: Vec::new(),
            near: vec![0; inst.engineers()],
            tried: vec![0; inst.engineers()],
            stamp: 0,
            reach: GRANULAR,
        }
    }

    fn next_stamp(&mut self) -> u32 {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.near.fill(0);
            self.tried.fill(0);
            self.stamp = 1;
        }
        self.stamp
    }
}

/// Puts each job where it adds least; jobs that fit nowhere are left out.
fn recreate(
    inst: &Instance<'_>,
    s: &mut Solution,
    jobs: Vec<usize>,
    rng: &mut ChaCha8Rng,
    blink: f64,
    scratch: &mut Scratch,
) {
    for j in jobs {
        let mut best = cheapest_place(inst, s, j, rng, blink, scratch, true);
        if best.is_none() {
            best = cheapest_place(inst, s, j, rng, blink, scratch, false);
        }
        match best {
            Some((_, e, pos)) => {
                let mut stops = std::mem::take(&mut scratch.route);
                stops.clear();
                stops.extend_from_slice(&s.routes[e]);
                stops.insert(pos, j);
                scratch.route = s.set_route(inst, e, stops);
            }
            None => s.unassigned.push(j),
        }
    }
}

/// The cheapest feasible (cost rise, engineer, position) for job `j`, on the routes near it
/// only (`granular`) or on all of them. Of several empty routes of identical engineers only
/// the first is tried: they would all cost the same.
fn cheapest_place(
    inst: &Instance<'_>,
    s: &Solution,
    j: usize,
    rng: &mut ChaCha8Rng,
    blink: f64,
    scratch: &mut Scratch,
    granular: bool,
) -> Option<(f64, usize, usize)> {
    let stamp = scratch.next_stamp();
    let mut candidates = std::mem::take(&mut scratch.candidates);
    candidates.clear();
    match inst.fixed[j] {
        Some(f) => candidates.push(f),
        None if granular => {
            for &k in inst.neighbours[j].iter().take(scratch.reach) {
                if let Some(e) = s.route_of[k]
                    && std::mem::replace(&mut scratch.near[e], stamp) != stamp
                {
                    candidates.push(e);
                }
            }
            // Of each kind of engineer, the first with nothing planned yet.
            for class in &inst.classes {
                if let Some(&e) = class.iter().find(|&&e| s.routes[e].is_empty()) {
                    candidates.push(e);
                }
            }
            candidates.sort_unstable();
        }
        None => candidates.extend(0..inst.engineers()),
    }
    let mut best: Option<(f64, usize, usize)> = None;
    for &e in &candidates {
        if !inst.allowed(j, e) {
            continue;
        }
        let route = &s.routes[e];
        if route.is_empty() {
            let class = inst.twin[e];
            if scratch.tried[class] == stamp {
                continue;
            }
            scratch.tried[class] = stamp;
        }
        let slack = &s.slack[e];
        let before = s.costs[e].total();
        // Nothing goes before a job already under way.
        let first = usize::from(route.first().is_some_and(|&f| inst.started[f]));
        for pos in slack.positions(inst, first, j) {
            if blink > 0.0 && rng.random_bool(blink) {
                continue;
            }
            let delta = match slack.insertion(inst, e, route, pos, j) {
                Insertion::Infeasible => continue,
                Insertion::Exact(d) => d,
                Insertion::AtLeast(bound) => {
                    if best.is_some_and(|(d, ..)| bound >= d) {
                        continue;
                    }
                    scratch.stops.clear();
                    scratch.stops.extend_from_slice(&route[..pos]);
                    scratch.stops.push(j);
                    scratch.stops.extend_from_slice(&route[pos..]);
                    match evaluate(inst, e, &scratch.stops, None) {
                        Some(cost) => cost.total() - before,
                        None => continue,
                    }
                }
            };
            if best.is_none_or(|(d, ..)| delta < d) {
                best = Some((delta, e, pos));
            }
        }
    }
    scratch.candidates = candidates;
    best
}

/// The temperatures of a whole search, and of a child's brief one.
const SEARCH_HEAT: (f64, f64) = (100.0, 1.0);
const CHILD_HEAT: (f64, f64) = (10.0, 1.0);
/// The plans kept, and the share of the budget spent making them; the rest goes to children.
const POPULATION: usize = 8;
const FOUNDING_SHARE: f64 = 0.5;
/// A population pays only where one search over the whole budget would level off: on the
/// public instances, 200 jobs in 10 s (about 4,500 steps a job) gained 0.2 % with one, and a
/// thousand jobs in 60 s (3,600 steps a job, still improving) lost 0.3 %. Bigger days need
/// more steps a job, so the budget must allow `POPULATION_PACE · n^1.5` steps for `n` jobs
/// (565,000 for 200, 6.3 million for 1,000), as the pace of the first steps tells.
const POPULATION_PACE: f64 = 200.0;
const PACE_PROBE: u64 = 2000;
/// The steps each child is annealed for.
const CHILD_STEPS: f64 = 5000.0;

/// Searches from `start` within the budget; returns the best plan found.
fn improve(
    inst: &Instance<'_>,
    start: Solution,
    budget: Budget<'_>,
    rng: &mut ChaCha8Rng,
    scratch: &mut Scratch,
) -> Solution {
    let movable = (0..inst.jobs()).filter(|&j| is_movable(inst, j)).count();
    if movable == 0 || inst.engineers() == 0 {
        return start;
    }
    // The steps done so far over the whole search, and progress over a stretch of the budget.
    let mut steps = 0_u64;
    let stretch = |from: f64, to: f64, before: u64| {
        move |done: u64| {
            let reached = budget.progress(before + done);
            if reached >= to {
                1.0
            } else {
                ((reached - from) / (to - from)).max(0.0)
            }
        }
    };
    // The first founding search; after its first steps, their pace says whether the budget
    // allows a population. If not, that search takes the whole budget.
    let first_end = std::cell::Cell::new(FOUNDING_SHARE / POPULATION as f64);
    let needed = POPULATION_PACE * (movable as f64).powf(1.5);
    let decided = std::cell::Cell::new(false);
    let first_progress = |done: u64| {
        let reached = budget.progress(done);
        if !decided.get() && (done >= PACE_PROBE || reached >= first_end.get()) {
            decided.set(true);
            if done as f64 / reached.max(1e-9) < needed {
                first_end.set(1.0);
            }
        }
        stretch(0.0, first_end.get(), 0)(done)
    };
    let (first, done) = anneal(
        inst,
        start.clone(),
        &first_progress,
        SEARCH_HEAT,
        rng,
        scratch,
    );
    steps += done;
    if first_end.get() >= 1.0 || budget.progress(steps) >= 1.0 {
        return first;
    }
    let mut population = vec![(first.cost(inst), first)];
    for i in 1..POPULATION {
        let from = budget.progress(steps);
        let to = from + (FOUNDING_SHARE - from).max(0.0) / (POPULATION - i) as f64;
        let (plan, done) = anneal(
            inst,
            start.clone(),
            &stretch(from, to, steps),
            SEARCH_HEAT,
            rng,
            scratch,
        );
        steps += done;
        population.push((plan.cost(inst), plan));
    }
    while budget.progress(steps) < 1.0 {
        // Each parent the better of two drawn at random.
        let parent = |rng: &mut ChaCha8Rng| {
            let (a, b) = (
                rng.random_range(0..population.len()),
                rng.random_range(0..population.len()),
            );
            if population[a].0 <= population[b].0 {
                a
            } else {
                b
            }
        };
        let a = parent(rng);
        let mut b = parent(rng);
        if b == a {
            b = (a + 1) % population.len();
        }
        let child = crossover(inst, &population[a].1, &population[b].1, rng, scratch);
        let before = steps;
        let (child, done) = anneal(
            inst,
            child,
            &|done| {
                if budget.progress(before + done) >= 1.0 {
                    1.0
                } else {
                    done as f64 / CHILD_STEPS
                }
            },
            CHILD_HEAT,
            rng,
            scratch,
        );
        if done == 0 {
            break;
        }
        steps += done;
        // A child the same as a plan already kept adds nothing; otherwise it replaces the worst.
        let cost = child.cost(inst);
        if population.iter().all(|(c, _)| (c - cost).abs() > 1e-6) {
            population.push((cost, child));
            if let Some(worst) =
                (0..population.len()).max_by(|&x, &y| population[x].0.total_cmp(&population[y].0))
            {
                population.swap_remove(worst);
            }
        }
    }
    let best = (0..population.len())
        .min_by(|&x, &y| population[x].0.total_cmp(&population[y].0))
        .unwrap_or(0);
    population.swap_remove(best).1
}

/// A child of plans `a` and `b`: a few routes of `a` near a random job, the other engineers'
/// routes as in `b` less the jobs those took; whatever is left over goes back where it costs
/// least. Engineers differ (skills, shifts, where they start), so a route stays with its
/// engineer.
fn crossover(
    inst: &Instance<'_>,
    a: &Solution,
    b: &Solution,
    rng: &mut ChaCha8Rng,
    scratch: &mut Scratch,
) -> Solution {
    let mut child = b.clone();
    let used = a.routes.iter().filter(|r| !r.is_empty()).count();
    let planned: Vec<usize> = (0..inst.jobs())
        .filter(|&j| a.is_planned(j) && is_movable(inst, j))
        .collect();
    if planned.is_empty() {
        return child;
    }
    let seed = planned[rng.random_range(0..planned.len())];
    let take = rng.random_range(1..=(used / 2).max(1));
    let mut taken: Vec<usize> = Vec::with_capacity(take);
    for &j in std::iter::once(&seed).chain(inst.neighbours[seed].iter()) {
        if taken.len() >= take {
            break;
        }
        if let Some(e) = a.route_of[j]
            && !taken.contains(&e)
        {
            taken.push(e);
        }
    }
    let mut from_a = vec![false; inst.jobs()];
    for &e in &taken {
        for &j in &a.routes[e] {
            from_a[j] = true;
        }
    }
    let mut left_over: Vec<usize> = std::mem::take(&mut child.unassigned);
    for &e in &taken {
        left_over.extend(child.routes[e].iter().filter(|&&j| !from_a[j]));
        child.set_route(inst, e, a.routes[e].clone());
    }
    for e in 0..inst.engineers() {
        if taken.contains(&e) || !child.routes[e].iter().any(|&j| from_a[j]) {
            continue;
        }
        let mut stops: Vec<usize> = child.routes[e]
            .iter()
            .copied()
            .filter(|&j| !from_a[j])
            .collect();
        // Taking a visit out can leave the rest a little later where the distances break the
        // triangle inequality (truncated, or real roads): then the rest goes back in too.
        while evaluate(inst, e, &stops, None).is_none()
            && stops.last().is_some_and(|&j| is_movable(inst, j))
        {
            left_over.extend(stops.pop());
        }
        child.set_route(inst, e, stops);
    }
    left_over.retain(|&j| !child.is_planned(j));
    left_over.sort_unstable();
    left_over.dedup();
    left_over.shuffle(rng);
    order_for_insertion(inst, &mut left_over, Order::draw(rng));
    recreate(inst, &mut child, left_over, rng, 0.01, scratch);
    let mut touched = Vec::new();
    child.take_touched(&mut touched);
    child
}

/// Ruin and recreate under simulated annealing, the temperature falling from `hot` to `cold`
/// as `progress` (given the steps done) goes from 0 to 1; returns the best solution seen and
/// the steps done.
fn anneal(
    inst: &Instance<'_>,
    start: Solution,
    progress: &dyn Fn(u64) -> f64,
    (hot, cold): (f64, f64),
    rng: &mut ChaCha8Rng,
    scratch: &mut Scratch,
) -> (Solution, u64) {
    let mut current_cost = start.cost(inst);
    let mut best_cost = current_cost;
    let mut current = start.clone();
    let mut best = start;
    let mut candidate = current.clone();
    let mut touched = Vec::new();
    let mut done = 0_u64;
    current.take_touched(&mut touched);
    candidate.take_touched(&mut touched);
    loop {
        let progress = progress(done);
        if progress >= 1.0 {
            break;
        }
        let temperature = hot * (cold / hot).powf(progress);
        let removed = ruin(inst, &mut candidate, rng, scratch);
        let mut pool = removed;
        pool.append(&mut candidate.unassigned);
        pool.shuffle(rng);
        order_for_insertion(inst, &mut pool, Order::draw(rng));
        scratch.reach = if rng.random_bool(WIDE_STEPS) {
            NEIGHBOURS
        } else {
            GRANULAR
        };
        recreate(inst, &mut candidate, pool, rng, 0.01, scratch);
        scratch.reach = GRANULAR;
        let cost = candidate.cost(inst);
        let threshold = current_cost - temperature * rng.random::<f64>().max(1e-12).ln();
        // The candidate differs from the current solution in the routes the step touched
        // only: one of the two follows the other there.
        candidate.take_touched(&mut touched);
        if cost < threshold {
            current.follow(&candidate, &touched);
            current_cost = cost;
            if cost < best_cost - 1e-9 {
                best_cost = cost;
                best.clone_from(&current);
            }
        } else {
            candidate.follow(&current, &touched);
        }
        done += 1;
    }
    (best, done)
}

/// Removes strings of nearby visits from a few routes; returns the removed jobs.
fn ruin(
    inst: &Instance<'_>,
    s: &mut Solution,
    rng: &mut ChaCha8Rng,
    scratch: &mut Scratch,
) -> Vec<usize> {
    const AVERAGE_REMOVED: f64 = 10.0;
    const MAX_STRING: f64 = 10.0;
    let planned = s.route_of.iter().filter(|e| e.is_some()).count();
    if planned == 0 {
        return Vec::new();
    }
    // A random planned job that may move (a started one may not).
    let mut seed = None;
    for _ in 0..32 {
        let j = rng.random_range(0..inst.jobs());
        if s.is_planned(j) && is_movable(inst, j) {
            seed = Some(j);
            break;
        }
    }
    let Some(seed) =
        seed.or_else(|| (0..inst.jobs()).find(|&j| s.is_planned(j) && is_movable(inst, j)))
    else {
        return Vec::new();
    };
    let used = s.routes.iter().filter(|r| !r.is_empty()).count();
    let average_len = planned as f64 / used.max(1) as f64;
    let l_max = MAX_STRING.min(average_len).max(1.0);
    let k_max = (4.0 * AVERAGE_REMOVED / (1.0 + l_max) - 1.0).max(1.0);
    let strings = rng.random_range(1.0..=k_max).floor() as usize;

    let mut removed = Vec::new();
    let mut ruined: Vec<usize> = Vec::with_capacity(strings);
    for &j in std::iter::once(&seed).chain(inst.neighbours[seed].iter()) {
        if ruined.len() >= strings {
            break;
        }
        let Some(e) = s.route_of[j] else { continue };
        if ruined.contains(&e) {
            continue;
        }
        ruined.push(e);
        let route = &s.routes[e];
        let cap = (route.len() as f64).min(l_max);
        let len = rng.random_range(1.0..=cap).floor() as usize;
        // Half the time a split string: a window of len + kept visits of which a run of
        // `kept` in the middle stays (after SISR; the run grows until a 1-in-100 draw).
        let mut keep = 0;
        if len < route.len() && rng.random_bool(0.5) {
            keep = 1;
            while keep < route.len() - len && rng.random::<f64>() >= 0.01 {
                keep += 1;
            }
        }
        let window = len + keep;
        let at = route.iter().position(|&x| x == j).unwrap_or(0);
        let lowest = at.saturating_sub(window - 1);
        let highest = at.min(route.len() - window);
        let from = rng.random_range(lowest..=highest.max(lowest));
        let kept_from = from + rng.random_range(0..=len);
        let mut kept = std::mem::take(&mut scratch.route);
        kept.clear();
        for (i, &x) in route.iter().enumerate() {
            let in_window = i >= from && i < from + window;
            let spared = i >= kept_from && i < kept_from + keep;
            if in_window && !spared && is_movable(inst, x) {
                removed.push(x);
            } else {
                kept.push(x);
            }
        }
        scratch.route = s.set_route(inst, e, kept);
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::travel::Dimacs;

    /// Children of two different plans of R101 (tight windows, capacity): every job once,
    /// on a route that keeps every rule or left out, and the bookkeeping true to the routes.
    #[test]
    fn a_child_of_two_plans_keeps_every_rule() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/solomon/R101.txt");
        let text = std::fs::read_to_string(path).expect("a shipped instance");
        let problem = crate::solomon::parse(&text).expect("a Solomon instance");
        let inst = Instance::new(&problem, &Dimacs).expect("valid");
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut scratch = Scratch::new(&inst);
        let start = first_plan(&inst, &mut rng, &mut scratch);
        let mut plans = Vec::new();
        for _ in 0..2 {
            let steps = |done: u64| done as f64 / 3000.0;
            let (plan, _) = anneal(
                &inst,
                start.clone(),
                &steps,
                SEARCH_HEAT,
                &mut rng,
                &mut scratch,
            );
            plans.push(plan);
        }
        assert_ne!(plans[0].routes, plans[1].routes);
        for _ in 0..50 {
            let child = crossover(&inst, &plans[0], &plans[1], &mut rng, &mut scratch);
            let mut seen = vec![0; inst.jobs()];
            for (e, route) in child.routes.iter().enumerate() {
                let cost = evaluate(&inst, e, route, None).expect("a route that keeps the rules");
                assert_eq!(cost, child.costs[e]);
                assert_eq!(child.slack[e], Slack::survey(&inst, e, route));
                for &j in route {
                    seen[j] += 1;
                    assert_eq!(child.route_of[j], Some(e));
                }
            }
            for &j in &child.unassigned {
                seen[j] += 1;
                assert_eq!(child.route_of[j], None);
            }
            assert!(seen.iter().all(|&n| n == 1), "every job exactly once");
        }
    }
}
