//! Printing the service receipt on site, on ESC/POS thermal printers (58 mm = 384 dots, 80 mm =
//! 576 dots).
//!
//! Raster mode lays the receipt out as a picture — Chinese text, the logo, the signature and
//! the QR code — dithers it to black and white and sends it as `GS v 0` bands, so it prints the
//! same on any printer whatever fonts or code pages it has. Text mode sends each line the
//! printer's font has as text in its code page (GB18030, Big5, or plain ASCII, which every
//! printer has) and draws any other line as dots on the same character grid: far fewer bytes,
//! and never a wrong character. A [`Profile`] says which mode and code page, how wide, whether
//! the printer draws QR codes, and how to pace the link; the Bluetooth LE default is text mode
//! in ASCII.
//!
//! [`decode`] reads a byte stream back into commands and the image the printer would produce;
//! tests and the virtual printer use it.

pub mod decode;
mod encode;
mod lines;
pub mod link;
mod profile;
mod raster;

pub use encode::{Encoded, encode};
pub use profile::{CodePage, Mode, Profile};
pub use raster::{Bitmap, RasterFont, render};

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("no font for printing: {0}")]
    Font(String),
    #[error("the receipt cannot be laid out: {0}")]
    Layout(String),
    #[error("the printer command could not be built: {0}")]
    Command(String),
    /// The link to the printer failed; `sent` bytes got through before it did (none of none:
    /// it failed before a job was under way).
    #[error("{}", link_failure(*sent, *total, reason))]
    Link {
        sent: usize,
        total: usize,
        reason: String,
    },
    #[error("this device cannot reach this printer: {0}")]
    Unsupported(String),
    #[error("the printer says: {0}")]
    Printer(String),
}

impl PrintError {
    /// The link failed before any job was under way: connecting, scanning, opening.
    pub fn before_job(reason: impl std::fmt::Display) -> Self {
        PrintError::Link {
            sent: 0,
            total: 0,
            reason: reason.to_string(),
        }
    }
}

fn link_failure(sent: usize, total: usize, reason: &str) -> String {
    match total {
        0 => reason.to_owned(),
        _ => format!("the printer connection failed after {sent} of {total} bytes: {reason}"),
    }
}
