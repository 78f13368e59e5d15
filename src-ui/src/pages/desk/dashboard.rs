//! The service manager's dashboard (服务看板): the KPIs of the jobs finished in a period, against
//! their targets and the period before, filtered and sliced by engineer, region, category,
//! model, channel or period; a chosen KPI drawn over twelve months and per slice; and the jobs
//! behind any figure one click away. Every figure is computed by core on the server.

use std::collections::BTreeMap;

use fixline_api::kpi::{KpiQuery, KpiSlice, KpiTable};
use fixline_core::kpi::{Figures, Kpi};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{UiError, backend};
use crate::i18n::{Lang, Text, lang, tr};
use crate::routes::Screen;
use crate::shell::shell;

/// The KPIs the table and the cards show (the charts can draw any).
const HEADLINE: [Kpi; 10] = [
    Kpi::Csat,
    Kpi::Nps,
    Kpi::FirstTimeFix,
    Kpi::SlaResolve,
    Kpi::ResolveMean,
    Kpi::ResolveP90,
    Kpi::Mttr,
    Kpi::ComplaintsPer100Jobs,
    Kpi::Utilisation,
    Kpi::CostPerJob,
];

pub fn kpi_name(k: Kpi, l: Lang) -> &'static str {
    let (zh, en) = k.names();
    if l == Lang::Zh { zh } else { en }
}

fn slice_name(s: KpiSlice) -> Text {
    match s {
        KpiSlice::Engineer => Text::Engineer,
        KpiSlice::Region => Text::Region,
        KpiSlice::Category => Text::Category,
        KpiSlice::Model => Text::Model,
        KpiSlice::Channel => Text::Channel,
        KpiSlice::Week => Text::ByWeek,
        KpiSlice::Month => Text::ByMonth,
        KpiSlice::Quarter => Text::ByQuarter,
    }
}

/// A figure's cell: its value, marked when it misses the target.
pub fn cell(k: Kpi, f: &Figures, targets: &BTreeMap<Kpi, f64>) -> impl IntoView + use<> {
    let value = k.value(f);
    let below = value
        .zip(targets.get(&k))
        .is_some_and(|(v, t)| k.misses(v, *t));
    view! {
        <td class=if below { "kpi below-target" } else { "kpi" } data-kpi=k.as_str()
            title=move || if below { tr(Text::BelowTarget)() } else { "" }>
            {k.show(value)}{below.then_some(" ▼")}
        </td>
    }
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let lang = lang();
    let today = crate::clock::today();
    let from = RwSignal::new(
        chrono::Datelike::with_day(&today, 1)
            .unwrap_or(today)
            .to_string(),
    );
    let to = RwSignal::new(today.to_string());
    let region = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let model = RwSignal::new(String::new());
    let channel = RwSignal::new(String::new());
    let by = RwSignal::new(KpiSlice::Engineer);
    let chart_kpi = RwSignal::new(Kpi::FirstTimeFix);
    // The question as last asked (Apply), so typing does not reload on every key.
    let asked = RwSignal::new(KpiQuery::default());
    let typed =
        |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|t| !t.is_empty());
    let ask = move || {
        asked.set(KpiQuery {
            from: from.get_untracked().parse().ok(),
            to: to.get_untracked().parse().ok(),
            region: typed(region),
            category: typed(category),
            model: typed(model),
            channel: typed(channel),
            by: by.get_untracked(),
            ..KpiQuery::default()
        })
    };
    ask();
    let table = LocalResource::new(move || backend().kpis(asked.get()));
    let charts = LocalResource::new(move || {
        backend().kpi_charts(asked.get(), chart_kpi.get(), lang.get().code())
    });
    // The slice whose jobs are listed (None: none open; Some(None): every job of the filter).
    let drill = RwSignal::new(None::<Option<(String, String)>>);
    view! {
        <section class="dashboard">
            <h1>{tr(Text::Dashboard)}</h1>
            <form class="row filters" id="kpi-filters" on:submit=move |ev| { ev.prevent_default(); drill.set(None); ask(); }>
                <label>{tr(Text::PeriodFrom)}<input id="kpi-from" type="date" bind:value=from/></label>
                <label>{tr(Text::PeriodTo)}<input id="kpi-to" type="date" bind:value=to/></label>
                <label>{tr(Text::Region)}<input id="kpi-region" bind:value=region placeholder=tr(Text::Every)/></label>
                <label>{tr(Text::Category)}
                    <select id="kpi-category" on:change=move |ev| category.set(event_target_value(&ev))>
                        <option value="">{tr(Text::Every)}</option>
                        {crate::format::CATEGORIES.iter().map(|(key, _, _)| view! {
                            <option value=*key>{move || crate::format::category(key, lang.get())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{tr(Text::Model)}<input id="kpi-model" bind:value=model placeholder=tr(Text::Every)/></label>
                <label>{tr(Text::Channel)}
                    <select id="kpi-channel" on:change=move |ev| channel.set(event_target_value(&ev))>
                        <option value="">{tr(Text::Every)}</option>
                        {fixline_core::work_order::IntakeChannel::ALL.map(|c| view! {
                            <option value=c.as_str()>{move || crate::format::channel(c, lang.get())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{tr(Text::SliceBy)}
                    <select id="kpi-by" on:change=move |ev| {
                        if let Some(s) = KpiSlice::parse(&event_target_value(&ev)) { by.set(s) }
                    }>
                        {KpiSlice::ALL.map(|s| view! {
                            <option value=s.as_str() selected=move || by.get() == s>{tr(slice_name(s))}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit" class="primary" id="kpi-apply">{tr(Text::Apply)}</button>
            </form>
            {move || match table.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error" id="kpi-error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(t)) => view! { <Figures table=t drill=drill/> }.into_any(),
            }}
            <h2>
                <label>{tr(Text::ChartOf)}
                    <select id="kpi-chart" on:change=move |ev| {
                        if let Some(k) = Kpi::parse(&event_target_value(&ev)) { chart_kpi.set(k) }
                    }>
                        {Kpi::ALL.map(|k| view! {
                            <option value=k.as_str() selected=move || chart_kpi.get() == k>{move || kpi_name(k, lang.get())}</option>
                        }).collect_view()}
                    </select>
                </label>
            </h2>
            <div class="charts">
                {move || charts.get().and_then(Result::ok).map(|c| {
                    let src = |svg: &str| format!("data:image/svg+xml;charset=utf-8,{}", js_sys::encode_uri_component(svg));
                    view! {
                        <img id="kpi-trend" alt=kpi_name(c.kpi, lang.get_untracked()) src=src(&c.trend_svg)/>
                        <img id="kpi-slices" alt=kpi_name(c.kpi, lang.get_untracked()) src=src(&c.slices_svg)/>
                    }
                })}
            </div>
            {move || drill.get().map(|slice| view! { <JobsBehind asked=asked.get_untracked() slice=slice/> })}
            <super::review::ReviewTools asked=asked/>
            <super::review::Improvements/>
        </section>
    }
}

#[component]
fn Figures(table: KpiTable, drill: RwSignal<Option<Option<(String, String)>>>) -> impl IntoView {
    let lang = lang();
    let targets = table.targets.targets.clone();
    let total = table.total.clone();
    let previous = table.previous.clone();
    let by = table.by;
    view! {
        <div class="kpi-cards" id="kpi-cards">
            {HEADLINE.map(|k| {
                let value = k.value(&total);
                let target = targets.get(&k).copied();
                let below = value.zip(target).is_some_and(|(v, t)| k.misses(v, t));
                view! {
                    <button type="button" class=if below { "card kpi-card below-target" } else { "card kpi-card" }
                        data-kpi=k.as_str() on:click=move |_| drill.set(Some(None))>
                        <span class="kpi-name">{move || kpi_name(k, lang.get())}</span>
                        <strong class="kpi-value">{k.show(value)}</strong>
                        <span class="muted">{tr(Text::PreviousPeriod)}": "{k.show(k.value(&previous))}</span>
                        {target.map(|t| view! { <span class="muted">{tr(Text::Target)}": "{k.show(Some(t))}</span> })}
                        {below.then(|| view! { <span class="chip signal">{tr(Text::BelowTarget)}</span> })}
                    </button>
                }
            }).collect_view()}
        </div>
        <p class="muted" id="kpi-jobs-total">{tr(Text::FinishedJobs)}": "{total.jobs}" · "{table.from.to_string()}" – "{table.to.to_string()}</p>
        {if table.rows.is_empty() {
            view! { <p class="muted" id="kpi-empty">{tr(Text::NoData)}</p> }.into_any()
        } else {
            view! {
                <table class="orders-table" id="kpi-table">
                    <thead><tr>
                        <th>{tr(slice_name(by))}</th><th>{tr(Text::FinishedJobs)}</th>
                        {HEADLINE.map(|k| view! { <th>{move || kpi_name(k, lang.get())}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {table.rows.iter().map(|r| {
                            let slice = (r.key.clone(), r.label.clone());
                            let l = lang.get_untracked();
                            let label = match by {
                                KpiSlice::Category => crate::format::category(&r.label, l),
                                KpiSlice::Channel => fixline_core::work_order::IntakeChannel::parse(&r.label)
                                    .map_or_else(|| r.label.clone(), |c| crate::format::channel(c, l).to_owned()),
                                _ if r.label.is_empty() => "—".to_owned(),
                                _ => r.label.clone(),
                            };
                            view! {
                                <tr class="kpi-row" data-key=r.key.clone()>
                                    <td><button type="button" class="link kpi-drill" on:click=move |_| drill.set(Some(Some(slice.clone())))>{label}</button></td>
                                    <td>{r.figures.jobs}</td>
                                    {HEADLINE.map(|k| cell(k, &r.figures, &targets)).collect_view()}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <div class="row">
            <Codes title=Text::TopFaults id="kpi-top-faults" codes=table.top_faults.clone()/>
            <Codes title=Text::TopCauses id="kpi-top-causes" codes=table.top_causes.clone()/>
        </div>
    }
}

#[component]
fn Codes(title: Text, id: &'static str, codes: Vec<fixline_api::kpi::CodeCount>) -> impl IntoView {
    view! {
        <div class="card">
            <h3>{tr(title)}</h3>
            <ol id=id>
                {codes.into_iter().map(|c| view! {
                    <li>{if c.model.is_empty() { "—".to_owned() } else { c.model }}" · "{c.code}" × "{c.jobs}</li>
                }).collect_view()}
            </ol>
        </div>
    }
}

/// The jobs behind a slice (or the whole filter), each opening the job.
#[component]
fn JobsBehind(asked: KpiQuery, slice: Option<(String, String)>) -> impl IntoView {
    let shell = shell();
    let lang = lang();
    let label = slice.as_ref().map(|(_, l)| l.clone());
    let query = KpiQuery {
        key: slice.map(|(k, _)| k),
        ..asked
    };
    let jobs = LocalResource::new(move || backend().kpi_jobs(query.clone(), 1));
    view! {
        <section class="card" id="kpi-jobs">
            <h2>{tr(Text::JobsBehind)}" · "{label.unwrap_or_else(|| tr(Text::AllJobsOfFilter)().to_owned())}</h2>
            {move || match jobs.get() {
                None => view! { <p class="muted">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="message error">{crate::shell::said(&e)}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <p class="muted" id="kpi-jobs-count">{tr(Text::FinishedJobs)}": "{list.total}</p>
                    <table class="orders-table">
                        <thead><tr>
                            <th>{tr(Text::WorkOrders)}</th><th>{tr(Text::Done)}</th><th>{tr(Text::Engineer)}</th>
                            <th>{tr(Text::Region)}</th><th>{tr(Text::Category)}</th><th>{tr(Text::Model)}</th>
                            <th>{tr(Text::FirstTimeFixShort)}</th><th>{tr(Text::Visits)}</th><th>"CSAT"</th>
                        </tr></thead>
                        <tbody>
                            {list.jobs.into_iter().map(|j| {
                                let id = j.work_order_id;
                                view! {
                                    <tr class="kpi-job" data-number=j.number.clone() data-ftf=j.fixed_first_time.to_string()>
                                        <td><button type="button" class="link" on:click=move |_| shell.go(Screen::Orders(Some(id)))>{j.number.clone()}</button></td>
                                        <td>{j.day.to_string()}</td>
                                        <td>{j.engineer_name.clone().unwrap_or_default()}</td>
                                        <td>{j.region.clone()}</td>
                                        <td>{crate::format::category(&j.category, lang.get_untracked())}</td>
                                        <td>{j.model.clone().unwrap_or_default()}</td>
                                        <td>{if j.fixed_first_time { tr(Text::Yes)() } else { tr(Text::No)() }}</td>
                                        <td>{j.visits}</td>
                                        <td>{j.csat.map(|c| c.to_string()).unwrap_or_default()}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}

/// The targets per KPI (Settings; service managers and admins).
#[component]
pub fn Targets() -> impl IntoView {
    let shell = shell();
    let lang = lang();
    let values: Vec<(Kpi, RwSignal<String>)> =
        Kpi::ALL.map(|k| (k, RwSignal::new(String::new()))).to_vec();
    let version = RwSignal::new(None::<u64>);
    let failed = RwSignal::new(None::<UiError>);
    let kept = StoredValue::new(values.clone());
    let load = move || {
        spawn_local(async move {
            match backend().kpi_targets().await {
                Ok(t) => {
                    kept.with_value(|v| {
                        for (k, s) in v {
                            s.set(t.targets.get(k).map(|x| x.to_string()).unwrap_or_default());
                        }
                    });
                    version.set(Some(t.version));
                }
                Err(e) => failed.set(Some(e)),
            }
        })
    };
    load();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(at) = version.get_untracked() else {
            return;
        };
        let mut targets = BTreeMap::new();
        let mut bad = false;
        kept.with_value(|v| {
            for (k, s) in v {
                let text = s.get_untracked();
                match text.trim() {
                    "" => {}
                    t => match t.parse::<f64>() {
                        Ok(x) => {
                            targets.insert(*k, x);
                        }
                        Err(_) => bad = true,
                    },
                }
            }
        });
        if bad {
            failed.set(Some(UiError::new("invalid_input", "not a number")));
            return;
        }
        spawn_local(async move {
            match backend().save_kpi_targets(targets, at).await {
                Ok(t) => {
                    failed.set(None);
                    version.set(Some(t.version));
                    shell.tell(Text::Saved.in_lang(lang.get_untracked()));
                }
                Err(e) => failed.set(Some(e)),
            }
        });
    };
    view! {
        <section class="kpi-targets">
            <h2>{tr(Text::KpiTargets)}</h2>
            <p class="muted">{tr(Text::KpiTargetsExplained)}</p>
            {move || failed.get().map(|e| view! { <p class="message error" id="kpi-targets-error">{crate::shell::said(&e)}</p> })}
            <form class="card form-grid" id="kpi-targets-form" on:submit=save>
                {values.into_iter().map(|(k, s)| view! {
                    <label>{move || kpi_name(k, lang.get())}
                        <input class="kpi-target" data-kpi=k.as_str() inputmode="decimal" bind:value=s/></label>
                }).collect_view()}
                <div class="row"><button type="submit" class="primary" id="kpi-targets-save">{tr(Text::Save)}</button></div>
            </form>
        </section>
    }
}
