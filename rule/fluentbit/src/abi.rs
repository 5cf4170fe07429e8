//! The wasm exports: Fluent Bit's filter C ABI, the allocator WAMR uses for
//! the input copies, and a run-time configuration hook for other hosts.
//!
//! Fluent Bit (since 4.1) keeps one instance for the life of the pipeline,
//! copies the returned string, and never frees it; so the returned pointer
//! is either the input record itself, a static empty string, or the
//! filter's own output buffer, which is cleared and reused at the next call.

use std::cell::{Cell, UnsafeCell};

use crate::{Filter, Mode, Outcome};

/// The single filter instance and a flag that is set while a call runs.
///
/// A wasm trap (a bug reaching a panic, or a host passing a bad pointer)
/// aborts a call without unwinding, leaving the flag set. The next call
/// then sees it and starts from a fresh filter, deliberately leaking the old
/// one because its state may be half-updated. One bad record therefore costs
/// one trap, not every record after it.
struct Global {
    busy: Cell<bool>,
    filter: UnsafeCell<Option<Filter>>,
    /// The last `aiwatch_configure` error, NUL-terminated.
    message: UnsafeCell<Vec<u8>>,
}

// SAFETY: this module is compiled only for wasm targets without the
// `atomics` feature, where an instance has exactly one thread, and no export
// re-enters another (they call no host functions).
#[cfg(not(target_feature = "atomics"))]
unsafe impl Sync for Global {}

static GLOBAL: Global = Global { busy: Cell::new(false), filter: UnsafeCell::new(None), message: UnsafeCell::new(Vec::new()) };

/// What a dropped record gets: a pointer to a NUL byte (the empty string).
/// Not a null pointer: Fluent Bit warns about an invalid address for null.
static EMPTY: u8 = 0;

fn with_slot<R>(f: impl FnOnce(&mut Option<Filter>) -> R) -> R {
    // SAFETY: single-threaded (see `Sync` above) and not re-entered, so this
    // is the only reference to the slot while it lives.
    let slot = unsafe { &mut *GLOBAL.filter.get() };
    if GLOBAL.busy.replace(true) {
        std::mem::forget(slot.take());
    }
    let result = f(slot);
    GLOBAL.busy.set(false);
    result
}

fn with_filter<R>(f: impl FnOnce(&mut Filter) -> R) -> R {
    with_slot(|slot| f(slot.get_or_insert_with(Filter::baked)))
}

/// # Safety
/// `ptr` must be null or valid for `len` bytes.
unsafe fn bytes<'a>(ptr: *const u8, len: u32) -> &'a [u8] {
    if ptr.is_null() || len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(ptr, len as usize)
    }
}

unsafe fn run(mode: Mode, tag: *const u8, tag_len: u32, record: *const u8, record_len: u32) -> *const u8 {
    if record.is_null() {
        return &EMPTY;
    }
    let tag = bytes(tag, tag_len);
    let rec = bytes(record, record_len);
    with_filter(|filter| match filter.process(mode, tag, rec) {
        // Fluent Bit copies the input with its NUL terminator and copies the
        // result before freeing the input, so the input itself can be
        // returned. A host that passed no terminator gets a copy that has one.
        Outcome::Unchanged if *record.add(rec.len()) == 0 => record,
        Outcome::Unchanged => filter.copy_to_output(rec).as_ptr(),
        Outcome::Annotated => filter.output_with_nul().as_ptr(),
        Outcome::Dropped => &EMPTY,
    })
}

/// Fluent Bit filter: every record passes; records the rule reports gain
/// an `aiwatch` object.
///
/// # Safety
/// `tag` and `record` must be null or valid for their lengths, and
/// `record[record_len]` must be readable (Fluent Bit's NUL terminator).
#[no_mangle]
pub unsafe extern "C" fn aiwatch_annotate(tag: *const u8, tag_len: u32, _time_sec: u32, _time_nsec: u32, record: *const u8, record_len: u32) -> *const u8 {
    run(Mode::Annotate, tag, tag_len, record, record_len)
}

/// Fluent Bit filter: only records the rule reports pass, annotated; the
/// others are dropped (empty string).
///
/// # Safety
/// As for [`aiwatch_annotate`].
#[no_mangle]
pub unsafe extern "C" fn aiwatch_alerts(tag: *const u8, tag_len: u32, _time_sec: u32, _time_nsec: u32, record: *const u8, record_len: u32) -> *const u8 {
    run(Mode::Alerts, tag, tag_len, record, record_len)
}

/// Replaces the rule with one built from a TOML tuning file (UTF-8, `len`
/// bytes, empty for the defaults) and resets per-stream parser state.
/// Returns the empty string on success, or the error naming the offending
/// key, NUL-terminated, valid until the next call. On error the previous
/// rule stays in force. Fluent Bit never calls this; it is for other hosts
/// and for the test harness.
///
/// # Safety
/// `toml` must be null or valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn aiwatch_configure(toml: *const u8, len: u32) -> *const u8 {
    let result = match std::str::from_utf8(bytes(toml, len)) {
        Ok(text) => Filter::from_toml(text).map_err(|e| e.to_string()),
        Err(e) => Err(format!("config is not UTF-8: {e}")),
    };
    match result {
        Ok(filter) => {
            with_slot(|slot| *slot = Some(filter));
            &EMPTY
        }
        Err(message) => {
            let buf = &mut *GLOBAL.message.get();
            buf.clear();
            buf.extend(message.bytes().filter(|&b| b != 0));
            buf.push(0);
            buf.as_ptr()
        }
    }
}

/// `malloc` for WAMR's `wasm_runtime_module_malloc`, which Fluent Bit uses
/// to copy the tag and record in. Backed by Rust's allocator; a size header
/// lets `free` rebuild the layout. Returns null when out of memory.
#[cfg(not(target_os = "wasi"))]
#[no_mangle]
pub extern "C" fn malloc(size: usize) -> *mut u8 {
    let Some(total) = size.checked_add(HEADER) else { return std::ptr::null_mut() };
    let Ok(layout) = std::alloc::Layout::from_size_align(total, HEADER) else { return std::ptr::null_mut() };
    // SAFETY: `layout` has a non-zero size (at least the header).
    unsafe {
        let base = std::alloc::alloc(layout);
        if base.is_null() {
            return base;
        }
        base.cast::<usize>().write(total);
        base.add(HEADER)
    }
}

/// `free` for pointers returned by [`malloc`]; null is ignored.
///
/// # Safety
/// `ptr` must be null or come from [`malloc`] and not be freed yet.
#[cfg(not(target_os = "wasi"))]
#[no_mangle]
pub unsafe extern "C" fn free(ptr: *mut u8) {
    if ptr.is_null() {
        return;
    }
    let base = ptr.sub(HEADER);
    let total = base.cast::<usize>().read();
    std::alloc::dealloc(base, std::alloc::Layout::from_size_align_unchecked(total, HEADER));
}

/// Size of the allocation header; also the alignment of every block, which
/// is what C's malloc guarantees for the types wasm32 has.
#[cfg(not(target_os = "wasi"))]
const HEADER: usize = 8;
