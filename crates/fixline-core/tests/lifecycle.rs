//! The work-order state machine: a walk through a real day's job, a table of refusals, and
//! property tests that drive random action sequences and check the invariants after every step.

use chrono::TimeDelta;
use fixline_core::ErrorCode;
use fixline_core::position::Position;
use fixline_core::role::{Actor, Role};
use fixline_core::sla::{Milestone, MilestoneState};
use fixline_core::work_order::{
    Action, ActionKind, DispatchPin, PauseReason, PlannedSlot, Priority, Requirements,
    ResolutionType, Status, WorkOrder,
};
use proptest::prelude::*;

mod common;
use common::*;

#[test]
fn a_job_from_intake_to_close() {
    let desk = staff(Role::Dispatcher);
    let chen = engineer(1);
    let site = Position::new(30.2741, 120.1551).unwrap();
    let mut o = order();
    o = act(
        &o,
        &desk,
        5,
        Action::Triage {
            category: None,
            priority: Some(Priority::P1),
            requirements: None,
        },
    )
    .unwrap();
    assert_eq!(
        o.sla.targets.arrive_minutes, 240,
        "P1 standard: arrive within 4 h"
    );
    o = act(
        &o,
        &desk,
        6,
        Action::Assign {
            engineer: eng_id(1),
        },
    )
    .unwrap();
    o = act(&o, &chen, 10, Action::Accept).unwrap();
    o = act(&o, &chen, 12, Action::StartTravel).unwrap();
    o = act(
        &o,
        &chen,
        50,
        Action::Arrive {
            position: Some(site),
        },
    )
    .unwrap();
    assert_eq!(o.status, Status::OnSite);
    assert!(o.open_visit().is_some());
    o = act(
        &o,
        &chen,
        80,
        Action::Pause {
            reason: PauseReason::AwaitingParts,
            note: Some("压缩机电容".into()),
        },
    )
    .unwrap();
    assert!(o.open_visit().is_none());
    assert!(matches!(
        o.sla
            .state(Milestone::Resolve, t0() + TimeDelta::minutes(600)),
        MilestoneState::Paused { .. }
    ));
    o = act(&o, &chen, 24 * 60, Action::Resume).unwrap();
    o = act(&o, &chen, 24 * 60 + 5, Action::StartTravel).unwrap();
    o = act(
        &o,
        &chen,
        24 * 60 + 40,
        Action::Arrive {
            position: Some(site),
        },
    )
    .unwrap();
    // A fault from another category's list is refused; the job's own are kept on it.
    let coded = |fault: &str| Action::Complete {
        resolution: ResolutionType::OnSiteRepair,
        summary: "更换启动电容，测试 30 分钟正常".into(),
        position: Some(site),
        fault_code: Some(fault.into()),
        cause_code: Some("C01".into()),
        resolution_code: Some("R01".into()),
    };
    assert_eq!(
        act(&o, &chen, 24 * 60 + 100, coded("LD01"))
            .unwrap_err()
            .code(),
        ErrorCode::Invalid
    );
    o = act(&o, &chen, 24 * 60 + 100, coded("RF02")).unwrap();
    let r = o.resolution.as_ref().unwrap();
    assert_eq!(
        (
            r.fault_code.as_deref(),
            r.cause_code.as_deref(),
            r.resolution_code.as_deref()
        ),
        (Some("RF02"), Some("C01"), Some("R01"))
    );
    assert_eq!(o.visits.len(), 2);
    assert_eq!(o.visits[1].minutes_on_site(), Some(60));
    // Paused for 22 h 40 min, so resolving 26 h after intake is within the 8 h target.
    assert_eq!(
        o.sla.state(Milestone::Resolve, t0()),
        MilestoneState::Met {
            at: t0() + TimeDelta::minutes(24 * 60 + 100),
            on_time: true
        }
    );
    o = act(
        &o,
        &staff(Role::ComplaintHandler),
        26 * 60,
        Action::Confirm {
            note: Some("回访：客户满意".into()),
        },
    )
    .unwrap();
    o = act(&o, &desk, 27 * 60, Action::Close).unwrap();
    assert_eq!(o.status, Status::Closed);
    assert_eq!(o.version, 13, "one version per action after intake");
}

#[test]
fn refusals_say_why() {
    let desk = staff(Role::Dispatcher);
    let new = order();
    let assigned = act(
        &new,
        &desk,
        1,
        Action::Assign {
            engineer: eng_id(1),
        },
    )
    .unwrap();
    let accepted = act(&assigned, &engineer(1), 2, Action::Accept).unwrap();
    let cases: Vec<(&WorkOrder, Actor, Action, ErrorCode, &str)> = vec![
        (
            &new,
            desk.clone(),
            Action::Close,
            ErrorCode::IllegalTransition,
            "cannot close a work order that is new",
        ),
        (
            &new,
            engineer(1),
            Action::Triage {
                category: None,
                priority: None,
                requirements: None,
            },
            ErrorCode::Forbidden,
            "the engineer role may not triage a work order",
        ),
        (
            &assigned,
            engineer(2),
            Action::Accept,
            ErrorCode::Forbidden,
            "only the assigned engineer may accept this work order",
        ),
        (
            &assigned,
            desk.clone(),
            Action::Accept,
            ErrorCode::Forbidden,
            "the dispatcher role may not accept a work order",
        ),
        (
            &accepted,
            engineer(1),
            Action::Complete {
                resolution: ResolutionType::Exchange,
                summary: "swapped".into(),
                position: None,
                fault_code: None,
                cause_code: None,
                resolution_code: None,
            },
            ErrorCode::Requirement,
            "cannot complete: an on-site repair, exchange or return needs the engineer on site",
        ),
        (
            &accepted,
            engineer(1),
            Action::Decline {
                reason: "  ".into(),
            },
            ErrorCode::Invalid,
            "reason: must not be empty",
        ),
        (
            &accepted,
            engineer(1),
            Action::HandOver {
                to: eng_id(1),
                reason: "busy".into(),
            },
            ErrorCode::Requirement,
            "cannot hand over: a job cannot be handed over to the engineer who holds it",
        ),
        (
            &assigned,
            staff(Role::ComplaintHandler),
            Action::Cancel {
                reason: "dup".into(),
            },
            ErrorCode::Forbidden,
            "the complaint handler role may not cancel a work order",
        ),
        (
            &new,
            engineer(1),
            Action::AddNote { text: "hi".into() },
            ErrorCode::Forbidden,
            "only the assigned engineer may add a note to this work order",
        ),
    ];
    for (order, actor, action, code, message) in cases {
        let err = act(order, &actor, 10, action.clone()).unwrap_err();
        assert_eq!(
            (err.code(), err.to_string().as_str()),
            (code, message),
            "{action:?}"
        );
    }
}

#[test]
fn remote_guidance_needs_no_visit_and_reopen_clears_resolution() {
    let desk = staff(Role::Dispatcher);
    let mut o = act(
        &order(),
        &desk,
        1,
        Action::Assign {
            engineer: eng_id(1),
        },
    )
    .unwrap();
    o = act(&o, &engineer(1), 2, Action::Accept).unwrap();
    o = act(
        &o,
        &engineer(1),
        20,
        Action::Complete {
            resolution: ResolutionType::RemoteGuidance,
            summary: "指导客户复位温控器".into(),
            position: None,
            fault_code: None,
            cause_code: None,
            resolution_code: None,
        },
    )
    .unwrap();
    assert!(o.visits.is_empty());
    assert!(
        o.sla.arrive.is_some(),
        "remote guidance meets the arrival target"
    );
    o = act(
        &o,
        &staff(Role::ComplaintHandler),
        3 * 60,
        Action::Reopen {
            reason: "客户投诉仍不制冷".into(),
        },
    )
    .unwrap();
    assert_eq!(
        (
            o.status,
            o.assignee,
            o.resolution.is_none(),
            o.sla.resolve.is_none()
        ),
        (Status::Triaged, None, true, true)
    );
}

#[test]
fn decline_and_hand_over_move_the_job() {
    let desk = staff(Role::Dispatcher);
    let o = act(
        &order(),
        &desk,
        1,
        Action::Assign {
            engineer: eng_id(1),
        },
    )
    .unwrap();
    // Engineer 1 was running late; the job changing hands forgets their estimate.
    let mut o = o;
    o.eta = Some(o.updated_at);
    o.late_since = Some(o.updated_at);
    let handed = act(
        &o,
        &engineer(1),
        2,
        Action::HandOver {
            to: eng_id(2),
            reason: "车坏了".into(),
        },
    )
    .unwrap();
    assert_eq!(
        (handed.status, handed.assignee),
        (Status::Assigned, Some(eng_id(2)))
    );
    assert_eq!((handed.eta, handed.late_since), (None, None));
    assert_eq!(
        handed.available_actions(&engineer(1)),
        vec![],
        "the old holder can do nothing now"
    );
    assert!(
        handed
            .available_actions(&engineer(2))
            .contains(&ActionKind::Accept)
    );
    let declined = act(
        &handed,
        &engineer(2),
        3,
        Action::Decline {
            reason: "不会修这个型号".into(),
        },
    )
    .unwrap();
    assert_eq!(
        (declined.status, declined.assignee),
        (Status::Triaged, None)
    );
    assert!(
        declined
            .notes
            .iter()
            .any(|n| n.text == "Declined: 不会修这个型号")
    );
}

#[test]
fn the_pool_offers_a_job_to_engineers_until_one_picks_it() {
    let desk = staff(Role::Dispatcher);
    let assigned = act(
        &order(),
        &desk,
        1,
        Action::Assign {
            engineer: eng_id(1),
        },
    )
    .unwrap();
    let pooled = act(&assigned, &desk, 2, Action::ReleaseToPool).unwrap();
    assert_eq!(
        (pooled.status, pooled.assignee, pooled.pooled),
        (Status::Triaged, None, true)
    );
    assert_eq!(
        act(&pooled, &desk, 3, Action::ReleaseToPool)
            .unwrap_err()
            .code(),
        ErrorCode::Requirement
    );
    // The desk cannot pick; any engineer can, and picking accepts.
    assert!(act(&pooled, &desk, 3, Action::Pick).is_err());
    let picked = act(&pooled, &engineer(2), 4, Action::Pick).unwrap();
    assert_eq!(
        (picked.status, picked.assignee, picked.pooled),
        (Status::Accepted, Some(eng_id(2)), false)
    );
    assert!(matches!(
        picked.sla.state(Milestone::Respond, picked.updated_at),
        MilestoneState::Met { .. }
    ));
    // The second engineer to tap is told it is gone.
    let again = act(&picked, &engineer(3), 5, Action::Pick).unwrap_err();
    assert_eq!(again.code(), ErrorCode::IllegalTransition);
    // A job never released cannot be picked.
    let triaged = act(
        &order(),
        &desk,
        1,
        Action::Triage {
            category: None,
            priority: None,
            requirements: None,
        },
    )
    .unwrap();
    assert_eq!(
        act(&triaged, &engineer(1), 2, Action::Pick)
            .unwrap_err()
            .code(),
        ErrorCode::Requirement
    );
    // Assigning a pooled job takes it out of the pool.
    let taken_back = act(
        &pooled,
        &desk,
        3,
        Action::Assign {
            engineer: eng_id(3),
        },
    )
    .unwrap();
    assert!(!taken_back.pooled);
}

#[test]
fn schedule_fixes_time_and_engineer_and_loses_the_engineer_pin_on_hand_over() {
    let desk = staff(Role::Dispatcher);
    let o = order();
    let slot = PlannedSlot {
        start: o.created_at + TimeDelta::hours(2),
        end: o.created_at + TimeDelta::hours(3),
    };
    // Fixing the engineer needs one.
    let err = act(
        &o,
        &desk,
        1,
        Action::Schedule {
            slot: Some(slot),
            pin: DispatchPin::DoNotMove,
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Requirement);
    // Fixing the time needs a time.
    let err = act(
        &o,
        &desk,
        1,
        Action::Schedule {
            slot: None,
            pin: DispatchPin::Time,
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Requirement);
    let backwards = PlannedSlot {
        start: slot.end,
        end: slot.start,
    };
    let err = act(
        &o,
        &desk,
        1,
        Action::Schedule {
            slot: Some(backwards),
            pin: DispatchPin::None,
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Invalid);
    let mut o = act(
        &o,
        &desk,
        1,
        Action::Assign {
            engineer: eng_id(1),
        },
    )
    .unwrap();
    o = act(
        &o,
        &desk,
        2,
        Action::Schedule {
            slot: Some(slot),
            pin: DispatchPin::DoNotMove,
        },
    )
    .unwrap();
    assert_eq!((o.planned, o.pin), (Some(slot), DispatchPin::DoNotMove));
    // Engineers cannot reschedule.
    assert!(
        act(
            &o,
            &engineer(1),
            3,
            Action::Schedule {
                slot: None,
                pin: DispatchPin::None
            }
        )
        .is_err()
    );
    let handed = act(
        &o,
        &engineer(1),
        3,
        Action::HandOver {
            to: eng_id(2),
            reason: "家里有事".into(),
        },
    )
    .unwrap();
    // The promised time stays; the pin to the first engineer does not.
    assert_eq!(
        (handed.planned, handed.pin),
        (Some(slot), DispatchPin::Time)
    );
}

#[test]
fn check_out_cannot_precede_check_in() {
    let desk = staff(Role::Dispatcher);
    let mut o = act(
        &order(),
        &desk,
        1,
        Action::Assign {
            engineer: eng_id(1),
        },
    )
    .unwrap();
    o = act(&o, &engineer(1), 2, Action::Accept).unwrap();
    o = act(&o, &engineer(1), 3, Action::StartTravel).unwrap();
    o = act(&o, &engineer(1), 60, Action::Arrive { position: None }).unwrap();
    let err = act(
        &o,
        &engineer(1),
        30,
        Action::Complete {
            resolution: ResolutionType::OnSiteRepair,
            summary: "ok".into(),
            position: None,
            fault_code: None,
            cause_code: None,
            resolution_code: None,
        },
    );
    assert_eq!(err.unwrap_err().code(), ErrorCode::Requirement);
}

#[test]
fn triage_sets_what_the_job_needs_and_refuses_what_cannot_be_planned() {
    let desk = staff(Role::Dispatcher);
    let o = order();
    let triage = |level, minutes| Action::Triage {
        category: Some("refrigeration".into()),
        priority: None,
        requirements: Some(Requirements {
            skill: None,
            level: Some(level),
            certification: Some(" 制冷作业证 ".into()),
            minutes: Some(minutes),
        }),
    };
    let refused = act(&o, &desk, 5, triage(7, 90)).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Invalid);
    assert!(triage(7, 90).validate().is_err(), "bad input, not a clash");
    assert!(act(&o, &desk, 5, triage(3, 2)).is_err());
    let triaged = act(&o, &desk, 5, triage(3, 90)).unwrap();
    assert_eq!(triaged.status, Status::Triaged);
    assert_eq!(
        triaged.required_skill(),
        Some(("refrigeration".to_owned(), 3))
    );
    assert_eq!(
        triaged.requirements.certification.as_deref(),
        Some("制冷作业证")
    );
    // A triage without requirements keeps those set before (an old app sends none).
    let again = act(
        &triaged,
        &desk,
        6,
        Action::Triage {
            category: None,
            priority: Some(Priority::P2),
            requirements: None,
        },
    )
    .unwrap();
    assert_eq!(again.requirements, triaged.requirements);
    let json = serde_json::to_value(Action::Triage {
        category: None,
        priority: None,
        requirements: None,
    })
    .unwrap();
    assert!(
        json.get("requirements").is_none(),
        "old servers see the old shape"
    );
}

#[test]
fn the_desk_resolves_a_job_on_the_phone_without_a_visit() {
    let desk = staff(Role::Dispatcher);
    let chen = engineer(1);
    let o = act(
        &order(),
        &desk,
        5,
        Action::Assign {
            engineer: chen.engineer.unwrap(),
        },
    )
    .unwrap();
    let resolve = Action::ResolveRemotely {
        summary: "指导客户复位温控器，已恢复制冷".into(),
    };
    assert_eq!(
        act(&o, &chen, 6, resolve.clone()).unwrap_err().code(),
        ErrorCode::Forbidden,
        "the desk's call, not the engineer's"
    );
    let done = act(&o, &desk, 10, resolve.clone()).unwrap();
    assert_eq!(done.status, Status::Completed);
    assert_eq!(done.assignee, None, "the engineer need not go");
    assert!(done.visits.is_empty());
    let r = done.resolution.as_ref().unwrap();
    assert_eq!(r.kind, ResolutionType::RemoteGuidance);
    assert!(matches!(
        done.sla.state(Milestone::Resolve, done.updated_at),
        MilestoneState::Met { .. }
    ));
    // Once someone is on the way, it is theirs to complete.
    let accepted = act(&o, &chen, 6, Action::Accept).unwrap();
    let travelling = act(&accepted, &chen, 7, Action::StartTravel).unwrap();
    assert_eq!(
        act(&travelling, &desk, 8, resolve).unwrap_err().code(),
        ErrorCode::IllegalTransition
    );
    let blank = Action::ResolveRemotely {
        summary: "  ".into(),
    };
    assert!(blank.validate().is_err());
}

#[test]
fn actions_round_trip_as_json() {
    let a = Action::Complete {
        resolution: ResolutionType::Exchange,
        summary: "换新机".into(),
        position: Some(Position::new(30.0, 120.0).unwrap()),
        fault_code: None,
        cause_code: None,
        resolution_code: None,
    };
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["action"], "complete");
    assert_eq!(json["resolution"], "exchange");
    assert_eq!(serde_json::from_value::<Action>(json).unwrap(), a);
    assert!(serde_json::from_str::<Action>(r#"{"action":"teleport"}"#).is_err());
}

// ---- properties -------------------------------------------------------------------------------

fn any_action() -> impl Strategy<Value = Action> {
    let eng = (1u128..=3).prop_map(eng_id);
    let reason = prop_oneof![
        Just("原因".to_owned()),
        Just(" ".to_owned()),
        Just("customer asked".to_owned())
    ];
    let pos = prop_oneof![
        Just(None),
        Just(Some(Position::new(30.27, 120.15).unwrap()))
    ];
    let resolution = prop_oneof![
        Just(ResolutionType::RemoteGuidance),
        Just(ResolutionType::OnSiteRepair),
        Just(ResolutionType::Exchange),
        Just(ResolutionType::Return),
    ];
    let pause = prop_oneof![
        Just(PauseReason::AwaitingParts),
        Just(PauseReason::AwaitingCustomer)
    ];
    let priority = prop_oneof![
        Just(None),
        Just(Some(Priority::P1)),
        Just(Some(Priority::P4))
    ];
    prop_oneof![
        priority.prop_map(|priority| Action::Triage {
            category: None,
            priority,
            requirements: None,
        }),
        eng.clone().prop_map(|engineer| Action::Assign { engineer }),
        Just(Action::ResolveRemotely {
            summary: "远程指导".into()
        }),
        Just(Action::Accept),
        reason.clone().prop_map(|reason| Action::Decline { reason }),
        (eng, reason.clone()).prop_map(|(to, reason)| Action::HandOver { to, reason }),
        Just(Action::StartTravel),
        pos.clone().prop_map(|position| Action::Arrive { position }),
        pause.prop_map(|reason| Action::Pause { reason, note: None }),
        Just(Action::Resume),
        (resolution, pos).prop_map(|(resolution, position)| Action::Complete {
            resolution,
            summary: "done".into(),
            position,
            fault_code: None,
            cause_code: None,
            resolution_code: None,
        }),
        Just(Action::Confirm { note: None }),
        Just(Action::Close),
        reason.clone().prop_map(|reason| Action::Cancel { reason }),
        reason.clone().prop_map(|reason| Action::Reopen { reason }),
        reason.prop_map(|text| Action::AddNote { text }),
        Just(Action::ReleaseToPool),
        Just(Action::Pick),
        (0i64..600, 0i64..240, 0usize..4).prop_map(|(from, length, pin)| Action::Schedule {
            slot: (length > 0).then(|| {
                let start = chrono::DateTime::UNIX_EPOCH + TimeDelta::minutes(from);
                PlannedSlot {
                    start,
                    end: start + TimeDelta::minutes(length),
                }
            }),
            pin: DispatchPin::ALL[pin],
        }),
    ]
}

fn any_actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        (1u128..=3).prop_map(engineer),
        Just(staff(Role::Dispatcher)),
        Just(staff(Role::ServiceManager)),
        Just(staff(Role::ComplaintHandler)),
        Just(staff(Role::Admin)),
    ]
}

fn check_invariants(o: &WorkOrder) {
    if o.status.has_assignee() {
        assert!(o.assignee.is_some(), "{:?} without an engineer", o.status);
    }
    if matches!(o.status, Status::New | Status::Triaged) {
        assert!(o.assignee.is_none(), "{:?} with an engineer", o.status);
    }
    if o.pooled {
        assert_eq!(
            o.status,
            Status::Triaged,
            "only a waiting job is in the pool"
        );
    }
    if o.pin.keeps_time() {
        assert!(o.planned.is_some(), "fixed in time without a time");
    }
    assert_eq!(
        o.open_visit().is_some(),
        o.status == Status::OnSite,
        "open visit iff on site"
    );
    assert!(
        o.visits.iter().rev().skip(1).all(|v| !v.is_open()),
        "only the last visit may be open"
    );
    assert_eq!(
        o.sla.paused_since.is_some(),
        o.status == Status::Paused,
        "SLA paused iff paused"
    );
    assert_eq!(o.pause_reason.is_some(), o.status == Status::Paused);
    assert_eq!(
        o.resolution.is_some(),
        matches!(
            o.status,
            Status::Completed | Status::Confirmed | Status::Closed
        )
    );
    assert!(o.sla.paused_seconds >= 0);
    for (i, v) in o.visits.iter().enumerate() {
        assert_eq!(v.number as usize, i + 1);
        if let Some(out) = v.checked_out_at {
            assert!(out >= v.checked_in_at);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever happens, in whatever order and by whomever, every accepted step keeps the
    /// invariants, bumps the version by one, and every refused step leaves the order as it was.
    #[test]
    fn random_sequences_keep_the_invariants(steps in proptest::collection::vec((any_actor(), any_action(), 0i64..600), 1..60)) {
        let mut o = order();
        let mut minute = 0;
        let mut accepted = Vec::new();
        for (actor, action, gap) in steps {
            minute += gap;
            let before = o.clone();
            match act(&o, &actor, minute, action.clone()) {
                Ok(next) => {
                    prop_assert_eq!(next.version, before.version + 1);
                    prop_assert!(before.check(action.kind(), &actor).is_ok());
                    check_invariants(&next);
                    accepted.push((actor, action, minute));
                    o = next;
                }
                Err(_) => prop_assert_eq!(&o, &before),
            }
        }
        // Replaying the accepted actions reproduces the same order: what the server does with a
        // device's synced actions.
        let mut replay = order();
        for (actor, action, minute) in &accepted {
            replay = act(&replay, actor, *minute, action.clone()).expect("replay of an accepted action");
        }
        prop_assert_eq!(replay, o);
    }

    /// Closed and cancelled jobs only move by reopening (closed) or not at all (cancelled),
    /// apart from notes.
    #[test]
    fn terminal_states_are_terminal(actor in any_actor(), action in any_action()) {
        let desk = staff(Role::Dispatcher);
        let cancelled = act(&order(), &desk, 1, Action::Cancel { reason: "duplicate".into() }).unwrap();
        if let Ok(next) = act(&cancelled, &actor, 2, action.clone()) {
            prop_assert_eq!(action.kind(), ActionKind::AddNote);
            prop_assert_eq!(next.status, Status::Cancelled);
        }
    }
}
