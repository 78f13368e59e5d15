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
