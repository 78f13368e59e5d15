//! The records both stores keep as a JSON document beside the columns lists and filters need:
//! each record's table, columns, and what the change log says when it is written, defined once
//! for SQLite and PostgreSQL.

use fixline_api::live::{Change, ChangeOp, Entity};
use fixline_core::Timestamp;
use fixline_core::complaint::Complaint;
use fixline_core::customer::history::{self, FileEdit, FileRecord};
use fixline_core::customer::{
    Asset, AssetDetails, Contact, ContactDetails, Customer, CustomerDetails, Site, SiteDetails,
};
use fixline_core::engineer::Engineer;
use fixline_core::ids::CustomerId;
use fixline_core::knowledge::Article;
use fixline_core::role::Actor;
use fixline_core::work_order::WorkOrder;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// A column's value; each store writes it in its own types (an id is TEXT on SQLite and UUID
/// on PostgreSQL, a time RFC 3339 text or TIMESTAMPTZ).
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    Id(Uuid),
    OptId(Option<Uuid>),
    Time(Timestamp),
}

/// A record kept as a JSON document plus indexed columns.
pub trait Record: Serialize + DeserializeOwned {
    const TABLE: &'static str;
    const ENTITY: Entity;
    /// What an error calls it.
    const NAME: &'static str;
    fn uuid(&self) -> Uuid;
    fn version(&self) -> u64;
    /// The next version, and (for records that keep one) the time of the change.
    fn bump(&mut self, at: Timestamp);
    /// Indexed columns besides `id`, `version` and `doc`.
    fn columns(&self) -> Vec<(&'static str, Column)>;
    fn region(&self) -> Option<String> {
        None
    }
    /// What the live feed carries of it.
    fn summary(&self) -> serde_json::Value {
        serde_json::json!({})
    }
    /// The change logged when it is written (`seq` is the log's to give).
    fn change(&self, op: ChangeOp, at: Timestamp) -> Change {
        Change {
            seq: 0,
            at,
            entity: Self::ENTITY,
            entity_id: self.uuid(),
            op,
            version: Some(self.version()),
            engineer_id: None,
            previous_engineer_id: None,
            region: self.region(),
            data: self.summary(),
        }
    }
}

/// `uuid` and `version` of a record with `id` and `version` fields.
macro_rules! record_identity {
    () => {
        fn uuid(&self) -> Uuid {
            *self.id.as_uuid()
        }
        fn version(&self) -> u64 {
            self.version
        }
    };
}

/// `bump`: the next version, and (for records that keep one) the time of the change.
macro_rules! bump_version {
    () => {
        fn bump(&mut self, _: Timestamp) {
            self.version += 1;
        }
    };
    (updated_at) => {
        fn bump(&mut self, at: Timestamp) {
            self.version += 1;
            self.updated_at = at;
        }
    };
}

/// An enum as the word it is on the wire (`in_progress`).
fn word<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

impl Record for Customer {
    const TABLE: &'static str = "customers";
    const ENTITY: Entity = Entity::Customer;
    const NAME: &'static str = "customer";
    record_identity!();
    bump_version!(updated_at);
    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("name", Column::Text(self.details.name.clone())),
            ("phone", Column::OptText(self.details.phone.clone())),
            ("updated_at", Column::Time(self.updated_at)),
        ]
    }
    fn summary(&self) -> serde_json::Value {
        serde_json::json!({ "name": self.details.name })
    }
}

impl Record for Contact {
    const TABLE: &'static str = "contacts";
    const ENTITY: Entity = Entity::Contact;
    const NAME: &'static str = "contact";
    record_identity!();
    bump_version!();
    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("customer_id", Column::Id(*self.customer_id.as_uuid())),
            ("phone", Column::OptText(self.details.phone.clone())),
        ]
    }
}

impl Record for Site {
    const TABLE: &'static str = "sites";
    const ENTITY: Entity = Entity::Site;
    const NAME: &'static str = "site";
    record_identity!();
    bump_version!();
    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("customer_id", Column::Id(*self.customer_id.as_uuid())),
            ("region", Column::Text(self.details.region.clone())),
        ]
    }
    fn region(&self) -> Option<String> {
        Some(self.details.region.clone())
    }
}

impl Record for Asset {
    const TABLE: &'static str = "assets";
    const ENTITY: Entity = Entity::Asset;
    const NAME: &'static str = "asset";
    record_identity!();
    bump_version!();
    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("customer_id", Column::Id(*self.customer_id.as_uuid())),
            ("site_id", Column::Id(*self.details.site_id.as_uuid())),
            ("serial", Column::Text(self.details.serial.clone())),
            ("model", Column::Text(self.details.model.clone())),
        ]
    }
}

impl Record for Engineer {
    const TABLE: &'static str = "engineers";
    const ENTITY: Entity = Entity::Engineer;
    const NAME: &'static str = "engineer";
    record_identity!();
    bump_version!(updated_at);
    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("region", Column::Text(self.details.region.clone())),
            ("name", Column::Text(self.details.name.clone())),
            ("updated_at", Column::Time(self.updated_at)),
        ]
    }
    fn region(&self) -> Option<String> {
        Some(self.details.region.clone())
    }
    fn summary(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.details.name,
            "status": self.status,
            "last_position": self.last_position,
        })
    }
}

impl Record for WorkOrder {
    const TABLE: &'static str = "work_orders";
    const ENTITY: Entity = Entity::WorkOrder;
    const NAME: &'static str = "work order";
    record_identity!();
    bump_version!(updated_at);
    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("status", Column::Text(self.status.as_str().to_owned())),
            ("priority", Column::Text(self.priority.as_str().to_owned())),
            (
                "assignee",
                Column::OptId(self.assignee.map(|e| *e.as_uuid())),
            ),
            ("updated_at", Column::Time(self.updated_at)),
        ]
    }
    fn summary(&self) -> serde_json::Value {
        serde_json::to_value(WorkOrder::summary(self)).unwrap_or_default()
    }
}

impl Record for Complaint {
    const TABLE: &'static str = "complaints";
    const ENTITY: Entity = Entity::Complaint;
    const NAME: &'static str = "complaint";
    record_identity!();
    bump_version!(updated_at);
    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("number", Column::Text(self.number.clone())),
            ("customer_id", Column::Id(*self.customer_id.as_uuid())),
            ("status", Column::Text(self.status.as_str().to_owned())),
            ("escalation", Column::Text(word(&self.escalation))),
            ("owner", Column::OptId(self.owner.map(|o| *o.as_uuid()))),
            (
                "acknowledge_by",
                Column::Time(self.deadlines.acknowledge_by),
            ),
            ("resolve_by", Column::Time(self.deadlines.resolve_by)),
            ("created_at", Column::Time(self.created_at)),
            ("updated_at", Column::Time(self.updated_at)),
        ]
    }
    fn summary(&self) -> serde_json::Value {
        serde_json::json!({
            "number": self.number,
            "status": self.status,
            "severity": self.severity,
            "escalation": self.escalation,
            "owner": self.owner,
            "deadlines": self.deadlines,
        })
    }
}

impl Record for Article {
    const TABLE: &'static str = "articles";
    const ENTITY: Entity = Entity::Article;
    const NAME: &'static str = "article";
    record_identity!();
    bump_version!(updated_at);
    fn columns(&self) -> Vec<(&'static str, Column)> {
        let working = self.working_copy();
        let text = |v: &str| Column::Text(v.to_owned());
        vec![
            ("kind", text(working.map_or("", |w| w.kind.as_str()))),
            (
                "language",
                text(&working.map(|w| word(&w.language)).unwrap_or_default()),
            ),
            (
                "state",
                text(if self.published.is_some() {
                    "published"
                } else {
                    "draft"
                }),
            ),
            (
                "audience",
                text(self.published.as_ref().map_or("", |p| p.audience.as_str())),
            ),
            ("title", text(working.map_or("", |w| w.title.as_str()))),
            ("updated_at", Column::Time(self.updated_at)),
        ]
    }
    fn summary(&self) -> serde_json::Value {
        serde_json::json!({
            "title": self.working_copy().map(|w| w.title.clone()),
            "published": self.published.is_some(),
        })
    }
}

/// A record of the customer file: its edits are kept, field by field, with who made them.
pub trait Filed: Record + Clone {
    const KIND: FileRecord;
    type Details: Serialize;
    fn details(&self) -> &Self::Details;
    fn customer(&self) -> CustomerId;
    /// What the desk calls it.
    fn label(&self) -> String;
}

impl Filed for Customer {
    const KIND: FileRecord = FileRecord::Customer;
    type Details = CustomerDetails;
    fn details(&self) -> &CustomerDetails {
        &self.details
    }
    fn customer(&self) -> CustomerId {
        self.id
    }
    fn label(&self) -> String {
        self.details.name.clone()
    }
}

impl Filed for Contact {
    const KIND: FileRecord = FileRecord::Contact;
    type Details = ContactDetails;
    fn details(&self) -> &ContactDetails {
        &self.details
    }
    fn customer(&self) -> CustomerId {
        self.customer_id
    }
    fn label(&self) -> String {
        self.details.name.clone()
    }
}

impl Filed for Site {
    const KIND: FileRecord = FileRecord::Site;
    type Details = SiteDetails;
    fn details(&self) -> &SiteDetails {
        &self.details
    }
    fn customer(&self) -> CustomerId {
        self.customer_id
    }
    fn label(&self) -> String {
        self.details.name.clone()
    }
}

impl Filed for Asset {
    const KIND: FileRecord = FileRecord::Asset;
    type Details = AssetDetails;
    fn details(&self) -> &AssetDetails {
        &self.details
    }
    fn customer(&self) -> CustomerId {
        self.customer_id
    }
    fn label(&self) -> String {
        format!("{} {}", self.details.model, self.details.serial)
    }
}

/// What an edit changed in a customer's file (`before: None`: the record is new); an edit that
/// changed nothing leaves no entry.
pub fn file_edit<R: Filed>(
    before: Option<&R>,
    after: &R,
    by: Option<&Actor>,
    at: Timestamp,
) -> Option<FileEdit> {
    let changes = history::changes(before.map(R::details), after.details());
    (!changes.is_empty()).then(|| FileEdit {
        customer_id: after.customer(),
        record: R::KIND,
        record_id: after.uuid(),
        version: after.version(),
        at,
        actor: by.cloned(),
        added: before.is_none(),
        label: after.label(),
        changes,
    })
}

/// What the desk's text search looks in: the number, the symptom, the customer's name and the
/// site's address, lower-cased.
pub fn work_order_search_text(wo: &WorkOrder, customer: &Customer, site: &Site) -> String {
    format!(
        "{} {} {} {}",
        wo.number, wo.symptom, customer.details.name, site.details.address
    )
    .to_lowercase()
}

/// A revision as a store may write it: the same work order, one version on, with its line of
/// history at that version (what core's `WorkOrder` methods make).
pub fn checked_revision(
    current: &WorkOrder,
    revision: &fixline_core::work_order::Revision,
) -> crate::error::Result<()> {
    let next = &revision.next;
    if next.version != current.version + 1
        || revision.entry.version != next.version
        || next.id != current.id
    {
        return Err(crate::error::Error::Internal(
            "a work-order edit must advance the version by one".into(),
        ));
    }
    Ok(())
}

/// A complaint edit as a store may write it: the same complaint, one version on (what core's
/// `Complaint::apply` makes).
pub fn checked_complaint(current: &Complaint, next: &Complaint) -> crate::error::Result<()> {
    if next.version != current.version + 1 || next.id != current.id {
        return Err(crate::error::Error::Internal(
            "a complaint edit must come from Complaint::apply".into(),
        ));
    }
    Ok(())
}

/// An article edited by the desk at the version it saw: stale if another edit came first,
/// else edited and its version bumped (both stores, before they write it).
pub(crate) fn edited_article(
    mut article: Article,
    expected: u64,
    edit: fixline_core::knowledge::ArticleEdit,
    at: Timestamp,
) -> crate::error::Result<Article> {
    if article.version != expected {
        return Err(crate::error::Error::StaleVersion {
            entity: "article",
            current: article.version,
        });
    }
    article.edit(edit, at)?;
    article.bump(at);
    Ok(article)
}
