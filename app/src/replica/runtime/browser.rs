//! What the runtime asks the browser: whether it is online and the page visible, and the
//! origin-wide Web Lock that keeps one sync at a time across tabs.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["navigator", "locks"], js_name = request, catch)]
    pub(super) fn request_lock(
        name: &str,
        callback: &js_sys::Function,
    ) -> Result<js_sys::Promise, JsValue>;
}

/// Whether the browser says it is online (no window: assumed so).
pub(in crate::replica) fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

pub(super) fn visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| !d.hidden())
}

pub(super) fn has_web_locks() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"locks".into()).ok())
        .is_some_and(|l| l.is_object())
}

/// Runs `work` holding the origin-wide lock `name`: a sync in another tab finishes first.
pub(super) async fn with_lock<T: 'static>(
    name: &str,
    work: impl Future<Output = T> + 'static,
) -> Option<T> {
    if !has_web_locks() {
        return Some(work.await);
    }
    let out = Rc::new(RefCell::new(None));
    let slot = out.clone();
    let callback = Closure::once_into_js(move |_lock: JsValue| {
        wasm_bindgen_futures::future_to_promise(async move {
            *slot.borrow_mut() = Some(work.await);
            Ok(JsValue::UNDEFINED)
        })
    });
    let promise = request_lock(name, callback.unchecked_ref()).ok()?;
    JsFuture::from(promise).await.ok()?;
    out.take()
}
