//! The customer's answer after a job (服务回访): satisfaction (CSAT 1–5), how likely they are
//! to recommend us (NPS 0–10), how easy it was (effort, CES 1–7), whether the problem is fixed,
//! and a comment. One answer per job, given on the customer's page or taken down by the desk on
//! a return call, and editable for [`EDITABLE_DAYS`] after it was first given.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::ids::WorkOrderId;

/// How long an answer stays open to change after it was first given.
pub const EDITABLE_DAYS: i64 = 7;

/// The longest comment kept.
pub const COMMENT_MAX: usize = 2000;

/// How many times the customer's page may change one answer (a link passed around, or a
/// script, cannot rewrite it without end).
pub const MAX_REVISIONS: u32 = 20;

/// Where the answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SurveySource {
    /// The customer, on the page behind the receipt's link.
    CustomerPage,
    /// The desk, on a return call (回访电话).
    ReturnCall,
}

/// What the customer said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyAnswer {
    /// Satisfaction with this service, 1 (very dissatisfied) to 5 (very satisfied).
    pub csat: u8,
    /// How likely they would recommend us, 0 to 10.
    pub nps: u8,
    /// How easy it was to get the problem solved, 1 (very hard) to 7 (very easy).
    pub effort: u8,
    /// Whether the problem is fixed now.
    pub fixed: bool,
    #[serde(default)]
    pub comment: Option<String>,
}

impl SurveyAnswer {
    /// The answer as kept: every score in its range, the comment trimmed (empty: none).
    pub fn validated(mut self) -> Result<Self, Error> {
        let range = |field: &'static str, v: u8, lo: u8, hi: u8| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(Error::invalid(
                    field,
                    format!("{v} is not from {lo} to {hi}"),
                ))
            }
        };
        range("csat", self.csat, 1, 5)?;
        range("nps", self.nps, 0, 10)?;
        range("effort", self.effort, 1, 7)?;
        self.comment = match self.comment.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) if c.chars().count() > COMMENT_MAX => {
                return Err(Error::invalid(
                    "comment",
                    format!("at most {COMMENT_MAX} characters"),
                ));
            }
            Some(c) => Some(c.to_owned()),
        };
        Ok(self)
    }

    /// Where the NPS answer puts the customer.
    pub fn nps_group(&self) -> NpsGroup {
        NpsGroup::of(self.nps)
    }

    /// An answer the desk follows up with a call: not fixed, or unhappy.
    pub fn needs_follow_up(&self) -> bool {
        !self.fixed || self.csat <= 2 || self.nps_group() == NpsGroup::Detractor
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NpsGroup {
    Detractor,
    Passive,
    Promoter,
}

impl NpsGroup {
    /// Where a 0–10 answer puts the customer: 0–6 detractor, 7–8 passive, 9–10 promoter.
    pub fn of(score: u8) -> NpsGroup {
        match score {
            0..=6 => NpsGroup::Detractor,
            7..=8 => NpsGroup::Passive,
            _ => NpsGroup::Promoter,
        }
    }
}

/// A job's survey: the latest answer, where it came from, and when it was first and last given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Survey {
    pub work_order_id: WorkOrderId,
    pub answer: SurveyAnswer,
    pub source: SurveySource,
    pub first_answered_at: DateTime<Utc>,
    pub answered_at: DateTime<Utc>,
    /// How many times it was given (1: never changed).
    pub revisions: u32,
    /// The desk's return call, once made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<crate::return_visit::ReturnCall>,
    /// The complaint a very unhappy answer filed by itself, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complaint: Option<crate::ids::ComplaintId>,
    /// The answer reopened the job for a rework visit by itself.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reopened: bool,
}

impl Survey {
    /// The first answer for a job.
    pub fn first(
        work_order_id: WorkOrderId,
        answer: SurveyAnswer,
        source: SurveySource,
        at: DateTime<Utc>,
    ) -> Result<Survey, Error> {
        Ok(Survey {
            work_order_id,
            answer: answer.validated()?,
            source,
            first_answered_at: at,
            answered_at: at,
            revisions: 1,
            call: None,
            complaint: None,
            reopened: false,
        })
    }

    /// Until when the customer may change it.
    pub fn editable_until(&self) -> DateTime<Utc> {
        self.first_answered_at + TimeDelta::days(EDITABLE_DAYS)
    }

    /// Whether the customer's page may still change it.
    pub fn editable(&self, at: DateTime<Utc>) -> bool {
        at <= self.editable_until() && self.revisions < MAX_REVISIONS
    }

    /// The answer changed. The customer's page may change it within [`EDITABLE_DAYS`]; the desk
    /// (a return call, where the customer says it again) at any time.
    pub fn revised(
        &self,
        answer: SurveyAnswer,
        source: SurveySource,
        at: DateTime<Utc>,
    ) -> Result<Survey, Error> {
        if source == SurveySource::CustomerPage && !self.editable(at) {
            return Err(Error::invalid(
                "survey",
                format!(
                    "an answer can be changed {MAX_REVISIONS} times within {EDITABLE_DAYS} days of giving it; call us to change it now"
                ),
            ));
        }
        Ok(Survey {
            answer: answer.validated()?,
            source,
            answered_at: at,
            revisions: self.revisions + 1,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(csat: u8, nps: u8, fixed: bool) -> SurveyAnswer {
        SurveyAnswer {
            csat,
            nps,
            effort: 6,
            fixed,
            comment: Some("  师傅很专业  ".into()),
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn scores_outside_their_range_are_refused_and_the_comment_is_trimmed() {
        assert!(answer(0, 9, true).validated().is_err());
        assert!(answer(6, 9, true).validated().is_err());
        assert!(answer(5, 11, true).validated().is_err());
        let mut hard = answer(5, 9, true);
        hard.effort = 8;
        assert!(hard.validated().is_err());
        let kept = answer(5, 10, true).validated().unwrap();
        assert_eq!(kept.comment.as_deref(), Some("师傅很专业"));
        let mut blank = answer(5, 10, true);
        blank.comment = Some("   ".into());
        assert_eq!(blank.validated().unwrap().comment, None);
    }

    #[test]
    fn nps_groups_and_who_gets_a_call() {
        assert_eq!(answer(5, 6, true).nps_group(), NpsGroup::Detractor);
        assert_eq!(answer(5, 7, true).nps_group(), NpsGroup::Passive);
        assert_eq!(answer(5, 9, true).nps_group(), NpsGroup::Promoter);
        assert!(!answer(5, 9, true).needs_follow_up());
        assert!(answer(5, 9, false).needs_follow_up(), "not fixed");
        assert!(answer(2, 9, true).needs_follow_up(), "unhappy");
        assert!(answer(4, 3, true).needs_follow_up(), "a detractor");
    }

    #[test]
    fn the_customer_may_change_it_for_a_week_the_desk_always() {
        let first = Survey::first(
            WorkOrderId::from_uuid(uuid::Uuid::from_u128(1)),
            answer(3, 6, false),
            SurveySource::CustomerPage,
            at("2026-12-01T02:00:00Z"),
        )
        .unwrap();
        let changed = first
            .revised(
                answer(5, 9, true),
                SurveySource::CustomerPage,
                at("2026-12-08T01:59:00Z"),
            )
            .unwrap();
        assert_eq!(changed.revisions, 2);
        assert_eq!(changed.first_answered_at, first.first_answered_at);
        assert!(
            changed
                .revised(
                    answer(1, 0, false),
                    SurveySource::CustomerPage,
                    at("2026-12-08T02:01:00Z")
                )
                .is_err()
        );
        let called = changed
            .revised(
                answer(4, 8, true),
                SurveySource::ReturnCall,
                at("2026-12-20T02:00:00Z"),
            )
            .unwrap();
        assert_eq!(called.source, SurveySource::ReturnCall);
    }
}
