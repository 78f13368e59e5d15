//! Demo repair guides: one per equipment model and language, built from the category's known
//! symptoms and fixes, with a small step diagram so the offline image path is exercised.

use base64::Engine;
use fixline_core::Timestamp;
use fixline_core::customer::Language;
use fixline_core::guide::{GuideDetails, GuideImage};
use fixline_core::ids::GuideId;

use super::{CATEGORIES, Category, IdMaker};
use crate::error::Result;
use crate::store::Store;

pub(super) fn seed(store: &dyn Store, ids: &mut IdMaker, at: Timestamp) -> Result<usize> {
    let mut n = 0;
    for category in CATEGORIES {
        for model in category.models {
            for language in [Language::ZhCn, Language::En] {
                store.create_guide(
                    GuideId::from_uuid(ids.next()),
                    guide(category, model, language),
                    at,
                )?;
                n += 1;
            }
        }
    }
    Ok(n)
}

fn guide(category: &Category, model: &str, language: Language) -> GuideDetails {
    let code = model.split_whitespace().next().unwrap_or(model);
    let (title, steps, caption) = match language {
        Language::ZhCn => (
            format!("{model} 故障排查与维修"),
            vec![
                "断电并挂牌，确认设备无电后再打开面板。".to_owned(),
                "向客户了解故障现象、出现时间和最近的操作。".to_owned(),
                "读取故障码和运行记录，对照下方常见故障表。".to_owned(),
                "按常见处理方法维修，更换的零件记录序列号。".to_owned(),
                "通电试机 30 分钟，与客户一起确认恢复正常。".to_owned(),
            ],
            "检修流程",
        ),
        Language::En => (
            format!("{code}: troubleshooting and repair"),
            vec![
                "Isolate power and lock out before opening any panel.".to_owned(),
                "Ask the customer what they saw, when it started and what changed.".to_owned(),
                "Read the fault code and run log; compare with the table below.".to_owned(),
                "Repair as listed; record the serial of every part you fit.".to_owned(),
                "Run for 30 minutes and confirm the fix with the customer.".to_owned(),
            ],
            "Service flow",
        ),
    };
    let mut body = steps
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {s}", i + 1))
        .collect::<Vec<_>>()
        .join("\n");
    body.push_str(match language {
        Language::ZhCn => "\n\n常见故障与处理：",
        Language::En => "\n\nKnown faults and fixes (as logged by the field team):",
    });
    for (symptom, fix) in category.symptoms.iter().zip(category.fixes.iter()) {
        body.push_str(&format!("\n- {symptom} → {fix}"));
    }
    GuideDetails {
        model: model.to_owned(),
        language,
        title,
        body,
        images: vec![GuideImage {
            caption: caption.to_owned(),
            media_type: "image/svg+xml".to_owned(),
            data_base64: base64::engine::general_purpose::STANDARD
                .encode(flow_diagram(steps.len())),
        }],
    }
}

/// A row of numbered boxes joined by arrows: the guide's steps at a glance.
fn flow_diagram(steps: usize) -> String {
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="80" viewBox="0 0 {} 80">"##,
        steps * 90,
        steps * 90
    );
    for i in 0..steps {
        let x = i * 90 + 10;
        svg.push_str(&format!(
            r##"<rect x="{x}" y="20" width="60" height="40" rx="8" fill="#e0f2fe" stroke="#0369a1"/><text x="{}" y="46" font-size="18" text-anchor="middle" fill="#0c4a6e">{}</text>"##,
            x + 30,
            i + 1
        ));
        if i + 1 < steps {
            svg.push_str(&format!(
                r##"<path d="M{} 40 h22 l-6 -5 m6 5 l-6 5" stroke="#0369a1" fill="none"/>"##,
                x + 62
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}
