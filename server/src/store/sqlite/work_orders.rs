//! Work orders, their history and held requests on SQLite.

use super::*;
use crate::store::WorkOrderStore;
use crate::store::record::{checked_revision, work_order_search_text};

impl WorkOrderStore for SqliteStore {
    fn create_work_order(&self, intake: WorkOrderIntake, at: Timestamp) -> Result<(Taken, bool)> {
        let channel = intake.channel.as_str();
        self.write(|tx, log| {
            if let Some(key) = &intake.idempotency_key {
                let existing: Option<String> = tx
                    .query_row(
                        "SELECT w.doc FROM intake_requests r JOIN work_orders w ON w.id = r.work_order_id
                         WHERE r.channel = ?1 AND r.idempotency_key = ?2",
                        [channel, key],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(doc) = existing {
                    return Ok((Taken::Opened(Box::new(from_json(&doc)?)), true));
                }
                let held: Option<String> = tx
                    .query_row(
                        "SELECT doc FROM pending_intakes WHERE channel = ?1 AND idempotency_key = ?2",
                        [channel, key],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(doc) = held {
                    return Ok((Taken::Held(Box::new(from_json(&doc)?)), true));
                }
            }
            let seq: i64 = tx.query_row("SELECT coalesce(max(number_seq), 0) + 1 FROM work_orders", [], |r| r.get(0))?;
            let target = match resolve_target(tx, log, &intake.target, at)? {
                Resolved::Target(t) => *t,
                Resolved::Matched { customer, asset } => {
                    let pending = target::held(&intake, customer, asset, at);
                    tx.execute(
                        "INSERT INTO pending_intakes (id, channel, idempotency_key, state, received_at, doc)
                         VALUES (?1, ?2, ?3, 'waiting', ?4, ?5)",
                        params![pending.id.to_string(), channel, intake.idempotency_key, ts(at), to_json(&pending)?],
                    )?;
                    return Ok((Taken::Held(Box::new(pending)), false));
                }
            };
            let wo = (intake.build)(&target, format!("WO-{seq:06}"))?;
            let (search, region) = Self::search_text(tx, &wo)?;
            let extra = vec![
                ("number_seq", Value::Integer(seq)),
                ("customer_id", Value::Text(wo.customer_id.to_string())),
                ("site_id", Value::Text(wo.site_id.to_string())),
                ("region", Value::Text(region.clone())),
                ("channel", Value::Text(channel.to_owned())),
                ("created_at", Value::Text(ts(wo.created_at))),
                ("search_text", Value::Text(search)),
            ];
            put_work_order(
                tx,
                log,
                &wo,
                None,
                ChangeOp::Created,
                at,
                extra,
                &region,
                &self.facts_area(),
            )?;
            insert_history(
                tx,
                at,
                &HistoryEntry::opened(&wo, intake.actor.clone()),
            )?;
            if let Some(key) = &intake.idempotency_key {
                tx.execute(
                    "INSERT INTO intake_requests (channel, idempotency_key, work_order_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![channel, key, wo.id.to_string(), ts(at)],
                )?;
            }
            Ok((Taken::Opened(Box::new(wo)), false))
        })
    }

    fn work_order(&self, id: WorkOrderId) -> Result<WorkOrder> {
        self.read(|c| get(c, *id.as_uuid()))
    }

    fn list_work_orders(
        &self,
        f: &WorkOrderFilter,
        paging: Paging,
    ) -> Result<Page<WorkOrderSummary>> {
        let mut clauses: Vec<String> = vec!["1 = 1".into()];
        let mut args: Vec<Value> = Vec::new();
        let mut push = |clauses: &mut Vec<String>, sql: &str, v: Value| {
            args.push(v);
            clauses.push(sql.replace("?#", &format!("?{}", args.len())));
        };
        if !f.statuses.is_empty() {
            let list = f
                .statuses
                .iter()
                .map(|s| format!("'{}'", s.as_str()))
                .collect::<Vec<_>>()
                .join(", ");
            clauses.push(format!("status IN ({list})"));
        }
        if !f.priorities.is_empty() {
            let list = f
                .priorities
                .iter()
                .map(|p| format!("'{}'", p.as_str()))
                .collect::<Vec<_>>()
                .join(", ");
            clauses.push(format!("priority IN ({list})"));
        }
        if f.open_only {
            clauses.push("status NOT IN ('completed', 'confirmed', 'closed', 'cancelled')".into());
        }
        if let Some(e) = f.assignee {
            push(&mut clauses, "assignee = ?#", Value::Text(e.to_string()));
        }
        if let Some(c) = f.customer {
            push(&mut clauses, "customer_id = ?#", Value::Text(c.to_string()));
        }
        if let Some(r) = &f.region {
            push(&mut clauses, "region = ?#", Value::Text(r.clone()));
        }
        if let Some(t) = f.created_from {
            push(&mut clauses, "created_at >= ?#", Value::Text(ts(t)));
        }
        if let Some(t) = f.created_to {
            push(&mut clauses, "created_at < ?#", Value::Text(ts(t)));
        }
        if let Some(text) = f.text.as_deref().filter(|t| !t.trim().is_empty()) {
            push(
                &mut clauses,
                "search_text LIKE ?# ESCAPE '\\'",
                Value::Text(like(text)),
            );
        }
        let filter = clauses.join(" AND ");
        let order = if f.open_only {
            "priority, created_at, id"
        } else {
            "created_at DESC, id"
        };
        self.read(|c| {
            let total: i64 = c.query_row(&format!("SELECT count(*) FROM work_orders WHERE {filter}"), params_from_iter(&args), |r| r.get(0))?;
            let mut args = args.clone();
            args.push(Value::Integer(i64::from(paging.per_page)));
            args.push(Value::Integer(paging.offset()));
            let n = args.len();
            let orders: Vec<WorkOrder> = docs(
                c,
                &format!("SELECT doc FROM work_orders WHERE {filter} ORDER BY {order} LIMIT ?{} OFFSET ?{n}", n - 1),
                params_from_iter(&args),
            )?;
            Ok(page(orders.iter().map(WorkOrder::summary).collect(), paging, total))
        })
    }

    fn update_work_order(
        &self,
        id: WorkOrderId,
        expected: Option<u64>,
        at: Timestamp,
        change: WorkOrderChange<'_>,
    ) -> Result<WorkOrder> {
        self.write(|tx, log| {
            let current: WorkOrder = get(tx, *id.as_uuid())?;
            if expected.is_some_and(|v| v != current.version) {
                return Err(Error::StaleVersion {
                    entity: "work order",
                    current: current.version,
                });
            }
            let revision = change(&current)?;
            checked_revision(&current, &revision)?;
            let Revision { next, entry } = revision;
            let (search, region) = Self::search_text(tx, &next)?;
            let extra = vec![("search_text", Value::Text(search))];
            put_work_order(
                tx,
                log,
                &next,
                Some(&current),
                ChangeOp::Updated,
                at,
                extra,
                &region,
                &self.facts_area(),
            )?;
            insert_history(tx, at, &entry)?;
            Ok(next)
        })
    }

    fn history(&self, id: WorkOrderId) -> Result<Vec<HistoryEntry>> {
        self.read(|c| {
            get::<WorkOrder>(c, *id.as_uuid())?;
            docs(
                c,
                "SELECT doc FROM work_order_history WHERE work_order_id = ?1 ORDER BY version",
                [id.to_string()],
            )
        })
    }

    fn pending_intakes(&self, all: bool) -> Result<Vec<PendingIntake>> {
        self.read(|c| {
            docs(
                c,
                "SELECT doc FROM pending_intakes WHERE ?1 OR state = 'waiting' ORDER BY received_at, id",
                [all],
            )
        })
    }

    fn pending_intake(&self, id: PendingIntakeId) -> Result<PendingIntake> {
        self.read(|c| pending_intake(c, id))
    }

    fn resolve_pending_intake(
        &self,
        id: PendingIntakeId,
        resolution: PendingResolution,
        by: UserId,
        at: Timestamp,
    ) -> Result<PendingIntake> {
        self.write(|tx, _log| {
            let pending = pending_intake(tx, id)?;
            let Some(pending) = target::resolve_pending(&pending, &resolution, by, at)? else {
                return Ok(pending);
            };
            tx.execute(
                "UPDATE pending_intakes SET state = ?2, doc = ?3 WHERE id = ?1",
                params![
                    id.to_string(),
                    target::state_word(pending.state),
                    to_json(&pending)?
                ],
            )?;
            Ok(pending)
        })
    }
}

impl SqliteStore {
    pub(super) fn search_text(conn: &Connection, wo: &WorkOrder) -> Result<(String, String)> {
        let customer: Customer = get(conn, *wo.customer_id.as_uuid())?;
        let site: Site = get(conn, *wo.site_id.as_uuid())?;
        let text = work_order_search_text(wo, &customer, &site);
        Ok((text, site.details.region))
    }
}

/// Writes a work order row and logs the change, scoped to its engineer (and the one it left),
/// with what the change tells the customer in the notification outbox.
#[allow(clippy::too_many_arguments)]
pub(super) fn put_work_order(
    tx: &Transaction<'_>,
    log: &mut ChangeLog,
    wo: &WorkOrder,
    before: Option<&WorkOrder>,
    op: ChangeOp,
    at: DateTime<Utc>,
    extra: Vec<(&'static str, Value)>,
    region: &str,
    area: &FactsArea,
) -> Result<()> {
    write_row(tx, wo, op, extra)?;
    kpis::write(tx, area, wo, region)?;
    knowledge::count_answers(tx, before, wo)?;
    notices::enqueue(tx, before, wo, at)?;
    let previous = before.and_then(|b| b.assignee);
    log.record(
        tx,
        Change {
            engineer_id: wo.assignee,
            previous_engineer_id: previous.filter(|p| Some(*p) != wo.assignee),
            region: Some(region.to_owned()),
            ..wo.change(op, at)
        },
    )
}

pub(super) fn insert_history(
    tx: &Transaction<'_>,
    recorded_at: Timestamp,
    entry: &HistoryEntry,
) -> Result<()> {
    tx.execute(
        "INSERT INTO work_order_history (work_order_id, version, at, recorded_at, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![entry.work_order_id.to_string(), entry.version as i64, ts(entry.at), ts(recorded_at), to_json(entry)?],
    )?;
    Ok(())
}

pub(super) fn pending_intake(c: &Connection, id: PendingIntakeId) -> Result<PendingIntake> {
    let doc: Option<String> = c
        .query_row(
            "SELECT doc FROM pending_intakes WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    from_json(&doc.ok_or_else(|| Error::not_found("pending intake", id))?)
}

/// The intake rules' lookups on SQLite, in the filing transaction.
struct Lookups<'a, 'b> {
    tx: &'a Transaction<'b>,
    log: &'a mut ChangeLog,
}

impl target::Lookups for Lookups<'_, '_> {
    async fn asset_by_serial(&mut self, serial: &str) -> Result<Option<Asset>> {
        let found: Option<String> = self
            .tx
            .query_row(
                "SELECT doc FROM assets WHERE serial = ?1 LIMIT 1",
                [serial],
                |r| r.get(0),
            )
            .optional()?;
        found.as_deref().map(from_json).transpose()
    }

    async fn customer(&mut self, id: CustomerId) -> Result<Customer> {
        get(self.tx, *id.as_uuid())
    }

    async fn site(&mut self, id: SiteId) -> Result<Site> {
        get(self.tx, *id.as_uuid())
    }

    async fn asset(&mut self, id: AssetId) -> Result<Asset> {
        get(self.tx, *id.as_uuid())
    }

    async fn customer_by_phone(&mut self, digits: &str) -> Result<Option<CustomerId>> {
        let id: Option<String> = self
            .tx
            .query_row(
                &format!(
                    "SELECT id FROM customers WHERE {d} = ?1
                     UNION ALL SELECT customer_id FROM contacts WHERE {d} = ?1 LIMIT 1",
                    d = digits_of("phone")
                ),
                [digits],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|i| {
            i.parse()
                .map_err(|_| Error::Internal("bad customer id".into()))
        })
        .transpose()
    }

    async fn sites_of(&mut self, customer: CustomerId) -> Result<Vec<Site>> {
        docs(
            self.tx,
            "SELECT doc FROM sites WHERE customer_id = ?1 ORDER BY rowid",
            [customer.to_string()],
        )
    }

    async fn add_customer(&mut self, customer: &Customer, at: Timestamp) -> Result<()> {
        put(self.tx, self.log, customer, ChangeOp::Created, at)
    }

    async fn add_site(&mut self, site: &Site, at: Timestamp) -> Result<()> {
        put(self.tx, self.log, site, ChangeOp::Created, at)
    }
}

/// Finds (or for a new caller, creates) the customer, site and asset a request is about.
pub(super) fn resolve_target(
    tx: &Transaction<'_>,
    log: &mut ChangeLog,
    spec: &TargetSpec,
    at: Timestamp,
) -> Result<Resolved> {
    // Nothing here waits: SQLite's lookups answer at once.
    futures::executor::block_on(target::resolve(&mut Lookups { tx, log }, spec, at))
}
