//! The selected job on the board, in a side panel beside the lanes: where and when, its ETA,
//! and what the dispatcher can do to it — move it (checked like a drop), pin it and fix its
//! time, re-plan around an overrun or a customer who was not home, and every other lifecycle
//! action the role may take (triage, release to the pool, cancel, …).

use chrono::Duration;
use fixline_core::board::Scenario;
use fixline_core::work_order::{Action, ActionKind, DispatchPin, PlannedSlot, Status};
use leptos::prelude::*;

use super::{Desk, clock};
use crate::format;
use crate::i18n::{Text, lang, tr};
use crate::pages::desk::actions::DeskActions;

fn pin_text(pin: DispatchPin) -> Text {
    match pin {
        DispatchPin::None => Text::PinNone,
        DispatchPin::Engineer => Text::PinEngineer,
        DispatchPin::Time => Text::PinTime,
        DispatchPin::DoNotMove => Text::PinDoNotMove,
    }
}

#[component]
pub fn Detail() -> impl IntoView {
    let desk = expect_context::<Desk>();
    let lang = lang();
    // The form keeps what the dispatcher typed while live updates redraw the rest; it is
    // filled from the job when another job is selected.
    let (pin, time, engineer) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    Effect::new(move |_| {
        let Some(id) = desk.selected.get() else {
            return;
        };
        let Some(Ok(board)) = desk.board.get_untracked() else {
            return;
        };
        let Some(job) = board.job(id) else { return };
        let w = &job.work_order;
        let placed = board
            .lanes
            .iter()
            .flat_map(|l| &l.blocks)
            .find(|b| b.work_order == id)
            .map(|b| b.start);
        pin.set(w.pin.as_str().to_owned());
        time.set(
            w.planned
                .map(|s| s.start)
                .or(placed)
                .map(|t| clock(t, desk.zone()))
                .unwrap_or_default(),
        );
        engineer.set(w.assignee.map(|e| e.to_string()).unwrap_or_default());
    });
    move || {
        let id = desk.selected.get()?;
        let Some(Ok(board)) = desk.board.get() else {
            return None;
        };
        let job = board.job(id)?.clone();
        let w = job.work_order.clone();
        let zone = desk.zone();
        let length = w.planned.map_or(60, |s| (s.end - s.start).num_minutes());
        // The time typed, on the board's day in the board's zone.
        let slot = move || {
            desk.typed_time(&time.get_untracked())
                .map(|start| PlannedSlot {
                    start,
                    end: start + Duration::minutes(length),
                })
        };
        // The keyboard's drag: to this engineer at this time, checked like a drop.
        let move_job = move |_| {
            if let Ok(e) = engineer.get_untracked().parse() {
                desk.place(id, e, slot().map(|s| s.start));
            }
        };
        let save = move |_| {
            let pin = DispatchPin::parse(&pin.get_untracked()).unwrap_or_default();
            desk.act(id, Action::Schedule { slot: slot(), pin });
        };
        let engineers: Vec<(String, String)> = board
            .engineers
            .iter()
            .map(|e| {
                (
                    e.engineer.id.to_string(),
                    crate::format::engineer_label(&e.engineer, &board.engineers),
                )
            })
            .collect();
        let choices = board
            .engineers
            .iter()
            .map(|e| {
                (
                    e.engineer.id,
                    crate::format::engineer_label(&e.engineer, &board.engineers),
                )
            })
            .collect::<Vec<_>>();
        let started = matches!(w.status, Status::EnRoute | Status::OnSite | Status::Paused);
        Some(view! {
            <article class="card job-detail side-panel" id="job-detail" data-number=w.number.clone()>
                <header class="row">
                    <h2>{w.number.clone()}" · "{job.customer.clone()}</h2>
                    <button id="detail-close" class="small close" aria-label=tr(Text::Close) on:click=move |_| desk.selected.set(None)>"✕"</button>
                </header>
                <p>{job.site.clone()}" · "{job.city.clone()}" "{job.region.clone()}</p>
                <p class="muted">{w.symptom.clone()}</p>
                <p>{tr(Text::Status)}": "{format::status(w.status, lang.get_untracked())}
                    {w.eta.map(|eta| view! { " · "{tr(Text::Eta)}" "{clock(eta, zone)} })}
                    {w.late_since.map(|_| view! { <span class="sla-breached">" · "{tr(Text::Late)}</span> })}
                </p>
                <div class="row">
                    <label>{tr(Text::Engineer)}" "
                        <select id="detail-engineer" on:change=move |ev| engineer.set(event_target_value(&ev))>
                            <option value="">"—"</option>
                            {engineers.into_iter().map(|(value, name)| {
                                let chosen = engineer.get_untracked() == value;
                                view! { <option value=value selected=chosen>{name}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <label>{tr(Text::Time)}" "<input id="detail-time" type="time" step="900" bind:value=time/></label>
                    <button id="detail-move" on:click=move_job>{tr(Text::Confirm)}</button>
                </div>
                <div class="row">
                    <label>{tr(Text::Pin)}" "
                        <select id="detail-pin" on:change=move |ev| pin.set(event_target_value(&ev))>
                            {DispatchPin::ALL.map(|p| view! {
                                <option value=p.as_str() selected=pin.get_untracked() == p.as_str()>{move || tr(pin_text(p))()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <button id="detail-save" class="primary" on:click=save>{tr(Text::SaveSchedule)}</button>
                </div>
                <div class="row">
                    {started.then(|| view! {
                        <button id="detail-overrun" on:click=move |_| desk.propose(Some(Scenario::Overrun { work_order: id, minutes: 30.0 }))>{tr(Text::Overrun)}</button>
                    })}
                    {w.assignee.is_some().then(|| view! {
                        <button id="detail-not-home" on:click=move |_| desk.propose(Some(Scenario::NotHome { work_order: id }))>{tr(Text::NotHome)}</button>
                    })}
                </div>
                <DeskActions work_order=w.clone() engineers=choices skip=vec![ActionKind::Assign]/>
            </article>
        })
    }
}
