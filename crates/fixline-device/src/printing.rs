//! Printing from the device: the signed receipt (or a test page) encoded for the default
//! printer's profile, queued in the device database, then sent. Blocking: the app calls it off
//! the UI thread.

use std::time::Duration;

use fixline_core::device::{PrintJob, PrintState, PrinterChoice};
use fixline_core::ids::WorkOrderId;
use fixline_print::link::{PrinterLink, connect_and_send, open};
use fixline_print::{Profile, RasterFont};

use crate::error::{Error, Result};
use crate::store::DeviceStore;

/// How long to wait for a printer to connect or answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Connection attempts before a job fails (never after any byte has been sent).
const CONNECT_ATTEMPTS: u32 = 3;

fn printer_error(e: fixline_print::PrintError) -> Error {
    Error::Printer(e.to_string())
}

/// The default printer and its profile.
fn default_printer(store: &DeviceStore) -> Result<(PrinterChoice, Profile)> {
    let printer = store
        .printer()?
        .ok_or_else(|| Error::Printer("choose a printer first".into()))?;
    let profile = Profile::named(&printer.profile)
        .ok_or_else(|| Error::Printer(format!("unknown printer profile {}", printer.profile)))?;
    Ok((printer, profile))
}

/// Queues the job's signed receipt for the default printer; returns the print job's id.
pub fn queue_receipt(store: &DeviceStore, job: WorkOrderId, font: &RasterFont) -> Result<String> {
    let (printer, profile) = default_printer(store)?;
    let order = store.job(job)?.work_order;
    let receipt = order
        .receipt
        .clone()
        .ok_or_else(|| Error::Invalid("make the receipt (customer signature) first".into()))?;
    let facts = store.receipt_facts(&order, receipt.sign_off, &receipt.token)?;
    let encoded = fixline_print::encode(&facts, &profile, font).map_err(printer_error)?;
    store.enqueue_print(job, &printer, &encoded.bytes, store.now())
}

/// Queues a test page (the sample receipt) for the default printer.
pub fn queue_test_page(store: &DeviceStore, font: &RasterFont) -> Result<String> {
    let (printer, profile) = default_printer(store)?;
    let mut facts = fixline_receipt::sample::facts(fixline_core::customer::Language::ZhCn, vec![]);
    facts.brand = store.receipt_settings()?.brand;
    let encoded = fixline_print::encode(&facts, &profile, font).map_err(printer_error)?;
    store.enqueue_print(facts.work_order_id, &printer, &encoded.bytes, store.now())
}

/// Opens a link to a printer: the app passes the links its platform has (Bluetooth from
/// `fixline-bluetooth` on the desktop, the plugins' bridges on a phone); tests pass
/// [`network_links`].
pub type OpenLink<'a> =
    &'a dyn Fn(
        &fixline_print::link::Address,
        &Profile,
        Duration,
    ) -> std::result::Result<Box<dyn PrinterLink>, fixline_print::PrintError>;

/// Network and file printers only.
pub fn network_links(
    address: &fixline_print::link::Address,
    _: &Profile,
    timeout: Duration,
) -> std::result::Result<Box<dyn PrinterLink>, fixline_print::PrintError> {
    open(address, timeout)
}

/// Sends every queued job in order. A failure stops that job (kept as failed with the reason,
/// for a retry) and the queue goes on with the next.
pub fn run_queue(store: &DeviceStore, open_link: OpenLink<'_>) -> Result<Vec<PrintJob>> {
    while let Some((id, printer, bytes)) = store.next_print()? {
        let Some(profile) = Profile::named(&printer.profile) else {
            store.print_state(
                &id,
                PrintState::Failed,
                None,
                Some("unknown printer profile"),
                store.now(),
            )?;
            continue;
        };
        store.print_state(&id, PrintState::Sending, Some(0), None, store.now())?;
        let mut last_saved = 0;
        let outcome = connect_and_send(
            || open_link(&printer.address, &profile, TIMEOUT),
            CONNECT_ATTEMPTS,
            &bytes,
            &profile,
            |sent| {
                // Progress for the queue screen, without a write per BLE packet.
                if sent - last_saved >= 4096 || sent == bytes.len() {
                    last_saved = sent;
                    let at = store.now();
                    let _ =
                        store.print_state(&id, PrintState::Sending, Some(sent as u64), None, at);
                }
            },
        );
        match outcome {
            Ok(()) => store.print_state(
                &id,
                PrintState::Printed,
                Some(bytes.len() as u64),
                None,
                store.now(),
            )?,
            Err(e) => {
                let sent = match &e {
                    fixline_print::PrintError::Link { sent, .. } => Some(*sent as u64),
                    _ => None,
                };
                store.print_state(
                    &id,
                    PrintState::Failed,
                    sent,
                    Some(&e.to_string()),
                    store.now(),
                )?
            }
        }
    }
    store.print_jobs()
}

/// What to queue before the queue runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Printing {
    Receipt(WorkOrderId),
    TestPage,
    /// Nothing new: send what waits (a reprint was queued already).
    Queue,
}

/// Prints one run at a time, so jobs go out in order. The raster font is loaded on the first
/// job that needs it and kept; a missing font stays an error that names the fix.
#[derive(Default)]
pub struct PrintRunner {
    one_at_a_time: std::sync::Mutex<()>,
    font: std::sync::OnceLock<std::result::Result<RasterFont, String>>,
}

impl PrintRunner {
    pub fn new() -> Self {
        Self::default()
    }

    /// A runner with the font already loaded (tests, or a font bundled with the app).
    pub fn with_font(font: RasterFont) -> Self {
        let runner = Self::default();
        let _ = runner.font.set(Ok(font));
        runner
    }

    fn font(&self) -> Result<&RasterFont> {
        self.font
            .get_or_init(|| RasterFont::system().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::Printer(e.clone()))
    }

    /// Queues `what` at once (the queue screen shows it while an earlier job still prints),
    /// then sends the queue. A run under way may already send this job; this one then finds
    /// nothing left. Blocking.
    pub fn print(
        &self,
        store: &DeviceStore,
        what: Printing,
        open_link: OpenLink<'_>,
    ) -> Result<Vec<PrintJob>> {
        match what {
            Printing::Receipt(job) => {
                queue_receipt(store, job, self.font()?)?;
            }
            Printing::TestPage => {
                queue_test_page(store, self.font()?)?;
            }
            Printing::Queue => {}
        }
        let _one_at_a_time = self.one_at_a_time.lock().unwrap_or_else(|e| e.into_inner());
        run_queue(store, open_link)
    }
}

impl std::fmt::Debug for PrintRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrintRunner")
            .field("font_loaded", &self.font.get().is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use fixline_core::device::PrinterAddress;

    use super::*;

    /// Two print runs at once, each with a test page, on a printer that is a file: both pages
    /// go out whole, once each, one after the other (never interleaved), and the queue says so.
    #[test]
    fn runs_at_once_print_every_job_once_and_whole() {
        let Ok(font) = RasterFont::system() else {
            panic!("the receipt font (Noto Sans CJK) is needed: the test command installs it");
        };
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("printer.bin");
        let store = Arc::new(DeviceStore::open(&dir.path().join("device.db")).unwrap());
        store
            .set_printer(&PrinterChoice {
                name: "file".into(),
                address: PrinterAddress::File {
                    path: out.display().to_string(),
                },
                profile: "80mm-network".into(),
            })
            .unwrap();
        let runner = Arc::new(PrintRunner::with_font(font));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (runner, store) = (runner.clone(), store.clone());
                std::thread::spawn(move || runner.print(&store, Printing::TestPage, &network_links))
            })
            .collect();
        for t in threads {
            t.join().unwrap().unwrap();
        }
        let jobs = store.print_jobs().unwrap();
        assert_eq!(jobs.len(), 2);
        assert!(
            jobs.iter().all(|j| j.state == PrintState::Printed),
            "{jobs:?}"
        );
        let bytes = std::fs::read(&out).unwrap();
        let page = jobs[0].total;
        assert_eq!(bytes.len() as u64, page * 2, "each page sent once, whole");
        let (first, second) = bytes.split_at(page as usize);
        assert_eq!(first, second, "the same page twice, not interleaved");
    }

    #[test]
    fn nothing_is_queued_without_a_printer() {
        let dir = tempfile::tempdir().unwrap();
        let store = DeviceStore::open(&dir.path().join("device.db")).unwrap();
        let runner = PrintRunner::new();
        let err = runner
            .print(&store, Printing::Queue, &network_links)
            .map(|jobs| jobs.len());
        assert_eq!(err.unwrap(), 0, "an empty queue prints nothing");
        let Ok(font) = RasterFont::system() else {
            return;
        };
        let runner = PrintRunner::with_font(font);
        let refused = runner.print(&store, Printing::TestPage, &network_links);
        assert!(
            matches!(&refused, Err(Error::Printer(m)) if m.contains("choose a printer")),
            "{refused:?}"
        );
        assert!(store.print_jobs().unwrap().is_empty());
    }
}
