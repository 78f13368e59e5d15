//! Storage behind one trait, so the SQLite file of a single machine and (later) PostgreSQL for
//! scale-out are interchangeable. Methods are blocking; the HTTP layer calls them through
//! [`crate::AppState::run`], off the async runtime.
//!
//! Every write appends to the change log in the same transaction and is then published to
//! subscribers in commit order.

mod outbox;
pub mod postgres;
mod record;
mod sync_rules;
mod target;

/// The schema's SQL files, embedded by the build script (`migrations/embed.rs`).
mod schema {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}
pub mod sqlite;

use chrono::{DateTime, Utc};
use fixline_core::Timestamp;
use fixline_core::customer::history::FileEdit;
use fixline_core::customer::{
    Asset, AssetDetails, Contact, ContactDetails, Customer, CustomerDetails, CustomerFile, Site,
    SiteDetails,
};
use fixline_core::engineer::{Engineer, EngineerDetails, EngineerStatus};
use fixline_core::ids::{
    ArticleId, AssetId, ContactId, CustomerId, EngineerId, PendingIntakeId, SiteId, UserId,
    WorkOrderId,
};
pub use fixline_core::intake::{Caller, IntakeRequest, PendingIntake};
use fixline_core::knowledge::{Article, ArticleEdit, ArticleKind, PastFix};
use fixline_core::position::PositionFix;
use fixline_core::role::Actor;
use fixline_core::sync::{
    DeviceAction, PullPage, PushResult, Replay, Standing, SyncConflict, SyncCursor,
};
use fixline_core::work_order::Revision;
use fixline_core::work_order::{
    HistoryEntry, IntakeChannel, Priority, Status, WorkOrder, WorkOrderSummary,
};
use tokio::sync::broadcast;

pub use sqlite::SqliteStore;

use crate::error::Result;

pub use fixline_api::Page;
pub use fixline_api::live::{Change, ChangeOp, Entity};
/// A login: one wire type, in core, shared with the UI.
pub use fixline_core::security::User;

/// The store the settings name: PostgreSQL at `url`, else the SQLite file at `path`. Blocks
/// while the schema is brought up to date.
pub fn open(database: &crate::config::DatabaseConfig) -> Result<std::sync::Arc<dyn Store>> {
    Ok(match &database.url {
        Some(url) => std::sync::Arc::new(postgres::PgStore::open(url)?),
        None => std::sync::Arc::new(SqliteStore::open(&database.path)?),
    })
}

/// Paging as requested, already bounded.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
}

impl Paging {
    pub const MAX_PER_PAGE: u32 = 200;

    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Self {
        Paging {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.unwrap_or(50).clamp(1, Self::MAX_PER_PAGE),
        }
    }

    fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// The desk's article list: words, kind, state; all optional.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub query: Option<String>,
    pub kind: Option<ArticleKind>,
    pub state: Option<fixline_api::knowledge::ArticleState>,
}

/// Work-order list filters; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct WorkOrderFilter {
    pub statuses: Vec<Status>,
    pub priorities: Vec<Priority>,
    pub assignee: Option<EngineerId>,
    pub customer: Option<CustomerId>,
    pub region: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// Case-insensitive substring of number, symptom, customer name or address.
    pub text: Option<String>,
    /// Only jobs still needing work (not completed, confirmed, closed or cancelled).
    pub open_only: bool,
}

/// A `LIKE` pattern (escape `\`) matching lower-cased text that contains `text`.
pub(crate) fn like(text: &str) -> String {
    let escaped = text
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Every work order the filter matches, whole, page by page.
pub fn every_work_order(store: &dyn Store, filter: &WorkOrderFilter) -> Result<Vec<WorkOrder>> {
    let mut orders = Vec::new();
    for page in 1.. {
        let p =
            store.list_work_orders(filter, Paging::new(Some(page), Some(Paging::MAX_PER_PAGE)))?;
        let last = p.items.len() < Paging::MAX_PER_PAGE as usize;
        for summary in p.items {
            orders.push(store.work_order(summary.id)?);
        }
        if last {
            return Ok(orders);
        }
    }
    Ok(orders)
}

/// Which records a caller may see: everything, or one engineer's jobs and the customers behind them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    All,
    Engineer(EngineerId),
}

/// Makes the work order from the customer, site and asset found and the number given.
pub type BuildWorkOrder = Box<dyn FnOnce(&ServiceTarget, String) -> Result<WorkOrder> + Send>;

/// A work order to create: the request, with where it came from and how to number it.
pub struct WorkOrderIntake {
    pub channel: IntakeChannel,
    /// Channel-supplied key; the same key from the same channel yields the same work order.
    pub idempotency_key: Option<String>,
    pub actor: Option<fixline_core::role::Actor>,
    pub target: TargetSpec,
    /// The request as received, kept if it is held for the desk.
    pub request: IntakeRequest,
    /// Builds the order once the store has found its customer and given it a number.
    pub build: BuildWorkOrder,
}

impl std::fmt::Debug for WorkOrderIntake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkOrderIntake")
            .field("channel", &self.channel)
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// How a request names who needs service, tried in this order: an asset serial, customer and
/// site ids, the caller's phone; a caller not in the file gets a new customer and site.
#[derive(Debug, Clone, Default)]
pub struct TargetSpec {
    pub serial: Option<String>,
    pub ids: Option<(CustomerId, SiteId, Option<AssetId>)>,
    pub caller: Option<Caller>,
    pub attach: Attach,
}

/// Whether a request may be filed into a customer file that already exists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Attach {
    /// The desk: a known serial, ids or caller phone files into that customer.
    #[default]
    Known,
    /// An outside channel: a request that matches a customer on file is held for the desk.
    Hold,
    /// The desk chose a new customer for a held request whose phone matched another's.
    NewCustomer,
}

/// How the desk resolved a held request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingResolution {
    Filed(WorkOrderId),
    Rejected(String),
}

/// What intake made of a request: a work order, or a request held for the desk.
#[derive(Debug, Clone)]
pub enum Taken {
    Opened(Box<WorkOrder>),
    Held(Box<PendingIntake>),
}

/// The three records a request resolves to.
#[derive(Debug, Clone)]
pub struct ServiceTarget {
    pub customer: Customer,
    pub site: Site,
    pub asset: Option<Asset>,
}

/// Changes a work order inside a transaction: gets the current order, returns core's
/// [`Revision`] (the next version and its history line).
pub type WorkOrderChange<'a> = &'a mut dyn FnMut(&WorkOrder) -> Result<Revision>;

/// Edits a complaint inside a transaction: gets the current one, returns the next (from
/// `Complaint::apply`).
pub type ComplaintEdit<'a> = &'a mut dyn FnMut(
    &fixline_core::complaint::Complaint,
) -> Result<fixline_core::complaint::Complaint>;

/// Replays a device action on the job as the store has it, knowing the actor's standing.
pub type DeviceDecision<'a> = &'a mut dyn FnMut(&WorkOrder, Standing) -> Replay;

/// What the KPI facts need beyond the job: the zone its days are in and the calendar its
/// business-hours clock counts by (from the configuration).
#[derive(Debug, Clone, Default)]
pub struct FactsArea {
    pub area: fixline_core::zone::ServiceArea,
    pub calendar: fixline_core::calendar::BusinessCalendar,
}

/// One job's KPI facts as the dashboard reads them.
#[derive(Debug, Clone)]
pub struct FactRow {
    pub work_order_id: WorkOrderId,
    pub number: String,
    pub facts: fixline_core::kpi::JobFacts,
}

/// One finished job's facts as the dashboard folds them, its text borrowed from the row being
/// read (the facts' own text fields are left empty): a million rows are read without copying.
#[derive(Debug)]
pub struct FactView<'a> {
    pub facts: &'a fixline_core::kpi::JobFacts,
    pub region: &'a str,
    pub category: &'a str,
    /// Empty without an asset.
    pub model: &'a str,
    pub channel: &'a str,
    pub fault_code: Option<&'a str>,
    pub cause_code: Option<&'a str>,
}

/// One page of a list, with the total the filter matched.
fn page<T>(items: Vec<T>, paging: Paging, total: i64) -> Page<T> {
    Page {
        items,
        page: paging.page,
        per_page: paging.per_page,
        total: total.max(0) as u64,
    }
}

/// `Store` is the sum of the area traits, written once: the trait, its blanket
/// implementation, and the prelude that names them all.
macro_rules! store_of_areas {
    ($($area:ident),+ $(,)?) => {
        /// Everything the server keeps, by area; a store implements each area's trait (the
        /// SQLite store has a module per area under `sqlite/`).
        pub trait Store: $($area +)+ Send + Sync + 'static {}

        impl<S> Store for S where S: $($area +)+ Send + Sync + 'static {}

        /// The area traits, for code that holds a concrete store (tests, the command line)
        /// rather than `dyn Store`: `use fixline_server::store::prelude::*;`.
        pub mod prelude {
            pub use super::{Store, $($area),+};
        }
    };
}

store_of_areas!(
    AccessStore,
    CustomerStore,
    EngineerStore,
    WorkOrderStore,
    ReceiptStore,
    ComplaintStore,
    QualityStore,
    KpiStore,
    KnowledgeStore,
    SyncStore,
    NoticeStore,
    SettingStore,
    ChangeFeed,
    LeaseStore,
);

/// Users, sessions, the security log, device and intake keys.
pub trait AccessStore {
    /// Wrong passwords kept against any of `keys` (`account:…`, `address:…`).
    fn sign_in_failures(
        &self,
        keys: &[String],
    ) -> Result<Vec<(String, fixline_core::security::SignInFailures)>>;
    /// Counts one wrong password against `key` in one transaction: `count` gets what is kept
    /// and returns what to keep. Records whose last failure is before `forget_before` are
    /// dropped on the way (their locks have run out).
    fn count_sign_in_failure(
        &self,
        key: &str,
        forget_before: Timestamp,
        count: &mut dyn FnMut(
            Option<fixline_core::security::SignInFailures>,
        ) -> fixline_core::security::SignInFailures,
    ) -> Result<fixline_core::security::SignInFailures>;
    fn clear_sign_in_failures(&self, key: &str) -> Result<()>;
    fn create_user(&self, user: &User, password_hash: &str, at: Timestamp) -> Result<()>;
    fn user_with_password(&self, username: &str) -> Result<Option<(User, String)>>;
    fn list_users(&self) -> Result<Vec<User>>;
    fn create_session(
        &self,
        token_hash: &[u8],
        user: UserId,
        at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()>;
    fn user_by_session(&self, token_hash: &[u8], now: Timestamp) -> Result<Option<User>>;
    fn delete_session(&self, token_hash: &[u8]) -> Result<()>;
    /// Disables or enables a login, sets its password hash (`password_hash`, for a reset) and
    /// ends its sessions as the change says, and logs the event, in one transaction.
    fn change_access(
        &self,
        id: UserId,
        change: &fixline_core::security::AccessChange,
        password_hash: Option<&str>,
        event: &fixline_core::security::SecurityEvent,
    ) -> Result<User>;
    fn record_security_event(&self, event: &fixline_core::security::SecurityEvent) -> Result<()>;
    /// The security log, newest first.
    fn security_events(&self, limit: u32) -> Result<Vec<fixline_core::security::SecurityEvent>>;
    fn add_intake_key(
        &self,
        key_hash: &[u8],
        channel: IntakeChannel,
        label: &str,
        at: Timestamp,
    ) -> Result<()>;
    fn intake_channel_for_key(&self, key_hash: &[u8]) -> Result<Option<IntakeChannel>>;
    /// Registers a device's public seal key for a user (true: newly); registering it again is
    /// a no-op, and a key registered to someone else, or revoked, is refused.
    fn register_device_key(
        &self,
        key: &str,
        user: UserId,
        name: &str,
        at: Timestamp,
    ) -> Result<bool>;
    /// The display name of the user whose device holds this public key, and when the key was
    /// revoked, if it was.
    fn device_key_owner(&self, key: &str) -> Result<Option<(String, Option<Timestamp>)>>;
    fn device_keys(&self) -> Result<Vec<fixline_core::security::RegisteredDevice>>;
    /// Revokes a device key from `event.at` on, and logs it.
    fn revoke_device_key(
        &self,
        key: &str,
        event: &fixline_core::security::SecurityEvent,
    ) -> Result<()>;
    fn intake_keys(&self) -> Result<Vec<fixline_core::security::IntakeKeyInfo>>;
    /// Revokes the intake key `id` names (see `security::key_id`), and logs it.
    fn revoke_intake_key(
        &self,
        id: &str,
        event: &fixline_core::security::SecurityEvent,
    ) -> Result<()>;
    /// The secret the server seals its own receipts with; `candidate` becomes it the first time.
    fn server_seal_secret(&self, candidate: [u8; 32]) -> Result<[u8; 32]>;
    /// The user a device seal key is registered to.
    fn device_key_user(&self, key: &str) -> Result<Option<UserId>>;
    /// When a device of this user first registered its seal key (revoked keys included).
    fn first_device_registration(&self, user: UserId) -> Result<Option<Timestamp>>;
}

/// The customer file: customers, contacts, sites, assets and the file's edit history.
pub trait CustomerStore {
    fn create_customer(
        &self,
        id: CustomerId,
        details: CustomerDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Customer>;
    fn update_customer(
        &self,
        id: CustomerId,
        expected: u64,
        details: CustomerDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Customer>;
    fn customer_file(&self, id: CustomerId) -> Result<CustomerFile>;
    /// Who changed what in the customer's file, newest first.
    fn file_history(&self, id: CustomerId) -> Result<Vec<FileEdit>>;
    fn list_customers(
        &self,
        text: Option<&str>,
        visibility: Visibility,
        paging: Paging,
    ) -> Result<Page<Customer>>;
    fn add_contact(
        &self,
        id: ContactId,
        customer: CustomerId,
        details: ContactDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Contact>;
    fn update_contact(
        &self,
        id: ContactId,
        expected: u64,
        details: ContactDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Contact>;
    fn contact(&self, id: ContactId) -> Result<Contact>;
    fn create_site(
        &self,
        id: SiteId,
        customer: CustomerId,
        details: SiteDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Site>;
    fn update_site(
        &self,
        id: SiteId,
        expected: u64,
        details: SiteDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Site>;
    fn site(&self, id: SiteId) -> Result<Site>;
    fn create_asset(
        &self,
        id: AssetId,
        customer: CustomerId,
        details: AssetDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Asset>;
    fn update_asset(
        &self,
        id: AssetId,
        expected: u64,
        details: AssetDetails,
        by: Option<&Actor>,
        at: Timestamp,
    ) -> Result<Asset>;
    fn asset(&self, id: AssetId) -> Result<Asset>;
    fn customer(&self, id: CustomerId) -> Result<Customer>;
    /// Whole tables, oldest first, for the CSV export.
    fn every_customer(&self) -> Result<Vec<Customer>>;
    fn every_site(&self) -> Result<Vec<Site>>;
    fn every_asset(&self) -> Result<Vec<Asset>>;
    /// Whether `engineer` holds (or held) a work order for this customer.
    fn engineer_serves_customer(&self, engineer: EngineerId, customer: CustomerId) -> Result<bool>;
}

/// Engineers and where they last were.
pub trait EngineerStore {
    fn create_engineer(
        &self,
        id: EngineerId,
        details: EngineerDetails,
        at: Timestamp,
    ) -> Result<Engineer>;
    fn update_engineer(
        &self,
        id: EngineerId,
        expected: u64,
        details: EngineerDetails,
        status: Option<EngineerStatus>,
        at: DateTime<Utc>,
    ) -> Result<Engineer>;
    fn engineer(&self, id: EngineerId) -> Result<Engineer>;
    fn list_engineers(&self, region: Option<&str>, paging: Paging) -> Result<Page<Engineer>>;
    /// Records a position ping; an older fix than the one held is logged but does not move the engineer.
    fn record_position(&self, id: EngineerId, fix: PositionFix, at: Timestamp) -> Result<Engineer>;
}

/// Work orders, their history, and requests held for the desk.
pub trait WorkOrderStore {
    /// Creates a work order, and the customer and site of a new caller, in one transaction (or,
    /// for an outside channel's request that matches a customer on file, holds it for the desk);
    /// returns it and whether it already existed (a repeated idempotency key).
    fn create_work_order(&self, intake: WorkOrderIntake, at: Timestamp) -> Result<(Taken, bool)>;
    fn work_order(&self, id: WorkOrderId) -> Result<WorkOrder>;
    fn list_work_orders(
        &self,
        filter: &WorkOrderFilter,
        paging: Paging,
    ) -> Result<Page<WorkOrderSummary>>;
    /// Read, change and write one work order in one transaction, refusing a stale `expected` version.
    fn update_work_order(
        &self,
        id: WorkOrderId,
        expected: Option<u64>,
        at: Timestamp,
        change: WorkOrderChange<'_>,
    ) -> Result<WorkOrder>;
    fn history(&self, id: WorkOrderId) -> Result<Vec<HistoryEntry>>;
    /// Held requests, oldest first; only those still waiting unless `all`.
    fn pending_intakes(&self, all: bool) -> Result<Vec<PendingIntake>>;
    fn pending_intake(&self, id: PendingIntakeId) -> Result<PendingIntake>;
    /// Marks a waiting request filed (with its work order) or rejected; one already resolved
    /// the same way is answered as it is, one resolved otherwise is refused.
    fn resolve_pending_intake(
        &self,
        id: PendingIntakeId,
        resolution: PendingResolution,
        by: UserId,
        at: Timestamp,
    ) -> Result<PendingIntake>;
}

/// What a job leaves behind: parts, photos and receipts as blobs, the receipt's and the tracking page's tokens.
pub trait ReceiptStore {
    /// Adds or replaces a part; the part list changes rarely and is not in the change log.
    fn put_part(&self, part: &fixline_core::billing::Part, at: Timestamp) -> Result<()>;
    fn parts(&self) -> Result<Vec<fixline_core::billing::Part>>;
    /// Work orders whose photos or receipt name this blob.
    fn work_orders_naming_blob(&self, sha256: &str) -> Result<Vec<WorkOrder>>;
    /// Records that a file's bytes reached the server for these jobs (an upload finished by an
    /// engineer holding them, or the server made the file for the job).
    fn record_blob_jobs(
        &self,
        sha256: &str,
        jobs: &[WorkOrderId],
        by: Option<UserId>,
        at: Timestamp,
    ) -> Result<()>;
    /// Whether the engineer holds a job the file's bytes reached the server for.
    fn blob_reached(&self, sha256: &str, engineer: EngineerId) -> Result<bool>;
    /// The work order whose receipt has this customer-link token.
    fn work_order_by_receipt_token(&self, token: &str) -> Result<Option<WorkOrder>>;
    /// The request's tracking-link token: the one on file, else `candidate`, stored.
    fn tracking_token(
        &self,
        work_order: WorkOrderId,
        candidate: &str,
        at: Timestamp,
    ) -> Result<String>;
    fn work_order_by_tracking_token(&self, token: &str) -> Result<Option<WorkOrder>>;
    fn record_receipt_mail(
        &self,
        id: WorkOrderId,
        recipient: &str,
        at: Timestamp,
        error: Option<&str>,
    ) -> Result<()>;
}

/// Complaints and their deadlines.
pub trait ComplaintStore {
    /// Numbers the complaint (`CP-000001`) and stores what `build` makes of the number; the
    /// customer must be on file.
    fn create_complaint(
        &self,
        build: &mut dyn FnMut(String) -> Result<fixline_core::complaint::Complaint>,
        at: Timestamp,
    ) -> Result<fixline_core::complaint::Complaint>;
    fn complaint(
        &self,
        id: fixline_core::ids::ComplaintId,
    ) -> Result<fixline_core::complaint::Complaint>;
    /// Open ones first, by resolve-by deadline; `open_only` leaves closed ones out.
    fn complaints(
        &self,
        open_only: bool,
        limit: u32,
    ) -> Result<Vec<fixline_core::complaint::Complaint>>;
    /// Open complaints with a deadline before `now`: what the deadline watcher looks at.
    fn complaints_past_deadline(
        &self,
        now: Timestamp,
    ) -> Result<Vec<fixline_core::complaint::Complaint>>;
    /// The complaints received from `from` until before `to`, oldest first.
    fn complaints_received(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<fixline_core::complaint::Complaint>>;
    /// A customer's complaints, newest first (their page shows where each stands).
    fn complaints_of_customer(
        &self,
        customer: CustomerId,
    ) -> Result<Vec<fixline_core::complaint::Complaint>>;
    /// `expected`: the version the caller saw, if it says.
    fn update_complaint(
        &self,
        id: fixline_core::ids::ComplaintId,
        expected: Option<u64>,
        edit: ComplaintEdit<'_>,
        at: Timestamp,
    ) -> Result<fixline_core::complaint::Complaint>;
}

/// The customer's survey, QA reviews and the review's improvement actions.
pub trait QualityStore {
    /// Keeps a job's scorecard (a second review of the job replaces the first).
    fn save_qa_review(&self, review: &fixline_core::quality::QaReview) -> Result<()>;
    /// Scorecards of one ISO week ("2026-W49"), or all, oldest first.
    fn qa_reviews(&self, week: Option<&str>) -> Result<Vec<fixline_core::quality::QaReview>>;
    fn create_improvement_action(
        &self,
        action: &fixline_core::improvement::ImprovementAction,
    ) -> Result<()>;
    /// Changes an action made on version `expected`; `edit` returns the new one.
    fn update_improvement_action(
        &self,
        id: fixline_core::ids::ImprovementId,
        expected: u64,
        edit: &mut dyn FnMut(
            &fixline_core::improvement::ImprovementAction,
        ) -> Result<fixline_core::improvement::ImprovementAction>,
    ) -> Result<fixline_core::improvement::ImprovementAction>;
    fn improvement_actions(&self) -> Result<Vec<fixline_core::improvement::ImprovementAction>>;
    /// The job's survey, if the customer answered.
    fn survey(&self, work_order: WorkOrderId) -> Result<Option<fixline_core::survey::Survey>>;
    /// Records an answer: `revise` is given the survey on file (none: the first answer) and
    /// returns the one to keep, in the same transaction.
    fn answer_survey(
        &self,
        work_order: WorkOrderId,
        revise: &mut dyn FnMut(
            Option<&fixline_core::survey::Survey>,
        ) -> Result<fixline_core::survey::Survey>,
    ) -> Result<fixline_core::survey::Survey>;
}

/// The KPI rollup, one row of facts per job.
pub trait KpiStore {
    /// Sets the zone and calendar the KPI facts are worked out in, and writes the facts of
    /// every job that has none yet.
    fn set_facts_area(&self, area: FactsArea) -> Result<()>;
    /// Folds every finished job's facts that the filter keeps, in day order, without copying.
    fn fold_job_facts(
        &self,
        filter: &fixline_api::kpi::KpiFilter,
        each: &mut dyn FnMut(&FactView<'_>),
    ) -> Result<()>;
    /// A page of the finished jobs the filter keeps, newest first, and how many there are.
    fn job_facts_page(
        &self,
        filter: &fixline_api::kpi::KpiFilter,
        paging: Paging,
    ) -> Result<(Vec<FactRow>, u64)>;
}

/// The knowledge base: articles, their search and images, what helped.
pub trait KnowledgeStore {
    fn create_article(&self, article: &Article, at: Timestamp) -> Result<()>;
    /// Saves a draft, publishes or withdraws, if the article is still at `expected`.
    fn edit_article(
        &self,
        id: ArticleId,
        expected: u64,
        edit: ArticleEdit,
        at: Timestamp,
    ) -> Result<Article>;
    fn article(&self, id: ArticleId) -> Result<Article>;
    /// The desk's list, drafts too.
    fn list_articles(&self, filter: &ArticleFilter, paging: Paging) -> Result<Page<Article>>;
    /// Readers' search: published copies in the scope, best first.
    fn find_articles(
        &self,
        query: &str,
        scope: &fixline_kb::Scope,
        limit: usize,
    ) -> Result<Vec<Article>>;
    /// Articles for a job's model, fault code and symptom.
    fn suggest_articles(
        &self,
        model: Option<&str>,
        fault_code: Option<&str>,
        symptom: &str,
        scope: &fixline_kb::Scope,
        limit: usize,
    ) -> Result<Vec<Article>>;
    /// Finished jobs on the same model that fixed the same fault, newest first.
    fn past_fixes(
        &self,
        job: WorkOrderId,
        model: &str,
        fault_code: Option<&str>,
    ) -> Result<Vec<PastFix>>;
    /// The media type of an image an article shows, if the reader may load it.
    fn article_image(&self, sha256: &str, public_only: bool) -> Result<Option<String>>;
    fn record_help_read(&self, visitor: &str, article: ArticleId, at: Timestamp) -> Result<()>;
    /// Marks a visitor's reads as followed by this request.
    fn link_help_reads(&self, visitor: &str, request: WorkOrderId) -> Result<()>;
    fn article_read_stats(&self) -> Result<Vec<fixline_api::knowledge::ArticleReadStats>>;
    /// Moves guides from before the knowledge base into articles; answers how many moved.
    fn adopt_guides(
        &self,
        keep_image: &dyn Fn(&[u8]) -> Result<String>,
        at: Timestamp,
    ) -> Result<usize>;
}

/// Devices: actions pushed (each applied at most once), pages pulled, conflicts.
pub trait SyncStore {
    /// Applies one device action at most once: a repeated id gets the stored outcome. `decide`
    /// replays the action on the current job (see `fixline_core::sync::replay`); the store
    /// writes what it decided, the conflict if any, and the outcome, in one transaction.
    fn apply_device_action(
        &self,
        actor: &Actor,
        action: &DeviceAction,
        now: Timestamp,
        decide: DeviceDecision<'_>,
    ) -> Result<PushResult>;
    /// One page of what an engineer's device needs, from `cursor` on.
    fn pull(&self, engineer: EngineerId, cursor: SyncCursor, limit: u32) -> Result<PullPage>;
    /// Conflicts, newest first: all of them, or one engineer's.
    fn conflicts(&self, engineer: Option<EngineerId>, limit: u32) -> Result<Vec<SyncConflict>>;
}

/// The notification outbox and the staff's own notices.
pub trait NoticeStore {
    /// Claims up to `limit` due deliveries for sending, leased until `now + lease`.
    fn claim_deliveries(
        &self,
        now: Timestamp,
        lease: chrono::TimeDelta,
        limit: u32,
    ) -> Result<Vec<fixline_core::notify::Delivery>>;
    fn settle_delivery(
        &self,
        id: uuid::Uuid,
        outcome: DeliveryOutcome,
        now: Timestamp,
    ) -> Result<()>;
    /// Deliveries in a state (all if none), or one job's or complaint's, or those to one
    /// webhook, newest first.
    fn deliveries(
        &self,
        state: Option<fixline_core::notify::DeliveryState>,
        about: Option<fixline_core::notify::NoticeSubject>,
        webhook: Option<uuid::Uuid>,
        limit: u32,
    ) -> Result<Vec<fixline_core::notify::Delivery>>;
    /// A user's in-app notices, newest first (only the unread if asked).
    fn staff_notices(
        &self,
        user: UserId,
        unread_only: bool,
        limit: u32,
    ) -> Result<Vec<fixline_core::notify::StaffNotice>>;
    /// Marks one of the user's notices read, or all (`id` none).
    fn read_staff_notices(&self, user: UserId, id: Option<uuid::Uuid>, at: Timestamp)
    -> Result<()>;
    /// Puts a dead delivery back in the queue, due now.
    fn resend_delivery(
        &self,
        id: uuid::Uuid,
        now: Timestamp,
    ) -> Result<fixline_core::notify::Delivery>;
}

/// Settings saved from the screens, and whether the store answers.
pub trait SettingStore {
    /// A setting changed from a screen, with its version; none: the settings file's holds.
    fn setting(&self, key: &str) -> Result<Option<(serde_json::Value, u64)>>;
    /// Stores a setting at the version it was read at (0: not stored yet); answers the new one.
    fn put_setting(
        &self,
        key: &str,
        value: &serde_json::Value,
        expected: u64,
        by: UserId,
        at: Timestamp,
    ) -> Result<u64>;
    /// Whether the database answers and its schema is the one this version migrates to.
    fn readiness(&self) -> Result<()>;
}

/// Leases on periodic work, so it runs on one server at a time however many share the database.
pub trait LeaseStore {
    /// Takes or renews the lease on `task` for `holder` until `until`: granted when nobody
    /// holds it, when its holder is `holder`, or when it ran out before `now`. Says whether
    /// `holder` holds it now.
    fn hold_lease(
        &self,
        task: &str,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool>;
    /// Gives the lease up (a server that stops), so another takes it at once.
    fn release_lease(&self, task: &str, holder: &str) -> Result<()>;
}

/// The change log: every write appends to it in its transaction; subscribers hear changes in commit order.
pub trait ChangeFeed {
    fn changes_since(&self, seq: i64, limit: u32) -> Result<Vec<Change>>;
    /// The sequence number of the newest change, 0 when there is none.
    fn latest_seq(&self) -> Result<i64>;
    /// Changes committed from now on, in commit order.
    fn subscribe(&self) -> broadcast::Receiver<Change>;
}

/// How one send of a notification went.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryOutcome {
    Sent,
    /// Never sent: the channel is not set up, or the moment passed.
    Skipped {
        reason: String,
    },
    /// Not tried: quiet hours hold it until then.
    Held {
        until: Timestamp,
    },
    /// Tried and failed; tried again at `retry_at`, or given up (dead) if none.
    Failed {
        error: String,
        retry_at: Option<Timestamp>,
    },
}
