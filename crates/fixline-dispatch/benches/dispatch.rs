//! `cargo xtask bench dispatch`: the optimiser beside PyVRP on public VRPTW instances (Solomon,
//! 100 customers; Gehring & Homberger, 200, 400 and 1,000; see `data/*/SOURCE.md`), both on
//! one core with the same time limit and the same distances (DIMACS: one decimal, truncated),
//! every plan checked by the independent checker of the tests. Prints, per size and limit, the
//! geometric mean of Fixline's distance over PyVRP's and how many plans were feasible; then the
//! re-plan latencies on a 1,000-job day.
//!
//! Environment: `FIXLINE_BENCH_SIZES` (default `100,200,400,1000`), `FIXLINE_BENCH_LIMITS`
//! (seconds, default `1,10,60`), `FIXLINE_BENCH_SEEDS` (default `1`), `FIXLINE_BENCH_ONLY`
//! (instance names, default all), `FIXLINE_PYVRP` (a Python with PyVRP; the xtask installs one
//! in its own virtualenv; without it Fixline runs alone).

#[path = "../tests/check/mod.rs"]
mod check;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use fixline_dispatch::travel::Dimacs;
use fixline_dispatch::{Budget, Plan, Problem, insert_urgent, solomon, solve, solve_from};

struct Case {
    name: String,
    size: usize,
    path: PathBuf,
    best_known: f64,
}

fn cases(data: &Path) -> Vec<Case> {
    let mut all = Vec::new();
    for (set, size_column) in [("solomon", None), ("homberger", Some(1))] {
        let dir = data.join(set);
        let Ok(table) = std::fs::read_to_string(dir.join("bks.csv")) else {
            eprintln!("no instances at {}", dir.display());
            continue;
        };
        for line in table.lines().skip(1) {
            let cols: Vec<&str> = line.split(',').collect();
            let size = size_column.map_or(Some(100), |c| cols.get(c).and_then(|s| s.parse().ok()));
            let distance = cols.get(if set == "solomon" { 2 } else { 3 });
            let (Some(name), Some(size), Some(Ok(best_known))) =
                (cols.first(), size, distance.map(|d| d.parse::<f64>()))
            else {
                continue;
            };
            all.push(Case {
                name: name.to_string(),
                size,
                path: dir.join(format!("{name}.txt")),
                best_known,
            });
        }
    }
    all
}

fn list<T: std::str::FromStr>(var: &str, default: &str) -> Vec<T> {
    std::env::var(var)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect()
}

fn fixline(problem: &Problem, secs: f64, seed: u64) -> Plan {
    let start = Instant::now();
    let elapsed = || start.elapsed().as_secs_f64() / secs;
    let budget = Budget {
        iterations: u64::MAX,
        seed,
        elapsed: Some(&elapsed),
    };
    solve(problem, &Dimacs, budget).expect("a valid instance")
}

/// PyVRP's routes, as a plan the checker reads (vehicles are identical: route i is vehicle i).
fn read_pyvrp(problem: &Problem, out: &str) -> check::Routes {
    let mut routes = Vec::new();
    let mut planned = std::collections::HashSet::new();
    for (i, line) in out.lines().filter(|l| l.starts_with("route")).enumerate() {
        let stops: Vec<String> = line.split_whitespace().skip(1).map(str::to_owned).collect();
        planned.extend(stops.clone());
        routes.push((format!("v{i}"), stops));
    }
    let unassigned = problem
        .jobs
        .iter()
        .filter(|j| !planned.contains(&j.key))
        .map(|j| j.key.clone())
        .collect();
    check::Routes { routes, unassigned }
}

fn geometric_mean(xs: &[f64]) -> f64 {
    (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len().max(1) as f64).exp()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sizes: Vec<usize> = list("FIXLINE_BENCH_SIZES", "100,200,400,1000");
    let limits: Vec<f64> = list("FIXLINE_BENCH_LIMITS", "1,10,60");
    let seeds: Vec<u64> = list("FIXLINE_BENCH_SEEDS", "1");
    let python = std::env::var("FIXLINE_PYVRP").ok();
    let script = root.join("benches/pyvrp_solve.py");
    let only: Vec<String> = list("FIXLINE_BENCH_ONLY", "");
    let mut all = cases(&root.join("data"));
    if !only.is_empty() {
        all.retain(|c| only.contains(&c.name));
    }
    println!(
        "VRPTW, distance only, DIMACS distances; Fixline vs {} on one core each",
        if python.is_some() {
            "PyVRP"
        } else {
            "nobody (PyVRP not installed)"
        }
    );
    println!(
        "{:<9} {:>5} {:>6} {:>4} {:>10} {:>10} {:>7} {:>10} {:>8}",
        "instance", "size", "limit", "seed", "Fixline", "PyVRP", "ratio", "best-known", "gap"
    );
    let mut summary = Vec::new();
    for &limit in &limits {
        for &size in &sizes {
            let mut ratios = Vec::new();
            let mut gaps = Vec::new();
            let (mut runs, mut fixline_ok, mut pyvrp_ok) = (0, 0, 0);
            for case in all.iter().filter(|c| c.size == size) {
                let text = std::fs::read_to_string(&case.path).expect("instance file");
                let problem = solomon::parse(&text).expect("a Solomon-format instance");
                for &seed in &seeds {
                    runs += 1;
                    let child = python.as_ref().map(|py| {
                        Command::new(py)
                            .arg(&script)
                            .arg(&case.path)
                            .arg(limit.to_string())
                            .arg(seed.to_string())
                            .env("OMP_NUM_THREADS", "1")
                            .stdout(Stdio::piped())
                            .spawn()
                            .expect("run PyVRP")
                    });
                    let plan = fixline(&problem, limit, seed);
                    let ours = check::check(&problem, &Dimacs, &check::Routes::of(&plan))
                        .map_err(|e| eprintln!("{}: Fixline's plan breaks a rule: {e}", case.name))
                        .ok()
                        .filter(|_| plan.unassigned.is_empty())
                        .map(|w| w.travel);
                    let theirs = child.and_then(|c| {
                        let out = c.wait_with_output().expect("PyVRP's output");
                        let routes = read_pyvrp(&problem, &String::from_utf8_lossy(&out.stdout));
                        check::check(&problem, &Dimacs, &routes)
                            .map_err(|e| {
                                eprintln!("{}: PyVRP's plan breaks a rule: {e}", case.name)
                            })
                            .ok()
                            .filter(|_| routes.unassigned.is_empty())
                            .map(|w| w.travel)
                    });
                    fixline_ok += usize::from(ours.is_some());
                    pyvrp_ok += usize::from(theirs.is_some());
                    let ratio = ours.zip(theirs).map(|(a, b)| a / b);
                    ratios.extend(ratio);
                    let gap = ours.map(|d| (d / case.best_known - 1.0) * 100.0);
                    gaps.extend(gap);
                    let show =
                        |x: Option<f64>, p: usize| x.map_or("-".to_owned(), |v| format!("{v:.p$}"));
                    println!(
                        "{:<9} {:>5} {:>5}s {:>4} {:>10} {:>10} {:>7} {:>10.1} {:>7}%",
                        case.name,
                        size,
                        limit,
                        seed,
                        show(ours, 1),
                        show(theirs, 1),
                        show(ratio, 4),
                        case.best_known,
                        show(gap, 2),
                    );
                }
            }
            if runs > 0 {
                summary.push((size, limit, runs, fixline_ok, pyvrp_ok, ratios, gaps));
            }
        }
    }
    println!();
    println!(
        "size  limit  runs  Fixline feasible  PyVRP feasible  ratio (geo. mean)  Fixline gap to best-known (mean)"
    );
    for (size, limit, runs, ok, their_ok, ratios, gaps) in &summary {
        let ratio = if ratios.is_empty() {
            "-".to_owned()
        } else {
            format!("{:.4}", geometric_mean(ratios))
        };
        let gap = gaps.iter().sum::<f64>() / gaps.len().max(1) as f64;
        // Without PyVRP there is nothing to count.
        let theirs = if python.is_some() {
            format!("{their_ok}/{runs}")
        } else {
            "-".to_owned()
        };
        println!(
            "{size:>4} {limit:>5}s {runs:>5} {ok:>11}/{runs:<5} {theirs:>15} {ratio:>17} {gap:>15.2}%"
        );
    }
    replanning(&all);
}

/// An urgent job into a planned 1,000-job day, and the day re-planned after an engineer goes
/// off sick: how long each takes, and who else moved.
fn replanning(all: &[Case]) {
    let Some(case) = all.iter().find(|c| c.size == 1000) else {
        return;
    };
    let text = std::fs::read_to_string(&case.path).expect("instance file");
    let full = solomon::parse(&text).expect("a Solomon-format instance");
    let mut day = full.clone();
    let urgent: Vec<_> = (0..20).map(|i| day.jobs.remove(i * 40)).collect();
    let plan = fixline(&day, 10.0, 1);
    let mut times = Vec::new();
    let mut moved = 0;
    for job in &urgent {
        let mut problem = day.clone();
        problem.jobs.push(job.clone());
        let started = Instant::now();
        let after = insert_urgent(&problem, &Dimacs, &plan, &job.key).expect("valid");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        check::check_plan(&problem, &Dimacs, &after).expect("the insertion keeps every rule");
        moved += check::reordered(&plan, &after, &[&job.key]).len();
    }
    times.sort_by(f64::total_cmp);
    println!();
    println!(
        "re-plan on {} ({} jobs planned for 10 s):",
        case.name,
        day.jobs.len()
    );
    println!(
        "  urgent job inserted: median {:.1} ms, max {:.1} ms over {} jobs; engineers whose other visits changed: {moved}",
        times[times.len() / 2],
        times[times.len() - 1],
        times.len()
    );
    // The busiest engineer goes off sick: their jobs go elsewhere, the rest stay unless moving pays.
    let sick = plan
        .routes
        .iter()
        .max_by_key(|r| r.stops.len())
        .map(|r| r.engineer.clone())
        .unwrap_or_default();
    let mut without = day.clone();
    without.engineers.retain(|e| e.key != sick);
    for iterations in [0, 1000] {
        let started = Instant::now();
        let after =
            solve_from(&without, &Dimacs, &plan, Budget::iterations(iterations, 1)).expect("valid");
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        check::check_plan(&without, &Dimacs, &after).expect("the re-plan keeps every rule");
        println!(
            "  {sick} off sick, re-planned with {iterations} search steps: {ms:.0} ms, {} left out, travel {:.1} (was {:.1})",
            after.unassigned.len(),
            after.travel_minutes,
            plan.travel_minutes
        );
    }
}
