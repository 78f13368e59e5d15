//! How times, durations, priorities and statuses are written on screen.

use chrono::{DateTime, TimeDelta, Utc};
use fixline_core::sla::{Milestone, MilestoneState, SlaClock};
use fixline_core::work_order::{Priority, Status};

use crate::i18n::{Lang, Text};

/// A time as people in the service area read it: local, in its zone.
pub fn time(t: DateTime<Utc>) -> String {
    crate::clock::zone().format(t, "%m-%d %H:%M")
}

/// A span of time in the user's words: "2天3小时", "1h 05m".
pub fn duration(d: TimeDelta, lang: Lang) -> String {
    let minutes = d.num_minutes().abs();
    let zh = lang == Lang::Zh;
    if minutes >= 60 * 24 {
        let (days, hours) = (minutes / (60 * 24), minutes / 60 % 24);
        if zh {
            format!("{days}天{hours}小时")
        } else {
            format!("{days}d {hours}h")
        }
    } else if minutes >= 60 {
        let (hours, rest) = (minutes / 60, minutes % 60);
        if zh {
            format!("{hours}小时{rest:02}分")
        } else {
            format!("{hours}h {rest:02}m")
        }
    } else {
        self::minutes(minutes as f64, lang)
    }
}

/// Minutes in the user's words: "25 分钟", "25 min".
pub fn minutes(m: f64, lang: Lang) -> String {
    if lang == Lang::Zh {
        format!("{m:.0} 分钟")
    } else {
        format!("{m:.0} min")
    }
}

/// The SLA line of a job: the next milestone not yet met, and the time left or overdue.
pub fn sla(clock: &SlaClock, now: DateTime<Utc>, lang: Lang) -> (String, &'static str) {
    for m in [Milestone::Respond, Milestone::Arrive, Milestone::Resolve] {
        match clock.state(m, now) {
            MilestoneState::Met { .. } => continue,
            state => {
                let due = clock.due(m, now);
                let label = milestone(m, lang);
                let breached = matches!(state, MilestoneState::Breached { .. }) || due < now;
                return if breached {
                    (
                        format!(
                            "{label} {} {}",
                            Text::Overdue.in_lang(lang),
                            duration(now - due, lang)
                        ),
                        "sla overdue",
                    )
                } else {
                    let class = if due - now < TimeDelta::hours(1) {
                        "sla soon"
                    } else {
                        "sla ok"
                    };
                    (
                        format!(
                            "{label} {} {}",
                            Text::DueIn.in_lang(lang),
                            duration(due - now, lang)
                        ),
                        class,
                    )
                };
            }
        }
    }
    (Text::Met.in_lang(lang).to_owned(), "sla met")
}

fn milestone(m: Milestone, lang: Lang) -> &'static str {
    match (m, lang) {
        (Milestone::Respond, Lang::Zh) => "响应",
        (Milestone::Arrive, Lang::Zh) => "到场",
        (Milestone::Resolve, Lang::Zh) => "修复",
        (Milestone::Respond, Lang::En) => "Respond",
        (Milestone::Arrive, Lang::En) => "Arrive",
        (Milestone::Resolve, Lang::En) => "Resolve",
    }
}

pub fn priority_class(p: Priority) -> &'static str {
    match p {
        Priority::P1 => "prio p1",
        Priority::P2 => "prio p2",
        Priority::P3 => "prio p3",
        Priority::P4 => "prio p4",
    }
}

pub fn status(s: Status, lang: Lang) -> &'static str {
    let (zh, en) = match s {
        Status::New => ("新建", "New"),
        Status::Triaged => ("已分级", "Triaged"),
        Status::Assigned => ("已派单", "Assigned"),
        Status::Accepted => ("已接单", "Accepted"),
        Status::EnRoute => ("在途", "On the way"),
        Status::OnSite => ("在现场", "On site"),
        Status::Paused => ("已暂停", "Paused"),
        Status::Completed => ("已完工", "Completed"),
        Status::Confirmed => ("已确认", "Confirmed"),
        Status::Closed => ("已关闭", "Closed"),
        Status::Cancelled => ("已取消", "Cancelled"),
    };
    if lang == Lang::Zh { zh } else { en }
}

pub fn resolution(r: fixline_core::work_order::ResolutionType, lang: Lang) -> &'static str {
    use fixline_core::work_order::ResolutionType;
    let text = match r {
        ResolutionType::RemoteGuidance => Text::RemoteGuidance,
        ResolutionType::OnSiteRepair => Text::OnSiteRepair,
        ResolutionType::Exchange => Text::Exchange,
        ResolutionType::Return => Text::Return,
    };
    text.in_lang(lang)
}

/// Why automatic assignment placed a job where it did, in words.
pub fn auto_assignment(why: &fixline_core::auto_assign::AutoAssignment, lang: Lang) -> String {
    let km = why
        .distance_km
        .map(|d| format!("{d:.1} km"))
        .unwrap_or_else(|| "?".to_owned());
    let level = |l: Option<u8>| l.map_or("—".to_owned(), |l| l.to_string());
    match (&why.engineer_name, lang) {
        (Some(name), Lang::Zh) => format!(
            "自动派单给 {name}：技能等级 {}（需 {}），在手工单 {}，距离 {km}{}；{} 名工程师中 {} 名符合条件",
            level(why.level),
            level(why.needed_level),
            why.open_jobs.unwrap_or(0),
            if why.same_region {
                "，同区域"
            } else {
                "，跨区域"
            },
            why.considered,
            why.qualified,
        ),
        (Some(name), Lang::En) => format!(
            "Auto-assigned to {name}: skill level {} (needs {}), {} open jobs, {km}{}; {} of {} engineers qualified",
            level(why.level),
            level(why.needed_level),
            why.open_jobs.unwrap_or(0),
            if why.same_region {
                ", same region"
            } else {
                ", another region"
            },
            why.qualified,
            why.considered,
        ),
        (None, Lang::Zh) => format!(
            "自动派单：{} 名工程师中没有符合条件且有空的，已放入抢单池",
            why.considered
        ),
        (None, Lang::En) => format!(
            "Auto-assign: none of {} engineers qualified and free; released to the pool",
            why.considered
        ),
    }
}

/// The product categories Fixline knows by name, as keys with their words (zh, en).
pub const CATEGORIES: &[(&str, &str, &str)] = &[
    ("refrigeration", "商用制冷", "Refrigeration"),
    ("air_conditioning", "空调", "Air conditioning"),
    ("water_purifier", "净水设备", "Water purifiers"),
    ("dishwasher", "洗碗机", "Dishwashers"),
    ("coffee_machine", "咖啡机", "Coffee machines"),
    ("laundry", "洗衣设备", "Laundry"),
    ("elevators", "电梯", "Lifts"),
    ("general", "综合", "General"),
];

/// A product category in words: the ones Fixline knows by name, others as their key.
pub fn category(key: &str, lang: Lang) -> String {
    match CATEGORIES.iter().find(|(k, _, _)| *k == key) {
        Some((_, zh, en)) => (if lang == Lang::Zh { zh } else { en }).to_string(),
        None => key.to_owned(),
    }
}

/// How a request reached the service desk, in words.
pub fn channel(c: fixline_core::work_order::IntakeChannel, lang: Lang) -> &'static str {
    use fixline_core::work_order::IntakeChannel::*;
    let (zh, en) = match c {
        Phone => ("电话", "Phone"),
        WebForm => ("网页报修", "Web form"),
        App => ("应用", "App"),
        Email => ("电子邮件", "E-mail"),
        Wechat => ("微信", "WeChat"),
        Api => ("接口", "API"),
    };
    if lang == Lang::Zh { zh } else { en }
}

/// An engineer as pickers name them: the name, and where two share it, the region, and where
/// they share that too, the phone's last four digits.
pub fn engineer_label(
    e: &fixline_core::engineer::Engineer,
    all: &[fixline_core::board::BoardEngineer],
) -> String {
    let d = &e.details;
    let namesakes: Vec<_> = all
        .iter()
        .map(|b| &b.engineer)
        .filter(|o| o.id != e.id && o.details.name == d.name)
        .collect();
    if namesakes.is_empty() {
        return d.name.clone();
    }
    if namesakes.iter().all(|o| o.details.region != d.region) {
        return format!("{} · {}", d.name, d.region);
    }
    let digits: String = d.phone.chars().filter(char::is_ascii_digit).collect();
    let tail = &digits[digits.len().saturating_sub(4)..];
    format!("{} · {} · …{tail}", d.name, d.region)
}

/// Whether a key press activates a control that is not a button (a job card, a board block, the
/// photo label): Enter or Space, as on a button. Space would scroll the page otherwise.
pub fn activates(ev: &web_sys::KeyboardEvent) -> bool {
    let hit = matches!(ev.key().as_str(), "Enter" | " ");
    if hit {
        ev.prevent_default();
    }
    hit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_time_are_written_in_the_users_language() {
        let d = |m| TimeDelta::minutes(m);
        assert_eq!(duration(d(25), Lang::Zh), "25 分钟");
        assert_eq!(duration(d(25), Lang::En), "25 min");
        assert_eq!(duration(d(65), Lang::Zh), "1小时05分");
        assert_eq!(duration(d(65), Lang::En), "1h 05m");
        assert_eq!(duration(d(-(60 * 27)), Lang::Zh), "1天3小时");
        assert_eq!(duration(d(60 * 27), Lang::En), "1d 3h");
        assert_eq!(minutes(12.4, Lang::Zh), "12 分钟");
    }
}
