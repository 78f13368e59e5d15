//! One job: the customer's file (contacts to call, the site on a map, equipment with warranty,
//! past jobs), the request, and the actions the state machine allows now, each one tap.

use fixline_core::customer::{CustomerFile, WarrantyState};
use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::position::Position;
use fixline_core::sync::Colleague;
use fixline_core::work_order::{Action, ActionKind, PauseReason, ResolutionType, WorkOrder};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{JobDetail, UiError, backend, now};
use crate::components::codes::CodePicker;
use crate::drafts;
use crate::format;
use crate::geo::current_position;
use crate::i18n::{Lang, Text, lang, tr};
use crate::pages::capture::Capture;
use crate::routes::Screen;
use crate::shell::shell;

/// Farther than this from the site at check-in gets a warning.
const FAR_METRES: f64 = 500.0;

#[component]
pub fn Job(id: WorkOrderId) -> impl IntoView {
    let shell = shell();
    // A reload that changes nothing leaves the screen alone: the app syncs every minute, and
    // redrawing would wipe a half-drawn signature or a part being typed.
    let detail = crate::shell::reloading(move || backend().job(id));
    let colleagues = RwSignal::new(Vec::<Colleague>::new());
    spawn_local(async move {
        if let Ok(list) = backend().colleagues().await {
            colleagues.set(list);
        }
    });
    view! {
        <section class="job">
            <button class="back" on:click=move |_| shell.go(Screen::Jobs)>"← "{tr(Text::Back)}</button>
            {move || match detail.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(d)) => view! { <JobBody detail=d colleagues=colleagues/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn JobBody(detail: JobDetail, colleagues: RwSignal<Vec<Colleague>>) -> impl IntoView {
    let lang = lang();
    let wo = detail.job.work_order.clone();
    let site = detail.job.site.clone();
    let (sla, sla_class) = format::sla(&wo.sla, now(), lang.get_untracked());
    view! {
        <header class="job-head">
            <span class=format::priority_class(wo.priority)>{wo.priority.as_str()}</span>
            <h1 id="job-number">{wo.number.clone()}</h1>
            <span class="status" id="job-status" data-status=wo.status.as_str()>{move || format::status(wo.status, lang.get())}</span>
            <span class=sla_class>{sla}</span>
            {(detail.job.pending > 0).then(|| view! {
                <span class="badge pending" id="job-pending">{detail.job.pending}" "{tr(Text::WaitingToSync)}</span>
            })}
        </header>
        {detail.job.removed_reason.clone().map(|r| view! { <p class="message error">{tr(Text::Reassigned)}": "{r}</p> })}
        <ActionPanel work_order=wo.clone() site=site.as_ref().and_then(|s| s.details.position) colleagues=colleagues/>
        <Capture job=detail.job.clone() customer=detail.customer.clone() can=available_to_me(&wo)/>
        <div class="grid">
            <article class="card">
                <h2>{tr(Text::Symptom)}</h2>
                <p id="symptom">{wo.symptom.clone()}</p>
                {wo.requested_window.map(|w| view! {
                    <p><strong>{tr(Text::Window)}": "</strong>{format::time(w.start)}" – "{format::time(w.end)}</p>
                })}
                <h2>{tr(Text::Notes)}</h2>
                <ul class="notes">
                    {wo.notes.iter().rev().map(|n| view! {
                        <li><span class="muted">{format::time(n.at)}" "{n.author_name.clone()}</span><br/>{n.text.clone()}</li>
                    }).collect_view()}
                </ul>
                <h2>{tr(Text::Visits)}</h2>
                <ul>
                    {wo.visits.iter().map(|v| view! {
                        <li>"#"{v.number}" "{format::time(v.checked_in_at)}
                            {v.checked_out_at.map(|t| format!(" – {}", format::time(t)))}</li>
                    }).collect_view()}
                </ul>
            </article>
            {detail.customer.map(|file| view! { <CustomerCard file=file site_id=wo.site_id/> })}
            <crate::pages::knowledge::JobHelpCard job=wo.id/>
        </div>
    }
}

/// What the signed-in user may do to the job now.
fn available_to_me(wo: &WorkOrder) -> Vec<ActionKind> {
    shell()
        .status
        .get_untracked()
        .and_then(|s| s.signed_in)
        .map(|u| wo.available_actions(&u.actor()))
        .unwrap_or_default()
}

#[component]
fn CustomerCard(file: CustomerFile, site_id: fixline_core::ids::SiteId) -> impl IntoView {
    let shell = shell();
    let lang = lang();
    let today = crate::clock::today();
    let site = file.sites.iter().find(|s| s.id == site_id).cloned();
    view! {
        <article class="card customer">
            <h2>{tr(Text::Customer)}</h2>
            <p id="customer-name"><strong>{file.customer.details.name.clone()}</strong></p>
            <h3>{tr(Text::Contacts)}</h3>
            <ul>
                {file.contacts.iter().map(|c| {
                    let phone = c.details.phone.clone().unwrap_or_default();
                    view! {
                        <li>{c.details.name.clone()}" "{c.details.title.clone().unwrap_or_default()}" "
                            <a class="tel" href=format!("tel:{}", phone.replace(' ', ""))>{phone.clone()}</a></li>
                    }
                }).collect_view()}
            </ul>
            {site.map(|s| {
                // GCJ-02 for AMap, the name encoded (see `map_link`).
                let map = s
                    .details
                    .position
                    .map(|p| fixline_core::map_link::amap(p, &s.details.name));
                view! {
                    <h3>{tr(Text::Site)}</h3>
                    <p id="site-address">{s.details.address.clone()}" "{s.details.city.clone()}</p>
                    {s.details.access_notes.clone().map(|n| view! { <p class="muted">{n}</p> })}
                    {map.map(|m| view! { <a class="map" href=m target="_blank" rel="noopener">{tr(Text::OpenMap)}</a> })}
                }
            })}
            <h3>{tr(Text::Assets)}</h3>
            <ul>
                {file.assets.iter().map(|a| {
                    let model = a.details.model.clone();
                    let warranty = a.warranty_state(today);
                    view! {
                        <li class="asset">
                            <strong>{model.clone()}</strong>" · "{a.details.serial.clone()}" · "
                            <span class=move || match warranty { WarrantyState::InWarranty { .. } => "ok", _ => "warn" }>
                                {move || warranty_text(warranty, lang.get())}
                            </span>" "
                            <button class="link guide-link" on:click=move |_| shell.go(Screen::Guides(Some(model.clone())))>
                                {tr(Text::Guides)}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <h3>{tr(Text::PastJobs)}</h3>
            <ul class="past">
                {file.work_orders.clone().into_iter().map(|w| {
                    let status = w.status;
                    let resolution = w.resolution;
                    view! {
                        <li>{w.number}" "{format::time(w.created_at)}" · "{move || format::status(status, lang.get())}
                            {move || resolution.map(|r| format!(" · {}", format::resolution(r, lang.get())))}
                            " · "{w.symptom}</li>
                    }
                }).collect_view()}
            </ul>
        </article>
    }
}

fn warranty_text(w: WarrantyState, lang: Lang) -> String {
    match w {
        WarrantyState::InWarranty { ends, .. } => {
            format!("{} ({ends})", Text::InWarranty.in_lang(lang))
        }
        WarrantyState::Expired { ended } => {
            format!("{} ({ended})", Text::OutOfWarranty.in_lang(lang))
        }
        WarrantyState::Unknown => Text::Warranty.in_lang(lang).to_owned() + " ?",
    }
}

/// A form some actions need before they can be sent.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Form {
    Complete,
    Decline,
    HandOver,
    Note,
}

impl Form {
    /// The action the form sends.
    fn kind(self) -> ActionKind {
        match self {
            Form::Complete => ActionKind::Complete,
            Form::Decline => ActionKind::Decline,
            Form::HandOver => ActionKind::HandOver,
            Form::Note => ActionKind::AddNote,
        }
    }
}

#[component]
fn ActionPanel(
    work_order: WorkOrder,
    site: Option<Position>,
    colleagues: RwSignal<Vec<Colleague>>,
) -> impl IntoView {
    let shell = shell();
    let id = work_order.id;
    let actor = shell
        .status
        .get_untracked()
        .and_then(|s| s.signed_in)
        .map(|u| u.actor());
    let available: Vec<ActionKind> = actor
        .as_ref()
        .map(|a| work_order.available_actions(a))
        .unwrap_or_default();
    let me = actor.and_then(|a| a.engineer);
    // The open form and what is typed in it survive a redraw of the screen (see `drafts`).
    let form = drafts::kept(id, "form", || None::<Form>);
    // An opened form comes into view down to its submit button: on a phone it opens below the
    // step buttons, out of sight.
    Effect::new(move |_| {
        if form.get().is_some() {
            request_animation_frame(|| {
                if let Some(el) = document().get_element_by_id("action-form") {
                    el.scroll_into_view_with_bool(false);
                }
            });
        }
    });
    // A form kept from before is shown again only while its action still can be taken (the
    // job may have moved on meanwhile, e.g. through a sync).
    if form
        .get_untracked()
        .is_some_and(|f| !available.contains(&f.kind()))
    {
        form.set(None);
    }
    let reason = drafts::kept(id, "reason", String::new);
    let summary = drafts::kept(id, "summary", String::new);
    let resolution = drafts::kept(id, "resolution", || "on_site_repair".to_owned());
    // What was wrong and what was done, from the category's codes (empty: not chosen).
    let fault_code = drafts::kept(id, "fault-code", String::new);
    let cause_code = drafts::kept(id, "cause-code", String::new);
    let resolution_code = drafts::kept(id, "resolution-code", String::new);
    // The code book as synced (the app) or in force (the browser); the built-in one until read.
    let codes = LocalResource::new(|| async move { backend().code_book().await });
    let category = work_order.category.clone();
    let book = move || codes.get().and_then(Result::ok).unwrap_or_default();
    let colleague = RwSignal::new(String::new());
    let busy = RwSignal::new(false);

    let send = move |action: Action| {
        busy.set(true);
        spawn_local(async move {
            match backend().act(id, action).await {
                Ok(_) => {
                    form.set(None);
                    reason.set(String::new());
                    summary.set(String::new());
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
            busy.set(false);
        });
    };
    let arrive = move |_| {
        busy.set(true);
        let lang = lang().get_untracked();
        spawn_local(async move {
            let here = current_position().await;
            match (here, site) {
                (Some(h), Some(s)) => {
                    let metres = h.distance_m(&s);
                    let text = format!("{:.1} km {}", metres / 1000.0, Text::AtSite.in_lang(lang));
                    if metres > FAR_METRES {
                        shell.message.set(Some((
                            true,
                            format!("{text} — {}", Text::FarFromSite.in_lang(lang)),
                        )));
                    } else {
                        shell.tell(text);
                    }
                }
                (None, _) => shell.tell(Text::NoPosition.in_lang(lang)),
                _ => {}
            }
            send(Action::Arrive { position: here });
        });
    };
    let has = move |k: ActionKind| available.contains(&k);
    let tap = move |action: Action| move |_| send(action.clone());
    view! {
        <div class="actions" id="actions">
            {has(ActionKind::Accept).then(|| view! { <button id="act-accept" class="primary big" disabled=move || busy.get() on:click=tap(Action::Accept)>{tr(Text::Accept)}</button> })}
            {has(ActionKind::StartTravel).then(|| view! { <button id="act-start_travel" class="primary big" disabled=move || busy.get() on:click=tap(Action::StartTravel)>{tr(Text::StartTravel)}</button> })}
            {has(ActionKind::Arrive).then(|| view! { <button id="act-arrive" class="primary big" disabled=move || busy.get() on:click=arrive>{tr(Text::Arrive)}</button> })}
            {has(ActionKind::Complete).then(|| view! { <button id="act-complete" class="primary big" on:click=move |_| form.set(Some(Form::Complete))>{tr(Text::Complete)}</button> })}
            {has(ActionKind::Resume).then(|| view! { <button id="act-resume" class="big" disabled=move || busy.get() on:click=tap(Action::Resume)>{tr(Text::Resume)}</button> })}
            {has(ActionKind::Pause).then(|| view! {
                <button id="act-pause-parts" class="big" disabled=move || busy.get() on:click=tap(Action::Pause { reason: PauseReason::AwaitingParts, note: None })>{tr(Text::PauseParts)}</button>
                <button id="act-pause-customer" class="big" disabled=move || busy.get() on:click=tap(Action::Pause { reason: PauseReason::AwaitingCustomer, note: None })>{tr(Text::PauseCustomer)}</button>
            })}
            {has(ActionKind::Decline).then(|| view! { <button id="act-decline" class="big" on:click=move |_| form.set(Some(Form::Decline))>{tr(Text::Decline)}</button> })}
            {has(ActionKind::HandOver).then(|| view! { <button id="act-hand_over" class="big" on:click=move |_| form.set(Some(Form::HandOver))>{tr(Text::HandOver)}</button> })}
            {has(ActionKind::AddNote).then(|| view! { <button id="act-note" class="big" on:click=move |_| form.set(Some(Form::Note))>{tr(Text::AddNote)}</button> })}
        </div>
        {move || form.get().map(|f| {
            let submit = move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let action = match f {
                    Form::Complete => Action::Complete {
                        resolution: match resolution.get().as_str() {
                            "remote_guidance" => ResolutionType::RemoteGuidance,
                            "exchange" => ResolutionType::Exchange,
                            "return" => ResolutionType::Return,
                            _ => ResolutionType::OnSiteRepair,
                        },
                        summary: summary.get(),
                        position: None,
                        fault_code: Some(fault_code.get()).filter(|c| !c.is_empty()),
                        cause_code: Some(cause_code.get()).filter(|c| !c.is_empty()),
                        resolution_code: Some(resolution_code.get()).filter(|c| !c.is_empty()),
                    },
                    Form::Decline => Action::Decline { reason: reason.get() },
                    Form::HandOver => match colleague.get().parse::<EngineerId>() {
                        Ok(to) => Action::HandOver { to, reason: reason.get() },
                        Err(_) => return shell.fail(&UiError::new("invalid_input", Text::Colleague.in_lang(lang().get_untracked()))),
                    },
                    Form::Note => Action::AddNote { text: summary.get() },
                };
                send(action);
            };
            view! {
                <form class="card action-form" id="action-form" on:submit=submit>
                    {(f == Form::Complete).then(|| view! {
                        <label>{tr(Text::Resolution)}
                            <select id="resolution" on:change=move |ev| resolution.set(event_target_value(&ev))>
                                <option value="on_site_repair" selected>{tr(Text::OnSiteRepair)}</option>
                                <option value="remote_guidance">{tr(Text::RemoteGuidance)}</option>
                                <option value="exchange">{tr(Text::Exchange)}</option>
                                <option value="return">{tr(Text::Return)}</option>
                            </select>
                        </label>
                        {
                            let category = category.clone();
                            move || {
                                let book = book();
                                let faults = book.faults(&category).to_vec();
                                view! {
                                    {(!faults.is_empty()).then(|| view! {
                                        <CodePicker id="fault-code" label=Text::FaultCode list=faults value=fault_code/>
                                    })}
                                    <CodePicker id="cause-code" label=Text::CauseCode list=book.causes.clone() value=cause_code/>
                                    <CodePicker id="resolution-code" label=Text::ResolutionCode list=book.resolutions.clone() value=resolution_code/>
                                }
                            }
                        }
                    })}
                    {matches!(f, Form::Complete | Form::Note).then(|| view! {
                        <label>{move || if f == Form::Note { tr(Text::Notes)() } else { tr(Text::Summary)() }}
                            <textarea id="summary" rows="4" bind:value=summary required></textarea>
                        </label>
                    })}
                    {(f == Form::HandOver).then(|| view! {
                        <label>{tr(Text::Colleague)}
                            <select id="colleague" on:change=move |ev| colleague.set(event_target_value(&ev)) required>
                                <option value="">"—"</option>
                                {move || colleagues.get().into_iter().filter(|c| Some(c.id) != me).map(|c| view! {
                                    <option value=c.id.to_string()>{c.name}" · "{c.region}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    })}
                    {matches!(f, Form::Decline | Form::HandOver).then(|| view! {
                        <label>{tr(Text::Reason)}<input id="reason" bind:value=reason required/></label>
                    })}
                    <div class="row">
                        <button id="form-submit" class="primary big" type="submit" disabled=move || busy.get()>{tr(Text::Confirm)}</button>
                        <button type="button" class="big" on:click=move |_| form.set(None)>{tr(Text::Cancel)}</button>
                    </div>
                </form>
            }
        })}
    }
}
