//! Offline actions meeting a server that moved on: a table of replay cases, field ownership as a
//! property, the device's rebase, retry delays, and the sync wire format frozen as JSON.

use chrono::TimeDelta;
use fixline_core::ids::{ActionId, ConflictId, WorkOrderId};
use fixline_core::position::Position;
use fixline_core::role::{Actor, Role};
use fixline_core::sla::SlaPolicy;
use fixline_core::sync::{
    ConflictKind, DeviceAction, PullRecord, PushOutcome, PushResult, Replay, Standing, SyncCursor,
    rebase, replay, retry_delay,
};
use fixline_core::work_order::{
    Action, ActionContext, HistoryEvent, PauseReason, Priority, ResolutionType, Status, WorkOrder,
};
use fixline_core::{Error, ErrorCode};
use proptest::prelude::*;
use uuid::Uuid;

mod common;
use common::*;

/// A job assigned to engineer 1 and accepted, at version 4.
fn accepted() -> WorkOrder {
    let desk = staff(Role::Dispatcher);
    let mut o = order();
    o = act(
        &o,
        &desk,
        1,
        Action::Triage {
            category: None,
            priority: None,
            requirements: None,
        },
    )
    .unwrap();
    o = act(
        &o,
        &desk,
        2,
        Action::Assign {
            engineer: eng_id(1),
        },
    )
    .unwrap();
    act(&o, &engineer(1), 3, Action::Accept).unwrap()
}

fn device_action(base: &WorkOrder, minutes: i64, action: Action) -> DeviceAction {
    DeviceAction {
        id: ActionId::from_uuid(Uuid::from_u128(5000 + minutes as u128)),
        work_order: base.id,
        base_version: base.version,
        at: t0() + TimeDelta::minutes(minutes),
        action,
    }
}

const UNTOUCHED: Standing = Standing {
    held_job: true,
    changed_by_others: false,
};
const MOVED: Standing = Standing {
    held_job: true,
    changed_by_others: true,
};
const STRANGER: Standing = Standing {
    held_job: false,
    changed_by_others: true,
};

fn run(current: &WorkOrder, a: &DeviceAction, actor: &Actor, standing: Standing) -> Replay {
    let policy = SlaPolicy::default();
    let codes = fixline_core::fault_code::CodeBook::builtin();
    let ctx = ActionContext {
        actor,
        at: a.at,
        policy: &policy,
        codes: &codes,
    };
    replay(current, a, &ctx, standing)
}

#[test]
fn replay_cases() {
    let chen = engineer(1);
    let desk = staff(Role::Dispatcher);
    let base = accepted();
    let travel = device_action(&base, 10, Action::StartTravel);
    let here = Position::new(30.2741, 120.1551).unwrap();

    // Nothing changed on the server: applied with the device's time.
    match run(&base, &travel, &chen, UNTOUCHED) {
        Replay::Applied(next) => {
            assert_eq!(next.status, Status::EnRoute);
            assert_eq!(next.updated_at, travel.at);
        }
        other => panic!("expected applied, got {other:?}"),
    }

    // The desk raised the priority meanwhile: the engineer's action still applies, and the
    // desk's field keeps the desk's value.
    let raised = act(
        &base,
        &desk,
        5,
        Action::Triage {
            category: None,
            priority: Some(Priority::P1),
            requirements: None,
        },
    );
    assert!(
        raised.is_err(),
        "triage is not allowed once accepted; use a note to move the version"
    );
    let noted = act(
        &base,
        &desk,
        5,
        Action::AddNote {
            text: "customer called again".into(),
        },
    )
    .unwrap();
    match run(&noted, &travel, &chen, MOVED) {
        Replay::Applied(next) => {
            assert_eq!(next.status, Status::EnRoute);
            assert_eq!(next.notes.len(), 1, "the desk's note is kept");
        }
        other => panic!("expected applied, got {other:?}"),
    }

    // Reassigned while the engineer worked offline: their check-in is kept as a note.
    let wang = engineer(2);
    let reassigned = act(
        &base,
        &desk,
        5,
        Action::Assign {
            engineer: eng_id(2),
        },
    )
    .unwrap();
    let arrive = device_action(
        &base,
        40,
        Action::Arrive {
            position: Some(here),
        },
    );
    match run(&reassigned, &arrive, &chen, MOVED) {
        Replay::Conflict {
            kind,
            message,
            kept,
        } => {
            assert_eq!(kind, ConflictKind::Reassigned);
            assert!(message.contains("reassigned"), "{message}");
            assert_eq!(
                kept.assignee,
                Some(eng_id(2)),
                "the desk's assignment stands"
            );
            assert_eq!(kept.version, reassigned.version + 1);
            let note = &kept.notes.last().unwrap().text;
            assert!(
                note.contains("30.27410, 120.15510"),
                "position kept: {note}"
            );
            assert_eq!(kept.notes.last().unwrap().at, arrive.at, "device time kept");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    // ... but someone who never held the job is simply refused, without learning its state.
    assert!(matches!(
        run(&reassigned, &arrive, &wang, STRANGER),
        Replay::Rejected(Error::NotAssignee { .. })
    ));

    // Cancelled by the desk: the completion summary survives as a note.
    let cancelled = act(
        &base,
        &desk,
        5,
        Action::Cancel {
            reason: "customer fixed it".into(),
        },
    )
    .unwrap();
    let complete = device_action(
        &base,
        30,
        Action::Complete {
            resolution: ResolutionType::RemoteGuidance,
            summary: "reset the controller by phone".into(),
            position: None,
            fault_code: None,
            cause_code: None,
            resolution_code: None,
        },
    );
    match run(&cancelled, &complete, &chen, MOVED) {
        Replay::Conflict { kind, kept, .. } => {
            assert_eq!(kind, ConflictKind::Cancelled);
            assert_eq!(kept.status, Status::Cancelled);
            assert!(
                kept.notes
                    .last()
                    .unwrap()
                    .text
                    .contains("reset the controller by phone")
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }

    // Paused by the desk: superseded.
    let paused = act(
        &base,
        &desk,
        5,
        Action::Pause {
            reason: PauseReason::AwaitingParts,
            note: None,
        },
    )
    .unwrap();
    assert!(matches!(
        run(&paused, &travel, &chen, MOVED),
        Replay::Conflict {
            kind: ConflictKind::Superseded,
            ..
        }
    ));

    // Nobody else changed the job, yet illegal: the action is wrong in itself.
    let early_arrive = device_action(&base, 9, Action::Arrive { position: None });
    match run(&base, &early_arrive, &chen, UNTOUCHED) {
        Replay::Rejected(e) => assert_eq!(e.code(), ErrorCode::IllegalTransition),
        other => panic!("expected rejected, got {other:?}"),
    }

    // Bad input is refused even when the job moved on.
    let empty = device_action(&base, 9, Action::AddNote { text: "   ".into() });
    match run(&reassigned, &empty, &chen, MOVED) {
        Replay::Rejected(e) => assert_eq!(e.code(), ErrorCode::Invalid),
        other => panic!("expected rejected, got {other:?}"),
    }
}

/// What a store writes for each replay: the device's answer, the job's next version with its
/// history line dated when the engineer acted, and the conflict for the dispatcher.
#[test]
fn a_replay_settles_into_the_answer_the_revision_and_the_conflict() {
    let chen = engineer(1);
    let desk = staff(Role::Dispatcher);
    let base = accepted();
    let now = t0() + TimeDelta::hours(2);
    let conflict_id = ConflictId::from_uuid(Uuid::from_u128(77));
    let travel = device_action(&base, 10, Action::StartTravel);

    let eta = t0() + TimeDelta::minutes(40);
    let applied = run(&base, &travel, &chen, UNTOUCHED)
        .expecting(Some(eta))
        .settle(&travel, &chen, conflict_id, now);
    let revision = applied.change.expect("an applied step is written");
    assert_eq!(
        applied.outcome,
        PushOutcome::Applied {
            version: base.version + 1
        }
    );
    assert_eq!(revision.next.eta, Some(eta));
    assert_eq!(revision.entry.version, revision.next.version);
    assert_eq!(
        revision.entry.at, travel.at,
        "the history keeps the device's time"
    );
    assert_eq!(
        revision.entry.event,
        HistoryEvent::Action {
            action: Action::StartTravel
        }
    );
    assert!(applied.conflict.is_none());

    let reassigned = act(
        &base,
        &desk,
        5,
        Action::Assign {
            engineer: eng_id(2),
        },
    )
    .unwrap();
    let clash = run(&reassigned, &travel, &chen, MOVED)
        .expecting(Some(eta))
        .settle(&travel, &chen, conflict_id, now);
    let conflict = clash.conflict.expect("a clash is reported");
    assert!(
        matches!(clash.outcome, PushOutcome::Conflict { conflict, .. } if conflict == conflict_id)
    );
    assert_eq!(conflict.work_order, base.id);
    assert_eq!((conflict.acted_at, conflict.recorded_at), (travel.at, now));
    let kept = clash.change.expect("the engineer's work is kept as a note");
    assert_eq!(kept.next.version, reassigned.version + 1);
    assert_ne!(
        kept.next.eta,
        Some(eta),
        "an estimate goes only with an applied step"
    );
    assert!(matches!(
        kept.entry.event,
        HistoryEvent::OfflineConflict { .. }
    ));

    let early = device_action(&base, 9, Action::Arrive { position: None });
    let refused = run(&base, &early, &chen, UNTOUCHED).settle(&early, &chen, conflict_id, now);
    assert!(refused.change.is_none() && refused.conflict.is_none());
    assert!(matches!(
        refused.outcome,
        PushOutcome::Rejected { ref code, .. } if code == "illegal_transition"
    ));
}

#[test]
fn rebase_applies_pending_actions_and_skips_what_no_longer_fits() {
    let chen = engineer(1);
    let base = accepted();
    let policy = SlaPolicy::default();
    let pending = [
        device_action(&base, 10, Action::StartTravel),
        device_action(&base, 11, Action::StartTravel), // a double tap: no longer fits, skipped
        device_action(&base, 40, Action::Arrive { position: None }),
    ];
    let codes = fixline_core::fault_code::CodeBook::builtin();
    let ctx = |a: &DeviceAction| ActionContext {
        actor: &chen,
        at: a.at,
        policy: &policy,
        codes: &codes,
    };
    let shown = rebase(&base, pending.iter(), ctx);
    assert_eq!(shown.status, Status::OnSite);
    assert_eq!(shown.visits.len(), 1);
    assert_eq!(shown.visits[0].checked_in_at, pending[2].at);
    // Another job's actions are ignored.
    let mut other = base.clone();
    other.id = WorkOrderId::from_uuid(Uuid::from_u128(77));
    assert_eq!(rebase(&other, pending.iter(), ctx), other);
}

#[test]
fn retry_delay_doubles_and_is_capped() {
    assert_eq!(retry_delay(0), TimeDelta::seconds(2));
    assert_eq!(retry_delay(1), TimeDelta::seconds(2));
    assert_eq!(retry_delay(3), TimeDelta::seconds(8));
    assert_eq!(retry_delay(9), TimeDelta::minutes(5));
    assert_eq!(retry_delay(u32::MAX), TimeDelta::minutes(5));
}

/// Old app versions in the field speak this JSON: changing it breaks them.
#[test]
fn wire_format_is_frozen() {
    let base = accepted();
    let a = device_action(
        &base,
        10,
        Action::Pause {
            reason: PauseReason::AwaitingParts,
            note: None,
        },
    );
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::json!({
            "id": "00000000-0000-0000-0000-000000001392",
            "work_order": "00000000-0000-0000-0000-000000000001",
            "base_version": 4,
            "at": "2026-11-25T01:10:00Z",
            "action": {"action": "pause", "reason": "awaiting_parts", "note": null}
        })
    );
    let result = PushResult {
        id: a.id,
        outcome: PushOutcome::Rejected {
            code: "illegal_transition".into(),
            message: "no".into(),
        },
        work_order: None,
    };
    assert_eq!(
        serde_json::to_value(&result).unwrap(),
        serde_json::json!({
            "id": "00000000-0000-0000-0000-000000001392",
            "outcome": "rejected", "code": "illegal_transition", "message": "no",
            "work_order": null
        })
    );
    let removed = PullRecord::WorkOrderRemoved {
        id: base.id,
        reason: "reassigned".into(),
    };
    assert_eq!(
        serde_json::to_value(&removed).unwrap(),
        serde_json::json!({"record": "work_order_removed",
            "id": "00000000-0000-0000-0000-000000000001", "reason": "reassigned"})
    );
    assert_eq!(
        serde_json::to_value(SyncCursor::START).unwrap(),
        serde_json::json!({"mode": "snapshot", "upto": -1, "phase": "work_orders", "after": null, "done": 0})
    );
    let record = PullRecord::WorkOrder(Box::new(base.clone()));
    let back: PullRecord = serde_json::from_value(serde_json::to_value(&record).unwrap()).unwrap();
    assert_eq!(back, record);
    // Every record kind round-trips, including those whose own fields are called `kind`.
    let conflict = PullRecord::Conflict(fixline_core::sync::SyncConflict {
        id: fixline_core::ids::ConflictId::from_uuid(Uuid::from_u128(9)),
        action_id: a.id,
        work_order: base.id,
        work_order_number: base.number.clone(),
        engineer: None,
        kind: ConflictKind::Cancelled,
        message: "m".into(),
        action: a.action.clone(),
        acted_at: a.at,
        recorded_at: a.at,
    });
    let back: PullRecord =
        serde_json::from_value(serde_json::to_value(&conflict).unwrap()).unwrap();
    assert_eq!(back, conflict);
}

fn engineer_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Accept),
        Just(Action::StartTravel),
        Just(Action::Arrive { position: None }),
        Just(Action::Resume),
        Just(Action::Pause {
            reason: PauseReason::AwaitingCustomer,
            note: Some("not home".into())
        }),
        Just(Action::Complete {
            resolution: ResolutionType::OnSiteRepair,
            summary: "replaced the fan".into(),
            position: None,
            fault_code: None,
            cause_code: None,
            resolution_code: None,
        }),
        Just(Action::AddNote {
            text: "serial plate photographed".into()
        }),
    ]
}

#[test]
fn an_action_is_known_by_everything_it_says_and_never_dated_before_its_job() {
    let base = accepted();
    let note = device_action(&base, 10, Action::AddNote { text: "E1".into() });
    assert_eq!(note.digest(), note.clone().digest());
    assert_eq!(note.digest().len(), 64);
    let other_text = DeviceAction {
        action: Action::AddNote { text: "E2".into() },
        ..note.clone()
    };
    let other_job = DeviceAction {
        work_order: WorkOrderId::from_uuid(Uuid::from_u128(77)),
        ..note.clone()
    };
    assert_ne!(note.digest(), other_text.digest());
    assert_ne!(note.digest(), other_job.digest());

    let skew = TimeDelta::minutes(10);
    assert!(note.check_not_before(&base, skew).is_ok());
    let slow_clock = DeviceAction {
        at: base.created_at - TimeDelta::minutes(9),
        ..note.clone()
    };
    assert!(slow_clock.check_not_before(&base, skew).is_ok());
    let year_one = DeviceAction {
        at: "0001-01-01T00:00:00Z".parse().unwrap(),
        ..note
    };
    let e = year_one.check_not_before(&base, skew).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Invalid);
    assert!(e.to_string().contains("before the job was logged"), "{e}");
}

#[test]
fn an_action_is_never_dated_before_the_engineers_device_registered() {
    let base = accepted();
    let note = device_action(&base, 10, Action::AddNote { text: "E1".into() });
    let skew = TimeDelta::minutes(10);
    assert!(
        note.check_after_registration(None, skew).is_ok(),
        "no device registered: only the job's bound"
    );
    assert!(
        note.check_after_registration(Some(note.at + TimeDelta::minutes(9)), skew)
            .is_ok(),
        "within the allowed skew"
    );
    let e = note
        .check_after_registration(Some(note.at + TimeDelta::minutes(11)), skew)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Invalid);
    assert!(e.to_string().contains("device was registered"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// An engineer's actions (other than giving the job back) never write a desk-owned field,
    /// which is why they can be replayed on top of the desk's changes.
    #[test]
    fn engineer_actions_never_write_desk_fields(actions in prop::collection::vec(engineer_action(), 1..12)) {
        let chen = engineer(1);
        let mut o = accepted();
        for (i, action) in actions.iter().enumerate() {
            if let Ok(next) = act(&o, &chen, 10 + i as i64, action.clone()) {
                prop_assert_eq!(next.priority, o.priority);
                prop_assert_eq!(&next.category, &o.category);
                prop_assert_eq!(next.requested_window, o.requested_window);
                prop_assert_eq!(next.assignee, o.assignee);
                prop_assert_eq!(next.tier, o.tier);
                o = next;
            }
        }
    }
}
