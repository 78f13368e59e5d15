//! Fault, cause and resolution codes (故障代码 / 原因代码 / 处理代码): what the engineer found,
//! why it happened and what they did, from lists the administrator keeps (faults per product
//! category; causes and resolutions for all), so the top faults and causes per model and period
//! can be counted (the feedback to R&D) and similar past fixes found.
//!
//! The lists are a [`CodeBook`]: the built-in one below until an administrator saves another,
//! synced to devices so the completion form offers them offline. A code is never deleted, only
//! retired: a retired code is no longer offered, but a job coded with it (on a device that had
//! not synced yet, or in history) still reads and is still accepted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Error;

/// One code with its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Code {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

impl Code {
    pub const fn new(code: &'static str, zh: &'static str, en: &'static str) -> Code {
        Code { code, zh, en }
    }
}

/// The faults an engineer can find on a category's machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CategoryFaults {
    pub category: &'static str,
    pub faults: &'static [Code],
}

/// Why it happened, the same for every category (the built-in list).
pub const CAUSES: &[Code] = &[
    Code::new("C01", "部件老化或磨损", "Wear or ageing of a part"),
    Code::new("C02", "部件质量缺陷", "Defective part"),
    Code::new("C03", "安装不当", "Installed wrongly"),
    Code::new("C04", "使用或操作不当", "Misuse or wrong operation"),
    Code::new("C05", "缺少保养", "Missed maintenance"),
    Code::new("C06", "电源或水源问题", "Power or water supply"),
    Code::new("C07", "环境因素", "Site conditions"),
    Code::new("C08", "设计缺陷", "Design fault"),
    Code::new("C09", "原因不明", "Cause not found"),
];

/// What was done, the same for every category.
pub const RESOLUTIONS: &[Code] = &[
    Code::new("R01", "更换配件", "Part replaced"),
    Code::new("R02", "调整或校准", "Adjusted or calibrated"),
    Code::new("R03", "清洁保养", "Cleaned and serviced"),
    Code::new("R04", "补充或更换制冷剂", "Refrigerant recharged"),
    Code::new("R05", "软件或参数复位", "Software or settings reset"),
    Code::new("R06", "指导客户正确使用", "Customer shown how to use it"),
    Code::new("R07", "未发现故障", "No fault found"),
    Code::new("R08", "更换整机", "Whole unit replaced"),
];

/// The faults per category.
pub const FAULTS: &[CategoryFaults] = &[
    CategoryFaults {
        category: "refrigeration",
        faults: &[
            Code::new("RF01", "不制冷或制冷差", "Not cooling, or cooling poorly"),
            Code::new("RF02", "压缩机不启动", "Compressor does not start"),
            Code::new("RF03", "制冷剂泄漏", "Refrigerant leak"),
            Code::new("RF04", "温控器故障", "Thermostat fault"),
            Code::new("RF05", "结霜或化霜异常", "Icing or defrost fault"),
            Code::new("RF06", "风机故障", "Fan fault"),
            Code::new("RF07", "门封漏冷", "Door seal leaking"),
            Code::new("RF08", "异响", "Noise"),
        ],
    },
    CategoryFaults {
        category: "air_conditioning",
        faults: &[
            Code::new("AC01", "不制冷", "Not cooling"),
            Code::new("AC02", "不制热", "Not heating"),
            Code::new("AC03", "漏水", "Water leak"),
            Code::new("AC04", "显示故障码", "Shows an error code"),
            Code::new("AC05", "异响", "Noise"),
            Code::new("AC06", "控制板或遥控故障", "Control board or remote fault"),
        ],
    },
    CategoryFaults {
        category: "water_purifier",
        faults: &[
            Code::new("WP01", "不出水", "No water"),
            Code::new("WP02", "漏水", "Leak"),
            Code::new("WP03", "水质异常或滤芯到期", "Water quality, or filter due"),
            Code::new("WP04", "增压泵故障", "Booster pump fault"),
        ],
    },
    CategoryFaults {
        category: "dishwasher",
        faults: &[
            Code::new("DW01", "不进水", "Does not fill"),
            Code::new("DW02", "不排水", "Does not drain"),
            Code::new("DW03", "洗不干净", "Does not clean"),
            Code::new("DW04", "不加热", "Does not heat"),
            Code::new("DW05", "漏水", "Leak"),
        ],
    },
    CategoryFaults {
        category: "coffee_machine",
        faults: &[
            Code::new("CM01", "不出咖啡", "No coffee"),
            Code::new("CM02", "研磨器故障", "Grinder fault"),
            Code::new("CM03", "温度异常", "Temperature fault"),
            Code::new("CM04", "漏水", "Leak"),
            Code::new("CM05", "需要除垢", "Needs descaling"),
        ],
    },
    CategoryFaults {
        category: "laundry",
        faults: &[
            Code::new("LD01", "不排水或不脱水", "Does not drain or spin"),
            Code::new("LD02", "不进水", "Does not fill"),
            Code::new("LD03", "异响或震动", "Noise or shaking"),
            Code::new("LD04", "不加热", "Does not heat"),
            Code::new("LD05", "门锁故障", "Door lock fault"),
        ],
    },
    CategoryFaults {
        category: "elevators",
        faults: &[
            Code::new("EL01", "困人", "Passengers trapped"),
            Code::new("EL02", "平层不准", "Stops off level"),
            Code::new("EL03", "门机故障", "Door operator fault"),
            Code::new("EL04", "异响或抖动", "Noise or judder"),
            Code::new("EL05", "控制柜故障", "Controller fault"),
        ],
    },
    CategoryFaults {
        category: "general",
        faults: &[
            Code::new("GN01", "无法开机", "Does not power on"),
            Code::new("GN02", "其他故障", "Other fault"),
        ],
    },
];

/// The faults a category's jobs are coded with in the built-in list; empty for a category
/// without a list.
pub fn faults(category: &str) -> &'static [Code] {
    FAULTS
        .iter()
        .find(|c| c.category == category)
        .map_or(&[], |c| c.faults)
}

/// One code of an administrator's list, with its words in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeEntry {
    /// Upper-case letters, digits and `-`, at most 16.
    pub code: String,
    pub zh: String,
    pub en: String,
    /// No longer offered; jobs already coded with it keep it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retired: bool,
}

impl CodeEntry {
    /// Its words in `language`, falling back to the other language's when blank.
    pub fn words(&self, language: crate::customer::Language) -> &str {
        let (first, other) = match language {
            crate::customer::Language::ZhCn => (&self.zh, &self.en),
            crate::customer::Language::En => (&self.en, &self.zh),
        };
        if first.trim().is_empty() {
            other
        } else {
            first
        }
    }
}

impl From<&Code> for CodeEntry {
    fn from(c: &Code) -> CodeEntry {
        CodeEntry {
            code: c.code.to_owned(),
            zh: c.zh.to_owned(),
            en: c.en.to_owned(),
            retired: false,
        }
    }
}

/// The lists completion is coded from: faults per product category, causes and resolutions
/// for every category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeBook {
    /// Category key → its faults.
    pub faults: BTreeMap<String, Vec<CodeEntry>>,
    pub causes: Vec<CodeEntry>,
    pub resolutions: Vec<CodeEntry>,
}

/// The code book as the settings screen shows and saves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeBookSettings {
    pub book: CodeBook,
    /// 0 while the built-in lists hold; send it back to save over exactly this one.
    pub version: u64,
}

/// Which list a code is checked against, for the error's field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    Fault,
    Cause,
    Resolution,
}

impl CodeKind {
    fn field(self) -> &'static str {
        match self {
            CodeKind::Fault => "fault_code",
            CodeKind::Cause => "cause_code",
            CodeKind::Resolution => "resolution_code",
        }
    }
}

impl Default for CodeBook {
    fn default() -> CodeBook {
        CodeBook::builtin()
    }
}

impl CodeBook {
    /// The lists Fixline ships with.
    pub fn builtin() -> CodeBook {
        let entries = |codes: &[Code]| codes.iter().map(CodeEntry::from).collect();
        CodeBook {
            faults: FAULTS
                .iter()
                .map(|c| (c.category.to_owned(), entries(c.faults)))
                .collect(),
            causes: entries(CAUSES),
            resolutions: entries(RESOLUTIONS),
        }
    }

    /// A category's faults, retired ones included; empty for a category without a list.
    pub fn faults(&self, category: &str) -> &[CodeEntry] {
        self.faults.get(category).map_or(&[], Vec::as_slice)
    }

    /// The entry for `code` in the list `kind` names (for `category`'s faults).
    pub fn find(&self, kind: CodeKind, category: &str, code: &str) -> Option<&CodeEntry> {
        let list = match kind {
            CodeKind::Fault => self.faults(category),
            CodeKind::Cause => &self.causes,
            CodeKind::Resolution => &self.resolutions,
        };
        list.iter().find(|c| c.code == code)
    }

    /// The codes a form offers: the list without its retired codes.
    pub fn offered(list: &[CodeEntry]) -> impl Iterator<Item = &CodeEntry> {
        list.iter().filter(|c| !c.retired)
    }

    /// Checks a completion's codes against the job's category: each one given must be on its
    /// list (a retired code still counts: the device may have coded the job before it synced).
    pub fn check(
        &self,
        category: &str,
        fault: Option<&str>,
        cause: Option<&str>,
        resolution: Option<&str>,
    ) -> Result<(), Error> {
        for (kind, code) in [
            (CodeKind::Fault, fault),
            (CodeKind::Cause, cause),
            (CodeKind::Resolution, resolution),
        ] {
            if let Some(code) = code
                && self.find(kind, category, code).is_none()
            {
                let list = match kind {
                    CodeKind::Fault => format!("a fault code for {category}"),
                    CodeKind::Cause => "a cause code".to_owned(),
                    CodeKind::Resolution => "a resolution code".to_owned(),
                };
                return Err(Error::invalid(
                    kind.field(),
                    format!("{code} is not {list}"),
                ));
            }
        }
        Ok(())
    }

    /// The book an administrator saves over `previous`, trimmed and checked: codes well formed
    /// and unique across the book, each with words, categories well formed, and no code of
    /// `previous` left out (a code in use is retired, never deleted).
    pub fn validated(mut self, previous: &CodeBook) -> Result<CodeBook, Error> {
        let mut seen = std::collections::BTreeSet::new();
        for (category, list) in &mut self.faults {
            if crate::text::line("category", category, 64)? != *category {
                return Err(Error::invalid(
                    "category",
                    format!("{category:?} has spaces around it"),
                ));
            }
            check_list(&format!("faults.{category}"), list, &mut seen)?;
        }
        check_list("causes", &mut self.causes, &mut seen)?;
        check_list("resolutions", &mut self.resolutions, &mut seen)?;
        for (kind, category, code) in previous.codes() {
            if self.find(kind, category, code).is_none() {
                return Err(Error::invalid(
                    kind.field(),
                    format!("{code} cannot be removed, only retired: jobs may be coded with it"),
                ));
            }
        }
        Ok(self)
    }

    /// Every code in the book, with its list.
    fn codes(&self) -> impl Iterator<Item = (CodeKind, &str, &str)> {
        let faults = self.faults.iter().flat_map(|(category, list)| {
            list.iter()
                .map(move |c| (CodeKind::Fault, category.as_str(), c.code.as_str()))
        });
        let causes = self
            .causes
            .iter()
            .map(|c| (CodeKind::Cause, "", c.code.as_str()));
        let resolutions = self
            .resolutions
            .iter()
            .map(|c| (CodeKind::Resolution, "", c.code.as_str()));
        faults.chain(causes).chain(resolutions)
    }
}

/// Most codes a list may hold: the form's picker stays usable.
const LIST_MAX: usize = 200;

fn check_list(
    name: &str,
    list: &mut [CodeEntry],
    seen: &mut std::collections::BTreeSet<String>,
) -> Result<(), Error> {
    if list.len() > LIST_MAX {
        return Err(Error::invalid(
            "codes",
            format!("{name}: at most {LIST_MAX} codes, not {}", list.len()),
        ));
    }
    for entry in list {
        entry.code = entry.code.trim().to_uppercase();
        let well_formed = (1..=16).contains(&entry.code.len())
            && entry
                .code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        if !well_formed {
            return Err(Error::invalid(
                "codes",
                format!(
                    "{name}: {:?} is not a code: 1 to 16 capital letters, digits or -",
                    entry.code
                ),
            ));
        }
        if !seen.insert(entry.code.clone()) {
            return Err(Error::invalid(
                "codes",
                format!("{name}: {} is listed twice", entry.code),
            ));
        }
        entry.zh = crate::text::optional_line("zh", Some(&entry.zh), 64)?.unwrap_or_default();
        entry.en = crate::text::optional_line("en", Some(&entry.en), 64)?.unwrap_or_default();
        if entry.zh.is_empty() && entry.en.is_empty() {
            return Err(Error::invalid(
                "codes",
                format!(
                    "{name}: {} needs words in at least one language",
                    entry.code
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str) -> CodeEntry {
        CodeEntry {
            code: code.into(),
            zh: "新".into(),
            en: "New".into(),
            retired: false,
        }
    }

    #[test]
    fn builtin_codes_are_unique_and_checked_against_the_category() {
        let book = CodeBook::builtin();
        assert_eq!(
            book.clone().validated(&book).unwrap(),
            book,
            "the built-in book is valid"
        );
        assert!(
            book.check("refrigeration", Some("RF03"), Some("C01"), Some("R04"))
                .is_ok()
        );
        assert!(book.check("refrigeration", None, None, None).is_ok());
        let e = book.check("laundry", Some("RF03"), None, None).unwrap_err();
        assert!(e.to_string().contains("fault code for laundry"), "{e}");
        assert!(
            book.check("refrigeration", None, None, Some("R99"))
                .is_err()
        );
        assert!(
            book.check("refrigeration", None, Some("R01"), None)
                .is_err(),
            "a resolution is not a cause"
        );
        assert!(
            book.check("custom_kiosks", Some("RF01"), None, None)
                .is_err(),
            "a category without a list takes no fault code"
        );
        assert!(book.check("custom_kiosks", None, None, Some("R01")).is_ok());
    }

    #[test]
    fn an_administrator_adds_and_retires_codes_but_never_removes_one() {
        let builtin = CodeBook::builtin();
        let mut edited = builtin.clone();
        edited
            .faults
            .entry("custom_kiosks".into())
            .or_default()
            .push(entry("KS01"));
        edited.causes.push(CodeEntry {
            code: " C10 ".into(),
            ..entry("C10")
        });
        edited.causes[0].retired = true;
        let saved = edited.clone().validated(&builtin).unwrap();
        assert_eq!(saved.causes.last().unwrap().code, "C10", "trimmed");
        assert!(
            saved
                .check("custom_kiosks", Some("KS01"), Some("C01"), None)
                .is_ok(),
            "a retired code still checks"
        );
        assert_eq!(
            CodeBook::offered(&saved.causes).count(),
            saved.causes.len() - 1,
            "but is not offered"
        );

        let mut removed = saved.clone();
        removed.resolutions.remove(0);
        let e = removed.validated(&saved).unwrap_err();
        assert!(e.to_string().contains("only retired"), "{e}");

        for bad in ["", "rf01", "RF 01", "ABCDEFGHIJKLMNOPQ", "RF01"] {
            let mut twice = saved.clone();
            twice.causes.push(entry(bad));
            assert!(twice.validated(&saved).is_err(), "{bad:?}");
        }
        let mut wordless = saved.clone();
        wordless.causes.push(CodeEntry {
            zh: " ".into(),
            en: String::new(),
            ..entry("C11")
        });
        assert!(wordless.validated(&saved).is_err());
    }

    #[test]
    fn words_fall_back_to_the_other_language() {
        let only_zh = CodeEntry {
            en: String::new(),
            ..entry("X1")
        };
        assert_eq!(only_zh.words(crate::customer::Language::En), "新");
        assert_eq!(only_zh.words(crate::customer::Language::ZhCn), "新");
        assert_eq!(entry("X1").words(crate::customer::Language::En), "New");
    }
}
