//! When the engineer should reach a job, from their day (到达时间预估): where they are now, the
//! job they are on and the jobs before this one, each with its time on site, plus travel between
//! them. Recomputed by the server on each step and each position report; "late" when the
//! estimate slips past the promised window by the configured margin, or the engineer is that far
//! past the estimate and still not there.
//!
//! Travel minutes come from the caller (the dispatch crate's travel model), so the rule stays
//! here and pure.

use chrono::{DateTime, TimeDelta, Utc};

use crate::ids::WorkOrderId;
use crate::position::{Position, PositionFix};
use crate::work_order::{Action, Status, TimeWindow, WorkOrder};

/// A change smaller than this is not worth a new version of the job (nor a message).
pub const RESOLUTION: TimeDelta = TimeDelta::minutes(5);

/// A reported position older than this says nothing about where the engineer is now.
pub const FRESH_FIX: TimeDelta = TimeDelta::hours(2);

/// One job of the engineer's day, in the order they will do it.
#[derive(Debug, Clone, Copy)]
pub struct DayStop<'a> {
    pub job: &'a WorkOrder,
    pub site: Option<Position>,
    /// Expected time on site.
    pub minutes: f64,
}

/// Where the engineer is known to be: their last reported position, else their base.
#[derive(Debug, Clone, Copy)]
pub struct Whereabouts {
    pub fix: Option<PositionFix>,
    pub home_base: Position,
}

/// The window the customer was promised: the planned visit, else the window they asked for.
pub fn promised_window(wo: &WorkOrder) -> Option<TimeWindow> {
    wo.planned
        .map(|slot| TimeWindow {
            start: slot.start,
            end: slot.end,
        })
        .or(wo.requested_window)
}

/// When the engineer should reach `target`, walking their day from now. `None` when the target
/// is not in the day, is done already, or a site on the way has no position.
///
/// A job on the way is estimated from the last position the device reported on the road (a fix
/// newer than every check-in and check-out of the day), leaving at that fix; with no such
/// report the estimate made when the engineer set off stands. A job not yet started is
/// estimated as if the engineer left now (or when the job they are on should end), and never
/// before the window the customer was promised.
pub fn arrival(
    day: &[DayStop<'_>],
    target: WorkOrderId,
    whereabouts: Whereabouts,
    now: DateTime<Utc>,
    travel_minutes: impl Fn(Position, Position) -> f64,
) -> Option<DateTime<Utc>> {
    let minutes = |m: f64| TimeDelta::seconds((m * 60.0).round() as i64);
    let fix = whereabouts
        .fix
        .filter(|f| now - f.at < FRESH_FIX && f.at <= now);
    // The last time the engineer stood at a site of the day.
    let last_at_site = day
        .iter()
        .filter_map(|s| s.job.visits.last())
        .flat_map(|v| [Some(v.checked_in_at), v.checked_out_at])
        .flatten()
        .max();
    let on_the_road = fix.filter(|f| last_at_site.is_none_or(|t| f.at > t));
    // Where the engineer leaves from, and until when they are busy where they are.
    let (mut here, mut known_at) = match fix {
        Some(f) => (f.position, Some(f.at)),
        None => (whereabouts.home_base, None),
    };
    let mut busy_until: Option<DateTime<Utc>> = None;
    for stop in day {
        let wo = stop.job;
        let visit = wo.visits.last();
        match wo.status {
            Status::Completed | Status::Confirmed | Status::Closed | Status::Cancelled => {
                if wo.id == target {
                    return None;
                }
                // A check-out newer than the last fix says where they are.
                if let (Some(site), Some(out)) = (stop.site, visit.and_then(|v| v.checked_out_at))
                    && known_at.is_none_or(|k| out > k)
                {
                    here = site;
                    known_at = Some(out);
                }
            }
            Status::OnSite | Status::Paused => {
                if wo.id == target {
                    return None;
                }
                here = stop.site?;
                known_at = Some(now);
                let arrived = visit.map_or(now, |v| v.checked_in_at);
                let done = now.max(arrived + minutes(stop.minutes));
                busy_until = Some(busy_until.map_or(done, |b| b.max(done)));
            }
            Status::EnRoute | Status::Assigned | Status::Accepted => {
                let site = stop.site?;
                let at = if wo.status == Status::EnRoute {
                    match (on_the_road, wo.eta) {
                        (Some(f), _) => {
                            let leave = busy_until.map_or(f.at, |b| b.max(f.at));
                            leave + minutes(travel_minutes(f.position, site))
                        }
                        (None, Some(set_off_estimate)) => set_off_estimate,
                        (None, None) => {
                            busy_until.unwrap_or(now).max(now) + minutes(travel_minutes(here, site))
                        }
                    }
                } else {
                    let leave = busy_until.unwrap_or(now).max(now);
                    let at = leave + minutes(travel_minutes(here, site));
                    // Nobody knocks before the window they promised.
                    promised_window(wo).map_or(at, |w| at.max(w.start))
                };
                if wo.id == target {
                    return Some(at);
                }
                here = site;
                known_at = Some(now);
                busy_until = Some(at + minutes(stop.minutes));
            }
            Status::New | Status::Triaged => {}
        }
    }
    None
}

/// Whether a step of a job can move its engineer's day (their position, a job's state or who
/// has it): notes, photos and bills cannot, so they do not walk the day again.
pub fn moves_the_day(action: &Action) -> bool {
    !matches!(
        action,
        Action::AddNote { .. }
            | Action::AttachPhoto { .. }
            | Action::RemovePhoto { .. }
            | Action::RecordBill { .. }
    )
}

/// Whether the customer should hear that the engineer is late: the estimate is past the
/// promised window, or the engineer is past the estimate, by more than `margin`.
pub fn is_late(wo: &WorkOrder, now: DateTime<Utc>, margin: TimeDelta) -> bool {
    let Some(eta) = wo.eta else { return false };
    if !matches!(
        wo.status,
        Status::EnRoute | Status::Assigned | Status::Accepted
    ) {
        return false;
    }
    now > eta + margin || promised_window(wo).is_some_and(|w| eta > w.end + margin)
}

/// The job with a new estimate (and the late flag, set once), or `None` when nothing changed
/// enough to be worth a version. Returns the fields that changed, for the history.
pub fn revise(
    wo: &WorkOrder,
    eta: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    margin: TimeDelta,
) -> Option<(WorkOrder, Vec<String>)> {
    let mut next = wo.clone();
    let mut fields = Vec::new();
    let moved = match (wo.eta, eta) {
        (Some(old), Some(new)) => (new - old).abs() >= RESOLUTION,
        (None, None) => false,
        _ => true,
    };
    if moved {
        next.eta = eta;
        fields.push("eta".to_owned());
    }
    if next.late_since.is_none() && is_late(&next, now, margin) {
        next.late_since = Some(now);
        fields.push("late_since".to_owned());
    }
    if fields.is_empty() {
        return None;
    }
    next.advance(now);
    Some((next, fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::work_order::{PlannedSlot, Visit};

    fn t(hm: &str) -> DateTime<Utc> {
        format!("2026-12-07T{hm}:00Z").parse().unwrap()
    }

    fn job(n: u128, status: Status) -> WorkOrder {
        let mut wo = crate::work_order::sample(n);
        wo.status = status;
        wo
    }

    /// A job with one visit, checked in (and out, if given) at those local times.
    fn visited(n: u128, status: Status, checked_in: &str, out: Option<&str>) -> WorkOrder {
        let mut wo = job(n, status);
        wo.visits.push(Visit {
            number: 1,
            engineer: wo.assignee.unwrap(),
            checked_in_at: t(checked_in),
            check_in_position: None,
            checked_out_at: out.map(t),
            check_out_position: None,
            outcome: None,
            set_off_at: None,
        });
        wo
    }

    /// A stop on the meridian 120°E.
    fn stop(job: &WorkOrder, lat: f64, minutes: f64) -> DayStop<'_> {
        DayStop {
            job,
            site: Some(p(lat)),
            minutes,
        }
    }

    fn p(lat: f64) -> Position {
        Position::new(lat, 120.0).unwrap()
    }

    /// The engineer based at 30.00°N, last reported at `lat` at `at` if given.
    fn seen(fix: Option<(f64, DateTime<Utc>)>) -> Whereabouts {
        Whereabouts {
            fix: fix.map(|(lat, at)| PositionFix {
                position: p(lat),
                at,
            }),
            home_base: p(30.00),
        }
    }

    /// 10 minutes of travel per 0.01° of latitude, for hand-computed cases.
    fn ten_per_step(a: Position, b: Position) -> f64 {
        ((a.lat - b.lat).abs() / 0.01 * 10.0).round()
    }

    #[test]
    fn the_next_job_waits_for_the_one_on_site_then_adds_the_travel() {
        // On site at A since 09:00 for 60 minutes; B is 0.02° away (20 min), promised 09:30–12:00.
        let a = visited(1, Status::OnSite, "09:00", None);
        let mut b = job(2, Status::Accepted);
        b.planned = Some(PlannedSlot {
            start: t("09:30"),
            end: t("12:00"),
        });
        let c = job(3, Status::Assigned);
        let day = [
            stop(&a, 30.01, 60.0),
            stop(&b, 30.03, 45.0),
            stop(&c, 30.04, 30.0),
        ];
        let eta = |target: &WorkOrder, now: &str| {
            arrival(&day, target.id, seen(None), t(now), ten_per_step)
        };
        // Free at 10:00, +20 min → 10:20 at B; B done 11:05, +10 min → 11:15 at C.
        assert_eq!(eta(&b, "09:40"), Some(t("10:20")));
        assert_eq!(eta(&c, "09:40"), Some(t("11:15")));
        // Running over at A (still there at 10:30): B moves to 10:50.
        assert_eq!(eta(&b, "10:30"), Some(t("10:50")));
        assert_eq!(eta(&a, "10:30"), None);
    }

    #[test]
    fn on_the_way_the_estimate_starts_from_the_last_fresh_position() {
        let a = job(1, Status::EnRoute);
        let day = [stop(&a, 30.05, 60.0)];
        let eta = |w: Whereabouts, now: &str| arrival(&day, a.id, w, t(now), ten_per_step);
        // From base (0.05° → 50 min) at 08:00 → 08:50.
        assert_eq!(eta(seen(None), "08:00"), Some(t("08:50")));
        // At 08:20 the engineer is 0.01° away: 08:30.
        assert_eq!(
            eta(seen(Some((30.04, t("08:20")))), "08:20"),
            Some(t("08:30"))
        );
        // A fix from yesterday says nothing: back to the base.
        let stale = seen(Some((30.04, t("08:20") - TimeDelta::days(1))));
        assert_eq!(eta(stale, "08:20"), Some(t("09:10")));

        // With no report from the road, the estimate made on setting off stands (it does not
        // slide with the clock).
        let mut set_off = a.clone();
        set_off.eta = Some(t("08:50"));
        let day = [stop(&set_off, 30.05, 60.0)];
        let eta = |w: Whereabouts, now: &str| arrival(&day, a.id, w, t(now), ten_per_step);
        assert_eq!(eta(seen(None), "08:40"), Some(t("08:50")));
        assert_eq!(eta(stale, "08:40"), Some(t("08:50")));
    }

    #[test]
    fn a_position_from_a_site_is_not_a_report_from_the_road() {
        // Checked out of A at 09:00 (its position is the last fix), set off to B at 09:10.
        let done = visited(1, Status::Completed, "08:00", Some("09:00"));
        let mut b = job(2, Status::EnRoute);
        b.eta = Some(t("09:40"));
        let day = [stop(&done, 30.02, 60.0), stop(&b, 30.05, 60.0)];
        let at_a = seen(Some((30.02, t("09:00"))));
        assert_eq!(
            arrival(&day, b.id, at_a, t("09:15"), ten_per_step),
            Some(t("09:40"))
        );
        // A ping from the road at 09:20, 0.01° short of B: 09:30.
        let on_road = seen(Some((30.04, t("09:20"))));
        assert_eq!(
            arrival(&day, b.id, on_road, t("09:21"), ten_per_step),
            Some(t("09:30"))
        );
    }

    #[test]
    fn a_check_out_newer_than_the_fix_is_where_the_engineer_leaves_from() {
        let done = visited(1, Status::Completed, "08:00", Some("09:00"));
        let next = job(2, Status::Accepted);
        let day = [stop(&done, 30.02, 60.0), stop(&next, 30.05, 60.0)];
        let earlier = seen(Some((30.10, t("07:30"))));
        // From the done job's site (0.03° → 30 min), leaving now at 09:05.
        assert_eq!(
            arrival(&day, next.id, earlier, t("09:05"), ten_per_step),
            Some(t("09:35"))
        );
        assert_eq!(
            arrival(&day, done.id, earlier, t("09:05"), ten_per_step),
            None
        );
    }

    #[test]
    fn notes_and_photos_do_not_move_the_day() {
        assert!(!moves_the_day(&Action::AddNote {
            text: "压缩机过热".into()
        }));
        assert!(moves_the_day(&Action::StartTravel));
        assert!(moves_the_day(&Action::Arrive { position: None }));
    }

    #[test]
    fn revising_keeps_small_moves_quiet_and_flags_late_once() {
        let mut wo = job(1, Status::EnRoute);
        wo.planned = Some(PlannedSlot {
            start: t("09:00"),
            end: t("10:00"),
        });
        wo.eta = Some(t("09:30"));
        let margin = TimeDelta::minutes(15);
        assert!(revise(&wo, Some(t("09:34")), t("09:00"), margin).is_none());
        let (moved, fields) = revise(&wo, Some(t("09:50")), t("09:00"), margin).unwrap();
        assert_eq!(fields, ["eta"]);
        assert_eq!(moved.version, wo.version + 1);
        assert!(moved.late_since.is_none());
        // Past the window's end by more than the margin: late, once.
        let (late, fields) = revise(&moved, Some(t("10:20")), t("09:10"), margin).unwrap();
        assert_eq!(fields, ["eta", "late_since"]);
        assert_eq!(late.late_since, Some(t("09:10")));
        let (again, fields) = revise(&late, Some(t("10:40")), t("09:20"), margin).unwrap();
        assert_eq!(fields, ["eta"]);
        assert_eq!(again.late_since, Some(t("09:10")));
        // Past the estimate itself: late even with no window.
        let mut open = job(2, Status::EnRoute);
        open.eta = Some(t("09:30"));
        assert!(!is_late(&open, t("09:45"), margin));
        assert!(is_late(&open, t("09:46"), margin));
        // Arrived: never late.
        open.status = Status::OnSite;
        assert!(!is_late(&open, t("11:00"), margin));
    }
}
