//! What an engineer is typing on a job, kept per work order outside the views. The job screen
//! is drawn again when the job changes (a sync, an action) or when the engineer looks at
//! another screen and comes back; that must not lose a signature, a part line or a summary
//! half typed. Kept in memory: not across an app restart.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;

use fixline_core::ids::WorkOrderId;
use leptos::prelude::*;

type Key = (WorkOrderId, &'static str);

thread_local! {
    static DRAFTS: RefCell<HashMap<Key, Box<dyn Any>>> = RefCell::new(HashMap::new());
}

/// The draft of `what` on `job`, if one is kept.
pub fn restore<T: Clone + 'static>(job: WorkOrderId, what: &'static str) -> Option<T> {
    DRAFTS.with(|d| d.borrow().get(&(job, what))?.downcast_ref::<T>().cloned())
}

/// Keeps `value` as the draft of `what` on `job`.
pub fn keep<T: 'static>(job: WorkOrderId, what: &'static str, value: T) {
    DRAFTS.with(|d| d.borrow_mut().insert((job, what), Box::new(value)));
}

/// Forgets drafts that were saved.
pub fn forget(job: WorkOrderId, whats: &[&'static str]) {
    DRAFTS.with(|d| {
        let mut d = d.borrow_mut();
        for what in whats {
            d.remove(&(job, *what));
        }
    });
}

/// A signal that starts from the kept draft (else `initial`) and keeps every change.
pub fn kept<T>(job: WorkOrderId, what: &'static str, initial: impl FnOnce() -> T) -> RwSignal<T>
where
    T: Clone + Send + Sync + 'static,
{
    let signal = RwSignal::new(restore(job, what).unwrap_or_else(initial));
    Effect::new(move |_| keep(job, what, signal.get()));
    signal
}
