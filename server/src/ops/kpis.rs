//! The KPI operations: fold the finished jobs' facts (the rollup the store keeps) per slice
//! with core's `Tally`, beside the previous period and the targets; the jobs behind a figure.
//! Every formula is core's; this module only groups and labels.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use fixline_api::kpi::{
    CodeCount, KpiFilter, KpiJob, KpiJobs, KpiQuery, KpiRow, KpiSlice, KpiTable, KpiTargets,
};
use fixline_core::engineer::Engineer;
use fixline_core::ids::EngineerId;
use fixline_core::kpi::{self, Kpi, Tally};

use crate::error::{Error, Result};
use crate::store::{FactView, Paging, Store};

/// The longest period one question may cover (five years of days).
const MAX_DAYS: i64 = 5 * 366;

const TARGETS: &str = "kpi_targets";

/// The period asked for, or this month so far; refused when backwards or too long.
pub fn period(q: &KpiQuery, today: NaiveDate) -> Result<(NaiveDate, NaiveDate)> {
    let to = q.to.unwrap_or(today);
    let from = q.from.unwrap_or_else(|| to.with_day(1).unwrap_or(to));
    if from > to {
        return Err(fixline_core::Error::invalid("from", "the period starts after it ends").into());
    }
    if (to - from).num_days() > MAX_DAYS {
        return Err(fixline_core::Error::invalid("to", "a period of at most five years").into());
    }
    Ok((from, to))
}

/// The slice a job falls in, by its key (an engineer's id, a region, `2026-11`, …).
fn key_of(v: &FactView<'_>, by: KpiSlice) -> String {
    let day = v.facts.day.unwrap_or_default();
    match by {
        KpiSlice::Engineer => v.facts.engineer.map(|e| e.to_string()).unwrap_or_default(),
        KpiSlice::Region => v.region.to_owned(),
        KpiSlice::Category => v.category.to_owned(),
        KpiSlice::Model => v.model.to_owned(),
        KpiSlice::Channel => v.channel.to_owned(),
        KpiSlice::Week => crate::ops::quality::week_of(day),
        KpiSlice::Month => format!("{}-{:02}", day.year(), day.month()),
        KpiSlice::Quarter => format!("{}-Q{}", day.year(), day.month0() / 3 + 1),
    }
}

/// The slice's key without making one when the last row's slice is the same (rows come in
/// day order, so periods repeat in runs; dimensions are compared as borrowed text).
fn same_slice(v: &FactView<'_>, by: KpiSlice, last: &str) -> bool {
    match by {
        KpiSlice::Region => v.region == last,
        KpiSlice::Category => v.category == last,
        KpiSlice::Model => v.model == last,
        KpiSlice::Channel => v.channel == last,
        _ => false,
    }
}

/// Counts of a code per model, found without copying the text of rows already counted.
#[derive(Default)]
struct CodeCounts(HashMap<String, HashMap<String, u64>>);

impl CodeCounts {
    fn add(&mut self, model: &str, code: Option<&str>) {
        let Some(code) = code else { return };
        let codes = match self.0.get_mut(model) {
            Some(codes) => codes,
            None => self.0.entry(model.to_owned()).or_default(),
        };
        match codes.get_mut(code) {
            Some(n) => *n += 1,
            None => {
                codes.insert(code.to_owned(), 1);
            }
        }
    }

    fn into_flat(self) -> HashMap<(String, String), u64> {
        self.0
            .into_iter()
            .flat_map(|(model, codes)| {
                codes
                    .into_iter()
                    .map(move |(code, n)| ((model.clone(), code), n))
            })
            .collect()
    }
}

/// What the engineers' shifts add up to over the engineer-days of a tally.
fn shift_minutes(tally: &Tally, shifts: &HashMap<EngineerId, &Engineer>) -> i64 {
    tally
        .engineer_days()
        .filter_map(|(e, _)| shifts.get(e))
        .map(|e| e.details.shift.working_minutes().max(0))
        .sum()
}

fn engineers(store: &dyn Store) -> Result<Vec<Engineer>> {
    let mut all = Vec::new();
    for page in 1.. {
        let got =
            store.list_engineers(None, Paging::new(Some(page), Some(Paging::MAX_PER_PAGE)))?;
        let n = got.items.len();
        all.extend(got.items);
        if n < Paging::MAX_PER_PAGE as usize {
            break;
        }
    }
    Ok(all)
}

/// The targets in force: as saved in the settings, else core's defaults (version 0).
pub fn targets(store: &dyn Store) -> Result<KpiTargets> {
    Ok(match store.setting(TARGETS)? {
        Some((doc, version)) => KpiTargets {
            targets: serde_json::from_value(doc)
                .map_err(|e| Error::Internal(format!("unreadable setting {TARGETS}: {e}")))?,
            version,
        },
        None => KpiTargets {
            targets: kpi::default_targets(),
            version: 0,
        },
    })
}

/// Saves the targets over the version they were read at.
pub fn save_targets(
    store: &dyn Store,
    targets: BTreeMap<Kpi, f64>,
    expected: u64,
    by: fixline_core::ids::UserId,
    now: fixline_core::Timestamp,
) -> Result<KpiTargets> {
    for (k, v) in &targets {
        kpi::check_target(*k, *v)?;
    }
    let doc = serde_json::to_value(&targets).map_err(|e| Error::Internal(e.to_string()))?;
    let version = store.put_setting(TARGETS, &doc, expected, by, now)?;
    Ok(KpiTargets { targets, version })
}

/// The most frequent codes per model, most first, at most `n`.
fn top(counts: HashMap<(String, String), u64>, n: usize) -> Vec<CodeCount> {
    let mut v: Vec<CodeCount> = counts
        .into_iter()
        .map(|((model, code), jobs)| CodeCount { model, code, jobs })
        .collect();
    v.sort_by(|a, b| {
        b.jobs
            .cmp(&a.jobs)
            .then(a.model.cmp(&b.model))
            .then(a.code.cmp(&b.code))
    });
    v.truncate(n);
    v
}

/// The dashboard: the filter's finished jobs per slice, in total, and over the period before.
pub fn table(store: &dyn Store, q: &KpiQuery, today: NaiveDate) -> Result<KpiTable> {
    let (from, to) = period(q, today)?;
    let engineers = engineers(store)?;
    let shifts: HashMap<EngineerId, &Engineer> = engineers.iter().map(|e| (e.id, e)).collect();
    let mut slices: BTreeMap<String, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    let mut faults = CodeCounts::default();
    let mut causes = CodeCounts::default();
    let filter = KpiFilter {
        from: Some(from),
        to: Some(to),
        ..q.filter()
    };
    let (previous_from, previous_to) = kpi::previous_period(from, to);
    let previous_filter = KpiFilter {
        from: Some(previous_from),
        to: Some(previous_to),
        ..q.filter()
    };
    // The period before is folded on a second reader at the same time (the store's readers
    // are separate connections): the dashboard waits for the longer of the two, not both.
    let mut last_key = String::new();
    let previous = std::thread::scope(|scope| -> Result<Tally> {
        let before = scope.spawn(|| -> Result<Tally> {
            let mut previous = Tally::default();
            store.fold_job_facts(&previous_filter, &mut |v| previous.add(v.facts))?;
            Ok(previous)
        });
        store.fold_job_facts(&filter, &mut |v: &FactView<'_>| {
            if !same_slice(v, q.by, &last_key) {
                last_key = key_of(v, q.by);
            }
            match slices.get_mut(&last_key) {
                Some(tally) => tally.add(v.facts),
                None => slices.entry(last_key.clone()).or_default().add(v.facts),
            }
            faults.add(v.model, v.fault_code);
            causes.add(v.model, v.cause_code);
        })?;
        before
            .join()
            .map_err(|_| Error::Internal("the previous period's fold failed".into()))?
    })?;
    for tally in slices.values() {
        total.merge(tally);
    }
    let rows = slices
        .into_iter()
        .map(|(key, tally)| KpiRow {
            label: match q.by {
                KpiSlice::Engineer => key
                    .parse::<EngineerId>()
                    .ok()
                    .and_then(|id| shifts.get(&id))
                    .map_or_else(|| key.clone(), |e| e.details.name.clone()),
                _ => key.clone(),
            },
            figures: tally.figures(shift_minutes(&tally, &shifts)),
            key,
        })
        .collect();
    Ok(KpiTable {
        from,
        to,
        by: q.by,
        rows,
        total: total.figures(shift_minutes(&total, &shifts)),
        previous: previous.figures(shift_minutes(&previous, &shifts)),
        targets: targets(store)?,
        top_faults: top(faults.into_flat(), 10),
        top_causes: top(causes.into_flat(), 10),
    })
}

/// The filter narrowed to one slice of `by` (its key as in the table's rows): a dimension
/// becomes its filter, a week, month or quarter its days within the period.
fn narrowed(mut f: KpiFilter, by: KpiSlice, key: &str) -> Result<KpiFilter> {
    let mut within = |start: NaiveDate, end: NaiveDate| {
        f.from = f.from.map_or(Some(start), |from| Some(from.max(start)));
        f.to = f.to.map_or(Some(end), |to| Some(to.min(end)));
    };
    match by {
        KpiSlice::Engineer => {
            // A key that names no engineer matches no job.
            f.engineer = Some(
                key.parse()
                    .unwrap_or_else(|_| EngineerId::from_uuid(uuid::Uuid::nil())),
            )
        }
        KpiSlice::Region => f.region = Some(key.to_owned()),
        KpiSlice::Category => f.category = Some(key.to_owned()),
        KpiSlice::Model => f.model = Some(key.to_owned()),
        KpiSlice::Channel => f.channel = Some(key.to_owned()),
        KpiSlice::Week => {
            let monday = crate::ops::quality::parse_week(key)?;
            within(monday, monday + chrono::Days::new(6));
        }
        KpiSlice::Month | KpiSlice::Quarter => {
            let (start, end) = crate::ops::review::review_period(key)?;
            within(start, end);
        }
    }
    Ok(f)
}

/// The jobs behind a slice's figures (`key`; all of the filter without one), newest first, a
/// page at a time (the store pages; a year of jobs is never held at once).
pub fn jobs(store: &dyn Store, q: &KpiQuery, today: NaiveDate, paging: Paging) -> Result<KpiJobs> {
    let (from, to) = period(q, today)?;
    let names: HashMap<EngineerId, String> = engineers(store)?
        .into_iter()
        .map(|e| (e.id, e.details.name))
        .collect();
    let mut filter = KpiFilter {
        from: Some(from),
        to: Some(to),
        ..q.filter()
    };
    if let Some(key) = &q.key {
        filter = narrowed(filter, q.by, key)?;
    }
    if filter.from > filter.to {
        return Ok(KpiJobs {
            jobs: Vec::new(),
            total: 0,
        });
    }
    let (rows, total) = store.job_facts_page(&filter, paging)?;
    let jobs = rows
        .into_iter()
        .map(|row| {
            let f = row.facts;
            KpiJob {
                work_order_id: row.work_order_id,
                number: row.number,
                day: f.day.unwrap_or_default(),
                engineer: f.engineer,
                engineer_name: f.engineer.and_then(|e| names.get(&e).cloned()),
                fixed_first_time: f.fixed_first_time(),
                visits: f.visits,
                resolve_minutes: f.sla_seconds[2].map(|s| s as f64 / 60.0),
                resolved_on_time: f.sla_on_time[2],
                csat: f.survey.map(|s| s.0),
                region: f.region,
                category: f.category,
                model: f.model,
                channel: f.channel,
                fault_code: f.fault_code,
                cause_code: f.cause_code,
            }
        })
        .collect();
    Ok(KpiJobs { jobs, total })
}

/// A KPI month by month over the twelve months to the period's end, a month without jobs as a
/// gap.
pub fn charts_series(
    store: &dyn Store,
    q: &KpiQuery,
    kpi: Kpi,
    today: NaiveDate,
) -> Result<Vec<(String, Option<f64>)>> {
    let (_, to) = period(q, today)?;
    let start = to.with_day(1).unwrap_or(to) - chrono::Months::new(11);
    let months = table(
        store,
        &KpiQuery {
            from: Some(start),
            to: Some(to),
            by: KpiSlice::Month,
            ..q.clone()
        },
        today,
    )?;
    let mut trend = Vec::new();
    let mut month = start;
    while month <= to {
        let key = format!("{}-{:02}", month.year(), month.month());
        let value = months
            .rows
            .iter()
            .find(|r| r.key == key)
            .and_then(|r| kpi.value(&r.figures));
        trend.push((key, value));
        month = month + chrono::Months::new(1);
    }
    Ok(trend)
}

/// One KPI drawn over the twelve months to the period's end (its trend) and per slice of the
/// period, each with its target.
pub fn charts(
    store: &dyn Store,
    q: &KpiQuery,
    kpi: Kpi,
    today: NaiveDate,
    chinese: bool,
) -> Result<fixline_api::kpi::KpiCharts> {
    let trend = charts_series(store, q, kpi, today)?;
    let slices = table(store, q, today)?;
    let target = slices.targets.targets.get(&kpi).copied();
    let (zh, en) = kpi.names();
    let name = if chinese { zh } else { en };
    let bars: Vec<(String, Option<f64>)> = slices
        .rows
        .iter()
        .map(|r| (r.label.clone(), kpi.value(&r.figures)))
        .collect();
    Ok(fixline_api::kpi::KpiCharts {
        kpi,
        trend_svg: crate::charts::trend(name, &trend, target)?,
        slices_svg: crate::charts::bars(name, &bars, target)?,
    })
}
