//! The customer file on PostgreSQL: the same records, rules and edit history as on SQLite
//! (`store/sqlite/customers.rs`); what differs is only how the rows are read and written.

use fixline_api::live::ChangeOp;
use fixline_core::Timestamp;
use fixline_core::customer::history::FileEdit;
use fixline_core::customer::{
    Asset, AssetDetails, Contact, ContactDetails, Customer, CustomerDetails, CustomerFile, Site,
    SiteDetails,
};
use fixline_core::ids::{AssetId, ContactId, CustomerId, EngineerId, SiteId};
use fixline_core::role::Actor;
use fixline_core::work_order::WorkOrder;
use tokio_postgres::Transaction;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::rows::{docs, get, update, write};
use super::{PgStore, append};
use crate::error::{Error, Result};
use crate::store::record::{Filed, Record, file_edit};
use crate::store::{CustomerStore, Page, Paging, Visibility, like};

/// Keeps what an edit changed (`before: None`: the record is new).
async fn keep_edit<R: Filed>(
    tx: &Transaction<'_>,
    before: Option<&R>,
    after: &R,
    by: Option<&Actor>,
    at: Timestamp,
) -> Result<()> {
    if let Some(edit) = file_edit(before, after, by, at) {
        let doc =
            serde_json::to_value(&edit).map_err(|e| Error::Internal(format!("file edit: {e}")))?;
        tx.execute(
            "INSERT INTO customer_file_edits (customer_id, at, doc) VALUES ($1, $2, $3)",
            &[edit.customer_id.as_uuid(), &at, &doc],
        )
        .await?;
    }
    Ok(())
}

/// Adds a record to the file, keeps the edit and logs it.
async fn add<R: Filed>(
    tx: &Transaction<'_>,
    r: &R,
    by: Option<&Actor>,
    at: Timestamp,
) -> Result<()> {
    write(tx, r, ChangeOp::Created, Vec::new()).await?;
    keep_edit(tx, None, r, by, at).await?;
    append(tx, &[r.change(ChangeOp::Created, at)]).await?;
    Ok(())
}

/// Changes a record of the file at the version edited, keeps what changed and logs it.
async fn change<R: Filed>(
    tx: &Transaction<'_>,
    id: Uuid,
    expected: u64,
    by: Option<&Actor>,
    at: Timestamp,
    edit: impl FnOnce(&mut R),
) -> Result<R> {
    let mut before: Option<R> = None;
    let after = update(tx, id, expected, at, |r: &mut R| {
        before = Some(r.clone());
        edit(r)
    })
    .await?;
    keep_edit(tx, before.as_ref(), &after, by, at).await?;
    append(tx, &[after.change(ChangeOp::Updated, at)]).await?;
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

/// A phone number's column without the spaces, dashes, brackets and plus people type.
fn digits_of(column: &str) -> String {
    format!("regexp_replace(coalesce({column}, ''), '[ ()+-]', '', 'g')")
}

/// Everything about one customer: contacts, sites, assets and their work orders, newest first.
pub(super) async fn customer_file(
    c: &impl tokio_postgres::GenericClient,
    id: CustomerId,
) -> Result<CustomerFile> {
    let customer: Customer = get(c, *id.as_uuid()).await?;
    let key = id.as_uuid();
    let of = |table: &str| format!("SELECT doc FROM {table} WHERE customer_id = $1 ORDER BY added");
    let orders: Vec<WorkOrder> = docs(
        c,
        "SELECT doc FROM work_orders WHERE customer_id = $1 ORDER BY created_at DESC",
        &[key],
    )
    .await?;
    Ok(CustomerFile {
        customer,
        contacts: docs(c, &of("contacts"), &[key]).await?,
        sites: docs(c, &of("sites"), &[key]).await?,
        assets: docs(c, &of("assets"), &[key]).await?,
        work_orders: orders.iter().map(WorkOrder::summary).collect(),
    })
}

impl PgStore {
    /// Stores a new record of a customer's file, refusing an unknown customer.
    fn add_to_customer<R: Filed + Send + Sync + 'static>(
        &self,
        record: R,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<R> {
        let by = by.cloned();
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            get::<Customer>(&*tx, *record.customer().as_uuid()).await?;
            add(&tx, &record, by.as_ref(), at).await?;
            tx.commit().await?;
            Ok(record)
        })
    }

    /// Edits a record of the file in a transaction of its own.
    fn change_in_file<R: Filed + Send + Sync + 'static>(
        &self,
        id: Uuid,
        expected: u64,
        by: Option<&Actor>,
        at: Timestamp,
        edit: impl FnOnce(&mut R) + Send + 'static,
    ) -> Result<R> {
        let by = by.cloned();
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let r = change(&tx, id, expected, by.as_ref(), at, edit).await?;
            tx.commit().await?;
            Ok(r)
        })
    }

    fn one<R: Record + Send + 'static>(&self, id: Uuid) -> Result<R> {
        self.with(move |c| async move { get(&**c, id).await })
    }

    /// Every row of one of the file's tables, in the order they were added.
    fn every<R: Record + Send + 'static>(&self) -> Result<Vec<R>> {
        self.with(|c| async move {
            docs(
                &**c,
                &format!("SELECT doc FROM {} ORDER BY added", R::TABLE),
                &[],
            )
            .await
        })
    }
}

impl CustomerStore for PgStore {
    fn create_customer(
        &self,
        id: CustomerId,
        details: CustomerDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Customer> {
        let customer = Customer::new(id, details, at)?;
        let (made, by) = (customer.clone(), by.cloned());
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            add(&tx, &made, by.as_ref(), at).await?;
            tx.commit().await?;
            Ok(())
        })?;
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
        self.change_in_file(*id.as_uuid(), expected, by, at, |c: &mut Customer| {
            c.details = details
        })
    }

    fn customer_file(&self, id: CustomerId) -> Result<CustomerFile> {
        self.with(move |c| async move { customer_file(&**c, id).await })
    }

    fn file_history(&self, id: CustomerId) -> Result<Vec<FileEdit>> {
        self.with(move |c| async move {
            get::<Customer>(&**c, *id.as_uuid()).await?;
            docs(
                &**c,
                "SELECT doc FROM customer_file_edits WHERE customer_id = $1 ORDER BY seq DESC",
                &[id.as_uuid()],
            )
            .await
        })
    }

    fn list_customers(
        &self,
        text: Option<&str>,
        visibility: Visibility,
        paging: Paging,
    ) -> Result<Page<Customer>> {
        let mut clauses = vec!["TRUE".to_owned()];
        let mut args: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
            // What a phone agent hears: a name, a phone number (typed any way), an address or a
            // serial off the machine's plate. Every customer any of them fits.
            args.push(Box::new(like(text)));
            let n = args.len();
            let mut found = vec![
                format!("lower(name) LIKE ${n}"),
                format!("id IN (SELECT customer_id FROM assets WHERE lower(serial) LIKE ${n})"),
                format!(
                    "id IN (SELECT customer_id FROM sites WHERE lower(doc->>'address') LIKE ${n} \
                     OR lower(doc->>'name') LIKE ${n})"
                ),
            ];
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 3 {
                args.push(Box::new(format!("%{digits}%")));
                let d = args.len();
                found.push(format!("{} LIKE ${d}", digits_of("phone")));
                found.push(format!(
                    "id IN (SELECT customer_id FROM contacts WHERE {} LIKE ${d})",
                    digits_of("phone")
                ));
            }
            clauses.push(format!("({})", found.join(" OR ")));
        }
        if let Visibility::Engineer(e) = visibility {
            args.push(Box::new(*e.as_uuid()));
            clauses.push(format!(
                "id IN (SELECT customer_id FROM work_orders WHERE assignee = ${})",
                args.len()
            ));
        }
        let filter = clauses.join(" AND ");
        self.with(move |c| async move {
            let refs: Vec<&(dyn ToSql + Sync)> = args
                .iter()
                .map(|a| a.as_ref() as &(dyn ToSql + Sync))
                .collect();
            let total: i64 = c
                .query_one(
                    &format!("SELECT count(*) FROM customers WHERE {filter}"),
                    &refs,
                )
                .await?
                .get(0);
            let (limit, offset) = (i64::from(paging.per_page), paging.offset());
            let mut refs = refs;
            refs.push(&limit);
            refs.push(&offset);
            let n = refs.len();
            let items = docs(
                &**c,
                &format!(
                    "SELECT doc FROM customers WHERE {filter} ORDER BY name, id LIMIT ${} OFFSET ${n}",
                    n - 1
                ),
                &refs,
            )
            .await?;
            Ok(crate::store::page(items, paging, total))
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
        self.change_in_file(*id.as_uuid(), expected, by, at, |c: &mut Contact| {
            c.details = details
        })
    }

    fn contact(&self, id: ContactId) -> Result<Contact> {
        self.one(*id.as_uuid())
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
        self.change_in_file(*id.as_uuid(), expected, by, at, |s: &mut Site| {
            s.details = details
        })
    }

    fn site(&self, id: SiteId) -> Result<Site> {
        self.one(*id.as_uuid())
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
        let (made, by) = (asset.clone(), by.cloned());
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let site: Site = get(&*tx, *made.details.site_id.as_uuid()).await?;
            same_customer(&site, customer)?;
            add(&tx, &made, by.as_ref(), at).await?;
            tx.commit().await?;
            Ok(())
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
        let by = by.cloned();
        self.with(move |mut c| async move {
            let tx = c.transaction().await?;
            let site: Site = get(&*tx, *details.site_id.as_uuid()).await?;
            let asset = change(
                &tx,
                *id.as_uuid(),
                expected,
                by.as_ref(),
                at,
                |a: &mut Asset| a.details = details,
            )
            .await?;
            // Checked after the edit, as on SQLite, so a stale version is reported first.
            same_customer(&site, asset.customer_id)?;
            tx.commit().await?;
            Ok(asset)
        })
    }

    fn asset(&self, id: AssetId) -> Result<Asset> {
        self.one(*id.as_uuid())
    }

    fn customer(&self, id: CustomerId) -> Result<Customer> {
        self.one(*id.as_uuid())
    }

    fn every_customer(&self) -> Result<Vec<Customer>> {
        self.every()
    }

    fn every_site(&self) -> Result<Vec<Site>> {
        self.every()
    }

    fn every_asset(&self) -> Result<Vec<Asset>> {
        self.every()
    }

    fn engineer_serves_customer(&self, engineer: EngineerId, customer: CustomerId) -> Result<bool> {
        self.with(move |c| async move {
            Ok(c.query_one(
                "SELECT EXISTS (SELECT 1 FROM work_orders WHERE assignee = $1 AND customer_id = $2)",
                &[engineer.as_uuid(), customer.as_uuid()],
            )
            .await?
            .get(0))
        })
    }
}
