//! Fault, cause and resolution codes on screen: the pickers of the completion form and the
//! words a coded job is shown with, from the code book in force (the device's synced copy in
//! the app, the server's in the browser).

use fixline_core::customer::Language;
use fixline_core::fault_code::{CodeBook, CodeEntry, CodeKind};
use leptos::prelude::*;

use crate::i18n::{Lang, Text, lang, tr};

pub fn language(l: Lang) -> Language {
    match l {
        Lang::Zh => Language::ZhCn,
        Lang::En => Language::En,
    }
}

/// "RF02 压缩机不启动", or the bare code when the book does not know it.
pub fn words(book: &CodeBook, kind: CodeKind, category: &str, code: &str, l: Lang) -> String {
    match book.find(kind, category, code) {
        Some(entry) => format!("{} {}", entry.code, entry.words(language(l))),
        None => code.to_owned(),
    }
}

/// A select over a list's codes still offered (and the one already chosen, if retired since),
/// with "—" for none.
#[component]
pub fn CodePicker(
    id: &'static str,
    label: Text,
    list: Vec<CodeEntry>,
    value: RwSignal<String>,
) -> impl IntoView {
    let chosen = value.get_untracked();
    let offered: Vec<CodeEntry> = list
        .into_iter()
        .filter(|c| !c.retired || c.code == chosen)
        .collect();
    view! {
        <label>{tr(label)}
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="">"—"</option>
                {offered.into_iter().map(|c| {
                    let (value_attr, label, code) = (c.code.clone(), c.code.clone(), c.code.clone());
                    view! {
                        <option value=value_attr selected=move || value.get() == code>
                            {label}" "{move || c.words(language(lang().get())).to_owned()}
                        </option>
                    }
                }).collect_view()}
            </select>
        </label>
    }
}
