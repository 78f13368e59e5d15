//! The server's operations, one function for each thing it does, between `api/` (parse the
//! request, authorise, answer) and `store/` (SQL). An operation gathers what core needs, lets
//! core decide, and writes through the [`Store`](crate::store::Store) trait in one transaction;
//! it holds no SQL and no business rule, so every store (SQLite today) serves the same rules.
//!
//! Handlers, the demo data, the tickers and the other operations all change a work order
//! through [`work_orders`]; device actions are replayed through [`sync`].

pub mod auto_assign;
pub mod complaints;
pub mod dispatch;
pub mod eta;
pub mod kpis;
pub mod planning;
pub mod pool;
pub mod quality;
pub mod receipts;
pub mod return_visits;
pub mod review;
pub mod settings;
pub mod surveys;
pub mod sync;
pub mod tracking;
pub mod transfer;
pub mod work_orders;
