//! The app frame: header, the always-visible sync status line, and the current screen.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{backend, storage_set};
use crate::components::status_line::StatusLine;
use crate::i18n::{Lang, Text, lang, tr};
use crate::pages;
use crate::routes::Screen;
use crate::shell::Shell;

#[component]
pub fn App() -> impl IntoView {
    let shell = Shell {
        screen: RwSignal::new(Screen::SignIn),
        status: RwSignal::new(None),
        revision: RwSignal::new(0),
        message: RwSignal::new(None),
        syncing: RwSignal::new(false),
    };
    provide_context(shell);
    shell.reload_status();
    crate::on_the_way::report_while_on_the_way();
    let lang = lang();
    Effect::new(move |_| {
        let code = lang.get().code();
        storage_set("fixline.lang", Some(code));
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", code);
        }
    });

    let signed_in = move || {
        shell
            .status
            .get()
            .and_then(|s| s.signed_in)
            .map(|u| u.display_name)
    };
    // The desk (dispatchers, managers, admins) gets the console instead of "my jobs". A memo:
    // the status reloads after every change, and only a change of role may rebuild the screen
    // (which would lose the console's chosen day and filters).
    let desk = Memo::new(move |_| {
        shell
            .status
            .get()
            .and_then(|s| s.signed_in)
            .is_some_and(|u| u.role.is_desk())
    });
    // Service managers and admins review quality.
    let reviewer = Memo::new(move |_| {
        shell
            .status
            .get()
            .and_then(|s| s.signed_in)
            .is_some_and(|u| {
                matches!(
                    u.role,
                    fixline_core::role::Role::ServiceManager | fixline_core::role::Role::Admin
                )
            })
    });
    // Engineers see their own scorecard.
    let is_engineer = Memo::new(move |_| {
        shell
            .status
            .get()
            .and_then(|s| s.signed_in)
            .is_some_and(|u| u.role == fixline_core::role::Role::Engineer)
    });
    // Complaint handlers, service managers and admins work complaints.
    let complaint_staff = Memo::new(move |_| {
        shell
            .status
            .get()
            .and_then(|s| s.signed_in)
            .is_some_and(|u| {
                use fixline_core::role::Role;
                matches!(
                    u.role,
                    Role::ComplaintHandler | Role::ServiceManager | Role::Admin
                )
            })
    });
    let is_admin = Memo::new(move |_| {
        shell
            .status
            .get()
            .and_then(|s| s.signed_in)
            .is_some_and(|u| u.role == fixline_core::role::Role::Admin)
    });
    // Whose "jobs" screen to draw is known only once the user is: until then, neither (the
    // engineer's list loaded for a dispatcher cost 200 requests at every sign-in).
    let known = Memo::new(move |_| {
        shell
            .status
            .with(|s| s.as_ref().is_some_and(|s| s.signed_in.is_some()))
    });
    let sign_out = move |_| {
        spawn_local(async move {
            match backend().sign_out().await {
                Ok(()) => {
                    crate::routes::forget();
                    shell.go(Screen::SignIn);
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    // Side panels open just below the header, whose height changes with the language, the
    // role's buttons and the window's width.
    let header = NodeRef::<leptos::html::Header>::new();
    let measure = move || {
        request_animation_frame(move || {
            if let (Some(h), Some(root)) = (header.get_untracked(), document().document_element()) {
                let _ =
                    root.set_attribute("style", &format!("--header-h: {}px", h.offset_height()));
            }
        });
    };
    Effect::new(move |_| {
        lang.track();
        shell.status.track();
        measure();
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    // The connection is back: screens load again (the browser variant has no sync to wait for).
    let online = window_event_listener(leptos::ev::online, move |_| shell.changed());
    // Back and Forward (and an address typed in) show the screen the address names.
    let back = window_event_listener(leptos::ev::popstate, move |_| {
        let signed_in = shell.status.with_untracked(|s| {
            s.as_ref()
                .and_then(|s| s.signed_in.as_ref())
                .map(|u| u.role.is_desk())
        });
        if let (Some(desk), Some(screen)) = (signed_in, crate::routes::current())
            && (desk || !screen.is_desk_only())
        {
            shell.screen.set(screen);
        }
    });
    on_cleanup(move || {
        resize.remove();
        online.remove();
        back.remove();
    });
    view! {
        <header class="top" node_ref=header>
            <button class="brand" on:click=move |_| shell.go(Screen::Jobs)>{tr(Text::AppName)}</button>
            <nav>
                <Show when=move || signed_in().is_some()>
                    <button id="nav-jobs" on:click=move |_| shell.go(Screen::Jobs)>
                        {move || if desk.get() { tr(Text::Dispatch)() } else { tr(Text::MyJobs)() }}
                    </button>
                    <Show when=move || desk.get()>
                        <button id="nav-call" on:click=move |_| shell.go(Screen::Call)>{tr(Text::NewRequest)}</button>
                        <button id="nav-orders" on:click=move |_| shell.go(Screen::Orders(None))>{tr(Text::WorkOrders)}</button>
                        <button id="nav-customers" on:click=move |_| shell.go(Screen::Customers(None))>{tr(Text::Customers)}</button>
                        <button id="nav-settings" on:click=move |_| shell.go(Screen::Settings)>{tr(Text::Settings)}</button>
                        <button id="nav-notifications" on:click=move |_| shell.go(Screen::Notifications)>{tr(Text::Notifications)}</button>
                        <button id="nav-articles" on:click=move |_| shell.go(Screen::Articles(None))>{tr(Text::Articles)}</button>
                        <Show when=move || is_admin.get()>
                            <button id="nav-users" on:click=move |_| shell.go(Screen::Users)>{tr(Text::Users)}</button>
                        </Show>
                    </Show>
                    <Show when=move || complaint_staff.get()>
                        <button id="nav-complaints" on:click=move |_| shell.go(Screen::Complaints(None))>{tr(Text::Complaints)}</button>
                    </Show>
                    <Show when=move || desk.get() || complaint_staff.get()>
                        <button id="nav-return-visits" on:click=move |_| shell.go(Screen::ReturnVisits)>{tr(Text::ReturnVisits)}</button>
                    </Show>
                    <Show when=move || reviewer.get()>
                        <button id="nav-quality" on:click=move |_| shell.go(Screen::Quality)>{tr(Text::Quality)}</button>
                        <button id="nav-dashboard" on:click=move |_| shell.go(Screen::Dashboard)>{tr(Text::Dashboard)}</button>
                    </Show>
                    <Show when=move || is_engineer.get()>
                        <button id="nav-scorecard" on:click=move |_| shell.go(Screen::Scorecard)>{tr(Text::MyScorecard)}</button>
                    </Show>
                    <button id="nav-guides" on:click=move |_| shell.go(Screen::Guides(None))>{tr(Text::Guides)}</button>
                    <button id="nav-receipts" on:click=move |_| shell.go(Screen::Receipts)>{tr(Text::SyncReceipts)}</button>
                    {crate::backend::backend().offline_capable().then(|| view! {
                        <button id="nav-printer" on:click=move |_| shell.go(Screen::Printer)>{tr(Text::Printer)}</button>
                    })}
                </Show>
                <button id="lang" on:click=move |_| lang.update(|l| *l = if *l == Lang::Zh { Lang::En } else { Lang::Zh })>
                    {tr(Text::Language)}
                </button>
                <Show when=move || signed_in().is_some()>
                    <crate::components::my_notices::MyNotices/>
                    <span class="who">{signed_in}</span>
                    <button id="sign-out" on:click=sign_out>{tr(Text::SignOut)}</button>
                </Show>
            </nav>
        </header>
        <StatusLine/>
        {move || shell.message.get().map(|(error, text)| view! {
            <p class=if error { "message error" } else { "message" } role="status"
               on:click=move |_| shell.message.set(None)>{text}</p>
        })}
        <main>
            {move || match shell.screen.get() {
                Screen::SignIn => view! { <pages::sign_in::SignIn/> }.into_any(),
                Screen::Jobs if !known.get() => view! { <p class="muted">"…"</p> }.into_any(),
                Screen::Jobs if desk.get() => view! { <pages::console::Console day=None/> }.into_any(),
                Screen::Board(day) if desk.get() => view! { <pages::console::Console day=Some(day)/> }.into_any(),
                Screen::Board(_) if !known.get() => view! { <p class="muted">"…"</p> }.into_any(),
                Screen::Board(_) => view! { <pages::jobs::Jobs/> }.into_any(),
                Screen::Jobs => view! { <pages::jobs::Jobs/> }.into_any(),
                Screen::Job(id) => view! { <pages::job::Job id=id/> }.into_any(),
                Screen::Guides(model) => view! { <pages::knowledge::Guides model=model/> }.into_any(),
                Screen::Article(id, job) => view! { <pages::knowledge::ArticleScreen id=id job=job/> }.into_any(),
                Screen::Articles(open) => view! { <pages::desk::knowledge::Articles open=open/> }.into_any(),
                Screen::Receipts => view! { <pages::receipts::Receipts/> }.into_any(),
                Screen::Printer => view! { <pages::printer::Printer/> }.into_any(),
                Screen::Orders(open) => view! { <pages::desk::orders::Orders open=open/> }.into_any(),
                Screen::Call => view! { <pages::desk::call::Call/> }.into_any(),
                Screen::Customers(open) => view! { <pages::desk::customers::Customers open=open/> }.into_any(),
                Screen::Settings => view! { <pages::desk::settings::Settings/> }.into_any(),
                Screen::Users => view! { <pages::desk::users::Users/> }.into_any(),
                Screen::Complaints(open) => view! { <pages::desk::complaints::Complaints open=open/> }.into_any(),
                Screen::ReturnVisits => view! { <pages::desk::return_visits::ReturnVisits/> }.into_any(),
                Screen::Quality => view! { <pages::desk::quality::Quality/> }.into_any(),
                Screen::Notifications => view! { <pages::desk::notifications::Notifications/> }.into_any(),
                Screen::Dashboard => view! { <pages::desk::dashboard::Dashboard/> }.into_any(),
                Screen::Scorecard => view! { <pages::scorecard::Scorecard/> }.into_any(),
            }}
        </main>
    }
}
