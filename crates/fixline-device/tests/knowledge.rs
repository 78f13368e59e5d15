//! Search relevance on the device store: a table of what people type and the article that must
//! come first. The articles are the kind a service company writes (zh-CN and English).

use chrono::{TimeZone, Utc};
use fixline_core::customer::Language;
use fixline_core::device::DeviceUser;
use fixline_core::ids::{ArticleId, UserId};
use fixline_core::knowledge::{Article, ArticleContent, ArticleKind};
use fixline_core::role::Role;
use fixline_core::sync::{PullRecord, SyncCursor};
use fixline_device::{DeviceStore, Session};

struct Doc {
    title: &'static str,
    symptoms: &'static str,
    codes: &'static [&'static str],
    models: &'static [&'static str],
    body: &'static str,
    language: Language,
}

const fn doc(
    language: Language,
    (title, symptoms, codes, models, body): (
        &'static str,
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
        &'static str,
    ),
) -> Doc {
    Doc {
        title,
        symptoms,
        codes,
        models,
        body,
        language,
    }
}

macro_rules! zh {
    ($($f:expr),+ $(,)?) => { doc(Language::ZhCn, ($($f),+)) };
}
macro_rules! en {
    ($($f:expr),+ $(,)?) => { doc(Language::En, ($($f),+)) };
}

const DOCS: &[Doc] = &[
    zh!(
        "空调不制冷怎么办",
        "空调开机后出风不凉",
        &["RF01"],
        &["KFR-35GW"],
        "1. 检查滤网是否堵塞\n2. 检查室外机是否运转",
    ),
    zh!(
        "空调显示故障码E1的处理",
        "显示屏出现E1",
        &["E1"],
        &["KFR-35GW"],
        "E1 表示室内温度传感器异常。",
    ),
    zh!(
        "空调显示E10：通讯故障",
        "显示E10",
        &["E10"],
        &["KFR-50LW"],
        "检查内外机连接线。",
    ),
    zh!(
        "冰箱压缩机不启动",
        "冰箱不工作，听不到压缩机声音",
        &["RF02"],
        &["BCD-470"],
        "测量启动电容。",
    ),
    zh!(
        "洗衣机漏水检修",
        "洗衣机底部有水",
        &["WM03"],
        &["XQG100"],
        "检查排水管和门封。",
    ),
    zh!(
        "热水器不加热",
        "热水器不出热水",
        &["WH01"],
        &["JSQ30"],
        "检查点火针和燃气阀。",
    ),
    zh!(
        "保修政策：整机三年",
        "保修期多长",
        &[],
        &[],
        "整机保修三年，压缩机十年。",
    ),
    zh!(
        "安全须知：断电后再开盖",
        "",
        &[],
        &[],
        "维修前必须断开电源并验电。",
    ),
    en!(
        "Refrigerator compressor will not start",
        "No hum from the fridge",
        &["RF02"],
        &["BCD-470"],
        "Measure the start capacitor.",
    ),
    en!(
        "Water leaking from the indoor unit",
        "Drips under the air conditioner",
        &["AC05"],
        &["KFR-35GW"],
        "Clear the condensate drain.",
    ),
    en!(
        "Noisy outdoor fan",
        "Rattling sound outside",
        &["AC08"],
        &["KFR-50LW"],
        "Tighten the fan blade.",
    ),
    en!(
        "Warranty policy for commercial units",
        "How long is the warranty",
        &[],
        &[],
        "Two years parts and labour.",
    ),
];

fn store() -> (DeviceStore, Vec<ArticleId>) {
    let store = DeviceStore::open_in_memory().unwrap();
    signed_in(&store);
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
    let mut ids = Vec::new();
    let records: Vec<PullRecord> = DOCS
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let id = ArticleId::from_uuid(uuid::Uuid::from_u128(100 + i as u128));
            ids.push(id);
            let kind = if d.title.contains("政策") || d.title.contains("policy") {
                ArticleKind::Policy
            } else {
                ArticleKind::RepairGuide
            };
            let content = ArticleContent {
                symptoms: d.symptoms.into(),
                fault_codes: d.codes.iter().map(|s| (*s).into()).collect(),
                models: d.models.iter().map(|s| (*s).into()).collect(),
                ..ArticleContent::new(kind, d.language, d.title, d.body)
            };
            let mut a = Article::new(id, content, at).unwrap();
            a.publish(at).unwrap();
            PullRecord::Article(Box::new(a))
        })
        .collect();
    store
        .store_page(&records, &SyncCursor::Log { seq: 1 })
        .unwrap();
    (store, ids)
}

fn signed_in(store: &DeviceStore) {
    store
        .sign_in(&Session {
            server_url: "http://127.0.0.1:9".into(),
            token: "t".into(),
            user: DeviceUser {
                id: UserId::from_uuid(uuid::Uuid::from_u128(1)),
                username: "li".into(),
                display_name: "李工".into(),
                role: Role::Engineer,
                engineer_id: None,
            },
        })
        .unwrap();
}

fn top(store: &DeviceStore, query: &str) -> Option<String> {
    store
        .find_articles(query, None)
        .unwrap()
        .first()
        .and_then(|a| a.published.as_ref())
        .map(|p| p.title.clone())
}

#[test]
fn what_people_type_finds_the_right_article_first() {
    let (store, _) = store();
    let table: &[(&str, &str, &str)] = &[
        ("不制冷", "空调不制冷怎么办", "a Chinese substring"),
        ("我家空调不制冷了", "空调不制冷怎么办", "a Chinese sentence"),
        ("空调不制冷", "空调不制冷怎么办", "the title's start"),
        ("不冷", "空调不制冷怎么办", "two characters, by synonym"),
        ("漏水", "洗衣机漏水检修", "two characters"),
        (
            "滴水",
            "洗衣机漏水检修",
            "a synonym of a two-character word",
        ),
        (
            "E1",
            "空调显示故障码E1的处理",
            "a fault code, two characters",
        ),
        (
            "故障码E1",
            "空调显示故障码E1的处理",
            "a code behind its prefix",
        ),
        ("e10", "空调显示E10：通讯故障", "the longer code is its own"),
        ("压缩机", "冰箱压缩机不启动", "a part's name"),
        ("冰箱 不启动", "冰箱压缩机不启动", "two words, both needed"),
        ("不出热水", "热水器不加热", "a symptom's words"),
        ("保修", "保修政策：整机三年", "a policy"),
        (
            "leaks",
            "Water leaking from the indoor unit",
            "an English stem",
        ),
        (
            "compressor",
            "Refrigerator compressor will not start",
            "an English word",
        ),
        ("noise", "Noisy outdoor fan", "an English synonym"),
        (
            "compresor",
            "Refrigerator compressor will not start",
            "a typo the trigrams forgive",
        ),
        (
            "ＫＦＲ－５０ＬＷ",
            "空调显示E10：通讯故障",
            "full-width letters",
        ),
        ("断电", "安全须知：断电后再开盖", "a safety note"),
        (
            "leeking",
            "Water leaking from the indoor unit",
            "a typo the index's vocabulary corrects",
        ),
        (
            "compress",
            "Refrigerator compressor will not start",
            "the start of a word",
        ),
        (
            "dripping water",
            "Water leaking from the indoor unit",
            "English words and a synonym",
        ),
        (
            "warranty",
            "Warranty policy for commercial units",
            "a title word",
        ),
    ];
    let mut wrong = Vec::new();
    for (query, expected, why) in table {
        let got = top(&store, query);
        if got.as_deref() != Some(*expected) {
            wrong.push(format!(
                "{query:?} ({why}): expected {expected:?}, got {got:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn nothing_found_is_an_empty_list_and_odd_input_is_safe() {
    let (store, _) = store();
    assert!(store.find_articles("电视机黑屏", None).unwrap().is_empty());
    for odd in ["\"", "AND", "(", "*", "NEAR(", "a\"b OR", "冷", "   "] {
        store.find_articles(odd, None).unwrap();
    }
    assert_eq!(top(&store, "冷").as_deref(), Some("空调不制冷怎么办"));
}

#[test]
fn a_withdrawn_article_leaves_the_index() {
    let (store, ids) = store();
    store
        .store_page(
            &[PullRecord::ArticleRemoved { id: ids[4] }],
            &SyncCursor::Log { seq: 2 },
        )
        .unwrap();
    assert_ne!(top(&store, "漏水").as_deref(), Some("洗衣机漏水检修"));
    let by_model = store.find_articles("", Some("kfr-35gw")).unwrap();
    assert_eq!(by_model.len(), 3, "the model's articles, any case");
}

/// A word in a thousand articles or more (漏水 here, `compressor`) has its first page worked out
/// when the index is tidied: the search then answers from it, with exactly the page it found
/// before, the typo's correction too; any change to the index forgets the pages, so a new
/// article is found at once.
#[test]
fn a_broad_words_first_page_is_kept_until_the_index_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    let store = DeviceStore::open(&path).unwrap();
    signed_in(&store);
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
    let article = |i: usize| {
        let (language, title, body) = if i.is_multiple_of(2) {
            let product = ["洗衣机", "冷柜", "热水器", "净水器"][i % 4 / 2 + i % 3];
            (
                Language::ZhCn,
                format!("{product}漏水检修 第{i}号"),
                "检查进水管和排水管".to_owned(),
            )
        } else {
            (
                Language::En,
                format!("Compressor check number {i}"),
                format!("The compressor of unit {i} hums; check the relay."),
            )
        };
        let id = ArticleId::from_uuid(uuid::Uuid::from_u128(10_000 + i as u128));
        let mut a = Article::new(
            id,
            ArticleContent::new(ArticleKind::RepairGuide, language, &title, &body),
            at,
        )
        .unwrap();
        a.publish(at).unwrap();
        PullRecord::Article(Box::new(a))
    };
    let records: Vec<PullRecord> = (0..2_200).map(article).collect();
    store
        .store_page(&records, &SyncCursor::Log { seq: 1 })
        .unwrap();
    let ids = |query: &str| -> Vec<ArticleId> {
        store
            .find_articles(query, None)
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect()
    };
    let kept = || -> i64 {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.query_row("SELECT count(*) FROM article_broad", [], |r| r.get(0))
            .unwrap()
    };
    let queries = ["漏水", "compressor", "compresor", "relay"];
    let searched: Vec<Vec<ArticleId>> = queries.iter().map(|q| ids(q)).collect();
    assert!(
        searched.iter().all(|found| found.len() == 20),
        "{searched:?}"
    );
    assert_eq!(kept(), 0);

    store.tidy_search_index().unwrap();
    assert!(kept() >= 3, "漏水, compressor, relay and more are broad");
    for (query, before) in queries.iter().zip(&searched) {
        assert_eq!(&ids(query), before, "{query}: the same page");
    }

    // A new article forgets the pages; it is found at once, and the pages come back.
    let mut newer = Article::new(
        ArticleId::from_uuid(uuid::Uuid::from_u128(99_999)),
        ArticleContent::new(ArticleKind::Faq, Language::ZhCn, "漏水", "漏水"),
        at,
    )
    .unwrap();
    newer.publish(at).unwrap();
    store
        .store_page(
            &[PullRecord::Article(Box::new(newer))],
            &SyncCursor::Log { seq: 2 },
        )
        .unwrap();
    assert_eq!(kept(), 0);
    let now = ids("漏水");
    assert_eq!(now[0], ArticleId::from_uuid(uuid::Uuid::from_u128(99_999)));
    store.refresh_broad_words().unwrap();
    assert!(kept() >= 3);
    assert_eq!(ids("漏水"), now);
}
