//! A realistic receipt (a refrigerated display cabinet repaired in Shanghai), for the printer's
//! test page, the benchmarks and tests.

use chrono::{TimeZone, Utc};
use fixline_core::billing::{Bill, LabourLine, PartLine, TaxRates};
use fixline_core::customer::Language;
use fixline_core::ids::WorkOrderId;
use fixline_core::money::{Currency, Money};
use fixline_core::receipt::{AssetLine, Brand, PhotoRef, ReceiptFacts, SignOff, Signature};
use fixline_core::work_order::ResolutionType;
use rust_decimal::Decimal;

/// The sample receipt in `language`, listing `photos` (tag, caption, SHA-256 and size).
pub fn facts(language: Language, photos: Vec<PhotoRef>) -> ReceiptFacts {
    let at = |h, m| Utc.with_ymd_and_hms(2026, 11, 25, h, m, 0).unwrap();
    let bill = Bill {
        currency: Default::default(),
        parts: vec![
            PartLine {
                part_number: "CMP-220".into(),
                name: "压缩机启动继电器 Compressor start relay".into(),
                quantity: Decimal::ONE,
                unit_price: Money::cny(Decimal::new(18600, 2)),
                serials: vec!["SR2026110071".into()],
                under_warranty: false,
                serial_tracked: true,
            },
            PartLine {
                part_number: "SEAL-18".into(),
                name: "门封条 Door gasket".into(),
                quantity: Decimal::from(2),
                unit_price: Money::cny(Decimal::new(4550, 2)),
                serials: vec![],
                under_warranty: true,
                serial_tracked: false,
            },
        ],
        labour: vec![LabourLine {
            description: "上门维修 On-site repair".into(),
            minutes: 75,
            hourly_rate: Money::cny(Decimal::from(120)),
            under_warranty: false,
        }],
    };
    let totals = bill
        .totals(&TaxRates::default())
        .expect("the sample bill is valid");
    ReceiptFacts {
        work_order_id: WorkOrderId::from_uuid(uuid::Uuid::from_u128(0x5eed)),
        number: "R-WO-000123-1".into(),
        language,
        brand: Brand {
            name: "Fixline 售后服务".into(),
            slogan: "一次修好，及时响应 · Fixed right, first time".into(),
            phone: "400-800-1234".into(),
            logo_png: String::new(),
        },
        customer_name: "鲜丰超市（静安店）".into(),
        site_address: "上海市静安区南京西路1266号 B1".into(),
        asset: Some(AssetLine {
            model: "海尔 SC-650 冷藏展示柜".into(),
            serial: "HC650-88123".into(),
        }),
        symptom: "冷柜温度升至12°C，压缩机频繁启停 / Cabinet at 12 °C, compressor short-cycling"
            .into(),
        work_performed:
            "更换启动继电器和门封条，检查制冷剂压力正常，运行30分钟后柜温降至4°C。Replaced the start relay and door gaskets; pressure normal; 4 °C after 30 minutes."
                .into(),
        resolution: ResolutionType::OnSiteRepair,
        bill,
        totals,
        photos,
        sign_off: SignOff::Signed(Signature {
            signer_name: "陈静".into(),
            signed_at: at(3, 20),
            width: 400.0,
            height: 150.0,
            strokes: vec![
                vec![[20.0, 100.0], [50.0, 30.0], [80.0, 110.0], [110.0, 40.0]],
                vec![[140.0, 60.0], [200.0, 60.0], [170.0, 20.0], [170.0, 120.0]],
                vec![[230.0, 90.0], [300.0, 70.0], [360.0, 100.0]],
            ],
        }),
        engineer_name: "王建国".into(),
        arrived_at: Some(at(2, 0)),
        finished_at: at(3, 15),
        customer_link: "https://service.example.cn/r/7kq2YxN4b9TzW3mVhR8sLp".into(),
        time_zone: fixline_core::zone::ServiceZone::SHANGHAI,
        utc_offset_minutes: 480,
    }
}

/// The same job for an English-speaking customer billed in US dollars: every printed word is
/// plain ASCII (what the printer's own font prints on any model).
pub fn english_facts() -> ReceiptFacts {
    let mut f = facts(Language::En, vec![]);
    f.brand.name = "Fixline Service".into();
    f.brand.slogan = "Fixed right, first time".into();
    f.customer_name = "Fresh Market (Jing'an)".into();
    f.site_address = "B1, 1266 West Nanjing Road, Shanghai".into();
    if let Some(asset) = f.asset.as_mut() {
        asset.model = "Haier SC-650 display cabinet".into();
    }
    f.symptom = "Cabinet at 12 C, compressor short-cycling".into();
    f.work_performed =
        "Replaced the start relay and door gaskets; pressure normal; 4 C after 30 minutes.".into();
    f.engineer_name = "Wang Jianguo".into();
    let usd = |m: &Money| Money::new(m.amount, Currency::USD);
    f.bill.currency = Currency::USD;
    for part in &mut f.bill.parts {
        part.name = part
            .name
            .split_once(' ')
            .map_or(part.name.clone(), |(_, en)| en.into());
        part.unit_price = usd(&part.unit_price);
    }
    for labour in &mut f.bill.labour {
        labour.description = "On-site repair".into();
        labour.hourly_rate = usd(&labour.hourly_rate);
    }
    f.totals = f
        .bill
        .totals(&TaxRates::default())
        .expect("the sample bill is valid");
    if let SignOff::Signed(s) = &mut f.sign_off {
        s.signer_name = "Chen Jing".into();
    }
    f
}

/// A camera-like JPEG (`w` × `h`, quality 80): smooth gradients and blocks with a little grain,
/// compressing like a real scene does. `seed` varies the colours.
pub fn photo_jpeg(seed: u8, w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let grain = ((x.wrapping_mul(31) ^ y.wrapping_mul(17)) % 7) as u8;
        let band = if (x * 8 / w.max(1) + y * 8 / h.max(1)).is_multiple_of(2) {
            40
        } else {
            0
        };
        image::Rgb([
            (x * 255 / w.max(1)) as u8 / 2 + seed.wrapping_mul(40) / 2 + grain,
            (y * 255 / h.max(1)) as u8 / 2 + band,
            200u8.wrapping_sub(seed.wrapping_mul(30)) / 2 + 60 + grain,
        ])
    });
    let mut out = Vec::new();
    // Encoding an in-memory RGB image into a Vec cannot fail.
    let _ = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img);
    out
}

/// A small two-colour logo (a blue disc with a white bar), base64 PNG as settings carry it.
pub fn logo_png_base64() -> String {
    use base64::Engine;
    let img = image::RgbaImage::from_fn(160, 160, |x, y| {
        let (dx, dy) = (x as i32 - 80, y as i32 - 80);
        if dx * dx + dy * dy > 78 * 78 {
            image::Rgba([0, 0, 0, 0])
        } else if (70..90).contains(&y) && (30..130).contains(&x) {
            image::Rgba([255, 255, 255, 255])
        } else {
            image::Rgba([3, 105, 161, 255])
        }
    });
    let mut png = Vec::new();
    // Encoding an in-memory image into a Vec cannot fail.
    let _ = image::DynamicImage::ImageRgba8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png);
    base64::engine::general_purpose::STANDARD.encode(png)
}
