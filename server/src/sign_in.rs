//! What keeps sign-in from being used against the server: passwords are checked on a fixed
//! number of threads, each with argon2 working memory allocated once (a flood of wrong
//! passwords waits its turn instead of allocating 19 MiB per request), and repeated failures
//! lock the account, and the address they come from, for a while.

use std::net::IpAddr;
use std::sync::{Arc, Mutex, mpsc};

use fixline_core::security::SignInFailures;

use argon2::password_hash::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use chrono::TimeDelta;
use fixline_core::Timestamp;
use tokio::sync::oneshot;

use crate::error::{Error, Result};
use crate::store::Store;

/// The most argon2 memory one stored hash may ask for (64 MiB); a larger one never verifies.
const MAX_BLOCKS: usize = 64 * 1024;

/// Checks passwords on `workers` threads, each reusing its own argon2 memory: however many
/// sign-ins arrive at once, the server holds `workers` × the hash's memory cost for them.
#[derive(Debug)]
pub struct PasswordChecker {
    queue: mpsc::SyncSender<Check>,
}

struct Check {
    password: String,
    hash: String,
    reply: oneshot::Sender<bool>,
}

impl PasswordChecker {
    /// `waiting` checks may queue behind the busy workers; more are answered "busy".
    pub fn new(workers: usize, waiting: usize) -> Self {
        let (queue, jobs) = mpsc::sync_channel::<Check>(waiting);
        let jobs = Arc::new(Mutex::new(jobs));
        for i in 0..workers.max(1) {
            let jobs = Arc::clone(&jobs);
            let spawned = std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || {
                    let mut memory = Vec::new();
                    loop {
                        // The lock is held only while waiting for the next check.
                        let next = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        // All senders gone: the server is stopping.
                        let Ok(check) = next else { return };
                        let ok = verify_with(&mut memory, &check.password, &check.hash);
                        let _ = check.reply.send(ok);
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("could not start a password thread: {e}");
            }
        }
        PasswordChecker { queue }
    }

    /// Whether `password` matches the argon2 `hash`.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .try_send(Check {
                password,
                hash,
                reply,
            })
            .map_err(|_| Error::Busy {
                retry_after_secs: 2,
            })?;
        answer
            .await
            .map_err(|_| Error::Internal("the password check stopped".into()))
    }
}

/// Verifies with caller-owned argon2 memory, grown once to the largest cost seen.
fn verify_with(memory: &mut Vec<Block>, password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    if blocks > MAX_BLOCKS {
        return false;
    }
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    argon
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            &mut memory[..blocks],
        )
        .is_ok()
        // Output's equality takes the same time whatever the bytes.
        && Output::new(&out).is_ok_and(|out| out == expected)
}

/// How many wrong passwords lock what, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    /// Wrong passwords in a row for one account that lock it.
    pub account_failures: u32,
    /// Wrong passwords from one address (for any accounts) that lock the address.
    pub address_failures: u32,
    /// How long a lock lasts, and how long failures are remembered.
    pub window: TimeDelta,
}

/// Failed sign-ins per account and per address, counted in the store (core's
/// `SignInFailures` says how), so every server sharing the database counts them together.
#[derive(Debug, Clone, Copy)]
pub struct SignInGuard {
    policy: LockoutPolicy,
}

/// Why a sign-in is not even tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    Account { until: Timestamp },
    Address { until: Timestamp },
}

/// What a failure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    Counted,
    LockedNow(Locked),
}

fn account_key(account: &str) -> String {
    format!("account:{account}")
}

fn address_key(address: IpAddr) -> String {
    format!("address:{address}")
}

impl SignInGuard {
    pub fn new(policy: LockoutPolicy) -> Self {
        SignInGuard { policy }
    }

    /// The account key: user names are matched without regard to case or spaces around them.
    pub fn account(username: &str) -> String {
        username.trim().to_lowercase()
    }

    /// Refuses before any password work when the account or the address is locked.
    pub fn check(
        &self,
        store: &dyn Store,
        account: &str,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<Option<Locked>> {
        let mut keys = vec![account_key(account)];
        keys.extend(address.map(address_key));
        let kept = store.sign_in_failures(&keys)?;
        let until = |key: &str| {
            kept.iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, f)| f.locked_at(now))
        };
        if let Some(until) = address.and_then(|a| until(&address_key(a))) {
            return Ok(Some(Locked::Address { until }));
        }
        Ok(until(&account_key(account)).map(|until| Locked::Account { until }))
    }

    pub fn failed(
        &self,
        store: &dyn Store,
        account: &str,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<AfterFailure> {
        let mut after = AfterFailure::Counted;
        if let Some(until) = self.count(
            store,
            &account_key(account),
            self.policy.account_failures,
            now,
        )? {
            after = AfterFailure::LockedNow(Locked::Account { until });
        }
        if let Some(address) = address
            && let Some(until) = self.count(
                store,
                &address_key(address),
                self.policy.address_failures,
                now,
            )?
        {
            after = AfterFailure::LockedNow(Locked::Address { until });
        }
        Ok(after)
    }

    /// A right password clears the account's count (not the address's: one right password
    /// among many wrong ones from an address is what guessing looks like).
    pub fn succeeded(&self, store: &dyn Store, account: &str) -> Result<()> {
        store.clear_sign_in_failures(&account_key(account))
    }

    /// Counts one failure; the time the key is locked until, when this one locks it.
    fn count(
        &self,
        store: &dyn Store,
        key: &str,
        limit: u32,
        now: Timestamp,
    ) -> Result<Option<Timestamp>> {
        let window = self.policy.window;
        let mut locked_now = None;
        store.count_sign_in_failure(key, now - window, &mut |before| {
            let after = SignInFailures::after_failure(before, limit, window, now);
            locked_now = (before.and_then(|b| b.locked_at(now)).is_none()
                && after.locked_at(now).is_some())
            .then_some(after.locked_until)
            .flatten();
            after
        })?;
        Ok(locked_now)
    }
}

impl Locked {
    pub fn until(self) -> Timestamp {
        match self {
            Locked::Account { until } | Locked::Address { until } => until,
        }
    }

    /// The refusal, with how long to wait.
    pub fn error(self, now: Timestamp) -> Error {
        let secs = (self.until() - now).num_seconds().max(1) as u64;
        let minutes = secs.div_ceil(60);
        let message = match self {
            Locked::Account { .. } => format!(
                "too many wrong passwords for this user name: sign-in is locked; try again in {minutes} min, or ask an administrator"
            ),
            Locked::Address { .. } => format!(
                "too many wrong passwords from this address: sign-in is locked; try again in {minutes} min"
            ),
        };
        Error::TooManyAttempts {
            retry_after_secs: secs,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::hash_password;

    fn at(minutes: i64) -> Timestamp {
        "2026-12-03T01:00:00Z".parse::<Timestamp>().unwrap() + TimeDelta::minutes(minutes)
    }

    #[test]
    fn reused_memory_verifies_like_the_crate() {
        let hash = hash_password("correct horse").unwrap();
        let mut memory = Vec::new();
        assert!(verify_with(&mut memory, "correct horse", &hash));
        assert!(!verify_with(&mut memory, "correct horsE", &hash));
        assert!(!verify_with(
            &mut memory,
            "correct horse",
            "$argon2id$nonsense"
        ));
        assert_eq!(memory.len(), Params::DEFAULT_M_COST as usize);
        // A hash asking for more memory than allowed never verifies.
        let greedy =
            "$argon2id$v=19$m=1048576,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";
        assert!(!verify_with(&mut memory, "password", greedy));
        assert_eq!(memory.len(), Params::DEFAULT_M_COST as usize);
    }

    fn store() -> crate::store::SqliteStore {
        crate::store::SqliteStore::open_in_memory().unwrap()
    }

    #[test]
    fn failures_lock_the_account_then_run_out() {
        let store = store();
        let s = &store as &dyn Store;
        let guard = SignInGuard::new(LockoutPolicy {
            account_failures: 3,
            address_failures: 100,
            window: TimeDelta::minutes(15),
        });
        let ip: IpAddr = "10.0.0.7".parse().unwrap();
        let chen = SignInGuard::account("  Chen ");
        assert_eq!(chen, "chen");
        let failed = |at| guard.failed(s, &chen, Some(ip), at).unwrap();
        assert_eq!(failed(at(0)), AfterFailure::Counted);
        // A right password clears the count.
        guard.succeeded(s, &chen).unwrap();
        assert_eq!(failed(at(1)), AfterFailure::Counted);
        assert_eq!(failed(at(2)), AfterFailure::Counted);
        assert_eq!(
            failed(at(3)),
            AfterFailure::LockedNow(Locked::Account { until: at(18) })
        );
        assert_eq!(
            guard.check(s, &chen, Some(ip), at(17)).unwrap(),
            Some(Locked::Account { until: at(18) })
        );
        assert_eq!(guard.check(s, "wang", Some(ip), at(17)).unwrap(), None);
        assert_eq!(guard.check(s, &chen, Some(ip), at(18)).unwrap(), None);
        // After the lock, counting starts again.
        assert_eq!(failed(at(19)), AfterFailure::Counted);
        let e = Locked::Account { until: at(18) }.error(at(4));
        assert_eq!(e.code(), "too_many_attempts");
        assert!(e.to_string().contains("14 min"), "{e}");
    }

    #[test]
    fn many_accounts_from_one_address_lock_the_address() {
        let store = store();
        let s = &store as &dyn Store;
        let guard = SignInGuard::new(LockoutPolicy {
            account_failures: 5,
            address_failures: 4,
            window: TimeDelta::minutes(15),
        });
        let ip: IpAddr = "10.0.0.8".parse().unwrap();
        for (i, name) in ["a", "b", "c"].iter().enumerate() {
            assert_eq!(
                guard.failed(s, name, Some(ip), at(i as i64)).unwrap(),
                AfterFailure::Counted
            );
        }
        assert_eq!(
            guard.failed(s, "d", Some(ip), at(3)).unwrap(),
            AfterFailure::LockedNow(Locked::Address { until: at(18) })
        );
        assert_eq!(
            guard.check(s, "e", Some(ip), at(4)).unwrap(),
            Some(Locked::Address { until: at(18) })
        );
        assert_eq!(
            guard
                .check(s, "e", Some("10.0.0.9".parse().unwrap()), at(4))
                .unwrap(),
            None
        );
        // Failures further apart than the window never add up, and are forgotten.
        let slow = SignInGuard::new(LockoutPolicy {
            account_failures: 2,
            address_failures: 2,
            window: TimeDelta::minutes(15),
        });
        assert_eq!(
            slow.failed(s, "x", None, at(0)).unwrap(),
            AfterFailure::Counted
        );
        assert_eq!(
            slow.failed(s, "x", None, at(20)).unwrap(),
            AfterFailure::Counted
        );
        let kept = s
            .sign_in_failures(&["address:10.0.0.8".to_owned()])
            .unwrap();
        assert!(
            kept.is_empty(),
            "the address's lock ran out and was dropped"
        );
    }

    /// Two servers over one database count a guesser's failures together.
    #[test]
    fn servers_sharing_a_database_count_failures_together() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.db");
        let a = crate::store::SqliteStore::open(&path).unwrap();
        let b = crate::store::SqliteStore::open(&path).unwrap();
        let guard = SignInGuard::new(LockoutPolicy {
            account_failures: 4,
            address_failures: 100,
            window: TimeDelta::minutes(15),
        });
        for (i, server) in [&a, &b, &a].into_iter().enumerate() {
            let after = guard.failed(server, "chen", None, at(i as i64)).unwrap();
            assert_eq!(after, AfterFailure::Counted);
        }
        assert!(matches!(
            guard.failed(&b, "chen", None, at(3)).unwrap(),
            AfterFailure::LockedNow(_)
        ));
        assert!(guard.check(&a, "chen", None, at(4)).unwrap().is_some());
    }
}
