//! Survey operations: the customer's own answer on their page, with the complaint a very
//! unhappy answer files by itself (channel `survey`, once per job). A return call's answer is
//! recorded with the call (`return_visits::record`).

use fixline_core::Timestamp;
use fixline_core::complaint::{ComplaintChannel, ComplaintRequest, Severity};
use fixline_core::survey::{Survey, SurveyAnswer, SurveySource};
use fixline_core::work_order::WorkOrder;

use crate::config::Config;
use crate::error::{Error, Result};
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
    if !config.return_visits.raises_complaint(&survey) {
        return Ok(survey);
    }
    let request = ComplaintRequest {
        customer_id: wo.customer_id,
        work_orders: vec![job],
        channel: ComplaintChannel::Survey,
        category: "survey".to_owned(),
        severity: Severity::Medium,
        summary: survey
            .answer
            .comment
            .clone()
            .unwrap_or_else(|| format!("客户评价 {} 分（满分 5 分）", survey.answer.csat)),
    }
    .validated()?;
    let complaint = crate::complaints::file(store, config, request, now)?;
    store.answer_survey(job, &mut |on_file| {
        let mut kept = on_file
            .cloned()
            .ok_or_else(|| Error::Internal("the survey just kept is gone".to_owned()))?;
        kept.complaint = Some(complaint.id);
        Ok(kept)
    })
}
