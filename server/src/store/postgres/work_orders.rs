//! Work orders, their history and held requests on PostgreSQL. A work order's write carries,
//! in its transaction, its history line, its KPI facts, the answers it counts for articles,
//! its notices and its change: the same as on SQLite (`store/sqlite/work_orders.rs`), with the
//! rules shared (`store::target`, `store::record`, `store::outbox`).

use std::sync::Arc;

use fixline_api::live::{Change, ChangeOp};
use fixline_core::Timestamp;
use fixline_core::customer::{Asset, Customer, Site};
use fixline_core::ids::{AssetId, CustomerId, PendingIntakeId, SiteId, UserId, WorkOrderId};
use fixline_core::intake::PendingIntake;
use fixline_core::knowledge::Article;
use fixline_core::work_order::{HistoryEntry, Revision, WorkOrder, WorkOrderSummary};
use tokio_postgres::Transaction;
use tokio_postgres::types::ToSql;

use super::rows::{docs, get, locked, read, write};
use super::{PgStore, append, facts, outbox};
use crate::error::{Error, Result};
use crate::store::outbox::Told;
use crate::store::record::{Column, Record, checked_revision, work_order_search_text};
use crate::store::target::{self, Resolved};
use crate::store::{
    FactsArea, Page, Paging, PendingResolution, Taken, WorkOrderChange, WorkOrderFilter,
    WorkOrderIntake, WorkOrderStore, like,
};

/// Work orders are numbered one at a time across servers (and a channel's retry waits for
/// its first try): this transaction-scoped lock is held from the number's choice to commit.
const NUMBERING_LOCK: i64 = 0x0066_6978_776f_6e6f;

/// The search text and region of a work order, from its customer and site.
pub(super) async fn search_text(tx: &Transaction<'_>, wo: &WorkOrder) -> Result<(String, String)> {
    let customer: Customer = get(tx, *wo.customer_id.as_uuid()).await?;
    let site: Site = get(tx, *wo.site_id.as_uuid()).await?;
    Ok((
        work_order_search_text(wo, &customer, &site),
        site.details.region,
    ))
}

/// Writes a work order's row and what goes with it; returns its change to log (scoped to its
/// engineer and the one it left).
#[allow(clippy::too_many_arguments)]
pub(super) async fn put_work_order(
    tx: &Transaction<'_>,
    wo: &WorkOrder,
    before: Option<&WorkOrder>,
    op: ChangeOp,
    at: Timestamp,
    extra: Vec<(&'static str, Column)>,
    region: &str,
    area: &FactsArea,
) -> Result<Change> {
    write(tx, wo, op, extra).await?;
    facts::write(tx, area, wo, region).await?;
    count_answers(tx, before, wo).await?;
    outbox::write(tx, &Told::work_order(before, wo), at).await?;
    let previous = before.and_then(|b| b.assignee);
    Ok(Change {
        engineer_id: wo.assignee,
        previous_engineer_id: previous.filter(|p| Some(*p) != wo.assignee),
        region: Some(region.to_owned()),
        ..wo.change(op, at)
    })
}

/// Counts a job's new or changed "did this help?" answers on their articles.
async fn count_answers(
    tx: &Transaction<'_>,
    before: Option<&WorkOrder>,
    wo: &WorkOrder,
) -> Result<()> {
    for (id, earlier, helpful) in fixline_core::knowledge::changed_answers(before, wo) {
        let mut article: Article = match locked(tx, *id.as_uuid()).await {
            Ok(a) => a,
            // An answer about an article since removed counts for nothing.
            Err(Error::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        fixline_core::knowledge::recount(&mut article, earlier, helpful);
        tx.execute(
            "UPDATE articles SET doc = $2 WHERE id = $1",
            &[article.id.as_uuid(), &super::rows::doc(&article)?],
        )
        .await?;
        // Its rank changed: every server's search index re-reads it after the commit.
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&super::ARTICLE_CHANNEL, &article.id.to_string()],
        )
        .await?;
    }
    Ok(())
}

pub(super) async fn insert_history(
    tx: &Transaction<'_>,
    recorded_at: Timestamp,
    entry: &HistoryEntry,
) -> Result<()> {
    let doc =
        serde_json::to_value(entry).map_err(|e| Error::Internal(format!("history entry: {e}")))?;
    tx.execute(
        "INSERT INTO work_order_history (work_order_id, version, at, recorded_at, doc)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            entry.work_order_id.as_uuid(),
            &(entry.version as i64),
            &entry.at,
            &recorded_at,
            &doc,
        ],
    )
    .await?;
    Ok(())
}

async fn pending_intake(
    c: &impl tokio_postgres::GenericClient,
    id: PendingIntakeId,
    lock: bool,
) -> Result<PendingIntake> {
    let sql = if lock {
        "SELECT doc FROM pending_intakes WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT doc FROM pending_intakes WHERE id = $1"
    };
    let row = c
        .query_opt(sql, &[id.as_uuid()])
        .await?
        .ok_or_else(|| Error::not_found("pending intake", id))?;
    serde_json::from_value(row.get(0))
        .map_err(|e| Error::Internal(format!("unreadable pending intake: {e}")))
}

/// The intake rules' lookups on PostgreSQL, in the filing transaction; the records they add
/// are logged with the work order.
struct Lookups<'a, 'b> {
    tx: &'a Transaction<'b>,
    changes: Vec<Change>,
}

impl target::Lookups for Lookups<'_, '_> {
    async fn asset_by_serial(&mut self, serial: &str) -> Result<Option<Asset>> {
        self.tx
            .query_opt(
                "SELECT doc FROM assets WHERE serial = $1 ORDER BY added LIMIT 1",
                &[&serial],
            )
            .await?
            .map(|r| read(r.get(0)))
            .transpose()
    }

    async fn customer(&mut self, id: CustomerId) -> Result<Customer> {
        get(self.tx, *id.as_uuid()).await
    }

    async fn site(&mut self, id: SiteId) -> Result<Site> {
        get(self.tx, *id.as_uuid()).await
    }

    async fn asset(&mut self, id: AssetId) -> Result<Asset> {
        get(self.tx, *id.as_uuid()).await
    }

    async fn customer_by_phone(&mut self, digits: &str) -> Result<Option<CustomerId>> {
        let d =
            |column: &str| format!("regexp_replace(coalesce({column}, ''), '[ ()+-]', '', 'g')");
        Ok(self
            .tx
            .query_opt(
                &format!(
                    "(SELECT id FROM customers WHERE {} = $1 ORDER BY added LIMIT 1)
                     UNION ALL
                     (SELECT customer_id FROM contacts WHERE {} = $1 ORDER BY added LIMIT 1)
                     LIMIT 1",
                    d("phone"),
                    d("phone")
                ),
                &[&digits],
            )
            .await?
            .map(|r| CustomerId::from_uuid(r.get(0))))
    }

    async fn sites_of(&mut self, customer: CustomerId) -> Result<Vec<Site>> {
        docs(
            self.tx,
            "SELECT doc FROM sites WHERE customer_id = $1 ORDER BY added",
            &[customer.as_uuid()],
        )
        .await
    }

    async fn add_customer(&mut self, customer: &Customer, at: Timestamp) -> Result<()> {
        write(self.tx, customer, ChangeOp::Created, Vec::new()).await?;
        self.changes.push(customer.change(ChangeOp::Created, at));
        Ok(())
    }

    async fn add_site(&mut self, site: &Site, at: Timestamp) -> Result<()> {
        write(self.tx, site, ChangeOp::Created, Vec::new()).await?;
        self.changes.push(site.change(ChangeOp::Created, at));
        Ok(())
    }
}

impl PgStore {
    async fn create_in(
        tx: &Transaction<'_>,
        intake: WorkOrderIntake,
        area: &FactsArea,
        at: Timestamp,
    ) -> Result<(Taken, bool)> {
        let channel = intake.channel.as_str();
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&NUMBERING_LOCK])
            .await?;
        if let Some(key) = &intake.idempotency_key {
            let existing = tx
                .query_opt(
                    "SELECT w.doc FROM intake_requests r JOIN work_orders w ON w.id = r.work_order_id
                     WHERE r.channel = $1 AND r.idempotency_key = $2",
                    &[&channel, key],
                )
                .await?;
            if let Some(row) = existing {
                return Ok((Taken::Opened(Box::new(read(row.get(0))?)), true));
            }
            let held = tx
                .query_opt(
                    "SELECT doc FROM pending_intakes WHERE channel = $1 AND idempotency_key = $2",
                    &[&channel, key],
                )
                .await?;
            if let Some(row) = held {
                let pending: PendingIntake = serde_json::from_value(row.get(0))
                    .map_err(|e| Error::Internal(format!("unreadable pending intake: {e}")))?;
                return Ok((Taken::Held(Box::new(pending)), true));
            }
        }
        let seq: i64 = tx
            .query_one(
                "SELECT coalesce(max(number_seq), 0) + 1 FROM work_orders",
                &[],
            )
            .await?
            .get(0);
        let mut lookups = Lookups {
            tx,
            changes: Vec::new(),
        };
        let resolved = target::resolve(&mut lookups, &intake.target, at).await?;
        let mut changes = lookups.changes;
        let target = match resolved {
            Resolved::Target(t) => *t,
            Resolved::Matched { customer, asset } => {
                let pending = target::held(&intake, customer, asset, at);
                let doc = serde_json::to_value(&pending)
                    .map_err(|e| Error::Internal(format!("pending intake: {e}")))?;
                tx.execute(
                    "INSERT INTO pending_intakes (id, channel, idempotency_key, state, received_at, doc)
                     VALUES ($1, $2, $3, 'waiting', $4, $5)",
                    &[pending.id.as_uuid(), &channel, &intake.idempotency_key, &at, &doc],
                )
                .await?;
                append(tx, &changes).await?;
                return Ok((Taken::Held(Box::new(pending)), false));
            }
        };
        let wo = (intake.build)(&target, format!("WO-{seq:06}"))?;
        let (search, region) = search_text(tx, &wo).await?;
        let extra = vec![
            ("number_seq", Column::Int(seq)),
            ("customer_id", Column::Id(*wo.customer_id.as_uuid())),
            ("site_id", Column::Id(*wo.site_id.as_uuid())),
            ("region", Column::Text(region.clone())),
            ("channel", Column::Text(channel.to_owned())),
            ("created_at", Column::Time(wo.created_at)),
            ("search_text", Column::Text(search)),
        ];
        changes.push(
            put_work_order(tx, &wo, None, ChangeOp::Created, at, extra, &region, area).await?,
        );
        insert_history(tx, at, &HistoryEntry::opened(&wo, intake.actor.clone())).await?;
        if let Some(key) = &intake.idempotency_key {
            tx.execute(
                "INSERT INTO intake_requests (channel, idempotency_key, work_order_id, created_at)
                 VALUES ($1, $2, $3, $4)",
                &[&channel, key, wo.id.as_uuid(), &at],
            )
            .await?;
        }
        append(tx, &changes).await?;
        Ok((Taken::Opened(Box::new(wo)), false))
    }
}

impl WorkOrderStore for PgStore {
    fn create_work_order(&self, intake: WorkOrderIntake, at: Timestamp) -> Result<(Taken, bool)> {
        let area = self.facts_area();
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let taken = Self::create_in(&tx, intake, &area, at).await?;
            tx.commit().await?;
            Ok(taken)
        })
    }

    fn work_order(&self, id: WorkOrderId) -> Result<WorkOrder> {
        self.with(move |c| async move { get(&**c, *id.as_uuid()).await })
    }

    fn list_work_orders(
        &self,
        f: &WorkOrderFilter,
        paging: Paging,
    ) -> Result<Page<WorkOrderSummary>> {
        let mut clauses: Vec<String> = vec!["TRUE".into()];
        let mut args: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        let mut push = |clauses: &mut Vec<String>, sql: &str, v: Box<dyn ToSql + Sync + Send>| {
            args.push(v);
            clauses.push(sql.replace("$#", &format!("${}", args.len())));
        };
        if !f.statuses.is_empty() {
            let list: Vec<String> = f.statuses.iter().map(|s| s.as_str().to_owned()).collect();
            push(&mut clauses, "status = ANY($#)", Box::new(list));
        }
        if !f.priorities.is_empty() {
            let list: Vec<String> = f.priorities.iter().map(|p| p.as_str().to_owned()).collect();
            push(&mut clauses, "priority = ANY($#)", Box::new(list));
        }
        if f.open_only {
            clauses.push("status NOT IN ('completed', 'confirmed', 'closed', 'cancelled')".into());
        }
        if let Some(e) = f.assignee {
            push(&mut clauses, "assignee = $#", Box::new(*e.as_uuid()));
        }
        if let Some(c) = f.customer {
            push(&mut clauses, "customer_id = $#", Box::new(*c.as_uuid()));
        }
        if let Some(r) = &f.region {
            push(&mut clauses, "region = $#", Box::new(r.clone()));
        }
        if let Some(t) = f.created_from {
            push(&mut clauses, "created_at >= $#", Box::new(t));
        }
        if let Some(t) = f.created_to {
            push(&mut clauses, "created_at < $#", Box::new(t));
        }
        if let Some(text) = f.text.as_deref().filter(|t| !t.trim().is_empty()) {
            push(&mut clauses, "search_text LIKE $#", Box::new(like(text)));
        }
        let filter = clauses.join(" AND ");
        // Priorities are `p1` (most urgent) to `p4`: their text order is their order.
        let order = if f.open_only {
            "priority, created_at, id"
        } else {
            "created_at DESC, id"
        };
        self.with(move |c| async move {
            let mut refs: Vec<&(dyn ToSql + Sync)> = args
                .iter()
                .map(|a| a.as_ref() as &(dyn ToSql + Sync))
                .collect();
            let total: i64 = c
                .query_one(
                    &format!("SELECT count(*) FROM work_orders WHERE {filter}"),
                    &refs,
                )
                .await?
                .get(0);
            let (limit, offset) = (i64::from(paging.per_page), paging.offset());
            refs.push(&limit);
            refs.push(&offset);
            let n = refs.len();
            let orders: Vec<WorkOrder> = docs(
                &**c,
                &format!(
                    "SELECT doc FROM work_orders WHERE {filter} ORDER BY {order} LIMIT ${} OFFSET ${n}",
                    n - 1
                ),
                &refs,
            )
            .await?;
            Ok(crate::store::page(
                orders.iter().map(WorkOrder::summary).collect(),
                paging,
                total,
            ))
        })
    }

    fn update_work_order(
        &self,
        id: WorkOrderId,
        expected: Option<u64>,
        at: Timestamp,
        change: WorkOrderChange<'_>,
    ) -> Result<WorkOrder> {
        // `change` runs here, on the caller's thread, between reading the job and writing it;
        // the write goes through only if nobody wrote the job meanwhile, else it runs again on
        // the newer job (or, with a version the caller saw, reports it stale).
        loop {
            let current = self.work_order(id)?;
            if expected.is_some_and(|v| v != current.version) {
                return Err(Error::StaleVersion {
                    entity: "work order",
                    current: current.version,
                });
            }
            let revision = change(&current)?;
            checked_revision(&current, &revision)?;
            let area = self.facts_area();
            let written = self.with(move |mut c| async move {
                let tx = c.transaction().await?;
                let now: WorkOrder = locked(&tx, *id.as_uuid()).await?;
                if now.version != current.version {
                    return Ok(None);
                }
                let Revision { next, entry } = revision;
                let (search, region) = search_text(&tx, &next).await?;
                let extra = vec![("search_text", Column::Text(search))];
                let logged = put_work_order(
                    &tx,
                    &next,
                    Some(&current),
                    ChangeOp::Updated,
                    at,
                    extra,
                    &region,
                    &area,
                )
                .await?;
                insert_history(&tx, at, &entry).await?;
                append(&tx, &[logged]).await?;
                tx.commit().await?;
                Ok(Some(next))
            })?;
            if let Some(next) = written {
                return Ok(next);
            }
        }
    }

    fn history(&self, id: WorkOrderId) -> Result<Vec<HistoryEntry>> {
        self.with(move |c| async move {
            get::<WorkOrder>(&**c, *id.as_uuid()).await?;
            docs(
                &**c,
                "SELECT doc FROM work_order_history WHERE work_order_id = $1 ORDER BY version",
                &[id.as_uuid()],
            )
            .await
        })
    }

    fn pending_intakes(&self, all: bool) -> Result<Vec<PendingIntake>> {
        self.with(move |c| async move {
            docs(
                &**c,
                "SELECT doc FROM pending_intakes WHERE $1 OR state = 'waiting'
                 ORDER BY received_at, id",
                &[&all],
            )
            .await
        })
    }

    fn pending_intake(&self, id: PendingIntakeId) -> Result<PendingIntake> {
        self.with(move |c| async move { pending_intake(&**c, id, false).await })
    }

    fn resolve_pending_intake(
        &self,
        id: PendingIntakeId,
        resolution: PendingResolution,
        by: UserId,
        at: Timestamp,
    ) -> Result<PendingIntake> {
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let pending = pending_intake(&*tx, id, true).await?;
            let Some(pending) = target::resolve_pending(&pending, &resolution, by, at)? else {
                return Ok(pending);
            };
            let doc = serde_json::to_value(&pending)
                .map_err(|e| Error::Internal(format!("pending intake: {e}")))?;
            tx.execute(
                "UPDATE pending_intakes SET state = $2, doc = $3 WHERE id = $1",
                &[id.as_uuid(), &target::state_word(pending.state), &doc],
            )
            .await?;
            tx.commit().await?;
            Ok(pending)
        })
    }
}

impl PgStore {
    /// The zone and calendar KPI facts are worked out in.
    pub(super) fn facts_area(&self) -> Arc<FactsArea> {
        self.facts_area
            .read()
            .map(|a| Arc::clone(&a))
            .unwrap_or_else(|p| Arc::clone(&p.into_inner()))
    }
}
