//! The dispatcher's board for a day in one answer (open jobs with their places, engineers with
//! their shifts, each engineer's day laid out in time with travel and conflicts), and the check
//! the console asks before committing a drop.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use fixline_core::board::{
    Board, BoardEngineer, BoardJob, BoardLane, BoardUpdate, BoardUpdateRequest, LaneBlock,
    LaneConflict, MapTiles, PlacementAssessment, PlacementCheck,
};
use fixline_core::engineer::{Engineer, EngineerStatus};
use fixline_core::ids::{CustomerId, WorkOrderId};
use fixline_core::work_order::{Status, WorkOrder};
use fixline_core::zone::ServiceArea;
use fixline_dispatch::Pin;
use fixline_dispatch::timeline::{self, Conflict, Placed};
use fixline_dispatch::travel::GreatCircle;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, Query};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};
use crate::ops::planning::{self, DayClock, DispatchConfig};
use crate::store::Store;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(board))
        .routes(routes!(board_update))
        .routes(routes!(map_tiles))
        .routes(routes!(check))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// The local day to show.
    pub day: NaiveDate,
}

/// The board for a day: every open job (waiting and held) with its customer, site, region and
/// position; every engineer with their shift that day; and each engineer's jobs for the day in
/// time order with the travel before each and the rules broken (skill, shift, overlap, SLA,
/// window). Held jobs without a planned time are drawn as early as the engineer can get there.
#[utoipa::path(get, path = "/api/v1/dispatch/board", tag = "dispatch", params(BoardQuery),
    responses((status = 200, body = Board), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn board(
    State(state): State<AppState>,
    user: SignedIn,
    Query(query): Query<BoardQuery>,
) -> Result<axum::Json<Board>> {
    user.require_desk("see the dispatch board")?;
    let config = state.config().dispatch.clone();
    let area = state.config().service_area.clone();
    let now = state.now();
    let board = state
        .run(move |store| {
            let day = Day::load(store, &config, &area, query.day, now)?;
            let lanes = day.working().map(|e| day.lane(e, None)).collect::<Vec<_>>();
            let zone = day.clock.zone();
            Ok(Board {
                day: query.day,
                time_zone: zone,
                utc_offset_minutes: zone.offset_minutes(zone.day_start(query.day)),
                map: MapTiles {
                    tiles: config.map_tiles.clone(),
                    attribution: config.map_attribution.clone(),
                },
                engineers: day.engineers(),
                jobs: day.jobs,
                lanes,
            })
        })
        .await?;
    Ok(axum::Json(board))
}

/// The tiles the desk's maps are drawn on (the board's, the customer file's); an empty
/// template means a plain background.
#[utoipa::path(get, path = "/api/v1/dispatch/map", tag = "dispatch",
    responses((status = 200, body = MapTiles), (status = 403, body = ErrorBody)))]
async fn map_tiles(State(state): State<AppState>, user: SignedIn) -> Result<axum::Json<MapTiles>> {
    user.require_desk("see the map")?;
    let config = &state.config().dispatch;
    Ok(axum::Json(MapTiles {
        tiles: config.map_tiles.clone(),
        attribution: config.map_attribution.clone(),
    }))
}

/// The part of a day's board that live changes touched: the jobs named (those no longer open
/// listed as gone) and the engineers named with their lanes laid out again. The console asks
/// this after a change instead of the whole board.
#[utoipa::path(post, path = "/api/v1/dispatch/board/update", tag = "dispatch", request_body = BoardUpdateRequest,
    responses((status = 200, body = BoardUpdate), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn board_update(
    State(state): State<AppState>,
    user: SignedIn,
    Json(request): Json<BoardUpdateRequest>,
) -> Result<axum::Json<BoardUpdate>> {
    user.require_desk("see the dispatch board")?;
    if request.work_orders.len() + request.engineers.len() > 1000 {
        return Err(Error::bad_request(
            "too_many",
            "ask for at most 1000 jobs and engineers at once; load the board instead",
        ));
    }
    let config = state.config().dispatch.clone();
    let area = state.config().service_area.clone();
    let now = state.now();
    let update = state
        .run(move |store| {
            let day = Day::load(store, &config, &area, request.day, now)?;
            let jobs: Vec<BoardJob> = day
                .jobs
                .iter()
                .filter(|j| request.work_orders.contains(&j.work_order.id))
                .cloned()
                .collect();
            let gone = request
                .work_orders
                .iter()
                .filter(|id| !jobs.iter().any(|j| j.work_order.id == **id))
                .copied()
                .collect();
            let named = |e: &&Engineer| request.engineers.contains(&e.id);
            Ok(BoardUpdate {
                day: request.day,
                engineers: day
                    .engineers()
                    .into_iter()
                    .filter(|e| request.engineers.contains(&e.engineer.id))
                    .collect(),
                lanes: day
                    .working()
                    .filter(named)
                    .map(|e| day.lane(e, None))
                    .collect(),
                jobs,
                gone,
            })
        })
        .await?;
    Ok(axum::Json(update))
}

/// What a placement would break, before it is made: the engineer's lane for the day with the
/// job put at `start` (or as early as it can be reached), and its conflicts. Nothing changes.
#[utoipa::path(post, path = "/api/v1/dispatch/check", tag = "dispatch", request_body = PlacementCheck,
    responses((status = 200, body = PlacementAssessment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn check(
    State(state): State<AppState>,
    user: SignedIn,
    Json(request): Json<PlacementCheck>,
) -> Result<axum::Json<PlacementAssessment>> {
    user.require_desk("check a placement")?;
    let config = state.config().dispatch.clone();
    let area = state.config().service_area.clone();
    let now = state.now();
    let assessment = state
        .run(move |store| {
            let day = Day::load(store, &config, &area, request.day, now)?;
            let engineer = day
                .engineers
                .iter()
                .find(|e| e.id == request.engineer)
                .ok_or_else(|| Error::not_found("engineer", request.engineer))?;
            let job = day
                .jobs
                .iter()
                .find(|j| j.work_order.id == request.work_order)
                .ok_or_else(|| Error::not_found("open work order", request.work_order))?;
            let Some(position) = job.position else {
                return Err(Error::bad_request(
                    "no_position",
                    "the job's site has no position, so it cannot be placed in time",
                ));
            };
            // A job that cannot be on this day at all (its window or its fixed time is on
            // another) is told so, not dropped from the lane.
            planning::job(
                &day.clock,
                &day.config,
                now,
                &job.work_order,
                position,
                Pin::Free,
                false,
            )
            .map_err(|reason| not_on_day(day.clock.day, reason.sentence()))?;
            let lane = day.lane(engineer, Some((&job.work_order, request.start)));
            let placed = lane
                .blocks
                .iter()
                .find(|b| b.work_order == request.work_order)
                .ok_or_else(|| not_on_day(day.clock.day, "it does not fit on the day"))?;
            let mut conflicts = placed.conflicts.clone();
            // What the placement does to the engineer's other jobs.
            let before = day.lane(engineer, None);
            for block in lane
                .blocks
                .iter()
                .filter(|b| b.work_order != request.work_order)
            {
                let had = before
                    .blocks
                    .iter()
                    .find(|b| b.work_order == block.work_order)
                    .map_or(0, |b| b.conflicts.len());
                if block.conflicts.len() > had {
                    conflicts.extend(block.conflicts.iter().skip(had).cloned());
                }
            }
            if !day.works(engineer) {
                conflicts.insert(
                    0,
                    LaneConflict {
                        code: "off_duty".into(),
                        minutes: None,
                        detail: Some(engineer.details.name.clone()),
                    },
                );
            }
            Ok(PlacementAssessment {
                start: placed.start,
                end: placed.end,
                conflicts,
                lane,
            })
        })
        .await?;
    Ok(axum::Json(assessment))
}

/// A day's records, loaded once per request.
struct Day {
    clock: DayClock,
    config: DispatchConfig,
    now: chrono::DateTime<Utc>,
    engineers: Vec<Engineer>,
    jobs: Vec<BoardJob>,
}

fn not_on_day(day: NaiveDate, reason: &str) -> Error {
    Error::bad_request_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_on_this_day",
        format!("this job cannot be placed on {day}: {reason}"),
    )
}

impl Day {
    fn load(
        store: &dyn Store,
        config: &DispatchConfig,
        area: &ServiceArea,
        day: NaiveDate,
        now: chrono::DateTime<Utc>,
    ) -> Result<Day> {
        let (engineers, orders) = super::dispatch::load(store)?;
        let mut customers: HashMap<CustomerId, String> = HashMap::new();
        let mut jobs = Vec::with_capacity(orders.len());
        for wo in orders {
            let site = store.site(wo.site_id)?;
            let customer = match customers.get(&wo.customer_id) {
                Some(name) => name.clone(),
                None => {
                    let name = store.customer_file(wo.customer_id)?.customer.details.name;
                    customers.insert(wo.customer_id, name.clone());
                    name
                }
            };
            jobs.push(BoardJob {
                customer,
                site: site.details.name,
                city: site.details.city,
                region: site.details.region,
                position: site.details.position,
                work_order: wo,
            });
        }
        let clock = DayClock::new(day, area)?;
        Ok(Day {
            clock,
            config: config.clone(),
            now,
            engineers,
            jobs,
        })
    }

    fn works(&self, e: &Engineer) -> bool {
        e.details.shift.works_on(self.clock.day) && e.status != EngineerStatus::Unavailable
    }

    fn working(&self) -> impl Iterator<Item = &Engineer> {
        self.engineers.iter().filter(|e| self.works(e))
    }

    fn engineers(&self) -> Vec<BoardEngineer> {
        self.engineers
            .iter()
            .map(|e| BoardEngineer {
                engineer: e.clone(),
                working: self.works(e),
                shift_start: self
                    .clock
                    .at(self.clock.local(&e.details.region, e.details.shift.start)),
                shift_end: self
                    .clock
                    .at(self.clock.local(&e.details.region, e.details.shift.end)),
            })
            .collect()
    }

    /// Whether a held job belongs on this day's lane: planned that day, under way today (the
    /// local today), or held without a time (it still has to be done).
    fn on_this_day(&self, wo: &WorkOrder) -> bool {
        match (wo.status, wo.planned) {
            (Status::EnRoute | Status::OnSite | Status::Paused, _) => self.clock.contains(self.now),
            (_, Some(slot)) => self.clock.contains(slot.start),
            (_, None) => true,
        }
    }

    /// The engineer's lane; `candidate` puts one more job on it (taken off wherever it was) at
    /// a start time, or as early as it can be reached.
    fn lane(
        &self,
        engineer: &Engineer,
        candidate: Option<(&WorkOrder, Option<chrono::DateTime<Utc>>)>,
    ) -> BoardLane {
        let moving = candidate.map(|(wo, _)| wo.id);
        let mut placed = Vec::new();
        let held = self.jobs.iter().filter(|j| {
            j.work_order.assignee == Some(engineer.id)
                && Some(j.work_order.id) != moving
                && self.on_this_day(&j.work_order)
        });
        for j in held {
            let wo = &j.work_order;
            let started = matches!(wo.status, Status::EnRoute | Status::OnSite | Status::Paused);
            let pin = match started {
                true => Pin::Started {
                    engineer: engineer.id.to_string(),
                },
                false => Pin::Free,
            };
            let start = wo.planned.map(|s| self.clock.minutes(s.start));
            if let Some(p) = self.placed(j, pin, start) {
                placed.push(p);
            }
        }
        if let Some((wo, start)) = candidate
            && let Some(j) = self.jobs.iter().find(|j| j.work_order.id == wo.id)
            && let Some(p) = self.placed(j, Pin::Free, start.map(|s| self.clock.minutes(s)))
        {
            placed.push(p);
        }
        let travel = GreatCircle {
            speed_kmh: self.config.speed_kmh,
            detour: self.config.detour,
        };
        let lane = timeline::lay_out(&planning::engineer(&self.clock, engineer), placed, &travel);
        BoardLane {
            engineer: engineer.id,
            blocks: lane
                .blocks
                .into_iter()
                .filter_map(|b| {
                    Some(LaneBlock {
                        work_order: b.key.parse::<WorkOrderId>().ok()?,
                        travel_minutes: b.travel_minutes,
                        travel_km: b.travel_km,
                        arrival: self.clock.at(b.arrival),
                        start: self.clock.at(b.start),
                        end: self.clock.at(b.end),
                        conflicts: b.conflicts.iter().map(|c| self.conflict(c)).collect(),
                    })
                })
                .collect(),
            back_at: self.clock.at(lane.back_at),
            travel_minutes: lane.travel_minutes,
        }
    }

    fn placed(&self, j: &BoardJob, pin: Pin, start: Option<f64>) -> Option<Placed> {
        let position = j.position?;
        let job = planning::job(
            &self.clock,
            &self.config,
            self.now,
            &j.work_order,
            position,
            pin,
            false,
        )
        .ok()?;
        Some(Placed {
            job,
            planned_start: start,
        })
    }

    fn conflict(&self, c: &Conflict) -> LaneConflict {
        let (code, minutes, detail) = match c {
            Conflict::SkillMissing { category, level } => {
                ("skill_missing", None, Some(format!("{category} ≥ {level}")))
            }
            Conflict::CertificationMissing { name } => {
                ("certification_missing", None, Some(name.clone()))
            }
            Conflict::BeforeShift { minutes } => ("before_shift", Some(*minutes), None),
            Conflict::ShiftOver { minutes } => ("shift_over", Some(*minutes), None),
            Conflict::Overlap { with, minutes } => (
                "overlap",
                Some(*minutes),
                with.as_ref().map(|key| self.number(key)),
            ),
            Conflict::SlaBreach { minutes } => ("sla_breach", Some(*minutes), None),
            Conflict::OutsideWindow => ("outside_window", None, None),
            Conflict::NoBreak { minutes } => ("no_break", Some(*minutes), None),
        };
        LaneConflict {
            code: code.to_owned(),
            minutes: minutes.map(|m| m.round()),
            detail,
        }
    }

    /// A job's number for people, from its key.
    fn number(&self, key: &str) -> String {
        self.jobs
            .iter()
            .find(|j| j.work_order.id.to_string() == key)
            .map_or_else(|| key.to_owned(), |j| j.work_order.number.clone())
    }
}
