//! The wording of customer notices as the admin edits it: one template per event, language and
//! channel, the built-in one unless changed, and a preview rendered with a sample job.

use fixline_core::customer::Language;
use fixline_core::notify::{Channel, NoticeEvent};
use serde::{Deserialize, Serialize};

/// The words of one event's notice in one language on one channel (minijinja; what a template
/// may say is listed beside the editor and in `server/src/notify.rs`'s `Facts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeTemplate {
    pub event: NoticeEvent,
    pub language: Language,
    pub channel: Channel,
    /// The e-mail's subject; empty for a text.
    #[serde(default)]
    pub subject: String,
    pub body: String,
}

impl NoticeTemplate {
    /// The same event, language and channel.
    pub fn same_slot(&self, other: &NoticeTemplate) -> bool {
        (self.event, self.language, self.channel) == (other.event, other.language, other.channel)
    }
}

/// A template in force, and whether it is the admin's wording or the built-in one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateInForce {
    #[serde(flatten)]
    pub template: NoticeTemplate,
    pub customised: bool,
}

/// `GET /api/v1/settings/notice-templates`: every template in force, with the version of the
/// saved wording (0: all built in). `PUT` takes the changed templates (`Vec<NoticeTemplate>`);
/// one left out goes back to the built-in wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeTemplates {
    pub templates: Vec<TemplateInForce>,
    pub version: u64,
}

/// `POST /api/v1/settings/notice-templates/preview`: a template rendered with a sample job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenderedNotice {
    pub subject: String,
    pub body: String,
}

/// `GET /api/v1/settings/webhooks`: the integrations told of events, and the setting's version.
/// Secrets are never shown again after creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookSettings {
    pub webhooks: Vec<fixline_core::notify::Webhook>,
    pub version: u64,
}

/// `POST /api/v1/settings/webhooks` and `PUT /api/v1/settings/webhooks/{id}`: what the admin
/// types (a new one starts active).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDraft {
    pub name: String,
    pub url: String,
    /// The events it gets; empty: every one.
    #[serde(default)]
    pub events: Vec<NoticeEvent>,
    #[serde(default = "active")]
    pub active: bool,
}

fn active() -> bool {
    true
}

/// A new webhook with its signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedWebhook {
    pub webhook: fixline_core::notify::Webhook,
    /// Verify `Fixline-Signature: t=<unix>,v1=<hex>` as HMAC-SHA256 of `"<t>.<body>"` with it.
    pub secret: String,
    pub version: u64,
}
