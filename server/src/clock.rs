//! The server's "now", read in one place. In production it is the system clock; a test starts it
//! at a chosen instant (05:20 in Hangzhou, a spring-forward Sunday in Berlin) and it runs on from
//! there at the real pace, so timeouts, tickers and waits still behave.

use chrono::{DateTime, Utc};
use fixline_core::clock::ClockSkew;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock(ClockSkew);

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that reads `start` now and runs on from there.
    pub fn starting_at(start: DateTime<Utc>) -> Clock {
        Clock(ClockSkew::between(start, Utc::now()))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.0.apply(Utc::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn a_started_clock_reads_its_start_and_runs_on() {
        let start = "2026-03-29T00:30:00Z".parse::<DateTime<Utc>>().unwrap();
        let clock = Clock::starting_at(start);
        let first = clock.now();
        assert!((first - start).abs() < TimeDelta::seconds(5), "{first}");
        assert!(clock.now() >= first);
        assert!((Clock::system().now() - Utc::now()).abs() < TimeDelta::seconds(5));
    }
}
