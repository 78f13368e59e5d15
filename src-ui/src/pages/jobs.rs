//! My jobs: today's and upcoming jobs in visiting order, with SLA countdown and priority colour.

use fixline_core::device::{ListDay, LocalJob};
use leptos::prelude::*;

use crate::backend::{backend, now};
use crate::format;
use crate::i18n::{Text, lang, tr};
use crate::routes::Screen;
use crate::shell::shell;

#[component]
pub fn Jobs() -> impl IntoView {
    let shell = shell();
    let jobs = crate::shell::reloading(|| backend().jobs());
    // Open jobs due today (or under way, or with no day) first, then later ones, then finished
    // ones: by the service area's local day.
    let (zone, today) = (crate::clock::zone(), crate::clock::today());
    let section = move |title: Text, which: ListDay| {
        let lang = lang();
        view! {
            <h2>{tr(title)}</h2>
            <ul class="job-list">
                {move || {
                    let list: Vec<LocalJob> = match jobs.get() {
                        Some(Ok(all)) => all.into_iter().filter(|j| j.list_day(zone, today) == which).collect(),
                        _ => Vec::new(),
                    };
                    if list.is_empty() {
                        return view! { <li class="empty">{tr(Text::NoJobs)}</li> }.into_any();
                    }
                    list.into_iter().map(|j| {
                        let id = j.work_order.id;
                        let wo = j.work_order.clone();
                        let (sla, sla_class) = format::sla(&wo.sla, now(), lang.get());
                        view! {
                            // The card is a link inside its list item, so the list stays a list to
                            // a screen reader and the card opens from the keyboard.
                            <li class="job-item"><div class="job-card" data-number=wo.number.clone() tabindex="0" role="link"
                                on:click=move |_| shell.go(Screen::Job(id))
                                on:keydown=move |ev| { if crate::format::activates(&ev) { shell.go(Screen::Job(id)) } }>
                                <span class=format::priority_class(wo.priority)>{wo.priority.as_str()}</span>
                                <div class="job-main">
                                    <div class="job-title">
                                        <strong>{wo.number.clone()}</strong>
                                        " "<span class="status">{format::status(wo.status, lang.get())}</span>
                                        {(j.pending > 0).then(|| view! { <span class="badge pending">{j.pending}" "{tr(Text::WaitingToSync)}</span> })}
                                        {j.removed_reason.clone().map(|_| view! { <span class="badge conflict">{tr(Text::Reassigned)}</span> })}
                                    </div>
                                    <div>{j.customer_name.clone().unwrap_or_default()}</div>
                                    <div class="muted">{j.site.as_ref().map(|s| s.details.address.clone()).unwrap_or_default()}</div>
                                    <div class="muted">{wo.symptom.clone()}</div>
                                </div>
                                <span class=sla_class>{sla}</span>
                            </div></li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
        }
    };
    view! {
        <section class="jobs">
            <h1>{tr(Text::MyJobs)}</h1>
            {move || match jobs.get() {
                Some(Err(e)) => Some(view! { <p class="message error">{crate::shell::said(&e)}</p> }),
                _ => None,
            }}
            <div id="jobs-today">{section(Text::Today, ListDay::Today)}</div>
            <div id="jobs-upcoming">{section(Text::Upcoming, ListDay::Upcoming)}</div>
            <div id="jobs-done">{section(Text::Done, ListDay::Done)}</div>
            <super::pool::Pool/>
        </section>
    }
}
