//! End-to-end tests: each boots the real server on an ephemeral port over a fresh SQLite file
//! and drives it over HTTP, as the console, the engineer app and intake channels will.

mod abuse;
mod access;
mod app;
mod auto_assign;
mod board;
mod browser;
mod bucket;
mod capture;
mod capture_ui;
mod codes;
mod complaints;
mod console;
mod contract;
mod desk;
mod dispatch;
mod eta;
mod geocode;
mod intake;
mod knowledge;
mod kpis;
mod lifecycle;
mod local_day;
mod notify;
mod operate;
mod outbox_kill;
mod printing;
mod quality;
mod receipts;
mod robustness;
mod surveys;
mod sync;
mod sync_kill;
mod texts;
mod tracking;
mod webhooks;
