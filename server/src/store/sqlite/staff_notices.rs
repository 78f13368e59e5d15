//! Staff notices on SQLite (the in-app bell): written with the change that caused them, one
//! row per user told; each user reads and clears their own.

use fixline_core::Timestamp;
use fixline_core::ids::UserId;
use fixline_core::notify::{StaffAudience, StaffNotice, StaffNoticeKind};
use rusqlite::{Transaction, params};
use uuid::Uuid;

use super::{SqliteStore, parse_ts, ts};
use crate::error::{Error, Result};
use crate::store::outbox::About;

/// Writes each notice for every active user its audience names.
pub(super) fn write(
    tx: &Transaction<'_>,
    told: &[(StaffNoticeKind, StaffAudience)],
    about: &About<'_>,
    at: Timestamp,
) -> Result<()> {
    for (kind, audience) in told {
        let (sql, key) = match audience {
            StaffAudience::Engineer(e) => (
                "SELECT id FROM users WHERE engineer_id = ?1 AND disabled = 0",
                e.to_string(),
            ),
            StaffAudience::User(u) => (
                "SELECT id FROM users WHERE id = ?1 AND disabled = 0",
                u.to_string(),
            ),
            StaffAudience::Role(r) => (
                "SELECT id FROM users WHERE role = ?1 AND disabled = 0",
                r.as_str().to_owned(),
            ),
        };
        let users: Vec<String> = tx
            .prepare(sql)?
            .query_map([key], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for user in users {
            tx.execute(
                "INSERT INTO staff_notices
                   (id, user_id, kind, work_order_id, complaint_id, number, summary, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    Uuid::now_v7().to_string(),
                    user,
                    kind.as_str(),
                    about.work_order.map(|w| w.to_string()),
                    about.complaint.map(|c| c.to_string()),
                    about.number,
                    about.summary,
                    ts(at)
                ],
            )?;
        }
    }
    Ok(())
}

impl SqliteStore {
    /// A user's notices, newest first; only the unread if asked.
    pub(super) fn staff_notices(
        &self,
        user: UserId,
        unread_only: bool,
        limit: u32,
    ) -> Result<Vec<StaffNotice>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, kind, work_order_id, complaint_id, number, summary, created_at, read_at
                 FROM staff_notices
                 WHERE user_id = ?1 AND (?2 = 0 OR read_at IS NULL)
                 ORDER BY created_at DESC, rowid DESC LIMIT ?3",
            )?;
            let mut rows = stmt.query(params![user.to_string(), unread_only, limit])?;
            let bad = |what: &str| Error::Internal(format!("bad {what} in staff_notices"));
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let text = |i: usize| r.get::<_, String>(i);
                let optional = |i: usize| r.get::<_, Option<String>>(i);
                let read_at = optional(7)?;
                out.push(StaffNotice {
                    id: text(0)?.parse().map_err(|_| bad("id"))?,
                    kind: StaffNoticeKind::parse(&text(1)?).ok_or_else(|| bad("kind"))?,
                    work_order: optional(2)?
                        .map(|w| w.parse().map_err(|_| bad("work order")))
                        .transpose()?,
                    complaint: optional(3)?
                        .map(|c| c.parse().map_err(|_| bad("complaint")))
                        .transpose()?,
                    number: text(4)?,
                    summary: text(5)?,
                    created_at: parse_ts(&text(6)?)?,
                    read_at: read_at.as_deref().map(parse_ts).transpose()?,
                });
            }
            Ok(out)
        })
    }

    /// Marks one of the user's notices read, or all of them (`id` none).
    pub(super) fn read_staff_notices(
        &self,
        user: UserId,
        id: Option<Uuid>,
        at: Timestamp,
    ) -> Result<()> {
        self.write(|tx, _| {
            tx.execute(
                "UPDATE staff_notices SET read_at = ?3
                 WHERE user_id = ?1 AND (?2 IS NULL OR id = ?2) AND read_at IS NULL",
                params![user.to_string(), id.map(|i| i.to_string()), ts(at)],
            )?;
            Ok(())
        })
    }
}
