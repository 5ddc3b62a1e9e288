//! misbehave: a test-only mqa signal plugin that fails on purpose, so the
//! host's handling of each failure is tested (see
//! crates/mqa-plugin-host/tests). Never ship it.
//!
//! Configuration `{"mode": M}`:
//! - `ok`: `fetch` returns two records (`n: int` = 1 and missing);
//! - `error`: `fetch` returns an error;
//! - `panic`: `fetch` panics (the SDK must turn it into an error);
//! - `open-error`, `open-panic`: `open` fails or panics.

use mqa_plugin_sdk::{
    export_plugin, Batch, Field, FieldType, JoinKey, Metadata, Request, SignalPlugin, Value,
};

/// A handle remembering its mode.
#[derive(Debug)]
pub struct Misbehave {
    mode: String,
}

impl SignalPlugin for Misbehave {
    const METADATA: Metadata = Metadata {
        name: "misbehave",
        version: "0.0.1",
        vendor: "mqa tests",
        join_key: JoinKey::Id,
        fields: &[Field {
            name: "n",
            ty: FieldType::Int,
        }],
        thread_safe: false,
    };

    fn open(config_json: &str) -> Result<Self, String> {
        let v: serde_json::Value =
            serde_json::from_str(config_json).map_err(|e| format!("config is not JSON: {e}"))?;
        let mode = v
            .get("mode")
            .and_then(|m| m.as_str())
            .ok_or("config needs {\"mode\": ...}")?
            .to_string();
        match mode.as_str() {
            "open-error" => Err("open failed on purpose".to_string()),
            #[allow(clippy::panic)]
            "open-panic" => panic!("open panicked on purpose"),
            "ok" | "error" | "panic" => Ok(Misbehave { mode }),
            other => Err(format!("unknown mode `{other}`")),
        }
    }

    fn fetch(&mut self, request: &Request) -> Result<Batch, String> {
        match self.mode.as_str() {
            "error" => Err("fetch failed on purpose".to_string()),
            #[allow(clippy::panic)]
            "panic" => panic!("fetch panicked on purpose"),
            _ => {
                let mut b = Batch::new(Self::METADATA.fields);
                b.push_row("acc-1", request.to, &[Value::Int(1)])?;
                b.push_row("acc-2", request.to, &[Value::Missing])?;
                Ok(b)
            }
        }
    }
}

export_plugin!(Misbehave);
