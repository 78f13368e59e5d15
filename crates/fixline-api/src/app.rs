//! The app shell's commands (the Tauri shell ↔ the UI): their names, the typed arguments each
//! takes, and what they answer beyond core's device records.
//!
//! [`COMMANDS`] is the one list of commands. Tauri needs it in four more places that cannot read
//! a Rust constant (the permissions `src-tauri/build.rs` declares, the grants in
//! `src-tauri/capabilities/main.json`, `generate_handler!` in `src-tauri/src/lib.rs`, and the
//! UI's `backend/device.rs`); `tests/app_commands.rs` checks each of them against this list. A
//! command with arguments takes one `args` of its own type here, so a renamed field fails to
//! compile on both sides instead of arriving as `undefined`.

use fixline_core::customer::CustomerFile;
use fixline_core::device::{LocalJob, PrinterChoice};
use fixline_core::ids::WorkOrderId;
use fixline_core::position::{Position, PositionFix};
use fixline_core::receipt::{PhotoTag, SignOff};
use fixline_core::work_order::Action;
use serde::{Deserialize, Serialize};

/// Every command of the app shell, by the name the UI invokes.
pub const COMMANDS: &[&str] = &[
    "status",
    "sign_in",
    "sign_out",
    "jobs",
    "job",
    "act",
    "add_photo",
    "photo",
    "clock",
    "receipt_settings",
    "parts",
    "code_book",
    "make_receipt",
    "receipt_pdf",
    "email_receipt",
    "pool",
    "pick",
    "find_printers",
    "pair_printer",
    "printer",
    "printer_profiles",
    "set_printer",
    "print_jobs",
    "print_receipt",
    "print_test_page",
    "reprint",
    "find_articles",
    "article",
    "job_help",
    "article_image",
    "colleagues",
    "outbox",
    "conflicts",
    "sync_now",
    "report_position",
    "scorecard",
];

/// A job with its customer's file, as the job screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDetail {
    pub job: LocalJob,
    pub customer: Option<CustomerFile>,
}

/// `sign_in`: the server to sign in to, and the engineer's credentials.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInArgs {
    pub server: String,
    pub username: String,
    pub password: String,
}

/// `job`, `pick`, `print_receipt`, `receipt_pdf`: the work order meant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkOrderArgs {
    pub id: WorkOrderId,
}

/// `act`: a lifecycle action on a job, done on the device and synced later.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActArgs {
    pub id: WorkOrderId,
    pub action: Action,
}

/// `find_articles`: the knowledge base searched on the device; no words and a model: the
/// articles about that model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindArticlesArgs {
    #[serde(default)]
    pub query: String,
    #[serde(default)]
    pub model: Option<String>,
}

/// `article`: one article by id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArticleArgs {
    pub id: fixline_core::ids::ArticleId,
}

/// `add_photo`: a photo taken on the job, its bytes in base64.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddPhotoArgs {
    pub id: WorkOrderId,
    pub tag: PhotoTag,
    pub caption: String,
    pub data: String,
}

/// `photo` (a stored photo's thumbnail), `article_image` (an article's image): by content hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhotoArgs {
    pub sha256: String,
}

/// `make_receipt`: the customer's sign-off, sealed into the receipt where it was given.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MakeReceiptArgs {
    pub id: WorkOrderId,
    pub sign_off: SignOff,
    pub position: Option<Position>,
}

/// `email_receipt`: the receipt to the customer's address on file, or to `to`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailReceiptArgs {
    pub id: WorkOrderId,
    pub to: Option<String>,
}

/// `set_printer`: the printer receipts go to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetPrinterArgs {
    pub printer: PrinterChoice,
}

/// `pair_printer`: a Bluetooth printer and the PIN from its manual.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairPrinterArgs {
    pub device: String,
    pub pin: String,
}

/// `report_position`: where the engineer is, from the device's location service while a job is
/// on the way; kept for the next sync only if it is worth reporting (core's
/// `tracking::worth_reporting`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportPositionArgs {
    pub fix: PositionFix,
}

/// `reprint`: a print job to send again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReprintArgs {
    pub job: String,
}
