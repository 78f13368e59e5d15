//! The return visit (回访): which finished jobs the desk calls back, and what the call found.
//!
//! A job is due a call when the engineer finished it within the last days the rules look back,
//! nobody has called yet, and at least one rule picks it: every P1, every receipt the customer
//! refused to sign, every survey that says not fixed or unhappy, and a steady share of the
//! rest. The share is drawn from the job's id, so the same jobs are picked on every screen and
//! after a restart. The call's outcome decides what happens next: satisfied (the job is
//! confirmed), not fixed (reopened for a rework visit), or a complaint (filed on the job).

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::receipt::SignOff;
use crate::survey::Survey;
use crate::work_order::{Priority, Status, WorkOrder};

/// Which finished jobs get a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnVisitRules {
    /// Jobs finished this many days ago or less.
    pub within_days: u16,
    /// The share of other jobs called at random, in percent.
    pub sample_percent: u8,
    /// A customer's own answer with satisfaction at or below this files a complaint by itself
    /// (channel `survey`), once per job; 0: never.
    #[serde(default = "default_complaint_csat")]
    pub complaint_at_csat: u8,
    /// Likewise for a recommendation score at or below this (a detractor is 6 or less); none:
    /// the score alone files nothing.
    #[serde(default)]
    pub complaint_at_nps: Option<u8>,
    /// What an answer of "not fixed" sets off by itself: a call from the desk (the job is on the
    /// return-visit list), the job reopened for a rework visit at once, or a complaint.
    #[serde(default)]
    pub when_not_fixed: WhenNotFixed,
}

fn default_complaint_csat() -> u8 {
    1
}

impl Default for ReturnVisitRules {
    fn default() -> Self {
        ReturnVisitRules {
            within_days: 14,
            sample_percent: 20,
            complaint_at_csat: default_complaint_csat(),
            complaint_at_nps: None,
            when_not_fixed: WhenNotFixed::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WhenNotFixed {
    #[default]
    Call,
    Rework,
    Complaint,
}

/// What a customer's own answer sets off by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    Nothing,
    /// A complaint filed on the job, linked to the survey.
    Complaint,
    /// The job reopened for a rework visit.
    Rework,
}

/// Why a job is on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallReason {
    /// An urgent (P1) job.
    Urgent,
    /// The customer would not sign the receipt.
    SignatureRefused,
    /// The customer's survey says the problem is not fixed.
    NotFixed,
    /// The customer's survey is unhappy (satisfaction 2 or less, or a detractor).
    Unhappy,
    /// Picked at random for quality.
    Sampled,
}

impl ReturnVisitRules {
    /// Why the job is due a call now; empty: it is not.
    pub fn reasons(
        &self,
        wo: &WorkOrder,
        survey: Option<&Survey>,
        now: DateTime<Utc>,
    ) -> Vec<CallReason> {
        let finished = matches!(wo.status, Status::Completed | Status::Confirmed);
        let Some(done) = wo.resolution.as_ref().map(|r| r.at) else {
            return Vec::new();
        };
        if !finished
            || now - done > TimeDelta::days(i64::from(self.within_days))
            || survey.is_some_and(|s| s.call.is_some())
        {
            return Vec::new();
        }
        let mut reasons = Vec::new();
        if wo.priority == Priority::P1 {
            reasons.push(CallReason::Urgent);
        }
        if wo
            .receipt
            .as_ref()
            .is_some_and(|r| matches!(r.sign_off, SignOff::Refused { .. }))
        {
            reasons.push(CallReason::SignatureRefused);
        }
        if let Some(answer) = survey.map(|s| &s.answer) {
            if !answer.fixed {
                reasons.push(CallReason::NotFixed);
            }
            if answer.csat <= 2 || answer.nps_group() == crate::survey::NpsGroup::Detractor {
                reasons.push(CallReason::Unhappy);
            }
        }
        if reasons.is_empty() && self.sampled(wo) {
            reasons.push(CallReason::Sampled);
        }
        reasons
    }

    /// What this answer on the customer's page sets off by itself: once per job (a survey that
    /// already filed a complaint or reopened the job sets off nothing more).
    pub fn follow_up(&self, survey: &Survey) -> FollowUp {
        if survey.complaint.is_some() || survey.reopened {
            return FollowUp::Nothing;
        }
        let a = &survey.answer;
        if a.csat <= self.complaint_at_csat || self.complaint_at_nps.is_some_and(|n| a.nps <= n) {
            return FollowUp::Complaint;
        }
        match (a.fixed, self.when_not_fixed) {
            (false, WhenNotFixed::Rework) => FollowUp::Rework,
            (false, WhenNotFixed::Complaint) => FollowUp::Complaint,
            _ => FollowUp::Nothing,
        }
    }

    /// Whether the job falls in the random share: a stable draw from its id.
    fn sampled(&self, wo: &WorkOrder) -> bool {
        let bytes = wo.id.as_uuid().as_bytes();
        // The id's random tail (a v7 id begins with the time).
        let draw = u64::from_le_bytes(bytes[8..16].try_into().unwrap_or_default());
        draw % 100 < u64::from(self.sample_percent)
    }
}

/// What the call found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// Fixed and content: the job is confirmed.
    Satisfied,
    /// Still broken: the job is reopened for a rework visit.
    NotFixed,
    /// The customer complains: a complaint is filed on the job.
    Complaint,
}

/// A return call as recorded on the job's survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnCall {
    pub at: DateTime<Utc>,
    /// Who called.
    pub by: String,
    pub outcome: CallOutcome,
    #[serde(default)]
    pub note: Option<String>,
}

impl CallOutcome {
    /// The outcome fits what the customer answered: "satisfied" with "not fixed" is a slip of
    /// the agent's hand, refused before anything happens to the job.
    pub fn check(self, fixed: bool) -> Result<(), Error> {
        match (self, fixed) {
            (CallOutcome::Satisfied, false) => Err(Error::invalid(
                "outcome",
                "the customer says it is not fixed: choose not fixed or complaint",
            )),
            (CallOutcome::NotFixed, true) => Err(Error::invalid(
                "outcome",
                "the customer says it is fixed: choose satisfied or complaint",
            )),
            _ => Ok(()),
        }
    }
}
