//! Customers' self-service at `/help`: public articles with search, in Chinese or English, the
//! hotline first; and the suggestions the request form shows while the customer describes the
//! fault. A visitor cookie ties what someone read to the request they then sent (or did not).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use fixline_core::customer::Language;
use fixline_core::ids::ArticleId;
use fixline_core::knowledge::{Article, markdown};
use fixline_kb::Scope;
use serde::{Deserialize, Serialize};

use super::intake::html_escape;
use crate::AppState;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/help", get(help_page))
        .route("/help/a/{id}", get(article_page))
        .route("/help/suggest", get(suggest))
        .route("/help/images/{sha256}", get(image))
}

/// The cookie that names a browser across /help and the request form (random, nothing else).
pub const VISITOR_COOKIE: &str = "fixline_visitor";

/// The visitor named by the request's cookie, if it looks like one of ours.
pub fn visitor(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == VISITOR_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The visitor of this request, and the cookie to set when it is new.
fn visitor_or_new(headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match visitor(headers) {
        Some(v) => (v, None),
        None => {
            let v = uuid::Uuid::new_v4().simple().to_string();
            let cookie =
                format!("{VISITOR_COOKIE}={v}; Path=/; Max-Age=2592000; SameSite=Lax; HttpOnly");
            (v, HeaderValue::from_str(&cookie).ok())
        }
    }
}

#[derive(Debug, Deserialize)]
struct HelpQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    lang: Option<String>,
}

fn language(lang: Option<&str>, headers: &HeaderMap) -> Language {
    let asked = lang.map(str::to_owned).or_else(|| {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    match asked {
        Some(l) if l.trim_start().to_ascii_lowercase().starts_with("en") => Language::En,
        _ => Language::ZhCn,
    }
}

/// The page's words, in its language.
struct Words {
    lang: &'static str,
    title: &'static str,
    call: &'static str,
    search: &'static str,
    placeholder: &'static str,
    none: &'static str,
    popular: &'static str,
    request: &'static str,
    solved: &'static str,
    other: (&'static str, &'static str),
    back: &'static str,
}

fn words(l: Language) -> Words {
    match l {
        Language::ZhCn => Words {
            lang: "zh-CN",
            title: "自助服务",
            call: "服务热线",
            search: "搜索",
            placeholder: "描述问题，例如：不制冷、漏水、E1",
            none: "没有找到相关文章。您可以换个说法，或直接报修。",
            popular: "常见问题",
            request: "仍需上门？在线报修",
            solved: "没解决？在线报修，我们会联系您。",
            other: ("en", "English"),
            back: "← 返回自助服务",
        },
        Language::En => Words {
            lang: "en",
            title: "Help",
            call: "Service hotline",
            search: "Search",
            placeholder: "Describe the problem, e.g. not cooling, leaking, E1",
            none: "No article found. Try other words, or request a visit.",
            popular: "Common questions",
            request: "Still need a visit? Request service",
            solved: "Not solved? Request service and we will call you.",
            other: ("zh-CN", "中文"),
            back: "← Back to help",
        },
    }
}

fn page(state: &AppState, w: &Words, title: &str, main: &str) -> String {
    let phone = state
        .config()
        .receipts
        .settings
        .brand
        .phone
        .trim()
        .to_owned();
    let hotline = if phone.is_empty() {
        String::new()
    } else {
        format!(
            r#"<a class="call" href="tel:{p}">{call} {p}</a>"#,
            p = html_escape(&phone),
            call = w.call
        )
    };
    format!(
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — Fixline</title>
<style>
body {{ font-family: system-ui, "Noto Sans CJK SC", sans-serif; max-width: 42rem; margin: 0 auto; padding: 0 1rem 2rem; color: #1c2430; line-height: 1.6; }}
header {{ display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between; padding: .8rem 0; }}
.call {{ display: inline-block; background: #0b6bcb; color: #fff; padding: .7rem 1.1rem; border-radius: .5rem; font-size: 1.15rem; text-decoration: none; font-weight: 600; }}
form {{ display: flex; gap: .5rem; }}
input[type=search] {{ flex: 1; font-size: 1.1rem; padding: .6rem; min-width: 0; }}
button {{ font-size: 1.1rem; padding: .6rem 1rem; }}
li {{ margin: .6rem 0; }}
a {{ color: #0b5cad; }}
.muted {{ color: #5b6675; }}
img {{ max-width: 100%; height: auto; }}
.request {{ display: inline-block; margin-top: 1.5rem; font-weight: 600; }}
</style>
</head>
<body>
<header>{hotline}<a href="?lang={other_lang}" lang="{other_lang}">{other_name}</a></header>
{main}
</body>
</html>"#,
        lang = w.lang,
        title = html_escape(title),
        other_lang = w.other.0,
        other_name = w.other.1,
    )
}

fn listing(articles: &[Article], w: &Words) -> String {
    let items: String = articles
        .iter()
        .filter_map(|a| {
            let p = a.published.as_ref()?;
            Some(format!(
                r#"<li><a href="/help/a/{id}?lang={lang}">{title}</a><br><span class="muted">{symptoms}</span></li>"#,
                id = a.id,
                lang = w.lang,
                title = html_escape(&p.title),
                symptoms = html_escape(&p.symptoms),
            ))
        })
        .collect();
    format!("<ul>{items}</ul>")
}

/// Public articles, the customer's language first.
fn public_scope(language: Language) -> Scope {
    Scope {
        public_only: true,
        language: Some(language),
        ..Scope::default()
    }
}

async fn help_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HelpQuery>,
) -> Response {
    let lang = language(q.lang.as_deref(), &headers);
    let w = words(lang);
    let query = q.q.chars().take(200).collect::<String>();
    let search = query.clone();
    let found = state
        .run(move |s| {
            if search.trim().is_empty() {
                // Nothing typed: the public articles, the customer's language first.
                popular(s, lang)
            } else {
                s.find_articles(&search, &public_scope(lang), 20)
            }
        })
        .await;
    let body = match found {
        Ok(list) if list.is_empty() && !query.trim().is_empty() => {
            format!(r#"<p>{}</p>"#, w.none)
        }
        Ok(list) if query.trim().is_empty() => {
            format!("<h2>{}</h2>{}", w.popular, listing(&list, &w))
        }
        Ok(list) => listing(&list, &w),
        Err(e) => {
            tracing::error!(error = %e, "help search failed");
            format!(r#"<p>{}</p>"#, w.none)
        }
    };
    let main = format!(
        r#"<h1>{title}</h1>
<form method="get" action="/help" role="search">
<input type="hidden" name="lang" value="{lang}">
<input type="search" name="q" value="{q}" placeholder="{placeholder}" aria-label="{search}" maxlength="200">
<button type="submit">{search}</button>
</form>
<div id="results">{body}</div>
<a class="request" href="/intake">{request}</a>"#,
        title = w.title,
        lang = w.lang,
        q = html_escape(&query),
        placeholder = w.placeholder,
        search = w.search,
        request = w.request,
    );
    Html(page(&state, &w, w.title, &main)).into_response()
}

/// The public articles, for a help page with nothing typed yet: FAQs and policies first.
fn popular(s: &dyn crate::store::Store, lang: Language) -> crate::error::Result<Vec<Article>> {
    let page = s.list_articles(
        &crate::store::ArticleFilter {
            state: Some(fixline_api::knowledge::ArticleState::Published),
            ..Default::default()
        },
        crate::store::Paging::new(Some(1), Some(200)),
    )?;
    let mut list: Vec<Article> = page
        .items
        .into_iter()
        .filter_map(|a| a.for_readers())
        .filter(|a| a.is_public())
        .collect();
    list.sort_by_key(|a| {
        a.published
            .as_ref()
            .map(|p| (p.language != lang, !p.kind.for_the_phone()))
    });
    list.truncate(20);
    Ok(list)
}

async fn article_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    Query(q): Query<HelpQuery>,
) -> Response {
    let lang = language(q.lang.as_deref(), &headers);
    let w = words(lang);
    let not_found = |w: &Words| {
        let main = format!(
            r#"<p>{}</p><p><a href="/help?lang={}">{}</a></p>"#,
            w.none, w.lang, w.back
        );
        (StatusCode::NOT_FOUND, Html(page(&state, w, w.title, &main))).into_response()
    };
    let Ok(id) = id.parse::<ArticleId>() else {
        return not_found(&w);
    };
    let article = match state.run(move |s| s.article(id)).await {
        Ok(a) if a.is_public() => a,
        _ => return not_found(&w),
    };
    let Some(content) = article.published.as_ref() else {
        return not_found(&w);
    };
    let (visitor, cookie) = visitor_or_new(&headers);
    let now = state.now();
    if let Err(e) = state
        .run(move |s| s.record_help_read(&visitor, id, now))
        .await
    {
        tracing::warn!(error = %e, "a help read was not counted");
    }
    let html = markdown::to_html(&content.body, &|sha| format!("/help/images/{sha}"));
    let main = format!(
        r#"<p><a href="/help?lang={lang}">{back}</a></p>
<article><h1>{title}</h1>{html}</article>
<p class="request"><a href="/intake">{solved}</a></p>"#,
        lang = w.lang,
        back = w.back,
        title = html_escape(&content.title),
        solved = w.solved,
    );
    let mut response = Html(page(&state, &w, &content.title, &main)).into_response();
    if let Some(cookie) = cookie {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// One suggestion for the request form.
#[derive(Debug, Serialize)]
struct Suggestion {
    title: String,
    url: String,
}

async fn suggest(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HelpQuery>,
) -> Response {
    let lang = language(q.lang.as_deref(), &headers);
    let query: String = q.q.chars().take(200).collect();
    if query.trim().chars().count() < 2 {
        return axum::Json(Vec::<Suggestion>::new()).into_response();
    }
    match state
        .run(move |s| s.find_articles(&query, &public_scope(lang), 5))
        .await
    {
        Ok(found) => axum::Json(
            found
                .iter()
                .filter_map(|a| {
                    Some(Suggestion {
                        title: a.published.as_ref()?.title.clone(),
                        url: format!("/help/a/{}", a.id),
                    })
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn image(
    State(state): State<AppState>,
    axum::extract::Path(sha256): axum::extract::Path<String>,
) -> Response {
    match super::articles::image_response(&state, sha256, true).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}
