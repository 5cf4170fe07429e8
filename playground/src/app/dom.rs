//! Small browser helpers: time, yielding to the event loop, files,
//! downloads and the clipboard. None of them makes a network request.

use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url, Window};

/// The page's window. The app only runs in a window, never in a worker.
pub fn window() -> Window {
    web_sys::window().expect("the playground runs in a browser window")
}

/// Milliseconds since the page started, sub-millisecond where allowed.
pub fn now_ms() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or_else(js_sys::Date::now)
}

/// Lets the browser handle input and paint before the next slice of work.
///
/// Uses `scheduler.yield()` where the browser has it (it resumes ahead of
/// other queued tasks), and a zero-delay timeout elsewhere.
pub async fn yield_now() {
    let win = window();
    if let Ok(scheduler) = Reflect::get(&win, &JsValue::from_str("scheduler")) {
        if let Ok(f) = Reflect::get(&scheduler, &JsValue::from_str("yield")) {
            if let Some(f) = f.dyn_ref::<Function>() {
                if let Ok(p) = f.call0(&scheduler) {
                    if let Ok(p) = p.dyn_into::<Promise>() {
                        let _ = JsFuture::from(p).await;
                        return;
                    }
                }
            }
        }
    }
    let p = Promise::new(&mut |resolve, _| {
        let _ = win.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    let _ = JsFuture::from(p).await;
}

/// Reads a dropped or picked file into memory.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buf = JsFuture::from(file.array_buffer()).await.map_err(|e| format!("could not read {}: {}", file.name(), describe(&e)))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// Offers `bytes` as a download named `name`, from memory (a `blob:` URL).
pub fn download(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let array = Array::of1(&Uint8Array::from(bytes).into());
    let props = BlobPropertyBag::new();
    props.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&array, &props).map_err(|e| describe(&e))?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|e| describe(&e))?;
    let doc = window().document().ok_or("no document")?;
    let a: HtmlAnchorElement = doc.create_element("a").map_err(|e| describe(&e))?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // The click has started the download; the URL is no longer needed, but
    // revoking it in the same task can cancel the download in some browsers.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    Ok(())
}

/// Copies text to the clipboard.
pub async fn copy_text(text: &str) -> Result<(), String> {
    let clipboard = window().navigator().clipboard();
    JsFuture::from(clipboard.write_text(text)).await.map(|_| ()).map_err(|e| describe(&e))
}

/// A JavaScript error or value as text.
pub fn describe(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}
