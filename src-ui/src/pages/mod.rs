//! One module per screen.

pub mod capture;
pub mod console;
pub mod desk;
pub mod job;
pub mod jobs;
pub mod knowledge;
pub mod pool;
pub mod printer;
pub mod receipts;
pub mod scorecard;
pub mod sign_in;
