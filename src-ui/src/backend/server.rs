//! The browser backend: the server's HTTP API, with the bearer token in local storage. Online
//! only; nothing is kept for offline use and there is no outbox.

use fixline_api::Page;
use fixline_api::dispatch::{Applied, ApplyRequest, Assignment, PlanRequest};
use fixline_api::files::{EmailRequest, EmailSent, ReceiptRequest};
use fixline_api::session::{LoginRequest, LoginResponse};
use fixline_api::work_orders::TransitionRequest;
use fixline_core::board::{Board, PlacementAssessment, PlacementCheck, PoolJob, Scenario};
use fixline_core::customer::CustomerFile;
use fixline_core::device::{DeviceUser, LocalJob, OutboxItem, SyncReport, SyncStatus};
use fixline_core::engineer::Engineer;
use fixline_core::ids::WorkOrderId;
use fixline_core::knowledge::Article;
use fixline_core::position::{Position, PositionFix};
use fixline_core::receipt::{PhotoTag, ReceiptSettings, SignOff};
use fixline_core::sync::{Colleague, SyncConflict};
use fixline_core::work_order::{Action, WorkOrder, WorkOrderSummary};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::{
    Answer, Backend, JobDetail, Placement, ProposedPlan, UiError, now, storage_get, storage_set,
};

const TOKEN: &str = "fixline.token";
const USER: &str = "fixline.user";

#[derive(Debug, Clone)]
pub struct Server {
    base: String,
}

impl Server {
    /// The server that served this page.
    pub fn from_location() -> Self {
        let base = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        Server { base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn user() -> Option<DeviceUser> {
        serde_json::from_str(&storage_get(USER)?).ok()
    }
}

fn authorised(r: RequestBuilder) -> RequestBuilder {
    match storage_get(TOKEN) {
        Some(t) => r.header("Authorization", &format!("Bearer {t}")),
        None => r,
    }
}

async fn read<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
) -> Result<T, UiError> {
    let response = response
        .map_err(|e| UiError::new("offline", format!("the server cannot be reached: {e}")))?;
    if !response.ok() {
        return Err(refusal(response).await);
    }
    response.json::<T>().await.map_err(|e| {
        UiError::new(
            "bad_answer",
            format!("unreadable answer from the server: {e}"),
        )
    })
}

/// The error a refused request answered with (a sign-in that ran out forgets its token).
async fn refusal(response: Response) -> UiError {
    if response.status() == 401 {
        storage_set(TOKEN, None);
    }
    response.json::<UiError>().await.unwrap_or_else(|_| {
        UiError::new(
            "http_error",
            format!("the server answered {}", response.status()),
        )
    })
}

/// A POST answered with no body (204).
async fn post_done(url: String, body: serde_json::Value) -> Result<(), UiError> {
    let request = authorised(Request::post(&url))
        .json(&body)
        .map_err(|e| UiError::new("invalid_input", e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| UiError::new("offline", format!("the server cannot be reached: {e}")))?;
    if response.ok() {
        return Ok(());
    }
    Err(refusal(response).await)
}

async fn get<T: DeserializeOwned>(url: String) -> Result<T, UiError> {
    read(authorised(Request::get(&url)).send().await).await
}

async fn post<T: DeserializeOwned>(url: String, body: serde_json::Value) -> Result<T, UiError> {
    let request = authorised(Request::post(&url))
        .json(&body)
        .map_err(|e| UiError::new("invalid_input", e.to_string()))?;
    read(request.send().await).await
}

/// A PUT of the record at the version the user saw: a change made meanwhile is refused (409).
async fn put_at<T: DeserializeOwned>(
    url: String,
    version: u64,
    body: serde_json::Value,
) -> Result<T, UiError> {
    let request = authorised(Request::put(&url))
        .header("If-Match", &format!("\"{version}\""))
        .json(&body)
        .map_err(|e| UiError::new("invalid_input", e.to_string()))?;
    read(request.send().await).await
}

/// An image the server holds, as an object URL an `<img>` shows (its type as the server says,
/// else `mime`).
async fn image_url(url: String, mime: &str) -> Result<String, UiError> {
    let response = authorised(Request::get(&url))
        .send()
        .await
        .map_err(|e| UiError::new("offline", e.to_string()))?;
    if !response.ok() {
        return Err(refusal(response).await);
    }
    let mime = response
        .headers()
        .get("content-type")
        .unwrap_or_else(|| mime.to_owned());
    let bytes = response
        .binary()
        .await
        .map_err(|e| UiError::new("offline", e.to_string()))?;
    super::object_url(&bytes, &mime)
}

fn to_body<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, UiError> {
    serde_json::to_value(value).map_err(|e| UiError::new("invalid_input", e.to_string()))
}

impl Server {
    async fn local_job(&self, wo: WorkOrder) -> Result<LocalJob, UiError> {
        let file: Option<CustomerFile> =
            get(self.url(&format!("/api/v1/customers/{}", wo.customer_id)))
                .await
                .ok();
        Ok(LocalJob {
            customer_name: file.as_ref().map(|f| f.customer.details.name.clone()),
            site: file.and_then(|f| f.sites.into_iter().find(|s| s.id == wo.site_id)),
            work_order: wo,
            pending: 0,
            removed_reason: None,
            files: Default::default(),
        })
    }
}

impl Backend for Server {
    fn offline_capable(&self) -> bool {
        false
    }

    fn fixed_server(&self) -> Option<String> {
        Some(self.base.clone())
    }

    fn status(&self) -> Answer<SyncStatus> {
        let base = self.base.clone();
        Box::pin(async move {
            Ok(SyncStatus {
                signed_in: storage_get(TOKEN).and_then(|_| Server::user()),
                server_url: Some(base),
                ..SyncStatus::default()
            })
        })
    }

    fn sign_in(&self, _server: String, username: String, password: String) -> Answer<DeviceUser> {
        let url = self.url("/api/v1/auth/login");
        Box::pin(async move {
            let request = LoginRequest { username, password };
            let login: LoginResponse = post(url, to_body(&request)?).await?;
            let user = DeviceUser::from(login.user);
            storage_set(TOKEN, Some(&login.token));
            storage_set(USER, serde_json::to_string(&user).ok().as_deref());
            Ok(user)
        })
    }

    fn sign_out(&self) -> Answer<()> {
        let url = self.url("/api/v1/auth/logout");
        Box::pin(async move {
            let _ = authorised(Request::post(&url)).send().await;
            storage_set(TOKEN, None);
            storage_set(USER, None);
            Ok(())
        })
    }

    fn jobs(&self) -> Answer<Vec<LocalJob>> {
        let this = self.clone();
        Box::pin(async move {
            let page: Page<WorkOrderSummary> =
                get(this.url(
                    "/api/v1/work-orders?status=assigned,accepted,en_route,on_site,paused,completed,confirmed&per_page=100",
                ))
                .await?;
            let mut jobs = Vec::with_capacity(page.items.len());
            for summary in page.items {
                let wo: WorkOrder =
                    get(this.url(&format!("/api/v1/work-orders/{}", summary.id))).await?;
                jobs.push(this.local_job(wo).await?);
            }
            Ok(jobs)
        })
    }

    fn job(&self, id: WorkOrderId) -> Answer<JobDetail> {
        let this = self.clone();
        Box::pin(async move {
            let wo: WorkOrder = get(this.url(&format!("/api/v1/work-orders/{id}"))).await?;
            let customer: Option<CustomerFile> =
                get(this.url(&format!("/api/v1/customers/{}", wo.customer_id)))
                    .await
                    .ok();
            Ok(JobDetail {
                job: this.local_job(wo).await?,
                customer,
            })
        })
    }

    fn act(&self, id: WorkOrderId, action: Action) -> Answer<LocalJob> {
        let this = self.clone();
        Box::pin(async move {
            let body = to_body(&TransitionRequest {
                action,
                at: Some(now()),
            })?;
            let wo: WorkOrder = post(
                this.url(&format!("/api/v1/work-orders/{id}/transitions")),
                body,
            )
            .await?;
            this.local_job(wo).await
        })
    }

    fn find_articles(&self, query: String, model: Option<String>) -> Answer<Vec<Article>> {
        // The model's articles: its name matches the models it is marked with.
        let words = if query.trim().is_empty() {
            model.unwrap_or_default()
        } else {
            query
        };
        let url = self.url(&format!(
            "/api/v1/articles/search?q={}",
            js_sys::encode_uri_component(&words)
        ));
        Box::pin(get(url))
    }

    fn article(&self, id: fixline_core::ids::ArticleId) -> Answer<Article> {
        let url = self.url(&format!("/api/v1/articles/{id}"));
        Box::pin(get(url))
    }

    fn job_help(&self, id: WorkOrderId) -> Answer<fixline_api::knowledge::JobHelp> {
        let url = self.url(&format!("/api/v1/work-orders/{id}/help"));
        Box::pin(get(url))
    }

    fn article_image_src(&self, sha256: String) -> Answer<String> {
        let url = self.url(&format!("/api/v1/articles/images/{sha256}"));
        Box::pin(async move { image_url(url, "image/png").await })
    }

    fn colleagues(&self) -> Answer<Vec<Colleague>> {
        let url = self.url("/api/v1/engineers?per_page=200");
        Box::pin(async move {
            let page: Page<Engineer> = get(url).await?;
            Ok(page
                .items
                .into_iter()
                .map(|e| Colleague {
                    id: e.id,
                    name: e.details.name,
                    region: e.details.region,
                    status: e.status,
                    version: e.version,
                })
                .collect())
        })
    }

    fn outbox(&self) -> Answer<Vec<OutboxItem>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn conflicts(&self) -> Answer<Vec<SyncConflict>> {
        let url = self.url("/api/v1/sync/conflicts");
        Box::pin(async move { get(url).await })
    }

    fn sync_now(&self) -> Answer<SyncReport> {
        Box::pin(async { Ok(SyncReport::default()) })
    }

    fn add_photo(
        &self,
        id: WorkOrderId,
        bytes: Vec<u8>,
        tag: PhotoTag,
        caption: String,
    ) -> Answer<LocalJob> {
        let this = self.clone();
        Box::pin(async move {
            let url = this.url(&format!(
                "/api/v1/work-orders/{id}/photos?tag={}&caption={}",
                tag.as_str(),
                js_sys::encode_uri_component(&caption)
            ));
            let array = js_sys::Uint8Array::from(bytes.as_slice());
            let request = authorised(Request::post(&url))
                .header("Content-Type", "application/octet-stream")
                .body(array)
                .map_err(|e| UiError::new("invalid_input", e.to_string()))?;
            let wo: WorkOrder = read(request.send().await).await?;
            this.local_job(wo).await
        })
    }

    fn photo_src(&self, sha256: String) -> Answer<String> {
        let url = self.url(&format!("/api/v1/blobs/{sha256}/content"));
        Box::pin(async move { image_url(url, "image/jpeg").await })
    }

    fn clock(&self) -> Answer<fixline_core::clock::ServiceClock> {
        let url = self.url("/api/v1/clock");
        Box::pin(async move { get(url).await })
    }

    fn receipt_settings(&self) -> Answer<ReceiptSettings> {
        let url = self.url("/api/v1/receipt-settings");
        Box::pin(async move { get(url).await })
    }

    fn parts(&self) -> Answer<Vec<fixline_core::billing::Part>> {
        let url = self.url("/api/v1/parts");
        Box::pin(async move { get(url).await })
    }

    fn code_book(&self) -> Answer<fixline_core::fault_code::CodeBook> {
        let url = self.url("/api/v1/settings/fault-codes");
        Box::pin(async move {
            get::<fixline_core::fault_code::CodeBookSettings>(url)
                .await
                .map(|s| s.book)
        })
    }

    fn make_receipt(
        &self,
        id: WorkOrderId,
        sign_off: SignOff,
        position: Option<Position>,
    ) -> Answer<LocalJob> {
        let this = self.clone();
        Box::pin(async move {
            let wo: WorkOrder = post(
                this.url(&format!("/api/v1/work-orders/{id}/receipt")),
                to_body(&ReceiptRequest { sign_off, position })?,
            )
            .await?;
            this.local_job(wo).await
        })
    }

    fn receipt_src(&self, id: WorkOrderId) -> Answer<String> {
        let this = self.clone();
        Box::pin(async move {
            let wo: WorkOrder = get(this.url(&format!("/api/v1/work-orders/{id}"))).await?;
            let receipt = wo
                .receipt
                .ok_or_else(|| UiError::new("not_found", "no receipt yet"))?;
            // The customer's own link: the page that verifies the receipt and offers the PDF.
            Ok(this.url(&format!("/r/{}", receipt.token)))
        })
    }

    fn email_receipt(&self, id: WorkOrderId, to: Option<String>) -> Answer<String> {
        let url = self.url(&format!("/api/v1/work-orders/{id}/receipt/email"));
        Box::pin(async move {
            let sent: EmailSent = post(url, to_body(&EmailRequest { to })?).await?;
            Ok(sent.to)
        })
    }

    fn pool(&self) -> Answer<Vec<PoolJob>> {
        let url = self.url("/api/v1/pool");
        Box::pin(async move { get(url).await })
    }

    fn pick(&self, id: WorkOrderId) -> Answer<()> {
        let url = self.url(&format!("/api/v1/pool/{id}/pick"));
        Box::pin(async move {
            let _: WorkOrder = post(url, json!({})).await?;
            Ok(())
        })
    }

    fn report_position(&self, fix: PositionFix) -> Answer<bool> {
        thread_local! {
            /// The last fix this page sent: the next one goes only if it moved or aged enough.
            static SENT: std::cell::Cell<Option<PositionFix>> = const { std::cell::Cell::new(None) };
        }
        let engineer = Server::user().and_then(|u| u.engineer_id);
        let this = self.clone();
        Box::pin(async move {
            let Some(engineer) = engineer else {
                return Ok(false);
            };
            if !fixline_core::tracking::worth_reporting(true, SENT.with(|s| s.get()), fix) {
                return Ok(false);
            }
            let ping = fixline_api::engineers::PositionPing {
                lat: fix.position.lat,
                lon: fix.position.lon,
                at: Some(fix.at),
            };
            post_done(
                this.url(&format!("/api/v1/engineers/{engineer}/position")),
                to_body(&ping)?,
            )
            .await?;
            SENT.with(|s| s.set(Some(fix)));
            Ok(true)
        })
    }

    fn desk_board(&self, day: chrono::NaiveDate) -> Answer<Board> {
        let url = self.url(&format!("/api/v1/dispatch/board?day={day}"));
        Box::pin(async move { get(url).await })
    }

    fn work_orders(&self, query: String) -> Answer<Vec<WorkOrderSummary>> {
        let url = self.url(&format!("/api/v1/work-orders?{query}"));
        Box::pin(async move { Ok(get::<Page<WorkOrderSummary>>(url).await?.items) })
    }

    fn pending_intakes(&self) -> Answer<Vec<fixline_core::intake::PendingIntake>> {
        let url = self.url("/api/v1/pending-intakes");
        Box::pin(get(url))
    }

    fn file_pending(
        &self,
        id: fixline_core::ids::PendingIntakeId,
        filing: fixline_core::intake::Filing,
    ) -> Answer<fixline_core::intake::PendingIntake> {
        let url = self.url(&format!("/api/v1/pending-intakes/{id}/file"));
        Box::pin(async move { post(url, to_body(&filing)?).await })
    }

    fn customer_file(&self, id: fixline_core::ids::CustomerId) -> Answer<CustomerFile> {
        let url = self.url(&format!("/api/v1/customers/{id}"));
        Box::pin(get(url))
    }

    fn history(&self, id: WorkOrderId) -> Answer<Vec<fixline_core::work_order::HistoryEntry>> {
        let url = self.url(&format!("/api/v1/work-orders/{id}/history"));
        Box::pin(get(url))
    }

    fn customers(&self, q: String) -> Answer<Vec<fixline_core::customer::Customer>> {
        let q = js_sys::encode_uri_component(q.trim())
            .as_string()
            .unwrap_or_default();
        let url = self.url(&format!("/api/v1/customers?per_page=20&q={q}"));
        Box::pin(async move {
            Ok(get::<Page<fixline_core::customer::Customer>>(url)
                .await?
                .items)
        })
    }

    fn add_site(
        &self,
        customer: fixline_core::ids::CustomerId,
        site: fixline_core::customer::SiteDetails,
    ) -> Answer<fixline_core::customer::Site> {
        let url = self.url(&format!("/api/v1/customers/{customer}/sites"));
        Box::pin(async move { post(url, to_body(&site)?).await })
    }

    fn update_customer(
        &self,
        id: fixline_core::ids::CustomerId,
        version: u64,
        details: fixline_core::customer::CustomerDetails,
    ) -> Answer<fixline_core::customer::Customer> {
        let url = self.url(&format!("/api/v1/customers/{id}"));
        Box::pin(async move { put_at(url, version, to_body(&details)?).await })
    }

    fn update_site(
        &self,
        id: fixline_core::ids::SiteId,
        version: u64,
        details: fixline_core::customer::SiteDetails,
    ) -> Answer<fixline_core::customer::Site> {
        let url = self.url(&format!("/api/v1/sites/{id}"));
        Box::pin(async move { put_at(url, version, to_body(&details)?).await })
    }

    fn locate_site(&self, id: fixline_core::ids::SiteId) -> Answer<fixline_core::customer::Site> {
        let url = self.url(&format!("/api/v1/sites/{id}/locate"));
        Box::pin(post(url, serde_json::json!({})))
    }

    fn add_contact(
        &self,
        customer: fixline_core::ids::CustomerId,
        details: fixline_core::customer::ContactDetails,
    ) -> Answer<fixline_core::customer::Contact> {
        let url = self.url(&format!("/api/v1/customers/{customer}/contacts"));
        Box::pin(async move { post(url, to_body(&details)?).await })
    }

    fn add_asset(
        &self,
        customer: fixline_core::ids::CustomerId,
        details: fixline_core::customer::AssetDetails,
    ) -> Answer<fixline_core::customer::Asset> {
        let url = self.url(&format!("/api/v1/customers/{customer}/assets"));
        Box::pin(async move { post(url, to_body(&details)?).await })
    }

    fn update_contact(
        &self,
        id: fixline_core::ids::ContactId,
        version: u64,
        details: fixline_core::customer::ContactDetails,
    ) -> Answer<fixline_core::customer::Contact> {
        let url = self.url(&format!("/api/v1/contacts/{id}"));
        Box::pin(async move { put_at(url, version, to_body(&details)?).await })
    }

    fn update_asset(
        &self,
        id: fixline_core::ids::AssetId,
        version: u64,
        details: fixline_core::customer::AssetDetails,
    ) -> Answer<fixline_core::customer::Asset> {
        let url = self.url(&format!("/api/v1/assets/{id}"));
        Box::pin(async move { put_at(url, version, to_body(&details)?).await })
    }

    fn file_history(
        &self,
        id: fixline_core::ids::CustomerId,
    ) -> Answer<Vec<fixline_core::customer::history::FileEdit>> {
        let url = self.url(&format!("/api/v1/customers/{id}/history"));
        Box::pin(get(url))
    }

    fn users(&self) -> Answer<Vec<fixline_core::security::User>> {
        let url = self.url("/api/v1/users");
        Box::pin(get(url))
    }

    fn tracking_link(&self, id: WorkOrderId) -> Answer<fixline_api::work_orders::TrackingLink> {
        let url = self.url(&format!("/api/v1/work-orders/{id}/tracking-link"));
        Box::pin(get(url))
    }

    fn survey(&self, id: WorkOrderId) -> Answer<fixline_core::survey::Survey> {
        let url = self.url(&format!("/api/v1/work-orders/{id}/survey"));
        Box::pin(get(url))
    }

    fn return_visits(&self) -> Answer<Vec<fixline_api::return_visits::DueCall>> {
        let url = self.url("/api/v1/return-visits");
        Box::pin(get(url))
    }

    fn return_call(
        &self,
        id: WorkOrderId,
        call: fixline_api::return_visits::ReturnCallRequest,
    ) -> Answer<fixline_api::return_visits::ReturnCallDone> {
        let url = self.url(&format!("/api/v1/work-orders/{id}/return-call"));
        Box::pin(async move { post(url, to_body(&call)?).await })
    }

    fn qa_sample(&self, week: String) -> Answer<Vec<fixline_api::quality::QaCase>> {
        let url = self.url(&format!(
            "/api/v1/qa/sample?week={}",
            js_sys::encode_uri_component(&week)
        ));
        Box::pin(get(url))
    }

    fn qa_review(
        &self,
        id: WorkOrderId,
        review: fixline_api::quality::QaReviewRequest,
    ) -> Answer<fixline_core::quality::QaReview> {
        let url = self.url(&format!("/api/v1/work-orders/{id}/qa-review"));
        Box::pin(async move { post(url, to_body(&review)?).await })
    }

    fn qa_results(&self) -> Answer<Vec<fixline_api::quality::EngineerQa>> {
        let url = self.url("/api/v1/qa/results");
        Box::pin(get(url))
    }

    fn kpis(&self, q: fixline_api::kpi::KpiQuery) -> Answer<fixline_api::kpi::KpiTable> {
        let url = self.url(&format!("/api/v1/kpis?{}", super::kpi_query(&q)));
        Box::pin(get(url))
    }

    fn kpi_jobs(
        &self,
        q: fixline_api::kpi::KpiQuery,
        page: u32,
    ) -> Answer<fixline_api::kpi::KpiJobs> {
        let url = self.url(&format!(
            "/api/v1/kpis/jobs?{}&page={page}&per_page=50",
            super::kpi_query(&q)
        ));
        Box::pin(get(url))
    }

    fn kpi_charts(
        &self,
        q: fixline_api::kpi::KpiQuery,
        kpi: fixline_core::kpi::Kpi,
        lang: &'static str,
    ) -> Answer<fixline_api::kpi::KpiCharts> {
        let url = self.url(&format!(
            "/api/v1/kpis/charts?{}&kpi={}&lang={lang}",
            super::kpi_query(&q),
            kpi.as_str()
        ));
        Box::pin(get(url))
    }

    fn kpi_targets(&self) -> Answer<fixline_api::kpi::KpiTargets> {
        let url = self.url("/api/v1/settings/kpi-targets");
        Box::pin(get(url))
    }

    fn save_kpi_targets(
        &self,
        targets: std::collections::BTreeMap<fixline_core::kpi::Kpi, f64>,
        version: u64,
    ) -> Answer<fixline_api::kpi::KpiTargets> {
        let url = self.url("/api/v1/settings/kpi-targets");
        Box::pin(async move { put_at(url, version, to_body(&targets)?).await })
    }

    fn kpi_file(&self, path_and_query: String) -> Answer<Vec<u8>> {
        let url = self.url(&format!("/api/v1/kpis/{path_and_query}"));
        Box::pin(async move {
            let response = authorised(Request::get(&url)).send().await.map_err(|e| {
                UiError::new("offline", format!("the server cannot be reached: {e}"))
            })?;
            if !response.ok() {
                return Err(refusal(response).await);
            }
            response
                .binary()
                .await
                .map_err(|e| UiError::new("bad_answer", e.to_string()))
        })
    }

    fn improvement_actions(&self) -> Answer<Vec<fixline_core::improvement::ImprovementAction>> {
        let url = self.url("/api/v1/improvement-actions");
        Box::pin(get(url))
    }

    fn save_improvement_action(
        &self,
        id: Option<(fixline_core::ids::ImprovementId, u64)>,
        details: fixline_core::improvement::ActionDetails,
    ) -> Answer<fixline_core::improvement::ImprovementAction> {
        match id {
            None => {
                let url = self.url("/api/v1/improvement-actions");
                Box::pin(async move { post(url, to_body(&details)?).await })
            }
            Some((id, version)) => {
                let url = self.url(&format!("/api/v1/improvement-actions/{id}"));
                Box::pin(async move { put_at(url, version, to_body(&details)?).await })
            }
        }
    }

    fn list_articles(&self, query: String) -> Answer<Page<Article>> {
        let url = self.url(&format!("/api/v1/articles?per_page=100&{query}"));
        Box::pin(get(url))
    }

    fn create_article(&self, content: fixline_core::knowledge::ArticleContent) -> Answer<Article> {
        let url = self.url("/api/v1/articles");
        Box::pin(async move { post(url, to_body(&content)?).await })
    }

    fn edit_article(
        &self,
        id: fixline_core::ids::ArticleId,
        version: u64,
        edit: fixline_core::knowledge::ArticleEdit,
    ) -> Answer<Article> {
        let url = self.url(&format!("/api/v1/articles/{id}/edits"));
        Box::pin(async move {
            let request = authorised(Request::post(&url))
                .header("If-Match", &format!("\"{version}\""))
                .json(&to_body(&edit)?)
                .map_err(|e| UiError::new("invalid_input", e.to_string()))?;
            read(request.send().await).await
        })
    }

    fn upload_article_image(
        &self,
        bytes: Vec<u8>,
    ) -> Answer<fixline_api::knowledge::ArticleImageStored> {
        let url = self.url("/api/v1/articles/images");
        Box::pin(async move {
            let array = js_sys::Uint8Array::from(bytes.as_slice());
            let request = authorised(Request::post(&url))
                .header("Content-Type", "application/octet-stream")
                .body(array)
                .map_err(|e| UiError::new("invalid_input", e.to_string()))?;
            read(request.send().await).await
        })
    }

    fn article_stats(&self) -> Answer<Vec<fixline_api::knowledge::ArticleReadStats>> {
        let url = self.url("/api/v1/articles/stats");
        Box::pin(get(url))
    }

    fn my_scorecard(&self) -> Answer<fixline_api::kpi::KpiTable> {
        let url = self.url("/api/v1/me/scorecard");
        Box::pin(get(url))
    }

    fn add_user(&self, new: fixline_api::session::NewUser) -> Answer<fixline_core::security::User> {
        let url = self.url("/api/v1/users");
        Box::pin(async move { post(url, to_body(&new)?).await })
    }

    fn change_access(
        &self,
        user: fixline_core::ids::UserId,
        change: fixline_core::security::AccessChange,
    ) -> Answer<fixline_core::security::User> {
        let url = self.url(&format!("/api/v1/users/{user}/access"));
        Box::pin(async move { post(url, to_body(&change)?).await })
    }

    fn device_keys(&self) -> Answer<Vec<fixline_core::security::RegisteredDevice>> {
        let url = self.url("/api/v1/devices");
        Box::pin(get(url))
    }

    fn revoke_device_key(&self, public_key: String) -> Answer<()> {
        let url = self.url(&format!("/api/v1/devices/{public_key}/revoke"));
        Box::pin(post_done(url, json!({})))
    }

    fn intake_keys(&self) -> Answer<Vec<fixline_core::security::IntakeKeyInfo>> {
        let url = self.url("/api/v1/intake-keys");
        Box::pin(get(url))
    }

    fn revoke_intake_key(&self, id: String) -> Answer<()> {
        let url = self.url(&format!("/api/v1/intake-keys/{id}/revoke"));
        Box::pin(post_done(url, json!({})))
    }

    fn security_events(&self) -> Answer<Vec<fixline_core::security::SecurityEvent>> {
        let url = self.url("/api/v1/security-events?limit=200");
        Box::pin(get(url))
    }

    fn complaints(&self, all: bool) -> Answer<Vec<fixline_api::complaints::ComplaintView>> {
        let url = self.url(&format!("/api/v1/complaints?all={all}"));
        Box::pin(get(url))
    }

    fn complaint(
        &self,
        id: fixline_core::ids::ComplaintId,
    ) -> Answer<fixline_api::complaints::ComplaintView> {
        let url = self.url(&format!("/api/v1/complaints/{id}"));
        Box::pin(get(url))
    }

    fn file_complaint(
        &self,
        request: fixline_core::complaint::ComplaintRequest,
    ) -> Answer<fixline_api::complaints::ComplaintView> {
        let url = self.url("/api/v1/complaints");
        Box::pin(async move { post(url, to_body(&request)?).await })
    }

    fn complaint_step(
        &self,
        id: fixline_core::ids::ComplaintId,
        action: fixline_core::complaint::ComplaintAction,
    ) -> Answer<fixline_api::complaints::ComplaintView> {
        let url = self.url(&format!("/api/v1/complaints/{id}/transitions"));
        Box::pin(async move { post(url, to_body(&action)?).await })
    }

    fn export_table(&self, table: fixline_api::transfer::FileTable) -> Answer<String> {
        let url = self.url(&format!("/api/v1/transfer/{}", table.name()));
        Box::pin(async move {
            let response = authorised(Request::get(&url)).send().await.map_err(|e| {
                UiError::new("offline", format!("the server cannot be reached: {e}"))
            })?;
            if !response.ok() {
                return Err(refusal(response).await);
            }
            let bytes = response.binary().await.map_err(|e| {
                UiError::new(
                    "bad_answer",
                    format!("unreadable answer from the server: {e}"),
                )
            })?;
            super::object_url(&bytes, "text/csv")
        })
    }

    fn import_table(
        &self,
        table: fixline_api::transfer::FileTable,
        csv: Vec<u8>,
    ) -> Answer<fixline_api::transfer::ImportReport> {
        let url = self.url(&format!("/api/v1/transfer/{}", table.name()));
        Box::pin(async move {
            let body = js_sys::Uint8Array::from(csv.as_slice());
            let request = authorised(Request::post(&url))
                .header("Content-Type", "text/csv")
                .body(body)
                .map_err(|e| UiError::new("invalid_input", e.to_string()))?;
            read(request.send().await).await
        })
    }

    fn auto_assign_settings(&self) -> Answer<fixline_core::auto_assign::AutoAssignSettings> {
        let url = self.url("/api/v1/settings/auto-assign");
        Box::pin(get(url))
    }

    fn save_auto_assign(
        &self,
        version: u64,
        policy: fixline_core::auto_assign::AutoAssignPolicy,
    ) -> Answer<fixline_core::auto_assign::AutoAssignSettings> {
        let url = self.url("/api/v1/settings/auto-assign");
        Box::pin(async move { put_at(url, version, to_body(&policy)?).await })
    }

    fn notifications(&self, dead_only: bool) -> Answer<Vec<fixline_core::notify::Delivery>> {
        let url = self.url(if dead_only {
            "/api/v1/notifications?state=dead&limit=200"
        } else {
            "/api/v1/notifications?limit=200"
        });
        Box::pin(get(url))
    }

    fn my_notices(&self) -> Answer<Vec<fixline_core::notify::StaffNotice>> {
        let url = self.url("/api/v1/me/notices");
        Box::pin(get(url))
    }

    fn read_my_notices(&self, id: Option<uuid::Uuid>) -> Answer<()> {
        let url = self.url(&match id {
            Some(id) => format!("/api/v1/me/notices/{id}/read"),
            None => "/api/v1/me/notices/read".to_owned(),
        });
        Box::pin(post_done(url, serde_json::json!({})))
    }

    fn webhooks(&self) -> Answer<fixline_api::notices::WebhookSettings> {
        let url = self.url("/api/v1/settings/webhooks");
        Box::pin(get(url))
    }

    fn add_webhook(
        &self,
        draft: fixline_api::notices::WebhookDraft,
    ) -> Answer<fixline_api::notices::CreatedWebhook> {
        let url = self.url("/api/v1/settings/webhooks");
        Box::pin(async move { post(url, to_body(&draft)?).await })
    }

    fn change_webhook(
        &self,
        id: uuid::Uuid,
        version: u64,
        draft: fixline_api::notices::WebhookDraft,
    ) -> Answer<fixline_api::notices::WebhookSettings> {
        let url = self.url(&format!("/api/v1/settings/webhooks/{id}"));
        Box::pin(async move { put_at(url, version, to_body(&draft)?).await })
    }

    fn webhook_log(&self, id: uuid::Uuid) -> Answer<Vec<fixline_core::notify::Delivery>> {
        let url = self.url(&format!("/api/v1/notifications?webhook={id}&limit=50"));
        Box::pin(get(url))
    }

    fn resend_notification(&self, id: String) -> Answer<fixline_core::notify::Delivery> {
        let url = self.url(&format!("/api/v1/notifications/{id}/resend"));
        Box::pin(async move { post(url, to_body(&serde_json::json!({}))?).await })
    }

    fn code_book_settings(&self) -> Answer<fixline_core::fault_code::CodeBookSettings> {
        let url = self.url("/api/v1/settings/fault-codes");
        Box::pin(get(url))
    }

    fn save_code_book(
        &self,
        version: u64,
        book: fixline_core::fault_code::CodeBook,
    ) -> Answer<fixline_core::fault_code::CodeBookSettings> {
        let url = self.url("/api/v1/settings/fault-codes");
        Box::pin(async move { put_at(url, version, to_body(&book)?).await })
    }

    fn notice_templates(&self) -> Answer<fixline_api::notices::NoticeTemplates> {
        let url = self.url("/api/v1/settings/notice-templates");
        Box::pin(get(url))
    }

    fn save_notice_templates(
        &self,
        version: u64,
        changed: Vec<fixline_api::notices::NoticeTemplate>,
    ) -> Answer<fixline_api::notices::NoticeTemplates> {
        let url = self.url("/api/v1/settings/notice-templates");
        Box::pin(async move { put_at(url, version, to_body(&changed)?).await })
    }

    fn preview_notice(
        &self,
        template: fixline_api::notices::NoticeTemplate,
    ) -> Answer<fixline_api::notices::RenderedNotice> {
        let url = self.url("/api/v1/settings/notice-templates/preview");
        Box::pin(async move { post(url, to_body(&template)?).await })
    }

    fn take_call(
        &self,
        intake: fixline_core::intake::DeskIntake,
    ) -> Answer<fixline_core::intake::IntakeReceipt> {
        let url = self.url("/api/v1/work-orders");
        Box::pin(async move { post(url, to_body(&intake)?).await })
    }

    fn check_placement(&self, check: PlacementCheck) -> Answer<PlacementAssessment> {
        let url = self.url("/api/v1/dispatch/check");
        Box::pin(async move { post(url, to_body(&check)?).await })
    }

    fn assign(&self, assignments: Vec<Placement>) -> Answer<Vec<Applied>> {
        let url = self.url("/api/v1/dispatch/apply");
        Box::pin(async move {
            let request = ApplyRequest {
                assignments: assignments
                    .into_iter()
                    .map(|(work_order, engineer, slot)| Assignment {
                        work_order,
                        engineer,
                        slot,
                    })
                    .collect(),
            };
            let results: Vec<Applied> = post(url, to_body(&request)?).await?;
            Ok(results
                .into_iter()
                .filter(|r| r.outcome == "refused")
                .collect())
        })
    }

    fn map_tiles(&self) -> Answer<fixline_core::board::MapTiles> {
        let url = self.url("/api/v1/dispatch/map");
        Box::pin(async move { get(url).await })
    }

    fn board_update(
        &self,
        request: fixline_core::board::BoardUpdateRequest,
    ) -> Answer<fixline_core::board::BoardUpdate> {
        let url = self.url("/api/v1/dispatch/board/update");
        Box::pin(async move { post(url, to_body(&request)?).await })
    }

    fn propose(&self, day: chrono::NaiveDate, scenario: Option<Scenario>) -> Answer<ProposedPlan> {
        let url = self.url("/api/v1/dispatch/plan");
        Box::pin(async move {
            let request = PlanRequest {
                day,
                time_limit_ms: Some(2000),
                scenario,
            };
            post(url, to_body(&request)?).await
        })
    }

    fn follow_live(
        &self,
        changed: Box<dyn Fn(Option<fixline_api::live::Change>)>,
    ) -> Option<Box<dyn FnOnce()>> {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let token = storage_get(TOKEN)?;
        let source = web_sys::EventSource::new(&self.url(&format!(
            "/api/v1/live?access_token={}",
            js_sys::encode_uri_component(&token)
        )))
        .ok()?;
        // The stream names its events `change`; the browser reconnects with the last event id.
        let on_message =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                changed(
                    ev.data()
                        .as_string()
                        .and_then(|d| serde_json::from_str(&d).ok()),
                )
            });
        let _ =
            source.add_event_listener_with_callback("change", on_message.as_ref().unchecked_ref());
        Some(Box::new(move || {
            source.close();
            drop(on_message);
        }))
    }
}
