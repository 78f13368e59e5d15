//! Survey operations: the customer's own answer on their page, with what it sets off by itself
//! by the rules (`[return_visits]`): a complaint (channel `survey`) for a very unhappy answer or
//! a detractor, a rework visit or a complaint for "not fixed"; once per job. A return call's
//! answer is recorded with the call (`return_visits::record`).

use fixline_core::Timestamp;
use fixline_core::complaint::{ComplaintChannel, ComplaintRequest, Severity};
use fixline_core::ids::{UserId, WorkOrderId};
use fixline_core::return_visit::FollowUp;
use fixline_core::role::{Actor, Role};
use fixline_core::survey::{Survey, SurveyAnswer, SurveySource};
use fixline_core::work_order::{Action, WorkOrder};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ops::work_orders::{self, Step};
use crate::store::Store;

/// Records the customer's answer (the first, or a change within the week). The survey is kept
/// first; a complaint that could not be filed is filed with the next change of the answer.
pub fn answer_on_page(
    store: &dyn Store,
    config: &Config,
    wo: &WorkOrder,
    answer: SurveyAnswer,
    now: Timestamp,
) -> Result<Survey> {
    let job = wo.id;
    let survey = store.answer_survey(job, &mut |before| {
        let answer = answer.clone();
        Ok(match before {
            None => Survey::first(job, answer, SurveySource::CustomerPage, now)?,
            Some(b) => b.revised(answer, SurveySource::CustomerPage, now)?,
        })
    })?;
    match config.return_visits.follow_up(&survey) {
        FollowUp::Nothing => Ok(survey),
        FollowUp::Complaint => complain(store, config, wo, survey, now),
        FollowUp::Rework => rework(store, config, wo, survey, now),
    }
}

/// Files the complaint an answer sets off, linked to the survey.
fn complain(
    store: &dyn Store,
    config: &Config,
    wo: &WorkOrder,
    survey: Survey,
    now: Timestamp,
) -> Result<Survey> {
    let job = wo.id;
    let request = ComplaintRequest {
        customer_id: wo.customer_id,
        work_orders: vec![job],
        channel: ComplaintChannel::Survey,
        category: "survey".to_owned(),
        severity: Severity::Medium,
        summary: survey.answer.comment.clone().unwrap_or_else(|| {
            let fixed = if survey.answer.fixed {
                ""
            } else {
                "，问题未解决"
            };
            format!(
                "客户评价：满意度 {}/5，推荐 {}/10{fixed}",
                survey.answer.csat, survey.answer.nps
            )
        }),
    }
    .validated()?;
    let complaint = crate::ops::complaints::file(store, config, request, now)?;
    mark(store, job, |s| s.complaint = Some(complaint.id))
}

/// Notes on the survey just kept what it set off.
fn mark(store: &dyn Store, job: WorkOrderId, note: impl Fn(&mut Survey)) -> Result<Survey> {
    store.answer_survey(job, &mut |on_file| {
        let mut kept = on_file
            .cloned()
            .ok_or_else(|| Error::Internal("the survey just kept is gone".to_owned()))?;
        note(&mut kept);
        Ok(kept)
    })
}

/// Reopens the job for a rework visit, as the customer says it is not fixed; the survey keeps
/// that it did. A job already reopened (by the desk meanwhile) is left as it is.
fn rework(
    store: &dyn Store,
    config: &Config,
    wo: &WorkOrder,
    survey: Survey,
    now: Timestamp,
) -> Result<Survey> {
    let job = wo.id;
    let reason = match &survey.answer.comment {
        Some(c) => format!("客户评价：问题未解决 — {c}"),
        None => "客户评价：问题未解决".to_owned(),
    };
    let reopen = Action::Reopen { reason };
    let actor = survey_actor();
    match work_orders::act(store, &config.sla, job, &Step::now(&actor, &reopen, now)) {
        Ok(_) => {}
        // Not completed any more (the desk reopened or closed it first): nothing to redo.
        Err(Error::Domain(e)) if e.code() == fixline_core::ErrorCode::IllegalTransition => {}
        Err(e) => return Err(e),
    }
    mark(store, job, |s| s.reopened = true)
}

/// The actor a customer's answer acts as on the job: a desk role with no person behind it.
fn survey_actor() -> Actor {
    Actor {
        user: UserId::from_uuid(uuid::Uuid::nil()),
        name: "customer survey".to_owned(),
        role: Role::Dispatcher,
        engineer: None,
    }
}
