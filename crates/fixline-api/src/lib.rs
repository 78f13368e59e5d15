//! The `/api/v1` contract: every request and response body that is not a domain record of its
//! own. Domain records (work orders, customer files, sync pages) live in `fixline-core` and are
//! sent as they are; the envelopes around them live here. The server, the device client and the
//! browser UI all use these types, so a renamed field fails to compile everywhere at once, and
//! `tests/golden.rs` freezes each type's JSON so a change that would break devices in the field
//! fails a test.

pub mod complaints;
pub mod dispatch;
pub mod engineers;
pub mod error;
pub mod files;
pub mod intake;
pub mod knowledge;
pub mod kpi;
pub mod live;
pub mod notices;
pub mod page;
pub mod quality;
pub mod return_visits;
pub mod session;
pub mod sync;
pub mod transfer;
pub mod work_orders;

/// Bodies of the app's commands (the Tauri shell ↔ the UI), which mirror the server's shapes.
pub mod app;

pub use error::ErrorBody;
pub use page::Page;
