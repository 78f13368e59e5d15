//! Bluetooth printer links. Thermal printers speak ESC/POS over Bluetooth LE (a GATT
//! characteristic written in MTU-sized pieces) or Bluetooth Classic's serial port profile (an
//! RFCOMM stream). This crate opens either behind [`fixline_print::link::PrinterLink`], so the
//! print queue sends, paces and waits for the printer the same way over every link.
//!
//! - `ble` — BLE through blec (btleplug on the desktop and iOS; on Android its own backend,
//!   which the app's `tauri-plugin-blec` sets up).
//! - `spp` — SPP through BlueZ's RFCOMM sockets (Linux desktop).
//! - [`bridge`] — a link whose bytes a platform plugin carries (Android's Classic plugin under
//!   `mobile/`, a mobile BLE plugin): the plugin is a small trait, so its framing is tested here.
//! - [`scan`] — finding printers nearby (BLE advertisements, paired and discoverable Classic
//!   devices) for the pairing screen; [`pair`] pairs a Classic printer with its PIN.
//!
//! The async stacks run on one small runtime for the process (the BLE handler lives as long as
//! the app): the print queue is blocking code on its own thread.

pub mod bridge;
mod gatt;
mod pair;
mod scan;

mod ble;
#[cfg(target_os = "linux")]
mod spp;

use std::time::Duration;

pub use fixline_core::device::{FoundPrinter, PrinterAddress};
use fixline_print::PrintError;
use fixline_print::link::PrinterLink;
pub use gatt::{GattCharacteristic, PrinterChannels, choose_channels, quiet_drain};
pub use pair::{check_pin, pair};
pub use scan::scan;

/// Opens a link to any printer address: network and file links from `fixline-print`,
/// Bluetooth ones from here where this platform has them.
pub fn open(
    address: &PrinterAddress,
    timeout: Duration,
) -> Result<Box<dyn PrinterLink>, PrintError> {
    match address {
        PrinterAddress::Ble {
            device,
            characteristic,
        } => open_ble(device, characteristic, timeout),
        PrinterAddress::Spp { device } => open_spp(device, timeout),
        other => fixline_print::link::open(other, timeout),
    }
}

fn open_ble(
    device: &str,
    characteristic: &str,
    timeout: Duration,
) -> Result<Box<dyn PrinterLink>, PrintError> {
    Ok(Box::new(ble::BleLink::connect(
        device,
        characteristic,
        timeout,
    )?))
}

#[cfg(target_os = "linux")]
fn open_spp(device: &str, timeout: Duration) -> Result<Box<dyn PrinterLink>, PrintError> {
    Ok(Box::new(spp::SppLink::connect(device, timeout)?))
}

#[cfg(not(target_os = "linux"))]
fn open_spp(_: &str, _: Duration) -> Result<Box<dyn PrinterLink>, PrintError> {
    Err(PrintError::Unsupported(if cfg!(target_os = "ios") {
        "iPhones and iPads reach only Bluetooth LE printers; this printer uses Bluetooth Classic"
            .into()
    } else {
        "Bluetooth Classic printing on this system needs the printer paired as a serial port; use its device file".into()
    }))
}

/// The runtime the Bluetooth stacks run on, driven from the print and scan threads (never
/// from async code: `block_on` there would panic).
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("fixline-bluetooth")
            .enable_all()
            .build()
            .expect("a one-thread runtime can always be built")
    })
}

/// A failure before any byte went out.
pub(crate) fn unreachable(what: impl std::fmt::Display) -> PrintError {
    PrintError::before_job(what)
}
