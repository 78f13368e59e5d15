//! Improvement actions (改进措施): what the service review decided to do about a KPI, who does
//! it, by when, and what became of it. The next review lists each with its status and outcome:
//! plan, do, check, act.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::ids::ImprovementId;
use crate::kpi::Kpi;
use crate::text::{self, LINE_MAX};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Planned,
    InProgress,
    Done,
    /// Given up, with the reason in the outcome.
    Dropped,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 4] = [
        ActionStatus::Planned,
        ActionStatus::InProgress,
        ActionStatus::Done,
        ActionStatus::Dropped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Planned => "planned",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Done => "done",
            ActionStatus::Dropped => "dropped",
        }
    }

    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            ActionStatus::Planned => ("计划中", "Planned"),
            ActionStatus::InProgress => ("进行中", "In progress"),
            ActionStatus::Done => ("已完成", "Done"),
            ActionStatus::Dropped => ("已放弃", "Dropped"),
        }
    }

    /// Still to be done: a review chases it.
    pub fn is_open(self) -> bool {
        matches!(self, ActionStatus::Planned | ActionStatus::InProgress)
    }
}

/// What the reviewer writes: the action and its owner, due date and KPI; later its status and
/// what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionDetails {
    pub what: String,
    pub owner: String,
    pub due: NaiveDate,
    /// The KPI it should move.
    pub kpi: Kpi,
    pub status: ActionStatus,
    /// What happened (required once done or dropped).
    #[serde(default)]
    pub outcome: Option<String>,
}

impl ActionDetails {
    pub fn validated(self) -> Result<ActionDetails, Error> {
        let outcome = match self.outcome.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(o) => Some(text::paragraph("outcome", o)?),
        };
        if !self.status.is_open() && outcome.is_none() {
            return Err(Error::invalid(
                "outcome",
                "say what happened before marking the action done or dropped",
            ));
        }
        Ok(ActionDetails {
            what: text::paragraph("what", &self.what)?,
            owner: text::line("owner", &self.owner, LINE_MAX)?,
            outcome,
            ..self
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImprovementAction {
    pub id: ImprovementId,
    #[serde(flatten)]
    pub details: ActionDetails,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// 1 when made, +1 per change.
    pub version: u64,
}

impl ImprovementAction {
    /// Whether the action is past its due day and still open.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.details.status.is_open() && self.details.due < today
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(status: ActionStatus, outcome: Option<&str>) -> ActionDetails {
        ActionDetails {
            what: "  给西湖区工程师配常用备件包 ".into(),
            owner: "李经理".into(),
            due: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            kpi: Kpi::FirstTimeFix,
            status,
            outcome: outcome.map(str::to_owned),
        }
    }

    #[test]
    fn an_action_is_closed_only_with_what_happened() {
        let ok = details(ActionStatus::Planned, Some("  "))
            .validated()
            .unwrap();
        assert_eq!(ok.what, "给西湖区工程师配常用备件包");
        assert_eq!(ok.outcome, None);
        let err = details(ActionStatus::Done, None).validated().unwrap_err();
        assert!(err.to_string().contains("what happened"), "{err}");
        let done = details(ActionStatus::Done, Some("一次修复率 72% → 81%"))
            .validated()
            .unwrap();
        assert_eq!(done.outcome.as_deref(), Some("一次修复率 72% → 81%"));
        let mut empty = details(ActionStatus::Planned, None);
        empty.owner = " ".into();
        assert!(empty.validated().is_err(), "an owner is needed");
    }
}
