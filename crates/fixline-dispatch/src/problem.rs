//! What is to be planned: engineers with their shifts and qualifications, jobs with their
//! places, durations, windows and pins. Times are minutes from an origin the caller picks
//! (e.g. midnight of the planned day).

use serde::{Deserialize, Serialize};

use crate::travel::{Matrix, Point, TravelModel};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Engineer {
    pub key: String,
    /// Where the day starts (home base, or the current position when re-planning).
    pub start: Point,
    /// Where the day ends.
    pub end: Point,
    pub shift_start: f64,
    pub shift_end: f64,
    /// Break time kept free within the shift.
    #[serde(default)]
    pub break_minutes: f64,
    /// (category, level 1–5).
    #[serde(default)]
    pub skills: Vec<(String, u8)>,
    #[serde(default)]
    pub certifications: Vec<String>,
    /// How much load the van carries; none: no limit.
    #[serde(default)]
    pub capacity: Option<f64>,
}

/// Where a job must stay.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "pin", rename_all = "snake_case")]
pub enum Pin {
    #[default]
    Free,
    /// The dispatcher fixed it to this engineer (to fix the time too, give it a one-minute window).
    Engineer { engineer: String },
    /// Already started: stays first on this engineer's route; its window is when it started.
    Started { engineer: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub key: String,
    pub at: Point,
    /// Minutes on site.
    pub duration: f64,
    /// The visit may start from…
    pub earliest: f64,
    /// …until (hard: the customer's window, the end of the day).
    pub latest: f64,
    /// SLA arrive-by time (soft: missing it is a breach, minimised first after coverage).
    #[serde(default)]
    pub due: Option<f64>,
    /// Required (category, minimum level).
    #[serde(default)]
    pub skill: Option<(String, u8)>,
    #[serde(default)]
    pub certification: Option<String>,
    #[serde(default)]
    pub demand: f64,
    /// 1 (P1, most urgent) to 4.
    #[serde(default = "p3")]
    pub priority: u8,
    #[serde(default)]
    pub pin: Pin,
}

fn p3() -> u8 {
    3
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub engineers: Vec<Engineer>,
    pub jobs: Vec<Job>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProblemError {
    #[error("job {job}: {reason}")]
    Job { job: String, reason: String },
    #[error("engineer {engineer}: {reason}")]
    Engineer { engineer: String, reason: String },
    #[error("{0} is used as a key twice")]
    DuplicateKey(String),
}

impl Problem {
    /// Refuses what cannot be planned at all: NaN times, windows that close before they open,
    /// pins to engineers that do not exist.
    pub fn validate(&self) -> Result<(), ProblemError> {
        let mut keys = std::collections::HashSet::new();
        for e in &self.engineers {
            let bad = |reason: &str| ProblemError::Engineer {
                engineer: e.key.clone(),
                reason: reason.to_owned(),
            };
            if !keys.insert(("e", e.key.as_str())) {
                return Err(ProblemError::DuplicateKey(e.key.clone()));
            }
            let numbers = [
                e.shift_start,
                e.shift_end,
                e.break_minutes,
                e.start.x,
                e.start.y,
                e.end.x,
                e.end.y,
            ];
            if numbers.iter().any(|n| !n.is_finite()) {
                return Err(bad("times and places must be finite numbers"));
            }
            if e.shift_end < e.shift_start {
                return Err(bad("the shift ends before it starts"));
            }
            if e.break_minutes < 0.0 || e.capacity.is_some_and(|c| c.is_nan() || c < 0.0) {
                return Err(bad("break and capacity must not be negative"));
            }
        }
        for j in &self.jobs {
            let bad = |reason: &str| ProblemError::Job {
                job: j.key.clone(),
                reason: reason.to_owned(),
            };
            if !keys.insert(("j", j.key.as_str())) {
                return Err(ProblemError::DuplicateKey(j.key.clone()));
            }
            let numbers = [
                j.at.x,
                j.at.y,
                j.duration,
                j.earliest,
                j.latest,
                j.demand,
                j.due.unwrap_or(0.0),
            ];
            if numbers.iter().any(|n| !n.is_finite()) {
                return Err(bad("times and places must be finite numbers"));
            }
            if j.latest < j.earliest {
                return Err(bad("the window closes before it opens"));
            }
            if j.duration < 0.0 || j.demand < 0.0 {
                return Err(bad("duration and demand must not be negative"));
            }
            if !(1..=4).contains(&j.priority) {
                return Err(bad("priority is 1 (P1) to 4 (P4)"));
            }
            if let Pin::Engineer { engineer } | Pin::Started { engineer } = &j.pin
                && !self.engineers.iter().any(|e| &e.key == engineer)
            {
                return Err(bad(&format!("pinned to unknown engineer {engineer}")));
            }
        }
        Ok(())
    }
}

/// The problem compiled for the search: indices instead of keys, the travel matrix, who may do
/// what. Node `j < jobs` is job j; engineer e starts at node `jobs + 2e` and ends at `jobs + 2e + 1`.
#[derive(Debug)]
pub(crate) struct Instance<'p> {
    pub problem: &'p Problem,
    pub matrix: Matrix,
    /// `eligible[job][engineer]`
    pub eligible: Vec<Vec<bool>>,
    /// The engineer a job is pinned or started on.
    pub fixed: Vec<Option<usize>>,
    pub started: Vec<bool>,
    /// For each job, the nearest other jobs, nearest first (at most [`NEIGHBOURS`]).
    pub neighbours: Vec<Vec<usize>>,
    /// For each engineer, the first engineer identical to them (same places, shift, skills,
    /// certifications and van): their empty days are interchangeable.
    pub twin: Vec<usize>,
    /// The engineers of each kind (grouped by `twin`), in order.
    pub classes: Vec<Vec<usize>>,
}

/// How many nearest jobs each job keeps: enough for the search's strings of nearby visits and
/// its granular neighbourhoods, few enough that a 1,000-job day sorts them in moments.
pub(crate) const NEIGHBOURS: usize = 100;

impl<'p> Instance<'p> {
    pub fn new(problem: &'p Problem, travel: &dyn TravelModel) -> Result<Self, ProblemError> {
        problem.validate()?;
        let mut points: Vec<Point> = problem.jobs.iter().map(|j| j.at).collect();
        for e in &problem.engineers {
            points.push(e.start);
            points.push(e.end);
        }
        let matrix = travel.matrix(&points);
        let engineer_index = |key: &str| problem.engineers.iter().position(|e| e.key == key);
        let eligible = problem
            .jobs
            .iter()
            .map(|j| problem.engineers.iter().map(|e| qualified(e, j)).collect())
            .collect();
        let fixed = problem
            .jobs
            .iter()
            .map(|j| match &j.pin {
                Pin::Free => None,
                Pin::Engineer { engineer } | Pin::Started { engineer } => engineer_index(engineer),
            })
            .collect();
        let started = problem
            .jobs
            .iter()
            .map(|j| matches!(j.pin, Pin::Started { .. }))
            .collect();
        let n = problem.jobs.len();
        let neighbours = (0..n)
            .map(|i| {
                let mut others: Vec<usize> = (0..n).filter(|&k| k != i).collect();
                let nearer =
                    |a: &usize, b: &usize| matrix.minutes(i, *a).total_cmp(&matrix.minutes(i, *b));
                if others.len() > NEIGHBOURS {
                    others.select_nth_unstable_by(NEIGHBOURS, nearer);
                    others.truncate(NEIGHBOURS);
                }
                others.sort_by(nearer);
                others
            })
            .collect();
        let engineers = &problem.engineers;
        let twin = (0..engineers.len())
            .map(|e| {
                (0..e)
                    .find(|&f| same_day(&engineers[f], &engineers[e]))
                    .unwrap_or(e)
            })
            .collect::<Vec<usize>>();
        let mut classes: Vec<Vec<usize>> = Vec::new();
        for (e, &t) in twin.iter().enumerate() {
            match classes.iter_mut().find(|c| c[0] == t) {
                Some(class) => class.push(e),
                None => classes.push(vec![e]),
            }
        }
        Ok(Instance {
            problem,
            matrix,
            eligible,
            fixed,
            started,
            neighbours,
            twin,
            classes,
        })
    }

    pub fn jobs(&self) -> usize {
        self.problem.jobs.len()
    }

    pub fn engineers(&self) -> usize {
        self.problem.engineers.len()
    }

    pub fn start_node(&self, e: usize) -> usize {
        self.jobs() + 2 * e
    }

    pub fn end_node(&self, e: usize) -> usize {
        self.jobs() + 2 * e + 1
    }

    /// May engineer `e` do job `j`? A pinned or started job goes to its engineer only, even one
    /// the rules would not pick: that was the dispatcher's (or the day's) decision.
    pub fn allowed(&self, j: usize, e: usize) -> bool {
        match self.fixed[j] {
            Some(f) => f == e,
            None => self.eligible[j][e],
        }
    }
}

/// Everything but the name is the same, so their days are interchangeable.
fn same_day(a: &Engineer, b: &Engineer) -> bool {
    a.start == b.start
        && a.end == b.end
        && a.shift_start == b.shift_start
        && a.shift_end == b.shift_end
        && a.break_minutes == b.break_minutes
        && a.skills == b.skills
        && a.certifications == b.certifications
        && a.capacity == b.capacity
}

/// Has the skill at the level and the certification the job needs.
pub fn qualified(e: &Engineer, j: &Job) -> bool {
    let skill = j
        .skill
        .as_ref()
        .is_none_or(|(cat, level)| e.skills.iter().any(|(c, l)| c == cat && l >= level));
    let cert = j
        .certification
        .as_ref()
        .is_none_or(|c| e.certifications.contains(c));
    skill && cert
}
