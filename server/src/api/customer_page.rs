//! The customer's page behind the receipt's link: the receipt, whether it verifies, and the
//! PDF. No login: the link's 128-bit token is the key.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use fixline_core::customer::Language;
use fixline_core::receipt::{SealProblem, SignOff};

use super::extract::Path;
use super::intake::html_escape;
use super::receipts::by_token;
use crate::AppState;
use crate::error::Result;
use crate::receipts::Verification;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/r/{token}", get(page))
        .route("/r/{token}/receipt.pdf", get(pdf))
        .route("/r/{token}/signature.png", get(signature))
}

/// The part of the customer's page that is an API: whether a receipt verifies.
pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(verification))
}

async fn pdf(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    let (wo, _) = by_token(&state, token).await?;
    let Some(record) = wo.receipt else {
        return Err(crate::Error::not_found("receipt", wo.id));
    };
    let blobs = state.blobs().clone();
    let sha = record.pdf_sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || blobs.read(&sha)).await??;
    let disposition = format!("inline; filename=\"{}.pdf\"", record.number);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

async fn signature(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    let (wo, _) = by_token(&state, token).await?;
    match wo.receipt.map(|r| r.sign_off) {
        Some(SignOff::Signed(s)) => {
            let png = fixline_receipt::signature_png(&s, 600)
                .map_err(|e| crate::Error::Internal(e.to_string()))?;
            Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
        }
        _ => Err(crate::Error::not_found("signature", wo.id)),
    }
}

/// Whether the receipt behind a customer link verifies: the PDF held here is the one the
/// device (or the server) sealed, with a key registered to the engineer. No login: the link's
/// token is the key.
#[utoipa::path(get, path = "/r/{token}/verification", tag = "receipts", security(()),
    params(("token" = String, Path, description = "the customer link's 32 hex digits")),
    responses((status = 200, body = Verification), (status = 404, body = crate::error::ErrorBody)))]
async fn verification(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<axum::Json<Verification>> {
    Ok(axum::Json(by_token(&state, token).await?.1))
}

async fn page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Html<String>> {
    let (wo, verification) = by_token(&state, token.clone()).await?;
    let Some(record) = &wo.receipt else {
        return Err(crate::Error::not_found("receipt", wo.id));
    };
    let zh = record.language == Language::ZhCn;
    // The seal's time as the customer's clock shows it, where the job was done.
    let customer_id = wo.customer_id;
    let file = state.run(move |s| s.customer_file(customer_id)).await?;
    let zone = state.zone_of_site(&file, wo.site_id);
    let t = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    let (state_name, verdict) = match &verification {
        Verification::Verified {
            sealed_by,
            sealed_at,
            position,
        } => (
            "verified",
            format!(
                "{} {} {} · {}{}",
                t("✓ 回执未被改动，已核验。", "✓ This receipt is unchanged and verified."),
                t("签封：", "Sealed by"),
                html_escape(sealed_by),
                zone.stamp(*sealed_at),
                position
                    .map(|p| format!(" · {:.5}, {:.5}", p.lat, p.lon))
                    .unwrap_or_default()
            ),
        ),
        Verification::AwaitingUpload => (
            "awaiting_upload",
            t(
                "回执已签署，文件正在从工程师设备上传，请稍后刷新。",
                "The receipt is signed; its file is still on its way from the engineer's device. Check again later.",
            )
            .to_string(),
        ),
        Verification::Failed { problem } => (
            "failed",
            match problem {
                SealProblem::DocumentChanged => t(
                    "✗ 核验失败：回执文件与签署时不一致。",
                    "✗ Does not verify: the file differs from the one that was signed.",
                ),
                SealProblem::BadSignature | SealProblem::Malformed => t(
                    "✗ 核验失败：签封无效。",
                    "✗ Does not verify: the seal is not valid.",
                ),
                SealProblem::UnknownDevice => t(
                    "✗ 核验失败：签封设备未登记。",
                    "✗ Does not verify: the sealing device is not registered.",
                ),
                SealProblem::RevokedDevice => t(
                    "✗ 核验失败：签封设备的密钥在签署前已被停用。",
                    "✗ Does not verify: the sealing device's key was revoked before it was sealed.",
                ),
            }
            .to_string(),
        ),
    };
    let totals = record.total.map(|t| t.to_string()).unwrap_or_default();
    let summary = wo
        .resolution
        .as_ref()
        .map(|r| html_escape(&r.summary))
        .unwrap_or_default();
    let lang = if zh { "zh-CN" } else { "en" };
    let job = wo.id;
    let complaints: String = state
        .run(move |s| s.complaints_of_customer(customer_id))
        .await?
        .into_iter()
        .filter(|c| c.work_orders.contains(&job))
        .map(|c| complaint_line(&c, zh))
        .collect();
    let complaints = if complaints.is_empty() {
        String::new()
    } else {
        format!(
            r#"<section id="complaints"><h3>{}</h3>{complaints}</section>"#,
            t("您对这次服务的投诉", "Your complaint about this service")
        )
    };
    Ok(Html(format!(
        r#"<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} {number}</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}}
.verified{{color:#0a6b2d}}.failed{{color:#b3261e}}.awaiting_upload{{color:#8a5a00}}dt{{font-weight:600}}a.button{{display:inline-block;padding:.6rem 1rem;background:#0b57d0;color:#fff;border-radius:.4rem;text-decoration:none}}</style></head>
<body><h1>{brand}</h1><h2>{title} <span id="receipt-number">{number}</span></h2>
<p id="verification" data-state="{state_name}" class="{state_name}">{verdict}</p>
<dl><dt>{work}</dt><dd id="work-performed">{summary}</dd><dt>{total_label}</dt><dd id="total">{totals}</dd><dt>{signer_label}</dt><dd>{signer}{signature}</dd></dl>
<p><a class="button" id="pdf-link" href="/r/{token}/receipt.pdf">{download}</a></p>
{complaints}
</body></html>"#,
        title = t("服务回执", "Service receipt"),
        number = html_escape(&record.number),
        brand = html_escape(&state.config().receipts.settings.brand.name),
        work = t("处理内容", "Work performed"),
        total_label = t("合计", "Total"),
        signer_label = t("签字人", "Signed by"),
        signer = html_escape(record.sign_off.signer_name()),
        signature = match &record.sign_off {
            SignOff::Signed(_) => format!(
                r#"<br><img id="signature" src="/r/{}/signature.png" alt="" style="max-width:100%;height:6rem">"#,
                html_escape(&token)
            ),
            SignOff::Refused { reason, .. } => format!(" — {}", html_escape(reason)),
        },
        download = t("下载 PDF 回执", "Download the PDF receipt"),
        token = html_escape(&token),
    )))
}

/// Where a complaint stands, in words for the customer (not the desk's terms).
fn complaint_line(c: &fixline_core::complaint::Complaint, zh: bool) -> String {
    use fixline_core::complaint::ComplaintStatus as S;
    let t = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    let standing = match c.status {
        S::Received => t(
            "我们已收到，将尽快与您联系。",
            "We have it and will contact you shortly.",
        ),
        S::Acknowledged | S::Investigating => t(
            "我们正在调查处理，完成后会告诉您结果。",
            "We are looking into it and will tell you what we found.",
        ),
        S::Resolved => t(
            "我们已处理完毕，正在等待您的确认。",
            "We have resolved it and are waiting for your confirmation.",
        ),
        S::Confirmed | S::Closed => t(
            "已处理完毕，感谢您的反馈。",
            "Resolved. Thank you for telling us.",
        ),
    };
    let resolution = c
        .resolution
        .as_deref()
        .filter(|_| matches!(c.status, S::Resolved | S::Confirmed | S::Closed))
        .map(|r| format!(" {}{}", t("处理结果：", "What we did: "), html_escape(r)))
        .unwrap_or_default();
    format!(
        r#"<p class="complaint" data-status="{}"><strong>{}</strong> · {standing}{resolution}</p>"#,
        c.status.as_str(),
        html_escape(&c.number)
    )
}
