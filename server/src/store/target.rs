//! Which customer, site and asset a new request is about: the rules both stores follow, over
//! lookups each store answers in its own transaction. A known serial or ids name them; a
//! caller is found by phone (or, new, gets a customer and site of their own); an outside
//! channel's request that matches a file is held for the desk rather than filed into it.

use fixline_core::Timestamp;
use fixline_core::customer::{
    Asset, ContractTier, Customer, CustomerDetails, CustomerKind, Language, Site, SiteDetails,
};
use fixline_core::ids::{AssetId, CustomerId, SiteId, UserId};
use fixline_core::intake::{PendingIntake, PendingState};
use uuid::Uuid;

use super::{Attach, PendingResolution, ServiceTarget, TargetSpec};
use crate::error::{Error, Result};

/// What a request resolved to: its customer, site and asset, or (for an outside channel) the
/// customer on file it matched, which only the desk may confirm.
pub(crate) enum Resolved {
    Target(Box<ServiceTarget>),
    Matched {
        customer: CustomerId,
        asset: Option<AssetId>,
    },
}

/// What the rules ask of a store, inside the transaction that files the request. (Async so
/// PostgreSQL's driver can answer; SQLite's answers at once.)
#[allow(async_fn_in_trait)]
pub(crate) trait Lookups {
    async fn asset_by_serial(&mut self, serial: &str) -> Result<Option<Asset>>;
    async fn customer(&mut self, id: CustomerId) -> Result<Customer>;
    async fn site(&mut self, id: SiteId) -> Result<Site>;
    async fn asset(&mut self, id: AssetId) -> Result<Asset>;
    /// A customer whose phone, or a contact's, is these digits.
    async fn customer_by_phone(&mut self, digits: &str) -> Result<Option<CustomerId>>;
    /// The customer's sites, in the order they were added.
    async fn sites_of(&mut self, customer: CustomerId) -> Result<Vec<Site>>;
    /// Stores a new record and logs it.
    async fn add_customer(&mut self, customer: &Customer, at: Timestamp) -> Result<()>;
    async fn add_site(&mut self, site: &Site, at: Timestamp) -> Result<()>;
}

/// Finds (or for a new caller, creates) the customer, site and asset a request is about.
pub(crate) async fn resolve(
    store: &mut impl Lookups,
    spec: &TargetSpec,
    at: Timestamp,
) -> Result<Resolved> {
    let (serial, ids, caller) = (spec.serial.as_deref(), spec.ids, spec.caller.as_ref());
    let hold = spec.attach == Attach::Hold;
    if let Some(serial) = serial.map(str::trim).filter(|s| !s.is_empty())
        && let Some(asset) = store.asset_by_serial(serial).await?
    {
        if hold {
            return Ok(Resolved::Matched {
                customer: asset.customer_id,
                asset: Some(asset.id),
            });
        }
        return Ok(Resolved::Target(Box::new(ServiceTarget {
            customer: store.customer(asset.customer_id).await?,
            site: store.site(asset.details.site_id).await?,
            asset: Some(asset),
        })));
    }
    if let Some((customer, site, asset)) = ids {
        let customer = store.customer(customer).await?;
        let site = store.site(site).await?;
        let asset = match asset {
            Some(a) => Some(store.asset(a).await?),
            None => None,
        };
        if site.customer_id != customer.id
            || asset.as_ref().is_some_and(|a| a.customer_id != customer.id)
        {
            return Err(Error::bad_request(
                "invalid_input",
                "the site or asset belongs to another customer",
            ));
        }
        if hold {
            return Ok(Resolved::Matched {
                customer: customer.id,
                asset: asset.map(|a| a.id),
            });
        }
        return Ok(Resolved::Target(Box::new(ServiceTarget {
            customer,
            site,
            asset,
        })));
    }
    let Some(caller) = caller else {
        return Err(Error::bad_request(
            "invalid_input",
            "say who needs service: an asset serial, customer and site ids, or the caller's name, phone and address",
        ));
    };
    let phone = fixline_core::text::phone("caller.phone", &caller.phone)?;
    let known = match spec.attach {
        Attach::NewCustomer => None,
        Attach::Known | Attach::Hold => {
            let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
            store.customer_by_phone(&digits).await?
        }
    };
    if hold && let Some(customer) = known {
        return Ok(Resolved::Matched {
            customer,
            asset: None,
        });
    }
    let site_details = SiteDetails {
        name: caller.address.clone(),
        address: caller.address.clone(),
        city: caller.city.clone(),
        region: caller.region.clone(),
        position: None,
        access_notes: None,
    }
    .validated()?;
    let customer = match known {
        Some(id) => store.customer(id).await?,
        None => {
            let customer = Customer::new(
                CustomerId::from_uuid(Uuid::now_v7()),
                CustomerDetails {
                    name: caller.name.clone(),
                    kind: CustomerKind::Household,
                    phone: Some(phone.clone()),
                    email: None,
                    language: Language::ZhCn,
                    tier: ContractTier::Basic,
                    notes: None,
                    quiet_hours: None,
                },
                at,
            )?;
            store.add_customer(&customer, at).await?;
            customer
        }
    };
    let same_address = store
        .sites_of(customer.id)
        .await?
        .into_iter()
        .find(|s| s.details.address == site_details.address);
    let site = match same_address {
        Some(site) => site,
        None => {
            let site = Site::new(SiteId::from_uuid(Uuid::now_v7()), customer.id, site_details)?;
            store.add_site(&site, at).await?;
            site
        }
    };
    Ok(Resolved::Target(Box::new(ServiceTarget {
        customer,
        site,
        asset: None,
    })))
}

/// The desk's answer to a held request: `Some` with the request as it becomes, or `None` when
/// it was already resolved this same way (answered as it is); resolved otherwise is refused.
pub(crate) fn resolve_pending(
    pending: &PendingIntake,
    resolution: &PendingResolution,
    by: UserId,
    at: Timestamp,
) -> Result<Option<PendingIntake>> {
    let (state, work_order, reason) = match resolution {
        PendingResolution::Filed(wo) => (PendingState::Filed, Some(*wo), None),
        PendingResolution::Rejected(r) => (PendingState::Rejected, None, Some(r.clone())),
    };
    match pending.state {
        PendingState::Waiting => {}
        done if done == state && pending.work_order_id == work_order => return Ok(None),
        PendingState::Filed => {
            return Err(Error::Conflict("this request was already filed".to_owned()));
        }
        PendingState::Rejected => {
            return Err(Error::Conflict(
                "this request was already turned down".to_owned(),
            ));
        }
    }
    Ok(Some(PendingIntake {
        state,
        work_order_id: work_order,
        reason,
        resolved_at: Some(at),
        resolved_by: Some(by),
        ..pending.clone()
    }))
}

/// A held request's state as its column keeps it.
pub(crate) fn state_word(state: PendingState) -> &'static str {
    match state {
        PendingState::Waiting => "waiting",
        PendingState::Filed => "filed",
        PendingState::Rejected => "rejected",
    }
}

/// A request from an outside channel that matched a file, held for the desk.
pub(crate) fn held(
    intake: &super::WorkOrderIntake,
    customer: CustomerId,
    asset: Option<AssetId>,
    at: Timestamp,
) -> PendingIntake {
    PendingIntake {
        id: fixline_core::ids::PendingIntakeId::from_uuid(Uuid::now_v7()),
        channel: intake.channel,
        received_at: at,
        request: intake.request.clone(),
        matched_customer: customer,
        matched_asset: asset,
        state: PendingState::Waiting,
        work_order_id: None,
        reason: None,
        resolved_at: None,
        resolved_by: None,
    }
}
