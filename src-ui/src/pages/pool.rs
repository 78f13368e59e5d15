//! The work-order pool in the engineer app: jobs the desk released that this engineer is
//! qualified for, nearest first. Picking needs a connection; the picked job then syncs down with
//! its customer's file like an assigned one.

use fixline_core::board::PoolJob;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{UiError, backend};
use crate::format;
use crate::i18n::{Text, tr};
use crate::shell::shell;

#[component]
pub fn Pool() -> impl IntoView {
    let shell = shell();
    let pool = RwSignal::new(None::<Result<Vec<PoolJob>, UiError>>);
    let load = move || spawn_local(async move { pool.set(Some(backend().pool().await)) });
    Effect::new(move |_| {
        shell.revision.track();
        load();
    });
    let pick = move |id| {
        spawn_local(async move {
            match backend().pick(id).await {
                Ok(()) => shell.changed(),
                Err(e) => {
                    shell.fail(&e);
                    load();
                }
            }
        })
    };
    view! {
        <section class="pool" id="pool">
            <h2>{tr(Text::Pool)}" "<button class="small" id="pool-refresh" on:click=move |_| load()>"↻"</button></h2>
            {move || match pool.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) if e.code == "offline" => view! { <p class="muted">{tr(Text::OnlineOnly)}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(jobs)) if jobs.is_empty() => view! { <p class="muted empty">{tr(Text::PoolEmpty)}</p> }.into_any(),
                Some(Ok(jobs)) => view! {
                    <ul class="job-list">
                        {jobs.into_iter().map(|j| {
                            let id = j.work_order;
                            view! {
                                <li class="job-card pool-card" data-number=j.number.clone()>
                                    <span class=format::priority_class(j.priority)>{j.priority.as_str()}</span>
                                    <div class="job-main">
                                        <div class="job-title"><strong>{j.number.clone()}</strong>" "{crate::format::category(&j.category, crate::i18n::lang().get_untracked())}</div>
                                        <div>{j.city.clone()}" "{j.region.clone()}
                                            {j.distance_km.map(|d| format!(" · {d:.1} km"))}</div>
                                        <div class="muted">{j.symptom.clone()}</div>
                                    </div>
                                    <button class="primary pick" on:click=move |_| pick(id)>{tr(Text::Pick)}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
