//! Signing in and out, who am I, and user administration.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use fixline_core::clock::ServiceClock;
use fixline_core::ids::UserId;
use fixline_core::role::Role;
use fixline_core::zone::ServiceZone;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, Path, Query};
use crate::AppState;
use crate::auth::{self, SignedIn};
use crate::error::{Error, ErrorBody, Result};
use crate::sign_in::{AfterFailure, SignInGuard};
use crate::store::User;
pub use fixline_api::session::{LoginRequest, LoginResponse, NewUser};
use fixline_core::security::{AccessChange, SecurityEvent, SecurityEventKind};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(clock))
        .routes(routes!(list_users, add_user))
        .routes(routes!(change_access))
        .routes(routes!(security_log))
}

/// The server's now and the zone of the signed-in user's area (an engineer's region may keep
/// its own): clients show days and times by these, not by the viewer's computer.
#[utoipa::path(get, path = "/api/v1/clock", tag = "session",
    responses((status = 200, body = ServiceClock), (status = 401, body = ErrorBody)))]
async fn clock(State(state): State<AppState>, user: SignedIn) -> Result<axum::Json<ServiceClock>> {
    let time_zone = user_zone(&state, &user).await?;
    Ok(axum::Json(ServiceClock {
        now: state.now(),
        time_zone,
    }))
}

/// The zone a user's days are in: an engineer's region's, else the service area's.
pub async fn user_zone(state: &AppState, user: &SignedIn) -> Result<ServiceZone> {
    let Some(engineer) = user.actor().engineer else {
        return Ok(state.zone());
    };
    let region = state
        .run(move |s| Ok(s.engineer(engineer)?.details.region))
        .await?;
    Ok(state.zone_of(&region))
}

/// Exchange a user name and password for a bearer token. Wrong passwords in a row lock the
/// user name, and many from one address lock the address, for a while (429 with Retry-After).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "session", security(()), request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    Json(req): Json<LoginRequest>,
) -> Result<axum::Json<LoginResponse>> {
    let ttl = chrono::TimeDelta::hours(state.config().auth.token_ttl_hours);
    let address = peer_address(&state, &parts);
    let account = SignInGuard::account(&req.username);
    let guard = *state.sign_in_guard();
    let now = state.now();
    let checked = account.clone();
    if let Some(locked) = state
        .run(move |s| guard.check(s, &checked, address, now))
        .await?
    {
        return Err(locked.error(now));
    }
    let username = req.username.trim().to_owned();
    let found = state
        .run(move |store| store.user_with_password(&username))
        .await?;
    // Verify against a real hash even for unknown users, so timing does not reveal names.
    let (user, hash) = found.unwrap_or_else(|| (placeholder_user(), DUMMY_HASH.clone()));
    let matches = state.passwords().verify(req.password, hash).await?;
    if !matches {
        let failed = account.clone();
        let after = state
            .run(move |s| guard.failed(s, &failed, address, now))
            .await?;
        if let AfterFailure::LockedNow(locked) = after {
            tracing::warn!(
                account = %account,
                address = ?address,
                until = %locked.until(),
                "sign-in locked after repeated wrong passwords"
            );
        }
        state
            .metrics()
            .sign_in_failed(matches!(after, AfterFailure::LockedNow(_)));
        let mut kinds = vec![SecurityEventKind::SignInFailed];
        if matches!(after, AfterFailure::LockedNow(_)) {
            kinds.push(SecurityEventKind::LockedOut);
        }
        for kind in kinds {
            let event = SecurityEvent {
                at: now,
                kind,
                actor: None,
                subject: Some(account.clone()),
                address: address.map(|a| a.to_string()),
                detail: None,
            };
            state.run(move |s| s.record_security_event(&event)).await?;
        }
        return Err(Error::Unauthenticated("wrong user name or password"));
    }
    let succeeded = account.clone();
    state.run(move |s| guard.succeeded(s, &succeeded)).await?;
    if user.disabled || user.username.is_empty() {
        // The right password for a disabled login: worth knowing, and told like any other.
        let event = SecurityEvent {
            at: now,
            kind: SecurityEventKind::SignInFailed,
            actor: None,
            subject: Some(account.clone()),
            address: address.map(|a| a.to_string()),
            detail: None,
        };
        state.run(move |s| s.record_security_event(&event)).await?;
        return Err(Error::Unauthenticated("wrong user name or password"));
    }
    let (token, hash) = auth::new_secret();
    let expires_at = now + ttl;
    let user_id = user.id;
    let event = SecurityEvent {
        at: now,
        kind: SecurityEventKind::SignedIn,
        actor: None,
        subject: Some(user.username.clone()),
        address: address.map(|a| a.to_string()),
        detail: None,
    };
    state
        .run(move |store| {
            store.create_session(&hash, user_id, now, expires_at)?;
            store.record_security_event(&event)
        })
        .await?;
    Ok(axum::Json(LoginResponse {
        token,
        expires_at,
        user,
    }))
}

/// A line of the security log about now, from the request's address.
pub(crate) fn security_event(
    state: &AppState,
    parts: &axum::http::request::Parts,
    kind: SecurityEventKind,
    actor: Option<&SignedIn>,
    subject: Option<String>,
) -> SecurityEvent {
    SecurityEvent {
        at: state.now(),
        kind,
        actor: actor.map(|a| a.0.username.clone()),
        subject,
        address: peer_address(state, parts).map(|a| a.to_string()),
        detail: None,
    }
}

/// The client's address, when the server was started with connection info: the connection's,
/// or behind a trusted proxy the one it forwarded (`[server] trusted_proxies`).
pub(crate) fn peer_address(
    state: &AppState,
    parts: &axum::http::request::Parts,
) -> Option<std::net::IpAddr> {
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())?;
    let trusted = &state.config().server.trusted_proxies;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    // Each proxy appends the address it heard from: the last one that is not a proxy of ours
    // is the client (anything before it the client may have written itself).
    let forwarded: Vec<std::net::IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .or(Some(peer))
}

/// Argon2id hash of a random password, checked when the user name is unknown.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| auth::hash_password(&auth::new_secret().0).unwrap_or_default());

fn placeholder_user() -> User {
    User {
        id: UserId::from_uuid(uuid::Uuid::nil()),
        username: String::new(),
        display_name: String::new(),
        role: Role::Engineer,
        engineer_id: None,
        disabled: true,
    }
}

/// End this token's session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "session", responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    _user: SignedIn,
    parts: axum::http::request::Parts,
) -> Result<StatusCode> {
    let token = auth::bearer_token(&parts).ok_or(Error::Unauthenticated("no bearer token"))?;
    let hash = auth::secret_hash(&token);
    state.run(move |store| store.delete_session(&hash)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
async fn me(user: SignedIn) -> axum::Json<User> {
    axum::Json(user.0)
}

/// All users (admin).
#[utoipa::path(get, path = "/api/v1/users", tag = "session", responses((status = 200, body = Vec<User>), (status = 403, body = ErrorBody)))]
async fn list_users(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<axum::Json<Vec<User>>> {
    user.require(&[Role::Admin], "list users")?;
    Ok(axum::Json(state.run(|store| store.list_users()).await?))
}

/// Create a login (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "session", request_body = NewUser,
    responses((status = 201, body = User), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn add_user(
    State(state): State<AppState>,
    user: SignedIn,
    parts: axum::http::request::Parts,
    Json(new): Json<NewUser>,
) -> Result<impl IntoResponse> {
    user.require(&[Role::Admin], "create users")?;
    let created = state.run(move |store| create_user(store, new)).await?;
    let event = security_event(
        &state,
        &parts,
        SecurityEventKind::UserCreated,
        Some(&user),
        Some(created.username.clone()),
    );
    state.run(move |s| s.record_security_event(&event)).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

/// Disable or enable a login, give it a new password, sign it out everywhere, or give it
/// another role (admin; an engineer's login names its engineer record). All but enabling end
/// the login's sessions at once. An administrator cannot disable, sign out or demote their own
/// login (there would be no one left to undo it).
#[utoipa::path(post, path = "/api/v1/users/{id}/access", tag = "session", params(("id" = Uuid, Path)),
    request_body = AccessChange,
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn change_access(
    State(state): State<AppState>,
    user: SignedIn,
    parts: axum::http::request::Parts,
    Path(id): Path<UserId>,
    Json(change): Json<AccessChange>,
) -> Result<axum::Json<User>> {
    user.require(&[Role::Admin], "change logins")?;
    let change = change.validated()?;
    if id == user.0.id && !change.allowed_on_own_login() {
        return Err(Error::bad_request_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "own_login",
            "you cannot disable, sign out or demote your own login; another administrator can",
        ));
    }
    let hash = match &change {
        AccessChange::ResetPassword { password } => Some(auth::hash_password(password)?),
        _ => None,
    };
    let mut event = security_event(&state, &parts, change.kind(), Some(&user), None);
    if let AccessChange::ChangeRole { role, .. } = &change {
        event.detail = Some(role.as_str().to_owned());
    }
    let changed = state
        .run(move |s| {
            let subject = s.list_users()?.into_iter().find(|u| u.id == id);
            let Some(subject) = subject else {
                return Err(Error::not_found("user", id));
            };
            let event = SecurityEvent {
                subject: Some(subject.username),
                ..event
            };
            s.change_access(id, &change, hash.as_deref(), &event)
        })
        .await?;
    if changed.disabled {
        tracing::warn!(user = %changed.username, by = %user.0.username, "login disabled");
    }
    Ok(axum::Json(changed))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SecurityLogQuery {
    /// At most this many, newest first (default 200).
    pub limit: Option<u32>,
}

/// The security log (admin): sign-ins, failed sign-ins, lockouts and changes to logins.
#[utoipa::path(get, path = "/api/v1/security-events", tag = "session", params(SecurityLogQuery),
    responses((status = 200, body = Vec<SecurityEvent>), (status = 403, body = ErrorBody)))]
async fn security_log(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<SecurityLogQuery>,
) -> Result<axum::Json<Vec<SecurityEvent>>> {
    user.require(&[Role::Admin], "read the security log")?;
    let limit = q.limit.unwrap_or(200);
    Ok(axum::Json(
        state.run(move |s| s.security_events(limit)).await?,
    ))
}

/// Validates and stores a new login; shared by the API and the `user add` command.
pub fn create_user(store: &dyn crate::store::Store, new: NewUser) -> Result<User> {
    let username = fixline_core::text::line("username", &new.username, 64)?;
    if !username
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(fixline_core::Error::invalid(
            "username",
            "use letters, digits, '.', '_' or '-'",
        )
        .into());
    }
    let user = User {
        id: UserId::from_uuid(uuid::Uuid::now_v7()),
        username,
        display_name: fixline_core::text::line("display_name", &new.display_name, 100)?,
        role: new.role,
        engineer_id: new.engineer_id,
        disabled: false,
    };
    if let Some(e) = user.engineer_id {
        store.engineer(e)?;
    }
    let hash = auth::hash_password(&new.password)?;
    // Account records carry the system's time: created from the command line too, where there
    // is no server clock.
    store.create_user(&user, &hash, chrono::Utc::now())?;
    Ok(user)
}
