//! WeChat official-account template messages (模板消息) to the follower who asked there: an
//! access token from `GET /cgi-bin/token` (kept until shortly before it expires, fetched again
//! when WeChat says it is no longer valid), then `POST /cgi-bin/message/template/send` with the
//! event's approved template and its fields filled from the job's facts.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use fixline_core::notify::NoticeEvent;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// `[wechat]`: the official account and its approved templates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WechatConfig {
    pub app_id: String,
    pub app_secret: String,
    /// Default `https://api.weixin.qq.com`.
    #[serde(default = "api_base")]
    pub api_base: String,
    /// Per event, the approved template; an event without one is not sent on WeChat.
    pub templates: HashMap<NoticeEvent, WechatTemplate>,
}

fn api_base() -> String {
    "https://api.weixin.qq.com".into()
}

/// An approved template: its id, and which fact fills each of its fields
/// (e.g. `character_string1 = "number"`, `thing2 = "engineer"`, `time3 = "eta"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WechatTemplate {
    pub id: String,
    pub fields: BTreeMap<String, String>,
}

/// What became of a message WeChat did not fail.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Sent,
    /// Never to be sent: the follower left, or no template is approved for the event.
    Skipped(String),
}

/// The account, with its access token while it is good.
#[derive(Debug)]
pub struct Account {
    config: WechatConfig,
    http: reqwest::Client,
    token: tokio::sync::Mutex<Option<(String, Instant)>>,
}

#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// WeChat's codes for a token that is wrong, expired or replaced.
const TOKEN_GONE: [i64; 3] = [40001, 40014, 42001];
/// The user no longer follows the account.
const UNFOLLOWED: i64 = 43004;

/// WeChat's limits on a field's value by the field's kind (its name's prefix); longer values
/// are refused, so they are cut with an ellipsis.
fn limit(field: &str) -> usize {
    let kind = field.trim_end_matches(|c: char| c.is_ascii_digit());
    match kind {
        "thing" => 20,
        "character_string" => 32,
        "phrase" => 5,
        "name" => 10,
        "phone_number" => 17,
        _ => 64,
    }
}

fn cut(value: &str, max: usize) -> String {
    if value.chars().count() <= max {
        return value.to_owned();
    }
    let mut short: String = value.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

fn failed(what: impl std::fmt::Display) -> Error {
    Error::bad_request_with_status(
        axum::http::StatusCode::BAD_GATEWAY,
        "wechat_failed",
        format!("WeChat did not take the message: {what}"),
    )
}

/// Sends a request and reads WeChat's JSON answer (which carries its own error code).
async fn ask(request: reqwest::RequestBuilder) -> Result<Answer> {
    request
        .send()
        .await
        .map_err(failed)?
        .json()
        .await
        .map_err(failed)
}

impl Account {
    pub fn new(config: WechatConfig, http: reqwest::Client) -> Account {
        Account {
            config,
            http,
            token: tokio::sync::Mutex::new(None),
        }
    }

    pub fn has_template(&self, event: NoticeEvent) -> bool {
        self.config.templates.contains_key(&event)
    }

    /// The access token: the one kept, unless `stale` or about to expire.
    async fn token(&self, stale: bool) -> Result<String> {
        let mut kept = self.token.lock().await;
        if let Some((token, until)) = kept.as_ref()
            && !stale
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let answer = ask(self
            .http
            .get(format!("{}/cgi-bin/token", self.config.api_base))
            .query(&[
                ("grant_type", "client_credential"),
                ("appid", self.config.app_id.as_str()),
                ("secret", self.config.app_secret.as_str()),
            ]))
        .await?;
        let Some(token) = answer.access_token else {
            return Err(failed(format!(
                "no access token ({} {})",
                answer.errcode, answer.errmsg
            )));
        };
        // Five minutes' margin on WeChat's two hours.
        let life = answer.expires_in.unwrap_or(7200).saturating_sub(300);
        *kept = Some((token.clone(), Instant::now() + Duration::from_secs(life)));
        Ok(token)
    }

    /// Sends `event`'s template to `openid`, its fields filled from `facts`; a tap opens `url`.
    pub async fn send(
        &self,
        openid: &str,
        event: NoticeEvent,
        facts: &BTreeMap<&'static str, String>,
        url: &str,
    ) -> Result<Outcome> {
        let Some(template) = self.config.templates.get(&event) else {
            return Ok(Outcome::Skipped(format!(
                "no approved WeChat template for {}",
                event.as_str()
            )));
        };
        let mut data = serde_json::Map::new();
        for (field, fact) in &template.fields {
            let value = facts.get(fact.as_str()).map(String::as_str).unwrap_or("");
            data.insert(
                field.clone(),
                serde_json::json!({ "value": cut(value, limit(field)) }),
            );
        }
        let body = serde_json::json!({
            "touser": openid,
            "template_id": template.id,
            "url": url,
            "data": data,
        });
        let mut stale = false;
        loop {
            let token = self.token(stale).await?;
            let answer = ask(self
                .http
                .post(format!(
                    "{}/cgi-bin/message/template/send",
                    self.config.api_base
                ))
                .query(&[("access_token", token.as_str())])
                .json(&body))
            .await?;
            match answer.errcode {
                0 => return Ok(Outcome::Sent),
                UNFOLLOWED => {
                    return Ok(Outcome::Skipped(
                        "the customer no longer follows the official account".into(),
                    ));
                }
                code if TOKEN_GONE.contains(&code) && !stale => stale = true,
                code => return Err(failed(format!("{code} {}", answer.errmsg))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_cut_to_what_each_kind_of_field_takes() {
        assert_eq!(limit("thing2"), 20);
        assert_eq!(limit("character_string12"), 32);
        assert_eq!(
            cut("冷柜不制冷，柜内温度十二度，压缩机有异响，已经两天了", 20),
            "冷柜不制冷，柜内温度十二度，压缩机有异…"
        );
        assert_eq!(cut("陈建国", 10), "陈建国");
    }
}
