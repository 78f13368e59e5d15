//! The customer file: customers, contacts, sites and assets. The desk edits; everyone reads,
//! engineers only the customers behind their own work orders.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fixline_core::customer::history::FileEdit;
use fixline_core::customer::{
    Asset, AssetDetails, Contact, ContactDetails, Customer, CustomerDetails, CustomerFile, Site,
    SiteDetails,
};
use fixline_core::ids::{AssetId, ContactId, CustomerId, SiteId};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::extract::{Json, Path, Query, required_if_match, versioned};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{Error, ErrorBody, Result};
use crate::store::{Page, Paging, Visibility};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_customers, create_customer))
        .routes(routes!(customer_file, update_customer))
        .routes(routes!(file_history))
        .routes(routes!(add_contact))
        .routes(routes!(get_contact, update_contact))
        .routes(routes!(create_site))
        .routes(routes!(get_site, update_site))
        .routes(routes!(locate_site))
        .routes(routes!(create_asset))
        .routes(routes!(get_asset, update_asset))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// Part of the name, a phone number (typed any way), a site's address or name, or a serial.
    pub q: Option<String>,
    pub page: Option<u32>,
    /// At most 200.
    pub per_page: Option<u32>,
}

/// Checks the caller may read this customer's file.
pub async fn ensure_can_read(
    state: &AppState,
    user: &SignedIn,
    customer: CustomerId,
) -> Result<()> {
    if let Visibility::Engineer(e) = user.visibility() {
        let serves = state
            .run(move |s| s.engineer_serves_customer(e, customer))
            .await?;
        if !serves {
            return Err(Error::not_found("customer", customer));
        }
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(CustomerQuery),
    responses((status = 200, body = Page<Customer>), (status = 401, body = ErrorBody)))]
async fn list_customers(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<CustomerQuery>,
) -> Result<axum::Json<Page<Customer>>> {
    let visibility = user.visibility();
    let paging = Paging::new(q.page, q.per_page);
    Ok(axum::Json(
        state
            .run(move |s| s.list_customers(q.q.as_deref(), visibility, paging))
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CustomerDetails,
    responses((status = 201, body = Customer), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_customer(
    State(state): State<AppState>,
    user: SignedIn,
    Json(details): Json<CustomerDetails>,
) -> Result<Response> {
    user.require_desk("create customers")?;
    let now = state.now();
    let by = user.actor();
    let c = state
        .run(move |s| {
            s.create_customer(
                CustomerId::from_uuid(Uuid::now_v7()),
                details,
                Some(&by),
                now,
            )
        })
        .await?;
    Ok(versioned(StatusCode::CREATED, c.version, c))
}

/// The whole customer file: contacts, sites, assets and every work order.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = Uuid, Path)),
    responses((status = 200, body = CustomerFile), (status = 404, body = ErrorBody)))]
async fn customer_file(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<CustomerId>,
) -> Result<Response> {
    ensure_can_read(&state, &user, id).await?;
    let file = state.run(move |s| s.customer_file(id)).await?;
    Ok(versioned(StatusCode::OK, file.customer.version, file))
}

/// Replace the customer's details; needs `If-Match` with the version edited.
#[utoipa::path(put, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = Uuid, Path)), request_body = CustomerDetails,
    responses((status = 200, body = Customer), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn update_customer(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Path(id): Path<CustomerId>,
    Json(details): Json<CustomerDetails>,
) -> Result<Response> {
    user.require_desk("edit customers")?;
    let expected = required_if_match(&headers)?;
    let now = state.now();
    let by = user.actor();
    let c = state
        .run(move |s| s.update_customer(id, expected, details, Some(&by), now))
        .await?;
    Ok(versioned(StatusCode::OK, c.version, c))
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/contacts", tag = "customers", params(("id" = Uuid, Path)), request_body = ContactDetails,
    responses((status = 201, body = Contact), (status = 404, body = ErrorBody)))]
async fn add_contact(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<CustomerId>,
    Json(details): Json<ContactDetails>,
) -> Result<Response> {
    user.require_desk("add contacts")?;
    let now = state.now();
    let by = user.actor();
    let c = state
        .run(move |s| {
            s.add_contact(
                ContactId::from_uuid(Uuid::now_v7()),
                id,
                details,
                Some(&by),
                now,
            )
        })
        .await?;
    Ok(versioned(StatusCode::CREATED, c.version, c))
}

/// Who changed what in the customer's file (the customer, contacts, sites, assets), newest
/// first; the desk's.
#[utoipa::path(get, path = "/api/v1/customers/{id}/history", tag = "customers", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<FileEdit>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn file_history(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<CustomerId>,
) -> Result<axum::Json<Vec<FileEdit>>> {
    user.require_desk("read a customer file's history")?;
    Ok(axum::Json(state.run(move |s| s.file_history(id)).await?))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "customers", params(("id" = Uuid, Path)),
    responses((status = 200, body = Contact), (status = 404, body = ErrorBody)))]
async fn get_contact(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<ContactId>,
) -> Result<Response> {
    let c = state.run(move |s| s.contact(id)).await?;
    ensure_can_read(&state, &user, c.customer_id).await?;
    Ok(versioned(StatusCode::OK, c.version, c))
}

/// Replace a contact's details; needs `If-Match` with the version edited.
#[utoipa::path(put, path = "/api/v1/contacts/{id}", tag = "customers", params(("id" = Uuid, Path)), request_body = ContactDetails,
    responses((status = 200, body = Contact), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn update_contact(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Path(id): Path<ContactId>,
    Json(details): Json<ContactDetails>,
) -> Result<Response> {
    user.require_desk("edit contacts")?;
    let expected = required_if_match(&headers)?;
    let now = state.now();
    let by = user.actor();
    let c = state
        .run(move |s| s.update_contact(id, expected, details, Some(&by), now))
        .await?;
    Ok(versioned(StatusCode::OK, c.version, c))
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/sites", tag = "customers", params(("id" = Uuid, Path)), request_body = SiteDetails,
    responses((status = 201, body = Site), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_site(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<CustomerId>,
    Json(details): Json<SiteDetails>,
) -> Result<Response> {
    user.require_desk("add sites")?;
    let now = state.now();
    let by = user.actor();
    let site = state
        .run(move |s| {
            s.create_site(
                SiteId::from_uuid(Uuid::now_v7()),
                id,
                details,
                Some(&by),
                now,
            )
        })
        .await?;
    if site.details.position.is_none() {
        crate::geocode::place_later(&state, site.id);
    }
    Ok(versioned(StatusCode::CREATED, site.version, site))
}

/// Finds the site's position from its address with the geocoding service (the desk's "locate"
/// button); refused when none is configured or it does not know the address.
#[utoipa::path(post, path = "/api/v1/sites/{id}/locate", tag = "customers", params(("id" = Uuid, Path)),
    responses((status = 200, body = Site), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 502, body = ErrorBody)))]
async fn locate_site(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<SiteId>,
) -> Result<Response> {
    user.require_desk("place sites")?;
    let site = crate::geocode::place_site(&state, id).await?;
    Ok(versioned(StatusCode::OK, site.version, site))
}

#[utoipa::path(get, path = "/api/v1/sites/{id}", tag = "customers", params(("id" = Uuid, Path)),
    responses((status = 200, body = Site), (status = 404, body = ErrorBody)))]
async fn get_site(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<SiteId>,
) -> Result<Response> {
    let site = state.run(move |s| s.site(id)).await?;
    ensure_can_read(&state, &user, site.customer_id).await?;
    Ok(versioned(StatusCode::OK, site.version, site))
}

#[utoipa::path(put, path = "/api/v1/sites/{id}", tag = "customers", params(("id" = Uuid, Path)), request_body = SiteDetails,
    responses((status = 200, body = Site), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn update_site(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Path(id): Path<SiteId>,
    Json(details): Json<SiteDetails>,
) -> Result<Response> {
    user.require_desk("edit sites")?;
    let expected = required_if_match(&headers)?;
    let now = state.now();
    let by = user.actor();
    let site = state
        .run(move |s| s.update_site(id, expected, details, Some(&by), now))
        .await?;
    Ok(versioned(StatusCode::OK, site.version, site))
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/assets", tag = "customers", params(("id" = Uuid, Path)), request_body = AssetDetails,
    responses((status = 201, body = Asset), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_asset(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<CustomerId>,
    Json(details): Json<AssetDetails>,
) -> Result<Response> {
    user.require_desk("add assets")?;
    let now = state.now();
    let by = user.actor();
    let a = state
        .run(move |s| {
            s.create_asset(
                AssetId::from_uuid(Uuid::now_v7()),
                id,
                details,
                Some(&by),
                now,
            )
        })
        .await?;
    Ok(versioned(StatusCode::CREATED, a.version, a))
}

#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "customers", params(("id" = Uuid, Path)),
    responses((status = 200, body = Asset), (status = 404, body = ErrorBody)))]
async fn get_asset(
    State(state): State<AppState>,
    user: SignedIn,
    Path(id): Path<AssetId>,
) -> Result<Response> {
    let a = state.run(move |s| s.asset(id)).await?;
    ensure_can_read(&state, &user, a.customer_id).await?;
    Ok(versioned(StatusCode::OK, a.version, a))
}

#[utoipa::path(put, path = "/api/v1/assets/{id}", tag = "customers", params(("id" = Uuid, Path)), request_body = AssetDetails,
    responses((status = 200, body = Asset), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn update_asset(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Path(id): Path<AssetId>,
    Json(details): Json<AssetDetails>,
) -> Result<Response> {
    user.require_desk("edit assets")?;
    let expected = required_if_match(&headers)?;
    let now = state.now();
    let by = user.actor();
    let a = state
        .run(move |s| s.update_asset(id, expected, details, Some(&by), now))
        .await?;
    Ok(versioned(StatusCode::OK, a.version, a))
}
