//! Identifiers are UUIDs (v7 when made by Fixline, so they sort by creation time) wrapped in one
//! type per entity, so a site id can never be passed where an asset id is expected. They are made
//! by whoever creates the record, the server or a device offline; core only carries them.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! entity_id {
    ($(#[$doc:meta] $name:ident),+ $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = crate::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| crate::Error::invalid(stringify!($name), format!("{s:?} is not a UUID")))
            }
        }
    )+};
}

entity_id!(
    /// A customer: a company or a household that owns equipment.
    CustomerId,
    /// A person to call at a customer.
    ContactId,
    /// A place where a customer's equipment stands.
    SiteId,
    /// One installed piece of equipment, identified by model and serial.
    AssetId,
    /// A field engineer.
    EngineerId,
    /// A work order: one service request from intake to close.
    WorkOrderId,
    /// A person who signs in: engineer, dispatcher, manager, complaint handler or admin.
    UserId,
    /// One action taken on a device, made there so the server can apply it at most once.
    ActionId,
    /// A knowledge-base article: repair guide, FAQ, service policy or safety note.
    ArticleId,
    /// A sync conflict: a device action that no longer fitted the job when it reached the server.
    ConflictId,
    /// An outside channel's request that matched a customer on file, held for the desk.
    PendingIntakeId,
    /// A customer's complaint (投诉), tracked to closure with its own deadlines.
    ComplaintId,
    /// An improvement action (改进措施) from a service review.
    ImprovementId,
);
