//! What triage found a job needs: the skill and its least level, a certification, the time on
//! site. Dispatch (board conflicts, the optimiser), the pool and automatic assignment all read
//! the same requirements, so a job triaged for a certified engineer is never planned for another.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::GENERAL_CATEGORY;
use crate::Error;
use crate::engineer::Engineer;
use crate::text;

/// The longest visit triage may estimate: one working day and a half.
pub const MAX_MINUTES: u32 = 12 * 60;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Requirements {
    /// The skill's category; when not set, the job's category (`general` needs no skill).
    #[serde(default)]
    pub skill: Option<String>,
    /// The least level of that skill, 1 to 5; 1 when not set.
    #[serde(default)]
    pub level: Option<u8>,
    /// A certification the engineer must hold, valid on the day of the visit.
    #[serde(default)]
    pub certification: Option<String>,
    /// Expected minutes on site; the dispatch default when not set.
    #[serde(default)]
    pub minutes: Option<u32>,
}

impl Requirements {
    /// The same requirements, trimmed, with empty texts as "not set"; or what is wrong.
    pub fn validated(self) -> Result<Requirements, Error> {
        let named = |field: &'static str, value: Option<String>| -> Result<Option<String>, Error> {
            match value.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(v) => text::line(field, v, 64).map(Some),
            }
        };
        if let Some(level) = self.level
            && !(1..=5).contains(&level)
        {
            return Err(Error::invalid(
                "requirements.level",
                format!("{level} is not a level from 1 to 5"),
            ));
        }
        if let Some(minutes) = self.minutes
            && !(5..=MAX_MINUTES).contains(&minutes)
        {
            return Err(Error::invalid(
                "requirements.minutes",
                format!("{minutes} is not between 5 and {MAX_MINUTES} minutes"),
            ));
        }
        Ok(Requirements {
            skill: named("requirements.skill", self.skill)?,
            level: self.level,
            certification: named("requirements.certification", self.certification)?,
            minutes: self.minutes,
        })
    }

    /// The skill and least level a job of `category` needs, if any.
    pub fn skill_for(&self, category: &str) -> Option<(String, u8)> {
        let skill = self.skill.as_deref().unwrap_or(category);
        (skill != GENERAL_CATEGORY).then(|| (skill.to_owned(), self.level.unwrap_or(1)))
    }

    /// What a job of `category` needs, in words, for a refusal.
    pub fn describe(&self, category: &str) -> String {
        let skill = self
            .skill_for(category)
            .map(|(s, level)| format!("the {s} skill at level {level} or above"));
        let certification = self
            .certification
            .as_ref()
            .map(|c| format!("the certification {c}"));
        match (skill, certification) {
            (Some(s), Some(c)) => format!("{s} and {c}"),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => "no skill".to_owned(),
        }
    }

    /// Whether `engineer` may do a job of `category` with these requirements on `day`.
    pub fn met_by(&self, category: &str, engineer: &Engineer, day: NaiveDate) -> bool {
        let skill = self
            .skill_for(category)
            .is_none_or(|(s, level)| engineer.skill_level(&s).is_some_and(|l| l >= level));
        let certified = self
            .certification
            .as_deref()
            .is_none_or(|c| engineer.certified(c, day));
        skill && certified
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chen() -> Engineer {
        crate::engineer::sample(0, "陈建国", "西湖区", 3, Some("制冷作业证"))
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn validation_trims_and_refuses_what_cannot_be_planned() {
        let r = Requirements {
            skill: Some("  ".into()),
            level: Some(2),
            certification: Some(" 制冷作业证 ".into()),
            minutes: Some(90),
        }
        .validated()
        .unwrap();
        assert_eq!(r.skill, None, "blank is not set");
        assert_eq!(r.certification.as_deref(), Some("制冷作业证"));
        for bad in [
            Requirements {
                level: Some(0),
                ..Requirements::default()
            },
            Requirements {
                level: Some(6),
                ..Requirements::default()
            },
            Requirements {
                minutes: Some(4),
                ..Requirements::default()
            },
            Requirements {
                minutes: Some(MAX_MINUTES + 1),
                ..Requirements::default()
            },
            Requirements {
                skill: Some("x".repeat(65)),
                ..Requirements::default()
            },
        ] {
            assert!(bad.clone().validated().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn skill_level_and_certification_on_the_day() {
        let chen = chen();
        let before = day(2027, 6, 30);
        let none = Requirements::default();
        assert!(none.met_by("refrigeration", &chen, before));
        assert!(
            !none.met_by("elevators", &chen, before),
            "the category's skill"
        );
        assert!(none.met_by(GENERAL_CATEGORY, &chen, before));
        assert_eq!(none.skill_for(GENERAL_CATEGORY), None);

        let level = |l| Requirements {
            level: Some(l),
            ..Requirements::default()
        };
        assert!(level(3).met_by("refrigeration", &chen, before));
        assert!(!level(4).met_by("refrigeration", &chen, before));

        let other_skill = Requirements {
            skill: Some("elevators".into()),
            ..Requirements::default()
        };
        assert!(!other_skill.met_by("refrigeration", &chen, before));
        assert_eq!(
            other_skill.skill_for("refrigeration"),
            Some(("elevators".to_owned(), 1))
        );

        let certified = Requirements {
            certification: Some("制冷作业证".into()),
            ..Requirements::default()
        };
        assert!(certified.met_by("refrigeration", &chen, before));
        assert!(
            !certified.met_by("refrigeration", &chen, day(2027, 7, 1)),
            "expired by then"
        );
        assert!(certified.describe("refrigeration").contains("制冷作业证"));
    }
}
