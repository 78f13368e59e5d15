//! The customer file on SQLite: customers, contacts, sites and assets, and who changed what
//! in it. Every write of a file record keeps a [`FileEdit`] in the same transaction.

use super::*;
use crate::store::CustomerStore;
use fixline_core::Timestamp;
use fixline_core::customer::history::FileEdit;
use fixline_core::customer::{
    Asset, AssetDetails, Contact, ContactDetails, Customer, CustomerDetails, CustomerFile, Site,
    SiteDetails,
};
use fixline_core::ids::{AssetId, ContactId, CustomerId, SiteId};
use fixline_core::role::Actor;
use fixline_core::work_order::WorkOrder;
use rusqlite::types::Value;
use rusqlite::{Connection, Transaction, params, params_from_iter};
use uuid::Uuid;

use super::{ChangeLog, SqliteStore, digits_of, docs, get, like, page, put, to_json, ts, update};
use crate::error::{Error, Result};
use crate::store::record::{Filed, file_edit};
use crate::store::{ChangeOp, Page, Paging, Visibility};

/// Keeps what an edit changed (`before: None`: the record is new).
fn keep_edit<R: Filed>(
    tx: &Transaction<'_>,
    before: Option<&R>,
    after: &R,
    by: Option<&Actor>,
    at: Timestamp,
) -> Result<()> {
    if let Some(edit) = file_edit(before, after, by, at) {
        tx.execute(
            "INSERT INTO customer_file_edits (customer_id, at, doc) VALUES (?1, ?2, ?3)",
            params![edit.customer_id.to_string(), ts(at), to_json(&edit)?],
        )?;
    }
    Ok(())
}

/// Adds a record to the file and keeps the edit.
fn add<R: Filed>(
    tx: &Transaction<'_>,
    log: &mut ChangeLog,
    r: &R,
    by: Option<&Actor>,
    at: Timestamp,
) -> Result<()> {
    put(tx, log, r, ChangeOp::Created, at)?;
    keep_edit(tx, None, r, by, at)
}

/// Changes a record of the file at the version edited and keeps what changed.
fn change<R: Filed>(
    tx: &Transaction<'_>,
    log: &mut ChangeLog,
    id: Uuid,
    expected: u64,
    by: Option<&Actor>,
    at: Timestamp,
    edit: impl FnOnce(&mut R),
) -> Result<R> {
    let before: R = get(tx, id)?;
    let after = update(tx, log, id, expected, at, edit)?;
    keep_edit(tx, Some(&before), &after, by, at)?;
    Ok(after)
}

/// Refuses a site of another customer for an asset.
fn same_customer(site: &Site, customer: CustomerId) -> Result<()> {
    if site.customer_id != customer {
        return Err(Error::bad_request(
            "invalid_input",
            "the site belongs to another customer",
        ));
    }
    Ok(())
}

impl SqliteStore {
    /// Stores a new record of a customer's file, refusing an unknown customer.
    fn add_to_customer<R: Filed>(&self, record: R, by: Option<&Actor>, at: Timestamp) -> Result<R> {
        self.write(|tx, log| {
            get::<Customer>(tx, *record.customer().as_uuid())?;
            add(tx, log, &record, by, at)
        })?;
        Ok(record)
    }

    /// Every row of one of the file's tables, oldest first (the order an export is read back in).
    pub(super) fn every<R: serde::de::DeserializeOwned>(&self, table: &str) -> Result<Vec<R>> {
        let sql = match table {
            "customers" => "SELECT doc FROM customers ORDER BY rowid",
            "sites" => "SELECT doc FROM sites ORDER BY rowid",
            "assets" => "SELECT doc FROM assets ORDER BY rowid",
            other => return Err(Error::Internal(format!("no table {other} to list"))),
        };
        self.read(|c| docs(c, sql, []))
    }
}

/// Everything about one customer: contacts, sites, assets and their work orders, newest first.
pub(super) fn customer_file(c: &Connection, id: CustomerId) -> Result<CustomerFile> {
    let customer: Customer = get(c, *id.as_uuid())?;
    let key = id.to_string();
    let orders: Vec<WorkOrder> = docs(
        c,
        "SELECT doc FROM work_orders WHERE customer_id = ?1 ORDER BY created_at DESC",
        [&key],
    )?;
    Ok(CustomerFile {
        customer,
        contacts: docs(
            c,
            "SELECT doc FROM contacts WHERE customer_id = ?1 ORDER BY rowid",
            [&key],
        )?,
        sites: docs(
            c,
            "SELECT doc FROM sites WHERE customer_id = ?1 ORDER BY rowid",
            [&key],
        )?,
        assets: docs(
            c,
            "SELECT doc FROM assets WHERE customer_id = ?1 ORDER BY rowid",
            [&key],
        )?,
        work_orders: orders.iter().map(WorkOrder::summary).collect(),
    })
}

impl CustomerStore for SqliteStore {
    fn create_customer(
        &self,
        id: CustomerId,
        details: CustomerDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Customer> {
        let customer = Customer::new(id, details, at)?;
        self.write(|tx, log| add(tx, log, &customer, by, at))?;
        Ok(customer)
    }

    fn update_customer(
        &self,
        id: CustomerId,
        expected: u64,
        details: CustomerDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Customer> {
        let details = details.validated()?;
        self.write(|tx, log| {
            change(
                tx,
                log,
                *id.as_uuid(),
                expected,
                by,
                at,
                |c: &mut Customer| c.details = details,
            )
        })
    }

    fn customer_file(&self, id: CustomerId) -> Result<CustomerFile> {
        self.read(|c| customer_file(c, id))
    }

    fn file_history(&self, id: CustomerId) -> Result<Vec<FileEdit>> {
        self.read(|c| {
            get::<Customer>(c, *id.as_uuid())?;
            docs(
                c,
                "SELECT doc FROM customer_file_edits WHERE customer_id = ?1 ORDER BY seq DESC",
                [id.to_string()],
            )
        })
    }

    fn list_customers(
        &self,
        text: Option<&str>,
        visibility: Visibility,
        paging: Paging,
    ) -> Result<Page<Customer>> {
        let mut clauses = vec!["1 = 1".to_owned()];
        let mut args: Vec<Value> = Vec::new();
        if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
            // What a phone agent hears: a name, a phone number (typed any way), an address or a
            // serial off the machine's plate. Every customer any of them fits.
            args.push(Value::Text(like(text)));
            let n = args.len();
            let mut found = vec![
                format!("lower(name) LIKE ?{n} ESCAPE '\\'"),
                format!(
                    "id IN (SELECT customer_id FROM assets WHERE lower(serial) LIKE ?{n} ESCAPE '\\')"
                ),
                format!(
                    "id IN (SELECT customer_id FROM sites WHERE lower(json_extract(doc, '$.address')) LIKE ?{n} ESCAPE '\\' \
                     OR lower(json_extract(doc, '$.name')) LIKE ?{n} ESCAPE '\\')"
                ),
            ];
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 3 {
                args.push(Value::Text(format!("%{digits}%")));
                let d = args.len();
                found.push(format!("{} LIKE ?{d}", digits_of("phone")));
                found.push(format!(
                    "id IN (SELECT customer_id FROM contacts WHERE {} LIKE ?{d})",
                    digits_of("phone")
                ));
            }
            clauses.push(format!("({})", found.join(" OR ")));
        }
        if let Visibility::Engineer(e) = visibility {
            args.push(Value::Text(e.to_string()));
            clauses.push(format!(
                "id IN (SELECT customer_id FROM work_orders WHERE assignee = ?{})",
                args.len()
            ));
        }
        let filter = clauses.join(" AND ");
        self.read(|c| {
            let total: i64 = c.query_row(&format!("SELECT count(*) FROM customers WHERE {filter}"), params_from_iter(&args), |r| r.get(0))?;
            let mut args = args.clone();
            args.push(Value::Integer(i64::from(paging.per_page)));
            args.push(Value::Integer(paging.offset()));
            let n = args.len();
            let items = docs(c, &format!("SELECT doc FROM customers WHERE {filter} ORDER BY name, id LIMIT ?{} OFFSET ?{n}", n - 1), params_from_iter(&args))?;
            Ok(page(items, paging, total))
        })
    }

    fn add_contact(
        &self,
        id: ContactId,
        customer: CustomerId,
        details: ContactDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Contact> {
        let contact = Contact::new(id, customer, details)?;
        self.add_to_customer(contact, by, at)
    }

    fn update_contact(
        &self,
        id: ContactId,
        expected: u64,
        details: ContactDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Contact> {
        let details = details.validated()?;
        self.write(|tx, log| {
            change(
                tx,
                log,
                *id.as_uuid(),
                expected,
                by,
                at,
                |c: &mut Contact| c.details = details,
            )
        })
    }

    fn contact(&self, id: ContactId) -> Result<Contact> {
        self.read(|c| get(c, *id.as_uuid()))
    }

    fn create_site(
        &self,
        id: SiteId,
        customer: CustomerId,
        details: SiteDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Site> {
        let site = Site::new(id, customer, details)?;
        self.add_to_customer(site, by, at)
    }

    fn update_site(
        &self,
        id: SiteId,
        expected: u64,
        details: SiteDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Site> {
        let details = details.validated()?;
        self.write(|tx, log| {
            change(tx, log, *id.as_uuid(), expected, by, at, |s: &mut Site| {
                s.details = details
            })
        })
    }

    fn site(&self, id: SiteId) -> Result<Site> {
        self.read(|c| get(c, *id.as_uuid()))
    }

    fn create_asset(
        &self,
        id: AssetId,
        customer: CustomerId,
        details: AssetDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Asset> {
        let asset = Asset::new(id, customer, details)?;
        self.write(|tx, log| {
            let site: Site = get(tx, *asset.details.site_id.as_uuid())?;
            same_customer(&site, customer)?;
            add(tx, log, &asset, by, at)
        })?;
        Ok(asset)
    }

    fn update_asset(
        &self,
        id: AssetId,
        expected: u64,
        details: AssetDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Asset> {
        let details = details.validated()?;
        self.write(|tx, log| {
            let site: Site = get(tx, *details.site_id.as_uuid())?;
            let asset = change(tx, log, *id.as_uuid(), expected, by, at, |a: &mut Asset| {
                a.details = details
            })?;
            same_customer(&site, asset.customer_id)?;
            Ok(asset)
        })
    }

    fn asset(&self, id: AssetId) -> Result<Asset> {
        self.read(|c| get(c, *id.as_uuid()))
    }

    fn customer(&self, id: CustomerId) -> Result<Customer> {
        self.read(|c| get(c, *id.as_uuid()))
    }

    fn every_customer(&self) -> Result<Vec<Customer>> {
        self.every("customers")
    }

    fn every_site(&self) -> Result<Vec<Site>> {
        self.every("sites")
    }

    fn every_asset(&self) -> Result<Vec<Asset>> {
        self.every("assets")
    }

    fn engineer_serves_customer(&self, engineer: EngineerId, customer: CustomerId) -> Result<bool> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT EXISTS (SELECT 1 FROM work_orders WHERE assignee = ?1 AND customer_id = ?2)",
                [engineer.to_string(), customer.to_string()],
                |r| r.get(0),
            )?)
        })
    }
}
