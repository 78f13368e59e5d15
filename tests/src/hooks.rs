//! A local webhook receiver for tests: checks each request's `Fixline-Signature` against the
//! secret it is given (HMAC-SHA256 of `"<t>.<body>"`, computed here apart from the server's
//! code) and hands each event to the test; it can be told to fail the next requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use tokio::sync::{Mutex, mpsc};

/// One event received, its signature checked.
#[derive(Debug, Clone)]
pub struct Received {
    pub event: String,
    pub delivery: String,
    pub payload: serde_json::Value,
}

pub struct HookReceiver {
    pub port: u16,
    pub events: mpsc::UnboundedReceiver<Received>,
    /// Requests with a missing or wrong signature: each one is a failed test.
    pub forged: mpsc::UnboundedReceiver<String>,
    secret: Arc<Mutex<String>>,
    fail: Arc<AtomicU32>,
}

#[derive(Clone)]
struct Shared {
    events: mpsc::UnboundedSender<Received>,
    forged: mpsc::UnboundedSender<String>,
    secret: Arc<Mutex<String>>,
    fail: Arc<AtomicU32>,
}

impl HookReceiver {
    pub async fn start() -> HookReceiver {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind hooks");
        let port = listener.local_addr().expect("addr").port();
        let (events_tx, events) = mpsc::unbounded_channel();
        let (forged_tx, forged) = mpsc::unbounded_channel();
        let secret = Arc::new(Mutex::new(String::new()));
        let fail = Arc::new(AtomicU32::new(0));
        let shared = Shared {
            events: events_tx,
            forged: forged_tx,
            secret: secret.clone(),
            fail: fail.clone(),
        };
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(shared);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HookReceiver {
            port,
            events,
            forged,
            secret,
            fail,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// The secret the server answered when the webhook was added.
    pub async fn trust(&self, secret: &str) {
        *self.secret.lock().await = secret.to_owned();
    }

    /// Answers 500 to the next `n` requests.
    pub fn fail_next(&self, n: u32) {
        self.fail.store(n, Ordering::SeqCst);
    }

    /// The next event, within 20 s.
    pub async fn next_event(&mut self) -> Received {
        if let Ok(forged) = self.forged.try_recv() {
            panic!("a request was not signed right: {forged}");
        }
        tokio::time::timeout(Duration::from_secs(20), self.events.recv())
            .await
            .expect("an event within 20 s")
            .expect("the receiver is up")
    }
}

fn expected(secret: &str, t: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let signature = header("fixline-signature");
    let (t, v1) = signature
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .unwrap_or_default();
    let secret = shared.secret.lock().await.clone();
    if t.is_empty() || v1 != expected(&secret, t, &body) {
        let _ = shared.forged.send(signature.clone());
        return StatusCode::UNAUTHORIZED;
    }
    if shared
        .fail
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let _ = shared.events.send(Received {
        event: header("fixline-event"),
        delivery: header("fixline-delivery"),
        payload: serde_json::from_slice(&body).unwrap_or_default(),
    });
    StatusCode::NO_CONTENT
}
