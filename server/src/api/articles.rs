//! The knowledge base: written at the desk (drafts, publishing, images), searched by everyone
//! signed in, suggested beside a job with the fixes of the same fault before.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use fixline_api::knowledge::{ArticleImageStored, ArticleReadStats, ArticleState, JobHelp};
use fixline_core::ids::{ArticleId, WorkOrderId};
use fixline_core::knowledge::{Article, ArticleContent, ArticleEdit, ArticleKind};
use fixline_core::role::Role;
use fixline_kb::Scope;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::extract::{Json, Path, Query, required_if_match, versioned};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};
use crate::store::{ArticleFilter, Page, Paging};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_articles, create_article))
        .routes(routes!(search_articles))
        .routes(routes!(article_stats))
        .routes(routes!(get_article))
        .routes(routes!(edit_article))
        .routes(routes!(upload_image))
        .routes(routes!(get_image))
        .routes(routes!(job_help))
}

/// Who writes and publishes articles.
pub const AUTHORS: [Role; 3] = [Role::ServiceManager, Role::Dispatcher, Role::Admin];

/// The most results one search answers.
const FOUND_MAX: usize = 20;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleListQuery {
    /// Words in the title (any copy) or the published text.
    pub q: Option<String>,
    #[param(inline)]
    pub kind: Option<ArticleKind>,
    #[param(inline)]
    pub state: Option<ArticleState>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// The desk's list of articles, drafts too.
#[utoipa::path(get, path = "/api/v1/articles", tag = "knowledge", params(ArticleListQuery),
    responses((status = 200, body = Page<Article>), (status = 403, body = ErrorBody)))]
async fn list_articles(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<ArticleListQuery>,
) -> Result<axum::Json<Page<Article>>> {
    user.require(&AUTHORS, "list articles with their drafts")?;
    let paging = Paging::new(q.page, q.per_page);
    let filter = ArticleFilter {
        query: q.q,
        kind: q.kind,
        state: q.state,
    };
    Ok(axum::Json(
        state.run(move |s| s.list_articles(&filter, paging)).await?,
    ))
}

/// Starts an article as a draft; nobody but the desk sees it until it is published.
#[utoipa::path(post, path = "/api/v1/articles", tag = "knowledge", request_body = ArticleContent,
    responses((status = 201, body = Article), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_article(
    State(state): State<AppState>,
    user: SignedIn,
    Json(content): Json<ArticleContent>,
) -> Result<Response> {
    user.require(&AUTHORS, "write articles")?;
    let now = state.now();
    let article = Article::new(ArticleId::from_uuid(Uuid::now_v7()), content, now)?;
    let made = article.clone();
    state.run(move |s| s.create_article(&made, now)).await?;
    Ok(versioned(StatusCode::CREATED, article.version, article))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleSearch {
    /// What the reader typed: Chinese substrings, English words, fault codes.
    pub q: String,
    /// Only these kinds, comma-separated (`faq,policy`); none: all.
    pub kinds: Option<String>,
}

fn kinds(list: Option<&str>) -> Result<Vec<ArticleKind>> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            ArticleKind::parse(k).ok_or_else(|| {
                Error::bad_request_with_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    format!("kinds: {k:?} is not repair_guide, faq, policy or safety_note"),
                )
            })
        })
        .collect()
}

/// The knowledge base searched as readers see it: published copies, best first.
#[utoipa::path(get, path = "/api/v1/articles/search", tag = "knowledge", params(ArticleSearch),
    responses((status = 200, body = Vec<Article>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search_articles(
    State(state): State<AppState>,
    _user: SignedIn,
    Query(q): Query<ArticleSearch>,
) -> Result<axum::Json<Vec<Article>>> {
    let scope = Scope {
        kinds: kinds(q.kinds.as_deref())?,
        ..Scope::default()
    };
    Ok(axum::Json(
        state
            .run(move |s| s.find_articles(&q.q, &scope, FOUND_MAX))
            .await?,
    ))
}

/// What customers read and engineers answered, per article.
#[utoipa::path(get, path = "/api/v1/articles/stats", tag = "knowledge",
    responses((status = 200, body = Vec<ArticleReadStats>), (status = 403, body = ErrorBody)))]
async fn article_stats(
    State(state): State<AppState>,
    user: SignedIn,
) -> Result<axum::Json<Vec<ArticleReadStats>>> {
    user.require(&AUTHORS, "see how articles are read")?;
    Ok(axum::Json(state.run(|s| s.article_read_stats()).await?))
}

/// One article: the desk sees drafts, engineers the published copy only.
#[utoipa::path(get, path = "/api/v1/articles/{id}", tag = "knowledge", params(("id" = Uuid, Path)),
    responses((status = 200, body = Article), (status = 404, body = ErrorBody)))]
async fn get_article(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<ArticleId>,
) -> Result<Response> {
    let article = state.run(move |s| s.article(id)).await?;
    let article = if AUTHORS.contains(&user.role()) {
        article
    } else {
        article
            .for_readers()
            .ok_or_else(|| Error::not_found("article", id))?
    };
    Ok(versioned(StatusCode::OK, article.version, article))
}

/// Saves a draft, publishes it, or withdraws the article; needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/articles/{id}/edits", tag = "knowledge", params(("id" = Uuid, Path)), request_body = ArticleEdit,
    responses((status = 200, body = Article), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn edit_article(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Path(id): Path<ArticleId>,
    Json(edit): Json<ArticleEdit>,
) -> Result<Response> {
    user.require(&AUTHORS, "edit articles")?;
    let expected = required_if_match(&headers)?;
    let now = state.now();
    let article = state
        .run(move |s| s.edit_article(id, expected, edit, now))
        .await?;
    Ok(versioned(StatusCode::OK, article.version, article))
}

/// Stores an image for articles (PNG, JPEG or WebP) and names it by its SHA-256; the article
/// then shows it as `![caption](image:<sha256>)`.
#[utoipa::path(post, path = "/api/v1/articles/images", tag = "knowledge",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = ArticleImageStored), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_image(
    State(state): State<AppState>,
    user: SignedIn,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<ArticleImageStored>)> {
    user.require(&AUTHORS, "add images to articles")?;
    let media_type = fixline_core::knowledge::image_type(&body).ok_or_else(|| {
        Error::bad_request_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "an article's image must be a PNG, JPEG or WebP file",
        )
    })?;
    if body.len() as u64 > fixline_core::knowledge::IMAGE_MAX_BYTES {
        return Err(Error::bad_request_with_status(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "an article's image may be at most {} MB; make it smaller first",
                fixline_core::knowledge::IMAGE_MAX_BYTES / (1024 * 1024)
            ),
        ));
    }
    let blobs = state.blobs().clone();
    let size = body.len() as u64;
    let sha256 = tokio::task::spawn_blocking(move || blobs.put(&body)).await??;
    Ok((
        StatusCode::CREATED,
        axum::Json(ArticleImageStored {
            sha256,
            media_type: media_type.to_owned(),
            size,
        }),
    ))
}

/// An image some article shows.
#[utoipa::path(get, path = "/api/v1/articles/images/{sha256}", tag = "knowledge",
    params(("sha256" = String, Path)),
    responses((status = 200, content_type = "image/png"), (status = 404, body = ErrorBody)))]
async fn get_image(
    State(state): State<AppState>,
    _user: SignedIn,
    Path(sha256): Path<String>,
) -> Result<Response> {
    image_response(&state, sha256, false).await
}

/// An article image's bytes with its type, if the reader may see it (`public_only`: a customer).
pub(crate) async fn image_response(
    state: &AppState,
    sha256: String,
    public_only: bool,
) -> Result<Response> {
    let name = sha256.clone();
    let media_type = state
        .run(move |s| s.article_image(&name, public_only))
        .await?
        .ok_or_else(|| Error::not_found("image", &sha256))?;
    let blobs = state.blobs().clone();
    let bytes = tokio::task::spawn_blocking(move || blobs.read(&sha256)).await??;
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            // Named by its content: the same address never shows another picture.
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Beside a job: articles for its model, fault code and symptom, and how the same fault on the
/// same model was fixed before (company-wide).
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/help", tag = "knowledge", params(("id" = Uuid, Path)),
    responses((status = 200, body = JobHelp), (status = 404, body = ErrorBody)))]
async fn job_help(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<WorkOrderId>,
) -> Result<axum::Json<JobHelp>> {
    let wo = super::work_orders::visible(&state, &user, id).await?;
    let help = state
        .run(move |s| {
            let model = match wo.asset_id {
                Some(asset) => Some(s.asset(asset)?.details.model),
                None => None,
            };
            let code = wo.resolution.as_ref().and_then(|r| r.fault_code.clone());
            let scope = Scope::default();
            let suggested = s.suggest_articles(
                model.as_deref(),
                code.as_deref(),
                &wo.symptom,
                &scope,
                FOUND_MAX / 2,
            )?;
            let past_fixes = match &model {
                Some(m) => s.past_fixes(wo.id, m, code.as_deref())?,
                None => Vec::new(),
            };
            Ok(JobHelp {
                suggested,
                past_fixes,
            })
        })
        .await?;
    Ok(axum::Json(help))
}
