//! Surveys on SQLite: one row per work order, the answer as a document with its scores as
//! columns. An answer is read and replaced in one transaction, so two submissions of the same
//! form cannot both count as the first.

use fixline_core::ids::WorkOrderId;
use fixline_core::survey::Survey;
use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, to_json, ts};
use crate::error::{Error, Result};

impl SqliteStore {
    pub(super) fn survey(&self, work_order: WorkOrderId) -> Result<Option<Survey>> {
        self.read(|c| {
            let doc: Option<String> = c
                .query_row(
                    "SELECT doc FROM surveys WHERE work_order_id = ?1",
                    [work_order.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            doc.map(|d| serde_json::from_str(&d).map_err(|e| Error::Internal(e.to_string())))
                .transpose()
        })
    }

    pub(super) fn answer_survey(
        &self,
        work_order: WorkOrderId,
        revise: &mut dyn FnMut(Option<&Survey>) -> Result<Survey>,
    ) -> Result<Survey> {
        self.write(|tx, _| {
            let id = work_order.to_string();
            let before: Option<Survey> = tx
                .query_row(
                    "SELECT doc FROM surveys WHERE work_order_id = ?1",
                    [&id],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
                .map(|d| serde_json::from_str(&d).map_err(|e| Error::Internal(e.to_string())))
                .transpose()?;
            let survey = revise(before.as_ref())?;
            let a = &survey.answer;
            tx.execute(
                "INSERT INTO surveys (work_order_id, source, csat, nps, effort, fixed,
                    first_answered_at, answered_at, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (work_order_id) DO UPDATE SET source = ?2, csat = ?3, nps = ?4,
                    effort = ?5, fixed = ?6, answered_at = ?8, doc = ?9",
                params![
                    id,
                    to_json(&survey.source)?.trim_matches('"'),
                    a.csat,
                    a.nps,
                    a.effort,
                    a.fixed,
                    ts(survey.first_answered_at),
                    ts(survey.answered_at),
                    to_json(&survey)?
                ],
            )?;
            super::kpis::survey_answered(tx, work_order, (a.csat, a.nps, a.effort))?;
            Ok(survey)
        })
    }
}
