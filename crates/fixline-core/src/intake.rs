//! A service request as every channel sends it, and the rule that keeps strangers out of the
//! customer file: a request from an outside channel (the public web form, a partner's API) that
//! matches a customer already on file is not filed there on its own. It waits as a
//! [`PendingIntake`] until the desk confirms the match or makes a new customer.

use serde::{Deserialize, Serialize};

use crate::ids::{AssetId, CustomerId, PendingIntakeId, SiteId, UserId, WorkOrderId};
use crate::work_order::{IntakeChannel, Priority, Status, TimeWindow};
use chrono::{DateTime, Utc};

/// A caller who is not (yet) known to be in the customer file, from a web form or e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Caller {
    pub name: String,
    pub phone: String,
    pub address: String,
    pub city: String,
    pub region: String,
}

/// A service request from any channel. Name the customer by asset serial, by ids, or by the
/// caller's details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntakeRequest {
    #[serde(default)]
    pub serial: Option<String>,
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    #[serde(default)]
    pub site_id: Option<SiteId>,
    #[serde(default)]
    pub asset_id: Option<AssetId>,
    #[serde(default)]
    pub caller: Option<Caller>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub priority: Option<Priority>,
    pub symptom: String,
    #[serde(default)]
    pub requested_window: Option<TimeWindow>,
    /// The WeChat follower who sent it (their openid with the official account), when the
    /// WeChat bot passes it on: they are told of the request there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_openid: Option<String>,
}

impl IntakeRequest {
    /// The sender's openid, checked: WeChat's are up to 64 letters, digits, `-` and `_`.
    pub fn wechat_follower(&self) -> Result<Option<String>, crate::Error> {
        match self.wechat_openid.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(id)
                if id.len() <= 64
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                Ok(Some(id.to_owned()))
            }
            Some(_) => Err(crate::Error::invalid(
                "wechat_openid",
                "must be a WeChat openid (letters, digits, - and _)",
            )),
        }
    }
}

/// Where a held request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PendingState {
    /// Waiting for the desk.
    Waiting,
    /// The desk filed it: a work order exists.
    Filed,
    /// The desk turned it down (a prank, a duplicate of a call already taken).
    Rejected,
}

/// A request held for the desk because it matched a customer already on file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingIntake {
    pub id: PendingIntakeId,
    pub channel: IntakeChannel,
    pub received_at: DateTime<Utc>,
    pub request: IntakeRequest,
    /// The customer the request seemed to be from (by asset serial or phone).
    pub matched_customer: CustomerId,
    /// The asset its serial named, if any.
    #[serde(default)]
    pub matched_asset: Option<AssetId>,
    pub state: PendingState,
    #[serde(default)]
    pub work_order_id: Option<WorkOrderId>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub resolved_by: Option<UserId>,
}

/// How the desk files a held request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "as", rename_all = "snake_case")]
pub enum Filing {
    /// It is this customer's: at this site (and asset).
    Customer {
        customer_id: CustomerId,
        site_id: SiteId,
        #[serde(default)]
        asset_id: Option<AssetId>,
    },
    /// Someone else with the same phone (a new tenant, a relative): a new customer and site
    /// from the caller's details.
    NewCustomer,
    /// Not a request to take: nothing is filed.
    Reject { reason: String },
}

/// A request the desk takes (by phone, e-mail or WeChat), `POST /api/v1/work-orders`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeskIntake {
    /// How the customer reached the desk; `phone` when absent.
    #[serde(default = "phone")]
    pub channel: IntakeChannel,
    #[serde(flatten)]
    pub request: IntakeRequest,
}

fn phone() -> IntakeChannel {
    IntakeChannel::Phone
}

/// What intake did with a request: opened a work order, or (an outside channel's request that
/// matched a customer on file) held it for the desk to confirm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntakeReceipt {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_order_id: Option<WorkOrderId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Set when the request waits for the desk: nothing was filed into a customer's file yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_intake_id: Option<PendingIntakeId>,
    /// True when this repeats an earlier request (same idempotency key): nothing new was created.
    pub duplicate: bool,
}
