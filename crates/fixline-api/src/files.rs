//! Photos, receipts and the device keys that seal them.

use fixline_core::position::Position;
use fixline_core::receipt::SignOff;
use serde::{Deserialize, Serialize};

/// How much of a blob the server holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlobStatus {
    /// Bytes received so far; an upload resumes here.
    pub received: u64,
    /// The whole blob is here and its hash checked.
    pub complete: bool,
}

/// Which of a job's files the server holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Manifest {
    pub photos: Vec<ManifestEntry>,
    pub receipt: Option<ManifestEntry>,
    /// Files named by the job that are not on the server yet.
    pub missing: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManifestEntry {
    pub sha256: String,
    pub on_server: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceKey {
    /// Hex Ed25519 public key the device seals receipts with.
    pub public_key: String,
    /// What the engineer calls the device, e.g. "Galaxy Tab A8".
    #[serde(default)]
    pub name: String,
}

/// The browser variant's "customer signs": the server makes and seals the receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptRequest {
    pub sign_off: SignOff,
    #[serde(default)]
    pub position: Option<Position>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailRequest {
    /// Default: the customer's e-mail address on file.
    #[serde(default)]
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailSent {
    pub to: String,
}
