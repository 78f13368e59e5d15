//! The service's KPIs, each defined once (the formulas are in `docs/kpis.md`): pure functions
//! over jobs, survey answers and complaints, so the dashboard, the review pack and the tests
//! cannot disagree on what a figure means. The first ones: the customer's voice (CSAT, NPS,
//! CES), first-time fix and repeat visits, SLA attainment, and complaints.

use std::collections::HashSet;

use chrono::{NaiveDate, TimeDelta};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::billing::Bill;
use crate::calendar::BusinessCalendar;
use crate::complaint::Complaint;
use crate::ids::EngineerId;
use crate::sla::Milestone;
use crate::survey::{NpsGroup, SurveyAnswer};
use crate::work_order::{ResolutionType, VisitOutcome, WorkOrder};
use crate::zone::ServiceZone;

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

    fn add(&mut self, counts: bool) {
        self.numerator += u64::from(counts);
        self.denominator += 1;
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
    Ratio::of(answers, |a| satisfied(a.csat))
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

/// The machine a job is on, as rework sees it: its asset, or without one its site and
/// category. The store keeps it with the job's facts to find rework.
pub fn machine_key(job: &WorkOrder) -> String {
    match job.asset_id {
        Some(asset) => format!("asset:{asset}"),
        None => format!("site:{}:{}", job.site_id, job.category),
    }
}

/// Whether `later` is rework of `job`: the same machine, opened after `job` was finished and
/// within [`REWORK_WINDOW`], and not cancelled (a duplicate request is no rework).
fn is_rework_of(later: &WorkOrder, job: &WorkOrder) -> bool {
    let Some(done) = job.resolution.as_ref().map(|r| r.at) else {
        return false;
    };
    later.id != job.id
        && later.status != crate::work_order::Status::Cancelled
        && machine_key(later) == machine_key(job)
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

/// Whether a satisfaction answer (1–5) counts as satisfied.
fn satisfied(csat: u8) -> bool {
    csat >= 4
}

/// What one job contributes to the KPIs, worked out once from the job whenever it changes and
/// kept as a row the dashboard folds (the rollup), so a figure over a million jobs reads one
/// narrow row per job and never replays histories. The dimensions it is sliced by come with it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct JobFacts {
    /// The finishing engineer (the last visit's), or the assignee when nobody visited.
    pub engineer: Option<EngineerId>,
    pub region: String,
    pub category: String,
    /// The asset's model, when the job names an asset.
    pub model: Option<String>,
    pub channel: String,
    /// The local day the job was finished on: the period it counts in.
    pub day: Option<NaiveDate>,
    /// Finished at the first visit, or on the phone with none.
    pub first_visit_fix: bool,
    /// A later job on the same machine within [`REWORK_WINDOW`] (kept by the store, which sees
    /// the later job arrive).
    pub reworked: bool,
    pub visits: u32,
    /// Resolved at the first contact by remote guidance, nobody sent.
    pub first_contact: bool,
    /// Clock seconds to each milestone (business time on a business-hours clock, pauses out)
    /// and whether it was met on time; respond, arrive, resolve.
    pub sla_seconds: [Option<i64>; 3],
    pub sla_on_time: [Option<bool>; 3],
    /// Minutes on site over all visits: the hands-on repair time.
    pub on_site_minutes: i64,
    pub travel_minutes: i64,
    /// Whether the first visit did not stop for parts; none without a visit.
    pub parts_at_first_visit: Option<bool>,
    /// Labour and parts at their value (warranty or not), in the currency's minor unit.
    pub cost_minor: i64,
    pub fault_code: Option<String>,
    pub cause_code: Option<String>,
    /// The survey's scores, once answered: satisfaction, recommend, effort.
    pub survey: Option<(u8, u8, u8)>,
    /// The quality review's score in percent, once reviewed.
    pub qa_percent: Option<f64>,
    /// Complaints that name this job.
    pub complaints: u32,
    /// An engineer said a knowledge-base article opened from the job helped.
    #[serde(default)]
    pub guided: bool,
}

impl JobFacts {
    /// The job's facts; `region` and `model` come from its site and asset.
    pub fn of(
        job: &WorkOrder,
        region: &str,
        model: Option<&str>,
        zone: ServiceZone,
        calendar: &BusinessCalendar,
    ) -> JobFacts {
        let resolution = job.resolution.as_ref();
        let first = job.visits.first();
        let cost = job.bill.as_ref().map_or(0, |bill| {
            let parts = bill.parts.iter().filter_map(|l| Bill::part_total(l).ok());
            let labour = bill
                .labour
                .iter()
                .filter_map(|l| Bill::labour_total(l).ok());
            parts
                .chain(labour)
                .filter_map(|m| {
                    let unit = Decimal::from(10i64.pow(m.currency.minor_digits()));
                    (m.rounded().amount * unit).to_i64()
                })
                .sum()
        });
        JobFacts {
            engineer: job.visits.last().map(|v| v.engineer).or(job.assignee),
            region: region.to_owned(),
            category: job.category.clone(),
            model: model.map(str::to_owned),
            channel: job.channel.as_str().to_owned(),
            day: resolution.map(|r| zone.local_day(r.at)),
            first_visit_fix: resolution.is_some() && job.visits.len() <= 1,
            reworked: false,
            visits: u32::try_from(job.visits.len()).unwrap_or(u32::MAX),
            first_contact: resolution.is_some_and(|r| r.kind == ResolutionType::RemoteGuidance)
                && job.visits.is_empty(),
            sla_seconds: Milestone::ALL.map(|m| job.sla.elapsed(m, calendar)),
            sla_on_time: Milestone::ALL.map(|m| job.sla.met(m).map(|met| met.on_time())),
            on_site_minutes: job.visits.iter().filter_map(|v| v.minutes_on_site()).sum(),
            travel_minutes: job
                .visits
                .iter()
                .filter_map(|v| v.minutes_travelled())
                .sum(),
            parts_at_first_visit: first.map(|v| v.outcome != Some(VisitOutcome::AwaitingParts)),
            cost_minor: cost,
            fault_code: resolution.and_then(|r| r.fault_code.clone()),
            cause_code: resolution.and_then(|r| r.cause_code.clone()),
            survey: None,
            qa_percent: None,
            complaints: 0,
            guided: job.articles_used.iter().any(|u| u.helpful),
        }
    }

    pub fn finished(&self) -> bool {
        self.day.is_some()
    }

    pub fn fixed_first_time(&self) -> bool {
        self.first_visit_fix && !self.reworked
    }
}

/// A duration figure: the mean and the 90th percentile (nearest rank), in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Spread {
    pub count: u64,
    pub mean_minutes: Option<f64>,
    pub p90_minutes: Option<f64>,
}

impl Spread {
    /// From seconds, in any order.
    pub fn of(mut seconds: Vec<i64>) -> Spread {
        let n = seconds.len();
        if n == 0 {
            return Spread::default();
        }
        let mean = seconds.iter().map(|&s| s as f64).sum::<f64>() / n as f64 / 60.0;
        // Nearest rank: the smallest value with at least 90 % of the values at or below it
        // (selected in linear time; a year's jobs need no full sort).
        let rank = (9 * n).div_ceil(10).max(1);
        let (_, p90, _) = seconds.select_nth_unstable(rank - 1);
        Spread {
            count: n as u64,
            mean_minutes: Some(mean),
            p90_minutes: Some(*p90 as f64 / 60.0),
        }
    }
}

/// The jobs of one slice folded together; [`Tally::figures`] turns it into the KPIs.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    finished: u64,
    first_time: u64,
    repeat: u64,
    first_contact: u64,
    sla_seconds: [Vec<i64>; 3],
    sla_on_time: [Ratio; 3],
    repair_minutes: Vec<i64>,
    parts_first: Ratio,
    cost_minor: i64,
    on_site_minutes: i64,
    travel_minutes: i64,
    answers: u64,
    satisfied: u64,
    promoters: u64,
    detractors: u64,
    effort_sum: u64,
    qa_count: u64,
    qa_sum: f64,
    engineer_days: HashSet<(EngineerId, NaiveDate)>,
    complaints: u64,
    /// First-time fixes among the jobs a guide helped with, and among the others.
    ftf_guided: Ratio,
    ftf_unguided: Ratio,
}

impl Tally {
    /// Adds a finished job (an unfinished one counts in no KPI and is skipped).
    pub fn add(&mut self, f: &JobFacts) {
        let Some(day) = f.day else { return };
        self.finished += 1;
        self.first_time += u64::from(f.fixed_first_time());
        if f.guided {
            self.ftf_guided.add(f.fixed_first_time());
        } else {
            self.ftf_unguided.add(f.fixed_first_time());
        }
        self.repeat += u64::from(f.visits > 1);
        self.first_contact += u64::from(f.first_contact);
        for i in 0..3 {
            if let Some(s) = f.sla_seconds[i] {
                self.sla_seconds[i].push(s);
            }
            if let Some(on_time) = f.sla_on_time[i] {
                self.sla_on_time[i].add(on_time);
            }
        }
        if f.visits > 0 {
            self.repair_minutes.push(f.on_site_minutes * 60);
        }
        if let Some(ok) = f.parts_at_first_visit {
            self.parts_first.add(ok);
        }
        self.cost_minor += f.cost_minor;
        self.on_site_minutes += f.on_site_minutes;
        self.travel_minutes += f.travel_minutes;
        if let Some((csat, nps, effort)) = f.survey {
            self.answers += 1;
            self.satisfied += u64::from(satisfied(csat));
            match NpsGroup::of(nps) {
                NpsGroup::Promoter => self.promoters += 1,
                NpsGroup::Detractor => self.detractors += 1,
                NpsGroup::Passive => {}
            }
            self.effort_sum += u64::from(effort);
        }
        if let Some(qa) = f.qa_percent {
            self.qa_count += 1;
            self.qa_sum += qa;
        }
        if let Some(engineer) = f.engineer {
            self.engineer_days.insert((engineer, day));
        }
        self.complaints += u64::from(f.complaints);
    }

    /// Adds another slice's jobs (the total of a table is its slices merged).
    pub fn merge(&mut self, other: &Tally) {
        self.finished += other.finished;
        self.first_time += other.first_time;
        for (mine, theirs) in [
            (&mut self.ftf_guided, other.ftf_guided),
            (&mut self.ftf_unguided, other.ftf_unguided),
        ] {
            mine.numerator += theirs.numerator;
            mine.denominator += theirs.denominator;
        }
        self.repeat += other.repeat;
        self.first_contact += other.first_contact;
        for i in 0..3 {
            self.sla_seconds[i].extend_from_slice(&other.sla_seconds[i]);
            self.sla_on_time[i].numerator += other.sla_on_time[i].numerator;
            self.sla_on_time[i].denominator += other.sla_on_time[i].denominator;
        }
        self.repair_minutes.extend_from_slice(&other.repair_minutes);
        self.parts_first.numerator += other.parts_first.numerator;
        self.parts_first.denominator += other.parts_first.denominator;
        self.cost_minor += other.cost_minor;
        self.on_site_minutes += other.on_site_minutes;
        self.travel_minutes += other.travel_minutes;
        self.answers += other.answers;
        self.satisfied += other.satisfied;
        self.promoters += other.promoters;
        self.detractors += other.detractors;
        self.effort_sum += other.effort_sum;
        self.qa_count += other.qa_count;
        self.qa_sum += other.qa_sum;
        self.engineer_days
            .extend(other.engineer_days.iter().copied());
        self.complaints += other.complaints;
    }

    /// The engineer-days in the slice: an engineer on a day they finished a job.
    pub fn engineer_days(&self) -> impl Iterator<Item = &(EngineerId, NaiveDate)> {
        self.engineer_days.iter()
    }

    /// The KPIs; `shift_minutes` is the working minutes of the engineer-days' shifts.
    pub fn figures(&self, shift_minutes: i64) -> Figures {
        let share = |numerator, denominator| Ratio {
            numerator,
            denominator,
        };
        let answers = share(0, self.answers)
            .percent()
            .map(|_| self.answers as f64);
        let pct = |n: u64| answers.map(|a| 100.0 * n as f64 / a);
        let [respond, arrive, resolve] = self.sla_seconds.clone().map(Spread::of);
        Figures {
            jobs: self.finished,
            csat: share(self.satisfied, self.answers),
            nps: pct(self.promoters)
                .zip(pct(self.detractors))
                .map(|(p, d)| p - d),
            ces: answers.map(|a| self.effort_sum as f64 / a),
            first_time_fix: share(self.first_time, self.finished),
            first_time_fix_guided: self.ftf_guided,
            first_time_fix_unguided: self.ftf_unguided,
            first_contact_resolution: share(self.first_contact, self.finished),
            repeat_visits: share(self.repeat, self.finished),
            respond,
            arrive,
            resolve,
            sla_respond: self.sla_on_time[0],
            sla_arrive: self.sla_on_time[1],
            sla_resolve: self.sla_on_time[2],
            mttr: Spread::of(self.repair_minutes.clone()),
            parts_at_first_visit: self.parts_first,
            cost_per_job_minor: (self.finished > 0)
                .then(|| self.cost_minor as f64 / self.finished as f64),
            travel_share: share(
                u64::try_from(self.travel_minutes).unwrap_or(0),
                u64::try_from(self.travel_minutes + self.on_site_minutes).unwrap_or(0),
            ),
            complaints_per_100_jobs: complaints_per_100_jobs(
                usize::try_from(self.complaints).unwrap_or(usize::MAX),
                usize::try_from(self.finished).unwrap_or(usize::MAX),
            ),
            jobs_per_engineer_day: (!self.engineer_days.is_empty())
                .then(|| self.finished as f64 / self.engineer_days.len() as f64),
            utilisation: share(
                u64::try_from(self.on_site_minutes).unwrap_or(0),
                u64::try_from(shift_minutes).unwrap_or(0),
            ),
            qa_percent: (self.qa_count > 0).then(|| self.qa_sum / self.qa_count as f64),
        }
    }
}

/// Every KPI of one slice (see `docs/kpis.md` for each formula).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Finished jobs.
    pub jobs: u64,
    pub csat: Ratio,
    pub nps: Option<f64>,
    pub ces: Option<f64>,
    pub first_time_fix: Ratio,
    /// First-time fix of the jobs a knowledge-base article helped with.
    #[serde(default)]
    pub first_time_fix_guided: Ratio,
    /// ... and of the jobs no article helped with.
    #[serde(default)]
    pub first_time_fix_unguided: Ratio,
    pub first_contact_resolution: Ratio,
    pub repeat_visits: Ratio,
    pub respond: Spread,
    pub arrive: Spread,
    pub resolve: Spread,
    pub sla_respond: Ratio,
    pub sla_arrive: Ratio,
    pub sla_resolve: Ratio,
    /// Mean time to repair: minutes on site per job that had a visit.
    pub mttr: Spread,
    pub parts_at_first_visit: Ratio,
    /// Labour and parts per finished job, in the currency's minor unit (fen).
    pub cost_per_job_minor: Option<f64>,
    pub travel_share: Ratio,
    pub complaints_per_100_jobs: Option<f64>,
    pub jobs_per_engineer_day: Option<f64>,
    pub utilisation: Ratio,
    pub qa_percent: Option<f64>,
}

/// The KPIs a dashboard shows, a target is set for, and a review reports: each reads one value
/// from [`Figures`] (percent for shares, minutes for times).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Kpi {
    Csat,
    Nps,
    Ces,
    FirstTimeFix,
    FirstTimeFixGuided,
    FirstTimeFixUnguided,
    FirstContactResolution,
    RepeatVisits,
    RespondMean,
    RespondP90,
    ArriveMean,
    ArriveP90,
    ResolveMean,
    ResolveP90,
    SlaRespond,
    SlaArrive,
    SlaResolve,
    Mttr,
    PartsAtFirstVisit,
    CostPerJob,
    TravelShare,
    ComplaintsPer100Jobs,
    JobsPerEngineerDay,
    Utilisation,
    QaScore,
}

/// What a KPI's number is, for showing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Percent,
    Score,
    Minutes,
    /// The currency's major unit (yuan).
    Money,
    Count,
}

impl Kpi {
    pub const ALL: [Kpi; 25] = [
        Kpi::Csat,
        Kpi::Nps,
        Kpi::Ces,
        Kpi::FirstTimeFix,
        Kpi::FirstTimeFixGuided,
        Kpi::FirstTimeFixUnguided,
        Kpi::FirstContactResolution,
        Kpi::RepeatVisits,
        Kpi::RespondMean,
        Kpi::RespondP90,
        Kpi::ArriveMean,
        Kpi::ArriveP90,
        Kpi::ResolveMean,
        Kpi::ResolveP90,
        Kpi::SlaRespond,
        Kpi::SlaArrive,
        Kpi::SlaResolve,
        Kpi::Mttr,
        Kpi::PartsAtFirstVisit,
        Kpi::CostPerJob,
        Kpi::TravelShare,
        Kpi::ComplaintsPer100Jobs,
        Kpi::JobsPerEngineerDay,
        Kpi::Utilisation,
        Kpi::QaScore,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kpi::Csat => "csat",
            Kpi::Nps => "nps",
            Kpi::Ces => "ces",
            Kpi::FirstTimeFix => "first_time_fix",
            Kpi::FirstTimeFixGuided => "first_time_fix_guided",
            Kpi::FirstTimeFixUnguided => "first_time_fix_unguided",
            Kpi::FirstContactResolution => "first_contact_resolution",
            Kpi::RepeatVisits => "repeat_visits",
            Kpi::RespondMean => "respond_mean",
            Kpi::RespondP90 => "respond_p90",
            Kpi::ArriveMean => "arrive_mean",
            Kpi::ArriveP90 => "arrive_p90",
            Kpi::ResolveMean => "resolve_mean",
            Kpi::ResolveP90 => "resolve_p90",
            Kpi::SlaRespond => "sla_respond",
            Kpi::SlaArrive => "sla_arrive",
            Kpi::SlaResolve => "sla_resolve",
            Kpi::Mttr => "mttr",
            Kpi::PartsAtFirstVisit => "parts_at_first_visit",
            Kpi::CostPerJob => "cost_per_job",
            Kpi::TravelShare => "travel_share",
            Kpi::ComplaintsPer100Jobs => "complaints_per_100_jobs",
            Kpi::JobsPerEngineerDay => "jobs_per_engineer_day",
            Kpi::Utilisation => "utilisation",
            Kpi::QaScore => "qa_score",
        }
    }

    pub fn parse(s: &str) -> Option<Kpi> {
        Kpi::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The KPI's name in Chinese and in English, for screens, charts and the review pack.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Kpi::Csat => ("客户满意度 CSAT", "CSAT"),
            Kpi::Nps => ("净推荐值 NPS", "NPS"),
            Kpi::Ces => ("客户费力度 CES", "Customer effort (CES)"),
            Kpi::FirstTimeFix => ("一次修复率", "First-time fix"),
            Kpi::FirstTimeFixGuided => ("一次修复率（有指南帮助）", "First-time fix, guide helped"),
            Kpi::FirstTimeFixUnguided => ("一次修复率（无指南）", "First-time fix, no guide"),
            Kpi::FirstContactResolution => ("首次接触解决率", "First-contact resolution"),
            Kpi::RepeatVisits => ("重复上门率", "Repeat visits"),
            Kpi::RespondMean => ("平均响应时长", "Response time, mean"),
            Kpi::RespondP90 => ("响应时长 P90", "Response time, p90"),
            Kpi::ArriveMean => ("平均到场时长", "Arrival time, mean"),
            Kpi::ArriveP90 => ("到场时长 P90", "Arrival time, p90"),
            Kpi::ResolveMean => ("平均解决时长", "Resolution time, mean"),
            Kpi::ResolveP90 => ("解决时长 P90", "Resolution time, p90"),
            Kpi::SlaRespond => ("响应达标率", "SLA met: respond"),
            Kpi::SlaArrive => ("到场达标率", "SLA met: arrive"),
            Kpi::SlaResolve => ("解决达标率", "SLA met: resolve"),
            Kpi::Mttr => ("平均修复时长 MTTR", "Mean time to repair"),
            Kpi::PartsAtFirstVisit => ("首次上门备件齐全率", "Parts at first visit"),
            Kpi::CostPerJob => ("单均成本（元）", "Cost per job (CNY)"),
            Kpi::TravelShare => ("路途时间占比", "Travel share"),
            Kpi::ComplaintsPer100Jobs => ("百单投诉数", "Complaints per 100 jobs"),
            Kpi::JobsPerEngineerDay => ("人日完成工单数", "Jobs per engineer-day"),
            Kpi::Utilisation => ("工时利用率", "Utilisation"),
            Kpi::QaScore => ("质检得分", "QA score"),
        }
    }

    /// The value as people read it: "92.0%", "35 min", "¥128.50", "4.5".
    pub fn show(self, value: Option<f64>) -> String {
        match (value, self.unit()) {
            (None, _) => "—".to_owned(),
            (Some(v), Unit::Percent) => format!("{v:.1}%"),
            (Some(v), Unit::Minutes) => format!("{v:.0} min"),
            (Some(v), Unit::Money) => format!("¥{v:.2}"),
            (Some(v), Unit::Score | Unit::Count) => format!("{v:.1}"),
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Kpi::Nps | Kpi::Ces => Unit::Score,
            Kpi::RespondMean
            | Kpi::RespondP90
            | Kpi::ArriveMean
            | Kpi::ArriveP90
            | Kpi::ResolveMean
            | Kpi::ResolveP90
            | Kpi::Mttr => Unit::Minutes,
            Kpi::CostPerJob => Unit::Money,
            Kpi::ComplaintsPer100Jobs | Kpi::JobsPerEngineerDay => Unit::Count,
            _ => Unit::Percent,
        }
    }

    /// Whether more is better; for times, cost, travel, repeats and complaints less is.
    pub fn higher_is_better(self) -> bool {
        !matches!(self.unit(), Unit::Minutes | Unit::Money)
            && !matches!(
                self,
                Kpi::RepeatVisits | Kpi::TravelShare | Kpi::ComplaintsPer100Jobs
            )
    }

    /// The KPI's value in a slice's figures; `None` when there is nothing to count.
    pub fn value(self, f: &Figures) -> Option<f64> {
        match self {
            Kpi::Csat => f.csat.percent(),
            Kpi::Nps => f.nps,
            Kpi::Ces => f.ces,
            Kpi::FirstTimeFix => f.first_time_fix.percent(),
            Kpi::FirstTimeFixGuided => f.first_time_fix_guided.percent(),
            Kpi::FirstTimeFixUnguided => f.first_time_fix_unguided.percent(),
            Kpi::FirstContactResolution => f.first_contact_resolution.percent(),
            Kpi::RepeatVisits => f.repeat_visits.percent(),
            Kpi::RespondMean => f.respond.mean_minutes,
            Kpi::RespondP90 => f.respond.p90_minutes,
            Kpi::ArriveMean => f.arrive.mean_minutes,
            Kpi::ArriveP90 => f.arrive.p90_minutes,
            Kpi::ResolveMean => f.resolve.mean_minutes,
            Kpi::ResolveP90 => f.resolve.p90_minutes,
            Kpi::SlaRespond => f.sla_respond.percent(),
            Kpi::SlaArrive => f.sla_arrive.percent(),
            Kpi::SlaResolve => f.sla_resolve.percent(),
            Kpi::Mttr => f.mttr.mean_minutes,
            Kpi::PartsAtFirstVisit => f.parts_at_first_visit.percent(),
            Kpi::CostPerJob => f.cost_per_job_minor.map(|c| c / 100.0),
            Kpi::TravelShare => f.travel_share.percent(),
            Kpi::ComplaintsPer100Jobs => f.complaints_per_100_jobs,
            Kpi::JobsPerEngineerDay => f.jobs_per_engineer_day,
            Kpi::Utilisation => f.utilisation.percent(),
            Kpi::QaScore => f.qa_percent,
        }
    }

    /// Whether `value` misses `target` in the KPI's direction.
    pub fn misses(self, value: f64, target: f64) -> bool {
        if self.higher_is_better() {
            value < target
        } else {
            value > target
        }
    }
}

/// The period a figure is compared with: whole calendar months (a month, a quarter) against
/// the same number of months before; any other span against as many days just before it.
pub fn previous_period(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    use chrono::{Datelike, Months};
    let day_before = from.pred_opt().unwrap_or(from);
    let month_end = to.succ_opt().is_some_and(|next| next.day() == 1);
    if from.day() == 1 && month_end {
        let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
        let start = from - Months::new(months.unsigned_abs());
        return (start, day_before);
    }
    (day_before - (to - from), day_before)
}

/// The targets a new organisation starts with, until the service manager sets its own.
pub fn default_targets() -> std::collections::BTreeMap<Kpi, f64> {
    [
        (Kpi::Csat, 90.0),
        (Kpi::Nps, 30.0),
        (Kpi::FirstTimeFix, 80.0),
        (Kpi::RepeatVisits, 10.0),
        (Kpi::SlaRespond, 95.0),
        (Kpi::SlaArrive, 95.0),
        (Kpi::SlaResolve, 90.0),
        (Kpi::PartsAtFirstVisit, 90.0),
        (Kpi::ComplaintsPer100Jobs, 2.0),
        (Kpi::Utilisation, 60.0),
        (Kpi::TravelShare, 35.0),
    ]
    .into_iter()
    .collect()
}

/// Refuses a target the KPI can never have (a percentage over 100, a negative time).
pub fn check_target(kpi: Kpi, value: f64) -> Result<(), Error> {
    let (lo, hi) = match (kpi, kpi.unit()) {
        (Kpi::Nps, _) => (-100.0, 100.0),
        (Kpi::Ces, _) => (1.0, 7.0),
        (_, Unit::Percent) => (0.0, 100.0),
        _ => (0.0, f64::MAX),
    };
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(
            kpi.as_str(),
            format!("{value} is outside what this figure can be ({lo} to {hi})"),
        ))
    }
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
                set_off_at: None,
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
        // 8: a request on job 1's machine the day after, cancelled (a duplicate): no rework.
        let mut duplicate = job(8, 50, 2, None, 0);
        duplicate.status = crate::work_order::Status::Cancelled;
        let mut everything = all.to_vec();
        everything.push(later);
        everything.push(duplicate);
        assert_eq!(fixed_first_time(&all[0], &everything), Some(true));
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

    #[test]
    fn a_paused_clock_does_not_count_the_pause() {
        use crate::calendar::BusinessCalendar;
        use crate::sla::{SlaClock, SlaTargets};
        let targets = SlaTargets {
            respond_minutes: 60,
            arrive_minutes: 240,
            resolve_minutes: 480,
        };
        let calendar = BusinessCalendar::mainland_china();
        // 24×7: open 02:00, paused 03:00–05:00, resolved 07:00 → 5 h less the 2 h pause = 3 h.
        let t0 = at(2);
        let h = |n| t0 + TimeDelta::hours(n);
        let mut clock = SlaClock::start(t0, targets);
        clock.pause(h(1), &calendar);
        clock.resume(h(3), &calendar);
        clock.mark(Milestone::Resolve, h(5));
        assert_eq!(clock.elapsed(Milestone::Resolve, &calendar), Some(3 * 3600));
        assert_eq!(
            clock.elapsed(Milestone::Respond, &calendar),
            None,
            "not met"
        );
        // Business hours (09:00–18:00 Shanghai): Friday 4 Dec 17:00 to Monday 7 Dec 10:00 is
        // one working hour on Friday and one on Monday.
        let friday_5pm = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        let monday_10am = Utc.with_ymd_and_hms(2026, 12, 7, 2, 0, 0).unwrap();
        let mut clock = SlaClock::start_in_business_hours(
            friday_5pm,
            targets,
            &calendar,
            ServiceZone::SHANGHAI,
        );
        clock.mark(Milestone::Respond, monday_10am);
        assert_eq!(clock.elapsed(Milestone::Respond, &calendar), Some(2 * 3600));
        assert!(
            !clock.met(Milestone::Respond).unwrap().on_time(),
            "60 min target"
        );
    }

    #[test]
    fn the_period_before() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        // November (30 days) against October (31), a quarter against the quarter before.
        assert_eq!(previous_period(d(11, 1), d(11, 30)), (d(10, 1), d(10, 31)));
        assert_eq!(previous_period(d(10, 1), d(12, 31)), (d(7, 1), d(9, 30)));
        assert_eq!(previous_period(d(3, 1), d(3, 31)), (d(2, 1), d(2, 28)));
        // Any other span: as many days just before.
        assert_eq!(previous_period(d(11, 10), d(11, 16)), (d(11, 3), d(11, 9)));
        assert_eq!(previous_period(d(12, 1), d(12, 6)), (d(11, 25), d(11, 30)));
    }

    #[test]
    fn spread_is_mean_and_nearest_rank_p90() {
        let s = Spread::of((1..=10).rev().map(|m| m * 60).collect());
        assert_eq!(
            (s.count, s.mean_minutes, s.p90_minutes),
            (10, Some(5.5), Some(9.0))
        );
        let one = Spread::of(vec![120]);
        assert_eq!(one.p90_minutes, Some(2.0));
        assert_eq!(Spread::of(vec![]).mean_minutes, None);
    }

    #[test]
    fn the_fold_by_hand() {
        let calendar = crate::calendar::BusinessCalendar::mainland_china();
        let zone = ServiceZone::SHANGHAI;
        let engineer = EngineerId::from_uuid(uuid::Uuid::from_u128(3));
        let facts = |j: &WorkOrder| JobFacts::of(j, "north", Some("KFR-72LW"), zone, &calendar);
        // Job 1: one visit of 90 min after 30 min on the road, first visit fix, survey 5/10/7.
        let mut one = job(1, 50, 1, Some(1), 1);
        one.visits[0].checked_out_at = Some(one.visits[0].checked_in_at + TimeDelta::minutes(90));
        one.visits[0].set_off_at = Some(one.visits[0].checked_in_at - TimeDelta::minutes(30));
        let mut f1 = facts(&one);
        f1.survey = Some((5, 10, 7));
        f1.qa_percent = Some(80.0);
        // Job 2: two visits of 60 min each, the first stopped for parts; survey 2/3/2 (a
        // detractor, counted once).
        let mut two = job(2, 51, 1, Some(3), 2);
        for v in &mut two.visits {
            v.checked_out_at = Some(v.checked_in_at + TimeDelta::minutes(60));
        }
        two.visits[0].outcome = Some(VisitOutcome::AwaitingParts);
        let mut f2 = facts(&two);
        f2.survey = Some((2, 3, 2));
        // Job 3: fixed at one visit of 30 min but reworked later; no survey.
        let mut three = job(3, 60, 2, Some(2), 1);
        three.visits[0].checked_out_at =
            Some(three.visits[0].checked_in_at + TimeDelta::minutes(30));
        // A guide helped on job 3 (the engineer said so on the job).
        three.articles_used.push(crate::knowledge::ArticleUse {
            article: crate::ids::ArticleId::from_uuid(uuid::Uuid::from_u128(9)),
            helpful: true,
            at: three.visits[0].checked_in_at,
        });
        let mut f3 = facts(&three);
        assert!(f3.guided && !f1.guided);
        f3.reworked = true;
        f3.complaints = 1;
        // Job 4: not finished: counts nowhere.
        let f4 = facts(&job(4, 61, 5, None, 1));
        assert_eq!(f1.day, Some(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()));
        assert_eq!((f1.travel_minutes, f1.on_site_minutes), (30, 90));
        assert_eq!((f2.parts_at_first_visit, f2.visits), (Some(false), 2));
        assert_eq!(f1.engineer, Some(engineer));
        let mut tally = Tally::default();
        for f in [&f1, &f2, &f3, &f4] {
            tally.add(f);
        }
        // Engineer-days: engineer 3 on 1, 3 and 2 Nov = 3; shift 8 h each = 1,440 min.
        assert_eq!(tally.engineer_days().count(), 3);
        // Folding in two parts and merging them is the same as folding all.
        let (mut a, mut b) = (Tally::default(), Tally::default());
        a.add(&f1);
        for f in [&f2, &f3, &f4] {
            b.add(f);
        }
        a.merge(&b);
        assert_eq!(a.figures(3 * 480), tally.figures(3 * 480));
        let fig = tally.figures(3 * 480);
        assert_eq!(fig.jobs, 3);
        assert_eq!(
            (fig.first_time_fix.numerator, fig.first_time_fix.denominator),
            (1, 3)
        );
        assert_eq!(
            (fig.repeat_visits.numerator, fig.repeat_visits.denominator),
            (1, 3)
        );
        // With a guide: job 3, reworked (0 of 1); without: jobs 1 and 2 (1 of 2).
        let ftf = |r: Ratio| (r.numerator, r.denominator);
        assert_eq!(ftf(fig.first_time_fix_guided), (0, 1));
        assert_eq!(ftf(fig.first_time_fix_unguided), (1, 2));
        assert_eq!((fig.csat.numerator, fig.csat.denominator), (1, 2));
        assert_eq!(fig.nps, Some(0.0), "one promoter, one detractor of two");
        assert_eq!(fig.ces, Some(4.5));
        // On site 90 + 120 + 30 = 240 min over 3 jobs: mean 80, p90 (3rd of 3) 120.
        assert_eq!(
            (fig.mttr.mean_minutes, fig.mttr.p90_minutes),
            (Some(80.0), Some(120.0))
        );
        assert_eq!(
            (
                fig.parts_at_first_visit.numerator,
                fig.parts_at_first_visit.denominator
            ),
            (2, 3)
        );
        assert_eq!(
            (fig.travel_share.numerator, fig.travel_share.denominator),
            (30, 270)
        );
        assert_eq!(
            (fig.utilisation.numerator, fig.utilisation.denominator),
            (240, 1440)
        );
        assert_eq!(fig.jobs_per_engineer_day, Some(1.0));
        assert_eq!(fig.qa_percent, Some(80.0));
        assert_eq!(fig.complaints_per_100_jobs.map(|c| c.round()), Some(33.0));
        assert_eq!(Tally::default().figures(0).csat.percent(), None, "no data");
        assert_eq!(Kpi::FirstTimeFix.value(&fig).map(f64::round), Some(33.0));
        assert!(Kpi::FirstTimeFix.misses(33.3, 80.0));
        assert!(
            !Kpi::ResolveMean.misses(100.0, 240.0),
            "less time is better"
        );
        assert!(Kpi::ALL.iter().all(|k| Kpi::parse(k.as_str()) == Some(*k)));
    }
}
