//! Quality operations (质量控制): the week's sample of finished jobs per engineer, by core's
//! signals and draw; a reviewer's scorecard; the results per engineer. Handlers parse,
//! authorise and call these.

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use fixline_api::quality::{EngineerQa, QaCase, QaReviewRequest};
use fixline_core::Timestamp;
use fixline_core::ids::WorkOrderId;
use fixline_core::quality::{Candidate, QaReview};
use fixline_core::work_order::Status;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::{Store, WorkOrderFilter, every_work_order};

/// An ISO week as written on the screen and in the API: "2026-W49".
pub fn parse_week(week: &str) -> Result<NaiveDate> {
    let invalid = || {
        Error::Domain(fixline_core::Error::invalid(
            "week",
            format!("{week:?} is not a week like 2026-W49"),
        ))
    };
    let (year, number) = week.split_once("-W").ok_or_else(invalid)?;
    let (year, number) = (
        year.parse::<i32>().map_err(|_| invalid())?,
        number.parse::<u32>().map_err(|_| invalid())?,
    );
    NaiveDate::from_isoywd_opt(year, number, Weekday::Mon).ok_or_else(invalid)
}

/// The ISO week a day falls in.
pub fn week_of(day: NaiveDate) -> String {
    let w = day.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// The week's sample: jobs finished that week (in the service area's days), per engineer, the
/// riskiest first; with their scorecards where reviewed.
pub fn sample(store: &dyn Store, config: &Config, week: &str) -> Result<Vec<QaCase>> {
    let monday = parse_week(week)?;
    let zone = config.service_area.time_zone;
    let (from, to) = (
        zone.day_start(monday),
        zone.day_start(monday + TimeDelta::days(7)),
    );
    let filter = WorkOrderFilter {
        statuses: vec![Status::Completed, Status::Confirmed, Status::Closed],
        ..WorkOrderFilter::default()
    };
    // Done on site by an engineer (a fix on the phone has no visit to review).
    let jobs: Vec<_> = every_work_order(store, &filter)?
        .into_iter()
        .filter_map(|wo| {
            let at = wo.resolution.as_ref()?.at;
            let engineer = wo.visits.last()?.engineer;
            (from..to).contains(&at).then_some((wo, engineer))
        })
        .collect();
    let mut candidates = Vec::with_capacity(jobs.len());
    for (wo, engineer) in &jobs {
        let site = store.site(wo.site_id)?.details.position;
        let survey = store.survey(wo.id)?;
        let expected = crate::ops::planning::duration(&config.dispatch, wo);
        candidates.push(Candidate {
            work_order: wo.id,
            engineer: *engineer,
            signals: config.quality.signals(wo, site, survey.as_ref(), expected),
        });
    }
    let picked = fixline_core::quality::sample(&candidates, config.quality.per_engineer, week);
    let reviews = store.qa_reviews(Some(week))?;
    let mut cases = Vec::with_capacity(picked.len());
    for id in picked {
        let Some((wo, engineer)) = jobs.iter().find(|(w, _)| w.id == id) else {
            continue;
        };
        let signals = candidates
            .iter()
            .find(|c| c.work_order == id)
            .map(|c| c.signals.clone())
            .unwrap_or_default();
        let resolution = wo.resolution.as_ref();
        cases.push(QaCase {
            work_order: id,
            number: wo.number.clone(),
            engineer: *engineer,
            engineer_name: store.engineer(*engineer)?.details.name,
            category: wo.category.clone(),
            finished_at: resolution.map_or(wo.updated_at, |r| r.at),
            summary: resolution.map(|r| r.summary.clone()).unwrap_or_default(),
            signals,
            review: reviews.iter().find(|r| r.work_order == id).cloned(),
        });
    }
    Ok(cases)
}

/// Keeps a reviewer's scorecard for a job of the week's sample.
pub fn review(
    store: &dyn Store,
    config: &Config,
    id: WorkOrderId,
    reviewer: &str,
    request: QaReviewRequest,
    now: Timestamp,
) -> Result<QaReview> {
    let case = sample(store, config, &request.week)?
        .into_iter()
        .find(|c| c.work_order == id)
        .ok_or_else(|| {
            Error::Conflict(format!(
                "this job is not in the QA sample of {}",
                request.week
            ))
        })?;
    let review = QaReview {
        work_order: id,
        engineer: case.engineer,
        week: request.week,
        scores: request.scores,
        comment: request.comment,
        reviewer: reviewer.to_owned(),
        at: now,
    }
    .validated()?;
    store.save_qa_review(&review)?;
    Ok(review)
}

/// Every engineer's reviews so far and their mean score, best first.
pub fn results(store: &dyn Store) -> Result<Vec<EngineerQa>> {
    let mut results: Vec<EngineerQa> = Vec::new();
    for review in store.qa_reviews(None)? {
        match results.iter_mut().find(|r| r.engineer == review.engineer) {
            Some(r) => {
                r.average_percent = (r.average_percent * f64::from(r.reviews) + review.percent())
                    / f64::from(r.reviews + 1);
                r.reviews += 1;
            }
            None => results.push(EngineerQa {
                engineer: review.engineer,
                name: store.engineer(review.engineer)?.details.name,
                reviews: 1,
                average_percent: review.percent(),
            }),
        }
    }
    results.sort_by(|a, b| b.average_percent.total_cmp(&a.average_percent));
    Ok(results)
}
