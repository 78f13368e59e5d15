//! Live status: every committed change as server-sent events, in commit order, filterable by
//! engineer and region; and the change log itself, page by page.
//!
//! A subscriber that falls behind, or reconnects with `Last-Event-ID`, is caught up from the
//! change log, so no event is lost or repeated.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use fixline_core::ids::EngineerId;
use fixline_core::role::Role;
use futures::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::extract::Query;
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};
use crate::store::{Change, Visibility};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(changes))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LiveQuery {
    /// Only changes concerning this engineer (their jobs, their position).
    pub engineer: Option<Uuid>,
    /// Only changes in this region.
    pub region: Option<String>,
    /// Start after this change; otherwise from now (or from `Last-Event-ID`).
    pub since: Option<i64>,
}

#[derive(Debug, Clone)]
struct LiveFilter {
    engineer: Option<EngineerId>,
    region: Option<String>,
}

impl LiveFilter {
    fn matches(&self, c: &Change) -> bool {
        let engineer_ok = self
            .engineer
            .is_none_or(|e| c.engineer_id == Some(e) || c.previous_engineer_id == Some(e));
        let region_ok = self
            .region
            .as_ref()
            .is_none_or(|r| c.region.as_ref() == Some(r));
        engineer_ok && region_ok
    }
}

/// Server-sent events, one `change` event per change; the event id is the change's `seq`.
#[utoipa::path(get, path = "/api/v1/live", tag = "live", params(LiveQuery),
    responses((status = 200, description = "text/event-stream of Change", content_type = "text/event-stream", body = Change),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn live(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Query(q): Query<LiveQuery>,
) -> Result<Sse<impl Stream<Item = std::result::Result<Event, Infallible>>>> {
    let mut engineer = q.engineer.map(EngineerId::from_uuid);
    if let Visibility::Engineer(me) = user.visibility() {
        if engineer.is_some_and(|e| e != me) {
            return Err(Error::forbidden("engineers follow only their own changes"));
        }
        engineer = Some(me);
    }
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    // Subscribe before reading the log's end, so nothing committed in between is missed.
    let rx = state.store().subscribe();
    let start = match q.since.or(last_event_id) {
        Some(seq) => seq,
        None => state.run(|s| s.latest_seq()).await?,
    };
    let feed = Feed {
        state,
        rx,
        last: start,
        // A client that names where it was gets what it missed at once, from the log.
        behind: true,
        backlog: VecDeque::new(),
        filter: LiveFilter {
            engineer,
            region: q.region,
        },
    };
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        let change = feed.next().await?;
        let event = Event::default()
            .id(change.seq.to_string())
            .event("change")
            .json_data(&change)
            .unwrap_or_else(|_| Event::default().comment("unserialisable change"));
        Some((Ok(event), feed))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

struct Feed {
    state: AppState,
    rx: tokio::sync::broadcast::Receiver<Change>,
    /// Highest seq handled (sent or filtered out).
    last: i64,
    /// The log may hold changes after `last` not yet queued: read it before waiting.
    behind: bool,
    /// At most one page of the log, so a client far behind costs one page of memory.
    backlog: VecDeque<Change>,
    filter: LiveFilter,
}

impl Feed {
    /// The next matching change, in seq order; `None` ends the stream.
    async fn next(&mut self) -> Option<Change> {
        loop {
            if let Some(c) = self.backlog.pop_front() {
                if c.seq > self.last {
                    self.last = c.seq;
                    if self.filter.matches(&c) {
                        return Some(c);
                    }
                }
                continue;
            }
            if self.behind {
                self.read_page().await.ok()?;
                continue;
            }
            match self.rx.recv().await {
                Ok(c) if c.seq <= self.last => {}
                Ok(c) if c.seq == self.last + 1 => self.backlog.push_back(c),
                // A gap (we subscribed mid-way, or fell behind): the log has it, in order.
                Ok(_) | Err(RecvError::Lagged(_)) => self.behind = true,
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// Queues the next page of the log after what was handled; still behind if it was full.
    async fn read_page(&mut self) -> Result<()> {
        let after = self.last;
        let page = self
            .state
            .run(move |s| s.changes_since(after, PAGE))
            .await?;
        self.behind = page.len() == PAGE as usize;
        self.backlog.extend(page);
        Ok(())
    }
}

/// Changes read from the log at a time when a client catches up.
const PAGE: u32 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Changes after this seq; 0 for the beginning.
    #[serde(default)]
    pub since: i64,
    /// At most 1000.
    pub limit: Option<u32>,
}

/// The change log, oldest first (desk roles).
#[utoipa::path(get, path = "/api/v1/changes", tag = "live", params(ChangesQuery),
    responses((status = 200, body = Vec<Change>), (status = 403, body = ErrorBody)))]
async fn changes(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<ChangesQuery>,
) -> Result<axum::Json<Vec<Change>>> {
    user.require(
        &[Role::Dispatcher, Role::ServiceManager, Role::Admin],
        "read the change log",
    )?;
    let limit = q.limit.unwrap_or(500).clamp(1, 1000);
    Ok(axum::Json(
        state.run(move |s| s.changes_since(q.since, limit)).await?,
    ))
}
