//! What each step of a job tells the customer.

mod common;

use common::*;
use fixline_core::notify::{NoticeEvent, work_order_events};
use fixline_core::role::Role;
use fixline_core::work_order::{Action, ResolutionType};

#[test]
fn each_step_the_customer_cares_about_is_told_once_and_the_rest_are_not() {
    let new = order();
    assert_eq!(
        work_order_events(None, &new),
        [NoticeEvent::RequestReceived]
    );
    let desk = staff(Role::Dispatcher);
    let chen = engineer(1);
    let steps = [
        (
            &desk,
            Action::Assign {
                engineer: eng_id(1),
            },
            vec![NoticeEvent::EngineerAssigned],
        ),
        (&chen, Action::Accept, vec![]),
        (
            &chen,
            Action::AddNote {
                text: "客户要求先电话联系".into(),
            },
            vec![],
        ),
        (&chen, Action::StartTravel, vec![NoticeEvent::OnTheWay]),
        (
            &chen,
            Action::Arrive { position: None },
            vec![NoticeEvent::Arrived],
        ),
        (
            &chen,
            Action::Complete {
                resolution: ResolutionType::OnSiteRepair,
                summary: "更换启动继电器".into(),
                position: None,
                fault_code: None,
                cause_code: None,
                resolution_code: None,
            },
            vec![],
        ),
    ];
    let mut o = new;
    for (i, (actor, action, told)) in steps.into_iter().enumerate() {
        let next = act(&o, actor, 10 * (i as i64 + 1), action.clone()).unwrap();
        assert_eq!(work_order_events(Some(&o), &next), told, "{action:?}");
        o = next;
    }
    // Done is told with the receipt, which carries the survey link.
    let mut signed = o.clone();
    signed.receipt = Some(Box::new(receipt_record()));
    assert_eq!(
        work_order_events(Some(&o), &signed),
        [NoticeEvent::Completed]
    );
    assert_eq!(work_order_events(Some(&signed), &signed), []);
}

#[test]
fn a_late_engineer_and_a_fix_on_the_phone_are_told() {
    let desk = staff(Role::Dispatcher);
    let chen = engineer(1);
    let assigned = act(
        &order(),
        &desk,
        5,
        Action::Assign {
            engineer: eng_id(1),
        },
    )
    .unwrap();
    let accepted = act(&assigned, &chen, 6, Action::Accept).unwrap();
    let en_route = act(&accepted, &chen, 7, Action::StartTravel).unwrap();
    let mut late = en_route.clone();
    late.late_since = Some(t0());
    assert_eq!(
        work_order_events(Some(&en_route), &late),
        [NoticeEvent::Delayed]
    );
    assert_eq!(work_order_events(Some(&late), &late), [], "told once");
    // Still on the job before, and already past the window: told before setting off.
    let mut late_to_leave = accepted.clone();
    late_to_leave.late_since = Some(t0());
    assert_eq!(
        work_order_events(Some(&accepted), &late_to_leave),
        [NoticeEvent::Delayed]
    );

    let remote = act(
        &assigned,
        &desk,
        8,
        Action::ResolveRemotely {
            summary: "电话指导复位温控器".into(),
        },
    )
    .unwrap();
    assert_eq!(
        work_order_events(Some(&assigned), &remote),
        [NoticeEvent::Completed]
    );
}
