//! Travel between places. The optimiser asks a [`TravelModel`] for a matrix once per solve, so a
//! road-network service (an OSRM server the user runs, say) can answer it in one request.

use geo::{Distance, Haversine};
use serde::{Deserialize, Serialize};

/// A place: longitude/latitude for real sites, plain coordinates for benchmark instances.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub fn lon_lat(lon: f64, lat: f64) -> Self {
        Point { x: lon, y: lat }
    }
}

/// Minutes of travel between every pair of `points`, row-major (`m[i * n + j]` is i → j).
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub n: usize,
    pub minutes: Vec<f64>,
    pub km: Vec<f64>,
}

impl Matrix {
    pub fn minutes(&self, from: usize, to: usize) -> f64 {
        self.minutes[from * self.n + to]
    }

    pub fn km(&self, from: usize, to: usize) -> f64 {
        self.km[from * self.n + to]
    }
}

/// How long it takes to get from one place to another.
pub trait TravelModel {
    /// Minutes and kilometres from `a` to `b`.
    fn leg(&self, a: Point, b: Point) -> (f64, f64);

    /// The whole matrix; a road-network model overrides this with one batched request.
    fn matrix(&self, points: &[Point]) -> Matrix {
        let n = points.len();
        let mut minutes = vec![0.0; n * n];
        let mut km = vec![0.0; n * n];
        for (i, a) in points.iter().enumerate() {
            for (j, b) in points.iter().enumerate() {
                if i != j {
                    let (m, k) = self.leg(*a, *b);
                    minutes[i * n + j] = m;
                    km[i * n + j] = k;
                }
            }
        }
        Matrix { n, minutes, km }
    }
}

/// Great-circle distance stretched by a detour factor (roads are not straight), at an average
/// speed. Points are longitude/latitude.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GreatCircle {
    pub speed_kmh: f64,
    /// Road distance over straight-line distance; about 1.3 in a city.
    pub detour: f64,
}

impl Default for GreatCircle {
    fn default() -> Self {
        GreatCircle {
            speed_kmh: 30.0,
            detour: 1.3,
        }
    }
}

impl TravelModel for GreatCircle {
    fn leg(&self, a: Point, b: Point) -> (f64, f64) {
        let metres = Haversine.distance(geo::Point::new(a.x, a.y), geo::Point::new(b.x, b.y));
        let km = metres / 1000.0 * self.detour;
        (km / self.speed_kmh.max(1.0) * 60.0, km)
    }
}

/// Straight-line distance in the plane, one unit of distance per minute: the convention of the
/// Solomon VRPTW benchmark instances.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Euclidean;

impl TravelModel for Euclidean {
    fn leg(&self, a: Point, b: Point) -> (f64, f64) {
        let d = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
        (d, d)
    }
}

/// [`Euclidean`] truncated to one decimal: the DIMACS VRPTW challenge's convention, which PyVRP
/// (integers, so everything scaled by ten) uses too. The benchmark gives both solvers these
/// same numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Dimacs;

impl TravelModel for Dimacs {
    fn leg(&self, a: Point, b: Point) -> (f64, f64) {
        let d = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
        let tenths = (d * 10.0).floor() / 10.0;
        (tenths, tenths)
    }
}
