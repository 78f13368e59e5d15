//! The knowledge base (知识库): repair guides, FAQs, service policies and safety notes, written
//! at the desk, read on site offline, and (the public ones) by customers at `/help`.
//!
//! An article keeps the desk's working copy (`draft`) apart from what readers see
//! (`published`): publishing copies the draft over and raises the edition. Engineers and
//! customers only ever receive the published copy ([`Article::for_readers`]). Images are
//! content-addressed blobs named in the Markdown body as `![caption](image:<sha256>)`.

pub mod markdown;
pub mod search;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::customer::Language;
use crate::ids::ArticleId;
use crate::receipt::is_sha256_hex;
use crate::text;

/// The longest Markdown body: a long repair guide, not a manual's PDF.
pub const BODY_MAX: usize = 40_000;
/// The most one image may weigh, so a day's sync stays small.
pub const IMAGE_MAX_BYTES: u64 = 2 * 1024 * 1024;
/// The most entries in one list (fault codes, models, parts...).
const LIST_MAX: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ArticleKind {
    RepairGuide,
    Faq,
    Policy,
    SafetyNote,
}

impl ArticleKind {
    pub const ALL: [ArticleKind; 4] = [
        ArticleKind::RepairGuide,
        ArticleKind::Faq,
        ArticleKind::Policy,
        ArticleKind::SafetyNote,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleKind::RepairGuide => "repair_guide",
            ArticleKind::Faq => "faq",
            ArticleKind::Policy => "policy",
            ArticleKind::SafetyNote => "safety_note",
        }
    }

    pub fn parse(s: &str) -> Option<ArticleKind> {
        ArticleKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What the desk reads out at first contact: FAQs and policies.
    pub fn for_the_phone(self) -> bool {
        matches!(self, ArticleKind::Faq | ArticleKind::Policy)
    }
}

/// Who may read an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Engineers and the desk only.
    #[default]
    Staff,
    /// Also customers, at `/help` and beside the request form.
    Public,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Staff => "staff",
            Audience::Public => "public",
        }
    }
}

/// An image an article shows, stored once as a blob named by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleImage {
    pub sha256: String,
    /// `image/png`, `image/jpeg` or `image/webp`.
    pub media_type: String,
    pub size: u64,
}

pub const IMAGE_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// The media type of image bytes by their signature, or none for anything else (SVG is
/// refused: it can carry scripts).
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// One edition of an article's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleContent {
    pub kind: ArticleKind,
    pub language: Language,
    #[serde(default)]
    pub audience: Audience,
    pub title: String,
    /// What the customer or engineer sees or hears, in their words ("不制冷", "E1 on display").
    #[serde(default)]
    pub symptoms: String,
    /// Codes from the code book's faults, or shown on the unit's display.
    #[serde(default)]
    pub fault_codes: Vec<String>,
    /// Equipment models, as written on the asset.
    #[serde(default)]
    pub models: Vec<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    /// Markdown: steps as a numbered list, images as `![caption](image:<sha256>)`.
    pub body: String,
    #[serde(default)]
    pub parts: Vec<String>,
    #[serde(default)]
    pub tools: Vec<String>,
    /// The images the body shows.
    #[serde(default)]
    pub images: Vec<ArticleImage>,
}

fn list(field: &'static str, items: Vec<String>, max: usize) -> Result<Vec<String>, Error> {
    if items.len() > LIST_MAX {
        return Err(Error::invalid(field, format!("at most {LIST_MAX} entries")));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if item.trim().is_empty() {
            continue;
        }
        let item = text::line(field, &item, max)?;
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

impl ArticleContent {
    /// An article of `kind` with just a title and body, for staff; the rest to fill in.
    pub fn new(kind: ArticleKind, language: Language, title: &str, body: &str) -> ArticleContent {
        ArticleContent {
            kind,
            language,
            audience: Audience::Staff,
            title: title.to_owned(),
            symptoms: String::new(),
            fault_codes: Vec::new(),
            models: Vec::new(),
            categories: Vec::new(),
            body: body.to_owned(),
            parts: Vec::new(),
            tools: Vec::new(),
            images: Vec::new(),
        }
    }

    pub fn validated(self) -> Result<Self, Error> {
        let symptoms = if self.symptoms.trim().is_empty() {
            String::new()
        } else {
            text::paragraph("symptoms", &self.symptoms)?
        };
        let body = text::text_block("body", &self.body, BODY_MAX)?;
        for image in &self.images {
            if !is_sha256_hex(&image.sha256) {
                return Err(Error::invalid(
                    "images",
                    "an image is named by 64 lowercase hex digits (its SHA-256)",
                ));
            }
            if !IMAGE_TYPES.contains(&image.media_type.as_str()) {
                return Err(Error::invalid(
                    "images",
                    format!("{:?} is not a supported image type", image.media_type),
                ));
            }
        }
        for sha in markdown::image_refs(&body) {
            if !self.images.iter().any(|i| i.sha256 == sha) {
                return Err(Error::invalid(
                    "body",
                    format!("the body shows image {sha}, which the article does not carry"),
                ));
            }
        }
        let fault_codes = list(
            "fault_codes",
            self.fault_codes.iter().map(|c| c.to_uppercase()).collect(),
            16,
        )?;
        Ok(ArticleContent {
            title: text::line("title", &self.title, text::LINE_MAX)?,
            symptoms,
            fault_codes,
            models: list("models", self.models, 64)?,
            categories: list("categories", self.categories, 64)?,
            parts: list("parts", self.parts, text::LINE_MAX)?,
            tools: list("tools", self.tools, text::LINE_MAX)?,
            body,
            ..self
        })
    }

    /// Whether the article is about this model (models compare without case or spaces).
    pub fn fits_model(&self, model: &str) -> bool {
        let key = search::fold(model);
        self.models.iter().any(|m| search::fold(m) == key)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Article {
    pub id: ArticleId,
    /// What engineers and customers read; none until first published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<ArticleContent>,
    /// The desk's working copy, when it differs from the published one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<ArticleContent>,
    /// How many times it has been published.
    #[serde(default)]
    pub edition: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// "Did this help?" answers from engineers on jobs.
    #[serde(default)]
    pub helpful: u32,
    #[serde(default)]
    pub not_helpful: u32,
    pub version: u64,
}

impl Article {
    /// A new article, as a draft.
    pub fn new(
        id: ArticleId,
        content: ArticleContent,
        at: DateTime<Utc>,
    ) -> Result<Article, Error> {
        Ok(Article {
            id,
            published: None,
            draft: Some(content.validated()?),
            edition: 0,
            published_at: None,
            updated_at: at,
            helpful: 0,
            not_helpful: 0,
            version: 1,
        })
    }

    /// The copy the desk edits: the draft, else the published one.
    pub fn working_copy(&self) -> Option<&ArticleContent> {
        self.draft.as_ref().or(self.published.as_ref())
    }

    pub fn save_draft(&mut self, content: ArticleContent) -> Result<(), Error> {
        self.draft = Some(content.validated()?);
        Ok(())
    }

    /// Makes the draft what readers see.
    pub fn publish(&mut self, at: DateTime<Utc>) -> Result<(), Error> {
        let Some(draft) = self.draft.take() else {
            return Err(Error::invalid(
                "draft",
                "there is no draft to publish: the published copy is already the latest",
            ));
        };
        self.published = Some(draft);
        self.edition += 1;
        self.published_at = Some(at);
        Ok(())
    }

    /// Takes the article away from readers; the text stays as a draft.
    pub fn withdraw(&mut self) -> Result<(), Error> {
        let Some(published) = self.published.take() else {
            return Err(Error::invalid("published", "the article is not published"));
        };
        if self.draft.is_none() {
            self.draft = Some(published);
        }
        Ok(())
    }

    /// The media type of an image the published or draft copy shows.
    pub fn image_type(&self, sha256: &str) -> Option<&str> {
        self.published
            .iter()
            .chain(self.draft.iter())
            .flat_map(|c| &c.images)
            .find(|i| i.sha256 == sha256)
            .map(|i| i.media_type.as_str())
    }

    /// What an engineer's device or a customer receives: the published copy only.
    pub fn for_readers(&self) -> Option<Article> {
        self.published.as_ref()?;
        Some(Article {
            draft: None,
            ..self.clone()
        })
    }

    pub fn is_public(&self) -> bool {
        self.published
            .as_ref()
            .is_some_and(|p| p.audience == Audience::Public)
    }

    /// How much readers' answers lift or sink the article in search: from 0.75 (nobody it
    /// helped) to 1.25, 1.0 with no answers; few answers move it little (a Laplace estimate).
    pub fn boost(&self) -> f64 {
        let (yes, no) = (f64::from(self.helpful), f64::from(self.not_helpful));
        let share = (yes + 2.0) / (yes + no + 4.0);
        0.75 + share * 0.5
    }

    pub fn count_answer(&mut self, helpful: bool) {
        if helpful {
            self.helpful += 1;
        } else {
            self.not_helpful += 1;
        }
    }
}

/// What the desk does to an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum ArticleEdit {
    /// Replaces the working copy; readers still see the published one.
    SaveDraft { content: Box<ArticleContent> },
    /// The working copy becomes what readers see.
    Publish,
    /// Readers no longer see the article; its text stays as a draft.
    Withdraw,
}

impl Article {
    pub fn edit(&mut self, edit: ArticleEdit, at: DateTime<Utc>) -> Result<(), Error> {
        match edit {
            ArticleEdit::SaveDraft { content } => self.save_draft(*content),
            ArticleEdit::Publish => self.publish(at),
            ArticleEdit::Withdraw => self.withdraw(),
        }
    }
}

/// An engineer's answer to "did this help?" for an article opened from a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleUse {
    pub article: ArticleId,
    pub helpful: bool,
    pub at: DateTime<Utc>,
}

/// A closed job on the same model with the same fault: what was done and with which parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PastFix {
    pub work_order: crate::ids::WorkOrderId,
    pub number: String,
    pub fault_code: String,
    pub cause_code: Option<String>,
    pub resolution_code: Option<String>,
    pub summary: String,
    /// Part names with their quantities, as billed.
    pub parts: Vec<String>,
    pub finished_at: DateTime<Utc>,
}

impl PastFix {
    /// What `done` teaches about a job with this fault code (any, when the job has none yet):
    /// only finished jobs resolved with a fault code (the caller matches the model, which lives
    /// on the asset).
    pub fn of(done: &crate::work_order::WorkOrder, fault_code: Option<&str>) -> Option<PastFix> {
        use crate::work_order::Status;
        if !matches!(
            done.status,
            Status::Completed | Status::Confirmed | Status::Closed
        ) {
            return None;
        }
        let r = done.resolution.as_ref()?;
        let code = r.fault_code.as_deref()?;
        if fault_code.is_some_and(|wanted| !code.eq_ignore_ascii_case(wanted)) {
            return None;
        }
        let parts = done
            .bill
            .iter()
            .flat_map(|b| &b.parts)
            .map(|p| format!("{} × {}", p.name, p.quantity.normalize()))
            .collect();
        Some(PastFix {
            work_order: done.id,
            number: done.number.clone(),
            fault_code: code.to_owned(),
            cause_code: r.cause_code.clone(),
            resolution_code: r.resolution_code.clone(),
            summary: r.summary.clone(),
            parts,
            finished_at: r.at,
        })
    }
}

/// The most past fixes shown beside a job, newest first.
pub const PAST_FIXES_SHOWN: usize = 5;

/// The past fixes shown beside a job: the newest few.
pub fn newest_fixes(fixes: impl IntoIterator<Item = PastFix>) -> Vec<PastFix> {
    let mut fixes: Vec<PastFix> = fixes.into_iter().collect();
    fixes.sort_by_key(|f| std::cmp::Reverse(f.finished_at));
    fixes.truncate(PAST_FIXES_SHOWN);
    fixes
}

/// The answers a job's change adds or changes: each article, the job's earlier answer about it
/// (none: new) and the answer now. An answer given again the same way counts for nothing.
pub fn changed_answers(
    before: Option<&crate::work_order::WorkOrder>,
    after: &crate::work_order::WorkOrder,
) -> Vec<(ArticleId, Option<bool>, bool)> {
    after
        .articles_used
        .iter()
        .filter_map(|answer| {
            let earlier = before
                .into_iter()
                .flat_map(|b| &b.articles_used)
                .find(|u| u.article == answer.article)
                .map(|u| u.helpful);
            (earlier != Some(answer.helpful)).then_some((answer.article, earlier, answer.helpful))
        })
        .collect()
}

/// A past answer to "did this help?" being changed: takes the old one back.
pub fn recount(article: &mut Article, before: Option<bool>, now: bool) {
    match before {
        Some(true) => article.helpful = article.helpful.saturating_sub(1),
        Some(false) => article.not_helpful = article.not_helpful.saturating_sub(1),
        None => {}
    }
    article.count_answer(now);
}

#[cfg(test)]
mod tests;
