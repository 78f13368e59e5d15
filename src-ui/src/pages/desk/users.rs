//! Logins, for administrators: disable one (someone left), enable it again, give it a new
//! password, or sign it out of every device; and the security log beneath (sign-ins, failed
//! ones, lockouts, and each of these changes, with who made it and from where).

use fixline_core::role::Role;
use fixline_core::security::{AccessChange, SecurityEvent, SecurityEventKind, User};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{UiError, backend};
use crate::i18n::{Lang, Text, lang, tr};
use crate::shell::shell;

fn role_text(role: Role, l: Lang) -> &'static str {
    match role {
        Role::Engineer => Text::RoleEngineer,
        Role::Dispatcher => Text::RoleDispatcher,
        Role::ServiceManager => Text::RoleServiceManager,
        Role::ComplaintHandler => Text::RoleComplaintHandler,
        Role::Admin => Text::RoleAdmin,
    }
    .in_lang(l)
}

fn event_text(kind: SecurityEventKind, l: Lang) -> &'static str {
    match kind {
        SecurityEventKind::SignedIn => Text::EventSignedIn,
        SecurityEventKind::SignInFailed => Text::EventSignInFailed,
        SecurityEventKind::LockedOut => Text::EventLockedOut,
        SecurityEventKind::UserCreated => Text::EventUserCreated,
        SecurityEventKind::UserDisabled => Text::EventUserDisabled,
        SecurityEventKind::UserEnabled => Text::EventUserEnabled,
        SecurityEventKind::PasswordReset => Text::EventPasswordReset,
        SecurityEventKind::SessionsRevoked => Text::EventSessionsRevoked,
    }
    .in_lang(l)
}

#[component]
pub fn Users() -> impl IntoView {
    let shell = shell();
    let users = RwSignal::new(Vec::<User>::new());
    let events = RwSignal::new(Vec::<SecurityEvent>::new());
    let failed = RwSignal::new(None::<UiError>);
    let load = move || {
        spawn_local(async move {
            match backend().users().await {
                Ok(list) => {
                    let _ = users.try_set(list);
                }
                Err(e) => {
                    let _ = failed.try_set(Some(e));
                }
            }
            if let Ok(log) = backend().security_events().await {
                let _ = events.try_set(log);
            }
        });
    };
    load();
    let change = move |user: User, change: AccessChange| {
        spawn_local(async move {
            match backend().change_access(user.id, change).await {
                Ok(_) => {
                    shell.tell(Text::Saved.in_lang(lang().get_untracked()));
                    load();
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    view! {
        <section class="users">
            <h1>{tr(Text::Users)}</h1>
            {move || failed.get().map(|e| view! { <p class="message error">{crate::shell::said(&e)}</p> })}
            <table class="orders-table" id="users">
                <thead><tr>
                    <th>{tr(Text::Username)}</th><th>{tr(Text::DisplayName)}</th><th>{tr(Text::Role)}</th>
                    <th>{tr(Text::AccountState)}</th><th>{tr(Text::Actions)}</th>
                </tr></thead>
                <tbody>
                    <For each=move || users.get() key=|u| (u.id, u.disabled) let:user>
                        <UserRow user=user change=change/>
                    </For>
                </tbody>
            </table>
            <h2>{tr(Text::SecurityLog)}</h2>
            <ul class="security-log" id="security-log">
                {move || {
                    let l = lang().get();
                    events.get().into_iter().map(|e| {
                        let who = match (&e.actor, &e.subject) {
                            (Some(actor), Some(subject)) => format!("{actor} → {subject}"),
                            (None, Some(subject)) => subject.clone(),
                            (Some(actor), None) => actor.clone(),
                            (None, None) => String::new(),
                        };
                        view! {
                            <li class="security-event" data-kind=e.kind.as_str()>
                                <time>{crate::format::time(e.at)}</time>" "
                                <strong>{event_text(e.kind, l)}</strong>" "
                                <span class="who">{who}</span>" "
                                <span class="muted">{e.address.unwrap_or_default()}</span>
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
        </section>
    }
}

#[component]
fn UserRow(
    user: User,
    change: impl Fn(User, AccessChange) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let resetting = RwSignal::new(false);
    let me = shell()
        .status
        .get_untracked()
        .and_then(|s| s.signed_in)
        .is_some_and(|s| s.id == user.id);
    let row = user.clone();
    let act = StoredValue::new(user.clone());
    let reset = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = password.get_untracked();
        password.set(String::new());
        resetting.set(false);
        change(
            act.get_value(),
            AccessChange::ResetPassword { password: typed },
        );
    };
    let on = |u: &User, c: AccessChange| {
        let u = u.clone();
        move |_| change(u.clone(), c.clone())
    };
    view! {
        <tr class="user" data-user=row.username.clone() class:disabled=row.disabled>
            <td>{row.username.clone()}</td>
            <td>{row.display_name.clone()}</td>
            <td>{move || role_text(row.role, lang().get())}</td>
            <td class="user-state">{move || if row.disabled { tr(Text::Disabled)() } else { tr(Text::Active)() }}</td>
            <td class="row">
                {(!me).then(|| if user.disabled {
                    view! { <button class="user-enable" on:click=on(&user, AccessChange::Enable)>{tr(Text::Enable)}</button> }.into_any()
                } else {
                    view! { <button class="user-disable danger" on:click=on(&user, AccessChange::Disable)>{tr(Text::Disable)}</button> }.into_any()
                })}
                <button class="user-reset" on:click=move |_| resetting.update(|r| *r = !*r)>{tr(Text::ResetPassword)}</button>
                {(!me).then(|| view! {
                    <button class="user-sign-out" on:click=on(&user, AccessChange::SignOutEverywhere)>{tr(Text::SignOutEverywhere)}</button>
                })}
                <Show when=move || resetting.get()>
                    <form class="user-password" on:submit=reset>
                        <label>{tr(Text::NewPassword)}
                            <input class="user-new-password" type="password" autocomplete="new-password" minlength="8" required bind:value=password/>
                        </label>
                        <button type="submit" class="primary user-password-save">{tr(Text::Save)}</button>
                    </form>
                </Show>
            </td>
        </tr>
    }
}
