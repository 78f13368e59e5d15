//! Which screen is showing, and its address: every screen (a job, a customer, the work-order
//! list with a job open) has a URL fragment, so Back, a reload and a shared link land where they
//! should, in the browser and in the app's webview alike. A fragment keeps the server's one
//! `/app/` page serving every address, and works offline in the app.

use chrono::NaiveDate;
use fixline_core::ids::{ArticleId, ComplaintId, CustomerId, WorkOrderId};

/// Which screen is showing.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    SignIn,
    Jobs,
    /// The dispatch console on a day (the desk's "jobs" screen, on a day other than today).
    Board(NaiveDate),
    Job(WorkOrderId),
    /// The knowledge base's search, or one model's articles.
    Guides(Option<String>),
    /// One article; opened from a job, with that job (to say whether it helped).
    Article(ArticleId, Option<WorkOrderId>),
    /// The desk's knowledge-base authoring, with one article open (or a new one).
    Articles(Option<ArticleId>),
    Receipts,
    Printer,
    /// The desk's list of every work order, with one open in the panel.
    Orders(Option<WorkOrderId>),
    /// A new request taken on the phone.
    Call,
    /// The customer file, with one customer open.
    Customers(Option<CustomerId>),
    /// Where jobs are assigned automatically.
    Settings,
    /// Logins and the security log (administrators).
    Users,
    /// The complaint inbox, with one complaint open.
    Complaints(Option<ComplaintId>),
    /// Finished jobs due a return call (回访).
    ReturnVisits,
    /// The weekly QA sample and scorecards (质量控制).
    Quality,
    /// What customers were told, and the dead letters to resend.
    Notifications,
    /// The service manager's KPIs (服务看板).
    Dashboard,
    /// An engineer's own figures.
    Scorecard,
}

impl Screen {
    /// The desk's own screens, which an engineer is not shown.
    pub fn is_desk_only(&self) -> bool {
        matches!(
            self,
            Screen::Board(_)
                | Screen::Orders(_)
                | Screen::Call
                | Screen::Customers(_)
                | Screen::Users
                | Screen::ReturnVisits
                | Screen::Quality
                | Screen::Notifications
                | Screen::Dashboard
                | Screen::Articles(_)
        )
    }

    /// The fragment for this screen; none for sign-in (the address keeps where to go after).
    pub fn fragment(&self) -> Option<String> {
        let path = match self {
            Screen::SignIn => return None,
            Screen::Jobs => "jobs".to_owned(),
            Screen::Board(day) => format!("board/{day}"),
            Screen::Job(id) => format!("jobs/{id}"),
            Screen::Guides(None) => "guides".to_owned(),
            Screen::Guides(Some(model)) => format!(
                "guides/{}",
                percent_encoding::utf8_percent_encode(model, percent_encoding::NON_ALPHANUMERIC)
            ),
            Screen::Article(id, None) => format!("article/{id}"),
            Screen::Article(id, Some(job)) => format!("article/{id}/{job}"),
            Screen::Articles(None) => "articles".to_owned(),
            Screen::Articles(Some(id)) => format!("articles/{id}"),
            Screen::Receipts => "receipts".to_owned(),
            Screen::Printer => "printer".to_owned(),
            Screen::Orders(None) => "orders".to_owned(),
            Screen::Orders(Some(id)) => format!("orders/{id}"),
            Screen::Call => "call".to_owned(),
            Screen::Customers(None) => "customers".to_owned(),
            Screen::Customers(Some(id)) => format!("customers/{id}"),
            Screen::Settings => "settings".to_owned(),
            Screen::Users => "users".to_owned(),
            Screen::Complaints(None) => "complaints".to_owned(),
            Screen::Complaints(Some(id)) => format!("complaints/{id}"),
            Screen::ReturnVisits => "return-visits".to_owned(),
            Screen::Quality => "quality".to_owned(),
            Screen::Notifications => "notifications".to_owned(),
            Screen::Dashboard => "dashboard".to_owned(),
            Screen::Scorecard => "scorecard".to_owned(),
        };
        Some(format!("#/{path}"))
    }

    /// The screen a fragment names; `None` for one that names none (or a bad id).
    pub fn from_fragment(fragment: &str) -> Option<Screen> {
        let path = fragment.trim_start_matches('#').trim_start_matches('/');
        let (head, rest) = path.split_once('/').unwrap_or((path, ""));
        let rest = (!rest.is_empty()).then_some(rest);
        Some(match (head, rest) {
            ("jobs", None) => Screen::Jobs,
            ("jobs", Some(id)) => Screen::Job(id.parse().ok()?),
            ("board", Some(day)) => Screen::Board(day.parse().ok()?),
            ("guides", model) => Screen::Guides(model.map(|m| {
                percent_encoding::percent_decode_str(m)
                    .decode_utf8_lossy()
                    .into_owned()
            })),
            ("article", Some(rest)) => {
                let (id, job) = rest
                    .split_once('/')
                    .map_or((rest, None), |(a, j)| (a, Some(j)));
                Screen::Article(id.parse().ok()?, job.map(str::parse).transpose().ok()?)
            }
            ("articles", id) => Screen::Articles(id.map(str::parse).transpose().ok()?),
            ("receipts", None) => Screen::Receipts,
            ("printer", None) => Screen::Printer,
            ("orders", id) => Screen::Orders(id.map(str::parse).transpose().ok()?),
            ("call", None) => Screen::Call,
            ("customers", id) => Screen::Customers(id.map(str::parse).transpose().ok()?),
            ("settings", None) => Screen::Settings,
            ("users", None) => Screen::Users,
            ("complaints", id) => Screen::Complaints(id.map(str::parse).transpose().ok()?),
            ("return-visits", None) => Screen::ReturnVisits,
            ("quality", None) => Screen::Quality,
            ("notifications", None) => Screen::Notifications,
            ("dashboard", None) => Screen::Dashboard,
            ("scorecard", None) => Screen::Scorecard,
            _ => return None,
        })
    }
}

/// The screen the address names now, if any.
pub fn current() -> Option<Screen> {
    let hash = web_sys::window()?.location().hash().ok()?;
    Screen::from_fragment(&hash)
}

/// Puts `screen`'s address in the history: a new entry (Back returns here) or, for a change
/// within a screen (a job opened in the panel), in place of the current one.
pub fn record(screen: &Screen, new_entry: bool) {
    let (Some(fragment), Some(window)) = (screen.fragment(), web_sys::window()) else {
        return;
    };
    if window.location().hash().ok().as_deref() == Some(fragment.as_str()) {
        return;
    }
    if let Ok(history) = window.history() {
        let _ = if new_entry {
            history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&fragment))
        } else {
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&fragment))
        };
    }
}

/// Takes the screen out of the address (signing out: the next person starts afresh).
pub fn forget() {
    if let Some(window) = web_sys::window()
        && let Ok(history) = window.history()
    {
        let location = window.location();
        let path = format!(
            "{}{}",
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default()
        );
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_screen_has_an_address_that_names_it_again() {
        let job: WorkOrderId = "0190a0b0-0000-7000-8000-000000000001".parse().unwrap();
        let customer: CustomerId = "0190a0b0-0000-7000-8000-000000000002".parse().unwrap();
        let article: ArticleId = "0190a0b0-0000-7000-8000-000000000003".parse().unwrap();
        for screen in [
            Screen::Jobs,
            Screen::Job(job),
            Screen::Board(NaiveDate::from_ymd_opt(2026, 12, 9).unwrap()),
            Screen::Guides(None),
            Screen::Guides(Some("FX-SC650 立式/冷藏柜".into())),
            Screen::Article(article, None),
            Screen::Article(article, Some(job)),
            Screen::Articles(None),
            Screen::Articles(Some(article)),
            Screen::Receipts,
            Screen::Printer,
            Screen::Orders(None),
            Screen::Orders(Some(job)),
            Screen::Call,
            Screen::Customers(None),
            Screen::Customers(Some(customer)),
            Screen::Settings,
            Screen::Users,
            Screen::ReturnVisits,
            Screen::Quality,
            Screen::Notifications,
            Screen::Dashboard,
            Screen::Scorecard,
            Screen::Complaints(None),
            Screen::Complaints(Some(
                "0190a0b0-0000-7000-8000-000000000003".parse().unwrap(),
            )),
        ] {
            let fragment = screen.fragment().unwrap();
            assert!(!fragment.contains(' '), "{fragment}");
            assert_eq!(Screen::from_fragment(&fragment), Some(screen));
        }
        assert_eq!(Screen::SignIn.fragment(), None);
        assert_eq!(Screen::from_fragment(""), None);
        assert_eq!(Screen::from_fragment("#/jobs/not-an-id"), None);
        assert_eq!(Screen::from_fragment("#/nowhere"), None);
        assert_eq!(Screen::from_fragment("#/board/2026-13-01"), None);
    }
}
