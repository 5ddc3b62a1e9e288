//! Loading one plugin file: trust checks, `dlopen` of the very file that was
//! checked, the entry symbol, the descriptor's ABI version and contents. A
//! loaded library is never unloaded: it lives in a `'static` registry.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use mqa_engine::signals::SourceInfo;
use mqa_plugin_sdk::abi::{
    MqaDescriptorHeader, MqaEntryFn, MqaPluginDescriptor, MQA_ABI_MAJOR, MQA_ABI_MINOR,
    MQA_ENTRY_SYMBOL, MQA_ENTRY_SYMBOL_NAME,
};

use crate::descriptor::{read_descriptor, Api, PluginInfo};
use crate::discover::plugin_file_name;
use crate::error::PluginError;
use crate::lock::Lock;
use crate::trust::{open_checked, CheckedFile};

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
