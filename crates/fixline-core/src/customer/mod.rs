//! "One customer, one file": the customer, the people to call, the sites, the equipment at each
//! site with its warranty and contract tier, and every work order ever raised for them.

pub mod history;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::ids::{AssetId, ContactId, CustomerId, SiteId};
use crate::position::Position;
use crate::text::{self, LINE_MAX};
use crate::work_order::WorkOrderSummary;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    #[default]
    Business,
    Household,
}

/// The language a customer is spoken and written to in (receipts, surveys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Language {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

/// Contract level that sets SLA targets (see [`crate::sla::SlaPolicy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContractTier {
    Basic,
    #[default]
    Standard,
    Premium,
}

/// The editable part of a customer; what create and update requests carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerDetails {
    pub name: String,
    #[serde(default)]
    pub kind: CustomerKind,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub language: Language,
    /// Default tier for this customer's assets without a contract of their own.
    #[serde(default)]
    pub tier: ContractTier,
    #[serde(default)]
    pub notes: Option<String>,
    /// When this customer wants no message that can wait (a shop that opens at 10:00, a
    /// night-shift plant); none: the service area's quiet hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_hours: Option<crate::notify::QuietHours>,
}

impl CustomerDetails {
    /// Trims and checks every field; the result is what gets stored.
    pub fn validated(self) -> Result<Self, Error> {
        Ok(CustomerDetails {
            name: text::line("name", &self.name, LINE_MAX)?,
            phone: self
                .phone
                .as_deref()
                .map(|p| text::phone("phone", p))
                .transpose()?,
            email: self
                .email
                .as_deref()
                .map(|e| text::email("email", e))
                .transpose()?,
            notes: self
                .notes
                .as_deref()
                .map(|n| text::paragraph("notes", n))
                .transpose()?,
            ..self
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    pub id: CustomerId,
    #[serde(flatten)]
    pub details: CustomerDetails,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped on every change; a write naming an older version is refused.
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactDetails {
    pub name: String,
    /// What this person is to the customer: 店长, facilities manager, owner.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub primary: bool,
}

impl ContactDetails {
    pub fn validated(self) -> Result<Self, Error> {
        let details = ContactDetails {
            name: text::line("name", &self.name, LINE_MAX)?,
            title: text::optional_line("title", self.title.as_deref(), LINE_MAX)?,
            phone: self
                .phone
                .as_deref()
                .map(|p| text::phone("phone", p))
                .transpose()?,
            email: self
                .email
                .as_deref()
                .map(|e| text::email("email", e))
                .transpose()?,
            primary: self.primary,
        };
        if details.phone.is_none() && details.email.is_none() {
            return Err(Error::invalid(
                "phone",
                "a contact needs a phone number or an e-mail address",
            ));
        }
        Ok(details)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: ContactId,
    pub customer_id: CustomerId,
    #[serde(flatten)]
    pub details: ContactDetails,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteDetails {
    pub name: String,
    /// Street address as the customer writes it (e.g. 西湖区文三路 398 号).
    pub address: String,
    pub city: String,
    /// Dispatch region (district) used to filter boards and live status.
    pub region: String,
    #[serde(default)]
    pub position: Option<Position>,
    /// Gate codes, parking, opening hours.
    #[serde(default)]
    pub access_notes: Option<String>,
}

impl SiteDetails {
    pub fn validated(self) -> Result<Self, Error> {
        Ok(SiteDetails {
            name: text::line("name", &self.name, LINE_MAX)?,
            address: text::line("address", &self.address, LINE_MAX)?,
            city: text::line("city", &self.city, LINE_MAX)?,
            region: text::line("region", &self.region, LINE_MAX)?,
            access_notes: self
                .access_notes
                .as_deref()
                .map(|n| text::paragraph("access_notes", n))
                .transpose()?,
            position: self.position,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Site {
    pub id: SiteId,
    pub customer_id: CustomerId,
    #[serde(flatten)]
    pub details: SiteDetails,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetDetails {
    pub site_id: SiteId,
    pub model: String,
    pub serial: String,
    /// Product category; matches engineer skills (e.g. `air_conditioning`).
    pub category: String,
    #[serde(default)]
    pub install_date: Option<NaiveDate>,
    #[serde(default)]
    pub warranty_end: Option<NaiveDate>,
    /// Contract tier for this asset; `None` means the customer's tier.
    #[serde(default)]
    pub tier: Option<ContractTier>,
}

impl AssetDetails {
    pub fn validated(self) -> Result<Self, Error> {
        if let (Some(installed), Some(ends)) = (self.install_date, self.warranty_end)
            && ends < installed
        {
            return Err(Error::invalid(
                "warranty_end",
                "warranty cannot end before the installation date",
            ));
        }
        Ok(AssetDetails {
            model: text::line("model", &self.model, LINE_MAX)?,
            serial: text::line("serial", &self.serial, LINE_MAX)?,
            category: text::line("category", &self.category, 64)?,
            ..self
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Asset {
    pub id: AssetId,
    pub customer_id: CustomerId,
    #[serde(flatten)]
    pub details: AssetDetails,
    pub version: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WarrantyState {
    InWarranty { ends: NaiveDate, days_left: i64 },
    Expired { ended: NaiveDate },
    Unknown,
}

impl Customer {
    /// A new customer file's customer, its details checked: the one place one is made.
    pub fn new(id: CustomerId, details: CustomerDetails, at: DateTime<Utc>) -> Result<Self, Error> {
        Ok(Customer {
            id,
            details: details.validated()?,
            created_at: at,
            updated_at: at,
            version: 1,
        })
    }
}

impl Contact {
    /// A new contact of `customer`, its details checked.
    pub fn new(
        id: ContactId,
        customer: CustomerId,
        details: ContactDetails,
    ) -> Result<Self, Error> {
        Ok(Contact {
            id,
            customer_id: customer,
            details: details.validated()?,
            version: 1,
        })
    }
}

impl Site {
    /// A new site of `customer`, its details checked.
    pub fn new(id: SiteId, customer: CustomerId, details: SiteDetails) -> Result<Self, Error> {
        Ok(Site {
            id,
            customer_id: customer,
            details: details.validated()?,
            version: 1,
        })
    }
}

impl Asset {
    /// A new asset of `customer`, its details checked (its site's owner is the store's to check).
    pub fn new(id: AssetId, customer: CustomerId, details: AssetDetails) -> Result<Self, Error> {
        Ok(Asset {
            id,
            customer_id: customer,
            details: details.validated()?,
            version: 1,
        })
    }

    pub fn warranty_state(&self, today: NaiveDate) -> WarrantyState {
        match self.details.warranty_end {
            None => WarrantyState::Unknown,
            Some(ends) if ends >= today => WarrantyState::InWarranty {
                ends,
                days_left: (ends - today).num_days(),
            },
            Some(ended) => WarrantyState::Expired { ended },
        }
    }

    /// The tier that sets SLA targets for work on this asset.
    pub fn effective_tier(&self, customer: &Customer) -> ContractTier {
        self.details.tier.unwrap_or(customer.details.tier)
    }
}

/// Everything known about one customer, as a dispatcher or engineer opens it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerFile {
    pub customer: Customer,
    pub contacts: Vec<Contact>,
    pub sites: Vec<Site>,
    pub assets: Vec<Asset>,
    /// Newest first.
    pub work_orders: Vec<WorkOrderSummary>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details() -> CustomerDetails {
        CustomerDetails {
            name: " 杭州湖滨餐饮管理有限公司 ".into(),
            kind: CustomerKind::Business,
            phone: Some("0571-8701 2345".into()),
            email: None,
            language: Language::ZhCn,
            tier: ContractTier::Premium,
            notes: None,
            quiet_hours: None,
        }
    }

    #[test]
    fn customer_details_are_trimmed_and_checked() {
        assert_eq!(
            details().validated().unwrap().name,
            "杭州湖滨餐饮管理有限公司"
        );
        let bad = CustomerDetails {
            phone: Some("n/a".into()),
            ..details()
        };
        assert_eq!(
            bad.validated().unwrap_err().to_string(),
            "phone: \"n/a\" is not a phone number"
        );
    }

    #[test]
    fn contact_needs_a_way_to_reach_them() {
        let c = ContactDetails {
            name: "王芳".into(),
            title: None,
            phone: None,
            email: None,
            primary: true,
        };
        assert!(c.validated().is_err());
    }

    #[test]
    fn warranty_state_and_order_of_dates() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let details = AssetDetails {
            site_id: SiteId::from_uuid(uuid::Uuid::nil()),
            model: "KFR-72LW".into(),
            serial: "SN123".into(),
            category: "air_conditioning".into(),
            install_date: Some(d("2025-03-01")),
            warranty_end: Some(d("2027-03-01")),
            tier: None,
        };
        let asset = Asset {
            id: AssetId::from_uuid(uuid::Uuid::nil()),
            customer_id: CustomerId::from_uuid(uuid::Uuid::nil()),
            details: details.clone().validated().unwrap(),
            version: 1,
        };
        assert_eq!(
            asset.warranty_state(d("2027-02-27")),
            WarrantyState::InWarranty {
                ends: d("2027-03-01"),
                days_left: 2
            }
        );
        assert_eq!(
            asset.warranty_state(d("2027-03-02")),
            WarrantyState::Expired {
                ended: d("2027-03-01")
            }
        );
        let backwards = AssetDetails {
            warranty_end: Some(d("2024-01-01")),
            ..details
        };
        assert!(backwards.validated().is_err());
    }
}
