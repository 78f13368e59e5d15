//! Dispatch: propose a plan for a day with the optimiser (reviewed by the dispatcher, never
//! applied by itself), and apply all or part of one as assignments.

use std::time::{Duration, Instant};

use axum::extract::State;
use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::work_order::Status;
use fixline_dispatch::travel::GreatCircle;
use fixline_dispatch::{Budget, WhyUnassigned};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::Json;
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};
use crate::ops::planning::{self, DayClock, NotPlanned, Scenario};
use crate::store::{Paging, Store, WorkOrderFilter};
pub use fixline_api::dispatch::{
    Applied, ApplyRequest, LeftOut, PlanRequest, ProposedPlan, ProposedVisit,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(plan))
        .routes(routes!(apply))
}

/// Propose a plan for a day: every open job with a site position, over the engineers on shift.
/// With a `scenario` (engineer off sick, a job overrunning, a customer not home) only the jobs it
/// touches are free to move, so everyone else's day stays as promised.
/// Jobs under way stay put; assigned and accepted jobs stay with their engineer. Nothing is
/// changed.
#[utoipa::path(post, path = "/api/v1/dispatch/plan", tag = "dispatch", request_body = PlanRequest,
    responses((status = 200, body = ProposedPlan), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn plan(
    State(state): State<AppState>,
    user: SignedIn,
    Json(request): Json<PlanRequest>,
) -> Result<axum::Json<ProposedPlan>> {
    user.require_desk("plan the day")?;
    let config = state.config().dispatch.clone();
    let limit = request
        .time_limit_ms
        .unwrap_or(config.time_limit_ms)
        .clamp(10, config.max_time_limit_ms);
    let area = state.config().service_area.clone();
    let now = state.now();
    let proposed = state
        .run(move |store| {
            let clock = DayClock::new(request.day, &area)?;
            let (engineers, orders) = load(store)?;
            let scenario = request.scenario.unwrap_or(Scenario::NewJobs);
            let (problem, skipped) =
                planning::problem(&clock, &config, now, &engineers, &orders, &scenario, |wo| {
                    store.site(wo.site_id).ok().and_then(|s| s.details.position)
                });
            let started = Instant::now();
            let elapsed =
                || started.elapsed().as_secs_f64() / Duration::from_millis(limit).as_secs_f64();
            let travel = GreatCircle {
                speed_kmh: config.speed_kmh,
                detour: config.detour,
            };
            let budget = Budget {
                iterations: u64::MAX,
                seed: 1,
                elapsed: Some(&elapsed),
            };
            let plan = fixline_dispatch::solve(&problem, &travel, budget)
                .map_err(|e| Error::bad_request("unplannable", e.to_string()))?;
            let mut proposed = describe(&clock, &plan, skipped, problem.engineers.len());
            // A job under way is only in the problem so the engineer's day is planned around
            // it: there is nothing to apply to it, so it is not proposed.
            proposed.visits.retain(|v| {
                !orders.iter().any(|w| {
                    w.id == v.work_order
                        && matches!(w.status, Status::EnRoute | Status::OnSite | Status::Paused)
                })
            });
            proposed.reassigned = proposed
                .visits
                .iter()
                .filter(|v| {
                    orders.iter().any(|w| {
                        w.id == v.work_order && w.assignee.is_some_and(|a| a != v.engineer)
                    })
                })
                .map(|v| v.work_order)
                .collect();
            Ok(proposed)
        })
        .await?;
    Ok(axum::Json(proposed))
}

/// Every engineer and every open work order.
pub(crate) fn load(
    store: &dyn Store,
) -> Result<(
    Vec<fixline_core::engineer::Engineer>,
    Vec<fixline_core::work_order::WorkOrder>,
)> {
    let mut engineers = Vec::new();
    for page in 1.. {
        let p = store.list_engineers(None, Paging::new(Some(page), Some(Paging::MAX_PER_PAGE)))?;
        let done = p.items.len() < Paging::MAX_PER_PAGE as usize;
        engineers.extend(p.items);
        if done {
            break;
        }
    }
    let filter = WorkOrderFilter {
        open_only: true,
        ..WorkOrderFilter::default()
    };
    let orders = crate::store::every_work_order(store, &filter)?;
    Ok((engineers, orders))
}

/// Keys in the plan are the records' ids.
fn id<T: std::str::FromStr>(key: &str) -> Option<T> {
    key.parse().ok()
}

fn describe(
    clock: &DayClock,
    plan: &fixline_dispatch::Plan,
    skipped: Vec<NotPlanned>,
    engineers_working: usize,
) -> ProposedPlan {
    let mut visits = Vec::new();
    for route in &plan.routes {
        let Some(engineer) = id::<EngineerId>(&route.engineer) else {
            continue;
        };
        for stop in &route.stops {
            let Some(work_order) = id::<WorkOrderId>(&stop.job) else {
                continue;
            };
            let assignment = plan.assignments.iter().find(|a| a.job == stop.job);
            visits.push(ProposedVisit {
                work_order,
                engineer,
                eta: clock.at(stop.arrival),
                start: clock.at(stop.start),
                end: clock.at(stop.end),
                late_minutes: stop.late_by,
                added_travel_minutes: assignment.map_or(0.0, |a| a.added_travel),
                next_best: assignment
                    .and_then(|a| a.next_best.as_ref())
                    .and_then(|(e, m)| Some((id::<EngineerId>(e)?, *m))),
            });
        }
    }
    let mut left_out: Vec<LeftOut> = plan
        .unassigned
        .iter()
        .map(|u| LeftOut {
            work_order: u.job.clone(),
            reason: match u.why {
                WhyUnassigned::NoQualifiedEngineer => "no_qualified_engineer",
                WhyUnassigned::WindowImpossible => "window_impossible",
                WhyUnassigned::ShiftsFull => "shifts_full",
            }
            .to_owned(),
        })
        .collect();
    left_out.extend(skipped.into_iter().map(|s| LeftOut {
        work_order: s.work_order,
        reason: s.reason,
    }));
    ProposedPlan {
        day: clock.day,
        visits,
        left_out,
        travel_minutes: plan.travel_minutes,
        travel_km: plan.travel_km,
        sla_breaches: plan.breaches,
        engineers_working,
        reassigned: Vec::new(),
    }
}

/// Apply assignments (all of a plan, or the part the dispatcher chose), each on its own: one
/// that no longer fits is refused with the reason and the others still go through.
#[utoipa::path(post, path = "/api/v1/dispatch/apply", tag = "dispatch", request_body = ApplyRequest,
    responses((status = 200, body = Vec<Applied>), (status = 403, body = ErrorBody)))]
async fn apply(
    State(state): State<AppState>,
    user: SignedIn,
    Json(request): Json<ApplyRequest>,
) -> Result<axum::Json<Vec<Applied>>> {
    user.require_desk("assign work orders")?;
    let actor = user.actor();
    let policy = state.sla_policy().clone();
    let clock = state.clock();
    let results = state
        .run(move |store| {
            Ok(crate::ops::dispatch::apply(
                store,
                &policy,
                &actor,
                request.assignments,
                || clock.now(),
            ))
        })
        .await?;
    Ok(axum::Json(results))
}
