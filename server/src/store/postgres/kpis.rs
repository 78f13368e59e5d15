//! The KPI rollup on PostgreSQL: `job_facts` (written with each job, `facts.rs`) folded for the
//! dashboard. Rows stream from the database to the caller's thread in batches, so a year of
//! jobs is folded in bounded memory.

use std::sync::Arc;

use fixline_api::kpi::KpiFilter;
use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::kpi::JobFacts;
use fixline_core::work_order::WorkOrder;
use futures::{StreamExt, pin_mut};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::PgStore;
use super::rows::get;
use crate::error::{Error, Result};
use crate::store::{FactRow, FactView, FactsArea, KpiStore, Paging};

const COLUMNS: &str = "work_order_id, number, day, engineer_id, region, category, model, channel,
    first_visit_fix, reworked, visits, first_contact, respond_secs, arrive_secs, resolve_secs,
    respond_on_time, arrive_on_time, resolve_on_time, on_site_minutes, travel_minutes,
    parts_at_first_visit, cost_minor, fault_code, cause_code, csat, nps, effort, qa_percent,
    complaints, guided";

/// Rows handed to the caller's thread at a time while folding.
const BATCH: usize = 1024;

type Param = Box<dyn ToSql + Sync + Send>;

/// The WHERE clause and its values for a filter: finished jobs only, by local day.
fn clause(filter: &KpiFilter) -> (String, Vec<Param>) {
    let mut sql = String::from("day IS NOT NULL");
    let mut args: Vec<Param> = Vec::new();
    let mut add = |cond: &str, v: Param| {
        args.push(v);
        sql.push_str(&format!(" AND {cond} ${}", args.len()));
    };
    if let Some(from) = filter.from {
        add("day >=", Box::new(from));
    }
    if let Some(to) = filter.to {
        add("day <=", Box::new(to));
    }
    if let Some(e) = filter.engineer {
        add("engineer_id =", Box::new(*e.as_uuid()));
    }
    for (column, v) in [
        ("region", &filter.region),
        ("category", &filter.category),
        // Jobs without a machine are sliced under an empty model.
        ("COALESCE(model, '')", &filter.model),
        ("channel", &filter.channel),
    ] {
        if let Some(v) = v {
            add(&format!("{column} ="), Box::new(v.clone()));
        }
    }
    (sql, args)
}

fn small<T: TryFrom<i32>>(v: Option<i32>) -> Option<T> {
    v.and_then(|v| T::try_from(v).ok())
}

fn row(r: &Row) -> FactRow {
    let scores = (
        small::<u8>(r.get(24)),
        small::<u8>(r.get(25)),
        small::<u8>(r.get(26)),
    );
    FactRow {
        work_order_id: WorkOrderId::from_uuid(r.get(0)),
        number: r.get(1),
        facts: JobFacts {
            day: r.get(2),
            engineer: r.get::<_, Option<Uuid>>(3).map(EngineerId::from_uuid),
            region: r.get(4),
            category: r.get(5),
            model: r.get(6),
            channel: r.get(7),
            first_visit_fix: r.get(8),
            reworked: r.get(9),
            visits: small(Some(r.get(10))).unwrap_or(0),
            first_contact: r.get(11),
            sla_seconds: [r.get(12), r.get(13), r.get(14)],
            sla_on_time: [r.get(15), r.get(16), r.get(17)],
            on_site_minutes: r.get(18),
            travel_minutes: r.get(19),
            parts_at_first_visit: r.get(20),
            cost_minor: r.get(21),
            fault_code: r.get(22),
            cause_code: r.get(23),
            survey: match scores {
                (Some(c), Some(n), Some(e)) => Some((c, n, e)),
                _ => None,
            },
            qa_percent: r.get(27),
            complaints: small(Some(r.get(28))).unwrap_or(0),
            guided: r.get(29),
        },
    }
}

fn refs(args: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter()
        .map(|a| a.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

impl KpiStore for PgStore {
    fn set_facts_area(&self, area: FactsArea) -> Result<()> {
        let area = Arc::new(area);
        match self.facts_area.write() {
            Ok(mut a) => *a = Arc::clone(&area),
            Err(p) => *p.into_inner() = Arc::clone(&area),
        }
        // The facts of every job that has none (a database moved in, or restored).
        let written = self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let missing = tx
                .query(
                    "SELECT w.id, w.region FROM work_orders w
                     WHERE NOT EXISTS (SELECT 1 FROM job_facts f WHERE f.work_order_id = w.id)
                     ORDER BY w.created_at",
                    &[],
                )
                .await?;
            for r in &missing {
                let (id, region): (Uuid, String) = (r.get(0), r.get(1));
                let wo: WorkOrder = get(&*tx, id).await?;
                super::facts::write(&tx, &area, &wo, &region).await?;
            }
            tx.commit().await?;
            Ok(missing.len())
        })?;
        if written > 0 {
            tracing::info!(jobs = written, "wrote the KPI facts of older jobs");
        }
        Ok(())
    }

    fn fold_job_facts(
        &self,
        filter: &KpiFilter,
        each: &mut dyn FnMut(&FactView<'_>),
    ) -> Result<()> {
        let (clause, args) = clause(filter);
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<FactRow>>>(4);
        let pool = self.pool.clone();
        self.spawn(async move {
            let read = async {
                let c = pool.get().await.map_err(super::pool_error)?;
                let rows = c
                    .query_raw(
                        &format!("SELECT {COLUMNS} FROM job_facts WHERE {clause} ORDER BY day"),
                        refs(&args),
                    )
                    .await?;
                pin_mut!(rows);
                let mut batch = Vec::with_capacity(BATCH);
                while let Some(r) = rows.next().await {
                    batch.push(row(&r?));
                    if batch.len() == BATCH
                        && tx
                            .send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))))
                            .await
                            .is_err()
                    {
                        return Ok(());
                    }
                }
                if !batch.is_empty() {
                    let _ = tx.send(Ok(batch)).await;
                }
                Ok::<_, Error>(())
            };
            if let Err(e) = read.await {
                let _ = tx.send(Err(e)).await;
            }
        });
        while let Some(batch) = rx.blocking_recv() {
            for r in batch? {
                let f = &r.facts;
                each(&FactView {
                    facts: f,
                    region: &f.region,
                    category: &f.category,
                    model: f.model.as_deref().unwrap_or(""),
                    channel: &f.channel,
                    fault_code: f.fault_code.as_deref().filter(|c| !c.is_empty()),
                    cause_code: f.cause_code.as_deref().filter(|c| !c.is_empty()),
                });
            }
        }
        Ok(())
    }

    fn job_facts_page(&self, filter: &KpiFilter, paging: Paging) -> Result<(Vec<FactRow>, u64)> {
        let (clause, mut args) = clause(filter);
        self.with(move |c| async move {
            let total: i64 = c
                .query_one(
                    &format!("SELECT count(*) FROM job_facts WHERE {clause}"),
                    &refs(&args),
                )
                .await?
                .get(0);
            let n = args.len();
            args.push(Box::new(i64::from(paging.per_page)));
            args.push(Box::new(paging.offset()));
            let rows = c
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM job_facts WHERE {clause}
                         ORDER BY day DESC, number DESC LIMIT ${} OFFSET ${}",
                        n + 1,
                        n + 2
                    ),
                    &refs(&args),
                )
                .await?;
            Ok((
                rows.iter().map(row).collect(),
                u64::try_from(total).unwrap_or(0),
            ))
        })
    }
}
