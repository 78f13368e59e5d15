//! An engineer's own scorecard: their KPIs this month against the targets and last month, and
//! month by month. The server answers with the signed-in engineer's jobs only; nobody sees a
//! colleague's figures here.

use fixline_core::kpi::Kpi;
use leptos::prelude::*;

use crate::backend::backend;
use crate::i18n::{Text, lang, tr};
use crate::pages::desk::dashboard::{cell, kpi_name};

/// What an engineer's own work moves.
const MINE: [Kpi; 8] = [
    Kpi::Csat,
    Kpi::FirstTimeFix,
    Kpi::RepeatVisits,
    Kpi::SlaArrive,
    Kpi::Mttr,
    Kpi::PartsAtFirstVisit,
    Kpi::JobsPerEngineerDay,
    Kpi::QaScore,
];

#[component]
pub fn Scorecard() -> impl IntoView {
    let lang = lang();
    let card = crate::shell::reloading(|| backend().my_scorecard());
    view! {
        <section class="scorecard">
            <h1>{tr(Text::MyScorecard)}</h1>
            {move || match card.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error" id="scorecard-error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(t)) => {
                    let targets = t.targets.targets.clone();
                    view! {
                        <p class="muted" id="scorecard-jobs">{tr(Text::FinishedJobs)}": "{t.total.jobs}" · "{t.from.to_string()}" – "{t.to.to_string()}</p>
                        <table class="orders-table" id="scorecard-table">
                            <thead><tr><th></th><th>{tr(Text::ThisPeriod)}</th><th>{tr(Text::PreviousPeriod)}</th><th>{tr(Text::Target)}</th></tr></thead>
                            <tbody>
                                {MINE.map(|k| view! {
                                    <tr class="scorecard-kpi" data-kpi=k.as_str()>
                                        <th>{move || kpi_name(k, lang.get())}</th>
                                        {cell(k, &t.total, &targets)}
                                        <td>{k.show(k.value(&t.previous))}</td>
                                        <td>{k.show(targets.get(&k).copied())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
        </section>
    }
}
