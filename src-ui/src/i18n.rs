//! UI text in zh-CN and English. Keys are the English phrase's short name; a missing key is a
//! compile error because every lookup goes through [`Text`].

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// `?lang=` in the address first, then the stored choice, then the browser's language.
    pub fn initial() -> Lang {
        let window = web_sys::window();
        let query = window
            .as_ref()
            .and_then(|w| w.location().search().ok())
            .and_then(|q| {
                q.trim_start_matches('?')
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("lang=").map(str::to_owned))
            });
        let stored = crate::backend::storage_get("fixline.lang");
        let nav = window.and_then(|w| w.navigator().language());
        match query.or(stored).or(nav).as_deref() {
            Some(l) if l.starts_with("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
}

/// Every text the UI shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    AppName,
    SignIn,
    SignOut,
    Server,
    Username,
    Password,
    MyJobs,
    Today,
    Upcoming,
    Done,
    NoJobs,
    Guides,
    NoGuides,
    SyncReceipts,
    SyncNow,
    Syncing,
    LastSync,
    Never,
    Pending,
    Conflicts,
    Rejected,
    Offline,
    ServerUnreachable,
    OnlineOnly,
    Back,
    Customer,
    Contacts,
    Site,
    OpenMap,
    Assets,
    Warranty,
    InWarranty,
    OutOfWarranty,
    PastJobs,
    Symptom,
    Window,
    Notes,
    Visits,
    Actions,
    Accept,
    StartTravel,
    Arrive,
    PauseParts,
    PauseCustomer,
    Resume,
    Complete,
    Decline,
    HandOver,
    AddNote,
    Reason,
    Summary,
    Resolution,
    RemoteGuidance,
    OnSiteRepair,
    Exchange,
    Return,
    Colleague,
    Confirm,
    Cancel,
    DueIn,
    Overdue,
    Met,
    FarFromSite,
    AtSite,
    NoPosition,
    Reassigned,
    WaitingToSync,
    Applied,
    Status,
    Priority,
    Language,
    Dispatch,
    PlanTheDay,
    ApplyPlan,
    Waiting,
    FilterJobs,
    Photos,
    Caption,
    TakePhoto,
    PartsAndLabour,
    PartNumber,
    PartName,
    Quantity,
    UnitPrice,
    Serials,
    LabourFromVisits,
    AddPart,
    SaveParts,
    CustomerSignature,
    SignerName,
    CustomerRefuses,
    Undo,
    Clear,
    MakeReceipt,
    Receipt,
    SignedBy,
    ViewReceipt,
    FilesToUpload,
    EmailReceipt,
    EmailSent,
    Printer,
    PrinterName,
    PrinterHost,
    PrinterPort,
    PrinterProfile,
    SavePrinter,
    PrintQueue,
    PrintReceipt,
    Reprint,
    MayBeIncomplete,
    Printed,
    PrintFailed,
    Sending,
    Queued,
    TestPage,
    Skill,
    Channel,
}

impl Text {
    pub fn in_lang(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Text::AppName => ("Fixline 现场服务", "Fixline Field Service"),
            Text::SignIn => ("登录", "Sign in"),
            Text::SignOut => ("退出登录", "Sign out"),
            Text::Server => ("服务器地址", "Server address"),
            Text::Username => ("用户名", "User name"),
            Text::Password => ("密码", "Password"),
            Text::MyJobs => ("我的工单", "My jobs"),
            Text::Today => ("今天", "Today"),
            Text::Upcoming => ("待办", "Upcoming"),
            Text::Done => ("已完成", "Done"),
            Text::NoJobs => ("暂无工单", "No jobs"),
            Text::Guides => ("维修指南", "Repair guides"),
            Text::NoGuides => ("此型号暂无指南", "No guide for this model yet"),
            Text::SyncReceipts => ("同步记录", "Sync receipts"),
            Text::SyncNow => ("立即同步", "Sync now"),
            Text::Syncing => ("同步中…", "Syncing…"),
            Text::LastSync => ("上次同步", "Last sync"),
            Text::Never => ("从未", "never"),
            Text::Pending => ("待上传", "pending"),
            Text::Conflicts => ("冲突", "conflicts"),
            Text::Rejected => ("被拒绝", "rejected"),
            Text::Offline => ("离线", "Offline"),
            Text::ServerUnreachable => (
                "无法连接服务器，操作已保存在本机，恢复连接后自动同步",
                "The server cannot be reached: your work is kept on this device and syncs when the connection is back",
            ),
            Text::OnlineOnly => (
                "浏览器版：直接连接服务器，不保存离线数据",
                "Browser: works on the server directly, nothing kept offline",
            ),
            Text::Back => ("返回", "Back"),
            Text::Customer => ("客户", "Customer"),
            Text::Contacts => ("联系人", "Contacts"),
            Text::Site => ("地址", "Site"),
            Text::OpenMap => ("打开地图", "Open map"),
            Text::Assets => ("设备", "Equipment"),
            Text::Warranty => ("保修", "Warranty"),
            Text::InWarranty => ("保修期内", "in warranty"),
            Text::OutOfWarranty => ("已过保", "out of warranty"),
            Text::PastJobs => ("历史工单", "Past jobs"),
            Text::Symptom => ("故障描述", "Symptom"),
            Text::Window => ("预约时间", "Requested time"),
            Text::Notes => ("备注", "Notes"),
            Text::Visits => ("上门记录", "Visits"),
            Text::Actions => ("操作", "Actions"),
            Text::Accept => ("接单", "Accept"),
            Text::StartTravel => ("出发", "On my way"),
            Text::Arrive => ("到达签到", "Arrived"),
            Text::PauseParts => ("暂停：等配件", "Pause: awaiting parts"),
            Text::PauseCustomer => ("暂停：等客户", "Pause: awaiting customer"),
            Text::Resume => ("继续", "Resume"),
            Text::Complete => ("完工", "Complete"),
            Text::Decline => ("退回派单", "Decline"),
            Text::HandOver => ("转给同事", "Hand over"),
            Text::AddNote => ("添加备注", "Add note"),
            Text::Reason => ("原因", "Reason"),
            Text::Summary => ("处理说明", "Work done"),
            Text::Resolution => ("处理方式", "Resolution"),
            Text::RemoteGuidance => ("远程指导", "Remote guidance"),
            Text::OnSiteRepair => ("上门维修", "On-site repair"),
            Text::Exchange => ("换机", "Exchange"),
            Text::Return => ("退货", "Return"),
            Text::Colleague => ("同事", "Colleague"),
            Text::Confirm => ("确定", "Confirm"),
            Text::Cancel => ("取消", "Cancel"),
            Text::DueIn => ("剩余", "due in"),
            Text::Overdue => ("已超时", "overdue"),
            Text::Met => ("已达成", "met"),
            Text::FarFromSite => ("距离客户地址较远", "far from the site"),
            Text::AtSite => ("距客户地址", "from the site"),
            Text::NoPosition => (
                "无法获取位置，已签到但未记录位置",
                "No position available: checked in without one",
            ),
            Text::Reassigned => ("此工单已被改派", "This job was reassigned"),
            Text::WaitingToSync => ("等待同步", "waiting to sync"),
            Text::Applied => ("已同步", "synced"),
            Text::Status => ("状态", "Status"),
            Text::Priority => ("优先级", "Priority"),
            Text::Language => ("English", "中文"),
            Text::Dispatch => ("调度台", "Dispatch"),
            Text::PlanTheDay => ("优化派工", "Plan the day"),
            Text::ApplyPlan => ("应用方案", "Apply plan"),
            Text::Waiting => ("待派", "Waiting"),
            Text::FilterJobs => ("工单号 / 故障", "WO number / symptom"),
            Text::Photos => ("现场照片", "Photos"),
            Text::Caption => ("说明", "Caption"),
            Text::TakePhoto => ("拍照 / 选择照片", "Take or pick a photo"),
            Text::PartsAndLabour => ("配件与工时", "Parts and labour"),
            Text::PartNumber => ("料号", "Part no."),
            Text::PartName => ("名称", "Name"),
            Text::Quantity => ("数量", "Qty"),
            Text::UnitPrice => ("单价", "Unit price"),
            Text::Serials => ("序列号", "Serials"),
            Text::LabourFromVisits => (
                "工时按签到、签退时间计算",
                "Labour is billed from the check-in and check-out times",
            ),
            Text::AddPart => ("添加配件", "Add a part"),
            Text::SaveParts => ("保存配件", "Save parts"),
            Text::CustomerSignature => ("客户签名", "Customer signature"),
            Text::SignerName => ("签字人姓名", "Signer name"),
            Text::CustomerRefuses => ("客户拒绝签字", "Customer declines to sign"),
            Text::Undo => ("撤销", "Undo"),
            Text::Clear => ("清除", "Clear"),
            Text::MakeReceipt => ("生成服务回执", "Make the receipt"),
            Text::Receipt => ("服务回执", "Receipt"),
            Text::SignedBy => ("签字人", "Signed by"),
            Text::ViewReceipt => ("查看回执", "View the receipt"),
            Text::FilesToUpload => ("个照片/回执待上传", "photos/receipts to upload"),
            Text::EmailReceipt => ("邮件发送回执", "E-mail the receipt"),
            Text::EmailSent => ("回执已发送至", "Receipt sent to"),
            Text::Printer => ("打印机", "Printer"),
            Text::PrinterName => ("名称", "Name"),
            Text::PrinterHost => ("地址（IP）", "Address (IP)"),
            Text::PrinterPort => ("端口", "Port"),
            Text::PrinterProfile => ("型号配置", "Profile"),
            Text::SavePrinter => ("保存打印机", "Save printer"),
            Text::PrintQueue => ("打印队列", "Print queue"),
            Text::PrintReceipt => ("打印小票", "Print the receipt"),
            Text::Reprint => ("重新打印", "Reprint"),
            Text::MayBeIncomplete => (
                "可能未打印完整 — 重新打印？",
                "may be incomplete — reprint?",
            ),
            Text::Printed => ("已打印", "Printed"),
            Text::PrintFailed => ("打印失败", "Failed"),
            Text::Sending => ("发送中", "Sending"),
            Text::Queued => ("排队中", "Queued"),
            Text::TestPage => ("打印测试页", "Print a test page"),
            Text::Skill => ("技能（品类）", "Skill (category)"),
            Text::Channel => ("来源渠道", "Channel"),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

thread_local! {
    static LANG: std::cell::OnceCell<RwSignal<Lang>> = const { std::cell::OnceCell::new() };
}

/// The current language. Kept outside the reactive context so that event handlers and async
/// tasks, which run without an owner, can read it too.
pub fn lang() -> RwSignal<Lang> {
    LANG.with(|l| *l.get_or_init(|| RwSignal::new(Lang::initial())))
}

/// Text in the current language, reactive.
pub fn tr(text: Text) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = lang();
    move || text.in_lang(lang.get())
}
