use chrono::{NaiveDateTime, Weekday};
use proptest::prelude::*;

use super::*;

fn cn() -> BusinessCalendar {
    BusinessCalendar::mainland_china()
}

fn local(zone: ServiceZone, text: &str) -> Timestamp {
    zone.at(NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap())
}

fn sh(text: &str) -> Timestamp {
    local(ServiceZone::SHANGHAI, text)
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

const HOUR: i64 = 3600;

#[test]
fn the_shipped_2026_calendar_is_the_state_councils() {
    let c = cn();
    let holidays = c
        .days
        .values()
        .filter(|d| d.kind == DayKind::Holiday)
        .count();
    let workdays: Vec<NaiveDate> = c
        .days
        .iter()
        .filter(|(_, d)| d.kind == DayKind::Workday)
        .map(|(d, _)| *d)
        .collect();
    // 3 + 9 + 3 + 5 + 3 + 3 + 7 days off.
    assert_eq!(holidays, 33);
    assert_eq!(
        workdays,
        [
            "2026-01-04",
            "2026-02-14",
            "2026-02-28",
            "2026-05-09",
            "2026-09-20",
            "2026-10-10"
        ]
        .map(date)
    );
    assert!(
        workdays
            .iter()
            .all(|d| matches!(d.weekday(), Weekday::Sat | Weekday::Sun)),
        "every make-up day falls on a weekend"
    );
    assert_eq!(c.days[&date("2026-02-15")].name, "春节");
    assert!(
        c.sources.iter().any(|s| s.contains("国务院办公厅")),
        "{:?}",
        c.sources
    );
    assert_eq!(c.holidays_known_through(), Some(date("2026-12-31")));
}

#[test]
fn friday_evening_work_is_due_on_monday() {
    let c = cn();
    let t = c.in_zone(ServiceZone::SHANGHAI);
    assert_eq!(
        t.add(sh("2026-11-27 17:55"), 2 * HOUR),
        sh("2026-11-30 10:55")
    );
    assert_eq!(
        t.between(sh("2026-11-27 17:55"), sh("2026-11-30 10:55")),
        2 * HOUR
    );
    // Logged at night: the clock starts at nine.
    assert_eq!(t.add(sh("2026-11-24 22:00"), HOUR), sh("2026-11-25 10:00"));
    assert!(!t.is_working(sh("2026-11-28 10:00")), "Saturday");
    assert!(t.is_working(sh("2026-11-30 09:00")));
    assert!(
        !t.is_working(sh("2026-11-30 18:00")),
        "the end of a span is outside it"
    );
}

#[test]
fn holidays_are_skipped_and_make_up_days_worked() {
    let c = cn();
    let t = c.in_zone(ServiceZone::SHANGHAI);
    // National Day week: from the eve to the first working day after it.
    assert_eq!(
        t.add(sh("2026-09-30 17:00"), 2 * HOUR),
        sh("2026-10-08 10:00")
    );
    // Saturday 10 October is a working day.
    assert_eq!(
        t.add(sh("2026-10-09 17:00"), 2 * HOUR),
        sh("2026-10-10 10:00")
    );
    assert!(t.is_working(sh("2026-02-14 12:00")), "a make-up Saturday");
    assert!(!t.is_working(sh("2026-02-16 12:00")), "春节, a Monday");
    assert_eq!(
        t.sub(sh("2026-10-08 10:00"), 2 * HOUR),
        sh("2026-09-30 17:00")
    );
}

#[test]
fn a_region_in_another_zone_works_its_own_local_hours() {
    let c = cn();
    let urumqi = ServiceZone::parse("Asia/Urumqi").unwrap();
    let t = c.in_zone(urumqi);
    assert_eq!(
        t.add(local(urumqi, "2026-11-27 17:00"), 2 * HOUR),
        local(urumqi, "2026-11-30 10:00")
    );
    assert_ne!(local(urumqi, "2026-11-30 10:00"), sh("2026-11-30 10:00"));
}

fn every_hour() -> WeeklyHours {
    let day = || DayHours::new(vec!["00:00-24:00".parse().unwrap()]).unwrap();
    WeeklyHours {
        mon: day(),
        tue: day(),
        wed: day(),
        thu: day(),
        fri: day(),
        sat: day(),
        sun: day(),
    }
}

#[test]
fn daylight_saving_days_are_as_long_as_they_are() {
    let berlin = ServiceZone::parse("Europe/Berlin").unwrap();
    let c = BusinessCalendar::weekly(every_hour()).unwrap();
    let t = c.in_zone(berlin);
    // Clocks go forward on 29 March 2026 and back on 25 October.
    let spring = (
        local(berlin, "2026-03-28 12:00"),
        local(berlin, "2026-03-29 12:00"),
    );
    assert_eq!(t.between(spring.0, spring.1), 23 * HOUR);
    let autumn = (
        local(berlin, "2026-10-24 12:00"),
        local(berlin, "2026-10-25 12:00"),
    );
    assert_eq!(t.between(autumn.0, autumn.1), 25 * HOUR);
    assert_eq!(t.add(spring.0, 23 * HOUR), spring.1);

    // A night shift across the jump: 01:00–04:00 has two real hours that night.
    let night = DayHours::new(vec!["01:00-04:00".parse().unwrap()]).unwrap();
    let c = BusinessCalendar::weekly(WeeklyHours {
        sun: night,
        ..every_hour()
    })
    .unwrap();
    let t = c.in_zone(berlin);
    let sunday = (
        local(berlin, "2026-03-29 00:00"),
        local(berlin, "2026-03-29 12:00"),
    );
    assert_eq!(t.between(sunday.0, sunday.1), 2 * HOUR);
}

#[test]
fn working_hours_are_checked() {
    assert!("18:00-09:00".parse::<WorkingSpan>().is_err());
    assert!("09:00-24:30".parse::<WorkingSpan>().is_err());
    assert!("9-18".parse::<WorkingSpan>().is_err());
    assert_eq!(
        "08:30-24:00".parse::<WorkingSpan>().unwrap().to_string(),
        "08:30-24:00"
    );
    let overlap = DayHours::new(vec![
        "09:00-13:00".parse().unwrap(),
        "12:00-18:00".parse().unwrap(),
    ]);
    assert!(overlap.unwrap_err().to_string().contains("overlap"));
    let none = BusinessCalendar::weekly(WeeklyHours {
        mon: DayHours::default(),
        tue: DayHours::default(),
        wed: DayHours::default(),
        thu: DayHours::default(),
        fri: DayHours::default(),
        ..WeeklyHours::default()
    });
    assert!(none.is_err());
    // From settings: a lunch break and a Saturday morning.
    let toml_like = serde_json::json!({
        "week": {
            "mon": ["09:00-12:00", "13:00-18:00"],
            "sat": ["09:00-12:00"]
        }
    });
    let c: BusinessCalendar = serde_json::from_value(toml_like).unwrap();
    assert_eq!(c.week.mon.minutes(), 8 * 60);
    assert_eq!(c.week.tue.minutes(), 0, "a day left out is not worked");
    assert_eq!(c.make_up_hours, DayHours::office());
    let bad = serde_json::json!({ "week": { "mon": ["13:00-18:00", "09:00-14:00"] } });
    assert!(serde_json::from_value::<BusinessCalendar>(bad).is_err());
}

const FEED: &str = "\u{feff}BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example//Holidays//EN\r
X-WR-CALNAME:Company holidays\r
BEGIN:VEVENT\r
DTSTART;VALUE=DATE:20271224\r
DURATION:P3D\r
SUMMARY:Christmas\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;VALUE=DATE:20271218\r
SUMMARY:Stocktake Saturday (worki\r
 ng day)\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART:20271201T100000Z\r
DTEND:20271201T110000Z\r
SUMMARY:Team meeting\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;VALUE=DATE:20270101\r
RRULE:FREQ=YEARLY\r
SUMMARY:New Year\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;VALUE=DATE:20270501\r
DTEND;VALUE=DATE:20270504\r
SUMMARY:劳动节\r
END:VEVENT\r
BEGIN:VEVENT\r
DTSTART;VALUE=DATE:20270425\r
SUMMARY:劳动节 班\r
END:VEVENT\r
END:VCALENDAR\r
";

#[test]
fn an_icalendar_file_adds_holidays_and_make_up_days() {
    let import = IcsImport::read(FEED).unwrap();
    assert_eq!(import.source.as_deref(), Some("Company holidays"));
    let kinds: Vec<(String, DayKind)> = import
        .days
        .iter()
        .map(|(d, s)| (d.to_string(), s.kind))
        .collect();
    use DayKind::*;
    assert_eq!(
        kinds,
        [
            ("2027-04-25", Workday),
            ("2027-05-01", Holiday),
            ("2027-05-02", Holiday),
            ("2027-05-03", Holiday),
            ("2027-12-18", Workday),
            ("2027-12-24", Holiday),
            ("2027-12-25", Holiday),
            ("2027-12-26", Holiday),
        ]
        .map(|(d, k)| (d.to_owned(), k))
    );
    assert_eq!(import.skipped.len(), 2, "{:?}", import.skipped);
    assert!(import.skipped[0].starts_with("Team meeting: a timed event"));
    assert!(import.skipped[1].contains("recurring"));

    let mut c = cn();
    import.merge_into(&mut c);
    assert_eq!(c.holidays_known_through(), Some(date("2027-12-31")));
    let t = c.in_zone(ServiceZone::SHANGHAI);
    assert!(
        t.is_working(sh("2027-04-25 10:00")),
        "a Sunday made a working day"
    );
    assert!(!t.is_working(sh("2027-05-03 10:00")), "a Monday off");
    assert_eq!(c.sources.len(), 2);
}

#[test]
fn what_is_not_a_holiday_file_is_refused_in_words() {
    let e = IcsImport::read("name,date\nXmas,2027-12-25\n").unwrap_err();
    assert!(
        e.to_string().starts_with("calendar: not an iCalendar file"),
        "{e}"
    );
    let e = IcsImport::read("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n").unwrap_err();
    assert!(e.to_string().contains("no events"), "{e}");
    let year_off = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\n\
                    DTEND;VALUE=DATE:20280101\r\nSUMMARY:Sabbatical\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let import = IcsImport::read(year_off).unwrap();
    assert!(import.days.is_empty());
    assert_eq!(import.skipped, ["Sabbatical: 365 days is not a holiday"]);
}

fn zones() -> impl Strategy<Value = ServiceZone> {
    prop_oneof![
        Just(ServiceZone::SHANGHAI),
        Just(ServiceZone::parse("Europe/Berlin").unwrap()),
        Just(ServiceZone::parse("America/New_York").unwrap()),
    ]
}

/// Any minute of 2026, the shipped year.
fn instants() -> impl Strategy<Value = Timestamp> {
    (0i64..365 * 24 * 60).prop_map(|m| sh("2026-01-01 00:00") + TimeDelta::minutes(m))
}

proptest! {
    #[test]
    fn adding_then_measuring_gives_back_the_duration(
        zone in zones(), a in instants(), seconds in 0i64..300 * HOUR,
    ) {
        let c = cn();
        let t = c.in_zone(zone);
        let due = t.add(a, seconds);
        prop_assert!(due >= a);
        prop_assert_eq!(t.between(a, due), seconds);
        // Subtracting walks back to the latest instant with that much work before `due`: `a`
        // itself, or the end of the working time `a` falls after.
        let back = t.sub(due, seconds);
        prop_assert!(back >= a);
        prop_assert_eq!(t.between(a, back), 0);
        prop_assert_eq!(t.between(back, due), seconds);
    }

    #[test]
    fn working_time_adds_up_over_consecutive_stretches(
        zone in zones(), a in instants(), x in 0i64..100 * HOUR, y in 0i64..100 * HOUR,
    ) {
        let c = cn();
        let t = c.in_zone(zone);
        let (b, c2) = (a + TimeDelta::seconds(x), a + TimeDelta::seconds(x + y));
        prop_assert_eq!(t.between(a, b) + t.between(b, c2), t.between(a, c2));
        prop_assert!(t.between(a, b) <= x, "never more than the calendar time");
        prop_assert_eq!(t.between(b, a), -t.between(a, b));
        // Adding in two steps is adding once.
        prop_assert_eq!(t.add(t.add(a, x), y), t.add(a, x + y));
    }
}
