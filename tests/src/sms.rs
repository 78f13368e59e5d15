//! A local SMS provider for tests, speaking both forms the server sends: a generic JSON gateway
//! (`POST /json`, bearer token) and Alibaba Cloud's `SendSms` (`POST /aliyun`, form fields),
//! whose signature it checks by computing it again from Alibaba's documented rules, written
//! here apart from the server's code. Each text it takes goes to the test; it can be told to
//! refuse the next ones, as a provider over its limit does.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Form, Json, Router};
use base64::Engine;
use hmac::{Hmac, Mac};
use tokio::sync::mpsc;

/// The key pair the fake's Alibaba Cloud account has.
pub const ACCESS_KEY_ID: &str = "LTAI-fixline-test";
pub const ACCESS_KEY_SECRET: &str = "fixline-test-secret";
/// The generic gateway's token.
pub const TOKEN: &str = "gateway-token";

/// A text the provider took: who to, and what (the text, or Alibaba's template and parameters).
#[derive(Debug, Clone, PartialEq)]
pub struct Texted {
    pub to: String,
    /// The generic gateway's text.
    pub text: Option<String>,
    pub language: Option<String>,
    /// Alibaba's template code and its parameters.
    pub template: Option<String>,
    pub params: serde_json::Value,
    pub sign_name: Option<String>,
    /// The sender's reference (the notice's id).
    pub reference: String,
}

pub struct SmsProvider {
    pub port: u16,
    pub texts: mpsc::UnboundedReceiver<Texted>,
    /// Requests refused for a bad token or signature: each is a failed test.
    pub forged: mpsc::UnboundedReceiver<String>,
    refuse: Arc<AtomicU32>,
}

#[derive(Clone)]
struct Shared {
    texts: mpsc::UnboundedSender<Texted>,
    forged: mpsc::UnboundedSender<String>,
    refuse: Arc<AtomicU32>,
}

impl SmsProvider {
    pub async fn start() -> SmsProvider {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind sms");
        let port = listener.local_addr().expect("addr").port();
        let (texts_tx, texts) = mpsc::unbounded_channel();
        let (forged_tx, forged) = mpsc::unbounded_channel();
        let refuse = Arc::new(AtomicU32::new(0));
        let shared = Shared {
            texts: texts_tx,
            forged: forged_tx,
            refuse: refuse.clone(),
        };
        let app = Router::new()
            .route("/json", post(gateway))
            .route("/aliyun", post(aliyun))
            .with_state(shared);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        SmsProvider {
            port,
            texts,
            forged,
            refuse,
        }
    }

    /// Refuses the next `n` texts as over the account's limit.
    pub fn refuse_next(&self, n: u32) {
        self.refuse.store(n, Ordering::SeqCst);
    }

    /// A server's configuration texting through the generic gateway here.
    pub fn gateway(&self) -> fixline_server::sms::SmsConfig {
        fixline_server::sms::SmsConfig::HttpJson {
            url: format!("http://127.0.0.1:{}/json", self.port),
            token: Some(TOKEN.into()),
        }
    }

    /// A server's configuration texting through "Alibaba Cloud" here, with a template for each
    /// of `events`.
    pub fn aliyun(
        &self,
        events: &[fixline_core::notify::NoticeEvent],
    ) -> fixline_server::sms::SmsConfig {
        fixline_server::sms::SmsConfig::Aliyun {
            endpoint: format!("http://127.0.0.1:{}/aliyun", self.port),
            access_key_id: ACCESS_KEY_ID.into(),
            access_key_secret: ACCESS_KEY_SECRET.into(),
            sign_name: "鑫诚售后".into(),
            templates: events
                .iter()
                .enumerate()
                .map(|(i, e)| (*e, format!("SMS_4681000{i:02}")))
                .collect(),
        }
    }

    /// The next text taken, within 20 s.
    pub async fn next_text(&mut self) -> Texted {
        if let Ok(forged) = self.forged.try_recv() {
            panic!("the provider refused a request: {forged}");
        }
        tokio::time::timeout(Duration::from_secs(20), self.texts.recv())
            .await
            .expect("a text within 20 s")
            .expect("the provider is up")
    }
}

fn over_limit(shared: &Shared) -> bool {
    shared
        .refuse
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

async fn gateway(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> (StatusCode, String) {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if bearer != format!("Bearer {TOKEN}") {
        let _ = shared.forged.send(format!("bad token: {bearer}"));
        return (StatusCode::UNAUTHORIZED, "bad token".into());
    }
    if over_limit(&shared) {
        return (StatusCode::TOO_MANY_REQUESTS, "over the limit".into());
    }
    let text = |k: &str| body[k].as_str().map(str::to_owned);
    let _ = shared.texts.send(Texted {
        to: text("to").unwrap_or_default(),
        text: text("text"),
        language: text("language"),
        template: None,
        params: serde_json::Value::Null,
        sign_name: None,
        reference: text("reference").unwrap_or_default(),
    });
    (StatusCode::OK, r#"{"accepted": true}"#.into())
}

/// Alibaba Cloud's RPC signature 1.0, from its documentation: the sorted parameters, each name
/// and value percent-encoded leaving only `A-Za-z0-9-_.~`, joined by `&`; `POST&%2F&` and that
/// string encoded once more; HMAC-SHA1 keyed with the secret and `&`; base64.
fn expected_signature(params: &BTreeMap<String, String>) -> String {
    fn enc(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }
    let query: Vec<String> = params
        .iter()
        .filter(|(k, _)| k.as_str() != "Signature")
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    let to_sign = format!("POST&{}&{}", enc("/"), enc(&query.join("&")));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{ACCESS_KEY_SECRET}&").as_bytes())
        .expect("any key length");
    mac.update(to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn aliyun(
    State(shared): State<Shared>,
    Form(params): Form<BTreeMap<String, String>>,
) -> Json<serde_json::Value> {
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    let refuse = |code: &str, message: String| {
        Json(serde_json::json!({"Code": code, "Message": message, "RequestId": "test"}))
    };
    for (k, v) in [
        ("Action", "SendSms"),
        ("Version", "2017-05-25"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("AccessKeyId", ACCESS_KEY_ID),
    ] {
        if get(k) != v {
            let _ = shared.forged.send(format!("{k} = {:?}", get(k)));
            return refuse("MissingParameter", format!("{k} must be {v}"));
        }
    }
    if get("Signature") != expected_signature(&params) {
        let _ = shared
            .forged
            .send(format!("signature {:?}", get("Signature")));
        return refuse(
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation.".into(),
        );
    }
    if over_limit(&shared) {
        return refuse(
            "isv.BUSINESS_LIMIT_CONTROL",
            "触发小时级流控Permits:5".into(),
        );
    }
    let _ = shared.texts.send(Texted {
        to: get("PhoneNumbers"),
        text: None,
        language: None,
        template: Some(get("TemplateCode")),
        params: serde_json::from_str(&get("TemplateParam")).unwrap_or_default(),
        sign_name: Some(get("SignName")),
        reference: get("OutId"),
    });
    Json(
        serde_json::json!({"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "test"}),
    )
}
