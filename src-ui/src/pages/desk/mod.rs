//! The service desk's own screens beside the dispatch console: a new request taken on the phone,
//! the customer file, the work-order list with its side panel, the requests held for the desk, the automatic-assignment settings, and the lifecycle actions every desk view of a job offers.

pub mod actions;
pub mod call;
pub mod customers;
pub mod orders;
pub mod pending;
pub mod settings;
