//! Fixline's dispatch server as a library: [`router`] builds the HTTP API over an [`AppState`],
//! [`serve`] runs it on a listener until shutdown. The binary in `main.rs` only parses the
//! command line; tests and benchmarks boot the same router on an ephemeral port.
//!
//! Owns HTTP, authentication and storage. Domain rules come from `fixline-core`; nothing here
//! decides what a work order may do.

mod api;
pub mod auth;
pub mod blobs;
pub mod charts;
pub mod clock;
pub mod config;
pub mod demo;
mod error;
pub mod exports;
pub mod geocode;
mod listen;
pub mod mail;
pub mod metrics;
pub mod notify;
pub mod ops;
pub mod periodic;
pub mod sign_in;
pub mod sms;
pub mod store;
pub mod webhooks;
pub mod wechat;

use std::future::Future;
use std::sync::Arc;

use fixline_core::sla::SlaPolicy;
use tokio::net::TcpListener;

pub use api::{openapi, router};
pub use config::Config;
pub use error::{Error, ErrorBody, Result};
use store::Store;

/// What every request handler shares: the store, the settings and the clock.
#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    config: Arc<Config>,
    clock: clock::Clock,
    blobs: Arc<blobs::BlobStore>,
    /// Parsed on first use: the CJK font is large and only needed to make receipts.
    receipt_fonts: Arc<std::sync::OnceLock<Result<fixline_receipt::ReceiptFonts, String>>>,
    /// The key the server seals its own receipts with, read (or made) once.
    seal_secret: Arc<std::sync::OnceLock<[u8; 32]>>,
    /// This server among those sharing the database: the holder named on leases.
    instance: Arc<str>,
    /// Finds sites' positions from their addresses; none: placed by hand.
    geocoder: Option<Arc<dyn geocode::Geocoder>>,
    passwords: Arc<sign_in::PasswordChecker>,
    sign_in_guard: Arc<sign_in::SignInGuard>,
    /// Photos decoded at once: each can take a few hundred MB while it is decoded.
    photo_slots: Arc<tokio::sync::Semaphore>,
    metrics: Arc<metrics::Metrics>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, mut config: Config) -> Result<Self> {
        if let Some(path) = &config.receipts.logo {
            use base64::Engine;
            match std::fs::read(path) {
                Ok(png) => {
                    config.receipts.settings.brand.logo_png =
                        base64::engine::general_purpose::STANDARD.encode(png)
                }
                Err(e) => tracing::warn!("receipt logo {} not read: {e}", path.display()),
            }
        }
        let area = store::FactsArea {
            area: config.service_area.clone(),
            calendar: config.sla.calendar.clone(),
        };
        if let Err(e) = store.set_facts_area(area) {
            tracing::error!("the KPI facts of older jobs were not written: {e}");
        }
        let blobs = blobs::BlobStore::configured(&config)?;
        match store.adopt_guides(&|bytes: &[u8]| blobs.put(bytes), chrono::Utc::now()) {
            Ok(0) => {}
            Ok(n) => tracing::info!("{n} repair guides became knowledge-base articles"),
            Err(e) => tracing::error!("repair guides were not moved into the knowledge base: {e}"),
        }
        let geocoder = geocode::from_settings(config.geocoding.as_ref()).unwrap_or_else(|e| {
            tracing::warn!("geocoding is off: {e}");
            None
        });
        let auth = &config.auth;
        let passwords = sign_in::PasswordChecker::new(auth.password_workers, auth.password_queue);
        let sign_in_guard = sign_in::SignInGuard::new(sign_in::LockoutPolicy {
            account_failures: auth.lockout_after,
            address_failures: auth.address_lockout_after,
            window: chrono::TimeDelta::minutes(auth.lockout_minutes.max(1)),
        });
        let photo_slots = tokio::sync::Semaphore::new(config.storage.photo_decodes.max(1));
        Ok(AppState {
            geocoder,
            passwords: Arc::new(passwords),
            sign_in_guard: Arc::new(sign_in_guard),
            photo_slots: Arc::new(photo_slots),
            metrics: Arc::default(),
            store,
            config: Arc::new(config),
            clock: clock::Clock::system(),
            blobs: Arc::new(blobs),
            receipt_fonts: Arc::default(),
            seal_secret: Arc::default(),
            instance: uuid::Uuid::now_v7().to_string().into(),
        })
    }

    pub fn geocoder(&self) -> Option<&dyn geocode::Geocoder> {
        self.geocoder.as_deref()
    }

    /// The same state with another geocoder (tests plug in a fake service's).
    pub fn with_geocoder(mut self, geocoder: Arc<dyn geocode::Geocoder>) -> Self {
        self.geocoder = Some(geocoder);
        self
    }

    /// The same state reading time from `clock` (tests fix the hour they run at).
    pub fn with_clock(mut self, clock: clock::Clock) -> Self {
        self.clock = clock;
        self
    }

    /// This server's name on the leases of periodic work.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    pub fn metrics(&self) -> &Arc<metrics::Metrics> {
        &self.metrics
    }

    pub fn passwords(&self) -> &sign_in::PasswordChecker {
        &self.passwords
    }

    pub fn sign_in_guard(&self) -> &sign_in::SignInGuard {
        &self.sign_in_guard
    }

    /// Waits for a turn to decode a photo.
    pub async fn photo_slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>> {
        self.photo_slots
            .acquire()
            .await
            .map_err(|_| Error::Internal("photo decoding has stopped".into()))
    }

    /// The server's clock, for work that reads it more than once off the async runtime.
    pub fn clock(&self) -> clock::Clock {
        self.clock
    }

    /// Now, by the server's clock: every handler and ticker asks here, never the system.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The zone a region's days and times are in (the service area's unless the region has
    /// its own).
    pub fn zone_of(&self, region: &str) -> fixline_core::zone::ServiceZone {
        self.config.service_area.zone_of(region)
    }

    /// The zone of a job's site (its region's, else the service area's).
    pub fn zone_of_site(
        &self,
        customer: &fixline_core::customer::CustomerFile,
        site: fixline_core::ids::SiteId,
    ) -> fixline_core::zone::ServiceZone {
        customer
            .sites
            .iter()
            .find(|s| s.id == site)
            .map_or(self.zone(), |s| self.zone_of(&s.details.region))
    }

    /// The receipt settings for work in a zone: the configured brand and prices, the zone (and
    /// its offset now, for old apps), and the customers' link base.
    pub fn receipt_settings(
        &self,
        zone: fixline_core::zone::ServiceZone,
    ) -> fixline_core::receipt::ReceiptSettings {
        let mut settings = self.config.receipts.settings.clone();
        settings.time_zone = zone;
        settings.utc_offset_minutes = settings.time_zone.offset_minutes(self.now());
        settings.link_base = self
            .config
            .receipt_link("")
            .trim_end_matches("/r/")
            .to_owned();
        settings
    }

    /// The service area's zone.
    pub fn zone(&self) -> fixline_core::zone::ServiceZone {
        self.config.service_area.time_zone
    }

    /// The server's seal secret: stored once in the database (so it survives restarts), then
    /// kept in memory so checking a receipt never writes.
    pub fn seal_secret(&self) -> Result<[u8; 32]> {
        if let Some(secret) = self.seal_secret.get() {
            return Ok(*secret);
        }
        let mut candidate = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut candidate);
        let secret = self.store.server_seal_secret(candidate)?;
        Ok(*self.seal_secret.get_or_init(|| secret))
    }

    pub fn blobs(&self) -> &Arc<blobs::BlobStore> {
        &self.blobs
    }

    /// The receipt font, loaded once; an error names what to install.
    pub fn receipt_fonts(&self) -> Result<&fixline_receipt::ReceiptFonts> {
        let font = self.config.receipts.font.clone();
        self.receipt_fonts
            .get_or_init(|| {
                match font {
                    Some(path) => fixline_receipt::ReceiptFonts::load(
                        &path,
                        &path,
                        fixline_receipt::fonts::SC_FACE,
                    ),
                    None => fixline_receipt::ReceiptFonts::system(),
                }
                .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| Error::Internal(e.clone()))
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn sla_policy(&self) -> &SlaPolicy {
        &self.config.sla
    }

    /// Runs blocking store work on the blocking pool, off the async runtime.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(store.as_ref())).await?
    }
}

/// The periodic tasks that run once across all servers.
const LATE_JOBS: &str = "late_jobs";
const COMPLAINT_DEADLINES: &str = "complaint_deadlines";

/// Serves the API on `listener` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Looks for jobs running late past their ETA, for customer notifications; once across
    // all servers.
    let watcher = periodic::spawn(
        state.clone(),
        LATE_JOBS,
        std::time::Duration::from_secs(state.config().dispatch.late_check_secs.max(1)),
        |state| async move {
            let config = state.config().dispatch.clone();
            let now = state.now();
            if let Err(e) = state
                .run(move |s| ops::eta::flag_late(s, &config, now))
                .await
            {
                tracing::warn!("looking for late jobs failed: {e}");
            }
        },
    );
    // Escalates complaints whose deadlines passed, once per missed deadline.
    let complaint_watcher = periodic::spawn(
        state.clone(),
        COMPLAINT_DEADLINES,
        std::time::Duration::from_secs(60),
        |state| async move {
            let shared = state.clone();
            let now = state.now();
            match state
                .run(move |s| ops::complaints::escalate_overdue(s, shared.config(), now))
                .await
            {
                Ok(escalated) => {
                    for (id, missed) in escalated {
                        tracing::info!("complaint {id} escalated: {missed:?} deadline missed");
                    }
                }
                Err(e) => tracing::warn!("escalating overdue complaints failed: {e}"),
            }
        },
    );
    // Unfinished uploads nobody came back for, swept every hour.
    let sweeper = {
        let state = state.clone();
        let age = std::time::Duration::from_secs(
            state.config().storage.partial_max_age_hours.max(1) * 3600,
        );
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                let blobs = Arc::clone(state.blobs());
                let now = state.now();
                match tokio::task::spawn_blocking(move || blobs.sweep_partials(age, now)).await {
                    Ok(Ok(0)) => {}
                    Ok(Ok(n)) => {
                        tracing::info!("removed {n} unfinished uploads older than {age:?}")
                    }
                    Ok(Err(e)) => tracing::warn!("sweeping unfinished uploads failed: {e}"),
                    Err(e) => tracing::warn!("sweeping unfinished uploads failed: {e}"),
                }
            }
        })
    };
    let notifier = notify::spawn(state.clone());
    let server = &state.config().server;
    let timeouts = listen::Timeouts {
        headers: std::time::Duration::from_secs(server.header_timeout_secs.max(1)),
        drain: std::time::Duration::from_secs(server.drain_secs),
    };
    let served = listen::run(listener, router(state.clone()), timeouts, shutdown).await;
    watcher.abort();
    sweeper.abort();
    complaint_watcher.abort();
    periodic::release(&state, &[LATE_JOBS, COMPLAINT_DEADLINES]).await;
    if let Some(notifier) = notifier {
        notifier.abort();
    }
    served
}

pub use api::session::{NewUser, create_user};
