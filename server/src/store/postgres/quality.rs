//! Surveys, QA reviews and improvement actions on PostgreSQL. A survey's or a review's scores
//! are copied onto the job's KPI facts in the same transaction, as on SQLite.

use fixline_core::ids::{ImprovementId, WorkOrderId};
use fixline_core::improvement::ImprovementAction;
use fixline_core::quality::QaReview;
use fixline_core::survey::Survey;
use tokio_postgres::Transaction;

use super::PgStore;
use super::rows::docs;
use crate::error::{Error, Result};
use crate::store::QualityStore;

fn json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| Error::Internal(e.to_string()))
}

fn word<T: serde::Serialize>(value: &T) -> Result<String> {
    match json(value)? {
        serde_json::Value::String(s) => Ok(s),
        other => Err(Error::Internal(format!("not a word: {other}"))),
    }
}

async fn write_action(tx: &Transaction<'_>, a: &ImprovementAction) -> Result<()> {
    tx.execute(
        "INSERT INTO improvement_actions (id, status, due, created_at, updated_at, version, doc)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET status = $2, due = $3, updated_at = $5, version = $6,
            doc = $7",
        &[
            a.id.as_uuid(),
            &a.details.status.as_str(),
            &a.details.due,
            &a.created_at,
            &a.updated_at,
            &(a.version as i64),
            &json(a)?,
        ],
    )
    .await?;
    Ok(())
}

impl QualityStore for PgStore {
    fn save_qa_review(&self, review: &QaReview) -> Result<()> {
        let (review, doc) = (review.clone(), json(review)?);
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let percent = review.percent();
            tx.execute(
                "INSERT INTO qa_reviews (work_order_id, engineer_id, week, percent, at, doc)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (work_order_id) DO UPDATE SET engineer_id = $2, week = $3,
                    percent = $4, at = $5, doc = $6",
                &[
                    review.work_order.as_uuid(),
                    review.engineer.as_uuid(),
                    &review.week,
                    &percent,
                    &review.at,
                    &doc,
                ],
            )
            .await
            .map_err(|e| super::constraint(e, "review"))?;
            tx.execute(
                "UPDATE job_facts SET qa_percent = $2 WHERE work_order_id = $1",
                &[review.work_order.as_uuid(), &percent],
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn qa_reviews(&self, week: Option<&str>) -> Result<Vec<QaReview>> {
        let week = week.map(str::to_owned);
        self.with(move |c| async move {
            docs(
                &**c,
                "SELECT doc FROM qa_reviews WHERE $1::text IS NULL OR week = $1 ORDER BY at",
                &[&week],
            )
            .await
        })
    }

    fn create_improvement_action(&self, action: &ImprovementAction) -> Result<()> {
        let action = action.clone();
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            write_action(&tx, &action).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn update_improvement_action(
        &self,
        id: ImprovementId,
        expected: u64,
        edit: &mut dyn FnMut(&ImprovementAction) -> Result<ImprovementAction>,
    ) -> Result<ImprovementAction> {
        let stale = |current: u64| Error::StaleVersion {
            entity: "improvement action",
            current,
        };
        let current: ImprovementAction = self
            .with(move |c| async move {
                docs(
                    &**c,
                    "SELECT doc FROM improvement_actions WHERE id = $1",
                    &[id.as_uuid()],
                )
                .await
            })?
            .into_iter()
            .next()
            .ok_or_else(|| Error::NotFound {
                entity: "improvement action",
                id: id.to_string(),
            })?;
        if current.version != expected {
            return Err(stale(current.version));
        }
        // `edit` runs here; the write goes through only on the version it was given.
        let next = edit(&current)?;
        let written = next.clone();
        let version = self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let now: i64 = tx
                .query_one(
                    "SELECT version FROM improvement_actions WHERE id = $1 FOR UPDATE",
                    &[id.as_uuid()],
                )
                .await?
                .get(0);
            if now as u64 == expected {
                write_action(&tx, &written).await?;
                tx.commit().await?;
            }
            Ok(now as u64)
        })?;
        if version != expected {
            return Err(stale(version));
        }
        Ok(next)
    }

    fn improvement_actions(&self) -> Result<Vec<ImprovementAction>> {
        self.with(|c| async move {
            docs(
                &**c,
                "SELECT doc FROM improvement_actions
                 ORDER BY status IN ('done', 'dropped'), due, created_at",
                &[],
            )
            .await
        })
    }

    fn survey(&self, work_order: WorkOrderId) -> Result<Option<Survey>> {
        self.with(move |c| async move {
            Ok(docs(
                &**c,
                "SELECT doc FROM surveys WHERE work_order_id = $1",
                &[work_order.as_uuid()],
            )
            .await?
            .into_iter()
            .next())
        })
    }

    fn answer_survey(
        &self,
        work_order: WorkOrderId,
        revise: &mut dyn FnMut(Option<&Survey>) -> Result<Survey>,
    ) -> Result<Survey> {
        // `revise` runs here with the survey on file; the answer is kept only if the file still
        // holds that one (two submissions of one form cannot both count as the first).
        loop {
            let before = self.survey(work_order)?;
            let survey = revise(before.as_ref())?;
            let (doc, source) = (json(&survey)?, word(&survey.source)?);
            let before = before.as_ref().map(json).transpose()?;
            let kept = survey.clone();
            let written = self.with(move |mut c| async move {
                let tx = c.transaction().await?;
                let a = &kept.answer;
                let (csat, nps, effort) = (i32::from(a.csat), i32::from(a.nps), i32::from(a.effort));
                let n = match before {
                    None => {
                        tx.execute(
                            "INSERT INTO surveys (work_order_id, source, csat, nps, effort, fixed,
                                first_answered_at, answered_at, doc)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                             ON CONFLICT (work_order_id) DO NOTHING",
                            &[
                                work_order.as_uuid(),
                                &source,
                                &csat,
                                &nps,
                                &effort,
                                &a.fixed,
                                &kept.first_answered_at,
                                &kept.answered_at,
                                &doc,
                            ],
                        )
                        .await
                    }
                    Some(before) => {
                        tx.execute(
                            "UPDATE surveys SET source = $2, csat = $3, nps = $4, effort = $5,
                                fixed = $6, answered_at = $7, doc = $8
                             WHERE work_order_id = $1 AND doc = $9",
                            &[
                                work_order.as_uuid(),
                                &source,
                                &csat,
                                &nps,
                                &effort,
                                &a.fixed,
                                &kept.answered_at,
                                &doc,
                                &before,
                            ],
                        )
                        .await
                    }
                }
                .map_err(|e| super::constraint(e, "survey"))?;
                if n == 0 {
                    return Ok(false);
                }
                tx.execute(
                    "UPDATE job_facts SET csat = $2, nps = $3, effort = $4 WHERE work_order_id = $1",
                    &[work_order.as_uuid(), &csat, &nps, &effort],
                )
                .await?;
                tx.commit().await?;
                Ok(true)
            })?;
            if written {
                return Ok(survey);
            }
        }
    }
}
