//! Shared fixtures: a P2 refrigeration job, engineers and desk staff, and a fixed clock.
#![allow(dead_code)]

use chrono::{TimeDelta, TimeZone, Utc};
use fixline_core::customer::ContractTier;
use fixline_core::ids::{CustomerId, EngineerId, SiteId, UserId, WorkOrderId};
use fixline_core::role::{Actor, Role};
use fixline_core::sla::{SlaPolicy, SlaTerms};
use fixline_core::work_order::{
    Action, ActionContext, IntakeChannel, Priority, WorkOrder, WorkOrderRequest,
};
use fixline_core::zone::ServiceZone;
use fixline_core::{Error, Timestamp};
use uuid::Uuid;

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 25, 1, 0, 0).unwrap()
}

pub fn engineer(n: u128) -> Actor {
    Actor {
        user: UserId::from_uuid(id(100 + n)),
        name: format!("engineer {n}"),
        role: Role::Engineer,
        engineer: Some(EngineerId::from_uuid(id(n))),
    }
}

pub fn staff(role: Role) -> Actor {
    Actor {
        user: UserId::from_uuid(id(900)),
        name: role.to_string(),
        role,
        engineer: None,
    }
}

pub fn order() -> WorkOrder {
    let request = WorkOrderRequest {
        customer_id: CustomerId::from_uuid(id(7)),
        site_id: SiteId::from_uuid(id(8)),
        asset_id: None,
        category: "refrigeration".into(),
        priority: Priority::P2,
        symptom: "冷柜不制冷，温度 12°C".into(),
        requested_window: None,
    };
    let policy = SlaPolicy::default();
    WorkOrder::open(
        WorkOrderId::from_uuid(id(1)),
        "WO-000001".into(),
        request,
        IntakeChannel::Phone,
        t0(),
        SlaTerms {
            tier: ContractTier::Standard,
            policy: &policy,
            time_zone: ServiceZone::SHANGHAI,
        },
    )
    .unwrap()
}

pub fn act(
    order: &WorkOrder,
    actor: &Actor,
    minutes: i64,
    action: Action,
) -> Result<WorkOrder, Error> {
    let policy = SlaPolicy::default();
    order.apply(
        &action,
        &ActionContext {
            actor,
            at: t0() + TimeDelta::minutes(minutes),
            policy: &policy,
        },
    )
}

pub fn eng_id(n: u128) -> EngineerId {
    EngineerId::from_uuid(id(n))
}
