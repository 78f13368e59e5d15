//! Who is acting: the roles of a service organisation, and the actor recorded on every event.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{EngineerId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Works jobs in the field; sees only their own work orders.
    Engineer,
    /// Takes in, triages and assigns work.
    Dispatcher,
    /// Owns SLAs, quality and escalations; can do what a dispatcher can.
    ServiceManager,
    /// Handles complaints: reopens work and escalates.
    ComplaintHandler,
    /// Manages users and channel keys; can do what a manager can.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Engineer,
        Role::Dispatcher,
        Role::ServiceManager,
        Role::ComplaintHandler,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Engineer => "engineer",
            Role::Dispatcher => "dispatcher",
            Role::ServiceManager => "service_manager",
            Role::ComplaintHandler => "complaint_handler",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Office roles that plan and change the customer file (everyone but engineers and
    /// complaint handlers, who only read it).
    pub fn is_desk(self) -> bool {
        matches!(self, Role::Dispatcher | Role::ServiceManager | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

/// The person behind an event, as recorded in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    pub user: UserId,
    pub name: String,
    pub role: Role,
    /// Set when the user is an engineer: the engineer record they act as.
    pub engineer: Option<EngineerId>,
}
