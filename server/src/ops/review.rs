//! The service review (定期复盘): improvement actions (made, moved on, closed with what
//! happened), and the monthly or quarterly review pack, a PDF of the KPIs against target and
//! the period before, their trend, the top complaints and root causes, the QA results and the
//! improvement actions.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use fixline_api::kpi::{KpiQuery, KpiSlice};
use fixline_core::Timestamp;
use fixline_core::ids::ImprovementId;
use fixline_core::improvement::{ActionDetails, ImprovementAction};
use fixline_core::kpi::{self, Kpi};
use fixline_receipt::report::{Block, Report, Section};

use crate::config::Config;
use crate::error::Result;
use crate::ops::kpis;
use crate::store::Store;

pub fn create_action(
    store: &dyn Store,
    details: ActionDetails,
    now: Timestamp,
) -> Result<ImprovementAction> {
    let action = ImprovementAction {
        id: ImprovementId::from_uuid(uuid::Uuid::now_v7()),
        details: details.validated()?,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    store.create_improvement_action(&action)?;
    Ok(action)
}

pub fn change_action(
    store: &dyn Store,
    id: ImprovementId,
    expected: u64,
    details: ActionDetails,
    now: Timestamp,
) -> Result<ImprovementAction> {
    let details = details.validated()?;
    store.update_improvement_action(id, expected, &mut |current| {
        Ok(ImprovementAction {
            details: details.clone(),
            updated_at: now,
            version: current.version + 1,
            ..current.clone()
        })
    })
}

/// A review period: `2026-11` (a month) or `2026-Q4` (a quarter); its first and last day.
pub fn review_period(name: &str) -> Result<(NaiveDate, NaiveDate)> {
    let bad = || {
        crate::error::Error::from(fixline_core::Error::invalid(
            "period",
            format!("{name:?} is neither a month (2026-11) nor a quarter (2026-Q4)"),
        ))
    };
    let (year, rest) = name.split_once('-').ok_or_else(bad)?;
    let year: i32 = year.parse().map_err(|_| bad())?;
    let (first_month, months) = match rest.strip_prefix('Q') {
        Some(q) => match q.parse::<u32>() {
            Ok(q @ 1..=4) => (q * 3 - 2, 3),
            _ => return Err(bad()),
        },
        None => match rest.parse::<u32>() {
            Ok(m @ 1..=12) => (m, 1),
            _ => return Err(bad()),
        },
    };
    let from = NaiveDate::from_ymd_opt(year, first_month, 1)
        .filter(|_| (2000..=2100).contains(&year))
        .ok_or_else(bad)?;
    let to = (from + Months::new(months)).pred_opt().ok_or_else(bad)?;
    Ok((from, to))
}

/// The words of the review pack in one language.
struct Words {
    chinese: bool,
}

impl Words {
    fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.chinese { zh } else { en }
    }
}

/// The review pack for a period: the KPIs against target and the period before, the trend of
/// the main ones over twelve months, the complaints received by category, the top faults and
/// root causes per model, the QA results, and the improvement actions (open ones, and those
/// closed in the period, with what happened).
pub fn pack(
    store: &dyn Store,
    config: &Config,
    period: &str,
    chinese: bool,
    today: NaiveDate,
) -> Result<Report> {
    let w = Words { chinese };
    let (from, to) = review_period(period)?;
    let query = KpiQuery {
        from: Some(from),
        to: Some(to),
        by: KpiSlice::Region,
        ..KpiQuery::default()
    };
    let table = kpis::table(store, &query, today)?;
    let (previous_from, previous_to) = kpi::previous_period(from, to);
    let targets = &table.targets.targets;
    let name = |k: Kpi| {
        let (zh, en) = k.names();
        w.pick(zh, en).to_owned()
    };
    let kpi_rows = Kpi::ALL
        .iter()
        .map(|&k| {
            let value = k.value(&table.total);
            let target = targets.get(&k).copied();
            let status = match value.zip(target) {
                Some((v, t)) if k.misses(v, t) => w.pick("未达目标", "Below target"),
                Some(_) => w.pick("达标", "On target"),
                None => "—",
            };
            vec![
                name(k),
                k.show(value),
                k.show(k.value(&table.previous)),
                k.show(target),
                status.to_owned(),
            ]
        })
        .collect();
    let mut sections = vec![Section {
        heading: w
            .pick("一、指标与目标", "1. KPIs against target")
            .to_owned(),
        blocks: vec![
            Block::Note(format!(
                "{} {} · {} {} – {}",
                w.pick("完成工单", "Finished jobs"),
                table.total.jobs,
                w.pick("上一周期", "Previous period"),
                previous_from,
                previous_to
            )),
            Block::Table {
                columns: [
                    w.pick("指标", "KPI"),
                    w.pick("本期", "This period"),
                    w.pick("上期", "Previous"),
                    w.pick("目标", "Target"),
                    w.pick("状态", "Status"),
                ]
                .map(str::to_owned)
                .to_vec(),
                rows: kpi_rows,
            },
        ],
    }];

    // The trend of the main KPIs over the twelve months to the period's end.
    let mut charts = Vec::new();
    for k in [Kpi::FirstTimeFix, Kpi::Csat, Kpi::SlaResolve] {
        let c = kpis::charts_series(store, &query, k, today)?;
        charts.push(Block::Chart {
            title: name(k),
            points: c,
            target: targets.get(&k).copied(),
        });
    }
    sections.push(Section {
        heading: w
            .pick("二、近十二个月趋势", "2. The last twelve months")
            .to_owned(),
        blocks: charts,
    });

    // By region.
    let region_rows = table
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![r.label.clone(), r.figures.jobs.to_string()];
            row.extend(
                [
                    Kpi::FirstTimeFix,
                    Kpi::Csat,
                    Kpi::SlaResolve,
                    Kpi::ComplaintsPer100Jobs,
                ]
                .map(|k| k.show(k.value(&r.figures))),
            );
            row
        })
        .collect();
    sections.push(Section {
        heading: w.pick("三、各区域", "3. By region").to_owned(),
        blocks: vec![Block::Table {
            columns: vec![
                w.pick("区域", "Region").to_owned(),
                w.pick("工单", "Jobs").to_owned(),
                name(Kpi::FirstTimeFix),
                name(Kpi::Csat),
                name(Kpi::SlaResolve),
                name(Kpi::ComplaintsPer100Jobs),
            ],
            rows: region_rows,
        }],
    });

    // Complaints received, by category, most first.
    let zone = config.service_area.time_zone;
    let received = store.complaints_received(zone.day_start(from), zone.day_end(to))?;
    let mut by_category: BTreeMap<String, u64> = BTreeMap::new();
    for c in &received {
        *by_category.entry(c.category.clone()).or_default() += 1;
    }
    let in_time = kpi::complaints_resolved_in_time(&received);
    let mut by_category: Vec<(String, u64)> = by_category.into_iter().collect();
    by_category.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let codes = |list: &[fixline_api::kpi::CodeCount]| {
        list.iter()
            .map(|c| {
                vec![
                    if c.model.is_empty() {
                        "—".to_owned()
                    } else {
                        c.model.clone()
                    },
                    c.code.clone(),
                    c.jobs.to_string(),
                ]
            })
            .collect::<Vec<_>>()
    };
    let code_columns = vec![
        w.pick("型号", "Model").to_owned(),
        w.pick("代码", "Code").to_owned(),
        w.pick("工单", "Jobs").to_owned(),
    ];
    sections.push(Section {
        heading: w
            .pick("四、投诉与根本原因", "4. Complaints and root causes")
            .to_owned(),
        blocks: vec![
            Block::Note(format!(
                "{} {} · {} {}",
                w.pick("本期投诉", "Complaints received"),
                received.len(),
                w.pick("按期解决", "Resolved by their deadline"),
                match in_time.percent() {
                    Some(p) => format!("{p:.1}% ({}/{})", in_time.numerator, in_time.denominator),
                    None => "—".to_owned(),
                }
            )),
            Block::Table {
                columns: vec![
                    w.pick("投诉类别", "Complaint category").to_owned(),
                    w.pick("件数", "Count").to_owned(),
                ],
                rows: by_category
                    .into_iter()
                    .map(|(c, n)| vec![c, n.to_string()])
                    .collect(),
            },
            Block::Note(w.pick("高发故障", "Top faults").to_owned()),
            Block::Table {
                columns: code_columns.clone(),
                rows: codes(&table.top_faults),
            },
            Block::Note(w.pick("主要原因", "Top root causes").to_owned()),
            Block::Table {
                columns: code_columns,
                rows: codes(&table.top_causes),
            },
        ],
    });

    // QA reviews of the period, per engineer.
    let mut qa: BTreeMap<String, (u32, f64)> = BTreeMap::new();
    for review in store.qa_reviews(None)? {
        let day = zone.local_day(review.at);
        if day < from || day > to {
            continue;
        }
        let name = store.engineer(review.engineer)?.details.name;
        let e = qa.entry(name).or_default();
        e.0 += 1;
        e.1 += review.percent();
    }
    sections.push(Section {
        heading: w.pick("五、质检结果", "5. Quality reviews").to_owned(),
        blocks: vec![Block::Table {
            columns: vec![
                w.pick("工程师", "Engineer").to_owned(),
                w.pick("质检单数", "Reviews").to_owned(),
                w.pick("平均得分", "Average").to_owned(),
            ],
            rows: qa
                .into_iter()
                .map(|(name, (n, sum))| {
                    vec![name, n.to_string(), format!("{:.0}%", sum / f64::from(n))]
                })
                .collect(),
        }],
    });

    // Improvement actions: every open one, and those closed during the period.
    let actions: Vec<Vec<String>> = store
        .improvement_actions()?
        .into_iter()
        .filter(|a| {
            a.details.status.is_open() || {
                let day = zone.local_day(a.updated_at);
                day >= from && day <= to
            }
        })
        .map(|a| {
            let (zh, en) = a.details.status.names();
            let mut status = w.pick(zh, en).to_owned();
            if a.overdue(to) {
                status.push_str(w.pick("（逾期）", " (overdue)"));
            }
            vec![
                a.details.what.clone(),
                a.details.owner.clone(),
                a.details.due.to_string(),
                name(a.details.kpi),
                status,
                a.details.outcome.clone().unwrap_or_default(),
            ]
        })
        .collect();
    sections.push(Section {
        heading: w.pick("六、改进措施", "6. Improvement actions").to_owned(),
        blocks: vec![Block::Table {
            columns: vec![
                w.pick("措施", "Action").to_owned(),
                w.pick("负责人", "Owner").to_owned(),
                w.pick("期限", "Due").to_owned(),
                w.pick("指标", "KPI").to_owned(),
                w.pick("状态", "Status").to_owned(),
                w.pick("结果", "Outcome").to_owned(),
            ],
            rows: actions,
        }],
    });

    let quarterly = period.contains('Q');
    Ok(Report {
        title: format!(
            "{} {period}",
            if quarterly {
                w.pick("服务季度复盘", "Quarterly service review")
            } else {
                w.pick("服务月度复盘", "Monthly service review")
            }
        ),
        subtitle: format!("{from} – {to} · {}", zone.name()),
        sections,
    })
}
