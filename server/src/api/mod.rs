//! The HTTP API, `/api/v1`. Each resource module owns its routes and their OpenAPI
//! description; this module assembles them, adds the body limit and tracing, and serves the
//! OpenAPI document generated from the same code at `/api/openapi.json`.

mod articles;
mod board;
mod complaints;
mod contract;
mod customer_page;
mod customers;
mod dispatch;
mod engineers;
mod extract;
mod help;
mod improvements;
pub(crate) mod intake;
mod kpis;
mod live;
mod notifications;
mod pending;
mod pool;
mod quality;
pub(crate) mod receipts;
mod return_visits;
pub(crate) mod session;
pub(crate) mod settings;
mod surveys;
mod sync;
mod tracking_page;
mod transfer;
pub(crate) mod work_orders;

use axum::extract::DefaultBodyLimit;
use axum::response::Html;
use axum::routing::get;
use axum::{Json, Router};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Fixline dispatch API", description = "Work orders, the customer file, engineers, intake and live status."),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
    }
}

fn api_routes(max_photo_bytes: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(session::routes())
        .merge(customers::routes())
        .merge(engineers::routes())
        .merge(work_orders::routes())
        .merge(intake::routes())
        .merge(pending::routes())
        .merge(settings::routes())
        .merge(notifications::routes())
        .merge(live::routes())
        .merge(articles::routes())
        .merge(sync::routes())
        .merge(dispatch::routes())
        .merge(board::routes())
        .merge(pool::routes())
        .merge(receipts::routes(max_photo_bytes))
        .merge(customer_page::api_routes())
        .merge(tracking_page::api_routes())
        .merge(transfer::routes())
        .merge(complaints::routes())
        .merge(surveys::routes())
        .merge(return_visits::routes())
        .merge(quality::routes())
        .merge(kpis::routes())
        .merge(improvements::routes())
}

/// The OpenAPI document of the whole API.
pub fn openapi() -> serde_json::Value {
    contract::complete(api_routes(0).split_for_parts().1)
}

pub fn router(state: AppState) -> Router {
    let max_photo = usize::try_from(state.config().storage.max_blob_bytes).unwrap_or(usize::MAX);
    let (api, doc) = api_routes(max_photo).split_for_parts();
    let doc = contract::complete(doc);
    let api = api.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        crate::metrics::track,
    ));
    let limit = state.config().server.max_body_bytes;
    let body_timeout =
        std::time::Duration::from_secs(state.config().server.body_timeout_secs.max(1));
    let api = match &state.config().server.ui_dir {
        // The browser variant of the engineer app (and later the console): static files.
        Some(dir) => api
            .route(
                "/app",
                get(|| async { axum::response::Redirect::permanent("/app/") }),
            )
            .nest_service("/app/", tower_http::services::ServeDir::new(dir)),
        None => api,
    };
    api.route("/api/openapi.json", get(move || async move { Json(doc) }))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route("/", get(|| async { Html(include_str!("home.html")) }))
        .merge(intake::form_routes())
        .merge(help::routes())
        .merge(customer_page::routes())
        .merge(tracking_page::routes())
        .fallback(extract::not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_timeout,
        ))
        .layer(axum::middleware::map_response(extract::uniform_errors))
        .layer(axum::middleware::from_fn(extract::limit_uri))
        // JSON and pages, for clients that ask (the first sync is megabytes); not the live
        // stream, nor images.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Ready for traffic: the database answers and its schema is this version's.
async fn ready(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> crate::Result<&'static str> {
    state.run(|s| s.readiness()).await.map_err(|e| {
        crate::Error::bad_request_with_status(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            e.to_string(),
        )
    })?;
    Ok("ready")
}

async fn metrics(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics().render(),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;
    use crate::store::SqliteStore;

    #[tokio::test]
    async fn openapi_document_describes_every_route_and_needs_no_login() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = crate::Config::default();
        config.storage.blob_dir = Some(dir.path().to_path_buf());
        let state =
            AppState::new(Arc::new(SqliteStore::open_in_memory().unwrap()), config).unwrap();
        let response = router(state)
            .oneshot(
                Request::get("/api/openapi.json")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
            .await
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        for path in [
            "/api/v1/work-orders/{id}/transitions",
            "/api/v1/intake",
            "/api/v1/live",
            "/api/v1/customers/{id}",
            "/api/v1/engineers/{id}/position",
            "/api/v1/sync/push",
            "/api/v1/sync/pull",
            "/api/v1/articles",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
        for schema in ["WorkOrder", "Action", "CustomerFile", "ErrorBody", "Change"] {
            assert!(
                doc["components"]["schemas"].get(schema).is_some(),
                "schema {schema} missing"
            );
        }
        assert!(doc["components"]["securitySchemes"].get("bearer").is_some());
    }
}
