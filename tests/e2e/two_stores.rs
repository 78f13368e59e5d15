//! The stores behind one trait keep one set of rules: each area's scenario runs word for word on
//! SQLite and on PostgreSQL, and on PostgreSQL what one server writes the other reads. Areas
//! join as the PostgreSQL store grows (#19).

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use fixline_core::engineer::EngineerDetails;
use fixline_core::ids::{EngineerId, UserId};
use fixline_core::role::Role;
use fixline_core::security::{AccessChange, SecurityEvent, SignInFailures, User, key_id};
use fixline_core::work_order::IntakeChannel;
use fixline_server::Error;
use fixline_server::store::postgres::PgStore;
use fixline_server::store::{
    AccessStore, ComplaintStore, CustomerStore, EngineerStore, KnowledgeStore, KpiStore,
    NoticeStore, Paging, QualityStore, ReceiptStore, SqliteStore, SyncStore, Visibility,
    WorkOrderStore,
};
use fixline_tests::postgres::ThrowawayPostgres;

/// Runs a scenario on a fresh SQLite file, then on a fresh PostgreSQL; answers both results.
macro_rules! on_both {
    ($scenario:ident) => {{
        let dir = tempfile::tempdir().unwrap();
        let on_sqlite = $scenario(&SqliteStore::open(&dir.path().join("fixline.db")).unwrap());
        let pg = ThrowawayPostgres::start();
        (on_sqlite, $scenario(&PgStore::open(&pg.url).unwrap()))
    }};
}

fn t0() -> DateTime<Utc> {
    "2026-12-07T01:30:00Z".parse().unwrap()
}

fn engineer_details(name: &str) -> EngineerDetails {
    serde_json::from_value(serde_json::json!({
        "name": name, "phone": "138 0571 0001", "region": "西湖区",
        "skills": [{"category": "refrigeration", "level": 3}],
        "home_base": {"lat": 30.27, "lon": 120.13},
        "shift": {"weekdays": [1, 2, 3, 4, 5], "start": "08:30:00", "end": "17:30:00", "break_minutes": 60}
    }))
    .unwrap()
}

fn login(username: &str, role: Role, engineer_id: Option<EngineerId>) -> User {
    User {
        id: UserId::from_uuid(uuid::Uuid::now_v7()),
        username: username.into(),
        display_name: format!("{username} (显示名)"),
        role,
        engineer_id,
        disabled: false,
    }
}

fn event(kind: &str, subject: &str, at: DateTime<Utc>) -> SecurityEvent {
    serde_json::from_value(serde_json::json!({
        "at": at, "kind": kind, "actor": "admin", "subject": subject, "address": "10.0.0.9"
    }))
    .unwrap()
}

fn counted(before: Option<SignInFailures>, at: DateTime<Utc>) -> SignInFailures {
    SignInFailures {
        count: before.map_or(0, |b| b.count) + 1,
        last: at,
        locked_until: None,
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::BadRequest { code, .. } | Error::WithStatus { code, .. }) => code.to_owned(),
        Err(Error::Conflict(_)) => "conflict".into(),
        Err(Error::NotFound { .. }) => "not_found".into(),
        Err(Error::StaleVersion { .. }) => "stale_version".into(),
        Err(Error::Domain(_)) => "invalid_input".into(),
        other => format!("{other:?}"),
    }
}

/// Logins, sessions, the security log, sign-in failures, intake and device keys and the seal
/// secret: what the server's access layer relies on.
fn access_rules<S: AccessStore + EngineerStore + fixline_server::store::ChangeFeed>(store: &S) {
    let at = |m: i64| t0() + TimeDelta::minutes(m);
    let e1 = EngineerId::from_uuid(uuid::Uuid::now_v7());
    let e2 = EngineerId::from_uuid(uuid::Uuid::now_v7());
    store
        .create_engineer(e1, engineer_details("陈建国"), at(0))
        .unwrap();
    store
        .create_engineer(e2, engineer_details("李明"), at(0))
        .unwrap();

    // Logins: an engineer's names its engineer record, and the record names it back.
    let chen = login("chen", Role::Engineer, Some(e1));
    let desk = login("Desk", Role::Dispatcher, None);
    let before = store.latest_seq().unwrap();
    store.create_user(&chen, "hash-chen", at(1)).unwrap();
    store.create_user(&desk, "hash-desk", at(1)).unwrap();
    assert_eq!(store.engineer(e1).unwrap().user_id, Some(chen.id));
    let logged: Vec<_> = store
        .changes_since(before, 10)
        .unwrap()
        .into_iter()
        .map(|c| (c.entity, c.entity_id))
        .collect();
    assert_eq!(
        logged,
        [(fixline_server::store::Entity::Engineer, *e1.as_uuid())],
        "the link is logged, so consoles showing the engineer learn of it"
    );
    assert_eq!(
        code(store.create_user(&login("desk", Role::Admin, None), "h", at(1))),
        "conflict",
        "user names are unique whatever their case"
    );
    assert_eq!(
        code(store.create_user(&login("li", Role::Engineer, Some(e1)), "h", at(1))),
        "conflict",
        "one login per engineer"
    );
    assert_eq!(
        code(store.create_user(&login("li", Role::Engineer, None), "h", at(1))),
        "invalid_input",
        "an engineer's login needs an engineer record"
    );
    assert_eq!(
        code(store.create_user(&login("wang", Role::Dispatcher, Some(e2)), "h", at(1))),
        "invalid_input",
        "only engineers have one"
    );
    let (found, hash) = store.user_with_password("DESK").unwrap().expect("found");
    assert_eq!((found, hash.as_str()), (desk.clone(), "hash-desk"));
    assert_eq!(store.user_with_password("nobody").unwrap(), None);
    let names: Vec<String> = store
        .list_users()
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, ["chen", "Desk"]);

    // Sessions: found while in date and while the login is enabled.
    store
        .create_session(b"token-1", chen.id, at(2), at(62))
        .unwrap();
    store
        .create_session(b"token-2", desk.id, at(2), at(3))
        .unwrap();
    assert_eq!(
        store.user_by_session(b"token-1", at(10)).unwrap(),
        Some(chen.clone())
    );
    assert_eq!(store.user_by_session(b"token-2", at(10)).unwrap(), None);
    store.delete_session(b"token-2").unwrap();
    let disabled = store
        .change_access(
            chen.id,
            &AccessChange::Disable,
            None,
            &event("user_disabled", "chen", at(11)),
        )
        .unwrap();
    assert!(disabled.disabled);
    let enabled = store
        .change_access(
            chen.id,
            &AccessChange::Enable,
            None,
            &event("user_enabled", "chen", at(12)),
        )
        .unwrap();
    assert!(!enabled.disabled);
    assert_eq!(
        store.user_by_session(b"token-1", at(13)).unwrap(),
        None,
        "disabling ended the session"
    );
    store
        .change_access(
            chen.id,
            &AccessChange::ResetPassword {
                password: "a new password".into(),
            },
            Some("hash-new"),
            &event("password_reset", "chen", at(14)),
        )
        .unwrap();
    assert_eq!(
        store.user_with_password("chen").unwrap().unwrap().1,
        "hash-new"
    );
    assert_eq!(
        code(store.change_access(
            UserId::from_uuid(uuid::Uuid::nil()),
            &AccessChange::SignOutEverywhere,
            None,
            &event("sessions_revoked", "ghost", at(15)),
        )),
        "not_found"
    );

    // A new role moves the engineer link: chen to the desk, the dispatcher to engineer e2.
    let moved = store
        .change_access(
            chen.id,
            &AccessChange::ChangeRole {
                role: Role::ComplaintHandler,
                engineer_id: None,
            },
            None,
            &event("role_changed", "chen", at(16)),
        )
        .unwrap();
    assert_eq!(
        (moved.role, moved.engineer_id),
        (Role::ComplaintHandler, None)
    );
    assert_eq!(store.engineer(e1).unwrap().user_id, None);
    let now_engineer = store
        .change_access(
            desk.id,
            &AccessChange::ChangeRole {
                role: Role::Engineer,
                engineer_id: Some(e2),
            },
            None,
            &event("role_changed", "Desk", at(17)),
        )
        .unwrap();
    assert_eq!(now_engineer.engineer_id, Some(e2));
    assert_eq!(store.engineer(e2).unwrap().user_id, Some(desk.id));
    assert_eq!(
        code(store.change_access(
            chen.id,
            &AccessChange::ChangeRole {
                role: Role::Engineer,
                engineer_id: Some(e2),
            },
            None,
            &event("role_changed", "chen", at(18)),
        )),
        "conflict",
        "e2 has a login already"
    );
    assert_eq!(
        store.engineer(e2).unwrap().user_id,
        Some(desk.id),
        "the refused change left nothing half-written"
    );

    // The security log, newest first; refused changes logged nothing.
    store
        .record_security_event(&event("signed_in", "Desk", at(19)))
        .unwrap();
    let kinds: Vec<String> = store
        .security_events(3)
        .unwrap()
        .into_iter()
        .map(|e| e.kind.as_str().to_owned())
        .collect();
    assert_eq!(kinds, ["signed_in", "role_changed", "role_changed"]);
    assert_eq!(store.security_events(100).unwrap().len(), 6);

    // Wrong passwords: counted per key, old records forgotten, cleared on success.
    for m in [20, 21] {
        store
            .count_sign_in_failure("account:chen", at(0), &mut |b| counted(b, at(m)))
            .unwrap();
    }
    store
        .count_sign_in_failure("address:10.0.0.9", at(0), &mut |b| counted(b, at(5)))
        .unwrap();
    let kept = store
        .sign_in_failures(&["address:10.0.0.9".into(), "account:chen".into(), "x".into()])
        .unwrap();
    assert_eq!(
        kept.iter()
            .map(|(k, f)| (k.as_str(), f.count))
            .collect::<Vec<_>>(),
        [("address:10.0.0.9", 1), ("account:chen", 2)]
    );
    let third = store
        .count_sign_in_failure("account:chen", at(10), &mut |b| counted(b, at(22)))
        .unwrap();
    assert_eq!(third.count, 3);
    assert!(
        store
            .sign_in_failures(&["address:10.0.0.9".into()])
            .unwrap()
            .is_empty(),
        "its last failure was before the window"
    );
    store.clear_sign_in_failures("account:chen").unwrap();
    assert!(
        store
            .sign_in_failures(&["account:chen".into()])
            .unwrap()
            .is_empty()
    );

    // Intake keys: known by hash, listed by id, revoked by id.
    let hash = [7u8; 32];
    store
        .add_intake_key(&hash, IntakeChannel::WebForm, "website form", at(23))
        .unwrap();
    assert_eq!(
        store.intake_channel_for_key(&hash).unwrap(),
        Some(IntakeChannel::WebForm)
    );
    let keys = store.intake_keys().unwrap();
    assert_eq!(
        (keys.len(), keys[0].id.clone(), keys[0].label.as_str()),
        (1, key_id(&hash), "website form")
    );
    store
        .revoke_intake_key(&key_id(&hash), &event("intake_key_revoked", "web", at(24)))
        .unwrap();
    assert_eq!(store.intake_channel_for_key(&hash).unwrap(), None);
    assert_eq!(store.intake_keys().unwrap()[0].revoked_at, Some(at(24)));
    assert_eq!(
        code(store.revoke_intake_key(&key_id(&hash), &event("intake_key_revoked", "web", at(25)))),
        "not_found"
    );

    // Device keys: registered once per user, refused to another, unusable once revoked.
    assert!(
        store
            .register_device_key("ab12", desk.id, "Pad 7", at(26))
            .unwrap()
    );
    assert!(
        !store
            .register_device_key("ab12", desk.id, "Pad 7", at(27))
            .unwrap()
    );
    assert_eq!(
        code(store.register_device_key("ab12", chen.id, "Pad 8", at(27))),
        "conflict"
    );
    assert_eq!(store.device_key_user("ab12").unwrap(), Some(desk.id));
    assert_eq!(
        store.device_key_owner("ab12").unwrap(),
        Some((desk.display_name.clone(), None))
    );
    assert_eq!(
        store.first_device_registration(desk.id).unwrap(),
        Some(at(26))
    );
    assert_eq!(store.first_device_registration(chen.id).unwrap(), None);
    store
        .revoke_device_key("ab12", &event("device_key_revoked", "Desk", at(28)))
        .unwrap();
    assert_eq!(store.device_key_user("ab12").unwrap(), None);
    assert_eq!(
        store.device_key_owner("ab12").unwrap(),
        Some((desk.display_name.clone(), Some(at(28))))
    );
    assert_eq!(
        code(store.register_device_key("ab12", desk.id, "Pad 7", at(29))),
        "device_key_revoked"
    );
    let devices = store.device_keys().unwrap();
    assert_eq!(
        (
            devices.len(),
            devices[0].username.as_str(),
            devices[0].revoked_at
        ),
        (1, "Desk", Some(at(28)))
    );

    // The server's seal secret: the first candidate stays.
    assert_eq!(store.server_seal_secret([1; 32]).unwrap(), [1; 32]);
    assert_eq!(store.server_seal_secret([2; 32]).unwrap(), [1; 32]);
}

fn details<T: serde::de::DeserializeOwned>(json: serde_json::Value) -> T {
    serde_json::from_value(json).unwrap()
}

/// The customer file: records added and edited at a version, the edit history, the phone
/// desk's search, the export's order.
fn customer_rules<S: CustomerStore>(store: &S) {
    use fixline_core::ids::{AssetId, ContactId, CustomerId, SiteId};
    use serde_json::json;
    let at = |m: i64| t0() + TimeDelta::minutes(m);
    let actor: fixline_core::role::Actor = details(json!({
        "user": uuid::Uuid::from_u128(9), "name": "王芳", "role": "dispatcher"
    }));
    let by = Some(&actor);
    let id = || uuid::Uuid::now_v7();

    let hotel = CustomerId::from_uuid(id());
    let made = store
        .create_customer(
            hotel,
            details(json!({"name": "西湖大酒店", "kind": "business", "phone": "0571-8888 1234"})),
            by,
            at(0),
        )
        .unwrap();
    assert_eq!(made.version, 1);
    let other = CustomerId::from_uuid(id());
    store
        .create_customer(other, details(json!({"name": "Alice Zhang"})), None, at(1))
        .unwrap();
    let renamed = store
        .update_customer(
            hotel,
            1,
            details(
                json!({"name": "西湖国际大酒店", "kind": "business", "phone": "0571-8888 1234"}),
            ),
            by,
            at(2),
        )
        .unwrap();
    assert_eq!((renamed.version, renamed.updated_at), (2, at(2)));
    assert!(matches!(
        store.update_customer(hotel, 1, details(json!({"name": "x"})), by, at(3)),
        Err(Error::StaleVersion { current: 2, .. })
    ));
    assert_eq!(
        code(store.update_customer(hotel, 2, details(json!({"name": " "})), by, at(3))),
        "invalid_input"
    );

    let front_desk = ContactId::from_uuid(id());
    store
        .add_contact(
            front_desk,
            hotel,
            details(json!({"name": "前台 刘", "phone": "+86 138-0000-5678", "primary": true})),
            by,
            at(4),
        )
        .unwrap();
    assert_eq!(
        code(store.add_contact(
            ContactId::from_uuid(id()),
            CustomerId::from_uuid(id()),
            details(json!({"name": "nobody", "phone": "138 0000 0001"})),
            by,
            at(4)
        )),
        "not_found"
    );
    let contact = store
        .update_contact(
            front_desk,
            1,
            details(json!({"name": "前台 刘", "phone": "+86 138-0000-5678", "title": "经理"})),
            by,
            at(5),
        )
        .unwrap();
    assert_eq!(store.contact(front_desk).unwrap(), contact);

    let lobby = SiteId::from_uuid(id());
    let site_details =
        json!({"name": "主楼", "address": "北山街 78 号", "city": "杭州", "region": "西湖区"});
    store
        .create_site(lobby, hotel, details(site_details.clone()), by, at(6))
        .unwrap();
    let elsewhere = SiteId::from_uuid(id());
    store
        .create_site(
            elsewhere,
            other,
            details(json!({"name": "Home", "address": "1 Lake Road", "city": "Hangzhou", "region": "拱墅区"})),
            None,
            at(6),
        )
        .unwrap();
    let chiller = AssetId::from_uuid(id());
    let asset = json!({"site_id": lobby, "model": "GREE KFR-72LW", "serial": "SN-7781-A", "category": "air_conditioner"});
    store
        .create_asset(chiller, hotel, details(asset.clone()), by, at(7))
        .unwrap();
    assert_eq!(
        code(store.create_asset(
            AssetId::from_uuid(id()),
            other,
            details(asset.clone()),
            by,
            at(7)
        )),
        "invalid_input",
        "a site of another customer"
    );
    let mut moved = asset.clone();
    moved["site_id"] = json!(elsewhere);
    assert_eq!(
        code(store.update_asset(chiller, 1, details(moved), by, at(8))),
        "invalid_input"
    );
    let mut warranty = asset.clone();
    warranty["warranty_end"] = json!("2029-06-30");
    let edited = store
        .update_asset(chiller, 1, details(warranty), by, at(8))
        .unwrap();
    assert_eq!(
        (edited.version, store.asset(chiller).unwrap()),
        (2, edited.clone())
    );
    assert_eq!(store.site(lobby).unwrap().details.region, "西湖区");

    let file = store.customer_file(hotel).unwrap();
    assert_eq!(file.customer, store.customer(hotel).unwrap());
    assert_eq!(
        (
            file.contacts.len(),
            file.sites.len(),
            file.assets.len(),
            file.work_orders.len()
        ),
        (1, 1, 1, 0)
    );
    let history = store.file_history(hotel).unwrap();
    let kinds: Vec<(String, bool)> = history
        .iter()
        .map(|e| {
            (
                serde_json::to_value(e.record)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned(),
                e.added,
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("asset".into(), false),
            ("asset".into(), true),
            ("site".into(), true),
            ("contact".into(), false),
            ("contact".into(), true),
            ("customer".into(), false),
            ("customer".into(), true),
        ],
        "newest first; refused edits left nothing"
    );
    assert_eq!(
        history[0].actor.as_ref().map(|a| a.name.as_str()),
        Some("王芳")
    );
    assert_eq!(
        code(store.file_history(CustomerId::from_uuid(id()))),
        "not_found"
    );

    // The phone desk finds the customer by whatever the caller says.
    let found = |text: &str| -> Vec<String> {
        store
            .list_customers(Some(text), Visibility::All, Paging::new(None, None))
            .unwrap()
            .items
            .into_iter()
            .map(|c| c.details.name)
            .collect()
    };
    assert_eq!(found("国际"), ["西湖国际大酒店"]);
    assert_eq!(found("ALICE"), ["Alice Zhang"]);
    assert_eq!(
        found("0571 88881234"),
        ["西湖国际大酒店"],
        "the customer's phone"
    );
    assert_eq!(
        found("13800005678"),
        ["西湖国际大酒店"],
        "a contact's phone"
    );
    assert_eq!(found("sn-7781"), ["西湖国际大酒店"], "a serial");
    assert_eq!(found("lake road"), ["Alice Zhang"], "an address");
    assert_eq!(
        found("100%_"),
        Vec::<String>::new(),
        "LIKE's wildcards are text"
    );
    let all = store
        .list_customers(None, Visibility::All, Paging::new(Some(1), Some(1)))
        .unwrap();
    assert_eq!(
        (all.total, all.items[0].details.name.as_str()),
        (2, "Alice Zhang")
    );
    let engineer = EngineerId::from_uuid(id());
    assert_eq!(
        store
            .list_customers(
                None,
                Visibility::Engineer(engineer),
                Paging::new(None, None)
            )
            .unwrap()
            .total,
        0,
        "an engineer sees the customers of their jobs only"
    );
    assert!(!store.engineer_serves_customer(engineer, hotel).unwrap());

    let names: Vec<String> = store
        .every_customer()
        .unwrap()
        .into_iter()
        .map(|c| c.details.name)
        .collect();
    assert_eq!(
        names,
        ["西湖国际大酒店", "Alice Zhang"],
        "in the order added"
    );
    assert_eq!(store.every_site().unwrap().len(), 2);
    assert_eq!(store.every_asset().unwrap()[0].id, chiller);
}

#[test]
fn the_customer_file_keeps_the_same_rules_on_both_stores() {
    on_both!(customer_rules);
}

/// A customer made from `customer` (its details) with one site in 西湖区.
fn customer_with_site<S: CustomerStore>(
    store: &S,
    customer: serde_json::Value,
) -> (fixline_core::ids::CustomerId, fixline_core::ids::SiteId) {
    let id = fixline_core::ids::CustomerId::from_uuid(uuid::Uuid::now_v7());
    store
        .create_customer(id, details(customer), None, t0())
        .unwrap();
    let site = fixline_core::ids::SiteId::from_uuid(uuid::Uuid::now_v7());
    store
        .create_site(
            site,
            id,
            details(serde_json::json!({"name": "主楼", "address": "北山街 78 号", "city": "杭州", "region": "西湖区"})),
            None,
            t0(),
        )
        .unwrap();
    (id, site)
}

/// A job the desk filed for the customer's site.
fn filed<S: WorkOrderStore>(
    store: &S,
    customer: fixline_core::ids::CustomerId,
    site: fixline_core::ids::SiteId,
    symptom: &str,
    at: DateTime<Utc>,
) -> fixline_core::work_order::WorkOrder {
    let target = fixline_server::store::TargetSpec {
        serial: None,
        ids: Some((customer, site, None)),
        caller: None,
        attach: fixline_server::store::Attach::Known,
    };
    match store
        .create_work_order(
            intake(
                fixline_core::work_order::IntakeChannel::Phone,
                None,
                target,
                symptom,
                at,
            ),
            at,
        )
        .unwrap()
    {
        (fixline_server::store::Taken::Opened(job), _) => *job,
        (fixline_server::store::Taken::Held(p), _) => panic!("held: {p:?}"),
    }
}

/// A request as the desk or a channel files it, made into a work order by core.
fn intake(
    channel: fixline_core::work_order::IntakeChannel,
    key: Option<&str>,
    target: fixline_server::store::TargetSpec,
    symptom: &str,
    at: DateTime<Utc>,
) -> fixline_server::store::WorkOrderIntake {
    use fixline_core::work_order::{WorkOrder, WorkOrderRequest};
    let request: fixline_server::store::IntakeRequest =
        details(serde_json::json!({ "symptom": symptom }));
    let symptom = symptom.to_owned();
    fixline_server::store::WorkOrderIntake {
        channel,
        idempotency_key: key.map(str::to_owned),
        actor: None,
        target,
        request,
        build: Box::new(move |t, number| {
            let request = WorkOrderRequest {
                customer_id: t.customer.id,
                site_id: t.site.id,
                asset_id: t.asset.as_ref().map(|a| a.id),
                category: "refrigeration".into(),
                priority: Default::default(),
                symptom,
                requested_window: None,
            };
            Ok(WorkOrder::open(
                fixline_core::ids::WorkOrderId::from_uuid(uuid::Uuid::now_v7()),
                number,
                request,
                channel,
                at,
                fixline_core::sla::SlaTerms {
                    tier: t.customer.details.tier,
                    policy: &Default::default(),
                    time_zone: fixline_core::zone::ServiceArea::default()
                        .zone_of(&t.site.details.region),
                },
            )?)
        }),
    }
}

/// Work orders: filed from a serial, ids or a caller (new or known by phone), once per
/// idempotency key; a channel's request that matches a file held for the desk; stepped at a
/// version with its history; listed and searched; the customer file shows them.
fn work_order_rules<S: WorkOrderStore + CustomerStore + EngineerStore + AccessStore>(store: &S) {
    use fixline_core::ids::{AssetId, CustomerId, SiteId};
    use fixline_core::work_order::{Action, ActionContext, IntakeChannel, Status};
    use fixline_server::store::{Attach, PendingResolution, Taken, TargetSpec, WorkOrderFilter};
    use serde_json::json;
    let at = |m: i64| t0() + TimeDelta::minutes(m);
    let id = uuid::Uuid::now_v7;
    let opened = |t: (Taken, bool)| match t {
        (Taken::Opened(wo), dup) => (*wo, dup),
        (Taken::Held(p), _) => panic!("held: {p:?}"),
    };
    let engineer = EngineerId::from_uuid(id());
    store
        .create_engineer(engineer, engineer_details("陈建国"), at(0))
        .unwrap();
    store
        .create_user(&login("chen", Role::Engineer, Some(engineer)), "h", at(0))
        .unwrap();
    let hotel = CustomerId::from_uuid(id());
    store
        .create_customer(
            hotel,
            details(json!({"name": "西湖大酒店", "phone": "0571-8888 1234", "email": "ops@hotel.example"})),
            None,
            at(0),
        )
        .unwrap();
    let lobby = SiteId::from_uuid(id());
    store
        .create_site(
            lobby,
            hotel,
            details(json!({"name": "主楼", "address": "北山街 78 号", "city": "杭州", "region": "西湖区"})),
            None,
            at(0),
        )
        .unwrap();
    let chiller = AssetId::from_uuid(id());
    store
        .create_asset(
            chiller,
            hotel,
            details(json!({"site_id": lobby, "model": "GREE KFR-72LW", "serial": "SN-1", "category": "refrigeration"})),
            None,
            at(0),
        )
        .unwrap();
    let by_serial = || TargetSpec {
        serial: Some(" SN-1 ".into()),
        ids: None,
        caller: None,
        attach: Attach::Known,
    };

    // Filed once per key, however often the channel retries.
    let (first, dup) = opened(
        store
            .create_work_order(
                intake(
                    IntakeChannel::Phone,
                    Some("k1"),
                    by_serial(),
                    "冷柜不制冷",
                    at(1),
                ),
                at(1),
            )
            .unwrap(),
    );
    assert_eq!(
        (first.number.as_str(), dup, first.asset_id),
        ("WO-000001", false, Some(chiller))
    );
    let (again, dup) = opened(
        store
            .create_work_order(
                intake(
                    IntakeChannel::Phone,
                    Some("k1"),
                    by_serial(),
                    "冷柜不制冷",
                    at(2),
                ),
                at(2),
            )
            .unwrap(),
    );
    assert_eq!((again.id, dup), (first.id, true));

    // A new caller gets a customer and site of their own; a known phone files into its customer
    // (at a new address, a new site).
    let caller = |phone: &str, address: &str| TargetSpec {
        serial: None,
        ids: None,
        caller: Some(details(
            json!({"name": "张先生", "phone": phone, "address": address,
            "city": "杭州", "region": "拱墅区"}),
        )),
        attach: Attach::Known,
    };
    let (newcomer, _) = opened(
        store
            .create_work_order(
                intake(
                    IntakeChannel::Phone,
                    None,
                    caller("139 1111 2222", "湖墅南路 1 号"),
                    "洗衣机漏水",
                    at(3),
                ),
                at(3),
            )
            .unwrap(),
    );
    assert_eq!(newcomer.number, "WO-000002");
    assert_ne!(newcomer.customer_id, hotel);
    let file = store.customer_file(newcomer.customer_id).unwrap();
    assert_eq!(
        (
            file.customer.details.name.as_str(),
            file.sites.len(),
            file.work_orders.len()
        ),
        ("张先生", 1, 1)
    );
    let (known, _) = opened(
        store
            .create_work_order(
                intake(
                    IntakeChannel::Phone,
                    None,
                    caller("(0571) 8888-1234", "延安路 2 号"),
                    "制冰机异响",
                    at(4),
                ),
                at(4),
            )
            .unwrap(),
    );
    assert_eq!(known.customer_id, hotel, "found by the hotel's phone");
    assert_eq!(store.customer_file(hotel).unwrap().sites.len(), 2);
    let mut ids_of_another = by_serial();
    ids_of_another.serial = None;
    ids_of_another.ids = Some((newcomer.customer_id, lobby, None));
    assert_eq!(
        code(store.create_work_order(
            intake(IntakeChannel::Phone, None, ids_of_another, "x", at(4)),
            at(4)
        )),
        "invalid_input"
    );

    // An outside channel's request that matches a file waits for the desk.
    let mut hold = by_serial();
    hold.attach = Attach::Hold;
    let held = match store
        .create_work_order(
            intake(
                IntakeChannel::WebForm,
                Some("w1"),
                hold.clone(),
                "不制冷",
                at(5),
            ),
            at(5),
        )
        .unwrap()
    {
        (Taken::Held(p), false) => *p,
        other => panic!("not held: {other:?}"),
    };
    assert_eq!(
        (held.matched_customer, held.matched_asset),
        (hotel, Some(chiller))
    );
    assert!(matches!(
        store.create_work_order(
            intake(IntakeChannel::WebForm, Some("w1"), hold, "不制冷", at(6)),
            at(6)
        ),
        Ok((Taken::Held(_), true))
    ));
    assert_eq!(store.pending_intakes(false).unwrap().len(), 1);
    let desk = UserId::from_uuid(id());
    let rejected = store
        .resolve_pending_intake(
            held.id,
            PendingResolution::Rejected("重复来电".into()),
            desk,
            at(7),
        )
        .unwrap();
    assert_eq!(
        store
            .resolve_pending_intake(
                held.id,
                PendingResolution::Rejected("重复来电".into()),
                desk,
                at(8)
            )
            .unwrap(),
        rejected,
        "answered as it is"
    );
    assert_eq!(
        code(store.resolve_pending_intake(
            held.id,
            PendingResolution::Filed(first.id),
            desk,
            at(8)
        )),
        "conflict"
    );
    assert!(store.pending_intakes(false).unwrap().is_empty());
    assert_eq!(store.pending_intakes(true).unwrap().len(), 1);
    assert_eq!(store.pending_intake(held.id).unwrap(), rejected);

    // Stepped at a version, with its history; a stale version is refused.
    let dispatcher: fixline_core::role::Actor =
        details(json!({"user": desk, "name": "王芳", "role": "dispatcher"}));
    let (policy, codes) = (Default::default(), Default::default());
    let ctx = ActionContext {
        actor: &dispatcher,
        at: at(9),
        policy: &policy,
        codes: &codes,
    };
    let assigned = store
        .update_work_order(first.id, Some(1), at(9), &mut |wo| {
            Ok(wo.act(&Action::Assign { engineer }, &ctx)?)
        })
        .unwrap();
    assert_eq!(
        (assigned.version, assigned.status, assigned.assignee),
        (2, Status::Assigned, Some(engineer))
    );
    assert!(matches!(
        store.update_work_order(first.id, Some(1), at(10), &mut |wo| Ok(
            wo.act(&Action::Assign { engineer }, &ctx)?
        )),
        Err(Error::StaleVersion { current: 2, .. })
    ));
    assert_eq!(store.work_order(first.id).unwrap(), assigned);
    assert_eq!(store.history(first.id).unwrap().len(), 2);
    assert!(store.engineer_serves_customer(engineer, hotel).unwrap());
    let theirs = store
        .list_customers(
            None,
            Visibility::Engineer(engineer),
            Paging::new(None, None),
        )
        .unwrap();
    assert_eq!((theirs.total, theirs.items[0].id), (1, hotel));

    // Listed by the desk's filters, and found by what the caller said.
    let list = |f: WorkOrderFilter| -> Vec<String> {
        store
            .list_work_orders(&f, Paging::new(None, None))
            .unwrap()
            .items
            .into_iter()
            .map(|w| w.number)
            .collect()
    };
    assert_eq!(
        list(WorkOrderFilter::default()),
        ["WO-000003", "WO-000002", "WO-000001"]
    );
    assert_eq!(
        list(WorkOrderFilter {
            assignee: Some(engineer),
            ..Default::default()
        }),
        ["WO-000001"]
    );
    assert_eq!(
        list(WorkOrderFilter {
            customer: Some(hotel),
            ..Default::default()
        }),
        ["WO-000003", "WO-000001"]
    );
    assert_eq!(
        list(WorkOrderFilter {
            text: Some("漏水".into()),
            ..Default::default()
        }),
        ["WO-000002"]
    );
    assert_eq!(
        list(WorkOrderFilter {
            text: Some("北山街".into()),
            ..Default::default()
        }),
        ["WO-000001"]
    );
    assert_eq!(
        list(WorkOrderFilter {
            statuses: vec![Status::Assigned],
            ..Default::default()
        }),
        ["WO-000001"]
    );
    assert_eq!(
        list(WorkOrderFilter {
            created_from: Some(at(3)),
            created_to: Some(at(4)),
            ..Default::default()
        }),
        ["WO-000002"]
    );
    assert_eq!(
        list(WorkOrderFilter {
            open_only: true,
            region: Some("拱墅区".into()),
            ..Default::default()
        }),
        ["WO-000002", "WO-000003"],
        "open ones oldest first; the hotel's new site is in 拱墅区 too"
    );
}

#[test]
fn work_orders_keep_the_same_rules_on_both_stores() {
    on_both!(work_order_rules);
}

/// Complaints and what changes tell people: a job assigned and a complaint acknowledged write
/// the customer's notifications and the staff's notices; workers claim, settle and resend
/// them; the inbox lists complaints by deadline. Returns what was written, to compare stores.
fn complaint_and_notice_rules<S>(store: &S) -> Vec<String>
where
    S: WorkOrderStore + CustomerStore + EngineerStore + AccessStore + ComplaintStore + NoticeStore,
{
    use fixline_core::complaint::{Complaint, ComplaintAction, ComplaintActor, ComplaintContext};
    use fixline_core::ids::{ComplaintId, CustomerId};
    use fixline_core::notify::{DeliveryState, NoticeSubject};
    use fixline_core::work_order::{Action, ActionContext};
    use fixline_server::store::DeliveryOutcome;
    use serde_json::json;
    let at = |m: i64| t0() + TimeDelta::minutes(m);
    let id = uuid::Uuid::now_v7;
    let engineer = EngineerId::from_uuid(id());
    store
        .create_engineer(engineer, engineer_details("陈建国"), at(0))
        .unwrap();
    let chen = login("chen", Role::Engineer, Some(engineer));
    store.create_user(&chen, "h", at(0)).unwrap();
    let lin = login("lin", Role::ComplaintHandler, None);
    store.create_user(&lin, "h", at(0)).unwrap();
    let (customer, site) = customer_with_site(
        store,
        json!({"name": "西湖大酒店", "phone": "0571-8888 1234", "email": "ops@hotel.example"}),
    );
    let job = filed(store, customer, site, "冷柜不制冷", at(1));
    let desk: fixline_core::role::Actor =
        details(json!({"user": uuid::Uuid::from_u128(7), "name": "王芳", "role": "dispatcher"}));
    let (policy, codes) = (Default::default(), Default::default());
    let ctx = ActionContext {
        actor: &desk,
        at: at(2),
        policy: &policy,
        codes: &codes,
    };
    store
        .update_work_order(job.id, Some(1), at(2), &mut |wo| {
            Ok(wo.act(&Action::Assign { engineer }, &ctx)?)
        })
        .unwrap();

    // The engineer's bell rings; they read it.
    let bell = store.staff_notices(chen.id, true, 10).unwrap();
    assert!(!bell.is_empty(), "the assignment is on chen's bell");
    assert_eq!(bell[0].work_order, Some(job.id));
    store.read_staff_notices(chen.id, None, at(3)).unwrap();
    assert!(store.staff_notices(chen.id, true, 10).unwrap().is_empty());
    assert_eq!(
        store.staff_notices(chen.id, false, 10).unwrap()[0].read_at,
        Some(at(3))
    );

    // A complaint about the job, numbered, listed by deadline, acknowledged at a version.
    let policy = Default::default();
    let calendar = Default::default();
    let terms = fixline_core::complaint::ComplaintTerms {
        policy: &policy,
        calendar: &calendar,
        time_zone: fixline_core::zone::ServiceArea::default().zone_of("西湖区"),
    };
    let request: fixline_core::complaint::ComplaintRequest = details(json!({
        "customer_id": customer, "work_orders": [job.id], "channel": "phone",
        "category": "service_attitude", "severity": "high", "summary": "工程师迟到两小时"
    }));
    let complaint_id = ComplaintId::from_uuid(id());
    let complaint = store
        .create_complaint(
            &mut |number| {
                Ok(Complaint::receive(
                    complaint_id,
                    number,
                    request.clone(),
                    at(4),
                    terms,
                )?)
            },
            at(4),
        )
        .unwrap();
    assert_eq!(complaint.number, "CP-000001");
    let mut stranger = request.clone();
    stranger.customer_id = CustomerId::from_uuid(id());
    assert_eq!(
        code(store.create_complaint(
            &mut |number| Ok(Complaint::receive(
                ComplaintId::from_uuid(id()),
                number,
                stranger.clone(),
                at(4),
                terms
            )?),
            at(4),
        )),
        "unknown_customer"
    );
    assert_eq!(store.complaint(complaint_id).unwrap(), complaint);
    assert_eq!(store.complaints(true, 10).unwrap().len(), 1);
    assert_eq!(
        store.complaints_of_customer(customer).unwrap()[0].id,
        complaint_id
    );
    assert_eq!(store.complaints_received(at(0), at(5)).unwrap().len(), 1);
    assert!(store.complaints_received(at(5), at(6)).unwrap().is_empty());
    assert!(store.complaints_past_deadline(at(5)).unwrap().is_empty());
    assert_eq!(
        store
            .complaints_past_deadline(at(60 * 24 * 30))
            .unwrap()
            .len(),
        1,
        "a month on, its deadlines have passed"
    );
    let handler = ComplaintActor::Staff(details(
        json!({"user": lin.id, "name": "林", "role": "complaint_handler"}),
    ));
    let cctx = ComplaintContext {
        actor: &handler,
        at: at(5),
        policy: &policy,
        calendar: &calendar,
    };
    let acknowledge = ComplaintAction::Acknowledge {
        note: Some("已致电客户".into()),
    };
    let acknowledged = store
        .update_complaint(
            complaint_id,
            Some(1),
            &mut |c| Ok(c.apply(&acknowledge, &cctx)?),
            at(5),
        )
        .unwrap();
    assert_eq!(acknowledged.version, 2);
    assert!(matches!(
        store.update_complaint(
            complaint_id,
            Some(1),
            &mut |c| Ok(c.apply(&acknowledge, &cctx)?),
            at(6)
        ),
        Err(Error::StaleVersion { current: 2, .. })
    ));

    // The outbox: claimed once, settled, a dead one resent.
    let about_complaint = store
        .deliveries(None, Some(NoticeSubject::Complaint(complaint_id)), None, 50)
        .unwrap();
    assert!(
        !about_complaint.is_empty(),
        "the acknowledgement tells the customer"
    );
    let mut written: Vec<String> = store
        .deliveries(None, None, None, 100)
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {} {} {} {}",
                if d.work_order.is_some() {
                    "job"
                } else {
                    "complaint"
                },
                serde_json::to_value(d.event).unwrap(),
                d.channel.as_str(),
                d.recipient,
                d.state.as_str()
            )
        })
        .collect();
    written.sort();
    let claimed = store
        .claim_deliveries(at(10), TimeDelta::minutes(5), 100)
        .unwrap();
    assert_eq!(claimed.len(), written.len(), "everything due is claimed");
    assert!(
        store
            .claim_deliveries(at(11), TimeDelta::minutes(5), 100)
            .unwrap()
            .is_empty(),
        "claimed ones are leased"
    );
    store
        .settle_delivery(claimed[0].id, DeliveryOutcome::Sent, at(12))
        .unwrap();
    let dead = claimed[1].id;
    store
        .settle_delivery(
            dead,
            DeliveryOutcome::Failed {
                error: "550 no such mailbox".into(),
                retry_at: None,
            },
            at(12),
        )
        .unwrap();
    assert_eq!(
        store
            .deliveries(Some(DeliveryState::Dead), None, None, 10)
            .unwrap()[0]
            .id,
        dead
    );
    let again = store.resend_delivery(dead, at(13)).unwrap();
    assert_eq!(
        (again.state, again.attempts, again.due_at),
        (DeliveryState::Pending, 0, at(13))
    );
    assert_eq!(
        code(store.resend_delivery(claimed[0].id, at(13))),
        "not_dead"
    );
    let reclaimed = store
        .claim_deliveries(at(14), TimeDelta::minutes(5), 100)
        .unwrap();
    assert_eq!(reclaimed.iter().map(|d| d.id).collect::<Vec<_>>(), [dead]);
    written.push(format!("bell: {}", bell.len()));
    written
}

#[test]
fn complaints_and_notices_keep_the_same_rules_on_both_stores() {
    let (on_sqlite, on_postgres) = on_both!(complaint_and_notice_rules);
    assert_eq!(on_postgres, on_sqlite, "the same notifications and notices");
}

/// Workers on two servers claiming the outbox at once never claim one delivery twice.
#[test]
fn two_servers_never_claim_one_delivery_twice() {
    let pg = ThrowawayPostgres::start();
    let a = Arc::new(PgStore::open(&pg.url).expect("server A"));
    let b = Arc::new(PgStore::open(&pg.url).expect("server B"));
    complaint_and_notice_rules(&*a);
    // Put everything back in the queue, then let six workers on two servers drain it.
    let due = execute(
        &pg.url,
        "UPDATE deliveries SET state = 'pending', due_at = $1",
        t0(),
    );
    assert!(due > 2, "{due} deliveries");
    let workers: Vec<_> = (0..6)
        .map(|i| {
            let store = Arc::clone(if i % 2 == 0 { &a } else { &b });
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                loop {
                    let got = store
                        .claim_deliveries(t0(), TimeDelta::hours(1), 1)
                        .unwrap();
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got.into_iter().map(|d| d.id));
                }
            })
        })
        .collect();
    let mut claimed: Vec<uuid::Uuid> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let total = claimed.len();
    claimed.sort();
    claimed.dedup();
    assert_eq!(
        (claimed.len(), total),
        (due as usize, due as usize),
        "each claimed once"
    );
}

/// Runs one statement with one parameter on the database, as an operator would.
fn execute(url: &str, sql: &str, param: DateTime<Utc>) -> u64 {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client.execute(sql, &[&param]).await.unwrap()
        })
}

/// What a job leaves behind and what is learned from it: parts, files that reached the server
/// for the job, the tracking link, the customer's survey (its scores on the KPI facts), the
/// QA scorecard and the review's improvement actions.
fn quality_and_receipt_rules<S>(store: &S)
where
    S: WorkOrderStore + CustomerStore + EngineerStore + QualityStore + ReceiptStore,
{
    use fixline_core::ids::ImprovementId;
    use fixline_core::improvement::ImprovementAction;
    use fixline_core::quality::QaReview;
    use fixline_core::survey::{Survey, SurveySource};
    use fixline_core::work_order::{Action, ActionContext};

    use serde_json::json;
    let at = |m: i64| t0() + TimeDelta::minutes(m);
    let id = uuid::Uuid::now_v7;
    let engineer = EngineerId::from_uuid(id());
    store
        .create_engineer(engineer, engineer_details("陈建国"), at(0))
        .unwrap();
    let (customer, site) = customer_with_site(store, json!({"name": "西湖大酒店"}));
    let job = filed(store, customer, site, "冷柜不制冷", at(1));
    let desk: fixline_core::role::Actor =
        details(json!({"user": uuid::Uuid::from_u128(7), "name": "王芳", "role": "dispatcher"}));
    let (policy, codes) = (Default::default(), Default::default());
    let ctx = ActionContext {
        actor: &desk,
        at: at(2),
        policy: &policy,
        codes: &codes,
    };
    store
        .update_work_order(job.id, Some(1), at(2), &mut |wo| {
            Ok(wo.act(&Action::Assign { engineer }, &ctx)?)
        })
        .unwrap();

    // Parts, replaced by number.
    for (number, name) in [
        ("RLY-1", "启动继电器"),
        ("CAP-2", "电容"),
        ("RLY-1", "启动继电器 220V"),
    ] {
        store
            .put_part(
                &details(
                    json!({"part_number": number, "name": name, "unit_price": {"amount": "45.00"}}),
                ),
                at(3),
            )
            .unwrap();
    }
    let parts = store.parts().unwrap();
    assert_eq!(
        parts
            .iter()
            .map(|p| (p.part_number.as_str(), p.name.as_str()))
            .collect::<Vec<_>>(),
        [("CAP-2", "电容"), ("RLY-1", "启动继电器 220V")]
    );

    // A photo's bytes reached the server for the job: its engineer may fetch it, nobody else.
    let sha = "ab".repeat(32);
    for _ in 0..2 {
        store
            .record_blob_jobs(&sha, &[job.id], None, at(4))
            .unwrap();
    }
    assert!(store.blob_reached(&sha, engineer).unwrap());
    assert!(
        !store
            .blob_reached(&sha, EngineerId::from_uuid(id()))
            .unwrap()
    );
    assert!(!store.blob_reached(&"cd".repeat(32), engineer).unwrap());
    assert!(
        store.work_orders_naming_blob(&sha).unwrap().is_empty(),
        "no photo names it yet"
    );
    assert_eq!(
        store.work_order_by_receipt_token("no-such-token").unwrap(),
        None
    );
    store
        .record_receipt_mail(job.id, "ops@hotel.example", at(5), None)
        .unwrap();

    // The tracking link: the first token stays.
    assert_eq!(
        store.tracking_token(job.id, "tok-a", at(5)).unwrap(),
        "tok-a"
    );
    assert_eq!(
        store.tracking_token(job.id, "tok-b", at(6)).unwrap(),
        "tok-a"
    );
    assert_eq!(
        store
            .work_order_by_tracking_token("tok-a")
            .unwrap()
            .map(|w| w.id),
        Some(job.id)
    );
    assert_eq!(store.work_order_by_tracking_token("tok-b").unwrap(), None);

    // The survey: the first answer, then a revision of it.
    assert_eq!(store.survey(job.id).unwrap(), None);
    let answer = |csat: u8| details(json!({"csat": csat, "nps": 9, "effort": 2, "fixed": true}));
    let first = store
        .answer_survey(job.id, &mut |before| {
            assert!(before.is_none());
            Ok(Survey::first(
                job.id,
                answer(4),
                SurveySource::CustomerPage,
                at(7),
            )?)
        })
        .unwrap();
    let revised = store
        .answer_survey(job.id, &mut |before| {
            Ok(before
                .expect("the first")
                .revised(answer(5), SurveySource::ReturnCall, at(8))?)
        })
        .unwrap();
    assert_eq!(
        (first.revisions, revised.revisions, revised.answer.csat),
        (1, 2, 5)
    );
    assert_eq!(store.survey(job.id).unwrap(), Some(revised));

    // The QA scorecard, replaced by a second review of the job.
    let review = |scores: Vec<u8>, m: i64| -> QaReview {
        details(
            json!({"work_order": job.id, "engineer": engineer, "week": "2026-W49",
            "scores": scores, "reviewer": "质检 周", "at": at(m)}),
        )
    };
    store.save_qa_review(&review(vec![2, 1, 2], 9)).unwrap();
    store.save_qa_review(&review(vec![2, 2, 2], 10)).unwrap();
    let reviews = store.qa_reviews(Some("2026-W49")).unwrap();
    assert_eq!(
        (reviews.len(), reviews[0].scores.clone()),
        (1, vec![2, 2, 2])
    );
    assert!(store.qa_reviews(Some("2026-W48")).unwrap().is_empty());
    assert_eq!(store.qa_reviews(None).unwrap().len(), 1);

    // Improvement actions: open ones by due day, changed at a version.
    let action = |due: &str, what: &str| -> ImprovementAction {
        details(
            json!({"id": ImprovementId::from_uuid(id()), "what": what, "owner": "李经理",
            "due": due, "kpi": "first_time_fix", "status": "planned",
            "created_at": at(11), "updated_at": at(11), "version": 1}),
        )
    };
    let (later, sooner) = (action("2027-01-31", "备件包"), action("2026-12-31", "培训"));
    store.create_improvement_action(&later).unwrap();
    store.create_improvement_action(&sooner).unwrap();
    let order: Vec<String> = store
        .improvement_actions()
        .unwrap()
        .into_iter()
        .map(|a| a.details.what)
        .collect();
    assert_eq!(order, ["培训", "备件包"]);
    let done = store
        .update_improvement_action(sooner.id, 1, &mut |a| {
            let mut next = a.clone();
            next.details.status = details(json!("done"));
            next.details.outcome = Some("全员完成".into());
            next.version += 1;
            Ok(next)
        })
        .unwrap();
    assert_eq!(done.version, 2);
    assert!(matches!(
        store.update_improvement_action(sooner.id, 1, &mut |a| Ok(a.clone())),
        Err(Error::StaleVersion { current: 2, .. })
    ));
    let order: Vec<String> = store
        .improvement_actions()
        .unwrap()
        .into_iter()
        .map(|a| a.details.what)
        .collect();
    assert_eq!(order, ["备件包", "培训"], "open ones first");
}

#[test]
fn quality_and_receipts_keep_the_same_rules_on_both_stores() {
    on_both!(quality_and_receipt_rules);
}

/// The KPI rollup: a job taken from filing to a first-visit fix, surveyed, reviewed and
/// complained about, then folded for the dashboard and listed behind it. Returns what the
/// dashboard reads, to compare stores.
fn kpi_rules<S>(store: &S) -> Vec<String>
where
    S: WorkOrderStore + CustomerStore + EngineerStore + QualityStore + ComplaintStore + KpiStore,
{
    use fixline_api::kpi::KpiFilter;

    use fixline_core::work_order::{Action, ActionContext};
    use fixline_server::store::FactsArea;
    use serde_json::json;
    let at = |m: i64| t0() + TimeDelta::minutes(m);
    let id = uuid::Uuid::now_v7;
    store.set_facts_area(FactsArea::default()).unwrap();
    let engineer = EngineerId::from_uuid(id());
    store
        .create_engineer(engineer, engineer_details("陈建国"), at(0))
        .unwrap();
    let (customer, site) = customer_with_site(store, json!({"name": "西湖大酒店"}));
    let job = filed(store, customer, site, "冷柜不制冷", at(1));
    let desk: fixline_core::role::Actor =
        details(json!({"user": uuid::Uuid::from_u128(7), "name": "王芳", "role": "dispatcher"}));
    let chen: fixline_core::role::Actor = details(json!({
        "user": uuid::Uuid::from_u128(8), "name": "陈建国", "role": "engineer", "engineer": engineer
    }));
    let (policy, codes) = (Default::default(), Default::default());
    let steps = [
        (&desk, 2, json!({"action": "assign", "engineer": engineer})),
        (&chen, 3, json!({"action": "accept"})),
        (&chen, 4, json!({"action": "start_travel"})),
        (&chen, 30, json!({"action": "arrive"})),
        (
            &chen,
            75,
            json!({"action": "complete", "resolution": "on_site_repair", "summary": "更换启动继电器"}),
        ),
    ];
    for (actor, m, step) in steps {
        let action: Action = details(step.clone());
        let ctx = ActionContext {
            actor,
            at: at(m),
            policy: &policy,
            codes: &codes,
        };
        store
            .update_work_order(job.id, None, at(m), &mut |wo| Ok(wo.act(&action, &ctx)?))
            .unwrap_or_else(|e| panic!("{step}: {e:?}"));
    }
    store
        .answer_survey(job.id, &mut |_| {
            Ok(fixline_core::survey::Survey::first(
                job.id,
                details(json!({"csat": 5, "nps": 10, "effort": 1, "fixed": true})),
                fixline_core::survey::SurveySource::CustomerPage,
                at(80),
            )?)
        })
        .unwrap();
    store
        .save_qa_review(&details(json!({"work_order": job.id, "engineer": engineer,
            "week": "2026-W49", "scores": [2, 1], "reviewer": "质检 周", "at": at(90)})))
        .unwrap();

    // A complaint about the job counts against it.
    let (policy, calendar) = (Default::default(), Default::default());
    let terms = fixline_core::complaint::ComplaintTerms {
        policy: &policy,
        calendar: &calendar,
        time_zone: fixline_core::zone::ServiceArea::default().zone_of("西湖区"),
    };
    let request: fixline_core::complaint::ComplaintRequest = details(json!({
        "customer_id": customer, "work_orders": [job.id], "channel": "phone",
        "category": "service_attitude", "severity": "low", "summary": "地上留了水"
    }));
    store
        .create_complaint(
            &mut |number| {
                Ok(fixline_core::complaint::Complaint::receive(
                    fixline_core::ids::ComplaintId::from_uuid(id()),
                    number,
                    request.clone(),
                    at(95),
                    terms,
                )?)
            },
            at(95),
        )
        .unwrap();

    let mut seen = Vec::new();
    store
        .fold_job_facts(&KpiFilter::default(), &mut |v| {
            let f = v.facts;
            seen.push(format!(
                "{:?} {:?} {} {} [{}] {} ftf={} visits={} on_site={} travel={} sla={:?} survey={:?} qa={:?} complaints={}",
                f.day, f.engineer.is_some(), v.region, v.category, v.model, v.channel,
                f.first_visit_fix, f.visits, f.on_site_minutes, f.travel_minutes,
                f.sla_on_time, f.survey, f.qa_percent, f.complaints
            ));
        })
        .unwrap();
    assert_eq!(seen.len(), 1, "one finished job: {seen:?}");
    assert!(
        seen[0].contains("survey=Some((5, 10, 1)) qa=Some(25.0) complaints=1"),
        "the survey, review and complaint are on the job's facts: {seen:?}"
    );
    let none = KpiFilter {
        region: Some("拱墅区".into()),
        ..Default::default()
    };
    store
        .fold_job_facts(&none, &mut |_| panic!("filtered out"))
        .unwrap();
    let (rows, total) = store
        .job_facts_page(
            &KpiFilter {
                engineer: Some(engineer),
                ..Default::default()
            },
            Paging::new(None, None),
        )
        .unwrap();
    assert_eq!(
        (total, rows[0].work_order_id, rows[0].number.as_str()),
        (1, job.id, "WO-000001")
    );
    assert_eq!(rows[0].facts.engineer, Some(engineer));
    seen.push(format!(
        "{:?}",
        fixline_core::kpi::JobFacts {
            engineer: None,
            ..rows[0].facts.clone()
        }
    ));
    seen
}

#[test]
fn kpi_facts_are_the_same_on_both_stores() {
    let (on_sqlite, on_postgres) = on_both!(kpi_rules);
    assert_eq!(on_postgres, on_sqlite);
}

/// Device sync: an engineer's device pulls its scope (snapshot, then the log), pushes steps
/// once each (a repeat gets the same answer, a reused id is refused), and a step made stale by
/// the desk is kept as a conflict. Returns what the device saw, to compare stores.
fn sync_rules<S>(store: &S) -> Vec<String>
where
    S: WorkOrderStore + CustomerStore + EngineerStore + SyncStore + AccessStore,
{
    use fixline_core::ids::ActionId;
    use fixline_core::sync::{DeviceAction, PullRecord, PushOutcome, SyncCursor, replay};
    use fixline_core::work_order::{Action, ActionContext};

    use serde_json::json;
    let at = |m: i64| t0() + TimeDelta::minutes(m);
    let id = uuid::Uuid::now_v7;
    let engineer = EngineerId::from_uuid(id());
    store
        .create_engineer(engineer, engineer_details("陈建国"), at(0))
        .unwrap();
    let li = EngineerId::from_uuid(id());
    store
        .create_engineer(li, engineer_details("李明"), at(0))
        .unwrap();
    let (customer, site) = customer_with_site(store, json!({"name": "西湖大酒店"}));
    let jobs =
        ["冷柜不制冷", "制冰机异响"].map(|symptom| filed(store, customer, site, symptom, at(1)));
    let desk: fixline_core::role::Actor =
        details(json!({"user": uuid::Uuid::from_u128(7), "name": "王芳", "role": "dispatcher"}));
    let chen: fixline_core::role::Actor = details(json!({
        "user": uuid::Uuid::from_u128(8), "name": "陈建国", "role": "engineer", "engineer": engineer
    }));
    store
        .create_user(
            &User {
                id: chen.user,
                ..login("chen", Role::Engineer, Some(engineer))
            },
            "h",
            at(0),
        )
        .unwrap();
    let (policy, codes) = (Default::default(), Default::default());
    let desk_step = |job: fixline_core::ids::WorkOrderId, m: i64, step: serde_json::Value| {
        let action: Action = details(step);
        let ctx = ActionContext {
            actor: &desk,
            at: at(m),
            policy: &policy,
            codes: &codes,
        };
        store
            .update_work_order(job, None, at(m), &mut |wo| Ok(wo.act(&action, &ctx)?))
            .unwrap()
    };
    desk_step(
        jobs[0].id,
        2,
        json!({"action": "assign", "engineer": engineer}),
    );

    let mut seen = Vec::new();
    let first_job = jobs[0].id;
    let describe = |records: &[PullRecord]| -> Vec<String> {
        records
            .iter()
            .map(|r| match r {
                PullRecord::WorkOrder(wo) => {
                    format!("job {} v{} {:?}", wo.number, wo.version, wo.status)
                }
                PullRecord::WorkOrderRemoved { reason, .. } => format!("job removed: {reason}"),
                PullRecord::CustomerFile(f) => format!(
                    "file {} ({} jobs)",
                    f.customer.details.name,
                    f.work_orders.len()
                ),
                PullRecord::Colleague(c) => format!("colleague {}", c.name),
                PullRecord::Conflict(c) => {
                    format!("conflict on the first: {}", c.work_order == first_job)
                }
                other => format!("{other:?}"),
            })
            .collect()
    };
    // The snapshot, two records a page, then the log.
    let mut cursor = SyncCursor::START;
    loop {
        let page = store.pull(engineer, cursor, 2).unwrap();
        seen.extend(describe(&page.records));
        cursor = page.cursor;
        if page.complete {
            break;
        }
    }
    seen.push("-- pushed".into());
    let push = |action_id: ActionId,
                job: &fixline_core::work_order::WorkOrder,
                base: u64,
                step: serde_json::Value,
                m: i64| {
        let action = DeviceAction {
            id: action_id,
            work_order: job.id,
            base_version: base,
            at: at(m),
            action: details(step),
        };
        store
            .apply_device_action(&chen, &action, at(m), &mut |current, standing| {
                let ctx = ActionContext {
                    actor: &chen,
                    at: action.at,
                    policy: &policy,
                    codes: &codes,
                };
                replay(current, &action, &ctx, standing)
            })
            .unwrap()
    };
    let accept = ActionId::from_uuid(id());
    let first = push(accept, &jobs[0], 2, json!({"action": "accept"}), 3);
    assert!(
        matches!(first.outcome, PushOutcome::Applied { .. }),
        "{:?}",
        first.outcome
    );
    let again = push(accept, &jobs[0], 2, json!({"action": "accept"}), 3);
    assert_eq!(
        again.outcome, first.outcome,
        "a repeat gets the same answer"
    );
    assert_eq!(
        store.work_order(jobs[0].id).unwrap().version,
        3,
        "applied once"
    );
    let reused = push(accept, &jobs[0], 3, json!({"action": "start_travel"}), 4);
    assert!(
        matches!(&reused.outcome, PushOutcome::Rejected { code, .. } if code == "action_id_reused"),
        "{:?}",
        reused.outcome
    );
    // The desk gives the job to a colleague while the device is offline: the device's later
    // step is answered by core's rules (and kept as a conflict), the same on both stores.
    desk_step(jobs[0].id, 5, json!({"action": "assign", "engineer": li}));
    let travel = push(
        ActionId::from_uuid(id()),
        &jobs[0],
        3,
        json!({"action": "start_travel"}),
        6,
    );
    seen.push(format!("{:?}", std::mem::discriminant(&travel.outcome)));
    let stranger = push(
        ActionId::from_uuid(id()),
        &jobs[1],
        1,
        json!({"action": "accept"}),
        6,
    );
    assert!(
        matches!(stranger.outcome, PushOutcome::Rejected { .. }),
        "not chen's job"
    );
    assert_eq!(
        stranger.work_order, None,
        "nothing told of a job one never held"
    );
    // The second job given to chen brings itself in the log.
    desk_step(
        jobs[1].id,
        7,
        json!({"action": "assign", "engineer": engineer}),
    );
    seen.push("-- log".into());
    loop {
        let page = store.pull(engineer, cursor, 50).unwrap();
        seen.extend(describe(&page.records));
        cursor = page.cursor;
        if page.complete {
            break;
        }
    }
    seen.push(format!(
        "conflicts: {}",
        store.conflicts(Some(engineer), 10).unwrap().len()
    ));
    seen
}

#[test]
fn device_sync_is_the_same_on_both_stores() {
    let (on_sqlite, on_postgres) = on_both!(sync_rules);
    println!("{on_sqlite:#?}");
    assert!(
        on_sqlite.iter().any(|l| l.starts_with("job WO-000002")),
        "{on_sqlite:#?}"
    );
    assert_eq!(on_postgres, on_sqlite);
}

#[test]
fn access_keeps_the_same_rules_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("fixline.db")).unwrap();
    access_rules(&store);
}

#[test]
fn access_keeps_the_same_rules_on_postgres_and_is_shared_by_servers() {
    let pg = ThrowawayPostgres::start();
    let a = Arc::new(PgStore::open(&pg.url).expect("server A"));
    let b = Arc::new(PgStore::open(&pg.url).expect("server B"));
    access_rules(&*a);

    // A session made on one server signs in on the other; a disable on B ends it for A.
    let user = b
        .user_with_password("DESK")
        .unwrap()
        .expect("B sees A's login")
        .0;
    a.create_session(b"shared", user.id, t0(), t0() + TimeDelta::hours(8))
        .unwrap();
    assert_eq!(
        b.user_by_session(b"shared", t0()).unwrap(),
        Some(user.clone())
    );
    b.change_access(
        user.id,
        &AccessChange::SignOutEverywhere,
        None,
        &event("sessions_revoked", "Desk", t0()),
    )
    .unwrap();
    assert_eq!(a.user_by_session(b"shared", t0()).unwrap(), None);

    // A guesser spread over both servers is counted once per try: 2 servers × 4 threads × 10.
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let store = Arc::clone(if i % 2 == 0 { &a } else { &b });
            std::thread::spawn(move || {
                for _ in 0..10 {
                    store
                        .count_sign_in_failure("account:desk", t0(), &mut |f| counted(f, t0()))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let kept = a.sign_in_failures(&["account:desk".into()]).unwrap();
    assert_eq!(kept[0].1.count, 80, "no try lost between servers");
}

/// Two servers filing and stepping work orders at once on one PostgreSQL: numbers are handed
/// out once each with no gap, a channel's retries through either server make one order, and
/// steps taken at the same moment through both are all kept (none lost, none doubled).
#[test]
fn two_servers_file_and_step_work_orders_at_once() {
    use fixline_core::ids::{CustomerId, SiteId};
    use fixline_core::work_order::{Action, ActionContext, IntakeChannel};
    use fixline_server::store::{Attach, Taken, TargetSpec};
    let pg = ThrowawayPostgres::start();
    let servers = [
        Arc::new(PgStore::open(&pg.url).expect("server A")),
        Arc::new(PgStore::open(&pg.url).expect("server B")),
    ];
    let a = &servers[0];
    let customer = CustomerId::from_uuid(uuid::Uuid::now_v7());
    a.create_customer(
        customer,
        details(serde_json::json!({"name": "西湖大酒店"})),
        None,
        t0(),
    )
    .unwrap();
    let site = SiteId::from_uuid(uuid::Uuid::now_v7());
    a.create_site(
        site,
        customer,
        details(serde_json::json!({"name": "主楼", "address": "北山街 78 号", "city": "杭州", "region": "西湖区"})),
        None,
        t0(),
    )
    .unwrap();
    let target = move || TargetSpec {
        serial: None,
        ids: Some((customer, site, None)),
        caller: None,
        attach: Attach::Known,
    };
    let each = |work: fn(&PgStore, usize, &dyn Fn() -> TargetSpec) -> Vec<String>| {
        let threads: Vec<_> = (0..6)
            .map(|i| {
                let store = Arc::clone(&servers[i % 2]);
                std::thread::spawn(move || work(&store, i, &target))
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect::<Vec<_>>()
    };
    // Six writers, ten orders each, and a retried key in every round.
    let mut numbers = each(|store, i, target| {
        (0..10)
            .flat_map(|n| {
                let fresh = intake(
                    IntakeChannel::Phone,
                    None,
                    target(),
                    &format!("{i}-{n}"),
                    t0(),
                );
                let retried = intake(
                    IntakeChannel::Api,
                    Some(&format!("r{n}")),
                    target(),
                    "retry",
                    t0(),
                );
                [fresh, retried].map(
                    |order| match store.create_work_order(order, t0()).unwrap() {
                        (Taken::Opened(wo), _) => wo.number,
                        (Taken::Held(_), _) => panic!("held"),
                    },
                )
            })
            .collect()
    });
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 60 + 10, "sixty orders, one per retried key");
    let expected: Vec<String> = (1..=70).map(|n| format!("WO-{n:06}")).collect();
    assert_eq!(numbers, expected, "numbered once each, with no gap");

    // Every step taken at once through both servers is kept, each once.
    let job = a
        .list_work_orders(&Default::default(), Paging::new(None, Some(1)))
        .unwrap()
        .items[0]
        .id;
    let job = Arc::new(job);
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let store = Arc::clone(&servers[i % 2]);
            let job = Arc::clone(&job);
            std::thread::spawn(move || {
                let actor: fixline_core::role::Actor = details(serde_json::json!({
                    "user": uuid::Uuid::from_u128(i as u128 + 1), "name": "desk", "role": "dispatcher"
                }));
                let (policy, codes) = (Default::default(), Default::default());
                for n in 0..5 {
                    let ctx = ActionContext { actor: &actor, at: t0(), policy: &policy, codes: &codes };
                    let triage = Action::Triage {
                        category: Some(format!("c{i}{n}")),
                        priority: None,
                        requirements: None,
                    };
                    store
                        .update_work_order(*job, None, t0(), &mut |wo| Ok(wo.act(&triage, &ctx)?))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let stepped = a.work_order(*job).unwrap();
    assert_eq!(stepped.version, 21, "twenty steps on version 1");
    let history = servers[1].history(*job).unwrap();
    assert_eq!(
        history.iter().map(|h| h.version).collect::<Vec<_>>(),
        (1..=21).collect::<Vec<_>>()
    );
}

/// An article made and published at `at`, from its content as JSON.
fn article_from(content: serde_json::Value, at: DateTime<Utc>) -> fixline_core::knowledge::Article {
    let mut article = fixline_core::knowledge::Article::new(
        fixline_core::ids::ArticleId::from_uuid(uuid::Uuid::now_v7()),
        details(content),
        at,
    )
    .unwrap();
    article.publish(at).unwrap();
    article
}

fn titles(found: Vec<fixline_core::knowledge::Article>) -> Vec<String> {
    found
        .into_iter()
        .filter_map(|a| a.published.map(|p| p.title))
        .collect()
}

/// The knowledge base: articles written, published and withdrawn at a version; readers' search
/// (Chinese substrings, words, typos, scope) and the desk's list; images only where their
/// article may be read; customers' reads; a job's "did this help?" counted and re-ranking.
fn knowledge_rules<S>(store: &S) -> Vec<String>
where
    S: KnowledgeStore + WorkOrderStore + CustomerStore + EngineerStore,
{
    use fixline_core::knowledge::ArticleEdit;
    use fixline_core::work_order::{Action, ActionContext};
    use fixline_kb::Scope;
    use fixline_server::store::ArticleFilter;
    use serde_json::json;
    let at = |m: i64| t0() + TimeDelta::minutes(m);
    let sha = "ab".repeat(32);
    let guide = article_from(
        json!({"kind": "repair_guide", "language": "zh-CN", "audience": "staff",
            "title": "空调不制冷怎么办", "symptoms": "不制冷，外机不转", "fault_codes": ["E1"],
            "models": ["KFR-35GW"], "categories": [], "parts": [], "tools": [],
            "body": format!("先查电容。\n\n![外机](image:{sha})"),
            "images": [{"sha256": sha, "media_type": "image/png", "size": 10}]}),
        at(0),
    );
    let faq = article_from(
        json!({"kind": "faq", "language": "en", "audience": "public",
            "title": "Fridge leaking water", "symptoms": "water under the fridge",
            "fault_codes": [], "models": [], "categories": [], "parts": [], "tools": [],
            "body": "Clear the drain hole behind the crisper.", "images": []}),
        at(1),
    );
    let draft = fixline_core::knowledge::Article::new(
        fixline_core::ids::ArticleId::from_uuid(uuid::Uuid::now_v7()),
        details(
            json!({"kind": "repair_guide", "language": "zh-CN", "audience": "staff",
            "title": "冰箱异响", "symptoms": "", "fault_codes": [], "models": [], "categories": [],
            "parts": [], "tools": [], "body": "压缩机底脚松动。", "images": []}),
        ),
        at(2),
    )
    .unwrap();
    let twins: Vec<_> = ["压缩机启动继电器 甲", "压缩机启动继电器 乙"]
        .into_iter()
        .enumerate()
        .map(|(i, title)| {
            article_from(
                json!({"kind": "repair_guide", "language": "zh-CN", "audience": "staff",
                    "title": title, "symptoms": "", "fault_codes": [], "models": [],
                    "categories": [], "parts": [], "tools": [], "body": "更换启动继电器。",
                    "images": []}),
                at(3 + i as i64),
            )
        })
        .collect();
    for a in [&guide, &faq, &draft].into_iter().chain(&twins) {
        store.create_article(a, at(5)).unwrap();
    }
    let staff = Scope::default();
    let public = Scope {
        public_only: true,
        ..Scope::default()
    };
    let find = |q: &str, scope: &Scope| titles(store.find_articles(q, scope, 10).unwrap());
    let mut seen = Vec::new();
    let mut note = |what: &str, found: Vec<String>| seen.push(format!("{what}: {found:?}"));
    assert_eq!(
        find("不制冷", &staff),
        ["空调不制冷怎么办"],
        "a Chinese substring"
    );
    assert_eq!(find("不冷", &staff), ["空调不制冷怎么办"], "a synonym");
    assert_eq!(find("E1", &staff), ["空调不制冷怎么办"], "a fault code");
    assert_eq!(find("leaking", &staff), ["Fridge leaking water"], "a word");
    assert_eq!(find("leeking", &staff), ["Fridge leaking water"], "a typo");
    assert_eq!(find("不制冷", &public), Vec::<String>::new(), "staff only");
    assert_eq!(find("leak", &public), ["Fridge leaking water"]);
    assert_eq!(
        find("异响", &staff),
        Vec::<String>::new(),
        "drafts are not read"
    );
    note("继电器", find("继电器", &staff));
    let suggested = store
        .suggest_articles(Some("KFR-35GW"), Some("E1"), "外机不转", &staff, 5)
        .unwrap();
    assert_eq!(titles(suggested), ["空调不制冷怎么办"]);

    // The desk's list: drafts too, by words, kind and state, newest change first.
    let list = |filter: ArticleFilter| {
        let page = store
            .list_articles(&filter, Paging::new(None, None))
            .unwrap();
        let shown: Vec<String> = page
            .items
            .iter()
            .filter_map(|a| a.working_copy().map(|w| w.title.clone()))
            .collect();
        (page.total, shown)
    };
    assert_eq!(list(ArticleFilter::default()).0, 5);
    let drafts = ArticleFilter {
        state: Some(fixline_api::knowledge::ArticleState::Draft),
        ..Default::default()
    };
    assert_eq!(list(drafts), (1, vec!["冰箱异响".to_owned()]));
    let words = |q: &str| ArticleFilter {
        query: Some(q.into()),
        ..Default::default()
    };
    assert_eq!(
        list(words("异响")),
        (1, vec!["冰箱异响".to_owned()]),
        "a working title"
    );
    assert_eq!(
        list(words("drain")),
        (1, vec!["Fridge leaking water".to_owned()]),
        "a body"
    );
    let faqs = ArticleFilter {
        kind: Some(fixline_core::knowledge::ArticleKind::Faq),
        ..Default::default()
    };
    assert_eq!(list(faqs).0, 1);

    // Published, withdrawn, at the version the editor saw.
    let published = store
        .edit_article(draft.id, 1, ArticleEdit::Publish, at(10))
        .unwrap();
    assert_eq!(published.version, 2);
    assert_eq!(find("异响", &staff), ["冰箱异响"]);
    assert_eq!(
        code(store.edit_article(draft.id, 1, ArticleEdit::Withdraw, at(11))),
        "stale_version"
    );
    store
        .edit_article(draft.id, 2, ArticleEdit::Withdraw, at(11))
        .unwrap();
    assert_eq!(find("异响", &staff), Vec::<String>::new());
    assert_eq!(
        code(store.edit_article(
            fixline_core::ids::ArticleId::from_uuid(uuid::Uuid::now_v7()),
            1,
            ArticleEdit::Publish,
            at(12)
        )),
        "not_found"
    );

    // Images: staff may load any article's, the public only a public published one's.
    assert_eq!(
        store.article_image(&sha, false).unwrap().as_deref(),
        Some("image/png")
    );
    assert_eq!(store.article_image(&sha, true).unwrap(), None);
    assert_eq!(store.article_image(&"cd".repeat(32), false).unwrap(), None);

    // Customers' reads, and the request that followed them.
    let (customer, site) = customer_with_site(store, json!({"name": "西湖大酒店"}));
    let job = filed(store, customer, site, "冷柜不制冷", at(20));
    store.record_help_read("visitor-1", faq.id, at(15)).unwrap();
    store.record_help_read("visitor-1", faq.id, at(16)).unwrap();
    store.record_help_read("visitor-2", faq.id, at(17)).unwrap();
    assert_eq!(
        code(store.record_help_read("visitor-1", guide.id, at(17))),
        "not_found"
    );
    store.link_help_reads("visitor-1", job.id).unwrap();
    let stats = store.article_read_stats().unwrap();
    assert_eq!(stats.len(), 5);
    assert_eq!(
        (stats[0].article, stats[0].reads, stats[0].then_requested),
        (faq.id, 3, 2)
    );
    note(
        "stats",
        stats
            .iter()
            .map(|s| format!("{} {} {}", s.title, s.reads, s.then_requested))
            .collect(),
    );

    // A job's answers count on the article, and the helpful twin ranks first.
    let engineer = EngineerId::from_uuid(uuid::Uuid::now_v7());
    store
        .create_engineer(engineer, engineer_details("陈建国"), at(0))
        .unwrap();
    let desk: fixline_core::role::Actor =
        details(json!({"user": uuid::Uuid::from_u128(7), "name": "王芳", "role": "dispatcher"}));
    let chen: fixline_core::role::Actor = details(json!({
        "user": uuid::Uuid::from_u128(8), "name": "陈建国", "role": "engineer", "engineer": engineer
    }));
    let (policy, codes) = (Default::default(), Default::default());
    let second = &twins[1];
    let steps = [
        (&desk, json!({"action": "assign", "engineer": engineer})),
        (&chen, json!({"action": "accept"})),
        (
            &chen,
            json!({"action": "rate_article", "article": twins[0].id, "helpful": false}),
        ),
        (
            &chen,
            json!({"action": "rate_article", "article": second.id, "helpful": true}),
        ),
    ];
    for (i, (actor, step)) in steps.into_iter().enumerate() {
        let action: Action = details(step.clone());
        let ctx = ActionContext {
            actor,
            at: at(30 + i as i64),
            policy: &policy,
            codes: &codes,
        };
        store
            .update_work_order(job.id, None, at(30 + i as i64), &mut |wo| {
                Ok(wo.act(&action, &ctx)?)
            })
            .unwrap_or_else(|e| panic!("{step}: {e:?}"));
    }
    let counted = store.article(second.id).unwrap();
    assert_eq!(
        (counted.helpful, counted.not_helpful, counted.version),
        (1, 0, 1)
    );
    assert_eq!(store.article(twins[0].id).unwrap().not_helpful, 1);
    // A server's index hears of an answer after its commit: at once on SQLite, within
    // moments on PostgreSQL.
    let ranked = wait_for(
        || find("继电器", &staff),
        |t| t.first() == Some(&"压缩机启动继电器 乙".to_owned()),
    );
    note("继电器 after answers", ranked);
    seen
}

/// Asks `look` until `done` holds of its answer, for up to five seconds; answers the last.
fn wait_for<T>(mut look: impl FnMut() -> T, done: impl Fn(&T) -> bool) -> T {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let seen = look();
        if done(&seen) || std::time::Instant::now() > until {
            return seen;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_knowledge_base_keeps_the_same_rules_and_ranking_on_both_stores() {
    let (on_sqlite, on_postgres) = on_both!(knowledge_rules);
    assert_eq!(on_sqlite, on_postgres);
    assert!(
        on_sqlite
            .last()
            .unwrap()
            .contains("[\"压缩机启动继电器 乙\", \"压缩机启动继电器 甲\"]"),
        "{on_sqlite:?}"
    );
}

/// Each server searches its own index: what one server publishes, withdraws or re-ranks
/// reaches the other's through the database.
#[test]
fn an_article_published_on_one_server_is_found_on_the_other() {
    use fixline_core::knowledge::ArticleEdit;
    let pg = ThrowawayPostgres::start();
    let (a, b) = (
        PgStore::open(&pg.url).unwrap(),
        PgStore::open(&pg.url).unwrap(),
    );
    let scope = fixline_kb::Scope::default();
    let article = article_from(
        serde_json::json!({"kind": "repair_guide", "language": "zh-CN", "audience": "staff",
            "title": "洗衣机不脱水", "symptoms": "", "fault_codes": ["E21"], "models": [],
            "categories": [], "parts": [], "tools": [], "body": "排水泵堵塞。", "images": []}),
        t0(),
    );
    a.create_article(&article, t0()).unwrap();
    let found = |s: &PgStore| titles(s.find_articles("不脱水", &scope, 5).unwrap());
    assert_eq!(wait_for(|| found(&b), |t| !t.is_empty()), ["洗衣机不脱水"]);
    b.edit_article(article.id, 1, ArticleEdit::Withdraw, t0())
        .unwrap();
    assert_eq!(
        found(&b),
        Vec::<String>::new(),
        "at once on the server that wrote"
    );
    assert_eq!(
        wait_for(|| found(&a), |t| t.is_empty()),
        Vec::<String>::new()
    );
    // A third server, started now, builds its index from the database.
    let c = PgStore::open(&pg.url).unwrap();
    c.edit_article(article.id, 2, ArticleEdit::Publish, t0())
        .unwrap();
    let d = PgStore::open(&pg.url).unwrap();
    assert_eq!(found(&d), ["洗衣机不脱水"]);
}
