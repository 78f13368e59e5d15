//! The review (定期复盘) beside the dashboard: the monthly or quarterly review pack as a PDF,
//! the figures and the jobs behind them as CSV or XLSX, and the improvement actions (what, who,
//! by when, which KPI; then how it went), so the next review can check each.

use fixline_api::kpi::KpiQuery;
use fixline_core::improvement::{ActionDetails, ActionStatus, ImprovementAction};
use fixline_core::kpi::Kpi;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::dashboard::kpi_name;
use crate::backend::{UiError, backend, kpi_query, object_url};
use crate::i18n::{Lang, Text, lang, tr};
use crate::shell::shell;

/// A file fetched from the server, offered as a link (and opened at once).
#[component]
fn Download(
    id: &'static str,
    label: Text,
    file_name: Signal<String>,
    mime: &'static str,
    path: Signal<String>,
) -> impl IntoView {
    let shell = shell();
    let href = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let fetch = move |_| {
        busy.set(true);
        let path = path.get_untracked();
        spawn_local(async move {
            match backend()
                .kpi_file(path)
                .await
                .and_then(|b| object_url(&b, mime))
            {
                Ok(url) => href.set(Some(url)),
                Err(e) => shell.fail(&e),
            }
            busy.set(false);
        });
    };
    view! {
        <span class="download">
            <button type="button" id=id disabled=move || busy.get() on:click=fetch>{tr(label)}</button>
            {move || href.get().map(|url| view! {
                <a class="download-link" id=format!("{id}-link") href=url download=file_name.get()>{move || file_name.get()}</a>
            })}
        </span>
    }
}

/// This month's review pack and the exports of the question on screen.
#[component]
pub fn ReviewTools(asked: RwSignal<KpiQuery>) -> impl IntoView {
    let lang = lang();
    let today = crate::clock::today();
    let last_month = chrono::Datelike::with_day(&today, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(today);
    let period = RwSignal::new(last_month.format("%Y-%m").to_string());
    let code = move || lang.get().code();
    let export = move |format: &'static str, what: &'static str| {
        Signal::derive(move || {
            format!(
                "export?{}&format={format}&what={what}&lang={}",
                kpi_query(&asked.get()),
                code()
            )
        })
    };
    view! {
        <section class="card review-tools">
            <h2>{tr(Text::ReviewPack)}</h2>
            <p class="muted">{tr(Text::ReviewPackExplained)}</p>
            <div class="row">
                <label>{tr(Text::ReviewPeriod)}<input id="review-period" bind:value=period placeholder="2026-11 / 2026-Q4"/></label>
                <Download id="review-make" label=Text::MakeReviewPack mime="application/pdf"
                    file_name=Signal::derive(move || format!("fixline-review-{}.pdf", period.get()))
                    path=Signal::derive(move || format!("review?period={}&lang={}", js_sys::encode_uri_component(&period.get()), code()))/>
            </div>
            <div class="row">
                <Download id="export-csv" label=Text::ExportCsv mime="text/csv"
                    file_name=Signal::derive(|| "fixline-kpis.csv".to_owned()) path=export("csv", "table")/>
                <Download id="export-xlsx" label=Text::ExportXlsx
                    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                    file_name=Signal::derive(|| "fixline-kpis.xlsx".to_owned()) path=export("xlsx", "table")/>
                <Download id="export-jobs" label=Text::ExportJobs
                    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                    file_name=Signal::derive(|| "fixline-kpi-jobs.xlsx".to_owned()) path=export("xlsx", "jobs")/>
            </div>
        </section>
    }
}

fn status_name(s: ActionStatus, l: Lang) -> &'static str {
    let (zh, en) = s.names();
    if l == Lang::Zh { zh } else { en }
}

/// The improvement actions, and a form for a new one.
#[component]
pub fn Improvements() -> impl IntoView {
    let shell = shell();
    let lang = lang();
    let actions = crate::shell::reloading(|| backend().improvement_actions());
    let what = RwSignal::new(String::new());
    let owner = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let kpi = RwSignal::new(Kpi::FirstTimeFix);
    let failed = RwSignal::new(None::<UiError>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(due_day) = due.get_untracked().parse() else {
            failed.set(Some(UiError::new("invalid_input", "due")));
            return;
        };
        let details = ActionDetails {
            what: what.get_untracked(),
            owner: owner.get_untracked(),
            due: due_day,
            kpi: kpi.get_untracked(),
            status: ActionStatus::Planned,
            outcome: None,
        };
        spawn_local(async move {
            match backend().save_improvement_action(None, details).await {
                Ok(_) => {
                    failed.set(None);
                    what.set(String::new());
                    shell.tell(Text::Saved.in_lang(lang.get_untracked()));
                    shell.changed();
                }
                Err(e) => failed.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card improvements">
            <h2>{tr(Text::ImprovementActions)}</h2>
            {move || failed.get().map(|e| view! { <p class="message error" id="action-error">{crate::shell::said(&e)}</p> })}
            <ul class="call-list" id="actions">
                {move || actions.get().and_then(Result::ok).unwrap_or_default().into_iter()
                    .map(|a| view! { <Action action=a/> }).collect_view()}
            </ul>
            <form class="form-grid" id="action-form" on:submit=add>
                <label class="wide">{tr(Text::ActionWhat)}<input id="action-what" bind:value=what required/></label>
                <label>{tr(Text::ActionOwner)}<input id="action-owner" bind:value=owner required/></label>
                <label>{tr(Text::ActionDue)}<input id="action-due" type="date" bind:value=due required/></label>
                <label>{tr(Text::ActionKpi)}
                    <select id="action-kpi" on:change=move |ev| {
                        if let Some(k) = Kpi::parse(&event_target_value(&ev)) { kpi.set(k) }
                    }>
                        {Kpi::ALL.map(|k| view! {
                            <option value=k.as_str() selected=move || kpi.get() == k>{move || kpi_name(k, lang.get())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <div class="row"><button type="submit" class="primary" id="action-add">{tr(Text::AddAction)}</button></div>
            </form>
        </section>
    }
}

/// One action: its plan, and its status and outcome to change.
#[component]
fn Action(action: ImprovementAction) -> impl IntoView {
    let shell = shell();
    let lang = lang();
    let status = RwSignal::new(action.details.status);
    let outcome = RwSignal::new(action.details.outcome.clone().unwrap_or_default());
    let failed = RwSignal::new(None::<UiError>);
    let overdue = action.overdue(crate::clock::today());
    let kept = StoredValue::new(action.clone());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let a = kept.get_value();
        let details = ActionDetails {
            status: status.get_untracked(),
            outcome: Some(outcome.get_untracked()),
            ..a.details
        };
        spawn_local(async move {
            match backend()
                .save_improvement_action(Some((a.id, a.version)), details)
                .await
            {
                Ok(_) => {
                    shell.tell(Text::Saved.in_lang(lang.get_untracked()));
                    shell.changed();
                }
                Err(e) => failed.set(Some(e)),
            }
        });
    };
    let d = &action.details;
    view! {
        <li class="card action" data-status=d.status.as_str()>
            <p><strong class="action-what">{d.what.clone()}</strong></p>
            <p class="muted">{d.owner.clone()}" · "{d.due.to_string()}" · "{kpi_name(d.kpi, lang.get_untracked())}
                {overdue.then(|| view! { " · "<span class="chip signal">{tr(Text::Overdue)}</span> })}</p>
            {move || failed.get().map(|e| view! { <p class="message error">{crate::shell::said(&e)}</p> })}
            <form class="row" on:submit=save>
                <label>{tr(Text::Status)}
                    <select class="action-status" on:change=move |ev| {
                        if let Some(s) = ActionStatus::ALL.into_iter().find(|s| s.as_str() == event_target_value(&ev)) { status.set(s) }
                    }>
                        {ActionStatus::ALL.map(|s| view! {
                            <option value=s.as_str() selected=move || status.get() == s>{move || status_name(s, lang.get())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="wide">{tr(Text::ActionOutcome)}<input class="action-outcome" bind:value=outcome/></label>
                <button type="submit" class="action-save">{tr(Text::Save)}</button>
            </form>
        </li>
    }
}
