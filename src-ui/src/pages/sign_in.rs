//! Sign in, which also pairs the device with its server (the app remembers the address).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{backend, storage_get, storage_set};
use crate::i18n::{Text, lang, tr};
use crate::shell::shell;

#[component]
pub fn SignIn() -> impl IntoView {
    let shell = shell();
    let fixed = backend().fixed_server();
    let server = RwSignal::new(
        fixed
            .clone()
            .or_else(|| storage_get("fixline.server"))
            .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned()),
    );
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let (s, u, p) = (server.get(), username.get(), password.get());
        spawn_local(async move {
            match backend().sign_in(s.clone(), u, p).await {
                Ok(user) => {
                    storage_set("fixline.server", Some(&s));
                    // Who signed in is known now, before any screen asks.
                    let who = user.clone();
                    shell
                        .status
                        .update(|st| st.get_or_insert_with(Default::default).signed_in = Some(who));
                    shell.tell(format!(
                        "{}{}",
                        Text::SignedInAs.in_lang(lang().get_untracked()),
                        user.display_name
                    ));
                    // The day and times shown are the service area's: know them first.
                    crate::clock::load().await;
                    shell.go(shell.landing(user.role.is_desk()));
                    shell.changed();
                    // First sync of the day right away: the jobs, customer files and guides.
                    shell.sync();
                }
                Err(e) => shell.fail(&e),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card sign-in" on:submit=submit>
            <h1>{tr(Text::SignIn)}</h1>
            <Show when=move || fixed.is_none()>
                <label>{tr(Text::Server)}
                    <input id="server" type="url" bind:value=server required/>
                </label>
            </Show>
            <label>{tr(Text::Username)}
                <input id="username" autocomplete="username" bind:value=username required/>
            </label>
            <label>{tr(Text::Password)}
                <input id="password" type="password" autocomplete="current-password" bind:value=password required/>
            </label>
            <button id="sign-in" class="primary" type="submit" disabled=move || busy.get()>{tr(Text::SignIn)}</button>
        </form>
    }
}
