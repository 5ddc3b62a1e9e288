//! Loading one plugin file: trust checks, `dlopen` of the very file that was
//! checked, the entry symbol, the descriptor's ABI version and contents. A
//! loaded library is never unloaded: it lives in a `'static` registry.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use mqa_engine::signals::{JoinKey, SourceInfo};
use mqa_plugin_sdk::abi::{
    MqaCloseFn, MqaDescriptorHeader, MqaEntryFn, MqaFetchFn, MqaFieldDesc, MqaFreeBatchFn,
    MqaFreeErrorFn, MqaOpenFn, MqaPluginDescriptor, MqaStr, MQA_ABI_MAJOR, MQA_ABI_MINOR,
    MQA_ENTRY_SYMBOL, MQA_ENTRY_SYMBOL_NAME,
};
use mqa_syntax::FieldType;

use crate::discover::plugin_file_name;
use crate::error::PluginError;
use crate::lock::Lock;
use crate::trust::{open_checked, CheckedFile};

/// What a plugin says about itself, plus where it was loaded from.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub vendor: String,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub join_key: JoinKey,
    /// The signal schema, besides the built-in `account` and `at`.
    pub fields: Vec<(String, FieldType)>,
    pub thread_safe: bool,
    /// The canonical path of the library file.
    pub path: PathBuf,
    /// The sha256 of the library's bytes, lowercase hex.
    pub sha256: String,
}

impl PluginInfo {
    /// The schema as rule files spell it: `topic: text, score: number`.
    pub fn schema_text(&self) -> String {
        self.fields
            .iter()
            .map(|(n, t)| format!("{n}: {t}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The join key as rule files spell it: `id` or `domain`.
    pub fn join_key_text(&self) -> &'static str {
        match self.join_key {
            JoinKey::Id => "id",
            JoinKey::Domain => "domain",
        }
    }
}

/// The plugin's functions, checked non-NULL.
#[derive(Clone, Copy)]
pub(crate) struct Api {
    pub open: MqaOpenFn,
    pub fetch: MqaFetchFn,
    pub free_batch: MqaFreeBatchFn,
    pub close: MqaCloseFn,
    pub free_error: MqaFreeErrorFn,
}

/// A loaded plugin. It lives for the rest of the process, as its library does.
pub struct Plugin {
    info: PluginInfo,
    source_info: SourceInfo,
    pub(crate) api: Api,
    /// Held around every call when the plugin is not thread-safe.
    pub(crate) serial: Mutex<()>,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin").field("info", &self.info).finish()
    }
}

impl Plugin {
    /// Metadata, path and hash.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    /// The engine's view of the plugin.
    pub fn source_info(&self) -> &SourceInfo {
        &self.source_info
    }
}

/// Every plugin loaded so far, so that loading a file twice reuses it.
static REGISTRY: Mutex<Vec<&'static Plugin>> = Mutex::new(Vec::new());

/// How to check a file against a lock before loading it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LockCheck<'a> {
    pub path: &'a Path,
    pub lock: &'a Lock,
}

/// Loads the plugin at `path`: trust checks, lock check (when `lock` is given
/// and `expected_name` names the plugin), then the library, entry symbol and
/// descriptor. With `expected_name`, refuses a plugin that calls itself
/// otherwise; without it, refuses one whose file name does not match its name.
pub(crate) fn load_file(
    path: &Path,
    expected_name: Option<&str>,
    lock: Option<LockCheck<'_>>,
) -> Result<&'static Plugin, PluginError> {
    let checked = open_checked(path)?;
    if let (Some(l), Some(name)) = (lock, expected_name) {
        match l.lock.get(name) {
            Some(pin) if pin.sha256 == checked.sha256 => {}
            Some(pin) => {
                return Err(PluginError::LockMismatch {
                    name: name.to_string(),
                    path: checked.path,
                    lock: l.path.to_path_buf(),
                    expected: pin.sha256.clone(),
                    actual: checked.sha256,
                })
            }
            None => {
                return Err(PluginError::NotLocked {
                    name: name.to_string(),
                    path: checked.path,
                    lock: l.path.to_path_buf(),
                    actual: checked.sha256,
                })
            }
        }
    }
    // One thread loads at a time; a poisoned lock still guards a valid Vec.
    let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    let found = registry
        .iter()
        .find(|p| p.info.path == checked.path && p.info.sha256 == checked.sha256)
        .copied();
    let plugin = match found {
        Some(p) => p,
        None => {
            let p: &'static Plugin = Box::leak(Box::new(load_library(checked)?));
            registry.push(p);
            p
        }
    };
    drop(registry);
    match expected_name {
        Some(name) if plugin.info.name != name => Err(PluginError::NameMismatch {
            path: plugin.info.path.clone(),
            expected: name.to_string(),
            found: plugin.info.name.clone(),
        }),
        None if path.file_name().and_then(|f| f.to_str())
            != Some(plugin_file_name(&plugin.info.name).as_str()) =>
        {
            let file = path
                .file_name()
                .and_then(|f| f.to_str())
                .unwrap_or_default();
            Err(PluginError::NameMismatch {
                path: plugin.info.path.clone(),
                expected: file.to_string(),
                found: plugin.info.name.clone(),
            })
        }
        _ => Ok(plugin),
    }
}

/// Opens the library of the file that was checked: on Linux through
/// `/proc/self/fd/N`, which is that open file even if the path has since been
/// replaced; elsewhere by path, after checking the path still names that file.
fn open_library(checked: &CheckedFile) -> Result<libloading::Library, PluginError> {
    let load_err = |e: libloading::Error| PluginError::Load {
        path: checked.path.clone(),
        message: e.to_string(),
    };
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let fd_path = PathBuf::from(format!("/proc/self/fd/{}", checked.file.as_raw_fd()));
        if fd_path.exists() {
            let flags = libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_LOCAL;
            // SAFETY: loading a library runs its initialisers; the file passed
            // the trust checks (owner-only writable, pinned hash when locked)
            // and `fd_path` is the very file descriptor that was hashed.
            let lib = unsafe { libloading::os::unix::Library::open(Some(&fd_path), flags) };
            return lib.map(libloading::Library::from).map_err(load_err);
        }
    }
    same_file_check(checked)?;
    // SAFETY: as above; `same_file_check` verified the path still names the
    // checked file (a remaining race is documented in docs/plugins.md).
    unsafe { libloading::Library::new(&checked.path) }.map_err(load_err)
}

#[cfg(unix)]
fn same_file_check(checked: &CheckedFile) -> Result<(), PluginError> {
    use std::os::unix::fs::MetadataExt;
    let a = checked
        .file
        .metadata()
        .map_err(|e| PluginError::io(&checked.path, e))?;
    let b = std::fs::metadata(&checked.path).map_err(|e| PluginError::io(&checked.path, e))?;
    if (a.dev(), a.ino()) == (b.dev(), b.ino()) {
        Ok(())
    } else {
        Err(PluginError::Load {
            path: checked.path.clone(),
            message: "the file was replaced while it was being checked".to_string(),
        })
    }
}

#[cfg(not(unix))]
fn same_file_check(_checked: &CheckedFile) -> Result<(), PluginError> {
    Ok(())
}

fn load_library(checked: CheckedFile) -> Result<Plugin, PluginError> {
    // Never unloaded, even when it turns out not to be a usable plugin: its
    // initialisers have run, and unloading is the usual source of
    // use-after-free with thread-locals.
    let lib: &'static libloading::Library = Box::leak(Box::new(open_library(&checked)?));
    let CheckedFile { file, path, sha256 } = checked;
    // The descriptor stays open too: the dynamic loader knows the library by
    // the name `/proc/self/fd/N`, and a later library opened under a reused
    // N would be mistaken for this one.
    std::mem::forget(file);
    // SAFETY: the symbol's type is the ABI's entry type; a library exporting
    // the name with another type breaks the contract we document.
    let entry: Result<libloading::Symbol<'static, MqaEntryFn>, _> =
        unsafe { lib.get(MQA_ENTRY_SYMBOL) };
    let entry: MqaEntryFn = match entry {
        Ok(sym) => *sym,
        Err(_) => {
            let hint = other_abi_hint(lib);
            return Err(PluginError::MissingEntry {
                path,
                symbol: MQA_ENTRY_SYMBOL_NAME,
                hint,
            });
        }
    };
    // SAFETY: calling the plugin's entry function, per the ABI it takes no
    // arguments and returns a pointer to a static descriptor (or NULL).
    let desc_ptr = unsafe { entry() };
    if desc_ptr.is_null() {
        return Err(PluginError::BadDescriptor {
            path,
            message: format!("`{MQA_ENTRY_SYMBOL_NAME}` returned NULL"),
        });
    }
    // SAFETY: every descriptor version starts with this header (ABI rule), and
    // the pointer is non-NULL and points to static data.
    let header = unsafe { desc_ptr.cast::<MqaDescriptorHeader>().read() };
    if header.abi_major != MQA_ABI_MAJOR || header.abi_minor > MQA_ABI_MINOR {
        return Err(PluginError::AbiMismatch {
            path,
            plugin_major: header.abi_major,
            plugin_minor: header.abi_minor,
            host_major: MQA_ABI_MAJOR,
            host_minor: MQA_ABI_MINOR,
        });
    }
    let need = std::mem::size_of::<MqaPluginDescriptor>();
    if (header.struct_size as usize) < need {
        return Err(PluginError::BadDescriptor {
            path,
            message: format!(
                "struct_size is {} bytes, ABI {}.{} needs at least {need}",
                header.struct_size, header.abi_major, header.abi_minor
            ),
        });
    }
    // SAFETY: the plugin declares ABI 1.x and a struct at least this large.
    let desc = unsafe { desc_ptr.read() };
    let (info, api) = read_descriptor(&desc, &path, sha256)
        .map_err(|message| PluginError::BadDescriptor { path, message })?;
    let source_info = SourceInfo {
        plugin: info.name.clone(),
        version: info.version.clone(),
        join_key: info.join_key,
        fields: info.fields.clone(),
        thread_safe: info.thread_safe,
    };
    Ok(Plugin {
        info,
        source_info,
        api,
        serial: Mutex::new(()),
    })
}

/// Words for a library that exports another ABI's entry symbol instead.
fn other_abi_hint(lib: &libloading::Library) -> String {
    for v in (0..=9u32).filter(|v| *v != u32::from(MQA_ABI_MAJOR)) {
        let name = format!("mqa_plugin_entry_v{v}\0");
        // SAFETY: only the symbol's presence is tested; it is never called.
        let found = unsafe { lib.get::<*const ()>(name.as_bytes()) }.is_ok();
        if found {
            return format!(
                " (it exports `mqa_plugin_entry_v{v}`: it was built for plugin ABI {v}, \
                 this mqa supports ABI {MQA_ABI_MAJOR})"
            );
        }
    }
    String::new()
}

/// Copies a plugin string.
///
/// # Safety
/// A non-NULL `s.ptr` must be readable for `s.len` bytes.
pub(crate) unsafe fn copy_str(s: MqaStr, what: &str) -> Result<String, String> {
    if s.ptr.is_null() {
        return if s.len == 0 {
            Ok(String::new())
        } else {
            Err(format!("{what} is NULL with length {}", s.len))
        };
    }
    // SAFETY: the caller guarantees the bytes are readable.
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr, s.len) };
    String::from_utf8(bytes.to_vec()).map_err(|_| format!("{what} is not UTF-8"))
}

fn valid_plugin_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn valid_field_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn field_type(code: u32) -> Option<FieldType> {
    use mqa_plugin_sdk::FieldType as Sdk;
    Some(match Sdk::from_code(code)? {
        Sdk::Text => FieldType::Text,
        Sdk::Int => FieldType::Int,
        Sdk::Number => FieldType::Number,
        Sdk::Bool => FieldType::Bool,
        Sdk::Time => FieldType::Time,
    })
}

/// Copies and checks the descriptor's metadata; the message says what is wrong.
fn read_descriptor(
    d: &MqaPluginDescriptor,
    path: &Path,
    sha256: String,
) -> Result<(PluginInfo, Api), String> {
    // SAFETY (for the three calls): descriptor strings are readable per the ABI.
    let name = unsafe { copy_str(d.name, "the name") }?;
    let version = unsafe { copy_str(d.version, "the version") }?;
    let vendor = unsafe { copy_str(d.vendor, "the vendor") }?;
    if !valid_plugin_name(&name) {
        return Err(format!(
            "the name `{name}` is not made of ASCII letters, digits, `-`, `_` and `.`"
        ));
    }
    let join_key = match mqa_plugin_sdk::JoinKey::from_code(d.join_key) {
        Some(mqa_plugin_sdk::JoinKey::Id) => JoinKey::Id,
        Some(mqa_plugin_sdk::JoinKey::Domain) => JoinKey::Domain,
        None => {
            return Err(format!(
                "join_key {} is neither 1 (id) nor 2 (domain)",
                d.join_key
            ))
        }
    };
    if d.thread_safe > 1 {
        return Err(format!("thread_safe is {}, not 0 or 1", d.thread_safe));
    }
    let raw_fields: &[MqaFieldDesc] = if d.field_count == 0 {
        &[]
    } else if d.fields.is_null() {
        return Err(format!(
            "fields is NULL but field_count is {}",
            d.field_count
        ));
    } else {
        // SAFETY: the descriptor's field array has `field_count` entries (ABI).
        unsafe { std::slice::from_raw_parts(d.fields, d.field_count) }
    };
    let mut fields: Vec<(String, FieldType)> = Vec::with_capacity(raw_fields.len());
    for (i, f) in raw_fields.iter().enumerate() {
        // SAFETY: field names are readable per the ABI.
        let fname = unsafe { copy_str(f.name, &format!("the name of field {}", i + 1)) }?;
        if !valid_field_name(&fname) || fname == "account" || fname == "at" {
            return Err(format!(
                "field {} is named `{fname}`; a field name is a letter or `_` then letters, \
                 digits or `_`, and not `account` or `at`",
                i + 1
            ));
        }
        if fields.iter().any(|(n, _)| *n == fname) {
            return Err(format!("field `{fname}` is declared twice"));
        }
        let ty = field_type(f.type_code).ok_or_else(|| {
            format!(
                "field `{fname}` has type code {}, not one of 1 (text) 2 (int) 3 (number) \
                 4 (bool) 5 (time)",
                f.type_code
            )
        })?;
        fields.push((fname, ty));
    }
    let missing = |what: &str| format!("the `{what}` function is NULL");
    let api = Api {
        open: d.open.ok_or_else(|| missing("open"))?,
        fetch: d.fetch.ok_or_else(|| missing("fetch"))?,
        free_batch: d.free_batch.ok_or_else(|| missing("free_batch"))?,
        close: d.close.ok_or_else(|| missing("close"))?,
        free_error: d.free_error.ok_or_else(|| missing("free_error"))?,
    };
    let info = PluginInfo {
        name,
        version,
        vendor,
        abi_major: d.abi_major,
        abi_minor: d.abi_minor,
        join_key,
        fields,
        thread_safe: d.thread_safe == 1,
        path: path.to_path_buf(),
        sha256,
    };
    Ok((info, api))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_plugin_name("intent-csv") && valid_plugin_name("a.b_c"));
        assert!(!valid_plugin_name("") && !valid_plugin_name("a b") && !valid_plugin_name("a/b"));
        assert!(valid_field_name("topic") && valid_field_name("_x1"));
        assert!(!valid_field_name("1x") && !valid_field_name("a-b") && !valid_field_name(""));
    }

    #[test]
    fn copy_str_rejects_null_with_length_and_bad_utf8() {
        // SAFETY: NULL with a length is checked before any read.
        let e = unsafe {
            copy_str(
                MqaStr {
                    ptr: std::ptr::null(),
                    len: 3,
                },
                "x",
            )
        };
        assert_eq!(e.unwrap_err(), "x is NULL with length 3");
        let bad = [0xc3u8];
        // SAFETY: `bad` is live.
        let e = unsafe {
            copy_str(
                MqaStr {
                    ptr: bad.as_ptr(),
                    len: 1,
                },
                "y",
            )
        };
        assert_eq!(e.unwrap_err(), "y is not UTF-8");
    }
}
