//! Field engineers: what they can fix (skills with levels, certifications that expire), where they
//! start from, when they work, and where they were last seen.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::ids::{EngineerId, UserId};
use crate::position::{Position, PositionFix};
use crate::role::Role;
use crate::text::{self, LINE_MAX};

/// One product category an engineer can work on, 1 (assists) to 5 (expert, trains others).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Skill {
    pub category: String,
    pub level: u8,
}

/// A licence the work needs (refrigerant handling, electrician, working at height).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certification {
    pub name: String,
    pub expires_on: NaiveDate,
}

/// A weekly shift in the engineer's local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShiftPattern {
    /// ISO weekdays worked, 1 = Monday … 7 = Sunday.
    pub weekdays: Vec<u8>,
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// Unpaid break inside the shift, in minutes.
    #[serde(default)]
    pub break_minutes: u16,
}

impl ShiftPattern {
    pub fn works_on(&self, day: NaiveDate) -> bool {
        let iso = day.weekday().number_from_monday();
        self.weekdays.iter().any(|&d| u32::from(d) == iso)
    }

    /// Working minutes in one shift, breaks excluded.
    pub fn working_minutes(&self) -> i64 {
        (self.end - self.start).num_minutes() - i64::from(self.break_minutes)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EngineerStatus {
    #[default]
    OffShift,
    Available,
    /// Working a job.
    Busy,
    OnBreak,
    /// Sick or on leave: not to be planned.
    Unavailable,
}

/// The editable part of an engineer record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EngineerDetails {
    pub name: String,
    pub phone: String,
    pub region: String,
    #[serde(default)]
    pub skills: Vec<Skill>,
    #[serde(default)]
    pub certifications: Vec<Certification>,
    pub home_base: Position,
    pub shift: ShiftPattern,
}

impl EngineerDetails {
    pub fn validated(self) -> Result<Self, Error> {
        for skill in &self.skills {
            text::line("skills.category", &skill.category, 64)?;
            if !(1..=5).contains(&skill.level) {
                return Err(Error::invalid(
                    "skills.level",
                    format!("{} is not a level from 1 to 5", skill.level),
                ));
            }
        }
        for cert in &self.certifications {
            text::line("certifications.name", &cert.name, LINE_MAX)?;
        }
        let shift = &self.shift;
        if shift.weekdays.is_empty() || shift.weekdays.iter().any(|d| !(1..=7).contains(d)) {
            return Err(Error::invalid(
                "shift.weekdays",
                "must list ISO weekdays 1 (Monday) to 7 (Sunday)",
            ));
        }
        if shift.end <= shift.start {
            return Err(Error::invalid(
                "shift.end",
                "a shift must end after it starts (night shifts are not supported yet)",
            ));
        }
        if shift.working_minutes() <= 0 {
            return Err(Error::invalid(
                "shift.break_minutes",
                "the break is longer than the shift",
            ));
        }
        Ok(EngineerDetails {
            name: text::line("name", &self.name, LINE_MAX)?,
            phone: text::phone("phone", &self.phone)?,
            region: text::line("region", &self.region, LINE_MAX)?,
            ..self
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Engineer {
    pub id: EngineerId,
    /// The login this engineer uses, once one exists.
    pub user_id: Option<UserId>,
    #[serde(flatten)]
    pub details: EngineerDetails,
    pub status: EngineerStatus,
    pub last_position: Option<PositionFix>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl Engineer {
    /// A new engineer, off shift, at version 1, once the details are valid.
    pub fn new(id: EngineerId, details: EngineerDetails, at: DateTime<Utc>) -> Result<Self, Error> {
        Ok(Engineer {
            id,
            user_id: None,
            details: details.validated()?,
            status: EngineerStatus::OffShift,
            last_position: None,
            updated_at: at,
            version: 1,
        })
    }

    /// The desk's edit: new (validated) details, and the status if one is given. The store
    /// advances the version with the write.
    pub fn apply_edit(&mut self, details: EngineerDetails, status: Option<EngineerStatus>) {
        self.details = details;
        self.status = status.unwrap_or(self.status);
    }

    /// What a signed-in person may see of this engineer. The desk plans with live positions
    /// and calls engineers; the engineer sees their own record whole. Colleagues in the field
    /// see name, region and skills (for a hand-over) but not where the engineer is nor their
    /// phone number; a complaint handler may call but not follow them.
    pub fn as_seen_by(mut self, role: Role, viewer: Option<EngineerId>) -> Engineer {
        if role.is_desk() || viewer == Some(self.id) {
            return self;
        }
        self.last_position = None;
        if role == Role::Engineer {
            self.details.phone = String::new();
        }
        self
    }

    /// Skill level for a category, if any.
    pub fn skill_level(&self, category: &str) -> Option<u8> {
        self.details
            .skills
            .iter()
            .filter(|s| s.category == category)
            .map(|s| s.level)
            .max()
    }

    /// Holds `name` and it is still valid on `day`.
    pub fn certified(&self, name: &str, day: NaiveDate) -> bool {
        self.details
            .certifications
            .iter()
            .any(|c| c.name == name && c.expires_on >= day)
    }
}

/// An engineer for tests: one refrigeration skill at `level`, weekday day shifts from a base in
/// Hangzhou, and `certification` (valid to the end of June 2027) if named.
#[cfg(test)]
pub(crate) fn sample(
    n: u128,
    name: &str,
    region: &str,
    level: u8,
    certification: Option<&str>,
) -> Engineer {
    Engineer {
        id: EngineerId::from_uuid(uuid::Uuid::from_u128(n)),
        user_id: None,
        details: EngineerDetails {
            name: name.into(),
            phone: "138 0571 0001".into(),
            region: region.into(),
            skills: vec![Skill {
                category: "refrigeration".into(),
                level,
            }],
            certifications: certification
                .map(|c| Certification {
                    name: c.into(),
                    expires_on: NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
                })
                .into_iter()
                .collect(),
            home_base: Position::new(30.27, 120.13).unwrap(),
            shift: ShiftPattern {
                weekdays: vec![1, 2, 3, 4, 5],
                start: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
                end: NaiveTime::from_hms_opt(17, 30, 0).unwrap(),
                break_minutes: 60,
            },
        },
        status: EngineerStatus::Available,
        last_position: None,
        updated_at: chrono::DateTime::UNIX_EPOCH,
        version: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details() -> EngineerDetails {
        sample(0, "陈建国", "西湖区", 4, Some("制冷作业证")).details
    }

    #[test]
    fn validation_catches_bad_levels_and_shifts() {
        assert!(details().validated().is_ok());
        let mut d = details();
        d.skills[0].level = 9;
        assert!(d.validated().is_err());
        let mut d = details();
        d.shift.weekdays = vec![0];
        assert!(d.validated().is_err());
        let mut d = details();
        d.shift.break_minutes = 600;
        assert!(d.validated().is_err());
    }

    #[test]
    fn shifts_and_certificates_by_day() {
        let e = sample(0, "陈建国", "西湖区", 4, Some("制冷作业证"));
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert!(e.details.shift.works_on(monday));
        assert!(!e.details.shift.works_on(monday + chrono::Days::new(6)));
        assert_eq!(e.details.shift.working_minutes(), 480);
        assert_eq!(e.skill_level("refrigeration"), Some(4));
        assert_eq!(e.skill_level("elevators"), None);
        assert!(e.certified("制冷作业证", monday));
        assert!(!e.certified("制冷作业证", NaiveDate::from_ymd_opt(2027, 7, 1).unwrap()));
    }
}
