//! Backing the database up while the server runs (SQLite's online backup API: a consistent
//! copy, page by page, that writers do not wait for), and restoring a backup, checked first.

use std::path::Path;

use rusqlite::backup::Progress;
use rusqlite::{Connection, MAIN_DB, OpenFlags};

use super::{MIGRATIONS, SqliteStore};
use crate::error::{Error, Result};

/// Copies the database at `db` to a new file `dest`, and checks the copy.
pub fn backup(db: &Path, dest: &Path) -> Result<()> {
    if dest.exists() {
        return Err(Error::Conflict(format!(
            "{} already exists; back up to a new file",
            dest.display()
        )));
    }
    let source = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    source.busy_timeout(std::time::Duration::from_secs(10))?;
    source.backup(MAIN_DB, dest, None)?;
    check(dest).map(drop)
}

/// Replaces the database at `db` with the backup at `from` (the server must be stopped), then
/// brings its schema up to date. A file that is not a sound Fixline backup is refused and
/// nothing is touched.
pub fn restore(from: &Path, db: &Path) -> Result<()> {
    check(from)?;
    let mut target = Connection::open(db)?;
    target.restore(MAIN_DB, from, None::<fn(Progress)>)?;
    drop(target);
    SqliteStore::open(db).map(drop)
}

/// A sound Fixline database: SQLite's integrity check passes and its schema is one of ours.
/// Its schema version.
fn check(path: &Path) -> Result<i64> {
    let refuse =
        |why: String| Error::bad_request("not_a_backup", format!("{}: {why}", path.display()));
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| refuse(e.to_string()))?;
    let integrity: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| refuse(e.to_string()))?;
    if integrity != "ok" {
        return Err(refuse(format!("damaged ({integrity})")));
    }
    let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let ours: bool = c.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'work_orders')",
        [],
        |r| r.get(0),
    )?;
    if !ours || version < 1 {
        return Err(refuse("not a Fixline database".to_owned()));
    }
    if version > MIGRATIONS.len() as i64 {
        return Err(refuse(format!(
            "made by a newer Fixline (schema {version}; this one knows {})",
            MIGRATIONS.len()
        )));
    }
    Ok(version)
}
