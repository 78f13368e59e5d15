//! SLA clocks. Each work order carries three targets — respond, arrive, resolve — set from its
//! priority and the contract tier. The clock stops while the job waits for parts or for the
//! customer, and a milestone's outcome is frozen when it is met, so a later pause cannot turn a
//! late arrival into an on-time one.
//!
//! Clocks run on calendar time (24/7 contracts); business-hours calendars are not modelled yet.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::customer::ContractTier;
use crate::work_order::Priority;

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

/// Targets per priority and tier. The default is a common after-sales table; a deployment may
/// load its own, and any pair it leaves out falls back to the default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaPolicy {
    pub rules: Vec<SlaRule>,
}

const H: u32 = 60;

impl Default for SlaPolicy {
    fn default() -> Self {
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
        SlaPolicy {
            rules: table
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
                .collect(),
        }
    }
}

impl SlaPolicy {
    pub fn targets(&self, priority: Priority, tier: ContractTier) -> SlaTargets {
        let find = |rules: &[SlaRule]| {
            rules
                .iter()
                .find(|r| r.priority == priority && r.tier == tier)
                .map(|r| r.targets)
        };
        find(&self.rules)
            .or_else(|| find(&SlaPolicy::default().rules))
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
        }
    }

    fn met(&self, m: Milestone) -> Option<&MetMilestone> {
        match m {
            Milestone::Respond => self.respond.as_ref(),
            Milestone::Arrive => self.arrive.as_ref(),
            Milestone::Resolve => self.resolve.as_ref(),
        }
    }

    /// Due time counting the pauses up to `now`, including one still running.
    pub fn due(&self, m: Milestone, now: Timestamp) -> Timestamp {
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

    pub fn pause(&mut self, at: Timestamp) {
        self.paused_since.get_or_insert(at);
    }

    /// Ends a pause; a resume timestamped before its pause (device clocks drift) counts as zero.
    pub fn resume(&mut self, at: Timestamp) {
        if let Some(since) = self.paused_since.take() {
            self.paused_seconds += (at - since).num_seconds().max(0);
        }
    }

    /// New targets after a priority change; milestones already met keep their outcome.
    pub fn retarget(&mut self, targets: SlaTargets) {
        self.targets = targets;
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
        c.pause(t(9, 0));
        assert_eq!(c.due(Milestone::Resolve, t(11, 0)), t(18, 0));
        assert!(matches!(
            c.state(Milestone::Resolve, t(11, 0)),
            MilestoneState::Paused { .. }
        ));
        c.resume(t(11, 0));
        assert_eq!(c.paused_seconds, 7200);
        assert_eq!(c.due(Milestone::Resolve, t(20, 0)), t(18, 0));
        // A second pause adds up.
        c.pause(t(12, 0));
        c.resume(t(12, 30));
        assert_eq!(c.due(Milestone::Resolve, t(13, 0)), t(18, 30));
    }

    #[test]
    fn met_milestones_are_frozen() {
        let mut c = clock();
        c.mark(Milestone::Arrive, t(13, 0)); // one hour late
        c.pause(t(14, 0));
        c.resume(t(20, 0));
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
        c.pause(t(10, 0));
        c.resume(t(9, 0));
        assert_eq!(c.paused_seconds, 0);
        assert_eq!(c.paused_since, None);
    }
}
