//! The optimiser's proposal: each visit with its engineer and time, what it takes from one
//! engineer to another, what it leaves out and why. The dispatcher applies all of it or ticks
//! off what they do not want.

use std::collections::{HashMap, HashSet};

use fixline_core::ids::WorkOrderId;
use leptos::prelude::*;

use super::{Desk, clock};
use crate::i18n::{Text, lang, tr};

#[component]
pub fn Proposal() -> impl IntoView {
    let desk = expect_context::<Desk>();
    // Visits the dispatcher unticked.
    let skipped = RwSignal::new(HashSet::<WorkOrderId>::new());
    move || {
        let p = desk.proposal.get()?;
        let (names, numbers): (HashMap<_, _>, HashMap<_, _>) = match desk.board.get_untracked() {
            Some(Ok(b)) => (
                b.engineers
                    .iter()
                    .map(|e| {
                        (
                            e.engineer.id,
                            crate::format::engineer_label(&e.engineer, &b.engineers),
                        )
                    })
                    .collect(),
                b.jobs
                    .iter()
                    .map(|j| (j.work_order.id.to_string(), j.work_order.number.clone()))
                    .collect(),
            ),
            _ => Default::default(),
        };
        let zone = desk.zone();
        let number = move |id: &str| numbers.get(id).cloned().unwrap_or_else(|| id.to_owned());
        let apply = {
            let visits = p.visits.clone();
            move |_| {
                let skip = skipped.get_untracked();
                let chosen: Vec<_> = visits
                    .iter()
                    .filter(|v| !skip.contains(&v.work_order))
                    .map(|v| (v.work_order, v.engineer, Some(v.slot())))
                    .collect();
                desk.proposal.set(None);
                skipped.set(HashSet::new());
                desk.assign(chosen);
            }
        };
        Some(view! {
            <article class="card proposal" id="proposal">
                <h2>{format!("{} · {} · SLA {} · {} ", p.visits.len(), crate::format::minutes(p.travel_minutes, lang().get_untracked()), p.sla_breaches, p.reassigned.len())}{tr(Text::Reassigns)}</h2>
                <ul>
                    {p.visits.iter().map(|v| {
                        let id = v.work_order;
                        let moved = p.reassigned.contains(&id);
                        view! {
                            <li class:moved=moved data-work-order=id.to_string()>
                                <label>
                                    <input type="checkbox" class="take-visit" checked=true
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            skipped.update(|s| { if on { s.remove(&id); } else { s.insert(id); } });
                                        }/>
                                    {number(&id.to_string())}" → "{names.get(&v.engineer).cloned().unwrap_or_default()}
                                    " · "{clock(v.start, zone)}"–"{clock(v.end, zone)}
                                    {(v.late_minutes > 0.0).then(|| {
                                        let l = lang().get_untracked();
                                        format!(
                                            " · {} {}",
                                            Text::LateBy.in_lang(l),
                                            crate::format::duration(chrono::TimeDelta::minutes(v.late_minutes.round() as i64), l)
                                        )
                                    })}
                                </label>
                            </li>
                        }
                    }).collect_view()}
                    {p.left_out.iter().map(|l| view! {
                        <li class="muted left-out">{number(&l.work_order)}" ✗ "{left_out_reason(&l.reason, lang().get_untracked())}</li>
                    }).collect_view()}
                </ul>
                <div class="row">
                    <button id="apply-plan" class="primary big" on:click=apply>{tr(Text::ApplySelected)}</button>
                    <button on:click=move |_| desk.proposal.set(None)>{tr(Text::Cancel)}</button>
                </div>
            </article>
        })
    }
}

/// Why the optimiser left a job out, in the user's words where it gave a code.
fn left_out_reason(reason: &str, lang: crate::i18n::Lang) -> String {
    match reason {
        "no_qualified_engineer" => Text::NoQualifiedEngineer.in_lang(lang).to_owned(),
        "window_impossible" => Text::WindowImpossible.in_lang(lang).to_owned(),
        "shifts_full" => Text::ShiftsFull.in_lang(lang).to_owned(),
        "not_home" => Text::LeftNotHome.in_lang(lang).to_owned(),
        "no_position" => Text::LeftNoPosition.in_lang(lang).to_owned(),
        "engineer_off" => Text::LeftEngineerOff.in_lang(lang).to_owned(),
        "window_not_on_day" => Text::LeftWindowNotOnDay.in_lang(lang).to_owned(),
        "fixed_on_another_day" => Text::LeftFixedOnAnotherDay.in_lang(lang).to_owned(),
        other => other.to_owned(),
    }
}
