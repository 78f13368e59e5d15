//! Fixline's domain: the customer file, engineers, work orders, their lifecycle state machine and
//! SLA clocks, money and validation. Everything the server, the engineer app and the browser UI must
//! agree on lives here, once.
//!
//! Architecture invariant: this crate does no I/O and never reads the clock or makes random ids.
//! Times and ids are passed in, so the same rules run on the server, on a device and in wasm.

pub mod auto_assign;
pub mod billing;
pub mod board;
pub mod calendar;
pub mod clock;
pub mod complaint;
pub mod customer;
pub mod device;
pub mod engineer;
mod error;
pub mod eta;
pub mod fault_code;
pub mod ids;
pub mod improvement;
pub mod intake;
pub mod knowledge;
pub mod kpi;
pub mod map_link;
pub mod money;
pub mod notify;
pub mod position;
pub mod quality;
pub mod receipt;
pub mod return_visit;
pub mod role;
pub mod security;
pub mod sla;
pub mod survey;
pub mod sync;
pub mod text;
pub mod tracking;
pub mod work_order;
pub mod zone;

pub use error::{Error, ErrorCode};

/// Every instant in Fixline is UTC; display converts to the service area's zone ([`zone`]).
pub type Timestamp = chrono::DateTime<chrono::Utc>;
