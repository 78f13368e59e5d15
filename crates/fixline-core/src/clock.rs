//! A clock set ahead of (or behind) the system's: tests fix the hour they run at, and the
//! browser UI follows the server's clock rather than the viewer's computer. Pure: the adapter
//! reads the system time and passes it in, so core still never reads the clock.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// How far a clock is ahead of the system's, in milliseconds (negative: behind).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockSkew {
    pub ahead_ms: i64,
}

impl ClockSkew {
    /// The skew that makes `system` read as `reference`.
    pub fn between(reference: DateTime<Utc>, system: DateTime<Utc>) -> ClockSkew {
        ClockSkew {
            ahead_ms: (reference - system).num_milliseconds(),
        }
    }

    /// Now on this clock, given now on the system's.
    pub fn apply(&self, system_now: DateTime<Utc>) -> DateTime<Utc> {
        system_now + TimeDelta::milliseconds(self.ahead_ms)
    }
}

/// What a client needs to show days and times as the service area sees them: the server's now
/// and the zone of the signed-in user's area (`GET /api/v1/clock`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceClock {
    pub now: DateTime<Utc>,
    pub time_zone: crate::zone::ServiceZone,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skew_reads_the_reference_then_runs_on() {
        let system: DateTime<Utc> = "2026-12-02T05:00:00Z".parse().unwrap();
        let reference: DateTime<Utc> = "2026-12-01T21:20:00Z".parse().unwrap();
        let skew = ClockSkew::between(reference, system);
        assert_eq!(skew.apply(system), reference);
        assert_eq!(
            skew.apply(system + TimeDelta::minutes(5)),
            reference + TimeDelta::minutes(5)
        );
        assert_eq!(ClockSkew::default().apply(system), system);
    }
}
