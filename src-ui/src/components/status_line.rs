//! The sync status line, always visible: last sync, pending changes, errors, "sync now". In
//! the app it also syncs by itself every minute.

use leptos::prelude::*;
use std::time::Duration;

use crate::backend::backend;
use crate::format;
use crate::i18n::{Text, lang, tr};
use crate::shell::shell;

#[component]
pub fn StatusLine() -> impl IntoView {
    let shell = shell();
    let lang = lang();
    let syncing = shell.syncing;
    let run = move || shell.sync();
    if backend().offline_capable() {
        set_interval(
            move || {
                if shell
                    .status
                    .get_untracked()
                    .is_some_and(|s| s.signed_in.is_some())
                {
                    run();
                }
            },
            Duration::from_secs(60),
        );
    }
    let line = move || {
        let l = lang.get();
        let Some(s) = shell.status.get() else {
            return String::new();
        };
        if !s.offline_capable {
            return Text::OnlineOnly.in_lang(l).to_owned();
        }
        let last = s
            .last_sync_at
            .map(format::time)
            .unwrap_or_else(|| Text::Never.in_lang(l).to_owned());
        let mut parts = vec![
            format!("{} {last}", Text::LastSync.in_lang(l)),
            format!("{} {}", s.pending, Text::Pending.in_lang(l)),
        ];
        if s.conflicts > 0 {
            parts.push(format!("{} {}", s.conflicts, Text::Conflicts.in_lang(l)));
        }
        if s.rejected > 0 {
            parts.push(format!("{} {}", s.rejected, Text::Rejected.in_lang(l)));
        }
        if s.files.not_on_server > 0 {
            // Upload progress: files the server's manifest does not list yet, bytes still to go.
            parts.push(format!(
                "{} {} ({} KB)",
                s.files.not_on_server,
                Text::FilesToUpload.in_lang(l),
                s.files.bytes_to_upload.div_ceil(1024)
            ));
        }
        if let Some(p) = s.progress.filter(|p| p.total > 0) {
            parts.push(format!(
                "{} {}%",
                Text::Syncing.in_lang(l),
                (p.done * 100 / p.total).min(100)
            ));
        }
        parts.join(" · ")
    };
    let error = move || {
        let s = shell.status.get().filter(|s| s.offline_capable)?;
        match s.last_error_code.as_deref() {
            Some("offline") => Some(Text::ServerUnreachable.in_lang(lang.get()).to_owned()),
            _ => s.last_error,
        }
    };
    view! {
        <div class="status-line" id="sync-status">
            <Show when=move || error().is_some()>
                <span class="badge offline" id="offline-badge">{tr(Text::Offline)}</span>
            </Show>
            <span id="sync-summary">{line}</span>
            <span class="sync-error">{error}</span>
            <Show when=move || shell.status.get().is_some_and(|s| s.offline_capable && s.signed_in.is_some())>
                <button id="sync-now" disabled=move || syncing.get() on:click=move |_| run()>
                    {move || if syncing.get() { tr(Text::Syncing)() } else { tr(Text::SyncNow)() }}
                </button>
            </Show>
        </div>
    }
}
