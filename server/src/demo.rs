//! Deterministic demo data around Hangzhou: customers with sites and equipment, engineers with
//! skills and shifts, and work orders in every state, each one taken through the real lifecycle
//! so its history, visits and SLA clock are consistent. The same seed gives the same names,
//! places and stories; times are relative to the moment of loading.

use chrono::{NaiveTime, TimeDelta};
use fixline_core::Timestamp;
use fixline_core::customer::{
    AssetDetails, ContactDetails, ContractTier, CustomerDetails, CustomerKind, Language,
    SiteDetails,
};
use fixline_core::engineer::{Certification, EngineerDetails, EngineerStatus, ShiftPattern, Skill};
use fixline_core::ids::{AssetId, ContactId, CustomerId, EngineerId, SiteId, UserId};
use fixline_core::position::{Position, PositionFix};
use fixline_core::role::{Actor, Role};
use fixline_core::sla::SlaPolicy;
use fixline_core::work_order::{Action, IntakeChannel, PauseReason, Priority, ResolutionType};
use fixline_core::zone::ServiceZone;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

mod guides;
mod parts;

use crate::error::{Error, Result};
use crate::ops::work_orders::{self, Step};
use crate::store::{
    Paging, ServiceTarget, Store, TargetSpec, User, WorkOrderFilter, WorkOrderIntake,
};

/// Every demo login uses this password.
pub const DEMO_PASSWORD: &str = "fixline-demo";

/// Sizes of the demo data set.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    pub customers: usize,
    pub engineers: usize,
    pub work_orders: usize,
}

impl Default for DemoSize {
    fn default() -> Self {
        DemoSize {
            customers: 300,
            engineers: 30,
            work_orders: 400,
        }
    }
}

/// A demo login, as printed for the person trying Fixline.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: String,
    pub role: Role,
    pub display_name: String,
}

struct District {
    name: &'static str,
    centre: (f64, f64),
    roads: &'static [&'static str],
}

const DISTRICTS: &[District] = &[
    District {
        name: "上城区",
        centre: (30.2425, 120.1694),
        roads: &["解放路", "延安路", "清泰街", "望江路", "秋涛路"],
    },
    District {
        name: "拱墅区",
        centre: (30.3192, 120.1419),
        roads: &["莫干山路", "湖墅南路", "大关路", "丽水路", "石祥路"],
    },
    District {
        name: "西湖区",
        centre: (30.2599, 120.1300),
        roads: &["文三路", "文二路", "天目山路", "古墩路", "学院路"],
    },
    District {
        name: "滨江区",
        centre: (30.2083, 120.2109),
        roads: &["江南大道", "滨盛路", "长河路", "网商路", "江虹路"],
    },
    District {
        name: "萧山区",
        centre: (30.1834, 120.2645),
        roads: &["金城路", "市心路", "人民路", "通惠路", "建设一路"],
    },
    District {
        name: "余杭区",
        centre: (30.2795, 120.0131),
        roads: &["文一西路", "五常大道", "良睦路", "荆长大道"],
    },
    District {
        name: "临平区",
        centre: (30.4219, 120.2998),
        roads: &["临平大道", "迎宾路", "世纪大道", "南苑街"],
    },
    District {
        name: "钱塘区",
        centre: (30.3026, 120.3610),
        roads: &["学源街", "文泽路", "下沙路", "幸福南路"],
    },
];

struct Category {
    key: &'static str,
    models: &'static [&'static str],
    symptoms: &'static [&'static str],
    fixes: &'static [&'static str],
    certification: Option<&'static str>,
}

const CATEGORIES: &[Category] = &[
    Category {
        key: "refrigeration",
        models: &[
            "FX-SC650 立式冷藏柜",
            "FX-DF1200 卧式冷冻柜",
            "FX-WR2000 冷库机组",
        ],
        symptoms: &[
            "冷柜不制冷，柜内温度升到 12°C",
            "压缩机频繁启停，噪音大",
            "门封条老化漏冷，蒸发器结霜严重",
            "显示屏报 E3 故障码，停机",
        ],
        fixes: &[
            "更换启动电容，测试 30 分钟温度正常",
            "补充 R290 冷媒并检漏",
            "更换门封条，化霜后恢复",
            "更换温控主板",
        ],
        certification: Some("制冷与空调作业证"),
    },
    Category {
        key: "air_conditioning",
        models: &["FX-KFR72 柜式空调", "FX-VRF10 多联机", "FX-KFR35 挂式空调"],
        symptoms: &[
            "空调不出冷风",
            "室内机漏水",
            "外机异响，振动大",
            "开机报 P4 故障",
        ],
        fixes: &[
            "清洗冷凝器，更换风扇电容",
            "疏通排水管",
            "紧固外机支架并更换减震垫",
            "更换电子膨胀阀线圈",
        ],
        certification: Some("制冷与空调作业证"),
    },
    Category {
        key: "water_purifier",
        models: &["FX-RO400 反渗透净水器", "FX-RO800 商用净水机"],
        symptoms: &["出水量很小", "滤芯到期提醒不消失", "机器底部漏水"],
        fixes: &[
            "更换 RO 膜与前置滤芯",
            "复位滤芯计时并指导客户操作",
            "更换快接头",
        ],
        certification: None,
    },
    Category {
        key: "dishwasher",
        models: &["FX-DW60 揭盖式洗碗机", "FX-DW200 通道式洗碗机"],
        symptoms: &["洗碗机不加热", "排水慢，机内积水", "漂洗臂不转"],
        fixes: &["更换加热管", "清理排水泵滤网", "更换漂洗臂轴承"],
        certification: Some("低压电工作业证"),
    },
    Category {
        key: "coffee_machine",
        models: &["FX-CM2 全自动咖啡机", "FX-CM5 双头意式咖啡机"],
        symptoms: &["研磨器卡住", "蒸汽棒不出蒸汽", "萃取压力不足"],
        fixes: &["清理磨豆器并更换刀盘", "除垢并更换蒸汽阀", "更换水泵"],
        certification: None,
    },
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "建华", "志强", "海燕", "晓东", "文博",
];
const BRANDS: &[&str] = &[
    "湖滨", "西溪", "钱江", "之江", "运河", "东方", "金沙", "嘉禾", "新天", "华联", "百味", "鲜丰",
    "绿源", "乐家", "同福", "知味", "楼外", "望湖",
];
const BUSINESS_KINDS: &[&str] = &[
    "餐饮管理有限公司",
    "连锁超市有限公司",
    "大酒店",
    "便利店",
    "食品有限公司",
    "生鲜超市",
    "茶餐厅",
    "咖啡馆",
];

fn person(rng: &mut ChaCha8Rng) -> String {
    format!(
        "{}{}",
        SURNAMES.choose(rng).unwrap_or(&"王"),
        GIVEN.choose(rng).unwrap_or(&"伟")
    )
}

fn mobile(rng: &mut ChaCha8Rng) -> String {
    let prefix = ["138", "139", "135", "186", "158", "177"]
        .choose(rng)
        .copied()
        .unwrap_or("138");
    format!(
        "{prefix}{:04}{:04}",
        rng.random_range(0..10_000),
        rng.random_range(0..10_000)
    )
}

fn near(rng: &mut ChaCha8Rng, (lat, lon): (f64, f64), km: f64) -> Position {
    let dlat = rng.random_range(-km..km) / 111.0;
    let dlon = rng.random_range(-km..km) / (111.0 * lat.to_radians().cos());
    Position::new(lat + dlat, lon + dlon).unwrap_or(Position { lat, lon })
}

/// A code from a list for a fix (the same fix, the same code), or none for an empty list.
fn code_for(list: &[fixline_core::fault_code::Code], fix: &str) -> Option<String> {
    let n = fix.chars().map(u32::from).fold(0u32, u32::wrapping_add) as usize;
    (!list.is_empty()).then(|| list[n % list.len()].code.to_owned())
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Loads the demo data unless the database already has work orders. Returns the logins.
/// Loads the demo data once, with its days and times in `zone` (the service area's).
pub fn load(
    store: &dyn Store,
    keep_image: guides::KeepImage<'_>,
    size: DemoSize,
    now: Timestamp,
    zone: ServiceZone,
) -> Result<Vec<DemoLogin>> {
    let existing =
        store.list_work_orders(&WorkOrderFilter::default(), Paging::new(Some(1), Some(1)))?;
    let logins = if existing.total == 0 {
        seed(store, keep_image, size, now, zone)?
    } else {
        Vec::new()
    };
    if logins.is_empty() {
        // Already loaded: report the logins that exist.
        return Ok(store
            .list_users()?
            .into_iter()
            .map(|u| DemoLogin {
                username: u.username,
                role: u.role,
                display_name: u.display_name,
            })
            .collect());
    }
    Ok(logins)
}

fn seed(
    store: &dyn Store,
    keep_image: guides::KeepImage<'_>,
    size: DemoSize,
    now: Timestamp,
    zone: ServiceZone,
) -> Result<Vec<DemoLogin>> {
    let mut rng = ChaCha8Rng::seed_from_u64(20_261_125);
    let mut ids = IdMaker(ChaCha8Rng::seed_from_u64(7));
    let policy = SlaPolicy::default();
    let today = zone.local_day(now);
    let start = now - TimeDelta::days(14);
    let password_hash = crate::auth::hash_password(DEMO_PASSWORD)?;
    let mut logins = Vec::new();
    let mut add_user = |username: String,
                        display_name: String,
                        role: Role,
                        engineer_id: Option<EngineerId>|
     -> Result<Actor> {
        let user = User {
            id: UserId::from_uuid(Uuid::now_v7()),
            username: username.clone(),
            display_name: display_name.clone(),
            role,
            engineer_id,
            disabled: false,
        };
        store.create_user(&user, &password_hash, start)?;
        logins.push(DemoLogin {
            username,
            role,
            display_name: display_name.clone(),
        });
        Ok(Actor {
            user: user.id,
            name: display_name,
            role,
            engineer: engineer_id,
        })
    };
    add_user("admin".into(), "系统管理员".into(), Role::Admin, None)?;
    let dispatcher = add_user(
        "dispatcher".into(),
        "调度 刘洋".into(),
        Role::Dispatcher,
        None,
    )?;
    add_user(
        "manager".into(),
        "服务经理 周敏".into(),
        Role::ServiceManager,
        None,
    )?;
    let complaints = add_user(
        "complaints".into(),
        "客诉 何静".into(),
        Role::ComplaintHandler,
        None,
    )?;

    // Engineers: two to four per district, each with one to three product skills.
    let mut engineers: Vec<(EngineerId, Actor, &'static str, Vec<&'static str>)> = Vec::new();
    for n in 0..size.engineers {
        let district = &DISTRICTS[n % DISTRICTS.len()];
        let mut skills: Vec<&Category> = Vec::new();
        for _ in 0..rng.random_range(1..=3) {
            let c = pick(&mut rng, CATEGORIES);
            if !skills.iter().any(|s| s.key == c.key) {
                skills.push(c);
            }
        }
        let certifications = skills
            .iter()
            .filter_map(|c| c.certification)
            .map(|name| Certification {
                name: name.to_owned(),
                expires_on: today + chrono::Days::new(rng.random_range(20..900)),
            })
            .collect::<Vec<_>>();
        let (weekdays, hours) = match n % 3 {
            0 => (vec![1, 2, 3, 4, 5], (8, 17)),
            1 => (vec![2, 3, 4, 5, 6], (9, 18)),
            _ => (vec![3, 4, 5, 6, 7], (10, 19)),
        };
        let name = person(&mut rng);
        let details = EngineerDetails {
            name: name.clone(),
            phone: mobile(&mut rng),
            region: district.name.to_owned(),
            skills: skills
                .iter()
                .map(|c| Skill {
                    category: c.key.to_owned(),
                    level: rng.random_range(2..=5),
                })
                .collect(),
            certifications,
            home_base: near(&mut rng, district.centre, 3.0),
            shift: ShiftPattern {
                weekdays,
                start: NaiveTime::from_hms_opt(hours.0, 30, 0).unwrap_or_default(),
                end: NaiveTime::from_hms_opt(hours.1, 30, 0).unwrap_or_default(),
                break_minutes: 60,
            },
        };
        let id = EngineerId::from_uuid(ids.next());
        let engineer = store.create_engineer(id, details, start)?;
        let status = [
            EngineerStatus::Available,
            EngineerStatus::Busy,
            EngineerStatus::OffShift,
            EngineerStatus::Available,
        ][n % 4];
        store.update_engineer(
            id,
            engineer.version,
            engineer.details.clone(),
            Some(status),
            start,
        )?;
        let fix = PositionFix {
            position: near(
                &mut rng,
                (
                    engineer.details.home_base.lat,
                    engineer.details.home_base.lon,
                ),
                4.0,
            ),
            at: now - TimeDelta::minutes(rng.random_range(1..40)),
        };
        store.record_position(id, fix, now)?;
        let actor = add_user(format!("eng{:02}", n + 1), name, Role::Engineer, Some(id))?;
        engineers.push((
            id,
            actor,
            district.name,
            skills.iter().map(|c| c.key).collect(),
        ));
    }

    // Customers, each with contacts, one or two sites and their equipment.
    let mut targets: Vec<(ServiceTarget, &'static Category)> = Vec::new();
    for n in 0..size.customers {
        let business = n % 4 != 3;
        let district = pick(&mut rng, DISTRICTS);
        let name = if business {
            format!(
                "杭州{}{}",
                pick(&mut rng, BRANDS),
                pick(&mut rng, BUSINESS_KINDS)
            )
        } else {
            person(&mut rng)
        };
        let tier = if business {
            *pick(
                &mut rng,
                &[
                    ContractTier::Premium,
                    ContractTier::Standard,
                    ContractTier::Standard,
                    ContractTier::Basic,
                ],
            )
        } else {
            ContractTier::Basic
        };
        let details = CustomerDetails {
            name: if business {
                format!("{name}（{}店）", &district.name[..district.name.len() - 3])
            } else {
                name.clone()
            },
            kind: if business {
                CustomerKind::Business
            } else {
                CustomerKind::Household
            },
            phone: Some(mobile(&mut rng)),
            email: business.then(|| format!("service{n:03}@example.cn")),
            language: if n % 25 == 0 {
                Language::En
            } else {
                Language::ZhCn
            },
            tier,
            notes: None,
            // Some shops open late: nothing that can wait before 10:00.
            quiet_hours: (business && n % 10 == 0).then(|| fixline_core::notify::QuietHours {
                start: chrono::NaiveTime::from_hms_opt(21, 0, 0).unwrap_or_default(),
                end: chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default(),
            }),
        };
        let customer =
            store.create_customer(CustomerId::from_uuid(ids.next()), details, None, start)?;
        for primary in [true, false].into_iter().take(if business { 2 } else { 1 }) {
            let contact = ContactDetails {
                name: if business {
                    person(&mut rng)
                } else {
                    name.clone()
                },
                title: business.then(|| if primary { "店长" } else { "后厨主管" }.to_owned()),
                phone: Some(mobile(&mut rng)),
                email: None,
                primary,
            };
            store.add_contact(
                ContactId::from_uuid(ids.next()),
                customer.id,
                contact,
                None,
                start,
            )?;
        }
        for s in 0..if business && n % 3 == 0 { 2 } else { 1 } {
            let district = if s == 0 {
                district
            } else {
                pick(&mut rng, DISTRICTS)
            };
            let road = pick(&mut rng, district.roads);
            let site = store.create_site(
                SiteId::from_uuid(ids.next()),
                customer.id,
                SiteDetails {
                    name: if business {
                        format!("{}{}店", road, ["一", "二", "三"][s])
                    } else {
                        "家".to_owned()
                    },
                    address: format!("{}{}{}号", district.name, road, rng.random_range(1..600)),
                    city: "杭州市".to_owned(),
                    region: district.name.to_owned(),
                    position: Some(near(&mut rng, district.centre, 3.5)),
                    access_notes: business.then(|| "从后门卸货区进入，联系店长开门".to_owned()),
                },
                None,
                start,
            )?;
            for _ in 0..rng.random_range(1..=3) {
                let category = pick(&mut rng, CATEGORIES);
                let installed = today - chrono::Days::new(rng.random_range(30..1500));
                let asset = store.create_asset(
                    AssetId::from_uuid(ids.next()),
                    customer.id,
                    AssetDetails {
                        site_id: site.id,
                        model: pick(&mut rng, category.models).to_string(),
                        serial: format!(
                            "FX{}{:07}",
                            installed.format("%y%m"),
                            rng.random_range(0..10_000_000)
                        ),
                        category: category.key.to_owned(),
                        install_date: Some(installed),
                        warranty_end: Some(installed + chrono::Days::new(730)),
                        tier: None,
                    },
                    None,
                    start,
                )?;
                targets.push((
                    ServiceTarget {
                        customer: customer.clone(),
                        site: site.clone(),
                        asset: Some(asset),
                    },
                    category,
                ));
            }
        }
    }

    guides::seed(store, keep_image, &mut ids, start)?;
    parts::seed(store, start)?;

    // Work orders spread over the last two weeks, each taken as far through its life as time allows.
    let channels = [
        IntakeChannel::Phone,
        IntakeChannel::Phone,
        IntakeChannel::WebForm,
        IntakeChannel::Wechat,
        IntakeChannel::App,
        IntakeChannel::Email,
        IntakeChannel::Api,
    ];
    // The customers' survey answers have a generator of their own, so the jobs stay as they were.
    let mut voices = ChaCha8Rng::seed_from_u64(20_261_206);
    for n in 0..size.work_orders {
        let (target, category) = pick(&mut rng, &targets);
        let (target, category) = (target.clone(), *category);
        // Later orders are more frequent: today's board is busy.
        let age_minutes = (rng.random::<f64>().powi(2) * 14.0 * 24.0 * 60.0) as i64 + 5;
        let created = now - TimeDelta::minutes(age_minutes);
        let priority = *pick(
            &mut rng,
            &[
                Priority::P1,
                Priority::P2,
                Priority::P2,
                Priority::P3,
                Priority::P3,
                Priority::P3,
                Priority::P4,
            ],
        );
        let symptom = pick(&mut rng, category.symptoms).to_string();
        let channel = channels[n % channels.len()];
        let policy_for_build = policy.clone();
        let wo_id = fixline_core::ids::WorkOrderId::from_uuid(ids.next());
        let spec = TargetSpec {
            serial: None,
            ids: Some((
                target.customer.id,
                target.site.id,
                target.asset.as_ref().map(|a| a.id),
            )),
            caller: None,
            attach: crate::store::Attach::Known,
        };
        let requested_window = (n % 3 == 0).then(|| {
            // The next local morning, 09:00 to 13:00.
            let day = zone.local_day(created) + chrono::Days::new(1);
            let start = zone.at_day(day, NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default());
            fixline_core::work_order::TimeWindow {
                start,
                end: start + TimeDelta::hours(4),
            }
        });
        let request = crate::store::IntakeRequest {
            serial: None,
            customer_id: Some(target.customer.id),
            site_id: Some(target.site.id),
            asset_id: target.asset.as_ref().map(|a| a.id),
            caller: None,
            category: Some(category.key.to_owned()),
            priority: Some(priority),
            symptom: symptom.clone(),
            requested_window,
            wechat_openid: None,
        };
        let (taken, _) = store.create_work_order(
            WorkOrderIntake {
                channel,
                idempotency_key: None,
                actor: Some(dispatcher.clone()),
                target: spec,
                request,
                build: Box::new(move |t, number| {
                    let request = fixline_core::work_order::WorkOrderRequest {
                        customer_id: t.customer.id,
                        site_id: t.site.id,
                        asset_id: t.asset.as_ref().map(|a| a.id),
                        category: category.key.to_owned(),
                        priority,
                        symptom,
                        requested_window,
                    };
                    let tier = t
                        .asset
                        .as_ref()
                        .map_or(t.customer.details.tier, |a| a.effective_tier(&t.customer));
                    Ok(fixline_core::work_order::WorkOrder::open(
                        wo_id,
                        number,
                        request,
                        channel,
                        created,
                        fixline_core::sla::SlaTerms {
                            tier,
                            policy: &policy_for_build,
                            time_zone: zone,
                        },
                    )?)
                }),
            },
            created,
        )?;
        let crate::store::Taken::Opened(wo) = taken else {
            return Err(Error::Internal("the desk's demo request was held".into()));
        };
        let region = target.site.details.region.clone();
        let qualified: Vec<_> = engineers
            .iter()
            .filter(|e| e.3.contains(&category.key))
            .collect();
        let nearby: Vec<_> = qualified
            .iter()
            .filter(|e| e.2 == region)
            .copied()
            .collect();
        let pool = if nearby.is_empty() {
            &qualified
        } else {
            &nearby
        };
        let Some(&engineer) = pool.choose(&mut rng) else {
            continue;
        };
        let site_pos = target.site.details.position;
        let fix = pick(&mut rng, category.fixes).to_string();
        let story = Story::pick(&mut rng, n);
        let mut steps: Vec<(i64, Actor, Action)> = vec![
            (
                rng.random_range(3..30),
                dispatcher.clone(),
                Action::Triage {
                    category: None,
                    priority: None,
                    requirements: None,
                },
            ),
            (
                rng.random_range(3..40),
                dispatcher.clone(),
                Action::Assign {
                    engineer: engineer.0,
                },
            ),
        ];
        let eng = engineer.1.clone();
        match story {
            Story::Cancelled => steps.push((
                rng.random_range(10..120),
                dispatcher.clone(),
                Action::Cancel {
                    reason: "客户来电取消，已自行解决".into(),
                },
            )),
            Story::Declined => {
                steps.push((
                    rng.random_range(5..30),
                    eng.clone(),
                    Action::Decline {
                        reason: "该型号不熟悉，请改派".into(),
                    },
                ));
                // Declined jobs go to the pool, for whoever knows the model to pick (a fixed
                // delay: the demo's random sequence, and so its data, stays as it was).
                steps.push((15, dispatcher.clone(), Action::ReleaseToPool));
            }
            Story::Remote => {
                steps.push((rng.random_range(5..30), eng.clone(), Action::Accept));
                steps.push((
                    rng.random_range(10..40),
                    eng.clone(),
                    Action::Complete {
                        resolution: ResolutionType::RemoteGuidance,
                        summary: "电话指导客户复位并检查设置，已恢复".into(),
                        position: None,
                        fault_code: None,
                        cause_code: None,
                        resolution_code: None,
                    },
                ));
            }
            Story::OnSite { parts } => {
                steps.push((rng.random_range(5..30), eng.clone(), Action::Accept));
                steps.push((rng.random_range(10..90), eng.clone(), Action::StartTravel));
                steps.push((
                    rng.random_range(20..70),
                    eng.clone(),
                    Action::Arrive { position: site_pos },
                ));
                if parts {
                    steps.push((
                        rng.random_range(20..60),
                        eng.clone(),
                        Action::Pause {
                            reason: PauseReason::AwaitingParts,
                            note: Some("需订购配件".into()),
                        },
                    ));
                    steps.push((rng.random_range(600..2000), eng.clone(), Action::Resume));
                    steps.push((rng.random_range(10..60), eng.clone(), Action::StartTravel));
                    steps.push((
                        rng.random_range(20..70),
                        eng.clone(),
                        Action::Arrive { position: site_pos },
                    ));
                }
                let resolution = *pick(
                    &mut rng,
                    &[
                        ResolutionType::OnSiteRepair,
                        ResolutionType::OnSiteRepair,
                        ResolutionType::OnSiteRepair,
                        ResolutionType::Exchange,
                        ResolutionType::Return,
                    ],
                );
                // The demo's figures (top faults per model) need coded jobs; drawn from the
                // fix's words, so the rest of the demo stays the same.
                let fault_code = code_for(fixline_core::fault_code::faults(category.key), &fix);
                let cause_code = code_for(fixline_core::fault_code::CAUSES, &fix);
                let resolution_code = code_for(fixline_core::fault_code::RESOLUTIONS, &fix);
                steps.push((
                    rng.random_range(30..150),
                    eng.clone(),
                    Action::Complete {
                        resolution,
                        summary: fix,
                        position: site_pos,
                        fault_code,
                        cause_code,
                        resolution_code,
                    },
                ));
            }
        }
        if matches!(story, Story::Remote | Story::OnSite { .. }) {
            steps.push((
                rng.random_range(300..1500),
                complaints.clone(),
                Action::Confirm {
                    note: Some("回访：客户确认已修复".into()),
                },
            ));
            steps.push((rng.random_range(60..600), dispatcher.clone(), Action::Close));
        }
        let mut at = created;
        let mut version = wo.version;
        for (gap, actor, action) in steps {
            at += TimeDelta::minutes(gap);
            if at > now {
                break;
            }
            let step = Step::now(&actor, &action, at).at_version(version);
            version = work_orders::act(store, &policy, wo.id, &step)?.version;
        }
        answer_demo_survey(store, &mut voices, wo.id, now)?;
    }
    demo_complaints(store, &complaints, now)?;
    Ok(logins)
}

/// About half the customers of a finished job answer the survey a few hours later, mostly
/// satisfied, so the dashboard's customer figures have something to show. Answers that would
/// set off a follow-up are not drawn: those come from the demo's own complaints.
fn answer_demo_survey(
    store: &dyn Store,
    rng: &mut ChaCha8Rng,
    id: fixline_core::ids::WorkOrderId,
    now: Timestamp,
) -> Result<()> {
    use fixline_core::survey::{Survey, SurveyAnswer, SurveySource};
    let answers = rng.random_bool(0.5);
    let answer = SurveyAnswer {
        csat: *pick(rng, &[5, 5, 5, 4, 4, 3]),
        nps: *pick(rng, &[10, 10, 9, 9, 8, 7, 7]),
        effort: *pick(rng, &[7, 6, 6, 5, 4]),
        fixed: true,
        comment: None,
    };
    let Some(done) = store.work_order(id)?.resolution.map(|r| r.at) else {
        return Ok(());
    };
    let at = done + TimeDelta::hours(3);
    if !answers || at > now {
        return Ok(());
    }
    store.answer_survey(id, &mut |_| {
        Ok(Survey::first(
            id,
            answer.clone(),
            SurveySource::CustomerPage,
            at,
        )?)
    })?;
    Ok(())
}

/// Three complaints for the handler's inbox: one just in and past its first deadline, one
/// under investigation, one resolved and waiting for the customer's answer.
fn demo_complaints(store: &dyn Store, handler: &Actor, now: Timestamp) -> Result<()> {
    use fixline_core::complaint::{
        ComplaintAction, ComplaintActor, ComplaintChannel, ComplaintRequest, RootCause, Severity,
    };
    let config = crate::config::Config::default();
    let jobs =
        store.list_work_orders(&WorkOrderFilter::default(), Paging::new(Some(1), Some(3)))?;
    let stories = [
        (
            Severity::High,
            ComplaintChannel::Phone,
            "repeat fault",
            "同一台冷柜一个月内第三次报修，还是不制冷",
            30,
        ),
        (
            Severity::Medium,
            ComplaintChannel::Wechat,
            "billing",
            "上门费比电话里说的高",
            26,
        ),
        (
            Severity::Low,
            ComplaintChannel::Survey,
            "punctuality",
            "工程师比约定时间晚到一个多小时",
            50,
        ),
    ];
    let staff = ComplaintActor::Staff(handler.clone());
    for (n, (job, (severity, channel, category, summary, hours_ago))) in
        jobs.items.iter().zip(stories).enumerate()
    {
        let at = now - TimeDelta::hours(hours_ago);
        let customer_id = store.work_order(job.id)?.customer_id;
        let request = ComplaintRequest {
            customer_id,
            work_orders: vec![job.id],
            channel,
            category: category.to_owned(),
            severity,
            summary: summary.to_owned(),
        };
        let c = crate::ops::complaints::file(store, &config, request, at)?;
        let mut steps = Vec::new();
        if n >= 1 {
            steps.push(ComplaintAction::Acknowledge {
                note: Some("已致电客户致歉，正在核实".into()),
            });
            steps.push(ComplaintAction::Investigate);
        }
        if n == 2 {
            steps.push(ComplaintAction::Resolve {
                root_cause: RootCause::Logistics,
                resolution: "致歉并减免上门费".into(),
                corrective_action: Some("派工时预留跨区路程时间".into()),
            });
        }
        for (k, action) in steps.iter().enumerate() {
            let when = at + TimeDelta::minutes(40 * (k as i64 + 1));
            crate::ops::complaints::act(store, &config, c.id, None, &staff, action, when)?;
        }
    }
    Ok(())
}

enum Story {
    Cancelled,
    Declined,
    Remote,
    OnSite { parts: bool },
}

impl Story {
    fn pick(rng: &mut ChaCha8Rng, n: usize) -> Story {
        match n % 20 {
            0 => Story::Cancelled,
            1 => Story::Declined,
            2 | 3 => Story::Remote,
            _ => Story::OnSite {
                parts: rng.random_range(0..5) == 0,
            },
        }
    }
}

/// Deterministic v4-shaped ids, so the same seed gives the same records.
struct IdMaker(ChaCha8Rng);

impl IdMaker {
    fn next(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.0.random()).into_uuid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;
    use crate::store::prelude::*;
    use fixline_core::work_order::Status;

    /// Names the demo's images without keeping them (these tests read no image).
    fn name_only(bytes: &[u8]) -> crate::error::Result<String> {
        Ok(fixline_core::receipt::sha256_hex(bytes))
    }

    fn loaded() -> SqliteStore {
        let store = SqliteStore::open_in_memory().unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T03:00:00Z")
            .unwrap()
            .to_utc();
        load(
            &store,
            &name_only,
            DemoSize {
                customers: 60,
                engineers: 10,
                work_orders: 120,
            },
            now,
            ServiceZone::SHANGHAI,
        )
        .unwrap();
        store
    }

    #[test]
    fn demo_data_is_deterministic_and_covers_the_lifecycle() {
        let (a, b) = (loaded(), loaded());
        let all = Paging::new(Some(1), Some(200));
        let names = |s: &SqliteStore| {
            s.list_customers(None, crate::store::Visibility::All, all)
                .unwrap()
                .items
                .into_iter()
                .map(|c| c.details.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        assert!(names(&a).iter().any(|n| n.starts_with("杭州")));
        let orders = a
            .list_work_orders(&WorkOrderFilter::default(), all)
            .unwrap();
        assert_eq!(orders.total, 120);
        for status in [
            Status::New,
            Status::Triaged,
            Status::OnSite,
            Status::Completed,
            Status::Closed,
            Status::Cancelled,
        ] {
            assert!(
                orders.items.iter().any(|o| o.status == status),
                "no demo order is {status}"
            );
        }
        // Every demo order's history replays to its current version.
        for o in orders.items.iter().take(30) {
            let wo = a.work_order(o.id).unwrap();
            assert_eq!(a.history(o.id).unwrap().len() as u64, wo.version);
        }
        // Loading again does nothing.
        let again = load(
            &a,
            &name_only,
            DemoSize::default(),
            chrono::Utc::now(),
            ServiceZone::SHANGHAI,
        )
        .unwrap();
        assert_eq!(
            a.list_work_orders(&WorkOrderFilter::default(), all)
                .unwrap()
                .total,
            120
        );
        assert!(again.iter().any(|l| l.username == "dispatcher"));
        // The complaint handler's inbox has work at each stage.
        let complaints = a.complaints(true, 100).unwrap();
        let statuses: Vec<&str> = complaints.iter().map(|c| c.status.as_str()).collect();
        assert_eq!(complaints.len(), 3, "{statuses:?}");
        for status in ["received", "investigating", "resolved"] {
            assert!(statuses.contains(&status), "{statuses:?}");
        }
    }
}
