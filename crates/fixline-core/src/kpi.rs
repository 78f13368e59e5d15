//! The service's KPIs, each defined once (the formulas are in `docs/kpis.md`): pure functions
//! over jobs, survey answers and complaints, so the dashboard, the review pack and the tests
//! cannot disagree on what a figure means. The first ones: the customer's voice (CSAT, NPS,
//! CES), first-time fix and repeat visits, SLA attainment, and complaints.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::complaint::Complaint;
use crate::sla::Milestone;
use crate::survey::{NpsGroup, SurveyAnswer};
use crate::work_order::WorkOrder;

/// A share: how many of how many. The percentage is `None` when there is nothing to count,
/// which a dashboard shows as "no data", never as 0 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ratio {
    pub numerator: u64,
    pub denominator: u64,
}

impl Ratio {
    pub fn percent(self) -> Option<f64> {
        (self.denominator > 0).then(|| 100.0 * self.numerator as f64 / self.denominator as f64)
    }

    fn of<T>(items: impl IntoIterator<Item = T>, counts: impl Fn(&T) -> bool) -> Ratio {
        items.into_iter().fold(Ratio::default(), |r, item| Ratio {
            numerator: r.numerator + u64::from(counts(&item)),
            denominator: r.denominator + 1,
        })
    }
}

/// How long after a job is finished another job on the same machine counts as rework.
pub const REWORK_WINDOW: TimeDelta = TimeDelta::days(30);

/// CSAT: the share of answers that are satisfied (4 or 5 of 5).
pub fn csat(answers: &[SurveyAnswer]) -> Ratio {
    Ratio::of(answers, |a| a.csat >= 4)
}

/// NPS: the percentage of promoters (9–10) less that of detractors (0–6), from −100 to 100.
pub fn nps(answers: &[SurveyAnswer]) -> Option<f64> {
    let promoters = Ratio::of(answers, |a| a.nps_group() == NpsGroup::Promoter).percent()?;
    let detractors = Ratio::of(answers, |a| a.nps_group() == NpsGroup::Detractor).percent()?;
    Some(promoters - detractors)
}

/// CES: the mean effort score, from 1 (very hard) to 7 (very easy).
pub fn ces(answers: &[SurveyAnswer]) -> Option<f64> {
    (!answers.is_empty())
        .then(|| answers.iter().map(|a| f64::from(a.effort)).sum::<f64>() / answers.len() as f64)
}

/// Whether `later` is rework of `job`: the same machine (or, without one, the same site and
/// category), opened after `job` was finished and within [`REWORK_WINDOW`].
fn is_rework_of(later: &WorkOrder, job: &WorkOrder) -> bool {
    let Some(done) = job.resolution.as_ref().map(|r| r.at) else {
        return false;
    };
    let same_machine = match (job.asset_id, later.asset_id) {
        (Some(a), Some(b)) => a == b,
        (None, None) => job.site_id == later.site_id && job.category == later.category,
        _ => false,
    };
    later.id != job.id
        && same_machine
        && later.created_at >= done
        && later.created_at - done <= REWORK_WINDOW
}

/// Whether a finished job was fixed the first time: resolved at its first visit (or without
/// one, on the phone) and no rework among `jobs` within 30 days. `None`: not finished.
pub fn fixed_first_time(job: &WorkOrder, jobs: &[WorkOrder]) -> Option<bool> {
    job.resolution.as_ref()?;
    let one_visit = job.visits.len() <= 1;
    Some(one_visit && !jobs.iter().any(|later| is_rework_of(later, job)))
}

/// First-time fix rate: of the finished jobs in `period`, those fixed the first time, looking
/// for rework among `all` (which must reach 30 days past the period).
pub fn first_time_fix(period: &[WorkOrder], all: &[WorkOrder]) -> Ratio {
    let finished = period.iter().filter(|j| j.resolution.is_some());
    Ratio::of(finished, |j| fixed_first_time(j, all) == Some(true))
}

/// Repeat-visit rate: of the finished jobs, those that took more than one visit.
pub fn repeat_visits(period: &[WorkOrder]) -> Ratio {
    let finished = period.iter().filter(|j| j.resolution.is_some());
    Ratio::of(finished, |j| j.visits.len() > 1)
}

/// SLA attainment for one milestone: of the jobs that reached it, those that reached it by
/// its due time (business hours and pauses are already in the due time the clock kept).
pub fn sla_attainment(jobs: &[WorkOrder], milestone: Milestone) -> Ratio {
    let reached = jobs.iter().filter_map(|j| j.sla.met(milestone));
    Ratio::of(reached, |m| m.on_time())
}

/// Complaints per 100 finished jobs in the same period.
pub fn complaints_per_100_jobs(complaints: usize, finished_jobs: usize) -> Option<f64> {
    (finished_jobs > 0).then(|| 100.0 * complaints as f64 / finished_jobs as f64)
}

/// Of the complaints resolved, those resolved by their deadline.
pub fn complaints_resolved_in_time(complaints: &[Complaint]) -> Ratio {
    let resolved = complaints
        .iter()
        .filter_map(|c| Some((c.resolved_at?, c.deadlines.resolve_by)));
    Ratio::of(resolved, |(at, by)| at <= by)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::customer::ContractTier;
    use crate::ids::{AssetId, CustomerId, EngineerId, SiteId, WorkOrderId};
    use crate::sla::{SlaPolicy, SlaTerms};
    use crate::work_order::{
        IntakeChannel, Priority, Resolution, ResolutionType, Visit, VisitOutcome, WorkOrderRequest,
    };
    use crate::zone::ServiceZone;

    fn answer(csat: u8, nps: u8, effort: u8) -> SurveyAnswer {
        SurveyAnswer {
            csat,
            nps,
            effort,
            fixed: true,
            comment: None,
        }
    }

    #[test]
    fn the_customers_voice_by_hand() {
        // Five answers: CSAT 5, 4, 3, 2, 5 → 3 of 5 satisfied = 60 %.
        // NPS 10, 9, 7, 3, 6 → promoters 2/5 = 40 %, detractors 2/5 = 40 % → 0.
        // Effort 7, 6, 4, 2, 6 → 25 / 5 = 5.0.
        let answers = [
            answer(5, 10, 7),
            answer(4, 9, 6),
            answer(3, 7, 4),
            answer(2, 3, 2),
            answer(5, 6, 6),
        ];
        let c = csat(&answers);
        assert_eq!((c.numerator, c.denominator), (3, 5));
        assert_eq!(c.percent(), Some(60.0));
        assert_eq!(nps(&answers), Some(0.0));
        assert_eq!(ces(&answers), Some(5.0));
        assert_eq!(nps(&answers[..2]), Some(100.0), "two promoters");
        assert_eq!(nps(&[]), None);
        assert_eq!(csat(&[]).percent(), None, "no data is not 0 %");
    }

    fn at(day: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 2, 0, 0).unwrap()
    }

    /// A job on machine `asset`, opened on `opened`, finished on `done` after `visits` visits.
    fn job(n: u128, asset: u128, opened: u32, done: Option<u32>, visits: u32) -> WorkOrder {
        let request = WorkOrderRequest {
            customer_id: CustomerId::from_uuid(uuid::Uuid::from_u128(7)),
            site_id: SiteId::from_uuid(uuid::Uuid::from_u128(8)),
            asset_id: None,
            category: "refrigeration".into(),
            priority: Priority::P2,
            symptom: "冷柜不制冷".into(),
            requested_window: None,
        };
        let policy = SlaPolicy::default();
        let mut wo = WorkOrder::open(
            WorkOrderId::from_uuid(uuid::Uuid::from_u128(n)),
            format!("WO-{n:06}"),
            request,
            IntakeChannel::Phone,
            at(opened),
            SlaTerms {
                tier: ContractTier::Standard,
                policy: &policy,
                time_zone: ServiceZone::SHANGHAI,
            },
        )
        .unwrap();
        wo.id = WorkOrderId::from_uuid(uuid::Uuid::from_u128(n));
        wo.asset_id = Some(AssetId::from_uuid(uuid::Uuid::from_u128(asset)));
        wo.created_at = at(opened);
        wo.visits = (1..=visits)
            .map(|number| Visit {
                number,
                engineer: EngineerId::from_uuid(uuid::Uuid::from_u128(3)),
                checked_in_at: at(opened),
                check_in_position: None,
                checked_out_at: Some(at(opened)),
                check_out_position: None,
                outcome: Some(VisitOutcome::Completed),
            })
            .collect();
        wo.resolution = done.map(|d| Resolution {
            kind: ResolutionType::OnSiteRepair,
            summary: "更换启动电容".into(),
            at: at(d),
            fault_code: None,
            cause_code: None,
            resolution_code: None,
        });
        wo
    }

    #[test]
    fn first_time_fix_by_hand() {
        // 1: one visit, machine 50, no rework → fixed first time.
        // 2: two visits → not (and a repeat visit).
        // 3: one visit on machine 60, but job 4 on the same machine 10 days after → rework.
        // 4: the rework itself, one visit, nothing after → fixed first time.
        // 5: one visit on machine 70, another job there 40 days after: not rework.
        // 6: not finished → not counted.
        let all = [
            job(1, 50, 1, Some(1), 1),
            job(2, 51, 2, Some(3), 2),
            job(3, 60, 2, Some(2), 1),
            job(4, 60, 12, Some(12), 1),
            job(5, 70, 1, Some(1), 1),
            job(6, 80, 5, None, 1),
        ];
        let mut later = job(7, 70, 1, None, 0);
        later.created_at = at(1) + TimeDelta::days(40);
        let mut everything = all.to_vec();
        everything.push(later);
        assert_eq!(fixed_first_time(&all[2], &everything), Some(false));
        assert_eq!(fixed_first_time(&all[4], &everything), Some(true));
        assert_eq!(fixed_first_time(&all[5], &everything), None);
        let ftf = first_time_fix(&all, &everything);
        assert_eq!(
            (ftf.numerator, ftf.denominator),
            (3, 5),
            "1, 4 and 5 of 1–5"
        );
        assert_eq!(ftf.percent(), Some(60.0));
        let repeat = repeat_visits(&all);
        assert_eq!((repeat.numerator, repeat.denominator), (1, 5));
        assert_eq!(complaints_per_100_jobs(2, 5), Some(40.0));
        assert_eq!(complaints_per_100_jobs(2, 0), None);
    }

    #[test]
    fn sla_attainment_by_hand() {
        use crate::sla::MetMilestone;
        let met = |at_day: u32, due_day: u32| {
            Some(MetMilestone {
                at: at(at_day),
                due: at(due_day),
            })
        };
        // Responded: on time, on time, late → 2 of 3. Resolved: one on the due time itself
        // (on time), one late; the third not resolved yet → 1 of 2.
        let mut jobs = [
            job(1, 50, 1, None, 0),
            job(2, 51, 1, None, 0),
            job(3, 52, 1, None, 0),
        ];
        jobs[0].sla.respond = met(1, 2);
        jobs[1].sla.respond = met(2, 2);
        jobs[2].sla.respond = met(3, 2);
        jobs[0].sla.resolve = met(4, 4);
        jobs[1].sla.resolve = met(6, 5);
        let respond = sla_attainment(&jobs, Milestone::Respond);
        assert_eq!((respond.numerator, respond.denominator), (2, 3));
        let resolve = sla_attainment(&jobs, Milestone::Resolve);
        assert_eq!((resolve.numerator, resolve.denominator), (1, 2));
        assert_eq!(sla_attainment(&jobs, Milestone::Arrive).percent(), None);
    }
}
