//! Quality sampling (质量控制): each week a few finished jobs per engineer go to review, the
//! risky ones first — a refused signature, a check-in far from the site, a visit much shorter
//! than the job's norm, missing before or after photos, a job that had to be reopened, an
//! unhappy customer — and the rest drawn at random, the same draw for the same week on every
//! screen. The service manager scores each against a checklist; the scores are kept per
//! engineer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::ids::{EngineerId, WorkOrderId};
use crate::position::Position;
use crate::receipt::{PhotoTag, SignOff};
use crate::survey::Survey;
use crate::work_order::WorkOrder;

/// What makes a job worth a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RiskSignal {
    SignatureRefused,
    /// The engineer checked in far from the site's position.
    CheckInFarAway,
    /// On site for much less than the job's expected time.
    ShortVisit,
    /// No photo before, or none after.
    MissingPhotos,
    /// The job was reopened (a rework visit).
    Reopened,
    /// The customer's survey: unhappy, or not fixed.
    LowScore,
}

/// How the weekly sample is drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QaRules {
    /// Jobs reviewed per engineer and week.
    pub per_engineer: u8,
    /// A check-in farther than this from the site, in metres, is a signal.
    pub far_metres: f64,
    /// A visit shorter than this share of the job's expected minutes is a signal.
    pub short_share: f64,
}

impl Default for QaRules {
    fn default() -> Self {
        QaRules {
            per_engineer: 2,
            far_metres: 500.0,
            short_share: 0.3,
        }
    }
}

impl QaRules {
    /// The signals a finished job shows. `expected_minutes`: how long the job should take on
    /// site (triage's estimate, else the dispatch default).
    pub fn signals(
        &self,
        wo: &WorkOrder,
        site: Option<Position>,
        survey: Option<&Survey>,
        expected_minutes: f64,
    ) -> Vec<RiskSignal> {
        let mut signals = Vec::new();
        if wo
            .receipt
            .as_ref()
            .is_some_and(|r| matches!(r.sign_off, SignOff::Refused { .. }))
        {
            signals.push(RiskSignal::SignatureRefused);
        }
        if let Some(site) = site
            && wo.visits.iter().any(|v| {
                v.check_in_position
                    .is_some_and(|p| p.distance_m(&site) > self.far_metres)
            })
        {
            signals.push(RiskSignal::CheckInFarAway);
        }
        let on_site: f64 = wo
            .visits
            .iter()
            .filter_map(|v| Some((v.checked_out_at? - v.checked_in_at).num_seconds() as f64 / 60.0))
            .sum();
        if !wo.visits.is_empty() && on_site < self.short_share * expected_minutes {
            signals.push(RiskSignal::ShortVisit);
        }
        let tagged = |tag: PhotoTag| wo.photos.iter().any(|p| p.tag == tag);
        let photographed = tagged(PhotoTag::Before) && tagged(PhotoTag::After);
        if !wo.visits.is_empty() && !photographed {
            signals.push(RiskSignal::MissingPhotos);
        }
        if wo.visits.len() > 1 || wo.notes.iter().any(|n| n.text.starts_with("Reopened:")) {
            signals.push(RiskSignal::Reopened);
        }
        if survey.is_some_and(|s| s.answer.csat <= 2 || !s.answer.fixed) {
            signals.push(RiskSignal::LowScore);
        }
        signals
    }
}

/// A finished job with its engineer and signals, a candidate for the week's sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub work_order: WorkOrderId,
    pub engineer: EngineerId,
    pub signals: Vec<RiskSignal>,
}

/// The week's sample: per engineer, the jobs with the most signals first, then a draw stable
/// for the week (`week`, e.g. "2026-W49", seeds it), `per_engineer` each.
pub fn sample(candidates: &[Candidate], per_engineer: u8, week: &str) -> Vec<WorkOrderId> {
    let mut engineers: Vec<EngineerId> = candidates.iter().map(|c| c.engineer).collect();
    engineers.sort();
    engineers.dedup();
    let mut picked = Vec::new();
    for engineer in engineers {
        let mut theirs: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| c.engineer == engineer)
            .collect();
        theirs.sort_by_key(|c| (std::cmp::Reverse(c.signals.len()), draw(c.work_order, week)));
        picked.extend(
            theirs
                .into_iter()
                .take(usize::from(per_engineer))
                .map(|c| c.work_order),
        );
    }
    picked
}

/// A number from the job and the week, the same every time: FNV-1a over both, then the
/// SplitMix64 finaliser, so a week's draw does not follow the last one's.
fn draw(job: WorkOrderId, week: &str) -> u64 {
    let h = job
        .as_uuid()
        .as_bytes()
        .iter()
        .chain(week.as_bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    let z = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The checklist a reviewer scores: (key, zh, en). Each item 0 (no), 1 (partly) or 2 (yes).
pub const CHECKLIST: &[(&str, &str, &str)] = &[
    ("on_time", "准时到场", "Arrived on time"),
    ("diagnosis", "诊断准确", "Diagnosed right"),
    ("workmanship", "施工规范", "Work done properly"),
    ("photos", "照片齐全清楚", "Photos complete and clear"),
    ("site_left_clean", "现场清洁", "Site left clean"),
    (
        "customer_told",
        "向客户说明处理结果",
        "Customer told what was done",
    ),
];

/// A reviewer's scorecard for one job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QaReview {
    pub work_order: WorkOrderId,
    pub engineer: EngineerId,
    /// The ISO week sampled, e.g. "2026-W49".
    pub week: String,
    /// One score (0–2) per checklist item, in the checklist's order.
    pub scores: Vec<u8>,
    #[serde(default)]
    pub comment: Option<String>,
    pub reviewer: String,
    pub at: DateTime<Utc>,
}

impl QaReview {
    /// Checks the scores: one per item, each 0 to 2.
    pub fn validated(mut self) -> Result<Self, Error> {
        if self.scores.len() != CHECKLIST.len() || self.scores.iter().any(|s| *s > 2) {
            return Err(Error::invalid(
                "scores",
                format!("score each of the {} items 0, 1 or 2", CHECKLIST.len()),
            ));
        }
        self.comment = self
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| crate::text::paragraph("comment", c))
            .transpose()?;
        Ok(self)
    }

    /// The score in percent of the most a job can get.
    pub fn percent(&self) -> f64 {
        let got: u32 = self.scores.iter().map(|s| u32::from(*s)).sum();
        f64::from(got) * 100.0 / (2.0 * CHECKLIST.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(n: u128, engineer: u128, signals: &[RiskSignal]) -> Candidate {
        Candidate {
            work_order: WorkOrderId::from_uuid(uuid::Uuid::from_u128(n)),
            engineer: EngineerId::from_uuid(uuid::Uuid::from_u128(engineer)),
            signals: signals.to_vec(),
        }
    }

    #[test]
    fn risky_jobs_first_then_a_draw_that_is_the_same_for_the_week() {
        let mut all: Vec<Candidate> = (0..20).map(|n| candidate(n, 1, &[])).collect();
        all.push(candidate(100, 1, &[RiskSignal::SignatureRefused]));
        all.push(candidate(
            101,
            1,
            &[RiskSignal::ShortVisit, RiskSignal::MissingPhotos],
        ));
        all.extend((200..205).map(|n| candidate(n, 2, &[])));
        let picked = sample(&all, 3, "2026-W49");
        assert_eq!(picked.len(), 6, "three each");
        assert_eq!(picked[0], all[21].work_order, "the most signals first");
        assert_eq!(picked[1], all[20].work_order);
        assert_eq!(picked, sample(&all, 3, "2026-W49"), "stable");
        let other_weeks: Vec<Vec<WorkOrderId>> = ["2026-W50", "2026-W51", "2026-W52"]
            .iter()
            .map(|w| sample(&all, 3, w))
            .collect();
        assert!(
            other_weeks.iter().any(|p| p[2] != picked[2]),
            "another week, another draw among the rest"
        );
    }

    #[test]
    fn a_scorecard_scores_every_item_zero_to_two() {
        let review = |scores: Vec<u8>| QaReview {
            work_order: WorkOrderId::from_uuid(uuid::Uuid::from_u128(1)),
            engineer: EngineerId::from_uuid(uuid::Uuid::from_u128(2)),
            week: "2026-W49".into(),
            scores,
            comment: Some("  照片缺少完工后  ".into()),
            reviewer: "manager".into(),
            at: DateTime::UNIX_EPOCH,
        };
        assert!(review(vec![2; 5]).validated().is_err());
        assert!(review(vec![2, 2, 2, 2, 2, 3]).validated().is_err());
        let ok = review(vec![2, 2, 1, 0, 2, 2]).validated().unwrap();
        assert_eq!(ok.comment.as_deref(), Some("照片缺少完工后"));
        assert!((ok.percent() - 75.0).abs() < 1e-9);
    }
}
