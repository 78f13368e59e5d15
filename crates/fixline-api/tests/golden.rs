//! Every wire type's JSON, frozen. A change here is a change to what devices in the field and
//! partners' integrations send and read: make it additive (a new optional field) or give it a
//! new path, and update the golden value in the same commit with the reason.

use chrono::{DateTime, NaiveDate, Utc};
use fixline_api::dispatch::{
    Applied, ApplyRequest, Assignment, LeftOut, PlanRequest, ProposedPlan, ProposedVisit,
};
use fixline_api::engineers::PositionPing;
use fixline_api::files::{
    BlobStatus, DeviceKey, EmailRequest, EmailSent, Manifest, ManifestEntry, ReceiptRequest,
};
use fixline_api::intake::{IntakeKey, NewIntakeKey};
use fixline_api::session::{LoginRequest, LoginResponse, NewUser};
use fixline_api::sync::PullRequest;
use fixline_api::work_orders::{TrackingLink, TransitionRequest, WorkOrderEdit};
use fixline_api::{ErrorBody, Page};
use fixline_core::board::Scenario;
use fixline_core::ids::{EngineerId, UserId, WorkOrderId};
use fixline_core::position::Position;
use fixline_core::receipt::SignOff;
use fixline_core::role::Role;
use fixline_core::security::User;
use fixline_core::sync::SyncCursor;
use fixline_core::work_order::{Action, IntakeChannel, PlannedSlot, TimeWindow};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

/// `value` is sent as exactly `golden`, and `golden` reads back as `value`.
#[track_caller]
fn frozen<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T, golden: Value) {
    assert_eq!(serde_json::to_value(&value).unwrap(), golden, "sent");
    assert_eq!(
        serde_json::from_value::<T>(golden).unwrap(),
        value,
        "read back"
    );
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

const JOB: &str = "01900000-0000-7000-8000-000000000001";
const ENGINEER: &str = "01900000-0000-7000-8000-000000000002";
const USER: &str = "01900000-0000-7000-8000-000000000003";

fn job() -> WorkOrderId {
    WorkOrderId::from_uuid(Uuid::parse_str(JOB).unwrap())
}

fn engineer() -> EngineerId {
    EngineerId::from_uuid(Uuid::parse_str(ENGINEER).unwrap())
}

#[test]
fn errors_and_pages() {
    frozen(
        ErrorBody::new("stale_version", "reload and try again"),
        json!({"code": "stale_version", "message": "reload and try again"}),
    );
    frozen(
        Page {
            items: vec![1, 2],
            page: 1,
            per_page: 50,
            total: 2,
        },
        json!({"items": [1, 2], "page": 1, "per_page": 50, "total": 2}),
    );
}

#[test]
fn session() {
    frozen(
        LoginRequest {
            username: "li.wei".into(),
            password: "secret".into(),
        },
        json!({"username": "li.wei", "password": "secret"}),
    );
    frozen(
        LoginResponse {
            token: "t0k3n".into(),
            expires_at: at("2026-12-03T10:00:00Z"),
            user: User {
                id: UserId::from_uuid(Uuid::parse_str(USER).unwrap()),
                username: "li.wei".into(),
                display_name: "李伟".into(),
                role: Role::Engineer,
                engineer_id: Some(engineer()),
                disabled: false,
            },
        },
        json!({"token": "t0k3n", "expires_at": "2026-12-03T10:00:00Z", "user": {
            "id": USER, "username": "li.wei", "display_name": "李伟", "role": "engineer",
            "engineer_id": ENGINEER, "disabled": false}}),
    );
    frozen(
        NewUser {
            username: "desk".into(),
            display_name: "Desk".into(),
            password: "long enough".into(),
            role: Role::Dispatcher,
            engineer_id: None,
        },
        json!({"username": "desk", "display_name": "Desk", "password": "long enough",
            "role": "dispatcher", "engineer_id": null}),
    );
    // Optional fields may be left out by older clients.
    let minimal: NewUser = serde_json::from_value(json!({"username": "a", "display_name": "A",
        "password": "p", "role": "admin"}))
    .unwrap();
    assert_eq!(minimal.engineer_id, None);
}

#[test]
fn sync_pull() {
    frozen(
        PullRequest {
            cursor: Some(SyncCursor::START),
            limit: Some(200),
        },
        json!({"cursor": {"mode": "snapshot", "upto": -1, "phase": "work_orders",
            "after": null, "done": 0}, "limit": 200}),
    );
    let first: PullRequest = serde_json::from_value(json!({})).unwrap();
    assert_eq!(
        first,
        PullRequest {
            cursor: None,
            limit: None
        }
    );
}

#[test]
fn work_orders() {
    frozen(
        TransitionRequest {
            action: Action::Assign {
                engineer: engineer(),
            },
            at: Some(at("2026-12-03T01:30:00Z")),
        },
        json!({"action": "assign", "engineer": ENGINEER, "at": "2026-12-03T01:30:00Z"}),
    );
    frozen(
        WorkOrderEdit {
            category: Some("air_conditioning".into()),
            symptom: None,
            requested_window: Some(TimeWindow {
                start: at("2026-12-04T01:00:00Z"),
                end: at("2026-12-04T04:00:00Z"),
            }),
        },
        json!({"category": "air_conditioning", "symptom": null, "requested_window":
            {"start": "2026-12-04T01:00:00Z", "end": "2026-12-04T04:00:00Z"}}),
    );
    frozen(
        TrackingLink {
            url: "https://service.example.cn/t/q7Xh2mC0bV9sK1pLw3Zr8A".into(),
        },
        json!({"url": "https://service.example.cn/t/q7Xh2mC0bV9sK1pLw3Zr8A"}),
    );
}

#[test]
fn engineers_and_intake() {
    frozen(
        PositionPing {
            lat: 31.23,
            lon: 121.47,
            at: None,
        },
        json!({"lat": 31.23, "lon": 121.47, "at": null}),
    );
    frozen(
        NewIntakeKey {
            channel: IntakeChannel::Wechat,
            label: "WeChat service account".into(),
        },
        json!({"channel": "wechat", "label": "WeChat service account"}),
    );
    frozen(
        IntakeKey {
            channel: IntakeChannel::Api,
            label: "Partner".into(),
            api_key: "fk_abc".into(),
        },
        json!({"channel": "api", "label": "Partner", "api_key": "fk_abc"}),
    );
}

#[test]
fn files_and_receipts() {
    let sha = "ab".repeat(32);
    frozen(
        BlobStatus {
            received: 262_144,
            complete: false,
        },
        json!({"received": 262144, "complete": false}),
    );
    frozen(
        Manifest {
            photos: vec![ManifestEntry {
                sha256: sha.clone(),
                on_server: true,
            }],
            receipt: None,
            missing: 0,
        },
        json!({"photos": [{"sha256": sha, "on_server": true}], "receipt": null, "missing": 0}),
    );
    frozen(
        DeviceKey {
            public_key: "cd".repeat(32),
            name: "Galaxy Tab A8".into(),
        },
        json!({"public_key": "cd".repeat(32), "name": "Galaxy Tab A8"}),
    );
    frozen(
        ReceiptRequest {
            sign_off: SignOff::Refused {
                signer_name: "王芳".into(),
                reason: "not home".into(),
                at: at("2026-12-03T06:00:00Z"),
            },
            position: Some(Position {
                lat: 31.2,
                lon: 121.4,
            }),
        },
        json!({"sign_off": {"kind": "refused", "signer_name": "王芳", "reason": "not home",
            "at": "2026-12-03T06:00:00Z"}, "position": {"lat": 31.2, "lon": 121.4}}),
    );
    frozen(EmailRequest { to: None }, json!({"to": null}));
    frozen(
        EmailSent {
            to: "wang@example.com".into(),
        },
        json!({"to": "wang@example.com"}),
    );
}

#[test]
fn dispatch() {
    let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    frozen(
        PlanRequest {
            day,
            time_limit_ms: Some(2000),
            scenario: Some(Scenario::EngineerOff {
                engineer: engineer(),
            }),
        },
        json!({"day": "2026-12-04", "time_limit_ms": 2000,
            "scenario": {"scenario": "engineer_off", "engineer": ENGINEER}}),
    );
    let visit = ProposedVisit {
        work_order: job(),
        engineer: engineer(),
        eta: at("2026-12-04T01:20:00Z"),
        start: at("2026-12-04T01:20:00Z"),
        end: at("2026-12-04T02:20:00Z"),
        late_minutes: 0.0,
        added_travel_minutes: 12.5,
        next_best: Some((engineer(), 20.0)),
    };
    assert_eq!(
        visit.slot(),
        PlannedSlot {
            start: visit.start,
            end: visit.end
        }
    );
    frozen(
        ProposedPlan {
            day,
            visits: vec![visit],
            left_out: vec![LeftOut {
                work_order: JOB.into(),
                reason: "no_qualified_engineer".into(),
            }],
            travel_minutes: 12.5,
            travel_km: 8.0,
            sla_breaches: 0,
            engineers_working: 1,
            reassigned: vec![job()],
        },
        json!({"day": "2026-12-04", "visits": [{"work_order": JOB, "engineer": ENGINEER,
            "eta": "2026-12-04T01:20:00Z", "start": "2026-12-04T01:20:00Z",
            "end": "2026-12-04T02:20:00Z", "late_minutes": 0.0, "added_travel_minutes": 12.5,
            "next_best": [ENGINEER, 20.0]}],
            "left_out": [{"work_order": JOB, "reason": "no_qualified_engineer"}],
            "travel_minutes": 12.5, "travel_km": 8.0, "sla_breaches": 0, "engineers_working": 1,
            "reassigned": [JOB]}),
    );
    frozen(
        ApplyRequest {
            assignments: vec![Assignment {
                work_order: job(),
                engineer: engineer(),
                slot: None,
            }],
        },
        json!({"assignments": [{"work_order": JOB, "engineer": ENGINEER, "slot": null}]}),
    );
    frozen(
        Applied {
            work_order: job(),
            outcome: "refused".into(),
            message: Some("no longer fits".into()),
            code: Some("wrong_state".into()),
        },
        json!({"work_order": JOB, "outcome": "refused", "message": "no longer fits",
            "code": "wrong_state"}),
    );
}

#[test]
fn live_changes() {
    use fixline_api::live::{Change, ChangeOp, Entity};
    frozen(
        Change {
            seq: 42,
            at: at("2026-12-04T01:20:00Z"),
            entity: Entity::WorkOrder,
            entity_id: *job().as_uuid(),
            op: ChangeOp::Updated,
            version: Some(3),
            engineer_id: Some(engineer()),
            previous_engineer_id: None,
            region: Some("西湖区".into()),
            data: json!({"status": "accepted"}),
        },
        json!({"seq": 42, "at": "2026-12-04T01:20:00Z", "entity": "work_order", "entity_id": JOB,
            "op": "updated", "version": 3, "engineer_id": ENGINEER, "previous_engineer_id": null,
            "region": "西湖区", "data": {"status": "accepted"}}),
    );
}

#[test]
fn transfer() {
    use fixline_api::transfer::{FileTable, ImportReport, RefusedRow};
    frozen(
        ImportReport {
            table: FileTable::Sites,
            rows: 3,
            created: 1,
            unchanged: 1,
            refused: vec![RefusedRow {
                line: 4,
                field: Some("customer_id".into()),
                code: "not_found".into(),
                message: "no customer 0195… on file".into(),
            }],
        },
        json!({"table": "sites", "rows": 3, "created": 1, "unchanged": 1,
            "refused": [{"line": 4, "field": "customer_id", "code": "not_found",
                "message": "no customer 0195… on file"}]}),
    );
    frozen(
        RefusedRow {
            line: 2,
            field: None,
            code: "invalid".into(),
            message: "bad".into(),
        },
        json!({"line": 2, "code": "invalid", "message": "bad"}),
    );
}

#[test]
fn complaints() {
    use fixline_api::complaints::ComplaintView;
    use fixline_core::calendar::BusinessCalendar;
    use fixline_core::complaint::{
        Complaint, ComplaintAction, ComplaintActionKind, ComplaintChannel, ComplaintPolicy,
        ComplaintRequest, ComplaintTerms, Overdue, RootCause, Severity,
    };
    use fixline_core::ids::{ComplaintId, CustomerId};
    use fixline_core::zone::ServiceZone;
    let complaint = Complaint::receive(
        ComplaintId::from_uuid(uuid::Uuid::from_u128(1)),
        "CP-000001".into(),
        ComplaintRequest {
            customer_id: CustomerId::from_uuid(uuid::Uuid::from_u128(2)),
            work_orders: vec![],
            channel: ComplaintChannel::Phone,
            category: "billing".into(),
            severity: Severity::High,
            summary: "收费有疑问".into(),
        },
        at("2026-11-30T01:00:00Z"),
        ComplaintTerms {
            policy: &ComplaintPolicy::default(),
            calendar: &BusinessCalendar::mainland_china(),
            time_zone: ServiceZone::SHANGHAI,
        },
    )
    .unwrap();
    frozen(
        ComplaintView {
            complaint,
            available_actions: vec![
                ComplaintActionKind::Acknowledge,
                ComplaintActionKind::Escalate,
            ],
            overdue: Some(Overdue::Acknowledge),
            seconds_to_deadline: Some(-60),
        },
        json!({
            "id": "00000000-0000-0000-0000-000000000001", "number": "CP-000001",
            "customer_id": "00000000-0000-0000-0000-000000000002", "work_orders": [],
            "channel": "phone", "category": "billing", "severity": "high",
            "summary": "收费有疑问", "status": "received", "owner": null, "escalation": "handler",
            "deadlines": {"acknowledge_by": "2026-11-30T03:00:00Z", "resolve_by": "2026-12-02T10:00:00Z"},
            "time_zone": "Asia/Shanghai", "acknowledged_at": null, "resolved_at": null,
            "closed_at": null, "root_cause": null, "resolution": null, "corrective_action": null,
            "verdict": null, "reopened": 0, "history": [],
            "created_at": "2026-11-30T01:00:00Z", "updated_at": "2026-11-30T01:00:00Z", "version": 1,
            "available_actions": ["acknowledge", "escalate"], "overdue": "acknowledge",
            "seconds_to_deadline": -60
        }),
    );
    frozen(
        ComplaintAction::Resolve {
            root_cause: RootCause::ProductDefect,
            resolution: "换新".into(),
            corrective_action: None,
        },
        json!({"action": "resolve", "root_cause": "product_defect", "resolution": "换新",
            "corrective_action": null}),
    );
}

#[test]
fn code_book() {
    use fixline_core::fault_code::{CodeBook, CodeBookSettings, CodeEntry};
    let entry = |code: &str, zh: &str, en: &str, retired| CodeEntry {
        code: code.into(),
        zh: zh.into(),
        en: en.into(),
        retired,
    };
    frozen(
        CodeBookSettings {
            book: CodeBook {
                faults: [(
                    "refrigeration".to_owned(),
                    vec![entry(
                        "RF02",
                        "压缩机不启动",
                        "Compressor does not start",
                        false,
                    )],
                )]
                .into(),
                causes: vec![entry(
                    "C01",
                    "部件老化或磨损",
                    "Wear or ageing of a part",
                    true,
                )],
                resolutions: vec![entry("R01", "更换配件", "Part replaced", false)],
            },
            version: 3,
        },
        json!({"book": {
            "faults": {"refrigeration": [{"code": "RF02", "zh": "压缩机不启动", "en": "Compressor does not start"}]},
            "causes": [{"code": "C01", "zh": "部件老化或磨损", "en": "Wear or ageing of a part", "retired": true}],
            "resolutions": [{"code": "R01", "zh": "更换配件", "en": "Part replaced"}]},
            "version": 3}),
    );
    frozen(
        TransitionRequest {
            action: Action::Complete {
                resolution: fixline_core::work_order::ResolutionType::OnSiteRepair,
                summary: "更换启动继电器".into(),
                position: None,
                fault_code: Some("RF02".into()),
                cause_code: Some("C01".into()),
                resolution_code: Some("R01".into()),
            },
            at: None,
        },
        json!({"action": "complete", "resolution": "on_site_repair", "summary": "更换启动继电器",
               "position": null, "fault_code": "RF02", "cause_code": "C01", "resolution_code": "R01",
               "at": null}),
    );
}

#[test]
fn knowledge() {
    use fixline_api::knowledge::{ArticleImageStored, ArticleReadStats, JobHelp};
    use fixline_core::ids::ArticleId;
    use fixline_core::knowledge::{ArticleEdit, PastFix};
    let article = ArticleId::from_uuid(Uuid::parse_str(USER).unwrap());
    frozen(
        ArticleImageStored {
            sha256: "ab".repeat(32),
            media_type: "image/png".into(),
            size: 1234,
        },
        json!({"sha256": "ab".repeat(32), "media_type": "image/png", "size": 1234}),
    );
    frozen(
        ArticleReadStats {
            article,
            title: "冷柜不制冷怎么办".into(),
            reads: 12,
            then_requested: 3,
            helpful: 4,
            not_helpful: 1,
        },
        json!({"article": USER, "title": "冷柜不制冷怎么办", "reads": 12, "then_requested": 3,
               "helpful": 4, "not_helpful": 1}),
    );
    frozen(
        JobHelp {
            suggested: vec![],
            past_fixes: vec![PastFix {
                work_order: job(),
                number: "WO-000123".into(),
                fault_code: "RF02".into(),
                cause_code: Some("C01".into()),
                resolution_code: None,
                summary: "更换启动继电器".into(),
                parts: vec!["启动继电器 × 1".into()],
                finished_at: at("2026-12-01T02:00:00Z"),
            }],
        },
        json!({"suggested": [], "past_fixes": [{"work_order": JOB, "number": "WO-000123",
               "fault_code": "RF02", "cause_code": "C01", "resolution_code": null,
               "summary": "更换启动继电器", "parts": ["启动继电器 × 1"],
               "finished_at": "2026-12-01T02:00:00Z"}]}),
    );
    frozen(ArticleEdit::Publish, json!({"edit": "publish"}));
    frozen(
        Action::RateArticle {
            article,
            helpful: true,
        },
        json!({"action": "rate_article", "article": USER, "helpful": true}),
    );
}
