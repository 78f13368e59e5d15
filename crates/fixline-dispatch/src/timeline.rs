//! One engineer's day as the dispatcher lays it out by hand: the jobs in time order, the travel
//! before each, and every rule a placement breaks. The board draws lanes from this and shows the
//! conflicts of a drop before the assignment is committed, so it never has to guess.
//!
//! Unlike [`crate::solve`], nothing here is moved to make it fit: a job the dispatcher put at
//! 10:00 is drawn at 10:00, and if the engineer cannot be there by then that is a conflict.

use serde::{Deserialize, Serialize};

use crate::problem::{Engineer, Job, Pin};
use crate::travel::TravelModel;

/// A job on the lane, with the start the dispatcher gave it (minutes from the day's origin), if any.
#[derive(Debug, Clone)]
pub struct Placed {
    pub job: Job,
    pub planned_start: Option<f64>,
}

/// A rule a placement breaks. Each is shown to the dispatcher; none stops them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "conflict", rename_all = "snake_case")]
pub enum Conflict {
    /// The engineer lacks the category or the level the job needs.
    SkillMissing {
        category: String,
        level: u8,
    },
    CertificationMissing {
        name: String,
    },
    /// Starts before the shift does.
    BeforeShift {
        minutes: f64,
    },
    /// Ends (with the way home) after the shift does.
    ShiftOver {
        minutes: f64,
    },
    /// The engineer cannot get here by the planned start: the previous job (none: the start
    /// of the shift) and the travel run into it.
    Overlap {
        with: Option<String>,
        minutes: f64,
    },
    /// Arrives after the SLA's arrive-by time.
    SlaBreach {
        minutes: f64,
    },
    /// Starts outside the customer's window.
    OutsideWindow,
    /// The day leaves no free stretch as long as the break; `minutes` short of it.
    NoBreak {
        minutes: f64,
    },
}

/// One job as drawn on the lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub key: String,
    /// The gap drawn before the block: travel from the previous place.
    pub travel_minutes: f64,
    pub travel_km: f64,
    /// When the engineer can be there at the earliest.
    pub arrival: f64,
    pub start: f64,
    pub end: f64,
    pub conflicts: Vec<Conflict>,
}

/// An engineer's day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    pub engineer: String,
    pub blocks: Vec<Block>,
    /// Back at the end point.
    pub back_at: f64,
    pub travel_minutes: f64,
}

impl Lane {
    pub fn conflicts(&self) -> impl Iterator<Item = (&str, &Conflict)> {
        self.blocks
            .iter()
            .flat_map(|b| b.conflicts.iter().map(move |c| (b.key.as_str(), c)))
    }
}

/// Lays the jobs out in the order of their planned starts (jobs under way first, jobs without
/// a time after the timed ones, as early as they can be reached).
pub fn lay_out(engineer: &Engineer, mut jobs: Vec<Placed>, travel: &dyn TravelModel) -> Lane {
    jobs.sort_by(|a, b| {
        let key = |p: &Placed| {
            let started = matches!(p.job.pin, Pin::Started { .. });
            (!started, p.planned_start.unwrap_or(f64::INFINITY))
        };
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });
    let mut at = engineer.start;
    let mut clock = engineer.shift_start;
    let mut previous: Option<String> = None;
    let mut blocks = Vec::with_capacity(jobs.len());
    let mut travel_total = 0.0;
    for placed in jobs {
        let job = &placed.job;
        let mut conflicts = Vec::new();
        let started = matches!(job.pin, Pin::Started { .. });
        let (travel_minutes, travel_km) = if started {
            (0.0, 0.0)
        } else {
            travel.leg(at, job.at)
        };
        let arrival = if started {
            job.earliest
        } else {
            clock + travel_minutes
        };
        let start = match (started, placed.planned_start) {
            (true, _) => job.earliest,
            (false, Some(planned)) => {
                if arrival > planned + 0.5 {
                    conflicts.push(Conflict::Overlap {
                        with: previous.clone(),
                        minutes: arrival - planned,
                    });
                }
                planned
            }
            (false, None) => arrival.max(job.earliest),
        };
        let end = start + job.duration;
        if let Some((category, level)) = &job.skill
            && !engineer
                .skills
                .iter()
                .any(|(c, l)| c == category && l >= level)
        {
            conflicts.push(Conflict::SkillMissing {
                category: category.clone(),
                level: *level,
            });
        }
        if let Some(name) = &job.certification
            && !engineer.certifications.contains(name)
        {
            conflicts.push(Conflict::CertificationMissing { name: name.clone() });
        }
        if !started && start < engineer.shift_start - 0.5 {
            conflicts.push(Conflict::BeforeShift {
                minutes: engineer.shift_start - start,
            });
        }
        if !started && (start < job.earliest - 0.5 || start > job.latest + 0.5) {
            conflicts.push(Conflict::OutsideWindow);
        }
        if let Some(due) = job.due
            && start.max(arrival) > due + 0.5
        {
            conflicts.push(Conflict::SlaBreach {
                minutes: start.max(arrival) - due,
            });
        }
        travel_total += travel_minutes;
        blocks.push(Block {
            key: job.key.clone(),
            travel_minutes,
            travel_km,
            arrival,
            start,
            end,
            conflicts,
        });
        at = job.at;
        clock = end;
        previous = Some(job.key.clone());
    }
    let (home, _) = travel.leg(at, engineer.end);
    let back_at = clock + home;
    if back_at > engineer.shift_end + 0.5
        && let Some(last) = blocks.last_mut()
    {
        last.conflicts.push(Conflict::ShiftOver {
            minutes: back_at - engineer.shift_end,
        });
    }
    let longest_free = longest_free(engineer, &blocks, back_at);
    if engineer.break_minutes > 0.0
        && longest_free + 0.5 < engineer.break_minutes
        && let Some(last) = blocks.last_mut()
    {
        last.conflicts.push(Conflict::NoBreak {
            minutes: engineer.break_minutes - longest_free,
        });
    }
    Lane {
        engineer: engineer.key.clone(),
        blocks,
        back_at,
        travel_minutes: travel_total + home,
    }
}

/// The longest stretch of the shift with neither a job nor travel in it: where the break fits.
fn longest_free(engineer: &Engineer, blocks: &[Block], back_at: f64) -> f64 {
    let mut free = 0.0_f64;
    let mut from = engineer.shift_start;
    for b in blocks {
        // Waiting at a site before a planned start is free time too; travel is not.
        let busy_from = (b.start - b.travel_minutes).min(b.arrival - b.travel_minutes);
        free = free.max(busy_from.min(engineer.shift_end) - from);
        from = from.max(b.end);
    }
    free.max(engineer.shift_end - from.max(back_at.min(engineer.shift_end)))
        .max(0.0)
}
