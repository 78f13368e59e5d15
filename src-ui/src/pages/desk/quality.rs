//! The QA review (质量控制) for service managers: the week's sample per engineer with the risk
//! signals that put each job there, a checklist scorecard per job, and every engineer's results.

use fixline_api::quality::{QaCase, QaReviewRequest};
use fixline_core::quality::{CHECKLIST, RiskSignal};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::backend;
use crate::format;
use crate::i18n::{Lang, Text, lang, tr};
use crate::shell::shell;

fn signal_text(s: RiskSignal, l: Lang) -> &'static str {
    match s {
        RiskSignal::SignatureRefused => Text::CallSignatureRefused,
        RiskSignal::CheckInFarAway => Text::SignalFarAway,
        RiskSignal::ShortVisit => Text::SignalShortVisit,
        RiskSignal::MissingPhotos => Text::SignalMissingPhotos,
        RiskSignal::Reopened => Text::SignalReopened,
        RiskSignal::LowScore => Text::CallUnhappy,
    }
    .in_lang(l)
}

/// This week in the service area, as an `<input type="week">` writes it.
fn this_week() -> String {
    use chrono::Datelike;
    let w = crate::clock::today().iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

#[component]
pub fn Quality() -> impl IntoView {
    let week = RwSignal::new(this_week());
    let sample = crate::shell::reloading(move || backend().qa_sample(week.get()));
    let results = crate::shell::reloading(|| backend().qa_results());
    view! {
        <section class="quality">
            <h1>{tr(Text::Quality)}</h1>
            <label>{tr(Text::Week)}<input id="qa-week" type="week" bind:value=week/></label>
            {move || match sample.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(cases)) if cases.is_empty() => view! { <p class="muted" id="qa-empty">{tr(Text::QaNothing)}</p> }.into_any(),
                Some(Ok(cases)) => view! {
                    <ul class="call-list" id="qa-sample">
                        {cases.into_iter().map(|c| view! { <Case case=c week=week.get_untracked()/> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <h2>{tr(Text::QaResults)}</h2>
            <table class="orders-table" id="qa-results">
                <thead><tr><th>{tr(Text::Engineer)}</th><th>{tr(Text::QaReviews)}</th><th>{tr(Text::QaAverage)}</th></tr></thead>
                <tbody>
                    {move || results.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|r| view! {
                        <tr class="qa-result" data-engineer=r.engineer.to_string()>
                            <td>{r.name}</td><td>{r.reviews}</td><td class="qa-average">{format!("{:.0}%", r.average_percent)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn Case(case: QaCase, week: String) -> impl IntoView {
    let shell = shell();
    let lang = lang();
    let reviewing = RwSignal::new(false);
    let scores: Vec<RwSignal<u8>> = CHECKLIST
        .iter()
        .enumerate()
        .map(|(i, _)| {
            RwSignal::new(
                case.review
                    .as_ref()
                    .and_then(|r| r.scores.get(i).copied())
                    .unwrap_or(2),
            )
        })
        .collect();
    let comment = RwSignal::new(
        case.review
            .as_ref()
            .and_then(|r| r.comment.clone())
            .unwrap_or_default(),
    );
    let id = case.work_order;
    let kept = StoredValue::new(scores.clone());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = QaReviewRequest {
            week: week.clone(),
            scores: kept.with_value(|s| s.iter().map(|v| v.get_untracked()).collect()),
            comment: Some(comment.get_untracked()).filter(|c| !c.trim().is_empty()),
        };
        spawn_local(async move {
            match backend().qa_review(id, request).await {
                Ok(_) => {
                    shell.tell(Text::Saved.in_lang(lang.get_untracked()));
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
        });
    };
    let signals = case.signals.clone();
    view! {
        <li class="card qa-case" data-number=case.number.clone()>
            <p><strong>{case.number.clone()}</strong>" · "{case.engineer_name.clone()}" · "
                {format::category(&case.category, lang.get_untracked())}" · "{format::time(case.finished_at)}</p>
            <p class="muted">{case.summary.clone()}</p>
            <p class="reasons">
                {signals.into_iter().map(|s| view! { <span class="chip signal" data-signal=format!("{s:?}")>{move || signal_text(s, lang.get())}</span> }).collect_view()}
            </p>
            {case.review.as_ref().map(|r| view! {
                <p class="qa-score">{tr(Text::QaScore)}": "{format!("{:.0}%", r.percent())}" · "{r.reviewer.clone()}</p>
            })}
            <button class="primary qa-open" on:click=move |_| reviewing.update(|r| *r = !*r)>{tr(Text::QaReview)}</button>
            <Show when=move || reviewing.get()>
                <form class="form-grid qa-form" on:submit=save.clone()>
                    {CHECKLIST.iter().zip(scores.clone()).map(|((key, zh, en), score)| view! {
                        <label>{move || if lang.get() == Lang::Zh { *zh } else { *en }}
                            <select class=format!("qa-item qa-{key}") on:change=move |ev| {
                                if let Ok(v) = event_target_value(&ev).parse() { score.set(v) }
                            }>
                                {[2u8, 1, 0].map(|v| view! {
                                    <option value=v.to_string() selected=move || score.get() == v>{move || match v {
                                        2 => tr(Text::Yes)(),
                                        1 => tr(Text::QaPartly)(),
                                        _ => tr(Text::No)(),
                                    }}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    }).collect_view()}
                    <label class="wide">{tr(Text::Notes)}<textarea class="qa-comment" bind:value=comment></textarea></label>
                    <div class="row"><button type="submit" class="primary qa-save">{tr(Text::Save)}</button></div>
                </form>
            </Show>
        </li>
    }
}
