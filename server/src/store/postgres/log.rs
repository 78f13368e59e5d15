//! The schema's migrations and the change log on PostgreSQL.
//!
//! The log's numbers come from one counter row (migration `0001_change_log.sql`), so they are
//! committed in the order they are handed out and without gaps; a reader following the log
//! never skips a change. Each commit that logs changes notifies [`CHANNEL`] with its last
//! number, so every server's live feed hears every change and reads it from the log.

use chrono::{DateTime, Utc};
use fixline_api::live::{Change, ChangeOp, Entity};
use fixline_core::ids::EngineerId;
use tokio_postgres::{GenericClient, Transaction};

use crate::error::{Error, Result};
use crate::store::schema::POSTGRES_MIGRATIONS;

/// The notification channel a commit that logged changes announces its last number on.
pub const CHANNEL: &str = "fixline_changes";

/// Any lock number will do, as long as nothing else uses it.
const MIGRATION_LOCK: i64 = 0x0066_6978_6c69_6e65;

/// Brings the schema up to date.
pub async fn migrate(client: &mut tokio_postgres::Client) -> Result<()> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )
    .await?;
    let newest: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await?
        .get(0);
    let known = POSTGRES_MIGRATIONS.len() as i32;
    if newest > known {
        return Err(Error::Internal(format!(
            "the database's schema is version {newest}, newer than this Fixline knows ({known}); \
             run the newer Fixline"
        )));
    }
    // Each applied once, in order, under the lock, so servers starting together agree.
    for (version, (_, sql)) in (1..).zip(POSTGRES_MIGRATIONS).skip(newest as usize) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&version],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Logs `changes` in `tx`, numbering them; call it as the transaction's last statement (the
/// counter row stays locked until commit, holding other log writers back). Returns the
/// changes with their numbers. The commit announces the last on [`CHANNEL`].
pub async fn append(tx: &Transaction<'_>, changes: &[Change]) -> Result<Vec<Change>> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let n = changes.len() as i64;
    let last: i64 = tx
        .query_one(
            "UPDATE change_counter SET seq = seq + $1 RETURNING seq",
            &[&n],
        )
        .await?
        .get(0);
    let insert = tx
        .prepare(
            "INSERT INTO changes (seq, at, entity, entity_id, op, version, engineer_id,
                 previous_engineer_id, region, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .await?;
    let mut numbered = Vec::with_capacity(changes.len());
    for (i, change) in changes.iter().enumerate() {
        let seq = last - n + 1 + i as i64;
        let version = change.version.map(|v| v as i64);
        tx.execute(
            &insert,
            &[
                &seq,
                &change.at,
                &word(&change.entity)?,
                &change.entity_id,
                &word(&change.op)?,
                &version,
                &change.engineer_id.map(|e| *e.as_uuid()),
                &change.previous_engineer_id.map(|e| *e.as_uuid()),
                &change.region,
                &change.data,
            ],
        )
        .await?;
        numbered.push(Change {
            seq,
            ..change.clone()
        });
    }
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &last.to_string()])
        .await?;
    Ok(numbered)
}

/// Up to `limit` changes after `seq`, in order.
pub async fn changes_since(
    client: &impl GenericClient,
    seq: i64,
    limit: u32,
) -> Result<Vec<Change>> {
    let rows = client
        .query(
            "SELECT seq, at, entity, entity_id, op, version, engineer_id, previous_engineer_id,
                    region, data
             FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&seq, &i64::from(limit)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let at: DateTime<Utc> = r.get(1);
            let version: Option<i64> = r.get(5);
            let engineer: Option<uuid::Uuid> = r.get(6);
            let previous: Option<uuid::Uuid> = r.get(7);
            Ok(Change {
                seq: r.get(0),
                at,
                entity: parse::<Entity>(r.get(2))?,
                entity_id: r.get(3),
                op: parse::<ChangeOp>(r.get(4))?,
                version: version.map(|v| v as u64),
                engineer_id: engineer.map(EngineerId::from_uuid),
                previous_engineer_id: previous.map(EngineerId::from_uuid),
                region: r.get(8),
                data: r.get(9),
            })
        })
        .collect()
}

/// The newest change's number, 0 when there is none.
pub async fn latest_seq(client: &impl GenericClient) -> Result<i64> {
    Ok(client
        .query_one("SELECT seq FROM change_counter", &[])
        .await?
        .get(0))
}

/// An enum as the word it is on the wire (`work_order`, `updated`).
fn word<T: serde::Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        other => Err(Error::Internal(format!("not a word: {other:?}"))),
    }
}

fn parse<T: serde::de::DeserializeOwned>(word: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(word.to_owned()))
        .map_err(|e| Error::Internal(format!("unreadable change log word {word:?}: {e}")))
}
