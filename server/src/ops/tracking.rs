//! The customer's tracking link (core's `tracking` says what it shows and for how long): one
//! per request, made the first time it is needed. The page is `api/tracking_page.rs`.

use base64::Engine as _;
use fixline_core::Timestamp;
use fixline_core::ids::WorkOrderId;
use rand::RngCore;

use crate::error::Result;
use crate::store::Store;

/// The request's link token: 128 random bits in 22 URL-safe characters, short enough for a
/// text message.
pub fn token(store: &dyn Store, job: WorkOrderId, now: Timestamp) -> Result<String> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let candidate = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    store.tracking_token(job, &candidate, now)
}

/// Whether a path segment could be a token at all (anything else is not looked up).
pub fn well_formed(token: &str) -> bool {
    token.len() == 22
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
