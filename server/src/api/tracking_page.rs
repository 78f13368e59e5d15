//! The customer's page behind the tracking link (`/t/{token}`): the request from received to
//! done, in the customer's words and language, phone first. While the engineer is on the way
//! it shows where they are on a small map (drawn here as SVG, so it needs no map service) and
//! refreshes itself; from arrival on, no position. Once done it leads to the receipt's page,
//! where the customer verifies the receipt and answers the survey. No login: the token is the
//! key (see `crate::ops::tracking`).

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use fixline_api::work_orders::TrackingLink;
use fixline_core::customer::Language;
use fixline_core::ids::WorkOrderId;
use fixline_core::position::Position;
use fixline_core::role::Role;
use fixline_core::tracking::{self, Stage, Step};
use fixline_core::work_order::{Status, WorkOrder};
use fixline_core::zone::ServiceZone;

use super::customer_page::complaint_line;
use super::extract::Path;
use super::intake::html_escape;
use crate::AppState;
use crate::error::Result;

pub fn routes() -> Router<AppState> {
    Router::new().route("/t/{token}", get(page))
}

/// The part that is an API: the desk reads a request's link to give it to the customer.
pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(tracking_link))
}

/// The customer's tracking link of a request, made now if it has none yet. For the desk roles,
/// who give it to a customer on the phone.
#[utoipa::path(get, path = "/api/v1/work-orders/{id}/tracking-link", tag = "work orders",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = TrackingLink), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
async fn tracking_link(
    State(state): State<AppState>,
    user: crate::auth::SignedIn,
    Path(id): Path<WorkOrderId>,
) -> Result<axum::Json<TrackingLink>> {
    user.require(
        &[
            Role::Dispatcher,
            Role::ServiceManager,
            Role::ComplaintHandler,
            Role::Admin,
        ],
        "read a customer's tracking link",
    )?;
    let now = state.now();
    let token = state
        .run(move |s| {
            s.work_order(id)?;
            crate::ops::tracking::token(s, id, now)
        })
        .await?;
    Ok(axum::Json(TrackingLink {
        url: state.config().tracking_link(&token),
    }))
}

/// What the page needs, gathered in one go off the async threads.
struct Seen {
    wo: WorkOrder,
    language: Language,
    zone: ServiceZone,
    site: Option<Position>,
    engineer: Option<fixline_core::engineer::Engineer>,
    steps: Vec<Step>,
    survey_answered: bool,
    complaints: Vec<fixline_core::complaint::Complaint>,
}

enum Found {
    Page(Box<Seen>),
    Unknown,
    Expired,
}

async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let query = query.unwrap_or_default();
    let asked = query.split('&').find_map(|kv| match kv {
        "lang=en" => Some(Language::En),
        "lang=zh-CN" => Some(Language::ZhCn),
        _ => None,
    });
    let just_sent = query.split('&').any(|kv| kv == "new");
    let shared = state.clone();
    let lookup = token.clone();
    let found = state.run(move |s| gather(&shared, s, &lookup)).await?;
    let brand = &state.config().receipts.settings.brand;
    Ok(match found {
        Found::Page(seen) => {
            let zh = asked.unwrap_or(seen.language) == Language::ZhCn;
            Html(render(&state, &token, &seen, zh, just_sent)).into_response()
        }
        Found::Unknown => (
            StatusCode::NOT_FOUND,
            Html(dead_end(
                &brand.name,
                &brand.phone,
                (
                    "找不到这个报修链接，请检查链接是否完整。",
                    "This link does not lead to a request. Please check it is complete.",
                ),
            )),
        )
            .into_response(),
        Found::Expired => (
            StatusCode::GONE,
            Html(dead_end(
                &brand.name,
                &brand.phone,
                ("这个链接已过期。", "This link has expired."),
            )),
        )
            .into_response(),
    })
}

fn gather(state: &AppState, s: &dyn crate::store::Store, token: &str) -> Result<Found> {
    if !crate::ops::tracking::well_formed(token) {
        return Ok(Found::Unknown);
    }
    let Some(wo) = s.work_order_by_tracking_token(token)? else {
        return Ok(Found::Unknown);
    };
    if !tracking::link_open(&wo, state.now()) {
        return Ok(Found::Expired);
    }
    let file = s.customer_file(wo.customer_id)?;
    let zone = state.zone_of_site(&file, wo.site_id);
    let site = file
        .sites
        .iter()
        .find(|x| x.id == wo.site_id)
        .and_then(|x| x.details.position);
    let engineer = wo.assignee.map(|e| s.engineer(e)).transpose()?;
    let history = s.history(wo.id)?;
    let steps = tracking::timeline(&wo, &history);
    let survey_answered = s.survey(wo.id)?.is_some();
    let job = wo.id;
    let complaints = s
        .complaints_of_customer(wo.customer_id)?
        .into_iter()
        .filter(|c| c.work_orders.contains(&job))
        .collect();
    Ok(Found::Page(Box::new(Seen {
        language: file.customer.details.language,
        wo,
        zone,
        site,
        engineer,
        steps,
        survey_answered,
        complaints,
    })))
}

const STYLE: &str = "body{font-family:system-ui,\"Noto Sans CJK SC\",sans-serif;max-width:40rem;margin:0 auto;padding:1rem;color:#1b1f24;line-height:1.5}\
h1{font-size:1.1rem;margin:0 0 .25rem}h2{font-size:1.35rem;margin:.25rem 0 1rem}\
.now{font-size:1.15rem;font-weight:600;padding:.75rem 1rem;border-radius:.5rem;background:#e8f0fe}.now.late{background:#fdecea;color:#8c1d18}\
ol{list-style:none;padding:0;margin:1rem 0}ol li{position:relative;padding:0 0 1rem 1.75rem;border-left:2px solid #c4c7c5;margin-left:.5rem}\
ol li:last-child{border-left-color:transparent}ol li::before{content:\"\";position:absolute;left:-.5rem;top:.2rem;width:.9rem;height:.9rem;border-radius:50%;background:#fff;border:2px solid #c4c7c5}\
ol li[data-reached=true]::before{background:#0b57d0;border-color:#0b57d0}ol li[data-current=true] .label{font-weight:700}\
ol li[data-reached=false]{color:#5f6368}.when{display:block;font-size:.9rem;color:#444746}.detail{display:block}\
figure{margin:1rem 0}figure svg{width:100%;height:auto;border-radius:.5rem;border:1px solid #c4c7c5}figcaption{font-size:.9rem}\
a.button{display:inline-block;padding:.6rem 1rem;background:#0b57d0;color:#fff;border-radius:.4rem;text-decoration:none;min-height:44px;box-sizing:border-box}\
a{min-height:44px;display:inline-block;line-height:44px}.banner{padding:.75rem 1rem;border-radius:.5rem;background:#e6f4ea}\
footer{margin-top:1.5rem;font-size:.9rem;color:#444746}.legend-engineer{color:#b45309}.legend-site{color:#0b57d0}";

fn render(state: &AppState, token: &str, seen: &Seen, zh: bool, just_sent: bool) -> String {
    let t = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    let wo = &seen.wo;
    let now = state.now();
    let stamp = |at: chrono::DateTime<chrono::Utc>| seen.zone.format(at, "%Y-%m-%d %H:%M");
    let clock = |at: chrono::DateTime<chrono::Utc>| seen.zone.format(at, "%H:%M");
    let name = seen
        .engineer
        .as_ref()
        .map(|e| html_escape(&e.details.name))
        .unwrap_or_default();
    let window = fixline_core::eta::promised_window(wo)
        .map(|w| format!("{}–{}", stamp(w.start), seen.zone.format(w.end, "%H:%M")));
    let current = Stage::of(wo.status);
    let late = wo.late_since.is_some() && matches!(current, Stage::Assigned | Stage::OnTheWay);
    let eta = wo.eta.map(clock);
    let headline = match current {
        Stage::Received => t(
            "我们已收到您的报修，正在为您安排工程师。",
            "We have your request and are finding an engineer for it.",
        )
        .to_owned(),
        _ if late => match &eta {
            Some(eta) => format!(
                "{}{eta}",
                t(
                    "很抱歉，工程师将晚于约定时间到达，现预计到达：",
                    "We are sorry: your engineer will be later than promised, now expected at "
                )
            ),
            None => t(
                "很抱歉，工程师将晚于约定时间到达。",
                "We are sorry: your engineer will be later than promised.",
            )
            .to_owned(),
        },
        Stage::Assigned => match &window {
            Some(w) => format!(
                "{name} {} {w}",
                t("将上门为您处理，时间：", "will visit you:")
            ),
            None => format!("{name} {}", t("将为您处理。", "will handle your request.")),
        },
        Stage::OnTheWay => match &eta {
            Some(eta) => format!(
                "{name} {} {eta}",
                t("正在赶来，预计到达：", "is on the way, expected at")
            ),
            None => format!("{name} {}", t("正在赶来。", "is on the way.")),
        },
        Stage::Arrived if wo.status == Status::Paused => t(
            "维修暂停：正在等待配件或与您确认，我们会再约时间。",
            "The work is paused, waiting for parts or for you; we will arrange the next visit.",
        )
        .to_owned(),
        Stage::Arrived => format!("{name} {}", t("已到达现场。", "is with you.")),
        Stage::Completed => t(
            "已处理完毕。请查看回执并告诉我们服务如何。",
            "Done. See your receipt and tell us how we did.",
        )
        .to_owned(),
        Stage::Cancelled => t("这项报修已取消。", "This request was cancelled.").to_owned(),
    };
    let steps: String = seen
        .steps
        .iter()
        .map(|step| {
            let label = match step.stage {
                Stage::Received => t("已受理", "Received"),
                Stage::Assigned => t("已安排工程师", "Engineer assigned"),
                Stage::OnTheWay => t("工程师在路上", "On the way"),
                Stage::Arrived => t("工程师已到达", "Engineer arrived"),
                Stage::Completed => t("已完成", "Done"),
                Stage::Cancelled => t("已取消", "Cancelled"),
            };
            let detail = match step.stage {
                _ if !step.reached => String::new(),
                Stage::Received => html_escape(&wo.symptom),
                Stage::Assigned => {
                    let mut d = name.clone();
                    if let Some(w) = &window {
                        d.push_str(&format!(" · {}{w}", t("上门时间 ", "visit ")));
                    }
                    d
                }
                Stage::OnTheWay if current == Stage::OnTheWay => eta
                    .as_ref()
                    .map(|e| format!("{}{e}", t("预计到达 ", "expected at ")))
                    .unwrap_or_default(),
                Stage::Completed => completed_detail(wo, seen.survey_answered, zh),
                _ => String::new(),
            };
            format!(
                r#"<li data-stage="{stage}" data-reached="{reached}" data-current="{is_current}"><span class="label">{label}</span>{when}{detail}</li>"#,
                stage = step.stage.as_str(),
                reached = step.reached,
                is_current = step.stage == current,
                when = step
                    .at
                    .map(|at| format!(r#"<span class="when">{}</span>"#, stamp(at)))
                    .unwrap_or_default(),
                detail = if detail.is_empty() {
                    detail
                } else {
                    format!(r#"<span class="detail">{detail}</span>"#)
                },
            )
        })
        .collect();
    let fix = seen.engineer.as_ref().and_then(|e| e.last_position);
    let map = tracking::position_shown(wo, fix, now)
        .zip(fix)
        .map(|(p, f)| map_figure(p, seen.site, clock(f.at), zh))
        .unwrap_or_default();
    let complaints: String = seen
        .complaints
        .iter()
        .map(|c| complaint_line(c, zh))
        .collect();
    let complaints = if complaints.is_empty() {
        complaints
    } else {
        format!(
            r#"<section id="complaints"><h3>{}</h3>{complaints}</section>"#,
            t("您的投诉", "Your complaint")
        )
    };
    // Fresh while something moves (often on the way, now and then while open): the page
    // fetches itself and swaps its main part, rather than reloading under the reader's thumb.
    let refresh = match current {
        Stage::OnTheWay => r#" data-refresh="30""#,
        Stage::Completed | Stage::Cancelled => "",
        _ => r#" data-refresh="120""#,
    };
    let banner = if just_sent {
        format!(
            r#"<p class="banner" id="received-banner" role="status">{}</p><p><a id="another" href="/intake" onclick="sessionStorage.removeItem('fixline.form_id')">{}</a></p>"#,
            t(
                "已受理。请收藏这个页面，随时查看进度；有变化我们也会通知您。",
                "Received. Keep this page to follow your request; we will also tell you when anything changes."
            ),
            t("再报一项", "Another request")
        )
    } else {
        String::new()
    };
    let brand = &state.config().receipts.settings.brand;
    let (lang, other, other_label) = if zh {
        ("zh-CN", "en", "English")
    } else {
        ("en", "zh-CN", "中文")
    };
    format!(
        r#"<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} {number}</title><style>{STYLE}</style></head>
<body{refresh}><header><h1>{brand_name}</h1><h2>{title} <span id="number">{number}</span></h2></header>
<main>{banner}
<p id="now" class="now{late_class}" data-stage="{stage}" data-late="{late}" role="status">{headline}</p>
{map}
<ol id="timeline">{steps}</ol>
{complaints}
</main>
<footer>{call}
<p><a id="lang-switch" href="/t/{token}?lang={other}" lang="{other}">{other_label}</a></p></footer>
<script>{REFRESH_SCRIPT}</script>
</body></html>"#,
        title = t("报修进度", "Your service request"),
        number = html_escape(&wo.number),
        brand_name = html_escape(&brand.name),
        late_class = if late { " late" } else { "" },
        stage = current.as_str(),
        headline = headline,
        call = call_us(&brand.phone, t("有疑问请致电", "Questions? Call us:")),
        token = html_escape(token),
    )
}

/// Every `data-refresh` seconds, the page as it now stands replaces the main part (a failed
/// fetch waits for the next turn).
const REFRESH_SCRIPT: &str = "const every = Number(document.body.dataset.refresh || 0);\
if (every > 0) setInterval(async () => { try {\
const r = await fetch(location.href, {cache: 'no-store'}); if (!r.ok) return;\
const next = new DOMParser().parseFromString(await r.text(), 'text/html');\
document.querySelector('main').replaceWith(next.querySelector('main'));\
if (!next.body.dataset.refresh) location.reload();\
} catch (e) {} }, every * 1000);";

/// "Call us" with the brand's number, if it has one.
fn call_us(phone: &str, words: &str) -> String {
    if phone.trim().is_empty() {
        return String::new();
    }
    format!(
        r#"<p>{words} <a id="call" href="tel:{}">{}</a></p>"#,
        html_escape(&phone.replace([' ', '-'], "")),
        html_escape(phone)
    )
}

/// The last step's detail: the receipt's page (which verifies it and holds the survey).
fn completed_detail(wo: &WorkOrder, survey_answered: bool, zh: bool) -> String {
    let t = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    let resolution = wo
        .resolution
        .as_ref()
        .map(|r| html_escape(&r.summary))
        .unwrap_or_default();
    let Some(receipt) = &wo.receipt else {
        return resolution;
    };
    format!(
        r#"{resolution}<br><a class="button" id="receipt-link" href="/r/{token}">{label}</a>"#,
        token = html_escape(&receipt.token),
        label = if survey_answered {
            t(
                "查看回执（您已评价，谢谢）",
                "See the receipt (thank you for your answer)",
            )
        } else {
            t(
                "查看回执并评价本次服务",
                "See the receipt and rate our service",
            )
        },
    )
}

/// Where the engineer is, beside the site, on a plain drawing: the two points scaled into a
/// box (near enough flat at city scale), a dashed line between them, and the distance.
fn map_figure(engineer: Position, site: Option<Position>, fixed_at: String, zh: bool) -> String {
    let t = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    let (w, h, pad) = (320.0, 200.0, 36.0);
    let points: Vec<Position> = std::iter::once(engineer).chain(site).collect();
    let mid_lat = points.iter().map(|p| p.lat).sum::<f64>() / points.len() as f64;
    let squash = mid_lat.to_radians().cos().max(0.1);
    let xy = |p: &Position| (p.lon * squash, -p.lat);
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in &points {
        let (x, y) = xy(p);
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    // At least about 500 m across, so two points close together are not drawn on top of
    // each other's edges.
    let span = (x1 - x0).max(y1 - y0).max(0.005);
    let scale = ((w - 2.0 * pad) / span).min((h - 2.0 * pad) / span);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let at = |p: &Position| {
        let (x, y) = xy(p);
        (w / 2.0 + (x - cx) * scale, h / 2.0 + (y - cy) * scale)
    };
    let (ex, ey) = at(&engineer);
    let mut drawing = format!(
        r##"<rect width="{w}" height="{h}" fill="#f1f5f9"/><path d="M0 50H{w}M0 100H{w}M0 150H{w}M80 0V{h}M160 0V{h}M240 0V{h}" stroke="#dde3ea"/>"##
    );
    let distance = site.map(|s| {
        let (sx, sy) = at(&s);
        drawing.push_str(&format!(
            r##"<line x1="{ex:.1}" y1="{ey:.1}" x2="{sx:.1}" y2="{sy:.1}" stroke="#0b57d0" stroke-width="3" stroke-dasharray="6 5"/><g id="map-site"><circle cx="{sx:.1}" cy="{sy:.1}" r="9" fill="#0b57d0"/><circle cx="{sx:.1}" cy="{sy:.1}" r="3.5" fill="#fff"/></g>"##
        ));
        engineer.distance_m(&s)
    });
    drawing.push_str(&format!(
        r##"<g id="map-engineer"><circle cx="{ex:.1}" cy="{ey:.1}" r="14" fill="#f59e0b" fill-opacity=".3"/><circle cx="{ex:.1}" cy="{ey:.1}" r="7" fill="#b45309" stroke="#fff" stroke-width="2"/></g>"##
    ));
    let away = distance
        .map(|m| {
            format!(
                " · {}{:.1} {}",
                t("距您约 ", "about "),
                m / 1000.0,
                t("公里", "km away")
            )
        })
        .unwrap_or_default();
    let caption = format!(
        "{} {fixed_at}{away}",
        t("工程师位置，更新于", "Your engineer's position at")
    );
    format!(
        r#"<figure id="map"><svg viewBox="0 0 {w} {h}" role="img" aria-label="{caption}">{drawing}</svg><figcaption>{caption} · <span class="legend-engineer">●</span> {eng} <span class="legend-site">●</span> {you}</figcaption></figure>"#,
        eng = t("工程师", "engineer"),
        you = t("您的地址", "you"),
    )
}

/// A page for a link that leads nowhere (or no longer), in both languages: we do not know
/// whose it was.
fn dead_end(brand: &str, phone: &str, (zh, en): (&str, &str)) -> String {
    format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{brand}</title><style>{STYLE}</style></head>
<body><h1>{brand}</h1><p id="dead-end">{zh}</p><p lang="en">{en}</p>
{call}</body></html>"#,
        brand = html_escape(brand),
        call = call_us(phone, "如需帮助请致电 · For help, call"),
    )
}
