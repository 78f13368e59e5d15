//! The KPI rollup on SQLite: `job_facts`, one row per work order with core's
//! [`JobFacts`], rewritten in the transaction of every change to the job (and of its survey,
//! review and complaints), so the dashboard folds narrow rows and never job documents.

use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use fixline_api::kpi::KpiFilter;
use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::kpi::{self, JobFacts, REWORK_WINDOW};
use fixline_core::work_order::WorkOrder;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, params, params_from_iter};

use super::{SqliteStore, get, lock, ts};
use crate::error::{Error, Result};
use crate::store::{FactRow, FactsArea};

pub(super) type SharedArea = RwLock<Arc<FactsArea>>;

/// Rewrites the job's facts, keeping what other writes put there (survey, review, complaints,
/// rework), and marks earlier jobs on the same machine that this one is rework of.
pub(super) fn write(
    tx: &Transaction<'_>,
    area: &FactsArea,
    wo: &WorkOrder,
    region: &str,
) -> Result<()> {
    let model: Option<String> = match wo.asset_id {
        Some(asset) => tx
            .query_row(
                "SELECT json_extract(doc, '$.model') FROM assets WHERE id = ?1",
                [asset.to_string()],
                |r| r.get(0),
            )
            .optional()?
            .flatten(),
        None => None,
    };
    let zone = area.area.zone_of(region);
    let f = JobFacts::of(wo, region, model.as_deref(), zone, &area.calendar);
    let id = wo.id.to_string();
    let machine = kpi::machine_key(wo);
    let finished_at = wo.resolution.as_ref().map(|r| r.at);
    // Rework of this job: a later job on the machine opened within the window of the finish.
    let reworked = match finished_at {
        Some(done) => tx
            .query_row(
                "SELECT 1 FROM job_facts WHERE machine = ?1 AND work_order_id != ?2
                 AND created_at >= ?3 AND created_at <= ?4 LIMIT 1",
                params![machine, id, ts(done), ts(done + REWORK_WINDOW)],
                |_| Ok(()),
            )
            .optional()?
            .is_some(),
        None => false,
    };
    let [rs, ars, fs] = f.sla_seconds;
    let [ro, ao, fo] = f.sla_on_time;
    tx.execute(
        "INSERT INTO job_facts (work_order_id, number, machine, created_at, finished_at, day,
            engineer_id, region, category, model, channel, first_visit_fix, reworked, visits,
            first_contact, respond_secs, arrive_secs, resolve_secs, respond_on_time,
            arrive_on_time, resolve_on_time, on_site_minutes, travel_minutes,
            parts_at_first_visit, cost_minor, fault_code, cause_code, csat, nps, effort,
            qa_percent, complaints)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27,
            (SELECT csat FROM surveys WHERE work_order_id = ?1),
            (SELECT nps FROM surveys WHERE work_order_id = ?1),
            (SELECT effort FROM surveys WHERE work_order_id = ?1),
            (SELECT percent FROM qa_reviews WHERE work_order_id = ?1), 0)
         ON CONFLICT (work_order_id) DO UPDATE SET machine = ?3, finished_at = ?5, day = ?6,
            engineer_id = ?7, region = ?8, category = ?9, model = ?10, channel = ?11,
            first_visit_fix = ?12, reworked = ?13, visits = ?14, first_contact = ?15,
            respond_secs = ?16, arrive_secs = ?17, resolve_secs = ?18, respond_on_time = ?19,
            arrive_on_time = ?20, resolve_on_time = ?21, on_site_minutes = ?22,
            travel_minutes = ?23, parts_at_first_visit = ?24, cost_minor = ?25,
            fault_code = ?26, cause_code = ?27",
        params![
            id,
            wo.number,
            machine,
            ts(wo.created_at),
            finished_at.map(ts),
            f.day.map(|d| d.to_string()),
            f.engineer.map(|e| e.to_string()),
            f.region,
            f.category,
            f.model,
            f.channel,
            f.first_visit_fix,
            reworked,
            f.visits,
            f.first_contact,
            rs,
            ars,
            fs,
            ro,
            ao,
            fo,
            f.on_site_minutes,
            f.travel_minutes,
            f.parts_at_first_visit,
            f.cost_minor,
            f.fault_code,
            f.cause_code,
        ],
    )?;
    // This job is rework of earlier finished jobs on the machine within the window.
    tx.execute(
        "UPDATE job_facts SET reworked = 1 WHERE machine = ?1 AND work_order_id != ?2
         AND finished_at IS NOT NULL AND finished_at <= ?3 AND finished_at >= ?4 AND reworked = 0",
        params![
            machine,
            id,
            ts(wo.created_at),
            ts(wo.created_at - REWORK_WINDOW)
        ],
    )?;
    Ok(())
}

/// Copies a survey's scores onto the job's facts.
pub(super) fn survey_answered(
    tx: &Transaction<'_>,
    work_order: WorkOrderId,
    scores: (u8, u8, u8),
) -> Result<()> {
    tx.execute(
        "UPDATE job_facts SET csat = ?2, nps = ?3, effort = ?4 WHERE work_order_id = ?1",
        params![work_order.to_string(), scores.0, scores.1, scores.2],
    )?;
    Ok(())
}

pub(super) fn reviewed(tx: &Transaction<'_>, work_order: WorkOrderId, percent: f64) -> Result<()> {
    tx.execute(
        "UPDATE job_facts SET qa_percent = ?2 WHERE work_order_id = ?1",
        params![work_order.to_string(), percent],
    )?;
    Ok(())
}

/// Counts a new complaint on each job it names.
pub(super) fn complained(tx: &Transaction<'_>, jobs: &[WorkOrderId]) -> Result<()> {
    for job in jobs {
        tx.execute(
            "UPDATE job_facts SET complaints = complaints + 1 WHERE work_order_id = ?1",
            [job.to_string()],
        )?;
    }
    Ok(())
}

const COLUMNS: &str = "work_order_id, number, day, engineer_id, region, category, model, channel,
    first_visit_fix, reworked, visits, first_contact, respond_secs, arrive_secs, resolve_secs,
    respond_on_time, arrive_on_time, resolve_on_time, on_site_minutes, travel_minutes,
    parts_at_first_visit, cost_minor, fault_code, cause_code, csat, nps, effort, qa_percent,
    complaints";

/// The WHERE clause and its values for a filter: finished jobs only, by local day.
fn clause(filter: &KpiFilter) -> (String, Vec<Value>) {
    let mut sql = String::from("day IS NOT NULL");
    let mut args = Vec::new();
    let mut add = |cond: &str, v: Value| {
        args.push(v);
        sql.push_str(&format!(" AND {cond} ?{}", args.len()));
    };
    if let Some(from) = filter.from {
        add("day >=", Value::Text(from.to_string()));
    }
    if let Some(to) = filter.to {
        add("day <=", Value::Text(to.to_string()));
    }
    if let Some(e) = filter.engineer {
        add("engineer_id =", Value::Text(e.to_string()));
    }
    for (column, v) in [
        ("region", &filter.region),
        ("category", &filter.category),
        ("model", &filter.model),
        ("channel", &filter.channel),
    ] {
        if let Some(v) = v {
            add(&format!("{column} ="), Value::Text(v.clone()));
        }
    }
    (sql, args)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FactRow> {
    let id: String = r.get(0)?;
    let day: Option<String> = r.get(2)?;
    let engineer: Option<String> = r.get(3)?;
    let scores: (Option<u8>, Option<u8>, Option<u8>) = (r.get(24)?, r.get(25)?, r.get(26)?);
    Ok(FactRow {
        work_order_id: id
            .parse()
            .unwrap_or_else(|_| WorkOrderId::from_uuid(uuid::Uuid::nil())),
        number: r.get(1)?,
        facts: JobFacts {
            day: day.and_then(|d| d.parse::<NaiveDate>().ok()),
            engineer: engineer.and_then(|e| e.parse::<EngineerId>().ok()),
            region: r.get(4)?,
            category: r.get(5)?,
            model: r.get(6)?,
            channel: r.get(7)?,
            first_visit_fix: r.get(8)?,
            reworked: r.get(9)?,
            visits: r.get(10)?,
            first_contact: r.get(11)?,
            sla_seconds: [r.get(12)?, r.get(13)?, r.get(14)?],
            sla_on_time: [r.get(15)?, r.get(16)?, r.get(17)?],
            on_site_minutes: r.get(18)?,
            travel_minutes: r.get(19)?,
            parts_at_first_visit: r.get(20)?,
            cost_minor: r.get(21)?,
            fault_code: r.get(22)?,
            cause_code: r.get(23)?,
            survey: match scores {
                (Some(c), Some(n), Some(e)) => Some((c, n, e)),
                _ => None,
            },
            qa_percent: r.get(27)?,
            complaints: r.get(28)?,
        },
    })
}

impl SqliteStore {
    pub(super) fn facts_area(&self) -> Arc<FactsArea> {
        self.facts_area
            .read()
            .map(|a| Arc::clone(&a))
            .unwrap_or_else(|p| Arc::clone(&p.into_inner()))
    }

    /// Sets the zone and calendar the facts are worked out in, and writes the facts of every
    /// job that has none (a database from before the rollup, or one restored).
    pub(super) fn set_facts_area_and_backfill(&self, area: FactsArea) -> Result<()> {
        let area = Arc::new(area);
        match self.facts_area.write() {
            Ok(mut a) => *a = Arc::clone(&area),
            Err(p) => *p.into_inner() = Arc::clone(&area),
        }
        let mut conn = lock(&self.writer);
        let tx = conn.transaction()?;
        let missing: Vec<(String, String)> = {
            let mut stmt = tx.prepare(
                "SELECT w.id, w.region FROM work_orders w
                 WHERE NOT EXISTS (SELECT 1 FROM job_facts f WHERE f.work_order_id = w.id)
                 ORDER BY w.created_at",
            )?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (id, region) in &missing {
            let uuid = id
                .parse::<uuid::Uuid>()
                .map_err(|e| Error::Internal(e.to_string()))?;
            let wo: WorkOrder = get(&tx, uuid)?;
            write(&tx, &area, &wo, region)?;
        }
        tx.commit()?;
        if !missing.is_empty() {
            tracing::info!(jobs = missing.len(), "wrote the KPI facts of older jobs");
        }
        Ok(())
    }

    /// Calls `each` with every finished job's facts that the filter keeps.
    pub(super) fn each_job_facts_in(
        &self,
        filter: &KpiFilter,
        each: &mut dyn FnMut(FactRow),
    ) -> Result<()> {
        self.read(|c| {
            let (clause, args) = clause(filter);
            let mut stmt =
                c.prepare_cached(&format!("SELECT {COLUMNS} FROM job_facts WHERE {clause}"))?;
            let mut rows = stmt.query(params_from_iter(&args))?;
            while let Some(r) = rows.next()? {
                each(row(r)?);
            }
            Ok(())
        })
    }
}
