//! The return-visit list (回访): finished jobs due a call, each with why (an urgent job, a
//! refused signature, a survey that says not fixed or unhappy, a random pick), whom to call and
//! what the customer already said; and the call taken down: their answers and the outcome
//! (satisfied, not fixed — the job is reopened for a rework visit —, or a complaint).

use fixline_api::return_visits::{DueCall, ReturnCallRequest};
use fixline_core::ids::WorkOrderId;
use fixline_core::return_visit::{CallOutcome, CallReason};
use fixline_core::survey::SurveyAnswer;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::backend;
use crate::format;
use crate::i18n::{Lang, Text, lang, tr};
use crate::shell::shell;

fn reason_text(r: CallReason, l: Lang) -> &'static str {
    match r {
        CallReason::Urgent => Text::CallUrgent,
        CallReason::SignatureRefused => Text::CallSignatureRefused,
        CallReason::NotFixed => Text::CallNotFixed,
        CallReason::Unhappy => Text::CallUnhappy,
        CallReason::Sampled => Text::CallSampled,
    }
    .in_lang(l)
}

#[component]
pub fn ReturnVisits() -> impl IntoView {
    let list = crate::shell::reloading(|| backend().return_visits());
    crate::shell::follow_live();
    view! {
        <section class="return-visits">
            <h1>{tr(Text::ReturnVisits)}</h1>
            {move || match list.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(due)) if due.is_empty() => view! { <p class="muted" id="no-calls">{tr(Text::NoCallsDue)}</p> }.into_any(),
                Some(Ok(due)) => view! {
                    <ul class="call-list" id="return-visits">
                        {due.into_iter().map(|d| view! { <DueItem due=d/> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn DueItem(due: DueCall) -> impl IntoView {
    let calling = RwSignal::new(false);
    let lang = lang();
    let reasons = due.reasons.clone();
    let said = due.survey.as_ref().map(|s| s.answer.clone());
    view! {
        <li class="card due-call" data-number=due.number.clone()>
            <p>
                <strong>{due.number.clone()}</strong>" · "{due.customer.clone()}" · "
                {due.phone.clone().map(super::file_records::tel)}
            </p>
            <p class="muted">{format::time(due.finished_at)}" · "{due.summary.clone()}</p>
            <p class="reasons">
                {reasons.into_iter().map(|r| view! {
                    <span class="chip reason" data-reason=format!("{r:?}")>{move || reason_text(r, lang.get())}</span>
                }).collect_view()}
            </p>
            {said.map(|a| view! {
                <p class="survey-said">{tr(Text::SurveyScores)}": "{format!("{}/5 · {}/10 · {}/7", a.csat, a.nps, a.effort)}
                    " · "{if a.fixed { tr(Text::SurveyFixed) } else { tr(Text::SurveyNotFixed) }}
                    {a.comment.map(|c| view! { " · “"{c}"”" })}
                </p>
            })}
            <button class="primary call-record" on:click=move |_| calling.update(|c| *c = !*c)>{tr(Text::RecordCall)}</button>
            <Show when=move || calling.get()>
                <CallForm id=due.work_order answer=due.survey.as_ref().map(|s| s.answer.clone())/>
            </Show>
        </li>
    }
}

/// A score picker from `range`, starting at `start`.
#[component]
fn Score(
    class: &'static str,
    label: Text,
    range: std::ops::RangeInclusive<u8>,
    value: RwSignal<u8>,
) -> impl IntoView {
    view! {
        <label>{tr(label)}
            <select class=class on:change=move |ev| {
                if let Ok(v) = event_target_value(&ev).parse() { value.set(v) }
            }>
                {range.map(|v| view! { <option value=v.to_string() selected=move || value.get() == v>{v}</option> }).collect_view()}
            </select>
        </label>
    }
}

#[component]
fn CallForm(id: WorkOrderId, answer: Option<SurveyAnswer>) -> impl IntoView {
    let shell = shell();
    let a = answer.unwrap_or(SurveyAnswer {
        csat: 5,
        nps: 9,
        effort: 6,
        fixed: true,
        comment: None,
    });
    let (csat, nps, effort) = (
        RwSignal::new(a.csat),
        RwSignal::new(a.nps),
        RwSignal::new(a.effort),
    );
    let fixed = RwSignal::new(a.fixed);
    let outcome = RwSignal::new(if a.fixed {
        CallOutcome::Satisfied
    } else {
        CallOutcome::NotFixed
    });
    let note = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        sending.set(true);
        let request = ReturnCallRequest {
            answer: SurveyAnswer {
                csat: csat.get_untracked(),
                nps: nps.get_untracked(),
                effort: effort.get_untracked(),
                fixed: fixed.get_untracked(),
                comment: None,
            },
            outcome: outcome.get_untracked(),
            note: Some(note.get_untracked()).filter(|n| !n.trim().is_empty()),
        };
        spawn_local(async move {
            match backend().return_call(id, request).await {
                Ok(done) => {
                    let l = lang().get_untracked();
                    let mut text = Text::Saved.in_lang(l).to_owned();
                    if let Some(n) = done.complaint_number {
                        text = format!("{text} · {} {n}", Text::ComplaintFiled.in_lang(l));
                    }
                    shell.tell(text);
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
            sending.try_set(false);
        });
    };
    let outcomes = [
        (CallOutcome::Satisfied, "satisfied", Text::OutcomeSatisfied),
        (CallOutcome::NotFixed, "not_fixed", Text::OutcomeNotFixed),
        (CallOutcome::Complaint, "complaint", Text::OutcomeComplaint),
    ];
    view! {
        <form class="form-grid call-form" on:submit=send>
            <Score class="call-csat" label=Text::Satisfaction range=1..=5 value=csat/>
            <Score class="call-nps" label=Text::Recommend range=0..=10 value=nps/>
            <Score class="call-effort" label=Text::Effort range=1..=7 value=effort/>
            <label>{tr(Text::SurveyFixed)}
                <select class="call-fixed" on:change=move |ev| fixed.set(event_target_value(&ev) == "yes")>
                    <option value="yes" selected=move || fixed.get()>{tr(Text::Yes)}</option>
                    <option value="no" selected=move || !fixed.get()>{tr(Text::No)}</option>
                </select>
            </label>
            <label>{tr(Text::Outcome)}
                <select class="call-outcome" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if let Some((o, _, _)) = outcomes.iter().find(|(_, key, _)| *key == v) { outcome.set(*o) }
                }>
                    {outcomes.map(|(o, key, words)| view! { <option value=key selected=move || outcome.get() == o>{tr(words)}</option> }).collect_view()}
                </select>
            </label>
            <label class="wide">{tr(Text::CallNote)}<textarea class="call-note" bind:value=note></textarea></label>
            <div class="row"><button type="submit" class="primary call-save" disabled=move || sending.get()>{tr(Text::Save)}</button></div>
        </form>
    }
}
