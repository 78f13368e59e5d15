//! A link whose bytes a platform plugin carries: the Android Classic (SPP) plugin under
//! `mobile/spp-printer`, or a mobile BLE plugin. The plugin takes the whole job with the
//! profile's chunk size and pacing and answers once the printer has answered its status
//! request, so the app never closes a link the printer is still draining.
//!
//! The plugin is a trait so this side (framing, errors, what the queue learns) is tested on the
//! desktop with a fake; the app implements it with `PluginHandle::run_mobile_plugin("print", …)`.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use fixline_print::link::PrinterLink;
use fixline_print::{PrintError, Profile};
use serde::{Deserialize, Serialize};

/// The plugin's `print` arguments (the Kotlin `PrintArgs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginJob {
    pub device: String,
    /// The job, base64.
    pub data: String,
    pub chunk_bytes: usize,
    pub pace_ms: u64,
    pub status_timeout_ms: u64,
}

/// The plugin's answer to a job that printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginPrinted {
    pub sent: usize,
}

/// A platform plugin that prints.
pub trait PrinterPlugin: Send {
    /// Sends the job; `Err` carries the plugin's message for people.
    fn print(&self, job: &PluginJob) -> Result<PluginPrinted, String>;
}

/// The link the print queue talks to; the bytes are handed to the plugin in one call.
pub struct BridgeLink<P> {
    plugin: P,
    device: String,
    chunk_bytes: usize,
    pace_ms: u64,
    timeout: Duration,
    job: Vec<u8>,
}

impl<P> std::fmt::Debug for BridgeLink<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BridgeLink")
            .field("device", &self.device)
            .field("job_bytes", &self.job.len())
            .finish()
    }
}

impl<P: PrinterPlugin> BridgeLink<P> {
    pub fn new(plugin: P, device: &str, profile: &Profile, timeout: Duration) -> Self {
        BridgeLink {
            plugin,
            device: device.to_owned(),
            chunk_bytes: profile.chunk_bytes,
            pace_ms: profile.pace_ms,
            timeout,
            job: Vec::new(),
        }
    }
}

impl<P: PrinterPlugin> PrinterLink for BridgeLink<P> {
    fn takes_whole_job(&self) -> bool {
        true
    }

    fn send(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.job.extend_from_slice(chunk);
        Ok(())
    }

    fn drain(&mut self) -> Result<(), PrintError> {
        let job = PluginJob {
            device: self.device.clone(),
            data: BASE64.encode(&self.job),
            chunk_bytes: self.chunk_bytes,
            pace_ms: self.pace_ms,
            status_timeout_ms: self.timeout.as_millis() as u64,
        };
        match self.plugin.print(&job) {
            Ok(printed) if printed.sent == self.job.len() => Ok(()),
            Ok(printed) => Err(PrintError::Link {
                sent: printed.sent,
                total: self.job.len(),
                reason: "the printer took only part of the job".into(),
            }),
            Err(message) => Err(PrintError::Printer(message)),
        }
    }
}
