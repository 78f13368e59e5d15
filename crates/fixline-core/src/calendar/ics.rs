//! Public holidays from an iCalendar file (RFC 5545), the format every government and calendar
//! service publishes. Each all-day event is a holiday, or a make-up working day when it says so:
//! `CATEGORIES:WORKDAY`, or a summary such as `春节 补班` / `上班` (how Chinese holiday feeds mark
//! 调休). Timed and recurring events are not holidays of a desk and are listed as skipped.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use icalendar::parser::{Component, read_calendar, unfold};

use super::{BusinessCalendar, DayKind, SpecialDay};
use crate::Error;

/// The days read from one file, before they join a calendar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IcsImport {
    pub days: BTreeMap<NaiveDate, SpecialDay>,
    /// The file's own statement of where it comes from, else its name or producer.
    pub source: Option<String>,
    /// Events that were not read, each with why (`"Team offsite: a timed event"`).
    pub skipped: Vec<String>,
}

/// Longest all-day event read as days off; longer ones are mistakes (a whole year "off").
const LONGEST_EVENT_DAYS: i64 = 62;

impl IcsImport {
    pub fn read(text: &str) -> Result<IcsImport, Error> {
        let unfolded = unfold(text.trim_start_matches('\u{feff}'));
        let calendar = read_calendar(&unfolded).map_err(|e| {
            let first = e.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            Error::invalid("calendar", format!("not an iCalendar file ({first})"))
        })?;
        let property = |name: &str| {
            calendar
                .properties
                .iter()
                .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
                .map(|p| p.val.as_str().trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut import = IcsImport {
            source: property("X-FIXLINE-SOURCE")
                .or_else(|| property("X-WR-CALNAME"))
                .or_else(|| property("PRODID")),
            ..IcsImport::default()
        };
        let events: Vec<&Component> = calendar
            .components
            .iter()
            .filter(|c| c.name.as_str().eq_ignore_ascii_case("VEVENT"))
            .collect();
        if events.is_empty() {
            return Err(Error::invalid(
                "calendar",
                "the file has no events (BEGIN:VEVENT): nothing to read as holidays",
            ));
        }
        for event in events {
            match read_event(event) {
                Ok((first, last, day)) => {
                    let mut date = first;
                    while date <= last {
                        import.days.insert(date, day.clone());
                        date = match date.succ_opt() {
                            Some(next) => next,
                            None => break,
                        };
                    }
                }
                Err(why) => import.skipped.push(why),
            }
        }
        Ok(import)
    }

    /// Adds the days to a calendar; a date already there takes the file's word.
    pub fn merge_into(self, calendar: &mut BusinessCalendar) {
        calendar.days.extend(self.days);
        if let Some(source) = self.source
            && !calendar.sources.contains(&source)
        {
            calendar.sources.push(source);
        }
    }
}

fn text_of(event: &Component, name: &str) -> Option<String> {
    event
        .properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
        .map(|p| p.val.clone().unescape_text().as_str().trim().to_owned())
}

fn date_of(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y%m%d").ok()
}

/// One event's first and last day and what they are, or why it is skipped.
fn read_event(event: &Component) -> Result<(NaiveDate, NaiveDate, SpecialDay), String> {
    let summary = text_of(event, "SUMMARY").unwrap_or_default();
    let label = if summary.is_empty() {
        "an event without a summary".to_owned()
    } else {
        summary.clone()
    };
    if text_of(event, "RRULE").is_some() {
        return Err(format!(
            "{label}: a recurring event (list each year's dates instead)"
        ));
    }
    let start = text_of(event, "DTSTART").ok_or_else(|| format!("{label}: no start date"))?;
    if start.contains('T') {
        return Err(format!("{label}: a timed event, not a whole day"));
    }
    let first = date_of(&start).ok_or_else(|| format!("{label}: {start:?} is not a date"))?;
    let end = match text_of(event, "DTEND") {
        // DTEND is exclusive for all-day events.
        Some(end) => date_of(&end)
            .and_then(|d| d.pred_opt())
            .ok_or_else(|| format!("{label}: {end:?} is not a date"))?,
        None => match text_of(event, "DURATION") {
            Some(duration) => {
                let days = duration
                    .strip_prefix('P')
                    .and_then(|d| d.strip_suffix('D'))
                    .and_then(|d| d.parse::<i64>().ok())
                    .filter(|d| *d >= 1)
                    .ok_or_else(|| format!("{label}: duration {duration:?} is not whole days"))?;
                first + TimeDelta::days(days - 1)
            }
            None => first,
        },
    };
    if end < first || (end - first).num_days() >= LONGEST_EVENT_DAYS {
        return Err(format!(
            "{label}: {} days is not a holiday",
            (end - first).num_days() + 1
        ));
    }
    let categories = text_of(event, "CATEGORIES").unwrap_or_default();
    let kind = if is_workday(&summary, &categories) {
        DayKind::Workday
    } else {
        DayKind::Holiday
    };
    let name = summary
        .trim_end_matches(['休', '班', '补', '上'])
        .trim()
        .to_owned();
    Ok((first, end, SpecialDay { kind, name }))
}

/// Whether an event marks a make-up working day rather than a day off.
fn is_workday(summary: &str, categories: &str) -> bool {
    let categories = categories.to_lowercase();
    let by_category = categories.split(',').map(str::trim).any(|c| {
        matches!(
            c,
            "workday" | "working day" | "make-up day" | "补班" | "上班"
        )
    });
    let summary_lower = summary.to_lowercase();
    by_category
        || summary.contains("补班")
        || summary.contains("上班")
        || (summary.ends_with('班') && !summary.contains('休'))
        || summary_lower.contains("working day")
        || summary_lower.contains("make-up")
}
