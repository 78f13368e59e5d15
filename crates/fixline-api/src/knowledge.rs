//! The knowledge base's envelopes: search questions, what a job's screen shows beside the job,
//! image uploads, and what customers read at `/help`.

use fixline_core::ids::ArticleId;
use fixline_core::knowledge::{Article, PastFix};
use serde::{Deserialize, Serialize};

/// Beside a job: articles that may help, and how the same fault was fixed before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobHelp {
    pub suggested: Vec<Article>,
    pub past_fixes: Vec<PastFix>,
}

/// An image stored for articles, named by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleImageStored {
    pub sha256: String,
    pub media_type: String,
    pub size: u64,
}

/// How the desk's list is asked for: by words, kind, state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ArticleState {
    /// Never published.
    Draft,
    /// Published, perhaps with a newer draft.
    Published,
}

impl ArticleState {
    /// As the stores keep it in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleState::Draft => "draft",
            ArticleState::Published => "published",
        }
    }
}

/// What customers did with an article at `/help` or beside the request form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleReadStats {
    pub article: ArticleId,
    pub title: String,
    /// Reads by customers.
    pub reads: u64,
    /// Of those, reads by visitors who then sent a request.
    pub then_requested: u64,
    /// Engineers' "did this help?" answers.
    pub helpful: u32,
    pub not_helpful: u32,
}

impl ArticleReadStats {
    /// An article's figures: customers' reads (and those followed by a request) as counted,
    /// engineers' answers as the article keeps them.
    pub fn of(article: &fixline_core::knowledge::Article, reads: i64, then_requested: i64) -> Self {
        ArticleReadStats {
            article: article.id,
            title: article
                .working_copy()
                .map(|w| w.title.clone())
                .unwrap_or_default(),
            reads: reads.max(0) as u64,
            then_requested: then_requested.max(0) as u64,
            helpful: article.helpful,
            not_helpful: article.not_helpful,
        }
    }
}
