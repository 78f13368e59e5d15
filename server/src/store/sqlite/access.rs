//! Users, sessions, the security log, device and intake keys on SQLite.

use super::*;
use crate::store::AccessStore;
use fixline_core::security::SignInFailures;

impl AccessStore for SqliteStore {
    fn sign_in_failures(&self, keys: &[String]) -> Result<Vec<(String, SignInFailures)>> {
        self.read(|c| {
            let mut kept = Vec::new();
            for key in keys {
                let doc: Option<String> = c
                    .query_row(
                        "SELECT doc FROM sign_in_failures WHERE key = ?1",
                        [key],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(doc) = doc {
                    kept.push((key.clone(), from_json(&doc)?));
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
        self.write(|tx, _| {
            tx.execute(
                "DELETE FROM sign_in_failures WHERE last < ?1",
                [ts(forget_before)],
            )?;
            let before: Option<String> = tx
                .query_row(
                    "SELECT doc FROM sign_in_failures WHERE key = ?1",
                    [key],
                    |r| r.get(0),
                )
                .optional()?;
            let before = before.as_deref().map(from_json).transpose()?;
            let after = count(before);
            tx.execute(
                "INSERT INTO sign_in_failures (key, last, doc) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET last = excluded.last, doc = excluded.doc",
                params![key, ts(after.last), to_json(&after)?],
            )?;
            Ok(after)
        })
    }

    fn clear_sign_in_failures(&self, key: &str) -> Result<()> {
        self.write(|tx, _| {
            tx.execute("DELETE FROM sign_in_failures WHERE key = ?1", [key])?;
            Ok(())
        })
    }

    fn register_device_key(
        &self,
        key: &str,
        user: UserId,
        name: &str,
        at: Timestamp,
    ) -> Result<bool> {
        self.write(|tx, _| {
            let owner: Option<String> = tx
                .query_row(
                    "SELECT user_id FROM device_keys WHERE public_key = ?1",
                    [key],
                    |r| r.get(0),
                )
                .optional()?;
            let revoked: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM device_keys WHERE public_key = ?1 AND revoked_at IS NOT NULL)",
                [key],
                |r| r.get(0),
            )?;
            match owner {
                Some(_) if revoked => Err(Error::bad_request_with_status(
                    axum::http::StatusCode::CONFLICT,
                    "device_key_revoked",
                    "this device's key was revoked; the app makes a new one",
                )),
                Some(o) if o == user.to_string() => Ok(false),
                Some(_) => Err(Error::Conflict(
                    "this device key is registered to another user".into(),
                )),
                None => {
                    tx.execute(
                        "INSERT INTO device_keys (public_key, user_id, name, registered_at) VALUES (?1, ?2, ?3, ?4)",
                        params![key, user.to_string(), name, ts(at)],
                    )?;
                    Ok(true)
                }
            }
        })
    }

    fn device_key_user(&self, key: &str) -> Result<Option<UserId>> {
        self.read(|c| {
            let user: Option<String> = c
                .query_row(
                    "SELECT user_id FROM device_keys WHERE public_key = ?1 AND revoked_at IS NULL",
                    [key],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(user.and_then(|u| u.parse().ok()))
        })
    }

    fn first_device_registration(&self, user: UserId) -> Result<Option<Timestamp>> {
        self.read(|c| {
            let first: Option<String> = c.query_row(
                "SELECT MIN(registered_at) FROM device_keys WHERE user_id = ?1",
                [user.to_string()],
                |r| r.get(0),
            )?;
            first.as_deref().map(parse_ts).transpose()
        })
    }

    fn device_key_owner(&self, key: &str) -> Result<Option<(String, Option<Timestamp>)>> {
        self.read(|c| {
            let row: Option<(String, Option<String>)> = c
                .query_row(
                    "SELECT u.display_name, k.revoked_at FROM device_keys k JOIN users u ON u.id = k.user_id
                     WHERE k.public_key = ?1",
                    [key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            row.map(|(name, revoked)| Ok((name, revoked.as_deref().map(parse_ts).transpose()?)))
                .transpose()
        })
    }

    fn device_keys(&self) -> Result<Vec<RegisteredDevice>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT k.public_key, k.user_id, u.username, k.name, k.registered_at, k.revoked_at
                 FROM device_keys k JOIN users u ON u.id = k.user_id ORDER BY k.registered_at DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })?;
            rows.map(|row| {
                let (public_key, user, username, name, registered, revoked) = row?;
                Ok(RegisteredDevice {
                    public_key,
                    user_id: user
                        .parse()
                        .map_err(|_| Error::Internal("bad user id in device_keys".into()))?,
                    username,
                    name,
                    registered_at: parse_ts(&registered)?,
                    revoked_at: revoked.as_deref().map(parse_ts).transpose()?,
                })
            })
            .collect()
        })
    }

    fn revoke_device_key(&self, key: &str, event: &SecurityEvent) -> Result<()> {
        self.write(|tx, _| {
            let n = tx.execute(
                "UPDATE device_keys SET revoked_at = ?2 WHERE public_key = ?1 AND revoked_at IS NULL",
                params![key, ts(event.at)],
            )?;
            if n == 0 {
                return Err(Error::not_found("device key in use", key));
            }
            insert_security_event(tx, event)
        })
    }

    fn intake_keys(&self) -> Result<Vec<IntakeKeyInfo>> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT key_hash, channel, label, created_at, revoked_at FROM intake_keys ORDER BY created_at DESC",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })?;
            rows.map(|row| {
                let (hash, channel, label, created, revoked) = row?;
                Ok(IntakeKeyInfo {
                    id: key_id(&hash),
                    channel: IntakeChannel::parse(&channel)
                        .ok_or_else(|| Error::Internal(format!("unknown channel {channel:?}")))?,
                    label,
                    created_at: parse_ts(&created)?,
                    revoked_at: revoked.as_deref().map(parse_ts).transpose()?,
                })
            })
            .collect()
        })
    }

    fn revoke_intake_key(&self, id: &str, event: &SecurityEvent) -> Result<()> {
        self.write(|tx, _| {
            let hashes: Vec<Vec<u8>> = {
                let mut stmt =
                    tx.prepare("SELECT key_hash FROM intake_keys WHERE revoked_at IS NULL")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let Some(hash) = hashes.into_iter().find(|h| key_id(h) == id) else {
                return Err(Error::not_found("intake key in use", id));
            };
            tx.execute(
                "UPDATE intake_keys SET revoked_at = ?2 WHERE key_hash = ?1",
                params![hash, ts(event.at)],
            )?;
            insert_security_event(tx, event)
        })
    }

    fn server_seal_secret(&self, candidate: [u8; 32]) -> Result<[u8; 32]> {
        self.write(|tx, _| {
            tx.execute(
                "INSERT OR IGNORE INTO server_seal_key (id, secret) VALUES (1, ?1)",
                [candidate.as_slice()],
            )?;
            let secret: Vec<u8> =
                tx.query_row("SELECT secret FROM server_seal_key WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
            secret
                .try_into()
                .map_err(|_| Error::Internal("the stored seal key is not 32 bytes".into()))
        })
    }

    fn create_user(&self, user: &User, password_hash: &str, at: Timestamp) -> Result<()> {
        self.write(|tx, log| {
            tx.execute(
                "INSERT INTO users (id, username, display_name, role, engineer_id, password_hash, disabled, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    user.id.to_string(),
                    user.username,
                    user.display_name,
                    user.role.as_str(),
                    opt_id(user.engineer_id),
                    password_hash,
                    user.disabled,
                    ts(at)
                ],
            )
            .map_err(|e| match constraint(e, "user") {
                Error::Conflict(_) => Error::Conflict(format!("the user name {:?} is taken, or that engineer already has a login", user.username)),
                Error::BadRequest { code: "constraint", .. } => {
                    Error::bad_request("invalid_input", "an engineer login needs an engineer record, and only engineers have one")
                }
                other => other,
            })?;
            if let Some(e) = user.engineer_id {
                let mut engineer: Engineer = get(tx, *e.as_uuid())?;
                engineer.user_id = Some(user.id);
                // Logged, so consoles showing the engineer learn of the login at once.
                put(tx, log, &engineer, ChangeOp::Updated, at)?;
            }
            Ok(())
        })
    }

    fn user_with_password(&self, username: &str) -> Result<Option<(User, String)>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT * FROM users WHERE username = ?1",
                [username],
                user_from_row,
            )
            .optional()?)
        })
    }

    fn list_users(&self) -> Result<Vec<User>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT * FROM users ORDER BY username")?;
            let rows = stmt.query_map([], user_from_row)?;
            Ok(rows
                .map(|r| r.map(|(u, _)| u))
                .collect::<rusqlite::Result<_>>()?)
        })
    }

    fn create_session(
        &self,
        token_hash: &[u8],
        user: UserId,
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        self.write(|tx, _| {
            tx.execute("DELETE FROM sessions WHERE expires_at < ?1", [ts(at)])?;
            tx.execute(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token_hash, user.to_string(), ts(at), ts(expires_at)],
            )?;
            Ok(())
        })
    }

    fn user_by_session(&self, token_hash: &[u8], now: Timestamp) -> Result<Option<User>> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0",
                params![token_hash, ts(now)],
                user_from_row,
            )
            .optional()?
            .map(|(u, _)| u))
        })
    }

    fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        self.write(|tx, _| {
            tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
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
        self.write(|tx, log| {
            let user = id.to_string();
            let found = match change {
                AccessChange::Disable => {
                    tx.execute("UPDATE users SET disabled = 1 WHERE id = ?1", [&user])?
                }
                AccessChange::Enable => {
                    tx.execute("UPDATE users SET disabled = 0 WHERE id = ?1", [&user])?
                }
                AccessChange::ResetPassword { .. } => tx.execute(
                    "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                    params![user, password_hash.unwrap_or_default()],
                )?,
                AccessChange::SignOutEverywhere => {
                    tx.query_row("SELECT count(*) FROM users WHERE id = ?1", [&user], |r| {
                        r.get::<_, i64>(0)
                    })? as usize
                }
                AccessChange::ChangeRole { role, engineer_id } => {
                    change_role(tx, log, id, *role, *engineer_id, event.at)?
                }
            };
            if found == 0 {
                return Err(Error::not_found("user", id));
            }
            if change.ends_sessions() {
                tx.execute("DELETE FROM sessions WHERE user_id = ?1", [&user])?;
            }
            insert_security_event(tx, event)?;
            Ok(tx
                .query_row("SELECT * FROM users WHERE id = ?1", [&user], user_from_row)?
                .0)
        })
    }

    fn record_security_event(&self, event: &SecurityEvent) -> Result<()> {
        self.write(|tx, _| insert_security_event(tx, event))
    }

    fn security_events(&self, limit: u32) -> Result<Vec<SecurityEvent>> {
        self.read(|c| {
            docs(
                c,
                "SELECT doc FROM security_events ORDER BY seq DESC LIMIT ?1",
                params![limit.clamp(1, 1000)],
            )
        })
    }

    fn add_intake_key(
        &self,
        key_hash: &[u8],
        channel: IntakeChannel,
        label: &str,
        at: Timestamp,
    ) -> Result<()> {
        self.write(|tx, _| {
            tx.execute(
                "INSERT INTO intake_keys (key_hash, channel, label, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![key_hash, channel.as_str(), label, ts(at)],
            )?;
            Ok(())
        })
    }

    fn intake_channel_for_key(&self, key_hash: &[u8]) -> Result<Option<IntakeChannel>> {
        self.read(|c| {
            let channel: Option<String> = c
                .query_row(
                    "SELECT channel FROM intake_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
                    [key_hash],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(channel.and_then(|c| IntakeChannel::parse(&c)))
        })
    }
}

pub(super) fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(User, String)> {
    let id: String = r.get("id")?;
    let role: String = r.get("role")?;
    let engineer: Option<String> = r.get("engineer_id")?;
    let bad = |what: &str| {
        rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
    };
    Ok((
        User {
            id: id.parse().map_err(|_| bad("id"))?,
            username: r.get("username")?,
            display_name: r.get("display_name")?,
            role: Role::parse(&role).ok_or_else(|| bad("role"))?,
            engineer_id: engineer
                .map(|e| e.parse())
                .transpose()
                .map_err(|_| bad("engineer_id"))?,
            disabled: r.get("disabled")?,
        },
        r.get("password_hash")?,
    ))
}

/// Gives a login another role, moving its link to an engineer record (the engineer record
/// names its login too). Returns how many logins it found (0 or 1).
pub(super) fn change_role(
    tx: &Transaction<'_>,
    log: &mut ChangeLog,
    id: UserId,
    role: Role,
    engineer_id: Option<EngineerId>,
    at: Timestamp,
) -> Result<usize> {
    let user = id.to_string();
    let Some(before) = tx
        .query_row(
            "SELECT engineer_id FROM users WHERE id = ?1",
            [&user],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
    else {
        return Ok(0);
    };
    let before = before.and_then(|e| e.parse::<EngineerId>().ok());
    if before == engineer_id {
        tx.execute(
            "UPDATE users SET role = ?2 WHERE id = ?1",
            params![user, role.as_str()],
        )?;
        return Ok(1);
    }
    if let Some(e) = before {
        let mut engineer: Engineer = get(tx, *e.as_uuid())?;
        engineer.user_id = None;
        put(tx, log, &engineer, ChangeOp::Updated, at)?;
    }
    if let Some(e) = engineer_id {
        let mut engineer: Engineer = get(tx, *e.as_uuid())?;
        engineer.user_id = Some(id);
        put(tx, log, &engineer, ChangeOp::Updated, at)?;
    }
    tx.execute(
        "UPDATE users SET role = ?2, engineer_id = ?3 WHERE id = ?1",
        params![user, role.as_str(), opt_id(engineer_id)],
    )
    .map_err(|e| match constraint(e, "user") {
        Error::Conflict(_) => Error::Conflict("that engineer already has a login".to_owned()),
        other => other,
    })?;
    Ok(1)
}

pub(super) fn insert_security_event(tx: &Transaction<'_>, event: &SecurityEvent) -> Result<()> {
    tx.execute(
        "INSERT INTO security_events (at, kind, actor, subject, address, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![ts(event.at), event.kind.as_str(), event.actor, event.subject, event.address, to_json(event)?],
    )?;
    Ok(())
}
