//! What a change of a job or a complaint tells people: core decides which events and staff
//! notices; here, once for both stores, to whom each goes. The stores only write the rows.

use fixline_core::complaint::Complaint;
use fixline_core::customer::{Contact, Customer};
use fixline_core::ids::{ComplaintId, CustomerId, WorkOrderId};
use fixline_core::notify::{
    self, Channel, NoticeEvent, NoticeSubject, StaffAudience, StaffNoticeKind, recipients,
};
use fixline_core::work_order::WorkOrder;

use crate::webhooks::Stored;

/// What the staff notices are about.
pub(crate) struct About<'a> {
    pub work_order: Option<WorkOrderId>,
    pub complaint: Option<ComplaintId>,
    pub number: &'a str,
    pub summary: &'a str,
}

/// Everything one change tells.
pub(crate) struct Told<'a> {
    /// In-app notices, each to everyone its audience names.
    pub staff: Vec<(StaffNoticeKind, StaffAudience)>,
    pub about: About<'a>,
    /// What the customer (and integrations) hear of.
    pub events: Vec<NoticeEvent>,
    pub subject: NoticeSubject,
    pub version: u64,
    pub customer: CustomerId,
    /// Whom to tell beside the customer's own addresses.
    pub also: Vec<(Channel, String)>,
}

impl Told<'_> {
    /// What a work order's change tells.
    pub fn work_order<'a>(before: Option<&WorkOrder>, after: &'a WorkOrder) -> Told<'a> {
        Told {
            staff: notify::work_order_staff_notices(before, after),
            about: About {
                work_order: Some(after.id),
                complaint: None,
                number: &after.number,
                summary: &after.symptom,
            },
            events: notify::work_order_events(before, after),
            subject: NoticeSubject::WorkOrder(after.id),
            version: after.version,
            customer: after.customer_id,
            // Whoever asked on WeChat is answered there.
            also: after
                .wechat_openid
                .iter()
                .map(|openid| (Channel::Wechat, openid.clone()))
                .collect(),
        }
    }

    /// What a complaint's change tells the customer who made it, and the staff.
    pub fn complaint<'a>(before: &Complaint, after: &'a Complaint) -> Told<'a> {
        Told {
            staff: notify::complaint_staff_notices(before, after),
            about: About {
                work_order: None,
                complaint: Some(after.id),
                number: &after.number,
                summary: &after.summary,
            },
            events: notify::complaint_events(before, after),
            subject: NoticeSubject::Complaint(after.id),
            version: after.version,
            customer: after.customer_id,
            also: Vec::new(),
        }
    }

    /// The outbox rows: each event to each of the customer's addresses, the extra ones, and
    /// every webhook that asked for it; in the customer's language.
    pub fn addressed(
        &self,
        customer: &Customer,
        contacts: &[Contact],
        hooks: &[Stored],
    ) -> Vec<Outgoing> {
        let to = recipients(&customer.details, contacts);
        let language = serde_json::to_value(customer.details.language)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "zh-CN".to_owned());
        let mut rows = Vec::new();
        for event in &self.events {
            let hooks = hooks
                .iter()
                .filter(|h| h.webhook.wants(*event))
                .map(|h| (Channel::Webhook, h.webhook.id.to_string()));
            for (channel, recipient) in to.iter().chain(&self.also).cloned().chain(hooks) {
                rows.push(Outgoing {
                    event: *event,
                    channel,
                    recipient,
                    language: language.clone(),
                });
            }
        }
        rows
    }
}

/// One row of the outbox to write (a repeat of the same change, event, channel and recipient
/// is written once).
pub(crate) struct Outgoing {
    pub event: NoticeEvent,
    pub channel: Channel,
    pub recipient: String,
    pub language: String,
}

/// A dead delivery put back in the queue, due `now`, its attempts counted afresh; only a dead
/// one may be.
pub(crate) fn resent(
    d: fixline_core::notify::Delivery,
    now: fixline_core::Timestamp,
) -> crate::error::Result<fixline_core::notify::Delivery> {
    use fixline_core::notify::DeliveryState;
    if d.state != DeliveryState::Dead {
        return Err(crate::error::Error::bad_request_with_status(
            axum::http::StatusCode::CONFLICT,
            "not_dead",
            format!("this notification is {}, not given up", d.state.as_str()),
        ));
    }
    Ok(fixline_core::notify::Delivery {
        state: DeliveryState::Pending,
        attempts: 0,
        due_at: now,
        ..d
    })
}
