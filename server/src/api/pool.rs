//! The work-order pool: jobs the desk released for engineers to pick. An engineer sees the ones
//! they are qualified for (what and roughly where, nearest first; the customer's name only once
//! the job is theirs) and picks one; the first to pick gets it, the next is told it is gone.
//! Picking needs a connection: the pool offline would be a guess.

use axum::extract::{Path, State};
use fixline_core::board::PoolJob;
use fixline_core::ids::WorkOrderId;
use fixline_core::role::Role;
use fixline_core::sla::Milestone;
use fixline_core::work_order::{Status, WorkOrder};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};
use crate::store::{Paging, WorkOrderFilter};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(pick))
}

/// The pool: for an engineer, the released jobs they are qualified for, nearest first; for the
/// desk, every released job.
#[utoipa::path(get, path = "/api/v1/pool", tag = "pool",
    responses((status = 200, body = Vec<PoolJob>), (status = 403, body = ErrorBody)))]
async fn list(State(state): State<AppState>, user: SignedIn) -> Result<axum::Json<Vec<PoolJob>>> {
    let me = match user.role() {
        Role::Engineer => Some(
            user.actor()
                .engineer
                .ok_or_else(|| Error::forbidden("this login is not linked to an engineer"))?,
        ),
        role if role.is_desk() => None,
        _ => return Err(Error::forbidden("only engineers and the desk see the pool")),
    };
    let now = state.now();
    let area = state.config().service_area.clone();
    let jobs = state
        .run(move |store| {
            let engineer = me.map(|id| store.engineer(id)).transpose()?;
            // Certifications count on the engineer's own day.
            let today = engineer
                .as_ref()
                .map(|e| area.zone_of(&e.details.region).local_day(now));
            let from = engineer.as_ref().map(|e| {
                e.last_position
                    .map_or(e.details.home_base, |fix| fix.position)
            });
            let filter = WorkOrderFilter {
                statuses: vec![Status::Triaged],
                ..WorkOrderFilter::default()
            };
            let mut out = Vec::new();
            for page in 1.. {
                let p = store.list_work_orders(
                    &filter,
                    Paging::new(Some(page), Some(Paging::MAX_PER_PAGE)),
                )?;
                let done = p.items.len() < Paging::MAX_PER_PAGE as usize;
                for summary in p.items {
                    let wo = store.work_order(summary.id)?;
                    if !wo.pooled
                        || engineer
                            .as_ref()
                            .zip(today)
                            .is_some_and(|(e, day)| !wo.qualifies(e, day))
                    {
                        continue;
                    }
                    let site = store.site(wo.site_id)?.details;
                    out.push(PoolJob {
                        work_order: wo.id,
                        number: wo.number.clone(),
                        priority: wo.priority,
                        category: wo.category.clone(),
                        symptom: wo.symptom.clone(),
                        distance_km: from
                            .zip(site.position)
                            .map(|(a, b)| (a.distance_m(&b) / 100.0).round() / 10.0),
                        city: site.city,
                        region: site.region,
                        arrive_by: wo.sla.due(Milestone::Arrive, now),
                        requested_window: wo.requested_window,
                    });
                }
                if done {
                    break;
                }
            }
            out.sort_by(|a, b| {
                a.distance_km
                    .unwrap_or(f64::MAX)
                    .total_cmp(&b.distance_km.unwrap_or(f64::MAX))
                    .then(a.priority.cmp(&b.priority))
            });
            Ok(out)
        })
        .await?;
    Ok(axum::Json(jobs))
}

/// Pick a job from the pool: it becomes the engineer's, accepted. Refused when the engineer
/// lacks the skill or someone was quicker.
#[utoipa::path(post, path = "/api/v1/pool/{id}/pick", tag = "pool", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = WorkOrder), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn pick(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<WorkOrderId>,
) -> Result<axum::Json<WorkOrder>> {
    if user.role() != Role::Engineer {
        return Err(Error::forbidden("only engineers pick jobs from the pool"));
    }
    let actor = user.actor();
    let policy = state.sla_policy().clone();
    let area = state.config().service_area.clone();
    let now = state.now();
    let wo = state
        .run(move |store| crate::ops::pool::pick(store, &policy, &area, &actor, id, now))
        .await?;
    Ok(axum::Json(wo))
}
