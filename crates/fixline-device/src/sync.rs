//! The sync engine: push the outbox, then pull pages until up to date.
//!
//! Safe to stop at any instant (app killed, network lost): an action leaves the outbox only
//! when the server's answer is stored, and the server answers a repeated action id with its
//! first answer, so a resend never applies twice; a page and its cursor are stored in one
//! transaction, so a pull resumes where the last stored page ended.

use fixline_core::device::SyncReport;
use fixline_core::sync::{PullProgress, PullRecord, PushRequest, SyncCursor};
use serde::Deserialize;

use crate::client::ServerLink;
use crate::error::{Error, Result};
use crate::files;
use crate::store::DeviceStore;
use fixline_core::device::OutboxState;

/// Records per pull page.
const PAGE: u32 = 500;
/// Enough pages for any real day; a server that never says "complete" cannot loop us forever.
const MAX_PAGES: usize = 10_000;

/// Pushes every due action, then pulls until complete. `force` ignores retry back-off (the
/// "sync now" button). `progress` is told how far the pull has come after each page.
pub async fn sync(
    store: &DeviceStore,
    force: bool,
    mut progress: impl FnMut(PullProgress),
) -> Result<SyncReport> {
    let session = store.session()?.ok_or(Error::NotSignedIn)?;
    let link = ServerLink::for_session(&session)?;
    let outcome = run(store, &link, force, &mut progress).await;
    let now = store.now();
    match &outcome {
        Ok(_) => store.record_attempt(now, None)?,
        Err(e) => store.record_attempt(now, Some(e))?,
    }
    outcome
}

async fn run(
    store: &DeviceStore,
    link: &ServerLink,
    force: bool,
    progress: &mut impl FnMut(PullProgress),
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    // The seal key first: the server takes a receipt only with a key registered to its sender.
    files::register_key(store, link).await?;
    let registered = store.device_secret()?.1.is_some();
    push(store, link, force, &mut report).await?;
    if registered && store.device_secret()?.1.is_none() {
        // The server no longer took this device's key (an administrator revoked it): register
        // it again, or a new one with the waiting receipts sealed again, and send those now.
        files::register_key(store, link).await?;
        push(store, link, force, &mut report).await?;
    }
    report_position(store, link).await?;
    pull(store, link, progress, &mut report).await?;
    files::sync_files(store, link, &mut report).await?;
    report.bytes = link.bytes_transferred();
    Ok(report)
}

async fn push(
    store: &DeviceStore,
    link: &ServerLink,
    force: bool,
    report: &mut SyncReport,
) -> Result<()> {
    let mut sent_before = std::collections::HashSet::new();
    loop {
        let due = store.due_actions(store.now(), force)?;
        // Anything already sent in this sync was postponed by the server: leave it for later.
        let due: Vec<_> = due
            .into_iter()
            .filter(|a| !sent_before.contains(&a.id))
            .collect();
        if due.is_empty() {
            return Ok(());
        }
        let ids: Vec<_> = due.iter().map(|a| a.id).collect();
        sent_before.extend(ids.iter().copied());
        let answer = match link.push(&PushRequest { actions: due }).await {
            Ok(answer) => answer,
            Err(e) => {
                if e.is_transient() {
                    store.postpone(&ids, &e.to_string(), store.now())?;
                }
                return Err(e);
            }
        };
        for result in &answer.results {
            if matches!(&result.outcome, fixline_core::sync::PushOutcome::Rejected { code, .. }
                if code == fixline_core::sync::UNKNOWN_DEVICE)
            {
                store.forget_key_registration()?;
            }
            match store.settle(result, store.now())? {
                OutboxState::Applied => report.applied += 1,
                OutboxState::Conflict => report.conflicts += 1,
                OutboxState::Rejected => report.rejected += 1,
                OutboxState::Pending => report.postponed += 1,
            }
        }
        if answer.results.len() < ids.len() {
            return Err(Error::BadServerData(format!(
                "the server answered {} of {} actions",
                answer.results.len(),
                ids.len()
            )));
        }
    }
}

/// Sends the position waiting to be reported, if it is still fresh enough to mean anything
/// (an old point would put the engineer where they no longer are). A refusal drops it; a
/// network failure keeps it for the next sync.
async fn report_position(store: &DeviceStore, link: &ServerLink) -> Result<()> {
    let Some(fix) = store.pending_position()? else {
        return Ok(());
    };
    let engineer = store.session()?.and_then(|s| s.user.engineer_id);
    let fresh = store.now() - fix.at < fixline_core::eta::FRESH_FIX;
    let Some(engineer) = engineer.filter(|_| fresh) else {
        return store.position_settled(fix, false);
    };
    let ping = fixline_api::engineers::PositionPing {
        lat: fix.position.lat,
        lon: fix.position.lon,
        at: Some(fix.at),
    };
    match link
        .post_empty(&format!("/api/v1/engineers/{engineer}/position"), &ping)
        .await
    {
        Ok(()) => store.position_settled(fix, true),
        Err(e) if e.is_transient() => Err(e),
        Err(_) => store.position_settled(fix, false),
    }
}

/// After a pull that brought this many articles (the first sync, a big publication), the
/// search index is merged into one segment so searches read each word once.
const TIDY_AFTER_ARTICLES: usize = 200;

async fn pull(
    store: &DeviceStore,
    link: &ServerLink,
    progress: &mut impl FnMut(PullProgress),
    report: &mut SyncReport,
) -> Result<()> {
    let mut articles = 0;
    for _ in 0..MAX_PAGES {
        let cursor = store.cursor()?;
        let raw = link.pull(&cursor, PAGE).await?;
        let page = read_page(raw)?;
        store.store_page(&page.records, &page.cursor)?;
        articles += page
            .records
            .iter()
            .filter(|r| matches!(r, PullRecord::Article(_)))
            .count();
        report.pulled += page.records.len() as u32;
        report.skipped.extend(page.skipped);
        progress(page.progress);
        if page.complete {
            if articles >= TIDY_AFTER_ARTICLES {
                store.tidy_search_index()?;
            } else if articles > 0 {
                store.refresh_broad_words()?;
            }
            return Ok(());
        }
    }
    Err(Error::BadServerData(format!(
        "the server sent more than {MAX_PAGES} pages without finishing"
    )))
}

/// A page as read: the records this app understands, and why any others were skipped.
#[derive(Debug)]
pub struct ReadPage {
    pub records: Vec<PullRecord>,
    pub skipped: Vec<String>,
    pub cursor: SyncCursor,
    pub complete: bool,
    pub progress: PullProgress,
}

#[derive(Deserialize)]
struct RawPage {
    records: Vec<serde_json::Value>,
    cursor: SyncCursor,
    complete: bool,
    progress: PullProgress,
}

/// Reads a pull page record by record: a record of a kind or shape this app version does not
/// know (a newer server) is skipped and reported, never fatal; a page without a readable
/// cursor is refused whole, so nothing is stored and the next sync asks again.
pub fn read_page(raw: serde_json::Value) -> Result<ReadPage> {
    let page: RawPage = serde_json::from_value(raw)
        .map_err(|e| Error::BadServerData(format!("not a sync page: {e}")))?;
    let mut records = Vec::with_capacity(page.records.len());
    let mut skipped = Vec::new();
    for value in page.records {
        let kind = value
            .get("record")
            .and_then(|k| k.as_str())
            .unwrap_or("(no record type)")
            .to_owned();
        match serde_json::from_value::<PullRecord>(value) {
            Ok(record) => records.push(record),
            Err(e) => skipped.push(format!("{kind}: {e}")),
        }
    }
    Ok(ReadPage {
        records,
        skipped,
        cursor: page.cursor,
        complete: page.complete,
        progress: page.progress,
    })
}
