//! The desk's knowledge-base authoring: the list (search, kind, state, and how each article is
//! read), and the editor — the article's facts, a Markdown body with a live preview and images
//! from files, saved as a draft and published when ready. Engineers and customers only ever
//! see the published copy.

use std::collections::HashMap;

use fixline_api::knowledge::ArticleReadStats;
use fixline_core::customer::Language;
use fixline_core::ids::ArticleId;
use fixline_core::knowledge::{
    Article, ArticleContent, ArticleEdit, ArticleImage, ArticleKind, Audience, markdown,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{backend, object_url};
use crate::i18n::{Text, lang, tr};
use crate::pages::knowledge::kind_name;
use crate::routes::Screen;
use crate::shell::shell;

#[component]
pub fn Articles(open: Option<ArticleId>) -> impl IntoView {
    let shell = shell();
    let lang = lang();
    let words = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let state = RwSignal::new(String::new());
    let list = crate::shell::reloading(move || {
        let mut query = format!("q={}", js_sys::encode_uri_component(&words.get()));
        for (name, value) in [("kind", kind.get()), ("state", state.get())] {
            if !value.is_empty() {
                query.push_str(&format!("&{name}={value}"));
            }
        }
        backend().list_articles(query)
    });
    let stats = crate::shell::reloading(|| backend().article_stats());
    let stat = move |id: ArticleId| -> Option<ArticleReadStats> {
        stats.with(|s| {
            s.as_ref()
                .and_then(|r| r.as_ref().ok())
                .and_then(|all| all.iter().find(|x| x.article == id).cloned())
        })
    };
    view! {
        <section class="articles">
            <h1>{tr(Text::Articles)}</h1>
            <div class="row">
                <label class="grow"><span class="sr-only">{tr(Text::SearchArticles)}</span>
                    <input id="articles-search" type="search" placeholder=tr(Text::SearchArticles) bind:value=words/>
                </label>
                <label><span class="sr-only">{tr(Text::ArticleKind)}</span>
                    <select id="articles-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="">{tr(Text::AllKinds)}</option>
                        {ArticleKind::ALL.map(|k| view! { <option value=k.as_str()>{move || kind_name(k, lang.get())}</option> }).collect_view()}
                    </select>
                </label>
                <label><span class="sr-only">{tr(Text::Status)}</span>
                    <select id="articles-state" on:change=move |ev| state.set(event_target_value(&ev))>
                        <option value="">{tr(Text::AllStates)}</option>
                        <option value="draft">{tr(Text::StateDraft)}</option>
                        <option value="published">{tr(Text::StatePublished)}</option>
                    </select>
                </label>
                <button id="article-new" type="button" on:click=move |_| shell.go(Screen::Articles(None))>{tr(Text::NewArticle)}</button>
            </div>
            <div class="split">
                <div class="list">
                    {move || match list.get() {
                        None => view! { <p class="muted">"…"</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                        Some(Ok(page)) if page.items.is_empty() => view! { <p class="empty">{tr(Text::NoArticles)}</p> }.into_any(),
                        Some(Ok(page)) => view! {
                            <table class="articles-table" id="articles-table">
                                <thead><tr>
                                    <th>{tr(Text::ArticleTitle)}</th><th>{tr(Text::ArticleKind)}</th><th>{tr(Text::Status)}</th>
                                    <th>{tr(Text::Reads)}</th><th>{tr(Text::ThenRequested)}</th><th>{tr(Text::Helpful)}</th><th>{tr(Text::NotHelpful)}</th>
                                </tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|a| {
                                        let id = a.id;
                                        let working = a.working_copy().cloned();
                                        let title = working.as_ref().map(|w| w.title.clone()).unwrap_or_default();
                                        let kind = working.as_ref().map(|w| w.kind);
                                        let s = stat(id);
                                        view! {
                                            <tr class:selected=open == Some(id) data-article=id.to_string()>
                                                <td><button class="link article-open" on:click=move |_| shell.go(Screen::Articles(Some(id)))>{title}</button></td>
                                                <td>{move || kind.map(|k| kind_name(k, lang.get())).unwrap_or_default()}</td>
                                                <td class="article-state">{state_text(&a)}</td>
                                                <td>{s.as_ref().map(|s| s.reads)}</td>
                                                <td>{s.as_ref().map(|s| s.then_requested)}</td>
                                                <td>{a.helpful}</td>
                                                <td>{a.not_helpful}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }}
                </div>
                {match open {
                    None => view! { <Editor article=None/> }.into_any(),
                    Some(id) => view! { <OpenArticle id=id/> }.into_any(),
                }}
            </div>
        </section>
    }
}

fn state_text(a: &Article) -> impl IntoView + use<> {
    let (published, draft) = (a.published.is_some(), a.draft.is_some());
    move || match (published, draft) {
        (false, _) => tr(Text::StateDraft)().to_owned(),
        (true, false) => tr(Text::StatePublished)().to_owned(),
        (true, true) => format!(
            "{} · {}",
            tr(Text::StatePublished)(),
            tr(Text::NewerDraft)()
        ),
    }
}

#[component]
fn OpenArticle(id: ArticleId) -> impl IntoView {
    let article = crate::shell::reloading(move || backend().article(id));
    move || match article.get() {
        None => view! { <p class="muted">"…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
        Some(Ok(a)) => view! { <Editor article=Some(a)/> }.into_any(),
    }
}

fn joined(items: &[String]) -> String {
    items.join(", ")
}

fn split(text: &str) -> Vec<String> {
    text.split([',', '，', '、', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The editor of one article (or a new one).
#[component]
fn Editor(article: Option<Article>) -> impl IntoView {
    let shell = shell();
    let lang = lang();
    let c = article
        .as_ref()
        .and_then(|a| a.working_copy().cloned())
        .unwrap_or_else(|| ArticleContent::new(ArticleKind::RepairGuide, Language::ZhCn, "", ""));
    let kind = RwSignal::new(c.kind);
    let language = RwSignal::new(c.language);
    let audience = RwSignal::new(c.audience);
    let title = RwSignal::new(c.title.clone());
    let symptoms = RwSignal::new(c.symptoms.clone());
    let codes = RwSignal::new(joined(&c.fault_codes));
    let models = RwSignal::new(joined(&c.models));
    let categories = RwSignal::new(joined(&c.categories));
    let parts = RwSignal::new(joined(&c.parts));
    let tools = RwSignal::new(joined(&c.tools));
    let body = RwSignal::new(c.body.clone());
    let images = RwSignal::new(c.images.clone());
    // Where the preview shows each image from: object URLs of the bytes.
    let srcs = RwSignal::new(HashMap::<String, String>::new());
    for image in c.images.clone() {
        spawn_local(async move {
            if let Ok(src) = backend().article_image_src(image.sha256.clone()).await {
                srcs.try_update(|m| {
                    m.insert(image.sha256, src);
                });
            }
        });
    }
    let busy = RwSignal::new(false);
    let id = article.as_ref().map(|a| a.id);
    let version = RwSignal::new(article.as_ref().map_or(0, |a| a.version));
    let published = article.as_ref().is_some_and(|a| a.published.is_some());
    let has_draft = article.as_ref().is_none_or(|a| a.draft.is_some());
    let content = move || ArticleContent {
        kind: kind.get_untracked(),
        language: language.get_untracked(),
        audience: audience.get_untracked(),
        title: title.get_untracked(),
        symptoms: symptoms.get_untracked(),
        fault_codes: split(&codes.get_untracked()),
        models: split(&models.get_untracked()),
        categories: split(&categories.get_untracked()),
        body: body.get_untracked(),
        parts: split(&parts.get_untracked()),
        tools: split(&tools.get_untracked()),
        // Only the images the body still shows.
        images: {
            let shown = markdown::image_refs(&body.get_untracked());
            images
                .get_untracked()
                .into_iter()
                .filter(|i| shown.contains(&i.sha256))
                .collect()
        },
    };
    // Saves the draft (creating the article if new); then, if asked, publishes it.
    let save = move |then_publish: bool| {
        busy.set(true);
        spawn_local(async move {
            let saved = match id {
                None => backend().create_article(content()).await,
                Some(id) => {
                    backend()
                        .edit_article(
                            id,
                            version.get_untracked(),
                            ArticleEdit::SaveDraft {
                                content: Box::new(content()),
                            },
                        )
                        .await
                }
            };
            let done = match saved {
                Ok(a) if then_publish => {
                    backend()
                        .edit_article(a.id, a.version, ArticleEdit::Publish)
                        .await
                }
                other => other,
            };
            match done {
                Ok(a) => {
                    version.try_set(a.version);
                    shell.tell(tr(Text::Saved)());
                    shell.changed();
                    shell.go(Screen::Articles(Some(a.id)));
                }
                Err(e) => shell.fail(&e),
            }
            busy.try_set(false);
        });
    };
    let withdraw = move |_| {
        let Some(id) = id else { return };
        busy.set(true);
        spawn_local(async move {
            match backend()
                .edit_article(id, version.get_untracked(), ArticleEdit::Withdraw)
                .await
            {
                Ok(a) => {
                    version.try_set(a.version);
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
            busy.try_set(false);
        });
    };
    let add_image = move |ev: leptos::ev::Event| {
        let files = crate::components::picked_files(&ev);
        busy.set(true);
        spawn_local(async move {
            for file in files {
                let bytes = match crate::components::file_bytes(&file).await {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        shell.fail(&e);
                        continue;
                    }
                };
                match backend().upload_article_image(bytes.clone()).await {
                    Ok(stored) => {
                        if let Ok(url) = object_url(&bytes, &stored.media_type) {
                            srcs.try_update(|m| {
                                m.insert(stored.sha256.clone(), url);
                            });
                        }
                        let caption = file.name().replace(['[', ']'], "");
                        body.try_update(|b| {
                            b.push_str(&format!(
                                "\n\n![{caption}]({}{})\n",
                                markdown::IMAGE_SCHEME,
                                stored.sha256
                            ));
                        });
                        images.try_update(|list| {
                            if !list.iter().any(|i| i.sha256 == stored.sha256) {
                                list.push(ArticleImage {
                                    sha256: stored.sha256,
                                    media_type: stored.media_type,
                                    size: stored.size,
                                });
                            }
                        });
                    }
                    Err(e) => shell.fail(&e),
                }
            }
            busy.try_set(false);
        });
    };
    let preview = move || {
        let text = body.get();
        srcs.with(|m| markdown::to_html(&text, &|sha| m.get(sha).cloned().unwrap_or_default()))
    };
    let text_field = |id: &'static str, label: Text, value: RwSignal<String>| {
        view! { <label>{tr(label)}<input id=id bind:value=value/></label> }
    };
    view! {
        <form class="card article-editor" id="article-editor" on:submit=move |ev| { ev.prevent_default(); save(false); }>
            <div class="form-grid">
                <label>{tr(Text::ArticleKind)}
                    <select id="article-kind" on:change=move |ev| if let Some(k) = ArticleKind::parse(&event_target_value(&ev)) { kind.set(k) }>
                        {ArticleKind::ALL.map(|k| view! {
                            <option value=k.as_str() selected=move || kind.get() == k>{move || kind_name(k, lang.get())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{tr(Text::ArticleLanguage)}
                    <select id="article-language" on:change=move |ev| language.set(if event_target_value(&ev) == "en" { Language::En } else { Language::ZhCn })>
                        <option value="zh-CN" selected=move || language.get() == Language::ZhCn>"中文"</option>
                        <option value="en" selected=move || language.get() == Language::En>"English"</option>
                    </select>
                </label>
                <label>{tr(Text::Audience)}
                    <select id="article-audience" on:change=move |ev| audience.set(if event_target_value(&ev) == "public" { Audience::Public } else { Audience::Staff })>
                        <option value="staff" selected=move || audience.get() == Audience::Staff>{tr(Text::AudienceStaff)}</option>
                        <option value="public" selected=move || audience.get() == Audience::Public>{tr(Text::AudiencePublic)}</option>
                    </select>
                </label>
            </div>
            <label>{tr(Text::ArticleTitle)}<input id="article-title-input" bind:value=title required maxlength="200"/></label>
            <label>{tr(Text::Symptoms)}<textarea id="article-symptoms" rows="2" bind:value=symptoms></textarea></label>
            <div class="form-grid">
                {text_field("article-codes", Text::FaultCodes, codes)}
                {text_field("article-models", Text::Models, models)}
                {text_field("article-categories", Text::Categories, categories)}
                {text_field("article-parts", Text::PartsNeeded, parts)}
                {text_field("article-tools", Text::ToolsNeeded, tools)}
            </div>
            <p class="muted">{tr(Text::CommaSeparated)}</p>
            <div class="split editor-split">
                <label class="grow">{tr(Text::BodyMarkdown)}
                    <textarea id="article-body-input" rows="16" bind:value=body required></textarea>
                </label>
                <div class="grow">
                    <p><strong>{tr(Text::Preview)}</strong></p>
                    <div class="kb-body preview" id="article-preview" inner_html=preview></div>
                </div>
            </div>
            <label class="file-button">{tr(Text::AddImage)}
                <input id="article-image" type="file" accept="image/png,image/jpeg,image/webp" on:change=add_image/>
            </label>
            <div class="row">
                <button id="article-save" type="submit" disabled=move || busy.get()>{tr(Text::SaveDraft)}</button>
                <button id="article-publish" type="button" class="primary" disabled=move || busy.get()
                    on:click=move |_| save(true)>{tr(Text::Publish)}</button>
                {(id.is_some() && has_draft && published).then(|| view! {
                    <span class="muted">{tr(Text::NewerDraft)}</span>
                })}
                {published.then(|| view! {
                    <button id="article-withdraw" type="button" disabled=move || busy.get() on:click=withdraw>{tr(Text::Withdraw)}</button>
                })}
            </div>
        </form>
    }
}
