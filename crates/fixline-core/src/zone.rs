//! The service area's named time zone. Every day Fixline reasons about (the board's day, an
//! engineer's shift, "today" on the device, a due date) is a local day in an IANA zone, and every
//! time a person sees is local; instants on the wire and in storage stay UTC.
//!
//! Fixed offsets are deliberately absent: a zone with daylight saving has 23- and 25-hour days,
//! and a local time may not exist (spring forward) or exist twice (fall back).

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// An IANA time zone (`Asia/Shanghai`, `Europe/Berlin`), with the tz database built in.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "Asia/Shanghai"))]
pub struct ServiceZone(Tz);

impl ServiceZone {
    /// Mainland China, the default service area.
    pub const SHANGHAI: ServiceZone = ServiceZone(Tz::Asia__Shanghai);
    pub const UTC: ServiceZone = ServiceZone(Tz::UTC);

    pub fn parse(name: &str) -> Result<Self, Error> {
        Tz::from_str(name.trim()).map(ServiceZone).map_err(|_| {
            Error::invalid(
                "time_zone",
                format!("{name:?} is not an IANA time zone name such as Asia/Shanghai"),
            )
        })
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    pub fn tz(&self) -> Tz {
        self.0
    }

    /// The instant as a local date and time in this zone.
    pub fn local(&self, t: DateTime<Utc>) -> DateTime<Tz> {
        t.with_timezone(&self.0)
    }

    /// The local day an instant falls on.
    pub fn local_day(&self, t: DateTime<Utc>) -> NaiveDate {
        self.local(t).date_naive()
    }

    /// The instant of a local date and time. A time that occurs twice (clocks go back) is the
    /// earlier one; a time that does not occur (clocks go forward) is read with the offset in
    /// force before the jump, so 02:30 on a spring-forward night is 03:30 summer time: what a
    /// person who meant "half an hour after two" finds on the clock.
    pub fn at(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            LocalResult::None => {
                // The first local minute after the gap is the transition instant.
                let after = (1..=48 * 60)
                    .map(|m| local + TimeDelta::minutes(m))
                    .find_map(|l| self.0.from_local_datetime(&l).earliest());
                let Some(transition) = after else {
                    return local.and_utc();
                };
                let before = self
                    .0
                    .offset_from_utc_datetime(
                        &(transition.with_timezone(&Utc) - TimeDelta::seconds(1)).naive_utc(),
                    )
                    .fix();
                (local - TimeDelta::seconds(i64::from(before.local_minus_utc()))).and_utc()
            }
        }
    }

    /// The instant a local time on a local day happens.
    pub fn at_day(&self, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        self.at(day.and_time(time))
    }

    /// The first instant of a local day (not always 00:00: some zones spring forward at midnight).
    pub fn day_start(&self, day: NaiveDate) -> DateTime<Utc> {
        self.at_day(day, NaiveTime::MIN)
    }

    /// The first instant after a local day.
    pub fn day_end(&self, day: NaiveDate) -> DateTime<Utc> {
        self.day_start(day.succ_opt().unwrap_or(day))
    }

    /// Whether an instant falls on a local day.
    pub fn on_day(&self, day: NaiveDate, t: DateTime<Utc>) -> bool {
        self.local_day(t) == day
    }

    /// The offset from UTC at an instant, in minutes east (Shanghai: 480; Berlin: 60 or 120).
    pub fn offset_minutes(&self, t: DateTime<Utc>) -> i32 {
        self.0
            .offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
            / 60
    }

    /// A local time written with `format` (chrono's strftime).
    pub fn format(&self, t: DateTime<Utc>, format: &str) -> String {
        self.local(t).format(format).to_string()
    }

    /// A local date and time with its offset, never ambiguous: `2026-12-02 05:20 +08:00`.
    pub fn stamp(&self, t: DateTime<Utc>) -> String {
        self.format(t, "%Y-%m-%d %H:%M %:z")
    }
}

impl Default for ServiceZone {
    fn default() -> Self {
        ServiceZone::SHANGHAI
    }
}

impl fmt::Debug for ServiceZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServiceZone({})", self.name())
    }
}

impl fmt::Display for ServiceZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ServiceZone {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        ServiceZone::parse(s)
    }
}

impl Serialize for ServiceZone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for ServiceZone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        ServiceZone::parse(&name).map_err(serde::de::Error::custom)
    }
}

/// The service area's zone and the regions that keep another one (a company working across
/// zones): a region without an entry keeps the area's zone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceArea {
    #[serde(default)]
    pub time_zone: ServiceZone,
    /// Region name → its zone, e.g. `乌鲁木齐 = "Asia/Urumqi"`.
    #[serde(default)]
    pub region_zones: std::collections::BTreeMap<String, ServiceZone>,
}

impl ServiceArea {
    /// The zone a region's days and times are in.
    pub fn zone_of(&self, region: &str) -> ServiceZone {
        self.region_zones
            .get(region)
            .copied()
            .unwrap_or(self.time_zone)
    }
}
