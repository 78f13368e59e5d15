//! Users, sessions, the security log, device and intake keys on PostgreSQL; the same rules
//! as on SQLite (`store/sqlite/access.rs`), so that any server can sign anyone in.

use fixline_api::live::{Change, ChangeOp};
use fixline_core::Timestamp;
use fixline_core::engineer::Engineer;
use fixline_core::ids::{EngineerId, UserId};
use fixline_core::role::Role;
use fixline_core::security::{
    AccessChange, IntakeKeyInfo, RegisteredDevice, SecurityEvent, SignInFailures, User, key_id,
};
use fixline_core::work_order::IntakeChannel;
use tokio_postgres::{Row, Transaction};

use super::rows::{locked, write};
use super::{PgStore, append, constraint};
use crate::error::{Error, Result};
use crate::store::AccessStore;
use crate::store::record::Record;

const USER: &str = "id, username, display_name, role, engineer_id, password_hash, disabled";

fn user(r: &Row) -> Result<(User, String)> {
    let role: String = r.get("role");
    let engineer: Option<uuid::Uuid> = r.get("engineer_id");
    Ok((
        User {
            id: UserId::from_uuid(r.get("id")),
            username: r.get("username"),
            display_name: r.get("display_name"),
            role: Role::parse(&role)
                .ok_or_else(|| Error::Internal(format!("unknown role {role:?}")))?,
            engineer_id: engineer.map(EngineerId::from_uuid),
            disabled: r.get("disabled"),
        },
        r.get("password_hash"),
    ))
}

async fn user_by_id(c: &Transaction<'_>, id: UserId) -> Result<Option<(User, String)>> {
    c.query_opt(
        &format!("SELECT {USER} FROM users WHERE id = $1"),
        &[id.as_uuid()],
    )
    .await?
    .as_ref()
    .map(user)
    .transpose()
}

fn json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| Error::Internal(format!("to JSON: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| Error::Internal(format!("unreadable record: {e}")))
}

async fn insert_security_event(tx: &Transaction<'_>, event: &SecurityEvent) -> Result<()> {
    tx.execute(
        "INSERT INTO security_events (at, kind, actor, subject, address, doc)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &event.at,
            &event.kind.as_str(),
            &event.actor,
            &event.subject,
            &event.address,
            &json(event)?,
        ],
    )
    .await?;
    Ok(())
}

/// Names (or stops naming) `user` on an engineer record; returns the change to log.
async fn link_engineer(
    tx: &Transaction<'_>,
    engineer: EngineerId,
    user: Option<UserId>,
    at: Timestamp,
) -> Result<Change> {
    let mut record: Engineer = locked(tx, *engineer.as_uuid()).await?;
    record.user_id = user;
    write(tx, &record, ChangeOp::Updated, Vec::new()).await?;
    Ok(record.change(ChangeOp::Updated, at))
}

/// Gives a login another role, moving its link to an engineer record (the engineer record
/// names its login too). Returns how many logins it found (0 or 1).
async fn change_role(
    tx: &Transaction<'_>,
    id: UserId,
    role: Role,
    engineer_id: Option<EngineerId>,
    at: Timestamp,
) -> Result<u64> {
    let Some(row) = tx
        .query_opt(
            "SELECT engineer_id FROM users WHERE id = $1 FOR UPDATE",
            &[id.as_uuid()],
        )
        .await?
    else {
        return Ok(0);
    };
    let before = row
        .get::<_, Option<uuid::Uuid>>(0)
        .map(EngineerId::from_uuid);
    let mut changes = Vec::new();
    if before != engineer_id {
        if let Some(e) = before {
            changes.push(link_engineer(tx, e, None, at).await?);
        }
        if let Some(e) = engineer_id {
            changes.push(link_engineer(tx, e, Some(id), at).await?);
        }
    }
    tx.execute(
        "UPDATE users SET role = $2, engineer_id = $3 WHERE id = $1",
        &[
            id.as_uuid(),
            &role.as_str(),
            &engineer_id.map(|e| *e.as_uuid()),
        ],
    )
    .await
    .map_err(|e| match constraint(e, "user") {
        Error::Conflict(_) => Error::Conflict("that engineer already has a login".to_owned()),
        other => other,
    })?;
    append(tx, &changes).await?;
    Ok(1)
}

impl AccessStore for PgStore {
    fn sign_in_failures(&self, keys: &[String]) -> Result<Vec<(String, SignInFailures)>> {
        let keys = keys.to_vec();
        self.with(move |c| async move {
            let rows = c
                .query(
                    "SELECT key, doc FROM sign_in_failures WHERE key = ANY($1)",
                    &[&keys],
                )
                .await?;
            let mut kept = Vec::new();
            // In the order asked for, as on SQLite.
            for key in keys {
                if let Some(r) = rows.iter().find(|r| r.get::<_, &str>(0) == key) {
                    kept.push((key, from_json(r.get(1))?));
                }
            }
            Ok(kept)
        })
    }

    fn count_sign_in_failure(
        &self,
        key: &str,
        forget_before: Timestamp,
        count: &mut dyn FnMut(Option<SignInFailures>) -> SignInFailures,
    ) -> Result<SignInFailures> {
        // `count` runs here, between reading and writing, so the write is conditional on the
        // record being as it was read (compare and set); another server counting the same key
        // at the same moment makes this one read again.
        let key = key.to_owned();
        loop {
            let read_key = key.clone();
            let before: Option<serde_json::Value> = self.with(move |c| async move {
                c.execute(
                    "DELETE FROM sign_in_failures WHERE last < $1",
                    &[&forget_before],
                )
                .await?;
                Ok(c.query_opt(
                    "SELECT doc FROM sign_in_failures WHERE key = $1",
                    &[&read_key],
                )
                .await?
                .map(|r| r.get(0)))
            })?;
            let after = count(before.clone().map(from_json).transpose()?);
            let (doc, write_key) = (json(&after)?, key.clone());
            let written = self.with(move |c| async move {
                Ok(match before {
                    None => {
                        c.execute(
                            "INSERT INTO sign_in_failures (key, last, doc) VALUES ($1, $2, $3)
                             ON CONFLICT (key) DO NOTHING",
                            &[&write_key, &after.last, &doc],
                        )
                        .await?
                    }
                    Some(before) => {
                        c.execute(
                            "UPDATE sign_in_failures SET last = $2, doc = $3
                             WHERE key = $1 AND doc = $4",
                            &[&write_key, &after.last, &doc, &before],
                        )
                        .await?
                    }
                })
            })?;
            if written == 1 {
                return Ok(after);
            }
        }
    }

    fn clear_sign_in_failures(&self, key: &str) -> Result<()> {
        let key = key.to_owned();
        self.with(move |c| async move {
            c.execute("DELETE FROM sign_in_failures WHERE key = $1", &[&key])
                .await?;
            Ok(())
        })
    }

    fn create_user(&self, user: &User, password_hash: &str, at: Timestamp) -> Result<()> {
        let (user, password_hash) = (user.clone(), password_hash.to_owned());
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            tx.execute(
                "INSERT INTO users (id, username, display_name, role, engineer_id, password_hash,
                     disabled, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    user.id.as_uuid(),
                    &user.username,
                    &user.display_name,
                    &user.role.as_str(),
                    &user.engineer_id.map(|e| *e.as_uuid()),
                    &password_hash,
                    &user.disabled,
                    &at,
                ],
            )
            .await
            .map_err(|e| match constraint(e, "user") {
                Error::Conflict(_) => Error::Conflict(format!(
                    "the user name {:?} is taken, or that engineer already has a login",
                    user.username
                )),
                Error::BadRequest {
                    code: "constraint", ..
                } => Error::bad_request(
                    "invalid_input",
                    "an engineer login needs an engineer record, and only engineers have one",
                ),
                other => other,
            })?;
            if let Some(e) = user.engineer_id {
                let linked = link_engineer(&tx, e, Some(user.id), at).await?;
                append(&tx, &[linked]).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn user_with_password(&self, username: &str) -> Result<Option<(User, String)>> {
        let username = username.to_owned();
        self.with(move |c| async move {
            c.query_opt(
                &format!("SELECT {USER} FROM users WHERE lower(username) = lower($1)"),
                &[&username],
            )
            .await?
            .as_ref()
            .map(user)
            .transpose()
        })
    }

    fn list_users(&self) -> Result<Vec<User>> {
        self.with(|c| async move {
            c.query(
                &format!("SELECT {USER} FROM users ORDER BY lower(username)"),
                &[],
            )
            .await?
            .iter()
            .map(|r| user(r).map(|(u, _)| u))
            .collect()
        })
    }

    fn create_session(
        &self,
        token_hash: &[u8],
        user: UserId,
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        let token_hash = token_hash.to_vec();
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            tx.execute("DELETE FROM sessions WHERE expires_at < $1", &[&at])
                .await?;
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
                 VALUES ($1, $2, $3, $4)",
                &[&token_hash, user.as_uuid(), &at, &expires_at],
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn user_by_session(&self, token_hash: &[u8], now: Timestamp) -> Result<Option<User>> {
        let token_hash = token_hash.to_vec();
        self.with(move |c| async move {
            c.query_opt(
                "SELECT u.id, u.username, u.display_name, u.role, u.engineer_id,
                        u.password_hash, u.disabled
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
                &[&token_hash, &now],
            )
            .await?
            .as_ref()
            .map(|r| user(r).map(|(u, _)| u))
            .transpose()
        })
    }

    fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        let token_hash = token_hash.to_vec();
        self.with(move |c| async move {
            c.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])
                .await?;
            Ok(())
        })
    }

    fn change_access(
        &self,
        id: UserId,
        change: &AccessChange,
        password_hash: Option<&str>,
        event: &SecurityEvent,
    ) -> Result<User> {
        let (change, event) = (change.clone(), event.clone());
        let password_hash = password_hash.unwrap_or_default().to_owned();
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let user_id = id.as_uuid();
            let found = match &change {
                AccessChange::Disable => {
                    tx.execute("UPDATE users SET disabled = TRUE WHERE id = $1", &[user_id])
                        .await?
                }
                AccessChange::Enable => {
                    tx.execute(
                        "UPDATE users SET disabled = FALSE WHERE id = $1",
                        &[user_id],
                    )
                    .await?
                }
                AccessChange::ResetPassword { .. } => {
                    tx.execute(
                        "UPDATE users SET password_hash = $2 WHERE id = $1",
                        &[user_id, &password_hash],
                    )
                    .await?
                }
                AccessChange::SignOutEverywhere => u64::from(user_by_id(&tx, id).await?.is_some()),
                AccessChange::ChangeRole { role, engineer_id } => {
                    change_role(&tx, id, *role, *engineer_id, event.at).await?
                }
            };
            if found == 0 {
                return Err(Error::not_found("user", id));
            }
            if change.ends_sessions() {
                tx.execute("DELETE FROM sessions WHERE user_id = $1", &[user_id])
                    .await?;
            }
            insert_security_event(&tx, &event).await?;
            let (user, _) = user_by_id(&tx, id)
                .await?
                .ok_or_else(|| Error::not_found("user", id))?;
            tx.commit().await?;
            Ok(user)
        })
    }

    fn record_security_event(&self, event: &SecurityEvent) -> Result<()> {
        let event = event.clone();
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            insert_security_event(&tx, &event).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn security_events(&self, limit: u32) -> Result<Vec<SecurityEvent>> {
        let limit = i64::from(limit.clamp(1, 1000));
        self.with(move |c| async move {
            c.query(
                "SELECT doc FROM security_events ORDER BY seq DESC LIMIT $1",
                &[&limit],
            )
            .await?
            .into_iter()
            .map(|r| from_json(r.get(0)))
            .collect()
        })
    }

    fn add_intake_key(
        &self,
        key_hash: &[u8],
        channel: IntakeChannel,
        label: &str,
        at: Timestamp,
    ) -> Result<()> {
        let (key_hash, label) = (key_hash.to_vec(), label.to_owned());
        self.with(move |c| async move {
            c.execute(
                "INSERT INTO intake_keys (key_hash, channel, label, created_at)
                 VALUES ($1, $2, $3, $4)",
                &[&key_hash, &channel.as_str(), &label, &at],
            )
            .await
            .map_err(|e| constraint(e, "intake key"))?;
            Ok(())
        })
    }

    fn intake_channel_for_key(&self, key_hash: &[u8]) -> Result<Option<IntakeChannel>> {
        let key_hash = key_hash.to_vec();
        self.with(move |c| async move {
            let channel: Option<String> = c
                .query_opt(
                    "SELECT channel FROM intake_keys WHERE key_hash = $1 AND revoked_at IS NULL",
                    &[&key_hash],
                )
                .await?
                .map(|r| r.get(0));
            Ok(channel.and_then(|c| IntakeChannel::parse(&c)))
        })
    }

    fn register_device_key(
        &self,
        key: &str,
        user: UserId,
        name: &str,
        at: Timestamp,
    ) -> Result<bool> {
        let (key, name) = (key.to_owned(), name.to_owned());
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            // Two first registrations of one key at once: the second waits, then finds it.
            let inserted = tx
                .execute(
                    "INSERT INTO device_keys (public_key, user_id, name, registered_at)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (public_key) DO NOTHING",
                    &[&key, user.as_uuid(), &name, &at],
                )
                .await
                .map_err(|e| constraint(e, "device key"))?;
            if inserted == 1 {
                tx.commit().await?;
                return Ok(true);
            }
            let row = tx
                .query_one(
                    "SELECT user_id, revoked_at IS NOT NULL FROM device_keys WHERE public_key = $1",
                    &[&key],
                )
                .await?;
            let (owner, revoked): (uuid::Uuid, bool) = (row.get(0), row.get(1));
            if revoked {
                Err(Error::bad_request_with_status(
                    axum::http::StatusCode::CONFLICT,
                    "device_key_revoked",
                    "this device's key was revoked; the app makes a new one",
                ))
            } else if owner == *user.as_uuid() {
                Ok(false)
            } else {
                Err(Error::Conflict(
                    "this device key is registered to another user".into(),
                ))
            }
        })
    }

    fn device_key_owner(&self, key: &str) -> Result<Option<(String, Option<Timestamp>)>> {
        let key = key.to_owned();
        self.with(move |c| async move {
            Ok(c.query_opt(
                "SELECT u.display_name, k.revoked_at FROM device_keys k
                 JOIN users u ON u.id = k.user_id WHERE k.public_key = $1",
                &[&key],
            )
            .await?
            .map(|r| (r.get(0), r.get(1))))
        })
    }

    fn device_keys(&self) -> Result<Vec<RegisteredDevice>> {
        self.with(|c| async move {
            Ok(c.query(
                "SELECT k.public_key, k.user_id, u.username, k.name, k.registered_at, k.revoked_at
                 FROM device_keys k JOIN users u ON u.id = k.user_id
                 ORDER BY k.registered_at DESC",
                &[],
            )
            .await?
            .into_iter()
            .map(|r| RegisteredDevice {
                public_key: r.get(0),
                user_id: UserId::from_uuid(r.get(1)),
                username: r.get(2),
                name: r.get(3),
                registered_at: r.get(4),
                revoked_at: r.get(5),
            })
            .collect())
        })
    }

    fn revoke_device_key(&self, key: &str, event: &SecurityEvent) -> Result<()> {
        let (key, event) = (key.to_owned(), event.clone());
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let n = tx
                .execute(
                    "UPDATE device_keys SET revoked_at = $2
                     WHERE public_key = $1 AND revoked_at IS NULL",
                    &[&key, &event.at],
                )
                .await?;
            if n == 0 {
                return Err(Error::not_found("device key in use", key));
            }
            insert_security_event(&tx, &event).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn intake_keys(&self) -> Result<Vec<IntakeKeyInfo>> {
        self.with(|c| async move {
            c.query(
                "SELECT key_hash, channel, label, created_at, revoked_at FROM intake_keys
                 ORDER BY created_at DESC",
                &[],
            )
            .await?
            .into_iter()
            .map(|r| {
                let channel: String = r.get(1);
                Ok(IntakeKeyInfo {
                    id: key_id(r.get::<_, &[u8]>(0)),
                    channel: IntakeChannel::parse(&channel)
                        .ok_or_else(|| Error::Internal(format!("unknown channel {channel:?}")))?,
                    label: r.get(2),
                    created_at: r.get(3),
                    revoked_at: r.get(4),
                })
            })
            .collect()
        })
    }

    fn revoke_intake_key(&self, id: &str, event: &SecurityEvent) -> Result<()> {
        let (id, event) = (id.to_owned(), event.clone());
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let hashes: Vec<Vec<u8>> = tx
                .query(
                    "SELECT key_hash FROM intake_keys WHERE revoked_at IS NULL FOR UPDATE",
                    &[],
                )
                .await?
                .into_iter()
                .map(|r| r.get(0))
                .collect();
            let Some(hash) = hashes.into_iter().find(|h| key_id(h) == id) else {
                return Err(Error::not_found("intake key in use", id));
            };
            tx.execute(
                "UPDATE intake_keys SET revoked_at = $2 WHERE key_hash = $1",
                &[&hash, &event.at],
            )
            .await?;
            insert_security_event(&tx, &event).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn server_seal_secret(&self, candidate: [u8; 32]) -> Result<[u8; 32]> {
        self.with(move |c| async move {
            // Servers starting together: the first one's candidate is every server's secret.
            c.execute(
                "INSERT INTO server_seal_key (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
                &[&candidate.as_slice()],
            )
            .await?;
            let secret: Vec<u8> = c
                .query_one("SELECT secret FROM server_seal_key WHERE id = 1", &[])
                .await?
                .get(0);
            secret
                .try_into()
                .map_err(|_| Error::Internal("the stored seal key is not 32 bytes".into()))
        })
    }

    fn device_key_user(&self, key: &str) -> Result<Option<UserId>> {
        let key = key.to_owned();
        self.with(move |c| async move {
            Ok(c.query_opt(
                "SELECT user_id FROM device_keys WHERE public_key = $1 AND revoked_at IS NULL",
                &[&key],
            )
            .await?
            .map(|r| UserId::from_uuid(r.get(0))))
        })
    }

    fn first_device_registration(&self, user: UserId) -> Result<Option<Timestamp>> {
        self.with(move |c| async move {
            Ok(c.query_one(
                "SELECT MIN(registered_at) FROM device_keys WHERE user_id = $1",
                &[user.as_uuid()],
            )
            .await?
            .get(0))
        })
    }
}
