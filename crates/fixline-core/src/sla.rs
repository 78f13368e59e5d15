//! SLA clocks. Each work order carries three targets — respond, arrive, resolve — set from its
//! priority and the contract tier. The clock stops while the job waits for parts or for the
//! customer, and a milestone's outcome is frozen when it is met, so a later pause cannot turn a
//! late arrival into an on-time one.
//!
//! A tier's clocks run around the clock (24×7) or in business hours ([`crate::calendar`]): a
//! business-hours clock stops overnight, at weekends and on holidays, and its pauses count only
//! the working time they cover. Its due times are worked out when the clock starts, resumes or
//! is retargeted and kept in the clock, so reading a clock needs no calendar.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::calendar::{BusinessCalendar, BusinessTime};
use crate::customer::ContractTier;
use crate::work_order::Priority;
use crate::zone::ServiceZone;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    /// An engineer has acknowledged the job.
    Respond,
    /// An engineer is on site (or, for remote guidance, the job is resolved).
    Arrive,
    /// The job is completed.
    Resolve,
}

impl Milestone {
    pub const ALL: [Milestone; 3] = [Milestone::Respond, Milestone::Arrive, Milestone::Resolve];
}

/// Minutes from intake to each milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaTargets {
    pub respond_minutes: u32,
    pub arrive_minutes: u32,
    pub resolve_minutes: u32,
}

impl SlaTargets {
    pub fn minutes(&self, m: Milestone) -> u32 {
        match m {
            Milestone::Respond => self.respond_minutes,
            Milestone::Arrive => self.arrive_minutes,
            Milestone::Resolve => self.resolve_minutes,
        }
    }
}

/// One row of an SLA policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaRule {
    pub priority: Priority,
    pub tier: ContractTier,
    #[serde(flatten)]
    pub targets: SlaTargets,
}

/// What a new job's clock is set from: its contract tier, the policy, and the zone of its site.
#[derive(Debug, Clone, Copy)]
pub struct SlaTerms<'a> {
    pub tier: ContractTier,
    pub policy: &'a SlaPolicy,
    pub time_zone: ServiceZone,
}

/// When a tier's clocks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockHours {
    /// 24×7: every minute counts.
    AroundTheClock,
    /// Only the working hours of the calendar count.
    BusinessHours,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierHours {
    pub tier: ContractTier,
    pub hours: ClockHours,
}

fn default_tier_hours() -> Vec<TierHours> {
    vec![
        TierHours {
            tier: ContractTier::Premium,
            hours: ClockHours::AroundTheClock,
        },
        TierHours {
            tier: ContractTier::Standard,
            hours: ClockHours::BusinessHours,
        },
        TierHours {
            tier: ContractTier::Basic,
            hours: ClockHours::BusinessHours,
        },
    ]
}

/// Targets per priority and tier, when each tier's clocks run, and the business-hours calendar.
/// The default is a common after-sales table (premium contracts 24×7, the others in business
/// hours, mainland China's working days); a deployment may load its own, and any pair it leaves
/// out falls back to the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub rules: Vec<SlaRule>,
    #[serde(default = "default_tier_hours")]
    pub clocks: Vec<TierHours>,
    #[serde(default)]
    pub calendar: BusinessCalendar,
}

const H: u32 = 60;

impl Default for SlaPolicy {
    fn default() -> Self {
        SlaPolicy {
            rules: default_rules(),
            clocks: default_tier_hours(),
            calendar: BusinessCalendar::default(),
        }
    }
}

fn default_rules() -> Vec<SlaRule> {
    use ContractTier::*;
    use Priority::*;
    // (priority, tier, respond, arrive, resolve), in minutes.
    let table = [
        (P1, Premium, 15, 2 * H, 4 * H),
        (P1, Standard, 30, 4 * H, 8 * H),
        (P1, Basic, H, 8 * H, 24 * H),
        (P2, Premium, 30, 4 * H, 8 * H),
        (P2, Standard, H, 8 * H, 24 * H),
        (P2, Basic, 2 * H, 24 * H, 48 * H),
        (P3, Premium, 2 * H, 8 * H, 24 * H),
        (P3, Standard, 4 * H, 24 * H, 48 * H),
        (P3, Basic, 8 * H, 48 * H, 72 * H),
        (P4, Premium, 4 * H, 24 * H, 48 * H),
        (P4, Standard, 8 * H, 48 * H, 72 * H),
        (P4, Basic, 24 * H, 72 * H, 120 * H),
    ];
    table
        .into_iter()
        .map(|(priority, tier, respond, arrive, resolve)| SlaRule {
            priority,
            tier,
            targets: SlaTargets {
                respond_minutes: respond,
                arrive_minutes: arrive,
                resolve_minutes: resolve,
            },
        })
        .collect()
}

impl SlaPolicy {
    /// When a tier's clocks run; a tier the policy leaves out runs in business hours.
    pub fn hours(&self, tier: ContractTier) -> ClockHours {
        self.clocks
            .iter()
            .find(|c| c.tier == tier)
            .map_or(ClockHours::BusinessHours, |c| c.hours)
    }

    /// A clock for a new job of this priority and tier at a site in `zone`.
    pub fn start_clock(
        &self,
        at: Timestamp,
        priority: Priority,
        tier: ContractTier,
        zone: ServiceZone,
    ) -> SlaClock {
        let targets = self.targets(priority, tier);
        match self.hours(tier) {
            ClockHours::AroundTheClock => SlaClock::start(at, targets),
            ClockHours::BusinessHours => {
                SlaClock::start_in_business_hours(at, targets, &self.calendar, zone)
            }
        }
    }

    pub fn targets(&self, priority: Priority, tier: ContractTier) -> SlaTargets {
        let find = |rules: &[SlaRule]| {
            rules
                .iter()
                .find(|r| r.priority == priority && r.tier == tier)
                .map(|r| r.targets)
        };
        find(&self.rules)
            .or_else(|| find(&default_rules()))
            .unwrap_or(SlaTargets {
                respond_minutes: 24 * H,
                arrive_minutes: 72 * H,
                resolve_minutes: 120 * H,
            })
    }
}

/// A milestone as it was met: when, and the due time that stood then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetMilestone {
    pub at: DateTime<Utc>,
    pub due: DateTime<Utc>,
}

impl MetMilestone {
    pub fn on_time(&self) -> bool {
        self.at <= self.due
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaClock {
    pub started_at: DateTime<Utc>,
    pub targets: SlaTargets,
    /// Set while the job waits for parts or the customer.
    pub paused_since: Option<DateTime<Utc>>,
    /// Seconds of pauses that have ended.
    pub paused_seconds: i64,
    pub respond: Option<MetMilestone>,
    pub arrive: Option<MetMilestone>,
    pub resolve: Option<MetMilestone>,
    /// Present on a business-hours clock; a clock without it runs 24×7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<BusinessClock>,
}

/// A business-hours clock's due time per milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueTimes {
    pub respond: DateTime<Utc>,
    pub arrive: DateTime<Utc>,
    pub resolve: DateTime<Utc>,
}

/// Working seconds left per milestone when a pause began (negative: overdue by that much).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecondsLeft {
    pub respond: i64,
    pub arrive: i64,
    pub resolve: i64,
}

macro_rules! per_milestone {
    ($t:ty, $v:ty) => {
        impl $t {
            pub fn from_fn(f: impl Fn(Milestone) -> $v) -> Self {
                Self {
                    respond: f(Milestone::Respond),
                    arrive: f(Milestone::Arrive),
                    resolve: f(Milestone::Resolve),
                }
            }

            pub fn get(&self, m: Milestone) -> $v {
                match m {
                    Milestone::Respond => self.respond,
                    Milestone::Arrive => self.arrive,
                    Milestone::Resolve => self.resolve,
                }
            }
        }
    };
}
per_milestone!(DueTimes, DateTime<Utc>);
per_milestone!(SecondsLeft, i64);

/// A business-hours clock's zone and due times. `paused_seconds` on the clock counts working
/// seconds for such a clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessClock {
    /// The zone of the job's site: its working hours are local there.
    pub time_zone: ServiceZone,
    /// The due times while the clock runs.
    pub due: DueTimes,
    /// While paused: the working seconds each milestone had left when the pause began
    /// (negative: already overdue by that many seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_at_pause: Option<SecondsLeft>,
}

/// Where a milestone stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MilestoneState {
    Met {
        at: DateTime<Utc>,
        on_time: bool,
    },
    Running {
        due: DateTime<Utc>,
        remaining_seconds: i64,
    },
    Paused {
        due: DateTime<Utc>,
        remaining_seconds: i64,
    },
    Breached {
        due: DateTime<Utc>,
        overdue_seconds: i64,
    },
}

impl SlaClock {
    pub fn start(at: Timestamp, targets: SlaTargets) -> Self {
        SlaClock {
            started_at: at,
            targets,
            paused_since: None,
            paused_seconds: 0,
            respond: None,
            arrive: None,
            resolve: None,
            business: None,
        }
    }

    /// A clock that counts only the calendar's working hours, read in `zone`.
    pub fn start_in_business_hours(
        at: Timestamp,
        targets: SlaTargets,
        calendar: &BusinessCalendar,
        zone: ServiceZone,
    ) -> Self {
        let mut clock = SlaClock::start(at, targets);
        clock.business = Some(BusinessClock {
            time_zone: zone,
            due: DueTimes::from_fn(|_| at),
            left_at_pause: None,
        });
        clock.recompute(calendar);
        clock
    }

    /// A business-hours clock's calendar in its zone.
    fn working_time<'c>(&self, calendar: &'c BusinessCalendar) -> Option<BusinessTime<'c>> {
        self.business
            .as_ref()
            .map(|b| calendar.in_zone(b.time_zone))
    }

    /// Works out a business-hours clock's due times (and, while paused, what each had left)
    /// from its start, targets and the working time paused so far.
    fn recompute(&mut self, calendar: &BusinessCalendar) {
        let Some(time) = self.working_time(calendar) else {
            return;
        };
        let due = DueTimes::from_fn(|m| {
            time.add(
                self.started_at,
                i64::from(self.targets.minutes(m)) * 60 + self.paused_seconds,
            )
        });
        let left = self.paused_since.map(|since| {
            SecondsLeft::from_fn(|m| {
                let due = due.get(m);
                if due >= since {
                    time.between(since, due)
                } else {
                    -(since - due).num_seconds()
                }
            })
        });
        if let Some(b) = self.business.as_mut() {
            b.due = due;
            b.left_at_pause = left;
        }
    }

    /// When the milestone was reached and by when it was due; none until it is reached.
    pub fn met(&self, m: Milestone) -> Option<&MetMilestone> {
        match m {
            Milestone::Respond => self.respond.as_ref(),
            Milestone::Arrive => self.arrive.as_ref(),
            Milestone::Resolve => self.resolve.as_ref(),
        }
    }

    /// How long the clock ran from intake to a met milestone, in seconds: working seconds on a
    /// business-hours clock, and never the pauses before it. It is the target less what was
    /// left (or plus how late) when the milestone was met, so it needs no history.
    pub fn elapsed(&self, m: Milestone, calendar: &BusinessCalendar) -> Option<i64> {
        let met = self.met(m)?;
        let left = match self.working_time(calendar) {
            Some(time) => time.between(met.at, met.due),
            None => (met.due - met.at).num_seconds(),
        };
        Some((i64::from(self.targets.minutes(m)) * 60 - left).max(0))
    }

    /// Due time counting the pauses up to `now`, including one still running. While paused, a
    /// milestone is due as long after `now` as it had left when the pause began.
    pub fn due(&self, m: Milestone, now: Timestamp) -> Timestamp {
        if let Some(b) = &self.business {
            return match (self.paused_since, b.left_at_pause) {
                (Some(_), Some(left)) => now + TimeDelta::seconds(left.get(m)),
                _ => b.due.get(m),
            };
        }
        let running_pause = self
            .paused_since
            .map_or(0, |since| (now - since).num_seconds().max(0));
        self.started_at
            + TimeDelta::minutes(i64::from(self.targets.minutes(m)))
            + TimeDelta::seconds(self.paused_seconds + running_pause)
    }

    pub fn state(&self, m: Milestone, now: Timestamp) -> MilestoneState {
        if let Some(met) = self.met(m) {
            return MilestoneState::Met {
                at: met.at,
                on_time: met.on_time(),
            };
        }
        let due = self.due(m, now);
        let remaining = (due - now).num_seconds();
        match (self.paused_since, remaining) {
            (_, r) if r < 0 => MilestoneState::Breached {
                due,
                overdue_seconds: -r,
            },
            (Some(_), r) => MilestoneState::Paused {
                due,
                remaining_seconds: r,
            },
            (None, r) => MilestoneState::Running {
                due,
                remaining_seconds: r,
            },
        }
    }

    /// True when any milestone was met late or is overdue at `now`.
    pub fn breached(&self, now: Timestamp) -> bool {
        Milestone::ALL
            .into_iter()
            .any(|m| match self.state(m, now) {
                MilestoneState::Met { on_time, .. } => !on_time,
                MilestoneState::Breached { .. } => true,
                _ => false,
            })
    }

    /// Records a milestone the first time it is reached; later calls keep the first.
    pub fn mark(&mut self, m: Milestone, at: Timestamp) {
        let met = MetMilestone {
            at,
            due: self.due(m, at),
        };
        let slot = match m {
            Milestone::Respond => &mut self.respond,
            Milestone::Arrive => &mut self.arrive,
            Milestone::Resolve => &mut self.resolve,
        };
        slot.get_or_insert(met);
    }

    /// Forgets a milestone (a reopened job is not resolved any more).
    pub fn unmark(&mut self, m: Milestone) {
        match m {
            Milestone::Respond => self.respond = None,
            Milestone::Arrive => self.arrive = None,
            Milestone::Resolve => self.resolve = None,
        }
    }

    pub fn pause(&mut self, at: Timestamp, calendar: &BusinessCalendar) {
        if self.paused_since.is_none() {
            self.paused_since = Some(at);
            self.recompute(calendar);
        }
    }

    /// Ends a pause; a resume timestamped before its pause (device clocks drift) counts as zero.
    /// A business-hours clock counts only the working time the pause covered.
    pub fn resume(&mut self, at: Timestamp, calendar: &BusinessCalendar) {
        if let Some(since) = self.paused_since.take() {
            self.paused_seconds += match self.working_time(calendar) {
                Some(time) => time.between(since, at),
                None => (at - since).num_seconds(),
            }
            .max(0);
            self.recompute(calendar);
        }
    }

    /// New targets after a priority change; milestones already met keep their outcome.
    pub fn retarget(&mut self, targets: SlaTargets, calendar: &BusinessCalendar) {
        self.targets = targets;
        self.recompute(calendar);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn t(h: i64, m: i64) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap()
            + TimeDelta::hours(h)
            + TimeDelta::minutes(m)
    }

    fn cal() -> BusinessCalendar {
        BusinessCalendar::mainland_china()
    }

    fn clock() -> SlaClock {
        SlaClock::start(
            t(8, 0),
            SlaPolicy::default().targets(Priority::P1, ContractTier::Standard),
        )
    }

    #[test]
    fn default_table_is_stricter_for_higher_priority_and_tier() {
        let p = SlaPolicy::default();
        for tier in [
            ContractTier::Basic,
            ContractTier::Standard,
            ContractTier::Premium,
        ] {
            let pris = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];
            for w in pris.windows(2) {
                for m in Milestone::ALL {
                    assert!(p.targets(w[0], tier).minutes(m) <= p.targets(w[1], tier).minutes(m));
                }
            }
        }
        assert!(
            p.targets(Priority::P1, ContractTier::Premium)
                .arrive_minutes
                < p.targets(Priority::P1, ContractTier::Basic).arrive_minutes
        );
    }

    #[test]
    fn due_remaining_and_breach() {
        let c = clock();
        assert_eq!(c.due(Milestone::Arrive, t(8, 0)), t(12, 0));
        assert_eq!(
            c.state(Milestone::Arrive, t(11, 0)),
            MilestoneState::Running {
                due: t(12, 0),
                remaining_seconds: 3600
            }
        );
        assert_eq!(
            c.state(Milestone::Arrive, t(12, 30)),
            MilestoneState::Breached {
                due: t(12, 0),
                overdue_seconds: 1800
            }
        );
        assert!(c.breached(t(8, 31)), "respond target is 30 minutes");
        assert!(!c.breached(t(8, 29)));
    }

    #[test]
    fn pause_moves_due_times_and_resume_keeps_the_shift() {
        let mut c = clock();
        c.pause(t(9, 0), &cal());
        assert_eq!(c.due(Milestone::Resolve, t(11, 0)), t(18, 0));
        assert!(matches!(
            c.state(Milestone::Resolve, t(11, 0)),
            MilestoneState::Paused { .. }
        ));
        c.resume(t(11, 0), &cal());
        assert_eq!(c.paused_seconds, 7200);
        assert_eq!(c.due(Milestone::Resolve, t(20, 0)), t(18, 0));
        // A second pause adds up.
        c.pause(t(12, 0), &cal());
        c.resume(t(12, 30), &cal());
        assert_eq!(c.due(Milestone::Resolve, t(13, 0)), t(18, 30));
    }

    #[test]
    fn met_milestones_are_frozen() {
        let mut c = clock();
        c.mark(Milestone::Arrive, t(13, 0)); // one hour late
        c.pause(t(14, 0), &cal());
        c.resume(t(20, 0), &cal());
        assert_eq!(
            c.state(Milestone::Arrive, t(21, 0)),
            MilestoneState::Met {
                at: t(13, 0),
                on_time: false
            }
        );
        c.mark(Milestone::Arrive, t(9, 0));
        assert_eq!(c.arrive.unwrap().at, t(13, 0), "the first arrival counts");
    }

    #[test]
    fn resume_before_pause_counts_zero() {
        let mut c = clock();
        c.pause(t(10, 0), &cal());
        c.resume(t(9, 0), &cal());
        assert_eq!(c.paused_seconds, 0);
        assert_eq!(c.paused_since, None);
    }

    /// Local Shanghai time.
    fn sh(text: &str) -> Timestamp {
        ServiceZone::SHANGHAI
            .at(chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap())
    }

    fn business(at: &str, priority: Priority) -> SlaClock {
        SlaPolicy::default().start_clock(
            sh(at),
            priority,
            ContractTier::Standard,
            ServiceZone::SHANGHAI,
        )
    }

    #[test]
    fn tiers_run_24x7_or_in_business_hours() {
        let p = SlaPolicy::default();
        assert_eq!(p.hours(ContractTier::Premium), ClockHours::AroundTheClock);
        assert_eq!(p.hours(ContractTier::Standard), ClockHours::BusinessHours);
        let premium = p.start_clock(
            sh("2026-11-27 17:55"),
            Priority::P2,
            ContractTier::Premium,
            ServiceZone::SHANGHAI,
        );
        assert!(premium.business.is_none());
        assert_eq!(
            premium.due(Milestone::Respond, sh("2026-11-27 17:55")),
            sh("2026-11-27 18:25")
        );
        // A policy from before business hours reads as it did: clocks of listed tiers only.
        let old: SlaPolicy = serde_json::from_value(serde_json::json!({"rules": []})).unwrap();
        assert_eq!(old.clocks, p.clocks);
    }

    #[test]
    fn a_friday_evening_job_is_not_breached_on_saturday() {
        // P2 standard: respond within an hour, arrive within 8 hours.
        let c = business("2026-11-27 17:55", Priority::P2);
        assert_eq!(
            c.due(Milestone::Respond, sh("2026-11-27 17:55")),
            sh("2026-11-30 09:55")
        );
        assert!(!c.breached(sh("2026-11-28 09:00")), "Saturday morning");
        assert!(!c.breached(sh("2026-11-30 09:50")));
        assert!(c.breached(sh("2026-11-30 09:56")));
        assert_eq!(
            c.due(Milestone::Arrive, sh("2026-11-27 18:00")),
            sh("2026-11-30 16:55")
        );
        // The wire form says which zone the hours are read in.
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["business"]["time_zone"], "Asia/Shanghai");
        let back: SlaClock = serde_json::from_value(json).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn a_pause_across_a_holiday_counts_only_working_time() {
        let cal = cal();
        // P3 standard: 48 working hours to resolve, i.e. 5⅓ working days.
        let mut c = business("2026-09-29 10:00", Priority::P3);
        // Waiting for parts from the eve of National Day (Wed 30 Sep, 16:00) to Thursday
        // 8 October, 11:00: two working hours before the holiday and two after.
        c.pause(sh("2026-09-30 16:00"), &cal);
        let during = c.state(Milestone::Resolve, sh("2026-10-03 12:00"));
        let MilestoneState::Paused {
            remaining_seconds, ..
        } = during
        else {
            panic!("{during:?}")
        };
        // Started Tue 10:00: 8 h Tuesday, 7 h Wednesday before the pause.
        assert_eq!(remaining_seconds, (48 - 15) * 3600);
        c.resume(sh("2026-10-08 11:00"), &cal);
        assert_eq!(c.paused_seconds, 4 * 3600);
        // 33 working hours from Thu 8 Oct 11:00: 7 h Thursday, 9 h Friday, 9 h on Saturday
        // 10 October (a make-up day), Sunday off, 8 h on Monday.
        assert_eq!(
            c.due(Milestone::Resolve, sh("2026-10-08 11:00")),
            sh("2026-10-12 17:00")
        );
        assert!(matches!(
            c.state(Milestone::Resolve, sh("2026-10-12 16:00")),
            MilestoneState::Running { .. }
        ));
    }

    #[test]
    fn a_business_milestone_met_during_a_pause_keeps_its_outcome() {
        let cal = cal();
        let mut c = business("2026-11-30 09:00", Priority::P2);
        c.pause(sh("2026-11-30 09:30"), &cal);
        c.mark(Milestone::Respond, sh("2026-11-30 12:00"));
        assert!(
            c.respond.unwrap().on_time(),
            "the clock was stopped with 30 minutes left"
        );
        c.resume(sh("2026-11-30 13:00"), &cal);
        // Arrive had 7½ working hours left at 09:30: due 13:00 + 7½ h = Tuesday 11:30.
        assert_eq!(
            c.due(Milestone::Arrive, sh("2026-11-30 13:00")),
            sh("2026-12-01 11:30")
        );
        // A priority change recomputes from the start, keeping the pause.
        c.retarget(
            SlaPolicy::default().targets(Priority::P1, ContractTier::Standard),
            &cal,
        );
        assert_eq!(
            c.due(Milestone::Arrive, sh("2026-11-30 13:00")),
            sh("2026-11-30 16:30")
        );
    }
}
