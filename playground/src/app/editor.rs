//! The input area: the `log-input` textarea, a gutter showing each visible
//! line's number and detected format, a band marking the selected line,
//! and drag-and-drop of log files.
//!
//! The textarea is uncontrolled: its value is set by the parent through the
//! shared [`NodeRef`] only when the input is replaced (example, file, share
//! link), because re-setting a multi-megabyte value on every render would
//! stall typing. The gutter is virtual: only the lines in view are drawn,
//! so 100,000 lines cost what 40 do.

use wasm_bindgen::JsCast;
use web_sys::{DragEvent, HtmlTextAreaElement};
use yew::prelude::*;

use super::Shared;
use crate::session::Results;
use crate::text::{line_range, utf16_offset};

/// Height of one textarea line in CSS pixels; `style.css` uses the same.
pub const LINE_PX: f64 = 20.0;
/// Top padding of the textarea in CSS pixels; `style.css` uses the same.
const PAD_PX: f64 = 8.0;

/// Properties of [`Editor`].
#[derive(Properties, PartialEq)]
pub struct EditorProps {
    /// The textarea, shared with the parent.
    pub textarea: NodeRef,
    /// The last results, for the gutter.
    pub results: Option<Shared<Results>>,
    /// The line to mark and scroll to.
    pub selected: Option<u64>,
    /// Whether the textarea only shows part of a large file.
    pub readonly: bool,
    /// The textarea's `input` event.
    pub on_input: Callback<()>,
    /// The caret moved to this 1-based line.
    pub on_caret: Callback<u32>,
    /// A file was dropped.
    pub on_drop: Callback<web_sys::File>,
    /// Text too large to edit comfortably was pasted; it was kept out of
    /// the textarea (see [`super::MAX_EDITABLE_BYTES`]).
    pub on_large_paste: Callback<String>,
}

/// Messages of [`Editor`].
pub enum Msg {
    /// The textarea scrolled or resized.
    Scrolled,
    /// A file is dragged over the area (or left it).
    Drag(bool),
}

/// The input area component.
pub struct Editor {
    scroll_top: f64,
    scroll_left: f64,
    height: f64,
    dragging: bool,
    scrolled_to: Option<u64>,
}

impl Editor {
    fn textarea(ctx: &Context<Self>) -> Option<HtmlTextAreaElement> {
        ctx.props().textarea.cast::<HtmlTextAreaElement>()
    }

    fn measure(&mut self, ctx: &Context<Self>) {
        if let Some(t) = Self::textarea(ctx) {
            self.scroll_top = f64::from(t.scroll_top());
            self.scroll_left = f64::from(t.scroll_left());
            self.height = f64::from(t.client_height());
        }
    }

    /// Brings the selected line into view and selects its text, without
    /// taking focus from the table the user clicked in.
    fn reveal(&mut self, ctx: &Context<Self>) {
        let Some(line) = ctx.props().selected else { return };
        if self.scrolled_to == Some(line) {
            return;
        }
        self.scrolled_to = Some(line);
        let Some(t) = Self::textarea(ctx) else { return };
        let top = ((line - 1) as f64 * LINE_PX - f64::from(t.client_height()) / 3.0).max(0.0);
        t.set_scroll_top(top as i32);
        let value = t.value();
        if let Some((start, end)) = line_range(&value, line) {
            let _ = t.set_selection_range(utf16_offset(&value, start), utf16_offset(&value, end));
        }
        self.measure(ctx);
    }
}

impl Component for Editor {
    type Message = Msg;
    type Properties = EditorProps;

    fn create(_ctx: &Context<Self>) -> Self {
        Editor { scroll_top: 0.0, scroll_left: 0.0, height: 600.0, dragging: false, scrolled_to: None }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Scrolled => {
                let before = (self.scroll_top, self.height);
                self.measure(ctx);
                before != (self.scroll_top, self.height)
            }
            Msg::Drag(on) => std::mem::replace(&mut self.dragging, on) != on,
        }
    }

    fn changed(&mut self, ctx: &Context<Self>, old: &EditorProps) -> bool {
        if old.selected != ctx.props().selected {
            self.scrolled_to = None;
        }
        true
    }

    fn rendered(&mut self, ctx: &Context<Self>, first_render: bool) {
        if first_render {
            self.measure(ctx);
        }
        self.reveal(ctx);
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let props = ctx.props();
        let link = ctx.link();
        let on_input = {
            let cb = props.on_input.clone();
            let l = link.clone();
            Callback::from(move |_: InputEvent| {
                cb.emit(());
                l.send_message(Msg::Scrolled);
            })
        };
        let caret = {
            let cb = props.on_caret.clone();
            let textarea = props.textarea.clone();
            move || {
                if let Some(t) = textarea.cast::<HtmlTextAreaElement>() {
                    if let Ok(Some(pos)) = t.selection_start() {
                        cb.emit(pos);
                    }
                }
            }
        };
        let on_keyup = {
            let caret = caret.clone();
            Callback::from(move |_: KeyboardEvent| caret())
        };
        let on_click = Callback::from(move |_: MouseEvent| caret());
        let on_scroll = link.callback(|_: Event| Msg::Scrolled);
        let on_paste = {
            let cb = props.on_large_paste.clone();
            Callback::from(move |e: Event| {
                // A browser takes seconds to insert and lay out megabytes of
                // text in a textarea; such a paste goes straight to the scan.
                let Some(e) = e.dyn_ref::<web_sys::ClipboardEvent>() else { return };
                let text = e.clipboard_data().and_then(|d| d.get_data("text/plain").ok()).unwrap_or_default();
                if text.len() > super::MAX_EDITABLE_BYTES {
                    e.prevent_default();
                    cb.emit(text);
                }
            })
        };
        let on_dragover = link.batch_callback(|e: DragEvent| {
            // Only files are ours to take; dragged text drops into the
            // textarea the normal way (and fires `input`).
            let files = e.data_transfer().map(|d| d.types().includes(&"Files".into(), 0)).unwrap_or(false);
            if files {
                e.prevent_default();
                Some(Msg::Drag(true))
            } else {
                None
            }
        });
        let on_dragleave = link.callback(|_: DragEvent| Msg::Drag(false));
        let on_drop = {
            let cb = props.on_drop.clone();
            link.batch_callback(move |e: DragEvent| {
                let file = e.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0));
                if let Some(file) = file {
                    e.prevent_default();
                    cb.emit(file);
                }
                Some(Msg::Drag(false))
            })
        };

        // The gutter draws only the lines in view.
        let total = props.results.as_ref().map_or(0, |r| r.marks.len());
        let first = (self.scroll_top / LINE_PX).floor().max(0.0) as usize;
        let count = (self.height / LINE_PX).ceil() as usize + 2;
        let rows = (first..(first + count).min(total)).map(|i| {
            let line = i as u64 + 1;
            let top = PAD_PX + i as f64 * LINE_PX - self.scroll_top;
            let mark = props.results.as_ref().and_then(|r| r.marks.get(i).copied());
            let (label, class) = mark.map_or(("", "none"), |m| (m.label(), m.class()));
            let selected = props.selected == Some(line);
            html! {
                <div class={classes!("gutter-row", class, selected.then_some("selected"))} style={format!("top:{top}px")}>
                    <span class="ln">{ line }</span>
                    <span class="fmt">{ label }</span>
                </div>
            }
        });
        let band = props.selected.map(|line| {
            let top = PAD_PX + (line - 1) as f64 * LINE_PX - self.scroll_top;
            html! { <div class="line-band" style={format!("top:{top}px")} aria-hidden="true"></div> }
        });

        html! {
            <div class={classes!("editor", self.dragging.then_some("dragging"))}
                 ondragover={on_dragover} ondragleave={on_dragleave} ondrop={on_drop}>
                <div class="gutter" aria-hidden="true">{ for rows }</div>
                <div class="input-wrap">
                    { for band }
                    <textarea id="log-input" ref={props.textarea.clone()}
                        aria-label="Proxy log lines to scan"
                        aria-describedby="input-help"
                        placeholder="Paste proxy log lines here, drop a log file, or pick an example above. Squid, Blue Coat ProxySG, Cisco WSA, Zscaler NSS, Sumo Logic and ECS JSON are detected line by line."
                        spellcheck="false" autocomplete="off" wrap="off"
                        readonly={props.readonly}
                        oninput={on_input} onpaste={on_paste} onscroll={on_scroll} onkeyup={on_keyup} onclick={on_click} />
                </div>
                if self.dragging {
                    <div class="drop-hint" aria-hidden="true">{ "Drop the log file to scan it here, in your browser" }</div>
                }
            </div>
        }
    }
}
