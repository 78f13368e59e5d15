//! The risk signals that put a finished job in front of QA.

mod common;

use chrono::TimeDelta;
use common::{eng_id, order, t0};
use fixline_core::position::Position;
use fixline_core::quality::{QaRules, RiskSignal};
use fixline_core::receipt::{PhotoRef, PhotoTag, SignOff};
use fixline_core::survey::{Survey, SurveyAnswer, SurveySource};
use fixline_core::work_order::{Visit, VisitOutcome, WorkOrder};

fn site() -> Position {
    Position::new(30.2766, 120.1305).unwrap()
}

fn photo(n: u8, tag: PhotoTag) -> PhotoRef {
    PhotoRef {
        sha256: format!("{n:064x}"),
        tag,
        caption: String::new(),
        taken_at: None,
        bytes: 1000,
    }
}

/// A clean job: checked in at the site, 60 minutes on site, photos before and after, signed.
fn clean() -> WorkOrder {
    let mut wo = order();
    wo.visits = vec![Visit {
        number: 1,
        engineer: eng_id(1),
        checked_in_at: t0(),
        check_in_position: Some(site()),
        checked_out_at: Some(t0() + TimeDelta::minutes(60)),
        check_out_position: Some(site()),
        outcome: Some(VisitOutcome::Completed),
        set_off_at: None,
    }];
    wo.photos = vec![photo(1, PhotoTag::Before), photo(2, PhotoTag::After)];
    wo.receipt = Some(Box::new(common::receipt_record()));
    wo
}

#[test]
fn a_clean_job_shows_nothing_and_each_lapse_its_signal() {
    let rules = QaRules::default();
    let signals =
        |wo: &WorkOrder, survey: Option<&Survey>| rules.signals(wo, Some(site()), survey, 60.0);
    assert_eq!(signals(&clean(), None), []);

    let mut refused = clean();
    if let Some(r) = refused.receipt.as_mut() {
        r.sign_off = SignOff::Refused {
            signer_name: "店长".into(),
            reason: "明天再看".into(),
            at: t0(),
        };
    }
    assert_eq!(signals(&refused, None), [RiskSignal::SignatureRefused]);

    let mut far = clean();
    far.visits[0].check_in_position = Some(Position::new(30.30, 120.20).unwrap());
    assert_eq!(signals(&far, None), [RiskSignal::CheckInFarAway]);

    let mut short = clean();
    short.visits[0].checked_out_at = Some(t0() + TimeDelta::minutes(10));
    assert_eq!(signals(&short, None), [RiskSignal::ShortVisit]);

    let mut no_after = clean();
    no_after.photos.pop();
    assert_eq!(signals(&no_after, None), [RiskSignal::MissingPhotos]);

    let mut twice = clean();
    let mut second = twice.visits[0].clone();
    second.number = 2;
    twice.visits.push(second);
    assert_eq!(signals(&twice, None), [RiskSignal::Reopened]);

    let unhappy = Survey::first(
        clean().id,
        SurveyAnswer {
            csat: 2,
            nps: 3,
            effort: 2,
            fixed: true,
            comment: None,
        },
        SurveySource::CustomerPage,
        t0(),
    )
    .unwrap();
    assert_eq!(signals(&clean(), Some(&unhappy)), [RiskSignal::LowScore]);
}
