//! The customer file as CSV: a customer base moved in from another system, or out to a
//! spreadsheet. One file per table (customers, sites, assets), columns found by their header
//! name in any order, UTF-8 with a byte-order mark on export so that Excel shows Chinese.
//!
//! An import takes each row on its own: a row is created, found already on file as it is, or
//! refused with the line, the column and the reason, and the rows after it go on. Rows name
//! their parents by id (a site its customer, an asset its site), so customers go in first.

use fixline_api::transfer::{FileTable, ImportReport, RefusedRow};
use fixline_core::Timestamp;
use fixline_core::customer::{
    Asset, AssetDetails, ContractTier, CustomerDetails, CustomerKind, Language, Site, SiteDetails,
};
use fixline_core::ids::{AssetId, CustomerId, SiteId};
use fixline_core::position::Position;
use fixline_core::role::Actor;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::store::Store;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// At most this many data rows per file; a bigger base goes in as several files.
pub const MAX_ROWS: usize = 50_000;

#[derive(Debug, Serialize)]
struct CustomerRow {
    id: Option<Uuid>,
    name: String,
    kind: Option<CustomerKind>,
    phone: Option<String>,
    email: Option<String>,
    language: Option<Language>,
    tier: Option<ContractTier>,
    notes: Option<String>,
}

#[derive(Debug, Serialize)]
struct SiteRow {
    id: Option<Uuid>,
    customer_id: Uuid,
    name: String,
    address: String,
    city: String,
    region: String,
    lat: Option<f64>,
    lon: Option<f64>,
    access_notes: Option<String>,
}

#[derive(Debug, Serialize)]
struct AssetRow {
    id: Option<Uuid>,
    site_id: Uuid,
    model: String,
    serial: String,
    category: String,
    install_date: Option<chrono::NaiveDate>,
    warranty_end: Option<chrono::NaiveDate>,
    /// Blank: the customer's tier.
    tier: Option<ContractTier>,
}

/// One table as a CSV file.
pub fn export(store: &dyn Store, table: FileTable) -> Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(BOM.to_vec());
    match table {
        FileTable::Customers => {
            for c in store.every_customer()? {
                let d = c.details;
                out.serialize(CustomerRow {
                    id: Some(*c.id.as_uuid()),
                    name: d.name,
                    kind: Some(d.kind),
                    phone: d.phone,
                    email: d.email,
                    language: Some(d.language),
                    tier: Some(d.tier),
                    notes: d.notes,
                })
                .map_err(internal)?;
            }
        }
        FileTable::Sites => {
            for s in store.every_site()? {
                let d = s.details;
                out.serialize(SiteRow {
                    id: Some(*s.id.as_uuid()),
                    customer_id: *s.customer_id.as_uuid(),
                    name: d.name,
                    address: d.address,
                    city: d.city,
                    region: d.region,
                    lat: d.position.map(|p| p.lat),
                    lon: d.position.map(|p| p.lon),
                    access_notes: d.access_notes,
                })
                .map_err(internal)?;
            }
        }
        FileTable::Assets => {
            for a in store.every_asset()? {
                let d = a.details;
                out.serialize(AssetRow {
                    id: Some(*a.id.as_uuid()),
                    site_id: *d.site_id.as_uuid(),
                    model: d.model,
                    serial: d.serial,
                    category: d.category,
                    install_date: d.install_date,
                    warranty_end: d.warranty_end,
                    tier: d.tier,
                })
                .map_err(internal)?;
            }
        }
    }
    out.into_inner()
        .map_err(|e| Error::Internal(format!("CSV export: {e}")))
}

fn internal(e: csv::Error) -> Error {
    Error::Internal(format!("CSV export: {e}"))
}

/// Reads one table's CSV and files each row; `new_id` makes ids for rows that bring none.
pub fn import(
    store: &dyn Store,
    table: FileTable,
    file: &[u8],
    by: &Actor,
    at: Timestamp,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Result<ImportReport> {
    let file = file.strip_prefix(BOM).unwrap_or(file);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(file);
    let headers = reader.headers().map_err(unreadable)?.clone();
    let required: &[&str] = match table {
        FileTable::Customers => &["name"],
        FileTable::Sites => &["customer_id", "name", "address", "city", "region"],
        FileTable::Assets => &["site_id", "model", "serial", "category"],
    };
    if let Some(missing) = required.iter().find(|h| !headers.iter().any(|x| x == **h)) {
        return Err(Error::bad_request_with_status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            format!(
                "the first line must name the columns; \"{missing}\" is missing (a {} file needs {})",
                table.name(),
                required.join(", ")
            ),
        ));
    }
    let mut report = ImportReport {
        table,
        rows: 0,
        created: 0,
        unchanged: 0,
        refused: Vec::new(),
    };
    // The whole file is read first: one that cannot be read files nothing.
    let mut records = Vec::new();
    for record in reader.records() {
        records.push(record.map_err(unreadable)?);
        if records.len() > MAX_ROWS {
            return Err(Error::bad_request_with_status(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "too_many_rows",
                format!("a file may hold at most {MAX_ROWS} rows; split it and import each part"),
            ));
        }
    }
    for record in records {
        report.rows += 1;
        let line = record.position().map_or(0, |p| p.line());
        let cells = Cells {
            headers: &headers,
            record: &record,
        };
        let outcome = match table {
            FileTable::Customers => {
                CustomerRow::read(&cells).and_then(|r| file_customer(store, r, by, at, new_id))
            }
            FileTable::Sites => {
                SiteRow::read(&cells).and_then(|r| file_site(store, r, by, at, new_id))
            }
            FileTable::Assets => {
                AssetRow::read(&cells).and_then(|r| file_asset(store, r, by, at, new_id))
            }
        };
        match outcome {
            Ok(Filed::Created) => report.created += 1,
            Ok(Filed::Unchanged) => report.unchanged += 1,
            Err(Refusal { field, error }) if error.is_refusal() => {
                report.refused.push(RefusedRow {
                    line,
                    field,
                    code: error.code().to_owned(),
                    message: error.to_string(),
                })
            }
            Err(Refusal { error, .. }) => return Err(error),
        }
    }
    Ok(report)
}

fn unreadable(e: csv::Error) -> Error {
    let at = e
        .position()
        .map(|p| format!(" at line {}", p.line()))
        .unwrap_or_default();
    let why = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "it is not UTF-8 text (in Excel, save as \"CSV UTF-8\")".to_owned()
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("a row has {len} fields where the header has {expected_len}"),
        _ => e.to_string(),
    };
    Error::bad_request_with_status(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
        format!("the file cannot be read as CSV{at}: {why}"),
    )
}

enum Filed {
    Created,
    Unchanged,
}

struct Refusal {
    field: Option<String>,
    error: Error,
}

impl From<Error> for Refusal {
    fn from(error: Error) -> Self {
        let field = match &error {
            Error::Domain(fixline_core::Error::Invalid { field, .. }) => Some((*field).to_owned()),
            _ => None,
        };
        Refusal { field, error }
    }
}

fn refuse(field: &str, message: String) -> Refusal {
    Refusal {
        field: Some(field.to_owned()),
        error: Error::bad_request_with_status(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            message,
        ),
    }
}

/// One data row, its cells found by header name; a blank cell is no value.
struct Cells<'a> {
    headers: &'a csv::StringRecord,
    record: &'a csv::StringRecord,
}

impl Cells<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        let i = self.headers.iter().position(|h| h == name)?;
        self.record.get(i).filter(|v| !v.is_empty())
    }

    /// Blank is "", which validation refuses where a value is needed.
    fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    fn optional_text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    /// A cell read as its wire value: an enum's snake_case name, a date, a UUID.
    fn parse<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Refusal> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(v))
            .map(Some)
            .map_err(|e| refuse(name, format!("{name}: {v:?} cannot be read: {e}")))
    }

    fn number(&self, name: &str) -> Result<Option<f64>, Refusal> {
        self.get(name)
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| refuse(name, format!("{name}: {v:?} is not a number")))
            })
            .transpose()
    }

    fn id(&self, name: &str) -> Result<Uuid, Refusal> {
        self.parse(name)?
            .ok_or_else(|| refuse(name, format!("{name}: needed on every row")))
    }
}

impl CustomerRow {
    fn read(c: &Cells) -> Result<Self, Refusal> {
        Ok(CustomerRow {
            id: c.parse("id")?,
            name: c.text("name"),
            kind: c.parse("kind")?,
            phone: c.optional_text("phone"),
            email: c.optional_text("email"),
            language: c.parse("language")?,
            tier: c.parse("tier")?,
            notes: c.optional_text("notes"),
        })
    }
}

impl SiteRow {
    fn read(c: &Cells) -> Result<Self, Refusal> {
        Ok(SiteRow {
            id: c.parse("id")?,
            customer_id: c.id("customer_id")?,
            name: c.text("name"),
            address: c.text("address"),
            city: c.text("city"),
            region: c.text("region"),
            lat: c.number("lat")?,
            lon: c.number("lon")?,
            access_notes: c.optional_text("access_notes"),
        })
    }
}

impl AssetRow {
    fn read(c: &Cells) -> Result<Self, Refusal> {
        Ok(AssetRow {
            id: c.parse("id")?,
            site_id: c.id("site_id")?,
            model: c.text("model"),
            serial: c.text("serial"),
            category: c.text("category"),
            install_date: c.parse("install_date")?,
            warranty_end: c.parse("warranty_end")?,
            tier: c.parse("tier")?,
        })
    }
}

/// Whether a row's id is already on file: the same details are "unchanged", others a conflict.
fn already<T: PartialEq>(found: Result<T>, ours: &T, what: &str) -> Result<Option<Filed>, Refusal> {
    match found {
        Ok(on_file) if on_file == *ours => Ok(Some(Filed::Unchanged)),
        Ok(_) => Err(Refusal {
            field: Some("id".into()),
            error: Error::Conflict(format!(
                "this {what} is on file with other details; edit it in the customer file, not by import"
            )),
        }),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn file_customer(
    store: &dyn Store,
    r: CustomerRow,
    by: &Actor,
    at: Timestamp,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Result<Filed, Refusal> {
    let details = CustomerDetails {
        name: r.name,
        kind: r.kind.unwrap_or_default(),
        phone: r.phone,
        email: r.email,
        language: r.language.unwrap_or_default(),
        tier: r.tier.unwrap_or_default(),
        notes: r.notes,
        quiet_hours: None,
    }
    .validated()
    .map_err(Error::from)?;
    if let Some(id) = r.id {
        let id = CustomerId::from_uuid(id);
        if let Some(done) = already(store.customer(id).map(|c| c.details), &details, "customer")? {
            return Ok(done);
        }
        store.create_customer(id, details, Some(by), at)?;
    } else {
        store.create_customer(CustomerId::from_uuid(new_id()), details, Some(by), at)?;
    }
    Ok(Filed::Created)
}

fn file_site(
    store: &dyn Store,
    r: SiteRow,
    by: &Actor,
    at: Timestamp,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Result<Filed, Refusal> {
    let position = match (r.lat, r.lon) {
        (Some(lat), Some(lon)) => {
            Some(Position::new(lat, lon).map_err(|e| Refusal::from(Error::from(e)))?)
        }
        (None, None) => None,
        _ => return Err(refuse("lat", "give both lat and lon, or neither".into())),
    };
    let customer = CustomerId::from_uuid(r.customer_id);
    let details = SiteDetails {
        name: r.name,
        address: r.address,
        city: r.city,
        region: r.region,
        position,
        access_notes: r.access_notes,
    }
    .validated()
    .map_err(Error::from)?;
    if let Err(e) = store.customer(customer) {
        return Err(match e {
            Error::NotFound { .. } => refuse(
                "customer_id",
                format!("no customer {customer} is on file; import the customers first"),
            ),
            e => e.into(),
        });
    }
    let id = SiteId::from_uuid(r.id.unwrap_or_else(&mut *new_id));
    let ours = Site {
        id,
        customer_id: customer,
        details: details.clone(),
        version: 0,
    };
    let found = store.site(id).map(|s| Site { version: 0, ..s });
    if let Some(done) = already(found, &ours, "site")? {
        return Ok(done);
    }
    store.create_site(id, customer, details, Some(by), at)?;
    Ok(Filed::Created)
}

fn file_asset(
    store: &dyn Store,
    r: AssetRow,
    by: &Actor,
    at: Timestamp,
    new_id: &mut dyn FnMut() -> Uuid,
) -> Result<Filed, Refusal> {
    let site_id = SiteId::from_uuid(r.site_id);
    let site = match store.site(site_id) {
        Ok(s) => s,
        Err(Error::NotFound { .. }) => {
            return Err(refuse(
                "site_id",
                format!("no site {site_id} is on file; import the sites first"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let details = AssetDetails {
        site_id,
        model: r.model,
        serial: r.serial,
        category: r.category,
        install_date: r.install_date,
        warranty_end: r.warranty_end,
        tier: r.tier,
    }
    .validated()
    .map_err(Error::from)?;
    let id = AssetId::from_uuid(r.id.unwrap_or_else(&mut *new_id));
    let ours = Asset {
        id,
        customer_id: site.customer_id,
        details: details.clone(),
        version: 0,
    };
    let found = store.asset(id).map(|a| Asset { version: 0, ..a });
    if let Some(done) = already(found, &ours, "asset")? {
        return Ok(done);
    }
    store.create_asset(id, site.customer_id, details, Some(by), at)?;
    Ok(Filed::Created)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_row(file: &str) -> (csv::StringRecord, csv::StringRecord) {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(file.as_bytes());
        let headers = reader.headers().unwrap().clone();
        (headers, reader.records().next().unwrap().unwrap())
    }

    #[test]
    fn customer_rows_read_by_header_in_any_order() {
        let (headers, record) =
            first_row("notes,tier,name,phone,id\n,premium,杭州湖滨餐饮,0571-87012345,\n");
        let cells = Cells {
            headers: &headers,
            record: &record,
        };
        let r = CustomerRow::read(&cells).ok().unwrap();
        assert_eq!(r.name, "杭州湖滨餐饮");
        assert_eq!(r.tier, Some(ContractTier::Premium));
        assert_eq!(r.id, None);
        assert_eq!(r.notes, None, "a blank cell is no value");
        assert_eq!(r.language, None, "an absent column is no value");
    }

    #[test]
    fn a_bad_cell_names_its_column() {
        let (headers, record) = first_row("name,tier\nA,gold\n");
        let cells = Cells {
            headers: &headers,
            record: &record,
        };
        let Err(refusal) = CustomerRow::read(&cells) else {
            panic!("gold is not a tier")
        };
        assert_eq!(refusal.field.as_deref(), Some("tier"));
        assert!(
            refusal
                .error
                .to_string()
                .contains("expected one of `basic`"),
            "{}",
            refusal.error
        );
        let (headers, record) = first_row("customer_id,name,lat\n,A,north\n");
        let cells = Cells {
            headers: &headers,
            record: &record,
        };
        let Err(refusal) = SiteRow::read(&cells) else {
            panic!("no customer")
        };
        assert_eq!(refusal.field.as_deref(), Some("customer_id"));
    }
}
