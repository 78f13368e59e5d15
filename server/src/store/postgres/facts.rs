//! The KPI rollup on PostgreSQL: `job_facts`, one row per work order with core's
//! [`JobFacts`], rewritten in the transaction of every change to the job, as on SQLite.

use chrono::{DateTime, Utc};
use fixline_core::kpi::{self, JobFacts, REWORK_WINDOW};
use fixline_core::work_order::{Status, WorkOrder};
use tokio_postgres::Transaction;
use uuid::Uuid;

use crate::error::Result;
use crate::store::FactsArea;

/// Rewrites the job's facts, keeping what other writes put there (survey, review, complaints),
/// and marks earlier jobs on the same machine that this one is rework of.
pub(super) async fn write(
    tx: &Transaction<'_>,
    area: &FactsArea,
    wo: &WorkOrder,
    region: &str,
) -> Result<()> {
    let model: Option<String> = match wo.asset_id {
        Some(asset) => tx
            .query_opt(
                "SELECT doc->>'model' FROM assets WHERE id = $1",
                &[asset.as_uuid()],
            )
            .await?
            .and_then(|r| r.get(0)),
        None => None,
    };
    let zone = area.area.zone_of(region);
    let f = JobFacts::of(wo, region, model.as_deref(), zone, &area.calendar);
    let id = *wo.id.as_uuid();
    let machine = kpi::machine_key(wo);
    let finished_at = wo.resolution.as_ref().map(|r| r.at);
    let reworked = match finished_at {
        Some(done) => reworked_after(tx, &machine, id, done).await?,
        None => false,
    };
    let [rs, ars, fs] = f.sla_seconds;
    let [ro, ao, fo] = f.sla_on_time;
    tx.execute(
        "INSERT INTO job_facts (work_order_id, number, machine, created_at, finished_at, day,
            engineer_id, region, category, model, channel, first_visit_fix, reworked, visits,
            first_contact, respond_secs, arrive_secs, resolve_secs, respond_on_time,
            arrive_on_time, resolve_on_time, on_site_minutes, travel_minutes,
            parts_at_first_visit, cost_minor, fault_code, cause_code, guided, cancelled,
            csat, nps, effort, qa_percent, complaints)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
            $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29,
            (SELECT csat FROM surveys WHERE work_order_id = $1),
            (SELECT nps FROM surveys WHERE work_order_id = $1),
            (SELECT effort FROM surveys WHERE work_order_id = $1),
            (SELECT percent FROM qa_reviews WHERE work_order_id = $1), 0)
         ON CONFLICT (work_order_id) DO UPDATE SET machine = $3, finished_at = $5, day = $6,
            engineer_id = $7, region = $8, category = $9, model = $10, channel = $11,
            first_visit_fix = $12, reworked = $13, visits = $14, first_contact = $15,
            respond_secs = $16, arrive_secs = $17, resolve_secs = $18, respond_on_time = $19,
            arrive_on_time = $20, resolve_on_time = $21, on_site_minutes = $22,
            travel_minutes = $23, parts_at_first_visit = $24, cost_minor = $25,
            fault_code = $26, cause_code = $27, guided = $28, cancelled = $29",
        &[
            &id,
            &wo.number,
            &machine,
            &wo.created_at,
            &finished_at,
            &f.day,
            &f.engineer.map(|e| *e.as_uuid()),
            &f.region,
            &f.category,
            &f.model,
            &f.channel,
            &f.first_visit_fix,
            &reworked,
            &(f.visits as i32),
            &f.first_contact,
            &rs,
            &ars,
            &fs,
            &ro,
            &ao,
            &fo,
            &f.on_site_minutes,
            &f.travel_minutes,
            &f.parts_at_first_visit,
            &f.cost_minor,
            &f.fault_code,
            &f.cause_code,
            &f.guided,
            &(wo.status == Status::Cancelled),
        ],
    )
    .await?;
    // The earlier jobs on the machine finished within the window before this one was opened:
    // this job is their rework, or (cancelled) no longer is.
    let earlier = tx
        .query(
            "SELECT work_order_id, finished_at FROM job_facts WHERE machine = $1
             AND work_order_id != $2 AND finished_at IS NOT NULL
             AND finished_at <= $3 AND finished_at >= $4",
            &[
                &machine,
                &id,
                &wo.created_at,
                &(wo.created_at - REWORK_WINDOW),
            ],
        )
        .await?;
    for row in earlier {
        let (other, done): (Uuid, DateTime<Utc>) = (row.get(0), row.get(1));
        let now_reworked = reworked_after(tx, &machine, other, done).await?;
        tx.execute(
            "UPDATE job_facts SET reworked = $2 WHERE work_order_id = $1 AND reworked != $2",
            &[&other, &now_reworked],
        )
        .await?;
    }
    Ok(())
}

/// Whether a job on `machine` finished at `done` has rework: another job on the machine,
/// not cancelled, opened within the window after the finish (core's `kpi::REWORK_WINDOW`).
async fn reworked_after(
    tx: &Transaction<'_>,
    machine: &str,
    id: Uuid,
    done: DateTime<Utc>,
) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM job_facts WHERE machine = $1 AND work_order_id != $2 AND NOT cancelled
             AND created_at >= $3 AND created_at <= $4 LIMIT 1",
            &[&machine, &id, &done, &(done + REWORK_WINDOW)],
        )
        .await?
        .is_some())
}
