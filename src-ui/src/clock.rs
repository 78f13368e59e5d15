//! The UI's now and zone: the backend's clock (the server's in a browser, the device's in the
//! app) and the zone of the signed-in user's service area, never the viewer's computer. A
//! browser in Berlin looking at a Hangzhou board sees Hangzhou's day and times.

use std::cell::Cell;

use chrono::{DateTime, NaiveDate, Utc};
use fixline_core::clock::{ClockSkew, ServiceClock};
use fixline_core::zone::ServiceZone;

thread_local! {
    static SKEW: Cell<ClockSkew> = const { Cell::new(ClockSkew { ahead_ms: 0 }) };
    static ZONE: Cell<ServiceZone> = const { Cell::new(ServiceZone::SHANGHAI) };
}

fn system_now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// Follows the backend's clock from here on.
pub fn follow(clock: &ServiceClock) {
    SKEW.with(|s| s.set(ClockSkew::between(clock.now, system_now())));
    ZONE.with(|z| z.set(clock.time_zone));
}

/// Asks the backend for its clock; without an answer the last one known stays.
pub async fn load() {
    if let Ok(clock) = crate::backend::backend().clock().await {
        follow(&clock);
    }
}

/// Now, by the backend's clock.
pub fn now() -> DateTime<Utc> {
    SKEW.with(Cell::get).apply(system_now())
}

/// An instant read off this computer's clock (a location fix's time) on the backend's clock.
pub fn on_backend_clock(system: DateTime<Utc>) -> DateTime<Utc> {
    SKEW.with(Cell::get).apply(system)
}

/// The service area's zone: days and times on screen are in it.
pub fn zone() -> ServiceZone {
    ZONE.with(Cell::get)
}

/// The local today.
pub fn today() -> NaiveDate {
    zone().local_day(now())
}
