//! The KPI rollup on SQLite: `job_facts`, one row per work order with core's
//! [`JobFacts`], rewritten in the transaction of every change to the job (and of its survey,
//! review and complaints), so the dashboard folds narrow rows and never job documents.

use super::*;
use crate::store::KpiStore;
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;
use fixline_api::kpi::KpiFilter;
use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::kpi::{self, JobFacts, REWORK_WINDOW};
use fixline_core::work_order::{Status, WorkOrder};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Transaction, params, params_from_iter};

use super::{SqliteStore, get, lock, ts};
use crate::error::{Error, Result};
use crate::store::{FactRow, FactView, FactsArea};

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
    let reworked = match finished_at {
        Some(done) => reworked_after(tx, &machine, &id, done)?,
        None => false,
    };
    let [rs, ars, fs] = f.sla_seconds;
    let [ro, ao, fo] = f.sla_on_time;
    tx.execute(
        "INSERT INTO job_facts (work_order_id, number, machine, created_at, finished_at, day,
            engineer_id, region, category, model, channel, first_visit_fix, reworked, visits,
            first_contact, respond_secs, arrive_secs, resolve_secs, respond_on_time,
            arrive_on_time, resolve_on_time, on_site_minutes, travel_minutes,
            parts_at_first_visit, cost_minor, fault_code, cause_code, guided, csat, nps, effort,
            qa_percent, complaints)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28,
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
            fault_code = ?26, cause_code = ?27, guided = ?28",
        params![
            id,
            wo.number,
            machine,
            ts(wo.created_at),
            finished_at.map(ts),
            f.day.map(|d| d.to_string()).unwrap_or_default(),
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
            f.guided,
        ],
    )?;
    tx.execute(
        "UPDATE job_facts SET cancelled = ?2 WHERE work_order_id = ?1",
        params![id, wo.status == Status::Cancelled],
    )?;
    repack(tx, "work_order_id = ?1", params![id])?;
    // The earlier jobs on the machine finished within the window before this one was opened:
    // this job is their rework, or (cancelled) no longer is.
    let earlier: Vec<(String, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT work_order_id, finished_at FROM job_facts WHERE machine = ?1
             AND work_order_id != ?2 AND finished_at IS NOT NULL
             AND finished_at <= ?3 AND finished_at >= ?4",
        )?;
        stmt.query_map(
            params![
                machine,
                id,
                ts(wo.created_at),
                ts(wo.created_at - REWORK_WINDOW)
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<rusqlite::Result<_>>()?
    };
    for (other, finished) in earlier {
        let done = chrono::DateTime::parse_from_rfc3339(&finished)
            .map_err(|e| Error::Internal(e.to_string()))?
            .with_timezone(&chrono::Utc);
        let now_reworked = reworked_after(tx, &machine, &other, done)?;
        let changed = tx.execute(
            "UPDATE job_facts SET reworked = ?2 WHERE work_order_id = ?1 AND reworked != ?2",
            params![other, now_reworked],
        )?;
        if changed > 0 {
            repack(tx, "work_order_id = ?1", params![other])?;
        }
    }
    Ok(())
}

/// Whether a job on `machine` finished at `done` has rework: another job on the machine,
/// not cancelled, opened within the window after the finish (core's `kpi::REWORK_WINDOW`).
fn reworked_after(
    tx: &Transaction<'_>,
    machine: &str,
    id: &str,
    done: chrono::DateTime<chrono::Utc>,
) -> Result<bool> {
    Ok(tx
        .query_row(
            "SELECT 1 FROM job_facts WHERE machine = ?1 AND work_order_id != ?2 AND cancelled = 0
             AND created_at >= ?3 AND created_at <= ?4 LIMIT 1",
            params![machine, id, ts(done), ts(done + REWORK_WINDOW)],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The numeric facts in one value: flags, counts and times in a fixed little-endian layout
/// (`None` as `i64::MIN`), read back by [`unpack`].
fn pack(f: &JobFacts) -> Vec<u8> {
    let mut flags: u16 = 0;
    let mut set = |bit: u16, on: bool| flags |= u16::from(on) << bit;
    set(0, f.first_visit_fix);
    set(1, f.reworked);
    set(2, f.first_contact);
    for (i, on_time) in f.sla_on_time.iter().enumerate() {
        set(3 + 2 * i as u16, on_time.is_some());
        set(4 + 2 * i as u16, on_time == &Some(true));
    }
    set(9, f.parts_at_first_visit.is_some());
    set(10, f.parts_at_first_visit == Some(true));
    set(11, f.survey.is_some());
    set(12, f.qa_percent.is_some());
    set(GUIDED_BIT, f.guided);
    let mut out = Vec::with_capacity(PACKED_LEN);
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&f.visits.to_le_bytes());
    out.extend_from_slice(&f.complaints.to_le_bytes());
    for s in f.sla_seconds {
        out.extend_from_slice(&s.unwrap_or(i64::MIN).to_le_bytes());
    }
    for v in [f.on_site_minutes, f.travel_minutes, f.cost_minor] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let (csat, nps, effort) = f.survey.unwrap_or_default();
    out.extend_from_slice(&[csat, nps, effort]);
    out.extend_from_slice(&f.qa_percent.unwrap_or_default().to_le_bytes());
    out
}

/// The flag of [`JobFacts::guided`], also read alone by the drill-down.
const GUIDED_BIT: u16 = 13;

fn guided_in(packed: &[u8]) -> bool {
    packed.len() >= 2 && u16::from_le_bytes([packed[0], packed[1]]) & (1 << GUIDED_BIT) != 0
}

const PACKED_LEN: usize = 2 + 4 + 4 + 3 * 8 + 3 * 8 + 3 + 8;

/// Reads [`pack`]'s value into `f`; `false` when it is not one (a row never packed).
fn unpack(b: &[u8], f: &mut JobFacts) -> bool {
    if b.len() != PACKED_LEN {
        return false;
    }
    let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let i64_at = |i: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[i..i + 8]);
        i64::from_le_bytes(a)
    };
    let flags = u16_at(0);
    let bit = |n: u16| flags & (1 << n) != 0;
    f.first_visit_fix = bit(0);
    f.reworked = bit(1);
    f.first_contact = bit(2);
    for i in 0..3u16 {
        f.sla_on_time[i as usize] = bit(3 + 2 * i).then(|| bit(4 + 2 * i));
    }
    f.parts_at_first_visit = bit(9).then(|| bit(10));
    f.guided = guided_in(b);
    f.visits = u32_at(2);
    f.complaints = u32_at(6);
    for i in 0..3 {
        let s = i64_at(10 + 8 * i);
        f.sla_seconds[i] = (s != i64::MIN).then_some(s);
    }
    f.on_site_minutes = i64_at(34);
    f.travel_minutes = i64_at(42);
    f.cost_minor = i64_at(50);
    f.survey = bit(11).then(|| (b[58], b[59], b[60]));
    let mut q = [0u8; 8];
    q.copy_from_slice(&b[61..69]);
    f.qa_percent = bit(12).then(|| f64::from_le_bytes(q));
    true
}

/// Rewrites `packed` from the columns of the rows `filter` names.
fn repack(tx: &Transaction<'_>, filter: &str, args: impl rusqlite::Params) -> Result<()> {
    let rows: Vec<FactRow> = {
        let mut stmt =
            tx.prepare_cached(&format!("SELECT {COLUMNS} FROM job_facts WHERE {filter}"))?;
        stmt.query_map(args, row)?
            .collect::<rusqlite::Result<_>>()?
    };
    let mut stmt =
        tx.prepare_cached("UPDATE job_facts SET packed = ?2 WHERE work_order_id = ?1")?;
    for r in rows {
        stmt.execute(params![r.work_order_id.to_string(), pack(&r.facts)])?;
    }
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
    repack(tx, "work_order_id = ?1", [work_order.to_string()])
}

pub(super) fn reviewed(tx: &Transaction<'_>, work_order: WorkOrderId, percent: f64) -> Result<()> {
    tx.execute(
        "UPDATE job_facts SET qa_percent = ?2 WHERE work_order_id = ?1",
        params![work_order.to_string(), percent],
    )?;
    repack(tx, "work_order_id = ?1", [work_order.to_string()])
}

/// Counts a new complaint on each job it names.
pub(super) fn complained(tx: &Transaction<'_>, jobs: &[WorkOrderId]) -> Result<()> {
    for job in jobs {
        tx.execute(
            "UPDATE job_facts SET complaints = complaints + 1 WHERE work_order_id = ?1",
            [job.to_string()],
        )?;
        repack(tx, "work_order_id = ?1", [job.to_string()])?;
    }
    Ok(())
}

const COLUMNS: &str = "work_order_id, number, day, engineer_id, region, category, model, channel,
    first_visit_fix, reworked, visits, first_contact, respond_secs, arrive_secs, resolve_secs,
    respond_on_time, arrive_on_time, resolve_on_time, on_site_minutes, travel_minutes,
    parts_at_first_visit, cost_minor, fault_code, cause_code, csat, nps, effort, qa_percent,
    complaints, guided";

/// The WHERE clause and its values for a filter: finished jobs only, by local day.
fn clause(filter: &KpiFilter) -> (String, Vec<Value>) {
    let mut sql = String::from("day != ''");
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
            // Jobs without a machine are sliced under an empty model.
            let column = if column == "model" {
                "COALESCE(model, '')"
            } else {
                column
            };
            add(&format!("{column} ="), Value::Text(v.clone()));
        }
    }
    (sql, args)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FactRow> {
    let id: String = r.get(0)?;
    let day: String = r.get(2)?;
    let engineer: Option<String> = r.get(3)?;
    let scores: (Option<u8>, Option<u8>, Option<u8>) = (r.get(24)?, r.get(25)?, r.get(26)?);
    Ok(FactRow {
        work_order_id: id
            .parse()
            .unwrap_or_else(|_| WorkOrderId::from_uuid(uuid::Uuid::nil())),
        number: r.get(1)?,
        facts: JobFacts {
            day: day.parse::<NaiveDate>().ok(),
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
            guided: r.get(29)?,
        },
    })
}

/// The columns the fold reads, in [`fold_row`]'s order.
const FOLD_COLUMNS: &str =
    "day, engineer_id, region, category, model, channel, fault_code, cause_code, packed";

/// Text of a column, borrowed; a NULL or non-text value reads as empty.
fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    Ok(match r.get_ref(i)? {
        rusqlite::types::ValueRef::Text(t) => std::str::from_utf8(t).unwrap_or(""),
        _ => "",
    })
}

impl SqliteStore {
    pub(super) fn fold_job_facts_in(
        &self,
        filter: &KpiFilter,
        each: &mut dyn FnMut(&FactView<'_>),
    ) -> Result<()> {
        self.read(|c| {
            let (clause, args) = clause(filter);
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {FOLD_COLUMNS} FROM job_facts WHERE {clause}"
            ))?;
            let mut rows = stmt.query(params_from_iter(&args))?;
            let mut f = JobFacts::default();
            // Rows come in day order: a day or an engineer is parsed once per run of them.
            let (mut day_text, mut engineer_text) = (String::new(), String::new());
            while let Some(r) = rows.next()? {
                let day = text(r, 0)?;
                if day != day_text {
                    day_text.clear();
                    day_text.push_str(day);
                    f.day = day.parse::<NaiveDate>().ok();
                }
                let engineer = text(r, 1)?;
                if engineer != engineer_text {
                    engineer_text.clear();
                    engineer_text.push_str(engineer);
                    f.engineer = engineer.parse::<EngineerId>().ok();
                }
                let packed = match r.get_ref_unwrap(8) {
                    rusqlite::types::ValueRef::Blob(b) => b,
                    _ => &[],
                };
                if !unpack(packed, &mut f) {
                    return Err(Error::Internal("a KPI fact row was never packed".into()));
                }
                let codes = |i| -> rusqlite::Result<Option<&str>> {
                    Ok(Some(text(r, i)?).filter(|t| !t.is_empty()))
                };
                each(&FactView {
                    facts: &f,
                    region: text(r, 2)?,
                    category: text(r, 3)?,
                    model: text(r, 4)?,
                    channel: text(r, 5)?,
                    fault_code: codes(6)?,
                    cause_code: codes(7)?,
                });
            }
            Ok(())
        })
    }

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
        // Rows written by SQL alone (an import) are packed here.
        repack(&tx, "length(packed) = 0", [])?;
        tx.commit()?;
        if !missing.is_empty() {
            tracing::info!(jobs = missing.len(), "wrote the KPI facts of older jobs");
        }
        Ok(())
    }

    /// Calls `each` with every finished job's facts that the filter keeps.
    /// A page of the finished jobs the filter keeps, newest first, and how many there are.
    pub(super) fn job_facts_page_in(
        &self,
        filter: &KpiFilter,
        paging: crate::store::Paging,
    ) -> Result<(Vec<FactRow>, u64)> {
        self.read(|c| {
            let (clause, mut args) = clause(filter);
            let total: i64 = c.query_row(
                &format!("SELECT COUNT(*) FROM job_facts WHERE {clause}"),
                params_from_iter(&args),
                |r| r.get(0),
            )?;
            let n = args.len();
            args.push(Value::Integer(i64::from(paging.per_page)));
            args.push(Value::Integer(
                i64::from(paging.page.saturating_sub(1)) * i64::from(paging.per_page),
            ));
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM job_facts WHERE {clause}
                 ORDER BY day DESC, number DESC LIMIT ?{} OFFSET ?{}",
                n + 1,
                n + 2
            ))?;
            let rows = stmt
                .query_map(params_from_iter(&args), row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((rows, u64::try_from(total).unwrap_or(0)))
        })
    }
}

impl KpiStore for SqliteStore {
    fn set_facts_area(&self, area: FactsArea) -> Result<()> {
        self.set_facts_area_and_backfill(area)
    }

    fn job_facts_page(
        &self,
        filter: &fixline_api::kpi::KpiFilter,
        paging: Paging,
    ) -> Result<(Vec<FactRow>, u64)> {
        self.job_facts_page_in(filter, paging)
    }

    fn fold_job_facts(
        &self,
        filter: &fixline_api::kpi::KpiFilter,
        each: &mut dyn FnMut(&super::FactView<'_>),
    ) -> Result<()> {
        self.fold_job_facts_in(filter, each)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_facts_read_back_the_same() {
        let mut f = JobFacts {
            first_visit_fix: true,
            reworked: false,
            first_contact: true,
            visits: 2,
            complaints: 3,
            sla_seconds: [Some(120), None, Some(-5)],
            sla_on_time: [Some(true), None, Some(false)],
            on_site_minutes: 95,
            travel_minutes: 40,
            parts_at_first_visit: Some(false),
            cost_minor: 12_850,
            survey: Some((5, 0, 7)),
            qa_percent: Some(83.5),
            ..JobFacts::default()
        };
        let mut back = JobFacts::default();
        assert!(unpack(&pack(&f), &mut back));
        assert_eq!(back, f);
        f.survey = None;
        f.qa_percent = None;
        f.parts_at_first_visit = None;
        assert!(unpack(&pack(&f), &mut back));
        assert_eq!(back, f);
        assert!(!unpack(&[], &mut back), "a row never packed");
    }
}
