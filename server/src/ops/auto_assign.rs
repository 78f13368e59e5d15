//! Automatic assignment on the server: after intake and after triage, where the settings turn it
//! on for the job's category and region, core's `auto_assign::choose` picks the engineer (or the
//! pool) from everyone's skills, certifications, shifts, open jobs and distance, and the choice is
//! applied like any assignment, with its reasons in the job's history. It never fails the request
//! that triggered it: a job it cannot place stays where the desk can see it.

use fixline_core::auto_assign::{self, Candidate};
use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::work_order::{Action, ActionContext, Status};
use std::collections::HashMap;

use crate::AppState;
use crate::error::Result;
use crate::store::{Paging, WorkOrderFilter};

/// Places the job if automatic assignment is on for it; logs, never returns, what went wrong.
pub async fn after_change(state: &AppState, id: WorkOrderId) {
    if let Err(e) = place(state, id).await {
        tracing::warn!(work_order = %id, error = %e, "automatic assignment did not place the job");
    }
}

async fn place(state: &AppState, id: WorkOrderId) -> Result<()> {
    let file = state.config().dispatch.auto_assign.clone();
    let area = state.config().service_area.clone();
    let sla = state.sla_policy().clone();
    let now = state.now();
    state
        .run(move |store| {
            // The policy saved from the settings screen, else the settings file's.
            let policy = crate::ops::settings::auto_assign_policy(store, &file)?.policy;
            if policy.rules.is_empty() {
                return Ok(());
            }
            let wo = store.work_order(id)?;
            if !matches!(wo.status, Status::New | Status::Triaged)
                || wo.assignee.is_some()
                || wo.pooled
            {
                return Ok(());
            }
            let site = store.site(wo.site_id)?.details;
            if !policy.applies(&wo.category, &site.region) {
                return Ok(());
            }
            let day = area.zone_of(&site.region).local_day(now);
            let mut engineers = Vec::new();
            for page in 1.. {
                let p = store
                    .list_engineers(None, Paging::new(Some(page), Some(Paging::MAX_PER_PAGE)))?;
                let done = p.items.len() < Paging::MAX_PER_PAGE as usize;
                engineers.extend(p.items);
                if done {
                    break;
                }
            }
            // Everyone's load: the jobs they hold and have not finished.
            let held = WorkOrderFilter {
                statuses: vec![
                    Status::Assigned,
                    Status::Accepted,
                    Status::EnRoute,
                    Status::OnSite,
                    Status::Paused,
                ],
                ..WorkOrderFilter::default()
            };
            let mut open: HashMap<EngineerId, u32> = HashMap::new();
            for page in 1.. {
                let p = store
                    .list_work_orders(&held, Paging::new(Some(page), Some(Paging::MAX_PER_PAGE)))?;
                let done = p.items.len() < Paging::MAX_PER_PAGE as usize;
                for job in p.items {
                    if let Some(e) = job.assignee {
                        *open.entry(e).or_default() += 1;
                    }
                }
                if done {
                    break;
                }
            }
            let candidates: Vec<Candidate<'_>> = engineers
                .iter()
                .map(|e| Candidate {
                    engineer: e,
                    open_jobs: open.get(&e.id).copied().unwrap_or(0),
                    distance_km: site.position.map(|s| {
                        let from = e.last_position.map_or(e.details.home_base, |f| f.position);
                        from.distance_m(&s) / 1000.0
                    }),
                })
                .collect();
            let why = auto_assign::choose(&wo, &site.region, day, &candidates, &policy);
            let action = match why.engineer {
                Some(engineer) => Action::Assign { engineer },
                None => Action::ReleaseToPool,
            };
            let actor = auto_assign::actor();
            let codes = crate::ops::settings::code_book(store)?.book;
            // At the version weighed: if the desk changed the job meanwhile, the desk's word holds.
            store.update_work_order(id, Some(wo.version), now, &mut |current| {
                let ctx = ActionContext {
                    actor: &actor,
                    at: now,
                    policy: &sla,
                    codes: &codes,
                };
                Ok(current.auto_assign(&action, why.clone(), &ctx)?)
            })?;
            Ok(())
        })
        .await
}
