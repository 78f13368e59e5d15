//! The notification worker: sends what the outbox holds (see `store/sqlite/notices.rs`), with
//! the message rendered from the event's template in the customer's language (minijinja), on
//! the channels this server has set up. A failed send is retried with back-off and jitter
//! (core's `retry_after`), then kept as a dead letter the desk resends; a message that can wait
//! waits for quiet hours to end; one whose moment passed is skipped.

use chrono::TimeDelta;
use fixline_api::notices::{NoticeTemplate, RenderedNotice, TemplateInForce};
use fixline_core::customer::Language;
use fixline_core::notify::{
    Channel, Delivery, NoticeEvent, NoticeSubject, QuietHours, retry_after,
};
use minijinja::Environment;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::{Error, Result};
use crate::store::DeliveryOutcome;

/// `[notify]`: whether the worker runs, how often it looks, and the quiet hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifyConfig {
    pub enabled: bool,
    pub poll_secs: u64,
    /// Sends tried before a message is given up as a dead letter.
    pub max_attempts: u32,
    /// The first retry's wait at most (jitter picks a point of it), doubling for each next one.
    pub first_retry_secs: u64,
    pub quiet_hours: QuietHours,
}

impl Default for NotifyConfig {
    fn default() -> NotifyConfig {
        NotifyConfig {
            enabled: true,
            poll_secs: 5,
            max_attempts: fixline_core::notify::MAX_ATTEMPTS,
            first_retry_secs: fixline_core::notify::FIRST_RETRY_SECS,
            quiet_hours: QuietHours::default(),
        }
    }
}

/// How long a claimed message is the worker's before another may take it (a worker that died
/// mid-send): longer than any send takes.
const LEASE: TimeDelta = TimeDelta::minutes(5);
const BATCH: u32 = 100;

/// The default templates: (event, language, subject, body). Everything a template may use is
/// in [`Facts`].
const TEMPLATES: &[(NoticeEvent, Language, &str, &str)] = &[
    (
        NoticeEvent::RequestReceived,
        Language::ZhCn,
        "{{ brand }}：已收到您的报修 {{ number }}",
        "{{ customer }}，您好：\n\n我们已收到您的报修（{{ number }}，{{ symptom }}）。安排好工程师后会再通知您。{% if track %}\n随时查看进度：{{ track }}{% endif %}\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::RequestReceived,
        Language::En,
        "{{ brand }}: we have your request {{ number }}",
        "Dear {{ customer }},\n\nWe have your service request ({{ number }}: {{ symptom }}). We will tell you when an engineer is assigned.{% if track %}\nFollow it here: {{ track }}{% endif %}\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::EngineerAssigned,
        Language::ZhCn,
        "{{ brand }}：{{ number }} 已安排工程师",
        "{{ customer }}，您好：\n\n工程师{{ engineer }}将为您处理 {{ number }}。{% if window %}上门时间：{{ window }}。{% endif %}{% if track %}\n查看进度：{{ track }}{% endif %}\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::EngineerAssigned,
        Language::En,
        "{{ brand }}: an engineer for {{ number }}",
        "Dear {{ customer }},\n\n{{ engineer }} will handle {{ number }}.{% if window %} Visit: {{ window }}.{% endif %}{% if track %}\nFollow it here: {{ track }}{% endif %}\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::OnTheWay,
        Language::ZhCn,
        "{{ brand }}：工程师正在赶来",
        "{{ customer }}，您好：\n\n工程师{{ engineer }}已出发前往处理 {{ number }}{% if eta %}，预计 {{ eta }} 到达{% endif %}。{% if track %}\n查看工程师位置：{{ track }}{% endif %}\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::OnTheWay,
        Language::En,
        "{{ brand }}: your engineer is on the way",
        "Dear {{ customer }},\n\n{{ engineer }} is on the way for {{ number }}{% if eta %}, expected at {{ eta }}{% endif %}.{% if track %}\nSee where they are: {{ track }}{% endif %}\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::Delayed,
        Language::ZhCn,
        "{{ brand }}：工程师将晚到",
        "{{ customer }}，您好：\n\n很抱歉，工程师{{ engineer }}将晚于约定时间到达（{{ number }}）{% if eta %}，预计 {{ eta }}{% endif %}。{% if track %}\n查看进度：{{ track }}{% endif %}\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::Delayed,
        Language::En,
        "{{ brand }}: your engineer is running late",
        "Dear {{ customer }},\n\nWe are sorry: {{ engineer }} will be later than promised for {{ number }}{% if eta %}, now expected at {{ eta }}{% endif %}.{% if track %}\nFollow it here: {{ track }}{% endif %}\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::Arrived,
        Language::ZhCn,
        "{{ brand }}：工程师已到达",
        "{{ customer }}，您好：\n\n工程师{{ engineer }}已到达现场（{{ number }}）。\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::Arrived,
        Language::En,
        "{{ brand }}: your engineer has arrived",
        "Dear {{ customer }},\n\n{{ engineer }} has arrived for {{ number }}.\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::Completed,
        Language::ZhCn,
        "{{ brand }}：{{ number }} 已完成",
        "{{ customer }}，您好：\n\n{{ number }} 已处理完毕。{% if link %}查看回执并评价本次服务：{{ link }}{% endif %}\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::Completed,
        Language::En,
        "{{ brand }}: {{ number }} is done",
        "Dear {{ customer }},\n\n{{ number }} is done.{% if link %} See the receipt and rate our service: {{ link }}{% endif %}\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::ComplaintAcknowledged,
        Language::ZhCn,
        "{{ brand }}：您的投诉 {{ number }} 已受理",
        "{{ customer }}，您好：\n\n我们已受理您的投诉（{{ number }}：{{ symptom }}），由专人跟进{% if deadline %}，将在 {{ deadline }} 前给您处理结果{% endif %}。\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::ComplaintAcknowledged,
        Language::En,
        "{{ brand }}: we are on your complaint {{ number }}",
        "Dear {{ customer }},\n\nWe have your complaint ({{ number }}: {{ symptom }}) and someone is on it.{% if deadline %} You will hear how we resolved it by {{ deadline }}.{% endif %}\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::ComplaintUpdated,
        Language::ZhCn,
        "{{ brand }}：您的投诉 {{ number }} 正在处理",
        "{{ customer }}，您好：\n\n我们正在调查处理您的投诉（{{ number }}）{% if deadline %}，将在 {{ deadline }} 前给您答复{% endif %}。\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::ComplaintUpdated,
        Language::En,
        "{{ brand }}: your complaint {{ number }} is being looked into",
        "Dear {{ customer }},\n\nWe are looking into your complaint ({{ number }}).{% if deadline %} You will hear from us by {{ deadline }}.{% endif %}\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::ComplaintResolved,
        Language::ZhCn,
        "{{ brand }}：您的投诉 {{ number }} 已处理",
        "{{ customer }}，您好：\n\n您的投诉（{{ number }}）已处理：{{ resolution }}\n如对处理结果不满意，请联系我们，我们会继续跟进。\n\n{{ brand }} {{ phone }}",
    ),
    (
        NoticeEvent::ComplaintResolved,
        Language::En,
        "{{ brand }}: your complaint {{ number }} is resolved",
        "Dear {{ customer }},\n\nYour complaint ({{ number }}) is resolved: {{ resolution }}\nIf you are not satisfied, tell us and we will carry on.\n\n{{ brand }} {{ phone }}",
    ),
];

/// The texts' templates: (event, language, text). Short, one message each; the link says the
/// rest.
const TEXTS: &[(NoticeEvent, Language, &str)] = &[
    (
        NoticeEvent::RequestReceived,
        Language::ZhCn,
        "【{{ brand }}】已收到您的报修{{ number }}，安排好工程师后通知您。{% if track %}进度：{{ track }}{% endif %}",
    ),
    (
        NoticeEvent::RequestReceived,
        Language::En,
        "{{ brand }}: we have your request {{ number }}.{% if track %} Follow it: {{ track }}{% endif %}",
    ),
    (
        NoticeEvent::EngineerAssigned,
        Language::ZhCn,
        "【{{ brand }}】工程师{{ engineer }}将处理{{ number }}{% if window %}，上门时间{{ window }}{% endif %}。{% if track %}进度：{{ track }}{% endif %}",
    ),
    (
        NoticeEvent::EngineerAssigned,
        Language::En,
        "{{ brand }}: {{ engineer }} will handle {{ number }}{% if window %}, visit {{ window }}{% endif %}.{% if track %} {{ track }}{% endif %}",
    ),
    (
        NoticeEvent::OnTheWay,
        Language::ZhCn,
        "【{{ brand }}】工程师{{ engineer }}已出发{% if eta %}，预计{{ eta }}到达{% endif %}。{% if track %}位置：{{ track }}{% endif %}",
    ),
    (
        NoticeEvent::OnTheWay,
        Language::En,
        "{{ brand }}: {{ engineer }} is on the way{% if eta %}, expected at {{ eta }}{% endif %}.{% if track %} {{ track }}{% endif %}",
    ),
    (
        NoticeEvent::Delayed,
        Language::ZhCn,
        "【{{ brand }}】抱歉，工程师{{ engineer }}将晚到{% if eta %}，预计{{ eta }}{% endif %}。{% if track %}进度：{{ track }}{% endif %}",
    ),
    (
        NoticeEvent::Delayed,
        Language::En,
        "{{ brand }}: sorry, {{ engineer }} is running late{% if eta %}, now expected at {{ eta }}{% endif %}.{% if track %} {{ track }}{% endif %}",
    ),
    (
        NoticeEvent::Arrived,
        Language::ZhCn,
        "【{{ brand }}】工程师{{ engineer }}已到达现场（{{ number }}）。",
    ),
    (
        NoticeEvent::Arrived,
        Language::En,
        "{{ brand }}: {{ engineer }} has arrived for {{ number }}.",
    ),
    (
        NoticeEvent::Completed,
        Language::ZhCn,
        "【{{ brand }}】{{ number }}已完成。{% if link %}回执与评价：{{ link }}{% endif %}",
    ),
    (
        NoticeEvent::Completed,
        Language::En,
        "{{ brand }}: {{ number }} is done.{% if link %} Receipt and survey: {{ link }}{% endif %}",
    ),
    (
        NoticeEvent::ComplaintAcknowledged,
        Language::ZhCn,
        "【{{ brand }}】您的投诉{{ number }}已受理，专人跟进{% if deadline %}，{{ deadline }}前答复{% endif %}。",
    ),
    (
        NoticeEvent::ComplaintAcknowledged,
        Language::En,
        "{{ brand }}: we are on your complaint {{ number }}{% if deadline %}, answer by {{ deadline }}{% endif %}.",
    ),
    (
        NoticeEvent::ComplaintUpdated,
        Language::ZhCn,
        "【{{ brand }}】您的投诉{{ number }}正在处理{% if deadline %}，{{ deadline }}前答复{% endif %}。",
    ),
    (
        NoticeEvent::ComplaintUpdated,
        Language::En,
        "{{ brand }}: we are looking into your complaint {{ number }}{% if deadline %}, answer by {{ deadline }}{% endif %}.",
    ),
    (
        NoticeEvent::ComplaintResolved,
        Language::ZhCn,
        "【{{ brand }}】您的投诉{{ number }}已处理：{{ resolution }}",
    ),
    (
        NoticeEvent::ComplaintResolved,
        Language::En,
        "{{ brand }}: your complaint {{ number }} is resolved: {{ resolution }}",
    ),
];

/// What a template can say about the job, in the customer's language and local time.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub brand: String,
    pub phone: String,
    pub customer: String,
    pub number: String,
    pub symptom: String,
    pub engineer: String,
    /// "12月8日 09:00–12:00", local; empty if none was promised.
    pub window: String,
    /// "10:40", local; empty if not known.
    pub eta: String,
    /// The receipt's page (view, verify, rate); empty before there is one.
    pub link: String,
    /// The request's tracking page, from request to survey.
    pub track: String,
    /// A complaint's answer-by time, local ("2026-12-10 18:00"); empty for a job.
    pub deadline: String,
    /// What was done about a complaint; empty for a job.
    pub resolution: String,
}

impl Facts {
    /// The facts a provider's own approved template takes as parameters: those known.
    fn parameters(&self) -> std::collections::BTreeMap<&'static str, String> {
        [
            ("customer", &self.customer),
            ("number", &self.number),
            ("engineer", &self.engineer),
            ("window", &self.window),
            ("eta", &self.eta),
            ("track", &self.track),
            ("link", &self.link),
            ("deadline", &self.deadline),
            ("resolution", &self.resolution),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.clone()))
        .collect()
    }
}

/// A rendered message; a text has no subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub subject: String,
    pub body: String,
}

fn template_name(event: NoticeEvent, language: Language, part: &str) -> String {
    format!("{}.{}.{part}", event.as_str(), language_code(language))
}

fn language_code(language: Language) -> &'static str {
    match language {
        Language::ZhCn => "zh-CN",
        Language::En => "en",
    }
}

/// The setting the admin's wording is saved under (`Vec<NoticeTemplate>`, changed ones only).
pub const WORDING: &str = "notice_templates";

/// The built-in wording of every notice: each event in each language, by e-mail and by text.
pub fn built_in() -> Vec<NoticeTemplate> {
    let email = TEMPLATES
        .iter()
        .map(|(event, language, subject, body)| NoticeTemplate {
            event: *event,
            language: *language,
            channel: Channel::Email,
            subject: (*subject).to_owned(),
            body: (*body).to_owned(),
        });
    let texts = TEXTS.iter().map(|(event, language, text)| NoticeTemplate {
        event: *event,
        language: *language,
        channel: Channel::Sms,
        subject: String::new(),
        body: (*text).to_owned(),
    });
    email.chain(texts).collect()
}

/// Every template in force: the built-in wording with the admin's in its place.
pub fn in_force(saved: &[NoticeTemplate]) -> Vec<TemplateInForce> {
    built_in()
        .into_iter()
        .map(
            |default| match saved.iter().find(|s| s.same_slot(&default)) {
                Some(own) => TemplateInForce {
                    template: own.clone(),
                    customised: true,
                },
                None => TemplateInForce {
                    template: default,
                    customised: false,
                },
            },
        )
        .collect()
}

/// The admin's saved wording and its version (none saved: empty, version 0).
pub fn saved_wording(store: &dyn crate::store::Store) -> Result<(Vec<NoticeTemplate>, u64)> {
    Ok(match store.setting(WORDING)? {
        Some((doc, version)) => (
            serde_json::from_value(doc)
                .map_err(|e| Error::Internal(format!("unreadable notice wording: {e}")))?,
            version,
        ),
        None => (Vec::new(), 0),
    })
}

fn add(env: &mut Environment<'static>, t: &NoticeTemplate) -> Result<()> {
    let parts = match t.channel {
        Channel::Email => vec![("subject", &t.subject), ("body", &t.body)],
        Channel::Sms => vec![("text", &t.body)],
        Channel::Webhook | Channel::Wechat => {
            return Err(invalid_template(
                t,
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    "webhooks and WeChat's approved templates take the facts, not words",
                ),
            ));
        }
    };
    for (part, source) in parts {
        env.add_template_owned(template_name(t.event, t.language, part), source.clone())
            .map_err(|e| invalid_template(t, e))?;
    }
    Ok(())
}

fn invalid_template(t: &NoticeTemplate, e: minijinja::Error) -> Error {
    Error::bad_request_with_status(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_template",
        format!(
            "the {} {} template ({}) cannot be used: {e}",
            t.event.as_str(),
            t.channel.as_str(),
            language_code(t.language)
        ),
    )
}

/// The templates in force, parsed: a name a template does not know is an error, not an empty
/// gap in a customer's message.
pub fn templates(saved: &[NoticeTemplate]) -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for t in in_force(saved) {
        add(&mut env, &t.template)?;
    }
    Ok(env)
}

/// Renders one template with sample facts: the admin's preview, and the check before a
/// wording is saved (a template that does not parse or names an unknown fact is refused).
pub fn preview(t: &NoticeTemplate, brand: &str, phone: &str) -> Result<RenderedNotice> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    add(&mut env, t)?;
    let message = render(
        &env,
        t.event,
        t.language,
        t.channel,
        &sample_facts(t, brand, phone),
    )
    .map_err(|_| {
        // Render again to name the fault in the template's words.
        let part = match t.channel {
            Channel::Sms => "text",
            Channel::Email | Channel::Webhook | Channel::Wechat => "body",
        };
        let fault = env
            .get_template(&template_name(t.event, t.language, part))
            .and_then(|tpl| tpl.render(sample_facts(t, brand, phone)))
            .err();
        match fault {
            Some(e) => invalid_template(t, e),
            None => invalid_template(
                t,
                minijinja::Error::new(
                    minijinja::ErrorKind::UndefinedError,
                    "the subject names something a notice does not know",
                ),
            ),
        }
    })?;
    Ok(RenderedNotice {
        subject: message.subject,
        body: message.body,
    })
}

/// A sample job (or complaint) in the template's language, for previews.
fn sample_facts(t: &NoticeTemplate, brand: &str, phone: &str) -> Facts {
    let zh = t.language == Language::ZhCn;
    let pick = |zh_text: &str, en_text: &str| if zh { zh_text } else { en_text }.to_owned();
    let complaint = matches!(
        t.event,
        NoticeEvent::ComplaintAcknowledged
            | NoticeEvent::ComplaintUpdated
            | NoticeEvent::ComplaintResolved
    );
    Facts {
        brand: brand.to_owned(),
        phone: phone.to_owned(),
        customer: pick("杭州湖滨餐饮", "Lakeside Catering"),
        number: if complaint { "CP-000042" } else { "WO-000123" }.to_owned(),
        symptom: pick("冷柜不制冷", "Freezer not cooling"),
        engineer: pick("陈建国", "Chen Jianguo"),
        window: "2026-12-08 09:00–12:00".into(),
        eta: "10:40".into(),
        link: "https://service.example.cn/r/Sample".into(),
        track: "https://service.example.cn/t/Sample".into(),
        deadline: if complaint {
            "2026-12-10 18:00".into()
        } else {
            String::new()
        },
        resolution: if t.event == NoticeEvent::ComplaintResolved {
            pick(
                "更换压缩机，免收工时费",
                "Compressor replaced, no labour charged",
            )
        } else {
            String::new()
        },
    }
}

pub fn render(
    env: &Environment<'_>,
    event: NoticeEvent,
    language: Language,
    channel: Channel,
    facts: &Facts,
) -> Result<Message> {
    let part = |p: &str| {
        env.get_template(&template_name(event, language, p))
            .and_then(|t| t.render(facts))
            .map_err(|e| Error::Internal(format!("rendering the {} notice: {e}", event.as_str())))
    };
    Ok(match channel {
        Channel::Email => Message {
            subject: part("subject")?,
            body: part("body")?,
        },
        Channel::Sms => Message {
            subject: String::new(),
            body: part("text")?,
        },
        // An integration, or WeChat's approved template, gets the facts, not words.
        Channel::Webhook | Channel::Wechat => Message {
            subject: String::new(),
            body: String::new(),
        },
    })
}

/// What became of a send that did not fail.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    Delivered,
    /// Not sent, and never will be, for this reason.
    Skipped(String),
}

/// One way of reaching customers (or an integration), as this server has it set up.
pub trait Outlet: Send + Sync {
    /// Whether it can carry `event` at all (a provider texts only its approved templates).
    fn carries(&self, _event: NoticeEvent) -> bool {
        true
    }

    /// Whether people read it: then quiet hours hold what can wait, and a moment that passed
    /// is not told late. A machine gets every event when it happens.
    fn for_people(&self) -> bool {
        true
    }

    /// Sends the rendered `message` (or, for a provider's own template or an integration,
    /// the `facts`).
    fn send<'a>(
        &'a self,
        d: &'a Delivery,
        message: Message,
        facts: &'a Facts,
        now: chrono::DateTime<chrono::Utc>,
    ) -> futures::future::BoxFuture<'a, Result<Sent>>;
}

struct Email(crate::config::MailConfig);

impl Outlet for Email {
    fn send<'a>(
        &'a self,
        d: &'a Delivery,
        message: Message,
        _facts: &'a Facts,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> futures::future::BoxFuture<'a, Result<Sent>> {
        Box::pin(async move {
            let host = self
                .0
                .from
                .rsplit('@')
                .next()
                .unwrap_or("fixline")
                .trim_end_matches('>');
            crate::mail::send(
                &self.0,
                crate::mail::Mail {
                    to: &d.recipient,
                    subject: message.subject,
                    body: message.body,
                    pdf: None,
                    // The notice's id: a mailbox drops a copy sent twice.
                    message_id: Some(format!("<{}@{host}>", d.id)),
                },
            )
            .await
            .map(|()| Sent::Delivered)
        })
    }
}

struct Text {
    config: crate::sms::SmsConfig,
    http: reqwest::Client,
}

impl Outlet for Text {
    fn carries(&self, event: NoticeEvent) -> bool {
        crate::sms::can_send(&self.config, event)
    }

    fn send<'a>(
        &'a self,
        d: &'a Delivery,
        message: Message,
        facts: &'a Facts,
        now: chrono::DateTime<chrono::Utc>,
    ) -> futures::future::BoxFuture<'a, Result<Sent>> {
        Box::pin(async move {
            let text = crate::sms::Text {
                to: &d.recipient,
                event: d.event,
                text: &message.body,
                language: language_code(d.language),
                facts: facts.parameters(),
                reference: d.id.to_string(),
            };
            crate::sms::send(&self.http, &self.config, text, now)
                .await
                .map(|()| Sent::Delivered)
        })
    }
}

/// Integrations' endpoints: the facts as JSON, signed with the webhook's secret
/// (`Fixline-Signature`), the notice's id as `Fixline-Delivery` so a receiver drops a repeat.
struct Hook {
    state: AppState,
    http: reqwest::Client,
}

impl Outlet for Hook {
    fn for_people(&self) -> bool {
        false
    }

    fn send<'a>(
        &'a self,
        d: &'a Delivery,
        _message: Message,
        facts: &'a Facts,
        now: chrono::DateTime<chrono::Utc>,
    ) -> futures::future::BoxFuture<'a, Result<Sent>> {
        Box::pin(async move {
            let (hooks, _) = self.state.run(crate::webhooks::all).await?;
            let Some(hook) = hooks
                .into_iter()
                .find(|h| h.webhook.id.to_string() == d.recipient)
            else {
                return Ok(Sent::Skipped("the webhook was removed".into()));
            };
            if !hook.webhook.active {
                return Ok(Sent::Skipped("the webhook is paused".into()));
            }
            let payload = serde_json::json!({
                "id": d.id,
                "event": d.event,
                "occurred_at": d.created_at,
                "work_order": d.work_order,
                "complaint": d.complaint,
                "facts": facts.parameters(),
            });
            let body = serde_json::to_vec(&payload)
                .map_err(|e| Error::Internal(format!("webhook payload: {e}")))?;
            let failed = |what: String| {
                Error::bad_request_with_status(
                    axum::http::StatusCode::BAD_GATEWAY,
                    "webhook_failed",
                    format!("{} did not take the event: {what}", hook.webhook.url),
                )
            };
            let response = self
                .http
                .post(&hook.webhook.url)
                .header("Content-Type", "application/json")
                .header("Fixline-Event", d.event.as_str())
                .header("Fixline-Delivery", d.id.to_string())
                .header(
                    "Fixline-Signature",
                    crate::webhooks::signature(&hook.secret, now.timestamp(), &body),
                )
                .body(body)
                .send()
                .await
                .map_err(|e| failed(e.to_string()))?;
            let status = response.status();
            if status.is_success() {
                Ok(Sent::Delivered)
            } else {
                Err(failed(status.to_string()))
            }
        })
    }
}

/// Template messages from the WeChat official account.
struct Wechat(crate::wechat::Account);

impl Outlet for Wechat {
    fn carries(&self, event: NoticeEvent) -> bool {
        self.0.has_template(event)
    }

    fn send<'a>(
        &'a self,
        d: &'a Delivery,
        _message: Message,
        facts: &'a Facts,
        _now: chrono::DateTime<chrono::Utc>,
    ) -> futures::future::BoxFuture<'a, Result<Sent>> {
        Box::pin(async move {
            // A tap opens the request's page (the receipt's once there is one).
            let url = if facts.link.is_empty() {
                &facts.track
            } else {
                &facts.link
            };
            let sent = self
                .0
                .send(&d.recipient, d.event, &facts.parameters(), url)
                .await?;
            Ok(match sent {
                crate::wechat::Outcome::Sent => Sent::Delivered,
                crate::wechat::Outcome::Skipped(why) => Sent::Skipped(why),
            })
        })
    }
}

/// The outlets this server's settings set up, per channel.
pub struct Outlets(std::collections::HashMap<Channel, Box<dyn Outlet>>);

impl std::fmt::Debug for Outlets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Outlets {
    pub fn new(state: &AppState) -> Outlets {
        let config = state.config();
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .unwrap_or_default();
        let mut outlets: std::collections::HashMap<Channel, Box<dyn Outlet>> =
            std::collections::HashMap::new();
        outlets.insert(
            Channel::Webhook,
            Box::new(Hook {
                state: state.clone(),
                http: http.clone(),
            }),
        );
        if let Some(mail) = &config.mail {
            outlets.insert(Channel::Email, Box::new(Email(mail.clone())));
        }
        if let Some(wechat) = &config.wechat {
            outlets.insert(
                Channel::Wechat,
                Box::new(Wechat(crate::wechat::Account::new(
                    wechat.clone(),
                    http.clone(),
                ))),
            );
        }
        if let Some(sms) = &config.sms {
            outlets.insert(
                Channel::Sms,
                Box::new(Text {
                    config: sms.clone(),
                    http,
                }),
            );
        }
        Outlets(outlets)
    }
}

/// What sending a notice needs to know: what the templates say, the zone its times are in, and
/// the customer's own quiet hours, if they set any.
struct Gathered {
    facts: Facts,
    zone: fixline_core::zone::ServiceZone,
    quiet_hours: Option<QuietHours>,
}

/// Gathers what the templates say about a delivery's job or complaint.
fn facts(state: &AppState, d: &Delivery) -> Result<Gathered> {
    match d.subject() {
        Some(NoticeSubject::WorkOrder(id)) => job_facts(state, id),
        Some(NoticeSubject::Complaint(id)) => complaint_facts(state, id),
        None => Err(Error::Internal(format!(
            "notification {} is about nothing",
            d.id
        ))),
    }
}

fn job_facts(state: &AppState, id: fixline_core::ids::WorkOrderId) -> Result<Gathered> {
    let store = state.store();
    let wo = store.work_order(id)?;
    let customer = store.customer_file(wo.customer_id)?;
    let zone = state.zone_of_site(&customer, wo.site_id);
    let settings = state.receipt_settings(zone);
    let engineer = match wo.assignee {
        Some(e) => store
            .engineer(e)
            .map(|e| e.details.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let local = |t: chrono::DateTime<chrono::Utc>, f: &str| zone.local(t).format(f).to_string();
    let window = fixline_core::eta::promised_window(&wo)
        .map(|w| {
            format!(
                "{} {}–{}",
                local(w.start, "%Y-%m-%d"),
                local(w.start, "%H:%M"),
                local(w.end, "%H:%M")
            )
        })
        .unwrap_or_default();
    Ok(Gathered {
        quiet_hours: customer.customer.details.quiet_hours,
        facts: Facts {
            brand: settings.brand.name.clone(),
            phone: settings.brand.phone.clone(),
            customer: customer.customer.details.name.clone(),
            number: wo.number.clone(),
            symptom: wo.symptom.clone(),
            engineer,
            window,
            eta: wo.eta.map(|t| local(t, "%H:%M")).unwrap_or_default(),
            link: wo
                .receipt
                .as_ref()
                .map(|r| state.config().receipt_link(&r.token))
                .unwrap_or_default(),
            track: state.config().tracking_link(&crate::ops::tracking::token(
                store.as_ref(),
                wo.id,
                state.now(),
            )?),
            deadline: String::new(),
            resolution: String::new(),
        },
        zone,
    })
}

/// A complaint's facts: its number and summary, the answer-by time, what was done once
/// resolved, and the link of the job it is about, if any. Read when the notice is sent, so a
/// notice waiting out quiet hours tells the latest.
fn complaint_facts(state: &AppState, id: fixline_core::ids::ComplaintId) -> Result<Gathered> {
    let store = state.store();
    let complaint = store.complaint(id)?;
    let customer = store.customer_file(complaint.customer_id)?;
    let zone = complaint.time_zone;
    let settings = state.receipt_settings(zone);
    let track = match complaint.work_orders.first() {
        Some(job) => state.config().tracking_link(&crate::ops::tracking::token(
            store.as_ref(),
            *job,
            state.now(),
        )?),
        None => String::new(),
    };
    Ok(Gathered {
        quiet_hours: customer.customer.details.quiet_hours,
        facts: Facts {
            brand: settings.brand.name.clone(),
            phone: settings.brand.phone.clone(),
            customer: customer.customer.details.name.clone(),
            number: complaint.number.clone(),
            symptom: complaint.summary.clone(),
            engineer: String::new(),
            window: String::new(),
            eta: String::new(),
            link: String::new(),
            track,
            // Fixed at receipt (moved only by a change of severity): what was promised.
            deadline: zone
                .local(complaint.deadlines.resolve_by)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            resolution: complaint.resolution.clone().unwrap_or_default(),
        },
        zone,
    })
}

/// Sends what is due now; returns how many it settled.
pub async fn run_once(
    state: &AppState,
    env: &Environment<'static>,
    outlets: &Outlets,
) -> Result<usize> {
    let now = state.now();
    let due = state
        .run(move |s| s.claim_deliveries(now, LEASE, BATCH))
        .await?;
    let n = due.len();
    for d in due {
        let outcome = deliver(state, env, outlets, &d).await;
        let id = d.id;
        let now = state.now();
        state
            .run(move |s| s.settle_delivery(id, outcome, now))
            .await?;
    }
    Ok(n)
}

async fn deliver(
    state: &AppState,
    env: &Environment<'static>,
    outlets: &Outlets,
    d: &Delivery,
) -> DeliveryOutcome {
    let now = state.now();
    let Some(outlet) = outlets.0.get(&d.channel) else {
        return DeliveryOutcome::Skipped {
            reason: format!("no {} channel is set up on this server", d.channel.as_str()),
        };
    };
    if let Some(useful) = d.event.useful_for()
        && outlet.for_people()
        && now - d.created_at > useful
    {
        return DeliveryOutcome::Skipped {
            reason: "the moment passed before it could be sent".into(),
        };
    }
    if !outlet.carries(d.event) {
        return DeliveryOutcome::Skipped {
            reason: format!(
                "the {} provider has no approved template for {}",
                d.channel.as_str(),
                d.event.as_str()
            ),
        };
    }
    let shared = state.clone();
    let delivery = d.clone();
    let gathered = match tokio::task::spawn_blocking(move || facts(&shared, &delivery)).await {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => return failed(state, d, e.to_string(), now),
        Err(e) => return failed(state, d, e.to_string(), now),
    };
    let Gathered {
        facts,
        zone,
        quiet_hours,
    } = gathered;
    if d.event.deferrable() && outlet.for_people() {
        let quiet = quiet_hours.unwrap_or(state.config().notify.quiet_hours);
        let release = quiet.release(now, zone);
        if release > now {
            return DeliveryOutcome::Held { until: release };
        }
    }
    let message = match render(env, d.event, d.language, d.channel, &facts) {
        Ok(m) => m,
        Err(e) => {
            return DeliveryOutcome::Failed {
                error: e.to_string(),
                retry_at: None,
            };
        }
    };
    match outlet.send(d, message, &facts, now).await {
        Ok(Sent::Delivered) => DeliveryOutcome::Sent,
        Ok(Sent::Skipped(reason)) => DeliveryOutcome::Skipped { reason },
        Err(e) => failed(state, d, e.to_string(), now),
    }
}

fn failed(
    state: &AppState,
    d: &Delivery,
    error: String,
    now: chrono::DateTime<chrono::Utc>,
) -> DeliveryOutcome {
    let jitter = rand::rng().random::<f64>();
    let notify = &state.config().notify;
    DeliveryOutcome::Failed {
        error,
        retry_at: retry_after(
            d.attempts,
            notify.max_attempts,
            notify.first_retry_secs,
            jitter,
        )
        .map(|wait| now + wait),
    }
}

/// The worker: every `poll_secs`, sends what is due.
pub fn spawn(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let config = state.config().notify.clone();
    if !config.enabled {
        return None;
    }
    let outlets = Outlets::new(&state);
    Some(tokio::spawn(async move {
        let mut tick =
            tokio::time::interval(std::time::Duration::from_secs(config.poll_secs.max(1)));
        // The wording in force, and the version of the admin's it was built from.
        let mut wording: Option<(u64, Environment<'static>)> = None;
        loop {
            tick.tick().await;
            match state.run(saved_wording).await {
                Ok((saved, version)) if wording.as_ref().map(|w| w.0) != Some(version) => {
                    match templates(&saved) {
                        Ok(env) => wording = Some((version, env)),
                        Err(e) => {
                            // Checked when saved, so never expected: say so, and keep sending
                            // in the words known to work.
                            tracing::error!("the saved notice wording is unusable: {e}");
                            if wording.is_none() {
                                wording = templates(&[]).ok().map(|env| (version, env));
                            }
                        }
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("reading the notice wording failed: {e}"),
            }
            let Some((_, env)) = &wording else {
                continue;
            };
            if let Err(e) = run_once(&state, env, &outlets).await {
                tracing::warn!("sending notifications failed: {e}");
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            brand: "鑫诚售后".into(),
            phone: "400-800-1234".into(),
            customer: "杭州湖滨餐饮".into(),
            number: "WO-2612-0001".into(),
            symptom: "冷柜不制冷".into(),
            engineer: "陈建国".into(),
            window: "2026-12-08 09:00–12:00".into(),
            eta: "10:40".into(),
            link: "https://fix.example.cn/r/abc".into(),
            track: "https://fix.example.cn/t/xyz".into(),
            deadline: "2026-12-10 18:00".into(),
            resolution: "更换压缩机，免收工时费".into(),
        }
    }

    #[test]
    fn every_event_renders_in_both_languages_with_its_facts() {
        let env = templates(&[]).unwrap();
        for event in NoticeEvent::ALL {
            for language in [Language::ZhCn, Language::En] {
                let m = render(&env, event, language, Channel::Email, &facts()).unwrap();
                assert!(
                    m.subject.contains("鑫诚售后"),
                    "{event:?} {language:?}: {m:?}"
                );
                assert!(
                    m.body.contains("400-800-1234"),
                    "{event:?} {language:?}: {m:?}"
                );
                assert!(!m.body.contains("{{"), "{m:?}");
                // A text: one message, the brand first, the job's number or engineer in it.
                let t = render(&env, event, language, Channel::Sms, &facts()).unwrap();
                assert!(t.subject.is_empty());
                assert!(t.body.contains("鑫诚售后"), "{event:?} {language:?}: {t:?}");
                assert!(
                    t.body.contains("WO-2612-0001") || t.body.contains("陈建国"),
                    "{t:?}"
                );
                assert!(!t.body.contains("{{"), "{t:?}");
                assert!(t.body.chars().count() <= 120, "one short text: {t:?}");
            }
        }
        let zh = render(
            &env,
            NoticeEvent::OnTheWay,
            Language::ZhCn,
            Channel::Email,
            &facts(),
        )
        .unwrap();
        assert!(
            zh.body.contains("陈建国已出发") && zh.body.contains("预计 10:40 到达"),
            "{zh:?}"
        );
        let en = render(
            &env,
            NoticeEvent::Completed,
            Language::En,
            Channel::Email,
            &facts(),
        )
        .unwrap();
        assert!(
            en.body
                .contains("rate our service: https://fix.example.cn/r/abc"),
            "{en:?}"
        );
        for event in [
            NoticeEvent::RequestReceived,
            NoticeEvent::EngineerAssigned,
            NoticeEvent::OnTheWay,
            NoticeEvent::Delayed,
        ] {
            for language in [Language::ZhCn, Language::En] {
                for channel in [Channel::Email, Channel::Sms] {
                    let m = render(&env, event, language, channel, &facts()).unwrap();
                    assert!(m.body.contains("https://fix.example.cn/t/xyz"), "{m:?}");
                }
            }
        }
        let no_eta = Facts {
            eta: String::new(),
            ..facts()
        };
        let en = render(
            &env,
            NoticeEvent::OnTheWay,
            Language::En,
            Channel::Email,
            &no_eta,
        )
        .unwrap();
        assert!(!en.body.contains("expected at"), "{en:?}");
    }
}
