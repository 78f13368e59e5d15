//! The receipt's fixed wording in the customer's language.

use fixline_core::customer::Language;
use fixline_core::receipt::PhotoTag;
use fixline_core::work_order::ResolutionType;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Word {
    Title,
    ReceiptNo,
    Customer,
    Site,
    Asset,
    Serial,
    Symptom,
    WorkPerformed,
    Resolution,
    Item,
    Qty,
    UnitPrice,
    Amount,
    Warranty,
    Hours,
    Parts,
    Labour,
    WarrantyCovered,
    Tax,
    Total,
    Photos,
    CustomerSignature,
    Refused,
    Signer,
    Engineer,
    Arrived,
    Finished,
    ScanToView,
}

pub(crate) fn word(lang: Language, w: Word) -> &'static str {
    let zh = matches!(lang, Language::ZhCn);
    let (zh_text, en_text) = match w {
        Word::Title => ("服务回执", "Service receipt"),
        Word::ReceiptNo => ("回执号", "Receipt no."),
        Word::Customer => ("客户", "Customer"),
        Word::Site => ("地址", "Site"),
        Word::Asset => ("设备", "Equipment"),
        Word::Serial => ("序列号", "Serial"),
        Word::Symptom => ("故障描述", "Reported problem"),
        Word::WorkPerformed => ("处理内容", "Work performed"),
        Word::Resolution => ("处理方式", "Resolution"),
        Word::Item => ("项目", "Item"),
        Word::Qty => ("数量", "Qty"),
        Word::UnitPrice => ("单价", "Unit price"),
        Word::Amount => ("金额", "Amount"),
        Word::Warranty => ("保修", "warranty"),
        Word::Hours => ("小时", "h"),
        Word::Parts => ("配件", "Parts"),
        Word::Labour => ("人工", "Labour"),
        Word::WarrantyCovered => ("保修减免", "Covered by warranty"),
        Word::Tax => ("税额", "VAT"),
        Word::Total => ("合计", "Total"),
        Word::Photos => ("现场照片", "Photos"),
        Word::CustomerSignature => ("客户签名", "Customer signature"),
        Word::Refused => ("客户拒签", "Customer declined to sign"),
        Word::Signer => ("签字人", "Signed by"),
        Word::Engineer => ("服务工程师", "Engineer"),
        Word::Arrived => ("到达时间", "Arrived"),
        Word::Finished => ("完成时间", "Finished"),
        Word::ScanToView => (
            "扫码查看电子回执并评价本次服务",
            "Scan to view this receipt online and rate our service",
        ),
    };
    if zh { zh_text } else { en_text }
}

pub(crate) fn resolution(lang: Language, r: ResolutionType) -> &'static str {
    let zh = matches!(lang, Language::ZhCn);
    let (zh_text, en_text) = match r {
        ResolutionType::RemoteGuidance => ("远程指导", "Remote guidance"),
        ResolutionType::OnSiteRepair => ("上门维修", "On-site repair"),
        ResolutionType::Exchange => ("换机", "Exchange"),
        ResolutionType::Return => ("退货", "Return"),
    };
    if zh { zh_text } else { en_text }
}

pub(crate) fn photo_tag(lang: Language, t: PhotoTag) -> &'static str {
    let zh = matches!(lang, Language::ZhCn);
    let (zh_text, en_text) = match t {
        PhotoTag::Before => ("维修前", "Before"),
        PhotoTag::After => ("维修后", "After"),
        PhotoTag::Fault => ("故障", "Fault"),
        PhotoTag::SerialPlate => ("铭牌", "Serial plate"),
    };
    if zh { zh_text } else { en_text }
}

/// The labels a thermal receipt uses, in one language.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    pub title: &'static str,
    pub customer: &'static str,
    pub site: &'static str,
    pub asset: &'static str,
    pub symptom: &'static str,
    pub work: &'static str,
    pub engineer: &'static str,
    pub finished: &'static str,
    pub warranty: &'static str,
    pub parts: &'static str,
    pub labour: &'static str,
    pub warranty_covered: &'static str,
    pub tax: &'static str,
    pub total: &'static str,
    pub signature: &'static str,
    pub refused: &'static str,
    pub scan: &'static str,
}

/// The receipt's wording for other renderings (the thermal printer), from the same table.
pub fn words_for(lang: Language) -> Words {
    let w = |x| word(lang, x);
    Words {
        title: w(Word::Title),
        customer: w(Word::Customer),
        site: w(Word::Site),
        asset: w(Word::Asset),
        symptom: w(Word::Symptom),
        work: w(Word::WorkPerformed),
        engineer: w(Word::Engineer),
        finished: w(Word::Finished),
        warranty: w(Word::Warranty),
        parts: w(Word::Parts),
        labour: w(Word::Labour),
        warranty_covered: w(Word::WarrantyCovered),
        tax: w(Word::Tax),
        total: w(Word::Total),
        signature: w(Word::CustomerSignature),
        refused: w(Word::Refused),
        scan: w(Word::ScanToView),
    }
}
