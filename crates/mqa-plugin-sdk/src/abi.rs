//! The C ABI between the mqa host and a signal plugin, version 1.0.
//!
//! Everything here is `#[repr(C)]` and mirrors `plugins/include/mqa_plugin.h`
//! field for field (a test in `mqa-plugin-host` compiles the header with the
//! machine's C compiler and compares every size, alignment and offset).
//!
//! # The contract in brief
//!
//! * The library exports one symbol, [`MQA_ENTRY_SYMBOL`]
//!   (`mqa_plugin_entry_v1`), of type [`MqaEntryFn`]. It returns a pointer to
//!   an [`MqaPluginDescriptor`] that stays valid and unchanged for the life of
//!   the process (or NULL if the plugin cannot describe itself).
//! * The descriptor starts with `struct_size`, `abi_major`, `abi_minor`. The
//!   host reads those three first and refuses a major version it does not
//!   know, or a minor version newer than its own.
//! * Strings are [`MqaStr`]: a pointer and a byte length, UTF-8, **not**
//!   NUL-terminated. `ptr` may be NULL only when `len` is 0.
//! * `open(config_json)` creates a handle; `fetch(handle, request)` fills an
//!   [`MqaBatch`]; `free_batch(batch)` releases it; `close(handle)` destroys
//!   the handle; `free_error(message)` releases an error message. Whoever
//!   allocates frees: the host copies every string and array it receives
//!   and hands the originals back to the plugin's own free functions.
//! * Every function returning `int32_t` returns a status ([`MQA_STATUS_OK`]
//!   on success). On failure it writes a message to `*error_out` (which the
//!   host later passes to `free_error`) and leaves every other out-parameter
//!   untouched; the host then does not call `free_batch`.
//! * Threads: the host calls a handle from one thread at a time (not always
//!   the same thread). If `thread_safe` is 0, the host also never calls two
//!   handles of the plugin at once.

use std::ffi::c_void;

/// Major ABI version of this contract. A host refuses any other major version.
pub const MQA_ABI_MAJOR: u16 = 1;
/// Minor ABI version of this contract. A host refuses a plugin whose minor
/// version is newer than its own (it may rely on fields the host does not know).
pub const MQA_ABI_MINOR: u16 = 0;
/// The entry symbol's name, NUL-terminated (as `dlsym` wants it).
pub const MQA_ENTRY_SYMBOL: &[u8] = b"mqa_plugin_entry_v1\0";
/// The entry symbol's name as text (for messages).
pub const MQA_ENTRY_SYMBOL_NAME: &str = "mqa_plugin_entry_v1";

/// Success.
pub const MQA_STATUS_OK: i32 = 0;
/// The plugin failed; `*error_out` says why (bad config, unreadable file, ...).
pub const MQA_STATUS_ERROR: i32 = 1;
/// The plugin panicked (Rust) or crashed in a way it caught; `*error_out` says where.
pub const MQA_STATUS_PANIC: i32 = 2;
/// The host passed an invalid argument (NULL pointer, non-UTF-8 text).
pub const MQA_STATUS_INVALID_ARGUMENT: i32 = 3;

/// Field type code: UTF-8 text (column uses `text`).
pub const MQA_TYPE_TEXT: u32 = 1;
/// Field type code: 64-bit signed integer (column uses `ints`).
pub const MQA_TYPE_INT: u32 = 2;
/// Field type code: IEEE 754 double (column uses `numbers`).
pub const MQA_TYPE_NUMBER: u32 = 3;
/// Field type code: boolean, one byte 0 or 1 per row (column uses `bools`).
pub const MQA_TYPE_BOOL: u32 = 4;
/// Field type code: time as i64 microseconds since the Unix epoch, UTC (column uses `ints`).
pub const MQA_TYPE_TIME: u32 = 5;

/// Join key code: records join on the account's built-in `id`.
pub const MQA_JOIN_ID: u32 = 1;
/// Join key code: records join on the account's `domain` field.
pub const MQA_JOIN_DOMAIN: u32 = 2;

/// A borrowed UTF-8 string: pointer plus byte length, not NUL-terminated.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MqaStr {
    /// First byte; may be NULL only when `len` is 0.
    pub ptr: *const u8,
    /// Length in bytes.
    pub len: usize,
}

impl MqaStr {
    /// The empty string (NULL pointer, length 0).
    pub const EMPTY: MqaStr = MqaStr {
        ptr: std::ptr::null(),
        len: 0,
    };

    /// Borrows `s`; the result is valid as long as `s` is.
    pub fn borrow(s: &str) -> MqaStr {
        MqaStr {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }
}

/// One declared signal field: its name and its type code (`MQA_TYPE_*`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MqaFieldDesc {
    pub name: MqaStr,
    pub type_code: u32,
}

/// A column of `rows` strings stored contiguously: string `i` is
/// `data[offsets[i] .. offsets[i + 1]]`. `offsets` has `rows + 1` entries,
/// never decreasing, the last one at most `data_len`; every string is UTF-8.
/// A missing text value is an empty range plus a 0 in the column's validity.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MqaText {
    pub offsets: *const u64,
    pub data: *const u8,
    pub data_len: usize,
}

impl MqaText {
    /// No strings (all pointers NULL).
    pub const EMPTY: MqaText = MqaText {
        offsets: std::ptr::null(),
        data: std::ptr::null(),
        data_len: 0,
    };
}

/// One column of a batch, `rows` values long, of the type its schema field declares.
///
/// Exactly one value array is used, chosen by `type_code`; the others are NULL:
/// `text` for TEXT, `ints` for INT and TIME, `numbers` for NUMBER, `bools` for BOOL.
/// `validity` is NULL when every value is present, else `rows` bytes where 0
/// marks a missing value (the value slot's content is then ignored).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MqaColumn {
    pub type_code: u32,
    pub validity: *const u8,
    pub ints: *const i64,
    pub numbers: *const f64,
    pub bools: *const u8,
    pub text: MqaText,
}

/// An input row the plugin could not turn into a record. Rejects are never
/// dropped: the engine writes them to its rejects file.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MqaReject {
    /// 1-based line number in `origin`, 0 when the input is not line-based.
    pub line: u64,
    /// Where the row came from (a file path, an API page).
    pub origin: MqaStr,
    /// The row as read, untouched.
    pub raw: MqaStr,
    /// Why it was rejected, in words a data owner understands.
    pub reason: MqaStr,
}

/// What `fetch` returns: `rows` records in columns, plus the rejected rows.
///
/// The host zero-fills the struct before `fetch`; the plugin fills it on
/// success and the host later passes the same struct to `free_batch`.
/// `columns` has one entry per schema field, in schema order.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MqaBatch {
    /// Number of records.
    pub rows: usize,
    /// The join key (account id or domain) of each record; never empty.
    pub account: MqaText,
    /// The time of each record: `rows` i64 microseconds since the Unix epoch, UTC.
    pub at: *const i64,
    pub columns: *const MqaColumn,
    pub column_count: usize,
    pub rejects: *const MqaReject,
    pub reject_count: usize,
    /// The plugin's own bookkeeping for `free_batch`; the host never touches it.
    pub private_data: *mut c_void,
}

impl MqaBatch {
    /// An empty batch: what the host passes to `fetch`.
    pub const EMPTY: MqaBatch = MqaBatch {
        rows: 0,
        account: MqaText::EMPTY,
        at: std::ptr::null(),
        columns: std::ptr::null(),
        column_count: 0,
        rejects: std::ptr::null(),
        reject_count: 0,
        private_data: std::ptr::null_mut(),
    };
}

/// What the host asks for: records of these accounts whose `at` lies in
/// `(from_micros, to_micros]`. An empty key list means every account. A
/// plugin may return more than asked (the engine filters), never fewer.
/// Everything is borrowed for the duration of the `fetch` call only.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MqaRequest {
    /// `sizeof(MqaRequest)` as the host knows it.
    pub struct_size: u32,
    pub account_keys: *const MqaStr,
    pub account_key_count: usize,
    /// Exclusive lower bound, microseconds since the Unix epoch UTC.
    pub from_micros: i64,
    /// Inclusive upper bound, microseconds since the Unix epoch UTC.
    pub to_micros: i64,
}

/// `open(config_json, &handle, &error)`: parse the configuration (a JSON
/// object, already expanded by the engine) and create a handle.
pub type MqaOpenFn = unsafe extern "C" fn(
    config_json: MqaStr,
    handle_out: *mut *mut c_void,
    error_out: *mut MqaStr,
) -> i32;

/// `fetch(handle, request, &batch, &error)`: fill `*batch_out`.
pub type MqaFetchFn = unsafe extern "C" fn(
    handle: *mut c_void,
    request: *const MqaRequest,
    batch_out: *mut MqaBatch,
    error_out: *mut MqaStr,
) -> i32;

/// `free_batch(&batch)`: release everything a successful `fetch` put in the batch.
pub type MqaFreeBatchFn = unsafe extern "C" fn(batch: *mut MqaBatch);

/// `close(handle)`: destroy a handle made by `open`.
pub type MqaCloseFn = unsafe extern "C" fn(handle: *mut c_void);

/// `free_error(message)`: release a message written to an `error_out`.
pub type MqaFreeErrorFn = unsafe extern "C" fn(message: MqaStr);

/// The first three fields of every descriptor version; the host reads these
/// before anything else.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MqaDescriptorHeader {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
}

/// What the entry symbol returns: the plugin's metadata and functions.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct MqaPluginDescriptor {
    /// `sizeof(MqaPluginDescriptor)` as the plugin was compiled with.
    pub struct_size: u32,
    /// [`MQA_ABI_MAJOR`] as the plugin was compiled with.
    pub abi_major: u16,
    /// [`MQA_ABI_MINOR`] as the plugin was compiled with.
    pub abi_minor: u16,
    /// The name rule files use in `plugin "NAME"`: ASCII letters, digits, `-`, `_`, `.`.
    pub name: MqaStr,
    /// The plugin's own version (e.g. `1.4.2`).
    pub version: MqaStr,
    /// Who ships it.
    pub vendor: MqaStr,
    /// `MQA_JOIN_ID` or `MQA_JOIN_DOMAIN`.
    pub join_key: u32,
    /// 1 if distinct handles may be used from different threads at once, else 0.
    pub thread_safe: u32,
    /// The signal schema, besides the built-in `account` and `at`.
    pub fields: *const MqaFieldDesc,
    pub field_count: usize,
    pub open: Option<MqaOpenFn>,
    pub fetch: Option<MqaFetchFn>,
    pub free_batch: Option<MqaFreeBatchFn>,
    pub close: Option<MqaCloseFn>,
    pub free_error: Option<MqaFreeErrorFn>,
}

/// The entry symbol's type.
pub type MqaEntryFn = unsafe extern "C" fn() -> *const MqaPluginDescriptor;
