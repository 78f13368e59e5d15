//! Settings saved from the screens (the fault-code book, where automatic assignment is on,
//! notice wording, webhooks): each a versioned document in the store, read with its fallback
//! (built in, or the configuration file) when never saved.

use fixline_core::auto_assign::{AutoAssignPolicy, AutoAssignSettings};
use fixline_core::fault_code::{CodeBook, CodeBookSettings};

use crate::error::{Error, Result};

pub const AUTO_ASSIGN: &str = "auto_assign";
pub const CODE_BOOK: &str = "fault_codes";

/// A setting as saved from a screen, with its version; else `fallback` at version 0.
pub fn saved_or<T: serde::de::DeserializeOwned>(
    store: &dyn crate::store::Store,
    key: &str,
    fallback: impl FnOnce() -> T,
) -> Result<(T, u64)> {
    Ok(match store.setting(key)? {
        Some((doc, version)) => (
            serde_json::from_value(doc)
                .map_err(|e| Error::Internal(format!("unreadable setting {key}: {e}")))?,
            version,
        ),
        None => (fallback(), 0),
    })
}

/// Saves a setting over the version it was read at; answers the new version.
pub fn save<T: serde::Serialize>(
    store: &dyn crate::store::Store,
    key: &str,
    value: &T,
    expected: u64,
    by: fixline_core::ids::UserId,
    now: fixline_core::Timestamp,
) -> Result<u64> {
    let doc =
        serde_json::to_value(value).map_err(|e| Error::Internal(format!("setting {key}: {e}")))?;
    store.put_setting(key, &doc, expected, by, now)
}

/// The fault, cause and resolution codes in force: as saved from the screen, else built in.
pub fn code_book(store: &dyn crate::store::Store) -> Result<CodeBookSettings> {
    let (book, version) = saved_or(store, CODE_BOOK, CodeBook::builtin)?;
    Ok(CodeBookSettings { book, version })
}

/// The automatic-assignment policy in force, from the screen if saved there, else the file.
pub fn auto_assign_policy(
    store: &dyn crate::store::Store,
    file: &AutoAssignPolicy,
) -> Result<AutoAssignSettings> {
    let (policy, version) = saved_or(store, AUTO_ASSIGN, || file.clone())?;
    Ok(AutoAssignSettings { policy, version })
}
