use chrono::{NaiveDateTime, TimeDelta};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;

fn sh(text: &str) -> Timestamp {
    ServiceZone::SHANGHAI.at(NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap())
}

fn staff(role: Role) -> ComplaintActor {
    ComplaintActor::Staff(crate::role::Actor {
        user: UserId::from_uuid(Uuid::from_u128(role as u128 + 1)),
        name: format!("{role}"),
        role,
        engineer: None,
    })
}

fn handler() -> ComplaintActor {
    staff(Role::ComplaintHandler)
}

fn calendar() -> BusinessCalendar {
    BusinessCalendar::mainland_china()
}

fn received(at: &str, severity: Severity) -> Complaint {
    let request = ComplaintRequest {
        customer_id: CustomerId::from_uuid(Uuid::from_u128(7)),
        work_orders: vec![WorkOrderId::from_uuid(Uuid::from_u128(9))],
        channel: ComplaintChannel::Phone,
        category: "repeat fault".into(),
        severity,
        summary: "冷柜修了三次还是不制冷".into(),
    };
    Complaint::receive(
        ComplaintId::from_uuid(Uuid::from_u128(1)),
        "CP-000001".into(),
        request,
        sh(at),
        ComplaintTerms {
            policy: &ComplaintPolicy::default(),
            calendar: &calendar(),
            time_zone: ServiceZone::SHANGHAI,
        },
    )
    .unwrap()
}

fn act(
    c: &Complaint,
    actor: &ComplaintActor,
    at: &str,
    action: ComplaintAction,
) -> Result<Complaint, Error> {
    c.apply(
        &action,
        &ComplaintContext {
            actor,
            at: sh(at),
            policy: &ComplaintPolicy::default(),
            calendar: &calendar(),
        },
    )
}

#[test]
fn deadlines_run_in_business_hours() {
    // High: acknowledge within 2 working hours, resolve within 3 working days.
    let c = received("2026-11-27 17:30", Severity::High);
    assert_eq!(c.deadlines.acknowledge_by, sh("2026-11-30 10:30"));
    assert_eq!(c.deadlines.resolve_by, sh("2026-12-02 17:30"));
    assert_eq!(
        c.overdue(sh("2026-11-28 12:00")),
        None,
        "the weekend does not count"
    );
    assert_eq!(
        c.overdue(sh("2026-11-30 10:31")),
        Some(Overdue::Acknowledge)
    );
    assert_eq!(c.seconds_to_deadline(sh("2026-11-30 10:00")), Some(1800));
}

#[test]
fn a_complaint_goes_from_received_to_closed() {
    let h = handler();
    let c = received("2026-11-30 09:00", Severity::Medium);
    assert_eq!(c.available_actions(&ComplaintActor::Customer), []);
    let c = act(
        &c,
        &h,
        "2026-11-30 09:20",
        ComplaintAction::Acknowledge { note: None },
    )
    .unwrap();
    assert_eq!(
        c.owner,
        Some(UserId::from_uuid(Uuid::from_u128(
            Role::ComplaintHandler as u128 + 1
        )))
    );
    let c = act(&c, &h, "2026-11-30 10:00", ComplaintAction::Investigate).unwrap();
    let resolve = ComplaintAction::Resolve {
        root_cause: RootCause::Parts,
        resolution: "换了新压缩机，免收工时费".into(),
        corrective_action: Some("该批次压缩机来料抽检".into()),
    };
    let c = act(&c, &h, "2026-12-01 15:00", resolve.clone()).unwrap();
    assert_eq!(c.status, ComplaintStatus::Resolved);
    assert_eq!(c.overdue(sh("2026-12-31 09:00")), None, "resolved in time");
    // The customer turns it down on their page: back to investigating.
    let customer = ComplaintActor::Customer;
    assert_eq!(
        c.available_actions(&customer),
        [ComplaintActionKind::RecordVerdict]
    );
    let verdict = |accepted| ComplaintAction::RecordVerdict {
        accepted,
        comment: Some("还是有异响".into()),
    };
    let c = act(&c, &customer, "2026-12-01 20:00", verdict(false)).unwrap();
    assert_eq!((c.status, c.reopened), (ComplaintStatus::Investigating, 1));
    let c = act(&c, &h, "2026-12-02 11:00", resolve).unwrap();
    let c = act(&c, &customer, "2026-12-02 19:00", verdict(true)).unwrap();
    assert_eq!(c.status, ComplaintStatus::Confirmed);
    let c = act(
        &c,
        &h,
        "2026-12-03 09:00",
        ComplaintAction::Close { note: None },
    )
    .unwrap();
    assert_eq!(c.status, ComplaintStatus::Closed);
    assert_eq!(c.version, 8);
    assert_eq!(c.history.len(), 7);
    assert_eq!(c.history[3].by_name, "customer");
    assert_eq!(c.overdue(sh("2027-06-01 09:00")), None);
}

#[test]
fn closing_unconfirmed_needs_a_reason() {
    let h = handler();
    let c = received("2026-11-30 09:00", Severity::Low);
    let c = act(
        &c,
        &h,
        "2026-11-30 10:00",
        ComplaintAction::Resolve {
            root_cause: RootCause::Communication,
            resolution: "致电道歉并说明收费标准".into(),
            corrective_action: None,
        },
    )
    .unwrap();
    assert!(
        c.acknowledged_at.is_some(),
        "resolving answers the customer"
    );
    let e = act(
        &c,
        &h,
        "2026-12-08 10:00",
        ComplaintAction::Close {
            note: Some("  ".into()),
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), crate::ErrorCode::Requirement, "{e}");
    let c = act(
        &c,
        &h,
        "2026-12-08 10:00",
        ComplaintAction::Close {
            note: Some("三次致电未接通".into()),
        },
    )
    .unwrap();
    assert_eq!(c.status, ComplaintStatus::Closed);
}

#[test]
fn a_missed_deadline_escalates_once_and_never_past_the_admin() {
    let c = received("2026-11-30 09:00", Severity::High);
    let late = sh("2026-11-30 11:05");
    assert_eq!(c.escalation_due(late), Some(Overdue::Acknowledge));
    let system = ComplaintActor::System;
    let escalate = |breach| ComplaintAction::Escalate {
        reason: "not acknowledged in time".into(),
        breach,
    };
    let c = act(
        &c,
        &system,
        "2026-11-30 11:05",
        escalate(Some(Overdue::Acknowledge)),
    )
    .unwrap();
    assert_eq!(c.escalation, EscalationLevel::Manager);
    assert_eq!(c.escalation.role(), Role::ServiceManager);
    assert_eq!(
        c.escalation_due(sh("2026-11-30 12:00")),
        None,
        "once per deadline"
    );
    let again = act(
        &c,
        &system,
        "2026-11-30 11:06",
        escalate(Some(Overdue::Acknowledge)),
    );
    assert!(again.is_err());
    // The system may only escalate.
    assert_eq!(
        c.available_actions(&system),
        [ComplaintActionKind::Escalate]
    );
    // The manager escalates by hand; at the admin there is nowhere further.
    let manager = staff(Role::ServiceManager);
    let c = act(&c, &manager, "2026-11-30 13:00", escalate(None)).unwrap();
    assert_eq!(c.escalation, EscalationLevel::Admin);
    assert_eq!(c.escalation_due(sh("2026-12-31 13:00")), None);
    assert!(act(&c, &manager, "2026-11-30 14:00", escalate(None)).is_err());
}

#[test]
fn dispatchers_and_engineers_do_not_work_complaints() {
    let c = received("2026-11-30 09:00", Severity::Low);
    for role in [Role::Dispatcher, Role::Engineer] {
        let e = act(
            &c,
            &staff(role),
            "2026-11-30 09:10",
            ComplaintAction::Acknowledge { note: None },
        )
        .unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::Forbidden, "{e}");
    }
    let e = act(
        &c,
        &handler(),
        "2026-11-30 09:10",
        ComplaintAction::Close { note: None },
    )
    .unwrap_err();
    assert_eq!(e.code(), crate::ErrorCode::IllegalTransition, "{e}");
    assert_eq!(e.to_string(), "cannot close a complaint that is received");
}

#[test]
fn a_severity_change_moves_the_deadlines_from_receipt() {
    let c = received("2026-11-30 09:00", Severity::Low);
    let c = act(
        &c,
        &handler(),
        "2026-11-30 09:30",
        ComplaintAction::ChangeSeverity {
            severity: Severity::Critical,
        },
    )
    .unwrap();
    assert_eq!(c.deadlines.acknowledge_by, sh("2026-11-30 10:00"));
    assert_eq!(c.deadlines.resolve_by, sh("2026-11-30 18:00"));
}

fn actions() -> impl Strategy<Value = ComplaintAction> {
    let root = prop::sample::select(RootCause::ALL.to_vec());
    let severity = prop::sample::select(Severity::ALL.to_vec());
    let text = prop_oneof![Just(String::new()), Just("ok".to_owned())];
    prop_oneof![
        Just(ComplaintAction::Acknowledge { note: None }),
        Just(ComplaintAction::Investigate),
        (0u128..3).prop_map(|n| ComplaintAction::Assign {
            owner: UserId::from_uuid(Uuid::from_u128(n))
        }),
        (root, text.clone()).prop_map(|(root_cause, resolution)| ComplaintAction::Resolve {
            root_cause,
            resolution,
            corrective_action: None
        }),
        any::<bool>().prop_map(|accepted| ComplaintAction::RecordVerdict {
            accepted,
            comment: None
        }),
        text.clone()
            .prop_map(|n| ComplaintAction::Close { note: Some(n) }),
        text.clone()
            .prop_map(|reason| ComplaintAction::Reopen { reason }),
        (text.clone(), prop::option::of(Just(Overdue::Resolve)))
            .prop_map(|(reason, breach)| ComplaintAction::Escalate { reason, breach }),
        severity.prop_map(|severity| ComplaintAction::ChangeSeverity { severity }),
        (10u128..13).prop_map(|n| ComplaintAction::LinkWorkOrder {
            work_order: WorkOrderId::from_uuid(Uuid::from_u128(n))
        }),
        text.prop_map(|text| ComplaintAction::AddNote { text }),
    ]
}

fn actors() -> impl Strategy<Value = ComplaintActor> {
    prop_oneof![
        Just(handler()),
        Just(staff(Role::ServiceManager)),
        Just(staff(Role::Dispatcher)),
        Just(ComplaintActor::Customer),
        Just(ComplaintActor::System),
    ]
}

proptest! {
    #[test]
    fn any_sequence_keeps_the_record_consistent(
        steps in prop::collection::vec((actors(), actions()), 0..40),
    ) {
        let mut c = received("2026-11-30 09:00", Severity::Medium);
        let mut at = sh("2026-11-30 09:00");
        for (actor, action) in steps {
            at += TimeDelta::minutes(37);
            let ctx = ComplaintContext {
                actor: &actor,
                at,
                policy: &ComplaintPolicy::default(),
                calendar: &calendar(),
            };
            let allowed = c.check(action.kind(), &actor).is_ok();
            if let Ok(next) = c.apply(&action, &ctx) {
                    prop_assert!(allowed, "applied what check refused: {action:?}");
                    let step = next.history.last().unwrap();
                    prop_assert_eq!(step.from, c.status);
                    prop_assert_eq!(step.to, next.status);
                    prop_assert!(next.escalation >= c.escalation);
                    prop_assert_eq!(next.version, c.version + 1);
                    c = next;
            }
            prop_assert_eq!(c.version as usize, c.history.len() + 1);
            prop_assert_eq!(c.status == ComplaintStatus::Closed, c.closed_at.is_some());
            if matches!(c.status, ComplaintStatus::Resolved | ComplaintStatus::Confirmed) {
                prop_assert!(c.root_cause.is_some() && c.resolution.is_some() && c.resolved_at.is_some());
            }
            if c.status != ComplaintStatus::Received {
                prop_assert!(c.acknowledged_at.is_some());
            }
            if c.status == ComplaintStatus::Confirmed {
                prop_assert!(c.verdict.as_ref().is_some_and(|v| v.accepted));
            }
            let breaches: Vec<_> = c.history.iter().filter_map(|s| s.breach).collect();
            let mut unique = breaches.clone();
            unique.dedup();
            prop_assert_eq!(breaches.len(), unique.len(), "one escalation per missed deadline");
        }
    }
}

#[test]
fn the_customer_is_told_when_a_complaint_is_taken_up_looked_into_and_resolved() {
    use crate::notify::{NoticeEvent as E, complaint_events};
    let h = handler();
    let customer = ComplaintActor::Customer;
    let c0 = received("2026-11-30 09:00", Severity::High);
    let steps: Vec<(ComplaintActor, &str, ComplaintAction, Vec<E>)> = vec![
        (
            h.clone(),
            "2026-11-30 09:30",
            ComplaintAction::AddNote {
                text: "客户来电两次".into(),
            },
            vec![],
        ),
        (
            h.clone(),
            "2026-11-30 09:40",
            ComplaintAction::Acknowledge { note: None },
            vec![E::ComplaintAcknowledged],
        ),
        (
            h.clone(),
            "2026-11-30 10:00",
            ComplaintAction::Investigate,
            vec![E::ComplaintUpdated],
        ),
        (
            h.clone(),
            "2026-12-01 15:00",
            ComplaintAction::Resolve {
                root_cause: RootCause::Parts,
                resolution: "换了新压缩机".into(),
                corrective_action: None,
            },
            vec![E::ComplaintResolved],
        ),
        // Turned down: looked into again, and told so.
        (
            customer.clone(),
            "2026-12-01 20:00",
            ComplaintAction::RecordVerdict {
                accepted: false,
                comment: None,
            },
            vec![E::ComplaintUpdated],
        ),
    ];
    let mut c = c0;
    for (actor, at, action, told) in steps {
        let next = act(&c, &actor, at, action.clone()).unwrap();
        assert_eq!(complaint_events(&c, &next), told, "{action:?}");
        c = next;
    }
}

#[test]
fn complaints_resolved_by_their_deadline_count_as_in_time() {
    use crate::kpi::complaints_resolved_in_time;
    let h = handler();
    let resolve = ComplaintAction::Resolve {
        root_cause: RootCause::Parts,
        resolution: "换了新压缩机".into(),
        corrective_action: None,
    };
    // High: resolved within 3 working days of Monday 09:00, i.e. by Wednesday evening.
    let filed = || received("2026-11-30 09:00", Severity::High);
    let on_time = act(&filed(), &h, "2026-12-01 15:00", resolve.clone()).unwrap();
    let late = act(&filed(), &h, "2026-12-10 15:00", resolve).unwrap();
    let r = complaints_resolved_in_time(&[on_time, late, filed()]);
    assert_eq!(
        (r.numerator, r.denominator),
        (1, 2),
        "one of the two resolved; the open one is not counted"
    );
    assert_eq!(r.percent(), Some(50.0));
}
