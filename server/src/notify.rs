//! The notification worker: sends what the outbox holds (see `store/sqlite/notices.rs`), with
//! the message rendered from the event's template in the customer's language (minijinja), on
//! the channels this server has set up. A failed send is retried with back-off and jitter
//! (core's `retry_after`), then kept as a dead letter the desk resends; a message that can wait
//! waits for quiet hours to end; one whose moment passed is skipped.

use chrono::TimeDelta;
use fixline_core::customer::Language;
use fixline_core::notify::{Channel, Delivery, NoticeEvent, QuietHours, retry_after};
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
    pub quiet_hours: QuietHours,
}

impl Default for NotifyConfig {
    fn default() -> NotifyConfig {
        NotifyConfig {
            enabled: true,
            poll_secs: 5,
            max_attempts: fixline_core::notify::MAX_ATTEMPTS,
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
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub subject: String,
    pub body: String,
}

fn template_name(event: NoticeEvent, language: Language, part: &str) -> String {
    let lang = match language {
        Language::ZhCn => "zh-CN",
        Language::En => "en",
    };
    format!("{}.{lang}.{part}", event.as_str())
}

/// The templates, parsed once.
pub fn templates() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    for (event, language, subject, body) in TEMPLATES {
        env.add_template_owned(template_name(*event, *language, "subject"), *subject)
            .and_then(|()| env.add_template_owned(template_name(*event, *language, "body"), *body))
            .map_err(|e| Error::Internal(format!("notification template: {e}")))?;
    }
    Ok(env)
}

pub fn render(
    env: &Environment<'_>,
    event: NoticeEvent,
    language: Language,
    facts: &Facts,
) -> Result<Message> {
    let part = |p: &str| {
        env.get_template(&template_name(event, language, p))
            .and_then(|t| t.render(facts))
            .map_err(|e| Error::Internal(format!("rendering the {} notice: {e}", event.as_str())))
    };
    Ok(Message {
        subject: part("subject")?,
        body: part("body")?,
    })
}

/// Gathers what the templates say about a delivery's job.
fn facts(state: &AppState, d: &Delivery) -> Result<(Facts, fixline_core::zone::ServiceZone)> {
    let store = state.store();
    let wo = store.work_order(d.work_order)?;
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
    Ok((
        Facts {
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
            track: state.config().tracking_link(&crate::tracking::token(
                store.as_ref(),
                wo.id,
                state.now(),
            )?),
        },
        zone,
    ))
}

/// Sends what is due now; returns how many it settled.
pub async fn run_once(state: &AppState, env: &Environment<'static>) -> Result<usize> {
    let now = state.now();
    let due = state
        .run(move |s| s.claim_deliveries(now, LEASE, BATCH))
        .await?;
    let n = due.len();
    for d in due {
        let outcome = deliver(state, env, &d).await;
        let id = d.id;
        let now = state.now();
        state
            .run(move |s| s.settle_delivery(id, outcome, now))
            .await?;
    }
    Ok(n)
}

async fn deliver(state: &AppState, env: &Environment<'static>, d: &Delivery) -> DeliveryOutcome {
    let now = state.now();
    if let Some(useful) = d.event.useful_for()
        && now - d.created_at > useful
    {
        return DeliveryOutcome::Skipped {
            reason: "the moment passed before it could be sent".into(),
        };
    }
    let mail = match (d.channel, &state.config().mail) {
        (Channel::Email, Some(mail)) => mail.clone(),
        (channel, _) => {
            return DeliveryOutcome::Skipped {
                reason: format!("no {} channel is set up on this server", channel.as_str()),
            };
        }
    };
    let shared = state.clone();
    let delivery = d.clone();
    let gathered = match tokio::task::spawn_blocking(move || facts(&shared, &delivery)).await {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => return failed(state, d, e.to_string(), now),
        Err(e) => return failed(state, d, e.to_string(), now),
    };
    let (facts, zone) = gathered;
    if d.event.deferrable() {
        let release = state.config().notify.quiet_hours.release(now, zone);
        if release > now {
            return DeliveryOutcome::Held { until: release };
        }
    }
    let message = match render(env, d.event, d.language, &facts) {
        Ok(m) => m,
        Err(e) => {
            return DeliveryOutcome::Failed {
                error: e.to_string(),
                retry_at: None,
            };
        }
    };
    let host = mail
        .from
        .rsplit('@')
        .next()
        .unwrap_or("fixline")
        .trim_end_matches('>');
    let sent = crate::mail::send(
        &mail,
        crate::mail::Mail {
            to: &d.recipient,
            subject: message.subject,
            body: message.body,
            pdf: None,
            message_id: Some(format!("<{}@{host}>", d.id)),
        },
    )
    .await;
    match sent {
        Ok(()) => DeliveryOutcome::Sent,
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
    let max = state.config().notify.max_attempts;
    DeliveryOutcome::Failed {
        error,
        retry_at: retry_after(d.attempts, max, jitter).map(|wait| now + wait),
    }
}

/// The worker: every `poll_secs`, sends what is due.
pub fn spawn(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let config = state.config().notify.clone();
    if !config.enabled {
        return None;
    }
    let env = match templates() {
        Ok(env) => env,
        Err(e) => {
            tracing::error!("notifications are off: {e}");
            return None;
        }
    };
    Some(tokio::spawn(async move {
        let mut tick =
            tokio::time::interval(std::time::Duration::from_secs(config.poll_secs.max(1)));
        loop {
            tick.tick().await;
            if let Err(e) = run_once(&state, &env).await {
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
        }
    }

    #[test]
    fn every_event_renders_in_both_languages_with_its_facts() {
        let env = templates().unwrap();
        for event in NoticeEvent::ALL {
            for language in [Language::ZhCn, Language::En] {
                let m = render(&env, event, language, &facts()).unwrap();
                assert!(
                    m.subject.contains("鑫诚售后"),
                    "{event:?} {language:?}: {m:?}"
                );
                assert!(
                    m.body.contains("400-800-1234"),
                    "{event:?} {language:?}: {m:?}"
                );
                assert!(!m.body.contains("{{"), "{m:?}");
            }
        }
        let zh = render(&env, NoticeEvent::OnTheWay, Language::ZhCn, &facts()).unwrap();
        assert!(
            zh.body.contains("陈建国已出发") && zh.body.contains("预计 10:40 到达"),
            "{zh:?}"
        );
        let en = render(&env, NoticeEvent::Completed, Language::En, &facts()).unwrap();
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
                let m = render(&env, event, language, &facts()).unwrap();
                assert!(m.body.contains("https://fix.example.cn/t/xyz"), "{m:?}");
            }
        }
        let no_eta = Facts {
            eta: String::new(),
            ..facts()
        };
        let en = render(&env, NoticeEvent::OnTheWay, Language::En, &no_eta).unwrap();
        assert!(!en.body.contains("expected at"), "{en:?}");
    }
}
