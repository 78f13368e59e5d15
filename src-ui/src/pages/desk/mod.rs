//! The service desk's own screens beside the dispatch console: a new request taken on the phone,
//! the customer file (with its contacts, machines and change history), the work-order list with
//! its side panel, the requests held for the desk, the automatic-assignment settings, logins and
//! the security log (administrators), and the lifecycle actions every desk view of a job offers.

pub mod actions;
pub mod call;
pub mod codes;
pub mod complaints;
pub mod customers;
pub mod dashboard;
mod file_history;
mod file_records;
mod integrations;
pub mod knowledge;
pub mod notifications;
pub mod orders;
pub mod pending;
pub mod quality;
pub mod return_visits;
mod review;
pub mod settings;
mod transfer;
pub mod users;
mod wording;
