//! A new version of a work order and the history line that says why: what every store writes.
//! Every way a job changes (a lifecycle step, a desk edit, a revised estimate, an offline step
//! kept as a note) ends in a [`Revision`], and the version advances in one place, [`WorkOrder::advance`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Action, ActionContext, HistoryEntry, HistoryEvent, TimeWindow, WorkOrder};
use crate::Error;
use crate::role::Actor;
use crate::text;

/// The job's next version and its history line. A store checks `next.version` is one more
/// than the version it holds and writes both in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub next: WorkOrder,
    pub entry: HistoryEntry,
}

impl Revision {
    fn new(next: WorkOrder, at: DateTime<Utc>, actor: Option<Actor>, event: HistoryEvent) -> Self {
        let entry = HistoryEntry::after(&next, at, actor, event);
        Revision { next, entry }
    }

    /// "On my way": the expected arrival goes on the job with the step, for the customer.
    pub fn expecting(mut self, eta: Option<DateTime<Utc>>) -> Self {
        if eta.is_some() {
            self.next.eta = eta;
        }
        self
    }
}

impl HistoryEntry {
    /// The line for `wo` as it is after the event.
    pub fn after(
        wo: &WorkOrder,
        at: DateTime<Utc>,
        actor: Option<Actor>,
        event: HistoryEvent,
    ) -> Self {
        HistoryEntry {
            work_order_id: wo.id,
            version: wo.version,
            at,
            actor,
            event,
            status_after: wo.status,
        }
    }
}

/// Request fields the desk may correct after intake; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkOrderEdit {
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub symptom: Option<String>,
    #[serde(default)]
    pub requested_window: Option<TimeWindow>,
}

impl WorkOrder {
    /// The one place a version advances: the next version, changed at `at`.
    pub(crate) fn advance(&mut self, at: DateTime<Utc>) {
        self.version += 1;
        self.updated_at = at;
    }

    /// A lifecycle step by an actor, with its history line.
    pub fn act(&self, action: &Action, ctx: &ActionContext<'_>) -> Result<Revision, Error> {
        let next = self.apply(action, ctx)?;
        let event = HistoryEvent::Action {
            action: action.clone(),
        };
        Ok(Revision::new(next, ctx.at, Some(ctx.actor.clone()), event))
    }

    /// A step taken by automatic assignment, with the reasons for its choice in the history.
    pub fn auto_assign(
        &self,
        action: &Action,
        why: crate::auto_assign::AutoAssignment,
        ctx: &ActionContext<'_>,
    ) -> Result<Revision, Error> {
        let next = self.apply(action, ctx)?;
        let event = HistoryEvent::AutoAssigned {
            action: action.clone(),
            why,
        };
        Ok(Revision::new(next, ctx.at, Some(ctx.actor.clone()), event))
    }

    /// The desk corrects the request. Only an open job can be edited, and an edit must change
    /// something.
    pub fn edit(
        &self,
        edit: &WorkOrderEdit,
        actor: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Revision, Error> {
        if !self.status.is_open() {
            return Err(Error::NotEditable {
                status: self.status,
            });
        }
        let mut next = self.clone();
        let mut fields = Vec::new();
        if let Some(category) = &edit.category {
            next.category = text::line("category", category, 64)?;
            fields.push("category".to_owned());
        }
        if let Some(symptom) = &edit.symptom {
            next.symptom = text::paragraph("symptom", symptom)?;
            fields.push("symptom".to_owned());
        }
        if let Some(window) = edit.requested_window {
            next.requested_window = Some(window.validated()?);
            fields.push("requested_window".to_owned());
        }
        if fields.is_empty() {
            return Err(Error::invalid("edit", "nothing to change"));
        }
        next.advance(at);
        let event = HistoryEvent::Edited { fields };
        Ok(Revision::new(next, at, Some(actor.clone()), event))
    }

    /// A revised arrival estimate (and the late flag, set once), made by the server with no
    /// actor; `None` when nothing changed enough to be worth a version.
    pub fn revise_eta(
        &self,
        eta: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        margin: chrono::TimeDelta,
    ) -> Option<Revision> {
        let (next, fields) = crate::eta::revise(self, eta, now, margin)?;
        Some(Revision::new(
            next,
            now,
            None,
            HistoryEvent::Edited { fields },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::work_order::{Status, sample};
    use chrono::TimeDelta;

    fn desk() -> Actor {
        Actor {
            user: crate::ids::UserId::from_uuid(uuid::Uuid::from_u128(3)),
            name: "Desk".into(),
            role: crate::role::Role::Dispatcher,
            engineer: None,
        }
    }

    #[test]
    fn a_desk_edit_advances_the_version_once_and_names_the_fields() {
        let wo = sample(1);
        let at = wo.created_at + TimeDelta::hours(1);
        let edit = WorkOrderEdit {
            symptom: Some("漏水 again".into()),
            ..WorkOrderEdit::default()
        };
        let change = wo.edit(&edit, &desk(), at).unwrap();
        assert_eq!(change.next.version, wo.version + 1);
        assert_eq!(change.next.updated_at, at);
        assert_eq!(change.next.symptom, "漏水 again");
        assert_eq!(change.entry.version, change.next.version);
        assert_eq!(
            change.entry.event,
            HistoryEvent::Edited {
                fields: vec!["symptom".into()]
            }
        );
    }

    #[test]
    fn a_desk_edit_refuses_nothing_bad_input_and_closed_jobs() {
        let wo = sample(1);
        let at = wo.created_at;
        let nothing = wo.edit(&WorkOrderEdit::default(), &desk(), at).unwrap_err();
        assert_eq!(nothing.code(), crate::ErrorCode::Invalid);
        let blank = WorkOrderEdit {
            category: Some("  ".into()),
            ..WorkOrderEdit::default()
        };
        assert_eq!(
            wo.edit(&blank, &desk(), at).unwrap_err().code(),
            crate::ErrorCode::Invalid
        );
        let backwards = WorkOrderEdit {
            requested_window: Some(TimeWindow {
                start: at + TimeDelta::hours(2),
                end: at,
            }),
            ..WorkOrderEdit::default()
        };
        assert!(wo.edit(&backwards, &desk(), at).is_err());
        let mut closed = wo.clone();
        closed.status = Status::Closed;
        let edit = WorkOrderEdit {
            symptom: Some("late".into()),
            ..WorkOrderEdit::default()
        };
        assert_eq!(
            closed.edit(&edit, &desk(), at).unwrap_err(),
            Error::NotEditable {
                status: Status::Closed
            }
        );
    }
}
