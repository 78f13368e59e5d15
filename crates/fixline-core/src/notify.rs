//! Telling customers first (主动沟通): which change of a job tells the customer what, when a
//! message may go out (quiet hours, in the customer's service area's time), and how a failed
//! send is retried before it becomes a dead letter the desk resends. Pure: the server's outbox
//! stores what this decides in the same transaction as the change, and its worker sends it.

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::complaint::Complaint;
use crate::customer::{Contact, CustomerDetails};
use crate::work_order::{ResolutionType, Status, WorkOrder};
use crate::zone::ServiceZone;

/// Something a customer is told about their request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoticeEvent {
    /// The request is logged: its number and the customer's link.
    RequestReceived,
    /// An engineer is assigned, with the promised window.
    EngineerAssigned,
    /// The engineer is on the way, with the ETA.
    OnTheWay,
    /// The ETA slipped past the promised window (or the engineer is past the ETA).
    Delayed,
    Arrived,
    /// Done: the receipt and the survey invitation.
    Completed,
    /// A complaint is taken up: who handles it and by when it will be resolved.
    ComplaintAcknowledged,
    /// A complaint is being looked into (again, if the customer turned a resolution down or
    /// it was reopened).
    ComplaintUpdated,
    /// What was done about a complaint.
    ComplaintResolved,
}

impl NoticeEvent {
    pub const ALL: [NoticeEvent; 9] = [
        NoticeEvent::RequestReceived,
        NoticeEvent::EngineerAssigned,
        NoticeEvent::OnTheWay,
        NoticeEvent::Delayed,
        NoticeEvent::Arrived,
        NoticeEvent::Completed,
        NoticeEvent::ComplaintAcknowledged,
        NoticeEvent::ComplaintUpdated,
        NoticeEvent::ComplaintResolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeEvent::RequestReceived => "request_received",
            NoticeEvent::EngineerAssigned => "engineer_assigned",
            NoticeEvent::OnTheWay => "on_the_way",
            NoticeEvent::Delayed => "delayed",
            NoticeEvent::Arrived => "arrived",
            NoticeEvent::Completed => "completed",
            NoticeEvent::ComplaintAcknowledged => "complaint_acknowledged",
            NoticeEvent::ComplaintUpdated => "complaint_updated",
            NoticeEvent::ComplaintResolved => "complaint_resolved",
        }
    }

    /// How long after the change the message is still worth sending: "the engineer is on the
    /// way" three hours late is noise. `None`: always.
    pub fn useful_for(self) -> Option<TimeDelta> {
        (!self.deferrable()).then(|| TimeDelta::hours(2))
    }

    /// Whether it may wait for quiet hours to end. Being told the engineer is at the door (or
    /// on the way, or late) is only useful now; the rest can wait for the morning.
    pub fn deferrable(self) -> bool {
        !matches!(
            self,
            NoticeEvent::OnTheWay | NoticeEvent::Delayed | NoticeEvent::Arrived
        )
    }
}

/// How a notice reaches its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
    /// An integration's endpoint (a [`Webhook`]): the facts as signed JSON, not words.
    Webhook,
    /// A WeChat official account's template message to the follower who asked there.
    Wechat,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Webhook => "webhook",
            Channel::Wechat => "wechat",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        match s {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            "webhook" => Some(Channel::Webhook),
            "wechat" => Some(Channel::Wechat),
            _ => None,
        }
    }
}

/// An integration told of customer-facing events (a CRM, a customer's own ticket system): each
/// event it asked for, as JSON signed with its secret, retried and dead-lettered like any
/// notice. The secret is the server's alone and never part of this record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: uuid::Uuid,
    pub name: String,
    /// `https://…` (or `http://` on a trusted network).
    pub url: String,
    /// The events it gets; empty: every one.
    #[serde(default)]
    pub events: Vec<NoticeEvent>,
    /// A paused one gets nothing, and what waited for it is skipped.
    pub active: bool,
}

impl Webhook {
    pub fn wants(&self, event: NoticeEvent) -> bool {
        self.active && (self.events.is_empty() || self.events.contains(&event))
    }

    /// Trims and checks what the admin typed: a name, and an absolute http(s) address.
    pub fn validated(self) -> Result<Webhook, crate::Error> {
        let name = crate::text::line("name", &self.name, 80)?;
        let url = self.url.trim().to_owned();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        let host_ok = rest.is_some_and(|r| {
            let host = r.split(['/', '?', '#']).next().unwrap_or_default();
            !host.is_empty() && !r.chars().any(char::is_whitespace)
        });
        if !host_ok || url.len() > 500 {
            return Err(crate::Error::Invalid {
                field: "url",
                reason: "must be an http:// or https:// address with a host".into(),
            });
        }
        let mut events = self.events;
        events.sort();
        events.dedup();
        Ok(Webhook {
            name,
            url,
            events,
            ..self
        })
    }
}

/// Where a customer is told, per channel: the primary contact's address, else the customer's
/// own. A channel without an address is left out.
pub fn recipients(customer: &CustomerDetails, contacts: &[Contact]) -> Vec<(Channel, String)> {
    let primary = contacts.iter().find(|c| c.details.primary);
    let pick = |of_contact: Option<&Option<String>>, own: &Option<String>| {
        of_contact
            .and_then(|a| a.as_deref())
            .or(own.as_deref())
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
    };
    let mut out = Vec::new();
    if let Some(email) = pick(primary.map(|c| &c.details.email), &customer.email) {
        out.push((Channel::Email, email));
    }
    if let Some(phone) = pick(primary.map(|c| &c.details.phone), &customer.phone) {
        out.push((Channel::Sms, phone));
    }
    out
}

/// Where one notice stands on one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its time (a retry, quiet hours) or for the worker.
    Pending,
    /// Handed to the worker; back to pending if the worker died sending it.
    Sending,
    Sent,
    /// Given up after [`MAX_ATTEMPTS`]: the desk may resend it.
    Dead,
    /// Not sent, and never will be: the channel is not set up on this server, or the moment
    /// passed (an "arrived" nobody sent for hours).
    Skipped,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sending => "sending",
            DeliveryState::Sent => "sent",
            DeliveryState::Dead => "dead",
            DeliveryState::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        match s {
            "pending" => Some(DeliveryState::Pending),
            "sending" => Some(DeliveryState::Sending),
            "sent" => Some(DeliveryState::Sent),
            "dead" => Some(DeliveryState::Dead),
            "skipped" => Some(DeliveryState::Skipped),
            _ => None,
        }
    }
}

/// What a notice is about: a request (work order) or a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeSubject {
    WorkOrder(crate::ids::WorkOrderId),
    Complaint(crate::ids::ComplaintId),
}

impl NoticeSubject {
    pub fn kind(self) -> &'static str {
        match self {
            NoticeSubject::WorkOrder(_) => "work_order",
            NoticeSubject::Complaint(_) => "complaint",
        }
    }

    pub fn id(self) -> uuid::Uuid {
        match self {
            NoticeSubject::WorkOrder(id) => *id.as_uuid(),
            NoticeSubject::Complaint(id) => *id.as_uuid(),
        }
    }

    /// From its stored kind and id.
    pub fn parse(kind: &str, id: uuid::Uuid) -> Option<NoticeSubject> {
        match kind {
            "work_order" => Some(NoticeSubject::WorkOrder(
                crate::ids::WorkOrderId::from_uuid(id),
            )),
            "complaint" => Some(NoticeSubject::Complaint(
                crate::ids::ComplaintId::from_uuid(id),
            )),
            _ => None,
        }
    }
}

/// One notice on one channel, as the desk sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: uuid::Uuid,
    /// The request it is about; none for a complaint's notice.
    pub work_order: Option<crate::ids::WorkOrderId>,
    /// The complaint it is about; none for a request's notice.
    #[serde(default)]
    pub complaint: Option<crate::ids::ComplaintId>,
    pub event: NoticeEvent,
    pub channel: Channel,
    pub recipient: String,
    pub language: crate::customer::Language,
    pub state: DeliveryState,
    pub attempts: u32,
    /// When it is (next) due.
    pub due_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What one change of a work order tells the customer, in order. `before` is `None` for a new
/// request. A step taken again (assigned to someone else, a second trip) is told again; a
/// change the customer does not care about (a note, a desk edit) tells nothing.
pub fn work_order_events(before: Option<&WorkOrder>, after: &WorkOrder) -> Vec<NoticeEvent> {
    let Some(before) = before else {
        return vec![NoticeEvent::RequestReceived];
    };
    let mut events = Vec::new();
    if after.assignee.is_some()
        && after.assignee != before.assignee
        && matches!(after.status, Status::Assigned | Status::Accepted)
    {
        events.push(NoticeEvent::EngineerAssigned);
    }
    if after.status != before.status {
        match after.status {
            Status::EnRoute => events.push(NoticeEvent::OnTheWay),
            Status::OnSite => events.push(NoticeEvent::Arrived),
            _ => {}
        }
    }
    // Late is told once, whether the engineer is on the way or still on the job before.
    if after.late_since.is_some()
        && before.late_since.is_none()
        && matches!(
            after.status,
            Status::EnRoute | Status::Assigned | Status::Accepted
        )
    {
        events.push(NoticeEvent::Delayed);
    }
    // Done is told with the receipt (signed or refused), or when solved on the phone.
    let receipt_now = after.receipt.is_some() && before.receipt.is_none();
    let remote_now = after.status == Status::Completed
        && before.status != Status::Completed
        && after
            .resolution
            .as_ref()
            .is_some_and(|r| r.kind == ResolutionType::RemoteGuidance);
    if receipt_now || remote_now {
        events.push(NoticeEvent::Completed);
    }
    events
}

/// What one change of a complaint tells the customer: that it is taken up, being looked into
/// (again), or resolved and how. Notes, owners, escalations and severities are the desk's own.
pub fn complaint_events(before: &Complaint, after: &Complaint) -> Vec<NoticeEvent> {
    use crate::complaint::ComplaintStatus as S;
    if after.status == before.status {
        return Vec::new();
    }
    match after.status {
        S::Acknowledged => vec![NoticeEvent::ComplaintAcknowledged],
        S::Investigating => vec![NoticeEvent::ComplaintUpdated],
        S::Resolved => vec![NoticeEvent::ComplaintResolved],
        S::Received | S::Confirmed | S::Closed => Vec::new(),
    }
}

impl Delivery {
    /// What it is about.
    pub fn subject(&self) -> Option<NoticeSubject> {
        match (self.work_order, self.complaint) {
            (Some(w), None) => Some(NoticeSubject::WorkOrder(w)),
            (None, Some(c)) => Some(NoticeSubject::Complaint(c)),
            _ => None,
        }
    }
}

/// The hours no message that can wait is sent (no 23:00 text about tomorrow's visit), in the
/// service area's local time. `start` after `end` spans midnight (22:00–08:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuietHours {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "22:00:00"))]
    pub start: NaiveTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "08:00:00"))]
    pub end: NaiveTime,
}

impl Default for QuietHours {
    fn default() -> QuietHours {
        QuietHours {
            start: NaiveTime::from_hms_opt(21, 0, 0).unwrap_or(NaiveTime::MIN),
            end: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}

impl QuietHours {
    fn quiet_at(&self, time: NaiveTime) -> bool {
        if self.start <= self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }

    /// When a message due at `at` may go: `at` itself outside quiet hours, else the end of
    /// them (the same morning, or the next one after an evening).
    pub fn release(&self, at: DateTime<Utc>, zone: ServiceZone) -> DateTime<Utc> {
        let local = zone.local(at);
        if !self.quiet_at(local.time()) {
            return at;
        }
        let day = local.date_naive();
        let end_today = zone.at_day(day, self.end);
        if end_today > at {
            end_today
        } else {
            zone.at_day(day + TimeDelta::days(1), self.end)
        }
    }
}

/// Sends are tried this often (by default) before the message becomes a dead letter.
pub const MAX_ATTEMPTS: u32 = 8;

/// The first retry's wait (its ceiling, before jitter), by default.
pub const FIRST_RETRY_SECS: u64 = 30;

/// How long to wait after the `attempts`-th failed send (of at most `max_attempts`): doubling
/// from `first_secs`, capped at an hour, with "full jitter" (`jitter` in 0..1 picks a point of
/// the interval) so that many messages failing together do not retry together. `None`: give
/// up, a dead letter.
pub fn retry_after(
    attempts: u32,
    max_attempts: u32,
    first_secs: u64,
    jitter: f64,
) -> Option<TimeDelta> {
    if attempts.saturating_add(1) >= max_attempts {
        return None;
    }
    let ceiling = i64::try_from(first_secs.max(1))
        .unwrap_or(3600)
        .saturating_mul(2_i64.saturating_pow(attempts.min(20)))
        .min(3600);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    };
    // At least a second: a send that failed is never retried at once.
    let secs = ((ceiling as f64) * jitter).round() as i64;
    Some(TimeDelta::seconds(secs.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn quiet_hours_hold_back_a_late_message_until_the_morning() {
        let quiet = QuietHours::default();
        let shanghai = ServiceZone::SHANGHAI;
        // 23:00 in Shanghai is 15:00 UTC: released at 08:00 the next morning (00:00 UTC).
        assert_eq!(
            quiet.release(at("2026-12-07T15:00:00Z"), shanghai),
            at("2026-12-08T00:00:00Z")
        );
        // 06:30 in Shanghai: the same morning's 08:00.
        assert_eq!(
            quiet.release(at("2026-12-07T22:30:00Z"), shanghai),
            at("2026-12-08T00:00:00Z")
        );
        // 10:00 in Shanghai: now.
        assert_eq!(
            quiet.release(at("2026-12-08T02:00:00Z"), shanghai),
            at("2026-12-08T02:00:00Z")
        );
        let daytime = QuietHours {
            start: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(14, 0, 0).unwrap(),
        };
        assert_eq!(
            daytime.release(at("2026-12-08T05:00:00Z"), shanghai),
            at("2026-12-08T06:00:00Z"),
            "13:00 waits for 14:00"
        );
    }

    #[test]
    fn retries_back_off_with_jitter_and_end_in_a_dead_letter() {
        let max = MAX_ATTEMPTS;
        let first = FIRST_RETRY_SECS;
        assert_eq!(
            retry_after(0, max, first, 1.0),
            Some(TimeDelta::seconds(30))
        );
        assert_eq!(
            retry_after(3, max, first, 1.0),
            Some(TimeDelta::seconds(240))
        );
        assert_eq!(
            retry_after(6, max, first, 1.0),
            Some(TimeDelta::seconds(1920))
        );
        assert_eq!(retry_after(2, max, first, 0.0), Some(TimeDelta::seconds(1)));
        assert_eq!(
            retry_after(2, max, first, f64::NAN),
            Some(TimeDelta::seconds(60))
        );
        assert_eq!(
            retry_after(max - 1, max, first, 0.5),
            None,
            "the last attempt failed"
        );
        assert_eq!(retry_after(0, 1, first, 0.5), None, "one attempt only");
        assert_eq!(
            retry_after(1, max, 2, 1.0),
            Some(TimeDelta::seconds(4)),
            "a quicker first retry doubles the same way"
        );
        assert_eq!(
            retry_after(20, 30, first, 1.0),
            Some(TimeDelta::seconds(3600)),
            "capped at an hour"
        );
    }

    #[test]
    fn every_event_has_a_name_and_only_the_useful_ones_wait() {
        for e in NoticeEvent::ALL {
            let json = serde_json::to_value(e).unwrap();
            assert_eq!(json, e.as_str());
        }
        assert!(!NoticeEvent::Arrived.deferrable());
        assert!(NoticeEvent::Completed.deferrable());
    }
}

/// Something a member of staff is told in the app (the bell): a job given to them, a complaint
/// escalated to their level, or handed to them by someone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffNoticeKind {
    JobAssigned,
    ComplaintEscalated,
    ComplaintAssigned,
}

impl StaffNoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffNoticeKind::JobAssigned => "job_assigned",
            StaffNoticeKind::ComplaintEscalated => "complaint_escalated",
            StaffNoticeKind::ComplaintAssigned => "complaint_assigned",
        }
    }

    pub fn parse(s: &str) -> Option<StaffNoticeKind> {
        match s {
            "job_assigned" => Some(StaffNoticeKind::JobAssigned),
            "complaint_escalated" => Some(StaffNoticeKind::ComplaintEscalated),
            "complaint_assigned" => Some(StaffNoticeKind::ComplaintAssigned),
            _ => None,
        }
    }
}

/// Who on the staff is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAudience {
    /// The engineer's login.
    Engineer(crate::ids::EngineerId),
    User(crate::ids::UserId),
    /// Everyone with the role (the level a complaint is escalated to).
    Role(crate::role::Role),
}

/// What a job's change tells the staff: the engineer it is given to.
pub fn work_order_staff_notices(
    before: Option<&WorkOrder>,
    after: &WorkOrder,
) -> Vec<(StaffNoticeKind, StaffAudience)> {
    match after.assignee {
        Some(e) if before.and_then(|b| b.assignee) != Some(e) => {
            vec![(StaffNoticeKind::JobAssigned, StaffAudience::Engineer(e))]
        }
        _ => Vec::new(),
    }
}

/// What a complaint's change tells the staff: the level it is escalated to (managers, then
/// admins), and an owner it is handed to by someone else (taking it yourself tells nobody).
pub fn complaint_staff_notices(
    before: &Complaint,
    after: &Complaint,
) -> Vec<(StaffNoticeKind, StaffAudience)> {
    use crate::complaint::EscalationLevel as L;
    use crate::role::Role;
    let mut told = Vec::new();
    if after.escalation != before.escalation && before.escalation.next() == Some(after.escalation) {
        let role = match after.escalation {
            L::Manager => Role::ServiceManager,
            L::Admin => Role::Admin,
            L::Handler => Role::ComplaintHandler,
        };
        told.push((
            StaffNoticeKind::ComplaintEscalated,
            StaffAudience::Role(role),
        ));
    }
    let by = after.history.last().and_then(|step| step.by);
    if let Some(owner) = after.owner
        && before.owner != Some(owner)
        && by != Some(owner)
    {
        told.push((
            StaffNoticeKind::ComplaintAssigned,
            StaffAudience::User(owner),
        ));
    }
    told
}

/// A staff notice as its reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffNotice {
    pub id: uuid::Uuid,
    pub kind: StaffNoticeKind,
    pub work_order: Option<crate::ids::WorkOrderId>,
    pub complaint: Option<crate::ids::ComplaintId>,
    /// The job's or complaint's number.
    pub number: String,
    /// Its symptom or summary.
    pub summary: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}
