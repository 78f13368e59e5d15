//! The service manager's KPIs: the dashboard's table, the jobs behind a figure, the targets;
//! and an engineer's own scorecard.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use fixline_api::kpi::{KpiCharts, KpiJobs, KpiQuery, KpiSlice, KpiTable, KpiTargets};
use fixline_core::kpi::Kpi;
use fixline_core::role::Role;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::extract::{Json, Query, required_if_match, versioned};
use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{ErrorBody, Result};
use crate::store::Paging;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(table))
        .routes(routes!(jobs))
        .routes(routes!(charts))
        .routes(routes!(review_pack))
        .routes(routes!(export))
        .routes(routes!(targets, save_targets))
        .routes(routes!(scorecard))
}

const MANAGERS: &[Role] = &[Role::ServiceManager, Role::Admin];

/// The KPIs of the jobs finished in a period (local days; this month so far by default),
/// filtered by engineer, region, category, model or channel, sliced `by` one of them or by
/// week, month or quarter; with the total, the period before and the targets.
#[utoipa::path(get, path = "/api/v1/kpis", tag = "kpis", params(KpiQuery),
    responses((status = 200, body = KpiTable), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn table(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<KpiQuery>,
) -> Result<axum::Json<KpiTable>> {
    user.require(MANAGERS, "see the KPIs")?;
    let today = state.zone().local_day(state.now());
    Ok(axum::Json(
        state
            .run(move |s| crate::ops::kpis::table(s, &q, today))
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsQuery {
    #[serde(flatten)]
    #[param(inline)]
    pub kpi: KpiQuery,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// The jobs behind a slice's figures (the slice's `key`; every job of the filter without one),
/// newest first.
#[utoipa::path(get, path = "/api/v1/kpis/jobs", tag = "kpis", params(JobsQuery),
    responses((status = 200, body = KpiJobs), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn jobs(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<JobsQuery>,
) -> Result<axum::Json<KpiJobs>> {
    user.require(MANAGERS, "see the KPIs")?;
    let today = state.zone().local_day(state.now());
    let paging = Paging::new(q.page, q.per_page);
    Ok(axum::Json(
        state
            .run(move |s| crate::ops::kpis::jobs(s, &q.kpi, today, paging))
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChartQuery {
    #[serde(flatten)]
    #[param(inline)]
    pub kpi_query: KpiQuery,
    /// Which KPI to draw.
    #[param(value_type = String)]
    pub kpi: Kpi,
    /// `zh-CN` (the default) or `en`: the language of the chart's title.
    pub lang: Option<String>,
}

/// One KPI drawn as SVG: over the twelve months to the period's end, and per slice.
#[utoipa::path(get, path = "/api/v1/kpis/charts", tag = "kpis", params(ChartQuery),
    responses((status = 200, body = KpiCharts), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn charts(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<ChartQuery>,
) -> Result<axum::Json<KpiCharts>> {
    user.require(MANAGERS, "see the KPIs")?;
    let today = state.zone().local_day(state.now());
    let chinese = !q.lang.as_deref().is_some_and(|l| l.starts_with("en"));
    Ok(axum::Json(
        state
            .run(move |s| crate::ops::kpis::charts(s, &q.kpi_query, q.kpi, today, chinese))
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// A month (`2026-11`) or a quarter (`2026-Q4`).
    pub period: String,
    /// `zh-CN` (the default) or `en`.
    pub lang: Option<String>,
}

/// The review pack (定期复盘) of a month or a quarter as a PDF: the KPIs against target and
/// the period before, their trend, by region, complaints and root causes, QA results and the
/// improvement actions.
#[utoipa::path(get, path = "/api/v1/kpis/review", tag = "kpis", params(ReviewQuery),
    responses((status = 200, content_type = "application/pdf"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn review_pack(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<ReviewQuery>,
) -> Result<Response> {
    use axum::response::IntoResponse;
    user.require(MANAGERS, "see the KPIs")?;
    let today = state.zone().local_day(state.now());
    let chinese = !q.lang.as_deref().is_some_and(|l| l.starts_with("en"));
    let shared = state.clone();
    let period = q.period.clone();
    let pdf = state
        .run(move |s| {
            let report = crate::ops::review::pack(s, shared.config(), &period, chinese, today)?;
            let fonts = shared.receipt_fonts()?;
            fixline_receipt::report::render_report(&report, fonts)
                .map_err(|e| crate::error::Error::Internal(e.to_string()))
        })
        .await?;
    let name = format!("attachment; filename=\"fixline-review-{}.pdf\"", q.period);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, name),
        ],
        pdf,
    )
        .into_response())
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportWhat {
    /// The figures per slice, the total and the period before.
    #[default]
    Table,
    /// The jobs behind them (the slice's `key`, or every job of the filter).
    Jobs,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    #[serde(flatten)]
    #[param(inline)]
    pub kpi_query: KpiQuery,
    #[param(inline)]
    pub format: ExportFormat,
    #[serde(default)]
    #[param(inline)]
    pub what: ExportWhat,
    /// `zh-CN` (the default) or `en`: the language of the headers.
    pub lang: Option<String>,
}

/// The KPI table, or the jobs behind it, as CSV or XLSX.
#[utoipa::path(get, path = "/api/v1/kpis/export", tag = "kpis", params(ExportQuery),
    responses((status = 200, content_type = "application/octet-stream"), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<ExportQuery>,
) -> Result<Response> {
    use axum::response::IntoResponse;
    user.require(MANAGERS, "see the KPIs")?;
    let today = state.zone().local_day(state.now());
    let chinese = !q.lang.as_deref().is_some_and(|l| l.starts_with("en"));
    let (format, what) = (q.format, q.what);
    let kpi_query = q.kpi_query;
    let bytes = state
        .run(move |s| {
            let sheet = match what {
                ExportWhat::Table => crate::exports::table_sheet(
                    &crate::ops::kpis::table(s, &kpi_query, today)?,
                    chinese,
                ),
                ExportWhat::Jobs => {
                    let all = Paging {
                        page: 1,
                        per_page: u32::MAX,
                    };
                    let jobs = crate::ops::kpis::jobs(s, &kpi_query, today, all)?;
                    crate::exports::jobs_sheet(&jobs, chinese)
                }
            };
            match format {
                ExportFormat::Csv => crate::exports::csv(&sheet),
                ExportFormat::Xlsx => crate::exports::xlsx(&sheet),
            }
        })
        .await?;
    let (mime, ext) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let name = match what {
        ExportWhat::Table => "kpis",
        ExportWhat::Jobs => "kpi-jobs",
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, mime.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"fixline-{name}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The target per KPI the dashboard compares against.
#[utoipa::path(get, path = "/api/v1/settings/kpi-targets", tag = "settings",
    responses((status = 200, body = KpiTargets), (status = 403, body = ErrorBody)))]
async fn targets(State(state): State<AppState>, user: SignedIn) -> Result<Response> {
    user.require(MANAGERS, "see the KPI targets")?;
    let t = state.run(crate::ops::kpis::targets).await?;
    Ok(versioned(StatusCode::OK, t.version, t))
}

/// Sets the targets (service manager or admin) at the version shown (`If-Match`; `"0"` over
/// the built-in targets). A KPI left out has no target.
#[utoipa::path(put, path = "/api/v1/settings/kpi-targets", tag = "settings",
    request_body = BTreeMap<String, f64>,
    responses((status = 200, body = KpiTargets), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 412, body = ErrorBody), (status = 428, body = ErrorBody)))]
async fn save_targets(
    State(state): State<AppState>,
    user: SignedIn,
    headers: HeaderMap,
    Json(targets): Json<BTreeMap<Kpi, f64>>,
) -> Result<Response> {
    user.require(MANAGERS, "set the KPI targets")?;
    let expected = required_if_match(&headers)?;
    let (by, now) = (user.actor().user, state.now());
    let saved = state
        .run(move |s| crate::ops::kpis::save_targets(s, targets, expected, by, now))
        .await?;
    Ok(versioned(StatusCode::OK, saved.version, saved))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScorecardQuery {
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

/// The signed-in engineer's own figures, by month: nobody else's, whatever is asked.
#[utoipa::path(get, path = "/api/v1/me/scorecard", tag = "kpis", params(ScorecardQuery),
    responses((status = 200, body = KpiTable), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn scorecard(
    State(state): State<AppState>,
    user: SignedIn,
    Query(q): Query<ScorecardQuery>,
) -> Result<axum::Json<KpiTable>> {
    user.require(&[Role::Engineer], "see an engineer's scorecard")?;
    let me = user.actor().engineer.ok_or_else(|| {
        crate::error::Error::Forbidden("this login is not linked to an engineer".into())
    })?;
    let today = state.zone().local_day(state.now());
    let query = KpiQuery {
        from: q.from,
        to: q.to,
        engineer: Some(me),
        by: KpiSlice::Month,
        ..KpiQuery::default()
    };
    Ok(axum::Json(
        state
            .run(move |s| crate::ops::kpis::table(s, &query, today))
            .await?,
    ))
}
