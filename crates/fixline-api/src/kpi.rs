//! The KPI dashboard's questions and answers: which jobs (a period in local days and filters),
//! sliced how, the figures per slice beside the previous period and the targets, and the jobs
//! behind a figure.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use fixline_core::ids::{EngineerId, WorkOrderId};
use fixline_core::kpi::{Figures, Kpi};
use serde::{Deserialize, Serialize};

/// Which finished jobs count: finished on a local day from `from` to `to` (both included), and
/// matching every filter given.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KpiFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engineer: Option<EngineerId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// How the dashboard slices the jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KpiSlice {
    Engineer,
    #[default]
    Region,
    Category,
    Model,
    Channel,
    Week,
    Month,
    Quarter,
}

impl KpiSlice {
    pub const ALL: [KpiSlice; 8] = [
        KpiSlice::Engineer,
        KpiSlice::Region,
        KpiSlice::Category,
        KpiSlice::Model,
        KpiSlice::Channel,
        KpiSlice::Week,
        KpiSlice::Month,
        KpiSlice::Quarter,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KpiSlice::Engineer => "engineer",
            KpiSlice::Region => "region",
            KpiSlice::Category => "category",
            KpiSlice::Model => "model",
            KpiSlice::Channel => "channel",
            KpiSlice::Week => "week",
            KpiSlice::Month => "month",
            KpiSlice::Quarter => "quarter",
        }
    }

    pub fn parse(s: &str) -> Option<KpiSlice> {
        KpiSlice::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A period, not a dimension: its slices are in time order.
    pub fn is_period(self) -> bool {
        matches!(self, KpiSlice::Week | KpiSlice::Month | KpiSlice::Quarter)
    }
}

/// `GET /api/v1/kpis`: the filter, and the slicing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct KpiQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engineer: Option<EngineerId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default)]
    pub by: KpiSlice,
    /// For the job list: the slice's key (as in [`KpiRow::key`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl KpiQuery {
    pub fn filter(&self) -> KpiFilter {
        KpiFilter {
            from: self.from,
            to: self.to,
            engineer: self.engineer,
            region: self.region.clone(),
            category: self.category.clone(),
            model: self.model.clone(),
            channel: self.channel.clone(),
        }
    }
}

/// One slice's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiRow {
    /// What the slice is keyed by: an engineer's id, a region, a month (`2026-11`), …
    pub key: String,
    /// What people read: the engineer's name, the region, the month.
    pub label: String,
    pub figures: Figures,
}

/// A fault or cause code's count for a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeCount {
    pub model: String,
    pub code: String,
    pub jobs: u64,
}

/// The dashboard's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiTable {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by: KpiSlice,
    pub rows: Vec<KpiRow>,
    /// Every job of the filter together.
    pub total: Figures,
    /// The same filter over the period of the same length just before.
    pub previous: Figures,
    pub targets: KpiTargets,
    /// The most frequent fault codes and root causes per model (the feedback to R&D).
    pub top_faults: Vec<CodeCount>,
    pub top_causes: Vec<CodeCount>,
}

/// A target per KPI, in the KPI's unit (percent, minutes, yuan…), set in the settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiTargets {
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, f64>))]
    pub targets: BTreeMap<Kpi, f64>,
    /// The settings version (0: the built-in targets, never saved).
    #[serde(default)]
    pub version: u64,
}

/// A job behind a figure, with what it counted for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiJob {
    pub work_order_id: WorkOrderId,
    pub number: String,
    pub day: NaiveDate,
    pub engineer: Option<EngineerId>,
    pub engineer_name: Option<String>,
    pub region: String,
    pub category: String,
    pub model: Option<String>,
    pub channel: String,
    pub fixed_first_time: bool,
    pub visits: u32,
    /// Minutes to resolve on the SLA clock.
    pub resolve_minutes: Option<f64>,
    pub resolved_on_time: Option<bool>,
    pub csat: Option<u8>,
    pub fault_code: Option<String>,
    pub cause_code: Option<String>,
}

/// The jobs behind a slice, a page at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiJobs {
    pub jobs: Vec<KpiJob>,
    pub total: u64,
}

/// `GET /api/v1/kpis/charts`: one KPI drawn over the last twelve months (to the period's end)
/// and per slice of the period, as SVG documents (shown as images).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KpiCharts {
    pub kpi: Kpi,
    pub trend_svg: String,
    pub slices_svg: String,
}
