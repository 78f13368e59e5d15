//! The board's lanes: jobs laid out where the dispatcher put them, travel before each, and
//! every broken rule reported (none of them silently fixed).

use fixline_dispatch::timeline::{Conflict, Placed, lay_out};
use fixline_dispatch::travel::{Euclidean, Point};
use fixline_dispatch::{Engineer, Job, Pin};

/// Euclidean travel: one unit of distance is one minute, so the times below are exact.
fn engineer() -> Engineer {
    Engineer {
        key: "e1".into(),
        start: Point { x: 0.0, y: 0.0 },
        end: Point { x: 0.0, y: 0.0 },
        shift_start: 480.0,
        shift_end: 1020.0,
        break_minutes: 0.0,
        skills: vec![("refrigeration".into(), 3)],
        certifications: vec![],
        capacity: None,
    }
}

fn job(key: &str, x: f64) -> Job {
    Job {
        key: key.into(),
        at: Point { x, y: 0.0 },
        duration: 60.0,
        earliest: 0.0,
        latest: 1440.0,
        due: None,
        skill: None,
        certification: None,
        demand: 0.0,
        priority: 3,
        pin: Pin::Free,
    }
}

fn placed(job: Job, start: Option<f64>) -> Placed {
    Placed {
        job,
        planned_start: start,
    }
}

#[test]
fn jobs_are_drawn_in_time_order_with_the_travel_between_them() {
    let lane = lay_out(
        &engineer(),
        vec![
            placed(job("b", 30.0), Some(660.0)),
            placed(job("a", 20.0), Some(540.0)),
            placed(job("c", 10.0), None),
        ],
        &Euclidean,
    );
    let keys: Vec<&str> = lane.blocks.iter().map(|b| b.key.as_str()).collect();
    assert_eq!(keys, ["a", "b", "c"], "timed jobs by time, untimed after");
    let a = &lane.blocks[0];
    assert_eq!(
        (a.travel_minutes, a.arrival, a.start, a.end),
        (20.0, 500.0, 540.0, 600.0)
    );
    let b = &lane.blocks[1];
    assert_eq!((b.travel_minutes, b.start), (10.0, 660.0));
    let c = &lane.blocks[2];
    // As early as it can be reached after b.
    assert_eq!((c.travel_minutes, c.start), (20.0, 740.0));
    assert_eq!(lane.back_at, 810.0);
    assert_eq!(lane.travel_minutes, 60.0);
    assert_eq!(lane.conflicts().count(), 0);
}

#[test]
fn a_drop_that_breaks_rules_says_which() {
    let mut needs_skill = job("aircon", 5.0);
    needs_skill.skill = Some(("air_conditioning".into(), 2));
    needs_skill.certification = Some("refrigerant-handling".into());
    needs_skill.due = Some(540.0);
    let mut windowed = job("window", 5.0);
    windowed.earliest = 840.0;
    windowed.latest = 900.0;
    let lane = lay_out(
        &engineer(),
        vec![
            placed(job("first", 10.0), Some(500.0)),
            // Where "first" still runs, and too late for its SLA.
            placed(needs_skill, Some(530.0)),
            placed(windowed, Some(960.0)),
        ],
        &Euclidean,
    );
    let of = |key: &str| {
        lane.blocks
            .iter()
            .find(|b| b.key == key)
            .unwrap()
            .conflicts
            .clone()
    };
    let aircon = of("aircon");
    assert!(aircon.contains(&Conflict::SkillMissing {
        category: "air_conditioning".into(),
        level: 2
    }));
    assert!(aircon.contains(&Conflict::CertificationMissing {
        name: "refrigerant-handling".into()
    }));
    // "first" ends at 560, then 5 minutes of travel: there at 565, planned 530.
    assert!(aircon.contains(&Conflict::Overlap {
        with: Some("first".into()),
        minutes: 35.0
    }));
    assert!(
        aircon
            .iter()
            .any(|c| matches!(c, Conflict::SlaBreach { minutes } if *minutes == 25.0))
    );
    let windowed = of("window");
    assert!(windowed.contains(&Conflict::OutsideWindow));
    // 960 + 60 on site + 5 home = 1025: five minutes past the shift.
    assert!(windowed.contains(&Conflict::ShiftOver { minutes: 5.0 }));
    assert!(of("first").is_empty());
}

#[test]
fn a_job_under_way_stays_first_where_it_started() {
    let mut under_way = job("started", 40.0);
    under_way.pin = Pin::Started {
        engineer: "e1".into(),
    };
    under_way.earliest = 600.0;
    under_way.latest = 600.0;
    let lane = lay_out(
        &engineer(),
        vec![
            placed(job("later", 50.0), Some(480.0)),
            placed(under_way, None),
        ],
        &Euclidean,
    );
    assert_eq!(lane.blocks[0].key, "started");
    assert_eq!(
        (lane.blocks[0].start, lane.blocks[0].travel_minutes),
        (600.0, 0.0)
    );
    // The job the dispatcher put at 08:00 cannot happen then: the engineer is busy until 11:00.
    assert!(matches!(
        lane.blocks[1].conflicts.as_slice(),
        [Conflict::Overlap { with: Some(with), minutes }] if with == "started" && *minutes == 190.0
    ));
}

#[test]
fn starting_before_the_shift_is_a_conflict() {
    let lane = lay_out(
        &engineer(),
        vec![placed(job("early", 10.0), Some(420.0))],
        &Euclidean,
    );
    let conflicts = &lane.blocks[0].conflicts;
    assert!(conflicts.contains(&Conflict::BeforeShift { minutes: 60.0 }));
    // And the engineer cannot be there before the shift starts either.
    assert!(conflicts.contains(&Conflict::Overlap {
        with: None,
        minutes: 70.0
    }));
}

#[test]
fn a_day_packed_so_tight_there_is_no_break_says_so() {
    let mut e = engineer();
    e.break_minutes = 60.0;
    // 08:00–17:00 shift; jobs back to back with five minutes' travel leave no free hour.
    let packed: Vec<Placed> = (0..8)
        .map(|i| {
            placed(
                job(&format!("j{i}"), 5.0),
                Some(485.0 + f64::from(i) * 60.0),
            )
        })
        .collect();
    let lane = lay_out(&e, packed, &Euclidean);
    assert!(
        lane.conflicts()
            .any(|(_, c)| matches!(c, Conflict::NoBreak { minutes } if *minutes > 0.0)),
        "{:?}",
        lane.blocks.last().unwrap().conflicts
    );
    // With a free hour over lunch, the break fits.
    let relaxed: Vec<Placed> = (0..6)
        .map(|i| {
            let start = if i < 3 {
                485.0 + f64::from(i) * 60.0
            } else {
                725.0 + f64::from(i - 3) * 60.0
            };
            placed(job(&format!("j{i}"), 5.0), Some(start))
        })
        .collect();
    let lane = lay_out(&e, relaxed, &Euclidean);
    assert!(
        !lane
            .conflicts()
            .any(|(_, c)| matches!(c, Conflict::NoBreak { .. })),
        "{:?}",
        lane.blocks
    );
}
