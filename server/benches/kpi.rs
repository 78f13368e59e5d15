//! `cargo xtask bench kpi`: the dashboard over three years of a 300-engineer company — 1,000,000
//! work orders, 5,000,000 history rows, 300,000 survey answers, and the KPI rollup the server
//! keeps (`job_facts`, one row per job) — for a month by engineer and a year by region, beside
//! the time SQLite needs for one plain `GROUP BY` scan over the same rows.
//!
//! The work orders and history rows are written straight into the schema with documents of a
//! realistic size that nothing here reads (the dashboard reads only the rollup); the rollup's
//! rows are drawn from realistic distributions with a fixed seed. `FIXLINE_BENCH_JOBS` scales it
//! down (default 1,000,000).

use fixline_server::store::prelude::*;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use fixline_api::kpi::{KpiQuery, KpiSlice};
use fixline_core::engineer::{EngineerDetails, ShiftPattern};
use fixline_core::ids::EngineerId;
use fixline_core::position::Position;
use fixline_server::store::{FactsArea, SqliteStore};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{Connection, params};

const REGIONS: [&str; 10] = [
    "西湖区",
    "上城区",
    "拱墅区",
    "滨江区",
    "萧山区",
    "余杭区",
    "临平区",
    "钱塘区",
    "富阳区",
    "临安区",
];
const CATEGORIES: [&str; 4] = ["refrigeration", "hvac", "kitchen", "laundry"];
const CHANNELS: [&str; 7] = [
    "phone", "phone", "web_form", "wechat", "app", "email", "api",
];

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Writes the company's three years. Returns the engineers made.
fn seed(db: &std::path::Path, jobs: u64) -> anyhow::Result<Vec<(EngineerId, &'static str)>> {
    let store = SqliteStore::open(db)?;
    let mut engineers = Vec::new();
    let at = Utc.with_ymd_and_hms(2023, 12, 1, 0, 0, 0).unwrap();
    for i in 0..300u32 {
        let region = REGIONS[i as usize % REGIONS.len()];
        let id = EngineerId::from_uuid(uuid::Uuid::from_u128(u128::from(i) + 1));
        let details = EngineerDetails {
            name: format!("工程师{i:03}"),
            phone: format!("138 0571 {i:04}"),
            region: region.to_owned(),
            skills: Vec::new(),
            certifications: Vec::new(),
            home_base: Position::new(30.27, 120.13)?,
            shift: ShiftPattern {
                weekdays: vec![1, 2, 3, 4, 5, 6],
                start: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
                end: NaiveTime::from_hms_opt(17, 30, 0).unwrap(),
                break_minutes: 60,
            },
        };
        store.create_engineer(id, details, at)?;
        engineers.push((id, region));
    }
    drop(store);

    let mut c = Connection::open(db)?;
    c.pragma_update(None, "synchronous", "OFF")?;
    // The jobs name customers and sites this bench does not make: the dashboard never reads them.
    c.pragma_update(None, "foreign_keys", "OFF")?;
    let tx = c.transaction()?;
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    let first_day = NaiveDate::from_ymd_opt(2023, 12, 1).unwrap();
    let days = 3 * 365;
    let doc = format!("{{\"placeholder\":\"{}\"}}", "x".repeat(900));
    let history_doc = format!("{{\"placeholder\":\"{}\"}}", "h".repeat(200));
    {
        let mut wo = tx.prepare(
            "INSERT INTO work_orders (id, number_seq, customer_id, site_id, region, status, priority,
                assignee, channel, created_at, updated_at, search_text, version, doc)
             VALUES (?1, ?2, ?3, ?3, ?4, 'closed', 'P3', ?5, ?6, ?7, ?7, '', 5, ?8)",
        )?;
        let mut history = tx.prepare(
            "INSERT INTO work_order_history (work_order_id, version, at, recorded_at, doc)
             VALUES (?1, ?2, ?3, ?3, ?4)",
        )?;
        let mut survey = tx.prepare(
            "INSERT INTO surveys (work_order_id, source, csat, nps, effort, fixed,
                first_answered_at, answered_at, doc) VALUES (?1, 'customer_page', ?2, ?3, ?4, 1, ?5, ?5, '{}')",
        )?;
        let mut fact = tx.prepare(
            "INSERT INTO job_facts (work_order_id, number, machine, created_at, finished_at, day,
                engineer_id, region, category, model, channel, first_visit_fix, reworked, visits,
                first_contact, respond_secs, arrive_secs, resolve_secs, respond_on_time,
                arrive_on_time, resolve_on_time, on_site_minutes, travel_minutes,
                parts_at_first_visit, cost_minor, fault_code, cause_code, csat, nps, effort,
                qa_percent, complaints)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31)",
        )?;
        for n in 0..jobs {
            let id = uuid::Uuid::from_u128(u128::from(n) + 1_000_000).to_string();
            let day = first_day + TimeDelta::days(rng.random_range(0..days));
            let at = Utc.from_utc_datetime(&day.and_hms_opt(3, 0, 0).unwrap());
            let ts = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            let (engineer, region) = engineers[rng.random_range(0..engineers.len())];
            let channel = CHANNELS[rng.random_range(0..CHANNELS.len())];
            wo.execute(params![
                id,
                n as i64 + 1,
                id,
                region,
                engineer.to_string(),
                channel,
                ts,
                doc
            ])?;
            for v in 1..=5 {
                history.execute(params![id, v, ts, history_doc])?;
            }
            let answered = n % 10 < 3;
            let (csat, nps, effort) = (
                rng.random_range(1..=5u8),
                rng.random_range(0..=10u8),
                rng.random_range(1..=7u8),
            );
            if answered {
                survey.execute(params![id, csat, nps, effort, ts])?;
            }
            let visits: u32 = if rng.random_bool(0.82) { 1 } else { 2 };
            let model = format!("FX-{:02}", rng.random_range(0..40));
            let resolve = rng.random_range(3_600..172_800i64);
            fact.execute(params![
                id,
                format!("WO-{n:07}"),
                format!("asset:{}", rng.random_range(0..400_000)),
                ts,
                day.to_string(),
                engineer.to_string(),
                region,
                CATEGORIES[rng.random_range(0..CATEGORIES.len())],
                model,
                channel,
                visits == 1,
                rng.random_bool(0.05),
                visits,
                rng.random_bool(0.04),
                rng.random_range(60..7_200i64),
                rng.random_range(1_800..28_800i64),
                resolve,
                rng.random_bool(0.93),
                rng.random_bool(0.9),
                resolve < 86_400,
                rng.random_range(20..240i64),
                rng.random_range(10..90i64),
                rng.random_bool(0.9),
                rng.random_range(5_000..120_000i64),
                format!("F{:02}", rng.random_range(0..20)),
                format!("C{:02}", rng.random_range(0..12)),
                answered.then_some(csat),
                answered.then_some(nps),
                answered.then_some(effort),
                rng.random_bool(0.02)
                    .then(|| rng.random_range(50.0..100.0f64)),
                u32::from(rng.random_bool(0.01)),
            ])?;
        }
    }
    tx.commit()?;
    c.execute_batch("ANALYZE")?;
    Ok(engineers)
}

fn main() -> anyhow::Result<()> {
    let jobs = env_or("FIXLINE_BENCH_JOBS", 1_000_000);
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("kpi.db");
    let t = Instant::now();
    seed(&db, jobs)?;
    let size = std::fs::metadata(&db)?.len() as f64 / 1e9;
    println!(
        "seeded {jobs} work orders, {} history rows, {} survey answers, {jobs} KPI facts ({size:.1} GB) in {:.0} s",
        jobs * 5,
        jobs * 3 / 10,
        t.elapsed().as_secs_f64()
    );
    let store = SqliteStore::open(&db)?;
    store.set_facts_area(FactsArea::default())?;
    let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let baseline = Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;

    println!();
    println!(
        "| dashboard | jobs in it | Fixline (median of 5) | reading the rows alone (both periods, one after the other) | plain GROUP BY scans of the same rows | ratio |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, from, by, column) in [
        (
            "November 2026 by engineer",
            "2026-11-01",
            KpiSlice::Engineer,
            "engineer_id",
        ),
        (
            "Dec 2025 – Nov 2026 by region",
            "2025-12-01",
            KpiSlice::Region,
            "region",
        ),
    ] {
        let q = KpiQuery {
            from: Some(from.parse()?),
            to: Some(today),
            by,
            ..KpiQuery::default()
        };
        let mut runs = Vec::new();
        let mut rows = 0;
        for _ in 0..6 {
            let t = Instant::now();
            let table = fixline_server::ops::kpis::table(&store, &q, today)?;
            runs.push(t.elapsed());
            rows = table.total.jobs;
        }
        runs.remove(0);
        // The rows alone, read as the dashboard reads them (both periods), folded into nothing.
        let mut reads = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            for (from, to) in [
                (q.from.unwrap(), today),
                fixline_core::kpi::previous_period(q.from.unwrap(), today),
            ] {
                let filter = fixline_api::kpi::KpiFilter {
                    from: Some(from),
                    to: Some(to),
                    ..Default::default()
                };
                store.fold_job_facts(&filter, &mut |v| {
                    std::hint::black_box(v.facts.visits);
                })?;
            }
            reads.push(t.elapsed());
        }
        let sql = format!(
            "SELECT {column}, COUNT(*), SUM(first_visit_fix), SUM(resolve_secs), AVG(csat)
             FROM job_facts WHERE day BETWEEN ?1 AND ?2 GROUP BY {column}"
        );
        // Over the same rows the dashboard reads: the period and the one before it.
        let (before_from, before_to) = fixline_core::kpi::previous_period(q.from.unwrap(), today);
        let mut plain = Vec::new();
        for _ in 0..6 {
            let t = Instant::now();
            let mut stmt = baseline.prepare_cached(&sql)?;
            for (a, b) in [
                (from.to_owned(), today.to_string()),
                (before_from.to_string(), before_to.to_string()),
            ] {
                let n = stmt
                    .query_map(params![a, b], |r| r.get::<_, i64>(1))?
                    .count();
                assert!(n > 0);
            }
            plain.push(t.elapsed());
        }
        plain.remove(0);
        let (ours, floor) = (median(runs), median(plain));
        println!(
            "| {name} | {rows} | {:.0} ms | {:.0} ms | {:.0} ms | {:.1}× |",
            ms(ours),
            ms(median(reads)),
            ms(floor),
            ms(ours) / ms(floor)
        );
    }
    Ok(())
}
