use chrono::{TimeZone, Utc};

use super::search::{self, plan, suggestion};
use super::*;

fn content(title: &str) -> ArticleContent {
    ArticleContent {
        kind: ArticleKind::RepairGuide,
        language: Language::ZhCn,
        audience: Audience::Staff,
        title: title.into(),
        symptoms: "空调不制冷".into(),
        fault_codes: vec!["e1".into(), "E1".into()],
        models: vec!["KFR-35GW".into()],
        categories: vec![],
        body: "1. 断电\n2. 清洗滤网".into(),
        parts: vec![],
        tools: vec![],
        images: vec![],
    }
}

#[test]
fn drafts_reach_readers_only_when_published() {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
    let mut a = Article::new(
        ArticleId::from_uuid(uuid::Uuid::nil()),
        content("第一版"),
        at,
    )
    .unwrap();
    assert!(
        a.for_readers().is_none(),
        "an unpublished draft reaches nobody"
    );
    a.publish(at).unwrap();
    assert_eq!(a.edition, 1);
    assert!(a.publish(at).is_err(), "nothing new to publish");
    a.save_draft(content("第二版")).unwrap();
    let seen = a.for_readers().unwrap();
    assert_eq!(seen.published.unwrap().title, "第一版");
    assert!(seen.draft.is_none());
    a.withdraw().unwrap();
    assert!(a.for_readers().is_none());
    assert_eq!(a.working_copy().unwrap().title, "第二版");
}

#[test]
fn validation_keeps_lists_tidy_and_images_named() {
    let c = content("t").validated().unwrap();
    assert_eq!(c.fault_codes, vec!["E1"], "codes are upper case, once each");
    let mut bad = content("t");
    bad.body = format!("![a]({}{})", markdown::IMAGE_SCHEME, "a".repeat(64));
    let err = bad.validated().unwrap_err();
    assert!(err.to_string().contains("does not carry"), "{err}");
}

#[test]
fn markdown_never_runs_html_or_script_links() {
    let html = markdown::to_html(
        "<script>alert(1)</script>\n\n[x](javascript:alert(1)) ![p](image:abc)",
        &|sha| format!("/img/{sha}"),
    );
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(html.contains("src=\"/img/abc\""), "{html}");
    assert_eq!(
        markdown::image_refs("![p](image:abc) ![q](image:abc)"),
        vec!["abc"]
    );
}

#[test]
fn answers_lift_or_sink_gently() {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
    let mut a = Article::new(ArticleId::from_uuid(uuid::Uuid::nil()), content("t"), at).unwrap();
    assert_eq!(a.boost(), 1.0);
    a.count_answer(true);
    let one = a.boost();
    assert!(one > 1.0 && one < 1.1);
    recount(&mut a, Some(true), false);
    assert_eq!((a.helpful, a.not_helpful), (0, 1));
    assert!(a.boost() < 1.0);
}

#[test]
fn plans_use_the_index_that_can_answer() {
    let p = plan("空调不制冷");
    assert!(p.trigram.unwrap().contains("\"空调不制冷\""));
    let p = plan("不冷");
    let bigram = p.bigram.unwrap();
    assert!(bigram.contains("\"不冷\""), "{bigram}");
    assert!(
        bigram.contains("\"不制 制冷\""),
        "a synonym joins: {bigram}"
    );
    let p = plan("故障码E1");
    assert!(
        p.bigram.unwrap().contains("\"e1\""),
        "the code alone is looked for"
    );
    let p = plan("Leaks");
    assert!(
        p.trigram.unwrap().contains("\"leak\""),
        "English words by their stem"
    );
    let p = plan("Leaking compressor");
    let words = p.words.unwrap();
    assert!(
        words.contains("(\"compressor\")")
            && words.contains("\"leak\"")
            && !words.contains("\"leaking\"")
            && words.contains("\"drip\""),
        "Latin words whole, one of each stem (the index stems them), with synonyms: {words}"
    );
    assert!(p.trigram.is_some(), "the substring search stays behind it");
    assert!(
        plan("压缩机 leak").words.is_none(),
        "only when every word is Latin"
    );
    assert!(plan("E1 leak").words.is_none());
    let vocabulary = ["leaking", "leaning", "lacking", "display"];
    let articles = |w: &str| Ok::<_, ()>(if w == "leaking" { 900 } else { 3 });
    let nearest = |typed| search::nearest_word(typed, vocabulary, articles).unwrap();
    assert_eq!(nearest("leeking"), Some("leaking"));
    assert_eq!(
        nearest("displya"),
        Some("display"),
        "two neighbours swapped is one edit"
    );
    assert_eq!(nearest("leaking"), None, "known");
    assert_eq!(nearest("pump"), None, "nothing near");
    assert_eq!(
        search::nearest_word("lecking", ["leaking", "locking"], |w| Ok::<_, ()>(
            if w == "locking" { 901 } else { 900 }
        )),
        Ok(Some("locking")),
        "as near: the commoner word"
    );
    let p = plan("冷");
    assert_eq!(p.single.as_deref(), Some("冷"));
    assert!(plan("  ").is_empty());
    let p = plan("compresor");
    assert!(
        p.loose[0].contains(&"pre".to_owned()),
        "a typo still shares trigrams"
    );
    let known = vec![vec![
        ("com".to_owned(), 900),
        ("mpr".to_owned(), 40),
        ("pre".to_owned(), 60),
        ("eso".to_owned(), 0),
        ("sor".to_owned(), 700),
    ]];
    assert_eq!(
        search::loose_query(&known).unwrap(),
        "{title symptoms} : (((\"mpr\" AND \"pre\") OR (\"mpr\" AND \"sor\") OR (\"pre\" AND \"sor\")))",
        "two of the three rarest trigrams the index holds"
    );
    let sentence = vec![vec![
        ("家里冷".to_owned(), 0),
        ("冷柜不".to_owned(), 2),
        ("柜不冷".to_owned(), 1),
    ]];
    assert_eq!(
        search::loose_query(&sentence).unwrap(),
        "{title symptoms} : ((\"冷柜不\" OR \"柜不冷\"))",
        "a Chinese sentence: any trigram the index knows"
    );
    let p = plan("\"leak\" NEAR");
    assert!(
        p.trigram.unwrap().contains("\"near\""),
        "FTS5 operators are only words"
    );
    assert_eq!(
        suggestion(Some("kfr 35gw"), Some("e1"), "").unwrap(),
        "models : \"#kfr35gw#\" OR codes : \"#e1#\""
    );
    assert!(suggestion(None, None, "").is_none());
}
