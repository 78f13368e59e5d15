//! Positions on the earth (WGS-84, as phones report them) and distances between them.

use chrono::{DateTime, Utc};
use geo::{Distance, Haversine, Point};
use serde::{Deserialize, Serialize};

use crate::Error;

/// A validated latitude/longitude pair in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "RawPosition")]
pub struct Position {
    pub lat: f64,
    pub lon: f64,
}

#[derive(Deserialize)]
struct RawPosition {
    lat: f64,
    lon: f64,
}

impl TryFrom<RawPosition> for Position {
    type Error = Error;

    fn try_from(raw: RawPosition) -> Result<Self, Error> {
        Position::new(raw.lat, raw.lon)
    }
}

impl Position {
    pub fn new(lat: f64, lon: f64) -> Result<Self, Error> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(Error::invalid(
                "lat",
                format!("{lat} is not a latitude (-90..=90)"),
            ));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(Error::invalid(
                "lon",
                format!("{lon} is not a longitude (-180..=180)"),
            ));
        }
        Ok(Position { lat, lon })
    }

    /// Great-circle distance in metres.
    pub fn distance_m(&self, other: &Position) -> f64 {
        Haversine.distance(
            Point::new(self.lon, self.lat),
            Point::new(other.lon, other.lat),
        )
    }
}

/// Where someone was, and when the device measured it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PositionFix {
    pub position: Position,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_out_of_range_and_nan() {
        assert!(Position::new(91.0, 0.0).is_err());
        assert!(Position::new(0.0, -180.5).is_err());
        assert!(Position::new(f64::NAN, 0.0).is_err());
        assert!(serde_json::from_str::<Position>(r#"{"lat": 30.0, "lon": 200.0}"#).is_err());
    }

    #[test]
    fn west_lake_to_hangzhou_east_station_is_about_eight_km() {
        let west_lake = Position::new(30.2431, 120.1487).unwrap();
        let east_station = Position::new(30.2910, 120.2127).unwrap();
        let d = west_lake.distance_m(&east_station);
        assert!((7_500.0..8_500.0).contains(&d), "distance {d}");
    }
}
