//! Integrations' webhooks, kept by the admin: add one (a name, the receiving address, the
//! events it wants) and hand its signing secret, shown once, to the other system; pause or
//! resume it; read what was sent to it and resend what failed.

use fixline_api::notices::{WebhookDraft, WebhookSettings};
use fixline_core::notify::{NoticeEvent, Webhook};
use fixline_core::role::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::backend;
use crate::i18n::{Text, lang, tr};
use crate::shell::shell;

#[component]
pub fn Integrations() -> impl IntoView {
    let shell = shell();
    let admin = shell
        .status
        .get_untracked()
        .and_then(|s| s.signed_in)
        .is_some_and(|u| u.role == Role::Admin);
    admin.then(|| view! { <Webhooks/> })
}

#[component]
fn Webhooks() -> impl IntoView {
    let shell = shell();
    let list = crate::shell::reloading(move || backend().webhooks());
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let events: Vec<(NoticeEvent, RwSignal<bool>)> = NoticeEvent::ALL
        .into_iter()
        .map(|e| (e, RwSignal::new(false)))
        .collect();
    let ticked = events.clone();
    let secret = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = WebhookDraft {
            name: name.get_untracked(),
            url: url.get_untracked(),
            events: ticked
                .iter()
                .filter(|(_, on)| on.get_untracked())
                .map(|(e, _)| *e)
                .collect(),
            active: true,
        };
        spawn_local(async move {
            match backend().add_webhook(draft).await {
                Ok(created) => {
                    secret.set(Some(created.secret));
                    name.set(String::new());
                    url.set(String::new());
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    view! {
        <section class="settings" id="webhooks">
            <h1>{tr(Text::Webhooks)}</h1>
            <p class="muted">{tr(Text::WebhooksExplained)}</p>
            {move || match list.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(settings)) => {
                    let WebhookSettings { webhooks, version } = settings;
                    view! {
                        <ul class="timeline" id="webhook-list">
                            {webhooks.into_iter().map(|w| view! { <HookRow hook=w version=version/> }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
            {move || secret.get().map(|s| view! {
                <p class="card" id="webhook-secret">{tr(Text::WebhookSecret)}" "<code>{s}</code></p>
            })}
            <form class="card form-grid" id="webhook-form" on:submit=add>
                <label>{tr(Text::WebhookName)}<input id="webhook-name" bind:value=name required/></label>
                <label class="wide">{tr(Text::WebhookUrl)}
                    <input id="webhook-url" type="url" placeholder="https://" bind:value=url required/></label>
                <fieldset class="wide">
                    <legend>{tr(Text::WebhookEvents)}</legend>
                    {events.into_iter().map(|(e, on)| view! {
                        <label class="switch">
                            <input type="checkbox" class="webhook-event" value=e.as_str() bind:checked=on/>
                            {move || super::notifications::event_text(e, lang().get())}
                        </label>
                    }).collect_view()}
                </fieldset>
                <div class="row wide">
                    <button type="submit" class="primary" id="webhook-add">{tr(Text::WebhookAdd)}</button>
                </div>
            </form>
        </section>
    }
}

/// One webhook: what it gets, pause or resume, and its delivery log.
#[component]
fn HookRow(hook: Webhook, version: u64) -> impl IntoView {
    let shell = shell();
    let showing_log = RwSignal::new(false);
    let id = hook.id;
    let active = hook.active;
    let toggle = {
        let hook = hook.clone();
        move |_| {
            let draft = WebhookDraft {
                name: hook.name.clone(),
                url: hook.url.clone(),
                events: hook.events.clone(),
                active: !active,
            };
            spawn_local(async move {
                match backend().change_webhook(id, version, draft).await {
                    Ok(_) => shell.changed(),
                    Err(e) => shell.fail(&e),
                }
            });
        }
    };
    let events = hook.events.clone();
    let l = move || lang().get();
    view! {
        <li class="webhook" data-id=id.to_string() data-active=active.to_string()>
            <strong>{hook.name.clone()}</strong>" · "<code>{hook.url.clone()}</code>" · "
            <span class="badge webhook-state">{move || if active { Text::WebhookActive } else { Text::WebhookPaused }.in_lang(l())}</span>
            <br/>
            <span class="muted">{move || if events.is_empty() {
                Text::WebhookAllEvents.in_lang(l()).to_owned()
            } else {
                events.iter().map(|e| super::notifications::event_text(*e, l())).collect::<Vec<_>>().join("、")
            }}</span>
            <div class="row">
                <button class="webhook-toggle" on:click=toggle>
                    {move || if active { Text::WebhookPause } else { Text::WebhookResume }.in_lang(l())}
                </button>
                <button class="webhook-log-toggle" aria-expanded=move || showing_log.get().to_string()
                    on:click=move |_| showing_log.update(|s| *s = !*s)>{tr(Text::WebhookLog)}</button>
            </div>
            {move || showing_log.get().then(|| view! { <HookLog id=id/> })}
        </li>
    }
}

#[component]
fn HookLog(id: uuid::Uuid) -> impl IntoView {
    let log = crate::shell::reloading(move || backend().webhook_log(id));
    move || {
        match log.get() {
        None => view! { <p class="muted">"…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
        Some(Ok(notices)) if notices.is_empty() => {
            view! { <p class="muted">{tr(Text::NoNotices)}</p> }.into_any()
        }
        Some(Ok(notices)) => view! {
            <table class="orders-table webhook-log">
                <thead><tr>
                    <th>{tr(Text::Time)}</th><th>{tr(Text::NoticeEvent)}</th><th>{tr(Text::NoticeTo)}</th>
                    <th>{tr(Text::NoticeState)}</th><th></th>
                </tr></thead>
                <tbody>
                    {notices.into_iter().map(|d| view! { <super::notifications::NoticeRow notice=d/> }).collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
    }
    }
}
