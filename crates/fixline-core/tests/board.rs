//! A live update applied to the console's board in place: only what it names changes.

mod common;

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use common::{eng_id, order, t0};
use fixline_core::board::{Board, BoardEngineer, BoardJob, BoardLane, BoardUpdate};
use fixline_core::engineer::{Engineer, EngineerDetails, EngineerStatus, ShiftPattern};
use fixline_core::ids::WorkOrderId;
use fixline_core::position::Position;
use fixline_core::zone::ServiceZone;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn engineer(n: u128, name: &str) -> BoardEngineer {
    BoardEngineer {
        engineer: Engineer {
            id: eng_id(n),
            user_id: None,
            details: EngineerDetails {
                name: name.into(),
                phone: "13800000000".into(),
                region: "西湖区".into(),
                skills: Vec::new(),
                certifications: Vec::new(),
                home_base: Position {
                    lat: 30.27,
                    lon: 120.13,
                },
                shift: ShiftPattern {
                    weekdays: vec![1, 2, 3, 4, 5],
                    start: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
                    end: NaiveTime::from_hms_opt(17, 30, 0).unwrap(),
                    break_minutes: 60,
                },
            },
            status: EngineerStatus::Available,
            last_position: None,
            updated_at: t0(),
            version: 1,
        },
        working: true,
        shift_start: t0(),
        shift_end: t0() + TimeDelta::hours(9),
    }
}

fn job(n: u128, number: &str) -> BoardJob {
    let mut work_order = order();
    work_order.id = WorkOrderId::from_uuid(common::id(n));
    work_order.number = number.into();
    BoardJob {
        work_order,
        customer: "西溪超市".into(),
        site: "门店".into(),
        city: "杭州".into(),
        region: "西湖区".into(),
        position: None,
    }
}

fn lane(n: u128, travel: f64) -> BoardLane {
    BoardLane {
        engineer: eng_id(n),
        blocks: Vec::new(),
        back_at: t0(),
        travel_minutes: travel,
    }
}

fn board() -> Board {
    Board {
        day: day(),
        time_zone: ServiceZone::SHANGHAI,
        utc_offset_minutes: 480,
        map: Default::default(),
        engineers: vec![engineer(1, "陈建国"), engineer(2, "王磊")],
        jobs: vec![job(11, "WO-000011"), job(12, "WO-000012")],
        lanes: vec![lane(1, 10.0), lane(2, 20.0)],
    }
}

#[test]
fn an_update_replaces_what_it_names_and_keeps_the_rest() {
    let mut shown = board();
    let mut changed = job(11, "WO-000011");
    changed.work_order.assignee = Some(eng_id(1));
    let mut chen = engineer(1, "陈建国");
    chen.engineer.status = EngineerStatus::Busy;
    let applied = shown.apply(BoardUpdate {
        day: day(),
        jobs: vec![changed.clone(), job(13, "WO-000013")],
        gone: vec![WorkOrderId::from_uuid(common::id(12))],
        engineers: vec![chen.clone()],
        lanes: vec![lane(1, 35.0)],
    });
    assert!(applied);
    assert_eq!(shown.jobs, vec![changed, job(13, "WO-000013")]);
    assert_eq!(shown.engineers[0], chen);
    assert_eq!(shown.engineers[1], engineer(2, "王磊"), "wang untouched");
    assert_eq!(shown.lane(eng_id(1)).unwrap().travel_minutes, 35.0);
    assert_eq!(shown.lane(eng_id(2)), Some(&lane(2, 20.0)));
}

#[test]
fn an_engineer_named_without_a_lane_has_stopped_working_that_day() {
    let mut shown = board();
    let mut wang = engineer(2, "王磊");
    wang.working = false;
    assert!(shown.apply(BoardUpdate {
        day: day(),
        engineers: vec![wang],
        ..BoardUpdate::default()
    }));
    assert!(shown.lane(eng_id(2)).is_none());
    assert!(!shown.engineers[1].working);
    assert_eq!(shown.jobs.len(), 2);
}

#[test]
fn an_update_for_another_day_changes_nothing() {
    let mut shown = board();
    let before = shown.clone();
    assert!(!shown.apply(BoardUpdate {
        day: day().succ_opt().unwrap(),
        gone: vec![WorkOrderId::from_uuid(common::id(11))],
        ..BoardUpdate::default()
    }));
    assert_eq!(shown, before);
}
