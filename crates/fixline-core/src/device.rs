//! What the engineer app shows about its own state: jobs as held on the device, the sync
//! receipts of actions taken there, and the sync status line. These cross from the device
//! (or, in the browser, from the server) to the UI, so they live here, where both compile.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::customer::Site;
use crate::ids::{EngineerId, UserId, WorkOrderId};
use crate::role::{Actor, Role};
use crate::sync::{DeviceAction, PushOutcome};
use crate::work_order::WorkOrder;

/// The signed-in user as the server described them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub engineer_id: Option<EngineerId>,
}

/// The login the server answers at sign-in, as the device keeps it (a disabled login gets no
/// token, so the flag is not kept).
impl From<crate::security::User> for DeviceUser {
    fn from(u: crate::security::User) -> Self {
        DeviceUser {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            engineer_id: u.engineer_id,
        }
    }
}

impl DeviceUser {
    pub fn actor(&self) -> Actor {
        Actor {
            user: self.id,
            name: self.display_name.clone(),
            role: self.role,
            engineer: self.engineer_id,
        }
    }
}

/// A job as the app shows it, with what the list and the job screen need besides the order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalJob {
    pub work_order: WorkOrder,
    /// Actions on this job not yet answered by the server.
    pub pending: u32,
    /// Set when the job was reassigned while actions on it were pending.
    pub removed_reason: Option<String>,
    pub customer_name: Option<String>,
    pub site: Option<Site>,
    /// The job's photos and receipt on this device, and how many the server lacks.
    #[serde(default)]
    pub files: FileCheck,
}

/// Where a job goes on the engineer's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListDay {
    Today,
    Upcoming,
    Done,
}

impl LocalJob {
    /// Today's, a later day's, or done. A job under way is today's whatever its window said;
    /// otherwise its planned visit (or the customer's requested window) decides, by the local
    /// day in `zone`. A job with neither is today's: it still has to be done.
    pub fn list_day(&self, zone: crate::zone::ServiceZone, today: chrono::NaiveDate) -> ListDay {
        use crate::work_order::Status;
        let wo = &self.work_order;
        if !wo.status.is_open() {
            return ListDay::Done;
        }
        if matches!(wo.status, Status::EnRoute | Status::OnSite | Status::Paused) {
            return ListDay::Today;
        }
        let visit = wo
            .planned
            .map(|s| s.start)
            .or(wo.requested_window.map(|w| w.start));
        match visit {
            Some(start) if zone.local_day(start) > today => ListDay::Upcoming,
            _ => ListDay::Today,
        }
    }
}

/// Files (photos, receipts) kept on the device and whether the server has them, by the
/// server's own manifest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCheck {
    pub total: u32,
    /// Not yet listed as stored by the server's manifest.
    pub not_on_server: u32,
    /// Bytes still to upload.
    pub bytes_to_upload: u64,
}

/// Where an action taken on the device stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Pending,
    Applied,
    Conflict,
    Rejected,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Applied => "applied",
            OutboxState::Conflict => "conflict",
            OutboxState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            OutboxState::Pending,
            OutboxState::Applied,
            OutboxState::Conflict,
            OutboxState::Rejected,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

/// One action's sync receipt: what it was and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub action: DeviceAction,
    pub state: OutboxState,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub outcome: Option<PushOutcome>,
    pub created_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
}

/// The sync status line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub signed_in: Option<DeviceUser>,
    pub server_url: Option<String>,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// The stable code of `last_error` (`offline`, `unauthorized`, `bad_server_data`, …).
    #[serde(default)]
    pub last_error_code: Option<String>,
    pub pending: u64,
    pub conflicts: u64,
    pub rejected: u64,
    /// False in the browser: it works on the server directly and keeps nothing offline.
    pub offline_capable: bool,
    /// How far the running sync's pull has come, while one runs.
    #[serde(default)]
    pub progress: Option<crate::sync::PullProgress>,
    /// Photos and receipts on the device, and what is not on the server yet.
    #[serde(default)]
    pub files: FileCheck,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    pub applied: u32,
    pub conflicts: u32,
    pub rejected: u32,
    /// Still waiting (e.g. the device clock is ahead of the server's).
    pub postponed: u32,
    pub pulled: u32,
    /// Records this app version could not read (from a newer server), with the reason.
    pub skipped: Vec<String>,
    /// Request and response body bytes this sync moved.
    #[serde(default)]
    pub bytes: u64,
    /// Photos and receipts whose upload finished in this sync, and their bytes.
    #[serde(default)]
    pub uploaded_files: u32,
    #[serde(default)]
    pub uploaded_bytes: u64,
    /// Files the server's manifests still lack after this sync.
    #[serde(default)]
    pub files_missing: u32,
}

/// Where a receipt printer is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PrinterAddress {
    /// A network printer (or the virtual printer): raw TCP, usually port 9100.
    Tcp { host: String, port: u16 },
    /// Bytes to a file: a USB printer's device node, or a file to look at.
    File { path: String },
    /// Bluetooth LE: the printer's address and its write characteristic.
    Ble {
        device: String,
        characteristic: String,
    },
    /// Bluetooth Classic serial port profile.
    Spp { device: String },
}

/// A printer found nearby, for the pairing screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoundPrinter {
    pub name: String,
    pub address: PrinterAddress,
    /// Signal strength, where the scan reports it (BLE).
    #[serde(default)]
    pub rssi: Option<i16>,
    /// Paired (bonded) with this device already.
    #[serde(default)]
    pub paired: bool,
    /// The built-in profile that fits the link (the engineer can change it).
    pub profile: String,
}

/// The device's default printer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterChoice {
    pub name: String,
    pub address: PrinterAddress,
    /// A printer profile name (`58mm-ble`, `58mm-ble-raster`, `58mm-ble-gb18030-text`,
    /// `80mm-spp`, `80mm-spp-ascii-text`, `80mm-network`, `80mm-gb18030-text`, `80mm-big5-text`).
    pub profile: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintState {
    Queued,
    Sending,
    Printed,
    Failed,
    /// The app stopped while this job was being sent: part of it may have printed.
    Interrupted,
}

/// A print job as the queue screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintJob {
    pub id: String,
    pub work_order: WorkOrderId,
    pub printer: String,
    pub state: PrintState,
    pub sent: u64,
    pub total: u64,
    pub attempts: u32,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
