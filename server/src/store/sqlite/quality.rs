//! Quality reviews on SQLite: one scorecard per job, with the engineer and week as columns.

use super::*;
use crate::store::QualityStore;
use fixline_core::quality::QaReview;
use rusqlite::params;

use super::{SqliteStore, docs, to_json, ts};
use crate::error::Result;

impl QualityStore for SqliteStore {
    fn create_improvement_action(
        &self,
        action: &fixline_core::improvement::ImprovementAction,
    ) -> Result<()> {
        SqliteStore::create_improvement_action(self, action)
    }

    fn update_improvement_action(
        &self,
        id: fixline_core::ids::ImprovementId,
        expected: u64,
        edit: &mut dyn FnMut(
            &fixline_core::improvement::ImprovementAction,
        ) -> Result<fixline_core::improvement::ImprovementAction>,
    ) -> Result<fixline_core::improvement::ImprovementAction> {
        SqliteStore::update_improvement_action(self, id, expected, edit)
    }

    fn improvement_actions(&self) -> Result<Vec<fixline_core::improvement::ImprovementAction>> {
        SqliteStore::improvement_actions(self)
    }

    fn survey(&self, work_order: WorkOrderId) -> Result<Option<fixline_core::survey::Survey>> {
        SqliteStore::survey(self, work_order)
    }

    fn save_qa_review(&self, review: &QaReview) -> Result<()> {
        self.write(|tx, _| {
            tx.execute(
                "INSERT INTO qa_reviews (work_order_id, engineer_id, week, percent, at, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (work_order_id) DO UPDATE SET engineer_id = ?2, week = ?3,
                    percent = ?4, at = ?5, doc = ?6",
                params![
                    review.work_order.to_string(),
                    review.engineer.to_string(),
                    review.week,
                    review.percent(),
                    ts(review.at),
                    to_json(review)?
                ],
            )?;
            super::kpis::reviewed(tx, review.work_order, review.percent())?;
            Ok(())
        })
    }

    fn qa_reviews(&self, week: Option<&str>) -> Result<Vec<QaReview>> {
        self.read(|c| {
            docs(
                c,
                "SELECT doc FROM qa_reviews WHERE ?1 IS NULL OR week = ?1 ORDER BY at",
                params![week],
            )
        })
    }

    fn answer_survey(
        &self,
        work_order: WorkOrderId,
        revise: &mut dyn FnMut(
            Option<&fixline_core::survey::Survey>,
        ) -> Result<fixline_core::survey::Survey>,
    ) -> Result<fixline_core::survey::Survey> {
        SqliteStore::answer_survey(self, work_order, revise)
    }
}
