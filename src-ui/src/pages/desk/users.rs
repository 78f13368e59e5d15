//! Logins, for administrators: create one, disable one (someone left), enable it again, give it
//! a new password, another role, or sign it out of every device; and the security log beneath
//! (sign-ins, failed ones, lockouts, and each of these changes, with who made it and from where).

use fixline_core::ids::EngineerId;
use fixline_core::role::Role;
use fixline_core::security::{
    AccessChange, IntakeKeyInfo, RegisteredDevice, SecurityEvent, SecurityEventKind, User,
};
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
        SecurityEventKind::DeviceKeyRegistered => Text::EventDeviceKeyRegistered,
        SecurityEventKind::DeviceKeyRevoked => Text::EventDeviceKeyRevoked,
        SecurityEventKind::IntakeKeyAdded => Text::EventIntakeKeyAdded,
        SecurityEventKind::IntakeKeyRevoked => Text::EventIntakeKeyRevoked,
        SecurityEventKind::RoleChanged => Text::EventRoleChanged,
    }
    .in_lang(l)
}

#[component]
pub fn Users() -> impl IntoView {
    let shell = shell();
    let users = RwSignal::new(Vec::<User>::new());
    let events = RwSignal::new(Vec::<SecurityEvent>::new());
    let devices = RwSignal::new(Vec::<RegisteredDevice>::new());
    let intake = RwSignal::new(Vec::<IntakeKeyInfo>::new());
    // The engineer records a login may sign in as: (id, name · region).
    let engineers = RwSignal::new(Vec::<(EngineerId, String)>::new());
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
            if let Ok(list) = backend().colleagues().await {
                let _ = engineers.try_set(
                    list.into_iter()
                        .map(|c| (c.id, format!("{} · {}", c.name, c.region)))
                        .collect(),
                );
            }
            if let Ok(list) = backend().device_keys().await {
                let _ = devices.try_set(list);
            }
            if let Ok(list) = backend().intake_keys().await {
                let _ = intake.try_set(list);
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
    let done = move |answer: Result<(), UiError>| match answer {
        Ok(()) => {
            shell.tell(Text::Saved.in_lang(lang().get_untracked()));
            load();
        }
        Err(e) => shell.fail(&e),
    };
    let revoke_device =
        move |key: String| spawn_local(async move { done(backend().revoke_device_key(key).await) });
    let revoke_intake =
        move |id: String| spawn_local(async move { done(backend().revoke_intake_key(id).await) });
    let state = move |revoked: bool| {
        if revoked {
            tr(Text::Revoked)()
        } else {
            tr(Text::Active)()
        }
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
                    <For each=move || users.get() key=|u| (u.id, u.disabled, u.role) let:user>
                        <UserRow user=user change=change engineers=engineers/>
                    </For>
                </tbody>
            </table>
            <NewLogin engineers=engineers created=move || load()/>
            <h2>{tr(Text::Devices)}</h2>
            <table class="orders-table" id="device-keys">
                <thead><tr>
                    <th>{tr(Text::Username)}</th><th>{tr(Text::KeyLabel)}</th><th>{tr(Text::RegisteredAt)}</th>
                    <th>{tr(Text::AccountState)}</th><th>{tr(Text::Actions)}</th>
                </tr></thead>
                <tbody>
                    {move || devices.get().into_iter().map(|d| {
                        let key = d.public_key.clone();
                        let revoked = d.revoked_at.is_some();
                        view! {
                            <tr class="device-key" data-key=d.public_key.clone()>
                                <td>{d.username}</td>
                                <td>{d.name}<br/><code class="muted">{d.public_key.chars().take(16).collect::<String>()}"…"</code></td>
                                <td>{crate::format::time(d.registered_at)}</td>
                                <td class="key-state">{state(revoked)}</td>
                                <td>{(!revoked).then(|| view! {
                                    <button class="key-revoke danger" on:click=move |_| revoke_device(key.clone())>{tr(Text::Revoke)}</button>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <h2>{tr(Text::IntakeKeys)}</h2>
            <table class="orders-table" id="intake-keys">
                <thead><tr>
                    <th>{tr(Text::Channel)}</th><th>{tr(Text::KeyLabel)}</th><th>{tr(Text::RegisteredAt)}</th>
                    <th>{tr(Text::AccountState)}</th><th>{tr(Text::Actions)}</th>
                </tr></thead>
                <tbody>
                    {move || intake.get().into_iter().map(|k| {
                        let id = k.id.clone();
                        let revoked = k.revoked_at.is_some();
                        view! {
                            <tr class="intake-key" data-key=k.id.clone()>
                                <td>{crate::format::channel(k.channel, lang().get())}</td>
                                <td>{k.label}</td>
                                <td>{crate::format::time(k.created_at)}</td>
                                <td class="key-state">{state(revoked)}</td>
                                <td>{(!revoked).then(|| view! {
                                    <button class="key-revoke danger" on:click=move |_| revoke_intake(id.clone())>{tr(Text::Revoke)}</button>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
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
                                {e.detail.as_deref().and_then(Role::parse).map(|r| view! { <span class="detail">{role_text(r, l)}</span>" " })}
                                <span class="muted">{e.address.unwrap_or_default()}</span>
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
            <super::transfer::FileTransfer/>
        </section>
    }
}

#[component]
fn UserRow(
    user: User,
    change: impl Fn(User, AccessChange) + Copy + Send + Sync + 'static,
    engineers: RwSignal<Vec<(EngineerId, String)>>,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let resetting = RwSignal::new(false);
    let changing_role = RwSignal::new(false);
    let role = RwSignal::new(user.role);
    let engineer = RwSignal::new(user.engineer_id.map(|e| e.to_string()).unwrap_or_default());
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
    let save_role = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        changing_role.set(false);
        let role = role.get_untracked();
        let engineer_id = (role == Role::Engineer)
            .then(|| engineer.get_untracked().parse().ok())
            .flatten();
        change(
            act.get_value(),
            AccessChange::ChangeRole { role, engineer_id },
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
                    <button class="user-role" on:click=move |_| changing_role.update(|r| *r = !*r)>{tr(Text::ChangeRole)}</button>
                })}
                <Show when=move || changing_role.get()>
                    <form class="user-role-form row" on:submit=save_role>
                        <RolePicker role engineer engineers/>
                        <button type="submit" class="primary user-role-save">{tr(Text::Save)}</button>
                    </form>
                </Show>
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

/// A login's role, and for an engineer's login the engineer record it signs in as.
#[component]
fn RolePicker(
    role: RwSignal<Role>,
    engineer: RwSignal<String>,
    engineers: RwSignal<Vec<(EngineerId, String)>>,
) -> impl IntoView {
    const ROLES: [Role; 5] = [
        Role::Dispatcher,
        Role::ServiceManager,
        Role::ComplaintHandler,
        Role::Engineer,
        Role::Admin,
    ];
    view! {
        <label>{tr(Text::LoginRole)}
            <select class="role-pick" on:change=move |ev| {
                if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) }
            }>
                {ROLES.map(|r| view! {
                    <option value=r.as_str() selected=move || role.get() == r>{move || role_text(r, lang().get())}</option>
                }).collect_view()}
            </select>
        </label>
        <Show when=move || role.get() == Role::Engineer>
            <label>{tr(Text::EngineerRecord)}
                <select class="engineer-pick" required on:change=move |ev| engineer.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {move || engineers.get().into_iter().map(|(id, name)| {
                        let id = id.to_string();
                        let chosen = engineer.get_untracked() == id;
                        view! { <option value=id.clone() selected=chosen>{name}</option> }
                    }).collect_view()}
                </select>
            </label>
        </Show>
    }
}

/// A new login: user name, name, role (an engineer's names its engineer record), and the
/// first password, which the administrator hands over.
#[component]
fn NewLogin(
    engineers: RwSignal<Vec<(EngineerId, String)>>,
    created: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let shell = shell();
    let (username, name, password) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let role = RwSignal::new(Role::Dispatcher);
    let engineer = RwSignal::new(String::new());
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let role = role.get_untracked();
        let new = fixline_api::session::NewUser {
            username: username.get_untracked().trim().to_owned(),
            display_name: name.get_untracked(),
            password: password.get_untracked(),
            role,
            engineer_id: (role == Role::Engineer)
                .then(|| engineer.get_untracked().parse().ok())
                .flatten(),
        };
        spawn_local(async move {
            match backend().add_user(new).await {
                Ok(_) => {
                    username.set(String::new());
                    name.set(String::new());
                    password.set(String::new());
                    shell.tell(Text::Saved.in_lang(lang().get_untracked()));
                    created();
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    view! {
        <h2>{tr(Text::NewLogin)}</h2>
        <form class="form-grid" id="new-login" on:submit=create>
            <label>{tr(Text::Username)}<input id="new-login-username" autocomplete="off" required bind:value=username/></label>
            <label>{tr(Text::DisplayName)}<input id="new-login-name" required bind:value=name/></label>
            <label>{tr(Text::Password)}<input id="new-login-password" type="password" autocomplete="new-password" minlength="8" required bind:value=password/></label>
            <RolePicker role engineer engineers/>
            <div class="row"><button type="submit" class="primary" id="new-login-create">{tr(Text::CreateLogin)}</button></div>
        </form>
    }
}
