//! The customer's link from request to survey (进度查询): what a customer sees of their request,
//! in their words rather than the desk's statuses, how long the link works, when the engineer's
//! position may be shown (only on the way: never at the door, never after), and when the
//! engineer's device reports it at all.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::position::{Position, PositionFix};
use crate::work_order::{HistoryEntry, Status, WorkOrder};

/// A link keeps working this long after the request is finished: the survey stays open a
/// week, and a complaint about the visit may come later.
pub const KEPT_AFTER_FINISH: TimeDelta = TimeDelta::days(30);

/// A step of the request as the customer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Received,
    /// An engineer is assigned (and may have accepted).
    Assigned,
    OnTheWay,
    /// The engineer is there (or the work is paused for parts).
    Arrived,
    Completed,
    Cancelled,
}

impl Stage {
    pub fn of(status: Status) -> Stage {
        match status {
            Status::New | Status::Triaged => Stage::Received,
            Status::Assigned | Status::Accepted => Stage::Assigned,
            Status::EnRoute => Stage::OnTheWay,
            Status::OnSite | Status::Paused => Stage::Arrived,
            Status::Completed | Status::Confirmed | Status::Closed => Stage::Completed,
            Status::Cancelled => Stage::Cancelled,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Received => "received",
            Stage::Assigned => "assigned",
            Stage::OnTheWay => "on_the_way",
            Stage::Arrived => "arrived",
            Stage::Completed => "completed",
            Stage::Cancelled => "cancelled",
        }
    }
}

/// One line of the customer's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub stage: Stage,
    /// Reached (or passed); a step not reached yet is shown greyed, as what comes next.
    pub reached: bool,
    /// When the request last entered this step; `None` if not reached, or passed without
    /// stopping (an engineer who checked in without saying they set off).
    pub at: Option<DateTime<Utc>>,
}

/// The timeline from request to completion (or cancellation), from the job and its history. A
/// step taken again (a second engineer after a decline, a second trip) shows its latest time;
/// a step the request went back from (declined, back to "received") is not reached any more.
pub fn timeline(wo: &WorkOrder, history: &[HistoryEntry]) -> Vec<Step> {
    let now = Stage::of(wo.status);
    let stages: &[Stage] = if now == Stage::Cancelled {
        &[Stage::Received, Stage::Cancelled]
    } else {
        &[
            Stage::Received,
            Stage::Assigned,
            Stage::OnTheWay,
            Stage::Arrived,
            Stage::Completed,
        ]
    };
    // When each stage was last entered from another one.
    let mut entered: Vec<(Stage, DateTime<Utc>)> = Vec::new();
    let mut before: Option<Stage> = None;
    for entry in history {
        let stage = Stage::of(entry.status_after);
        if before != Some(stage) {
            entered.retain(|(s, _)| *s != stage);
            entered.push((stage, entry.at));
        }
        before = Some(stage);
    }
    stages
        .iter()
        .map(|&stage| {
            let reached = stage <= now || (now == Stage::Cancelled && stage == Stage::Received);
            // The request was received once, however often it went back to the desk.
            let at = if stage == Stage::Received {
                Some(wo.created_at)
            } else {
                entered
                    .iter()
                    .find(|(s, _)| *s == stage)
                    .map(|(_, at)| *at)
                    .filter(|_| reached)
            };
            Step { stage, reached, at }
        })
        .collect()
}

/// Whether the link still opens: while the request is open, and for [`KEPT_AFTER_FINISH`]
/// after its last change once it is finished.
pub fn link_open(wo: &WorkOrder, now: DateTime<Utc>) -> bool {
    let finished = matches!(Stage::of(wo.status), Stage::Completed | Stage::Cancelled);
    !finished || now - wo.updated_at <= KEPT_AFTER_FINISH
}

/// The engineer's position as the customer may see it: only while this job is on the way, and
/// only a fix from the last [`crate::eta::FRESH_FIX`] (an old point on a map misleads).
pub fn position_shown(
    wo: &WorkOrder,
    engineer_fix: Option<PositionFix>,
    now: DateTime<Utc>,
) -> Option<Position> {
    if wo.status != Status::EnRoute {
        return None;
    }
    // A phone's clock may run a little ahead of the server's: a fix a few minutes "from the
    // future" is still now.
    engineer_fix
        .filter(|f| f.at - now <= CLOCK_AHEAD && now - f.at < crate::eta::FRESH_FIX)
        .map(|f| f.position)
}

/// How far ahead of the server's clock a device's fix may be dated and still count as now.
const CLOCK_AHEAD: TimeDelta = TimeDelta::minutes(5);

/// The app reports a move of at least this far while on the way...
pub const REPORT_MOVE_M: f64 = 250.0;
/// ...or after this long without a report, whichever comes first.
pub const REPORT_EVERY: TimeDelta = TimeDelta::minutes(3);

/// Whether the device should report a new fix (privacy and battery): only while one of the
/// engineer's jobs is on the way, and then on a significant move or every few minutes. A fix
/// older than the last one reported is never worth it.
pub fn worth_reporting(on_the_way: bool, last: Option<PositionFix>, fix: PositionFix) -> bool {
    if !on_the_way {
        return false;
    }
    let Some(last) = last else {
        return true;
    };
    fix.at > last.at
        && (fix.at - last.at >= REPORT_EVERY
            || fix.position.distance_m(&last.position) >= REPORT_MOVE_M)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::WorkOrderId;
    use crate::work_order::{HistoryEvent, IntakeChannel, sample};

    fn t(hm: &str) -> DateTime<Utc> {
        format!("2026-12-07T{hm}:00Z").parse().unwrap()
    }

    fn entry(id: WorkOrderId, at: &str, status: Status) -> HistoryEntry {
        HistoryEntry {
            work_order_id: id,
            version: 1,
            at: t(at),
            actor: None,
            event: HistoryEvent::Created {
                channel: IntakeChannel::Phone,
            },
            status_after: status,
        }
    }

    #[test]
    fn the_timeline_shows_the_latest_time_of_each_step_reached() {
        let mut wo = sample(1);
        let id = wo.id;
        let history = [
            entry(id, "01:00", Status::New),
            entry(id, "01:05", Status::Triaged),
            entry(id, "01:10", Status::Assigned),
            // Declined, back to the desk, then someone else.
            entry(id, "01:20", Status::Triaged),
            entry(id, "01:30", Status::Assigned),
            entry(id, "01:35", Status::Accepted),
            entry(id, "02:00", Status::EnRoute),
        ];
        wo.status = Status::EnRoute;
        wo.created_at = t("01:00");
        let steps = timeline(&wo, &history);
        let at = |s: Stage| steps.iter().find(|x| x.stage == s).unwrap();
        assert_eq!(at(Stage::Received).at, Some(t("01:00")), "received once");
        assert_eq!(
            at(Stage::Assigned).at,
            Some(t("01:30")),
            "the second engineer"
        );
        assert_eq!(at(Stage::OnTheWay).at, Some(t("02:00")));
        assert!(!at(Stage::Arrived).reached && at(Stage::Arrived).at.is_none());
        assert_eq!(steps.len(), 5);

        // Declined again: "assigned" is no longer reached, its old time not shown.
        wo.status = Status::Triaged;
        let steps = timeline(&wo, &history[..4]);
        assert!(!steps[1].reached && steps[1].at.is_none(), "{steps:?}");

        wo.status = Status::Cancelled;
        let steps = timeline(&wo, &history[..2]);
        assert_eq!(
            steps.iter().map(|s| s.stage).collect::<Vec<_>>(),
            [Stage::Received, Stage::Cancelled]
        );
        assert!(steps.iter().all(|s| s.reached));
    }

    #[test]
    fn the_position_shows_only_while_on_the_way_and_fresh() {
        let mut wo = sample(2);
        let fix = PositionFix {
            position: Position::new(30.27, 120.15).unwrap(),
            at: t("02:00"),
        };
        wo.status = Status::EnRoute;
        assert_eq!(
            position_shown(&wo, Some(fix), t("02:10")),
            Some(fix.position)
        );
        assert_eq!(position_shown(&wo, Some(fix), t("04:01")), None, "stale");
        assert_eq!(
            position_shown(&wo, Some(fix), t("01:59")),
            Some(fix.position),
            "a phone a minute ahead"
        );
        assert_eq!(
            position_shown(&wo, Some(fix), t("01:50")),
            None,
            "from the future"
        );
        wo.status = Status::OnSite;
        assert_eq!(position_shown(&wo, Some(fix), t("02:10")), None, "arrived");
        wo.status = Status::Accepted;
        assert_eq!(position_shown(&wo, Some(fix), t("02:10")), None);
    }

    #[test]
    fn the_device_reports_only_on_the_way_and_only_what_moved_or_aged() {
        let fix = |lat: f64, at: &str| PositionFix {
            position: Position::new(lat, 120.13).unwrap(),
            at: t(at),
        };
        let last = Some(fix(30.0, "02:00"));
        assert!(
            !worth_reporting(false, None, fix(30.0, "02:00")),
            "not on the way"
        );
        assert!(worth_reporting(true, None, fix(30.0, "02:00")), "the first");
        // 0.001° is 111 m: not yet; 0.003° is 333 m: yes.
        assert!(!worth_reporting(true, last, fix(30.001, "02:01")));
        assert!(worth_reporting(true, last, fix(30.003, "02:01")));
        // Standing still in traffic: every three minutes.
        assert!(worth_reporting(true, last, fix(30.0, "02:03")));
        assert!(!worth_reporting(true, last, fix(30.01, "01:59")), "older");
    }

    #[test]
    fn the_link_closes_a_month_after_the_request_is_finished() {
        let mut wo = sample(3);
        wo.updated_at = t("02:00");
        wo.status = Status::OnSite;
        assert!(link_open(&wo, t("02:00") + TimeDelta::days(90)), "open job");
        wo.status = Status::Completed;
        assert!(link_open(&wo, t("02:00") + KEPT_AFTER_FINISH));
        assert!(!link_open(
            &wo,
            t("02:00") + KEPT_AFTER_FINISH + TimeDelta::seconds(1)
        ));
    }
}
