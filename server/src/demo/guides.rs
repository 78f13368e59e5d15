//! Demo knowledge base: a repair guide per equipment model and language, built from the
//! category's known symptoms and fixes, with a small step diagram (a PNG blob, so the image path
//! to the device is exercised); and the FAQs, policy and safety note a desk reads out.

use fixline_core::Timestamp;
use fixline_core::customer::Language;
use fixline_core::ids::ArticleId;
use fixline_core::knowledge::{
    Article, ArticleContent, ArticleImage, ArticleKind, Audience, markdown::IMAGE_SCHEME,
};

use super::{CATEGORIES, Category, IdMaker};
use crate::error::Result;
use crate::store::Store;

/// Stores an image's bytes and names them by their SHA-256.
pub type KeepImage<'a> = &'a dyn Fn(&[u8]) -> Result<String>;

pub(super) fn seed(
    store: &dyn Store,
    keep_image: KeepImage<'_>,
    ids: &mut IdMaker,
    at: Timestamp,
) -> Result<usize> {
    let mut n = 0;
    let mut publish = |content: ArticleContent| -> Result<()> {
        let mut article = Article::new(ArticleId::from_uuid(ids.next()), content, at)?;
        article.publish(at)?;
        store.create_article(&article, at)?;
        n += 1;
        Ok(())
    };
    for category in CATEGORIES {
        for model in category.models {
            for language in [Language::ZhCn, Language::En] {
                publish(guide(category, model, language, keep_image)?)?;
            }
        }
    }
    for content in desk_articles() {
        publish(content)?;
    }
    Ok(n)
}

/// What the desk reads out at first contact and customers read at /help.
fn desk_articles() -> Vec<ArticleContent> {
    use ArticleKind::{Faq, Policy, SafetyNote};
    use Audience::{Public, Staff};
    use Language::{En, ZhCn};
    let mut out = Vec::new();
    let mut add = |kind, language, audience, title: &str, symptoms: &str, body: &str| {
        out.push(ArticleContent {
            audience,
            symptoms: symptoms.to_owned(),
            ..ArticleContent::new(kind, language, title, body)
        });
    };
    add(
        Faq,
        ZhCn,
        Public,
        "空调不制冷怎么办？先自己检查这三步",
        "空调不制冷，出风不凉",
        "1. 确认遥控器在**制冷**模式，设定温度低于室温。\n2. 清洗室内机滤网（每月一次）。\n3. 检查室外机是否运转、周围是否有遮挡。\n\n以上都正常仍不制冷，请提交报修。",
    );
    add(
        Faq,
        En,
        Public,
        "Air conditioner not cooling? Three checks first",
        "not cooling, warm air",
        "1. Set the remote to **Cool**, below room temperature.\n2. Clean the indoor filter (monthly).\n3. Check the outdoor unit runs and nothing blocks it.\n\nStill warm? Send a request.",
    );
    add(
        Faq,
        ZhCn,
        Public,
        "冷柜结霜太厚怎么处理",
        "冷柜结霜、结冰，门关不严",
        "1. 检查门封是否贴合，有无破损。\n2. 减少开门次数，不要放入热的食物。\n3. 断电化霜后擦干再开机。",
    );
    add(
        Faq,
        ZhCn,
        Staff,
        "电话指导：设备显示故障码时先问什么",
        "客户说显示故障码",
        "1. 请客户读出显示屏上的代码和型号铭牌。\n2. 在知识库中搜索代码，按文章指导客户复位。\n3. 复位后仍报同一代码，再派工。",
    );
    add(
        Policy,
        ZhCn,
        Public,
        "保修政策：整机一年，压缩机三年",
        "保修期多长，是否收费",
        "- 整机保修一年，压缩机保修三年，自购买之日起。\n- 保修期内人工和配件免费；人为损坏除外。\n- 保修期外按价目表收取配件费和人工费。",
    );
    add(
        Policy,
        En,
        Public,
        "Warranty: one year whole unit, three years compressor",
        "how long is the warranty",
        "- Whole unit one year, compressor three years, from purchase.\n- In warranty: parts and labour free, except damage by misuse.\n- Out of warranty: parts and labour as priced.",
    );
    add(
        SafetyNote,
        ZhCn,
        Staff,
        "安全须知：制冷剂操作",
        "制冷剂泄漏、补充制冷剂",
        "1. 佩戴护目镜和手套。\n2. 室内通风，R290 机型严禁明火。\n3. 回收制冷剂，不得直接排放。",
    );
    out
}

fn guide(
    category: &Category,
    model: &str,
    language: Language,
    keep_image: KeepImage<'_>,
) -> Result<ArticleContent> {
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
    let png = flow_diagram(steps.len())?;
    let sha256 = keep_image(&png)?;
    body.push_str(&format!("\n\n![{caption}]({IMAGE_SCHEME}{sha256})"));
    Ok(ArticleContent {
        symptoms: category.symptoms.join("；"),
        models: vec![model.to_owned()],
        categories: vec![category.key.to_owned()],
        body,
        images: vec![ArticleImage {
            sha256,
            media_type: "image/png".to_owned(),
            size: png.len() as u64,
        }],
        ..ArticleContent::new(ArticleKind::RepairGuide, language, &title, "")
    })
}

/// A row of boxes joined by lines: the guide's steps at a glance, as a PNG.
fn flow_diagram(steps: usize) -> Result<Vec<u8>> {
    let (w, h) = ((steps * 90) as u32, 80_u32);
    let mut img = image::RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
    let fill = image::Rgb([0xe0, 0xf2, 0xfe]);
    let line = image::Rgb([0x03, 0x69, 0xa1]);
    for i in 0..steps as u32 {
        let x0 = i * 90 + 10;
        for x in x0..x0 + 60 {
            for y in 20..60 {
                let edge = x == x0 || x == x0 + 59 || y == 20 || y == 59;
                img.put_pixel(x, y, if edge { line } else { fill });
            }
        }
        if i + 1 < steps as u32 {
            for x in x0 + 60..x0 + 90 {
                img.put_pixel(x, 40, line);
            }
        }
    }
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| crate::error::Error::Internal(format!("drawing a demo diagram: {e}")))?;
    Ok(png)
}
