//! The dispatcher's console: the queue of jobs waiting for an engineer (most at risk first), a
//! lane per engineer with the jobs they hold, assignment by dragging a job onto a lane (or with
//! the engineer picker on the card), the optimiser's proposal for a day, and live updates.

use std::collections::HashMap;

use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::sla::Milestone;
use fixline_core::work_order::WorkOrder;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::shell;
use crate::backend::{DeskBoard, ProposedPlan, UiError, backend, now};
use crate::format;
use crate::i18n::{Text, lang, tr};

#[component]
pub fn Console() -> impl IntoView {
    let shell = shell();
    let lang = lang();
    let board = RwSignal::new(None::<Result<DeskBoard, UiError>>);
    let dragging = RwSignal::new(None::<WorkOrderId>);
    let proposal = RwSignal::new(None::<ProposedPlan>);
    let day = RwSignal::new(now().date_naive().to_string());
    let filter = RwSignal::new(String::new());
    // Queue filters; empty means all.
    let priority = RwSignal::new(String::new());
    let channel = RwSignal::new(String::new());
    let skill = RwSignal::new(String::new());
    Effect::new(move |_| {
        shell.revision.track();
        spawn_local(async move { board.set(Some(backend().desk_board().await)) });
    });
    // Live: any change on the server reloads the board.
    if let Some(stop) = backend().follow_live(Box::new(move || shell.changed())) {
        let stop = StoredValue::new_local(Some(stop));
        on_cleanup(move || {
            if let Some(stop) = stop.try_update_value(Option::take).flatten() {
                stop();
            }
        });
    }
    let assign = move |work_order: WorkOrderId, engineer: EngineerId| {
        spawn_local(async move {
            match backend().assign(vec![(work_order, engineer)]).await {
                Ok(refused) if refused.is_empty() => shell.changed(),
                Ok(refused) => shell.fail(&UiError::new("refused", refused.join("; "))),
                Err(e) => shell.fail(&e),
            }
        });
    };
    let plan_day = move |_| {
        let Ok(d) = day.get_untracked().parse() else {
            return;
        };
        spawn_local(async move {
            match backend().propose(d).await {
                Ok(p) => proposal.set(Some(p)),
                Err(e) => shell.fail(&e),
            }
        });
    };
    let apply_plan = move |_| {
        let Some(p) = proposal.get_untracked() else {
            return;
        };
        let all: Vec<_> = p
            .visits
            .iter()
            .map(|v| (v.work_order, v.engineer))
            .collect();
        spawn_local(async move {
            match backend().assign(all).await {
                Ok(refused) => {
                    proposal.set(None);
                    if !refused.is_empty() {
                        shell.fail(&UiError::new("refused", refused.join("; ")));
                    }
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    let names = move || -> HashMap<EngineerId, String> {
        match board.get() {
            Some(Ok(b)) => b
                .engineers
                .into_iter()
                .map(|e| (e.id, e.details.name))
                .collect(),
            _ => HashMap::new(),
        }
    };
    let numbers = move || -> HashMap<WorkOrderId, String> {
        match board.get() {
            Some(Ok(b)) => b
                .queue
                .iter()
                .chain(&b.assigned)
                .map(|w| (w.id, w.number.clone()))
                .collect(),
            _ => HashMap::new(),
        }
    };
    view! {
        <section class="console" on:pointerup=move |_| dragging.set(None)>
            <div class="console-tools row">
                <h1>{tr(Text::Dispatch)}</h1>
                <input id="plan-date" type="date" bind:value=day/>
                <button id="plan-day" class="primary" on:click=plan_day>{tr(Text::PlanTheDay)}</button>
                <input id="queue-filter" placeholder=tr(Text::FilterJobs) bind:value=filter/>
                {move || {
                    // Choices from what is waiting, so no filter offers an empty list.
                    let (mut skills, mut channels) = (Vec::new(), Vec::new());
                    if let Some(Ok(b)) = board.get() {
                        for w in &b.queue {
                            skills.push(w.category.clone());
                            channels.push(w.channel.as_str().to_owned());
                        }
                    }
                    skills.sort();
                    skills.dedup();
                    channels.sort();
                    channels.dedup();
                    let options = |values: Vec<String>, chosen: RwSignal<String>| {
                        values.into_iter().map(|v| {
                            let selected = chosen.get_untracked() == v;
                            view! { <option value=v.clone() selected=selected>{v.clone()}</option> }
                        }).collect_view()
                    };
                    view! {
                        <select id="queue-priority" on:change=move |ev| priority.set(event_target_value(&ev))>
                            <option value="">{tr(Text::Priority)}</option>
                            {options(["P1", "P2", "P3", "P4"].map(String::from).to_vec(), priority)}
                        </select>
                        <select id="queue-skill" on:change=move |ev| skill.set(event_target_value(&ev))>
                            <option value="">{tr(Text::Skill)}</option>
                            {options(skills, skill)}
                        </select>
                        <select id="queue-channel" on:change=move |ev| channel.set(event_target_value(&ev))>
                            <option value="">{tr(Text::Channel)}</option>
                            {options(channels, channel)}
                        </select>
                    }
                }}
            </div>
            {move || proposal.get().map(|p| {
                let names = names();
                let numbers = numbers();
                view! {
                    <article class="card proposal" id="proposal">
                        <h2>{format!("{} · {:.0} min · SLA {}", p.visits.len(), p.travel_minutes, p.sla_breaches)}</h2>
                        <ul>
                            {p.visits.iter().map(|v| view! {
                                <li>{numbers.get(&v.work_order).cloned().unwrap_or_default()}" → "
                                    {names.get(&v.engineer).cloned().unwrap_or_default()}" · "{format::time(v.eta)}</li>
                            }).collect_view()}
                            {p.left_out.iter().map(|l| view! { <li class="muted">{l.work_order.clone()}" ✗ "{l.reason.clone()}</li> }).collect_view()}
                        </ul>
                        <button id="apply-plan" class="primary big" on:click=apply_plan>{tr(Text::ApplyPlan)}</button>
                    </article>
                }
            })}
            {move || match board.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{e.message}</p> }.into_any(),
                Some(Ok(b)) => {
                    let needle = filter.get().to_lowercase();
                    let (p, c, k) = (priority.get(), channel.get(), skill.get());
                    let mut queue: Vec<WorkOrder> = b.queue.iter()
                        .filter(|w| needle.is_empty() || w.number.to_lowercase().contains(&needle) || w.symptom.to_lowercase().contains(&needle))
                        .filter(|w| p.is_empty() || w.priority.as_str() == p)
                        .filter(|w| c.is_empty() || w.channel.as_str() == c)
                        .filter(|w| k.is_empty() || w.category == k)
                        .cloned().collect();
                    let t = now();
                    queue.sort_by_key(|w| (w.sla.due(Milestone::Arrive, t), w.priority));
                    let engineers = b.engineers.clone();
                    view! {
                        <div class="console-grid">
                            <aside class="queue" id="queue">
                                <h2>{tr(Text::Waiting)}" ("{queue.len()}")"</h2>
                                {queue.into_iter().map(|w| {
                                    let id = w.id;
                                    let (sla, class) = format::sla(&w.sla, t, lang.get_untracked());
                                    let picker = RwSignal::new(String::new());
                                    view! {
                                        <div class="queue-card" data-number=w.number.clone()
                                            on:pointerdown=move |_| dragging.set(Some(id))>
                                            <span class=format::priority_class(w.priority)>{w.priority.as_str()}</span>
                                            <strong>" "{w.number.clone()}</strong>" "<span class=class>{sla}</span>
                                            <div class="muted">{w.symptom.clone()}</div>
                                            <div class="row">
                                                <select class="assign-to" on:change=move |ev| picker.set(event_target_value(&ev))>
                                                    <option value="">"—"</option>
                                                    {engineers.iter().map(|e| view! { <option value=e.id.to_string()>{e.details.name.clone()}</option> }).collect_view()}
                                                </select>
                                                <button class="assign" on:click=move |_| {
                                                    if let Ok(e) = picker.get_untracked().parse() { assign(id, e) }
                                                }>{tr(Text::Confirm)}</button>
                                            </div>
                                        </div>
                                    }
                                }).collect_view()}
                            </aside>
                            <div class="board" id="board">
                                {b.engineers.iter().map(|e| {
                                    let engineer = e.id;
                                    let held: Vec<WorkOrder> = b.assigned.iter().filter(|w| w.assignee == Some(engineer)).cloned().collect();
                                    view! {
                                        <div class="lane" data-engineer=engineer.to_string()
                                            on:pointerup=move |_| {
                                                if let Some(w) = dragging.get_untracked() {
                                                    dragging.set(None);
                                                    assign(w, engineer);
                                                }
                                            }>
                                            <header><strong>{e.details.name.clone()}</strong>" · "{e.details.region.clone()}</header>
                                            {held.into_iter().map(|w| {
                                                let status = w.status;
                                                view! {
                                                    <div class="block" data-number=w.number.clone() data-status=status.as_str()>
                                                        <span class=format::priority_class(w.priority)>{w.priority.as_str()}</span>
                                                        " "{w.number.clone()}" · "{move || format::status(status, lang.get())}
                                                    </div>
                                                }
                                            }).collect_view()}
                                        </div>
                                    }
                                }).collect_view()}
                            </div>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}
