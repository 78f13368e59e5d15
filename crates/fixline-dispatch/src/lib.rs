//! The dispatch optimiser: plans a day (or the rest of one) by assigning jobs to engineers and
//! ordering each engineer's visits, respecting skills and levels, certifications, shifts,
//! customer time windows, job durations and capacity; it minimises, in this order, jobs left
//! out, SLA breaches, lateness and travel. Pins keep a job on an engineer (or at a time), jobs
//! already started stay first on their engineer's route, and every job left out carries why.
//!
//! The search is ruin-and-recreate with string removals (after Christiaens & Vanden Berghe's
//! SISR) under simulated annealing, seeded, so the same input and budget give the same plan.
//!
//! Pure: no I/O, no clock. Times are minutes from an origin the caller chooses; travel times
//! come from a [`travel::TravelModel`] (great-circle with speed and detour, or a road-network
//! matrix the caller supplies); the time budget is a callback.

pub mod plan;
pub mod problem;
mod route;
mod search;
pub mod solomon;
pub mod timeline;
pub mod travel;

pub use plan::{Assignment, Plan, Stop, Unassigned, WhyUnassigned};
pub use problem::{Engineer, Job, Pin, Problem, ProblemError};
pub use search::{Budget, insert_urgent, solve, solve_from};
