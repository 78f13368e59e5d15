//! Integrations' webhooks: kept as one versioned setting (with each one's secret, which only
//! the server reads), told of customer-facing events through the notification outbox, each
//! request signed so the receiver can tell it came from here and was not replayed.

use fixline_core::notify::Webhook;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The setting the webhooks are kept under.
pub const SETTING: &str = "webhooks";

/// A webhook as stored: the record and its signing secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stored {
    #[serde(flatten)]
    pub webhook: Webhook,
    pub secret: String,
}

/// Every webhook and the setting's version (none yet: empty, 0).
pub fn all(store: &dyn crate::store::Store) -> Result<(Vec<Stored>, u64)> {
    Ok(match store.setting(SETTING)? {
        Some((doc, version)) => (from_doc(doc)?, version),
        None => (Vec::new(), 0),
    })
}

/// The stored list, from the setting's JSON.
pub fn from_doc(doc: serde_json::Value) -> Result<Vec<Stored>> {
    serde_json::from_value(doc).map_err(|e| Error::Internal(format!("unreadable webhooks: {e}")))
}

/// A new signing secret: 32 random bytes, hex.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `Fixline-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
/// keyed with the webhook's secret. The time in the signed text lets a receiver refuse an old
/// request replayed.
pub fn signature(secret: &str, unix: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("{unix}.").as_bytes());
    mac.update(body);
    format!("t={unix},v1={}", hex(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_time_and_the_body() {
        // RFC 4231's key and text, signed as the header does: the time, a dot, the body.
        let header = signature("Jefe", 0, b"what do ya want for nothing?");
        assert_eq!(header, format!("t=0,v1={}", expected_for_zero_dot()));
        assert_ne!(
            signature("Jefe", 1, b"what do ya want for nothing?"),
            header,
            "another time, another signature"
        );
    }

    /// HMAC-SHA256("Jefe", "0.what do ya want for nothing?"), computed once with Python's hmac
    /// module.
    fn expected_for_zero_dot() -> &'static str {
        "37f471929915ccd2cbbe79feb84ffcff4f2bb25e15fc41c2506687331ae179cc"
    }
}
