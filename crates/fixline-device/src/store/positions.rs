//! The engineer's position waiting to be reported: kept only while a job of theirs is on the
//! way and only when it moved or aged enough (core's rule), the newest one replacing any
//! older one not yet sent, so a long time offline sends one fix, not a trail.

use fixline_core::position::PositionFix;
use fixline_core::work_order::Status;

use super::*;

impl DeviceStore {
    /// Keeps `fix` for the next sync if it is worth reporting; says whether it was kept.
    pub fn note_position(&self, fix: PositionFix) -> Result<bool> {
        self.write(|tx| {
            let on_the_way: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM work_orders WHERE status = ?1 AND removed_reason IS NULL)",
                [Status::EnRoute.as_str()],
                |r| r.get(0),
            )?;
            let pending: Option<PositionFix> = single_doc(tx, "position_pending")?;
            let sent: Option<PositionFix> = single_doc(tx, "position_sent")?;
            // Measured against the newest known: what waits, else what the server has.
            let last = pending.or(sent);
            if !fixline_core::tracking::worth_reporting(on_the_way, last, fix) {
                return Ok(false);
            }
            put_single_doc(tx, "position_pending", &fix)?;
            Ok(true)
        })
    }

    /// The fix waiting to be sent.
    pub fn pending_position(&self) -> Result<Option<PositionFix>> {
        single_doc(&self.lock(), "position_pending")
    }

    /// The server took `fix` (or it was too old to send): it no longer waits, unless a newer
    /// one replaced it meanwhile.
    pub fn position_settled(&self, fix: PositionFix, taken: bool) -> Result<()> {
        self.write(|tx| {
            if taken {
                put_single_doc(tx, "position_sent", &fix)?;
            }
            let pending: Option<PositionFix> = single_doc(tx, "position_pending")?;
            if pending == Some(fix) {
                tx.execute("DELETE FROM position_pending", [])?;
            }
            Ok(())
        })
    }
}
