//! The fault, cause and resolution codes (故障代码 / 原因代码 / 处理代码) the completion form
//! offers, kept by the service manager: pick a list (a category's faults, the causes, the
//! resolutions), change the words, add a code, or retire one. A saved code is never removed or
//! renamed, since jobs may be coded with it; engineers' devices get the lists at their next sync.
//! Dispatchers see the lists; only managers and admins change them.

use fixline_core::fault_code::{CodeBook, CodeEntry};
use fixline_core::role::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{UiError, backend};
use crate::format;
use crate::i18n::{Text, lang, tr};
use crate::shell::shell;

/// One code as shown and typed; a saved one (`fixed`) keeps its code.
#[derive(Clone, Copy)]
struct Row {
    code: RwSignal<String>,
    zh: RwSignal<String>,
    en: RwSignal<String>,
    retired: RwSignal<bool>,
    fixed: bool,
}

impl Row {
    fn of(e: &CodeEntry, fixed: bool) -> Row {
        Row {
            code: RwSignal::new(e.code.clone()),
            zh: RwSignal::new(e.zh.clone()),
            en: RwSignal::new(e.en.clone()),
            retired: RwSignal::new(e.retired),
            fixed,
        }
    }

    fn entry(&self) -> CodeEntry {
        CodeEntry {
            code: self.code.get_untracked().trim().to_uppercase(),
            zh: self.zh.get_untracked(),
            en: self.en.get_untracked(),
            retired: self.retired.get_untracked(),
        }
    }
}

/// The lists by key: `"causes"`, `"resolutions"`, then `"faults:<category>"` for each category.
type Lists = Vec<(String, RwSignal<Vec<Row>>)>;

fn lists_of(book: &CodeBook) -> Lists {
    let rows = |list: &[CodeEntry]| RwSignal::new(list.iter().map(|e| Row::of(e, true)).collect());
    let mut lists = vec![
        ("causes".to_owned(), rows(&book.causes)),
        ("resolutions".to_owned(), rows(&book.resolutions)),
    ];
    lists.extend(
        book.faults
            .iter()
            .map(|(category, list)| (format!("faults:{category}"), rows(list))),
    );
    lists
}

fn book_of(lists: &Lists) -> CodeBook {
    let entries = |rows: &RwSignal<Vec<Row>>| rows.get_untracked().iter().map(Row::entry).collect();
    let mut book = CodeBook {
        faults: Default::default(),
        causes: Vec::new(),
        resolutions: Vec::new(),
    };
    for (key, rows) in lists {
        match key.strip_prefix("faults:") {
            Some(category) => {
                book.faults.insert(category.to_owned(), entries(rows));
            }
            None if key == "resolutions" => book.resolutions = entries(rows),
            None => book.causes = entries(rows),
        }
    }
    book
}

#[component]
pub fn CodeLists() -> impl IntoView {
    let shell = shell();
    let lists = RwSignal::new(Lists::new());
    let version = RwSignal::new(None::<u64>);
    let open = RwSignal::new("causes".to_owned());
    let new_category = RwSignal::new(String::new());
    let failed = RwSignal::new(None::<UiError>);
    let may_change = shell
        .status
        .get_untracked()
        .and_then(|s| s.signed_in)
        .is_some_and(|u| matches!(u.role, Role::ServiceManager | Role::Admin));
    spawn_local(async move {
        match backend().code_book_settings().await {
            Ok(s) => {
                lists.set(lists_of(&s.book));
                version.set(Some(s.version));
            }
            Err(e) => failed.set(Some(e)),
        }
    });
    let rows = move || {
        let key = open.get();
        lists
            .get()
            .into_iter()
            .find(|(k, _)| *k == key)
            .map(|(_, rows)| rows)
    };
    let add = move |_| {
        if let Some(rows) = rows() {
            rows.update(|r| {
                r.push(Row::of(
                    &CodeEntry {
                        code: String::new(),
                        zh: String::new(),
                        en: String::new(),
                        retired: false,
                    },
                    false,
                ))
            });
        }
    };
    let add_category = move |_| {
        let category = new_category.get_untracked().trim().to_owned();
        if category.is_empty() {
            return;
        }
        let key = format!("faults:{category}");
        if !lists.get_untracked().iter().any(|(k, _)| *k == key) {
            lists.update(|l| l.push((key.clone(), RwSignal::new(Vec::new()))));
        }
        open.set(key);
        new_category.set(String::new());
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(at) = version.get_untracked() else {
            return;
        };
        let book = book_of(&lists.get_untracked());
        spawn_local(async move {
            match backend().save_code_book(at, book).await {
                Ok(s) => {
                    let key = open.get_untracked();
                    lists.set(lists_of(&s.book));
                    open.set(key);
                    version.set(Some(s.version));
                    shell.tell(Text::Saved.in_lang(lang().get_untracked()));
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    let names = move || {
        let l = lang().get();
        lists
            .get()
            .into_iter()
            .map(|(key, _)| {
                let name = match key.strip_prefix("faults:") {
                    Some(c) => format!(
                        "{} · {}",
                        Text::FaultCodes.in_lang(l),
                        format::category(c, l)
                    ),
                    None if key == "resolutions" => Text::ResolutionCodes.in_lang(l).to_owned(),
                    None => Text::CauseCodes.in_lang(l).to_owned(),
                };
                (key, name)
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="settings" id="code-lists">
            <h1>{tr(Text::CodeLists)}</h1>
            <p class="muted">{tr(Text::CodeListsExplained)}</p>
            {move || failed.get().map(|e| view! { <p class="message error">{crate::shell::said(&e)}</p> })}
            <form class="card" id="codes-form" on:submit=save>
                <div class="row">
                    <label>{tr(Text::CodeList)}
                        <select id="codes-list" prop:value=move || open.get() on:change=move |ev| open.set(event_target_value(&ev))>
                            {move || names().into_iter().map(|(key, name)| {
                                let selected = open.get_untracked() == key;
                                view! { <option value=key selected=selected>{name}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    {may_change.then(|| view! {
                        <label>{tr(Text::NewCategory)}
                            <input id="codes-new-category" bind:value=new_category/>
                        </label>
                        <button type="button" id="codes-add-category" on:click=add_category>{tr(Text::AddCategory)}</button>
                    })}
                </div>
                <table class="orders-table">
                    <thead><tr>
                        <th>{tr(Text::Code)}</th><th>"中文"</th><th>"English"</th><th>{tr(Text::Retired)}</th>
                    </tr></thead>
                    <tbody>
                        {move || rows().map(|rows| rows.get()).unwrap_or_default().into_iter().map(|r| view! {
                            <tr class="code" data-code=r.code.get_untracked()>
                                <td><label><span class="sr-only">{tr(Text::Code)}</span>
                                    <input class="code-code" bind:value=r.code disabled=r.fixed || !may_change/></label></td>
                                <td><label><span class="sr-only">"中文"</span>
                                    <input class="code-zh" bind:value=r.zh disabled=!may_change/></label></td>
                                <td><label><span class="sr-only">"English"</span>
                                    <input class="code-en" bind:value=r.en disabled=!may_change/></label></td>
                                <td><label class="switch"><input class="code-retired" type="checkbox" bind:checked=r.retired disabled=!may_change/>
                                    <span class="sr-only">{tr(Text::Retired)}</span></label></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                {may_change.then(|| view! {
                    <div class="row">
                        <button type="button" id="code-add" on:click=add>{tr(Text::AddCode)}</button>
                        <button type="submit" class="primary" id="codes-save">{tr(Text::SaveSchedule)}</button>
                    </div>
                })}
            </form>
        </section>
    }
}
