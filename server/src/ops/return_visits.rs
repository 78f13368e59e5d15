//! Return-visit operations (回访): the list of finished jobs due a call, by core's rules, and
//! recording a call with what follows from it (confirm, reopen for a rework visit, or file a
//! complaint). Handlers parse, authorise and call these.

use fixline_api::return_visits::{DueCall, ReturnCallDone, ReturnCallRequest};
use fixline_core::Timestamp;
use fixline_core::complaint::{ComplaintChannel, ComplaintRequest, Severity};
use fixline_core::ids::WorkOrderId;
use fixline_core::return_visit::{CallOutcome, ReturnCall};
use fixline_core::role::Actor;
use fixline_core::sla::SlaPolicy;
use fixline_core::survey::{Survey, SurveySource};
use fixline_core::work_order::{Action, ActionContext, Status};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ops::work_orders::{self, Step};
use crate::store::{Store, WorkOrderFilter, every_work_order};

/// Finished jobs due a call, oldest finish first (the longest waiting is called first).
pub fn due(store: &dyn Store, config: &Config, now: Timestamp) -> Result<Vec<DueCall>> {
    let filter = WorkOrderFilter {
        statuses: vec![Status::Completed, Status::Confirmed],
        ..WorkOrderFilter::default()
    };
    let mut due = Vec::new();
    for wo in every_work_order(store, &filter)? {
        let survey = store.survey(wo.id)?;
        let reasons = config.return_visits.reasons(&wo, survey.as_ref(), now);
        let Some(resolution) = wo.resolution.as_ref().filter(|_| !reasons.is_empty()) else {
            continue;
        };
        let customer = store.customer_file(wo.customer_id)?.customer.details;
        due.push(DueCall {
            work_order: wo.id,
            number: wo.number.clone(),
            status: wo.status,
            priority: wo.priority,
            category: wo.category.clone(),
            customer: customer.name,
            phone: customer.phone,
            finished_at: resolution.at,
            summary: resolution.summary.clone(),
            reasons,
            survey,
        });
    }
    due.sort_by_key(|d| d.finished_at);
    Ok(due)
}

/// Records a return call. Everything is checked before anything is written (the outcome
/// against the answer, the step against the job's state, the complaint's fields); then the
/// job's step, the complaint and the survey with the call on it.
pub fn record(
    store: &dyn Store,
    config: &Config,
    policy: &SlaPolicy,
    id: WorkOrderId,
    actor: &Actor,
    request: ReturnCallRequest,
    now: Timestamp,
) -> Result<ReturnCallDone> {
    let answer = request.answer.validated()?;
    request.outcome.check(answer.fixed)?;
    let note = request
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| fixline_core::text::paragraph("note", n))
        .transpose()?;
    let wo = store.work_order(id)?;
    let before = store.survey(id)?;
    if config
        .return_visits
        .reasons(&wo, before.as_ref(), now)
        .is_empty()
        && !matches!(wo.status, Status::Completed | Status::Confirmed)
    {
        return Err(Error::Conflict(format!(
            "{} is {}: a return call follows a finished job",
            wo.number,
            wo.status.as_str()
        )));
    }
    let step = match request.outcome {
        CallOutcome::Satisfied if wo.status == Status::Completed => Some(Action::Confirm {
            note: Some(note.clone().unwrap_or_else(|| "回访：客户满意".to_owned())),
        }),
        CallOutcome::Satisfied | CallOutcome::Complaint => None,
        CallOutcome::NotFixed => Some(Action::Reopen {
            reason: match &note {
                Some(n) => format!("回访：问题未解决 — {n}"),
                None => "回访：问题未解决".to_owned(),
            },
        }),
    };
    if let Some(step) = &step {
        // A dry run: a refused step stops the call before anything is written.
        wo.apply(
            step,
            &ActionContext {
                actor,
                at: now,
                policy,
                codes: &crate::ops::settings::code_book(store)?.book,
            },
        )?;
    }
    let complaint = match request.outcome {
        CallOutcome::Complaint => Some(
            ComplaintRequest {
                customer_id: wo.customer_id,
                work_orders: vec![id],
                channel: ComplaintChannel::Phone,
                category: "return_visit".to_owned(),
                severity: if answer.csat <= 1 {
                    Severity::High
                } else {
                    Severity::Medium
                },
                summary: note
                    .clone()
                    .or_else(|| answer.comment.clone())
                    .unwrap_or_else(|| "回访时客户投诉".to_owned()),
            }
            .validated()?,
        ),
        _ => None,
    };
    let status = match &step {
        Some(step) => work_orders::act(store, policy, id, &Step::now(actor, step, now))?.status,
        None => wo.status,
    };
    let complaint = complaint
        .map(|request| crate::ops::complaints::file(store, config, request, now))
        .transpose()?;
    let call = ReturnCall {
        at: now,
        by: actor.name.clone(),
        outcome: request.outcome,
        note,
    };
    let survey = store.answer_survey(id, &mut |on_file| {
        let answer = answer.clone();
        let mut survey = match on_file {
            None => Survey::first(id, answer, SurveySource::ReturnCall, now)?,
            Some(s) => s.revised(answer, SurveySource::ReturnCall, now)?,
        };
        survey.call = Some(call.clone());
        Ok(survey)
    })?;
    Ok(ReturnCallDone {
        survey,
        status,
        complaint: complaint.as_ref().map(|c| c.id),
        complaint_number: complaint.map(|c| c.number),
    })
}
