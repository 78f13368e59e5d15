//! What an operator watches, in the Prometheus text format at `/metrics`: requests by route,
//! method and status with their latency, device actions pushed by outcome, and failed and
//! locked sign-ins. One registry per server (no process-wide recorder), so servers in one
//! process (the tests) count apart.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabels {
    task: String,
}

type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
    pushed: Family<OutcomeLabels, Counter>,
    periodic: Family<TaskLabels, Counter>,
    sign_in_failures: Counter,
    lockouts: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

fn latency_buckets() -> Histogram {
    // 5 ms to about 10 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 12))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("fixline");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: Latency = Family::new_with_constructor(latency_buckets);
        let pushed = Family::<OutcomeLabels, Counter>::default();
        let periodic = Family::<TaskLabels, Counter>::default();
        let sign_in_failures = Counter::default();
        let lockouts = Counter::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            latency.clone(),
        );
        registry.register(
            "sync_pushed_actions",
            "Device actions pushed, by outcome (applied, conflict, rejected)",
            pushed.clone(),
        );
        registry.register(
            "periodic_runs",
            "Runs of periodic work on this server (it runs where its lease is held), by task",
            periodic.clone(),
        );
        registry.register(
            "sign_in_failures",
            "Sign-ins refused for a wrong user name or password",
            sign_in_failures.clone(),
        );
        registry.register(
            "sign_in_lockouts",
            "User names or addresses locked after repeated wrong passwords",
            lockouts.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            pushed,
            periodic,
            sign_in_failures,
            lockouts,
        }
    }
}

impl Metrics {
    pub fn pushed(&self, outcome: &str) {
        self.pushed
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    pub fn ran(&self, task: &str) {
        self.periodic
            .get_or_create(&TaskLabels {
                task: task.to_owned(),
            })
            .inc();
    }

    pub fn sign_in_failed(&self, locked_now: bool) {
        self.sign_in_failures.inc();
        if locked_now {
            self.lockouts.inc();
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Counts and times each request by the route it matched (the route's pattern, never the
/// path with its ids, so the number of series stays small).
pub async fn track(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let route = matched.map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let metrics: &Arc<Metrics> = state.metrics();
    metrics
        .requests
        .get_or_create(&RequestLabels {
            route: route.clone(),
            method,
            status: response.status().as_u16().to_string(),
        })
        .inc();
    metrics
        .latency
        .get_or_create(&RouteLabels { route })
        .observe(started.elapsed().as_secs_f64());
    response
}
