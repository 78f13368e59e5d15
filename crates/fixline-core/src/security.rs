//! Logins and what happens to them: the user record as the API shows it, the changes an
//! administrator makes to one, and the security log (sign-ins, failures, lockouts, and every
//! change to a login), which the server keeps append-only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{EngineerId, UserId};
use crate::role::Role;

/// A login.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub engineer_id: Option<EngineerId>,
    pub disabled: bool,
}

/// What an administrator does to a login. Disabling, a new password and "sign out everywhere"
/// end every session the login has (its devices sign in again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum AccessChange {
    Disable,
    Enable,
    /// A new password the administrator hands over (at least 8 characters).
    ResetPassword {
        password: String,
    },
    SignOutEverywhere,
    /// Another role for the login (someone moved from the desk to complaints). An engineer's
    /// login names the engineer record it signs in as; a desk login names none.
    ChangeRole {
        role: Role,
        #[serde(default)]
        engineer_id: Option<EngineerId>,
    },
}

impl AccessChange {
    /// The change as it may be made: a role change pairs the engineer role, and only it, with
    /// an engineer record.
    pub fn validated(self) -> Result<Self, crate::Error> {
        if let AccessChange::ChangeRole { role, engineer_id } = &self {
            match (role, engineer_id) {
                (Role::Engineer, None) => {
                    return Err(crate::Error::invalid(
                        "engineer_id",
                        "an engineer's login signs in as an engineer record: choose one",
                    ));
                }
                (r, Some(_)) if *r != Role::Engineer => {
                    return Err(crate::Error::invalid(
                        "engineer_id",
                        "only an engineer's login has an engineer record",
                    ));
                }
                _ => {}
            }
        }
        Ok(self)
    }

    /// Whether an administrator may make it to their own login: not one that leaves nobody
    /// able to undo it (disabling, signing out everywhere, giving up the administrator role).
    pub fn allowed_on_own_login(&self) -> bool {
        match self {
            AccessChange::Disable | AccessChange::SignOutEverywhere => false,
            AccessChange::ChangeRole { role, .. } => *role == Role::Admin,
            AccessChange::Enable | AccessChange::ResetPassword { .. } => true,
        }
    }

    pub fn kind(&self) -> SecurityEventKind {
        match self {
            AccessChange::Disable => SecurityEventKind::UserDisabled,
            AccessChange::Enable => SecurityEventKind::UserEnabled,
            AccessChange::ResetPassword { .. } => SecurityEventKind::PasswordReset,
            AccessChange::SignOutEverywhere => SecurityEventKind::SessionsRevoked,
            AccessChange::ChangeRole { .. } => SecurityEventKind::RoleChanged,
        }
    }

    /// Whether the login's sessions end (a new role signs in again, so a device signed in as
    /// an engineer does not keep that engineer's jobs under a desk role).
    pub fn ends_sessions(&self) -> bool {
        !matches!(self, AccessChange::Enable)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SecurityEventKind {
    SignedIn,
    SignInFailed,
    LockedOut,
    UserCreated,
    UserDisabled,
    UserEnabled,
    PasswordReset,
    SessionsRevoked,
    DeviceKeyRegistered,
    DeviceKeyRevoked,
    IntakeKeyAdded,
    IntakeKeyRevoked,
    RoleChanged,
}

impl SecurityEventKind {
    pub const ALL: [SecurityEventKind; 13] = [
        SecurityEventKind::SignedIn,
        SecurityEventKind::SignInFailed,
        SecurityEventKind::LockedOut,
        SecurityEventKind::UserCreated,
        SecurityEventKind::UserDisabled,
        SecurityEventKind::UserEnabled,
        SecurityEventKind::PasswordReset,
        SecurityEventKind::SessionsRevoked,
        SecurityEventKind::DeviceKeyRegistered,
        SecurityEventKind::DeviceKeyRevoked,
        SecurityEventKind::IntakeKeyAdded,
        SecurityEventKind::IntakeKeyRevoked,
        SecurityEventKind::RoleChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecurityEventKind::SignedIn => "signed_in",
            SecurityEventKind::SignInFailed => "sign_in_failed",
            SecurityEventKind::LockedOut => "locked_out",
            SecurityEventKind::UserCreated => "user_created",
            SecurityEventKind::UserDisabled => "user_disabled",
            SecurityEventKind::UserEnabled => "user_enabled",
            SecurityEventKind::PasswordReset => "password_reset",
            SecurityEventKind::SessionsRevoked => "sessions_revoked",
            SecurityEventKind::DeviceKeyRegistered => "device_key_registered",
            SecurityEventKind::DeviceKeyRevoked => "device_key_revoked",
            SecurityEventKind::IntakeKeyAdded => "intake_key_added",
            SecurityEventKind::IntakeKeyRevoked => "intake_key_revoked",
            SecurityEventKind::RoleChanged => "role_changed",
        }
    }
}

/// One line of the security log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityEvent {
    pub at: DateTime<Utc>,
    pub kind: SecurityEventKind,
    /// Who did it (the administrator), when it is not the subject signing in.
    pub actor: Option<String>,
    /// The user name it is about (as typed, for a failed sign-in).
    pub subject: Option<String>,
    /// The client's address, where there was one.
    pub address: Option<String>,
    /// What changed, where the kind alone does not say: the new role's key for `role_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A device's receipt-sealing key, registered to the engineer whose app made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisteredDevice {
    /// Hex Ed25519 public key.
    pub public_key: String,
    pub user_id: UserId,
    pub username: String,
    /// What the app calls the device.
    pub name: String,
    pub registered_at: DateTime<Utc>,
    /// From then on the key seals nothing (receipts sealed before still verify).
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An outside channel's API key, without its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntakeKeyInfo {
    /// Names the key (the first 16 hex digits of its hash); never the key itself.
    pub id: String,
    pub channel: crate::work_order::IntakeChannel,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// How a key is named without giving it away: the first 8 bytes of its SHA-256, in hex.
pub fn key_id(key_hash: &[u8]) -> String {
    key_hash
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Wrong passwords counted against one account or one address, and the lock they caused.
/// Kept by the store, so every server sharing the database counts them together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInFailures {
    pub count: u32,
    pub last: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

impl SignInFailures {
    /// One more failure at `now` after `before`: failures older than `window`, or before a
    /// lock that has run out, no longer count; the `limit`-th locks for `window`.
    pub fn after_failure(
        before: Option<SignInFailures>,
        limit: u32,
        window: chrono::TimeDelta,
        now: DateTime<Utc>,
    ) -> SignInFailures {
        let fresh = SignInFailures {
            count: 0,
            last: now,
            locked_until: None,
        };
        let mut f = match before {
            Some(f) if f.last + window > now && f.locked_until.is_none_or(|u| u > now) => f,
            _ => fresh,
        };
        f.count += 1;
        f.last = now;
        if f.count >= limit.max(1) && f.locked_until.is_none() {
            f.locked_until = Some(now + window);
        }
        f
    }

    /// The lock in force at `now`, if any.
    pub fn locked_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|until| *until > now)
    }

    /// Whether the record still matters at `now` (recent failures or a lock in force).
    pub fn remembered_at(&self, window: chrono::TimeDelta, now: DateTime<Utc>) -> bool {
        self.last + window > now || self.locked_at(now).is_some()
    }
}
