//! Local days and times in named zones: Hangzhou's early morning is still yesterday in UTC, and
//! Berlin's clock-change days are 23 and 25 hours long.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use fixline_core::zone::{ServiceArea, ServiceZone};
use proptest::prelude::*;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

#[test]
fn early_morning_in_hangzhou_is_today_there_and_yesterday_in_utc() {
    let z = ServiceZone::SHANGHAI;
    let t = utc("2026-12-01T21:20:00Z");
    assert_eq!(z.local_day(t), day("2026-12-02"));
    assert_eq!(z.format(t, "%H:%M"), "05:20");
    assert_eq!(z.stamp(t), "2026-12-02 05:20 +08:00");
    assert_eq!(z.day_start(day("2026-12-02")), utc("2026-12-01T16:00:00Z"));
    assert_eq!(z.day_end(day("2026-12-02")), utc("2026-12-02T16:00:00Z"));
    assert!(z.on_day(day("2026-12-02"), utc("2026-12-02T15:50:00Z"))); // 23:50 local
    assert!(!z.on_day(day("2026-12-02"), utc("2026-12-02T16:00:00Z")));
    assert_eq!(z.offset_minutes(t), 480);
}

#[test]
fn berlin_springs_forward_to_a_23_hour_day() {
    let z = ServiceZone::parse("Europe/Berlin").unwrap();
    let d = day("2026-03-29");
    assert_eq!(z.day_start(d), utc("2026-03-28T23:00:00Z"));
    assert_eq!(z.day_end(d) - z.day_start(d), TimeDelta::hours(23));
    // An 08:00 shift starts at 06:00 UTC: seven hours into the day, not eight.
    assert_eq!(z.at_day(d, hm(8, 0)), utc("2026-03-29T06:00:00Z"));
    // 02:30 does not exist: read as half an hour after two on the old clock, 03:30 summer time.
    assert_eq!(z.at_day(d, hm(2, 30)), utc("2026-03-29T01:30:00Z"));
    assert_eq!(z.format(z.at_day(d, hm(2, 30)), "%H:%M"), "03:30");
    assert_eq!(z.offset_minutes(utc("2026-03-29T00:59:00Z")), 60);
    assert_eq!(z.offset_minutes(utc("2026-03-29T01:00:00Z")), 120);
}

#[test]
fn berlin_falls_back_to_a_25_hour_day_and_a_repeated_hour_is_the_first() {
    let z = ServiceZone::parse("Europe/Berlin").unwrap();
    let d = day("2026-10-25");
    assert_eq!(z.day_end(d) - z.day_start(d), TimeDelta::hours(25));
    assert_eq!(z.at_day(d, hm(2, 30)), utc("2026-10-25T00:30:00Z"));
    assert_eq!(z.at_day(d, hm(17, 0)), utc("2026-10-25T16:00:00Z"));
}

#[test]
fn a_zone_is_named_and_a_wrong_name_says_what_is_expected() {
    let e = ServiceZone::parse("GMT+8 China").unwrap_err();
    assert!(e.to_string().contains("IANA time zone"), "{e}");
    assert_eq!(e.code().as_str(), "invalid_input");
    let z: ServiceZone = serde_json::from_str("\"Asia/Urumqi\"").unwrap();
    assert_eq!(serde_json::to_string(&z).unwrap(), "\"Asia/Urumqi\"");
    assert!(serde_json::from_str::<ServiceZone>("\"+08:00\"").is_err());
    assert_eq!(ServiceZone::default(), ServiceZone::SHANGHAI);
}

#[test]
fn a_region_may_keep_its_own_zone() {
    let area: ServiceArea = serde_json::from_str(
        r#"{"time_zone": "Asia/Shanghai", "region_zones": {"天山区": "Asia/Urumqi"}}"#,
    )
    .unwrap();
    assert_eq!(area.zone_of("西湖区"), ServiceZone::SHANGHAI);
    assert_eq!(area.zone_of("天山区").name(), "Asia/Urumqi");
    assert_eq!(ServiceArea::default().time_zone, ServiceZone::SHANGHAI);
}

const ZONES: &[&str] = &[
    "Asia/Shanghai",
    "Europe/Berlin",
    "America/New_York",
    "America/Havana",      // springs forward at midnight: the day starts at 01:00
    "America/Santiago",    // likewise, in September
    "Australia/Lord_Howe", // half-hour DST
    "Asia/Kathmandu",
    "Pacific/Apia",
];

proptest! {
    /// Every local day starts at an instant on that day, right after the last instant of the
    /// day before, and lasts 23 to 25 hours.
    #[test]
    fn local_days_tile_time(zone in 0..ZONES.len(), offset in 0i64..3_000) {
        let z = ServiceZone::parse(ZONES[zone]).unwrap();
        let d = day("2024-01-01") + TimeDelta::days(offset);
        let start = z.day_start(d);
        prop_assert_eq!(z.local_day(start), d);
        prop_assert_eq!(z.local_day(start - TimeDelta::seconds(1)), d.pred_opt().unwrap());
        prop_assert_eq!(z.day_end(d), z.day_start(d.succ_opt().unwrap()));
        let hours = (z.day_end(d) - start).num_minutes();
        prop_assert!((23 * 60..=25 * 60).contains(&hours), "{} on {}: {} min", ZONES[zone], d, hours);
    }

    /// A local time that exists reads back as itself.
    #[test]
    fn an_existing_local_time_reads_back(zone in 0..ZONES.len(), offset in 0i64..3_000, minute in 0u32..1440) {
        let z = ServiceZone::parse(ZONES[zone]).unwrap();
        let d = day("2024-01-01") + TimeDelta::days(offset);
        let local = d.and_time(hm(minute / 60, minute % 60));
        let t = z.at(local);
        let back = z.local(t).naive_local();
        // Either the time exists (and reads back), or it fell in a gap and moved forward by it.
        prop_assert!(back == local || (back > local && back - local <= TimeDelta::hours(2)),
            "{} {}: {}", ZONES[zone], local, back);
    }
}

mod common;

/// The engineer's list at 05:20 in Hangzhou (21:20 UTC the day before) and at 23:50.
#[test]
fn the_engineers_today_is_the_local_today() {
    use fixline_core::device::{FileCheck, ListDay, LocalJob};
    use fixline_core::work_order::{PlannedSlot, Status, TimeWindow};
    let z = ServiceZone::SHANGHAI;
    let local = |d: &str, h, m| z.at_day(day(d), hm(h, m));
    let job = |status: Status, window: Option<DateTime<Utc>>, planned: Option<DateTime<Utc>>| {
        let mut wo = common::order();
        wo.status = status;
        wo.requested_window = window.map(|start| TimeWindow {
            start,
            end: start + TimeDelta::hours(4),
        });
        wo.planned = planned.map(|start| PlannedSlot {
            start,
            end: start + TimeDelta::hours(1),
        });
        LocalJob {
            work_order: wo,
            pending: 0,
            removed_reason: None,
            customer_name: None,
            site: None,
            files: FileCheck::default(),
        }
    };
    for now in [utc("2026-12-01T21:20:00Z"), local("2026-12-02", 23, 50)] {
        let today = z.local_day(now);
        assert_eq!(today, day("2026-12-02"), "{now}");
        let this_morning = Some(local("2026-12-02", 9, 0));
        let tomorrow = Some(local("2026-12-03", 9, 0));
        assert_eq!(
            job(Status::Accepted, this_morning, None).list_day(z, today),
            ListDay::Today
        );
        assert_eq!(
            job(Status::Accepted, tomorrow, None).list_day(z, today),
            ListDay::Upcoming
        );
        // On site (even at a job the customer asked for tomorrow): today's.
        assert_eq!(
            job(Status::OnSite, tomorrow, None).list_day(z, today),
            ListDay::Today
        );
        assert_eq!(
            job(Status::EnRoute, tomorrow, None).list_day(z, today),
            ListDay::Today
        );
        // The planned visit decides over the asked-for window.
        assert_eq!(
            job(Status::Assigned, this_morning, tomorrow).list_day(z, today),
            ListDay::Upcoming
        );
        assert_eq!(
            job(Status::Assigned, tomorrow, this_morning).list_day(z, today),
            ListDay::Today
        );
        assert_eq!(
            job(Status::Assigned, None, None).list_day(z, today),
            ListDay::Today
        );
        assert_eq!(
            job(Status::Completed, None, None).list_day(z, today),
            ListDay::Done
        );
    }
}
