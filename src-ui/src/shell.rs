//! What every screen shares: the [`Shell`] (screen shown, sync status, the revision that makes
//! screens reload, the message line) and the helpers screens load and follow changes with.

use std::future::Future;

use fixline_core::device::SyncStatus;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{UiError, backend, sleep};
use crate::i18n::{Lang, Text, lang};
use crate::routes::Screen;

/// While the calling view lives, every change the server reports counts as a change here (the
/// desk's screens follow the engineers' steps without a reload).
pub fn follow_live() {
    let shell = shell();
    follow_live_with(move |_| shell.changed());
}

/// While the calling view lives, `changed` sees each change the server reports (`None`: one the
/// UI could not read).
pub fn follow_live_with(changed: impl Fn(Option<fixline_api::live::Change>) + 'static) {
    if let Some(stop) = backend().follow_live(Box::new(changed)) {
        let stop = StoredValue::new_local(Some(stop));
        on_cleanup(move || {
            if let Some(stop) = stop.try_update_value(Option::take).flatten() {
                stop();
            }
        });
    }
}

/// State every screen shares.
#[derive(Debug, Clone, Copy)]
pub struct Shell {
    pub screen: RwSignal<Screen>,
    pub status: RwSignal<Option<SyncStatus>>,
    /// Bumped after anything changed, so screens reload.
    pub revision: RwSignal<u32>,
    /// The last message for the user: (is an error, text).
    pub message: RwSignal<Option<(bool, String)>>,
    /// A sync started from this UI is running.
    pub syncing: RwSignal<bool>,
}

impl Shell {
    /// Shows `screen`; showing the screen already up keeps it (and what was typed into it).
    pub fn go(&self, screen: Screen) {
        crate::routes::record(&screen, true);
        if self.screen.with_untracked(|now| *now != screen) {
            self.screen.set(screen);
        }
    }

    /// Where a signed-in user lands: the screen the address names (a reload, a shared link),
    /// if the role has it, else the job list (the console for the desk).
    pub fn landing(&self, desk: bool) -> Screen {
        crate::routes::current()
            .filter(|s| desk || !s.is_desk_only())
            .unwrap_or(Screen::Jobs)
    }

    pub fn changed(&self) {
        self.revision.update(|r| *r += 1);
        self.reload_status();
    }

    pub fn fail(&self, e: &UiError) {
        let signing_in = self.screen.get_untracked() == Screen::SignIn;
        // The server says `unauthenticated` (401); the device store says `not_signed_in`.
        if matches!(
            e.code.as_str(),
            "unauthenticated" | "unauthorized" | "not_signed_in"
        ) {
            self.go(Screen::SignIn);
        }
        let text = match e.code.as_str() {
            "unauthenticated" if signing_in => Text::WrongPassword
                .in_lang(lang().get_untracked())
                .to_owned(),
            _ => said(e),
        };
        self.message.set(Some((true, text)));
    }

    /// Syncs now (the app only), showing progress on the status line while it runs.
    pub fn sync(&self) {
        if !backend().offline_capable() || self.syncing.get_untracked() {
            return;
        }
        let shell = *self;
        shell.syncing.set(true);
        spawn_local(async move {
            while shell.syncing.get_untracked() {
                shell.reload_status();
                sleep(400).await;
            }
        });
        spawn_local(async move {
            match backend().sync_now().await {
                Ok(report) if !report.skipped.is_empty() => shell.tell(format!(
                    "{} record(s) from a newer server were skipped; update the app",
                    report.skipped.len()
                )),
                Ok(_) => {}
                Err(e) => shell.fail(&e),
            }
            // A first sync brings the zone of the engineer's region.
            crate::clock::load().await;
            shell.syncing.set(false);
            shell.changed();
        });
    }

    pub fn tell(&self, text: impl Into<String>) {
        self.message.set(Some((false, text.into())));
    }

    pub fn reload_status(&self) {
        let status = self.status;
        let screen = self.screen;
        let shell = *self;
        spawn_local(async move {
            match backend().status().await {
                Ok(s) => {
                    match (&s.signed_in, screen.get_untracked()) {
                        (None, _) => shell.go(Screen::SignIn),
                        (Some(u), Screen::SignIn) => {
                            // The day and times shown are the service area's: know them first.
                            crate::clock::load().await;
                            shell.go(shell.landing(u.role.is_desk()))
                        }
                        _ => {}
                    }
                    status.set(Some(s));
                }
                Err(e) => shell.fail(&e),
            }
        });
    }
}

pub fn shell() -> Shell {
    expect_context::<Shell>()
}

/// An error as the user reads it, in their language: the UI's words for its code, never the
/// server's English in a Chinese UI. In English the server's own message is kept where it says
/// more than ours (which field, which rule); a code without words gets a general sentence.
pub fn said(e: &UiError) -> String {
    let known = match e.code.as_str() {
        // Only the app keeps work on the device; the browser has nothing queued.
        "offline" if backend().offline_capable() => Some(Text::ServerUnreachable),
        "offline" => Some(Text::ServerUnreachableOnline),
        "too_many_attempts" => Some(Text::SignInLocked),
        "busy" => Some(Text::ServerBusy),
        "stale_version" => Some(Text::ChangedMeanwhile),
        "no_geocoder" => Some(Text::NoGeocoder),
        "address_not_found" => Some(Text::AddressNotFound),
        "geocoder_unavailable" => Some(Text::GeocoderUnavailable),
        _ => None,
    };
    let lang = lang().get_untracked();
    if let Some(t) = known {
        return t.in_lang(lang).to_owned();
    }
    // English prose has words of three letters or more; numbers and serials (WO-000001,
    // FX-SC650) in a Chinese sentence do not.
    let english = e
        .message
        .split(|c: char| !c.is_ascii_alphabetic())
        .any(|word| word.len() >= 3);
    let chinese = !english && e.message.chars().any(is_cjk);
    // A printer's or Bluetooth stack's answer names what the engineer can fix (the adapter is
    // off, the printer out of paper) in the system's words: said after our own.
    if e.code == "printer" && lang == Lang::Zh && !chinese {
        return format!("打印机或蓝牙出错：{}", e.message);
    }
    match (lang, crate::i18n::refusal(&e.code)) {
        // A message already in the user's language (the UI's or the device's own words).
        (Lang::Zh, _) if chinese => e.message.clone(),
        (Lang::En, _) if english && e.code != "internal" => e.message.clone(),
        (Lang::Zh, Some((zh, _))) => zh.to_owned(),
        (Lang::En, Some((_, en))) => en.to_owned(),
        (Lang::Zh, None) => format!("操作没有完成（{}）。", e.code),
        (Lang::En, None) => format!("That did not go through ({}).", e.code),
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

/// Loads with `load` now and again after every change (the shell's revision), keeping what is
/// shown when the answer is the same: a live change elsewhere does not redraw the screen, nor
/// lose what is being typed into it.
pub fn reloading<T, F>(load: impl Fn() -> F + 'static) -> RwSignal<Option<Result<T, UiError>>>
where
    T: PartialEq + Send + Sync + 'static,
    F: Future<Output = Result<T, UiError>> + 'static,
{
    let shell = shell();
    let shown = RwSignal::new(None::<Result<T, UiError>>);
    Effect::new(move |_| {
        shell.revision.track();
        let answer = load();
        spawn_local(async move {
            let answer = answer.await;
            // The server out of reach: what is on screen stays (the last answer beats none),
            // and the message line says so; the next reload tries again.
            if let Err(e) = &answer
                && e.code == "offline"
                && shown.try_with_untracked(|now| matches!(now, Some(Ok(_)))) == Some(true)
            {
                shell.fail(e);
                return;
            }
            // The screen may have gone while the answer was on its way.
            if shown.try_with_untracked(|now| now.as_ref() != Some(&answer)) == Some(true) {
                shown.try_set(Some(answer));
            }
        });
    });
    shown
}
