//! Keeping the engineer's expected arrivals true (core's `eta` rules on the stored day): on each
//! step of their jobs, each position their device reports, and the minute ticker. A revised
//! estimate is a new version of the job, so the console and the customer's page see it live,
//! and one that slips past the promised window flags the job late, which tells the customer.

use chrono::{DateTime, TimeDelta, Utc};
use fixline_core::engineer::Engineer;
use fixline_core::eta::{self, DayStop, Whereabouts};
use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::position::{Position, PositionFix};
use fixline_core::work_order::{Action, Status, WorkOrder};
use fixline_dispatch::travel::{GreatCircle, Point, TravelModel};

use crate::Result;
use crate::ops::planning::{DispatchConfig, duration};
use crate::store::{Store, WorkOrderFilter, every_work_order};

/// Jobs whose promised window starts further ahead than this are not part of "the day".
const HORIZON: TimeDelta = TimeDelta::hours(18);

/// The engineer's open jobs from now to the horizon, in the order they will do them: the one on
/// site, the one on the way, then the rest by promised window. Each with its site and minutes.
fn day(
    store: &dyn Store,
    config: &DispatchConfig,
    engineer: EngineerId,
    now: DateTime<Utc>,
) -> Result<Vec<(WorkOrder, Option<Position>, f64)>> {
    let filter = WorkOrderFilter {
        assignee: Some(engineer),
        open_only: true,
        ..WorkOrderFilter::default()
    };
    let mut jobs: Vec<WorkOrder> = every_work_order(store, &filter)?
        .into_iter()
        .filter(|wo| wo.assignee == Some(engineer) && wo.status.has_assignee())
        .filter(|wo| match wo.status {
            Status::Assigned | Status::Accepted => {
                eta::promised_window(wo).is_some_and(|w| w.start < now + HORIZON)
            }
            _ => true,
        })
        .collect();
    jobs.sort_by_key(|wo| {
        let rank = match wo.status {
            Status::OnSite | Status::Paused => 0,
            Status::EnRoute => 1,
            _ => 2,
        };
        (
            rank,
            eta::promised_window(wo).map(|w| w.start),
            wo.created_at,
        )
    });
    jobs.into_iter()
        .map(|wo| {
            let site = store.site(wo.site_id)?.details.position;
            let minutes = duration(config, &wo);
            Ok((wo, site, minutes))
        })
        .collect()
}

fn travel(config: &DispatchConfig) -> impl Fn(Position, Position) -> f64 {
    let model = GreatCircle {
        speed_kmh: config.speed_kmh,
        detour: config.detour,
    };
    move |a: Position, b: Position| {
        model
            .leg(Point::lon_lat(a.lon, a.lat), Point::lon_lat(b.lon, b.lat))
            .0
    }
}

fn whereabouts(engineer: &Engineer) -> Whereabouts {
    Whereabouts {
        fix: engineer.last_position,
        home_base: engineer.details.home_base,
    }
}

/// When `engineer` should reach `target` if the day is walked now (what a step is about to
/// make true: pass the job as it will be after the step).
pub fn arrival(
    store: &dyn Store,
    config: &DispatchConfig,
    engineer: &Engineer,
    target: &WorkOrder,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let mut stops = day(store, config, engineer.id, now)?;
    match stops.iter_mut().find(|(wo, ..)| wo.id == target.id) {
        Some(stop) => stop.0 = target.clone(),
        None => {
            let site = store.site(target.site_id)?.details.position;
            stops.push((target.clone(), site, duration(config, target)));
        }
    }
    stops.sort_by_key(|(wo, ..)| match wo.status {
        Status::OnSite | Status::Paused => 0,
        Status::EnRoute => 1,
        _ => 2,
    });
    Ok(eta::arrival(
        &as_stops(&stops),
        target.id,
        whereabouts(engineer),
        now,
        travel(config),
    ))
}

fn as_stops(stops: &[(WorkOrder, Option<Position>, f64)]) -> Vec<DayStop<'_>> {
    stops
        .iter()
        .map(|(job, site, minutes)| DayStop {
            job,
            site: *site,
            minutes: *minutes,
        })
        .collect()
}

/// Walks the engineer's day now and stores each job's revised estimate (and late flag) where it
/// moved enough to matter. Returns the jobs changed, as stored.
pub fn refresh(
    store: &dyn Store,
    config: &DispatchConfig,
    engineer: EngineerId,
    now: DateTime<Utc>,
) -> Result<Vec<WorkOrder>> {
    let engineer = store.engineer(engineer)?;
    let stops = day(store, config, engineer.id, now)?;
    let walked = as_stops(&stops);
    let margin = TimeDelta::minutes(config.late_after_minutes);
    let mut changed = Vec::new();
    for (wo, ..) in &stops {
        if !matches!(
            wo.status,
            Status::EnRoute | Status::Assigned | Status::Accepted
        ) {
            continue;
        }
        let estimate = eta::arrival(&walked, wo.id, whereabouts(&engineer), now, travel(config));
        if let Some(revised) = revise(store, wo, estimate, now, margin)? {
            changed.push(revised);
        }
    }
    Ok(changed)
}

/// Stores `estimate` on the job if core says it is worth a version, and returns the job as
/// stored. A job changed since it was read is left for the next revision.
fn revise(
    store: &dyn Store,
    wo: &WorkOrder,
    estimate: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    margin: TimeDelta,
) -> Result<Option<WorkOrder>> {
    if wo.revise_eta(estimate, now, margin).is_none() {
        return Ok(None);
    }
    let outcome = store.update_work_order(wo.id, Some(wo.version), now, &mut |current| {
        current
            .revise_eta(estimate, now, margin)
            .ok_or_else(|| crate::Error::Conflict("the estimate no longer changes".into()))
    });
    match outcome {
        Ok(stored) => Ok(Some(stored)),
        Err(crate::Error::Conflict(_) | crate::Error::StaleVersion { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The minute ticker: walks the day of every engineer with a job still to reach, so an
/// overrun on site slides the next customer's estimate (and flags it late) with no step or
/// report from the engineer. Returns the jobs newly flagged late.
pub fn flag_late(
    store: &dyn Store,
    config: &DispatchConfig,
    now: DateTime<Utc>,
) -> Result<Vec<WorkOrderId>> {
    let filter = WorkOrderFilter {
        statuses: vec![Status::EnRoute, Status::Assigned, Status::Accepted],
        ..WorkOrderFilter::default()
    };
    let mut engineers: Vec<EngineerId> = every_work_order(store, &filter)?
        .into_iter()
        .filter_map(|wo| wo.assignee)
        .collect();
    engineers.sort_unstable();
    engineers.dedup();
    let mut flagged = Vec::new();
    for engineer in engineers {
        for wo in refresh(store, config, engineer, now)? {
            if wo.late_since == Some(now) {
                flagged.push(wo.id);
            }
        }
    }
    Ok(flagged)
}

/// After a step of a job: the check-in (or check-out) position is where the engineer now is,
/// and their day is walked again. Never fails the step: the step is stored already.
pub async fn after_step(
    state: &crate::AppState,
    wo: &WorkOrder,
    action: &Action,
    at: DateTime<Utc>,
) {
    if !eta::moves_the_day(action) {
        return;
    }
    let Some(engineer) = wo.assignee.or(wo.visits.last().map(|v| v.engineer)) else {
        return;
    };
    let position = match action {
        Action::Arrive { position } | Action::Complete { position, .. } => *position,
        _ => None,
    };
    let config = state.config().dispatch.clone();
    let now = state.now();
    let outcome = state
        .run(move |s| {
            if let Some(position) = position {
                let known = s.engineer(engineer)?.last_position;
                if known.is_none_or(|fix| fix.at < at) {
                    s.record_position(engineer, PositionFix { position, at }, now)?;
                }
            }
            refresh(s, &config, engineer, now)
        })
        .await;
    if let Err(e) = outcome {
        tracing::warn!("revising the expected arrivals of engineer {engineer} failed: {e}");
    }
}
