//! The `extern "C"` functions [`export_plugin!`](crate::export_plugin) puts
//! behind the entry symbol. Each one is generic over the plugin type, runs its
//! whole body inside `catch_unwind` (a panic must never cross `extern "C"`:
//! that aborts the process) and turns a panic into [`MQA_STATUS_PANIC`] plus
//! a message. Plugin authors do not call anything here directly.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Once, OnceLock};

use crate::abi::{
    MqaBatch, MqaFieldDesc, MqaPluginDescriptor, MqaRequest, MqaStr, MQA_ABI_MAJOR, MQA_ABI_MINOR,
    MQA_STATUS_ERROR, MQA_STATUS_INVALID_ARGUMENT, MQA_STATUS_OK, MQA_STATUS_PANIC,
};
use crate::batch::free_ffi;
use crate::types::Request;
use crate::SignalPlugin;

type Failure = (i32, String);

thread_local! {
    /// How many SDK-guarded calls are running on this thread.
    static GUARDED: Cell<u32> = const { Cell::new(0) };
    /// Where the last guarded panic happened (` (at file:line:col)`).
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs, once, a panic hook that stays quiet for panics inside guarded
/// calls (they come back to the host as errors, with their location) and
/// defers to the previous hook for every other panic, or when
/// `RUST_BACKTRACE` is set. Hooks belong to the plugin's own copy of `std`,
/// so the host's hook is not affected.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let guarded = GUARDED.try_with(|g| g.get() > 0).unwrap_or(false);
            if !guarded {
                return previous(info);
            }
            let at = info
                .location()
                .map(|l| format!(" (at {}:{}:{})", l.file(), l.line(), l.column()));
            let _ = PANIC_AT.try_with(|p| *p.borrow_mut() = at);
            if std::env::var_os("RUST_BACKTRACE").is_some() {
                previous(info);
            }
        }));
    });
}

/// Runs `f` under `catch_unwind`, marked as a guarded call.
fn guarded<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    install_panic_hook();
    GUARDED.with(|g| g.set(g.get() + 1));
    let outcome = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(g.get().saturating_sub(1)));
    outcome
}

/// The text of a panic payload; the payload is dropped under `catch_unwind`
/// too, since dropping it may itself panic.
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    let msg = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".to_string()
    };
    let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
    let at = PANIC_AT
        .try_with(|p| p.borrow_mut().take())
        .ok()
        .flatten()
        .unwrap_or_default();
    format!("{msg}{at}")
}

/// Writes `msg` to `*error_out` as a leaked `Box<[u8]>` that [`free_error`] releases.
///
/// # Safety
/// `error_out` must be NULL or valid for writing one `MqaStr`.
unsafe fn write_error(error_out: *mut MqaStr, msg: String) {
    if error_out.is_null() {
        return;
    }
    let bytes: Box<[u8]> = msg.into_bytes().into_boxed_slice();
    let len = bytes.len();
    let ptr = Box::into_raw(bytes).cast::<u8>().cast_const();
    // SAFETY: the caller guarantees `error_out` is valid for writes.
    unsafe { error_out.write(MqaStr { ptr, len }) };
}

/// Turns the outcome of a guarded body into a status, writing any message.
///
/// # Safety
/// As for [`write_error`].
unsafe fn finish(
    outcome: std::thread::Result<Result<(), Failure>>,
    error_out: *mut MqaStr,
    what: &str,
) -> i32 {
    let (status, msg) = match outcome {
        Ok(Ok(())) => return MQA_STATUS_OK,
        Ok(Err(failure)) => failure,
        Err(payload) => (
            MQA_STATUS_PANIC,
            format!("panicked in {what}: {}", panic_message(payload)),
        ),
    };
    // SAFETY: forwarded caller guarantee.
    unsafe { write_error(error_out, msg) };
    status
}

/// Borrows an `MqaStr` as `&str`; `None` when it is NULL with a length or not UTF-8.
///
/// # Safety
/// A non-NULL `s.ptr` must be valid for reading `s.len` bytes for `'a`.
unsafe fn borrow_str<'a>(s: MqaStr) -> Option<&'a str> {
    if s.ptr.is_null() {
        return (s.len == 0).then_some("");
    }
    // SAFETY: the caller guarantees the pointer and length describe live bytes.
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr, s.len) };
    std::str::from_utf8(bytes).ok()
}

fn invalid(msg: impl Into<String>) -> Failure {
    (MQA_STATUS_INVALID_ARGUMENT, msg.into())
}

/// `open`: parses nothing itself; calls `P::open` and boxes the result as the handle.
///
/// # Safety
/// Called by the host per the ABI: `config_json` readable, `handle_out` and
/// `error_out` writable.
#[doc(hidden)]
pub unsafe extern "C" fn open<P: SignalPlugin>(
    config_json: MqaStr,
    handle_out: *mut *mut c_void,
    error_out: *mut MqaStr,
) -> i32 {
    let outcome = guarded(|| {
        if handle_out.is_null() {
            return Err(invalid("open was called with a NULL handle_out"));
        }
        // SAFETY: the host passes a readable string (ABI contract).
        let config = unsafe { borrow_str(config_json) }
            .ok_or_else(|| invalid("the configuration is not UTF-8 text"))?;
        let plugin = P::open(config).map_err(|e| (MQA_STATUS_ERROR, e))?;
        let handle = Box::into_raw(Box::new(plugin)).cast::<c_void>();
        // SAFETY: checked non-NULL above; the host passes a writable slot.
        unsafe { handle_out.write(handle) };
        Ok(())
    });
    // SAFETY: the host passes a writable `error_out` (ABI contract).
    unsafe { finish(outcome, error_out, "open") }
}

/// `fetch`: copies the request into a [`Request`], calls `P::fetch`, checks the
/// batch against the declared schema and hands it over without copying.
///
/// # Safety
/// Called by the host per the ABI: `handle` from `open::<P>`, not used
/// concurrently; `request` readable; `batch_out` and `error_out` writable.
#[doc(hidden)]
pub unsafe extern "C" fn fetch<P: SignalPlugin>(
    handle: *mut c_void,
    request: *const MqaRequest,
    batch_out: *mut MqaBatch,
    error_out: *mut MqaStr,
) -> i32 {
    let outcome = guarded(|| {
        if handle.is_null() || request.is_null() || batch_out.is_null() {
            return Err(invalid("fetch was called with a NULL pointer"));
        }
        // SAFETY: non-NULL, and the host passes a readable request.
        let raw = unsafe { request.read() };
        if (raw.struct_size as usize) < std::mem::size_of::<MqaRequest>() {
            return Err(invalid(format!(
                "the request is {} bytes, ABI {MQA_ABI_MAJOR}.{MQA_ABI_MINOR} needs {}",
                raw.struct_size,
                std::mem::size_of::<MqaRequest>()
            )));
        }
        let keys: &[MqaStr] = if raw.account_key_count == 0 {
            &[]
        } else if raw.account_keys.is_null() {
            return Err(invalid("the request's account_keys is NULL"));
        } else {
            // SAFETY: the host passes `account_key_count` readable MqaStr.
            unsafe { std::slice::from_raw_parts(raw.account_keys, raw.account_key_count) }
        };
        let mut account_keys = Vec::with_capacity(keys.len());
        for (i, k) in keys.iter().enumerate() {
            // SAFETY: each key is a readable string (ABI contract).
            let k = unsafe { borrow_str(*k) }
                .ok_or_else(|| invalid(format!("account key {} is not UTF-8 text", i + 1)))?;
            account_keys.push(k.to_string());
        }
        let req = Request {
            account_keys,
            from: raw.from_micros,
            to: raw.to_micros,
        };
        // SAFETY: `handle` was made by `open::<P>` from a `Box<P>` and the host
        // calls it from one thread at a time, so this is the only reference.
        let plugin = unsafe { &mut *handle.cast::<P>() };
        let batch = plugin.fetch(&req).map_err(|e| (MQA_STATUS_ERROR, e))?;
        let declared: Vec<_> = P::METADATA.fields.iter().map(|f| f.ty).collect();
        if batch.field_types() != declared {
            return Err((
                MQA_STATUS_ERROR,
                "the plugin built its batch with a schema other than the one it declares \
                 (use Batch::new(Self::METADATA.fields))"
                    .to_string(),
            ));
        }
        // SAFETY: checked non-NULL; the host passes a writable batch.
        unsafe { batch_out.write(batch.into_ffi()) };
        Ok(())
    });
    // SAFETY: the host passes a writable `error_out` (ABI contract).
    unsafe { finish(outcome, error_out, "fetch") }
}

/// `free_batch`: releases a batch made by [`fetch`].
///
/// # Safety
/// `batch` is NULL or a batch filled by a successful `fetch`, not freed before.
#[doc(hidden)]
pub unsafe extern "C" fn free_batch(batch: *mut MqaBatch) {
    // SAFETY: forwarded caller guarantee.
    let _ = guarded(|| unsafe { free_ffi(batch) });
}

/// `close`: drops the plugin value behind the handle (a panic in `Drop` is swallowed).
///
/// # Safety
/// `handle` is NULL or made by `open::<P>`, not closed before.
#[doc(hidden)]
pub unsafe extern "C" fn close<P: SignalPlugin>(handle: *mut c_void) {
    if handle.is_null() {
        return;
    }
    // SAFETY: `handle` came from `Box::into_raw(Box<P>)` in `open::<P>`.
    let _ = guarded(|| drop(unsafe { Box::from_raw(handle.cast::<P>()) }));
}

/// `free_error`: releases a message written by this SDK.
///
/// # Safety
/// `message` is one the SDK wrote to an `error_out`, not freed before.
#[doc(hidden)]
pub unsafe extern "C" fn free_error(message: MqaStr) {
    if message.ptr.is_null() {
        return;
    }
    let slice = std::ptr::slice_from_raw_parts_mut(message.ptr.cast_mut(), message.len);
    // SAFETY: `write_error` made this pointer and length with
    // `Box::into_raw(Box<[u8]>)`; the host frees each message once.
    let _ = guarded(|| drop(unsafe { Box::from_raw(slice) }));
}

/// The descriptor and the field array it points into; immutable once built.
struct DescriptorStore {
    descriptor: MqaPluginDescriptor,
    _fields: Vec<MqaFieldDesc>,
}

// SAFETY: the store is never mutated after construction; its raw pointers
// point to `'static` strings and to the `_fields` buffer it owns.
unsafe impl Send for DescriptorStore {}
// SAFETY: as above: shared read-only access from any thread is sound.
unsafe impl Sync for DescriptorStore {}

/// Holds a plugin's descriptor, built on first use. [`export_plugin!`](crate::export_plugin)
/// puts one in a `static`.
#[doc(hidden)]
pub struct DescriptorCell(OnceLock<DescriptorStore>);

impl Default for DescriptorCell {
    fn default() -> Self {
        Self::new()
    }
}

impl DescriptorCell {
    pub const fn new() -> DescriptorCell {
        DescriptorCell(OnceLock::new())
    }

    /// The descriptor of `P` (built once), or NULL if building it panicked.
    pub fn get<P: SignalPlugin>(&'static self) -> *const MqaPluginDescriptor {
        guarded(|| {
            let store = self.0.get_or_init(build::<P>);
            std::ptr::addr_of!(store.descriptor)
        })
        .unwrap_or(std::ptr::null())
    }
}

fn build<P: SignalPlugin>() -> DescriptorStore {
    let m = P::METADATA;
    let fields: Vec<MqaFieldDesc> = m
        .fields
        .iter()
        .map(|f| MqaFieldDesc {
            name: MqaStr::borrow(f.name),
            type_code: f.ty.code(),
        })
        .collect();
    let descriptor = MqaPluginDescriptor {
        struct_size: std::mem::size_of::<MqaPluginDescriptor>() as u32,
        abi_major: MQA_ABI_MAJOR,
        abi_minor: MQA_ABI_MINOR,
        name: MqaStr::borrow(m.name),
        version: MqaStr::borrow(m.version),
        vendor: MqaStr::borrow(m.vendor),
        join_key: m.join_key.code(),
        thread_safe: u32::from(m.thread_safe),
        fields: fields.as_ptr(),
        field_count: fields.len(),
        open: Some(open::<P>),
        fetch: Some(fetch::<P>),
        free_batch: Some(free_batch),
        close: Some(close::<P>),
        free_error: Some(free_error),
    };
    DescriptorStore {
        descriptor,
        _fields: fields,
    }
}
