//! How a search box's words become SQLite FTS5 queries, the same on the device and the server.
//!
//! Articles are indexed twice (see `fixline-kb`): by trigrams (the FTS5 `trigram` tokenizer),
//! so any Chinese substring of three characters or more matches (不制冷 finds 空调不制冷怎么办),
//! and by two-character grams of the title, symptoms, codes and models, for the short words
//! the trigram index cannot see (漏水, E1). A word also matches its synonyms and, in English,
//! its stem (leaks finds leaking). Codes and models are indexed between `#` marks, so a
//! suggestion for code E1 does not bring E10.
//!
//! Latin words are indexed a third time, whole (`article_words`): an English word of ten
//! letters is eight trigrams that must line up in every article holding them all, which made a
//! common English word cost milliseconds; the word index answers it from one list per word, by
//! stem (leaks finds leaking), and the words articles use correct typos ([`nearest_word`]).

use super::ArticleContent;

/// The weights of the trigram table's columns in bm25: title, symptoms, codes, models, body.
pub const WEIGHTS: [f64; 5] = [10.0, 5.0, 8.0, 8.0, 1.0];

/// Words that mean the same to the people who type them; each group is searched as one.
const SYNONYMS: &[&[&str]] = &[
    &["不制冷", "不冷", "制冷差", "制冷效果差"],
    &["不制热", "不热", "制热差"],
    &["漏水", "滴水", "渗水"],
    &["异响", "噪音", "响声大", "噪声"],
    &["不开机", "无法开机", "开不了机", "不通电"],
    &["不启动", "启动不了"],
    &["结霜", "结冰"],
    &["跳闸", "漏电"],
    &["不出水", "没有水"],
    &["noise", "noisy", "loud", "rattle"],
    &["leak", "leaking", "drip", "dripping"],
    &["cooling", "cool", "cold"],
];

/// What a code is called when people type it before the code itself (故障码E1, error E1).
const CODE_PREFIXES: &[&str] = &[
    "故障码",
    "错误码",
    "故障代码",
    "代码",
    "故障",
    "code",
    "error",
    "err",
];

/// Folds text for matching: full-width letters and digits to ASCII, lower case, punctuation
/// (except `#`, `-`, `'` inside words) to spaces.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        };
        if c.is_alphanumeric() || c == '-' || c == '\'' {
            out.extend(c.to_lowercase());
        } else {
            out.push(' ');
        }
    }
    out
}

/// The words of a text, folded.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split_whitespace()
        .map(|w| w.trim_matches(|c| c == '-' || c == '\'').to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

/// An article's text as the index columns hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct Indexed {
    pub title: String,
    pub symptoms: String,
    pub codes: String,
    pub models: String,
    pub body: String,
    /// The two-character grams of the title, symptoms, codes and models, space-separated.
    pub grams: String,
}

fn marked(items: &[String]) -> String {
    items
        .iter()
        .map(|i| {
            format!(
                "#{}#",
                fold(i).split_whitespace().collect::<Vec<_>>().join("")
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn index(content: &ArticleContent) -> Indexed {
    let grams_of = [
        content.title.as_str(),
        &content.symptoms,
        &content.fault_codes.join(" "),
        &content.models.join(" "),
    ];
    let mut grams = Vec::new();
    for text in grams_of {
        for word in words(text) {
            grams.extend(bigrams(&word));
        }
    }
    // Whole codes and models as tokens of their own, so E1 ranks above E10.
    grams.push(marked(&content.fault_codes));
    grams.push(marked(&content.models));
    Indexed {
        title: fold(&content.title),
        symptoms: fold(&content.symptoms),
        codes: marked(&content.fault_codes),
        models: marked(&content.models),
        body: fold(&super::markdown::plain_text(&content.body)),
        grams: grams.join(" "),
    }
}

/// Codes written inside text without spaces around them (显示E1报警 → E1): runs of ASCII letters
/// and digits with a digit among them.
pub fn codes_in(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut codes: Vec<String> = Vec::new();
    for run in folded.split(|c: char| !c.is_ascii_alphanumeric()) {
        if (2..=8).contains(&run.len()) && is_code(run) && !codes.iter().any(|c| c == run) {
            codes.push(run.to_owned());
        }
    }
    codes
}

/// A word of Latin letters only, which the word table holds whole.
pub fn is_latin(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| c.is_ascii_alphabetic())
}

/// The word of the index's vocabulary that a typed Latin word of four letters or more most
/// likely meant: the fewest edits away (one for a word of up to five letters, two for a longer
/// one; swapping two neighbours is one edit), then the one most articles hold (`articles`,
/// asked only to settle a tie). None when the typed word is itself known, or nothing is near.
pub fn nearest_word<'a, E>(
    typed: &str,
    vocabulary: impl IntoIterator<Item = &'a str>,
    mut articles: impl FnMut(&str) -> Result<u64, E>,
) -> Result<Option<&'a str>, E> {
    let len = typed.chars().count();
    if len < 4 || !is_latin(typed) {
        return Ok(None);
    }
    let allowed = if len <= 5 { 1 } else { 2 };
    let mut nearest: Vec<&str> = Vec::new();
    let mut fewest = allowed + 1;
    for word in vocabulary {
        if word == typed {
            return Ok(None);
        }
        if !is_latin(word) || word.len().abs_diff(len) > allowed {
            continue;
        }
        let edits = strsim::osa_distance(typed, word);
        if edits < fewest {
            fewest = edits;
            nearest.clear();
        }
        if edits == fewest {
            nearest.push(word);
        }
    }
    if nearest.len() < 2 {
        return Ok(nearest.first().copied());
    }
    let mut best = None;
    for word in nearest {
        let held = articles(word)?;
        if best.is_none_or(|(most, _)| held > most) {
            best = Some((held, word));
        }
    }
    Ok(best.map(|(_, word)| word))
}

/// The Latin words of an article's text as the word table's vocabulary lists them, once each:
/// what the typo correction chooses from.
pub fn latin_words(text: &Indexed) -> Vec<String> {
    let mut words: Vec<String> = [&text.title, &text.symptoms, &text.body]
        .iter()
        .flat_map(|t| t.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|w| w.len() >= 3 && is_latin(w))
        .map(str::to_ascii_lowercase)
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// Letters and digits with a digit among them: a fault code or a model.
fn is_code(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit()) && word.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The two-character windows of a word.
fn bigrams(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

/// An FTS5 string: in double quotes, quotes doubled.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The alternatives one typed word stands for, in a substring index: with its English stem
/// (leaks: leak), and without an alternative that contains a shorter one.
fn alternatives(word: &str) -> Vec<String> {
    let mut alts = synonyms(word);
    if word.len() >= 4 && word.chars().all(|c| c.is_ascii_alphabetic()) {
        let stem = stemmer().stem(word).into_owned();
        if stem.chars().count() >= 3 {
            alts.push(stem);
        }
    }
    alts.sort();
    alts.dedup();
    // A longer alternative that contains a shorter one adds nothing: the substring matches it.
    let all = alts.clone();
    alts.retain(|a| !all.iter().any(|b| b != a && a.contains(b.as_str())));
    alts
}

fn stemmer() -> rust_stemmers::Stemmer {
    rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English)
}

/// The word itself, its synonyms, and the code a prefixed code names (故障码E1: E1).
fn synonyms(word: &str) -> Vec<String> {
    let mut alts = vec![word.to_owned()];
    for group in SYNONYMS {
        if group.contains(&word) {
            alts.extend(group.iter().map(|s| (*s).to_owned()));
        }
    }
    for prefix in CODE_PREFIXES {
        if let Some(code) = word.strip_prefix(prefix)
            && is_code(code)
        {
            alts.push(code.to_owned());
        }
    }
    alts.sort();
    alts.dedup();
    alts
}

/// The FTS5 queries for what someone typed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// A MATCH on the word table (by stem), when every word is of Latin letters; tried first
    /// (the trigram query stays for what only a substring finds, compress in compressor).
    pub words: Option<String>,
    /// A MATCH on the trigram table, when every word and synonym is three characters or more.
    pub trigram: Option<String>,
    /// A MATCH on the two-character grams, when a word is shorter.
    pub bigram: Option<String>,
    /// For a typo: the trigrams of each word of four characters or more, for [`loose_query`]
    /// when the plan above finds nothing.
    pub loose: Vec<Vec<String>>,
    /// A single character: titles that contain it (`LIKE`), which no index can help with.
    pub single: Option<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.words.is_none()
            && self.trigram.is_none()
            && self.bigram.is_none()
            && self.single.is_none()
    }
}

const TEXT_COLUMNS: &str = "{title symptoms codes models body}";
/// What an article is about: its columns but the body. A search looks here first and reads
/// bodies only when this does not fill the page (see [`Plan::about`]).
const ABOUT_COLUMNS: &str = "{title symptoms codes models}";

impl Plan {
    /// The same query over what articles are about (no body). Ranked by bm25 with the body
    /// weighing a tenth of the title, an article naming the words up there ranks above one
    /// that only mentions them, so when these fill the page they are the page; and a word in
    /// thousands of bodies is ranked over far fewer articles.
    pub fn about(expr: &str) -> String {
        expr.replacen(TEXT_COLUMNS, ABOUT_COLUMNS, 1)
    }
}

/// Where the loose fallback looks: what the article is about, not every word of its body.
const HEAD_COLUMNS: &str = "{title symptoms}";

pub fn plan(query: &str) -> Plan {
    let typed = words(query);
    let mut terms: Vec<&String> = typed.iter().filter(|w| w.chars().count() >= 2).collect();
    if terms.is_empty() {
        return Plan {
            single: typed.first().cloned(),
            ..Plan::default()
        };
    }
    terms.truncate(8);
    let groups: Vec<Vec<String>> = terms.iter().map(|w| alternatives(w)).collect();
    // The trigram index whenever every typed word is three characters or more (a shorter
    // synonym is then left out); the grams when a word is short or is a short code behind its
    // prefix (故障码E1 is E1).
    let long: Vec<Vec<String>> = terms
        .iter()
        .zip(&groups)
        .map(|(word, g)| {
            let short_code = g
                .iter()
                .any(|a| a.chars().count() < 3 && word.contains(a.as_str()));
            if word.chars().count() < 3 || short_code {
                return Vec::new();
            }
            g.iter()
                .filter(|a| a.chars().count() >= 3)
                .cloned()
                .collect()
        })
        .collect();
    let conjunction = |groups: &[Vec<String>], alt: &dyn Fn(&str) -> String| {
        groups
            .iter()
            .map(|g| {
                let ors: Vec<String> = g.iter().map(|a| alt(a)).collect();
                format!("({})", ors.join(" OR "))
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let mut plan = Plan::default();
    if terms.iter().all(|w| is_latin(w)) {
        // Whole words: the index stems them itself.
        let latin: Vec<Vec<String>> = terms
            .iter()
            .map(|w| {
                let mut alts: Vec<String> =
                    synonyms(w).into_iter().filter(|a| is_latin(a)).collect();
                // One of each stem (leak, leaking): the index holds them as one word.
                alts.sort_by_key(|a| a.len());
                let mut stems = Vec::new();
                alts.retain(|a| {
                    let stem = stemmer().stem(a).into_owned();
                    let new = !stems.contains(&stem);
                    stems.push(stem);
                    new
                });
                alts
            })
            .collect();
        plan.words = Some(format!(
            "{TEXT_COLUMNS} : ({})",
            conjunction(&latin, &|a| quoted(a))
        ));
    }
    if long.iter().all(|g| !g.is_empty()) {
        plan.trigram = Some(format!(
            "{TEXT_COLUMNS} : ({})",
            conjunction(&long, &|a| quoted(a))
        ));
    } else {
        plan.bigram = Some(conjunction(&groups, &|a| {
            let grams = quoted(&bigrams(a).join(" "));
            if is_code(a) {
                format!("{grams} OR {}", quoted(&format!("#{a}#")))
            } else {
                grams
            }
        }));
    }
    plan.loose = typed
        .iter()
        .filter(|w| w.chars().count() >= 4)
        .map(|w| {
            let chars: Vec<char> = w.chars().collect();
            let mut t: Vec<String> = chars.windows(3).map(|t| t.iter().collect()).collect();
            t.dedup();
            t
        })
        .collect();
    plan
}

/// The fallback query when the words as typed are nowhere, from the trigrams the index knows of
/// each word (`known`: per word, its trigrams with how many articles hold each), over titles and
/// symptoms. A Chinese word with no spaces is often a whole sentence (家里冷柜不冷了): any of its
/// known trigrams counts, and bm25 ranks the articles sharing most of them first. A Latin word
/// is more likely a typo, which breaks up to three of its trigrams: two of its three rarest known
/// ones must match (rare ones keep it fast).
pub fn loose_query(known: &[Vec<(String, u64)>]) -> Option<String> {
    let mut words = Vec::new();
    for trigrams in known {
        let mut held: Vec<&(String, u64)> = trigrams.iter().filter(|(_, n)| *n > 0).collect();
        if held.iter().any(|(t, _)| !t.is_ascii()) {
            let any: Vec<String> = held.iter().map(|(t, _)| quoted(t)).collect();
            if !any.is_empty() {
                words.push(any.join(" OR "));
            }
            continue;
        }
        held.sort_by_key(|(t, n)| (*n, t.clone()));
        let rare: Vec<String> = held.iter().take(3).map(|(t, _)| quoted(t)).collect();
        match rare.as_slice() {
            [a, b, c] => words.push(format!("({a} AND {b}) OR ({a} AND {c}) OR ({b} AND {c})")),
            [a, b] => words.push(format!("{a} AND {b}")),
            _ => {}
        }
    }
    (!words.is_empty()).then(|| {
        let ors: Vec<String> = words.iter().map(|w| format!("({w})")).collect();
        format!("{HEAD_COLUMNS} : ({})", ors.join(" OR "))
    })
}

/// The trigram-table query for articles that may help with a job: about its model, naming its
/// fault code, or sharing words with its symptom. None when the job says nothing to go on.
pub fn suggestion(model: Option<&str>, fault_code: Option<&str>, symptom: &str) -> Option<String> {
    let mut ors = Vec::new();
    let mark = |s: &str| format!("#{}#", fold(s).split_whitespace().collect::<String>());
    if let Some(m) = model.filter(|m| !m.trim().is_empty()) {
        ors.push(format!("models : {}", quoted(&mark(m))));
    }
    let mut codes: Vec<String> = fault_code
        .filter(|c| !c.trim().is_empty())
        .map(str::to_owned)
        .into_iter()
        .chain(codes_in(symptom))
        .collect();
    codes.dedup();
    for code in codes.iter().take(4) {
        ors.push(format!("codes : {}", quoted(&mark(code))));
    }
    let mut said: Vec<String> = Vec::new();
    for word in words(symptom).iter().take(12) {
        for alt in alternatives(word) {
            let chars: Vec<char> = alt.chars().collect();
            if chars.len() >= 3 {
                // Every three characters of a long Chinese phrase: the text has no spaces.
                said.extend(chars.windows(3).map(|t| t.iter().collect::<String>()));
            }
        }
    }
    said.sort();
    said.dedup();
    said.truncate(40);
    if !said.is_empty() {
        let phrases: Vec<String> = said.iter().map(|s| quoted(s)).collect();
        ors.push(format!(
            "{{title symptoms body}} : ({})",
            phrases.join(" OR ")
        ));
    }
    (!ors.is_empty()).then(|| ors.join(" OR "))
}
