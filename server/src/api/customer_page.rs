//! The customer's page behind the receipt's link: the receipt, whether it verifies, the PDF,
//! where a complaint stands, and the survey (服务评价: satisfaction, recommendation, effort,
//! fixed or not, a comment), answered once and changeable for a week. No login: the link's
//! 128-bit token is the key. The survey posts and then redirects to a page fetched by GET, so
//! a reload never answers twice.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use fixline_core::customer::Language;
use fixline_core::receipt::{SealProblem, SignOff};
use fixline_core::survey::{Survey, SurveyAnswer};

use super::extract::Path;
use super::intake::html_escape;
use super::receipts::by_token;
use crate::AppState;
use crate::error::Result;
use crate::ops::receipts::Verification;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/r/{token}", get(page))
        .route("/r/{token}/survey", post(answer_survey))
        .route("/r/{token}/thanks", get(thanks))
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
    render(&state, token, None).await
}

/// The page, with the survey's error and what was typed when an answer was refused.
async fn render(
    state: &AppState,
    token: String,
    refused: Option<(&str, &SurveyFields)>,
) -> Result<Html<String>> {
    let (wo, verification) = by_token(state, token.clone()).await?;
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
    let job = wo.id;
    let survey = state.run(move |s| s.survey(job)).await?;
    let survey = survey_section(&token, zh, survey.as_ref(), state.now(), &zone, refused);
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
.verified{{color:#0a6b2d}}.failed{{color:#b3261e}}.awaiting_upload{{color:#8a5a00}}dt{{font-weight:600}}a.button{{display:inline-block;padding:.6rem 1rem;background:#0b57d0;color:#fff;border-radius:.4rem;text-decoration:none;min-height:44px;box-sizing:border-box}}
{survey_style}</style></head>
<body><h1>{brand}</h1><h2>{title} <span id="receipt-number">{number}</span></h2>
<p id="verification" data-state="{state_name}" class="{state_name}">{verdict}</p>
<dl><dt>{work}</dt><dd id="work-performed">{summary}</dd><dt>{total_label}</dt><dd id="total">{totals}</dd><dt>{signer_label}</dt><dd>{signer}{signature}</dd></dl>
<p><a class="button" id="pdf-link" href="/r/{token}/receipt.pdf">{download}</a></p>
{survey}
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
        survey_style = SURVEY_STYLE,
    )))
}

/// Where a complaint stands, in words for the customer (not the desk's terms).
pub(super) fn complaint_line(c: &fixline_core::complaint::Complaint, zh: bool) -> String {
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

const SURVEY_STYLE: &str = "fieldset{border:1px solid #d0d7de;border-radius:.5rem;margin:0 0 1rem;padding:.5rem .75rem}\
legend{font-weight:600;padding:0 .25rem}.scores{display:flex;flex-wrap:wrap;gap:.4rem}\
.scores label{display:inline-flex;align-items:center;justify-content:center;min-width:44px;min-height:44px;padding:0 .6rem;box-sizing:border-box;border:1px solid #8c959f;border-radius:.4rem;cursor:pointer}\
.scores input{position:absolute;opacity:0}.scores label:has(input:checked){background:#0b57d0;color:#fff;border-color:#0b57d0}\
.scores label:has(input:focus-visible){outline:3px solid #f59e0b}.ends{display:flex;justify-content:space-between;font-size:.85rem;color:#57606a}\
textarea{width:100%;min-height:5rem;box-sizing:border-box;font:inherit}button{font:inherit;min-height:44px;padding:.5rem 1.25rem;background:#0b57d0;color:#fff;border:0;border-radius:.4rem}\
.error{color:#b3261e;font-weight:600}";

/// The survey as posted; every field a string, so a missing or odd one is said in the
/// customer's words rather than refused by the parser.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct SurveyFields {
    #[serde(default)]
    csat: String,
    #[serde(default)]
    nps: String,
    #[serde(default)]
    effort: String,
    #[serde(default)]
    fixed: String,
    #[serde(default)]
    comment: String,
}

impl SurveyFields {
    fn of(answer: &SurveyAnswer) -> SurveyFields {
        SurveyFields {
            csat: answer.csat.to_string(),
            nps: answer.nps.to_string(),
            effort: answer.effort.to_string(),
            fixed: if answer.fixed { "yes" } else { "no" }.to_owned(),
            comment: answer.comment.clone().unwrap_or_default(),
        }
    }

    fn answer(&self) -> Option<SurveyAnswer> {
        Some(SurveyAnswer {
            csat: self.csat.trim().parse().ok()?,
            nps: self.nps.trim().parse().ok()?,
            effort: self.effort.trim().parse().ok()?,
            fixed: match self.fixed.as_str() {
                "yes" => true,
                "no" => false,
                _ => return None,
            },
            comment: Some(self.comment.clone()),
        })
    }
}

/// One question as a row of choices a thumb can hit, with what its ends mean.
fn scores(
    name: &str,
    legend: &str,
    range: std::ops::RangeInclusive<u8>,
    ends: (&str, &str),
    chosen: &str,
) -> String {
    let choices: String = range
        .map(|v| {
            let checked = if chosen == v.to_string() { " checked" } else { "" };
            format!(r#"<label><input type="radio" name="{name}" value="{v}" required{checked}>{v}</label>"#)
        })
        .collect();
    format!(
        r#"<fieldset id="survey-{name}"><legend>{legend}</legend><div class="scores">{choices}</div><div class="ends"><span>{}</span><span>{}</span></div></fieldset>"#,
        ends.0, ends.1
    )
}

/// The survey: the form (filled in with the answer on file, or what was just refused), or,
/// once it can no longer be changed, the answer given.
fn survey_section(
    token: &str,
    zh: bool,
    survey: Option<&Survey>,
    now: chrono::DateTime<chrono::Utc>,
    zone: &fixline_core::zone::ServiceZone,
    refused: Option<(&str, &SurveyFields)>,
) -> String {
    let t = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    let heading = t("请评价这次服务", "How did we do?");
    let error = refused.map_or(String::new(), |(message, _)| {
        format!(
            r#"<p class="error" role="alert" id="survey-error">{}</p>"#,
            html_escape(message)
        )
    });
    if let Some(s) = survey.filter(|s| !s.editable(now)) {
        return format!(
            r#"<section id="survey" data-state="closed"><h3>{heading}</h3>{error}<p>{} {}/5 · {}/10</p></section>"#,
            t("感谢您的评价：", "Thank you for your answer:"),
            s.answer.csat,
            s.answer.nps
        );
    }
    let on_file = survey.map(|s| SurveyFields::of(&s.answer));
    let shown = refused.map(|(_, f)| f).or(on_file.as_ref());
    let empty = SurveyFields::default();
    let f = shown.unwrap_or(&empty);
    let note = survey.map_or(String::new(), |s| {
        format!(
            r#"<p id="survey-editable">{} {}</p>"#,
            t(
                "您已评价过，可以修改到",
                "You answered already; you can change it until"
            ),
            zone.format(s.editable_until(), "%Y-%m-%d %H:%M")
        )
    });
    let fixed = |v: &str, words: &str| {
        let checked = if f.fixed == v { " checked" } else { "" };
        format!(
            r#"<label><input type="radio" name="fixed" value="{v}" required{checked}>{words}</label>"#
        )
    };
    format!(
        r#"<section id="survey" data-state="{state}"><h3>{heading}</h3>{note}{error}
<form method="post" action="/r/{token}/survey">
{csat}{nps}{effort}
<fieldset id="survey-fixed"><legend>{fixed_q}</legend><div class="scores">{yes}{no}</div></fieldset>
<label for="survey-comment">{comment_label}</label>
<textarea id="survey-comment" name="comment" maxlength="2000">{comment}</textarea>
<p><button type="submit" id="survey-send">{send}</button></p>
</form></section>"#,
        state = if survey.is_some() { "answered" } else { "open" },
        token = html_escape(token),
        csat = scores(
            "csat",
            t(
                "您对这次服务满意吗？",
                "How satisfied are you with this service?"
            ),
            1..=5,
            (
                t("1 很不满意", "1 very dissatisfied"),
                t("5 非常满意", "5 very satisfied")
            ),
            &f.csat
        ),
        nps = scores(
            "nps",
            t(
                "您有多大可能向朋友或同事推荐我们？",
                "How likely are you to recommend us to a friend or colleague?"
            ),
            0..=10,
            (
                t("0 完全不可能", "0 not at all"),
                t("10 非常可能", "10 extremely likely")
            ),
            &f.nps
        ),
        effort = scores(
            "effort",
            t(
                "解决这个问题对您来说容易吗？",
                "How easy was it to get the problem solved?"
            ),
            1..=7,
            (
                t("1 非常困难", "1 very hard"),
                t("7 非常容易", "7 very easy")
            ),
            &f.effort
        ),
        fixed_q = t("问题现在解决了吗？", "Is the problem fixed now?"),
        yes = fixed("yes", t("已解决", "Yes")),
        no = fixed("no", t("没有解决", "No")),
        comment_label = t(
            "还有什么想告诉我们的？（可不填）",
            "Anything else you want to tell us? (optional)"
        ),
        comment = html_escape(&f.comment),
        send = if survey.is_some() {
            t("修改评价", "Change my answer")
        } else {
            t("提交评价", "Send")
        },
    )
}

/// Takes the customer's answer (the first, or a change within the week) and redirects to the
/// thank-you page; a refused answer shows the page again with what was chosen and why.
async fn answer_survey(
    State(state): State<AppState>,
    Path(token): Path<String>,
    axum::extract::Form(fields): axum::extract::Form<SurveyFields>,
) -> Result<Response> {
    let (wo, _) = by_token(&state, token.clone()).await?;
    let zh = in_chinese(&wo);
    let t = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    let Some(answer) = fields.answer() else {
        let message = t(
            "请为每个问题选择一项后再提交。",
            "Please choose an answer to every question before sending.",
        );
        return refuse(&state, token, message, &fields).await;
    };
    let now = state.now();
    let shared = state.clone();
    let saved = state
        .run(move |s| crate::ops::surveys::answer_on_page(s, shared.config(), &wo, answer, now))
        .await;
    match saved {
        Ok(_) => Ok(
            axum::response::Redirect::to(&format!("/r/{}/thanks", html_escape(&token)))
                .into_response(),
        ),
        Err(crate::Error::Domain(fixline_core::Error::Invalid { field, .. })) => {
            let message = match field {
                "survey" => t(
                    "这份评价已不能在线修改，如需更改请致电我们。",
                    "This answer can no longer be changed here; please call us to change it.",
                ),
                "comment" => t(
                    "留言最多 2000 字。",
                    "The comment can be at most 2,000 characters.",
                ),
                _ => t(
                    "请为每个问题选择一项后再提交。",
                    "Please choose an answer to every question before sending.",
                ),
            };
            refuse(&state, token, message, &fields).await
        }
        Err(e) => Err(e),
    }
}

async fn refuse(
    state: &AppState,
    token: String,
    message: &str,
    fields: &SurveyFields,
) -> Result<Response> {
    let page = render(state, token, Some((message, fields))).await?;
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// After an answer: thanks, and what happens next.
async fn thanks(State(state): State<AppState>, Path(token): Path<String>) -> Result<Html<String>> {
    let (wo, _) = by_token(&state, token.clone()).await?;
    let zh = in_chinese(&wo);
    let t = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    let job = wo.id;
    let Some(survey) = state.run(move |s| s.survey(job)).await? else {
        return Err(crate::Error::not_found("survey", job));
    };
    let next = if survey.answer.needs_follow_up() {
        t(
            "很抱歉这次没有让您满意。我们的服务台会在一个工作日内给您回电，把问题处理好。",
            "We are sorry this was not right. Our service desk will call you within one working day to put it right.",
        )
    } else {
        t(
            "您的评价会帮助我们改进服务。",
            "Your answer helps us do better.",
        )
    };
    let lang = if zh { "zh-CN" } else { "en" };
    Ok(Html(format!(
        r#"<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}}a{{display:inline-block;min-height:44px;line-height:44px}}</style></head>
<body><h1>{title}</h1><p id="next" data-follow-up="{follow_up}">{next}</p>
<p><a href="/r/{token}">{back}</a></p></body></html>"#,
        title = t("感谢您的评价", "Thank you for your answer"),
        follow_up = survey.answer.needs_follow_up(),
        token = html_escape(&token),
        back = t(
            "返回服务回执（可修改评价）",
            "Back to the receipt (you can change your answer there)"
        ),
    )))
}

/// Whether the customer reads Chinese: the language their receipt was made in.
fn in_chinese(wo: &fixline_core::work_order::WorkOrder) -> bool {
    wo.receipt
        .as_ref()
        .is_none_or(|r| r.language == Language::ZhCn)
}
