//! The engineer app's core, with no window and no Tauri: the device SQLite store (the
//! engineer's jobs, customer files, knowledge-base articles and colleagues, offline), the outbox of actions taken
//! on the device, and the sync engine that pushes the outbox and pulls changes from the
//! dispatch server.
//!
//! The Tauri shell (`src-tauri/`) calls into this crate one line per command; tests drive it
//! directly against a real server. Rules come from `fixline-core`: the device checks every
//! action with the same state machine the server replays it through.

mod client;
mod error;
mod files;
pub mod pool;
pub mod printing;
mod scheduler;
pub mod scorecard;
mod store;
mod sync;

pub use client::ServerLink;
pub use error::{Error, ErrorBody, Result};
pub use files::{CHUNK as UPLOAD_CHUNK, email_receipt};
pub use fixline_core::device::{
    DeviceUser, FileCheck, LocalJob, OutboxItem, OutboxState, SyncReport, SyncStatus,
};
pub use printing::{PrintRunner, Printing};
pub use scheduler::SyncScheduler;
pub use store::{DeviceStore, Session};
pub use sync::{ReadPage, read_page, sync};
