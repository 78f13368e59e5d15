//! Knowledge search on the device (`cargo xtask bench kb`): 50,000 articles in Chinese and
//! English in a device store on disk (10 products × 12 parts × 10 ways to fail, 18 general
//! symptoms, models and codes), then 1,000 queries of the kinds engineers type (a part and how
//! it fails, a symptom, a product and part, fault codes, models, English words, two-character
//! words, typos). Each
//! query runs through the store (`DeviceStore::find_articles`: plan, synonyms, scope, ranking,
//! the articles read back) and, beside it, as the same FTS5 MATCH run raw (`fixline_kb::raw`:
//! the expression alone, FTS5's own rank, rowids only). Prints p50 and p99 of both and the ratio.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use fixline_core::customer::Language;
use fixline_core::device::DeviceUser;
use fixline_core::ids::{ArticleId, UserId};
use fixline_core::knowledge::{Article, ArticleContent, ArticleKind, Audience};
use fixline_core::role::Role;
use fixline_core::sync::{PullRecord, SyncCursor};
use fixline_device::{DeviceStore, Session};
use rand::{Rng, SeedableRng, rngs::StdRng};

const ARTICLES: usize = 50_000;
const QUERIES: usize = 1_000;

const PRODUCTS: &[&str] = &[
    "空调",
    "冷柜",
    "冰箱",
    "洗衣机",
    "热水器",
    "净水器",
    "油烟机",
    "洗碗机",
    "制冰机",
    "展示柜",
];
const FAULTS: &[&str] = &[
    "不制冷",
    "不制热",
    "漏水",
    "异响",
    "不开机",
    "不启动",
    "结霜",
    "跳闸",
    "不出水",
    "显示故障码",
    "噪音大",
    "温度不稳定",
    "压缩机过热",
    "风扇不转",
    "门封漏冷",
    "排水不畅",
    "遥控失灵",
    "有异味",
];
/// The parts a fault is in and what goes wrong with them: 120 specific faults, as a knowledge
/// base of this size is mostly about one part failing one way on one product.
const COMPONENTS: &[&str] = &[
    "压缩机",
    "风扇电机",
    "温控器",
    "门封条",
    "排水泵",
    "加热管",
    "主控板",
    "显示屏",
    "温度传感器",
    "进水阀",
    "冷凝器",
    "蒸发器",
];
const FAILURES: &[&str] = &[
    "不工作",
    "异响",
    "过热",
    "漏水",
    "损坏",
    "报警",
    "失灵",
    "结冰",
    "短路",
    "接触不良",
];
const EN_COMPONENTS: &[&str] = &[
    "compressor",
    "fan motor",
    "thermostat",
    "door seal",
    "drain pump",
    "heating element",
    "control board",
    "display",
    "temperature sensor",
    "water valve",
];
const EN_FAILURES: &[&str] = &[
    "not working",
    "noisy",
    "overheating",
    "leaking",
    "broken",
    "alarm",
    "stuck",
    "iced up",
];
const STEPS: &[&str] = &[
    "断电挂牌，确认设备无电后再打开面板。",
    "检查电源电压和接线端子。",
    "测量启动电容和启动继电器。",
    "清洗冷凝器和过滤网。",
    "检查制冷剂压力，必要时检漏。",
    "更换损坏的配件并记录序列号。",
    "通电试机三十分钟，与客户确认。",
    "检查排水管是否堵塞或弯折。",
    "读取故障码并对照维修手册。",
];
const EN_PRODUCTS: &[&str] = &[
    "air conditioner",
    "freezer",
    "refrigerator",
    "washing machine",
    "water heater",
    "ice maker",
    "display cabinet",
];
const EN_FAULTS: &[&str] = &[
    "not cooling",
    "leaking water",
    "noisy fan",
    "will not start",
    "icing up",
    "tripping the breaker",
    "no hot water",
    "error code shown",
    "compressor overheating",
    "door seal leaking",
    "bad smell",
];
const EN_STEPS: &[&str] = &[
    "Isolate power and lock out before opening any panel.",
    "Check the supply voltage and terminals.",
    "Measure the start capacitor and relay.",
    "Clean the condenser and filters.",
    "Check refrigerant pressure and look for leaks.",
    "Replace the failed part and record its serial.",
    "Run for thirty minutes and confirm with the customer.",
    "Clear the drain line.",
];

fn model(rng: &mut StdRng) -> String {
    let series = ["KFR", "BCD", "XQG", "JSQ", "FX-SC", "CXW", "WQP"];
    format!(
        "{}-{}",
        series[rng.random_range(0..series.len())],
        rng.random_range(10..999)
    )
}

fn code(rng: &mut StdRng) -> String {
    let letters = ["E", "F", "P", "H", "RF0", "AC0"];
    format!(
        "{}{}",
        letters[rng.random_range(0..letters.len())],
        rng.random_range(1..10)
    )
}

fn article(i: usize, rng: &mut StdRng) -> Article {
    let pick = |rng: &mut StdRng, list: &[&'static str]| list[rng.random_range(0..list.len())];
    let zh = !i.is_multiple_of(3);
    let (title, symptoms, body) = if zh {
        let (p, c, f) = (
            pick(rng, PRODUCTS),
            pick(rng, COMPONENTS),
            pick(rng, FAILURES),
        );
        let steps: Vec<String> = (0..rng.random_range(4..9))
            .map(|n| format!("{}. {}", n + 1, pick(rng, STEPS)))
            .collect();
        (
            format!("{p}{c}{f}的处理（{i}）"),
            format!("{p}{}，{c}{f}", pick(rng, FAULTS)),
            steps.join("\n"),
        )
    } else {
        let (p, c, f) = (
            pick(rng, EN_PRODUCTS),
            pick(rng, EN_COMPONENTS),
            pick(rng, EN_FAILURES),
        );
        let steps: Vec<String> = (0..rng.random_range(4..9))
            .map(|n| format!("{}. {}", n + 1, pick(rng, EN_STEPS)))
            .collect();
        (
            format!("{p} {c} {f} ({i})"),
            format!("{p} {}; {c} {f}", pick(rng, EN_FAULTS)),
            steps.join("\n"),
        )
    };
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
    let content = ArticleContent {
        kind: [
            ArticleKind::RepairGuide,
            ArticleKind::Faq,
            ArticleKind::Policy,
            ArticleKind::SafetyNote,
        ][i % 4],
        language: if zh { Language::ZhCn } else { Language::En },
        audience: if i.is_multiple_of(5) {
            Audience::Public
        } else {
            Audience::Staff
        },
        title,
        symptoms,
        fault_codes: vec![code(rng)],
        models: vec![model(rng), model(rng)],
        categories: vec![],
        body,
        parts: vec![],
        tools: vec![],
        images: vec![],
    };
    let mut a = Article::new(
        ArticleId::from_uuid(uuid::Uuid::from_u128(i as u128 + 1)),
        content,
        at,
    )
    .unwrap();
    a.publish(at).unwrap();
    a
}

/// What engineers type: mostly a part and what it does, or a symptom; codes and models; English
/// words; short words; typos.
fn query(rng: &mut StdRng) -> String {
    let pick =
        |rng: &mut StdRng, list: &[&'static str]| list[rng.random_range(0..list.len())].to_owned();
    match rng.random_range(0..20) {
        0..=4 => format!("{}{}", pick(rng, COMPONENTS), pick(rng, FAILURES)),
        5..=6 => format!("{} {}", pick(rng, PRODUCTS), pick(rng, COMPONENTS)),
        7..=8 => pick(rng, FAULTS),
        9 => format!("{}{}", pick(rng, PRODUCTS), pick(rng, FAULTS)),
        10..=11 => code(rng),
        12..=13 => model(rng),
        14..=15 => format!("{} {}", pick(rng, EN_COMPONENTS), pick(rng, EN_FAILURES)),
        16..=17 => {
            ["漏水", "异响", "跳闸", "结霜", "不冷", "E1", "F3"][rng.random_range(0..7)].to_owned()
        }
        _ => ["compresor", "thermostst", "leeking", "condensor", "displya"][rng.random_range(0..5)]
            .to_owned(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize - 1;
    sorted[rank.min(sorted.len() - 1)]
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("device.db");
    let store = DeviceStore::open(&path).expect("device store");
    store
        .sign_in(&Session {
            server_url: "http://127.0.0.1:9".into(),
            token: "bench".into(),
            user: DeviceUser {
                id: UserId::from_uuid(uuid::Uuid::from_u128(1)),
                username: "bench".into(),
                display_name: "Bench".into(),
                role: Role::Engineer,
                engineer_id: None,
            },
        })
        .expect("session");
    let mut rng = StdRng::seed_from_u64(18);
    let loading = Instant::now();
    for chunk in 0..ARTICLES / 1_000 {
        let page: Vec<PullRecord> = (chunk * 1_000..(chunk + 1) * 1_000)
            .map(|i| PullRecord::Article(Box::new(article(i, &mut rng))))
            .collect();
        store
            .store_page(&page, &SyncCursor::Log { seq: chunk as i64 })
            .expect("page");
    }
    // As the sync engine does after a pull that brought many articles.
    store.tidy_search_index().expect("tidy");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "{ARTICLES} articles stored and indexed in {:.1} s ({:.0} MB on disk)",
        loading.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );
    // What a pull of a few articles costs on top (the tidy above did the same once).
    let refreshing = Instant::now();
    store.refresh_broad_words().expect("broad words");
    let refreshed = refreshing.elapsed();
    let queries: Vec<String> = (0..QUERIES).map(|_| query(&mut rng)).collect();
    // The raw query on a connection set up as the store's is (mapped, the same cache).
    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    raw.pragma_update(None, "mmap_size", 256 * 1024 * 1024)
        .expect("mmap");
    let broad: i64 = raw
        .query_row("SELECT count(*) FROM article_broad", [], |r| r.get(0))
        .expect("article_broad");
    println!(
        "first pages of {broad} broad words (in {}+ articles) worked out in {:.0} ms",
        fixline_kb::BROAD,
        refreshed.as_secs_f64() * 1e3
    );
    raw.pragma_update(None, "cache_size", -16_000)
        .expect("cache");
    // Warm both paths once (page cache, prepared statements).
    for q in queries.iter().take(50) {
        store.find_articles(q, None).expect("search");
        fixline_kb::raw(&raw, q, 20).expect("raw");
    }
    let (mut ours, mut bare) = (Vec::with_capacity(QUERIES), Vec::with_capacity(QUERIES));
    let mut found = 0;
    let mut slowest: Vec<(Duration, &str)> = Vec::new();
    let mut slowest_raw: Vec<(Duration, &str)> = Vec::new();
    for q in &queries {
        let t = Instant::now();
        found += usize::from(!store.find_articles(q, None).expect("search").is_empty());
        ours.push(t.elapsed());
        slowest.push((t.elapsed(), q));
        let t = Instant::now();
        fixline_kb::raw(&raw, q, 20).expect("raw");
        bare.push(t.elapsed());
        slowest_raw.push((t.elapsed(), q));
    }
    ours.sort();
    bare.sort();
    slowest.sort_by_key(|(d, _)| std::cmp::Reverse(*d));
    slowest_raw.sort_by_key(|(d, _)| std::cmp::Reverse(*d));
    let count = |q: &str| -> i64 {
        let plan = fixline_core::knowledge::search::plan(q);
        let (table, expr) = match (&plan.words, &plan.trigram, &plan.bigram) {
            (Some(e), _, _) => ("article_words", e.clone()),
            (None, Some(e), _) => ("article_text", e.clone()),
            (None, None, Some(e)) => ("article_grams", e.clone()),
            _ => return 0,
        };
        raw.query_row(
            &format!("SELECT count(*) FROM {table} WHERE {table} MATCH ?1"),
            [expr],
            |r| r.get(0),
        )
        .unwrap_or(-1)
    };
    if std::env::var_os("FIXLINE_BENCH_DEBUG").is_some() {
        std::fs::copy(&path, "/tmp/kb-bench.db").unwrap();
    }
    println!("slowest queries (articles matched):");
    for (d, q) in slowest.iter().take(8) {
        println!("  {:>6.2} ms  {q:?} ({})", d.as_secs_f64() * 1e3, count(q));
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("slowest raw queries:");
    for (d, q) in slowest_raw.iter().take(8) {
        println!("  {:>6.2} ms  {q:?}", d.as_secs_f64() * 1e3);
    }
    println!("{QUERIES} queries, {found} with results");
    println!(
        "  find_articles   p50 {:>6.2} ms   p99 {:>6.2} ms",
        ms(percentile(&ours, 50.0)),
        ms(percentile(&ours, 99.0))
    );
    println!(
        "  raw FTS5 MATCH  p50 {:>6.2} ms   p99 {:>6.2} ms",
        ms(percentile(&bare, 50.0)),
        ms(percentile(&bare, 99.0))
    );
    println!(
        "  ratio           p50 {:>6.2}x     p99 {:>6.2}x   (target: p99 <= 5 ms and <= 1.5x raw)",
        ms(percentile(&ours, 50.0)) / ms(percentile(&bare, 50.0)),
        ms(percentile(&ours, 99.0)) / ms(percentile(&bare, 99.0))
    );
}
