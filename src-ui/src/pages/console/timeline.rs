//! The board: one lane per engineer working the day, time running left to right, each job a
//! block where it is planned with its travel drawn as a gap before it. Dropping a job on a lane
//! places it at the time under the pointer (rounded to a quarter hour); clicking a block opens
//! its detail. Lanes are keyed by engineer and redraw only when their own day changes.

use chrono::{DateTime, Duration, Timelike, Utc};
use fixline_core::board::{Board, BoardEngineer, BoardJob, BoardLane};
use fixline_core::engineer::EngineerStatus;
use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::work_order::DispatchPin;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{Desk, clock, conflict_text};
use crate::format;
use crate::i18n::{Text, lang, tr};

/// The hours the board shows: an hour either side of the earliest and latest shift.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Span {
    from: DateTime<Utc>,
    minutes: f64,
}

impl Span {
    fn of(board: &Board) -> Span {
        let zone = board.time_zone;
        let working = board.engineers.iter().filter(|e| e.working);
        let first = working.clone().map(|e| e.shift_start).min();
        let last = working.map(|e| e.shift_end).max();
        let midnight = zone.day_start(board.day);
        let from = first.map_or(midnight + Duration::hours(7), |t| t - Duration::hours(1));
        let to = last.map_or(midnight + Duration::hours(20), |t| t + Duration::hours(1));
        // Whole hours, so the ticks fall on the hour.
        let from = from - Duration::minutes(i64::from(zone.local(from).minute()));
        Span {
            from,
            minutes: ((to - from).num_minutes() as f64).max(60.0),
        }
    }

    /// Left edge of `t`, in percent of the track.
    fn at(&self, t: DateTime<Utc>) -> f64 {
        ((t - self.from).num_seconds() as f64 / 60.0 / self.minutes * 100.0).clamp(0.0, 100.0)
    }

    fn width(&self, minutes: f64) -> f64 {
        (minutes / self.minutes * 100.0).max(0.4)
    }

    /// The time at a fraction of the track, to the quarter hour.
    fn time_at(&self, fraction: f64) -> DateTime<Utc> {
        let minutes = (fraction.clamp(0.0, 1.0) * self.minutes / 15.0).round() * 15.0;
        self.from + Duration::minutes(minutes as i64)
    }
}

#[component]
pub fn Timeline() -> impl IntoView {
    let desk = expect_context::<Desk>();
    // Where the pointer went down on a block: a release close by is a click, not a move.
    let press = StoredValue::new(None::<(WorkOrderId, i32)>);
    // The hours shown, and who has a lane: each redraws only when it changes, so a live change
    // to one engineer's day redraws that lane alone.
    let span = Memo::new(move |_| {
        desk.board
            .with(|b| b.as_ref().and_then(|b| b.as_ref().ok()).map(Span::of))
    });
    let working = Memo::new(move |_| {
        desk.board.with(|b| match b {
            Some(Ok(b)) => b
                .engineers
                .iter()
                .filter(|e| e.working)
                .map(|e| e.engineer.id)
                .collect(),
            _ => Vec::new(),
        })
    });
    view! {
        <div class="board" id="board">
            {move || span.get().map(|span| {
                let zone = desk.zone();
                let hours = (span.minutes / 60.0).floor() as i64;
                view! {
                    <div class="ticks">
                        {(0..=hours).map(|h| {
                            let t = span.from + Duration::hours(h);
                            view! { <span class="tick" style=format!("left:{:.3}%", span.at(t))>{clock(t, zone)}</span> }
                        }).collect_view()}
                    </div>
                }
            })}
            <For each=move || working.get() key=|id| *id let:engineer>
                <Lane engineer span press/>
            </For>
        </div>
    }
}

/// What one lane draws: its engineer, their day, and the jobs on it.
type LaneData = (BoardEngineer, BoardLane, Vec<Option<BoardJob>>);

#[component]
fn Lane(
    engineer: EngineerId,
    span: Memo<Option<Span>>,
    press: StoredValue<Option<(WorkOrderId, i32)>>,
) -> impl IntoView {
    let desk = expect_context::<Desk>();
    let lang = lang();
    let data = Memo::new(move |_| -> Option<LaneData> {
        desk.board.with(|b| {
            let b = b.as_ref()?.as_ref().ok()?;
            let e = b.engineers.iter().find(|e| e.engineer.id == engineer)?;
            let lane = b.lane(engineer).cloned().unwrap_or(BoardLane {
                engineer,
                blocks: Vec::new(),
                back_at: e.shift_start,
                travel_minutes: 0.0,
            });
            let jobs = lane
                .blocks
                .iter()
                .map(|l| b.job(l.work_order).cloned())
                .collect();
            Some((e.clone(), lane, jobs))
        })
    });
    view! {
        <div class="lane" data-engineer=engineer.to_string()>
            {move || {
                let span = span.get()?;
                let (e, lane, jobs) = data.get()?;
                let zone = desk.zone();
                let drop = move |ev: web_sys::PointerEvent| {
                    let Some(w) = desk.dragging.get_untracked() else { return };
                    desk.dragging.set(None);
                    if let Some((pressed, x)) = press.get_value()
                        && pressed == w
                        && (ev.client_x() - x).abs() < 5
                    {
                        press.set_value(None);
                        desk.selected.set(Some(w));
                        return;
                    }
                    let Some(track) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
                    let rect = track.get_bounding_client_rect();
                    let fraction = (f64::from(ev.client_x()) - rect.left()) / rect.width().max(1.0);
                    desk.place(w, engineer, Some(span.time_at(fraction)));
                };
                let status = match e.engineer.status {
                    EngineerStatus::Unavailable => "unavailable",
                    _ => "",
                };
                let travel = lane.travel_minutes;
                Some(view! {
                    <header>
                        <strong>{e.engineer.details.name.clone()}</strong>" · "{e.engineer.details.region.clone()}
                        <span class="muted">" "{status}" · "{move || crate::format::minutes(travel, lang.get())}" "{tr(Text::Travel)}</span>
                        <button class="off-sick small" on:click=move |_| desk.propose(Some(fixline_core::board::Scenario::EngineerOff { engineer }))>{tr(Text::OffSick)}</button>
                    </header>
                    <div class="track" on:pointerup=drop>
                        {lane.blocks.iter().zip(jobs).map(|(b, job)| {
                            let id = b.work_order;
                            let number = job.as_ref().map(|j| j.work_order.number.clone()).unwrap_or_default();
                            let (status, pinned, late) = job.as_ref().map_or(("", false, false), |j| (
                                j.work_order.status.as_str(),
                                j.work_order.pin != DispatchPin::None,
                                j.work_order.late_since.is_some(),
                            ));
                            let label = number.clone();
                            let minutes = (b.end - b.start).num_minutes() as f64;
                            let travel_left = span.at(b.start) - span.width(b.travel_minutes);
                            let warnings: Vec<String> = b.conflicts.iter().map(|c| conflict_text(c, lang.get_untracked())).collect();
                            let class = format!("block{}{}", if warnings.is_empty() { "" } else { " conflict" }, if late { " late" } else { "" });
                            view! {
                                <div class="travel" style=format!("left:{:.3}%;width:{:.3}%", travel_left.max(0.0), span.width(b.travel_minutes))
                                    title=format!("{} · {:.1} km", crate::format::minutes(b.travel_minutes, lang.get_untracked()), b.travel_km)></div>
                                <div class=class data-number=number.clone() data-status=status
                                    style=format!("left:{:.3}%;width:{:.3}%", span.at(b.start), span.width(minutes))
                                    title=warnings.join("\n") tabindex="0" role="button"
                                    on:keydown=move |ev| { if crate::format::activates(&ev) { desk.selected.set(Some(id)) } }
                                    on:pointerdown=move |ev: web_sys::PointerEvent| {
                                        press.set_value(Some((id, ev.client_x())));
                                        desk.dragging.set(Some(id));
                                    }>
                                    {pinned.then_some("📌")}
                                    <strong>{label}</strong>" "{clock(b.start, zone)}
                                    {(!warnings.is_empty()).then(|| view! { <span class="warn">" ⚠"{warnings.len()}</span> })}
                                    <span class="block-status">" "{job.map(|j| format::status(j.work_order.status, lang.get_untracked()))}</span>
                                </div>
                            }
                        }).collect_view()}
                    </div>
                })
            }}
        </div>
    }
}
