//! Where plugins are looked for and what their files are called.

use std::path::{Path, PathBuf};

/// The library file name of plugin `name` on this platform: `-` becomes `_`,
/// then `lib<name>.so` (Linux and other Unix), `lib<name>.dylib` (macOS) or
/// `<name>.dll` (Windows). `intent-csv` → `libintent_csv.so`.
pub fn plugin_file_name(name: &str) -> String {
    format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    )
}

/// Whether a file name looks like a shared library on this platform.
pub(crate) fn is_library_name(file_name: &str) -> bool {
    file_name.starts_with(std::env::consts::DLL_PREFIX)
        && file_name.ends_with(std::env::consts::DLL_SUFFIX)
        && file_name.len() > std::env::consts::DLL_PREFIX.len() + std::env::consts::DLL_SUFFIX.len()
}

/// The folders the CLI searches, in order (first match wins):
///
/// 1. each `--plugin-dir` given (`explicit`), in order;
/// 2. `plugins/` next to the rule file, when there is one;
/// 3. the folder of the running executable: when `mqa` runs from a
///    workspace build (`target/release/mqa`), that is where `cargo build`
///    puts the workspace's plugins (`target/release/libintent_csv.so`).
///
/// Folders that do not exist are kept (they are simply empty when searched);
/// the list is what a "not found" message shows.
pub fn default_plugin_dirs(explicit: &[PathBuf], rule_file: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = explicit.to_vec();
    if let Some(rule_file) = rule_file {
        let parent = match rule_file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        dirs.push(parent.join("plugins"));
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        dirs.push(exe_dir);
    }
    let mut seen = Vec::new();
    dirs.retain(|d| {
        let fresh = !seen.contains(d);
        seen.push(d.clone());
        fresh
    });
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_the_platform() {
        let f = plugin_file_name("intent-csv");
        #[cfg(target_os = "linux")]
        assert_eq!(f, "libintent_csv.so");
        #[cfg(target_os = "macos")]
        assert_eq!(f, "libintent_csv.dylib");
        #[cfg(windows)]
        assert_eq!(f, "intent_csv.dll");
        assert!(is_library_name(&f));
        assert!(!is_library_name("intent_csv.txt"));
        assert!(!is_library_name(&plugin_file_name("")));
    }

    #[test]
    fn default_dirs_order() {
        let dirs = default_plugin_dirs(
            &[PathBuf::from("/opt/p"), PathBuf::from("/opt/p")],
            Some(Path::new("rules/x.mqa")),
        );
        assert_eq!(dirs[0], PathBuf::from("/opt/p"));
        assert_eq!(dirs[1], PathBuf::from("rules/plugins"));
        assert_eq!(dirs.len(), 3, "{dirs:?}");
        let dirs = default_plugin_dirs(&[], Some(Path::new("x.mqa")));
        assert_eq!(dirs[0], PathBuf::from("./plugins"));
    }
}
