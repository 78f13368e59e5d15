//! What customers were told (主动沟通): each notice of each job on each channel, with where it
//! stands (sent, waiting, given up, skipped and why), and the dead letters resent from here
//! once the cause is fixed (the mail server is back, the address corrected).

use fixline_core::notify::{Delivery, DeliveryState, NoticeEvent};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::backend;
use crate::format;
use crate::i18n::{Lang, Text, lang, tr};
use crate::shell::shell;

pub(super) fn event_text(e: NoticeEvent, l: Lang) -> &'static str {
    match e {
        NoticeEvent::RequestReceived => Text::NoticeRequestReceived,
        NoticeEvent::EngineerAssigned => Text::NoticeEngineerAssigned,
        NoticeEvent::OnTheWay => Text::NoticeOnTheWay,
        NoticeEvent::Delayed => Text::NoticeDelayed,
        NoticeEvent::Arrived => Text::NoticeArrived,
        NoticeEvent::Completed => Text::NoticeCompleted,
        NoticeEvent::ComplaintAcknowledged => Text::NoticeComplaintAcknowledged,
        NoticeEvent::ComplaintUpdated => Text::NoticeComplaintUpdated,
        NoticeEvent::ComplaintResolved => Text::NoticeComplaintResolved,
    }
    .in_lang(l)
}

fn state_text(s: DeliveryState, l: Lang) -> &'static str {
    match s {
        DeliveryState::Pending | DeliveryState::Sending => Text::NoticeWaiting,
        DeliveryState::Sent => Text::NoticeSent,
        DeliveryState::Dead => Text::NoticeDead,
        DeliveryState::Skipped => Text::NoticeSkipped,
    }
    .in_lang(l)
}

#[component]
pub fn Notifications() -> impl IntoView {
    let dead_only = RwSignal::new(false);
    let list = crate::shell::reloading(move || backend().notifications(dead_only.get()));
    crate::shell::follow_live();
    view! {
        <section class="notifications">
            <h1>{tr(Text::Notifications)}</h1>
            <p class="muted">{tr(Text::NotificationsExplained)}</p>
            <label class="switch">
                <input id="notices-dead-only" type="checkbox" bind:checked=dead_only/>
                {tr(Text::NoticeDeadOnly)}
            </label>
            {move || match list.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(notices)) if notices.is_empty() => view! { <p class="muted" id="no-notices">{tr(Text::NoNotices)}</p> }.into_any(),
                Some(Ok(notices)) => view! {
                    <table class="orders-table" id="notices">
                        <thead><tr>
                            <th>{tr(Text::Time)}</th><th>{tr(Text::NoticeEvent)}</th><th>{tr(Text::NoticeTo)}</th>
                            <th>{tr(Text::NoticeState)}</th><th></th>
                        </tr></thead>
                        <tbody>
                            {notices.into_iter().map(|d| view! { <NoticeRow notice=d/> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
pub(super) fn NoticeRow(notice: Delivery) -> impl IntoView {
    let shell = shell();
    let lang = lang();
    let busy = RwSignal::new(false);
    let id = notice.id.to_string();
    let resend = {
        let id = id.clone();
        move |_| {
            busy.set(true);
            let id = id.clone();
            spawn_local(async move {
                match backend().resend_notification(id).await {
                    Ok(_) => {
                        shell.tell(Text::NoticeResent.in_lang(lang.get_untracked()));
                        shell.changed();
                    }
                    Err(e) => shell.fail(&e),
                }
                busy.set(false);
            });
        }
    };
    let (event, state) = (notice.event, notice.state);
    view! {
        <tr class="notice" data-id=id data-state=state.as_str() data-event=event.as_str()>
            <td>{format::time(notice.created_at)}</td>
            <td>{move || event_text(event, lang.get())}</td>
            <td>{notice.channel.as_str()}" · "{notice.recipient.clone()}</td>
            <td class="notice-state">
                {move || state_text(state, lang.get())}
                {(notice.attempts > 0).then(|| format!(" ×{}", notice.attempts))}
                {notice.last_error.clone().map(|e| view! { <br/><span class="muted">{e}</span> })}
            </td>
            <td>{(state == DeliveryState::Dead).then(|| view! {
                <button class="notice-resend" disabled=move || busy.get() on:click=resend.clone()>{tr(Text::NoticeResend)}</button>
            })}</td>
        </tr>
    }
}
