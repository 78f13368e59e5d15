//! Which finished jobs the desk calls back, and the calls' outcomes against the answers.

mod common;

use chrono::TimeDelta;
use common::{order, t0};
use fixline_core::ids::WorkOrderId;
use fixline_core::receipt::SignOff;
use fixline_core::return_visit::{
    CallOutcome, CallReason, FollowUp, ReturnCall, ReturnVisitRules, WhenNotFixed,
};
use fixline_core::survey::{Survey, SurveyAnswer, SurveySource};
use fixline_core::work_order::{Priority, Resolution, ResolutionType, Status, WorkOrder};

fn finished(n: u128, priority: Priority) -> WorkOrder {
    let mut wo = order();
    wo.id = WorkOrderId::from_uuid(uuid::Uuid::from_u128(n));
    wo.priority = priority;
    wo.status = Status::Completed;
    wo.resolution = Some(Resolution {
        kind: ResolutionType::OnSiteRepair,
        summary: "更换启动继电器".into(),
        at: t0(),
        fault_code: None,
        cause_code: None,
        resolution_code: None,
    });
    wo
}

fn survey(wo: &WorkOrder, csat: u8, nps: u8, fixed: bool) -> Survey {
    Survey::first(
        wo.id,
        SurveyAnswer {
            csat,
            nps,
            effort: 5,
            fixed,
            comment: None,
        },
        SurveySource::CustomerPage,
        t0(),
    )
    .unwrap()
}

fn rules(sample_percent: u8) -> ReturnVisitRules {
    ReturnVisitRules {
        within_days: 14,
        sample_percent,
        complaint_at_csat: 1,
        complaint_at_nps: None,
        when_not_fixed: WhenNotFixed::Call,
    }
}

#[test]
fn every_p1_refusal_and_unhappy_answer_is_called_and_nothing_else_without_sampling() {
    let now = t0() + TimeDelta::days(1);
    let r = rules(0);
    assert_eq!(
        r.reasons(&finished(1, Priority::P1), None, now),
        [CallReason::Urgent]
    );
    let mut refused = finished(2, Priority::P2);
    let mut receipt = Box::new(common::receipt_record());
    receipt.sign_off = SignOff::Refused {
        signer_name: "店长".into(),
        reason: "明天再看".into(),
        at: t0(),
    };
    refused.receipt = Some(receipt);
    assert_eq!(
        r.reasons(&refused, None, now),
        [CallReason::SignatureRefused]
    );
    let wo = finished(3, Priority::P3);
    assert_eq!(
        r.reasons(&wo, Some(&survey(&wo, 4, 8, false)), now),
        [CallReason::NotFixed]
    );
    assert_eq!(
        r.reasons(&wo, Some(&survey(&wo, 2, 8, true)), now),
        [CallReason::Unhappy]
    );
    assert!(
        r.reasons(&wo, Some(&survey(&wo, 5, 9, true)), now)
            .is_empty()
    );
    assert!(r.reasons(&wo, None, now).is_empty());
}

#[test]
fn not_called_when_unfinished_too_long_ago_or_already_called() {
    let r = rules(100);
    let mut open = finished(1, Priority::P1);
    open.status = Status::OnSite;
    assert!(r.reasons(&open, None, t0()).is_empty());
    let wo = finished(2, Priority::P1);
    assert!(
        r.reasons(&wo, None, t0() + TimeDelta::days(15)).is_empty(),
        "past the 14 days looked back"
    );
    let mut called = survey(&wo, 5, 9, true);
    called.call = Some(ReturnCall {
        at: t0(),
        by: "desk".into(),
        outcome: CallOutcome::Satisfied,
        note: None,
    });
    assert!(r.reasons(&wo, Some(&called), t0()).is_empty());
}

#[test]
fn the_random_share_is_about_the_share_asked_and_the_same_every_time() {
    let r = rules(20);
    let now = t0();
    let picked = (0..2000u128)
        .filter(|n| {
            // v7-like ids: a time prefix, a random tail.
            let id = (0x0190_0000_0000_7000_u128 << 64) | n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let wo = finished(id, Priority::P3);
            let first = r.reasons(&wo, None, now);
            assert_eq!(first, r.reasons(&wo, None, now), "stable");
            first == [CallReason::Sampled]
        })
        .count();
    assert!((300..=500).contains(&picked), "{picked} of 2000 at 20 %");
}

#[test]
fn the_outcome_must_fit_the_answer() {
    assert!(CallOutcome::Satisfied.check(true).is_ok());
    assert!(CallOutcome::Satisfied.check(false).is_err());
    assert!(CallOutcome::NotFixed.check(false).is_ok());
    assert!(CallOutcome::NotFixed.check(true).is_err());
    assert!(CallOutcome::Complaint.check(true).is_ok());
    assert!(CallOutcome::Complaint.check(false).is_ok());
}

#[test]
fn what_a_customers_answer_sets_off_by_itself_follows_the_rule_once() {
    let r = rules(0);
    let wo = finished(1, Priority::P2);
    assert_eq!(r.follow_up(&survey(&wo, 2, 0, true)), FollowUp::Nothing);
    assert_eq!(
        r.follow_up(&survey(&wo, 4, 8, false)),
        FollowUp::Nothing,
        "not fixed: the desk calls"
    );
    let mut furious = survey(&wo, 1, 0, false);
    assert_eq!(r.follow_up(&furious), FollowUp::Complaint);
    furious.complaint = Some(fixline_core::ids::ComplaintId::from_uuid(
        uuid::Uuid::from_u128(9),
    ));
    assert_eq!(r.follow_up(&furious), FollowUp::Nothing, "one per job");
    let strict = ReturnVisitRules {
        complaint_at_csat: 0,
        complaint_at_nps: Some(6),
        when_not_fixed: WhenNotFixed::Rework,
        ..rules(0)
    };
    assert_eq!(
        strict.follow_up(&survey(&wo, 5, 6, true)),
        FollowUp::Complaint,
        "a detractor"
    );
    assert_eq!(
        strict.follow_up(&survey(&wo, 1, 9, true)),
        FollowUp::Nothing
    );
    let mut broken = survey(&wo, 4, 8, false);
    assert_eq!(strict.follow_up(&broken), FollowUp::Rework);
    broken.reopened = true;
    assert_eq!(
        strict.follow_up(&broken),
        FollowUp::Nothing,
        "reopened once"
    );
    let complain = ReturnVisitRules {
        when_not_fixed: WhenNotFixed::Complaint,
        ..rules(0)
    };
    assert_eq!(
        complain.follow_up(&survey(&wo, 4, 8, false)),
        FollowUp::Complaint
    );
}
