//! Reading a plugin's descriptor: copying its metadata into host memory and
//! checking it (name, field names and type codes, join key, functions).

use std::path::{Path, PathBuf};

use mqa_engine::signals::JoinKey;
use mqa_plugin_sdk::abi::{
    MqaCloseFn, MqaFetchFn, MqaFieldDesc, MqaFreeBatchFn, MqaFreeErrorFn, MqaOpenFn,
    MqaPluginDescriptor, MqaStr,
};
use mqa_syntax::FieldType;

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

/// Copies a plugin string.
///
/// # Safety
/// A non-NULL `s.ptr` must be readable for `s.len` bytes.
unsafe fn copy_str(s: MqaStr, what: &str) -> Result<String, String> {
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
pub(crate) fn read_descriptor(
    d: &MqaPluginDescriptor,
    path: &Path,
    sha256: String,
) -> Result<(PluginInfo, Api), String> {
    // SAFETY: descriptor strings are readable for the process's life (ABI).
    let name = unsafe { copy_str(d.name, "the name") }?;
    // SAFETY: as above.
    let version = unsafe { copy_str(d.version, "the version") }?;
    // SAFETY: as above.
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
