//! [`PluginSource`]: one open handle of a loaded plugin, adapted to the
//! engine's [`SignalSource`]. Every string and array the plugin returns is
//! copied into host memory, then handed back to the plugin's free functions.

use std::ffi::c_void;
use std::sync::MutexGuard;

use mqa_engine::signals::{SignalBatch, SignalError, SignalRequest, SignalSource, SourceInfo};
use mqa_plugin_sdk::abi::{
    MqaBatch, MqaRequest, MqaStr, MQA_STATUS_INVALID_ARGUMENT, MQA_STATUS_OK, MQA_STATUS_PANIC,
};

use crate::columnar::ColumnarBatch;
use crate::convert::{view_batch, BatchView};
use crate::error::{codes, PluginError};
use crate::load::Plugin;

/// The plugin's opaque handle. Per the ABI a handle may move between threads
/// as long as it is used by one at a time, which `&mut self` guarantees.
struct Handle(*mut c_void);

// SAFETY: see above: the contract allows a handle to be called from any
// thread, one thread at a time; `PluginSource` only uses it through `&mut self`
// (and in `Drop`).
unsafe impl Send for Handle {}

/// An open source of a loaded plugin; closes its handle when dropped.
pub struct PluginSource {
    plugin: &'static Plugin,
    handle: Handle,
}

impl std::fmt::Debug for PluginSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginSource")
            .field("plugin", &self.plugin.info().name)
            .finish()
    }
}

/// Holds the plugin-wide lock when the plugin is not thread-safe.
fn serialize(plugin: &'static Plugin) -> Option<MutexGuard<'static, ()>> {
    (!plugin.info().thread_safe).then(|| plugin.serial.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Copies a message the plugin wrote to `error_out` and frees it through the plugin.
fn take_error(plugin: &Plugin, err: MqaStr) -> String {
    if err.ptr.is_null() {
        return "(the plugin gave no message)".to_string();
    }
    // SAFETY: the plugin wrote this message and it stays valid until freed.
    let bytes = unsafe { std::slice::from_raw_parts(err.ptr, err.len) };
    let msg = String::from_utf8_lossy(bytes).into_owned();
    // SAFETY: the message came from this plugin's function and is freed once.
    unsafe { (plugin.api.free_error)(err) };
    msg
}

fn status_word(status: i32) -> String {
    match status {
        MQA_STATUS_PANIC => "panic".to_string(),
        MQA_STATUS_INVALID_ARGUMENT => "invalid argument".to_string(),
        1 => "error".to_string(),
        other => format!("unknown status {other}"),
    }
}

impl Plugin {
    /// Opens a source: passes `config_json` (the rule file's settings, a JSON
    /// object with `${data}` etc. already expanded) to the plugin's `open`.
    pub fn open(&'static self, config_json: &str) -> Result<PluginSource, PluginError> {
        let mut handle: *mut c_void = std::ptr::null_mut();
        let mut err = MqaStr::EMPTY;
        let status = {
            let _serial = serialize(self);
            // SAFETY: per the ABI: the config is borrowed for the call, both
            // out-pointers are valid and writable.
            unsafe { (self.api.open)(MqaStr::borrow(config_json), &mut handle, &mut err) }
        };
        if status == MQA_STATUS_OK {
            return Ok(PluginSource {
                plugin: self,
                handle: Handle(handle),
            });
        }
        let message = take_error(self, err);
        let (name, path) = (self.info().name.clone(), self.info().path.clone());
        Err(if status == MQA_STATUS_PANIC {
            PluginError::OpenPanicked {
                name,
                path,
                message,
            }
        } else {
            PluginError::Open {
                name,
                path,
                message: format!("{message} [status: {}]", status_word(status)),
            }
        })
    }
}

impl PluginSource {
    /// The loaded plugin this source belongs to.
    pub fn plugin(&self) -> &'static Plugin {
        self.plugin
    }

    fn failed(&self, code: &str, message: String) -> SignalError {
        SignalError::Failed {
            plugin: self.plugin.info().name.clone(),
            message: format!(
                "{code} {message} (plugin file `{}`)",
                self.plugin.info().path.display()
            ),
        }
    }
}

impl PluginSource {
    /// Calls the plugin's `fetch`, checks the batch and hands the checked view
    /// to `copy`, then frees the batch through the plugin. An error from
    /// `copy` is reported as a malformed batch.
    fn fetch_with<R>(
        &mut self,
        request: &SignalRequest,
        copy: impl FnOnce(&BatchView<'_>) -> Result<R, String>,
    ) -> Result<R, SignalError> {
        let plugin = self.plugin;
        let keys: Vec<MqaStr> = request
            .account_keys
            .iter()
            .map(|k| MqaStr::borrow(k))
            .collect();
        let raw = MqaRequest {
            struct_size: std::mem::size_of::<MqaRequest>() as u32,
            account_keys: keys.as_ptr(),
            account_key_count: keys.len(),
            from_micros: request.from,
            to_micros: request.to,
        };
        let mut batch = MqaBatch::EMPTY;
        let mut err = MqaStr::EMPTY;
        let _serial = serialize(plugin);
        // SAFETY: per the ABI: `handle` came from this plugin's `open` and is
        // used by this thread only (`&mut self`); the request and the keys it
        // points to outlive the call; both out-pointers are valid and writable.
        let status = unsafe { (plugin.api.fetch)(self.handle.0, &raw, &mut batch, &mut err) };
        if status != MQA_STATUS_OK {
            let message = take_error(plugin, err);
            return Err(if status == MQA_STATUS_PANIC {
                self.failed(codes::FETCH_PANICKED, format!("fetch crashed: {message}"))
            } else {
                self.failed(
                    codes::FETCH_FAILED,
                    format!("{message} [status: {}]", status_word(status)),
                )
            });
        }
        let origin = format!("plugin {}", plugin.info().name);
        // SAFETY: `batch` was filled by a successful `fetch`; the view and
        // everything borrowed from it are gone before `free_batch` below.
        let copied =
            unsafe { view_batch(&batch, &plugin.info().fields, &origin) }.and_then(|v| copy(&v));
        // SAFETY: the batch came from this plugin's `fetch` and is freed once.
        unsafe { (plugin.api.free_batch)(&mut batch) };
        copied.map_err(|message| SignalError::Malformed {
            plugin: plugin.info().name.clone(),
            message: format!(
                "{} {message} (plugin file `{}`)",
                codes::MALFORMED_BATCH,
                plugin.info().path.display()
            ),
        })
    }

    /// Like [`SignalSource::fetch`], but returns the records in columnar form
    /// (text as one buffer plus offsets): the copy out of the plugin is a few
    /// `memcpy`s instead of one allocation per string.
    pub fn fetch_columnar(
        &mut self,
        request: &SignalRequest,
    ) -> Result<ColumnarBatch, SignalError> {
        self.fetch_with(request, |v| Ok(v.to_columnar()))
    }
}

impl SignalSource for PluginSource {
    fn info(&self) -> &SourceInfo {
        self.plugin.source_info()
    }

    fn fetch(&mut self, request: &SignalRequest) -> Result<SignalBatch, SignalError> {
        self.fetch_with(request, |v| v.to_signal_batch())
    }
}

impl Drop for PluginSource {
    fn drop(&mut self) {
        let _serial = serialize(self.plugin);
        // SAFETY: the handle came from this plugin's `open` and is closed once.
        unsafe { (self.plugin.api.close)(self.handle.0) };
    }
}
