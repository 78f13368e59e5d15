//! Where an address is. A site without a position cannot be planned, mapped or given an ETA, and
//! every site a web form or a phone call brings in has none; the geocoder finds one from the
//! address. It sits behind [`Geocoder`], so any service (or none) can be plugged in; the adapter
//! here speaks the Nominatim search API (`/search?q=…&format=jsonv2`), which Nominatim itself and
//! several commercial services offer. Positions found are WGS-84, like everything stored.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use fixline_core::customer::SiteDetails;
use fixline_core::ids::SiteId;
use fixline_core::position::Position;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::{Error, Result};

/// Settings of the geocoding service; none configured: sites are placed by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeocodingConfig {
    /// The search endpoint, e.g. `https://nominatim.openstreetmap.org/search` (mind its usage
    /// policy) or a server of your own.
    pub url: String,
    /// Sent as `User-Agent`; Nominatim asks every application to name itself.
    #[serde(default = "user_agent")]
    pub user_agent: String,
    /// ISO country codes to search in, e.g. `cn`.
    #[serde(default)]
    pub country_codes: Option<String>,
    #[serde(default = "timeout_secs")]
    pub timeout_secs: u64,
}

fn user_agent() -> String {
    concat!("Fixline/", env!("CARGO_PKG_VERSION")).to_owned()
}

fn timeout_secs() -> u64 {
    5
}

pub type Found<'a> = Pin<Box<dyn Future<Output = Result<Option<Position>>> + Send + 'a>>;

/// Finds the position of an address; `Ok(None)` when the service knows no such place.
pub trait Geocoder: Send + Sync {
    fn locate<'a>(&'a self, address: &'a str, city: &'a str) -> Found<'a>;
}

/// A Nominatim-compatible search service over HTTP.
#[derive(Debug, Clone)]
pub struct Nominatim {
    config: GeocodingConfig,
    http: reqwest::Client,
}

impl Nominatim {
    pub fn new(config: GeocodingConfig) -> Result<Nominatim> {
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(Duration::from_secs(config.timeout_secs))
            .build()
            .map_err(|e| Error::Internal(format!("geocoder client: {e}")))?;
        Ok(Nominatim { config, http })
    }
}

#[derive(Deserialize)]
struct Place {
    lat: String,
    lon: String,
}

impl Geocoder for Nominatim {
    fn locate<'a>(&'a self, address: &'a str, city: &'a str) -> Found<'a> {
        Box::pin(async move {
            let q = format!("{address}, {city}");
            let mut query = vec![("q", q.as_str()), ("format", "jsonv2"), ("limit", "1")];
            if let Some(codes) = &self.config.country_codes {
                query.push(("countrycodes", codes));
            }
            let unreachable = |e: reqwest::Error| {
                Error::bad_request_with_status(
                    axum::http::StatusCode::BAD_GATEWAY,
                    "geocoder_unavailable",
                    format!("the geocoding service did not answer: {e}"),
                )
            };
            let answer = self
                .http
                .get(&self.config.url)
                .query(&query)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(unreachable)?;
            let places: Vec<Place> = answer.json().await.map_err(unreachable)?;
            // The service's numbers are text; anything unreadable or off the globe is no place.
            Ok(places.first().and_then(|p| {
                Position::new(p.lat.trim().parse().ok()?, p.lon.trim().parse().ok()?).ok()
            }))
        })
    }
}

/// The geocoder the settings name, if any.
pub fn from_settings(
    config: Option<&GeocodingConfig>,
) -> Result<Option<std::sync::Arc<dyn Geocoder>>> {
    config
        .map(|c| {
            Nominatim::new(c.clone())
                .map(|g| std::sync::Arc::new(g) as std::sync::Arc<dyn Geocoder>)
        })
        .transpose()
}

/// Gives a site without a position the one its address has; answers the site as it is then.
/// Errors: no geocoder configured, the service failing, or the address not found.
pub async fn place_site(state: &AppState, id: SiteId) -> Result<fixline_core::customer::Site> {
    let geocoder = state.geocoder().ok_or_else(|| {
        Error::bad_request(
            "no_geocoder",
            "no geocoding service is configured: enter the site's position by hand",
        )
    })?;
    let site = state.run(move |s| s.site(id)).await?;
    let found = geocoder
        .locate(&site.details.address, &site.details.city)
        .await?
        .ok_or_else(|| {
            Error::bad_request(
                "address_not_found",
                format!(
                    "the geocoding service does not know {} {}: enter the position by hand",
                    site.details.address, site.details.city
                ),
            )
        })?;
    let now = state.now();
    let details = SiteDetails {
        position: Some(found),
        ..site.details.clone()
    };
    // At the version read: an edit in between (a position typed by hand) is not overwritten.
    state
        .run(move |s| s.update_site(id, site.version, details, None, now))
        .await
}

/// A site without a position: find it in the background, if a geocoder is set.
pub fn place_later(state: &AppState, id: SiteId) {
    if state.geocoder().is_none() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let placed = state
            .run(move |s| s.site(id))
            .await
            .map(|s| s.details.position.is_some());
        if !matches!(placed, Ok(false)) {
            return;
        }
        if let Err(e) = place_site(&state, id).await {
            tracing::info!(site = %id, error = %e, "the site was not placed on the map");
        }
    });
}
