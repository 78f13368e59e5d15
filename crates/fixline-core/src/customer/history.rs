//! Who changed what in a customer file. Every edit of the customer, a contact, a site or an
//! asset is kept as the fields it changed, before and after, with the person who made it, so
//! the desk can answer "who moved this site?" without digging through logs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::ids::CustomerId;
use crate::role::Actor;

/// The kind of record an edit touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FileRecord {
    Customer,
    Contact,
    Site,
    Asset,
}

/// One field's value before and after, as text (`None`: empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    /// The field's wire name (`address`, `phone`, `warranty_end`).
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One edit of one record in a customer file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileEdit {
    pub customer_id: CustomerId,
    pub record: FileRecord,
    pub record_id: Uuid,
    /// The record's version after the edit.
    pub version: u64,
    pub at: DateTime<Utc>,
    /// Who made it; `None`: Fixline itself (the geocoder placing a site, the demo data).
    pub actor: Option<Actor>,
    /// The record was added by this edit (every field is new).
    pub added: bool,
    /// What the record is called now: the contact's or site's name, the asset's serial.
    pub label: String,
    pub changes: Vec<FieldChange>,
}

/// The fields that differ between two versions of a record's details (`before: None`: the
/// record is new, and every field with a value is listed). Nested values (a position) are
/// written as one text, so a field is one line on the screen.
pub fn changes<T: Serialize>(before: Option<&T>, after: &T) -> Vec<FieldChange> {
    let fields = |v: Option<&T>| match v.map(serde_json::to_value) {
        Some(Ok(Value::Object(map))) => map,
        _ => serde_json::Map::new(),
    };
    let (old, new) = (fields(before), fields(Some(after)));
    let mut names: Vec<&String> = new.keys().chain(old.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let before = old.get(name).and_then(text);
            let after = new.get(name).and_then(text);
            (before != after).then(|| FieldChange {
                field: name.clone(),
                before,
                after,
            })
        })
        .collect()
}

/// A value as one line of text; nothing for null, an empty text and `false`.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null | Value::Bool(false) => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(text).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map.values().filter_map(text).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::SiteDetails;
    use crate::position::Position;

    fn site() -> SiteDetails {
        SiteDetails {
            name: "湖滨店".into(),
            address: "西湖区文三路 398 号".into(),
            city: "杭州".into(),
            region: "西湖区".into(),
            position: None,
            access_notes: None,
        }
    }

    #[test]
    fn only_the_fields_that_changed_are_listed() {
        let before = site();
        let after = SiteDetails {
            address: "西湖区文三路 400 号".into(),
            position: Some(Position::new(30.277, 120.131).unwrap()),
            ..site()
        };
        assert_eq!(
            changes(Some(&before), &after),
            vec![
                FieldChange {
                    field: "address".into(),
                    before: Some("西湖区文三路 398 号".into()),
                    after: Some("西湖区文三路 400 号".into()),
                },
                FieldChange {
                    field: "position".into(),
                    before: None,
                    after: Some("30.277, 120.131".into()),
                },
            ]
        );
        assert!(changes(Some(&before), &before).is_empty());
    }

    #[test]
    fn a_new_record_lists_every_field_with_a_value() {
        let fields: Vec<String> = changes(None, &site())
            .into_iter()
            .map(|c| c.field)
            .collect();
        assert_eq!(fields, ["address", "city", "name", "region"]);
    }

    #[test]
    fn a_field_emptied_is_a_change_to_nothing() {
        let before = SiteDetails {
            access_notes: Some("门禁 1234".into()),
            ..site()
        };
        let change = changes(Some(&before), &site());
        assert_eq!(change.len(), 1);
        assert_eq!(change[0].field, "access_notes");
        assert_eq!(change[0].after, None);
    }
}
