//! Passwords (argon2id; checked in `sign_in`), bearer tokens (random, stored only as SHA-256) and the signed-in user
//! of a request.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine as _;
use fixline_core::role::{Actor, Role};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::{Error, Result};
use crate::store::{User, Visibility};

pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < 8 {
        return Err(Error::bad_request(
            "invalid_input",
            "a password needs at least 8 characters",
        ));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
}

/// A new random secret (bearer token or channel API key) and the hash that is stored.
pub fn new_secret() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = secret_hash(&secret);
    (secret, hash)
}

pub fn secret_hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// The user behind the request's bearer token (header, or `access_token` query parameter for
/// browsers' EventSource, which cannot set headers).
#[derive(Debug, Clone)]
pub struct SignedIn(pub User);

impl SignedIn {
    pub fn role(&self) -> Role {
        self.0.role
    }

    /// Refuses the request unless the user has one of `roles`.
    pub fn require(&self, roles: &[Role], doing: &str) -> Result<()> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(Error::forbidden(format!(
                "the {} role may not {doing}",
                self.0.role
            )))
        }
    }

    pub fn require_desk(&self, doing: &str) -> Result<()> {
        self.require(
            &[Role::Dispatcher, Role::ServiceManager, Role::Admin],
            doing,
        )
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user: self.0.id,
            name: self.0.display_name.clone(),
            role: self.0.role,
            engineer: self.0.engineer_id,
        }
    }

    pub fn visibility(&self) -> Visibility {
        match (self.0.role, self.0.engineer_id) {
            (Role::Engineer, Some(e)) => Visibility::Engineer(e),
            _ => Visibility::All,
        }
    }
}

pub fn bearer_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    let query = parts.uri.query()?;
    url_param(query, "access_token")
}

fn url_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_owned())
    })
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = bearer_token(parts).ok_or(Error::Unauthenticated("no bearer token"))?;
        let hash = secret_hash(&token);
        let now = state.now();
        let user = state
            .run(move |store| store.user_by_session(&hash, now))
            .await?;
        user.map(SignedIn).ok_or(Error::Unauthenticated(
            "the token is unknown or has expired",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_are_salted() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(hash_password("short").is_err());
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let (a, ha) = new_secret();
        let (b, _) = new_secret();
        assert_ne!(a, b);
        assert_eq!(secret_hash(&a), ha);
        assert_eq!(a.len(), 43);
    }
}
