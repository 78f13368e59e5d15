//! Records on PostgreSQL: a JSONB document with the columns `store::record` names, read,
//! locked, written and edited at a version the same way for every kind of record.

use fixline_api::live::ChangeOp;
use fixline_core::Timestamp;
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Transaction};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::store::record::{Column, Record};

type Param = Box<dyn ToSql + Sync + Send>;

/// A record's column as PostgreSQL keeps it.
fn param(column: Column) -> Param {
    match column {
        Column::Text(t) => Box::new(t),
        Column::OptText(t) => Box::new(t),
        Column::Int(i) => Box::new(i),
        Column::Id(id) => Box::new(id),
        Column::OptId(id) => Box::new(id),
        Column::Time(t) => Box::new(t),
    }
}

pub(super) fn doc<R: Record>(r: &R) -> Result<serde_json::Value> {
    serde_json::to_value(r).map_err(|e| Error::Internal(format!("{}: {e}", R::NAME)))
}

pub(super) fn read<R: Record>(doc: serde_json::Value) -> Result<R> {
    serde_json::from_value(doc)
        .map_err(|e| Error::Internal(format!("unreadable {} in the database: {e}", R::NAME)))
}

/// Documents `sql` selects (its first column).
pub(super) async fn docs<T: serde::de::DeserializeOwned>(
    c: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<T>> {
    c.query(sql, params)
        .await?
        .into_iter()
        .map(|r| {
            serde_json::from_value(r.get(0))
                .map_err(|e| Error::Internal(format!("unreadable record in the database: {e}")))
        })
        .collect()
}

pub(super) async fn get<R: Record>(c: &impl GenericClient, id: Uuid) -> Result<R> {
    let row = c
        .query_opt(
            &format!("SELECT doc FROM {} WHERE id = $1", R::TABLE),
            &[&id],
        )
        .await?
        .ok_or_else(|| Error::not_found(R::NAME, id))?;
    read(row.get(0))
}

/// The record, locked until `tx` ends.
pub(super) async fn locked<R: Record>(tx: &Transaction<'_>, id: Uuid) -> Result<R> {
    let row = tx
        .query_opt(
            &format!("SELECT doc FROM {} WHERE id = $1 FOR UPDATE", R::TABLE),
            &[&id],
        )
        .await?
        .ok_or_else(|| Error::not_found(R::NAME, id))?;
    read(row.get(0))
}

/// Inserts (`Created`) or updates the record's row; `extra` adds columns the record alone
/// cannot fill.
pub(super) async fn write<R: Record>(
    tx: &Transaction<'_>,
    r: &R,
    op: ChangeOp,
    extra: Vec<(&'static str, Column)>,
) -> Result<()> {
    let mut names = vec!["version", "doc"];
    let mut params: Vec<Param> = vec![Box::new(r.version() as i64), Box::new(doc(r)?)];
    for (name, column) in r.columns().into_iter().chain(extra) {
        names.push(name);
        params.push(param(column));
    }
    params.push(Box::new(r.uuid()));
    let id = params.len();
    let sql = if op == ChangeOp::Created {
        let marks: Vec<String> = (1..=id).map(|i| format!("${i}")).collect();
        format!(
            "INSERT INTO {} ({}, id) VALUES ({})",
            R::TABLE,
            names.join(", "),
            marks.join(", ")
        )
    } else {
        let sets: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{n} = ${}", i + 1))
            .collect();
        format!(
            "UPDATE {} SET {} WHERE id = ${id}",
            R::TABLE,
            sets.join(", ")
        )
    };
    let refs: Vec<&(dyn ToSql + Sync)> = params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect();
    // A duplicate or a reference to nothing (a hand-over to an engineer who does not exist)
    // is the request's fault, as on SQLite.
    tx.execute(&sql, &refs)
        .await
        .map_err(|e| super::constraint(e, R::NAME))?;
    Ok(())
}

/// Edits the record at the version the editor saw: locked, checked, edited, its version
/// bumped, written. The caller logs the change.
pub(super) async fn update<R: Record>(
    tx: &Transaction<'_>,
    id: Uuid,
    expected: u64,
    at: Timestamp,
    edit: impl FnOnce(&mut R),
) -> Result<R> {
    let mut r: R = locked(tx, id).await?;
    if r.version() != expected {
        return Err(Error::StaleVersion {
            entity: R::NAME,
            current: r.version(),
        });
    }
    edit(&mut r);
    r.bump(at);
    write(tx, &r, ChangeOp::Updated, Vec::new()).await?;
    Ok(r)
}
