//! The print queue in the device database: queued → sending → printed / failed, and
//! interrupted for a job the app was killed in the middle of.

use fixline_core::device::{PrintJob, PrintState, PrinterChoice};

use super::*;

fn state_text(s: PrintState) -> &'static str {
    match s {
        PrintState::Queued => "queued",
        PrintState::Sending => "sending",
        PrintState::Printed => "printed",
        PrintState::Failed => "failed",
        PrintState::Interrupted => "interrupted",
    }
}

fn parse_state(s: &str) -> Result<PrintState> {
    Ok(match s {
        "queued" => PrintState::Queued,
        "sending" => PrintState::Sending,
        "printed" => PrintState::Printed,
        "failed" => PrintState::Failed,
        "interrupted" => PrintState::Interrupted,
        other => return Err(Error::Invalid(format!("unknown print state {other:?}"))),
    })
}

impl DeviceStore {
    pub fn printer(&self) -> Result<Option<PrinterChoice>> {
        single_doc(&self.lock(), "printer")
    }

    pub fn set_printer(&self, printer: &PrinterChoice) -> Result<()> {
        put_single_doc(&self.lock(), "printer", printer)
    }

    /// Jobs newest first.
    pub fn print_jobs(&self) -> Result<Vec<PrintJob>> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, work_order_id, printer, state, sent, length(bytes), attempts, error,
                    created_at, updated_at
             FROM print_jobs ORDER BY created_at DESC, id DESC LIMIT 100",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, u32>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
            ))
        })?;
        rows.map(|row| {
            let (id, wo, printer, state, sent, total, attempts, error, created, updated) = row?;
            let printer: PrinterChoice = from_json(&printer)?;
            Ok(PrintJob {
                id,
                work_order: wo
                    .parse()
                    .map_err(|_| Error::Invalid("bad job id in the print queue".into()))?,
                printer: printer.name,
                state: parse_state(&state)?,
                sent: sent.max(0) as u64,
                total: total.max(0) as u64,
                attempts,
                error,
                created_at: parse_ts(&created)?,
                updated_at: parse_ts(&updated)?,
            })
        })
        .collect()
    }

    /// Queues bytes for the printer; returns the job id.
    pub(crate) fn enqueue_print(
        &self,
        job: WorkOrderId,
        printer: &PrinterChoice,
        bytes: &[u8],
        at: Timestamp,
    ) -> Result<String> {
        let id = uuid::Uuid::now_v7().to_string();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO print_jobs (id, work_order_id, printer, state, bytes, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?5)",
                params![id, job.to_string(), to_json(printer)?, bytes, ts(at)],
            )?;
            Ok(())
        })?;
        Ok(id)
    }

    /// The oldest queued job: its id, printer and bytes.
    pub(crate) fn next_print(&self) -> Result<Option<(String, PrinterChoice, Vec<u8>)>> {
        let conn = self.lock();
        let row: Option<(String, String, Vec<u8>)> = conn
            .query_row(
                "SELECT id, printer, bytes FROM print_jobs WHERE state = 'queued'
                 ORDER BY created_at, id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        row.map(|(id, printer, bytes)| Ok((id, from_json(&printer)?, bytes)))
            .transpose()
    }

    pub(crate) fn print_state(
        &self,
        id: &str,
        state: PrintState,
        sent: Option<u64>,
        error: Option<&str>,
        at: Timestamp,
    ) -> Result<()> {
        let conn = self.lock();
        conn.execute(
            "UPDATE print_jobs SET state = ?2, sent = coalesce(?3, sent), error = ?4,
                 attempts = attempts + (?2 = 'sending' AND state <> 'sending'), updated_at = ?5
             WHERE id = ?1",
            params![id, state_text(state), sent.map(|s| s as i64), error, ts(at)],
        )?;
        Ok(())
    }

    /// Sends a job again (reprint, or retry after a failure or interruption).
    pub fn requeue_print(&self, id: &str, at: Timestamp) -> Result<()> {
        let changed = self.lock().execute(
            "UPDATE print_jobs SET state = 'queued', sent = 0, error = NULL, updated_at = ?2
             WHERE id = ?1 AND state != 'sending'",
            params![id, ts(at)],
        )?;
        if changed == 0 {
            return Err(Error::NotFound(format!("print job {id}")));
        }
        Ok(())
    }

    /// Marks a job as being sent, as the queue does before it connects; for tests that stop
    /// the app at that moment.
    pub fn mark_sending_for_test(&self, id: &str) -> Result<()> {
        self.print_state(id, PrintState::Sending, Some(0), None, self.now())
    }

    /// At start-up: a job still `sending` was cut off when the app stopped. It may have printed
    /// in part, so it is neither resent silently nor dropped: the engineer is asked.
    pub(crate) fn mark_interrupted_prints(&self) -> Result<usize> {
        Ok(self.lock().execute(
            "UPDATE print_jobs SET state = 'interrupted',
                 error = 'the app stopped while printing; the receipt may be incomplete'
             WHERE state = 'sending'",
            [],
        )?)
    }
}
