//! The device's HTTP link to the dispatch server: sign in, push actions, pull pages. Transport
//! failures become [`Error::Offline`]; error bodies become [`Error::Server`] with the server's code.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use fixline_api::ErrorBody;
use fixline_api::session::{LoginRequest, LoginResponse};
use fixline_api::sync::PullRequest;
use fixline_core::sync::{PushRequest, PushResponse, SyncCursor};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::store::Session;

#[derive(Debug, Clone)]
pub struct ServerLink {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    /// Bytes of request and response bodies so far, for the sync report.
    bytes: Arc<AtomicU64>,
}

impl ServerLink {
    /// A link to the server at `base` (e.g. `https://fixline.example.com`).
    pub fn new(base: &str) -> Result<Self> {
        let base = base.trim().trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Invalid(format!(
                "{base:?} is not a server address; it starts with https:// (or http:// on a local network)"
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| Error::Offline(e.to_string()))?;
        Ok(ServerLink {
            http,
            base,
            token: None,
            bytes: Arc::default(),
        })
    }

    pub fn for_session(session: &Session) -> Result<Self> {
        let mut link = ServerLink::new(&session.server_url)?;
        link.token = Some(session.token.clone());
        Ok(link)
    }

    /// Signs in; an engineer's device needs an engineer login.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<Session> {
        let request = LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
        };
        let answer: LoginResponse = self.post("/api/v1/auth/login", &request).await?;
        Ok(Session {
            server_url: self.base.clone(),
            token: answer.token,
            user: answer.user.into(),
        })
    }

    /// Bytes of request and response bodies this link has moved.
    pub fn bytes_transferred(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    pub async fn push(&self, request: &PushRequest) -> Result<PushResponse> {
        self.post("/api/v1/sync/push", request).await
    }

    /// One pull page as raw JSON: the sync engine reads it record by record, so one record
    /// from a newer server cannot spoil the page.
    pub async fn pull(&self, cursor: &SyncCursor, limit: u32) -> Result<serde_json::Value> {
        self.post(
            "/api/v1/sync/pull",
            &PullRequest {
                cursor: Some(*cursor),
                limit: Some(limit),
            },
        )
        .await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl serde::Serialize,
    ) -> Result<T> {
        let bytes = self.send_json(path, body).await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::BadServerData(format!("{path}: {e}")))
    }

    pub(crate) async fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl serde::Serialize,
    ) -> Result<T> {
        self.post(path, body).await
    }

    /// POST where the answer has no body worth reading (204).
    pub(crate) async fn post_empty(&self, path: &str, body: &impl serde::Serialize) -> Result<()> {
        self.send_json(path, body).await.map(drop)
    }

    async fn send_json(&self, path: &str, body: &impl serde::Serialize) -> Result<Vec<u8>> {
        let body = serde_json::to_vec(body)
            .map_err(|e| Error::Invalid(format!("cannot encode the request: {e}")))?;
        self.send(
            reqwest::Method::POST,
            path,
            Some(("application/json", body)),
        )
        .await
    }

    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let bytes = self.send(reqwest::Method::GET, path, None).await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::BadServerData(format!("{path}: {e}")))
    }

    /// A file's bytes as they are.
    pub(crate) async fn get_bytes(&self, path: &str) -> Result<Vec<u8>> {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub(crate) async fn put_bytes<T: DeserializeOwned>(
        &self,
        path: &str,
        body: Vec<u8>,
    ) -> Result<T> {
        let bytes = self
            .send(
                reqwest::Method::PUT,
                path,
                Some(("application/octet-stream", body)),
            )
            .await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::BadServerData(format!("{path}: {e}")))
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<Vec<u8>> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some((content_type, body)) = body {
            self.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body);
        }
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| Error::Offline(describe(&e)))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Error::Offline(describe(&e)))?;
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if !status.is_success() {
            let (code, message) = match serde_json::from_slice::<ErrorBody>(&bytes) {
                Ok(e) => (e.code, e.message),
                Err(_) => (
                    "http_error".to_owned(),
                    format!("the server answered {status}"),
                ),
            };
            return Err(Error::Server {
                status: status.as_u16(),
                code,
                message,
            });
        }
        Ok(bytes.to_vec())
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the server did not answer in time".to_owned()
    } else if e.is_connect() {
        "no connection to the server".to_owned()
    } else {
        e.to_string()
    }
}
