//! The engineer's position while a job of theirs is on the way, and only then (the customer's
//! page shows it; battery and privacy want nothing more): the location service is watched from
//! the moment a job is on the way until none is, and each fix goes to the backend, which keeps
//! only those worth reporting.

use fixline_core::work_order::Status;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::backend;
use crate::geo::Watch;
use crate::shell::shell;

/// Called once by the app frame: follows the signed-in engineer's jobs after every change.
pub fn report_while_on_the_way() {
    let shell = shell();
    let engineer = Memo::new(move |_| {
        shell.status.with(|s| {
            s.as_ref()
                .and_then(|s| s.signed_in.as_ref())
                .is_some_and(|u| u.engineer_id.is_some())
        })
    });
    let watch = StoredValue::new_local(None::<Watch>);
    Effect::new(move |_| {
        shell.revision.track();
        if !engineer.get() {
            watch.set_value(None);
            return;
        }
        spawn_local(async move {
            // Unreadable jobs (signed out meanwhile, the server out of reach) change nothing.
            let Ok(jobs) = backend().jobs().await else {
                return;
            };
            let on_the_way = jobs
                .iter()
                .any(|j| j.work_order.status == Status::EnRoute && j.removed_reason.is_none());
            match (on_the_way, watch.with_value(Option::is_some)) {
                (true, false) => watch.set_value(crate::geo::watch(|fix| {
                    spawn_local(async move {
                        // A fix not sent is not worth a message: the next one follows.
                        let _ = backend().report_position(fix).await;
                    })
                })),
                (false, true) => watch.set_value(None),
                _ => {}
            }
        });
    });
}
