//! Automatic assignment (自动派单): where the service organisation turns it on (per category and
//! region), a job that comes in or is triaged goes to the best qualified engineer at once, or to
//! the pool when nobody fits. "Best" balances the load: the engineer nearest the job's needs, not
//! the most skilled, so experts are not handed every job while juniors get none (能者过劳、新手
//! 无单), then the fewest open jobs, the same region, the shortest distance. The choice and its
//! reasons are recorded with the assignment, as the optimiser's are.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::engineer::{Engineer, EngineerStatus};
use crate::ids::{EngineerId, UserId};
use crate::role::{Actor, Role};
use crate::work_order::WorkOrder;

/// Where automatic assignment is on. The most specific rule that matches a job decides
/// (category and region, then category, then region, then the catch-all); none: off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutoAssignPolicy {
    #[serde(default)]
    pub rules: Vec<AutoAssignRule>,
    /// The most open jobs an engineer may hold and still be given one automatically.
    #[serde(default = "max_open_jobs")]
    pub max_open_jobs: u32,
}

fn max_open_jobs() -> u32 {
    6
}

impl Default for AutoAssignPolicy {
    fn default() -> Self {
        AutoAssignPolicy {
            rules: Vec::new(),
            max_open_jobs: max_open_jobs(),
        }
    }
}

/// One switch: a category and a region (either left out matches every one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutoAssignRule {
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    pub enabled: bool,
}

/// The policy as the settings screen shows and saves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutoAssignSettings {
    pub policy: AutoAssignPolicy,
    /// 0 while the settings file's policy holds; send it back to save over exactly this one.
    pub version: u64,
}

impl AutoAssignPolicy {
    /// The same policy, trimmed, with blank names as "every"; or what is wrong.
    pub fn validated(self) -> Result<AutoAssignPolicy, crate::Error> {
        if !(1..=50).contains(&self.max_open_jobs) {
            return Err(crate::Error::invalid(
                "max_open_jobs",
                format!("{} is not between 1 and 50", self.max_open_jobs),
            ));
        }
        let name = |field, v: Option<String>| -> Result<Option<String>, crate::Error> {
            match v.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(t) => crate::text::line(field, t, 64).map(Some),
            }
        };
        let rules = self
            .rules
            .into_iter()
            .map(|r| {
                Ok(AutoAssignRule {
                    category: name("rules.category", r.category)?,
                    region: name("rules.region", r.region)?,
                    enabled: r.enabled,
                })
            })
            .collect::<Result<_, crate::Error>>()?;
        Ok(AutoAssignPolicy {
            rules,
            max_open_jobs: self.max_open_jobs,
        })
    }

    /// Whether jobs of `category` in `region` are assigned automatically.
    pub fn applies(&self, category: &str, region: &str) -> bool {
        self.rules
            .iter()
            .filter(|r| {
                r.category.as_deref().is_none_or(|c| c == category)
                    && r.region.as_deref().is_none_or(|g| g == region)
            })
            .max_by_key(|r| (r.category.is_some(), r.region.is_some()))
            .is_some_and(|r| r.enabled)
    }
}

/// An engineer as automatic assignment weighs them for one job.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub engineer: &'a Engineer,
    /// Jobs they hold now and have not finished.
    pub open_jobs: u32,
    /// From where they last reported (or their base) to the site, if the site has a position.
    pub distance_km: Option<f64>,
}

/// What automatic assignment decided, and why: kept with the assignment in the job's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AutoAssignment {
    /// The engineer chosen; none: released to the pool.
    pub engineer: Option<EngineerId>,
    #[serde(default)]
    pub engineer_name: Option<String>,
    /// Their level of the skill the job needs, and the level it needs.
    #[serde(default)]
    pub level: Option<u8>,
    #[serde(default)]
    pub needed_level: Option<u8>,
    #[serde(default)]
    pub open_jobs: Option<u32>,
    #[serde(default)]
    pub distance_km: Option<f64>,
    pub same_region: bool,
    /// Engineers who had the skill, certification and shift, and room for another job.
    pub qualified: u32,
    /// Engineers looked at.
    pub considered: u32,
}

/// The actor automatic assignment acts as: a desk role, with no person behind it.
pub fn actor() -> Actor {
    Actor {
        user: UserId::from_uuid(uuid::Uuid::nil()),
        name: "auto-assign".to_owned(),
        role: Role::Dispatcher,
        engineer: None,
    }
}

/// Chooses the engineer for `wo` at a site in `region`, on `day` (the site's local day).
pub fn choose(
    wo: &WorkOrder,
    region: &str,
    day: NaiveDate,
    candidates: &[Candidate<'_>],
    policy: &AutoAssignPolicy,
) -> AutoAssignment {
    let needed = wo.required_skill();
    let eligible: Vec<&Candidate<'_>> = candidates
        .iter()
        .filter(|c| {
            let e = c.engineer;
            wo.qualifies(e, day)
                && e.status != EngineerStatus::Unavailable
                && e.details.shift.works_on(day)
                && c.open_jobs < policy.max_open_jobs
        })
        .collect();
    let level_of = |e: &Engineer| needed.as_ref().and_then(|(s, _)| e.skill_level(s));
    // Lower is better: each open job, each level above what the job needs and being in another
    // region weigh like this many kilometres.
    let cost = |c: &Candidate<'_>| {
        let excess = level_of(c.engineer)
            .zip(needed.as_ref())
            .map_or(0, |(have, (_, need))| have.saturating_sub(*need));
        let away = if c.engineer.details.region == region {
            0.0
        } else {
            20.0
        };
        f64::from(c.open_jobs) * 8.0
            + f64::from(excess) * 6.0
            + away
            + c.distance_km.unwrap_or(15.0)
    };
    let best = eligible.iter().min_by(|a, b| {
        cost(a)
            .total_cmp(&cost(b))
            .then_with(|| a.engineer.id.cmp(&b.engineer.id))
    });
    AutoAssignment {
        engineer: best.map(|c| c.engineer.id),
        engineer_name: best.map(|c| c.engineer.details.name.clone()),
        level: best.and_then(|c| level_of(c.engineer)),
        needed_level: needed.map(|(_, l)| l),
        open_jobs: best.map(|c| c.open_jobs),
        distance_km: best
            .and_then(|c| c.distance_km)
            .map(|d| (d * 10.0).round() / 10.0),
        same_region: best.is_some_and(|c| c.engineer.details.region == region),
        qualified: eligible.len() as u32,
        considered: candidates.len() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engineer(n: u128, name: &str, region: &str, level: u8) -> Engineer {
        crate::engineer::sample(n, name, region, level, None)
    }

    fn job(level: u8) -> WorkOrder {
        let mut wo = crate::work_order::sample(9);
        wo.assignee = None;
        wo.requirements.level = Some(level);
        wo
    }

    fn monday() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    #[test]
    fn the_most_specific_rule_decides() {
        let policy = AutoAssignPolicy {
            rules: vec![
                AutoAssignRule {
                    category: None,
                    region: None,
                    enabled: true,
                },
                AutoAssignRule {
                    category: Some("elevators".into()),
                    region: None,
                    enabled: false,
                },
                AutoAssignRule {
                    category: Some("elevators".into()),
                    region: Some("西湖区".into()),
                    enabled: true,
                },
            ],
            ..AutoAssignPolicy::default()
        };
        assert!(policy.applies("refrigeration", "滨江区"));
        assert!(!policy.applies("elevators", "滨江区"));
        assert!(policy.applies("elevators", "西湖区"));
        assert!(!AutoAssignPolicy::default().applies("refrigeration", "西湖区"));
    }

    #[test]
    fn a_junior_who_fits_gets_the_job_before_an_expert_and_load_evens_out() {
        let expert = engineer(1, "陈建国", "西湖区", 5);
        let junior = engineer(2, "李小明", "西湖区", 2);
        let near = |e, open_jobs| Candidate {
            engineer: e,
            open_jobs,
            distance_km: Some(3.0),
        };
        let policy = AutoAssignPolicy::default();
        let easy = choose(
            &job(2),
            "西湖区",
            monday(),
            &[near(&expert, 0), near(&junior, 0)],
            &policy,
        );
        assert_eq!(easy.engineer, Some(junior.id), "{easy:?}");
        assert_eq!((easy.level, easy.needed_level), (Some(2), Some(2)));
        assert_eq!((easy.qualified, easy.considered), (2, 2));
        // A hard job only the expert can do goes to the expert.
        let hard = choose(
            &job(4),
            "西湖区",
            monday(),
            &[near(&expert, 3), near(&junior, 0)],
            &policy,
        );
        assert_eq!(hard.engineer, Some(expert.id));
        assert_eq!(hard.qualified, 1);
        // The junior already busy: the next easy job goes to the expert.
        let busy = choose(
            &job(2),
            "西湖区",
            monday(),
            &[near(&expert, 0), near(&junior, 3)],
            &policy,
        );
        assert_eq!(busy.engineer, Some(expert.id));
        // Full up, or off on Sunday: nobody, so the pool.
        let full = choose(
            &job(2),
            "西湖区",
            monday(),
            &[near(&expert, 6), near(&junior, 6)],
            &policy,
        );
        assert_eq!((full.engineer, full.qualified), (None, 0));
        let sunday = monday() + chrono::Days::new(6);
        assert_eq!(
            choose(&job(2), "西湖区", sunday, &[near(&junior, 0)], &policy).engineer,
            None
        );
    }
}
