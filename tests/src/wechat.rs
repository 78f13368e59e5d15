//! A local WeChat API for tests: `GET /cgi-bin/token` hands out access tokens for the test
//! account's app id and secret, `POST /cgi-bin/message/template/send` takes template messages
//! with a valid token and hands each to the test. It can expire the current token (WeChat's
//! 42001), and one openid has stopped following (43004).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::sync::mpsc;

pub const APP_ID: &str = "wx-fixline-test";
pub const APP_SECRET: &str = "wechat-test-secret";
/// A follower who has left the official account.
pub const GONE: &str = "o-unfollowed";

/// A template message WeChat took.
#[derive(Debug, Clone)]
pub struct TemplateMessage {
    pub touser: String,
    pub template_id: String,
    pub url: String,
    pub data: serde_json::Value,
}

pub struct WechatApi {
    pub port: u16,
    pub messages: mpsc::UnboundedReceiver<TemplateMessage>,
    /// Tokens handed out so far.
    pub tokens_issued: Arc<AtomicU32>,
    expire: Arc<AtomicBool>,
}

#[derive(Clone)]
struct Shared {
    messages: mpsc::UnboundedSender<TemplateMessage>,
    issued: Arc<AtomicU32>,
    expire: Arc<AtomicBool>,
}

impl WechatApi {
    pub async fn start() -> WechatApi {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind wechat");
        let port = listener.local_addr().expect("addr").port();
        let (tx, messages) = mpsc::unbounded_channel();
        let issued = Arc::new(AtomicU32::new(0));
        let expire = Arc::new(AtomicBool::new(false));
        let shared = Shared {
            messages: tx,
            issued: issued.clone(),
            expire: expire.clone(),
        };
        let app = Router::new()
            .route("/cgi-bin/token", get(token))
            .route("/cgi-bin/message/template/send", post(send))
            .with_state(shared);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        WechatApi {
            port,
            messages,
            tokens_issued: issued,
            expire,
        }
    }

    /// The current token stops working (as when another server fetched a new one).
    pub fn expire_token(&self) {
        self.expire.store(true, Ordering::SeqCst);
    }

    /// A server's `[wechat]` for this account, with a template for each of `events` filling
    /// `character_string1` with the number, `thing2` with the engineer and `time3` with the ETA.
    pub fn config(
        &self,
        events: &[fixline_core::notify::NoticeEvent],
    ) -> fixline_server::wechat::WechatConfig {
        let fields: std::collections::BTreeMap<String, String> = [
            ("character_string1", "number"),
            ("thing2", "engineer"),
            ("time3", "eta"),
            ("thing4", "customer"),
        ]
        .into_iter()
        .map(|(f, fact)| (f.to_owned(), fact.to_owned()))
        .collect();
        fixline_server::wechat::WechatConfig {
            app_id: APP_ID.into(),
            app_secret: APP_SECRET.into(),
            api_base: format!("http://127.0.0.1:{}", self.port),
            templates: events
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    (
                        *e,
                        fixline_server::wechat::WechatTemplate {
                            id: format!("tmpl-{i}"),
                            fields: fields.clone(),
                        },
                    )
                })
                .collect(),
        }
    }

    /// The next message taken, within 20 s.
    pub async fn next_message(&mut self) -> TemplateMessage {
        tokio::time::timeout(Duration::from_secs(20), self.messages.recv())
            .await
            .expect("a WeChat message within 20 s")
            .expect("the API is up")
    }
}

fn current(shared: &Shared) -> String {
    format!("TOKEN-{}", shared.issued.load(Ordering::SeqCst))
}

async fn token(
    State(shared): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<serde_json::Value> {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    if get("grant_type") != "client_credential"
        || get("appid") != APP_ID
        || get("secret") != APP_SECRET
    {
        return Json(serde_json::json!({"errcode": 40125, "errmsg": "invalid appsecret"}));
    }
    shared.issued.fetch_add(1, Ordering::SeqCst);
    shared.expire.store(false, Ordering::SeqCst);
    Json(serde_json::json!({"access_token": current(&shared), "expires_in": 7200}))
}

async fn send(
    State(shared): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<serde_json::Value>,
) -> Json<serde_json::Value> {
    let given = q.get("access_token").cloned().unwrap_or_default();
    if shared.expire.load(Ordering::SeqCst) || given != current(&shared) {
        return Json(serde_json::json!({"errcode": 42001, "errmsg": "access_token expired"}));
    }
    let text = |k: &str| body[k].as_str().unwrap_or_default().to_owned();
    if text("touser") == GONE {
        return Json(serde_json::json!({"errcode": 43004, "errmsg": "require subscribe"}));
    }
    let _ = shared.messages.send(TemplateMessage {
        touser: text("touser"),
        template_id: text("template_id"),
        url: text("url"),
        data: body["data"].clone(),
    });
    Json(serde_json::json!({"errcode": 0, "errmsg": "ok", "msgid": 200228332}))
}
