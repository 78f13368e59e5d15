//! Sync receipts: every action taken on this device and what became of it, and the conflicts
//! the server reported.

use fixline_core::device::{OutboxItem, OutboxState};
use fixline_core::sync::{PushOutcome, SyncConflict, describe};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{UiError, backend};
use crate::format;
use crate::i18n::{Text, lang, tr};
use crate::shell::shell;

#[component]
pub fn Receipts() -> impl IntoView {
    let shell = shell();
    let lang = lang();
    let items = RwSignal::new(None::<Result<Vec<OutboxItem>, UiError>>);
    let conflicts = RwSignal::new(Vec::<SyncConflict>::new());
    Effect::new(move |_| {
        shell.revision.track();
        spawn_local(async move {
            items.set(Some(backend().outbox().await));
            if let Ok(c) = backend().conflicts().await {
                conflicts.set(c);
            }
        });
    });
    let state_text = move |s: OutboxState| match s {
        OutboxState::Pending => tr(Text::WaitingToSync)(),
        OutboxState::Applied => tr(Text::Applied)(),
        OutboxState::Conflict => tr(Text::Conflicts)(),
        OutboxState::Rejected => tr(Text::Rejected)(),
    };
    view! {
        <section class="receipts">
            <h1>{tr(Text::SyncReceipts)}</h1>
            <Show when=move || !backend().offline_capable()>
                <p class="muted">{tr(Text::OnlineOnly)}</p>
            </Show>
            <ul class="receipt-list" id="receipts">
                {move || items.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|i| {
                    let why = match &i.outcome {
                        Some(PushOutcome::Conflict { message, .. }) | Some(PushOutcome::Rejected { message, .. }) => Some(message.clone()),
                        _ => i.last_error.clone(),
                    };
                    view! {
                        <li class=format!("receipt {}", i.state.as_str())>
                            <span class="badge">{state_text(i.state)}</span>" "
                            <span>{format::time(i.action.at)}" · "{describe(&i.action.action)}</span>
                            {why.map(|w| view! { <div class="muted">{w}</div> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <h2>{tr(Text::Conflicts)}</h2>
            <ul class="conflicts" id="conflicts">
                {move || conflicts.get().into_iter().map(|c| view! {
                    <li><strong>{c.work_order_number.clone()}</strong>" "{format::time(c.recorded_at)}<br/>{c.message.clone()}</li>
                }).collect_view()}
            </ul>
            {move || (lang.get() == crate::i18n::Lang::Zh).then_some(())}
        </section>
    }
}
