//! The queue: jobs waiting for an engineer, most at risk first, with filters. A card is dragged
//! onto a lane, or assigned from the keyboard with its engineer picker and time field.

use fixline_core::board::BoardJob;
use fixline_core::sla::Milestone;
use fixline_core::work_order::Action;
use leptos::prelude::*;

use super::Desk;
use crate::backend::now;
use crate::format;
use crate::i18n::{Text, lang, tr};

/// The values found in the waiting jobs, sorted, for a filter's choices.
fn choices(jobs: &[BoardJob], of: impl Fn(&BoardJob) -> String) -> Vec<String> {
    let mut values: Vec<String> = jobs.iter().map(of).collect();
    values.sort();
    values.dedup();
    values
}

/// A filter's choices: the value matched, and the words shown for it.
fn named(values: Vec<String>, words: impl Fn(&str) -> String) -> Vec<(String, String)> {
    values
        .into_iter()
        .map(|v| {
            let w = words(&v);
            (v, w)
        })
        .collect()
}

#[component]
fn Filter(
    id: &'static str,
    label: Text,
    values: Vec<(String, String)>,
    chosen: RwSignal<String>,
) -> impl IntoView {
    view! {
        <select id=id aria-label=tr(label) on:change=move |ev| chosen.set(event_target_value(&ev))>
            <option value="">{tr(label)}</option>
            {values.into_iter().map(|(v, words)| {
                let selected = chosen.get_untracked() == v;
                view! { <option value=v.clone() selected=selected>{words}</option> }
            }).collect_view()}
        </select>
    }
}

#[component]
pub fn Queue() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let lang = lang();
    let text = RwSignal::new(String::new());
    let (region, priority, skill, channel) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let waiting = move || -> Vec<BoardJob> {
        match desk.board.get() {
            Some(Ok(b)) => b
                .jobs
                .into_iter()
                .filter(|j| j.work_order.assignee.is_none())
                .collect(),
            _ => Vec::new(),
        }
    };
    // The engineer picker's choices, once per redraw of the queue.
    let engineers = move || -> Vec<(String, String)> {
        desk.board.with_untracked(|b| match b {
            Some(Ok(b)) => b
                .engineers
                .iter()
                .map(|e| {
                    (
                        e.engineer.id.to_string(),
                        crate::format::engineer_label(&e.engineer, &b.engineers),
                    )
                })
                .collect(),
            _ => Vec::new(),
        })
    };
    view! {
        <aside class="queue" id="queue">
            <div class="queue-filters">
                <input id="queue-filter" placeholder=tr(Text::FilterJobs) bind:value=text/>
                {move || {
                    let jobs = waiting();
                    view! {
                        <Filter id="queue-region" label=Text::Region values=named(choices(&jobs, |j| j.region.clone()), str::to_owned) chosen=region/>
                        <Filter id="queue-priority" label=Text::Priority values=named(["P1", "P2", "P3", "P4"].map(String::from).to_vec(), str::to_owned) chosen=priority/>
                        <Filter id="queue-skill" label=Text::Skill values=named(choices(&jobs, |j| j.work_order.category.clone()), |c| format::category(c, lang.get())) chosen=skill/>
                        <Filter id="queue-channel" label=Text::Channel values=named(choices(&jobs, |j| j.work_order.channel.as_str().to_owned()), |c| {
                            fixline_core::work_order::IntakeChannel::parse(c)
                                .map_or_else(|| c.to_owned(), |c| format::channel(c, lang.get()).to_owned())
                        }) chosen=channel/>
                    }
                }}
            </div>
            {move || {
                let needle = text.get().to_lowercase();
                let (r, p, k, c) = (region.get(), priority.get(), skill.get(), channel.get());
                let t = now();
                let mut queue: Vec<BoardJob> = waiting()
                    .into_iter()
                    .filter(|j| {
                        let w = &j.work_order;
                        (needle.is_empty()
                            || w.number.to_lowercase().contains(&needle)
                            || w.symptom.to_lowercase().contains(&needle)
                            || j.customer.to_lowercase().contains(&needle))
                            && (r.is_empty() || j.region == r)
                            && (p.is_empty() || w.priority.as_str() == p)
                            && (k.is_empty() || w.category == k)
                            && (c.is_empty() || w.channel.as_str() == c)
                    })
                    .collect();
                queue.sort_by_key(|j| (j.work_order.sla.due(Milestone::Arrive, t), j.work_order.priority));
                let count = queue.len();
                let choices = engineers();
                view! {
                    <h2>{tr(Text::Waiting)}" ("{count}")"</h2>
                    {queue.into_iter().map(|j| {
                        let w = j.work_order.clone();
                        let id = w.id;
                        let (sla, class) = format::sla(&w.sla, t, lang.get_untracked());
                        let picker = RwSignal::new(String::new());
                        let time = RwSignal::new(String::new());
                        let assign = move |_| {
                            let Ok(engineer) = picker.get_untracked().parse() else { return };
                            desk.place(id, engineer, desk.typed_time(&time.get_untracked()));
                        };
                        view! {
                            <div class="queue-card" data-number=w.number.clone() data-region=j.region.clone()
                                on:pointerdown=move |_| desk.dragging.set(Some(id))>
                                <span class=format::priority_class(w.priority)>{w.priority.as_str()}</span>
                                <strong>" "{w.number.clone()}</strong>" "<span class=class>{sla}</span>
                                {w.pooled.then(|| view! { <span class="badge pool">{tr(Text::InPool)}</span> })}
                                <div>{j.customer.clone()}" · "<span class="muted">{j.region.clone()}</span></div>
                                <div class="muted">{w.symptom.clone()}</div>
                                <div class="row">
                                    <select class="assign-to" aria-label=tr(Text::Engineer) on:change=move |ev| picker.set(event_target_value(&ev))>
                                        <option value="">"—"</option>
                                        {choices.iter().map(|(value, name)| view! {
                                            <option value=value.clone()>{name.clone()}</option>
                                        }).collect_view()}
                                    </select>
                                    <input class="assign-time" type="time" step="900" aria-label=tr(Text::StartTime) bind:value=time/>
                                    <button class="assign" on:click=assign>{tr(Text::Confirm)}</button>
                                    {(!w.pooled).then(|| view! {
                                        <button class="release" on:click=move |_| desk.act(id, Action::ReleaseToPool)>{tr(Text::ReleaseToPool)}</button>
                                    })}
                                </div>
                            </div>
                        }
                    }).collect_view()}
                }
            }}
        </aside>
    }
}
