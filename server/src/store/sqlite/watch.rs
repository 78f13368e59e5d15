//! Changes that other servers write to the same database file (several server processes on
//! one machine): a thread per file-backed store looks at the log's end every quarter second
//! while someone is subscribed, and publishes what others committed. A console on this server
//! then sees a step posted on another within a second. Subscribers fill any gap from the log
//! and drop what they have seen (`api/live.rs`), so the order of publishing does not matter:
//! this only wakes them.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::broadcast;

use super::{Change, changes_after, configure};
use crate::error::Result;

const EVERY: Duration = Duration::from_millis(250);
/// The most changes published per look; the rest come with the next.
const PAGE: u32 = 500;

/// Stops its thread when dropped (with the store).
#[derive(Debug)]
pub(super) struct Watch {
    stop: Arc<AtomicBool>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts watching `path`'s log past `published` (the highest change this store has
/// published, which its own writes advance too).
pub(super) fn start(
    path: &Path,
    feed: broadcast::Sender<Change>,
    published: Arc<AtomicI64>,
) -> Result<Watch> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    configure(&conn)?;
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = Arc::clone(&stop);
    std::thread::Builder::new()
        .name("fixline-log-watch".into())
        .spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(EVERY);
                if feed.receiver_count() == 0 {
                    continue;
                }
                if let Err(e) = publish_new(&conn, &feed, &published) {
                    tracing::warn!("reading the change log for other servers' changes: {e}");
                }
            }
        })
        .map_err(|e| crate::Error::Internal(format!("starting the log watcher: {e}")))?;
    Ok(Watch { stop })
}

fn publish_new(
    conn: &Connection,
    feed: &broadcast::Sender<Change>,
    published: &AtomicI64,
) -> Result<()> {
    let seen = published.load(Ordering::Acquire);
    let newest: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM changes", [], |r| {
        r.get(0)
    })?;
    if newest <= seen {
        return Ok(());
    }
    for change in changes_after(conn, seen, PAGE)? {
        published.fetch_max(change.seq, Ordering::AcqRel);
        let _ = feed.send(change);
    }
    Ok(())
}
