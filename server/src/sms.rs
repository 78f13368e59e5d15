//! Text messages through an SMS provider: a generic HTTP JSON gateway (most aggregators take
//! one), or Alibaba Cloud SMS (阿里云短信服务) by its documented `SendSms` request and
//! signature. Chinese carriers only deliver texts from approved templates, so for Alibaba Cloud
//! each event names its approved template and the facts go as the template's parameters.

use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use fixline_core::notify::NoticeEvent;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// `[sms]`: which provider, and what it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
pub enum SmsConfig {
    /// `POST {url}` with `{"to", "text", "language", "reference"}` as JSON and the token as a
    /// bearer; any 2xx is taken as accepted.
    HttpJson {
        url: String,
        #[serde(default)]
        token: Option<String>,
    },
    /// Alibaba Cloud SMS, API version 2017-05-25 (RPC style, HMAC-SHA1 signature).
    Aliyun {
        /// Default `https://dysmsapi.aliyuncs.com/`.
        #[serde(default = "aliyun_endpoint")]
        endpoint: String,
        access_key_id: String,
        access_key_secret: String,
        /// The approved signature (签名), e.g. `鑫诚售后`.
        sign_name: String,
        /// The approved template code per event, e.g. `on_the_way = "SMS_468123456"`. Its
        /// variables take the names of the facts: `customer`, `number`, `engineer`, `window`,
        /// `eta`, `track`, `link`. An event without a template is not texted.
        templates: HashMap<NoticeEvent, String>,
    },
}

fn aliyun_endpoint() -> String {
    "https://dysmsapi.aliyuncs.com/".into()
}

/// One text to send.
#[derive(Debug, Clone)]
pub struct Text<'a> {
    pub to: &'a str,
    pub event: NoticeEvent,
    /// The rendered text, for a gateway that sends what it is given.
    pub text: &'a str,
    /// `zh-CN` or `en`.
    pub language: &'a str,
    /// The template's facts, for a provider that fills its own approved template.
    pub facts: BTreeMap<&'static str, String>,
    /// The delivery's id: the provider's reference (Alibaba's `OutId`), so a second send of
    /// the same notice can be matched to the first.
    pub reference: String,
}

/// What came of a send the provider refused or could not take.
fn refused(what: impl std::fmt::Display) -> Error {
    Error::bad_request_with_status(
        axum::http::StatusCode::BAD_GATEWAY,
        "sms_failed",
        format!("the SMS provider did not take the message: {what}"),
    )
}

/// Whether this provider can send `event` (Alibaba Cloud only texts its approved templates).
pub fn can_send(config: &SmsConfig, event: NoticeEvent) -> bool {
    match config {
        SmsConfig::HttpJson { .. } => true,
        SmsConfig::Aliyun { templates, .. } => templates.contains_key(&event),
    }
}

/// A mainland number as providers take it: digits only, without the country code.
fn phone_number(to: &str) -> Result<String> {
    let digits: String = to.chars().filter(char::is_ascii_digit).collect();
    let national = digits
        .strip_prefix("86")
        .filter(|rest| rest.len() == 11)
        .unwrap_or(&digits);
    if national.len() < 5 || national.len() > 15 {
        return Err(Error::bad_request(
            "invalid_phone",
            format!("{to} is not a phone number a text can go to"),
        ));
    }
    Ok(national.to_owned())
}

pub async fn send(
    client: &reqwest::Client,
    config: &SmsConfig,
    text: Text<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let to = phone_number(text.to)?;
    match config {
        SmsConfig::HttpJson { url, token } => {
            let mut request = client.post(url).json(&serde_json::json!({
                "to": to,
                "text": text.text,
                "language": text.language,
                "reference": text.reference,
            }));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.map_err(refused)?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let body = response.text().await.unwrap_or_default();
            Err(refused(format!("{status} {}", body.trim())))
        }
        SmsConfig::Aliyun {
            endpoint,
            access_key_id,
            access_key_secret,
            sign_name,
            templates,
        } => {
            let Some(template) = templates.get(&text.event) else {
                return Err(refused(format!(
                    "no approved template for {}",
                    text.event.as_str()
                )));
            };
            let template_param = serde_json::to_string(&text.facts)
                .map_err(|e| Error::Internal(format!("SMS template parameters: {e}")))?;
            let nonce = uuid::Uuid::now_v7().to_string();
            let timestamp = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            let mut params: BTreeMap<&str, &str> = BTreeMap::from([
                ("AccessKeyId", access_key_id.as_str()),
                ("Action", "SendSms"),
                ("Format", "JSON"),
                ("OutId", text.reference.as_str()),
                ("PhoneNumbers", to.as_str()),
                ("RegionId", "cn-hangzhou"),
                ("SignName", sign_name.as_str()),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureNonce", nonce.as_str()),
                ("SignatureVersion", "1.0"),
                ("TemplateCode", template.as_str()),
                ("TemplateParam", template_param.as_str()),
                ("Timestamp", timestamp.as_str()),
                ("Version", "2017-05-25"),
            ]);
            let signature = aliyun_signature("POST", &params, access_key_secret);
            params.insert("Signature", &signature);
            let response = client
                .post(endpoint)
                .form(&params)
                .send()
                .await
                .map_err(refused)?;
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            // Alibaba answers `{"Code": "OK", ...}`, or a code saying why not (a limit, a
            // number it will not text), sometimes with a 200.
            let answer: AliyunAnswer = serde_json::from_str(&body)
                .map_err(|_| refused(format!("{status} {}", body.trim())))?;
            if answer.code == "OK" {
                return Ok(());
            }
            Err(refused(format!("{}: {}", answer.code, answer.message)))
        }
    }
}

#[derive(Debug, Deserialize)]
struct AliyunAnswer {
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

/// RFC 3986 with only the unreserved characters left as they are, as Alibaba Cloud's
/// canonical query string wants (a space is `%20`, `*` is `%2A`, `~` stays).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// Alibaba Cloud's RPC signature, version 1.0: HMAC-SHA1 keyed with the secret and `&`, over
/// `METHOD&%2F&` and the encoded, sorted query string, in base64.
pub fn aliyun_signature(method: &str, params: &BTreeMap<&str, &str>, secret: &str) -> String {
    let canonical = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let to_sign = format!("{method}&{}&{}", encode("/"), encode(&canonical));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(to_sign.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_alibabas_documented_example() {
        // The worked example of Alibaba Cloud's RPC signature documentation (testId /
        // testSecret, SendSms to 15300000001).
        let params = BTreeMap::from([
            ("AccessKeyId", "testId"),
            ("Action", "SendSms"),
            ("Format", "XML"),
            ("OutId", "123"),
            ("PhoneNumbers", "15300000001"),
            ("RegionId", "cn-hangzhou"),
            ("SignName", "阿里云短信测试专用"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", "SMS_71390007"),
            ("TemplateParam", "{\"customer\":\"test\"}"),
            ("Timestamp", "2017-07-12T02:42:19Z"),
            ("Version", "2017-05-25"),
        ]);
        assert_eq!(
            aliyun_signature("GET", &params, "testSecret"),
            "zJDF+Lrzhj/ThnlvIToysFRq6t4="
        );
    }

    #[test]
    fn numbers_lose_their_country_code_and_punctuation() {
        assert_eq!(phone_number("+86 138-0000-1234").unwrap(), "13800001234");
        assert_eq!(phone_number("13800001234").unwrap(), "13800001234");
        assert_eq!(phone_number("0571-8888 1234").unwrap(), "057188881234");
        assert!(phone_number("call me").is_err());
    }
}
