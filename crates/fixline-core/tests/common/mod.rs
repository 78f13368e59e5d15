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
            codes: &fixline_core::fault_code::CodeBook::builtin(),
        },
    )
}

pub fn eng_id(n: u128) -> EngineerId {
    EngineerId::from_uuid(id(n))
}

/// A receipt the customer signed, with a seal whose signature is not checked here.
pub fn receipt_record() -> fixline_core::receipt::ReceiptRecord {
    use fixline_core::receipt::{ReceiptRecord, Seal, SealStatement, SignOff, Signature};
    let sign_off = SignOff::Signed(Signature {
        signer_name: "陈静".into(),
        signed_at: t0(),
        width: 400.0,
        height: 150.0,
        strokes: vec![vec![[20.0, 100.0], [60.0, 30.0]]],
    });
    ReceiptRecord {
        number: "R-WO-000001-1".into(),
        language: fixline_core::customer::Language::ZhCn,
        token: "0123456789abcdef0123456789abcdef".into(),
        pdf_sha256: "0".repeat(64),
        pdf_bytes: 11,
        total: None,
        seal: Seal {
            statement: SealStatement {
                work_order_id: WorkOrderId::from_uuid(id(1)),
                receipt_number: "R-WO-000001-1".into(),
                pdf_sha256: "0".repeat(64),
                sign_off_sha256: sign_off.digest(),
                sealed_at: t0(),
                position: None,
            },
            device_key: "0".repeat(64),
            signature: "0".repeat(128),
        },
        sign_off,
    }
}
