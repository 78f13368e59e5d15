//! From the service desk's records to the optimiser's problem and back: which engineers work
//! the day (shift pattern, not off sick), which jobs are to be planned (open, with a site
//! position), their windows and SLA due times in minutes from the day's local midnight, and
//! which are pinned (assigned and accepted jobs stay with their engineer, jobs under way are
//! not moved). The day is a local day of the service area's zone: 23 or 25 hours long where
//! clocks change, and an engineer's shift is read in their region's zone.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use fixline_core::engineer::{Engineer, EngineerStatus};
use fixline_core::sla::Milestone;
use fixline_core::work_order::{Status, WorkOrder};
use fixline_core::zone::{ServiceArea, ServiceZone};
use fixline_dispatch::travel::Point;
use fixline_dispatch::{Job, Pin, Problem};
use serde::{Deserialize, Serialize};

/// Settings of the planner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DispatchConfig {
    /// Average travel speed and road detour over the straight line.
    pub speed_kmh: f64,
    pub detour: f64,
    /// Planned time on site when nothing better is known.
    pub default_job_minutes: f64,
    /// Default and largest search time per plan.
    pub time_limit_ms: u64,
    pub max_time_limit_ms: u64,
    /// A job still not reached this many minutes after its ETA is flagged late.
    #[serde(default = "late_after")]
    pub late_after_minutes: i64,
    /// How often the server looks for late jobs, in seconds.
    #[serde(default = "late_check")]
    pub late_check_secs: u64,
    /// Map tiles for the console, e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png` or a
    /// tile server of your own; empty: no tiles, positions are drawn on a plain background.
    #[serde(default)]
    pub map_tiles: String,
    /// The attribution the tile source asks for.
    #[serde(default)]
    pub map_attribution: String,
    /// Where jobs are assigned automatically on intake and triage (off everywhere by default).
    #[serde(default)]
    pub auto_assign: fixline_core::auto_assign::AutoAssignPolicy,
}

fn late_after() -> i64 {
    15
}

fn late_check() -> u64 {
    60
}

impl Default for DispatchConfig {
    fn default() -> Self {
        DispatchConfig {
            speed_kmh: 30.0,
            detour: 1.3,
            default_job_minutes: 60.0,
            time_limit_ms: 2000,
            max_time_limit_ms: 30_000,
            late_after_minutes: late_after(),
            late_check_secs: late_check(),
            map_tiles: String::new(),
            map_attribution: String::new(),
            auto_assign: Default::default(),
        }
    }
}

/// The planned day's clock: minutes elapsed since the local day began in the service area's
/// zone (so on a spring-forward day 08:00 is 420 minutes in, not 480).
#[derive(Debug, Clone)]
pub struct DayClock {
    pub day: NaiveDate,
    area: ServiceArea,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl DayClock {
    /// The clock of a day the server can plan: years 2000–2199 (the calendar's far ends, where
    /// arithmetic on instants overflows, are refused, not panicked on).
    pub fn new(day: NaiveDate, area: &ServiceArea) -> crate::Result<Self> {
        use chrono::Datelike;
        if !(2000..2200).contains(&day.year()) {
            return Err(crate::Error::bad_request_with_status(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "day_out_of_range",
                format!("{day} is not a day that can be planned (years 2000 to 2199)"),
            ));
        }
        let zone = area.time_zone;
        Ok(DayClock {
            day,
            area: area.clone(),
            start: zone.day_start(day),
            end: zone.day_end(day),
        })
    }

    /// The zone the day is counted in.
    pub fn zone(&self) -> ServiceZone {
        self.area.time_zone
    }

    pub fn minutes(&self, t: DateTime<Utc>) -> f64 {
        (t - self.start).num_seconds() as f64 / 60.0
    }

    /// The instant `minutes` into the day; held within a year either side, so that no time
    /// given in a request can overflow the calendar.
    pub fn at(&self, minutes: f64) -> DateTime<Utc> {
        const YEAR: f64 = 366.0 * 24.0 * 60.0;
        let minutes = if minutes.is_nan() {
            0.0
        } else {
            minutes.clamp(-YEAR, YEAR)
        };
        self.start + Duration::seconds((minutes * 60.0).round() as i64)
    }

    /// How many minutes the local day has (1,440 but where the clocks change).
    pub fn length(&self) -> f64 {
        self.minutes(self.end)
    }

    /// Whether an instant falls on the day.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        (self.start..self.end).contains(&t)
    }

    /// A local time of the day in a region's zone (an engineer's shift), as minutes of the day.
    pub fn local(&self, region: &str, t: NaiveTime) -> f64 {
        self.minutes(self.area.zone_of(region).at_day(self.day, t))
    }
}

pub use fixline_core::board::Scenario;

/// A job the planner could not even consider, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NotPlanned {
    pub work_order: String,
    /// A code a client words: `not_home`, `no_position`, `engineer_off`, `window_not_on_day`,
    /// `fixed_on_another_day`.
    pub reason: String,
}

/// Why a job cannot be on a day at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotOnDay {
    /// The customer's window is on another day.
    Window,
    /// The dispatcher fixed its time on another day.
    Fixed,
}

impl NotOnDay {
    pub fn code(self) -> &'static str {
        match self {
            NotOnDay::Window => "window_not_on_day",
            NotOnDay::Fixed => "fixed_on_another_day",
        }
    }

    pub fn sentence(self) -> &'static str {
        match self {
            NotOnDay::Window => "the requested window is not on this day",
            NotOnDay::Fixed => "it is fixed at a time on another day",
        }
    }
}

/// Builds the day's problem. `site_position` finds a work order's site position.
pub fn problem(
    clock: &DayClock,
    config: &DispatchConfig,
    now: DateTime<Utc>,
    engineers: &[Engineer],
    orders: &[WorkOrder],
    scenario: &Scenario,
    site_position: impl Fn(&WorkOrder) -> Option<fixline_core::position::Position>,
) -> (Problem, Vec<NotPlanned>) {
    let off = match scenario {
        Scenario::EngineerOff { engineer } => Some(*engineer),
        _ => None,
    };
    // Whose day is open to change: the overrunning or stood-up engineer's.
    let unsettled = orders.iter().find_map(|w| match scenario {
        Scenario::Overrun { work_order, .. } | Scenario::NotHome { work_order }
            if *work_order == w.id =>
        {
            w.assignee
        }
        _ => None,
    });
    let working: Vec<&Engineer> = engineers
        .iter()
        .filter(|e| {
            e.details.shift.works_on(clock.day)
                && e.status != EngineerStatus::Unavailable
                && Some(e.id) != off
        })
        .collect();
    let engineers_out = working.iter().map(|e| engineer(clock, e)).collect();
    let mut jobs = Vec::new();
    let mut skipped = Vec::new();
    for wo in orders.iter().filter(|w| w.status.is_open()) {
        if matches!(scenario, Scenario::NotHome { work_order } if *work_order == wo.id) {
            skipped.push(NotPlanned {
                work_order: wo.id.to_string(),
                reason: "not_home".to_owned(),
            });
            continue;
        }
        let Some(position) = site_position(wo) else {
            skipped.push(NotPlanned {
                work_order: wo.id.to_string(),
                reason: "no_position".to_owned(),
            });
            continue;
        };
        let under_way = matches!(wo.status, Status::EnRoute | Status::OnSite | Status::Paused);
        // A job under way today is over by another day: it has no place in that day's plan.
        if under_way && !clock.contains(now) {
            continue;
        }
        let held_by = wo.assignee.map(|a| a.to_string());
        // The scenario's engineer's jobs not yet under way are free to move (unless the
        // dispatcher fixed them to that engineer); a full re-plan frees every unpinned job.
        let released = wo.assignee.is_some()
            && !wo.pin.keeps_engineer()
            && (wo.assignee == off
                || wo.assignee == unsettled
                || matches!(scenario, Scenario::Replan));
        let pin = match (wo.status, held_by) {
            (Status::EnRoute | Status::OnSite | Status::Paused, Some(engineer)) => {
                Pin::Started { engineer }
            }
            // Given to someone already (by hand or an applied plan): the plan works around it.
            (Status::Assigned | Status::Accepted, Some(engineer)) if !released => {
                Pin::Engineer { engineer }
            }
            _ => Pin::Free,
        };
        if let Pin::Started { engineer } | Pin::Engineer { engineer } = &pin
            && !working.iter().any(|e| &e.id.to_string() == engineer)
        {
            skipped.push(NotPlanned {
                work_order: wo.id.to_string(),
                reason: "engineer_off".to_owned(),
            });
            continue;
        }
        let mut job = match job(clock, config, now, wo, position, pin, true) {
            Ok(job) => job,
            Err(reason) => {
                skipped.push(NotPlanned {
                    work_order: wo.id.to_string(),
                    reason: reason.code().to_owned(),
                });
                continue;
            }
        };
        if let Scenario::Overrun {
            work_order,
            minutes,
        } = scenario
            && *work_order == wo.id
        {
            job.duration += minutes.max(0.0);
        }
        jobs.push(job);
    }
    (
        Problem {
            engineers: engineers_out,
            jobs,
        },
        skipped,
    )
}

/// A work order as the optimiser and the board's lanes see it on the clock's day: its place,
/// time on site, the customer's window (and the planned time, if `fixed_time` and the dispatcher
/// fixed it), the SLA arrive-by time and the skill it needs. A job under way keeps the time it
/// started. `Err` says why it cannot be on this day.
pub fn job(
    clock: &DayClock,
    config: &DispatchConfig,
    now: DateTime<Utc>,
    wo: &WorkOrder,
    position: fixline_core::position::Position,
    pin: Pin,
    fixed_time: bool,
) -> Result<Job, NotOnDay> {
    let (mut earliest, mut latest) = (0.0, clock.length());
    if let Some(w) = wo.requested_window {
        earliest = clock.minutes(w.start).max(0.0);
        latest = clock.minutes(w.end).min(clock.length());
        if latest < earliest {
            return Err(NotOnDay::Window);
        }
    }
    // Fixed in time: the visit starts when planned, whoever does it.
    if fixed_time
        && wo.pin.keeps_time()
        && let Some(slot) = wo.planned
    {
        let at = clock.minutes(slot.start);
        if !clock.contains(slot.start) {
            return Err(NotOnDay::Fixed);
        }
        earliest = at;
        latest = at;
    }
    let started = matches!(pin, Pin::Started { .. });
    if started {
        // Under way: it started with the engineer's arrival (or now, if unknown).
        let began = wo
            .open_visit()
            .map(|v| clock.minutes(v.checked_in_at))
            .unwrap_or_else(|| clock.minutes(now).clamp(earliest, latest));
        earliest = began;
        latest = began;
    }
    let due = clock.minutes(wo.sla.due(Milestone::Arrive, now));
    Ok(Job {
        key: wo.id.to_string(),
        at: Point::lon_lat(position.lon, position.lat),
        duration: duration(config, wo),
        earliest,
        latest,
        due: (!started && wo.sla.arrive.is_none()).then_some(due),
        skill: wo.required_skill(),
        certification: wo.requirements.certification.clone(),
        demand: 0.0,
        priority: match wo.priority {
            fixline_core::work_order::Priority::P1 => 1,
            fixline_core::work_order::Priority::P2 => 2,
            fixline_core::work_order::Priority::P3 => 3,
            fixline_core::work_order::Priority::P4 => 4,
        },
        pin,
    })
}

/// An engineer as the optimiser and the board's lanes see them on the clock's day.
pub fn engineer(clock: &DayClock, e: &Engineer) -> fixline_dispatch::Engineer {
    let base = Point::lon_lat(e.details.home_base.lon, e.details.home_base.lat);
    fixline_dispatch::Engineer {
        key: e.id.to_string(),
        start: base,
        end: base,
        shift_start: clock.local(&e.details.region, e.details.shift.start),
        shift_end: clock.local(&e.details.region, e.details.shift.end),
        break_minutes: f64::from(e.details.shift.break_minutes),
        skills: e
            .details
            .skills
            .iter()
            .map(|s| (s.category.clone(), s.level))
            .collect(),
        certifications: e
            .details
            .certifications
            .iter()
            .filter(|c| c.expires_on >= clock.day)
            .map(|c| c.name.clone())
            .collect(),
        capacity: None,
    }
}

/// Minutes on site: as planned, else as triage estimated, else the default.
pub fn duration(config: &DispatchConfig, wo: &WorkOrder) -> f64 {
    wo.planned.map_or_else(
        || {
            wo.requirements
                .minutes
                .map_or(config.default_job_minutes, f64::from)
        },
        |slot| slot.minutes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(zone: &str) -> ServiceArea {
        ServiceArea {
            time_zone: ServiceZone::parse(zone).unwrap(),
            region_zones: [(
                "天山区".to_owned(),
                ServiceZone::parse("Asia/Urumqi").unwrap(),
            )]
            .into(),
        }
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn a_spring_forward_day_in_berlin_is_23_hours_and_shifts_start_by_the_new_clock() {
        let clock = DayClock::new("2026-03-29".parse().unwrap(), &area("Europe/Berlin")).unwrap();
        assert_eq!(clock.length(), 23.0 * 60.0);
        // 08:00–17:00 summer time: 7 and 16 hours after the day began (00:00 winter time).
        assert_eq!(clock.local("Mitte", hm(8, 0)), 420.0);
        assert_eq!(clock.local("Mitte", hm(17, 0)), 960.0);
        assert_eq!(
            clock.at(420.0),
            "2026-03-29T06:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        // An SLA due at 16:00 local is 900 minutes into the day, and on it.
        let due: DateTime<Utc> = "2026-03-29T14:00:00Z".parse().unwrap();
        assert_eq!(clock.minutes(due), 900.0);
        assert!(clock.contains(due));
        assert!(!clock.contains("2026-03-29T22:00:00Z".parse().unwrap()));
    }

    #[test]
    fn a_fall_back_day_in_berlin_is_25_hours() {
        let clock = DayClock::new("2026-10-25".parse().unwrap(), &area("Europe/Berlin")).unwrap();
        assert_eq!(clock.length(), 25.0 * 60.0);
        assert_eq!(clock.local("Mitte", hm(8, 0)), 9.0 * 60.0);
        assert!(clock.contains("2026-10-25T22:59:00Z".parse().unwrap()));
    }

    #[test]
    fn a_region_with_its_own_zone_keeps_its_shift_times() {
        let clock = DayClock::new("2026-12-02".parse().unwrap(), &area("Asia/Shanghai")).unwrap();
        assert_eq!(clock.length(), 1440.0);
        assert_eq!(clock.local("西湖区", hm(8, 30)), 510.0);
        // 08:30 in Urumqi (UTC+6) is 10:30 in Beijing.
        assert_eq!(clock.local("天山区", hm(8, 30)), 630.0);
    }
}
