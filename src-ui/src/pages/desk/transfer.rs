//! The customer file in and out as CSV, for administrators: an export per table, and an import
//! that says what it did with every row (created, already on file, refused with the line, the
//! column and why), so a migration from another system can be corrected and run again.

use fixline_api::transfer::{FileTable, ImportReport, RefusedRow};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::backend::backend;
use crate::i18n::{Lang, Text, lang, tr};
use crate::shell::shell;

fn table_text(table: FileTable) -> Text {
    match table {
        FileTable::Customers => Text::Customers,
        FileTable::Sites => Text::Sites,
        FileTable::Assets => Text::Assets,
    }
}

fn summary(r: &ImportReport, l: Lang) -> String {
    let refused = r.refused.len();
    match l {
        Lang::Zh => format!(
            "共 {} 行：新建 {}，已在档案中 {}，未导入 {}",
            r.rows, r.created, r.unchanged, refused
        ),
        Lang::En => format!(
            "{} rows: {} created, {} already on file, {} refused",
            r.rows, r.created, r.unchanged, refused
        ),
    }
}

fn refusal(r: &RefusedRow, l: Lang) -> String {
    let why = match (r.code.as_str(), r.field.as_deref()) {
        ("conflict", _) => Text::RowRefusedConflict,
        (_, Some("customer_id" | "site_id")) if r.message.contains("on file") => {
            Text::RowRefusedMissingParent
        }
        _ => Text::RowRefusedInvalid,
    };
    let line = match l {
        Lang::Zh => format!("第 {} 行", r.line),
        Lang::En => format!("Line {}", r.line),
    };
    let field = r
        .field
        .as_deref()
        .map(|f| format!(" · {f}"))
        .unwrap_or_default();
    format!("{line}{field}: {} ({})", why.in_lang(l), r.message)
}

#[component]
pub fn FileTransfer() -> impl IntoView {
    view! {
        <section class="file-transfer" id="file-transfer">
            <h2>{tr(Text::FileTransfer)}</h2>
            <p class="muted">{tr(Text::FileTransferHint)}</p>
            {FileTable::ALL.into_iter().map(|table| view! { <TableTransfer table=table/> }).collect_view()}
        </section>
    }
}

#[component]
fn TableTransfer(table: FileTable) -> impl IntoView {
    let shell = shell();
    let report = RwSignal::new(None::<ImportReport>);
    let busy = RwSignal::new(false);
    let export = move |_| {
        spawn_local(async move {
            match backend().export_table(table).await {
                Ok(url) => save(&url, &format!("fixline-{}.csv", table.name())),
                Err(e) => shell.fail(&e),
            }
        });
    };
    let pick = move |ev: leptos::ev::Event| {
        let Some(file) = crate::components::picked_files(&ev).into_iter().next() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let answer = match crate::components::file_bytes(&file).await {
                Ok(bytes) => backend().import_table(table, bytes).await,
                Err(e) => Err(e),
            };
            let _ = busy.try_set(false);
            match answer {
                Ok(r) => {
                    let _ = report.try_set(Some(r));
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    let name = table.name();
    view! {
        <div class="table-transfer" data-table=name>
            <h3>{move || table_text(table).in_lang(lang().get())}</h3>
            <div class="row">
                <button class="transfer-export" on:click=export>{tr(Text::ExportCsv)}</button>
                <label class="button transfer-import">
                    {tr(Text::ImportCsv)}
                    <input type="file" accept=".csv,text/csv" class="transfer-file"
                        disabled=move || busy.get() on:change=pick/>
                </label>
            </div>
            {move || report.get().map(|r| {
                let l = lang().get();
                view! {
                    <div class="import-report" role="status">
                        <p class="import-summary">{summary(&r, l)}</p>
                        <ul class="import-refused">
                            {r.refused.iter().map(|row| view! {
                                <li class="refused-row" data-line=row.line>{refusal(row, l)}</li>
                            }).collect_view()}
                        </ul>
                    </div>
                }
            })}
        </div>
    }
}

/// Offers an object URL to the browser as a download.
fn save(url: &str, file_name: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(link) = document.create_element("a") else {
        return;
    };
    let _ = link.set_attribute("href", url);
    let _ = link.set_attribute("download", file_name);
    if let Some(link) = link.dyn_ref::<web_sys::HtmlElement>() {
        link.click();
    }
}
