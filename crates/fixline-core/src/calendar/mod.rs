//! Business-hours calendars: when the service desk works, so that an SLA clock on a
//! business-hours contract stops overnight, at the weekend and on public holidays, and runs on
//! the weekends that are working days (调休, make-up days in mainland China).
//!
//! A [`BusinessCalendar`] is local and zone-free (weekly hours, holidays, make-up days); a
//! [`BusinessTime`] is a calendar read in a service zone, and does the arithmetic on UTC
//! instants. Every working span is turned into instants by the zone, so a span across a
//! daylight-saving change is as long as it really is.

mod ics;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::zone::ServiceZone;
use crate::{Error, Timestamp};

pub use ics::IcsImport;

/// Mainland China's public holidays and make-up working days for 2026, as the State Council
/// announced them (the file names its source). Read by [`BusinessCalendar::mainland_china`].
pub const CN_2026_ICS: &str = include_str!("../../data/calendars/cn-2026.ics");

/// A working span within one local day, `09:00-18:00`; `24:00` ends a span at midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkingSpan {
    /// Minutes after local midnight.
    from: u16,
    to: u16,
}

const DAY_MINUTES: u16 = 24 * 60;

impl WorkingSpan {
    pub fn new(from: u16, to: u16) -> Result<WorkingSpan, Error> {
        if from >= to || to > DAY_MINUTES {
            return Err(Error::invalid(
                "working_hours",
                format!(
                    "{} to {} is not a span within one day (start before end, at most 24:00)",
                    clock_text(from),
                    clock_text(to)
                ),
            ));
        }
        Ok(WorkingSpan { from, to })
    }

    pub fn minutes(&self) -> u32 {
        u32::from(self.to - self.from)
    }

    fn time(minutes: u16) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(u32::from(minutes / 60), u32::from(minutes % 60), 0)
    }
}

fn clock_text(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn parse_clock(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

impl fmt::Display for WorkingSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", clock_text(self.from), clock_text(self.to))
    }
}

impl FromStr for WorkingSpan {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || {
            Error::invalid(
                "working_hours",
                format!("{s:?} is not a span such as 09:00-18:00"),
            )
        };
        let (from, to) = s.split_once('-').ok_or_else(bad)?;
        WorkingSpan::new(
            parse_clock(from).ok_or_else(bad)?,
            parse_clock(to).ok_or_else(bad)?,
        )
    }
}

impl Serialize for WorkingSpan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for WorkingSpan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The working spans of one day, in order and not overlapping.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct DayHours(Vec<WorkingSpan>);

impl DayHours {
    pub fn new(mut spans: Vec<WorkingSpan>) -> Result<DayHours, Error> {
        spans.sort();
        if let Some(w) = spans.windows(2).find(|w| w[0].to > w[1].from) {
            return Err(Error::invalid(
                "working_hours",
                format!("{} and {} overlap", w[0], w[1]),
            ));
        }
        Ok(DayHours(spans))
    }

    /// 09:00–18:00, the usual working day of a Chinese service desk.
    pub fn office() -> DayHours {
        DayHours(vec![WorkingSpan {
            from: 9 * 60,
            to: 18 * 60,
        }])
    }

    pub fn spans(&self) -> &[WorkingSpan] {
        &self.0
    }

    pub fn minutes(&self) -> u32 {
        self.0.iter().map(WorkingSpan::minutes).sum()
    }
}

impl<'de> Deserialize<'de> for DayHours {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        DayHours::new(Vec::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Working hours per weekday; a day left out is not worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours {
    #[serde(default)]
    pub mon: DayHours,
    #[serde(default)]
    pub tue: DayHours,
    #[serde(default)]
    pub wed: DayHours,
    #[serde(default)]
    pub thu: DayHours,
    #[serde(default)]
    pub fri: DayHours,
    #[serde(default)]
    pub sat: DayHours,
    #[serde(default)]
    pub sun: DayHours,
}

impl Default for WeeklyHours {
    /// Monday to Friday, 09:00–18:00.
    fn default() -> Self {
        WeeklyHours {
            mon: DayHours::office(),
            tue: DayHours::office(),
            wed: DayHours::office(),
            thu: DayHours::office(),
            fri: DayHours::office(),
            sat: DayHours::default(),
            sun: DayHours::default(),
        }
    }
}

impl WeeklyHours {
    pub fn on(&self, day: Weekday) -> &DayHours {
        match day {
            Weekday::Mon => &self.mon,
            Weekday::Tue => &self.tue,
            Weekday::Wed => &self.wed,
            Weekday::Thu => &self.thu,
            Weekday::Fri => &self.fri,
            Weekday::Sat => &self.sat,
            Weekday::Sun => &self.sun,
        }
    }

    pub fn minutes(&self) -> u32 {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
        .iter()
        .map(|d| d.minutes())
        .sum()
    }
}

/// A day off or a make-up working day, with its name (`春节`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Not worked, whatever the weekday.
    Holiday,
    /// Worked with the make-up hours, whatever the weekday (调休上班).
    Workday,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialDay {
    pub kind: DayKind,
    #[serde(default)]
    pub name: String,
}

/// When the desk works, in local days and times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessCalendar {
    #[serde(default)]
    pub week: WeeklyHours,
    /// The hours of a make-up working day; default 09:00–18:00.
    #[serde(default = "DayHours::office")]
    pub make_up_hours: DayHours,
    /// Holidays and make-up days by local date.
    #[serde(default)]
    pub days: BTreeMap<NaiveDate, SpecialDay>,
    /// Where the days came from (the government notice, a file's name).
    #[serde(default)]
    pub sources: Vec<String>,
}

impl Default for BusinessCalendar {
    /// Mainland China: Monday to Friday 09:00–18:00 with the shipped public holidays.
    fn default() -> Self {
        BusinessCalendar::mainland_china()
    }
}

impl BusinessCalendar {
    /// The weekly hours with no holidays.
    pub fn weekly(week: WeeklyHours) -> Result<BusinessCalendar, Error> {
        let calendar = BusinessCalendar {
            week,
            make_up_hours: DayHours::office(),
            days: BTreeMap::new(),
            sources: Vec::new(),
        };
        calendar.validated()
    }

    /// Mainland China, Monday to Friday 09:00–18:00, with every year's holidays shipped. Read
    /// once per process; later calls copy it.
    pub fn mainland_china() -> BusinessCalendar {
        static SHIPPED: std::sync::OnceLock<BusinessCalendar> = std::sync::OnceLock::new();
        SHIPPED
            .get_or_init(|| {
                let mut calendar = BusinessCalendar {
                    week: WeeklyHours::default(),
                    make_up_hours: DayHours::office(),
                    days: BTreeMap::new(),
                    sources: Vec::new(),
                };
                // The shipped file is tested; were it unreadable, the tests would say so.
                if let Ok(import) = IcsImport::read(CN_2026_ICS) {
                    import.merge_into(&mut calendar);
                }
                calendar
            })
            .clone()
    }

    /// Refuses a calendar whose clock could never move: no working hours in the week.
    pub fn validated(self) -> Result<BusinessCalendar, Error> {
        if self.week.minutes() == 0 {
            return Err(Error::invalid(
                "working_hours",
                "a business-hours calendar needs at least one working span in the week",
            ));
        }
        Ok(self)
    }

    /// The working spans of a local date.
    pub fn hours_on(&self, day: NaiveDate) -> &DayHours {
        match self.days.get(&day).map(|d| d.kind) {
            Some(DayKind::Holiday) => &EMPTY_DAY,
            Some(DayKind::Workday) => &self.make_up_hours,
            None => self.week.on(day.weekday()),
        }
    }

    /// The last date the calendar has holidays for: after it, only the weekly hours apply, which
    /// the settings screen warns about.
    pub fn holidays_known_through(&self) -> Option<NaiveDate> {
        self.days
            .keys()
            .next_back()
            .map(|d| NaiveDate::from_ymd_opt(d.year(), 12, 31).unwrap_or(*d))
    }

    /// This calendar read in a zone.
    pub fn in_zone(&self, zone: ServiceZone) -> BusinessTime<'_> {
        BusinessTime {
            calendar: self,
            zone,
        }
    }
}

static EMPTY_DAY: DayHours = DayHours(Vec::new());

/// Longest stretch searched for working time: far beyond any real calendar, so a malformed one
/// (holidays for decades) ends the search instead of hanging.
const SEARCH_DAYS: i64 = 366 * 30;

/// A calendar read in a service zone: business-time arithmetic on instants.
#[derive(Debug, Clone, Copy)]
pub struct BusinessTime<'a> {
    calendar: &'a BusinessCalendar,
    zone: ServiceZone,
}

impl BusinessTime<'_> {
    /// The working spans of a local day as instants.
    fn spans(&self, day: NaiveDate) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        self.calendar.hours_on(day).spans().iter().map(move |s| {
            let at = |minutes: u16| match WorkingSpan::time(minutes) {
                Some(time) => self.zone.at_day(day, time),
                None => self.zone.day_end(day),
            };
            (at(s.from), at(s.to))
        })
    }

    /// Whether the desk is working at an instant.
    pub fn is_working(&self, t: Timestamp) -> bool {
        let day = self.zone.local_day(t);
        self.spans(day).any(|(from, to)| from <= t && t < to)
    }

    /// The instant `seconds` of working time after `start` (`start` itself for zero). Time
    /// outside working hours does not count, so a job logged on Friday at 17:55 with two hours
    /// to go is due on Monday at 10:55.
    pub fn add(&self, start: Timestamp, seconds: i64) -> Timestamp {
        if seconds <= 0 {
            return start;
        }
        let mut left = TimeDelta::seconds(seconds);
        let first = self.zone.local_day(start);
        for day in (0..SEARCH_DAYS).filter_map(|n| first.checked_add_signed(TimeDelta::days(n))) {
            for (from, to) in self.spans(day) {
                let from = from.max(start);
                if to <= from {
                    continue;
                }
                if to - from >= left {
                    return from + left;
                }
                left -= to - from;
            }
        }
        start + TimeDelta::seconds(seconds)
    }

    /// The instant `seconds` of working time before `end`: the latest `t` with
    /// `between(t, end) == seconds`.
    pub fn sub(&self, end: Timestamp, seconds: i64) -> Timestamp {
        if seconds <= 0 {
            return end;
        }
        let mut left = TimeDelta::seconds(seconds);
        let last = self.zone.local_day(end);
        for day in (0..SEARCH_DAYS).filter_map(|n| last.checked_sub_signed(TimeDelta::days(n))) {
            let spans: Vec<_> = self.spans(day).collect();
            for (from, to) in spans.into_iter().rev() {
                let to = to.min(end);
                if to <= from {
                    continue;
                }
                if to - from >= left {
                    return to - left;
                }
                left -= to - from;
            }
        }
        end - TimeDelta::seconds(seconds)
    }

    /// Seconds of working time from `a` to `b` (negative when `b` is before `a`).
    pub fn between(&self, a: Timestamp, b: Timestamp) -> i64 {
        if b < a {
            return -self.between(b, a);
        }
        let (first, last) = (self.zone.local_day(a), self.zone.local_day(b));
        let mut total = 0;
        let mut day = first;
        while day <= last {
            for (from, to) in self.spans(day) {
                let (from, to) = (from.max(a), to.min(b));
                if from < to {
                    total += (to - from).num_seconds();
                }
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        total
    }
}

#[cfg(test)]
mod tests;
