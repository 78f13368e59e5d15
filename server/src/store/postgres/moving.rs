//! Moving a SQLite database into PostgreSQL (`fixline-server migrate-store`): every table
//! copied row by row, each value converted by the type of its PostgreSQL column, then every
//! table read back and compared with what was read, all in one transaction: the move lands
//! whole and checked, or not at all.
//!
//! The two schemas name the same tables and columns (the PostgreSQL migrations were written
//! after SQLite's), so the copy is driven by PostgreSQL's catalogue, not by a list kept here.
//! What differs is said once below: PostgreSQL's own tables, SQLite's search index, and the
//! columns PostgreSQL fills itself (`added`: the order rows arrived in, which the copy keeps by
//! inserting in SQLite's row order).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::types::Value;
use serde_json::Value as Json;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use crate::error::{Error, Result};

/// PostgreSQL's tables of its own: the migrations' record and the log's counter (set after).
const OWN_TABLES: [&str; 2] = ["schema_migrations", "change_counter"];
/// Rows per INSERT.
const BATCH: usize = 200;

/// One table moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMoved {
    pub table: String,
    pub rows: usize,
}

/// A column of the PostgreSQL schema.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: String,
    /// Filled by PostgreSQL (`GENERATED ALWAYS AS IDENTITY`).
    identity: bool,
}

/// One value, typed as its PostgreSQL column wants it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null(&'static str),
    Uuid(Uuid),
    Time(DateTime<Utc>),
    Date(NaiveDate),
    Json(Json),
    Bool(bool),
    Int(i32),
    BigInt(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Cell {
    /// A SQLite value as the PostgreSQL column `kind` takes it.
    fn from_sqlite(value: Value, kind: &str, place: &dyn Fn() -> String) -> Result<Cell> {
        let bad = |what: &str| Error::Internal(format!("{}: {what}", place()));
        Ok(match (kind, value) {
            (_, Value::Null) => Cell::Null(null_of(kind)),
            // A job not finished has no day: '' on SQLite, NULL here.
            ("date", Value::Text(t)) if t.is_empty() => Cell::Null("date"),
            ("uuid", Value::Text(t)) => Cell::Uuid(t.parse().map_err(|_| bad("not a UUID"))?),
            ("timestamp with time zone", Value::Text(t)) => Cell::Time(
                DateTime::parse_from_rfc3339(&t)
                    .map_err(|_| bad("not a time"))?
                    .with_timezone(&Utc),
            ),
            ("date", Value::Text(t)) => Cell::Date(t.parse().map_err(|_| bad("not a day"))?),
            ("jsonb", Value::Text(t)) => {
                Cell::Json(serde_json::from_str(&t).map_err(|_| bad("not JSON"))?)
            }
            ("boolean", Value::Integer(i)) => Cell::Bool(i != 0),
            ("integer", Value::Integer(i)) => {
                Cell::Int(i32::try_from(i).map_err(|_| bad("too large"))?)
            }
            ("bigint", Value::Integer(i)) => Cell::BigInt(i),
            ("double precision", Value::Real(f)) => Cell::Float(f),
            ("double precision", Value::Integer(i)) => Cell::Float(i as f64),
            ("text", Value::Text(t)) => Cell::Text(t),
            ("bytea", Value::Blob(b)) => Cell::Bytes(b),
            (kind, value) => return Err(bad(&format!("{value:?} cannot become {kind}"))),
        })
    }

    /// The value PostgreSQL holds in column `i` of `row`.
    fn from_postgres(row: &tokio_postgres::Row, i: usize, kind: &str) -> Result<Cell> {
        fn opt<T>(v: Option<T>, kind: &str, cell: impl FnOnce(T) -> Cell) -> Cell {
            v.map_or(Cell::Null(null_of(kind)), cell)
        }
        Ok(match kind {
            "uuid" => opt(row.try_get(i)?, kind, Cell::Uuid),
            "timestamp with time zone" => opt(row.try_get(i)?, kind, Cell::Time),
            "date" => opt(row.try_get(i)?, kind, Cell::Date),
            "jsonb" => opt(row.try_get(i)?, kind, Cell::Json),
            "boolean" => opt(row.try_get(i)?, kind, Cell::Bool),
            "integer" => opt(row.try_get(i)?, kind, Cell::Int),
            "bigint" => opt(row.try_get(i)?, kind, Cell::BigInt),
            "double precision" => opt(row.try_get(i)?, kind, Cell::Float),
            "text" => opt(row.try_get(i)?, kind, Cell::Text),
            "bytea" => opt(row.try_get(i)?, kind, Cell::Bytes),
            other => return Err(Error::Internal(format!("a column of type {other}"))),
        })
    }

    fn param(&self) -> Box<dyn ToSql + Sync + Send> {
        match self.clone() {
            Cell::Null(kind) => match kind {
                "uuid" => Box::new(None::<Uuid>),
                "timestamp with time zone" => Box::new(None::<DateTime<Utc>>),
                "date" => Box::new(None::<NaiveDate>),
                "jsonb" => Box::new(None::<Json>),
                "boolean" => Box::new(None::<bool>),
                "integer" => Box::new(None::<i32>),
                "bigint" => Box::new(None::<i64>),
                "double precision" => Box::new(None::<f64>),
                "bytea" => Box::new(None::<Vec<u8>>),
                _ => Box::new(None::<String>),
            },
            Cell::Uuid(v) => Box::new(v),
            Cell::Time(v) => Box::new(v),
            Cell::Date(v) => Box::new(v),
            Cell::Json(v) => Box::new(v),
            Cell::Bool(v) => Box::new(v),
            Cell::Int(v) => Box::new(v),
            Cell::BigInt(v) => Box::new(v),
            Cell::Float(v) => Box::new(v),
            Cell::Text(v) => Box::new(v),
            Cell::Bytes(v) => Box::new(v),
        }
    }

    /// The value as the comparison sees it.
    fn shown(&self) -> Json {
        match self {
            Cell::Null(_) => Json::Null,
            Cell::Uuid(v) => Json::String(v.to_string()),
            Cell::Time(v) => Json::String(v.to_rfc3339_opts(SecondsFormat::Micros, true)),
            Cell::Date(v) => Json::String(v.to_string()),
            Cell::Json(v) => v.clone(),
            Cell::Bool(v) => Json::Bool(*v),
            Cell::Int(v) => Json::from(*v),
            Cell::BigInt(v) => Json::from(*v),
            Cell::Float(v) => Json::from(*v),
            Cell::Text(v) => Json::String(v.clone()),
            Cell::Bytes(v) => Json::String(v.iter().map(|b| format!("{b:02x}")).collect()),
        }
    }
}

/// The kind names `Cell::Null` keeps (static, so a null knows its type).
fn null_of(kind: &str) -> &'static str {
    [
        "uuid",
        "timestamp with time zone",
        "date",
        "jsonb",
        "boolean",
        "integer",
        "bigint",
        "double precision",
        "bytea",
    ]
    .into_iter()
    .find(|k| *k == kind)
    .unwrap_or("text")
}

/// Moves the SQLite database at `from` into the empty PostgreSQL database at `to` (its schema
/// made or brought up to date first) and checks every table; answers what moved.
pub fn move_sqlite(from: &Path, to: &str) -> Result<Vec<TableMoved>> {
    // Brings the file's schema up to date, as its server would.
    drop(crate::store::SqliteStore::open(from)?);
    let sqlite = rusqlite::Connection::open_with_flags(
        from,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // One read transaction: every table as of one moment, even if a server still writes.
    sqlite.execute_batch("BEGIN")?;
    let guides: i64 = sqlite.query_row("SELECT count(*) FROM guides", [], |r| r.get(0))?;
    if guides > 0 {
        return Err(Error::bad_request(
            "guides_not_adopted",
            "this database still holds repair guides from before the knowledge base: start the \
             server on it once (it moves them into articles), stop it, then move it",
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("starting a runtime: {e}")))?;
    runtime.block_on(async {
        let (mut client, connection) = tokio_postgres::connect(to, tokio_postgres::NoTls).await?;
        let connected = tokio::spawn(connection);
        super::migrate(&mut client).await?;
        let moved = copy_all(&sqlite, &mut client).await;
        drop(client);
        let _ = connected.await;
        moved
    })
}

async fn copy_all(
    sqlite: &rusqlite::Connection,
    client: &mut tokio_postgres::Client,
) -> Result<Vec<TableMoved>> {
    let tx = client.transaction().await?;
    let tables = tables_in_order(&tx).await?;
    for (table, _) in &tables {
        let any: bool = tx
            .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), &[])
            .await?
            .get(0);
        if any {
            return Err(Error::Conflict(format!(
                "the PostgreSQL database is not empty ({table} has rows): move into a new one"
            )));
        }
    }
    let mut moved = Vec::new();
    for (table, columns) in &tables {
        let columns = moved_columns(sqlite, table, columns)?;
        let rows = read_sqlite(sqlite, table, &columns)?;
        insert(&tx, table, &columns, &rows).await?;
        let back = read_postgres(&tx, table, &columns).await?;
        compare(table, &columns, &rows, &back)?;
        moved.push(TableMoved {
            table: table.clone(),
            rows: rows.len(),
        });
    }
    for (table, columns) in &tables {
        for c in columns.iter().filter(|c| c.identity) {
            // The next row added gets the number after the largest moved.
            tx.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{0}'), max({0}))
                     FROM {table} HAVING count(*) > 0",
                    c.name
                ),
                &[],
            )
            .await?;
        }
    }
    tx.execute(
        "UPDATE change_counter SET seq = (SELECT COALESCE(max(seq), 0) FROM changes)",
        &[],
    )
    .await?;
    tx.commit().await?;
    Ok(moved)
}

/// The schema's tables with their columns, each after the tables it refers to.
async fn tables_in_order(
    tx: &tokio_postgres::Transaction<'_>,
) -> Result<Vec<(String, Vec<Column>)>> {
    let mut tables: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    for row in tx
        .query(
            "SELECT table_name::text, column_name::text, data_type::text, is_identity = 'YES'
             FROM information_schema.columns WHERE table_schema = current_schema()
             ORDER BY table_name, ordinal_position",
            &[],
        )
        .await?
    {
        let table: String = row.get(0);
        if OWN_TABLES.contains(&table.as_str()) {
            continue;
        }
        tables.entry(table).or_default().push(Column {
            name: row.get(1),
            kind: row.get(2),
            identity: row.get(3),
        });
    }
    let mut refers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in tx
        .query(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text
             FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
             WHERE c.contype = 'f' AND n.nspname = current_schema()",
            &[],
        )
        .await?
    {
        let (from, to): (String, String) = (row.get(0), row.get(1));
        if from != to {
            refers.entry(from).or_default().insert(to);
        }
    }
    let mut ordered = Vec::new();
    let mut placed = BTreeSet::new();
    while placed.len() < tables.len() {
        let ready: Vec<String> = tables
            .keys()
            .filter(|t| !placed.contains(*t))
            .filter(|t| {
                refers.get(*t).is_none_or(|to| {
                    to.iter()
                        .all(|r| placed.contains(r) || !tables.contains_key(r))
                })
            })
            .cloned()
            .collect();
        if ready.is_empty() {
            return Err(Error::Internal(
                "the schema's references go round in a circle".into(),
            ));
        }
        for t in ready {
            placed.insert(t.clone());
            ordered.push(t);
        }
    }
    Ok(ordered
        .into_iter()
        .map(|t| {
            let columns = tables.remove(&t).unwrap_or_default();
            (t, columns)
        })
        .collect())
}

/// The columns SQLite has values for: all but those PostgreSQL numbers itself and SQLite
/// never had (`added`).
fn moved_columns(
    sqlite: &rusqlite::Connection,
    table: &str,
    columns: &[Column],
) -> Result<Vec<Column>> {
    let mut stmt = sqlite.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?;
    let known: BTreeSet<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if known.is_empty() {
        return Err(Error::Internal(format!(
            "the SQLite database has no table {table}"
        )));
    }
    columns
        .iter()
        .filter(|c| known.contains(&c.name) || !c.identity)
        .map(|c| {
            if known.contains(&c.name) {
                Ok(c.clone())
            } else {
                Err(Error::Internal(format!(
                    "the SQLite table {table} has no column {}",
                    c.name
                )))
            }
        })
        .collect()
}

/// Every row of `table`, in the order SQLite added them.
fn read_sqlite(
    sqlite: &rusqlite::Connection,
    table: &str,
    columns: &[Column],
) -> Result<Vec<Vec<Cell>>> {
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    // A table WITHOUT ROWID has no arrival order to keep; its key orders it.
    let keyed: bool = sqlite.query_row(
        "SELECT sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [table],
        |r| r.get(0),
    )?;
    let order = if keyed { "" } else { " ORDER BY rowid" };
    let mut stmt = sqlite.prepare(&format!("SELECT {} FROM {table}{order}", names.join(", ")))?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let n = out.len() + 1;
        let mut cells = Vec::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            let place = || format!("{table} row {n}, {}", c.name);
            cells.push(Cell::from_sqlite(row.get(i)?, &c.kind, &place)?);
        }
        out.push(cells);
    }
    Ok(out)
}

async fn insert(
    tx: &tokio_postgres::Transaction<'_>,
    table: &str,
    columns: &[Column],
    rows: &[Vec<Cell>],
) -> Result<()> {
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let overriding = if columns.iter().any(|c| c.identity) {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    for batch in rows.chunks(BATCH) {
        let mut marks = Vec::with_capacity(batch.len());
        let mut params = Vec::with_capacity(batch.len() * columns.len());
        for row in batch {
            let base = params.len();
            marks.push(format!(
                "({})",
                (1..=row.len())
                    .map(|i| format!("${}", base + i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            params.extend(row.iter().map(Cell::param));
        }
        let refs: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect();
        tx.execute(
            &format!(
                "INSERT INTO {table} ({}){overriding} VALUES {}",
                names.join(", "),
                marks.join(", ")
            ),
            &refs,
        )
        .await?;
    }
    Ok(())
}

async fn read_postgres(
    tx: &tokio_postgres::Transaction<'_>,
    table: &str,
    columns: &[Column],
) -> Result<Vec<Vec<Cell>>> {
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let rows = tx
        .query(&format!("SELECT {} FROM {table}", names.join(", ")), &[])
        .await?;
    rows.iter()
        .map(|row| {
            columns
                .iter()
                .enumerate()
                .map(|(i, c)| Cell::from_postgres(row, i, &c.kind))
                .collect()
        })
        .collect()
}

/// The same rows on both sides, whatever their order.
fn compare(table: &str, columns: &[Column], read: &[Vec<Cell>], back: &[Vec<Cell>]) -> Result<()> {
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let shown = |rows: &[Vec<Cell>]| -> Vec<String> {
        let mut out: Vec<String> = rows
            .iter()
            .map(|r| {
                let object: serde_json::Map<String, Json> = names
                    .iter()
                    .zip(r)
                    .map(|(n, c)| ((*n).to_owned(), c.shown()))
                    .collect();
                Json::Object(object).to_string()
            })
            .collect();
        out.sort();
        out
    };
    let (read, back) = (shown(read), shown(back));
    if read.len() != back.len() {
        return Err(Error::Internal(format!(
            "{table}: {} rows read, {} in PostgreSQL",
            read.len(),
            back.len()
        )));
    }
    if let Some((a, b)) = read.iter().zip(&back).find(|(a, b)| a != b) {
        return Err(Error::Internal(format!(
            "{table} differs after the move:\n  read:    {a}\n  written: {b}"
        )));
    }
    Ok(())
}
