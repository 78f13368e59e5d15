//! The dispatcher's console: the queue of waiting jobs (most at risk first, filtered by region,
//! skill, priority, channel and text), one lane per engineer laid out in time with the travel
//! before each job, the map of engineers and jobs, and the optimiser's proposals. A drop (or the
//! keyboard picker) is checked by the server first; conflicts are shown before anything is
//! committed. Live: a change on the server updates the jobs and lanes it touched, in place.

mod detail;
mod map;
mod proposal;
mod queue;
mod timeline;

use chrono::{DateTime, NaiveDate, Utc};
use fixline_core::board::{Board, LaneConflict, PlacementCheck, Scenario};
use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::work_order::PlannedSlot;
use fixline_core::zone::ServiceZone;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{ProposedPlan, UiError, backend};
use crate::i18n::{Lang, Text, lang, tr};
use crate::shell::shell;
use fixline_api::live::{Change, Entity};

/// A drop that breaks rules, waiting for the dispatcher to confirm or cancel it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub work_order: WorkOrderId,
    pub engineer: EngineerId,
    pub slot: PlannedSlot,
    pub conflicts: Vec<LaneConflict>,
}

/// The console's shared state; every part of the page reads and changes it through this.
#[derive(Clone, Copy)]
pub struct Desk {
    pub board: RwSignal<Option<Result<Board, UiError>>>,
    pub day: RwSignal<String>,
    pub dragging: RwSignal<Option<WorkOrderId>>,
    pub proposal: RwSignal<Option<ProposedPlan>>,
    pub pending: RwSignal<Option<Pending>>,
    pub selected: RwSignal<Option<WorkOrderId>>,
    /// The optimiser is working on a plan (it takes seconds on a big day).
    pub planning: RwSignal<bool>,
    /// Live changes not yet on the board: gathered for a moment, then fetched in one update.
    live: StoredValue<LiveBatch>,
}

/// What live changes touched since the board was last brought up to date.
#[derive(Debug, Default)]
struct LiveBatch {
    /// An update is on its way (the batch closes when it leaves).
    due: bool,
    work_orders: Vec<WorkOrderId>,
    engineers: Vec<EngineerId>,
    /// Something the board cannot update by parts (a customer or site renamed or moved, an
    /// unreadable event): load it whole.
    whole: bool,
}

impl LiveBatch {
    fn add(&mut self, change: Option<Change>) {
        let Some(c) = change else {
            self.whole = true;
            return;
        };
        let mut engineer = |e: EngineerId| {
            if !self.engineers.contains(&e) {
                self.engineers.push(e);
            }
        };
        match c.entity {
            Entity::WorkOrder => {
                c.engineer_id.into_iter().for_each(&mut engineer);
                c.previous_engineer_id.into_iter().for_each(&mut engineer);
                let id = WorkOrderId::from_uuid(c.entity_id);
                if !self.work_orders.contains(&id) {
                    self.work_orders.push(id);
                }
            }
            Entity::Engineer => engineer(EngineerId::from_uuid(c.entity_id)),
            Entity::Customer | Entity::Site => self.whole = true,
            // Not on the board.
            Entity::Contact
            | Entity::Asset
            | Entity::Article
            | Entity::SyncConflict
            | Entity::Complaint => {}
        }
    }
}

impl Desk {
    pub fn day(&self) -> Option<NaiveDate> {
        self.day.get_untracked().parse().ok()
    }

    /// Checks a placement with the server; commits it at once if it breaks nothing, otherwise
    /// shows the conflicts and waits for the dispatcher.
    pub fn place(
        self,
        work_order: WorkOrderId,
        engineer: EngineerId,
        start: Option<DateTime<Utc>>,
    ) {
        let Some(day) = self.day() else { return };
        spawn_local(async move {
            let check = PlacementCheck {
                work_order,
                engineer,
                day,
                start,
            };
            match backend().check_placement(check).await {
                Ok(a) => {
                    let pending = Pending {
                        work_order,
                        engineer,
                        slot: PlannedSlot {
                            start: a.start,
                            end: a.end,
                        },
                        conflicts: a.conflicts,
                    };
                    if pending.conflicts.is_empty() {
                        self.commit(pending);
                    } else {
                        self.pending.set(Some(pending));
                    }
                }
                Err(e) => shell().fail(&e),
            }
        });
    }

    pub fn commit(self, p: Pending) {
        self.pending.set(None);
        self.assign(vec![(p.work_order, p.engineer, Some(p.slot))]);
    }

    pub fn assign(self, placements: Vec<crate::backend::Placement>) {
        let shell = shell();
        spawn_local(async move {
            match backend().assign(placements).await {
                Ok(refused) if refused.is_empty() => shell.changed(),
                Ok(refused) => {
                    // Each refusal with its job's number, in the user's words.
                    let lines: Vec<String> = refused
                        .iter()
                        .map(|r| {
                            let number = self.board.with_untracked(|b| match b {
                                Some(Ok(b)) => {
                                    b.job(r.work_order).map(|j| j.work_order.number.clone())
                                }
                                _ => None,
                            });
                            let why = crate::shell::said(&UiError::new(
                                r.code.as_deref().unwrap_or("refused"),
                                r.message.clone().unwrap_or_default(),
                            ));
                            format!(
                                "{} {why}",
                                number.unwrap_or_else(|| r.work_order.to_string())
                            )
                        })
                        .collect();
                    shell.message.set(Some((true, lines.join("; "))));
                    shell.changed();
                }
                Err(e) => shell.fail(&e),
            }
        });
    }

    /// Asks the optimiser for a plan of the chosen day, after what just happened.
    pub fn propose(self, scenario: Option<Scenario>) {
        let Some(day) = self.day() else { return };
        if self.planning.get_untracked() {
            return;
        }
        self.planning.set(true);
        let shell = shell();
        spawn_local(async move {
            let answer = backend().propose(day, scenario).await;
            self.planning.try_set(false);
            match answer {
                Ok(p) => {
                    self.proposal.try_set(Some(p));
                }
                Err(e) => shell.fail(&e),
            }
        });
    }

    /// Takes in a live change: the board catches up a moment later, with everything that
    /// changed meanwhile in one request (applying a plan sends dozens of changes at once).
    fn live(self, change: Option<Change>) {
        let first = self
            .live
            .try_update_value(|b| {
                b.add(change);
                !std::mem::replace(&mut b.due, true)
            })
            .unwrap_or(false);
        if first {
            spawn_local(async move {
                crate::backend::sleep(200).await;
                self.catch_up().await;
            });
        }
    }

    /// Brings the board up to date with the live changes gathered: the parts they touched, or
    /// the whole board when parts will not do.
    async fn catch_up(self) {
        let Some(batch) = self.live.try_update_value(std::mem::take) else {
            return;
        };
        let Some(day) = self.day() else { return };
        let shown = self
            .board
            .try_with_untracked(|b| matches!(b, Some(Ok(b)) if b.day == day))
            .unwrap_or(false);
        if !batch.whole && shown {
            let request = fixline_core::board::BoardUpdateRequest {
                day,
                work_orders: batch.work_orders,
                engineers: batch.engineers,
            };
            if request.work_orders.is_empty() && request.engineers.is_empty() {
                return;
            }
            if let Ok(update) = backend().board_update(request).await {
                let mut applied = false;
                self.board.try_update(|b| {
                    if let Some(Ok(b)) = b {
                        applied = b.apply(update);
                    }
                });
                if applied {
                    return;
                }
            }
        }
        let board = backend().desk_board(day).await;
        self.board.try_set(Some(board));
    }

    /// A lifecycle action from the desk (schedule, release to the pool).
    pub fn act(self, id: WorkOrderId, action: fixline_core::work_order::Action) {
        let shell = shell();
        spawn_local(async move {
            match backend().act(id, action).await {
                Ok(_) => shell.changed(),
                Err(e) => shell.fail(&e),
            }
        });
    }

    /// The board's time zone (the service area's, whatever the browser's).
    pub fn zone(&self) -> ServiceZone {
        self.board.with_untracked(|b| match b {
            Some(Ok(b)) => b.time_zone,
            _ => crate::clock::zone(),
        })
    }

    /// A time the dispatcher typed (`HH:MM`), on the board's day in the board's zone.
    pub fn typed_time(&self, text: &str) -> Option<DateTime<Utc>> {
        let time = chrono::NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()?;
        Some(self.zone().at_day(self.day()?, time))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Loaded {
    Not,
    Failed(String),
    Yes,
}

/// `HH:MM` in the board's zone.
pub fn clock(t: DateTime<Utc>, zone: ServiceZone) -> String {
    zone.format(t, "%H:%M")
}

/// A conflict in words.
pub fn conflict_text(c: &LaneConflict, lang: Lang) -> String {
    let what = match c.code.as_str() {
        "skill_missing" => Text::ConflictSkill,
        "certification_missing" => Text::ConflictCertification,
        "before_shift" => Text::ConflictBeforeShift,
        "shift_over" => Text::ConflictShiftOver,
        "overlap" => Text::ConflictOverlap,
        "sla_breach" => Text::ConflictSla,
        "outside_window" => Text::ConflictWindow,
        "no_break" => Text::ConflictNoBreak,
        "off_duty" => Text::ConflictOffDuty,
        other => return other.to_owned(),
    }
    .in_lang(lang);
    let mut line = what.to_owned();
    if let Some(d) = &c.detail {
        // A missing skill is named by its category key and level ("refrigeration ≥ 3").
        let d = match d.split_once(" ≥ ") {
            Some((category, level)) if c.code == "skill_missing" => {
                format!("{} ≥ {level}", crate::format::category(category, lang))
            }
            _ => d.clone(),
        };
        line.push_str(&format!(" ({d})"));
    }
    if let Some(m) = c.minutes {
        line.push(' ');
        line.push_str(&crate::format::duration(
            chrono::TimeDelta::minutes(m as i64),
            lang,
        ));
    }
    line
}

/// The console on `day` (the address names it), else on the service area's today (not the
/// browser's or UTC's).
#[component]
pub fn Console(day: Option<NaiveDate>) -> impl IntoView {
    let shell = shell();
    let desk = Desk {
        board: RwSignal::new(None),
        day: RwSignal::new(day.unwrap_or_else(crate::clock::today).to_string()),
        dragging: RwSignal::new(None),
        proposal: RwSignal::new(None),
        pending: RwSignal::new(None),
        selected: RwSignal::new(None),
        planning: RwSignal::new(false),
        live: StoredValue::new(LiveBatch::default()),
    };
    provide_context(desk);
    Effect::new(move |_| {
        shell.revision.track();
        let Ok(day) = desk.day.get().parse::<NaiveDate>() else {
            return;
        };
        // The day chosen is in the address (in place: Back leaves the console), so a reload or
        // a shared link opens the same day.
        crate::routes::record(&crate::routes::Screen::Board(day), false);
        spawn_local(async move { desk.board.set(Some(backend().desk_board(day).await)) });
    });
    // Live: a change on the server updates what it touched.
    crate::shell::follow_live_with(move |change| desk.live(change));
    // Only a change between loading, failed and loaded rebuilds the page (the map keeps its
    // view); the parts follow the board themselves.
    let loaded = Memo::new(move |_| {
        desk.board.with(|b| match b {
            None => Loaded::Not,
            Some(Err(e)) => Loaded::Failed(crate::shell::said(e)),
            Some(Ok(_)) => Loaded::Yes,
        })
    });
    let lang = lang();
    view! {
        <section class="console" on:pointerup=move |_| desk.dragging.set(None)>
            <div class="console-tools row">
                <h1>{tr(Text::Dispatch)}</h1>
                <input id="plan-date" type="date" aria-label=tr(Text::BoardDay) bind:value=desk.day/>
                <button id="plan-day" class="primary" disabled=move || desk.planning.get()
                    aria-busy=move || desk.planning.get().to_string()
                    on:click=move |_| desk.propose(None)>{tr(Text::PlanTheDay)}</button>
                <button id="replan-day" disabled=move || desk.planning.get()
                    on:click=move |_| desk.propose(Some(Scenario::Replan))>{tr(Text::Replan)}</button>
                {move || desk.planning.get().then(|| view! {
                    <span id="planning" class="muted" role="status"><span class="spinner" aria-hidden="true"></span>{tr(Text::Planning)}</span>
                })}
            </div>
            <proposal::Proposal/>
            {move || desk.pending.get().map(|p| {
                let lines: Vec<String> = p.conflicts.iter().map(|c| conflict_text(c, lang.get())).collect();
                // Which job, for whom and when: the box says what it is about.
                let about = desk.board.with_untracked(|b| match b {
                    Some(Ok(b)) => {
                        let number = b
                            .jobs
                            .iter()
                            .find(|j| j.work_order.id == p.work_order)
                            .map(|j| format!("{} · {}", j.work_order.number, j.customer))
                            .unwrap_or_default();
                        let engineer = b
                            .engineers
                            .iter()
                            .find(|e| e.engineer.id == p.engineer)
                            .map(|e| crate::format::engineer_label(&e.engineer, &b.engineers))
                            .unwrap_or_default();
                        let zone = desk.zone();
                        format!(
                            "{number} → {engineer} · {}–{}",
                            clock(p.slot.start, zone),
                            clock(p.slot.end, zone)
                        )
                    }
                    _ => String::new(),
                });
                let confirm = p.clone();
                view! {
                    <article class="card conflicts" id="placement-conflicts">
                        <h2>{tr(Text::ConflictsFound)}</h2>
                        <p class="conflict-about" id="conflict-about">{about}</p>
                        <ul>{lines.into_iter().map(|l| view! { <li class="conflict">{l}</li> }).collect_view()}</ul>
                        <div class="row">
                            <button id="assign-anyway" class="primary" on:click=move |_| desk.commit(confirm.clone())>{tr(Text::AssignAnyway)}</button>
                            <button id="cancel-placement" on:click=move |_| desk.pending.set(None)>{tr(Text::Cancel)}</button>
                        </div>
                    </article>
                }
            })}
            {move || match loaded.get() {
                Loaded::Not => view! { <p class="muted">"…"</p> }.into_any(),
                Loaded::Failed(message) => view! { <p class="message error">{message}</p> }.into_any(),
                Loaded::Yes => view! {
                    <div class="console-grid">
                        <queue::Queue/>
                        <div class="console-main">
                            <timeline::Timeline/>
                            <detail::Detail/>
                            <map::DeskMap/>
                        </div>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
