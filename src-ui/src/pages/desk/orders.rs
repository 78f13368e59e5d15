//! The desk's work orders: every job, whatever its state (the board shows only the day's open
//! ones), found by number, symptom, customer or address and by status. A click opens the job in
//! a side panel with its details and the lifecycle actions the role may take.

use fixline_core::ids::WorkOrderId;
use fixline_core::work_order::{Action, HistoryEntry, HistoryEvent, Status};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::actions::DeskActions;
use crate::backend::{JobDetail, UiError, backend};
use crate::format;
use crate::i18n::{Text, lang, tr};
use crate::shell::shell;

/// The list's query string for the server: `q` and `status`, encoded.
fn query(text: &str, status: &str) -> String {
    let mut parts = vec!["per_page=100".to_owned()];
    if !text.trim().is_empty() {
        parts.push(format!(
            "q={}",
            js_sys::encode_uri_component(text.trim())
                .as_string()
                .unwrap_or_default()
        ));
    }
    match status {
        "" => {}
        "open" => parts.push("open=true".to_owned()),
        s => parts.push(format!("status={s}")),
    }
    parts.join("&")
}

#[component]
pub fn Orders(open: Option<WorkOrderId>) -> impl IntoView {
    let lang = lang();
    let text = RwSignal::new(String::new());
    let status = RwSignal::new("open".to_owned());
    let selected = RwSignal::new(open);
    // The open job is in the address: a reload or a shared link opens it again.
    Effect::new(move |_| {
        crate::routes::record(&crate::routes::Screen::Orders(selected.get()), false)
    });
    crate::shell::follow_live();
    let list =
        crate::shell::reloading(move || backend().work_orders(query(&text.get(), &status.get())));
    view! {
        <section class="orders desk-split">
            <super::pending::PendingIntakes/>
            <div class="orders-list">
                <div class="row">
                    <h1>{tr(Text::WorkOrders)}</h1>
                    <label class="grow">
                        <span class="sr-only">{tr(Text::FilterJobs)}</span>
                        <input id="orders-search" type="search" placeholder=tr(Text::FilterJobs) bind:value=text/>
                    </label>
                    <label>{tr(Text::Status)}" "
                        <select id="orders-status" on:change=move |ev| status.set(event_target_value(&ev))>
                            <option value="open" selected>{tr(Text::OpenJobs)}</option>
                            <option value="">{tr(Text::AllJobs)}</option>
                            {Status::ALL.map(|s| view! {
                                <option value=s.as_str()>{move || format::status(s, lang.get())}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </div>
                {move || match list.get() {
                    None => view! { <p class="muted">"…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                    Some(Ok(items)) if items.is_empty() => view! { <p class="muted">{tr(Text::NoJobs)}</p> }.into_any(),
                    Some(Ok(items)) => view! {
                        <table class="orders-table">
                            <thead><tr>
                                <th>"#"</th><th>{tr(Text::Priority)}</th><th>{tr(Text::Status)}</th>
                                <th>{tr(Text::Category)}</th><th>{tr(Text::Symptom)}</th><th>{tr(Text::Created)}</th>
                            </tr></thead>
                            <tbody>
                                {items.into_iter().map(|o| {
                                    let id = o.id;
                                    view! {
                                        <tr class="order-row" data-number=o.number.clone()
                                            class:selected=move || selected.get() == Some(id)>
                                            <td><button class="link order-open" on:click=move |_| selected.set(Some(id))>{o.number.clone()}</button></td>
                                            <td><span class=format::priority_class(o.priority)>{o.priority.as_str()}</span></td>
                                            <td class="order-status">{move || format::status(o.status, lang.get())}</td>
                                            <td>{move || format::category(&o.category, lang.get())}</td>
                                            <td>{o.symptom.clone()}</td>
                                            <td>{format::time(o.created_at)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }}
            </div>
            {move || selected.get().map(|id| view! { <OrderPanel id=id close=move || selected.set(None)/> })}
        </section>
    }
}

/// One history entry in words: who, and what it left the job as (or why it was placed there).
fn history_line(h: &HistoryEntry, lang: crate::i18n::Lang) -> String {
    let who = match &h.actor {
        Some(a) if a.user == fixline_core::auto_assign::actor().user => {
            Text::AutoAssign.in_lang(lang).to_owned()
        }
        Some(a) => a.name.clone(),
        None => Text::Channel.in_lang(lang).to_owned(),
    };
    let what = match &h.event {
        HistoryEvent::AutoAssigned { why, .. } => format::auto_assignment(why, lang),
        HistoryEvent::Action { action } => {
            let reason = match action {
                Action::Cancel { reason } | Action::Reopen { reason } => format!(" ({reason})"),
                _ => String::new(),
            };
            format!("→ {}{reason}", format::status(h.status_after, lang))
        }
        _ => format!("→ {}", format::status(h.status_after, lang)),
    };
    format!("{who}: {what}")
}

/// One job in the side panel: what it is, for whom, what it needs, and the desk's actions.
#[component]
pub fn OrderPanel(
    id: WorkOrderId,
    close: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let shell = shell();
    let lang = lang();
    let detail = RwSignal::new(None::<Result<JobDetail, UiError>>);
    let engineers = RwSignal::new(Vec::new());
    let history = RwSignal::new(Vec::<HistoryEntry>::new());
    let survey = RwSignal::new(None::<fixline_core::survey::Survey>);
    let tracking = RwSignal::new(None::<String>);
    let codes = LocalResource::new(|| async move { backend().code_book().await });
    Effect::new(move |_| {
        shell.revision.track();
        spawn_local(async move {
            detail.set(Some(backend().job(id).await));
            if let Ok(h) = backend().history(id).await {
                history.set(h);
            }
            // Not answered (yet) is no error.
            survey.set(backend().survey(id).await.ok());
            tracking.set(backend().tracking_link(id).await.ok().map(|l| l.url));
            if let Ok(list) = backend().colleagues().await {
                engineers.set(
                    list.into_iter()
                        .map(|c| (c.id, format!("{} · {}", c.name, c.region)))
                        .collect(),
                );
            }
        });
    });
    view! {
        <aside class="side-panel card" id="order-panel" aria-label=tr(Text::WorkOrders)>
            <button class="small close" aria-label=tr(Text::Close) on:click=move |_| close()>"✕"</button>
            {move || match detail.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(d)) => {
                    let w = d.job.work_order.clone();
                    let site = d.job.site.clone();
                    let needs = w.required_skill().map(|(s, l)| format!("{} ≥ {l}", format::category(&s, lang.get())));
                    view! {
                        <h2 data-number=w.number.clone()>{w.number.clone()}" · "{d.job.customer_name.clone().unwrap_or_default()}</h2>
                        {site.map(|s| view! { <p>{s.details.address.clone()}" · "{s.details.city.clone()}</p> })}
                        <p class="muted">{w.symptom.clone()}</p>
                        <p>
                            <span class=format::priority_class(w.priority)>{w.priority.as_str()}</span>" "
                            <span id="panel-status">{format::status(w.status, lang.get())}</span>" · "{format::category(&w.category, lang.get())}" · "{format::channel(w.channel, lang.get())}
                        </p>
                        {w.resolution.clone().filter(|r| r.fault_code.is_some() || r.cause_code.is_some() || r.resolution_code.is_some()).map(|r| {
                            use fixline_core::fault_code::CodeKind;
                            let category = w.category.clone();
                            let words = move |kind: CodeKind, code: &Option<String>| {
                                let book = codes.get().and_then(Result::ok).unwrap_or_default();
                                code.as_deref()
                                    .map(|c| crate::components::codes::words(&book, kind, &category, c, lang.get()))
                                    .unwrap_or_else(|| "—".to_owned())
                            };
                            view! {
                                <p id="panel-codes">
                                    {tr(Text::FaultCode)}": "{let (w, c) = (words.clone(), r.fault_code.clone()); move || w(CodeKind::Fault, &c)}" · "
                                    {tr(Text::CauseCode)}": "{let (w, c) = (words.clone(), r.cause_code.clone()); move || w(CodeKind::Cause, &c)}" · "
                                    {tr(Text::ResolutionCode)}": "{let (w, c) = (words.clone(), r.resolution_code.clone()); move || w(CodeKind::Resolution, &c)}
                                </p>
                            }
                        })}
                        <p id="panel-requirements" class="muted">
                            {tr(Text::RequiredSkill)}": "{needs.unwrap_or_else(|| "—".to_owned())}
                            {w.requirements.certification.clone().map(|c| view! { " · "{tr(Text::Certification)}": "{c} })}
                            {w.requirements.minutes.map(|m| view! { " · "{move || crate::format::minutes(f64::from(m), lang.get())} })}
                        </p>
                        {(!w.notes.is_empty()).then(|| view! {
                            <ul class="notes">{w.notes.iter().map(|n| view! {
                                <li>{format::time(n.at)}" "{n.text.clone()}</li>
                            }).collect_view()}</ul>
                        })}
                        {move || survey.get().map(|s| {
                            let a = s.answer;
                            view! {
                                <section id="panel-survey" data-fixed=a.fixed.to_string()>
                                    <h3>{tr(Text::SurveyTitle)}</h3>
                                    <p>{tr(Text::SurveyScores)}": "{format!("{}/5 · {}/10 · {}/7", a.csat, a.nps, a.effort)}
                                        " · "{if a.fixed { tr(Text::SurveyFixed) } else { tr(Text::SurveyNotFixed) }}
                                        {(s.source == fixline_core::survey::SurveySource::ReturnCall).then(|| view! { " · "{tr(Text::SurveyByCall)} })}
                                    </p>
                                    {a.comment.map(|c| view! { <blockquote class="survey-comment">{c}</blockquote> })}
                                </section>
                            }
                        })}
                        {move || tracking.get().map(|url| view! {
                            <p id="panel-tracking">
                                {tr(Text::TrackingLink)}": "
                                <a id="panel-tracking-link" href=url.clone() target="_blank" rel="noopener">{url.clone()}</a>
                            </p>
                        })}
                        {move || view! { <DeskActions work_order=w.clone() engineers=engineers.get()/> }}
                        <h3>{tr(Text::History)}</h3>
                        <ol class="history" id="panel-history">
                            {move || history.get().into_iter().rev().map(|h| view! {
                                <li>
                                    <span class="muted">{format::time(h.at)}" "</span>
                                    {history_line(&h, lang.get())}
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }
            }}
        </aside>
    }
}
