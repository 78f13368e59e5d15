//! The bell ("For me"): what concerns the signed-in member of staff (a job given to them, a complaint
//! escalated to their level or handed to them), unread first; opening one marks it read and
//! goes to the job or complaint. In a browser only: the app's job list is the engineer's.

use fixline_core::notify::{StaffNotice, StaffNoticeKind};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::backend;
use crate::i18n::{Lang, Text, lang, tr};
use crate::routes::Screen;
use crate::shell::shell;

/// The notice in the reader's words.
fn said(n: &StaffNotice, l: Lang) -> String {
    let (number, summary) = (&n.number, &n.summary);
    match (n.kind, l) {
        (StaffNoticeKind::JobAssigned, Lang::Zh) => format!("派给您的工单 {number}：{summary}"),
        (StaffNoticeKind::JobAssigned, Lang::En) => format!("Job {number} is yours: {summary}"),
        (StaffNoticeKind::ComplaintEscalated, Lang::Zh) => {
            format!("投诉 {number} 已升级到您这一级：{summary}")
        }
        (StaffNoticeKind::ComplaintEscalated, Lang::En) => {
            format!("Complaint {number} escalated to you: {summary}")
        }
        (StaffNoticeKind::ComplaintAssigned, Lang::Zh) => {
            format!("投诉 {number} 交给您处理：{summary}")
        }
        (StaffNoticeKind::ComplaintAssigned, Lang::En) => {
            format!("Complaint {number} handed to you: {summary}")
        }
    }
}

#[component]
pub fn MyNotices() -> impl IntoView {
    let shell = shell();
    let list = crate::shell::reloading(move || backend().my_notices());
    let open = RwSignal::new(false);
    let desk = move || {
        shell
            .status
            .get_untracked()
            .and_then(|s| s.signed_in)
            .is_some_and(|u| u.role.is_desk())
    };
    let go = move |n: StaffNotice| {
        open.set(false);
        spawn_local(async move {
            if let Err(e) = backend().read_my_notices(Some(n.id)).await {
                shell.fail(&e);
            }
            match (n.work_order, n.complaint) {
                (Some(job), _) if desk() => shell.go(Screen::Orders(Some(job))),
                (Some(job), _) => shell.go(Screen::Job(job)),
                (None, Some(c)) => shell.go(Screen::Complaints(Some(c))),
                (None, None) => {}
            }
            shell.changed();
        });
    };
    let read_all = move |_| {
        spawn_local(async move {
            match backend().read_my_notices(None).await {
                Ok(()) => shell.changed(),
                Err(e) => shell.fail(&e),
            }
        });
    };
    move || {
        // Nothing to show where there is no such list (the app) or it cannot be read.
        let Some(Ok(notices)) = list.get() else {
            return None;
        };
        let unread: Vec<StaffNotice> = notices
            .into_iter()
            .filter(|n| n.read_at.is_none())
            .collect();
        let count = unread.len();
        Some(view! {
            <span class="my-notices">
                <button id="my-notices" aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|o| *o = !*o)>
                    {tr(Text::MyNotices)}" "<span class="badge" id="my-notices-count">{count}</span>
                </button>
                {move || open.get().then(|| {
                    let unread = unread.clone();
                    view! {
                        <div class="card my-notices-panel" id="my-notices-panel" role="dialog" aria-label=tr(Text::MyNotices)>
                            {if unread.is_empty() {
                                view! { <p class="muted">{tr(Text::MyNoticesNone)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="timeline">
                                        {unread.into_iter().map(|n| {
                                            let shown = n.clone();
                                            let when = crate::format::time(n.created_at);
                                            view! {
                                                <li><button class="link my-notice" data-kind=n.kind.as_str()
                                                    on:click=move |_| go(n.clone())>
                                                    {move || said(&shown, lang().get())}
                                                </button>" "<span class="muted">{when}</span></li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                    <button id="my-notices-read-all" on:click=read_all>{tr(Text::MarkAllRead)}</button>
                                }.into_any()
                            }}
                        </div>
                    }
                })}
            </span>
        })
    }
}
