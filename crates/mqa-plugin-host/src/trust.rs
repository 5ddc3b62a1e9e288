//! Trust checks made before any plugin code runs: the file and its folder
//! must not be writable by group or others, and the sha256 is computed from
//! the bytes of the opened file, so the file checked is the file loaded.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::PluginError;

/// A plugin file opened for checking and loading: the open descriptor, its
/// canonical path and the sha256 of its bytes.
#[derive(Debug)]
pub(crate) struct CheckedFile {
    pub file: File,
    pub path: PathBuf,
    pub sha256: String,
}

/// Opens `path`, refuses it if it or its folder is writable by group or
/// others, and hashes the opened file's bytes.
pub(crate) fn open_checked(path: &Path) -> Result<CheckedFile, PluginError> {
    let canonical = std::fs::canonicalize(path).map_err(|e| PluginError::io(path, e))?;
    let mut file = File::open(&canonical).map_err(|e| PluginError::io(&canonical, e))?;
    let meta = file
        .metadata()
        .map_err(|e| PluginError::io(&canonical, e))?;
    if !meta.is_file() {
        return Err(PluginError::io(
            &canonical,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
        ));
    }
    check_not_shared(&canonical, "file", &canonical, &meta)?;
    if let Some(dir) = canonical.parent() {
        let dir_meta = std::fs::metadata(dir).map_err(|e| PluginError::io(dir, e))?;
        check_not_shared(&canonical, "folder", dir, &dir_meta)?;
    }
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| PluginError::io(&canonical, e))?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok(CheckedFile {
        file,
        path: canonical,
        sha256: hex(&hasher.finalize()),
    })
}

/// Refuses `path` (the plugin itself or its folder) when group or others may write it.
#[cfg(unix)]
fn check_not_shared(
    plugin: &Path,
    what: &'static str,
    path: &Path,
    meta: &std::fs::Metadata,
) -> Result<(), PluginError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
        (false, false) => return Ok(()),
        (true, false) => "group",
        (false, true) => "others",
        (true, true) => "group and others",
    };
    Err(PluginError::Insecure {
        plugin: plugin.to_path_buf(),
        what,
        path: path.to_path_buf(),
        who,
        mode,
    })
}

/// Windows ACLs are not checked (documented in docs/plugins.md).
#[cfg(not(unix))]
fn check_not_shared(
    _plugin: &Path,
    _what: &'static str,
    _path: &Path,
    _meta: &std::fs::Metadata,
) -> Result<(), PluginError> {
    Ok(())
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// The sha256 of a file's bytes, as lowercase hex (what `mqa.lock` stores).
pub fn sha256_file(path: &Path) -> Result<String, PluginError> {
    let bytes = std::fs::read(path).map_err(|e| PluginError::io(path, e))?;
    Ok(hex(&Sha256::digest(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_of_known_digest() {
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[cfg(unix)]
    #[test]
    fn shared_files_and_folders_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("libx.so");
        std::fs::write(&f, b"abc").unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let ok = open_checked(&f).unwrap();
        assert_eq!(ok.sha256, hex(&Sha256::digest(b"abc")));
        assert_eq!(sha256_file(&f).unwrap(), ok.sha256);

        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o664)).unwrap();
        let e = open_checked(&f).unwrap_err().to_string();
        assert!(e.starts_with("E0603"), "{e}");
        assert!(
            e.contains("the file") && e.contains("writable by group") && e.contains("0664"),
            "{e}"
        );

        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = open_checked(&f).unwrap_err().to_string();
        assert!(
            e.contains("the folder") && e.contains("group and others"),
            "{e}"
        );
        assert!(
            e.contains(&dir.path().canonicalize().unwrap().display().to_string()),
            "{e}"
        );
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
}
