//! The knowledge base as readers see it: search (offline in the app), one article with its
//! images, "did this help?" when opened from a job, the help beside a job (articles and past
//! fixes of the same fault), and the answers beside the phone desk's intake form.

use std::collections::HashMap;

use fixline_api::knowledge::JobHelp;
use fixline_core::ids::{ArticleId, WorkOrderId};
use fixline_core::knowledge::{Article, ArticleContent, ArticleKind, markdown};
use fixline_core::work_order::Action;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{backend, sleep};
use crate::i18n::{Lang, Text, lang, tr};
use crate::routes::Screen;
use crate::shell::shell;

pub fn kind_name(kind: ArticleKind, lang: Lang) -> &'static str {
    match kind {
        ArticleKind::RepairGuide => Text::KindRepairGuide,
        ArticleKind::Faq => Text::KindFaq,
        ArticleKind::Policy => Text::KindPolicy,
        ArticleKind::SafetyNote => Text::KindSafetyNote,
    }
    .in_lang(lang)
}

/// Runs `search` with the box's words once typing pauses, and keeps the latest answer only.
fn searching<F>(
    words: RwSignal<String>,
    search: impl Fn(String) -> F + Copy + 'static,
) -> RwSignal<Option<Result<Vec<Article>, crate::backend::UiError>>>
where
    F: std::future::Future<Output = Result<Vec<Article>, crate::backend::UiError>> + 'static,
{
    let found = RwSignal::new(None);
    let asked = StoredValue::new(String::new());
    Effect::new(move |_| {
        let q = words.get();
        asked.set_value(q.clone());
        // The screen may be gone by the time the pause or the answer ends: then nothing is shown.
        spawn_local(async move {
            sleep(250).await;
            if asked.try_get_value().as_ref() != Some(&q) {
                return;
            }
            let answer = search(q.clone()).await;
            if asked.try_get_value().as_ref() == Some(&q) {
                found.try_set(Some(answer));
            }
        });
    });
    found
}

/// The knowledge base's search screen; with a model and no words, that model's articles.
#[component]
pub fn Guides(model: Option<String>) -> impl IntoView {
    let shell = shell();
    let words = RwSignal::new(String::new());
    let wanted = StoredValue::new(model.clone());
    let found = searching(words, move |q| {
        backend().find_articles(q, wanted.get_value())
    });
    view! {
        <section class="guides">
            <button class="back" on:click=move |_| shell.go(Screen::Jobs)>"← "{tr(Text::Back)}</button>
            <h1>{tr(Text::Knowledge)}{model.map(|m| format!(" · {m}"))}</h1>
            <label class="search"><span class="sr-only">{tr(Text::SearchArticles)}</span>
                <input id="kb-search" type="search" placeholder=tr(Text::SearchArticles) bind:value=words/>
            </label>
            {move || match found.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty" id="kb-none">{tr(Text::NoArticles)}</p> }.into_any(),
                Some(Ok(list)) => view! { <ArticleList articles=list job=None/> }.into_any(),
            }}
        </section>
    }
}

#[component]
pub fn ArticleList(articles: Vec<Article>, job: Option<WorkOrderId>) -> impl IntoView {
    let shell = shell();
    let lang = lang();
    view! {
        <ul class="kb-results">
            {articles.into_iter().filter_map(|a| {
                let p = a.published.clone()?;
                let id = a.id;
                Some(view! {
                    <li>
                        <button class="link kb-result" data-article=id.to_string()
                            on:click=move |_| shell.go(Screen::Article(id, job))>{p.title.clone()}</button>
                        <span class="badge">{move || kind_name(p.kind, lang.get())}</span>
                        {(!p.symptoms.is_empty()).then(|| view! { <br/><span class="muted">{p.symptoms.clone()}</span> })}
                    </li>
                })
            }).collect_view()}
        </ul>
    }
}

/// One article; opened from a job it asks whether it helped.
#[component]
pub fn ArticleScreen(id: ArticleId, job: Option<WorkOrderId>) -> impl IntoView {
    let shell = shell();
    let article = crate::shell::reloading(move || backend().article(id));
    let back = move |_| match job {
        Some(j) => shell.go(Screen::Job(j)),
        None => shell.go(Screen::Guides(None)),
    };
    view! {
        <section class="article">
            <button class="back" on:click=back>"← "{tr(Text::Back)}</button>
            {move || match article.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(a)) => match a.published.clone() {
                    Some(content) => view! {
                        <ArticleView content=content/>
                        {job.map(|j| view! { <DidThisHelp job=j article=a.id/> })}
                    }.into_any(),
                    None => view! { <p class="empty">{tr(Text::NoArticles)}</p> }.into_any(),
                },
            }}
        </section>
    }
}

/// An article's text: its facts, then the Markdown body with its images.
#[component]
pub fn ArticleView(content: ArticleContent) -> impl IntoView {
    let lang = lang();
    let images = RwSignal::new(HashMap::<String, String>::new());
    for image in content.images.clone() {
        spawn_local(async move {
            if let Ok(src) = backend().article_image_src(image.sha256.clone()).await {
                images.try_update(|m| {
                    m.insert(image.sha256, src);
                });
            }
        });
    }
    let body = content.body.clone();
    let html = move || {
        images.with(|m| markdown::to_html(&body, &|sha| m.get(sha).cloned().unwrap_or_default()))
    };
    let list = |label: Text, items: Vec<String>| {
        (!items.is_empty())
            .then(|| view! { <p><strong>{tr(label)}": "</strong>{items.join("、")}</p> })
    };
    view! {
        <article class="card kb-article">
            <h1 id="article-title">{content.title.clone()}</h1>
            <p class="muted">
                <span class="badge">{move || kind_name(content.kind, lang.get())}</span>" "
                {content.models.join(" · ")}
            </p>
            {(!content.symptoms.is_empty()).then(|| view! { <p><strong>{tr(Text::Symptom)}": "</strong>{content.symptoms.clone()}</p> })}
            {list(Text::FaultCodes, content.fault_codes.clone())}
            {list(Text::PartsNeeded, content.parts.clone())}
            {list(Text::ToolsNeeded, content.tools.clone())}
            <div class="kb-body" id="article-body" inner_html=html></div>
        </article>
    }
}

/// "Did this help?": recorded on the job (offline on the device, synced like any step).
#[component]
fn DidThisHelp(job: WorkOrderId, article: ArticleId) -> impl IntoView {
    let shell = shell();
    let busy = RwSignal::new(false);
    let answer = move |helpful: bool| {
        busy.set(true);
        spawn_local(async move {
            match backend()
                .act(job, Action::RateArticle { article, helpful })
                .await
            {
                Ok(local) => {
                    // Only claim what happened: queued on the device, or saved on the server.
                    shell.tell(if local.pending > 0 {
                        tr(Text::SavedWillSync)()
                    } else {
                        tr(Text::Saved)()
                    });
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
            busy.try_set(false);
        });
    };
    view! {
        <div class="card did-it-help">
            <p><strong>{tr(Text::DidThisHelp)}</strong></p>
            <button id="helped-yes" class="big" disabled=move || busy.get() on:click=move |_| answer(true)>{tr(Text::YesItHelped)}</button>
            <button id="helped-no" class="big" disabled=move || busy.get() on:click=move |_| answer(false)>{tr(Text::NoItDidNot)}</button>
        </div>
    }
}

/// Beside a job: articles that may help, and how the same fault was fixed before.
#[component]
pub fn JobHelpCard(job: WorkOrderId) -> impl IntoView {
    let lang = lang();
    let help = crate::shell::reloading(move || backend().job_help(job));
    view! {
        <article class="card job-help" id="job-help">
            <h2>{tr(Text::SuggestedArticles)}</h2>
            {move || match help.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(JobHelp { suggested, past_fixes })) => view! {
                    {if suggested.is_empty() {
                        view! { <p class="muted">{tr(Text::NoArticles)}</p> }.into_any()
                    } else {
                        view! { <ArticleList articles=suggested job=Some(job)/> }.into_any()
                    }}
                    <h3>{tr(Text::PastFixes)}</h3>
                    {if past_fixes.is_empty() {
                        view! { <p class="muted" id="no-past-fixes">{tr(Text::NoPastFixes)}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="past-fixes">
                                {past_fixes.into_iter().map(|f| view! {
                                    <li class="past-fix">
                                        <strong>{f.number.clone()}</strong>" · "{crate::format::time(f.finished_at)}" · "{f.fault_code.clone()}
                                        <br/>{f.summary.clone()}
                                        {(!f.parts.is_empty()).then(|| view! {
                                            <br/><span class="muted">{move || Text::PartsNeeded.in_lang(lang.get())}": "{f.parts.join("、")}</span>
                                        })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }.into_any(),
            }}
        </article>
    }
}

/// Beside the phone intake form: FAQs and policies for what the caller describes, to resolve the
/// call on the phone (then the request is logged and resolved remotely).
#[component]
pub fn PhoneAnswers(symptom: RwSignal<String>) -> impl IntoView {
    let found = searching(symptom, |q| async move {
        if q.trim().chars().count() < 2 {
            return Ok(Vec::new());
        }
        backend().find_articles(q, None).await.map(|list| {
            list.into_iter()
                .filter(|a| a.published.as_ref().is_some_and(|p| p.kind.for_the_phone()))
                .take(5)
                .collect()
        })
    });
    let open = RwSignal::new(None::<ArticleId>);
    view! {
        <aside class="card phone-answers" id="phone-answers">
            <h2>{tr(Text::PhoneAnswers)}</h2>
            <p class="muted">{tr(Text::PhoneAnswersHint)}</p>
            {move || match found.get() {
                Some(Ok(list)) if !list.is_empty() => view! {
                    <ul>
                        {list.into_iter().filter_map(|a| {
                            let p = a.published.clone()?;
                            let id = a.id;
                            Some(view! {
                                <li>
                                    <button class="link phone-answer" data-article=id.to_string()
                                        on:click=move |_| open.update(|o| *o = if *o == Some(id) { None } else { Some(id) })>
                                        {p.title.clone()}
                                    </button>
                                    {move || (open.get() == Some(id)).then(|| view! { <ArticleView content=p.clone()/> })}
                                </li>
                            })
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                _ => view! { <p class="muted">{tr(Text::TypeSymptomForAnswers)}</p> }.into_any(),
            }}
        </aside>
    }
}
